import Foundation
import Logging
import Testing
import X509

@testable import ServerSupport

let quietLogger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

/// A fresh directory removed when the value is released.
final class TemporaryDirectory: Sendable {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("mailroom-ss-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

struct TLSProviderTests {
    @Test func selfSignedIsGeneratedOnceAndReused() throws {
        let directory = try TemporaryDirectory()
        let tlsDirectory = directory.path + "/data/tls"
        let first = try TLSProvider(
            source: .selfSigned(directory: tlsDirectory, hostname: "mail.example.test"), logger: quietLogger)
        let keyAttributes = try FileManager.default.attributesOfItem(atPath: tlsDirectory + "/key.pem")
        #expect((keyAttributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let second = try TLSProvider(
            source: .selfSigned(directory: tlsDirectory, hostname: "mail.example.test"), logger: quietLogger)
        #expect(first.certificate == second.certificate)
        #expect(first.certificate.sha256Fingerprint.count == 64)

        let pem = try String(contentsOfFile: tlsDirectory + "/cert.pem", encoding: .utf8)
        let certificate = try Certificate(pemEncoded: pem)
        let names = try #require(try certificate.extensions.subjectAlternativeNames)
        #expect(names.contains(.dnsName("mail.example.test")))
        #expect(names.contains(.dnsName("localhost")))
        #expect(names.contains(.dnsName("127.0.0.1")))  // isync ignores IP SANs (NOTES.md)
        #expect(
            names.contains {
                if case .ipAddress(let ip) = $0 { return Array(ip.bytes) == [127, 0, 0, 1] } else { return false }
            })
    }

    @Test func selfSignedIsReplacedWhenTheHostnameChanges() throws {
        let directory = try TemporaryDirectory()
        let first = try TLSProvider(
            source: .selfSigned(directory: directory.path, hostname: "a.example"), logger: quietLogger)
        let second = try TLSProvider(
            source: .selfSigned(directory: directory.path, hostname: "b.example"), logger: quietLogger)
        #expect(first.certificate != second.certificate)
    }

    @Test func filesAreLoadedAndReloaded() throws {
        let directory = try TemporaryDirectory()
        let certPath = directory.path + "/c.pem"
        let keyPath = directory.path + "/k.pem"
        try writePair(hostname: "one.example", certPath: certPath, keyPath: keyPath)
        let provider = try TLSProvider(source: .files(certificatePath: certPath, keyPath: keyPath), logger: quietLogger)
        let before = provider.certificate
        try writePair(hostname: "two.example", certPath: certPath, keyPath: keyPath)
        #expect(provider.reload())
        #expect(provider.certificate != before)
    }

    @Test func failedReloadKeepsTheOldCertificate() throws {
        let directory = try TemporaryDirectory()
        let certPath = directory.path + "/c.pem"
        let keyPath = directory.path + "/k.pem"
        try writePair(hostname: "one.example", certPath: certPath, keyPath: keyPath)
        let provider = try TLSProvider(source: .files(certificatePath: certPath, keyPath: keyPath), logger: quietLogger)
        let before = provider.certificate
        try "garbage".write(toFile: certPath, atomically: true, encoding: .utf8)
        #expect(!provider.reload())
        #expect(provider.certificate == before)
    }

    @Test func errorsNameTheFile() throws {
        let directory = try TemporaryDirectory()
        let certPath = directory.path + "/c.pem"
        let keyPath = directory.path + "/k.pem"
        let missing = #expect(throws: TLSProviderError.self) {
            try TLSProvider(source: .files(certificatePath: certPath, keyPath: keyPath), logger: quietLogger)
        }
        #expect(missing?.description == "\(certPath): does not exist; it should hold the TLS certificate in PEM form")

        // A key that belongs to another certificate.
        try writePair(hostname: "one.example", certPath: certPath, keyPath: keyPath)
        let otherKey = directory.path + "/other.pem"
        try writePair(hostname: "two.example", certPath: directory.path + "/other-cert.pem", keyPath: otherKey)
        let mismatch = #expect(throws: TLSProviderError.self) {
            try TLSProvider(source: .files(certificatePath: certPath, keyPath: otherKey), logger: quietLogger)
        }
        #expect(mismatch?.description.hasPrefix("\(otherKey): does not match the certificate") == true)
    }
}

func writePair(hostname: String, certPath: String, keyPath: String) throws {
    let pair = try SelfSignedCertificate.generate(hostname: hostname, now: Date())
    try pair.certificatePEM.write(toFile: certPath, atomically: true, encoding: .utf8)
    try pair.keyPEM.write(toFile: keyPath, atomically: true, encoding: .utf8)
}
