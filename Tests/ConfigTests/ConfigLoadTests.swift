import Foundation
import Testing

@testable import Config

struct ConfigLoadTests {
    static let full = """
        hostname = "Mail.Example.Test"   # greetings, Received:, HELO
        data_dir = "data"

        [listen]
        smtp        = "127.0.0.1:2525"
        submission  = "127.0.0.1:2587"
        submissions = "127.0.0.1:2465"
        imap        = "127.0.0.1:2143"
        imaps       = "[::1]:2993"
        pop3        = "127.0.0.1:2110"
        pop3s       = "127.0.0.1:2995"
        http        = "127.0.0.1:8080"
        https       = "127.0.0.1:8443"

        [tls]
        cert = "cert.pem"
        key  = "/etc/ssl/private/key.pem"

        [limits]
        message_size = "10MB"
        recipients = 50
        connections_per_ip = 5
        smtp_line_length = 2000
        imap_line_length = "128KB"
        login_timeout = "30s"
        http_idle_timeout = "2m"
        smtp_command_timeout = "10m"

        [imap]
        idle_keepalive = "1m30s"

        [pop3]
        deletes = "keep"

        [delivery]
        relay = "smtp.provider.example:587"
        tls = "required"
        mx_port = 2526
        lifetime = "2d"
        delay_notice = "1h"

        [delivery.routes]
        "Partner.Example" = "10.0.0.5:25"
        "other.example" = "relay.other.example"

        [dns]
        servers = ["127.0.0.1:5353", "::1"]
        """

    @Test func everyKeyIsRead() throws {
        let config = try MailroomConfig.parse(text: Self.full, fileName: "m.toml", baseDirectory: "/etc/mailroom")
        #expect(config.hostname == "mail.example.test")
        #expect(config.dataDirectory == "/etc/mailroom/data")
        #expect(config.listen.count == 9)
        #expect(config.listen[.imaps] == HostPort(host: "::1", port: 2993))
        #expect(config.tls == .init(certificatePath: "/etc/mailroom/cert.pem", keyPath: "/etc/ssl/private/key.pem"))
        #expect(
            config.limits
                == .init(
                    messageSize: 10 * 1_048_576, recipients: 50, connectionsPerIP: 5, smtpLineLength: 2000,
                    imapLineLength: 128 * 1024, loginTimeout: .seconds(30), httpIdleTimeout: .seconds(120),
                    smtpCommandTimeout: .seconds(600)))
        #expect(config.imap.idleKeepalive == .seconds(90))
        #expect(config.pop3.deletes == .keep)
        #expect(config.delivery.relay == HostPort(host: "smtp.provider.example", port: 587))
        #expect(config.delivery.tls == .required)
        #expect(config.delivery.mxPort == 2526)
        #expect(config.delivery.lifetime == .seconds(2 * 86400))
        #expect(config.delivery.delayNotice == .seconds(3600))
        #expect(
            config.delivery.routes == [
                "partner.example": HostPort(host: "10.0.0.5", port: 25),
                "other.example": HostPort(host: "relay.other.example", port: 25),
            ])
        #expect(config.dns.servers == [HostPort(host: "127.0.0.1", port: 5353), HostPort(host: "::1", port: 53)])
    }

    @Test func emptyFileGivesDefaults() throws {
        let config = try MailroomConfig.parse(text: "", fileName: "m.toml", baseDirectory: "/srv")
        #expect(config == MailroomConfig.defaults(baseDirectory: "/srv").with(sourceName: "m.toml"))
        #expect(config.dataDirectory == "/srv/data")
        #expect(config.listen.isEmpty)
        #expect(config.tls == nil)
        #expect(config.limits.messageSize == 25 * 1_048_576)
        #expect(config.generatedTLSDirectory == "/srv/data/tls")
    }

    @Test func loadResolvesPathsAgainstTheFilesDirectory() throws {
        let directory = try TemporaryDirectory()
        let subdirectory = directory.path + "/etc"
        try FileManager.default.createDirectory(atPath: subdirectory, withIntermediateDirectories: true)
        let file = subdirectory + "/mailroom.toml"
        try "data_dir = \"../var/data\"\n[tls]\ncert = \"tls/c.pem\"\nkey = \"k.pem\"\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        let config = try MailroomConfig.load(path: file)
        #expect(config.sourceName == file)
        #expect(config.baseDirectory == subdirectory)
        #expect(config.dataDirectory == directory.path + "/var/data")
        #expect(config.tls?.certificatePath == subdirectory + "/tls/c.pem")
        #expect(config.tls?.keyPath == subdirectory + "/k.pem")
    }

    @Test func loadReportsErrorsWithThePathAsGiven() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path + "/bad.toml"
        try "[pop3]\ndeletes = \"never\"\n".write(toFile: file, atomically: true, encoding: .utf8)
        let error = #expect(throws: ConfigError.self) { try MailroomConfig.load(path: file) }
        #expect(error?.description.hasPrefix("\(file):2: pop3.deletes: ") == true)
    }

    @Test func starterTemplateRoundTrips() throws {
        let text = MailroomConfig.starterTemplate(hostname: "mail.example.com")
        let config = try MailroomConfig.parse(text: text, fileName: "mailroom.toml", baseDirectory: "/etc/mailroom")
        #expect(config.hostname == "mail.example.com")
        #expect(config.dataDirectory == "/etc/mailroom/data")
        #expect(Set(config.listen.keys) == Set(ListenerKind.allCases))
        #expect(config.listen[.imaps] == HostPort(host: "0.0.0.0", port: 993))
        #expect(config.listen[.http] == HostPort(host: "127.0.0.1", port: 8080))
        #expect(config.tls == nil)
        #expect(config.limits == MailroomConfig.Limits())
        #expect(config.imap == MailroomConfig.IMAP())
        #expect(config.pop3 == MailroomConfig.POP3())
        #expect(config.delivery == MailroomConfig.Delivery())
        #expect(config.dns == MailroomConfig.DNS())
    }

    @Test func starterTemplateMentionsEveryKey() {
        let text = MailroomConfig.starterTemplate(hostname: "h.example")
        let keys =
            Schema.topLevel + Schema.listen + Schema.tls + Schema.limits + Schema.imap + Schema.pop3 + Schema.delivery
            + Schema.dns
        for key in keys {
            #expect(
                text.contains("\(key) ") || text.contains("[\(key)]") || text.contains(".\(key)]"),
                "template lacks \(key)")
        }
    }

    /// Uncommenting every commented default must still give the defaults.
    @Test func starterTemplateCommentedDefaultsAreTrue() throws {
        let text = MailroomConfig.starterTemplate(hostname: "mail.example.com")
        let uncommented = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            // Only "# key = value" lines; the relay, route and certificate examples are not defaults.
            guard line.wholeMatch(of: /# [a-z_]+ += .*/) != nil, !line.contains("relay"), !line.contains("cert"),
                !line.contains("key  ")
            else { return line }
            return line.dropFirst(2)
        }.joined(separator: "\n")
        let config = try MailroomConfig.parse(text: uncommented, fileName: "m.toml", baseDirectory: "/x")
        #expect(config.limits == MailroomConfig.Limits())
        #expect(config.imap == MailroomConfig.IMAP())
        #expect(config.pop3 == MailroomConfig.POP3())
        #expect(config.delivery == MailroomConfig.Delivery())
        #expect(config.dns.servers == [HostPort(host: "127.0.0.1", port: 53)])
    }

    @Test func devConfigUsesTheDevPorts() {
        let config = MailroomConfig.dev(dataDirectory: "/tmp/mailroom-dev-test")
        #expect(config.hostname == "localhost")
        #expect(config.dataDirectory == "/tmp/mailroom-dev-test")
        #expect(config.tls == nil)
        #expect(ConfigDefaults.devDomain == "example.test")
        let ports = Dictionary(uniqueKeysWithValues: config.listen.map { ($0.key, $0.value.port) })
        #expect(
            ports == [
                .smtp: 2525, .submission: 2587, .submissions: 2465, .imap: 2143, .imaps: 2993, .pop3: 2110,
                .pop3s: 2995, .http: 8080, .https: 8443,
            ])
        #expect(config.listen.values.allSatisfy { $0.host == "127.0.0.1" })
    }

    @Test func keyLocatorFollowsTomlStructure() {
        let source = """
            a = 1
            [t]
            "quoted.key" = 'x'
            s = \"\"\"
            [not.a.table]
            fake = 1
            \"\"\"
            arr = [
              1, # comment ]
              { k = 2 },
            ]
            inline = { x = 1, y = { z = 2 } }
            [t.sub] # comment
            b.c = 3
            [[list]]
            e = 1
            """
        let locator = KeyLocator(source: source)
        #expect(locator.line(for: [.key("a")]) == 1)
        #expect(locator.line(for: [.key("t")]) == 2)
        #expect(locator.line(for: [.key("t"), .key("quoted.key")]) == 3)
        #expect(locator.line(for: [.key("t"), .key("s")]) == 4)
        #expect(locator.line(for: [.key("not")]) == nil)
        #expect(locator.line(for: [.key("t"), .key("arr"), .index(1)]) == 10)
        #expect(locator.line(for: [.key("t"), .key("arr"), .index(1), .key("k")]) == 10)
        #expect(locator.line(for: [.key("t"), .key("inline"), .key("y"), .key("z")]) == 12)
        #expect(locator.line(for: [.key("t"), .key("sub")]) == 13)
        #expect(locator.line(for: [.key("t"), .key("sub"), .key("b"), .key("c")]) == 14)
        #expect(locator.line(for: [.key("list"), .key("e")]) == 16)
        #expect(locator.line(for: [.key("t"), .key("missing")]) == 2)
    }
}

extension MailroomConfig {
    func with(sourceName: String) -> MailroomConfig {
        var copy = self
        copy.sourceName = sourceName
        return copy
    }
}

/// A fresh directory removed when the value is released.
final class TemporaryDirectory {
    let path: String
    init() throws {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent("mailroom-config-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
