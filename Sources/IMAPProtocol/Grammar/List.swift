// List and Status: LIST / LSUB arguments (RFC 9051 §6.3.9, RFC 5258 LIST-EXTENDED, RFC 6154
// SPECIAL-USE, RFC 5819 LIST-STATUS) and STATUS attributes (RFC 9051 §6.3.11, RFC 8438 SIZE,
// RFC 7162 HIGHESTMODSEQ, RFC 7889 APPENDLIMIT, RFC 8474 MAILBOXID).
//
// Invariants:
// - RECURSIVEMATCH is rejected unless a base selection option accompanies it (RFC 5258 §3).
// - Unknown selection or return options are syntax errors, so the server answers BAD (RFC 5258 §3).

import NIOCore

/// `list-select-opt` (RFC 5258 §3, RFC 6154 §5).
public enum ListSelectOption: String, Sendable, Hashable {
    case subscribed = "SUBSCRIBED"
    case remote = "REMOTE"
    case recursiveMatch = "RECURSIVEMATCH"
    case specialUse = "SPECIAL-USE"
}

/// `return-option` (RFC 5258 §3, RFC 6154 §5, RFC 5819 §2).
public enum ListReturnOption: Sendable, Hashable {
    case subscribed
    case children
    case specialUse
    case status([StatusAttribute])
}

/// The arguments of LIST.
public struct ListCommand: Sendable, Hashable {
    public var selectOptions: [ListSelectOption]
    public var reference: MailboxName
    public var patterns: [MailboxPattern]
    public var returnOptions: [ListReturnOption]
    /// True when the client used the RFC 5258 extended syntax (selection options, RETURN, or a
    /// pattern list), so replies may carry extended data items.
    public var isExtended: Bool

    public init(
        selectOptions: [ListSelectOption] = [], reference: MailboxName, patterns: [MailboxPattern],
        returnOptions: [ListReturnOption] = [], isExtended: Bool = false
    ) {
        self.selectOptions = selectOptions
        self.reference = reference
        self.patterns = patterns
        self.returnOptions = returnOptions
        self.isExtended = isExtended
    }
}

/// `status-att`.
public enum StatusAttribute: String, Sendable, Hashable, CaseIterable {
    case messages = "MESSAGES"
    case uidNext = "UIDNEXT"
    case uidValidity = "UIDVALIDITY"
    case unseen = "UNSEEN"
    case deleted = "DELETED"
    /// RFC 8438
    case size = "SIZE"
    /// rev1 only (RFC 3501 §6.3.10)
    case recent = "RECENT"
    /// RFC 7162 §3.1.6
    case highestModSeq = "HIGHESTMODSEQ"
    /// RFC 7889 §3.2
    case appendLimit = "APPENDLIMIT"
    /// RFC 8474 §4.2
    case mailboxID = "MAILBOXID"
}

extension GrammarParser {
    // list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]
    // mbox-or-pat = list-mailbox / patterns
    // patterns = "(" list-mailbox *(SP list-mailbox) ")"
    mutating func parseListArguments() throws -> ListCommand {
        try parseSP()
        var command = ListCommand(reference: .inbox, patterns: [])
        if peek() == .openParen {
            command.selectOptions = try parseListSelectOpts()
            command.isExtended = true
            try parseSP()
        }
        command.reference = try parseMailbox()
        try parseSP()
        if consume(.openParen) {
            command.patterns = [try parseListMailbox()]
            while consume(.space) { command.patterns.append(try parseListMailbox()) }
            try expect(.closeParen, ")")
            command.isExtended = true
        } else {
            command.patterns = [try parseListMailbox()]
        }
        if peek() == .space {
            try parseSP()
            command.returnOptions = try parseListReturnOpts()
            command.isExtended = true
        }
        return command
    }

    // list-select-opts = "(" [(*(list-select-opt SP) list-select-base-opt *(SP list-select-opt)) /
    //                    (list-select-independent-opt *(SP list-select-independent-opt))] ")"
    // list-select-base-opt = "SUBSCRIBED" / "SPECIAL-USE"      ; RFC 6154 §6
    // list-select-independent-opt = "REMOTE"
    // list-select-mod-opt = "RECURSIVEMATCH"
    mutating func parseListSelectOpts() throws -> [ListSelectOption] {
        try expect(.openParen, "(")
        var options: [ListSelectOption] = []
        if !consume(.closeParen) {
            repeat {
                let word = readWord { $0.isAlpha || $0 == .minus }
                guard let option = ListSelectOption(rawValue: word) else {
                    throw error("Unknown LIST selection option")
                }
                options.append(option)
            } while consume(.space)
            try expect(.closeParen, ")")
        }
        if options.contains(.recursiveMatch) && !options.contains(.subscribed) && !options.contains(.specialUse) {
            throw error("RECURSIVEMATCH needs a base selection option")  // RFC 5258 §3
        }
        return options
    }

    // list-return-opts = "RETURN" SP "(" [return-option *(SP return-option)] ")"
    // return-option = "SUBSCRIBED" / "CHILDREN" / status-option / "SPECIAL-USE"
    // status-option = "STATUS" SP "(" status-att *(SP status-att) ")"     ; RFC 5819 §6
    mutating func parseListReturnOpts() throws -> [ListReturnOption] {
        try expectKeyword("RETURN")
        try parseSP()
        try expect(.openParen, "(")
        var options: [ListReturnOption] = []
        if consume(.closeParen) { return options }
        repeat {
            let word = readWord { $0.isAlpha || $0 == .minus }
            switch word {
            case "SUBSCRIBED": options.append(.subscribed)
            case "CHILDREN": options.append(.children)
            case "SPECIAL-USE": options.append(.specialUse)
            case "STATUS":
                try parseSP()
                options.append(.status(try parseStatusAttList()))
            default: throw error("Unknown LIST return option")
            }
        } while consume(.space)
        try expect(.closeParen, ")")
        return options
    }

    // list-mailbox = 1*list-char / string
    mutating func parseListMailbox() throws -> MailboxPattern {
        if peek() == .quote || peek() == .openBrace { return MailboxPattern(try parseString()) }
        let start = position
        while let byte = peek(), byte.isListChar { position += 1 }
        guard position > start else { throw error("Expected mailbox pattern") }
        return MailboxPattern(Array(bytes[start..<position]))
    }

    // mailbox = "INBOX" / astring
    mutating func parseMailbox() throws -> MailboxName {
        MailboxName(try parseAString())
    }

    // "(" status-att *(SP status-att) ")"
    mutating func parseStatusAttList() throws -> [StatusAttribute] {
        try expect(.openParen, "(")
        var attributes = [try parseStatusAtt()]
        while consume(.space) { attributes.append(try parseStatusAtt()) }
        try expect(.closeParen, ")")
        return attributes
    }

    // status-att = "MESSAGES" / "UIDNEXT" / "UIDVALIDITY" / "UNSEEN" / "DELETED" / "SIZE"
    // status-att =/ "RECENT"               ; RFC 3501
    // status-att =/ "HIGHESTMODSEQ"        ; RFC 7162 §7
    // status-att =/ "APPENDLIMIT"          ; RFC 7889 §4
    // status-att =/ "MAILBOXID"            ; RFC 8474 §7
    mutating func parseStatusAtt() throws -> StatusAttribute {
        let word = readWord { $0.isAlpha }
        guard let attribute = StatusAttribute(rawValue: word) else { throw error("Unknown STATUS attribute") }
        return attribute
    }
}
