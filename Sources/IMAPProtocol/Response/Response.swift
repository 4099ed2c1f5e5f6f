// Response: every server response Mailroom sends (RFC 9051 §7), as typed values for the one encoder.
//
// Invariants:
// - Mailbox names in responses are Unicode paths; ResponseEncoder writes them in modified UTF-7 or
//   UTF-8 depending on the session (RFC 9051 §5.1, RFC 6855 §3).
// - FETCH responses are a sequence of parts (FetchResponse) so a body is streamed, never one value.
// - ENVELOPE and BODYSTRUCTURE arrive already encoded (built by the MIME target on the server side).

import NIOCore

/// One unit the encoder writes.
public enum Response: Sendable, Hashable {
    case untagged(UntaggedResponse)
    case tagged(TaggedResponse)
    case continuation(ContinuationRequest)
    /// One part of a `* n FETCH (...)` response; see FetchResponse.
    case fetch(FetchResponse)
}

/// `resp-cond-state` status.
public enum ResponseStatus: String, Sendable, Hashable {
    case ok = "OK"
    case no = "NO"
    case bad = "BAD"
}

/// `resp-text = ["[" resp-text-code "]" SP] [text]`.
public struct ResponseText: Sendable, Hashable, ExpressibleByStringLiteral {
    public var code: ResponseCode?
    public var text: String

    public init(code: ResponseCode? = nil, _ text: String) {
        self.code = code
        self.text = text
    }

    public init(stringLiteral value: String) { self.init(value) }
}

/// `response-tagged = tag SP resp-cond-state CRLF`.
public struct TaggedResponse: Sendable, Hashable {
    public var tag: String
    public var status: ResponseStatus
    public var text: ResponseText

    public init(tag: String, status: ResponseStatus, text: ResponseText) {
        self.tag = tag
        self.status = status
        self.text = text
    }
}

/// `continue-req = "+" SP (resp-text / base64) CRLF`.
public enum ContinuationRequest: Sendable, Hashable {
    case text(String)
    /// A SASL challenge; the encoder writes it in base64.
    case data(ByteBuffer)
}

/// Untagged responses (`response-data`).
public enum UntaggedResponse: Sendable, Hashable {
    case ok(ResponseText)
    case no(ResponseText)
    case bad(ResponseText)
    case preauth(ResponseText)
    case bye(ResponseText)
    case capability([Capability])
    /// RFC 5161 §4
    case enabled([Capability])
    case list(MailboxListItem)
    /// rev1 only (RFC 3501 §7.2.3).
    case lsub(MailboxListItem)
    case status(mailbox: String, [StatusValue])
    case flags([Flag])
    case exists(UInt32)
    /// rev1 only (RFC 3501 §7.3.2).
    case recent(UInt32)
    case expunge(UInt32)
    /// rev1 `* SEARCH` (RFC 3501 §7.2.5) with the RFC 7162 §3.1.5 `(MODSEQ n)` suffix.
    case search([UInt32], modSeq: UInt64?)
    /// RFC 4731 §3.1, RFC 9051 §7.3.4
    case esearch(ESearchResponse)
    /// RFC 7162 §3.2.10
    case vanished(earlier: Bool, uids: SequenceSet)
    case namespace(NamespaceResponse)
    /// RFC 2971: nil for `* ID NIL`.
    case id([IDParameter]?)
}

/// The body of `* LIST` / `* LSUB`.
public struct MailboxListItem: Sendable, Hashable {
    public var attributes: [MailboxAttribute]
    /// The hierarchy delimiter, nil for a flat namespace (`NIL`).
    public var delimiter: Character?
    /// The mailbox path in Unicode.
    public var mailbox: String
    public var extendedItems: [ListExtendedItem]

    public init(
        attributes: [MailboxAttribute], delimiter: Character?, mailbox: String, extendedItems: [ListExtendedItem] = []
    ) {
        self.attributes = attributes
        self.delimiter = delimiter
        self.mailbox = mailbox
        self.extendedItems = extendedItems
    }
}

/// `mbox-list-extended-item` (RFC 5258 §4 CHILDINFO, RFC 9051 §6.3.9.7 OLDNAME).
public enum ListExtendedItem: Sendable, Hashable {
    /// `"CHILDINFO" ("SUBSCRIBED")`: the selection criteria matched by a child.
    case childInfo([ListSelectOption])
    /// `"OLDNAME" ("old")`: the mailbox's name before a RENAME.
    case oldName(String)
}

/// `status-att-val`.
public enum StatusValue: Sendable, Hashable {
    case messages(UInt32)
    case uidNext(UInt32)
    case uidValidity(UInt32)
    case unseen(UInt32)
    case deleted(UInt32)
    case size(UInt64)
    case recent(UInt32)
    case highestModSeq(UInt64)
    /// nil: no limit (`APPENDLIMIT NIL`, RFC 7889 §4).
    case appendLimit(UInt64?)
    case mailboxID(String)
}

/// `esearch-response = "ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)`.
public struct ESearchResponse: Sendable, Hashable {
    public var tag: String?
    public var uid: Bool
    public var returnData: [ESearchReturnData]

    public init(tag: String?, uid: Bool, returnData: [ESearchReturnData]) {
        self.tag = tag
        self.uid = uid
        self.returnData = returnData
    }
}

/// `search-return-data` (RFC 4731 §3.1, RFC 7162 §3.1.5 MODSEQ).
public enum ESearchReturnData: Sendable, Hashable {
    case min(UInt32)
    case max(UInt32)
    case all(SequenceSet)
    case count(UInt32)
    case modSeq(UInt64)
}

/// `namespace-response` (RFC 9051 §7.3.5, RFC 2342). An empty list is written as NIL.
public struct NamespaceResponse: Sendable, Hashable {
    public var personal: [NamespaceDescription]
    public var otherUsers: [NamespaceDescription]
    public var shared: [NamespaceDescription]

    public init(personal: [NamespaceDescription], otherUsers: [NamespaceDescription], shared: [NamespaceDescription]) {
        self.personal = personal
        self.otherUsers = otherUsers
        self.shared = shared
    }
}

/// `namespace-descr = "(" string SP (DQUOTE QUOTED-CHAR DQUOTE / nil) ")"`.
public struct NamespaceDescription: Sendable, Hashable {
    public var prefix: String
    public var delimiter: Character?

    public init(prefix: String, delimiter: Character?) {
        self.prefix = prefix
        self.delimiter = delimiter
    }
}

extension Response {
    public static func ok(_ tag: String, code: ResponseCode? = nil, _ text: String) -> Response {
        .tagged(TaggedResponse(tag: tag, status: .ok, text: ResponseText(code: code, text)))
    }

    public static func no(_ tag: String, code: ResponseCode? = nil, _ text: String) -> Response {
        .tagged(TaggedResponse(tag: tag, status: .no, text: ResponseText(code: code, text)))
    }

    public static func bad(_ tag: String, code: ResponseCode? = nil, _ text: String) -> Response {
        .tagged(TaggedResponse(tag: tag, status: .bad, text: ResponseText(code: code, text)))
    }
}
