// The header section as DKIM sees it: a list of fields in message order, each name with its raw value.
//
// Invariants:
// - Input is the raw header bytes up to the empty line (the empty line itself, and anything after it, may
//   be included and is ignored). Lines end in CRLF or a bare LF.
// - A line starting with WSP continues the previous field (RFC 5322 §2.2.3 folding); the value keeps its
//   line breaks so the canonicalizer (not the parser) decides what unfolding means.
// - A line that is neither a field nor a continuation is a typed error, never skipped: signing a header
//   section we misread would sign something other than what the receiver sees.

/// One header field: its name as written and its raw value (everything after the colon, folds included,
/// without the final line end).
public struct DKIMHeaderField: Sendable, Hashable {
    /// The field name as written, e.g. "Subject".
    public let name: String
    /// The raw value bytes after the colon.
    public let value: [UInt8]

    public init(name: String, value: [UInt8]) {
        self.name = name
        self.value = value
    }

    /// The relaxed canonical form, "name:value" CRLF (RFC 6376 §3.4.2).
    public var relaxed: [UInt8] { DKIMRelaxedHeader.canonicalize(name: name, value: value) }

    /// Whether the field has this name; RFC 5322 §1.2.2 field names are case-insensitive.
    public func hasName(_ other: String) -> Bool {
        name.lowercased() == other.lowercased()
    }
}

/// Parsing of a header section and splitting of a message into header section and body.
public enum DKIMHeaderSection {
    /// Parses the header section into fields (RFC 5322 §2.2), stopping at the first empty line.
    public static func parse(_ bytes: some Collection<UInt8>) throws -> [DKIMHeaderField] {
        var fields: [(name: String, value: [UInt8])] = []
        var lineNumber = 0
        for line in lines(Array(bytes)) {
            lineNumber += 1
            if line.isEmpty { break }  // RFC 5322 §2.1: the empty line ends the header section
            if let first = line.first, isWSP(first) {
                // RFC 5322 §2.2.3: a continuation line of the previous field.
                guard !fields.isEmpty else { throw DKIMError.malformedHeaderField(line: lineNumber) }
                fields[fields.count - 1].value += crlf + line
                continue
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                throw DKIMError.malformedHeaderField(line: lineNumber)
            }
            // RFC 5322 §3.6.8 field-name = 1*ftext; obsolete syntax (§4.5) allows WSP before the colon.
            var nameEnd = colon
            while nameEnd > line.startIndex, isWSP(line[nameEnd - 1]) { nameEnd -= 1 }
            let name = line[line.startIndex..<nameEnd]
            guard !name.isEmpty, name.allSatisfy({ $0 >= 33 && $0 <= 126 && $0 != UInt8(ascii: ":") }) else {
                throw DKIMError.malformedHeaderField(line: lineNumber)
            }
            fields.append((String(decoding: name, as: UTF8.self), Array(line[(colon + 1)...])))
        }
        return fields.map { DKIMHeaderField(name: $0.name, value: $0.value) }
    }

    /// Splits a whole message at the first empty line: the header section (with the line end of its last
    /// field) and the body after the empty line. A message without an empty line is all header.
    public static func split(message: [UInt8]) -> (header: ArraySlice<UInt8>, body: ArraySlice<UInt8>) {
        var lineStart = 0
        var i = 0
        while i < message.count {
            if message[i] == lf {
                let contentEnd = i > lineStart && message[i - 1] == cr ? i - 1 : i
                if contentEnd == lineStart {
                    return (message[0..<lineStart], message[(i + 1)...])
                }
                lineStart = i + 1
            }
            i += 1
        }
        return (message[...], message[message.count...])
    }

    /// The lines of `bytes` without their CRLF or LF; a final line without a line end is included.
    private static func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var start = 0
        for (i, b) in bytes.enumerated() where b == lf {
            let end = i > start && bytes[i - 1] == cr ? i - 1 : i
            result.append(bytes[start..<end])
            start = i + 1
        }
        if start < bytes.count { result.append(bytes[start...]) }
        return result
    }
}
