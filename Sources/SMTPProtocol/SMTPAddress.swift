// Envelope addresses of the SMTP grammar (RFC 5321 §4.1.2) and their wire encoding.
//
// Invariants:
// - `localPart` holds the local part's content: a quoted local part is stored unquoted and unescaped, so
//   `"abc"@d` and `abc@d` are the same value (RFC 5321 §4.1.2: quoting SHOULD NOT be used unless necessary).
// - Case is preserved as sent; comparisons that ignore case (domains, "postmaster") are the caller's.
// - Source routes (RFC 5321 §4.1.1.3, Appendix C) are parsed and dropped; they are not represented.
// - Non-ASCII local parts and domains (RFC 6531 §3.3) are valid UTF-8; `requiresSMTPUTF8` says so.

/// The domain part of a mailbox: a domain name or an address literal (RFC 5321 §4.1.2, §4.1.3).
public enum SMTPHost: Hashable, Sendable, CustomStringConvertible {
    /// A domain name as sent (RFC 5321 §4.1.2 Domain, or a U-label domain under RFC 6531 §3.3).
    case domain(String)
    /// `[1.2.3.4]` or `[IPv6:...]` (RFC 5321 §4.1.3).
    case addressLiteral(AddressLiteral)

    /// Wire form: the domain, or the bracketed literal.
    public var description: String {
        switch self {
        case .domain(let name): name
        case .addressLiteral(let literal): literal.description
        }
    }

    /// Parses a domain or address literal strictly per RFC 5321 §4.1.2/§4.1.3 (e.g. to check an EHLO argument).
    public init?(_ text: String) {
        var cursor = ByteCursor(Array(text.utf8))
        guard let host = try? Grammar.parseHost(&cursor), cursor.isAtEnd else { return nil }
        self = host
    }

    var requiresSMTPUTF8: Bool {
        if case .domain(let name) = self { return name.utf8.contains { $0 >= 0x80 } }
        return false
    }
}

/// RFC 5321 §4.1.3 address literals. General-address-literal with other tags are refused by the parser: none
/// but IPv6 is registered.
public enum AddressLiteral: Hashable, Sendable, CustomStringConvertible {
    /// Four octets.
    case ipv4([UInt8])
    /// Sixteen octets.
    case ipv6([UInt8])

    /// `[1.2.3.4]` or `[IPv6:2001:db8::1]` (RFC 5952 §4 text form).
    public var description: String {
        switch self {
        case .ipv4(let octets): "[" + octets.map(String.init).joined(separator: ".") + "]"
        case .ipv6(let octets): "[IPv6:" + Self.ipv6Text(octets) + "]"
        }
    }

    /// RFC 5952 §4: lower-case hex, no leading zeros, the longest run (≥ 2) of zero groups as "::".
    static func ipv6Text(_ octets: [UInt8]) -> String {
        let groups = (0..<8).map { UInt16(octets[2 * $0]) << 8 | UInt16(octets[2 * $0 + 1]) }
        var bestStart = -1
        var bestLength = 0
        var index = 0
        while index < 8 {
            if groups[index] == 0 {
                var end = index
                while end < 8 && groups[end] == 0 { end += 1 }
                if end - index > bestLength && end - index >= 2 {
                    bestStart = index
                    bestLength = end - index
                }
                index = end
            } else {
                index += 1
            }
        }
        func hex(_ range: Range<Int>) -> String {
            groups[range].map { String($0, radix: 16) }.joined(separator: ":")
        }
        if bestStart < 0 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }
}

/// A mailbox `Local-part "@" ( Domain / address-literal )` (RFC 5321 §4.1.2).
public struct SMTPMailbox: Hashable, Sendable, CustomStringConvertible {
    /// The local part's content (unquoted, unescaped).
    public var localPart: String
    public var host: SMTPHost

    public init(localPart: String, host: SMTPHost) {
        self.localPart = localPart
        self.host = host
    }

    /// RFC 6531 §3.3: a non-ASCII local part or domain is only valid in an SMTPUTF8 transaction.
    public var requiresSMTPUTF8: Bool { localPart.utf8.contains { $0 >= 0x80 } || host.requiresSMTPUTF8 }

    /// Wire form `local@host`, with the local part quoted only when it is not a Dot-string (RFC 5321 §4.1.2).
    public var description: String { Self.encodedLocalPart(localPart) + "@" + host.description }

    /// Parses `local@host` without angle brackets (RFC 5321 §4.1.2 Mailbox).
    public init?(_ text: String) {
        var cursor = ByteCursor(Array(text.utf8))
        guard let mailbox = try? Grammar.parseMailbox(&cursor), cursor.isAtEnd else { return nil }
        self = mailbox
    }

    /// RFC 5321 §4.1.2: Dot-string when possible, else Quoted-string with `\` before `"` and `\`.
    static func encodedLocalPart(_ localPart: String) -> String {
        let bytes = Array(localPart.utf8)
        if Grammar.isDotString(bytes) { return localPart }
        var out = "\""
        for character in localPart {
            if character == "\"" || character == "\\" { out.append("\\") }
            out.append(character)
        }
        return out + "\""
    }
}

/// MAIL FROM's path: `Reverse-path = Path / "<>"` (RFC 5321 §4.1.2).
public enum ReversePath: Hashable, Sendable, CustomStringConvertible {
    /// `<>`: bounces and other notifications (RFC 5321 §4.5.5).
    case null
    case mailbox(SMTPMailbox)

    /// Wire form with angle brackets.
    public var description: String {
        switch self {
        case .null: "<>"
        case .mailbox(let mailbox): "<\(mailbox)>"
        }
    }

    public var mailbox: SMTPMailbox? {
        if case .mailbox(let mailbox) = self { return mailbox }
        return nil
    }

    public var requiresSMTPUTF8: Bool { mailbox?.requiresSMTPUTF8 ?? false }
}

/// RCPT TO's path (RFC 5321 §4.1.1.3): a mailbox, or the bare `<Postmaster>` every server must accept.
public enum ForwardPath: Hashable, Sendable, CustomStringConvertible {
    /// `<Postmaster>` without a domain (RFC 5321 §4.1.1.3, §4.5.1); case-insensitive on the wire.
    case postmaster
    case mailbox(SMTPMailbox)

    public var description: String {
        switch self {
        case .postmaster: "<Postmaster>"
        case .mailbox(let mailbox): "<\(mailbox)>"
        }
    }

    public var mailbox: SMTPMailbox? {
        if case .mailbox(let mailbox) = self { return mailbox }
        return nil
    }

    /// True for `<Postmaster>` and for `<postmaster@domain>` in any case (RFC 5321 §4.5.1); whether the
    /// domain is ours is the session's question.
    public var isPostmaster: Bool {
        switch self {
        case .postmaster: true
        case .mailbox(let mailbox): mailbox.localPart.lowercased() == "postmaster"
        }
    }

    public var requiresSMTPUTF8: Bool { mailbox?.requiresSMTPUTF8 ?? false }
}
