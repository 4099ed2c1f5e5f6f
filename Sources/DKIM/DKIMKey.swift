// DKIM signing keys: RSA (RFC 6376 §3.3.1) and Ed25519 (RFC 8463), their PEM files and DNS key records.
//
// Invariants:
// - Keys are written as unencrypted PKCS#8 "PRIVATE KEY" PEM for both algorithms; reading also accepts
//   PKCS#1 "RSA PRIVATE KEY" (what `openssl genrsa` and older tools write).
// - RSA keys shorter than `DKIMLimits.minimumRSABits` are refused (RFC 8301 §3.2); new keys have
//   `DKIMLimits.generatedRSABits`.
// - The public half is published as "v=DKIM1; k=...; p=..." (RFC 6376 §3.6.1): for RSA, p= is the DER
//   SubjectPublicKeyInfo; for Ed25519, the raw 32-byte key (RFC 8463 §4).

import Crypto
import Foundation
import _CryptoExtras

/// Named limits of DKIM key handling.
public enum DKIMLimits {
    /// RFC 8301 §3.2: signers MUST use RSA keys of at least 1024 bits.
    public static let minimumRSABits = 1024
    /// RFC 8301 §3.2: signers SHOULD use RSA keys of at least 2048 bits; new keys have this size.
    public static let generatedRSABits = 2048
    /// RFC 1035 §3.3: a TXT character-string holds at most 255 octets.
    public static let txtStringOctets = 255
    /// RFC 5322 §2.1.1: lines SHOULD be no longer than 78 characters, excluding the CRLF.
    public static let foldedLineOctets = 78
}

/// A DKIM signing algorithm, as named in the a= tag.
public enum DKIMAlgorithm: String, Sendable, Hashable, CaseIterable {
    /// RFC 6376 §3.3.1: RSASSA-PKCS1-v1_5 over SHA-256.
    case rsaSHA256 = "rsa-sha256"
    /// RFC 8463 §3: Ed25519 over the SHA-256 hash of the data.
    case ed25519SHA256 = "ed25519-sha256"

    /// The a= tag value, e.g. "rsa-sha256".
    public var tagValue: String { rawValue }

    /// The k= key type of the DNS record (RFC 6376 §3.6.1, RFC 8463 §4): "rsa" or "ed25519".
    public var keyType: String {
        switch self {
        case .rsaSHA256: "rsa"
        case .ed25519SHA256: "ed25519"
        }
    }

    /// The short prefix of generated selectors: "rsa" or "ed".
    public var selectorPrefix: String {
        switch self {
        case .rsaSHA256: "rsa"
        case .ed25519SHA256: "ed"
        }
    }

    /// The default selector for a key made at `date`: "<rsa|ed>-<yyyyMM>" in UTC, e.g. "rsa-202611".
    public func defaultSelector(at date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month], from: date)
        let year = parts.year ?? 1970
        let month = parts.month ?? 1
        return "\(selectorPrefix)-\(year)\(month < 10 ? "0" : "")\(month)"
    }
}

/// A private key that signs DKIM signatures.
public struct DKIMPrivateKey: Sendable {
    enum Backing: Sendable {
        case rsa(_RSA.Signing.PrivateKey)
        /// The 32-byte seed (RFC 8032 §5.1.5); swift-crypto's Curve25519 key is not Sendable, so the key
        /// object is rebuilt from the seed when used.
        case ed25519(seed: [UInt8], publicKey: [UInt8])
    }

    let backing: Backing

    init(backing: Backing) {
        self.backing = backing
    }

    /// The signing algorithm this key is for.
    public var algorithm: DKIMAlgorithm {
        switch backing {
        case .rsa: .rsaSHA256
        case .ed25519: .ed25519SHA256
        }
    }

    /// A new random key: RSA with `DKIMLimits.generatedRSABits` bits, or Ed25519.
    public static func generate(_ algorithm: DKIMAlgorithm) throws -> DKIMPrivateKey {
        switch algorithm {
        case .rsaSHA256:
            do {
                return DKIMPrivateKey(backing: .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048)))
            } catch {
                throw DKIMError.signingFailed("RSA key generation failed (\(error))")
            }
        case .ed25519SHA256:
            return try DKIMPrivateKey(ed25519Seed: Array(Curve25519.Signing.PrivateKey().rawRepresentation))
        }
    }

    /// Reads a PEM key: PKCS#8 "PRIVATE KEY" (RSA or Ed25519) or PKCS#1 "RSA PRIVATE KEY".
    public init(pem: String) throws {
        let document = try PEMDocument(parsing: pem)
        switch document.label {
        case "RSA PRIVATE KEY":
            self.init(backing: .rsa(try Self.rsaKey(der: document.der)))
        case "PRIVATE KEY":
            let info = try PKCS8.parse(document.der)
            switch info.algorithm {
            case .rsaEncryption:
                self.init(backing: .rsa(try Self.rsaKey(der: document.der)))
            case .ed25519:
                // RFC 8410 §7: privateKey holds CurvePrivateKey ::= OCTET STRING (the 32-byte seed).
                var reader = DERReader(info.privateKey)
                let seed = try reader.read(tag: DERReader.octetString)
                guard seed.count == 32, reader.isAtEnd else {
                    throw DKIMError.invalidKey("an Ed25519 private key is a 32-byte seed")
                }
                try self.init(ed25519Seed: seed)
            case .other(let oid):
                throw DKIMError.unsupportedKey("a PKCS#8 key of algorithm \(oid)")
            }
        case "ENCRYPTED PRIVATE KEY":
            throw DKIMError.unsupportedKey("an encrypted private key")
        default:
            throw DKIMError.unsupportedKey("a PEM \"\(document.label)\" document")
        }
    }

    /// An Ed25519 key from its 32-byte seed (RFC 8032 §5.1.5).
    init(ed25519Seed seed: [UInt8]) throws {
        do {
            let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
            self.init(backing: .ed25519(seed: seed, publicKey: Array(key.publicKey.rawRepresentation)))
        } catch {
            throw DKIMError.invalidKey("an Ed25519 private key is a 32-byte seed")
        }
    }

    private static func rsaKey(der: [UInt8]) throws -> _RSA.Signing.PrivateKey {
        let key: _RSA.Signing.PrivateKey
        do {
            // The unsafe initializer allows 1024 bits; the RFC 8301 floor is checked below.
            key = try _RSA.Signing.PrivateKey(unsafeDERRepresentation: der)
        } catch {
            throw DKIMError.invalidKey("not an RSA private key (\(error))")
        }
        guard key.keySizeInBits >= DKIMLimits.minimumRSABits else {
            throw DKIMError.rsaKeyTooShort(bits: key.keySizeInBits)
        }
        return key
    }

    /// The key as unencrypted PKCS#8 "PRIVATE KEY" PEM, ending in a newline.
    public var pemRepresentation: String {
        switch backing {
        case .rsa(let key):
            let pem = key.pkcs8PEMRepresentation
            return pem.hasSuffix("\n") ? pem : pem + "\n"
        case .ed25519(let seed, _):
            // RFC 8410 §7: PrivateKeyInfo { version 0, id-Ed25519, OCTET STRING { OCTET STRING seed } }.
            return PEMDocument(label: "PRIVATE KEY", der: PKCS8.ed25519Prefix + seed).text
        }
    }

    /// The p= value: base64 of the DER SubjectPublicKeyInfo (RSA) or of the raw 32-byte key (Ed25519).
    public var publicKeyBase64: String {
        switch backing {
        case .rsa(let key): key.publicKey.derRepresentation.base64EncodedString()
        case .ed25519(_, let publicKey): Data(publicKey).base64EncodedString()
        }
    }

    /// The TXT record to publish at "<selector>._domainkey.<domain>" (RFC 6376 §3.6.1, RFC 8463 §4),
    /// e.g. "v=DKIM1; k=ed25519; p=11qYAYKx...".
    public var dnsRecord: String {
        "v=DKIM1; k=\(algorithm.keyType); p=\(publicKeyBase64)"
    }

    /// Signs the canonicalized data (RFC 6376 §3.7) and returns the raw signature bytes.
    func sign(_ data: [UInt8]) throws -> [UInt8] {
        let digest = SHA256.hash(data: data)
        do {
            switch backing {
            case .rsa(let key):
                // RFC 6376 §3.3.1: RSASSA-PKCS1-v1_5 with SHA-256.
                return Array(try key.signature(for: digest, padding: .insecurePKCS1v1_5).rawRepresentation)
            case .ed25519(let seed, _):
                // RFC 8463 §3: "the SHA-256 hash of the canonicalized data is signed" by PureEdDSA.
                let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
                return Array(try key.signature(for: Array(digest)))
            }
        } catch {
            throw DKIMError.signingFailed("\(error)")
        }
    }
}

/// A public key read from a DNS key record (RFC 6376 §3.6.1); checks signatures this module made (used by
/// the tests, the way a receiver would verify).
struct DKIMPublicKey {
    enum Backing {
        case rsa(_RSA.Signing.PublicKey)
        case ed25519(Curve25519.Signing.PublicKey)
    }

    let backing: Backing

    /// Parses "v=DKIM1; k=...; p=..." (tags separated by ";", whitespace ignored, k= defaults to rsa).
    init(record: String) throws {
        var tags: [String: String] = [:]
        for part in record.split(separator: ";") {
            let compact = part.filter { !$0.isWhitespace }
            guard let eq = compact.firstIndex(of: "=") else { continue }
            tags[String(compact[..<eq])] = String(compact[compact.index(after: eq)...])
        }
        guard let p = tags["p"], let der = Data(base64Encoded: p), !der.isEmpty else {
            throw DKIMError.invalidKey("the record has no usable p= tag")
        }
        do {
            switch tags["k"] ?? "rsa" {
            case "rsa": backing = .rsa(try _RSA.Signing.PublicKey(unsafeDERRepresentation: der))
            case "ed25519": backing = .ed25519(try Curve25519.Signing.PublicKey(rawRepresentation: der))
            case let other: throw DKIMError.unsupportedKey("k=\(other)")
            }
        } catch let error as DKIMError {
            throw error
        } catch {
            throw DKIMError.invalidKey("p= is not a key (\(error))")
        }
    }

    /// Whether `signature` signs `data` (RFC 6376 §3.7 input) under this key and the matching algorithm.
    func isValidSignature(_ signature: [UInt8], for data: [UInt8]) -> Bool {
        let digest = SHA256.hash(data: data)
        switch backing {
        case .rsa(let key):
            return key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: digest, padding: .insecurePKCS1v1_5)
        case .ed25519(let key):
            return key.isValidSignature(signature, for: Array(digest))
        }
    }
}

/// The DNS name and zone-file form of a DKIM key record.
public enum DKIMRecord {
    /// RFC 6376 §3.6.2.1: "<selector>._domainkey.<domain>".
    public static func name(selector: String, domain: String) -> String {
        "\(selector)._domainkey.\(domain)"
    }

    /// The record value cut into TXT character-strings of at most 255 octets (RFC 1035 §3.3.14): the tags
    /// before p= in the first string, then p= and the key in as few strings as fit. Receivers join them
    /// without separators (RFC 6376 §3.6.2.2).
    public static func characterStrings(_ value: String) -> [String] {
        let bytes = Array(value.utf8)
        var strings: [String] = []
        var rest = bytes[...]
        if let p = findTag(bytes, "p="), p > 0 {
            strings.append(String(decoding: bytes[..<p], as: UTF8.self))
            rest = bytes[p...]
        }
        while !rest.isEmpty {
            let piece = rest.prefix(DKIMLimits.txtStringOctets)
            strings.append(String(decoding: piece, as: UTF8.self))
            rest = rest.dropFirst(piece.count)
        }
        return strings
    }

    /// One zone-file line, e.g. `rsa-202611._domainkey.example.com. IN TXT ( "v=DKIM1; k=rsa; " "p=MIIB..." )`.
    public static func zoneFileLine(selector: String, domain: String, value: String) -> String {
        let quoted = characterStrings(value).map { "\"\($0)\"" }.joined(separator: " ")
        return "\(name(selector: selector, domain: domain)). IN TXT ( \(quoted) )"
    }

    /// The offset of `tag` at the start of the value or after "; ".
    private static func findTag(_ bytes: [UInt8], _ tag: String) -> Int? {
        let needle = Array(tag.utf8)
        guard bytes.count >= needle.count else { return nil }
        for start in 0...(bytes.count - needle.count) where bytes[start..<start + needle.count].elementsEqual(needle) {
            if start == 0 || bytes[start - 1] == UInt8(ascii: " ") || bytes[start - 1] == UInt8(ascii: ";") {
                return start
            }
        }
        return nil
    }
}

// MARK: - PEM and the little DER that PKCS#8 needs

/// A PEM document (RFC 7468): a label and base64 DER between BEGIN and END lines.
struct PEMDocument {
    let label: String
    let der: [UInt8]

    init(label: String, der: [UInt8]) {
        self.label = label
        self.der = der
    }

    /// RFC 7468 §2: the first "-----BEGIN label-----" line up to the matching END line; text around it
    /// is ignored, encapsulated headers (RFC 1421 "Proc-Type:", i.e. encrypted keys) are refused.
    init(parsing text: String) throws {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.trimmingCharacters(in: .whitespaces) }
        let begin = "-----BEGIN "
        let dashes = "-----"
        guard let first = lines.firstIndex(where: { $0.hasPrefix(begin) && $0.hasSuffix(dashes) }) else {
            throw DKIMError.invalidPEM("no \"-----BEGIN ...-----\" line")
        }
        let label = String(lines[first].dropFirst(begin.count).dropLast(dashes.count))
        let end = "-----END \(label)-----"
        guard let last = lines[(first + 1)...].firstIndex(of: end) else {
            throw DKIMError.invalidPEM("no \"\(end)\" line")
        }
        let body = lines[(first + 1)..<last]
        if body.contains(where: { $0.contains(":") }) {
            throw DKIMError.unsupportedKey("an encrypted (Proc-Type) PEM key")
        }
        guard let der = Data(base64Encoded: body.joined()), !der.isEmpty else {
            throw DKIMError.invalidPEM("the text between BEGIN and END is not base64")
        }
        self.label = label
        self.der = Array(der)
    }

    /// The document with base64 lines of 64 characters, ending in a newline.
    var text: String {
        let b64 = Array(Data(der).base64EncodedString().utf8)
        var out = "-----BEGIN \(label)-----\n"
        var i = 0
        while i < b64.count {
            let j = min(i + 64, b64.count)
            out += String(decoding: b64[i..<j], as: UTF8.self) + "\n"
            i = j
        }
        return out + "-----END \(label)-----\n"
    }
}

/// PKCS#8 PrivateKeyInfo (RFC 5208 §5), read only far enough to learn the algorithm and the key octets.
enum PKCS8 {
    enum Algorithm: Equatable {
        case rsaEncryption
        case ed25519
        case other(String)
    }

    /// 1.2.840.113549.1.1.1 (RFC 8017 Appendix A.1).
    static let rsaEncryptionOID: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]
    /// 1.3.101.112 (RFC 8410 §3).
    static let ed25519OID: [UInt8] = [0x2B, 0x65, 0x70]
    /// RFC 8410 §10.3: the fixed DER of an Ed25519 PrivateKeyInfo up to the 32-byte seed.
    static let ed25519Prefix: [UInt8] = [
        0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ]

    /// PrivateKeyInfo ::= SEQUENCE { version INTEGER, privateKeyAlgorithm AlgorithmIdentifier,
    ///                               privateKey OCTET STRING, attributes [0] OPTIONAL, publicKey [1] OPTIONAL }
    static func parse(_ der: [UInt8]) throws -> (algorithm: Algorithm, privateKey: [UInt8]) {
        var outer = DERReader(der)
        var info = DERReader(try outer.read(tag: DERReader.sequence))
        _ = try info.read(tag: DERReader.integer)
        var algorithmIdentifier = DERReader(try info.read(tag: DERReader.sequence))
        let oid = try algorithmIdentifier.read(tag: DERReader.objectIdentifier)
        let privateKey = try info.read(tag: DERReader.octetString)
        let algorithm: Algorithm =
            switch oid {
            case rsaEncryptionOID: .rsaEncryption
            case ed25519OID: .ed25519
            default: .other(oid.map { String($0, radix: 16) }.joined(separator: ":"))
            }
        return (algorithm, privateKey)
    }
}

/// A reader of DER tag-length-value items (X.690 §8.1), definite lengths only.
struct DERReader {
    static let integer: UInt8 = 0x02
    static let octetString: UInt8 = 0x04
    static let objectIdentifier: UInt8 = 0x06
    static let sequence: UInt8 = 0x30

    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { offset == bytes.count }

    /// Reads one item, which must carry `tag`, and returns its contents.
    mutating func read(tag: UInt8) throws -> [UInt8] {
        guard offset + 2 <= bytes.count, bytes[offset] == tag else {
            throw DKIMError.invalidKey("unexpected DER structure")
        }
        var length = Int(bytes[offset + 1])
        offset += 2
        if length & 0x80 != 0 {
            // X.690 §8.1.3.5: long form, up to 4 length octets is plenty for a key.
            let count = length & 0x7F
            guard count >= 1, count <= 4, offset + count <= bytes.count else {
                throw DKIMError.invalidKey("bad DER length")
            }
            length = 0
            for b in bytes[offset..<offset + count] { length = length << 8 | Int(b) }
            offset += count
        }
        guard length <= bytes.count - offset else { throw DKIMError.invalidKey("truncated DER") }
        defer { offset += length }
        return Array(bytes[offset..<offset + length])
    }
}
