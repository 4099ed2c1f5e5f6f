// DKIMError: every way signing, key loading and the key store can fail, as one typed error.
//
// Invariants:
// - Each case carries what a person needs to act on it; `description` is one sentence (the CLI prints it).
// - Bad input (a message, a PEM file, a name) is always one of these, never a crash.

/// An error of DKIM key handling, header parsing, signing or the key store.
public enum DKIMError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The header section has no From field (RFC 6376 §5.4: From MUST be signed).
    case missingFrom
    /// A line of the header section is neither a field ("name:value") nor a continuation of one.
    case malformedHeaderField(line: Int)
    /// The body hash given to the signer is not a SHA-256 digest.
    case invalidBodyHash(length: Int)
    /// The text is not a PEM document we can read.
    case invalidPEM(String)
    /// The PEM holds a key of an algorithm DKIM signing here does not support (or is encrypted).
    case unsupportedKey(String)
    /// The key bytes are malformed.
    case invalidKey(String)
    /// An RSA key shorter than RFC 8301 §3.2 allows.
    case rsaKeyTooShort(bits: Int)
    /// The signature could not be computed.
    case signingFailed(String)
    /// Not a usable domain name (DNS labels of letters, digits and hyphens).
    case invalidDomain(String)
    /// Not a usable selector (DNS labels of letters, digits and hyphens).
    case invalidSelector(String)
    /// `generate` was asked for a selector that already has a key.
    case selectorExists(domain: String, selector: String)
    /// A file of the key store could not be read or written.
    case keyStoreIO(path: String, reason: String)

    public var description: String {
        switch self {
        case .missingFrom: "The message has no From field, so it cannot be DKIM-signed."
        case .malformedHeaderField(let line):
            "Line \(line) of the header section is not a header field (name: value) or a continuation."
        case .invalidBodyHash(let n): "The body hash is \(n) bytes; a SHA-256 digest is 32."
        case .invalidPEM(let why): "The key is not a readable PEM document: \(why)."
        case .unsupportedKey(let what): "Unsupported key: \(what); use an unencrypted RSA or Ed25519 key."
        case .invalidKey(let why): "The key is malformed: \(why)."
        case .rsaKeyTooShort(let bits): "The RSA key has \(bits) bits; DKIM needs at least 1024 (2048 recommended)."
        case .signingFailed(let why): "The DKIM signature could not be computed: \(why)."
        case .invalidDomain(let d): "\"\(d)\" is not a valid domain name for a DKIM key."
        case .invalidSelector(let s):
            "\"\(s)\" is not a valid selector; use letters, digits and hyphens (dots between labels)."
        case .selectorExists(let d, let s):
            "The selector \(s) of \(d) already has a key; choose another selector (keys are never overwritten)."
        case .keyStoreIO(let path, let reason): "Cannot use the DKIM key file \(path): \(reason)."
        }
    }
}
