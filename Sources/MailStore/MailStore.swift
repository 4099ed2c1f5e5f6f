// MailStore: the one place where Mailroom keeps mail, mailboxes and directory records.
//
// Implementation notes (invariants every file of this target keeps):
// - Storage: SQLite in WAL mode through a GRDB DatabasePool at `<dataDir>/mailroom.sqlite`, with
//   `PRAGMA synchronous=FULL` (a commit is durable when it returns) and foreign keys on. Only this
//   target imports GRDB; the API returns Mailroom's own value types and StoreError.
// - No database or file work on the caller's thread: database work runs on GRDB's own dispatch
//   queues through its async API; blob file work on `BlobStore.ioQueues`. Neither is a NIO event loop.
// - Commit, then publish: change events go to `changeFeed` only after the transaction committed; an
//   append's caller resumes only after the transaction containing its append committed.
// - Appends and deliveries are group-committed (GroupCommitter): many callers, one transaction, one
//   fsync; each request runs in its own savepoint so one failure does not fail the others.
// - Several processes may open the same data directory (`serve` and admin commands): SQLite's locks
//   serialize writers (`busyTimeout`); the change feed only sees this process's changes.
// - Per mailbox: UIDVALIDITY from a global counter that only grows, UIDs strictly ascending and
//   never reused (uid_next only grows), one MODSEQ per change operation, strictly increasing.

import Foundation
import GRDB
import Logging
import Synchronization

public final class MailStore: Sendable {
    /// The database file inside the data directory.
    public static let databaseFileName = "mailroom.sqlite"
    /// How long a writer waits for another process's write lock before failing.
    public static let busyTimeout: TimeInterval = 10
    /// Most appends/deliveries in one group-commit transaction.
    public static let maxGroupCommitBatch = 256
    /// Blob files younger than this are never swept (a body written for an append still in flight).
    public static let blobSweepGracePeriod: TimeInterval = 3600
    /// Body text beyond this many UTF-8 bytes is not indexed for SEARCH.
    public static let maxIndexedTextBytes = 4 * 1024 * 1024
    /// Login events kept by `recordLogin` (older ones are deleted).
    public static let maxStoredLogins = 100_000
    /// Database connections for concurrent reads.
    public static let maxReaders = 4

    public let dataDirectory: URL
    /// Committed changes, per account: IMAP IDLE, JMAP push, POP3 locks listen here.
    public let changeFeed: ChangeFeed
    /// Rung after a message was queued for outbound delivery, so the queue runner starts at once.
    public let queueBell = QueueBell()
    let pool: DatabasePool
    let blobs: BlobStore
    let committer: GroupCommitter
    let indexer: SearchIndexer
    let logger: Logger
    private let isClosed = Mutex(false)

    private init(dataDirectory: URL, pool: DatabasePool, blobs: BlobStore, logger: Logger) {
        self.dataDirectory = dataDirectory
        self.pool = pool
        self.blobs = blobs
        self.logger = logger
        let feed = ChangeFeed()
        self.changeFeed = feed
        let indexer = SearchIndexer(pool: pool, logger: logger)
        self.indexer = indexer
        self.committer = GroupCommitter(pool: pool, blobs: blobs, feed: feed, indexer: indexer, logger: logger)
    }

    /// Opens (creating if needed) the store in `dataDirectory` and brings its schema up to date.
    /// Throws `StoreError.schemaTooNew` if a newer Mailroom wrote it.
    public static func open(dataDirectory: URL, logger: Logger = Logger(label: "mailroom.store")) async throws
        -> MailStore
    {
        let dir = dataDirectory.standardizedFileURL
        let path = dir.path
        do {
            let (pool, blobs, unindexed) = try await BlobStore.io { () throws -> (DatabasePool, BlobStore, Int) in
                try FileManager.default.createDirectory(
                    atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                let blobs = BlobStore(dataDirectory: path)
                try blobs.prepare()
                let pool = try DatabasePool(path: path + "/" + databaseFileName, configuration: configuration())
                let migrator = Schema.migrator
                let applied = try pool.read { try migrator.appliedIdentifiers($0) }
                let unknown = applied.subtracting(migrator.migrations).sorted()
                if !unknown.isEmpty {
                    try? pool.close()
                    throw StoreError.schemaTooNew(
                        "The data directory \(path) was written by a newer version of Mailroom (it has the "
                            + "schema migration\(unknown.count == 1 ? "" : "s") \(unknown.joined(separator: ", ")), "
                            + "which this version does not know). Run that newer version, or restore a backup made "
                            + "with this one.")
                }
                // DatabasePool switches its writer to synchronous=NORMAL when it enables WAL, after
                // prepareDatabase ran: set FULL again on the writer (the only connection that commits).
                let mode = try pool.writeWithoutTransaction { db -> Int64? in
                    try db.execute(sql: "PRAGMA synchronous = FULL")
                    return try Int64.fetchOne(db, sql: "PRAGMA synchronous")
                }
                guard mode == 2 else { throw StoreError.storage("SQLite refused synchronous=FULL") }
                try migrator.migrate(pool)
                let unindexed = try pool.read { try $0.int("SELECT count(*) FROM blob_text_pending") } ?? 0
                return (pool, blobs, Int(unindexed))
            }
            logger.debug("mail store open", metadata: ["path": "\(path)"])
            let store = MailStore(dataDirectory: dir, pool: pool, blobs: blobs, logger: logger)
            await store.indexer.queued(unindexed)
            return store
        } catch {
            throw mapError(error)
        }
    }

    static func configuration() -> Configuration {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(busyTimeout)
        config.maximumReaderCount = maxReaders
        config.label = "mailroom.store"
        config.prepareDatabase { db in
            // A commit is durable when it returns: WAL is fsynced at every commit.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            db.add(function: containsFunction())
        }
        return config
    }

    /// `mailroom_contains(haystack, needle)`: Unicode case-insensitive substring test, for SEARCH
    /// strings too short for the trigram index (RFC 9051 §6.4.4).
    static func containsFunction() -> DatabaseFunction {
        DatabaseFunction("mailroom_contains", argumentCount: 2, pure: true) { values in
            guard let haystack = String.fromDatabaseValue(values[0]),
                let needle = String.fromDatabaseValue(values[1])
            else { return false }
            return textContains(haystack, needle)
        }
    }

    /// Waits for queued appends, then closes the database. Later calls throw `StoreError.closed`.
    public func close() async throws {
        let first = isClosed.withLock { closed in
            defer { closed = true }
            return !closed
        }
        guard first else { return }
        await committer.stop()
        await indexer.stop()
        changeFeed.finishAll()
        let pool = self.pool
        do {
            try await BlobStore.io { try pool.close() }
        } catch {
            throw Self.mapError(error)
        }
    }

    /// Statistics of the group committer (how many transactions carried how many appends).
    public var commitStatistics: CommitStatistics { committer.statistics.withLock { $0 } }

    // MARK: Database access

    func checkOpen() throws {
        if isClosed.withLock({ $0 }) { throw StoreError.closed }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try checkOpen()
        do {
            return try await pool.read(body)
        } catch {
            throw Self.mapError(error)
        }
    }

    /// One write transaction; `body` returns a value and the events to publish after the commit.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> (T, [StoreChange])) async throws -> T {
        try checkOpen()
        do {
            let (value, events) = try await pool.write(body)
            changeFeed.publish(events)
            return value
        } catch {
            throw Self.mapError(error)
        }
    }

    /// Turns database and file errors into StoreError (callers never see GRDB types).
    static func mapError(_ error: any Error) -> any Error {
        switch error {
        case is StoreError, is CancellationError:
            return error
        case let e as DatabaseError:
            switch e.resultCode {
            case .SQLITE_FULL: return StoreError.outOfSpace("the disk is full")
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                return StoreError.storage("the database stayed locked by another process for \(Int(busyTimeout)) s")
            case .SQLITE_CORRUPT, .SQLITE_NOTADB: return StoreError.storage("the database file is damaged: \(e)")
            default: return StoreError.storage("\(e)")
            }
        case let e as FileError:
            if case .posix(_, let code) = e, code == ENOSPC || code == EDQUOT {
                return StoreError.outOfSpace(e.description)
            }
            return StoreError.storage(e.description)
        default:
            return StoreError.storage("\(error)")
        }
    }
}

/// Unicode case-insensitive substring test.
func textContains(_ haystack: String, _ needle: String) -> Bool {
    if needle.isEmpty { return true }
    if let found = asciiContains(haystack, needle) { return found }
    return haystack.range(of: needle, options: [.caseInsensitive]) != nil
}

/// The case-insensitive substring test of two ASCII strings, byte by byte; nil when either has a non-ASCII byte. For
/// ASCII on both sides Unicode case folding is ASCII's (a non-ASCII haystack may still match an ASCII needle, the
/// Kelvin sign K for "k", so it goes to Foundation). Most header columns and needles are ASCII: SEARCH FROM over
/// 100,000 rows spent its time in Foundation's general search.
func asciiContains(_ haystack: String, _ needle: String) -> Bool? {
    let result = haystack.utf8.withContiguousStorageIfAvailable { h -> Bool? in
        needle.utf8.withContiguousStorageIfAvailable { n -> Bool? in asciiContains(h, n) } ?? nil
    }
    return result ?? nil
}

/// `asciiContains` over UTF-8 bytes (a column read in place).
func asciiContains(_ h: UnsafeBufferPointer<UInt8>, _ n: UnsafeBufferPointer<UInt8>) -> Bool? {
    @inline(__always) func lower(_ byte: UInt8) -> UInt8 { byte &- 0x41 < 26 ? byte | 0x20 : byte }
    guard !n.contains(where: { $0 >= 0x80 }), !h.contains(where: { $0 >= 0x80 }) else { return nil }
    if n.isEmpty { return true }
    guard n.count <= h.count else { return false }
    let first = lower(n[0])
    var i = 0
    while i <= h.count - n.count {
        if lower(h[i]) == first {
            var j = 1
            while j < n.count, lower(h[i + j]) == lower(n[j]) { j += 1 }
            if j == n.count { return true }
        }
        i += 1
    }
    return false
}

/// `[1,2,3]`: an argument for `json_each(?)`, so one cached statement takes a list of any length.
func jsonArray<S: Sequence>(_ values: S) -> String where S.Element: BinaryInteger {
    "[" + values.map { String($0) }.joined(separator: ",") + "]"
}

func jsonArray(_ uids: [UID]) -> String {
    jsonArray(uids.map(\.rawValue))
}

extension Date {
    var storeValue: Double { timeIntervalSince1970 }
    init(storeValue: Double) { self.init(timeIntervalSince1970: storeValue) }
}

// MARK: - Maintenance

extension MailStore {
    /// SQLite's integrity and foreign-key checks; empty when the database is sound.
    public func checkIntegrity() async throws -> [String] {
        try await read { db in
            var problems = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
            let fk = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check")
            problems += fk.map { "foreign key violation in \($0[0] as String? ?? "?") row \($0[1] as Int64? ?? 0)" }
            return problems
        }
    }

    /// Runs raw SQL; for tests that simulate states the API cannot produce (e.g. a newer schema).
    func debugExecute(_ sql: String) async throws {
        try await write { db in
            try db.execute(sql: sql)
            return ((), [])
        }
    }

    /// How SQLite's planner runs a query (the `detail` of each EXPLAIN QUERY PLAN row); for tests.
    func debugQueryPlan(_ sql: String) async throws -> [String] {
        try await read { db in try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] } }
    }

    /// The first column of the first row of a query, on a reader connection; for tests.
    func debugValue(_ sql: String) async throws -> String? {
        try await read { db in try String.fetchOne(db, sql: sql) }
    }

    /// The same on the writer connection (per-connection pragmas such as `synchronous`).
    func debugWriterValue(_ sql: String) async throws -> String? {
        try checkOpen()
        return try await pool.writeWithoutTransaction { db in try String.fetchOne(db, sql: sql) }
    }
}
