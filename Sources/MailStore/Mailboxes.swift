// Mailboxes and subscriptions of an account.
//
// Invariants:
// - Names use "/" as the hierarchy separator, are Unicode NFC, and have no empty level; "INBOX" is
//   case-insensitive and always stored as "INBOX", also as the first level of a child name
//   (RFC 9051 §5.1).
// - Every level of a name exists as a mailbox: CREATE makes missing parents (RFC 9051 §6.3.4),
//   RENAME makes missing parents of the new name, and DELETE refuses a mailbox that has children.
// - A new mailbox takes the next value of the global UIDVALIDITY counter, so a name that is deleted
//   and created again gets a larger UIDVALIDITY (RFC 9051 §2.3.1.1). A renamed mailbox keeps its id,
//   UIDVALIDITY, UIDs and MODSEQs.
// - Subscriptions are names, not mailboxes: they may name mailboxes that do not exist, and DELETE does
//   not remove them (RFC 9051 §6.3.7). RENAME carries them along with the mailboxes.

import Foundation
import GRDB

extension MailStore {
    /// The hierarchy separator of mailbox names.
    public static let hierarchySeparator: Character = "/"
    /// Longest mailbox name, in UTF-8 bytes.
    public static let maxMailboxNameBytes = 1000
    /// Deepest mailbox hierarchy.
    public static let maxMailboxDepth = 32
    /// Mailboxes every new account gets, all subscribed (RFC 6154 special uses).
    public static let defaultMailboxes: [(name: String, specialUse: SpecialUse?)] = [
        ("INBOX", nil), ("Drafts", .drafts), ("Sent", .sent), ("Trash", .trash), ("Junk", .junk),
        ("Archive", .archive),
    ]

    /// Canonical form of a mailbox name, or `StoreError.invalidName`.
    public static func canonicalMailboxName(_ raw: String) throws -> String {
        let name = raw.precomposedStringWithCanonicalMapping
        guard !name.isEmpty else { throw StoreError.invalidName("a mailbox name cannot be empty") }
        guard name.utf8.count <= maxMailboxNameBytes else {
            throw StoreError.invalidName("a mailbox name can have at most \(maxMailboxNameBytes) bytes")
        }
        var levels = name.split(separator: hierarchySeparator, omittingEmptySubsequences: false).map(String.init)
        guard levels.count <= maxMailboxDepth else {
            throw StoreError.invalidName("mailboxes can be nested at most \(maxMailboxDepth) levels deep")
        }
        guard !levels.contains(where: \.isEmpty) else {
            throw StoreError.invalidName("\"\(raw)\" has an empty level (a leading, trailing or double \"/\")")
        }
        for scalar in name.unicodeScalars {
            // Controls make names unprintable; "*" and "%" are LIST wildcards (RFC 9051 §6.3.9).
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "*" || scalar == "%" {
                throw StoreError.invalidName("\"\(raw)\" contains a control character, \"*\" or \"%\"")
            }
        }
        // RFC 9051 §5.1: INBOX is case-insensitive.
        if levels[0].lowercased() == "inbox" { levels[0] = "INBOX" }
        return levels.joined(separator: String(hierarchySeparator))
    }

    /// All mailboxes of an account: INBOX first, then by name.
    public func mailboxes(account: AccountID) async throws -> [MailboxInfo] {
        try await read { db in
            try db.rows(
                "SELECT \(MailboxRows.columns) FROM mailboxes mb WHERE mb.account_id = ? ORDER BY mb.name != 'INBOX', mb.name",
                [account.rawValue]
            ).map(MailboxRows.info)
        }
    }

    /// A mailbox by name ("INBOX" in any case); nil if it does not exist or the name is invalid.
    public func mailbox(account: AccountID, name: String) async throws -> MailboxInfo? {
        guard let name = try? Self.canonicalMailboxName(name) else { return nil }
        return try await read { db in
            try db.row(
                "SELECT \(MailboxRows.columns) FROM mailboxes mb WHERE mb.account_id = ? AND mb.name = ?",
                [account.rawValue, name]
            ).map(MailboxRows.info)
        }
    }

    /// A mailbox by id; nil if it does not exist (any more).
    public func mailbox(id: MailboxID) async throws -> MailboxInfo? {
        try await read { db in
            try db.row("SELECT \(MailboxRows.columns) FROM mailboxes mb WHERE mb.id = ?", [id.rawValue]).map(
                MailboxRows.info)
        }
    }

    /// CREATE (RFC 9051 §6.3.4): creates missing parents too; a trailing "/" is ignored.
    @discardableResult
    public func createMailbox(account: AccountID, name: String, specialUse: SpecialUse? = nil) async throws
        -> MailboxInfo
    {
        var raw = name
        if raw.count > 1, raw.last == Self.hierarchySeparator { raw.removeLast() }
        let name = try Self.canonicalMailboxName(raw)
        return try await write { db in
            guard try Rows.accountExists(db, account) else { throw StoreError.notFound("The account \(account)") }
            if try MailboxRows.id(db, account, name) != nil {
                throw StoreError.alreadyExists("The mailbox \(name)")
            }
            let now = Date()
            var events = try MailboxRows.createParents(db, account, of: name, now: now)
            let id = try MailboxRows.insert(db, account, name, specialUse: specialUse, now: now)
            events.append(.mailboxCreated(account: account, mailbox: id, name: name))
            try Rows.bumpAccountState(db, account)
            let info = try MailboxRows.info(db, id)
            return (info, events)
        }
    }

    /// DELETE (RFC 9051 §6.3.5): removes the mailbox and its messages. INBOX cannot be deleted; a
    /// mailbox with children is refused (`notEmpty`) rather than kept as a \Noselect placeholder.
    public func deleteMailbox(account: AccountID, name: String) async throws {
        let name = try Self.canonicalMailboxName(name)
        guard name != "INBOX" else { throw StoreError.invalidName("INBOX cannot be deleted") }
        try await write { db -> ((), [StoreChange]) in
            guard let id = try MailboxRows.id(db, account, name) else {
                throw StoreError.notFound("The mailbox \(name)")
            }
            if try db.int(
                "SELECT 1 FROM mailboxes WHERE account_id = ? AND substr(name, 1, ?) = ? LIMIT 1",
                [account.rawValue, name.unicodeScalars.count + 1, name + "/"]) != nil
            {
                throw StoreError.notEmpty("The mailbox \(name) (it has child mailboxes)")
            }
            try db.run("DELETE FROM mailbox_messages WHERE mailbox_id = ?", [id.rawValue])
            try db.run("DELETE FROM mailboxes WHERE id = ?", [id.rawValue])
            try Rows.bumpAccountState(db, account)
            return ((), [.mailboxDeleted(account: account, mailbox: id, name: name)])
        }
    }

    /// RENAME (RFC 9051 §6.3.6): renames the mailbox and its children, creating missing parents of the
    /// new name. Renaming INBOX moves all its messages to a new mailbox and leaves INBOX empty (its
    /// children stay where they are).
    public func renameMailbox(account: AccountID, from: String, to: String) async throws {
        let from = try Self.canonicalMailboxName(from)
        let to = try Self.canonicalMailboxName(to)
        guard !isInside(to, from) else {
            throw StoreError.invalidName("a mailbox cannot be moved inside itself")
        }
        try await write { db -> ((), [StoreChange]) in
            guard let id = try MailboxRows.id(db, account, from) else {
                throw StoreError.notFound("The mailbox \(from)")
            }
            if try MailboxRows.id(db, account, to) != nil { throw StoreError.alreadyExists("The mailbox \(to)") }
            let now = Date()
            var events = try MailboxRows.createParents(db, account, of: to, now: now)
            if from == "INBOX" {
                // RFC 9051 §6.3.6: renaming INBOX moves its messages to the new name; INBOX stays.
                let newID = try MailboxRows.insert(db, account, to, specialUse: nil, now: now)
                events.append(.mailboxCreated(account: account, mailbox: newID, name: to))
                let uids = try db.rows("SELECT uid FROM mailbox_messages WHERE mailbox_id = ?", [id.rawValue]).map {
                    UID(UInt32($0[0] as Int64))
                }
                if !uids.isEmpty {
                    let (_, moveEvents) = try MessageWriter.copy(db, from: id, uids: uids, to: newID, move: true)
                    events += moveEvents
                }
            } else {
                let family = try db.rows(
                    "SELECT id, name FROM mailboxes WHERE account_id = ? AND (name = ? OR substr(name, 1, ?) = ?)",
                    [account.rawValue, from, from.unicodeScalars.count + 1, from + "/"])
                for row in family {
                    let oldName: String = row[1]
                    let newName = replacingPrefix(oldName, from, to)
                    if try MailboxRows.id(db, account, newName) != nil {
                        throw StoreError.alreadyExists("The mailbox \(newName)")
                    }
                }
                for row in family {
                    let oldName: String = row[1]
                    let newName = replacingPrefix(oldName, from, to)
                    try db.run("UPDATE mailboxes SET name = ? WHERE id = ?", [newName, row[0] as Int64])
                    events.append(
                        .mailboxRenamed(
                            account: account, mailbox: MailboxID(rawValue: row[0]), from: oldName, to: newName)
                    )
                }
                // Subscriptions follow the mailboxes.
                let subscribed = try db.rows(
                    "SELECT name FROM subscriptions WHERE account_id = ? AND (name = ? OR substr(name, 1, ?) = ?)",
                    [account.rawValue, from, from.unicodeScalars.count + 1, from + "/"])
                for row in subscribed {
                    let oldName: String = row[0]
                    try db.run(
                        "DELETE FROM subscriptions WHERE account_id = ? AND name = ?", [account.rawValue, oldName])
                    try db.run(
                        "INSERT OR IGNORE INTO subscriptions(account_id, name) VALUES (?, ?)",
                        [account.rawValue, replacingPrefix(oldName, from, to)])
                }
            }
            try Rows.bumpAccountState(db, account)
            return ((), events)
        }
    }

    /// SUBSCRIBE / UNSUBSCRIBE (RFC 9051 §6.3.7, §6.3.8): the name need not exist.
    public func setSubscribed(account: AccountID, name: String, _ subscribed: Bool) async throws {
        let name = try Self.canonicalMailboxName(name)
        try await write { db -> ((), [StoreChange]) in
            guard try Rows.accountExists(db, account) else { throw StoreError.notFound("The account \(account)") }
            if subscribed {
                try db.run(
                    "INSERT OR IGNORE INTO subscriptions(account_id, name) VALUES (?, ?)", [account.rawValue, name])
            } else {
                try db.run("DELETE FROM subscriptions WHERE account_id = ? AND name = ?", [account.rawValue, name])
            }
            return ((), [])
        }
    }

    /// Subscribed names, sorted.
    public func subscriptions(account: AccountID) async throws -> [String] {
        try await read { db in
            try String.fetchAll(
                db, sql: "SELECT name FROM subscriptions WHERE account_id = ? ORDER BY name",
                arguments: [account.rawValue])
        }
    }
}

/// True if `name` is a child (at any depth) of `parent`. Compares Unicode scalars, as SQLite's substr does.
func isInside(_ name: String, _ parent: String) -> Bool {
    name.unicodeScalars.starts(with: (parent + "/").unicodeScalars)
}

/// `old` with its leading `from` (a whole level) replaced by `to`.
func replacingPrefix(_ old: String, _ from: String, _ to: String) -> String {
    var result = to.unicodeScalars
    result.append(contentsOf: old.unicodeScalars.dropFirst(from.unicodeScalars.count))
    return String(result)
}

enum MailboxRows {
    static let columns = """
        mb.id, mb.account_id, mb.name, mb.special_use, \
        EXISTS (SELECT 1 FROM subscriptions s WHERE s.account_id = mb.account_id AND s.name = mb.name), \
        mb.uid_validity, mb.uid_next, mb.highest_modseq, mb.message_count, mb.unseen_count, mb.size_bytes
        """

    static func info(_ row: Row) -> MailboxInfo {
        MailboxInfo(
            id: MailboxID(rawValue: row[0]), account: AccountID(rawValue: row[1]), name: row[2],
            specialUse: (row[3] as String?).flatMap(SpecialUse.init(rawValue:)), subscribed: row[4],
            uidValidity: UInt32(row[5] as Int64), uidNext: UID(UInt32(clamping: row[6] as Int64)),
            highestModSeq: ModSeq(UInt64(row[7] as Int64)), messageCount: Int(row[8] as Int64),
            unseenCount: Int(row[9] as Int64), size: row[10])
    }

    static func info(_ db: Database, _ id: MailboxID) throws -> MailboxInfo {
        guard let row = try db.row("SELECT \(columns) FROM mailboxes mb WHERE mb.id = ?", [id.rawValue]) else {
            throw StoreError.notFound("The mailbox \(id)")
        }
        return info(row)
    }

    static func id(_ db: Database, _ account: AccountID, _ name: String) throws -> MailboxID? {
        try db.int("SELECT id FROM mailboxes WHERE account_id = ? AND name = ?", [account.rawValue, name]).map(
            MailboxID.init(rawValue:))
    }

    /// A new mailbox with the next UIDVALIDITY.
    static func insert(_ db: Database, _ account: AccountID, _ name: String, specialUse: SpecialUse?, now: Date)
        throws -> MailboxID
    {
        guard
            let uidValidity = try db.int(
                "UPDATE counters SET value = value + 1 WHERE name = 'uidvalidity' RETURNING value")
        else { throw StoreError.storage("the UIDVALIDITY counter is missing") }
        // RFC 9051 §2.3.1.1: UIDVALIDITY is a nonzero 32-bit number.
        guard uidValidity > 0, uidValidity <= Int64(UInt32.max) else {
            throw StoreError.limitExceeded("the UIDVALIDITY counter is exhausted")
        }
        try db.run(
            "INSERT INTO mailboxes(account_id, name, special_use, uid_validity, created_at) VALUES (?, ?, ?, ?, ?)",
            [account.rawValue, name, specialUse?.rawValue, uidValidity, now.storeValue])
        return MailboxID(rawValue: db.lastInsertedRowID)
    }

    /// Creates the missing superior levels of `name` (RFC 9051 §6.3.4).
    static func createParents(_ db: Database, _ account: AccountID, of name: String, now: Date) throws
        -> [StoreChange]
    {
        var events: [StoreChange] = []
        let levels = name.split(separator: MailStore.hierarchySeparator)
        var prefix = ""
        for level in levels.dropLast() {
            prefix += prefix.isEmpty ? String(level) : "/" + level
            if try id(db, account, prefix) == nil {
                let id = try insert(db, account, prefix, specialUse: nil, now: now)
                events.append(.mailboxCreated(account: account, mailbox: id, name: prefix))
            }
        }
        return events
    }
}
