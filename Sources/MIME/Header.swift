// Header blocks: RFC 5322 §2.2 header fields and the blank line that ends them.
//
// Invariants:
// - A header block's `range` covers every byte from its first field to the end of the blank
//   separator line (inclusive), or to the first non-header line / end of data when there is none.
// - Field ranges lie inside the block and include each field's final line break, so that
//   BODY[HEADER.FIELDS (...)] can stream exactly the stored bytes.
// - Field values are kept as written (folded, encoded words untouched); unfolding and RFC 2047
//   decoding happen on request.
import Foundation

/// One header field as it appears in the message.
public struct HeaderField: Sendable, Codable, Equatable {
    /// The field name in its original case.
    public let name: String
    /// The field body after the colon, folding line breaks included, final line break excluded.
    /// Raw 8-bit bytes are read as UTF-8 when valid, otherwise as Windows-1252/Latin-1.
    /// Values longer than `MIMELimits.maxHeaderValueLength` bytes are truncated here (not in `range`).
    public let rawValue: String
    /// Bytes of the whole field in the message, including its final line break.
    public let range: Range<Int>

    public init(name: String, rawValue: String, range: Range<Int>) {
        self.name = name
        self.rawValue = rawValue
        self.range = range
    }

    /// The value unfolded (RFC 5322 §2.2.3: CRLF before WSP removed) and trimmed; encoded words kept.
    public var unfoldedValue: String { unfold(rawValue) }

    /// The unfolded value with RFC 2047 encoded words decoded (for display and search).
    public var decodedValue: String { EncodedWords.decode(unfoldedValue) }

    /// Whether this field's name is `name` (case-insensitive, RFC 5322 §1.2.2).
    public func hasName(_ name: String) -> Bool { self.name.asciiCaseInsensitiveEquals(name) }
}

/// RFC 5322 §2.2.3 unfolding: every CR and LF inside a field value is part of a fold, so removing
/// them leaves the WSP that followed. Leading and trailing whitespace is trimmed.
func unfold(_ raw: String) -> String {
    if !raw.utf8.contains(where: { $0 == ASCII.cr || $0 == ASCII.lf }) { return raw.trimmingWSP }
    var scalars = String.UnicodeScalarView()
    for s in raw.unicodeScalars where s != "\r" && s != "\n" { scalars.append(s) }
    return String(scalars).trimmingWSP
}

/// The header of a message or of a MIME body part.
public struct HeaderBlock: Sendable, Codable, Equatable {
    /// Bytes of the whole header including the blank line that ends it (when present).
    public let range: Range<Int>
    /// The fields in order of appearance (at most `MIMELimits.maxHeaderFields`).
    public let fields: [HeaderField]
    /// Whether the header ended with a blank line (false: end of data or a non-header line).
    public let hasSeparator: Bool

    public init(range: Range<Int>, fields: [HeaderField], hasSeparator: Bool) {
        self.range = range
        self.fields = fields
        self.hasSeparator = hasSeparator
    }

    /// The first field named `name` (case-insensitive).
    public func first(_ name: String) -> HeaderField? { fields.first { $0.hasName(name) } }

    /// All fields named `name`, in order.
    public func all(_ name: String) -> [HeaderField] { fields.filter { $0.hasName(name) } }

    /// Unfolded raw value of the first `name` field (encoded words kept), or nil.
    public func value(_ name: String) -> String? { first(name)?.unfoldedValue }

    /// Unfolded values of every `name` field.
    public func values(_ name: String) -> [String] { all(name).map(\.unfoldedValue) }

    /// Decoded (RFC 2047) value of the first `name` field, or nil.
    public func decodedValue(_ name: String) -> String? { first(name)?.decodedValue }
}

/// Parses the header that starts at `start`; returns it and where the body starts.
/// RFC 5322 §2.2: fields are `name ":" value CRLF`, continuation lines start with WSP (§2.2.3), and
/// an empty line ends the header. Obsolete syntax (§4.5) allows WSP between the name and the colon.
/// A line without a colon ends the header (the body starts there); a line with a colon but an invalid
/// name is kept inside the header block but not recorded as a field.
func parseHeaderBlock(_ v: ByteView, start: Int, end: Int) -> (header: HeaderBlock, bodyStart: Int) {
    var fields: [HeaderField] = []
    var i = start

    // The field being collected: where it starts, its name, and where its value starts and ends.
    var fieldStart = -1
    var nameRange = 0..<0
    var valueStart = 0
    var valueEnd = 0

    func finish(at fieldEnd: Int) {
        guard fieldStart >= 0 else { return }
        defer { fieldStart = -1 }
        guard fields.count < MIMELimits.maxHeaderFields else { return }
        let name = String(decoding: v.bytes(nameRange), as: UTF8.self)
        let valueHi = min(valueEnd, valueStart + MIMELimits.maxHeaderValueLength)
        let value = stringFromUnknownBytes(v.bytes(valueStart..<max(valueStart, valueHi)))
        fields.append(HeaderField(name: name, rawValue: value, range: fieldStart..<fieldEnd))
    }

    while i < end {
        let (contentEnd, next) = v.line(at: i, limit: end)
        if contentEnd == i {
            // Empty line (or CR LF alone): end of header, RFC 5322 §2.1.
            finish(at: i)
            return (HeaderBlock(range: start..<next, fields: fields, hasSeparator: true), next)
        }
        let first = v[i]
        if ASCII.isWSP(first) {
            // Continuation line (RFC 5322 §2.2.3); without a current field it is junk we keep in place.
            if fieldStart >= 0 { valueEnd = contentEnd }
            i = next
            continue
        }
        finish(at: i)
        guard let colon = v.firstIndex(of: ASCII.colon, from: i, to: contentEnd) else {
            // Not a header line: the body starts here (no blank line).
            return (HeaderBlock(range: start..<i, fields: fields, hasSeparator: false), i)
        }
        var nameEnd = colon
        while nameEnd > i, ASCII.isWSP(v[nameEnd - 1]) { nameEnd -= 1 }  // RFC 5322 §4.5.3 obs-optional
        var valid = nameEnd > i
        var k = i
        while valid, k < nameEnd {
            let b = v[k]
            if b < 33 || b > 126 { valid = false }  // RFC 5322 §3.6.8 ftext
            k += 1
        }
        if valid {
            fieldStart = i
            nameRange = i..<nameEnd
            valueStart = colon + 1
            valueEnd = contentEnd
        }
        i = next
    }
    finish(at: end)
    return (HeaderBlock(range: start..<end, fields: fields, hasSeparator: false), end)
}
