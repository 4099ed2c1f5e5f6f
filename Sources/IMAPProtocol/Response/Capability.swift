// Capability: capability names for CAPABILITY, ENABLE and ENABLED (RFC 9051 §7.2.2, RFC 5161).
//
// Invariants:
// - Compared and hashed case-insensitively (RFC 9051 §9 note 1); written as spelled.

/// A capability name such as `IMAP4rev2`, `AUTH=PLAIN` or `UTF8=ACCEPT`.
public struct Capability: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let name: String

    public init(_ name: String) { self.name = name }
    public init(stringLiteral value: String) { self.name = value }

    public var description: String { name }

    public static func == (lhs: Capability, rhs: Capability) -> Bool { lhs.name.caseInsensitiveEquals(rhs.name) }
    public func hash(into hasher: inout Hasher) { hasher.combine(name.uppercased()) }

    public static let imap4rev1: Capability = "IMAP4rev1"
    public static let imap4rev2: Capability = "IMAP4rev2"
    public static let startTLS: Capability = "STARTTLS"
    public static let loginDisabled: Capability = "LOGINDISABLED"
    public static let saslIR: Capability = "SASL-IR"
    public static let literalMinus: Capability = "LITERAL-"
    public static let literalPlus: Capability = "LITERAL+"
    public static let enable: Capability = "ENABLE"
    public static let idle: Capability = "IDLE"
    public static let namespace: Capability = "NAMESPACE"
    public static let unselect: Capability = "UNSELECT"
    public static let uidPlus: Capability = "UIDPLUS"
    public static let move: Capability = "MOVE"
    public static let id: Capability = "ID"
    public static let children: Capability = "CHILDREN"
    public static let listExtended: Capability = "LIST-EXTENDED"
    public static let listStatus: Capability = "LIST-STATUS"
    public static let specialUse: Capability = "SPECIAL-USE"
    public static let createSpecialUse: Capability = "CREATE-SPECIAL-USE"
    public static let esearch: Capability = "ESEARCH"
    public static let searchRes: Capability = "SEARCHRES"
    public static let condStore: Capability = "CONDSTORE"
    public static let qresync: Capability = "QRESYNC"
    public static let multiAppend: Capability = "MULTIAPPEND"
    public static let binary: Capability = "BINARY"
    public static let utf8Accept: Capability = "UTF8=ACCEPT"
    public static let statusSize: Capability = "STATUS=SIZE"
    public static let objectID: Capability = "OBJECTID"
    public static let saveDate: Capability = "SAVEDATE"
    public static let within: Capability = "WITHIN"
    public static let appendLimit: Capability = "APPENDLIMIT"
    public static let compressDeflate: Capability = "COMPRESS=DEFLATE"
    public static let preview: Capability = "PREVIEW"

    /// `AUTH=<mechanism>`.
    public static func auth(_ mechanism: String) -> Capability { Capability("AUTH=" + mechanism) }
}
