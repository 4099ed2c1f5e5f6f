// Value types of MailStore's public API. They are plain Sendable values: nothing here refers to the
// database library, and every value is a snapshot (it does not change when the store changes).

import Foundation

// MARK: - Directory records

public struct DomainRecord: Hashable, Sendable, Codable {
    public var id: DomainID
    /// Lowercased domain name.
    public var name: String
    public var createdAt: Date

    public init(id: DomainID, name: String, createdAt: Date) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }
}

public struct NewAccount: Hashable, Sendable {
    /// `local@domain`; the domain must exist. Compared case-insensitively.
    public var address: String
    public var displayName: String?
    /// Opaque to the store (the Directory target hashes passwords).
    public var passwordHash: String
    /// Nil: no quota.
    public var quotaBytes: Int64?

    public init(address: String, displayName: String? = nil, passwordHash: String, quotaBytes: Int64? = nil) {
        self.address = address
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.quotaBytes = quotaBytes
    }
}

public struct AccountRecord: Hashable, Sendable, Codable {
    public var id: AccountID
    /// As created (domain lowercased).
    public var address: String
    public var domain: String
    public var displayName: String?
    public var passwordHash: String
    public var quotaBytes: Int64?
    public var createdAt: Date

    public init(
        id: AccountID, address: String, domain: String, displayName: String?, passwordHash: String,
        quotaBytes: Int64?, createdAt: Date
    ) {
        self.id = id
        self.address = address
        self.domain = domain
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.quotaBytes = quotaBytes
        self.createdAt = createdAt
    }
}

public struct AliasRecord: Hashable, Sendable, Codable {
    public var id: AliasID
    /// `name@domain`, or `@domain` for a catch-all.
    public var alias: String
    public var domain: String
    /// Target addresses in the order given.
    public var targets: [String]
    public var createdAt: Date

    public var isCatchAll: Bool { alias.hasPrefix("@") }

    public init(id: AliasID, alias: String, domain: String, targets: [String], createdAt: Date) {
        self.id = id
        self.alias = alias
        self.domain = domain
        self.targets = targets
        self.createdAt = createdAt
    }
}

public struct AppPasswordRecord: Hashable, Sendable, Codable {
    public var id: AppPasswordID
    public var account: AccountID
    /// Unique per account.
    public var label: String
    /// Opaque to the store.
    public var hash: String
    public var createdAt: Date
    public var lastUsedAt: Date?

    public init(
        id: AppPasswordID, account: AccountID, label: String, hash: String, createdAt: Date, lastUsedAt: Date?
    ) {
        self.id = id
        self.account = account
        self.label = label
        self.hash = hash
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }
}

/// One login attempt: who, from where, over which protocol, whether it worked.
public struct LoginEvent: Hashable, Sendable, Codable {
    public var username: String
    public var remoteAddress: String
    /// e.g. "imap", "pop3", "submission", "http".
    public var protocolName: String
    public var success: Bool
    public var date: Date
    public var account: AccountID?
    /// SASL mechanism, if known.
    public var mechanism: String?
    /// Why it failed, if known (never the password).
    public var reason: String?

    public init(
        username: String, remoteAddress: String, protocolName: String, success: Bool, date: Date = Date(),
        account: AccountID? = nil, mechanism: String? = nil, reason: String? = nil
    ) {
        self.username = username
        self.remoteAddress = remoteAddress
        self.protocolName = protocolName
        self.success = success
        self.date = date
        self.account = account
        self.mechanism = mechanism
        self.reason = reason
    }
}

// MARK: - Mailboxes

public struct MailboxInfo: Hashable, Sendable, Codable {
    public var id: MailboxID
    public var account: AccountID
    /// Full name with "/" as the hierarchy separator; INBOX always spelled "INBOX".
    public var name: String
    public var specialUse: SpecialUse?
    public var subscribed: Bool
    /// RFC 9051 §2.3.1.1: nonzero; a recreated name gets a larger one.
    public var uidValidity: UInt32
    public var uidNext: UID
    /// RFC 7162 §3.1.2.1.
    public var highestModSeq: ModSeq
    public var messageCount: Int
    public var unseenCount: Int
    /// Sum of RFC822.SIZE of its messages.
    public var size: Int64

    public init(
        id: MailboxID, account: AccountID, name: String, specialUse: SpecialUse?, subscribed: Bool,
        uidValidity: UInt32, uidNext: UID, highestModSeq: ModSeq, messageCount: Int, unseenCount: Int, size: Int64
    ) {
        self.id = id
        self.account = account
        self.name = name
        self.specialUse = specialUse
        self.subscribed = subscribed
        self.uidValidity = uidValidity
        self.uidNext = uidNext
        self.highestModSeq = highestModSeq
        self.messageCount = messageCount
        self.unseenCount = unseenCount
        self.size = size
    }
}

// MARK: - Messages

/// What the delivery path learned by parsing a message once. MailStore does not parse messages.
public struct MessageMetadata: Hashable, Sendable, Codable {
    /// RFC822.SIZE as the parser saw it. The store uses the blob's size, which is authoritative.
    public var size: Int64
    /// The Date: header (RFC 5322 §3.6.1), if present and valid.
    public var headerDate: Date?
    /// Decoded Subject (RFC 2047 words decoded).
    public var subject: String?
    /// Decoded address fields, for SORT and display.
    public var from: String
    public var to: String
    public var cc: String
    public var bcc: String
    /// RFC 5322 §3.6.4 Message-ID, In-Reply-To, References (with or without angle brackets).
    public var messageIDHeader: String?
    public var inReplyTo: [String]
    public var references: [String]
    /// Opaque to the store: produced and read by the IMAP layer.
    public var envelope: Data
    public var bodyStructure: Data
    /// Unfolded, decoded header section: one "Name: value" per line. Indexed for SEARCH HEADER/TEXT; not returned
    /// by reads.
    public var headerText: String
    /// Decoded text of the body parts. Indexed for SEARCH BODY/TEXT; not returned by reads.
    public var bodyText: String
    /// A short plain-text preview (RFC 8970).
    public var preview: String
    public var hasAttachment: Bool

    public init(
        size: Int64 = 0, headerDate: Date? = nil, subject: String? = nil, from: String = "", to: String = "",
        cc: String = "", bcc: String = "", messageIDHeader: String? = nil, inReplyTo: [String] = [],
        references: [String] = [], envelope: Data = Data(), bodyStructure: Data = Data(), headerText: String = "",
        bodyText: String = "", preview: String = "", hasAttachment: Bool = false
    ) {
        self.size = size
        self.headerDate = headerDate
        self.subject = subject
        self.from = from
        self.to = to
        self.cc = cc
        self.bcc = bcc
        self.messageIDHeader = messageIDHeader
        self.inReplyTo = inReplyTo
        self.references = references
        self.envelope = envelope
        self.bodyStructure = bodyStructure
        self.headerText = headerText
        self.bodyText = bodyText
        self.preview = preview
        self.hasAttachment = hasAttachment
    }
}

/// One message into one mailbox (IMAP APPEND, JMAP import). Group-committed.
public struct AppendRequest: Hashable, Sendable {
    public var account: AccountID
    public var mailbox: MailboxID
    public var blob: BlobRef
    public var metadata: MessageMetadata
    public var flags: Set<Flag>
    public var internalDate: Date

    public init(
        account: AccountID, mailbox: MailboxID, blob: BlobRef, metadata: MessageMetadata, flags: Set<Flag> = [],
        internalDate: Date = Date()
    ) {
        self.account = account
        self.mailbox = mailbox
        self.blob = blob
        self.metadata = metadata
        self.flags = flags
        self.internalDate = internalDate
    }
}

public struct DeliveryTarget: Hashable, Sendable {
    public var account: AccountID
    public var mailbox: MailboxID
    public var flags: Set<Flag>

    public init(account: AccountID, mailbox: MailboxID, flags: Set<Flag> = []) {
        self.account = account
        self.mailbox = mailbox
        self.flags = flags
    }
}

/// One message into many mailboxes (SMTP delivery to several local recipients): all or nothing.
public struct DeliveryRequest: Hashable, Sendable {
    public var blob: BlobRef
    public var metadata: MessageMetadata
    public var internalDate: Date
    public var targets: [DeliveryTarget]

    public init(blob: BlobRef, metadata: MessageMetadata, internalDate: Date = Date(), targets: [DeliveryTarget]) {
        self.blob = blob
        self.metadata = metadata
        self.internalDate = internalDate
        self.targets = targets
    }
}

public struct AppendResult: Hashable, Sendable {
    public var account: AccountID
    public var mailbox: MailboxID
    /// For APPENDUID (RFC 9051 §7.1, UIDPLUS).
    public var uidValidity: UInt32
    public var uid: UID
    public var modSeq: ModSeq
    public var emailID: EmailID
    public var threadID: ThreadID

    public init(
        account: AccountID, mailbox: MailboxID, uidValidity: UInt32, uid: UID, modSeq: ModSeq, emailID: EmailID,
        threadID: ThreadID
    ) {
        self.account = account
        self.mailbox = mailbox
        self.uidValidity = uidValidity
        self.uid = uid
        self.modSeq = modSeq
        self.emailID = emailID
        self.threadID = threadID
    }
}

/// A message as one mailbox sees it: the rows of an IMAP snapshot.
public struct MessageSummary: Hashable, Sendable {
    public var uid: UID
    public var emailID: EmailID
    public var threadID: ThreadID
    public var flags: Set<Flag>
    public var modSeq: ModSeq
    /// RFC822.SIZE.
    public var size: Int64
    public var internalDate: Date

    public init(
        uid: UID, emailID: EmailID, threadID: ThreadID, flags: Set<Flag>, modSeq: ModSeq, size: Int64,
        internalDate: Date
    ) {
        self.uid = uid
        self.emailID = emailID
        self.threadID = threadID
        self.flags = flags
        self.modSeq = modSeq
        self.size = size
        self.internalDate = internalDate
    }
}

/// Everything the store keeps about a message besides its body text.
public struct MessageDetails: Hashable, Sendable {
    public var summary: MessageSummary
    public var blob: BlobRef
    public var headerDate: Date?
    public var subject: String?
    public var from: String
    public var to: String
    public var cc: String
    public var bcc: String
    public var messageIDHeader: String?
    public var inReplyTo: [String]
    public var references: [String]
    public var envelope: Data
    public var bodyStructure: Data
    public var preview: String
    public var hasAttachment: Bool

    public var uid: UID { summary.uid }

    public init(
        summary: MessageSummary, blob: BlobRef, headerDate: Date?, subject: String?, from: String, to: String,
        cc: String, bcc: String, messageIDHeader: String?, inReplyTo: [String], references: [String], envelope: Data,
        bodyStructure: Data, preview: String, hasAttachment: Bool
    ) {
        self.summary = summary
        self.blob = blob
        self.headerDate = headerDate
        self.subject = subject
        self.from = from
        self.to = to
        self.cc = cc
        self.bcc = bcc
        self.messageIDHeader = messageIDHeader
        self.inReplyTo = inReplyTo
        self.references = references
        self.envelope = envelope
        self.bodyStructure = bodyStructure
        self.preview = preview
        self.hasAttachment = hasAttachment
    }
}

public enum FlagOperation: Hashable, Sendable {
    /// STORE +FLAGS
    case add
    /// STORE -FLAGS
    case remove
    /// STORE FLAGS
    case replace
}

public struct FlagUpdate: Hashable, Sendable {
    public var uid: UID
    public var flags: Set<Flag>
    public var modSeq: ModSeq

    public init(uid: UID, flags: Set<Flag>, modSeq: ModSeq) {
        self.uid = uid
        self.flags = flags
        self.modSeq = modSeq
    }
}

public struct FlagUpdateResult: Hashable, Sendable {
    /// Messages whose flags changed, with their new flags and MODSEQ.
    public var updated: [FlagUpdate]
    /// Messages that matched but whose flags were already as asked (MODSEQ not bumped).
    public var unchanged: [FlagUpdate]
    /// RFC 7162 §3.1.3: messages whose MODSEQ is above UNCHANGEDSINCE; not modified.
    public var failed: [UID]
    public var highestModSeq: ModSeq

    public init(updated: [FlagUpdate], unchanged: [FlagUpdate], failed: [UID], highestModSeq: ModSeq) {
        self.updated = updated
        self.unchanged = unchanged
        self.failed = failed
        self.highestModSeq = highestModSeq
    }
}

public struct UIDMapping: Hashable, Sendable {
    public var source: UID
    public var destination: UID

    public init(source: UID, destination: UID) {
        self.source = source
        self.destination = destination
    }
}

/// The result of COPY/MOVE: for COPYUID (RFC 4315 §3), source UIDs in ascending order.
public struct CopyResult: Hashable, Sendable {
    public var destinationUIDValidity: UInt32
    public var mappings: [UIDMapping]

    public init(destinationUIDValidity: UInt32, mappings: [UIDMapping]) {
        self.destinationUIDValidity = destinationUIDValidity
        self.mappings = mappings
    }
}

/// RFC 7162 §3.1.4 / RFC 7162 §3.2.5.2: what changed in a mailbox after a MODSEQ.
public struct MailboxChanges: Hashable, Sendable {
    public var uidValidity: UInt32
    public var highestModSeq: ModSeq
    /// Messages (still present) with MODSEQ greater than `since`, by UID.
    public var changed: [MessageSummary]
    /// Expunged UIDs whose expunge MODSEQ is greater than `since` (VANISHED (EARLIER)), ascending.
    public var vanished: [UID]

    public init(uidValidity: UInt32, highestModSeq: ModSeq, changed: [MessageSummary], vanished: [UID]) {
        self.uidValidity = uidValidity
        self.highestModSeq = highestModSeq
        self.changed = changed
        self.vanished = vanished
    }
}

/// Where a SEARCH looks for a substring (RFC 9051 §6.4.4).
public enum TextScope: Hashable, Sendable {
    /// BODY: the body text.
    case body
    /// TEXT: the header and the body.
    case text
    /// All header fields.
    case headers
    /// HEADER name: the value of the named header field(s); also SUBJECT, FROM, TO, CC, BCC.
    case header(String)
}

/// Usage of one account (Dovecot-like: a message in two mailboxes counts twice).
public struct QuotaUsage: Hashable, Sendable {
    public var account: AccountID
    public var bytes: Int64
    public var messages: Int
    public var limitBytes: Int64?

    public init(account: AccountID, bytes: Int64, messages: Int, limitBytes: Int64?) {
        self.account = account
        self.bytes = bytes
        self.messages = messages
        self.limitBytes = limitBytes
    }
}
