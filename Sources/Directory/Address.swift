// Mail addresses as the directory sees them.
//
// Invariants: a `MailAddress` is always `local@domain` with a non-empty local part and a
// domain of at least one label; the domain is lowercased (RFC 5321 §2.4: domains are
// case-insensitive). Local parts are compared case-insensitively too: RFC 5321 §2.4 lets the
// receiving host decide, and every mainstream server folds them, so `Alice@` and `alice@`
// are the same mailbox.

/// A validated address `local@domain`, normalised for lookups.
public struct MailAddress: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The local part, lowercased.
    public let localPart: String
    /// The domain, lowercased, without a trailing dot.
    public let domain: String

    public var description: String { "\(localPart)@\(domain)" }

    /// Parses `local@domain`; returns nil for anything else (no display names, no angle brackets).
    public init?(_ text: String) {
        let trimmed = text.trimmingWhitespace()
        guard let at = trimmed.lastIndex(of: "@") else { return nil }
        let local = trimmed[..<at]
        var domain = trimmed[trimmed.index(after: at)...]
        if domain.hasSuffix(".") { domain = domain.dropLast() }
        guard !local.isEmpty, local.utf8.count <= Self.maxLocalPartLength,
            MailAddress.isValidDomain(domain)
        else { return nil }
        // RFC 5321 §4.1.2: no controls or spaces in an unquoted local part; we accept UTF-8 (RFC 6531).
        guard !local.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F }) else { return nil }
        self.localPart = local.lowercased()
        self.domain = domain.lowercased()
    }

    public init?(localPart: String, domain: String) {
        self.init("\(localPart)@\(domain)")
    }

    /// RFC 5321 §4.5.3.1.1: local part at most 64 octets.
    public static let maxLocalPartLength = 64
    /// RFC 5321 §4.5.3.1.2: domain at most 255 octets.
    public static let maxDomainLength = 255

    /// A domain name as Mailroom accepts it: labels of letters, digits, hyphens (and UTF-8 for IDN).
    public static func isValidDomain<S: StringProtocol>(_ domain: S) -> Bool {
        guard !domain.isEmpty, domain.utf8.count <= maxDomainLength else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        for label in labels {
            guard !label.isEmpty, label.utf8.count <= 63, !label.hasPrefix("-"), !label.hasSuffix("-") else {
                return false
            }
            for scalar in label.unicodeScalars {
                let ok =
                    (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z")
                    || (scalar >= "0" && scalar <= "9") || scalar == "-" || scalar.value >= 0x80
                if !ok { return false }
            }
        }
        return true
    }

    /// The address without a `+tag` (plus-addressing): `alice+news@d` → `alice@d`; nil if there is no tag.
    public var withoutSubaddress: MailAddress? {
        guard let plus = localPart.firstIndex(of: "+"), plus != localPart.startIndex else { return nil }
        return MailAddress(localPart: String(localPart[..<plus]), domain: domain)
    }

    public static func < (lhs: MailAddress, rhs: MailAddress) -> Bool {
        (lhs.domain, lhs.localPart) < (rhs.domain, rhs.localPart)
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> Substring {
        var s = self[...]
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return Substring(s)
    }
}
