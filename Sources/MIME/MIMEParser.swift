// MIME: RFC 5322 / MIME message parsing for Mailroom.
//
// Every message is parsed once at delivery; the results (envelope, body structure, part tree with
// byte ranges, preview, search text) are stored, and IMAP later serves ENVELOPE, BODYSTRUCTURE and
// BODY[section] from them without parsing again.
//
// How callers provide bytes:
// - `MIMEParser.parse(_: [UInt8])` keeps the array inside the returned `ParsedMessage` (arrays are
//   copy-on-write: no copy is made) and offers everything, including decoded bodies.
// - `MIMEParser.parseStructure(_: UnsafeRawBufferPointer)` parses a buffer the caller owns (for
//   example an mmap of the blob file) without copying it and returns a `MessageStructure`, which
//   holds no reference to the bytes. Functions that need body bytes (`decodedBody`, `searchText`,
//   `preview`) take the same buffer again.
//
// Invariants:
// - Parsing is total: any byte sequence yields a structure, nothing traps. The raw scan works on
//   bytes (memchr for line ends) and never on Strings; only header values are turned into Strings.
// - The stored bytes are never altered; every range in the result lies inside 0..<size.
// - Work is bounded by the named limits in `MIMELimits`; a message needs the bytes plus the part
//   tree and header fields in memory (bodies are ranges until decoded on request).
// - All public types are value types and Sendable.
import Foundation

/// Every limit the parser enforces, named once.
public enum MIMELimits {
    /// Deepest nesting of multipart and message/rfc822 parts; deeper ones stay unsplit leaves.
    public static let maxNestingDepth = 64
    /// Most MIME parts (all levels) recorded per message; the rest stays inside its parent's body.
    public static let maxParts = 10_000
    /// Most header fields recorded per header block; further lines stay in the block's range.
    public static let maxHeaderFields = 10_000
    /// Longest header field value kept as a String, in bytes (the field's byte range is not cut).
    public static let maxHeaderValueLength = 1 << 20
    /// Most parameters read from one Content-Type or Content-Disposition.
    public static let maxParameters = 256
    /// Most addresses read from one address header.
    public static let maxAddresses = 10_000
    /// Most lexical tokens read from one address header.
    public static let maxAddressTokens = 100_000
    /// Length of `preview`, in characters (RFC 8970 allows up to 256).
    public static let previewLength = 200
    /// Most UTF-8 bytes of text extracted for search per message.
    public static let maxSearchTextLength = 4 << 20
}

public enum MIMEParser {
    /// Parses a message held in an array; the array is kept (not copied) in the result.
    public static func parse(_ bytes: [UInt8]) -> ParsedMessage {
        let structure = bytes.withUnsafeBytes { parseStructure($0) }
        return ParsedMessage(bytes: bytes, structure: structure)
    }

    /// Parses a message held in `Data`.
    public static func parse(_ data: Data) -> ParsedMessage {
        parse([UInt8](data))
    }

    /// Parses a message in a caller-owned buffer (e.g. a memory-mapped file) without copying it.
    public static func parseStructure(_ buffer: UnsafeRawBufferPointer) -> MessageStructure {
        var parser = StructureParser(ByteView(base: buffer))
        let root = parser.parseMessage(0..<buffer.count, depth: 0)
        return MessageStructure(size: buffer.count, root: root)
    }

    /// Parses only the top-level header of a message (the same fields `parseStructure` gives its root), without
    /// looking at the body.
    public static func parseHeader(_ buffer: UnsafeRawBufferPointer) -> HeaderBlock {
        parseHeaderBlock(ByteView(base: buffer), start: 0, end: buffer.count).header
    }
}

/// The parsed structure of a message, without its bytes. Codable for storage.
public struct MessageStructure: Sendable, Codable, Equatable {
    /// Octets in the message.
    public let size: Int
    /// The top-level part: its header is the message header, its body the message body.
    public let root: Part

    public init(size: Int, root: Part) {
        self.size = size
        self.root = root
    }

    public var header: HeaderBlock { root.header }

    /// IMAP ENVELOPE of the message.
    public var envelope: Envelope { Envelope(header: root.header) }

    /// IMAP BODYSTRUCTURE of the message.
    public var bodyStructure: BodyStructure { root.bodyStructure }

    /// The part with IMAP part number `numbers` (e.g. [1, 2] for "1.2").
    public func part(at numbers: [Int]) -> Part? { root.part(at: numbers) }

    /// Byte ranges of a BODY[section] (RFC 9051 §6.4.5), or nil when the section does not exist.
    public func sectionBytes(_ spec: SectionSpec) -> SectionBytes? { root.section(spec, messageSize: size) }

    /// The Date header parsed (RFC 5322 §3.3), nil when absent or unparseable.
    public var date: MessageDate? { header.value("Date").flatMap(MessageDate.init(parsing:)) }

    /// Message-ID without angle brackets.
    public var messageID: String? { header.value("Message-ID").flatMap { parseMessageIDs($0).first } }
    /// In-Reply-To msg-ids without angle brackets.
    public var inReplyTo: [String] { header.value("In-Reply-To").map(parseMessageIDs) ?? [] }
    /// References msg-ids without angle brackets, in order (all References fields joined).
    public var references: [String] { header.values("References").flatMap(parseMessageIDs) }

    /// Whether the message has an attachment (disposition attachment, named or non-text leaf parts,
    /// forwarded messages; not inline images of multipart/related and not signatures).
    public var hasAttachment: Bool { root.containsAttachment() }

    /// Decoded header text for search: subject and address fields.
    public var headerText: String {
        var x = TextExtractor(v: ByteView(base: UnsafeRawBufferPointer(start: nil, count: 0)))
        x.addHeader(root.header)
        return x.out
    }

    /// Transfer-decoded bytes of `part` (for IMAP BINARY[] and search). `buffer` is the message.
    public func decodedBody(of part: Part, in buffer: UnsafeRawBufferPointer) -> [UInt8] {
        MIME.decodedBody(of: part, in: ByteView(base: buffer))
    }

    /// Size of the transfer-decoded body of `part`, without allocating it.
    public func decodedSize(of part: Part, in buffer: UnsafeRawBufferPointer) -> Int {
        MIME.decodedSize(of: part, in: ByteView(base: buffer))
    }

    /// Decoded text of a text part (charset converted; HTML reduced to text).
    public func text(of part: Part, in buffer: UnsafeRawBufferPointer) -> String {
        decodedText(of: part, in: ByteView(base: buffer))
    }

    /// Text for full-text search: decoded text of every text part (HTML reduced to text), attachment
    /// file names, and with `includeHeaders` the decoded subject and addresses of every message.
    public func searchText(in buffer: UnsafeRawBufferPointer, includeHeaders: Bool = true) -> String {
        var x = TextExtractor(v: ByteView(base: buffer))
        if includeHeaders { x.addHeader(root.header) }
        x.walk(root, includeHeaders: includeHeaders)
        return x.out
    }

    /// The first `MIMELimits.previewLength` characters of the main text, whitespace collapsed.
    public func preview(in buffer: UnsafeRawBufferPointer) -> String {
        guard let p = root.mainTextPart() else { return "" }
        let v = ByteView(base: buffer)
        // Decode only a prefix of large bodies: enough encoded bytes for the preview.
        var limited = p
        // HTML gets a larger window: a long <head> or <style> block can come before the first text.
        let cap = limited.contentType.lowercasedSubtype == "html" ? 256 * 1024 : 64 * 1024
        if limited.bodyRange.count > cap {
            limited.bodyRange = limited.bodyRange.lowerBound..<(limited.bodyRange.lowerBound + cap)
        }
        return collapseWhitespace(decodedText(of: limited, in: v), limit: MIMELimits.previewLength)
    }
}

/// A parsed message together with its bytes.
public struct ParsedMessage: Sendable {
    /// The message bytes, unaltered.
    public let bytes: [UInt8]
    public let structure: MessageStructure

    public init(bytes: [UInt8], structure: MessageStructure) {
        self.bytes = bytes
        self.structure = structure
    }

    public var size: Int { structure.size }
    public var header: HeaderBlock { structure.root.header }
    public var root: Part { structure.root }
    public var envelope: Envelope { structure.envelope }
    public var bodyStructure: BodyStructure { structure.bodyStructure }
    public var date: MessageDate? { structure.date }
    public var messageID: String? { structure.messageID }
    public var inReplyTo: [String] { structure.inReplyTo }
    public var references: [String] { structure.references }
    public var hasAttachment: Bool { structure.hasAttachment }

    public func part(at numbers: [Int]) -> Part? { structure.part(at: numbers) }

    /// Byte ranges of BODY[section] in `bytes`.
    public func sectionRanges(_ spec: SectionSpec) -> SectionBytes? { structure.sectionBytes(spec) }

    /// The bytes of BODY[section] (ranges joined, CRLF appended for HEADER.FIELDS).
    public func sectionData(_ spec: SectionSpec) -> [UInt8]? {
        guard let s = sectionRanges(spec) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        for r in s.ranges { out += bytes[r.clamped(toSize: bytes.count)] }
        if s.appendCRLF { out += [ASCII.cr, ASCII.lf] }
        return out
    }

    public func decodedBody(of part: Part) -> [UInt8] {
        bytes.withUnsafeBytes { structure.decodedBody(of: part, in: $0) }
    }

    public func decodedSize(of part: Part) -> Int {
        bytes.withUnsafeBytes { structure.decodedSize(of: part, in: $0) }
    }

    public func text(of part: Part) -> String {
        bytes.withUnsafeBytes { structure.text(of: part, in: $0) }
    }

    public func searchText(includeHeaders: Bool = true) -> String {
        bytes.withUnsafeBytes { structure.searchText(in: $0, includeHeaders: includeHeaders) }
    }

    public var preview: String { bytes.withUnsafeBytes { structure.preview(in: $0) } }
}
