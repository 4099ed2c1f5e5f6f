// Fetch: FETCH attributes, body sections, partial ranges and modifiers (RFC 9051 §6.4.5,
// RFC 3516 BINARY, RFC 7162 CONDSTORE/QRESYNC, RFC 8474 OBJECTID, RFC 8514 SAVEDATE, RFC 8970 PREVIEW).
//
// Invariants:
// - The macros ALL / FAST / FULL are expanded while parsing (RFC 9051 §6.4.5), so the session only
//   sees attributes.
// - A SectionSpecifier with kind `.mime` always has a non-empty part (RFC 9051 §9 section-spec).

import NIOCore

/// A body section (`section-spec`): a part path (empty = the whole message) and what of it.
public struct SectionSpecifier: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// The whole part (`BODY[]`, `BODY[1.2]`).
        case complete
        case header
        case headerFields([String])
        case headerFieldsNot([String])
        case text
        /// The MIME header of a part (`BODY[1.MIME]`).
        case mime
    }

    public var part: [UInt32]
    public var kind: Kind

    public init(part: [UInt32] = [], kind: Kind = .complete) {
        self.part = part
        self.kind = kind
    }

    public static let complete = SectionSpecifier()
    public static let header = SectionSpecifier(kind: .header)
    public static let text = SectionSpecifier(kind: .text)
}

/// `partial = "<" number64 "." nz-number64 ">"`: a byte range of a section.
public struct Partial: Sendable, Hashable {
    public var offset: UInt64
    public var length: UInt64

    public init(offset: UInt64, length: UInt64) {
        self.offset = offset
        self.length = length
    }
}

/// `fetch-att`.
public enum FetchAttribute: Sendable, Hashable {
    case envelope
    case flags
    case internalDate
    case rfc822Size
    /// `BODY` without a section: the non-extensible body structure.
    case body
    case bodyStructure
    case uid
    /// `BODY[section]<partial>` or `BODY.PEEK[...]`.
    case bodySection(SectionSpecifier, partial: Partial?, peek: Bool)
    /// `BINARY[part]<partial>` or `BINARY.PEEK[...]` (RFC 3516).
    case binary(part: [UInt32], partial: Partial?, peek: Bool)
    /// `BINARY.SIZE[part]` (RFC 3516).
    case binarySize(part: [UInt32])
    /// rev1 (RFC 3501 §6.4.5): `RFC822`, `RFC822.HEADER`, `RFC822.TEXT`.
    case rfc822
    case rfc822Header
    case rfc822Text
    /// RFC 7162 §3.1.4.1
    case modSeq
    /// RFC 8474 §5.1
    case emailID
    case threadID
    /// RFC 8514 §4
    case saveDate
    /// RFC 8970 §3
    case preview(lazy: Bool)

    /// `ALL` macro (RFC 9051 §6.4.5).
    public static let all: [FetchAttribute] = [.flags, .internalDate, .rfc822Size, .envelope]
    /// `FAST` macro.
    public static let fast: [FetchAttribute] = [.flags, .internalDate, .rfc822Size]
    /// `FULL` macro.
    public static let full: [FetchAttribute] = [.flags, .internalDate, .rfc822Size, .envelope, .body]
}

/// `fetch-modifiers` (RFC 7162 §3.1.4.1 CHANGEDSINCE, §3.2.6 VANISHED).
public struct FetchModifiers: Sendable, Hashable {
    public var changedSince: UInt64?
    public var vanished: Bool

    public init(changedSince: UInt64? = nil, vanished: Bool = false) {
        self.changedSince = changedSince
        self.vanished = vanished
    }

    public static let none = FetchModifiers()
}

extension GrammarParser {
    // fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att / "(" fetch-att *(SP fetch-att) ")")
    //         [fetch-modifiers]
    mutating func parseFetchArguments() throws -> (SequenceSet, [FetchAttribute], FetchModifiers) {
        try parseSP()
        let set = try parseSequenceSet()
        try parseSP()
        var attributes: [FetchAttribute]
        if consumeWord("ALL") {
            attributes = FetchAttribute.all
        } else if consumeWord("FAST") {
            attributes = FetchAttribute.fast
        } else if consumeWord("FULL") {
            attributes = FetchAttribute.full
        } else if consume(.openParen) {
            attributes = [try parseFetchAtt()]
            while consume(.space) { attributes.append(try parseFetchAtt()) }
            try expect(.closeParen, ")")
        } else {
            attributes = [try parseFetchAtt()]
        }
        var modifiers = FetchModifiers.none
        if peek() == .space {
            modifiers = try parseFetchModifiers()
        }
        return (set, attributes, modifiers)
    }

    // fetch-att = "ENVELOPE" / "FLAGS" / "INTERNALDATE" / "RFC822.SIZE" / "BODY" ["STRUCTURE"] / "UID" /
    //             "BODY" section [partial] / "BODY.PEEK" section [partial] /
    //             "BINARY" [".PEEK"] section-binary [partial] / "BINARY.SIZE" section-binary
    // fetch-att =/ "RFC822" / "RFC822.HEADER" / "RFC822.TEXT"      ; RFC 3501
    // fetch-att =/ "MODSEQ"                                        ; RFC 7162 §7
    // fetch-att =/ "EMAILID" / "THREADID"                          ; RFC 8474 §7
    // fetch-att =/ "SAVEDATE"                                      ; RFC 8514 §7
    // fetch-att =/ "PREVIEW" [SP "(" "LAZY" ")"]                   ; RFC 8970 §6
    mutating func parseFetchAtt() throws -> FetchAttribute {
        let word = readWord { $0.isAlpha || $0.isDigit || $0 == .dot }
        switch word {
        case "ENVELOPE": return .envelope
        case "FLAGS": return .flags
        case "INTERNALDATE": return .internalDate
        case "RFC822.SIZE": return .rfc822Size
        case "BODYSTRUCTURE": return .bodyStructure
        case "UID": return .uid
        case "RFC822": return .rfc822
        case "RFC822.HEADER": return .rfc822Header
        case "RFC822.TEXT": return .rfc822Text
        case "MODSEQ": return .modSeq
        case "EMAILID": return .emailID
        case "THREADID": return .threadID
        case "SAVEDATE": return .saveDate
        case "BODY", "BODY.PEEK":
            guard peek() == .openBracket else {
                if word == "BODY" { return .body }
                throw error("Expected section after BODY.PEEK")
            }
            let section = try parseSection()
            let partial = peek() == .lessThan ? try parsePartial() : nil
            return .bodySection(section, partial: partial, peek: word == "BODY.PEEK")
        case "BINARY", "BINARY.PEEK":
            let part = try parseSectionBinary()
            let partial = peek() == .lessThan ? try parsePartial() : nil
            return .binary(part: part, partial: partial, peek: word == "BINARY.PEEK")
        case "BINARY.SIZE":
            return .binarySize(part: try parseSectionBinary())
        case "PREVIEW":
            let lazy = try optional { parser -> Bool in
                try parser.parseSP()
                try parser.expect(.openParen, "(")
                try parser.expectKeyword("LAZY")
                try parser.expect(.closeParen, ")")
                return true
            }
            return .preview(lazy: lazy ?? false)
        case "":
            throw error("Expected fetch attribute")
        default:
            throw error("Unknown fetch attribute \(word)")
        }
    }

    // section = "[" [section-spec] "]"
    // section-spec = section-msgtext / (section-part ["." section-text])
    // section-text = section-msgtext / "MIME"
    mutating func parseSection() throws -> SectionSpecifier {
        try expect(.openBracket, "[")
        if consume(.closeBracket) { return .complete }
        var part: [UInt32] = []
        var kind = SectionSpecifier.Kind.complete
        if let first = peek(), first.isDigit {
            part = [try parseNZNumber()]
            while consume(.dot) {
                if let next = peek(), next.isDigit {
                    part.append(try parseNZNumber())
                } else if consumeWord("MIME") {
                    kind = .mime
                    break
                } else {
                    kind = try parseSectionMsgtext()
                    break
                }
            }
        } else {
            kind = try parseSectionMsgtext()
        }
        try expect(.closeBracket, "]")
        return SectionSpecifier(part: part, kind: kind)
    }

    // section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"
    mutating func parseSectionMsgtext() throws -> SectionSpecifier.Kind {
        if consumeKeyword("HEADER.FIELDS.NOT") {
            try parseSP()
            return .headerFieldsNot(try parseHeaderList())
        }
        if consumeKeyword("HEADER.FIELDS") {
            try parseSP()
            return .headerFields(try parseHeaderList())
        }
        if consumeWord("HEADER") { return .header }
        if consumeWord("TEXT") { return .text }
        throw error("Invalid section")
    }

    // header-list = "(" header-fld-name *(SP header-fld-name) ")"
    // header-fld-name = astring
    mutating func parseHeaderList() throws -> [String] {
        try expect(.openParen, "(")
        var names = [try parseAStringText()]
        while consume(.space) { names.append(try parseAStringText()) }
        try expect(.closeParen, ")")
        return names
    }

    // section-binary = "[" [section-part] "]"
    // section-part = nz-number *("." nz-number)
    mutating func parseSectionBinary() throws -> [UInt32] {
        try expect(.openBracket, "[")
        var part: [UInt32] = []
        if !consume(.closeBracket) {
            part.append(try parseNZNumber())
            while consume(.dot) { part.append(try parseNZNumber()) }
            try expect(.closeBracket, "]")
        }
        return part
    }

    // partial = "<" number64 "." nz-number64 ">"
    mutating func parsePartial() throws -> Partial {
        try expect(.lessThan, "<")
        let offset = try parseNumber64()
        try expect(.dot, ".")
        let length = try parseNZNumber64()
        try expect(.greaterThan, ">")
        return Partial(offset: offset, length: length)
    }

    // fetch-modifiers = SP "(" fetch-modifier *(SP fetch-modifier) ")"
    // fetch-modifier = chgsince-fetch-mod / vanished-fetch-mod
    // chgsince-fetch-mod = "CHANGEDSINCE" SP mod-sequence-value     ; RFC 7162 §7
    // vanished-fetch-mod = "VANISHED"                               ; RFC 7162 §7
    mutating func parseFetchModifiers() throws -> FetchModifiers {
        try parseSP()
        try expect(.openParen, "(")
        var modifiers = FetchModifiers()
        repeat {
            if consumeWord("CHANGEDSINCE") {
                try parseSP()
                modifiers.changedSince = try parseModSequenceValue()
            } else if consumeWord("VANISHED") {
                modifiers.vanished = true
            } else {
                throw error("Unknown FETCH modifier")
            }
        } while consume(.space)
        try expect(.closeParen, ")")
        return modifiers
    }

    // mod-sequence-value = 1*DIGIT ; positive unsigned 63-bit (RFC 7162 §7)
    mutating func parseModSequenceValue() throws -> UInt64 {
        let value = try parseNumber64()
        guard value > 0 else { throw error("Mod-sequence must be positive") }
        return value
    }

    // mod-sequence-valzer = "0" / mod-sequence-value
    mutating func parseModSequenceValzer() throws -> UInt64 {
        try parseNumber64()
    }
}

// MARK: - Encoding

extension SectionSpecifier {
    /// The bracketed section, e.g. `[1.2.HEADER.FIELDS (From To)]`.
    func write(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8.openBracket)
        buffer.writeString(part.map(String.init).joined(separator: "."))
        let needsDot = !part.isEmpty
        func keyword(_ text: String) {
            if needsDot { buffer.writeInteger(UInt8.dot) }
            buffer.writeString(text)
        }
        switch kind {
        case .complete: break
        case .header: keyword("HEADER")
        case .text: keyword("TEXT")
        case .mime: keyword("MIME")
        case .headerFields(let names):
            keyword("HEADER.FIELDS (")
            writeHeaderNames(names, into: &buffer)
        case .headerFieldsNot(let names):
            keyword("HEADER.FIELDS.NOT (")
            writeHeaderNames(names, into: &buffer)
        }
        buffer.writeInteger(UInt8.closeBracket)
    }

    private func writeHeaderNames(_ names: [String], into buffer: inout ByteBuffer) {
        for (index, name) in names.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8.space) }
            IMAPString.writeAString(Array(name.utf8), into: &buffer, utf8Accepted: true)
        }
        buffer.writeInteger(UInt8.closeParen)
    }

    static func writeBinaryPart(_ part: [UInt32], into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8.openBracket)
        buffer.writeString(part.map(String.init).joined(separator: "."))
        buffer.writeInteger(UInt8.closeBracket)
    }
}
