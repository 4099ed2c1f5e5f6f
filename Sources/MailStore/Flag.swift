// Message flags: the five system flags and keywords.
//
// Invariants:
// - Two flags are equal when their names are equal ignoring ASCII case (RFC 9051 §2.3.2: flags are
//   case-insensitive); `name` keeps the spelling a client first used for a keyword and the canonical
//   spelling for system flags.
// - A Flag value is always valid: a known system flag, or a keyword that is an IMAP atom
//   (RFC 9051 §9 `flag-keyword = "$MDNSent" / "$Forwarded" / ... / atom`) of at most `maxKeywordLength` bytes.
// - Storage form: system flags as a bit mask (indexable: \Seen, \Deleted), keywords as a space-separated
//   string (atoms contain no space).

/// A message flag: a system flag (`\Seen`) or a keyword (`$Forwarded`, `Work`).
public struct Flag: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// The flag as written: canonical spelling for system flags, first-seen spelling for keywords.
    public let name: String
    /// Lowercased name: the identity of the flag.
    let key: String

    /// A keyword longer than this is refused (a named limit; RFC 9051 sets none).
    public static let maxKeywordLength = 128

    public static let seen = Flag(system: "\\Seen")
    public static let answered = Flag(system: "\\Answered")
    public static let flagged = Flag(system: "\\Flagged")
    public static let deleted = Flag(system: "\\Deleted")
    public static let draft = Flag(system: "\\Draft")

    /// RFC 9051 §2.3.2: the system flags a client may store (`\Recent` is gone in IMAP4rev2).
    public static let systemFlags: [Flag] = [.seen, .answered, .flagged, .deleted, .draft]

    private init(system name: String) {
        self.name = name
        self.key = name.lowercased()
    }

    /// Parses a flag: a system flag in any case, or a keyword atom. Nil for anything else, including
    /// `\Recent` and unknown backslash flags.
    public init?(_ text: String) {
        if text.hasPrefix("\\") {
            let key = text.lowercased()
            guard let system = Flag.systemFlags.first(where: { $0.key == key }) else { return nil }
            self = system
            return
        }
        guard Flag.isAtom(text), text.utf8.count <= Flag.maxKeywordLength else { return nil }
        self.name = text
        self.key = text.lowercased()
    }

    public var isSystemFlag: Bool { name.hasPrefix("\\") }
    public var isKeyword: Bool { !isSystemFlag }
    public var description: String { name }

    public static func == (lhs: Flag, rhs: Flag) -> Bool { lhs.key == rhs.key }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }
    public static func < (lhs: Flag, rhs: Flag) -> Bool { lhs.key < rhs.key }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let flag = Flag(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "bad flag \(text)"))
        }
        self = flag
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(name)
    }

    /// RFC 9051 §9: `atom = 1*ATOM-CHAR`; ATOM-CHAR is any CHAR (%x01-7F) except atom-specials:
    /// "(" ")" "{" SP CTL "%" "*" DQUOTE "\" "]".
    static func isAtom(_ text: String) -> Bool {
        guard !text.isEmpty else { return false }
        for byte in text.utf8 {
            switch byte {
            case 0x00...0x20, 0x7F...0xFF: return false
            case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "{"), UInt8(ascii: "%"), UInt8(ascii: "*"),
                UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "]"):
                return false
            default: continue
            }
        }
        return true
    }
}

/// The storage form of a set of flags.
struct StoredFlags: Hashable {
    var system: Int64
    var keywords: String

    static let seenBit: Int64 = 1
    static let answeredBit: Int64 = 2
    static let flaggedBit: Int64 = 4
    static let deletedBit: Int64 = 8
    static let draftBit: Int64 = 16

    /// Refuses more keywords than this on one message (a named limit, so a row stays small).
    static let maxKeywordsPerMessage = 256

    static func bit(_ flag: Flag) -> Int64? {
        switch flag {
        case .seen: seenBit
        case .answered: answeredBit
        case .flagged: flaggedBit
        case .deleted: deletedBit
        case .draft: draftBit
        default: nil
        }
    }

    init(system: Int64, keywords: String) {
        self.system = system
        self.keywords = keywords
    }

    init(_ flags: Set<Flag>) throws {
        var system: Int64 = 0
        var keywords: [Flag] = []
        for flag in flags {
            if let bit = StoredFlags.bit(flag) { system |= bit } else { keywords.append(flag) }
        }
        guard keywords.count <= StoredFlags.maxKeywordsPerMessage else {
            throw StoreError.limitExceeded("a message can carry at most \(StoredFlags.maxKeywordsPerMessage) keywords")
        }
        self.system = system
        self.keywords = keywords.sorted().map(\.name).joined(separator: " ")
    }

    var flags: Set<Flag> {
        var result = Set<Flag>()
        for flag in Flag.systemFlags where system & StoredFlags.bit(flag)! != 0 { result.insert(flag) }
        if !keywords.isEmpty {
            for word in keywords.split(separator: " ") {
                if let flag = Flag(String(word)) { result.insert(flag) }
            }
        }
        return result
    }
}
