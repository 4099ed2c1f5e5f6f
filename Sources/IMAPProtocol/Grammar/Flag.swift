// Flag: message flags and keywords (RFC 9051 §2.3.2), and mailbox attributes (RFC 9051 §7.3.1,
// RFC 6154 special-use, RFC 5258 LIST-EXTENDED).
//
// Invariants:
// - System flags are recognised case-insensitively and kept in their canonical spelling; keywords
//   keep the client's spelling (comparison of keywords is the store's business).
// - Mailbox attributes keep their spelling and compare case-insensitively.

import NIOCore

/// `flag` / `flag-fetch`.
public enum Flag: Sendable, Hashable {
    case answered
    case flagged
    case deleted
    case seen
    case draft
    /// `\Recent`: only in FETCH responses to rev1 clients (RFC 3501 §2.3.2).
    case recent
    /// `flag-keyword`, e.g. `$Forwarded`, `$Junk`, `NonJunk`.
    case keyword(String)
    /// `flag-extension`: a backslash flag this grammar does not know, without the backslash.
    case `extension`(String)

    public static let forwarded = Flag.keyword("$Forwarded")
    public static let mdnSent = Flag.keyword("$MDNSent")
    public static let junk = Flag.keyword("$Junk")
    public static let notJunk = Flag.keyword("$NotJunk")
    public static let phishing = Flag.keyword("$Phishing")

    /// The flag as written on the wire.
    public var wireForm: String {
        switch self {
        case .answered: return "\\Answered"
        case .flagged: return "\\Flagged"
        case .deleted: return "\\Deleted"
        case .seen: return "\\Seen"
        case .draft: return "\\Draft"
        case .recent: return "\\Recent"
        case .keyword(let name): return name
        case .extension(let name): return "\\" + name
        }
    }

    init(systemName name: String) {
        switch name.uppercased() {
        case "ANSWERED": self = .answered
        case "FLAGGED": self = .flagged
        case "DELETED": self = .deleted
        case "SEEN": self = .seen
        case "DRAFT": self = .draft
        case "RECENT": self = .recent
        default: self = .extension(name)
        }
    }
}

/// `flag-perm`: a flag, or `\*` (new keywords may be created).
public enum PermanentFlag: Sendable, Hashable {
    case flag(Flag)
    case wildcard
}

extension GrammarParser {
    // flag = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" / flag-keyword / flag-extension
    // flag-extension = "\" atom
    mutating func parseFlag() throws -> Flag {
        if consume(.backslash) {
            return Flag(systemName: try parseAtom())
        }
        return .keyword(try parseFlagKeyword())
    }

    // flag-keyword = "$MDNSent" / "$Forwarded" / "$Junk" / "$NotJunk" / "$Phishing" / atom
    mutating func parseFlagKeyword() throws -> String {
        try parseAtom()
    }

    // flag-list = "(" [flag *(SP flag)] ")"
    mutating func parseFlagList() throws -> [Flag] {
        try expect(.openParen, "(")
        var flags: [Flag] = []
        if consume(.closeParen) { return flags }
        repeat {
            flags.append(try parseFlag())
        } while consume(.space)
        try expect(.closeParen, ")")
        return flags
    }
}

/// A mailbox attribute: LIST flags (`mbx-list-flags`, RFC 9051 §7.3.1), child flags (RFC 5258 §4),
/// and special-use attributes (RFC 6154 §2). Compared case-insensitively.
public struct MailboxAttribute: Sendable, Hashable, CustomStringConvertible {
    /// The attribute without its backslash, spelled as given.
    public let name: String

    public init(_ name: String) {
        self.name = name
    }

    public var description: String { "\\" + name }

    public static func == (lhs: MailboxAttribute, rhs: MailboxAttribute) -> Bool {
        lhs.name.caseInsensitiveEquals(rhs.name)
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(name.uppercased()) }

    public static let noInferiors = MailboxAttribute("Noinferiors")
    public static let noSelect = MailboxAttribute("Noselect")
    public static let marked = MailboxAttribute("Marked")
    public static let unmarked = MailboxAttribute("Unmarked")
    public static let nonExistent = MailboxAttribute("NonExistent")
    public static let subscribed = MailboxAttribute("Subscribed")
    public static let remote = MailboxAttribute("Remote")
    public static let hasChildren = MailboxAttribute("HasChildren")
    public static let hasNoChildren = MailboxAttribute("HasNoChildren")
    // RFC 6154 §2 special-use
    public static let all = MailboxAttribute("All")
    public static let archive = MailboxAttribute("Archive")
    public static let drafts = MailboxAttribute("Drafts")
    public static let flagged = MailboxAttribute("Flagged")
    public static let junk = MailboxAttribute("Junk")
    public static let sent = MailboxAttribute("Sent")
    public static let trash = MailboxAttribute("Trash")
    public static let important = MailboxAttribute("Important")  // RFC 8457
}

extension GrammarParser {
    // use-attr = "\All" / "\Archive" / "\Drafts" / "\Flagged" / "\Junk" / "\Sent" / "\Trash" / use-attr-ext
    // use-attr-ext = "\" atom          ; RFC 6154 §6
    mutating func parseUseAttr() throws -> MailboxAttribute {
        try expect(.backslash, "\\")
        return MailboxAttribute(try parseAtom())
    }
}

extension String {
    func caseInsensitiveEquals(_ other: String) -> Bool {
        self.utf8.count == other.utf8.count
            && zip(self.utf8, other.utf8).allSatisfy { $0.asciiUppercased == $1.asciiUppercased }
    }
}
