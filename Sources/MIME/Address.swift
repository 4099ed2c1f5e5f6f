// Address lists (RFC 5322 §3.4, obsolete forms §4.4) in the shape IMAP ENVELOPE uses.
//
// Invariants:
// - The parser never fails; what it cannot read as an address it reports as a mailbox with a
//   placeholder (Dovecot's "MISSING_MAILBOX"/"MISSING_DOMAIN") rather than dropping it, so that a
//   client never mistakes a broken address for group syntax (a nil host means a group marker).
// - Display names are kept raw (quotes removed, encoded words NOT decoded), as RFC 9051 §7.5.2
//   requires; `Address.decodedName` decodes them for display and search.
// - Groups are flattened the IMAP way: a start marker (nil host, mailbox = group name), the members,
//   and an end marker (nil mailbox and host).
import Foundation

/// One IMAP address structure (RFC 9051 §7.5.2 "address").
public struct Address: Sendable, Codable, Equatable, Hashable {
    /// Display name (phrase), raw: encoded words kept.
    public var name: String?
    /// Obsolete source route ("@a,@b"), RFC 5322 §4.4.
    public var adl: String?
    /// Local part, or the group name for a group start marker; nil for a group end marker.
    public var mailbox: String?
    /// Domain; nil for group markers.
    public var host: String?

    public init(name: String? = nil, adl: String? = nil, mailbox: String?, host: String?) {
        self.name = name
        self.adl = adl
        self.mailbox = mailbox
        self.host = host
    }

    public static let missingMailbox = "MISSING_MAILBOX"
    public static let missingDomain = "MISSING_DOMAIN"

    public var isGroupStart: Bool { host == nil && mailbox != nil }
    public var isGroupEnd: Bool { host == nil && mailbox == nil }

    /// "mailbox@host" for ordinary addresses, nil for group markers.
    public var email: String? {
        guard let mailbox, let host else { return nil }
        return mailbox + "@" + host
    }

    /// The display name with RFC 2047 encoded words decoded.
    public var decodedName: String? { name.map(EncodedWords.decode) }

    /// Parses an address-list header value (From, To, Cc, Bcc, Sender, Reply-To).
    public static func parseList(_ value: String) -> [Address] {
        AddressParser(value).parse()
    }
}

/// Lexical tokens of RFC 5322 §3.2 (comments are collected separately).
private enum Token {
    case word(String)  // atom or dot-atom (dots kept inside)
    case quoted(String)  // quoted-string content, unescaped
    case literal(String)  // domain literal with its brackets
    case special(Unicode.Scalar)

    var text: String {
        switch self {
        case .word(let s), .quoted(let s), .literal(let s): return s
        case .special(let c): return String(c)
        }
    }

    func isSpecial(_ c: Unicode.Scalar) -> Bool {
        if case .special(let s) = self { return s == c }
        return false
    }
}

private struct AddressParser {
    var tokens: [Token] = []
    /// For each token position, the text of the comment that ended just before it (if any).
    var comments: [Int: String] = [:]

    init(_ value: String) {
        // The lexer works on UTF-8 bytes: every delimiter is ASCII, and 8-bit bytes (RFC 6532 UTF-8)
        // are word characters.
        let s = Array(value.utf8)
        var i = 0
        var wordStart = -1
        func flushWord(_ tokens: inout [Token], at end: Int) {
            if wordStart >= 0 {
                tokens.append(.word(String(decoding: s[wordStart..<end], as: UTF8.self)))
                wordStart = -1
            }
        }
        var text: [UInt8] = []
        while i < s.count, tokens.count < MIMELimits.maxAddressTokens {
            let c = s[i]
            switch c {
            case 0x20, 0x09, 0x0D, 0x0A:
                flushWord(&tokens, at: i)
                i += 1
            case 0x28:  // "(" comment, nested, with quoted-pairs (RFC 5322 §3.2.2)
                flushWord(&tokens, at: i)
                var depth = 0
                text.removeAll(keepingCapacity: true)
                while i < s.count {
                    let d = s[i]
                    if d == 0x5C, i + 1 < s.count {
                        text.append(s[i + 1])
                        i += 2
                        continue
                    }
                    i += 1
                    if d == 0x28 {
                        depth += 1
                        if depth == 1 { continue }
                    }
                    if d == 0x29 {
                        depth -= 1
                        if depth == 0 { break }
                    }
                    text.append(d)
                }
                comments[tokens.count] = String(decoding: text, as: UTF8.self).trimmingWSP
            case 0x22:  // quoted-string (RFC 5322 §3.2.4)
                flushWord(&tokens, at: i)
                if !AddressParser.hasClosingQuote(s, after: i) {
                    // Unterminated quoted string: read the rest as if the quote were not there.
                    i += 1
                    continue
                }
                i += 1
                text.removeAll(keepingCapacity: true)
                while i < s.count {
                    let d = s[i]
                    if d == 0x5C, i + 1 < s.count {
                        text.append(s[i + 1])
                        i += 2
                        continue
                    }
                    i += 1
                    if d == 0x22 { break }
                    if d == 0x0D || d == 0x0A { continue }
                    text.append(d)
                }
                tokens.append(.quoted(String(decoding: text, as: UTF8.self)))
            case 0x5B:  // domain-literal (RFC 5322 §3.4.1)
                flushWord(&tokens, at: i)
                text.removeAll(keepingCapacity: true)
                while i < s.count {
                    let d = s[i]
                    i += 1
                    if d == 0x20 || d == 0x09 || d == 0x0D || d == 0x0A { continue }
                    text.append(d)
                    if d == 0x5D { break }
                }
                tokens.append(.literal(String(decoding: text, as: UTF8.self)))
            case 0x3C, 0x3E, 0x2C, 0x3A, 0x3B, 0x40, 0x5C, 0x5D:  // < > , : ; @ \ ]
                flushWord(&tokens, at: i)
                tokens.append(.special(Unicode.Scalar(c)))
                i += 1
            default:
                if wordStart < 0 { wordStart = i }
                i += 1
            }
        }
        flushWord(&tokens, at: min(i, s.count))
    }

    /// Whether an unescaped DQUOTE follows position `i`.
    private static func hasClosingQuote(_ s: [UInt8], after i: Int) -> Bool {
        var k = i + 1
        while k < s.count {
            if s[k] == 0x5C {
                k += 2
                continue
            }
            if s[k] == 0x22 { return true }
            k += 1
        }
        return false
    }

    /// address-list = (address *("," address)) / obs-addr-list (RFC 5322 §3.4, §4.4).
    func parse() -> [Address] {
        var out: [Address] = []
        var segment: [Int] = []  // token indices of the current address
        var inAngle = false
        var inGroup = false
        var i = 0
        while i < tokens.count, out.count < MIMELimits.maxAddresses {
            let t = tokens[i]
            if t.isSpecial("<") { inAngle = true }
            if t.isSpecial(">") { inAngle = false }
            if !inAngle, t.isSpecial(",") {
                if shouldMergeComma(segment, next: i + 1) {
                    segment.append(i)  // "Doe, John <j@x>": the comma belongs to the display name
                } else {
                    if let a = mailbox(segment) { out.append(a) }
                    segment = []
                }
                i += 1
                continue
            }
            if !inAngle, !inGroup, t.isSpecial(":"), !segment.contains(where: { tokens[$0].isSpecial("@") }) {
                // group = display-name ":" [group-list] ";" (RFC 5322 §3.4)
                out.append(Address(mailbox: phrase(segment) ?? "", host: nil))
                inGroup = true
                segment = []
                i += 1
                continue
            }
            if !inAngle, t.isSpecial(";") {
                if let a = mailbox(segment) { out.append(a) }
                segment = []
                if inGroup {
                    out.append(Address(mailbox: nil, host: nil))
                    inGroup = false
                }
                i += 1
                continue
            }
            segment.append(i)
            i += 1
        }
        if let a = mailbox(segment), out.count < MIMELimits.maxAddresses { out.append(a) }
        if inGroup { out.append(Address(mailbox: nil, host: nil)) }
        return out
    }

    /// A comma after words without "@" or "<", followed by an address in angle brackets, is an
    /// unquoted comma inside a display name (a common broken form).
    func shouldMergeComma(_ segment: [Int], next: Int) -> Bool {
        guard !segment.isEmpty else { return false }
        for k in segment {
            switch tokens[k] {
            case .word, .quoted: continue
            case .special(let c) where c == ",": continue
            default: return false
            }
        }
        var j = next
        while j < tokens.count {
            let t = tokens[j]
            if t.isSpecial("<") { return true }
            if t.isSpecial(",") || t.isSpecial(";") || t.isSpecial(":") || t.isSpecial("@") { return false }
            j += 1
        }
        return false
    }

    /// display-name: words joined by single spaces, quoted strings unquoted, encoded words kept.
    func phrase(_ indices: some Collection<Int>) -> String? {
        var out = ""
        for k in indices {
            let t = tokens[k]
            if t.isSpecial(",") || t.isSpecial(".") {
                out += t.text
                continue
            }
            if !out.isEmpty { out += " " }
            out += t.text
        }
        let trimmed = out.trimmingWSP
        return trimmed.isEmpty ? nil : trimmed
    }

    /// mailbox = name-addr / addr-spec (RFC 5322 §3.4) from the tokens of one address.
    func mailbox(_ segment: [Int]) -> Address? {
        guard !segment.isEmpty else { return nil }
        if let open = segment.firstIndex(where: { tokens[$0].isSpecial("<") }) {
            let name = phrase(segment[..<open])
            var inner = Array(segment[(open + 1)...])
            if let close = inner.firstIndex(where: { tokens[$0].isSpecial(">") }) {
                inner = Array(inner[..<close])  // anything after ">" is ignored
            }
            // obs-route = obs-domain-list ":" (RFC 5322 §4.4)
            var adl: String? = nil
            if let first = inner.first, tokens[first].isSpecial("@"),
                let colon = inner.firstIndex(where: { tokens[$0].isSpecial(":") })
            {
                adl = inner[..<colon].map { tokens[$0].text }.joined()
                inner = Array(inner[(colon + 1)...])
            }
            var (mailbox, host) = addrSpec(inner)
            if mailbox == nil, host == nil {
                mailbox = Address.missingMailbox
            }
            return Address(
                name: name, adl: adl, mailbox: mailbox ?? Address.missingMailbox,
                host: host ?? Address.missingDomain)
        }
        // addr-spec alone; an RFC 822-style trailing comment gives the name.
        let (mailbox, host) = addrSpec(segment)
        guard mailbox != nil || host != nil else { return nil }
        var name: String? = nil
        if let last = segment.last, let c = comments[last + 1], !c.isEmpty { name = c }
        return Address(
            name: name, mailbox: mailbox ?? Address.missingMailbox, host: host ?? Address.missingDomain)
    }

    /// addr-spec = local-part "@" domain (RFC 5322 §3.4.1); the last "@" separates them.
    func addrSpec(_ indices: [Int]) -> (String?, String?) {
        let parts = indices.filter { !tokens[$0].isSpecial("<") && !tokens[$0].isSpecial(">") }
        guard !parts.isEmpty else { return (nil, nil) }
        guard let at = parts.lastIndex(where: { tokens[$0].isSpecial("@") }) else {
            let local = parts.map { tokens[$0].text }.joined()
            return (local.isEmpty ? nil : local, nil)
        }
        let local = parts[..<at].map { tokens[$0].text }.joined()
        let domain = parts[(at + 1)...].map { tokens[$0].text }.joined()
        return (local.isEmpty ? nil : local, domain.isEmpty ? nil : domain)
    }
}
