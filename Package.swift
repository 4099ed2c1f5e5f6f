// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "mailroom",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mailroom", targets: ["mailroom"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    ],
    targets: [
        // Foundations
        .target(
            name: "Config",
            dependencies: [.product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: strict
        ),
        .target(name: "MIME", swiftSettings: strict),
        .target(name: "CalendarFormats", swiftSettings: strict),
        .target(
            name: "DNS",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "DKIM",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // Wire grammars: pure, bytes in and typed values out, import only NIOCore
        .target(
            name: "SMTPProtocol",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        .target(
            name: "IMAPProtocol",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        .target(
            name: "POP3Protocol",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        .target(name: "WebDAV", dependencies: ["CalendarFormats"], swiftSettings: strict),
        .target(
            name: "ServerSupport",
            dependencies: [
                "Config",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "MailStore",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Test tooling and benchmark of MailStore (not part of the product).
        .executableTarget(name: "mailstore-crash-helper", dependencies: ["MailStore"], swiftSettings: strict),
        .executableTarget(name: "mailroom-bench-store", dependencies: ["MailStore"], swiftSettings: strict),
        .executableTarget(name: "mailroom-bench-mime", dependencies: ["MIME", "Delivery"], swiftSettings: strict),
        // The load generator of scripts/bench-* (benchmarks against Dovecot and Postfix; not a test).
        .executableTarget(
            name: "mailroom-load",
            dependencies: [
                "Delivery", "ServerSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Services
        .target(
            name: "Directory",
            dependencies: [
                "MailStore",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Delivery",
            dependencies: [
                "MailStore", "MIME", "Directory", "DNS", "DKIM", "SMTPProtocol", "ServerSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Front-ends
        .target(
            name: "SMTPServer",
            dependencies: [
                "SMTPProtocol", "ServerSupport", "Directory", "Delivery", "MailStore", "MIME", "Config",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "POP3Server",
            dependencies: [
                "POP3Protocol", "ServerSupport", "Directory", "MailStore", "Config",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "IMAPServer",
            dependencies: [
                "IMAPProtocol", "ServerSupport", "Directory", "Delivery", "MailStore", "MIME", "Config",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "DAVServer",
            dependencies: [
                "WebDAV", "CalendarFormats", "MailStore", "Directory", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "HTTPServer",
            dependencies: [
                "Config", "DAVServer", "Directory", "MailStore", "ServerSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Executable
        .executableTarget(
            name: "mailroom",
            dependencies: [
                "Config", "MIME", "ServerSupport", "MailStore", "Directory", "Delivery", "SMTPServer", "IMAPServer",
                "POP3Server",
                "DNS", "DKIM", "HTTPServer", "DAVServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Test support
        .target(
            name: "MailTestSupport",
            dependencies: ["MailStore", "Directory", "Config", "MIME", "DNS"],
            swiftSettings: strict
        ),
        .testTarget(name: "ConfigTests", dependencies: ["Config"], swiftSettings: strict),
        .testTarget(name: "MIMETests", dependencies: ["MIME"], swiftSettings: strict),
        .testTarget(name: "CalendarFormatsTests", dependencies: ["CalendarFormats"], swiftSettings: strict),
        .testTarget(name: "DNSTests", dependencies: ["DNS", "MailTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "DAVServerTests", dependencies: ["DAVServer", "MailStore", "MailTestSupport"], swiftSettings: strict),
        .testTarget(name: "DKIMTests", dependencies: ["DKIM"], swiftSettings: strict),
        .testTarget(name: "SMTPProtocolTests", dependencies: ["SMTPProtocol"], swiftSettings: strict),
        .testTarget(name: "IMAPProtocolTests", dependencies: ["IMAPProtocol"], swiftSettings: strict),
        .testTarget(
            name: "IMAPServerTests", dependencies: ["IMAPServer", "IMAPProtocol", "MailStore"], swiftSettings: strict),
        .testTarget(name: "POP3ProtocolTests", dependencies: ["POP3Protocol"], swiftSettings: strict),
        .testTarget(name: "WebDAVTests", dependencies: ["WebDAV", "CalendarFormats"], swiftSettings: strict),
        .testTarget(name: "ServerSupportTests", dependencies: ["ServerSupport"], swiftSettings: strict),
        .testTarget(name: "MailStoreTests", dependencies: ["MailStore", "MailTestSupport"], swiftSettings: strict),
        .testTarget(name: "DirectoryTests", dependencies: ["Directory", "MailTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "DeliveryTests",
            dependencies: [
                "Delivery", "MailTestSupport", "MIME", "MailStore", "DNS", "SMTPProtocol", "Directory", "ServerSupport",
            ],
            swiftSettings: strict),
        // Fuzzing (libFuzzer): one harness library shared by the fuzz executables and the corpus replay tests.
        // Build a fuzzer with scripts/fuzz; a plain `swift build` also builds them (as no-op executables).
        .target(
            name: "FuzzHarness",
            dependencies: [
                "IMAPProtocol", "SMTPProtocol", "POP3Protocol", "MIME", "DNS", "DKIM", "CalendarFormats", "WebDAV",
                "Config", .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Fuzz/Sources/FuzzHarness",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "FuzzIMAPCommand", dependencies: ["FuzzHarness"], path: "Fuzz/Sources/FuzzIMAPCommand",
            swiftSettings: strict),
        .executableTarget(
            name: "FuzzSMTPCommand", dependencies: ["FuzzHarness"], path: "Fuzz/Sources/FuzzSMTPCommand",
            swiftSettings: strict),
        .executableTarget(
            name: "FuzzPOP3Command", dependencies: ["FuzzHarness"], path: "Fuzz/Sources/FuzzPOP3Command",
            swiftSettings: strict),
        .executableTarget(
            name: "FuzzMIME", dependencies: ["FuzzHarness"], path: "Fuzz/Sources/FuzzMIME", swiftSettings: strict),
        .executableTarget(
            name: "FuzzDNSMessage", dependencies: ["FuzzHarness"], path: "Fuzz/Sources/FuzzDNSMessage",
            swiftSettings: strict),
        .executableTarget(
            name: "FuzzDKIMHeader", dependencies: ["FuzzHarness"], path: "Fuzz/Sources/FuzzDKIMHeader",
            swiftSettings: strict),
        .executableTarget(
            name: "FuzzICalendar", dependencies: ["FuzzHarness"], path: "Fuzz/Sources/FuzzICalendar",
            swiftSettings: strict),
        .executableTarget(
            name: "FuzzWebDAV", dependencies: ["FuzzHarness"], path: "Fuzz/Sources/FuzzWebDAV",
            swiftSettings: strict),
        .executableTarget(
            name: "FuzzConfig", dependencies: ["FuzzHarness"], path: "Fuzz/Sources/FuzzConfig",
            swiftSettings: strict),
        .testTarget(name: "FuzzCorpusTests", dependencies: ["FuzzHarness"], swiftSettings: strict),
    ]
)
