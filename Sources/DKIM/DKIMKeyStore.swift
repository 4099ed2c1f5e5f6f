// DKIMKeyStore: the DKIM private keys of the hosted domains, one PEM file per selector.
//
// Layout: <directory>/<domain>/<selector>.pem (the server uses <data_dir>/dkim), PKCS#8 PEM, mode 0600,
// directories 0700.
//
// Invariants:
// - Domain and selector names are validated before they touch a path: DNS labels of [a-z0-9-] joined by
//   dots, lowercased, so no "/", no "..", no hidden files. Files that do not fit that pattern (temp files,
//   stray editor backups) are ignored when reading.
// - A key file appears whole or not at all: written to a temp file in the same directory, fsynced, then
//   linked to its name with link(2), which (unlike rename(2)) fails when the name exists, so an existing
//   selector is never overwritten, even by two `generate` calls racing; the temp name is then removed.
// - Reading never caches: a key added by the CLI is used by the running server for the next message.

import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The DKIM keys on disk, per domain and selector.
public struct DKIMKeyStore: Sendable {
    /// One stored key.
    public struct Entry: Sendable {
        public let domain: String
        public let selector: String
        public let key: DKIMPrivateKey

        public var algorithm: DKIMAlgorithm { key.algorithm }
        /// Where the public key is published: "<selector>._domainkey.<domain>".
        public var recordName: String { DKIMRecord.name(selector: selector, domain: domain) }
        /// A signer for this key.
        public var signer: DKIMSigner { DKIMSigner(domain: domain, selector: selector, key: key) }
    }

    /// The store's root directory.
    public let directory: URL

    private static let fileExtension = ".pem"
    /// RFC 1035 §2.3.4: labels of at most 63 octets, names of at most 253 (without the final dot).
    private static let maxLabelOctets = 63
    private static let maxNameOctets = 253

    public init(directory: URL) {
        self.directory = directory
    }

    // MARK: Reading

    /// The signers of every selector of `domain`, sorted by selector; empty when the domain has no keys,
    /// including a name that could not have any (e.g. an address literal taken from a From field).
    /// Several keys (e.g. rsa and ed25519) mean the message is signed once with each (RFC 8463 §1, §6).
    /// Throws only when a key file exists but cannot be read or parsed.
    public func signers(for domain: String) throws -> [DKIMSigner] {
        guard let domain = try? Self.validatedDomain(domain) else { return [] }
        return try entries(domain: domain).map(\.signer)
    }

    /// Every stored key, sorted by domain then selector.
    public func list() throws -> [Entry] {
        var result: [Entry] = []
        for domain in try names(in: directory, suffix: "") {
            result += try entries(domain: domain)
        }
        return result
    }

    /// The file that holds (or would hold) a key.
    public func fileURL(domain: String, selector: String) throws -> URL {
        let domain = try Self.validatedDomain(domain)
        let selector = try Self.validatedSelector(selector)
        return directory.appendingPathComponent(domain, isDirectory: true)
            .appendingPathComponent(selector + Self.fileExtension)
    }

    private func entries(domain: String) throws -> [Entry] {
        let folder = directory.appendingPathComponent(domain, isDirectory: true)
        return try names(in: folder, suffix: Self.fileExtension).map { selector in
            let url = folder.appendingPathComponent(selector + Self.fileExtension)
            let text: String
            do {
                text = try String(contentsOf: url, encoding: .utf8)
            } catch {
                throw DKIMError.keyStoreIO(path: url.path, reason: "it cannot be read (\(error.localizedDescription))")
            }
            do {
                return Entry(domain: domain, selector: selector, key: try DKIMPrivateKey(pem: text))
            } catch {
                throw DKIMError.keyStoreIO(path: url.path, reason: "\(error)")
            }
        }
    }

    /// The valid names in `folder` that end in `suffix` (suffix removed), sorted; none if it does not exist.
    private func names(in folder: URL, suffix: String) throws -> [String] {
        let all: [String]
        do {
            all = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch CocoaError.fileReadNoSuchFile {
            return []
        } catch {
            if !FileManager.default.fileExists(atPath: folder.path) { return [] }
            throw DKIMError.keyStoreIO(path: folder.path, reason: error.localizedDescription)
        }
        return all.compactMap { name -> String? in
            guard name.hasSuffix(suffix) else { return nil }
            let stem = String(name.dropLast(suffix.count))
            // Only names that validate unchanged: skips temp files, backups, upper-case strays.
            return Self.isValidName(stem) && stem == stem.lowercased() ? stem : nil
        }.sorted()
    }

    // MARK: Writing

    /// Makes a new key for `selector` of `domain` and stores it. Refuses (`selectorExists`) when the
    /// selector already has a key: a published key is never silently replaced.
    @discardableResult
    public func generate(domain: String, selector: String, algorithm: DKIMAlgorithm) throws -> DKIMPrivateKey {
        let url = try fileURL(domain: domain, selector: selector)
        if FileManager.default.fileExists(atPath: url.path) {
            throw DKIMError.selectorExists(
                domain: try Self.validatedDomain(domain), selector: try Self.validatedSelector(selector))
        }
        let key = try DKIMPrivateKey.generate(algorithm)
        try store(key, domain: domain, selector: selector)
        return key
    }

    /// Stores an existing key (e.g. one imported from another server) under a new selector.
    public func store(_ key: DKIMPrivateKey, domain: String, selector: String) throws {
        let domain = try Self.validatedDomain(domain)
        let selector = try Self.validatedSelector(selector)
        let url = try fileURL(domain: domain, selector: selector)
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(
                at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw DKIMError.keyStoreIO(path: folder.path, reason: error.localizedDescription)
        }
        let temp = folder.appendingPathComponent(".\(selector).\(UUID().uuidString).tmp")
        try Self.writeNew(temp, bytes: Array(key.pemRepresentation.utf8))
        defer { unlink(temp.path) }
        // link(2) fails with EEXIST instead of replacing, unlike rename(2).
        if link(temp.path, url.path) != 0 {
            let code = errno
            if code == EEXIST { throw DKIMError.selectorExists(domain: domain, selector: selector) }
            throw DKIMError.keyStoreIO(path: url.path, reason: String(cString: strerror(code)))
        }
        Self.syncDirectory(folder)
    }

    /// Creates `url` (which must not exist) with mode 0600 and writes and fsyncs `bytes`.
    private static func writeNew(_ url: URL, bytes: [UInt8]) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw DKIMError.keyStoreIO(path: url.path, reason: String(cString: strerror(errno)))
        }
        var failure: Int32 = 0
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count, let base = buffer.baseAddress {
                let n = write(fd, base + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += n
            }
        }
        if failure == 0 && fsync(fd) != 0 { failure = errno }
        close(fd)
        if failure != 0 {
            unlink(url.path)
            throw DKIMError.keyStoreIO(path: url.path, reason: String(cString: strerror(failure)))
        }
    }

    /// Best effort: makes the new directory entry durable.
    private static func syncDirectory(_ url: URL) {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    // MARK: Names

    /// The domain lowercased, or `invalidDomain` unless it is DNS labels of letters, digits and hyphens.
    public static func validatedDomain(_ name: String) throws -> String {
        let lower = name.lowercased()
        guard isValidName(lower) else { throw DKIMError.invalidDomain(name) }
        return lower
    }

    /// The selector lowercased, or `invalidSelector`; RFC 6376 §3.1: selector = sub-domain *("." sub-domain).
    public static func validatedSelector(_ name: String) throws -> String {
        let lower = name.lowercased()
        guard isValidName(lower) else { throw DKIMError.invalidSelector(name) }
        return lower
    }

    /// RFC 5321 §4.1.2 sub-domain = Let-dig [Ldh-str], joined by dots; ASCII only.
    static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= maxNameOctets else { return false }
        for label in bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard let first = label.first, let last = label.last, label.count <= maxLabelOctets else { return false }
            guard first != UInt8(ascii: "-"), last != UInt8(ascii: "-") else { return false }
            let ok = label.allSatisfy { b in
                (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
                    || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "-")
            }
            guard ok else { return false }
        }
        return true
    }
}
