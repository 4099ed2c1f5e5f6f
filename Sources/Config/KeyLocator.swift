// KeyLocator: finds the line on which each key of a TOML document is written.
//
// TOMLKit 0.6.0 (toml++) reports lines for syntax errors only; the values it returns carry no source
// position. So this file scans the source itself: a lenient tokenizer that knows just enough TOML
// (toml.io v1.0.0) to follow table headers (`[a.b]`, `[[a]]`), dotted and quoted keys, inline tables,
// multi-line arrays and all four string forms, and records the first line of every key path it sees.
// It reports no syntax errors but those toml++ would abort on instead of reporting (`malformedHeaderLine`,
// `dateTimeValue`, `misplacedBraceInArrayLine`), so the parser runs it before toml++; the rest are toml++'s,
// and the key lines are used only after toml++ accepted the document. When it meets something it does not
// understand it skips to the next line. A path it never saw is looked up through its nearest recorded ancestor,
// so an error always gets the best line available.

/// One step in a key path: a table key or an array index.
enum KeyPathComponent: Hashable, Sendable {
    case key(String)
    case index(Int)
}

typealias ConfigKeyPath = [KeyPathComponent]

extension Array where Element == KeyPathComponent {
    /// `listen.imaps`, `delivery.routes."partner.example"`, `dns.servers[1]`.
    var dotted: String {
        var text = ""
        for component in self {
            switch component {
            case .key(let key):
                if !text.isEmpty { text += "." }
                text += KeyLocator.isBareKey(key) ? key : "\"\(key)\""
            case .index(let index):
                text += "[\(index)]"
            }
        }
        return text
    }

    func appending(_ key: String) -> ConfigKeyPath { self + [.key(key)] }
    func appending(index: Int) -> ConfigKeyPath { self + [.index(index)] }
}

struct KeyLocator {
    private var lines: [ConfigKeyPath: Int] = [:]
    /// The first line with a table header whose key does not start with a key character (`[`, `[:x]`, `[#]`).
    /// toml++ 3.4 asserts on such a header instead of reporting it (an abort even in release builds, which keep
    /// its asserts), so the parser refuses the file before toml++ sees it.
    private(set) var malformedHeaderLine: Int?
    /// The first value that looks like a date or time (`1979-05-27…`, `07:32…`), with its line. No key takes one,
    /// and toml++ 3.4 asserts on some malformed ones (`1979-05-27T?07:32:00Z`), so the parser refuses them first.
    private(set) var dateTimeValue: (path: ConfigKeyPath, line: Int)?
    /// The first line with a '}' where an array expects a value (`a = [ } ]`, `a = [1, }]`). toml++ 3.4 asserts
    /// there (parse_array hands '}' to parse_value) instead of reporting it, so the parser refuses it first.
    private(set) var misplacedBraceInArrayLine: Int?

    init(source: String) {
        var scanner = Scanner(bytes: Array(source.utf8))
        scanner.scanDocument()
        lines = scanner.lines
        malformedHeaderLine = scanner.malformedHeaderLine
        dateTimeValue = scanner.dateTimeValue
        misplacedBraceInArrayLine = scanner.misplacedBraceInArrayLine
    }

    /// The line of `path`, or of its nearest ancestor that was seen; nil if none was.
    func line(for path: ConfigKeyPath) -> Int? {
        var path = path
        while !path.isEmpty {
            if let line = lines[path] { return line }
            path.removeLast()
        }
        return nil
    }

    /// TOML bare keys: `A-Za-z0-9_-`.
    static func isBareKey(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.allSatisfy(isBareKeyByte)
    }

    fileprivate static func isBareKeyByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: "-")
    }
}

private struct Scanner {
    let bytes: [UInt8]
    var position = 0
    var line = 1
    var lines: [ConfigKeyPath: Int] = [:]
    var currentTable: ConfigKeyPath = []
    var malformedHeaderLine: Int?
    var dateTimeValue: (path: ConfigKeyPath, line: Int)?
    var misplacedBraceInArrayLine: Int?

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private func peek(_ offset: Int) -> UInt8? {
        position + offset < bytes.count ? bytes[position + offset] : nil
    }

    private mutating func advance() {
        if bytes[position] == UInt8(ascii: "\n") { line += 1 }
        position += 1
    }

    private mutating func record(_ path: ConfigKeyPath, line: Int) {
        if lines[path] == nil { lines[path] = line }
    }

    mutating func scanDocument() {
        // A UTF-8 byte order mark, which toml++ skips too (so a header right after it is still checked).
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        while current != nil {
            skipWhitespace(newlines: true)
            guard let byte = current else { return }
            if byte == UInt8(ascii: "[") {
                scanHeader()
            } else if byte == UInt8(ascii: "#") {
                skipComment()
            } else {
                scanKeyValue(in: currentTable)
            }
            skipToNextLine()
        }
    }

    // toml.io v1.0.0 "Table" / "Array of Tables": `[ key ]` and `[[ key ]]`.
    private mutating func scanHeader() {
        let headerLine = line
        advance()
        if current == UInt8(ascii: "[") { advance() }  // array of tables: same path for our purposes
        checkHeaderKeyStart(line: headerLine)
        guard let path = scanKeyPath() else { return }
        currentTable = path
        for length in 1...path.count { record(Array(path.prefix(length)), line: headerLine) }
    }

    /// toml.io v1.0.0 "Table": after `[` (or `[[`) and whitespace (space, tab) comes a key: a bare key character,
    /// a quote, or (an error toml++ reports itself) `]` or the end of the text.
    private mutating func checkHeaderKeyStart(line headerLine: Int) {
        var offset = 0
        while let byte = peek(offset), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { offset += 1 }
        guard let byte = peek(offset), malformedHeaderLine == nil else { return }
        if !KeyLocator.isBareKeyByte(byte) && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "'")
            && byte != UInt8(ascii: "]")
        {
            malformedHeaderLine = headerLine
        }
    }

    // toml.io v1.0.0 "Keys": `key = value` with dotted keys.
    private mutating func scanKeyValue(in table: ConfigKeyPath) {
        let keyLine = line
        guard let keys = scanKeyPath() else { return }
        skipWhitespace(newlines: false)
        guard current == UInt8(ascii: "=") else { return }
        advance()
        skipWhitespace(newlines: false)
        let path = table + keys
        for length in (table.count + 1)...path.count { record(Array(path.prefix(length)), line: keyLine) }
        skipValue(at: path)
    }

    private mutating func scanKeyPath() -> ConfigKeyPath? {
        var path: ConfigKeyPath = []
        while true {
            skipWhitespace(newlines: false)
            guard let key = scanKey() else { return nil }
            path.append(.key(key))
            skipWhitespace(newlines: false)
            guard current == UInt8(ascii: ".") else { return path }
            advance()
        }
    }

    private mutating func scanKey() -> String? {
        guard let byte = current else { return nil }
        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
            return scanSingleLineString(quote: byte)
        }
        let start = position
        while let byte = current, KeyLocator.isBareKeyByte(byte) { advance() }
        return position > start ? String(decoding: bytes[start..<position], as: UTF8.self) : nil
    }

    /// A basic ("…", with escapes) or literal ('…') single-line string; returns its (roughly) decoded text.
    private mutating func scanSingleLineString(quote: UInt8) -> String? {
        advance()
        var text: [UInt8] = []
        while let byte = current, byte != UInt8(ascii: "\n") {
            advance()
            if byte == quote { return String(decoding: text, as: UTF8.self) }
            if quote == UInt8(ascii: "\""), byte == UInt8(ascii: "\\"), let escaped = current {
                advance()
                switch escaped {
                case UInt8(ascii: "n"): text.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "t"): text.append(UInt8(ascii: "\t"))
                default: text.append(escaped)  // \" \\ and, approximately, the rest
                }
            } else {
                text.append(byte)
            }
        }
        return nil
    }

    private mutating func skipValue(at path: ConfigKeyPath) {
        guard let byte = current else { return }
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            if peek(1) == byte && peek(2) == byte {
                skipMultilineString(quote: byte)
            } else {
                _ = scanSingleLineString(quote: byte)
            }
        case UInt8(ascii: "["):
            advance()
            var index = 0
            while true {
                skipWhitespaceAndComments()
                guard let next = current else { return }
                if next == UInt8(ascii: "]") {
                    advance()
                    return
                }
                if next == UInt8(ascii: ",") {
                    advance()
                    continue
                }
                if next == UInt8(ascii: "}"), misplacedBraceInArrayLine == nil {
                    misplacedBraceInArrayLine = line
                }
                let elementPath = path.appending(index: index)
                record(elementPath, line: line)
                let before = position
                skipValue(at: elementPath)
                if position == before { advance() }  // never loop on something unexpected
                index += 1
            }
        case UInt8(ascii: "{"):
            advance()
            while true {
                skipWhitespace(newlines: false)
                guard let next = current, next != UInt8(ascii: "\n") else { return }
                if next == UInt8(ascii: "}") {
                    advance()
                    return
                }
                if next == UInt8(ascii: ",") {
                    advance()
                    continue
                }
                let before = position
                scanKeyValue(in: path)
                if position == before { advance() }
            }
        default:
            // toml.io v1.0.0 "Offset Date-Time" ... "Local Time": four digits and "-", or two digits and ":".
            func isDigit(_ offset: Int) -> Bool { peek(offset).map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
            if dateTimeValue == nil,
                (isDigit(0) && isDigit(1) && isDigit(2) && isDigit(3) && peek(4) == UInt8(ascii: "-"))
                    || (isDigit(0) && isDigit(1) && peek(2) == UInt8(ascii: ":"))
            {
                dateTimeValue = (path, line)
            }
            // Numbers, booleans, dates (which may contain one space): up to a delimiter.
            while let next = current, next != UInt8(ascii: ","), next != UInt8(ascii: "]"),
                next != UInt8(ascii: "}"), next != UInt8(ascii: "\n"), next != UInt8(ascii: "#")
            {
                advance()
            }
        }
    }

    private mutating func skipMultilineString(quote: UInt8) {
        for _ in 0..<3 { advance() }
        while let byte = current {
            if quote == UInt8(ascii: "\""), byte == UInt8(ascii: "\\") {
                advance()
                if current != nil { advance() }
                continue
            }
            if byte == quote, peek(1) == quote, peek(2) == quote {
                for _ in 0..<3 { advance() }
                while current == quote { advance() }  // up to two quotes may end the content
                return
            }
            advance()
        }
    }

    private mutating func skipWhitespace(newlines: Bool) {
        while let byte = current,
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
                || (newlines && byte == UInt8(ascii: "\n"))
        {
            advance()
        }
    }

    private mutating func skipWhitespaceAndComments() {
        while true {
            skipWhitespace(newlines: true)
            guard current == UInt8(ascii: "#") else { return }
            skipComment()
        }
    }

    private mutating func skipComment() {
        while let byte = current, byte != UInt8(ascii: "\n") { advance() }
    }

    private mutating func skipToNextLine() {
        while let byte = current {
            advance()
            if byte == UInt8(ascii: "\n") { return }
        }
    }
}
