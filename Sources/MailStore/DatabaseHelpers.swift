// Small helpers over GRDB's Database: cached statements for the statements that run on every
// request, and the shared row-level operations (UID and MODSEQ allocation, quota, account state).
//
// Invariants:
// - `allocateUIDs` and `bumpModSeq` are the only writers of `uid_next` and `highest_modseq`, and they
//   only increase them: UIDs are never reused (RFC 9051 §2.3.1.1), MODSEQ strictly grows (RFC 7162 §3.1).
// - They run inside the caller's write transaction; a rollback returns both to their old values
//   together with everything else, so a UID is "used" exactly when a committed row used it.

import Foundation
import GRDB
import GRDBSQLite

extension Database {
    func run(_ sql: String, _ arguments: StatementArguments = StatementArguments()) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }

    func int(_ sql: String, _ arguments: StatementArguments = StatementArguments()) throws -> Int64? {
        try Int64.fetchOne(cachedStatement(sql: sql), arguments: arguments)
    }

    func row(_ sql: String, _ arguments: StatementArguments = StatementArguments()) throws -> Row? {
        try Row.fetchOne(cachedStatement(sql: sql), arguments: arguments)
    }

    func rows(_ sql: String, _ arguments: StatementArguments = StatementArguments()) throws -> [Row] {
        try Row.fetchAll(cachedStatement(sql: sql), arguments: arguments)
    }

    /// Calls `body` for each row, read in place through SQLite's column functions: for queries that return a
    /// whole mailbox, where GRDB's copied, generically decoded `Row`s cost several times the query itself.
    func eachRow(_ sql: String, _ arguments: StatementArguments, _ body: (RawRow) throws -> Void) throws {
        let statement = try cachedStatement(sql: sql)
        let cursor = try Row.fetchCursor(statement, arguments: arguments)
        let raw = RawRow(statement: statement.sqliteStatement)
        while try cursor.next() != nil { try body(raw) }
    }
}

/// The current row of a statement stepped by `eachRow`; valid only inside its `body`.
struct RawRow {
    let statement: SQLiteStatement

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(statement, column) }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }

    /// A TEXT column; "" for NULL.
    func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(statement, column) else { return "" }
        let count = Int(sqlite3_column_bytes(statement, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }

    /// A TEXT column's UTF-8 bytes where SQLite holds them (empty for NULL), valid only inside `body`.
    func withText<T>(_ column: Int32, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
        guard let bytes = sqlite3_column_text(statement, column) else {
            return try body(UnsafeBufferPointer(start: nil, count: 0))
        }
        return try body(UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(statement, column))))
    }

    /// A BLOB column; empty for NULL.
    func data(_ column: Int32) -> Data {
        guard let bytes = sqlite3_column_blob(statement, column) else { return Data() }
        return Data(bytes: bytes, count: Int(sqlite3_column_bytes(statement, column)))
    }
}

/// The identity of a mailbox as writes need it.
struct MailboxState {
    let id: MailboxID
    let account: AccountID
    let name: String
    let uidValidity: UInt32
    let highestModSeq: Int64
}

enum Rows {
    static func mailboxState(_ db: Database, _ id: MailboxID) throws -> MailboxState {
        guard
            let row = try db.row(
                "SELECT account_id, name, uid_validity, highest_modseq FROM mailboxes WHERE id = ?", [id.rawValue])
        else { throw StoreError.notFound("The mailbox \(id)") }
        return MailboxState(
            id: id, account: AccountID(rawValue: row[0]), name: row[1], uidValidity: UInt32(row[2] as Int64),
            highestModSeq: row[3])
    }

    /// Reserves `count` consecutive UIDs; returns the first.
    static func allocateUIDs(_ db: Database, _ mailbox: MailboxID, count: Int) throws -> UInt32 {
        guard
            let next = try db.int(
                "UPDATE mailboxes SET uid_next = uid_next + ? WHERE id = ? RETURNING uid_next",
                [count, mailbox.rawValue])
        else { throw StoreError.notFound("The mailbox \(mailbox)") }
        // RFC 9051 §2.3.1.1: UIDs are 32-bit; when they run out, the mailbox would need a new UIDVALIDITY.
        guard next - 1 <= Int64(UInt32.max) else {
            throw StoreError.limitExceeded("the mailbox has used all 4294967295 UIDs; create a new mailbox")
        }
        return UInt32(next - Int64(count))
    }

    /// One new MODSEQ for one change operation on a mailbox (RFC 7162 §3.1: strictly increasing).
    static func bumpModSeq(_ db: Database, _ mailbox: MailboxID) throws -> Int64 {
        guard
            let value = try db.int(
                "UPDATE mailboxes SET highest_modseq = highest_modseq + 1 WHERE id = ? RETURNING highest_modseq",
                [mailbox.rawValue])
        else { throw StoreError.notFound("The mailbox \(mailbox)") }
        return value
    }

    /// The per-account state counter (JMAP state, DAV sync tokens): one step per change operation.
    static func bumpAccountState(_ db: Database, _ account: AccountID) throws {
        try db.run("UPDATE accounts SET modseq = modseq + 1 WHERE id = ?", [account.rawValue])
    }

    /// Throws `overQuota` if adding `bytes` would take the account over its quota.
    static func checkQuota(_ db: Database, _ account: AccountID, adding bytes: Int64) throws {
        guard let row = try db.row("SELECT quota_bytes, usage_bytes FROM accounts WHERE id = ?", [account.rawValue])
        else { throw StoreError.notFound("The account \(account)") }
        if let quota = row[0] as Int64?, (row[1] as Int64) + bytes > quota {
            throw StoreError.overQuota
        }
    }

    static func accountExists(_ db: Database, _ account: AccountID) throws -> Bool {
        try db.int("SELECT 1 FROM accounts WHERE id = ?", [account.rawValue]) != nil
    }

    /// Columns for `summary(_:flags:)`, all from `mm` = mailbox_messages (v8 copied the two that live in messages).
    static let summaryColumns =
        "mm.uid, mm.message_id, mm.thread_id, mm.sysflags, mm.keywords, mm.modseq, mm.size, mm.internal_date"

    /// A message's summary from a raw row; `flags` caches the flag sets already built, since a mailbox has few
    /// distinct combinations and building a Set<Flag> per message was a tenth of a SELECT.
    static func summary(_ row: RawRow, flags: inout [StoredFlags: Set<Flag>]) -> MessageSummary {
        let stored = StoredFlags(system: row.int64(3), keywords: row.text(4))
        let set: Set<Flag>
        if let cached = flags[stored] {
            set = cached
        } else {
            set = stored.flags
            flags[stored] = set
        }
        return MessageSummary(
            uid: UID(UInt32(truncatingIfNeeded: row.int64(0))),
            emailID: EmailID(rawValue: row.int64(1)),
            threadID: ThreadID(rawValue: row.int64(2)),
            flags: set,
            modSeq: ModSeq(UInt64(bitPattern: row.int64(5))),
            size: row.int64(6),
            internalDate: Date(storeValue: row.double(7)))
    }

    /// Every summary a query over `summaryColumns` returns, in order.
    static func summaries(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws -> [MessageSummary] {
        var result: [MessageSummary] = []
        var flags: [StoredFlags: Set<Flag>] = [:]
        try db.eachRow(sql, arguments) { result.append(summary($0, flags: &flags)) }
        return result
    }
}
