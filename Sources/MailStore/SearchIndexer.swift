// Background full-text indexing: moves body text from `blob_text_pending` into the FTS5 index `blob_text`.
//
// Invariants:
// - A body's text is in exactly one of `blob_text_pending` and `blob_text`; moving a batch is one transaction.
// - SEARCH reads both tables (Search.swift), so whether a body is indexed yet never changes an answer.
// - Why deferred: FTS5 writes one index segment per transaction and merges them later, so indexing the few
//   messages of each group commit cost about twice the CPU of indexing the same messages in batches of a hundred,
//   and it sat on the path of every SMTP "250". Deliveries now only insert plain rows.
// - The indexer starts when no text was queued for `idleDelay`, or at once when about `backlogLimit` rows wait (a
//   sustained load); each transaction moves at most `batchRows` rows or about `batchBytes` of text, so a delivery
//   queued behind it waits tens of milliseconds, not the whole backlog. While text keeps arriving, a transaction
//   moves at most `busyBatchRows` (until the backlog is four times `backlogLimit`), so that a delivery waits
//   about a quarter of that.
// - It runs in one unstructured task owned by the actor. A failed batch (disk full) is logged and retried after
//   `retryDelay`; its rows stay pending and searchable. `stop()` cancels the task and waits for it, before the
//   database closes. Rows left pending by a stop, a crash or another process are picked up at the next open.

import Foundation
import GRDB
import Logging

actor SearchIndexer {
    /// How long the store must be quiet (no new text queued) before indexing starts.
    static let idleDelay: Duration = .milliseconds(250)
    /// With about this many rows waiting, indexing starts without waiting for a quiet moment.
    static let backlogLimit = 1000
    /// Most rows moved into the index in one transaction: about 50 ms for 4 KB messages, so deliveries queued
    /// behind a batch are not held long. Larger batches save little (a sqlite3 measurement: 2,000 bodies of
    /// 3.5 KB cost 5.4 s of CPU four per transaction, 3.5 s at 16, 3.1 s at 64, 3.0 s at 256).
    static let batchRows = 32
    /// Rows per transaction while text keeps arriving: SMTP delivery's p99 under load is one batch (4,000 messages
    /// over 8 connections: p99 72-82 ms with 32 rows, 47-52 ms with this, the same throughput).
    static let busyBatchRows = 8
    /// Text moved in one transaction stops growing at the row that reaches this many characters.
    static let batchBytes = 1024 * 1024
    /// Wait after a failed batch before trying again.
    static let retryDelay: Duration = .seconds(5)

    private let pool: DatabasePool
    private let logger: Logger
    /// Rows believed to wait (an estimate: a body shared by two deliveries is queued once, counted twice).
    private var backlog = 0
    /// Rows queued since the store opened; a batch that emptied the table keeps only those queued meanwhile.
    private var totalQueued = 0
    private var lastQueued = ContinuousClock.now
    private var worker: Task<Void, Never>?
    private var stopped = false

    init(pool: DatabasePool, logger: Logger) {
        self.pool = pool
        self.logger = logger
    }

    /// Notes that `count` rows were committed to `blob_text_pending`.
    func queued(_ count: Int) {
        guard count > 0, !stopped else { return }
        backlog += count
        totalQueued += count
        lastQueued = .now
        if worker == nil { worker = Task { await self.run() } }
    }

    /// Cancels indexing and waits until no batch is in flight. Later `queued` calls do nothing.
    func stop() async {
        stopped = true
        worker?.cancel()
        await worker?.value
    }

    private func run() async {
        while backlog > 0, !Task.isCancelled {
            if backlog < Self.backlogLimit {
                let due = lastQueued + Self.idleDelay
                if due > .now {
                    try? await Task.sleep(until: due)
                    continue
                }
            }
            let queuedBefore = totalQueued
            let busy = lastQueued + Self.idleDelay > .now && backlog < 4 * Self.backlogLimit
            let limit = busy ? Self.busyBatchRows : Self.batchRows
            do {
                let (moved, drained) = try await pool.write { db in try Self.indexBatch(db, limit: limit) }
                backlog = drained ? totalQueued - queuedBefore : max(backlog - moved, 1)
            } catch is CancellationError {
                break
            } catch {
                logger.error("full-text indexing failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: Self.retryDelay)
            }
        }
        worker = nil
    }

    /// Moves the oldest pending rows (at most `limit`) into the index; `drained` when none are left.
    static func indexBatch(_ db: Database, limit: Int = batchRows) throws -> (moved: Int, drained: Bool) {
        let rows = try db.rows(
            "SELECT blob_id, length(headers) + length(body) FROM blob_text_pending ORDER BY blob_id LIMIT ?",
            [limit])
        var ids: [Int64] = []
        var characters = 0
        for row in rows {
            if characters >= batchBytes { break }
            ids.append(row[0])
            characters += row[1] as Int
        }
        guard !ids.isEmpty else { return (0, true) }
        let list = jsonArray(ids)
        try db.run(
            """
            INSERT INTO blob_text(rowid, headers, body)
            SELECT blob_id, headers, body FROM blob_text_pending WHERE blob_id IN (SELECT value FROM json_each(?))
            """, [list])
        try db.run("DELETE FROM blob_text_pending WHERE blob_id IN (SELECT value FROM json_each(?))", [list])
        return (ids.count, ids.count == rows.count && rows.count < limit)
    }
}

extension MailStore {
    /// Moves every pending body into the full-text index now, in one transaction (tests compare the answers of
    /// both states).
    func indexSearchBacklog() async throws {
        try await write { db in
            while try !SearchIndexer.indexBatch(db).drained {}
            return ((), [])
        }
    }
}
