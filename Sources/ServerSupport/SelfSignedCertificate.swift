// SelfSignedCertificate: the certificate used when the config names none (DESIGN §5).
//
// Invariants:
// - Generated at most once per data directory: later starts reuse `tls/cert.pem` + `tls/key.pem` while
//   the certificate is valid for at least `renewalMargin` more and lists the hostname as a DNS SAN.
// - The key file is created with mode 0600 before any byte is written to it, then renamed into place,
//   so no other user can ever read it and a crash never leaves a half-written key.
// - SANs: DNS:hostname, DNS:localhost, DNS:127.0.0.1 and IP:127.0.0.1 (isync 1.4 ignores IP SANs, see
//   NOTES.md, so 127.0.0.1 is also a DNS name).

import Crypto
import Foundation
import Logging
import SwiftASN1
import X509

enum SelfSignedCertificate {
    static let certificateFileName = "cert.pem"
    static let keyFileName = "key.pem"
    /// How long a generated certificate is valid.
    static let validity: TimeInterval = 825 * 86_400
    /// A certificate that expires sooner than this is replaced at start.
    static let renewalMargin: TimeInterval = 7 * 86_400
    /// Backdating against clock skew between server and clients.
    static let backdate: TimeInterval = 3_600

    struct Material {
        var certificatePath: String
        var keyPath: String
        var certificatePEM: String
        var keyPEM: String
    }

    static func loadOrCreate(directory: String, hostname: String, logger: Logger, now: Date = Date()) throws -> Material
    {
        let certificatePath = directory + "/" + certificateFileName
        let keyPath = directory + "/" + keyFileName
        let fileManager = FileManager.default
        if let certificateData = fileManager.contents(atPath: certificatePath),
            let keyData = fileManager.contents(atPath: keyPath)
        {
            let certificatePEM = String(decoding: certificateData, as: UTF8.self)
            let keyPEM = String(decoding: keyData, as: UTF8.self)
            if let reason = reasonToReplace(certificatePEM: certificatePEM, hostname: hostname, now: now) {
                logger.warning(
                    "Replacing the self-signed TLS certificate",
                    metadata: ["reason": "\(reason)", "path": "\(certificatePath)"])
            } else {
                logSelfSignedWarning(logger: logger, certificatePath: certificatePath, generated: false)
                return Material(
                    certificatePath: certificatePath, keyPath: keyPath, certificatePEM: certificatePEM, keyPEM: keyPEM)
            }
        }
        let material = try generate(hostname: hostname, now: now)
        do {
            try fileManager.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try writeAtomically(material.keyPEM, to: keyPath, mode: 0o600)
            try writeAtomically(material.certificatePEM, to: certificatePath, mode: 0o644)
        } catch {
            throw TLSProviderError(path: directory, problem: "cannot store the self-signed certificate (\(error))")
        }
        logSelfSignedWarning(logger: logger, certificatePath: certificatePath, generated: true)
        return Material(
            certificatePath: certificatePath, keyPath: keyPath, certificatePEM: material.certificatePEM,
            keyPEM: material.keyPEM)
    }

    /// Why an existing certificate cannot be reused, or nil when it can.
    static func reasonToReplace(certificatePEM: String, hostname: String, now: Date) -> String? {
        guard let certificate = try? Certificate(pemEncoded: certificatePEM) else {
            return "the existing file is not a PEM certificate"
        }
        if certificate.notValidAfter < now.addingTimeInterval(renewalMargin) {
            return "it expires on \(certificate.notValidAfter)"
        }
        let names = (try? certificate.extensions.subjectAlternativeNames) ?? nil
        let dnsNames = names?.compactMap { name -> String? in
            if case .dnsName(let dnsName) = name { return dnsName.lowercased() }
            return nil
        }
        if dnsNames?.contains(hostname.lowercased()) != true {
            return "it does not name the hostname \(hostname)"
        }
        return nil
    }

    static func generate(hostname: String, now: Date) throws -> (certificatePEM: String, keyPEM: String) {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            CommonName(hostname)
            OrganizationName("Mailroom self-signed")
        }
        var dnsNames = [hostname.lowercased(), "localhost", "127.0.0.1"]
        dnsNames = dnsNames.reduce(into: []) { unique, name in if !unique.contains(name) { unique.append(name) } }
        let alternativeNames: [GeneralName] =
            dnsNames.map { .dnsName($0) } + [.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))]
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([.serverAuth])
            SubjectAlternativeNames(alternativeNames)
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-backdate),
            notValidAfter: now.addingTimeInterval(validity),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions,
            issuerPrivateKey: .init(key))
        return (try certificate.serializeAsPEM().pemString, key.pemRepresentation)
    }

    private static func logSelfSignedWarning(logger: Logger, certificatePath: String, generated: Bool) {
        logger.warning(
            """
            USING A SELF-SIGNED TLS CERTIFICATE (\(generated ? "generated now" : "generated earlier")): \
            mail clients will warn or refuse to connect. Set [tls] cert and key in the config for production.
            """,
            metadata: ["path": "\(certificatePath)"])
    }

    /// Creates `path.tmp` with `mode` (O_EXCL after removing a stale one), writes, fsyncs, renames.
    private static func writeAtomically(_ text: String, to path: String, mode: mode_t) throws {
        let temporaryPath = path + ".tmp"
        unlink(temporaryPath)
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard result > 0 else {
                if errno == EINTR { continue }
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
            }
            written += result
        }
        guard fchmod(descriptor, mode) == 0, fsync(descriptor) == 0, rename(temporaryPath, path) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
    }
}
