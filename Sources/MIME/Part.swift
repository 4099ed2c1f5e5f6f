// The part tree: one `Part` per MIME entity, with byte ranges into the original message.
//
// Invariants:
// - Every range (header, body, field) lies inside 0..<message size and children lie inside their
//   parent's body. Bodies are never copied: they are ranges, decoded on request.
// - RFC 2046 §5.1.1: the line break before a boundary delimiter belongs to the delimiter, so a part
//   body ends before it. Delimiter lines may carry trailing whitespace; a missing close delimiter
//   ends the last part at the end of the enclosing body.
// - A multipart without a boundary parameter, or whose boundary never appears at a line start, is
//   treated as one text/plain part (its `contentType` says so; the header still says multipart).
// - Nesting stops at `MIMELimits.maxNestingDepth` and part creation at `MIMELimits.maxParts`;
//   beyond that, content stays inside the enclosing part's body unsplit.
// - message/rfc822 and message/global parts with an identity transfer encoding have exactly one
//   child: the encapsulated message (its header is the message header). Encoded ones are leaves.
import Foundation

public struct Part: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// A leaf.
        case single
        /// multipart/*: `children` are the body parts.
        case multipart
        /// message/rfc822 or message/global: `children` holds the encapsulated message.
        case message
    }

    public var kind: Kind
    /// The MIME header of this part; for the top level and for encapsulated messages, the message header.
    public var header: HeaderBlock
    /// The body bytes (encoded, as stored).
    public var bodyRange: Range<Int>
    /// The effective content type (defaults and demotions applied).
    public var contentType: ContentType
    /// The raw Content-Transfer-Encoding token ("" when absent).
    public var transferEncodingToken: String
    /// Number of LF-terminated lines of the encoded body, counted for text/* and message/* parts.
    public var bodyLines: Int?
    public var children: [Part]

    public init(
        kind: Kind, header: HeaderBlock, bodyRange: Range<Int>, contentType: ContentType,
        transferEncodingToken: String, bodyLines: Int?, children: [Part]
    ) {
        self.kind = kind
        self.header = header
        self.bodyRange = bodyRange
        self.contentType = contentType
        self.transferEncodingToken = transferEncodingToken
        self.bodyLines = bodyLines
        self.children = children
    }

    public var transferEncoding: TransferEncoding { TransferEncoding(token: transferEncodingToken) }

    /// Octets of the encoded body (BODYSTRUCTURE body-fld-octets).
    public var bodySize: Int { bodyRange.count }

    /// The whole part, header and body.
    public var range: Range<Int> { header.range.lowerBound..<max(bodyRange.upperBound, header.range.upperBound) }

    public var contentID: String? { header.value("Content-ID") }
    public var contentDescription: String? { header.value("Content-Description") }
    public var contentMD5: String? { header.value("Content-MD5") }
    public var contentLocation: String? {
        // RFC 2557 §4.4.1: a folded URL is unfolded by removing the whitespace too.
        header.value("Content-Location").map { String($0.unicodeScalars.filter { $0 != " " && $0 != "\t" }) }
    }
    public var disposition: ContentDisposition? {
        header.value("Content-Disposition").flatMap(ContentDisposition.init(parsing:))
    }
    /// Content-Language tags (RFC 3282), nil when absent.
    public var languages: [String]? {
        guard let v = header.value("Content-Language") else { return nil }
        var lexer = ParameterLexer(v)
        var tags: [String] = []
        while !lexer.atEnd {
            if let t = lexer.token() {
                tags.append(t)
            } else if !lexer.consume(0x2C) {
                lexer.i += 1
            }
        }
        return tags.isEmpty ? nil : tags
    }

    /// File name from Content-Disposition filename, else Content-Type name (decoded).
    public var filename: String? {
        if let f = disposition?.filename, !f.isEmpty { return f }
        if let n = contentType.parameter("name"), !n.isEmpty { return n }
        return nil
    }

    /// The encapsulated message of a message/rfc822 part.
    public var encapsulatedMessage: Part? { kind == .message ? children.first : nil }

    /// The parts that section numbers address inside a message whose top part is `self`
    /// (RFC 9051 §6.4.5): the children of a multipart, or the message's own body as part 1.
    var numberedParts: [Part] { kind == .multipart ? children : [self] }
}

/// Builds the part tree over a buffer.
struct StructureParser {
    let v: ByteView
    var partCount = 0

    init(_ v: ByteView) { self.v = v }

    /// A message (or encapsulated message): header, then body, default text/plain.
    mutating func parseMessage(_ range: Range<Int>, depth: Int) -> Part {
        parsePart(range, defaultType: .defaultText, depth: depth)
    }

    mutating func parsePart(_ range: Range<Int>, defaultType: ContentType, depth: Int) -> Part {
        partCount += 1
        let (header, bodyStart) = parseHeaderBlock(v, start: range.lowerBound, end: range.upperBound)
        let body = bodyStart..<max(bodyStart, range.upperBound)
        // RFC 2045 §5.2: missing or unreadable Content-Type means the default.
        var type = header.value("Content-Type").flatMap(ContentType.init(parsing:)) ?? defaultType
        let cteToken = header.value("Content-Transfer-Encoding").map(transferEncodingToken) ?? ""
        var kind = Part.Kind.single
        var children: [Part] = []

        if type.isMultipart {
            let childDefault: ContentType =
                type.lowercasedSubtype == "digest" ? .defaultDigestPart : .defaultText  // RFC 2046 §5.1.5
            if depth >= MIMELimits.maxNestingDepth {
                type = ContentType(type: "application", subtype: "octet-stream")
            } else if let boundary = type.boundary, !boundary.isEmpty,
                let parts = splitMultipart(
                    body, boundary: Array(boundary.utf8), childDefault: childDefault, depth: depth)
            {
                kind = .multipart
                children = parts
            } else {
                // No usable boundary: one text part (RFC 2046 §5.1.1 cannot apply).
                var params: [MIMEParameter] = []
                if let cs = type.charset { params.append(MIMEParameter(name: "charset", value: cs)) }
                type = ContentType(type: "text", subtype: "plain", parameters: params)
            }
        } else if type.isEncapsulatedMessage {
            if TransferEncoding(token: cteToken).isIdentity, depth < MIMELimits.maxNestingDepth,
                partCount < MIMELimits.maxParts
            {
                kind = .message
                children = [parseMessage(body, depth: depth + 1)]
            }
        }
        var lines: Int? = nil
        if type.isText || kind == .message || type.lowercasedType == "message" {
            lines = v.countLines(in: body)
        }
        return Part(
            kind: kind, header: header, bodyRange: body, contentType: type, transferEncodingToken: cteToken,
            bodyLines: lines, children: children)
    }

    enum Delimiter { case open, close }

    /// dash-boundary = "--" boundary, then "--" for the close delimiter, then transport padding
    /// (RFC 2046 §5.1.1) up to the line end.
    @inline(__always)
    func delimiter(at i: Int, contentEnd: Int, boundary: [UInt8]) -> Delimiter? {
        guard contentEnd - i >= 2 + boundary.count, v[i] == ASCII.dash, v[i + 1] == ASCII.dash,
            v.matches(boundary, at: i + 2, limit: contentEnd)
        else { return nil }
        var k = i + 2 + boundary.count
        var result = Delimiter.open
        if k + 2 <= contentEnd, v[k] == ASCII.dash, v[k + 1] == ASCII.dash {
            result = .close
            k += 2
        }
        while k < contentEnd, ASCII.isWSP(v[k]) { k += 1 }
        return k == contentEnd ? result : nil
    }

    /// Splits a multipart body into parts; nil when no delimiter line occurs at all.
    mutating func splitMultipart(_ body: Range<Int>, boundary: [UInt8], childDefault: ContentType, depth: Int)
        -> [Part]?
    {
        var parts: [Part] = []
        var found = false
        var partStart: Int? = nil
        var i = body.lowerBound
        let end = body.upperBound
        while i < end {
            let (contentEnd, next) = v.line(at: i, limit: end)
            if v[i] == ASCII.dash, let d = delimiter(at: i, contentEnd: contentEnd, boundary: boundary) {
                found = true
                if let s = partStart {
                    // The line break before the delimiter belongs to the delimiter (RFC 2046 §5.1.1).
                    var e = i
                    if e > s, v[e - 1] == ASCII.lf { e -= 1 }
                    if e > s, v[e - 1] == ASCII.cr { e -= 1 }
                    parts.append(parsePart(s..<e, defaultType: childDefault, depth: depth + 1))
                }
                partStart = nil
                if d == .close { break }
                if partCount >= MIMELimits.maxParts { break }
                partStart = next
            }
            i = next
        }
        if let s = partStart {
            // Missing close delimiter: the last part runs to the end of the enclosing body.
            parts.append(parsePart(s..<end, defaultType: childDefault, depth: depth + 1))
        }
        return found ? parts : nil
    }
}

/// mechanism = token (RFC 2045 §6.1), with comments and whitespace removed.
func transferEncodingToken(_ value: String) -> String {
    var lexer = ParameterLexer(value)
    return lexer.token() ?? ""
}
