// ContentLine: the line layer shared by iCalendar (RFC 5545 §3.1) and vCard (RFC 6350 §3.3, RFC 2426 §4).
//
// Invariants:
// - Unfolding removes a line break (CRLF, or a bare LF, tolerated) followed by exactly one SP or HTAB.
// - A parsed property keeps its name, group, parameter text and value text exactly as written (after unfolding),
//   so a parse/serialize round trip reproduces every content line byte for byte; only folding is redone.
// - Serialization folds at 75 octets (RFC 5545 §3.1) and never splits a UTF-8 sequence; lines end in CRLF.

import Foundation

/// One parameter of a property: `NAME=value[,value...]` (RFC 5545 §3.2).
public struct Parameter: Hashable, Sendable {
    /// The name as written (compare with `key`, which is upper-cased: names are case-insensitive).
    public let name: String
    /// The values, with surrounding DQUOTEs removed.
    public let values: [String]
    /// The text after "=" exactly as parsed; nil for parameters built in code.
    let rawText: String?

    /// A parameter built in code; values that need it are quoted when serialized.
    public init(name: String, values: [String]) {
        self.name = name
        self.values = values
        self.rawText = nil
    }

    init(name: String, values: [String], rawText: String?) {
        self.name = name
        self.values = values
        self.rawText = rawText
    }

    /// The upper-cased name; a nameless vCard 2.1/3.0 parameter (`TEL;WORK:`) counts as TYPE (RFC 2426 §4).
    public var key: String { name.isEmpty ? "TYPE" : name.uppercased() }
    /// The first value (most parameters have one).
    public var value: String { values.first ?? "" }

    /// `name=value,...` as it goes on the wire.
    var serialized: String {
        if let rawText { return name.isEmpty ? rawText : "\(name)=\(rawText)" }
        let text = values.map { value -> String in
            // RFC 5545 §3.2: a value with ":", ";" or "," must be quoted; DQUOTE cannot appear at all.
            let clean = value.replacingOccurrences(of: "\"", with: "'")
            if clean.contains(where: { $0 == ":" || $0 == ";" || $0 == "," }) { return "\"\(clean)\"" }
            return clean
        }.joined(separator: ",")
        return name.isEmpty ? text : "\(name)=\(text)"
    }
}

/// One content line: `[group "."] name *(";" param) ":" value`.
public struct Property: Hashable, Sendable {
    /// vCard group prefix (`item1` in `item1.EMAIL`), nil when absent (RFC 6350 §3.3).
    public var group: String?
    /// The name as written; see `key`.
    public var name: String
    public var parameters: [Parameter]
    /// The value exactly as written (still escaped for TEXT values); see `text` for the unescaped form.
    public var value: String

    public init(name: String, parameters: [Parameter] = [], value: String, group: String? = nil) {
        self.group = group
        self.name = name
        self.parameters = parameters
        self.value = value
    }

    /// A TEXT property built from unescaped text (RFC 5545 §3.3.11 escaping applied).
    public init(name: String, parameters: [Parameter] = [], text: String, group: String? = nil) {
        self.init(name: name, parameters: parameters, value: TextEscaping.escape(text), group: group)
    }

    /// The upper-cased name (property names are case-insensitive, RFC 5545 §2.1).
    public var key: String { name.uppercased() }

    /// The first value of the named parameter (case-insensitive), if present.
    public func parameter(_ name: String) -> String? {
        let key = name.uppercased()
        return parameters.first { $0.key == key }?.value
    }

    /// All values of the named parameter (case-insensitive); empty when absent.
    public func parameterValues(_ name: String) -> [String] {
        let key = name.uppercased()
        return parameters.filter { $0.key == key }.flatMap(\.values)
    }

    /// The value as TEXT, unescaped (RFC 5545 §3.3.11).
    public var text: String { TextEscaping.unescape(value) }

    /// The value split on unescaped `separator` and each part unescaped (CATEGORIES with ",", vCard N with ";").
    public func textList(separator: Character = ",") -> [String] {
        TextEscaping.split(value, on: separator).map(TextEscaping.unescape)
    }

    /// The unfolded content line, without line end.
    public var contentLine: String {
        var line = ""
        if let group { line += group + "." }
        line += name
        for parameter in parameters { line += ";" + parameter.serialized }
        line += ":" + value
        return line
    }
}

/// TEXT escaping (RFC 5545 §3.3.11, RFC 6350 §3.4).
public enum TextEscaping {
    /// Escapes backslash, semicolon, comma and line breaks.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\n": out += "\\n"
            case "\r": continue  // CRLF in text becomes one \n
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Reverses `escape`: `\n` `\N` → LF, `\,` `\;` `\\` → the character; an unknown escape is kept as written.
    public static func unescape(_ value: String) -> String {
        guard value.contains("\\") else { return value }
        var out = ""
        var escaping = false
        for scalar in value.unicodeScalars {
            if escaping {
                switch scalar {
                case "n", "N": out += "\n"
                case ",", ";", "\\": out.unicodeScalars.append(scalar)
                default:
                    out += "\\"
                    out.unicodeScalars.append(scalar)
                }
                escaping = false
            } else if scalar == "\\" {
                escaping = true
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        if escaping { out += "\\" }
        return out
    }

    /// Splits escaped text on a separator that is not preceded by a backslash escape.
    public static func split(_ value: String, on separator: Character) -> [String] {
        var parts: [String] = []
        var current = ""
        var escaping = false
        for character in value {
            if escaping {
                current.append(character)
                escaping = false
            } else if character == "\\" {
                current.append(character)
                escaping = true
            } else if character == separator {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        return parts
    }
}

/// Splitting raw bytes into unfolded content lines and parsing one line.
enum ContentLineReader {
    /// One unfolded line and the 1-based physical line number where it starts.
    struct Line {
        var text: String
        var number: Int
    }

    /// RFC 5545 §3.1: unfold; tolerates bare LF line ends and a missing final line end; skips empty lines.
    static func unfold(_ bytes: [UInt8], limits: CalendarLimits) throws(CalendarFormatError) -> [Line] {
        guard bytes.count <= limits.maxObjectOctets else { throw .objectTooLarge(limit: limits.maxObjectOctets) }
        var lines: [Line] = []
        var current: [UInt8] = []
        var currentStart = 1
        var physical = 1
        var index = 0
        var haveCurrent = false

        func flush() throws(CalendarFormatError) {
            if haveCurrent && !current.isEmpty {
                guard let text = String(validating: current, as: UTF8.self) else { throw .invalidUTF8 }
                lines.append(Line(text: text, number: currentStart))
            }
            current.removeAll(keepingCapacity: true)
            haveCurrent = false
        }

        while index < bytes.count {
            // Find the end of this physical line.
            var end = index
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            var contentEnd = end
            if contentEnd > index && bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            let isContinuation = index < contentEnd && (bytes[index] == 0x20 || bytes[index] == 0x09)
            if isContinuation && haveCurrent {
                current.append(contentsOf: bytes[(index + 1)..<contentEnd])
            } else {
                try flush()
                current.append(contentsOf: bytes[index..<contentEnd])
                currentStart = physical
                haveCurrent = true
            }
            guard current.count <= limits.maxContentLineOctets else {
                throw .lineTooLong(line: currentStart, limit: limits.maxContentLineOctets)
            }
            index = end + 1
            physical += 1
        }
        try flush()
        return lines
    }

    /// contentline = name *(";" param ) ":" value (RFC 5545 §3.1); name may carry a vCard group prefix.
    static func parse(_ line: Line) throws(CalendarFormatError) -> Property {
        let scalars = Array(line.text.unicodeScalars)
        var index = 0

        func fail(_ reason: String) -> CalendarFormatError {
            .malformedContentLine(line: line.number, reason: reason)
        }
        func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
            // iana-token / x-name: ALPHA / DIGIT / "-" (RFC 5545 §3.1); "_" tolerated as some producers emit it.
            (scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))) || scalar == "-"
                || scalar == "_"
        }
        func readName() -> String {
            var name = ""
            while index < scalars.count && isNameScalar(scalars[index]) {
                name.unicodeScalars.append(scalars[index])
                index += 1
            }
            return name
        }

        var group: String?
        var name = readName()
        // RFC 6350 §3.3: group "." name
        if index < scalars.count && scalars[index] == "." && !name.isEmpty {
            index += 1
            group = name
            name = readName()
        }
        guard !name.isEmpty else { throw fail("missing property name") }

        var parameters: [Parameter] = []
        while index < scalars.count && scalars[index] == ";" {
            index += 1
            let nameStart = index
            let parameterName = readName()
            var values: [String] = []
            let rawStart: Int
            if index < scalars.count && scalars[index] == "=" && !parameterName.isEmpty {
                index += 1
                rawStart = index
            } else {
                // RFC 2426 §4 / vCard 2.1 style bare TYPE values ("TEL;WORK;VOICE:"): kept as a nameless parameter.
                index = nameStart
                rawStart = index
            }
            // param-value *("," param-value), param-value = paramtext / quoted-string (RFC 5545 §3.2)
            while true {
                var value = ""
                if index < scalars.count && scalars[index] == "\"" {
                    index += 1
                    while index < scalars.count && scalars[index] != "\"" {
                        value.unicodeScalars.append(scalars[index])
                        index += 1
                    }
                    guard index < scalars.count else { throw fail("unterminated quoted parameter value") }
                    index += 1
                } else {
                    while index < scalars.count {
                        let scalar = scalars[index]
                        if scalar == ";" || scalar == ":" || scalar == "," { break }
                        if scalar == "\"" { throw fail("DQUOTE inside an unquoted parameter value") }
                        value.unicodeScalars.append(scalar)
                        index += 1
                    }
                }
                values.append(value)
                if index < scalars.count && scalars[index] == "," {
                    index += 1
                    continue
                }
                break
            }
            var raw = ""
            raw.unicodeScalars.append(contentsOf: scalars[rawStart..<index])
            let isBare = rawStart == nameStart
            parameters.append(Parameter(name: isBare ? "" : parameterName, values: values, rawText: raw))
        }
        guard index < scalars.count && scalars[index] == ":" else { throw fail("missing ':' before the value") }
        index += 1
        var value = ""
        value.unicodeScalars.append(contentsOf: scalars[index...])
        return Property(name: name, parameters: parameters, value: value, group: group)
    }
}

/// Writing content lines: folding and CRLF (RFC 5545 §3.1).
enum ContentLineWriter {
    /// Octets per physical line, excluding CRLF; a continuation's leading space counts.
    static let foldOctets = 75

    /// Appends `line` folded at 75 octets, each physical line ending in CRLF, never splitting a UTF-8 sequence.
    static func appendFolded(_ line: String, to out: inout String) {
        var used = 0
        for scalar in line.unicodeScalars {
            let width = UTF8.width(scalar)
            if used + width > foldOctets {
                out += "\r\n "
                used = 1
            }
            out.unicodeScalars.append(scalar)
            used += width
        }
        out += "\r\n"
    }
}
