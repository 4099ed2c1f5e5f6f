// Headers: the WebDAV request headers the server reads: Depth (RFC 4918 §10.2), If-Match / If-None-Match
// (RFC 9110 §13.1.1, §13.1.2), Destination (RFC 4918 §10.3), Overwrite (RFC 4918 §10.6).
//
// Invariants:
// - A missing header takes the default the caller names (Depth's default depends on the method: PROPFIND
//   infinity, REPORT 0, RFC 4918 §9.1 and RFC 3253 §3.6); a present header outside its grammar is an error
//   (`invalidHeader`), never the default.
// - Entity tags keep their opaque part exactly; weak comparison ignores W/, strong comparison fails on any weak tag
//   (RFC 9110 §8.8.3.2).

/// The Depth header (RFC 4918 §10.2): `Depth = "Depth" ":" ("0" | "1" | "infinity")`.
public enum Depth: String, Hashable, Sendable {
    case zero = "0"
    case one = "1"
    case infinity

    /// Parses the header value; nil (no header) gives `defaultDepth`.
    public static func parse(_ value: String?, default defaultDepth: Depth) throws(DAVRequestError) -> Depth {
        guard let value else { return defaultDepth }
        let trimmed = value.trimmingXMLWhitespace()
        guard let depth = Depth(rawValue: trimmed.lowercased()) else {
            throw .invalidHeader(header: "Depth", value: value)
        }
        return depth
    }
}

/// An entity tag (RFC 9110 §8.8.3): `entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE`.
public struct EntityTag: Hashable, Sendable, CustomStringConvertible {
    /// The characters between the quotes.
    public var opaque: String
    public var isWeak: Bool

    public init(_ opaque: String, isWeak: Bool = false) {
        self.opaque = opaque
        self.isWeak = isWeak
    }

    /// The header form, `"abc"` or `W/"abc"`.
    public var description: String { (isWeak ? "W/" : "") + "\"" + opaque + "\"" }

    /// RFC 9110 §8.8.3.2 strong comparison: both strong and the same opaque tag.
    public func strongMatches(_ other: EntityTag) -> Bool { !isWeak && !other.isWeak && opaque == other.opaque }

    /// RFC 9110 §8.8.3.2 weak comparison: the same opaque tag.
    public func weakMatches(_ other: EntityTag) -> Bool { opaque == other.opaque }

    /// RFC 9110 §8.8.3: etagc = %x21 / %x23-7E / obs-text.
    static func isETagChar(_ byte: UInt8) -> Bool { byte == 0x21 || (0x23...0x7E).contains(byte) || byte >= 0x80 }
}

/// The value of If-Match or If-None-Match (RFC 9110 §13.1.1): `"*" / #entity-tag`.
public enum EntityTagCondition: Hashable, Sendable {
    /// `*`: any current representation.
    case any
    case tags([EntityTag])

    /// Parses a header value (several header lines are joined with "," by the caller, RFC 9110 §5.3).
    public static func parse(_ value: String, header: String = "If-Match") throws(DAVRequestError) -> EntityTagCondition
    {
        let bytes = Array(value.utf8)
        var index = 0
        func skipSpace() { while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 } }
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "*") {
            index += 1
            skipSpace()
            guard index == bytes.count else { throw .invalidHeader(header: header, value: value) }
            return .any
        }
        var tags: [EntityTag] = []
        while index < bytes.count {
            // RFC 9110 §5.6.1: empty list elements are allowed and ignored.
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                skipSpace()
                continue
            }
            var isWeak = false
            if bytes[index] == UInt8(ascii: "W"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "/") {
                isWeak = true
                index += 2
            }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw .invalidHeader(header: header, value: value)
            }
            index += 1
            let start = index
            while index < bytes.count, EntityTag.isETagChar(bytes[index]) { index += 1 }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\""),
                let opaque = String(validating: bytes[start..<index], as: UTF8.self)
            else { throw .invalidHeader(header: header, value: value) }
            index += 1
            tags.append(EntityTag(opaque, isWeak: isWeak))
            guard tags.count <= WebDAVLimits.maxEntityTags else { throw .invalidHeader(header: header, value: value) }
            skipSpace()
            guard index == bytes.count || bytes[index] == UInt8(ascii: ",") else {
                throw .invalidHeader(header: header, value: value)
            }
        }
        guard !tags.isEmpty else { throw .invalidHeader(header: header, value: value) }
        return .tags(tags)
    }

    /// If-Match (RFC 9110 §13.1.1): true when the condition holds for a resource with `current` (nil: none).
    /// Strong comparison.
    public func ifMatchHolds(current: EntityTag?) -> Bool {
        guard let current else { return false }
        switch self {
        case .any: return true
        case .tags(let tags): return tags.contains { $0.strongMatches(current) }
        }
    }

    /// If-None-Match (RFC 9110 §13.1.2): true when the condition holds (the method may proceed). Weak comparison.
    public func ifNoneMatchHolds(current: EntityTag?) -> Bool {
        guard let current else { return true }
        switch self {
        case .any: return false
        case .tags(let tags): return !tags.contains { $0.weakMatches(current) }
        }
    }
}

/// The Destination header (RFC 4918 §10.3): `Destination = "Destination" ":" Simple-ref`.
public enum Destination {
    /// The decoded destination path. With `authority` (the request's Host), an absolute URI naming another
    /// authority is refused (RFC 4918 §9.8.4: the server answers 502 for another server; the caller decides).
    public static func parse(_ value: String, authority: String? = nil) throws(DAVRequestError) -> Href.Decoded {
        let trimmed = value.trimmingXMLWhitespace()
        if let authority, let other = Href.authority(of: trimmed), other.lowercased() != authority.lowercased() {
            throw .invalidHeader(header: "Destination", value: value)
        }
        do {
            return try Href.decode(trimmed)
        } catch {
            throw .invalidHeader(header: "Destination", value: value)
        }
    }
}

/// The Overwrite header (RFC 4918 §10.6): `Overwrite = "Overwrite" ":" ("T" | "F")`, default T.
public enum Overwrite {
    /// True for T or no header, false for F.
    public static func parse(_ value: String?) throws(DAVRequestError) -> Bool {
        guard let value else { return true }
        switch value.trimmingXMLWhitespace() {
        case "T", "t": return true
        case "F", "f": return false
        default: throw .invalidHeader(header: "Overwrite", value: value)
        }
    }
}
