// Search: SEARCH programs and return options (RFC 9051 §6.4.4, RFC 3501 §6.4.4, RFC 4731 ESEARCH,
// RFC 5182 SEARCHRES, RFC 7162 §3.1.5 MODSEQ, RFC 5032 WITHIN, RFC 8474 OBJECTID, RFC 8514 SAVEDATE).
//
// Invariants:
// - Several top-level keys are returned as one `.and([...])`; a single key is returned as itself.
// - Recursion (NOT, OR, parentheses) is bounded by IMAPLimits.maxNestingDepth.
// - Search strings are decoded as UTF-8 (the server accepts only US-ASCII and UTF-8 charsets and answers
//   others with NO [BADCHARSET], RFC 9051 §6.4.4).

import NIOCore

/// `search-key`.
public indirect enum SearchKey: Sendable, Hashable {
    case all
    case answered, deleted, draft, flagged, seen
    case unanswered, undeleted, undraft, unflagged, unseen
    /// rev1 only (RFC 3501 §6.4.4).
    case new, old, recent
    case keyword(String)
    case unkeyword(String)
    case bcc(String), body(String), cc(String), from(String), subject(String), text(String), to(String)
    case header(field: String, value: String)
    case before(IMAPDate), on(IMAPDate), since(IMAPDate)
    case sentBefore(IMAPDate), sentOn(IMAPDate), sentSince(IMAPDate)
    case larger(UInt64), smaller(UInt64)
    case uid(SequenceSet)
    case sequenceNumbers(SequenceSet)
    case not(SearchKey)
    case or(SearchKey, SearchKey)
    case and([SearchKey])
    /// RFC 7162 §3.1.5: messages with MODSEQ >= value, optionally for one flag's metadata entry.
    case modSeq(UInt64, entry: ModSeqEntry?)
    /// RFC 5032 §3: internal date within the last / before the last n seconds.
    case younger(UInt32), older(UInt32)
    /// RFC 8474 §6
    case emailID(String), threadID(String)
    /// RFC 8514 §3
    case savedBefore(IMAPDate), savedOn(IMAPDate), savedSince(IMAPDate), saveDateSupported
}

/// `search-modseq-ext`: `"/flags/<flag>" (priv / shared / all)` (RFC 7162 §3.1.5).
public struct ModSeqEntry: Sendable, Hashable {
    public enum EntryType: String, Sendable, Hashable {
        case `private` = "priv"
        case shared
        case all
    }
    public var flag: Flag
    public var type: EntryType

    public init(flag: Flag, type: EntryType) {
        self.flag = flag
        self.type = type
    }
}

/// `search-return-opt` (RFC 4731 §3.1, RFC 5182 §2).
public enum SearchReturnOption: String, Sendable, Hashable {
    case min = "MIN"
    case max = "MAX"
    case all = "ALL"
    case count = "COUNT"
    case save = "SAVE"
}

/// The arguments of SEARCH / UID SEARCH.
public struct SearchCommand: Sendable, Hashable {
    /// nil: no `RETURN` (answer with `* SEARCH` to rev1 clients); `[]`: `RETURN ()`, same as `RETURN (ALL)`.
    public var returnOptions: [SearchReturnOption]?
    public var charset: String?
    public var key: SearchKey

    public init(returnOptions: [SearchReturnOption]? = nil, charset: String? = nil, key: SearchKey) {
        self.returnOptions = returnOptions
        self.charset = charset
        self.key = key
    }
}

extension GrammarParser {
    // search = "SEARCH" [search-return-opts] SP search-program
    mutating func parseSearchArguments() throws -> SearchCommand {
        var returnOptions: [SearchReturnOption]?
        let saved = position
        try parseSP()
        if consumeWord("RETURN") {
            returnOptions = try parseSearchReturnOpts()
            try parseSP()
        } else {
            position = saved
            try parseSP()
        }
        let (charset, key) = try parseSearchProgram()
        return SearchCommand(returnOptions: returnOptions, charset: charset, key: key)
    }

    // search-return-opts = SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"
    // search-return-opt = "MIN" / "MAX" / "ALL" / "COUNT" / "SAVE" / search-ret-opt-ext
    mutating func parseSearchReturnOpts() throws -> [SearchReturnOption] {
        try parseSP()
        try expect(.openParen, "(")
        var options: [SearchReturnOption] = []
        if consume(.closeParen) { return options }
        repeat {
            let word = readWord { $0.isAlpha }
            guard let option = SearchReturnOption(rawValue: word) else { throw error("Unknown SEARCH return option") }
            options.append(option)
        } while consume(.space)
        try expect(.closeParen, ")")
        return options
    }

    // search-program = ["CHARSET" SP charset SP] search-key *(SP search-key)
    mutating func parseSearchProgram() throws -> (String?, SearchKey) {
        var charset: String?
        if consumeWord("CHARSET") {
            try parseSP()
            charset = try parseCharset()
            try parseSP()
        }
        var keys = [try parseSearchKey()]
        while consume(.space) { keys.append(try parseSearchKey()) }
        return (charset, keys.count == 1 ? keys[0] : .and(keys))
    }

    // search-key = "ALL" / "ANSWERED" / "BCC" SP astring / "BEFORE" SP date / "BODY" SP astring /
    //   "CC" SP astring / "DELETED" / "FLAGGED" / "FROM" SP astring / "KEYWORD" SP flag-keyword /
    //   "ON" SP date / "SEEN" / "SINCE" SP date / "SUBJECT" SP astring / "TEXT" SP astring /
    //   "TO" SP astring / "UNANSWERED" / "UNDELETED" / "UNFLAGGED" / "UNKEYWORD" SP flag-keyword /
    //   "UNSEEN" / "DRAFT" / "HEADER" SP header-fld-name SP astring / "LARGER" SP number64 /
    //   "NOT" SP search-key / "OR" SP search-key SP search-key / "SENTBEFORE" SP date /
    //   "SENTON" SP date / "SENTSINCE" SP date / "SMALLER" SP number64 / "UID" SP sequence-set /
    //   "UNDRAFT" / sequence-set / "(" search-key *(SP search-key) ")"
    // search-key =/ "NEW" / "OLD" / "RECENT"                                   ; RFC 3501
    // search-key =/ "MODSEQ" [search-modseq-ext] SP mod-sequence-valzer        ; RFC 7162 §7
    // search-key =/ "YOUNGER" SP nz-number / "OLDER" SP nz-number              ; RFC 5032 §4
    // search-key =/ "EMAILID" SP objectid / "THREADID" SP objectid            ; RFC 8474 §7
    // search-key =/ "SAVEDBEFORE" SP date / "SAVEDON" SP date / "SAVEDSINCE" SP date /
    //               "SAVEDATESUPPORTED"                                        ; RFC 8514 §7
    mutating func parseSearchKey() throws -> SearchKey {
        try enterNesting()
        defer { leaveNesting() }
        if consume(.openParen) {
            var keys = [try parseSearchKey()]
            while consume(.space) { keys.append(try parseSearchKey()) }
            try expect(.closeParen, ")")
            return keys.count == 1 ? keys[0] : .and(keys)
        }
        if let first = peek(), first.isDigit || first == .asterisk || first == .dollar {
            return .sequenceNumbers(try parseSequenceSet())
        }
        let word = readWord { $0.isAlpha }
        func string() throws -> String {
            try parseSP()
            return try parseAStringText()
        }
        func date() throws -> IMAPDate {
            try parseSP()
            return try parseDate()
        }
        switch word {
        case "ALL": return .all
        case "ANSWERED": return .answered
        case "DELETED": return .deleted
        case "DRAFT": return .draft
        case "FLAGGED": return .flagged
        case "SEEN": return .seen
        case "UNANSWERED": return .unanswered
        case "UNDELETED": return .undeleted
        case "UNDRAFT": return .undraft
        case "UNFLAGGED": return .unflagged
        case "UNSEEN": return .unseen
        case "NEW": return .new
        case "OLD": return .old
        case "RECENT": return .recent
        case "SAVEDATESUPPORTED": return .saveDateSupported
        case "BCC": return .bcc(try string())
        case "BODY": return .body(try string())
        case "CC": return .cc(try string())
        case "FROM": return .from(try string())
        case "SUBJECT": return .subject(try string())
        case "TEXT": return .text(try string())
        case "TO": return .to(try string())
        case "KEYWORD":
            try parseSP()
            return .keyword(try parseFlagKeyword())
        case "UNKEYWORD":
            try parseSP()
            return .unkeyword(try parseFlagKeyword())
        case "HEADER":
            let field = try string()
            return .header(field: field, value: try string())
        case "BEFORE": return .before(try date())
        case "ON": return .on(try date())
        case "SINCE": return .since(try date())
        case "SENTBEFORE": return .sentBefore(try date())
        case "SENTON": return .sentOn(try date())
        case "SENTSINCE": return .sentSince(try date())
        case "SAVEDBEFORE": return .savedBefore(try date())
        case "SAVEDON": return .savedOn(try date())
        case "SAVEDSINCE": return .savedSince(try date())
        case "LARGER":
            try parseSP()
            return .larger(try parseNumber64())
        case "SMALLER":
            try parseSP()
            return .smaller(try parseNumber64())
        case "UID":
            try parseSP()
            return .uid(try parseSequenceSet())
        case "NOT":
            try parseSP()
            return .not(try parseSearchKey())
        case "OR":
            try parseSP()
            let first = try parseSearchKey()
            try parseSP()
            return .or(first, try parseSearchKey())
        case "MODSEQ":
            try parseSP()
            var entry: ModSeqEntry?
            if peek() == .quote {
                entry = try parseSearchModseqExt()
                try parseSP()
            }
            return .modSeq(try parseModSequenceValzer(), entry: entry)
        case "YOUNGER":
            try parseSP()
            return .younger(try parseNZNumber())
        case "OLDER":
            try parseSP()
            return .older(try parseNZNumber())
        case "EMAILID":
            try parseSP()
            return .emailID(try parseObjectID())
        case "THREADID":
            try parseSP()
            return .threadID(try parseObjectID())
        case "":
            throw error("Expected search key")
        default:
            throw error("Unknown search key \(word)")
        }
    }

    // search-modseq-ext = SP entry-name SP entry-type-req       ; leading SP consumed by the caller
    // entry-name = entry-flag-name
    // entry-flag-name = DQUOTE "/flags/" attr-flag DQUOTE
    // entry-type-req = entry-type-resp / "all"
    // entry-type-resp = "priv" / "shared"
    mutating func parseSearchModseqExt() throws -> ModSeqEntry {
        let name = try parseQuoted()
        let prefix = Array("/flags/".utf8)
        guard name.count > prefix.count, name[..<prefix.count].map(\.asciiUppercased) == prefix.map(\.asciiUppercased)
        else { throw error("Invalid MODSEQ entry name") }
        var flagParser = GrammarParser(Array(name[prefix.count...]))
        let flag = try flagParser.parseFlag()
        guard flagParser.isAtEnd else { throw error("Invalid MODSEQ entry name") }
        try parseSP()
        let typeWord = readWord { $0.isAlpha }
        guard let type = ModSeqEntry.EntryType(rawValue: typeWord.lowercased()) else {
            throw error("Invalid MODSEQ entry type")
        }
        return ModSeqEntry(flag: flag, type: type)
    }

    // objectid = 1*255(ALPHA / DIGIT / "_" / "-")     ; RFC 8474 §7
    mutating func parseObjectID() throws -> String {
        let start = position
        while let byte = peek(), byte.isAlpha || byte.isDigit || byte == 0x5F || byte == .minus { position += 1 }
        guard position > start, position - start <= 255 else { throw error("Invalid object id") }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }
}
