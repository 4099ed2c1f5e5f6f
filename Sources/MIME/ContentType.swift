// Content-Type and Content-Disposition with their parameters (RFC 2045 §5.1, RFC 2183, RFC 2231).
//
// Invariants:
// - Parsing is lenient and never fails on a value it can read a type from: comments are skipped,
//   unquoted values may contain spaces, an unterminated quoted string runs to the end.
// - RFC 2231 continuations (name*0, name*1*, ...) are merged into one parameter. `value` is the
//   decoded text; `rawValue`/`isExtended` keep what IMAP BODYSTRUCTURE reports (the Dovecot form:
//   `"name*" "charset'lang'percent-encoded"` for extended parameters, encoded words left as sent).
import Foundation

/// One MIME parameter after RFC 2231 reassembly.
public struct MIMEParameter: Sendable, Codable, Equatable, Hashable {
    /// Attribute name, lowercased, without RFC 2231 `*` decorations (for lookups).
    public var name: String
    /// Decoded value: RFC 2231 charset and percent-decoding applied, or RFC 2047 encoded words
    /// decoded when the sender (wrongly, but commonly) used them in a parameter.
    public var value: String
    /// The value as transmitted (continuations joined; for extended parameters `charset'lang'%XX`).
    public var rawValue: String
    /// Whether the parameter used the RFC 2231 extended (charset) syntax.
    public var isExtended: Bool
    /// The attribute name in the case the sender wrote it (without RFC 2231 decorations).
    public var originalName: String

    public init(
        name: String, value: String, rawValue: String? = nil, isExtended: Bool = false, originalName: String? = nil
    ) {
        self.name = name.asciiLowercased
        self.value = value
        self.rawValue = rawValue ?? value
        self.isExtended = isExtended
        self.originalName = originalName ?? name
    }

    /// Name as written in IMAP BODYSTRUCTURE: the sender's case (like Dovecot), `name*` for
    /// extended parameters.
    public var imapName: String { isExtended ? originalName + "*" : originalName }
}

extension Array where Element == MIMEParameter {
    /// The decoded value of the parameter `name` (case-insensitive).
    public func value(_ name: String) -> String? {
        let n = name.asciiLowercased
        return first { $0.name == n }?.value
    }
}

/// A media type (RFC 2045 §5.1).
public struct ContentType: Sendable, Codable, Equatable, Hashable {
    /// Top-level type in its original case ("text", "Multipart").
    public var type: String
    /// Subtype in its original case.
    public var subtype: String
    public var parameters: [MIMEParameter]

    public init(type: String, subtype: String, parameters: [MIMEParameter] = []) {
        self.type = type
        self.subtype = subtype
        self.parameters = parameters
    }

    /// RFC 2045 §5.2 default: text/plain; charset=us-ascii.
    public static let defaultText = ContentType(
        type: "text", subtype: "plain", parameters: [MIMEParameter(name: "charset", value: "us-ascii")])
    /// RFC 2046 §5.1.5 default inside multipart/digest.
    public static let defaultDigestPart = ContentType(type: "message", subtype: "rfc822")

    /// "type/subtype" lowercased.
    public var mimeType: String { (type + "/" + subtype).asciiLowercased }
    public var lowercasedType: String { type.asciiLowercased }
    public var lowercasedSubtype: String { subtype.asciiLowercased }

    public var isMultipart: Bool { lowercasedType == "multipart" }
    public var isText: Bool { lowercasedType == "text" }
    /// message/rfc822 or message/global (RFC 6532 §3.5): parts that encapsulate a message.
    public var isEncapsulatedMessage: Bool {
        lowercasedType == "message" && (lowercasedSubtype == "rfc822" || lowercasedSubtype == "global")
    }

    public func parameter(_ name: String) -> String? { parameters.value(name) }
    public var charset: String? { parameter("charset") }
    public var boundary: String? { parameter("boundary") }

    /// Parses a Content-Type field value; nil when no `type/subtype` can be read (the caller then
    /// applies the default, RFC 2045 §5.2).
    public init?(parsing value: String) {
        var lexer = ParameterLexer(value)
        guard let type = lexer.token(), lexer.consume(0x2F), let subtype = lexer.token() else { return nil }
        guard isToken(type), isToken(subtype) else { return nil }
        self.type = type
        self.subtype = subtype
        self.parameters = lexer.parameters()
    }
}

/// Content-Disposition (RFC 2183).
public struct ContentDisposition: Sendable, Codable, Equatable, Hashable {
    /// Disposition type in its original case ("attachment", "inline").
    public var type: String
    public var parameters: [MIMEParameter]

    public init(type: String, parameters: [MIMEParameter] = []) {
        self.type = type
        self.parameters = parameters
    }

    public init?(parsing value: String) {
        var lexer = ParameterLexer(value)
        guard let type = lexer.token(), isToken(type) else { return nil }
        self.type = type
        self.parameters = lexer.parameters()
    }

    public var isAttachment: Bool { type.asciiLowercased == "attachment" }
    public var isInline: Bool { type.asciiLowercased == "inline" }
    public var filename: String? { parameters.value("filename") }
}

private func isToken(_ s: String) -> Bool {
    !s.isEmpty && s.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && !isTSpecial($0) }
}

/// RFC 2045 §5.1 tspecials: ()<>@,;:\"/[]?=
@inline(__always)
private func isTSpecial(_ c: UInt8) -> Bool {
    switch c {
    case 0x28, 0x29, 0x3C, 0x3E, 0x40, 0x2C, 0x3B, 0x3A, 0x5C, 0x22, 0x2F, 0x5B, 0x5D, 0x3F, 0x3D: return true
    default: return false
    }
}

/// A small lexer for `token "/" token *(";" attribute "=" value)` with comments (RFC 5322 §3.2.2).
struct ParameterLexer {
    let b: [UInt8]
    var i = 0

    init(_ value: String) { b = Array(value.utf8) }

    var atEnd: Bool { i >= b.count }

    /// Skips whitespace and (nested) comments.
    mutating func skipCFWS() {
        while i < b.count {
            let c = b[i]
            if c == ASCII.space || c == ASCII.tab || c == ASCII.cr || c == ASCII.lf {
                i += 1
            } else if c == 0x28 {
                var depth = 0
                while i < b.count {
                    let d = b[i]
                    if d == ASCII.backslash {
                        i += 2
                        continue
                    }
                    if d == 0x28 { depth += 1 }
                    if d == 0x29 {
                        depth -= 1
                        if depth == 0 {
                            i += 1
                            break
                        }
                    }
                    i += 1
                }
            } else {
                return
            }
        }
    }

    mutating func consume(_ c: UInt8) -> Bool {
        skipCFWS()
        guard i < b.count, b[i] == c else { return false }
        i += 1
        return true
    }

    /// A run of token characters (RFC 2045 §5.1), after optional CFWS.
    mutating func token() -> String? {
        skipCFWS()
        let start = i
        while i < b.count {
            let c = b[i]
            if c <= 0x20 || c == 0x7F || isTSpecial(c) { break }
            i += 1
        }
        return i > start ? String(decoding: b[start..<i], as: UTF8.self) : nil
    }

    /// quoted-string (RFC 5322 §3.2.4) starting at a DQUOTE; returns the unescaped content.
    mutating func quotedString() -> String {
        i += 1
        var out: [UInt8] = []
        while i < b.count {
            let c = b[i]
            if c == ASCII.backslash, i + 1 < b.count {
                out.append(b[i + 1])
                i += 2
                continue
            }
            i += 1
            if c == ASCII.quote { break }
            if c == ASCII.cr || c == ASCII.lf { continue }
            out.append(c)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Raw attribute/value pairs in order.
    mutating func rawParameters() -> [(attribute: String, value: String)] {
        var result: [(String, String)] = []
        while i < b.count, result.count < MIMELimits.maxParameters {
            skipCFWS()
            guard i < b.count else { break }
            if b[i] == ASCII.semicolon {
                i += 1
                continue
            }
            // attribute
            let start = i
            while i < b.count, b[i] != ASCII.equals, b[i] != ASCII.semicolon, b[i] > 0x20, b[i] != 0x28 { i += 1 }
            let attribute = String(decoding: b[start..<i], as: UTF8.self)
            skipCFWS()
            guard i < b.count, b[i] == ASCII.equals, !attribute.isEmpty else {
                // Not a parameter: skip to the next ";".
                while i < b.count, b[i] != ASCII.semicolon { i += 1 }
                if start == i, i < b.count { i += 1 }
                continue
            }
            i += 1
            skipCFWS()
            var value: String
            if i < b.count, b[i] == ASCII.quote {
                value = quotedString()
            } else {
                // Token, leniently up to ";" (unquoted file names with spaces), comments removed.
                var out: [UInt8] = []
                while i < b.count, b[i] != ASCII.semicolon {
                    if b[i] == 0x28 {
                        skipCFWS()
                        continue
                    }
                    out.append(b[i])
                    i += 1
                }
                value = String(decoding: out, as: UTF8.self).trimmingWSP
            }
            // Skip anything up to the next ";" (e.g. a comment after a quoted value).
            while i < b.count, b[i] != ASCII.semicolon { i += 1 }
            result.append((attribute, value))
        }
        return result
    }

    /// Parameters with RFC 2231 continuations and charsets resolved.
    mutating func parameters() -> [MIMEParameter] {
        assembleParameters(rawParameters())
    }
}

/// RFC 2231 §3 (continuations) and §4 (charset'language'percent-encoded) reassembly.
func assembleParameters(_ raw: [(attribute: String, value: String)]) -> [MIMEParameter] {
    struct Segment {
        var index: Int
        var extended: Bool
        var value: String
    }
    var order: [String] = []
    var segments: [String: [Segment]] = [:]
    var written: [String: String] = [:]
    for (attribute, value) in raw {
        var name = attribute
        var index = 0
        var extended = false
        if name.hasSuffix("*") {
            extended = true
            name.removeLast()
        }
        if let star = name.lastIndex(of: "*") {
            let digits = name[name.index(after: star)...]
            if !digits.isEmpty, digits.count <= 4, digits.allSatisfy(\.isASCII), let n = Int(digits), n >= 0 {
                index = n
                name = String(name[..<star])
            }
        }
        let original = name
        name = name.asciiLowercased
        if segments[name] == nil {
            order.append(name)
            segments[name] = []
            written[name] = original
        }
        // First occurrence of an index wins (duplicates are ignored).
        if segments[name]?.contains(where: { $0.index == index }) == false {
            segments[name]?.append(Segment(index: index, extended: extended, value: value))
        }
    }
    var result: [MIMEParameter] = []
    for name in order {
        guard var segs = segments[name], !segs.isEmpty else { continue }
        segs.sort { $0.index < $1.index }
        let anyExtended = segs.contains { $0.extended }
        if !anyExtended {
            let raw = segs.map(\.value).joined()
            result.append(
                MIMEParameter(name: name, value: EncodedWords.decode(raw), rawValue: raw, originalName: written[name]))
            continue
        }
        var charset: String? = nil
        var bytes: [UInt8] = []
        var rawJoined = ""
        for (k, seg) in segs.enumerated() {
            var text = seg.value
            if k == 0 {
                if seg.extended {
                    // charset'language'value; a missing part is empty.
                    let parts = text.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                    if parts.count == 3 {
                        charset = parts[0].isEmpty ? nil : String(parts[0])
                        text = String(parts[2])
                    }
                    rawJoined = seg.value
                } else {
                    rawJoined = "''" + percentEscape(text)
                }
            } else {
                rawJoined += seg.extended ? text : percentEscape(text)
            }
            if seg.extended {
                bytes += percentDecode(text)
            } else {
                bytes += Array(text.utf8)
            }
        }
        let value = Charset.decode(bytes, charset: charset)
        result.append(
            MIMEParameter(name: name, value: value, rawValue: rawJoined, isExtended: true, originalName: written[name]))
    }
    return result
}

private func percentDecode(_ s: String) -> [UInt8] {
    let b = Array(s.utf8)
    var out: [UInt8] = []
    out.reserveCapacity(b.count)
    var i = 0
    while i < b.count {
        if b[i] == 0x25, i + 2 < b.count, let h = ASCII.hexValue(b[i + 1]), let l = ASCII.hexValue(b[i + 2]) {
            out.append(h << 4 | l)
            i += 3
        } else {
            out.append(b[i])
            i += 1
        }
    }
    return out
}

/// Escapes a non-extended continuation segment for joining with extended ones (Dovecot's rule: "%").
private func percentEscape(_ s: String) -> String {
    s.replacingOccurrences(of: "%", with: "%25")
}
