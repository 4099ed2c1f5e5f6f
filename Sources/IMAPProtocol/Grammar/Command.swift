// Command: every client command of IMAP4rev2 (RFC 9051 §6) and IMAP4rev1 (RFC 3501 §6) with the
// extensions Mailroom advertises, as one typed enum, and the `command` rule that parses it.
//
// Invariants:
// - A session `switch`es over Command; no handler compares command strings.
// - `.append` is produced only by `GrammarParser.parseCommand` on a complete buffer (tests, tools).
//   CommandDecoder never yields it: it streams APPEND as appendStart/beginMessage/messageBytes events.
// - `.authenticate`'s initial response is already base64-decoded (RFC 4959 §3; "=" is empty).

import NIOCore

/// A command with the tag the client gave it.
public struct TaggedCommand: Sendable, Hashable {
    public var tag: String
    public var command: Command

    public init(tag: String, command: Command) {
        self.tag = tag
        self.command = command
    }
}

/// A client command.
public enum Command: Sendable, Hashable {
    // Any state (RFC 9051 §6.1)
    case capability
    case noop
    case logout
    /// RFC 2971: nil for `ID NIL`.
    case id([IDParameter]?)

    // Not authenticated (RFC 9051 §6.2)
    case starttls
    /// RFC 9051 §6.2.2, RFC 4959 SASL-IR: the decoded initial response, empty for "=".
    case authenticate(mechanism: String, initialResponse: ByteBuffer?)
    case login(username: String, password: String)

    // Authenticated (RFC 9051 §6.3)
    /// RFC 5161
    case enable([Capability])
    case select(MailboxName, SelectParameters)
    case examine(MailboxName, SelectParameters)
    /// RFC 6154 §3: `CREATE name (USE (\Drafts))`.
    case create(MailboxName, specialUse: [MailboxAttribute])
    case delete(MailboxName)
    case rename(from: MailboxName, to: MailboxName)
    case subscribe(MailboxName)
    case unsubscribe(MailboxName)
    case list(ListCommand)
    /// rev1 only (RFC 3501 §6.3.9).
    case lsub(reference: MailboxName, pattern: MailboxPattern)
    case namespace
    case status(MailboxName, [StatusAttribute])
    /// See the file comment: CommandDecoder streams APPEND instead.
    case append(mailbox: MailboxName, messages: [AppendMessage])
    case idle
    /// RFC 4978
    case compress(mechanism: String)

    // Selected (RFC 9051 §6.4)
    /// rev1 only (RFC 3501 §6.4.1).
    case check
    case close
    case unselect
    case expunge
    case uidExpunge(SequenceSet)
    case search(SearchCommand)
    case uidSearch(SearchCommand)
    case fetch(SequenceSet, [FetchAttribute], FetchModifiers)
    case uidFetch(SequenceSet, [FetchAttribute], FetchModifiers)
    case store(SequenceSet, StoreModifiers, StoreFlags)
    case uidStore(SequenceSet, StoreModifiers, StoreFlags)
    case copy(SequenceSet, MailboxName)
    case uidCopy(SequenceSet, MailboxName)
    /// RFC 6851
    case move(SequenceSet, MailboxName)
    case uidMove(SequenceSet, MailboxName)
}

/// One `string SP nstring` pair of ID (RFC 2971 §3.3).
public struct IDParameter: Sendable, Hashable {
    public var key: String
    public var value: String?

    public init(_ key: String, _ value: String?) {
        self.key = key
        self.value = value
    }
}

/// SELECT / EXAMINE parameters (RFC 7162 §3.1.8 CONDSTORE, §3.2.5 QRESYNC).
public struct SelectParameters: Sendable, Hashable {
    public var condStore: Bool
    public var qresync: QResyncParameters?

    public init(condStore: Bool = false, qresync: QResyncParameters? = nil) {
        self.condStore = condStore
        self.qresync = qresync
    }

    public static let none = SelectParameters()
}

/// `QRESYNC (uidvalidity modseq [known-uids [seq-match-data]])` (RFC 7162 §3.2.5).
public struct QResyncParameters: Sendable, Hashable {
    public var uidValidity: UInt32
    public var modSeq: UInt64
    public var knownUIDs: SequenceSet?
    /// `(known-sequence-set known-uid-set)`.
    public var sequenceMatch: SequenceMatchData?

    public init(
        uidValidity: UInt32, modSeq: UInt64, knownUIDs: SequenceSet? = nil, sequenceMatch: SequenceMatchData? = nil
    ) {
        self.uidValidity = uidValidity
        self.modSeq = modSeq
        self.knownUIDs = knownUIDs
        self.sequenceMatch = sequenceMatch
    }
}

/// `seq-match-data = "(" known-sequence-set SP known-uid-set ")"` (RFC 7162 §3.2.5).
public struct SequenceMatchData: Sendable, Hashable {
    public var knownSequenceSet: SequenceSet
    public var knownUIDSet: SequenceSet

    public init(knownSequenceSet: SequenceSet, knownUIDSet: SequenceSet) {
        self.knownSequenceSet = knownSequenceSet
        self.knownUIDSet = knownUIDSet
    }
}

/// STORE modifiers (RFC 7162 §3.1.3).
public struct StoreModifiers: Sendable, Hashable {
    public var unchangedSince: UInt64?

    public init(unchangedSince: UInt64? = nil) { self.unchangedSince = unchangedSince }

    public static let none = StoreModifiers()
}

/// `store-att-flags`: replace, add or remove flags, optionally without untagged FETCH replies.
public struct StoreFlags: Sendable, Hashable {
    public enum Operation: Sendable, Hashable {
        case replace
        case add
        case remove
    }
    public var operation: Operation
    public var silent: Bool
    public var flags: [Flag]

    public init(_ operation: Operation, silent: Bool = false, flags: [Flag]) {
        self.operation = operation
        self.silent = silent
        self.flags = flags
    }
}

/// What precedes one message of APPEND: its flags, internal date, and literal form.
public struct AppendMessageMetadata: Sendable, Hashable {
    public var flags: [Flag]
    public var internalDate: IMAPDateTime?
    /// The message size in octets (the literal's length).
    public var size: Int
    /// Sent as `literal8` `~{n}` (RFC 3516 §4.4): may contain NUL and unencoded binary.
    public var isBinary: Bool
    /// Sent as `UTF8 (~{n})` (RFC 6855 §4): a message with UTF-8 headers.
    public var isUTF8: Bool

    public init(
        flags: [Flag] = [], internalDate: IMAPDateTime? = nil, size: Int, isBinary: Bool = false, isUTF8: Bool = false
    ) {
        self.flags = flags
        self.internalDate = internalDate
        self.size = size
        self.isBinary = isBinary
        self.isUTF8 = isUTF8
    }
}

/// A whole APPEND message (only from `GrammarParser.parseCommand`).
public struct AppendMessage: Sendable, Hashable {
    public var metadata: AppendMessageMetadata
    public var data: ByteBuffer

    public init(metadata: AppendMessageMetadata, data: ByteBuffer) {
        self.metadata = metadata
        self.data = data
    }
}

// MARK: - Parsing

extension GrammarParser {
    /// Parses one complete command (tag through CRLF, literals inlined).
    public static func parseCommand(_ buffer: ByteBuffer, limits: IMAPLimits = .default) throws(CommandDecodingError)
        -> TaggedCommand
    {
        var parser = GrammarParser(buffer, maxDepth: limits.maxNestingDepth)
        return try parser.parseCommandReportingTag()
    }

    mutating func parseCommandReportingTag() throws(CommandDecodingError) -> TaggedCommand {
        var tag: String?
        do {
            tag = try parseTag()
            try parseSP()
            let command = try parseCommandBody()
            try parseCRLF()
            guard isAtEnd else { throw error("Unexpected bytes after command") }
            return TaggedCommand(tag: tag!, command: command)
        } catch let failure as GrammarError {
            throw CommandDecodingError(grammar: failure, tag: tag)
        } catch {
            throw CommandDecodingError(kind: .syntax, tag: tag, detail: "Syntax error")
        }
    }

    // command = tag SP (command-any / command-auth / command-nonauth / command-select) CRLF
    // command-any = "CAPABILITY" / "LOGOUT" / "NOOP" / id
    // command-auth = append / create / delete / enable / examine / list / namespace-command / rename /
    //                select / status / subscribe / unsubscribe / idle / lsub / compress
    // command-nonauth = login / authenticate / "STARTTLS"
    // command-select = "CLOSE" / "UNSELECT" / "EXPUNGE" / copy / move / fetch / store / search / uid / "CHECK"
    mutating func parseCommandBody() throws -> Command {
        let name = readWord { $0.isAlpha }
        switch name {
        case "CAPABILITY": return .capability
        case "NOOP": return .noop
        case "LOGOUT": return .logout
        case "STARTTLS": return .starttls
        case "NAMESPACE": return .namespace
        case "IDLE": return .idle
        case "CHECK": return .check
        case "CLOSE": return .close
        case "UNSELECT": return .unselect
        case "EXPUNGE": return .expunge
        case "ID": return .id(try parseIDArguments())
        case "AUTHENTICATE": return try parseAuthenticateArguments()
        case "LOGIN":
            try parseSP()
            let user = try parseAStringText()
            try parseSP()
            return .login(username: user, password: try parseAStringText())
        case "ENABLE": return .enable(try parseEnableArguments())
        case "SELECT":
            let (mailbox, parameters) = try parseSelectArguments()
            return .select(mailbox, parameters)
        case "EXAMINE":
            let (mailbox, parameters) = try parseSelectArguments()
            return .examine(mailbox, parameters)
        case "CREATE": return try parseCreateArguments()
        case "DELETE": return .delete(try parseSPMailbox())
        case "RENAME":
            let from = try parseSPMailbox()
            return .rename(from: from, to: try parseSPMailbox())
        case "SUBSCRIBE": return .subscribe(try parseSPMailbox())
        case "UNSUBSCRIBE": return .unsubscribe(try parseSPMailbox())
        case "LIST": return .list(try parseListArguments())
        case "LSUB":
            let reference = try parseSPMailbox()
            try parseSP()
            return .lsub(reference: reference, pattern: try parseListMailbox())
        case "STATUS":
            let mailbox = try parseSPMailbox()
            try parseSP()
            return .status(mailbox, try parseStatusAttList())
        case "APPEND": return try parseAppendArguments()
        case "COMPRESS":
            try parseSP()
            return .compress(mechanism: try parseAtom().uppercased())
        case "SEARCH": return .search(try parseSearchArguments())
        case "FETCH":
            let (set, attributes, modifiers) = try parseFetchArguments()
            return .fetch(set, attributes, modifiers)
        case "STORE":
            let (set, modifiers, flags) = try parseStoreArguments()
            return .store(set, modifiers, flags)
        case "COPY":
            let (set, mailbox) = try parseCopyArguments()
            return .copy(set, mailbox)
        case "MOVE":
            let (set, mailbox) = try parseCopyArguments()
            return .move(set, mailbox)
        case "UID": return try parseUIDCommand()
        default:
            throw GrammarError(
                kind: .unknownCommand, message: name.isEmpty ? "Missing command" : "Unknown command \(name)")
        }
    }

    mutating func parseSPMailbox() throws -> MailboxName {
        try parseSP()
        return try parseMailbox()
    }

    // uid = "UID" SP (copy / move / fetch / search / store / uid-expunge)
    // uid-expunge = "EXPUNGE" SP sequence-set
    mutating func parseUIDCommand() throws -> Command {
        try parseSP()
        let name = readWord { $0.isAlpha }
        switch name {
        case "FETCH":
            let (set, attributes, modifiers) = try parseFetchArguments()
            return .uidFetch(set, attributes, modifiers)
        case "SEARCH": return .uidSearch(try parseSearchArguments())
        case "STORE":
            let (set, modifiers, flags) = try parseStoreArguments()
            return .uidStore(set, modifiers, flags)
        case "COPY":
            let (set, mailbox) = try parseCopyArguments()
            return .uidCopy(set, mailbox)
        case "MOVE":
            let (set, mailbox) = try parseCopyArguments()
            return .uidMove(set, mailbox)
        case "EXPUNGE":
            try parseSP()
            return .uidExpunge(try parseSequenceSet())
        default:
            throw GrammarError(kind: .unknownCommand, message: "Unknown UID command \(name)")
        }
    }

    // id = "ID" SP id-params-list                          ; RFC 2971 §4
    // id-params-list = "(" *(string SP nstring) ")" / nil
    mutating func parseIDArguments() throws -> [IDParameter]? {
        try parseSP()
        if consumeWord("NIL") { return nil }
        try expect(.openParen, "(")
        var parameters: [IDParameter] = []
        if consume(.closeParen) { return parameters }
        repeat {
            let key = String(decoding: try parseString(), as: UTF8.self)
            try parseSP()
            let value = try parseNString().map { String(decoding: $0, as: UTF8.self) }
            parameters.append(IDParameter(key, value))
        } while consume(.space)
        try expect(.closeParen, ")")
        return parameters
    }

    // authenticate = "AUTHENTICATE" SP auth-type [SP initial-resp] *(CRLF base64)
    // auth-type = atom
    // initial-resp = (base64 / "=")                        ; RFC 4959 §7
    mutating func parseAuthenticateArguments() throws -> Command {
        try parseSP()
        let mechanism = try parseAtom().uppercased()
        guard consume(.space) else { return .authenticate(mechanism: mechanism, initialResponse: nil) }
        if consume(.equals) {
            return .authenticate(mechanism: mechanism, initialResponse: ByteBuffer())
        }
        let start = position
        while let byte = peek(), byte.isAlpha || byte.isDigit || byte == .plus || byte == .slash || byte == .equals {
            position += 1
        }
        guard position > start, let decoded = Base64.decode(bytes[start..<position]) else {
            throw error("Invalid base64 initial response")
        }
        return .authenticate(mechanism: mechanism, initialResponse: ByteBuffer(bytes: decoded))
    }

    // enable = "ENABLE" 1*(SP capability)                  ; RFC 5161 §4
    // capability = ("AUTH=" auth-type) / atom
    mutating func parseEnableArguments() throws -> [Capability] {
        var capabilities: [Capability] = []
        repeat {
            try parseSP()
            capabilities.append(Capability(try parseAtom()))
        } while peek() == .space
        return capabilities
    }

    // select = "SELECT" SP mailbox [select-params]
    // examine = "EXAMINE" SP mailbox [select-params]
    // select-params = SP "(" select-param *(SP select-param) ")"      ; RFC 4466 §2.1
    // select-param =/ "CONDSTORE"                                     ; RFC 7162 §7
    // select-param =/ "QRESYNC" SP "(" uidvalidity SP mod-sequence-value [SP known-uids]
    //                 [SP seq-match-data] ")"
    mutating func parseSelectArguments() throws -> (MailboxName, SelectParameters) {
        let mailbox = try parseSPMailbox()
        var parameters = SelectParameters()
        guard consume(.space) else { return (mailbox, parameters) }
        try expect(.openParen, "(")
        repeat {
            if consumeWord("CONDSTORE") {
                parameters.condStore = true
            } else if consumeWord("QRESYNC") {
                try parseSP()
                parameters.qresync = try parseQResyncParameters()
            } else {
                throw error("Unknown SELECT parameter")
            }
        } while consume(.space)
        try expect(.closeParen, ")")
        return (mailbox, parameters)
    }

    // "(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")"
    // seq-match-data = "(" known-sequence-set SP known-uid-set ")"
    mutating func parseQResyncParameters() throws -> QResyncParameters {
        try expect(.openParen, "(")
        let uidValidity = try parseNZNumber()
        try parseSP()
        var parameters = QResyncParameters(uidValidity: uidValidity, modSeq: try parseModSequenceValue())
        if consume(.space) {
            if peek() != .openParen {
                parameters.knownUIDs = try parseKnownUIDs()
                if consume(.space) { parameters.sequenceMatch = try parseSeqMatchData() }
            } else {
                parameters.sequenceMatch = try parseSeqMatchData()
            }
        }
        try expect(.closeParen, ")")
        return parameters
    }

    mutating func parseSeqMatchData() throws -> SequenceMatchData {
        try expect(.openParen, "(")
        let sequenceSet = try parseKnownUIDs()
        try parseSP()
        let uidSet = try parseKnownUIDs()
        try expect(.closeParen, ")")
        return SequenceMatchData(knownSequenceSet: sequenceSet, knownUIDSet: uidSet)
    }

    // create = "CREATE" SP mailbox [create-params]
    // create-params = SP "(" create-param *(SP create-param) ")"      ; RFC 4466 §2.2
    // create-param = "USE" SP "(" [use-attr *(SP use-attr)] ")"       ; RFC 6154 §6
    mutating func parseCreateArguments() throws -> Command {
        let mailbox = try parseSPMailbox()
        var uses: [MailboxAttribute] = []
        if consume(.space) {
            try expect(.openParen, "(")
            repeat {
                guard consumeWord("USE") else { throw error("Unknown CREATE parameter") }
                try parseSP()
                try expect(.openParen, "(")
                if !consume(.closeParen) {
                    repeat { uses.append(try parseUseAttr()) } while consume(.space)
                    try expect(.closeParen, ")")
                }
            } while consume(.space)
            try expect(.closeParen, ")")
        }
        return .create(mailbox, specialUse: uses)
    }

    // store = "STORE" SP sequence-set [store-modifiers] SP store-att-flags
    // store-modifiers = SP "(" store-modifier *(SP store-modifier) ")"    ; RFC 4466 §2.5
    // store-modifier =/ "UNCHANGEDSINCE" SP mod-sequence-valzer            ; RFC 7162 §7
    // store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))
    mutating func parseStoreArguments() throws -> (SequenceSet, StoreModifiers, StoreFlags) {
        try parseSP()
        let set = try parseSequenceSet()
        try parseSP()
        var modifiers = StoreModifiers()
        if consume(.openParen) {
            repeat {
                guard consumeWord("UNCHANGEDSINCE") else { throw error("Unknown STORE modifier") }
                try parseSP()
                modifiers.unchangedSince = try parseModSequenceValzer()
            } while consume(.space)
            try expect(.closeParen, ")")
            try parseSP()
        }
        let operation: StoreFlags.Operation = consume(.plus) ? .add : (consume(.minus) ? .remove : .replace)
        try expectKeyword("FLAGS")
        let silent = consumeKeyword(".SILENT")
        try parseSP()
        var flags: [Flag]
        if peek() == .openParen {
            flags = try parseFlagList()
        } else {
            flags = [try parseFlag()]
            while consume(.space) { flags.append(try parseFlag()) }
        }
        return (set, modifiers, StoreFlags(operation, silent: silent, flags: flags))
    }

    // copy = "COPY" SP sequence-set SP mailbox
    // move = "MOVE" SP sequence-set SP mailbox                ; RFC 6851 §4.1
    mutating func parseCopyArguments() throws -> (SequenceSet, MailboxName) {
        try parseSP()
        let set = try parseSequenceSet()
        return (set, try parseSPMailbox())
    }

    // append = "APPEND" SP mailbox 1*append-message           ; RFC 3502 §6
    // append-message = append-opts SP append-data
    mutating func parseAppendArguments() throws -> Command {
        let mailbox = try parseSPMailbox()
        var messages: [AppendMessage] = []
        repeat {
            let (flags, date) = try parseAppendOpts()
            let isUTF8 = parseAppendDataUTF8Prefix()
            let isBinary = peek() == .tilde
            let data = try parseLiteral(allowBinary: true)
            if isUTF8 { try expect(.closeParen, ")") }
            let metadata = AppendMessageMetadata(
                flags: flags, internalDate: date, size: data.count, isBinary: isBinary, isUTF8: isUTF8)
            messages.append(AppendMessage(metadata: metadata, data: ByteBuffer(bytes: data)))
        } while peek() == .space
        return .append(mailbox: mailbox, messages: messages)
    }

    // append-opts = [SP flag-list] [SP date-time] ; followed by the SP before append-data
    mutating func parseAppendOpts() throws -> ([Flag], IMAPDateTime?) {
        try parseSP()
        var flags: [Flag] = []
        var date: IMAPDateTime?
        if peek() == .openParen {
            flags = try parseFlagList()
            try parseSP()
        }
        if peek() == .quote {
            date = try parseDateTime()
            try parseSP()
        }
        return (flags, date)
    }

    // append-data = literal / literal8 / "UTF8" SP "(" literal8 ")"     ; RFC 3516, RFC 6855 §4
    // Consumes `UTF8 (` and returns true when present.
    mutating func parseAppendDataUTF8Prefix() -> Bool {
        let saved = position
        if consumeKeyword("UTF8"), consume(.space), consume(.openParen) { return true }
        position = saved
        return false
    }
}
