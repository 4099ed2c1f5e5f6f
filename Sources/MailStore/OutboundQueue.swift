// The outbound queue's persistence: messages accepted for remote recipients (DESIGN §2 "Sending").
//
// Invariants:
// - A remote recipient is a committed queue row before the submitting client hears 250: the queue
//   survives crashes and restarts (at-least-once delivery).
// - A queued message references its body by blob hash; `sweepBlobs` keeps every blob a queue row
//   names. `bodyOffset` skips bytes that belong only to local copies (the Return-Path: line added at
//   final delivery, RFC 5321 §4.4), so the outbound copy and the local copies share one blob.
// - Recipients of one message are grouped by domain when the worker (outbound issue) delivers them.

import Foundation
import GRDB
import Synchronization

public struct QueueMessageID: StoreIdentifier {
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
}

public struct QueueRecipientID: StoreIdentifier {
    public let rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
}

/// One recipient of an outbound message, with its RFC 3461 DSN parameters.
public struct OutboundRecipient: Hashable, Sendable, Codable {
    public var address: String
    /// RFC 3461 §4.1 NOTIFY value as sent ("SUCCESS,FAILURE", "NEVER"), nil when absent.
    public var notify: String?
    /// RFC 3461 §4.2 ORCPT value as "addr-type;address" (decoded), nil when absent.
    public var orcpt: String?

    public init(address: String, notify: String? = nil, orcpt: String? = nil) {
        self.address = address
        self.notify = notify
        self.orcpt = orcpt
    }

    /// The domain part, lowercased (what the worker groups by).
    public var domain: String {
        guard let at = address.lastIndex(of: "@") else { return "" }
        return address[address.index(after: at)...].lowercased()
    }
}

/// A message handed to the outbound queue.
public struct OutboundMessage: Hashable, Sendable {
    /// The envelope sender; "" for the null reverse-path.
    public var mailFrom: String
    public var blob: BlobRef
    /// Bytes of the blob to skip when sending (see the file comment).
    public var bodyOffset: Int64
    public var recipients: [OutboundRecipient]
    /// RFC 3461 §4.4 ENVID, RFC 3461 §4.3 RET ("FULL"/"HDRS"), RFC 6152 BODY, RFC 6531 SMTPUTF8.
    public var envid: String?
    public var ret: String?
    public var bodyType: String?
    public var smtputf8: Bool
    /// The submitting account, when authenticated (DKIM signing domain, bounces).
    public var account: AccountID?

    public init(
        mailFrom: String, blob: BlobRef, bodyOffset: Int64 = 0, recipients: [OutboundRecipient],
        envid: String? = nil, ret: String? = nil, bodyType: String? = nil, smtputf8: Bool = false,
        account: AccountID? = nil
    ) {
        self.mailFrom = mailFrom
        self.blob = blob
        self.bodyOffset = bodyOffset
        self.recipients = recipients
        self.envid = envid
        self.ret = ret
        self.bodyType = bodyType
        self.smtputf8 = smtputf8
        self.account = account
    }
}

/// A recipient's state in the queue, for `mailroom queue list`.
public struct QueueEntry: Hashable, Sendable {
    public var message: QueueMessageID
    public var recipient: QueueRecipientID
    public var mailFrom: String
    public var address: String
    public var state: String
    public var attempts: Int
    public var nextAttempt: Date
    public var lastError: String?
    public var createdAt: Date
}

extension Schema {
    static let v2Queue = """
        CREATE TABLE queue_messages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            blob_hash TEXT NOT NULL,
            blob_size INTEGER NOT NULL,
            body_offset INTEGER NOT NULL DEFAULT 0,
            mail_from TEXT NOT NULL,
            envid TEXT,
            ret TEXT,
            body_type TEXT,
            smtputf8 INTEGER NOT NULL DEFAULT 0,
            account_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
            created_at REAL NOT NULL
        );
        CREATE INDEX queue_messages_blob ON queue_messages(blob_hash);

        CREATE TABLE queue_recipients (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            message_id INTEGER NOT NULL REFERENCES queue_messages(id) ON DELETE CASCADE,
            address TEXT NOT NULL,
            domain TEXT NOT NULL,
            notify TEXT,
            orcpt TEXT,
            state TEXT NOT NULL DEFAULT 'queued',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt REAL NOT NULL,
            last_error TEXT,
            updated_at REAL NOT NULL
        );
        CREATE INDEX queue_recipients_due ON queue_recipients(state, next_attempt);
        CREATE INDEX queue_recipients_message ON queue_recipients(message_id);
        """
}

extension MailStore {
    /// Makes a message durable in the outbound queue; returns once committed (group-committed with
    /// concurrent deliveries), then rings the queue bell.
    @discardableResult
    public func enqueue(_ message: OutboundMessage) async throws -> QueueMessageID {
        try checkOpen()
        guard !message.recipients.isEmpty else { throw StoreError.invalidName("an outbound message needs recipients") }
        guard case .queued(let id) = try await committer.submit(.enqueue(message)) else {
            throw StoreError.invalidArgument("enqueue produced no id")
        }
        queueBell.ring()
        return id
    }

    /// Every queued recipient, oldest first.
    public func queueEntries() async throws -> [QueueEntry] {
        try await read { db in
            try db.rows(
                """
                SELECT m.id AS mid, r.id AS rid, m.mail_from, r.address, r.state, r.attempts, r.next_attempt,
                    r.last_error, m.created_at
                FROM queue_recipients r JOIN queue_messages m ON m.id = r.message_id
                ORDER BY m.id, r.id
                """
            ).map { row in
                QueueEntry(
                    message: QueueMessageID(rawValue: row["mid"]), recipient: QueueRecipientID(rawValue: row["rid"]),
                    mailFrom: row["mail_from"], address: row["address"], state: row["state"],
                    attempts: row["attempts"], nextAttempt: Date(timeIntervalSince1970: row["next_attempt"]),
                    lastError: row["last_error"], createdAt: Date(timeIntervalSince1970: row["created_at"]))
            }
        }
    }

    /// The blob and envelope of a queued message.
    public func queuedMessage(_ id: QueueMessageID) async throws -> OutboundMessage? {
        try await read { db in
            guard
                let m = try db.row(
                    """
                    SELECT blob_hash, blob_size, body_offset, mail_from, envid, ret, body_type, smtputf8, account_id
                    FROM queue_messages WHERE id = ?
                    """, [id.rawValue]),
                let blob = BlobRef(hash: m["blob_hash"], size: m["blob_size"])
            else { return nil }
            let recipients = try db.rows(
                "SELECT address, notify, orcpt FROM queue_recipients WHERE message_id = ? ORDER BY id", [id.rawValue]
            ).map { OutboundRecipient(address: $0["address"], notify: $0["notify"], orcpt: $0["orcpt"]) }
            let account: Int64? = m["account_id"]
            return OutboundMessage(
                mailFrom: m["mail_from"], blob: blob, bodyOffset: m["body_offset"], recipients: recipients,
                envid: m["envid"], ret: m["ret"], bodyType: m["body_type"], smtputf8: m["smtputf8"],
                account: account.map(AccountID.init(rawValue:)))
        }
    }
}

// MARK: - The queue runner's side

/// A temporary failure of one recipient, as the queue runner records it.
public struct QueueDeferral: Hashable, Sendable {
    public var id: QueueRecipientID
    public var error: String
    public var nextAttempt: Date
    /// The sender has just been sent a delay notice for this recipient.
    public var delayNotified: Bool

    public init(_ id: QueueRecipientID, error: String, nextAttempt: Date, delayNotified: Bool = false) {
        (self.id, self.error, self.nextAttempt, self.delayNotified) = (id, error, nextAttempt, delayNotified)
    }
}

/// Recipients of one queued message at one domain, due for an attempt: one SMTP transaction's worth.
public struct QueueWork: Hashable, Sendable {
    public struct Recipient: Hashable, Sendable {
        public var id: QueueRecipientID
        public var recipient: OutboundRecipient
        public var attempts: Int
        /// True once the sender was told that this recipient is delayed (RFC 3464 Action: delayed).
        public var delayNotified: Bool
        public var lastError: String?
    }

    public var messageID: QueueMessageID
    public var message: OutboundMessage
    public var domain: String
    public var recipients: [Recipient]
    /// When the message entered the queue (its age decides delay notices and expiry).
    public var createdAt: Date
}

extension Schema {
    static let v4QueueNotices = """
        ALTER TABLE queue_recipients ADD COLUMN delay_notified INTEGER NOT NULL DEFAULT 0;
        """
}

extension MailStore {
    /// Recipients due at `now`, grouped per message and domain, oldest message first; at most `limit`
    /// groups, skipping recipients in `busy` (the runner's in-flight set).
    public func dueQueueWork(now: Date, busy: Set<QueueRecipientID>, limit: Int) async throws -> [QueueWork] {
        try await read { db in
            let rows = try db.rows(
                """
                SELECT r.id, r.message_id, r.address, r.domain, r.notify, r.orcpt, r.attempts, r.delay_notified,
                    r.last_error
                FROM queue_recipients r
                WHERE r.state = 'queued' AND r.next_attempt <= ?
                ORDER BY r.message_id, r.domain, r.id
                """, [now.timeIntervalSince1970])
            var groups: [QueueWork] = []
            var messages: [Int64: (OutboundMessage, Date)] = [:]
            for row in rows {
                let id = QueueRecipientID(rawValue: row["id"])
                if busy.contains(id) { continue }
                let messageID: Int64 = row["message_id"]
                let domain: String = row["domain"]
                let recipient = QueueWork.Recipient(
                    id: id,
                    recipient: OutboundRecipient(address: row["address"], notify: row["notify"], orcpt: row["orcpt"]),
                    attempts: row["attempts"], delayNotified: row["delay_notified"], lastError: row["last_error"])
                if let last = groups.last, last.messageID.rawValue == messageID, last.domain == domain {
                    groups[groups.count - 1].recipients.append(recipient)
                    continue
                }
                if groups.count == limit { break }
                if messages[messageID] == nil {
                    guard let loaded = try Self.queuedMessageRow(db, messageID) else { continue }
                    messages[messageID] = loaded
                }
                guard let (message, created) = messages[messageID] else { continue }
                groups.append(
                    QueueWork(
                        messageID: QueueMessageID(rawValue: messageID), message: message, domain: domain,
                        recipients: [recipient], createdAt: created))
            }
            return groups
        }
    }

    /// The earliest next attempt of any queued recipient; nil when the queue is empty.
    public func nextQueueAttempt() async throws -> Date? {
        try await read { db in
            let value = try Double.fetchOne(
                db, sql: "SELECT MIN(next_attempt) FROM queue_recipients WHERE state = 'queued'")
            return value.map(Date.init(timeIntervalSince1970:))
        }
    }

    /// Removes recipients that are done (delivered, or bounced with the DSN already handed on), and each
    /// message left without recipients. The message's blob becomes sweepable when nothing else names it.
    /// Group-committed: concurrent sessions' results share one commit.
    public func finishQueueRecipients(_ ids: [QueueRecipientID]) async throws {
        guard !ids.isEmpty else { return }
        try checkOpen()
        _ = try await committer.submit(.finishQueue(ids))
    }

    /// Records temporary failures, all in one transaction: one more attempt each, the error, when to try again,
    /// and whether the sender has now been told of the delay (one notice per recipient).
    public func deferQueueRecipients(_ deferrals: [QueueDeferral]) async throws {
        guard !deferrals.isEmpty else { return }
        try await write { db in
            let now = Date().timeIntervalSince1970
            for d in deferrals {
                try db.run(
                    """
                    UPDATE queue_recipients SET attempts = attempts + 1, last_error = ?, next_attempt = ?,
                        updated_at = ?, delay_notified = delay_notified OR ?
                    WHERE id = ?
                    """, [d.error, d.nextAttempt.timeIntervalSince1970, now, d.delayNotified, d.id.rawValue])
            }
            return ((), [])
        }
    }

    /// Makes recipients due now: every queued one, or those of one message. Returns how many.
    @discardableResult
    public func retryQueue(message: QueueMessageID? = nil) async throws -> Int {
        try await write { db in
            let now = Date().timeIntervalSince1970
            if let message {
                try db.run(
                    "UPDATE queue_recipients SET next_attempt = ? WHERE state = 'queued' AND message_id = ?",
                    [now, message.rawValue])
            } else {
                try db.run("UPDATE queue_recipients SET next_attempt = ? WHERE state = 'queued'", [now])
            }
            return (db.changesCount, [])
        }
    }

    /// Deletes a queued message and all its recipients without notifying anyone. Returns the recipients removed.
    @discardableResult
    public func removeQueuedMessage(_ id: QueueMessageID) async throws -> Int {
        try await write { db in
            try db.run("DELETE FROM queue_recipients WHERE message_id = ?", [id.rawValue])
            let count = db.changesCount
            try db.run("DELETE FROM queue_messages WHERE id = ?", [id.rawValue])
            return (count, [])
        }
    }

    static func queuedMessageRow(_ db: Database, _ id: Int64) throws -> (OutboundMessage, Date)? {
        guard
            let m = try db.row(
                """
                SELECT blob_hash, blob_size, body_offset, mail_from, envid, ret, body_type, smtputf8, account_id,
                    created_at
                FROM queue_messages WHERE id = ?
                """, [id]),
            let blob = BlobRef(hash: m["blob_hash"], size: m["blob_size"])
        else { return nil }
        let account: Int64? = m["account_id"]
        let message = OutboundMessage(
            mailFrom: m["mail_from"], blob: blob, bodyOffset: m["body_offset"], recipients: [],
            envid: m["envid"], ret: m["ret"], bodyType: m["body_type"], smtputf8: m["smtputf8"],
            account: account.map(AccountID.init(rawValue:)))
        return (message, Date(timeIntervalSince1970: m["created_at"]))
    }
}

/// A wake-up signal with memory: `ring` before `wait` makes the next `wait` return at once. One waiter.
public final class QueueBell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    public init() {}

    public func ring() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if let w = s.waiter {
                s.waiter = nil
                return w
            }
            s.rung = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns when rung (or already rung since the last wait), after `timeout`, or when cancelled.
    public func wait(timeout: Duration) async {
        if state.withLock({ s in
            defer { s.rung = false }; return s.rung
        }) {
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                try? await Task.sleep(for: timeout)
                if !Task.isCancelled { wake() }
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { s -> Bool in
                        if s.rung || Task.isCancelled {
                            s.rung = false
                            return true
                        }
                        s.waiter = c
                        return false
                    }
                    if resumeNow { c.resume() }
                }
            } onCancel: {
                self.wake()
            }
            group.cancelAll()
        }
    }

    /// Resumes the waiter (timeouts, cancellation); with none yet, the next wait returns at once.
    private func wake() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard let w = s.waiter else {
                s.rung = true
                return nil
            }
            s.waiter = nil
            return w
        }
        waiter?.resume()
    }
}

/// The queue's writes that run inside a group-committed transaction.
enum QueueWriter {
    static func enqueue(_ db: Database, _ message: OutboundMessage, now date: Date) throws -> QueueMessageID {
        let now = date.timeIntervalSince1970
        try db.run(
            """
            INSERT INTO queue_messages(blob_hash, blob_size, body_offset, mail_from, envid, ret, body_type,
                smtputf8, account_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                message.blob.hash, message.blob.size, message.bodyOffset, message.mailFrom, message.envid,
                message.ret, message.bodyType, message.smtputf8, message.account?.rawValue, now,
            ])
        let id = db.lastInsertedRowID
        for r in message.recipients {
            try db.run(
                """
                INSERT INTO queue_recipients(message_id, address, domain, notify, orcpt, next_attempt, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [id, r.address, r.domain, r.notify, r.orcpt, now, now])
        }
        return QueueMessageID(rawValue: id)
    }

    static func finish(_ db: Database, _ ids: [QueueRecipientID]) throws {
        var messageIDs: Set<Int64> = []
        for id in ids {
            if let m = try Int64.fetchOne(
                db, sql: "SELECT message_id FROM queue_recipients WHERE id = ?", arguments: [id.rawValue])
            {
                messageIDs.insert(m)
            }
            try db.run("DELETE FROM queue_recipients WHERE id = ?", [id.rawValue])
        }
        for m in messageIDs {
            try db.run(
                "DELETE FROM queue_messages WHERE id = ? AND NOT EXISTS (SELECT 1 FROM queue_recipients WHERE message_id = ?)",
                [m, m])
        }
    }
}
