// TLSProvider: the server's certificate and key as an NIOSSLContext, swappable at run time.
//
// Invariants:
// - `context` always returns a working context: the one loaded at init, or the last successful reload.
//   A failed reload keeps the previous context and logs at error level (the server keeps serving).
// - New connections read `context` when they start TLS; existing connections keep the context they
//   started with (NIOSSLContext is immutable and thread-safe), so a reload never disturbs them.
// - TLS 1.2 is the minimum version (DESIGN §5; RFC 8996 deprecates 1.0 and 1.1).
// - With no files configured, a self-signed certificate is generated once into `<data_dir>/tls`
//   (cert.pem 0644, key.pem 0600) and reused on later starts while it is valid and names the hostname.
// - File reads are blocking: call `init` and `reload()` off the event loops (at startup, on SIGHUP).

import Config
import Crypto
import Foundation
import Logging
import NIOSSL
import Synchronization

public final class TLSProvider: Sendable {
    public enum Source: Sendable, Equatable {
        /// PEM chain (leaf first) and private key files.
        case files(certificatePath: String, keyPath: String)
        /// A self-signed certificate for `hostname`, kept in `directory` (generated when missing).
        case selfSigned(directory: String, hostname: String)
    }

    /// What a loaded certificate looks like, for logs and tests.
    public struct CertificateSummary: Sendable, Equatable {
        /// SHA-256 of the leaf certificate's DER, lower-case hex.
        public var sha256Fingerprint: String
        /// Serial number of the leaf, lower-case hex.
        public var serialNumber: String
        /// Number of certificates in the chain.
        public var chainLength: Int
    }

    public let source: Source
    private let logger: Logger
    private let state: Mutex<(context: NIOSSLContext, summary: CertificateSummary)>

    /// Loads (or, for `.selfSigned`, generates) the certificate now; throws `TLSProviderError` with a message a
    /// person can act on.
    public init(source: Source, logger: Logger) throws {
        self.source = source
        self.logger = logger
        state = Mutex(try Self.load(source: source, logger: logger))
    }

    /// The provider a config asks for: its `[tls]` files, or a self-signed certificate in `data_dir/tls`.
    public convenience init(config: MailroomConfig, logger: Logger) throws {
        if let files = config.tls {
            try self.init(
                source: .files(certificatePath: files.certificatePath, keyPath: files.keyPath), logger: logger)
        } else {
            let hostname = config.hostname ?? ConfigDefaults.devHostname
            try self.init(
                source: .selfSigned(directory: config.generatedTLSDirectory, hostname: hostname), logger: logger)
        }
    }

    /// The context for a new TLS connection.
    public var context: NIOSSLContext { state.withLock { $0.context } }

    /// The certificate currently served.
    public var certificate: CertificateSummary { state.withLock { $0.summary } }

    /// Re-reads the files (on SIGHUP). On failure the previous context stays in use and the error is logged.
    /// Returns whether the new certificate was loaded.
    @discardableResult
    public func reload() -> Bool {
        do {
            let loaded = try Self.load(source: source, logger: logger)
            let previous = state.withLock { state in
                defer { state = loaded }
                return state.summary
            }
            logger.notice(
                "TLS certificate reloaded",
                metadata: [
                    "tls.sha256": "\(loaded.summary.sha256Fingerprint)",
                    "tls.previous_sha256": "\(previous.sha256Fingerprint)",
                ])
            return true
        } catch {
            logger.error(
                "TLS certificate reload FAILED; still serving the previous certificate",
                metadata: ["error": "\(error)", "tls.sha256": "\(certificate.sha256Fingerprint)"])
            return false
        }
    }

    // MARK: Loading

    private static func load(source: Source, logger: Logger) throws -> (
        context: NIOSSLContext, summary: CertificateSummary
    ) {
        switch source {
        case .files(let certificatePath, let keyPath):
            let chainPEM = try readFile(certificatePath, what: "certificate")
            let keyPEM = try readFile(keyPath, what: "private key")
            return try makeContext(
                chainPEM: chainPEM, keyPEM: keyPEM, certificatePath: certificatePath, keyPath: keyPath)
        case .selfSigned(let directory, let hostname):
            let material = try SelfSignedCertificate.loadOrCreate(
                directory: directory, hostname: hostname, logger: logger)
            return try makeContext(
                chainPEM: Array(material.certificatePEM.utf8), keyPEM: Array(material.keyPEM.utf8),
                certificatePath: material.certificatePath, keyPath: material.keyPath)
        }
    }

    static func makeContext(chainPEM: [UInt8], keyPEM: [UInt8], certificatePath: String, keyPath: String) throws -> (
        context: NIOSSLContext, summary: CertificateSummary
    ) {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(chainPEM)
        } catch {
            throw TLSProviderError(path: certificatePath, problem: "is not a PEM certificate chain (\(error))")
        }
        guard let leaf = chain.first else {
            throw TLSProviderError(path: certificatePath, problem: "contains no certificate")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: keyPEM, format: .pem)
        } catch {
            throw TLSProviderError(path: keyPath, problem: "is not a PEM private key (\(error))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12  // DESIGN §5, RFC 8996
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSProviderError(
                path: keyPath, problem: "does not match the certificate in \(certificatePath) (\(error))")
        }
        let der = try leaf.toDERBytes()
        let summary = CertificateSummary(
            sha256Fingerprint: SHA256.hash(data: der).hexString, serialNumber: leaf.serialNumber.hexString,
            chainLength: chain.count)
        return (context, summary)
    }

    private static func readFile(_ path: String, what: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            let problem =
                FileManager.default.fileExists(atPath: path)
                ? "cannot be read (check its permissions)" : "does not exist"
            throw TLSProviderError(path: path, problem: "\(problem); it should hold the TLS \(what) in PEM form")
        }
        return Array(data)
    }
}

/// Why TLS material could not be loaded; the description names the file.
public struct TLSProviderError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var problem: String
    public var description: String { "\(path): \(problem)" }
}

extension Sequence<UInt8> {
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        for byte in self {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
