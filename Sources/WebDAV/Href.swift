// Href: percent-encoding of paths in DAV:href values and the Destination header (RFC 4918 §8.3, RFC 3986 §2.1).
//
// Invariants:
// - Encoding works per path segment: every octet of the segment's UTF-8 form that is not unreserved
//   (RFC 3986 §2.3: ALPHA DIGIT - . _ ~) or "@" is written as %XX with uppercase hex; "/" separates segments and is
//   kept. "@" is a pchar (RFC 3986 §3.3) and stays as it is, so account paths read as the address
//   (/dav/alice@example.com/). Sub-delimiters are encoded: some clients decode them differently, and an encoded
//   href is always valid.
// - Decoding accepts an absolute URI (scheme and authority are dropped, RFC 4918 §8.3 allows either form) or an
//   absolute path; any percent-encoding decodes. A segment that decodes to "/" or NUL, "." or "..", a query or
//   fragment, or octets that are not UTF-8 are refused: the server maps decoded paths to names, and none of those
//   can name a resource.
// - decode(encode(path)) == path for every path of non-empty segments without NUL; "Calendar Work/ev 1.ics"
//   round-trips.

/// Href and path conversion.
public enum Href {
    /// Encodes a decoded absolute path ("/cal/Calendar Work/ev 1.ics") as an href ("/cal/Calendar%20Work/ev%201.ics").
    public static func encode(path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { encode(segment: String($0)) }
            .joined(separator: "/")
    }

    /// Percent-encodes one segment (a "/" inside it is encoded as %2F).
    public static func encode(segment: String) -> String {
        var out = ""
        for byte in segment.utf8 {
            if isUnreserved(byte) || byte == UInt8(ascii: "@") {  // RFC 3986 §3.3 pchar
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hexDigits[Int(byte >> 4)])
                out.unicodeScalars.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return out
    }

    /// Decodes an href or Destination value (absolute URI or absolute path) into a decoded absolute path.
    /// A trailing "/" (a collection) is kept.
    public static func decodePath(_ href: String) throws(DAVRequestError) -> String {
        try decode(href).path
    }

    /// The authority ("host:port") of an absolute URI href, nil for a path.
    public static func authority(of href: String) -> String? {
        guard let (_, rest) = splitScheme(href) else { return nil }
        let end = rest.firstIndex(of: "/") ?? rest.endIndex
        return String(rest[..<end])
    }

    /// A decoded href.
    public struct Decoded: Hashable, Sendable {
        /// The decoded segments, root first; empty for "/".
        public var segments: [String]
        /// Whether the href ends in "/".
        public var isCollection: Bool
        /// The decoded absolute path, "/" + segments joined by "/" (+ "/" for a collection).
        public var path: String
    }

    /// Decodes an href or Destination value (absolute URI or absolute path).
    public static func decode(_ href: String) throws(DAVRequestError) -> Decoded {
        guard href.utf8.count <= WebDAVLimits.maxHrefOctets else { throw .invalidHref(href) }
        var path = Substring(href)
        if let (_, rest) = splitScheme(href) {
            // RFC 3986 §3.2: the authority runs to the next "/"; an absolute URI without a path is the root.
            guard let slash = rest.firstIndex(of: "/") else {
                return Decoded(segments: [], isCollection: true, path: "/")
            }
            path = rest[slash...]
        }
        guard path.first == "/", !path.contains("?"), !path.contains("#") else { throw .invalidHref(href) }
        let rawSegments = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        var segments: [String] = []
        for (index, raw) in rawSegments.enumerated() {
            // "//" inside a path and the empty last segment of "/a/" carry no name.
            if raw.isEmpty {
                if index == rawSegments.count - 1 { continue }
                throw .invalidHref(href)
            }
            guard let segment = decode(segment: raw), segment != ".", segment != "..", !segment.contains("/"),
                !segment.unicodeScalars.contains("\u{0}")
            else { throw .invalidHref(href) }
            segments.append(segment)
        }
        let isCollection = path.hasSuffix("/")
        let joined = "/" + segments.joined(separator: "/") + (isCollection && !segments.isEmpty ? "/" : "")
        return Decoded(segments: segments, isCollection: isCollection, path: joined)
    }

    /// RFC 3986 §2.1: percent-decoding of one segment; nil for a bad escape or non-UTF-8 result.
    static func decode(segment: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = segment.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    /// "scheme://rest" → (scheme, rest), RFC 3986 §3.1 scheme syntax.
    private static func splitScheme(_ href: String) -> (Substring, Substring)? {
        guard let range = href.range(of: "://") else { return nil }
        let scheme = href[..<range.lowerBound]
        guard let first = scheme.first, first.isASCII, first.isLetter,
            scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") })
        else { return nil }
        return (scheme, href[range.upperBound...])
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            true
        default: false
        }
    }

    private static let hexDigits = Array("0123456789ABCDEF".unicodeScalars)

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
