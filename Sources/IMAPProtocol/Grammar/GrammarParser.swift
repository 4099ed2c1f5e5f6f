// GrammarParser: the one parser of IMAP client commands (RFC 9051 §9, RFC 3501 §9 and extensions).
//
// Invariants:
// - It parses one COMPLETE command: the bytes CommandDecoder collected, with every literal's
//   `{n}` CRLF header followed by its n octets. It never waits for more input: running out of bytes
//   is a syntax error.
// - Each parse function is named after its ABNF rule and has the rule in a comment above it.
// - Keywords are case-insensitive (RFC 9051 §9 note 1); SP is exactly one space (note 2).
// - Recursion (search keys, option values) is bounded by IMAPLimits.maxNestingDepth.
// - Parse functions that return a value either consume the matching bytes or throw; callers that try
//   alternatives save and restore `position`.

import NIOCore

/// A syntax error found by GrammarParser. `message` is short text fit for a `BAD` reply.
struct GrammarError: Error, Equatable {
    enum Kind: Equatable {
        case syntax
        case unknownCommand
        case tooDeep
    }
    var kind: Kind
    var message: String
}

/// A cursor over one complete command.
public struct GrammarParser {
    var bytes: [UInt8]
    var position: Int = 0
    var depth: Int = 0
    let maxDepth: Int

    init(_ bytes: [UInt8], maxDepth: Int = IMAPLimits.defaultMaxNestingDepth) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    init(_ buffer: ByteBuffer, maxDepth: Int = IMAPLimits.defaultMaxNestingDepth) {
        self.init(Array(buffer.readableBytesView), maxDepth: maxDepth)
    }

    // MARK: - Cursor primitives

    var isAtEnd: Bool { position >= bytes.count }

    func peek(_ offset: Int = 0) -> UInt8? {
        let index = position + offset
        return index < bytes.count ? bytes[index] : nil
    }

    func error(_ message: String) -> GrammarError {
        GrammarError(kind: .syntax, message: message)
    }

    mutating func enterNesting() throws {
        depth += 1
        if depth > maxDepth { throw GrammarError(kind: .tooDeep, message: "Nesting too deep") }
    }

    mutating func leaveNesting() { depth -= 1 }

    /// Consumes `byte` if it is next.
    mutating func consume(_ byte: UInt8) -> Bool {
        if peek() == byte {
            position += 1
            return true
        }
        return false
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws {
        guard consume(byte) else { throw error("Expected \(what)") }
    }

    // SP = %x20 (exactly one space, RFC 9051 §9 note 2)
    mutating func parseSP() throws {
        try expect(.space, "SP")
    }

    // CRLF = %x0D %x0A
    mutating func parseCRLF() throws {
        guard peek() == .cr, peek(1) == .lf else { throw error("Expected CRLF") }
        position += 2
    }

    /// Consumes `keyword` case-insensitively if the bytes at the cursor spell it.
    mutating func consumeKeyword(_ keyword: String) -> Bool {
        var index = position
        for expected in keyword.utf8 {
            guard index < bytes.count, bytes[index].asciiUppercased == expected.asciiUppercased else { return false }
            index += 1
        }
        position = index
        return true
    }

    /// Consumes `keyword` if it is next and is not followed by another word character.
    mutating func consumeWord(_ keyword: String) -> Bool {
        let saved = position
        guard consumeKeyword(keyword) else { return false }
        if let next = peek(), next.isWordCharacter {
            position = saved
            return false
        }
        return true
    }

    mutating func expectKeyword(_ keyword: String) throws {
        guard consumeKeyword(keyword) else { throw error("Expected \(keyword)") }
    }

    /// Reads a run of bytes accepted by `allowed`, uppercased. Empty if none.
    mutating func readWord(_ allowed: (UInt8) -> Bool) -> String {
        let start = position
        while let byte = peek(), allowed(byte) { position += 1 }
        return String(decoding: bytes[start..<position].map { $0.asciiUppercased }, as: UTF8.self)
    }

    /// Runs `body`; on failure restores the cursor and returns nil.
    mutating func optional<T>(_ body: (inout GrammarParser) throws -> T) rethrows -> T? {
        let saved = position
        do {
            return try body(&self)
        } catch let error as GrammarError where error.kind == .syntax {
            position = saved
            return nil
        }
    }

    // MARK: - Numbers

    // number = 1*DIGIT ; unsigned 32-bit
    mutating func parseNumber() throws -> UInt32 {
        let value = try parseNumber64()
        guard value <= UInt64(UInt32.max) else { throw error("Number out of range") }
        return UInt32(value)
    }

    // number64 = 1*DIGIT ; unsigned 63-bit
    mutating func parseNumber64() throws -> UInt64 {
        let start = position
        var value: UInt64 = 0
        while let byte = peek(), byte.isDigit {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - .zero))
            guard !overflow1, !overflow2, sum <= UInt64(Int64.max) else { throw error("Number out of range") }
            value = sum
            position += 1
        }
        guard position > start else { throw error("Expected number") }
        return value
    }

    // nz-number = digit-nz *DIGIT ; non-zero unsigned 32-bit
    mutating func parseNZNumber() throws -> UInt32 {
        guard let first = peek(), first.isDigit, first != .zero else { throw error("Expected non-zero number") }
        return try parseNumber()
    }

    // nz-number64 = digit-nz *DIGIT
    mutating func parseNZNumber64() throws -> UInt64 {
        guard let first = peek(), first.isDigit, first != .zero else { throw error("Expected non-zero number") }
        return try parseNumber64()
    }

    // MARK: - Strings

    // atom = 1*ATOM-CHAR
    mutating func parseAtom() throws -> String {
        let start = position
        while let byte = peek(), byte.isAtomChar { position += 1 }
        guard position > start else { throw error("Expected atom") }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    // quoted = DQUOTE *QUOTED-CHAR DQUOTE
    // QUOTED-CHAR = <any TEXT-CHAR except quoted-specials> / "\" quoted-specials / UTF8-2 / UTF8-3 / UTF8-4
    mutating func parseQuoted() throws -> [UInt8] {
        try expect(.quote, "quoted string")
        var result: [UInt8] = []
        while true {
            guard let byte = peek() else { throw error("Unterminated quoted string") }
            position += 1
            switch byte {
            case .quote:
                return result
            case .backslash:
                guard let escaped = peek(), escaped == .quote || escaped == .backslash else {
                    throw error("Invalid escape in quoted string")
                }
                position += 1
                result.append(escaped)
            case .cr, .lf, 0:
                throw error("Invalid character in quoted string")
            default:
                result.append(byte)
            }
        }
    }

    // literal = "{" number64 ["+"] "}" CRLF *CHAR8     ; RFC 9051 §9, RFC 7888 "+"
    // literal8 = "~{" number64 ["+"] "}" CRLF *OCTET   ; RFC 3516 §4.2
    mutating func parseLiteral(allowBinary: Bool = false) throws -> [UInt8] {
        let isBinary = consume(.tilde)
        if isBinary && !allowBinary { throw error("literal8 not allowed here") }
        try expect(.openBrace, "literal")
        let length = try parseNumber64()
        _ = consume(.plus)
        try expect(.closeBrace, "}")
        try parseCRLF()
        guard UInt64(bytes.count - position) >= length else { throw error("Literal truncated") }
        let end = position + Int(length)
        let data = Array(bytes[position..<end])
        if !isBinary && data.contains(0) { throw error("NUL in literal") }  // CHAR8 = %x01-ff
        position = end
        return data
    }

    // string = quoted / literal
    mutating func parseString() throws -> [UInt8] {
        switch peek() {
        case .quote: return try parseQuoted()
        case .openBrace: return try parseLiteral()
        default: throw error("Expected string")
        }
    }

    // astring = 1*ASTRING-CHAR / string
    mutating func parseAString() throws -> [UInt8] {
        switch peek() {
        case .quote, .openBrace: return try parseString()
        default:
            let start = position
            while let byte = peek(), byte.isAStringChar { position += 1 }
            guard position > start else { throw error("Expected string") }
            return Array(bytes[start..<position])
        }
    }

    mutating func parseAStringText() throws -> String {
        String(decoding: try parseAString(), as: UTF8.self)
    }

    // nstring = string / nil
    mutating func parseNString() throws -> [UInt8]? {
        if consumeWord("NIL") { return nil }
        return try parseString()
    }

    // charset = atom / quoted
    mutating func parseCharset() throws -> String {
        if peek() == .quote { return String(decoding: try parseQuoted(), as: UTF8.self) }
        return try parseAtom()
    }

    // tag = 1*<any ASTRING-CHAR except "+">
    mutating func parseTag() throws -> String {
        let start = position
        while let byte = peek(), byte.isTagChar { position += 1 }
        guard position > start else { throw error("Missing tag") }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    // MARK: - Generic extension values

    // tagged-ext-val = tagged-ext-simple / "(" [tagged-ext-comp] ")"
    // tagged-ext-comp = astring / tagged-ext-comp *(SP tagged-ext-comp) / "(" tagged-ext-comp ")"
    // Returns the value's bytes as sent (used for extensions this server does not interpret).
    mutating func parseTaggedExtVal() throws -> String {
        let start = position
        if consume(.openParen) {
            try enterNesting()
            defer { leaveNesting() }
            while !consume(.closeParen) {
                if peek() == .openParen {
                    _ = try parseTaggedExtVal()
                } else {
                    _ = try parseAString()
                }
                if peek() == .space { position += 1 }
            }
        } else {
            while let byte = peek(), byte.isAStringChar { position += 1 }
            guard position > start else { throw error("Expected extension value") }
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }
}

// MARK: - Byte classes (RFC 9051 §9)

extension UInt8 {
    static let tab: UInt8 = 0x09
    static let lf: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22
    static let dollar: UInt8 = 0x24
    static let percent: UInt8 = 0x25
    static let ampersand: UInt8 = 0x26
    static let openParen: UInt8 = 0x28
    static let closeParen: UInt8 = 0x29
    static let asterisk: UInt8 = 0x2A
    static let plus: UInt8 = 0x2B
    static let comma: UInt8 = 0x2C
    static let minus: UInt8 = 0x2D
    static let dot: UInt8 = 0x2E
    static let slash: UInt8 = 0x2F
    static let zero: UInt8 = 0x30
    static let colon: UInt8 = 0x3A
    static let lessThan: UInt8 = 0x3C
    static let equals: UInt8 = 0x3D
    static let greaterThan: UInt8 = 0x3E
    static let openBracket: UInt8 = 0x5B
    static let backslash: UInt8 = 0x5C
    static let closeBracket: UInt8 = 0x5D
    static let openBrace: UInt8 = 0x7B
    static let closeBrace: UInt8 = 0x7D
    static let tilde: UInt8 = 0x7E

    var isDigit: Bool { self >= 0x30 && self <= 0x39 }
    var isAlpha: Bool { (self >= 0x41 && self <= 0x5A) || (self >= 0x61 && self <= 0x7A) }
    var asciiUppercased: UInt8 { (self >= 0x61 && self <= 0x7A) ? self - 0x20 : self }

    /// Letters, digits and the punctuation that appears inside IMAP keywords (`RFC822.SIZE`, `UTF8=ACCEPT`).
    var isWordCharacter: Bool {
        isAlpha || isDigit || self == .dot || self == .minus || self == 0x5F || self == .equals
    }

    // CTL = %x00-1F / %x7F
    var isCTL: Bool { self < 0x20 || self == 0x7F }

    // ATOM-CHAR = <any CHAR except atom-specials>
    // atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials
    var isAtomChar: Bool {
        guard self > 0x20, self < 0x7F else { return false }
        switch self {
        case .openParen, .closeParen, .openBrace, .percent, .asterisk, .quote, .backslash, .closeBracket: return false
        default: return true
        }
    }

    // ASTRING-CHAR = ATOM-CHAR / resp-specials
    var isAStringChar: Bool { isAtomChar || self == .closeBracket }

    // TAG-CHAR = <any ASTRING-CHAR except "+">
    var isTagChar: Bool { isAStringChar && self != .plus }

    // list-char = ATOM-CHAR / list-wildcards / resp-specials
    var isListChar: Bool { isAtomChar || self == .percent || self == .asterisk || self == .closeBracket }

    // TEXT-CHAR = <any CHAR except CR and LF>; 8-bit allowed as UTF-8 (RFC 9051 §9 text)
    var isTextChar: Bool { self != 0 && self != .cr && self != .lf }
}
