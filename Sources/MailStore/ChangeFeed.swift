// In-process publish/subscribe of committed changes, keyed by account (and optionally mailbox).
//
// Invariants:
// - The store publishes an event only after the transaction that made the change committed
//   ("commit, then publish"), so a subscriber that reacts by reading sees the change.
// - Publishing never blocks and never waits for a subscriber: each subscriber has a bounded buffer
//   (`bufferLimit`); when it overflows, the oldest events are dropped and a `.resync` marker is queued
//   after the newest, so a slow subscriber learns that it must re-read (e.g. CONDSTORE `changes(since:)`).
// - Events are hints about what changed; the database stays the source of truth.
// - Only changes made through this MailStore instance are seen (another process writing the same data
//   directory, e.g. an admin command, is not); PostgreSQL LISTEN/NOTIFY will feed this later.

import Synchronization

public enum StoreChange: Hashable, Sendable {
    case messagesAppended(account: AccountID, mailbox: MailboxID, uids: [UID])
    case flagsChanged(account: AccountID, mailbox: MailboxID, uids: [UID])
    case expunged(account: AccountID, mailbox: MailboxID, uids: [UID])
    case mailboxCreated(account: AccountID, mailbox: MailboxID, name: String)
    case mailboxDeleted(account: AccountID, mailbox: MailboxID, name: String)
    case mailboxRenamed(account: AccountID, mailbox: MailboxID, from: String, to: String)
    case accountRemoved(account: AccountID)
    /// Events were dropped for this subscriber: re-read the state you care about.
    case resync(account: AccountID)

    public var account: AccountID {
        switch self {
        case .messagesAppended(let a, _, _), .flagsChanged(let a, _, _), .expunged(let a, _, _),
            .mailboxCreated(let a, _, _), .mailboxDeleted(let a, _, _), .mailboxRenamed(let a, _, _, _),
            .accountRemoved(let a), .resync(let a):
            a
        }
    }

    /// The mailbox the event is about; nil for account-wide events.
    public var mailbox: MailboxID? {
        switch self {
        case .messagesAppended(_, let m, _), .flagsChanged(_, let m, _), .expunged(_, let m, _),
            .mailboxCreated(_, let m, _), .mailboxDeleted(_, let m, _), .mailboxRenamed(_, let m, _, _):
            m
        case .accountRemoved, .resync: nil
        }
    }
}

public final class ChangeFeed: Sendable {
    /// Events buffered per subscriber before the oldest are dropped (and `.resync` is queued).
    public static let bufferLimit = 1024

    private struct Subscriber: Sendable {
        let account: AccountID
        let mailbox: MailboxID?
        let continuation: AsyncStream<StoreChange>.Continuation
    }

    private struct State {
        var nextID: UInt64 = 0
        var subscribers: [UInt64: Subscriber] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Events of one account; with `mailbox`, only that mailbox's events plus account-wide ones.
    /// The stream ends when the caller stops iterating (or drops it).
    public func subscribe(account: AccountID, mailbox: MailboxID? = nil) -> AsyncStream<StoreChange> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: StoreChange.self, bufferingPolicy: .bufferingNewest(ChangeFeed.bufferLimit))
        let id = state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = Subscriber(account: account, mailbox: mailbox, continuation: continuation)
            return id
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Number of live subscribers (for tests and metrics).
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    func publish(_ changes: [StoreChange]) {
        guard !changes.isEmpty else { return }
        // Yield outside the lock: a yield may run the stream's termination handler, which takes it.
        let subscribers = state.withLock { Array($0.subscribers.values) }
        for subscriber in subscribers {
            for change in changes where change.account == subscriber.account {
                if let m = subscriber.mailbox, let cm = change.mailbox, cm != m { continue }
                if case .dropped = subscriber.continuation.yield(change) {
                    subscriber.continuation.yield(.resync(account: subscriber.account))
                }
            }
        }
    }

    func finishAll() {
        let subscribers = state.withLock { state in
            defer { state.subscribers.removeAll() }
            return Array(state.subscribers.values)
        }
        for s in subscribers { s.continuation.finish() }
    }
}
