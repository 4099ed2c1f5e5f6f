// Group commit of appends, deliveries and outbound queue changes.
//
// Invariants:
// - Requests queue in the actor. While one transaction is in flight, new requests wait in the queue;
//   when it commits, the next transaction takes all waiting requests (up to maxGroupCommitBatch). So
//   under load many appends share one commit (one WAL fsync), and a lone append waits for nobody.
// - Each request runs inside its own SAVEPOINT: a request that fails (over quota, unknown mailbox,
//   missing blob) is rolled back alone and its caller gets its error; the others commit.
// - A caller is resumed only after the transaction that contains its request committed (or failed as
//   a whole, in which case every caller of that batch gets the error and nothing of it is stored).
// - Events are published after the commit, before the callers are resumed.
// - The drain loop runs in an unstructured task: a cancelled caller does not cancel a transaction
//   that carries other callers' appends.

import GRDB
import Logging
import Synchronization

/// How the group committer has batched work so far.
public struct CommitStatistics: Hashable, Sendable {
    /// Write transactions committed by the group committer.
    public var transactions = 0
    /// Append and delivery requests that went through it (successful or not).
    public var requests = 0
    /// The largest number of requests in one transaction.
    public var largestBatch = 0
}

enum BatchItem: Sendable {
    case append(AppendRequest)
    /// Several messages appended all or nothing (RFC 3502 MULTIAPPEND).
    case appendAll([AppendRequest])
    case deliver(DeliveryRequest)
    /// A message for the outbound queue (submission): shares the commit with concurrent deliveries.
    case enqueue(OutboundMessage)
    /// Queue recipients that are done (the queue runner, after delivery or a handed-on DSN).
    case finishQueue([QueueRecipientID])
}

extension BatchItem {
    /// Bodies this item stores (at most this many rows queued for the full-text index).
    var bodies: Int {
        switch self {
        case .append, .deliver: 1
        case .appendAll(let requests): requests.count
        case .enqueue, .finishQueue: 0
        }
    }
}

enum BatchResult: Sendable {
    case appended([AppendResult])
    case queued(QueueMessageID)
    case done
}

actor GroupCommitter {
    private struct Pending {
        let item: BatchItem
        let continuation: CheckedContinuation<BatchResult, any Error>
    }

    private let pool: DatabasePool
    private let blobs: BlobStore
    private let feed: ChangeFeed
    private let indexer: SearchIndexer
    private let logger: Logger
    private var queue: [Pending] = []
    private var draining = false
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    nonisolated let statistics = Mutex(CommitStatistics())

    init(pool: DatabasePool, blobs: BlobStore, feed: ChangeFeed, indexer: SearchIndexer, logger: Logger) {
        self.pool = pool
        self.blobs = blobs
        self.feed = feed
        self.indexer = indexer
        self.logger = logger
    }

    func submit(_ item: BatchItem) async throws -> BatchResult {
        try await withCheckedThrowingContinuation { continuation in
            queue.append(Pending(item: item, continuation: continuation))
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
    }

    /// Returns when the queue is empty and no transaction is in flight.
    func stop() async {
        guard draining else { return }
        await withCheckedContinuation { idleWaiters.append($0) }
    }

    private func drain() async {
        while !queue.isEmpty {
            let count = min(queue.count, MailStore.maxGroupCommitBatch)
            let batch = Array(queue.prefix(count))
            queue.removeFirst(count)
            let items = batch.map(\.item)
            let blobs = self.blobs
            do {
                let outcomes = try await pool.write { db in
                    try MessageWriter.applyBatch(items, db: db, blobs: blobs)
                }
                statistics.withLock {
                    $0.transactions += 1
                    $0.requests += batch.count
                    $0.largestBatch = max($0.largestBatch, batch.count)
                }
                var appended: [StoreChange] = []
                var texts = 0
                for (item, outcome) in zip(items, outcomes) {
                    if case .success(.appended(let results)) = outcome {
                        appended += MessageWriter.appendEvents(results)
                        texts += item.bodies
                    }
                }
                feed.publish(appended)
                await indexer.queued(texts)
                for (pending, outcome) in zip(batch, outcomes) {
                    pending.continuation.resume(with: outcome.mapError { MailStore.mapError($0) })
                }
            } catch {
                logger.error("group commit failed", metadata: ["requests": "\(batch.count)", "error": "\(error)"])
                let mapped = MailStore.mapError(error)
                for pending in batch { pending.continuation.resume(throwing: mapped) }
            }
        }
        draining = false
        let waiters = idleWaiters
        idleWaiters = []
        for waiter in waiters { waiter.resume() }
    }
}
