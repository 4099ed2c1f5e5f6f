// Identifier types of the store: plain value wrappers so that an account id is never passed where a
// mailbox id is expected.
//
// Invariants:
// - Row ids (AccountID, MailboxID, EmailID, ...) come from AUTOINCREMENT columns: never reused, also
//   after deletion, so a client that cached one can never see it point at something else.
// - UID is a nonzero 32-bit number (RFC 9051 §2.3.1.1); ModSeq is a positive 63-bit number (RFC 7162 §3.1).

import Foundation

/// A row id of one of the store's tables.
public protocol StoreIdentifier: RawRepresentable, Hashable, Comparable, Sendable, Codable,
    CustomStringConvertible
where RawValue == Int64 {
    init(rawValue: Int64)
}

extension StoreIdentifier {
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
}

public struct DomainID: StoreIdentifier {
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
}

public struct AccountID: StoreIdentifier {
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
}

public struct AliasID: StoreIdentifier {
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
}

public struct AppPasswordID: StoreIdentifier {
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
}

public struct MailboxID: StoreIdentifier {
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    /// RFC 8474 §4 MAILBOXID: 1-255 characters of [A-Za-z0-9_-].
    public var objectID: String { "F\(rawValue)" }
}

/// A stored message of one account. A COPY keeps it (RFC 8474 §5.1 allows that), a MOVE must keep it.
public struct EmailID: StoreIdentifier {
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    /// RFC 8474 §5.1 EMAILID.
    public var objectID: String { "M\(rawValue)" }
}

/// A thread: the email id of the first message of the thread that the store saw.
public struct ThreadID: StoreIdentifier {
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    /// RFC 8474 §5.2 THREADID.
    public var objectID: String { "T\(rawValue)" }
}

/// An IMAP unique identifier. RFC 9051 §2.3.1.1: nonzero, strictly ascending within a mailbox, never reused.
public struct UID: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByIntegerLiteral
{
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ value: UInt32) { self.rawValue = value }
    public init(integerLiteral value: UInt32) { self.rawValue = value }
    public static func < (lhs: UID, rhs: UID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
    /// The largest UID (RFC 9051 §9: nz-number is a 32-bit value).
    public static let max = UID(UInt32.max)
}

/// A modification sequence. RFC 7162 §3.1: positive, 63-bit, strictly increasing per mailbox.
public struct ModSeq: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByIntegerLiteral
{
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ value: UInt64) { self.rawValue = value }
    public init(integerLiteral value: UInt64) { self.rawValue = value }
    public static func < (lhs: ModSeq, rhs: ModSeq) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { String(rawValue) }
    public static let zero = ModSeq(0)
}

/// A content-addressed message body: the lowercase hex SHA-256 of its bytes, and its size.
public struct BlobRef: Hashable, Sendable, Codable, CustomStringConvertible {
    public let hash: String
    public let size: Int64

    /// Nil unless `hash` is 64 lowercase hex digits (the hash names a file: nothing else may get through).
    public init?(hash: String, size: Int64) {
        guard Self.isValidHash(hash), size >= 0 else { return nil }
        self.hash = hash
        self.size = size
    }

    init(validHash: String, size: Int64) {
        self.hash = validHash
        self.size = size
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let hash = try c.decode(String.self, forKey: .hash)
        let size = try c.decode(Int64.self, forKey: .size)
        guard let ref = BlobRef(hash: hash, size: size) else {
            throw DecodingError.dataCorruptedError(forKey: .hash, in: c, debugDescription: "not a SHA-256 hex digest")
        }
        self = ref
    }

    public var description: String { "\(hash) (\(size) bytes)" }

    static func isValidHash(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}

/// RFC 6154 §2 and RFC 8457 §3: special-use attributes of a mailbox.
public enum SpecialUse: String, Sendable, Codable, CaseIterable, Hashable {
    case all = "\\All"
    case archive = "\\Archive"
    case drafts = "\\Drafts"
    case flagged = "\\Flagged"
    case junk = "\\Junk"
    case sent = "\\Sent"
    case trash = "\\Trash"
    case important = "\\Important"

    /// Case-insensitive, with or without the backslash.
    public init?(attribute: String) {
        let key = attribute.hasPrefix("\\") ? attribute.lowercased() : "\\" + attribute.lowercased()
        guard let match = SpecialUse.allCases.first(where: { $0.rawValue.lowercased() == key }) else { return nil }
        self = match
    }
}
