// Messages in mailboxes: append, deliver, read, flags, expunge, copy, move, CONDSTORE/QRESYNC changes.
//
// Invariants:
// - A `messages` row is one stored message of one account (its EmailID, thread, parsed metadata);
//   a `mailbox_messages` row is that message in one mailbox (UID, MODSEQ, flags). COPY adds a row
//   pointing at the same message (same EmailID, RFC 8474 §5.1); MOVE does the same and expunges the
//   source row in the same transaction, so the message is never in neither or in both.
// - One MODSEQ per operation per mailbox: every message changed by one STORE/COPY/expunge gets the
//   same new value, and the mailbox's HIGHESTMODSEQ becomes it (RFC 7162 §3.1.1).
// - Expunged UIDs go to `expunged` with the MODSEQ of the expunge (RFC 7162 §3.2.10 VANISHED).
// - Quota is checked inside the same transaction as the insert it guards: a refused operation
//   changes nothing.
// - Threading (RFC 5256 REFERENCES idea, simplified): a new message joins the thread of any message of
//   the same account whose Message-ID it references, or that references its Message-ID; the smallest
//   such thread id wins; otherwise it starts a thread whose id is its own EmailID.

import Foundation
import GRDB

extension MailStore {
    /// Stores one message in one mailbox. Group-committed: returns after the commit that contains it.
    public func append(_ request: AppendRequest) async throws -> AppendResult {
        try checkOpen()
        guard case .appended(let results) = try await committer.submit(.append(request)), let first = results.first
        else { throw StoreError.invalidArgument("append produced no result") }
        return first
    }

    /// Stores several messages in one transaction, all or nothing (RFC 3502 §6.3.11 MULTIAPPEND): if one fails
    /// (over quota, mailbox gone), none is stored. Results in request order.
    public func append(all requests: [AppendRequest]) async throws -> [AppendResult] {
        try checkOpen()
        guard !requests.isEmpty else { return [] }
        guard case .appended(let results) = try await committer.submit(.appendAll(requests)) else {
            throw StoreError.invalidArgument("append produced no result")
        }
        return results
    }

    /// Stores one message in several mailboxes (of one or more accounts) in one transaction: all or
    /// nothing. Each account gets its own EmailID; the body blob and its index entry are shared.
    public func deliver(_ request: DeliveryRequest) async throws -> [AppendResult] {
        try checkOpen()
        guard !request.targets.isEmpty else { throw StoreError.invalidArgument("a delivery needs at least one target") }
        guard case .appended(let results) = try await committer.submit(.deliver(request)) else {
            throw StoreError.invalidArgument("delivery produced no result")
        }
        return results
    }

    /// The messages of a mailbox by ascending UID: the IMAP snapshot.
    public func messages(mailbox: MailboxID) async throws -> [MessageSummary] {
        try await read { db in
            _ = try Rows.mailboxState(db, mailbox)
            return try Rows.summaries(
                db, "SELECT \(Rows.summaryColumns) FROM mailbox_messages mm WHERE mm.mailbox_id = ? ORDER BY mm.uid",
                [mailbox.rawValue])
        }
    }

    /// Metadata and blob reference of the given messages (unknown UIDs are skipped), by ascending UID.
    public func messageDetails(mailbox: MailboxID, uids: [UID]) async throws -> [MessageDetails] {
        try await read { db in
            _ = try Rows.mailboxState(db, mailbox)
            var details: [MessageDetails] = []
            var flags: [StoredFlags: Set<Flag>] = [:]
            try db.eachRow(
                """
                SELECT \(Rows.summaryColumns), b.hash, b.size, m.header_date, m.subject, m.from_text, m.to_text,
                       m.cc_text, m.bcc_text, m.message_id_header, m.in_reply_to, m.refs, m.envelope,
                       m.body_structure, m.preview, m.has_attachment
                FROM mailbox_messages mm
                JOIN messages m ON m.id = mm.message_id
                JOIN blobs b ON b.id = m.blob_id
                WHERE mm.mailbox_id = ? AND mm.uid IN (SELECT value FROM json_each(?))
                ORDER BY mm.uid
                """, [mailbox.rawValue, jsonArray(uids)]
            ) { row in
                details.append(
                    MessageDetails(
                        summary: Rows.summary(row, flags: &flags),
                        blob: BlobRef(validHash: row.text(8), size: row.int64(9)),
                        headerDate: row.isNull(10) ? nil : Date(storeValue: row.double(10)),
                        subject: row.optionalText(11), from: row.text(12), to: row.text(13), cc: row.text(14),
                        bcc: row.text(15), messageIDHeader: row.optionalText(16),
                        inReplyTo: MessageWriter.splitIDs(row.text(17)),
                        references: MessageWriter.splitIDs(row.text(18)),
                        envelope: row.data(19), bodyStructure: row.data(20), preview: row.text(21),
                        hasAttachment: row.int64(22) != 0))
            }
            return details
        }
    }

    /// STORE (RFC 9051 §6.4.6) with optional UNCHANGEDSINCE (RFC 7162 §3.1.3). Unknown UIDs are ignored.
    /// Messages whose flags do not change keep their MODSEQ.
    public func storeFlags(
        mailbox: MailboxID, uids: [UID], operation: FlagOperation, flags: Set<Flag>, unchangedSince: ModSeq? = nil
    ) async throws -> FlagUpdateResult {
        try await write { db in
            let state = try Rows.mailboxState(db, mailbox)
            let rows = try db.rows(
                """
                SELECT uid, modseq, sysflags, keywords FROM mailbox_messages
                WHERE mailbox_id = ? AND uid IN (SELECT value FROM json_each(?)) ORDER BY uid
                """, [mailbox.rawValue, jsonArray(uids)])
            var updated: [FlagUpdate] = []
            var unchanged: [FlagUpdate] = []
            var failed: [UID] = []
            var newModSeq: Int64?
            for row in rows {
                let uid = UID(UInt32(row[0] as Int64))
                let modseq: Int64 = row[1]
                let current = StoredFlags(system: row[2], keywords: row[3]).flags
                // RFC 7162 §3.1.3: a message modified after UNCHANGEDSINCE is not touched and is reported.
                if let limit = unchangedSince, UInt64(modseq) > limit.rawValue {
                    failed.append(uid)
                    continue
                }
                let next: Set<Flag>
                switch operation {
                case .add: next = current.union(flags)
                case .remove: next = current.subtracting(flags)
                case .replace: next = flags
                }
                if next == current && (operation != .replace || keywordSpellings(next) == keywordSpellings(current)) {
                    unchanged.append(FlagUpdate(uid: uid, flags: current, modSeq: ModSeq(UInt64(modseq))))
                    continue
                }
                let stored = try StoredFlags(next)
                let value: Int64
                if let newModSeq {
                    value = newModSeq
                } else {
                    value = try Rows.bumpModSeq(db, mailbox)
                    newModSeq = value
                }
                try db.run(
                    "UPDATE mailbox_messages SET sysflags = ?, keywords = ?, modseq = ? WHERE mailbox_id = ? AND uid = ?",
                    [stored.system, stored.keywords, value, mailbox.rawValue, uid.rawValue])
                updated.append(FlagUpdate(uid: uid, flags: next, modSeq: ModSeq(UInt64(value))))
            }
            if !updated.isEmpty { try Rows.bumpAccountState(db, state.account) }
            let result = FlagUpdateResult(
                updated: updated, unchanged: unchanged, failed: failed,
                highestModSeq: ModSeq(UInt64(newModSeq ?? state.highestModSeq)))
            let events: [StoreChange] =
                updated.isEmpty
                ? [] : [.flagsChanged(account: state.account, mailbox: mailbox, uids: updated.map(\.uid))]
            return (result, events)
        }
    }

    /// EXPUNGE / UID EXPUNGE (RFC 9051 §6.4.3, RFC 4315 §2.1): removes the messages flagged \Deleted
    /// (only those in `uids` when given). Returns the expunged UIDs, ascending.
    @discardableResult
    public func expunge(mailbox: MailboxID, uids: [UID]? = nil) async throws -> [UID] {
        try await write { db in
            let state = try Rows.mailboxState(db, mailbox)
            let deleted = StoredFlags.deletedBit
            let rows: [Row]
            if let uids {
                rows = try db.rows(
                    """
                    SELECT uid FROM mailbox_messages WHERE mailbox_id = ? AND (sysflags & ?) != 0
                    AND uid IN (SELECT value FROM json_each(?)) ORDER BY uid
                    """, [mailbox.rawValue, deleted, jsonArray(uids)])
            } else {
                rows = try db.rows(
                    "SELECT uid FROM mailbox_messages WHERE mailbox_id = ? AND (sysflags & ?) != 0 ORDER BY uid",
                    [mailbox.rawValue, deleted])
            }
            let gone = rows.map { UID(UInt32($0[0] as Int64)) }
            guard !gone.isEmpty else { return ([], []) }
            try MessageWriter.removeRefs(db, state: state, uids: gone)
            try Rows.bumpAccountState(db, state.account)
            return (gone, [.expunged(account: state.account, mailbox: mailbox, uids: gone)])
        }
    }

    /// COPY (RFC 9051 §6.4.7): flags and internal date are kept, and so is the EmailID. Unknown UIDs are
    /// skipped. Both mailboxes must belong to the same account.
    public func copy(from source: MailboxID, uids: [UID], to destination: MailboxID) async throws -> CopyResult {
        try await write { db in
            try MessageWriter.copy(db, from: source, uids: uids, to: destination, move: false)
        }
    }

    /// MOVE (RFC 6851 §3.3): a copy and an expunge of the source messages in one transaction. The
    /// EmailID is kept (RFC 8474 §5.1).
    public func move(from source: MailboxID, uids: [UID], to destination: MailboxID) async throws -> CopyResult {
        try await write { db in
            try MessageWriter.copy(db, from: source, uids: uids, to: destination, move: true)
        }
    }

    /// CONDSTORE/QRESYNC (RFC 7162 §3.1.4, §3.2.5): messages with MODSEQ above `since` and UIDs expunged
    /// after it.
    public func changes(mailbox: MailboxID, since: ModSeq) async throws -> MailboxChanges {
        try await read { db in
            let state = try Rows.mailboxState(db, mailbox)
            let since = Int64(clamping: since.rawValue)
            // `+uid`: sort what the MODSEQ index finds. Left to itself the planner walks the whole mailbox in UID
            // order to skip the sort, 32 ms instead of 0.7 ms for a resync of 20,000 messages.
            let changed = try Rows.summaries(db, Self.changedSQL, [mailbox.rawValue, since])
            let vanished = try db.rows(Self.vanishedSQL, [mailbox.rawValue, since]).map { UID(UInt32($0[0] as Int64)) }
            return MailboxChanges(
                uidValidity: state.uidValidity, highestModSeq: ModSeq(UInt64(state.highestModSeq)), changed: changed,
                vanished: vanished)
        }
    }

    /// Usage of an account: bytes and messages over all its mailboxes (a copy counts again).
    public func quota(account: AccountID) async throws -> QuotaUsage {
        try await read { db in
            guard
                let row = try db.row(
                    "SELECT usage_bytes, usage_messages, quota_bytes FROM accounts WHERE id = ?", [account.rawValue])
            else { throw StoreError.notFound("The account \(account)") }
            return QuotaUsage(account: account, bytes: row[0], messages: Int(row[1] as Int64), limitBytes: row[2])
        }
    }

    /// The account's state counter: it grows with every change to the account's mail and mailboxes
    /// (JMAP `state`, DAV sync tokens).
    public func accountState(account: AccountID) async throws -> ModSeq {
        try await read { db in
            guard let value = try db.int("SELECT modseq FROM accounts WHERE id = ?", [account.rawValue]) else {
                throw StoreError.notFound("The account \(account)")
            }
            return ModSeq(UInt64(value))
        }
    }
}

/// Keyword spellings, to notice a FLAGS replace that only changes a keyword's case.
private func keywordSpellings(_ flags: Set<Flag>) -> [String] {
    flags.filter(\.isKeyword).map(\.name).sorted()
}

/// The write side of messages, as functions of an open transaction.
enum MessageWriter {
    /// Message-IDs considered for threading, from the end of References (a named limit).
    static let maxThreadReferences = 64
    /// Longest Message-ID kept (RFC 5322 §2.1.1 line limit).
    static let maxMessageIDLength = 998

    static func applyBatch(_ items: [BatchItem], db: Database, blobs: BlobStore) throws -> [Result<
        BatchResult, any Error
    >] {
        let now = Date()
        var outcomes: [Result<BatchResult, any Error>] = []
        outcomes.reserveCapacity(items.count)
        for item in items {
            var result = BatchResult.done
            do {
                try db.inSavepoint {
                    switch item {
                    case .append(let r):
                        let target = DeliveryTarget(account: r.account, mailbox: r.mailbox, flags: r.flags)
                        result = .appended(
                            try deliver(
                                db, blob: r.blob, metadata: r.metadata, internalDate: r.internalDate, targets: [target],
                                blobs: blobs, now: now))
                    case .appendAll(let requests):
                        var results: [AppendResult] = []
                        for r in requests {
                            let target = DeliveryTarget(account: r.account, mailbox: r.mailbox, flags: r.flags)
                            results += try deliver(
                                db, blob: r.blob, metadata: r.metadata, internalDate: r.internalDate, targets: [target],
                                blobs: blobs, now: now)
                        }
                        result = .appended(results)
                    case .deliver(let d):
                        result = .appended(
                            try deliver(
                                db, blob: d.blob, metadata: d.metadata, internalDate: d.internalDate,
                                targets: d.targets, blobs: blobs, now: now))
                    case .enqueue(let message):
                        result = .queued(try QueueWriter.enqueue(db, message, now: now))
                    case .finishQueue(let ids):
                        try QueueWriter.finish(db, ids)
                    }
                    return .commit
                }
                outcomes.append(.success(result))
            } catch {
                outcomes.append(.failure(error))
            }
        }
        return outcomes
    }

    static func appendEvents(_ results: [AppendResult]) -> [StoreChange] {
        var order: [MailboxID] = []
        var byMailbox: [MailboxID: (AccountID, [UID])] = [:]
        for r in results {
            if byMailbox[r.mailbox] == nil { order.append(r.mailbox) }
            byMailbox[r.mailbox, default: (r.account, [])].1.append(r.uid)
        }
        return order.map { m in
            let (account, uids) = byMailbox[m]!
            return .messagesAppended(account: account, mailbox: m, uids: uids)
        }
    }

    static func deliver(
        _ db: Database, blob: BlobRef, metadata: MessageMetadata, internalDate: Date, targets: [DeliveryTarget],
        blobs: BlobStore, now: Date
    ) throws -> [AppendResult] {
        let blobID = try ensureBlob(db, blob, metadata: metadata, blobs: blobs)
        var emails: [AccountID: (EmailID, ThreadID)] = [:]
        var seenMailboxes = Set<MailboxID>()
        var results: [AppendResult] = []
        for target in targets where seenMailboxes.insert(target.mailbox).inserted {
            let state = try Rows.mailboxState(db, target.mailbox)
            guard state.account == target.account else {
                throw StoreError.notFound("The mailbox \(target.mailbox) of account \(target.account)")
            }
            let flags = try StoredFlags(target.flags)
            try Rows.checkQuota(db, target.account, adding: blob.size)
            let email: (EmailID, ThreadID)
            if let existing = emails[target.account] {
                email = existing
            } else {
                email = try insertMessage(
                    db, account: target.account, blobID: blobID, size: blob.size, metadata: metadata,
                    internalDate: internalDate, now: now)
                emails[target.account] = email
            }
            let uid = try Rows.allocateUIDs(db, target.mailbox, count: 1)
            let modseq = try Rows.bumpModSeq(db, target.mailbox)
            try db.run(
                """
                INSERT INTO mailbox_messages(mailbox_id, uid, message_id, account_id, modseq, sysflags, keywords, size,
                                             thread_id, internal_date)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    target.mailbox.rawValue, uid, email.0.rawValue, target.account.rawValue, modseq, flags.system,
                    flags.keywords, blob.size, email.1.rawValue, internalDate.storeValue,
                ])
            try Rows.bumpAccountState(db, target.account)
            results.append(
                AppendResult(
                    account: target.account, mailbox: target.mailbox, uidValidity: state.uidValidity, uid: UID(uid),
                    modSeq: ModSeq(UInt64(modseq)), emailID: email.0, threadID: email.1))
        }
        return results
    }

    /// The `blobs` row of a body, created the first time the body is stored, with its text queued for the
    /// full-text index (SearchIndexer moves it into `blob_text` later, in a batch).
    static func ensureBlob(_ db: Database, _ blob: BlobRef, metadata: MessageMetadata, blobs: BlobStore) throws
        -> Int64
    {
        if let id = try db.int("SELECT id FROM blobs WHERE hash = ?", [blob.hash]) { return id }
        // The file must be on disk before the row that names it commits (see BlobStore's invariants).
        guard let size = blobs.fileSize(blob.hash) else { throw StoreError.blobMissing(blob.hash) }
        guard size == blob.size else {
            throw StoreError.invalidArgument("blob \(blob.hash) has \(size) bytes, not \(blob.size)")
        }
        try db.run("INSERT INTO blobs(hash, size) VALUES (?, ?)", [blob.hash, blob.size])
        let id = db.lastInsertedRowID
        try db.run(
            "INSERT INTO blob_text_pending(blob_id, headers, body) VALUES (?, ?, ?)",
            [id, capped(metadata.headerText), capped(metadata.bodyText)])
        return id
    }

    static func capped(_ text: String) -> String {
        text.utf8.count <= MailStore.maxIndexedTextBytes
            ? text : String(decoding: text.utf8.prefix(MailStore.maxIndexedTextBytes), as: UTF8.self)
    }

    static func insertMessage(
        _ db: Database, account: AccountID, blobID: Int64, size: Int64, metadata: MessageMetadata,
        internalDate: Date, now: Date
    ) throws -> (EmailID, ThreadID) {
        let messageID = metadata.messageIDHeader.flatMap(normalizeMessageID)
        var refs: [String] = []
        for raw in metadata.inReplyTo + metadata.references {
            if let id = normalizeMessageID(raw), id != messageID, !refs.contains(id) { refs.append(id) }
        }
        let inReplyTo = metadata.inReplyTo.compactMap(normalizeMessageID)
        let references = metadata.references.compactMap(normalizeMessageID)
        let threadRefs = Array(refs.suffix(maxThreadReferences))
        let thread = try resolveThread(db, account: account, messageID: messageID, refs: threadRefs)
        try db.run(
            """
            INSERT INTO messages(account_id, blob_id, thread_id, size, internal_date, header_date, subject, from_text,
                to_text, cc_text, bcc_text, message_id_header, in_reply_to, refs, envelope, body_structure, preview,
                has_attachment, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                account.rawValue, blobID, thread ?? 0, size, internalDate.storeValue, metadata.headerDate?.storeValue,
                metadata.subject, metadata.from, metadata.to, metadata.cc, metadata.bcc, messageID,
                inReplyTo.joined(separator: "\n"), references.joined(separator: "\n"), metadata.envelope,
                metadata.bodyStructure, metadata.preview, metadata.hasAttachment, now.storeValue,
            ])
        let id = db.lastInsertedRowID
        let threadID = thread ?? id
        if thread == nil { try db.run("UPDATE messages SET thread_id = id WHERE id = ?", [id]) }
        for ref in threadRefs {
            try db.run(
                "INSERT OR IGNORE INTO message_refs(account_id, ref, message_id) VALUES (?, ?, ?)",
                [account.rawValue, ref, id])
        }
        return (EmailID(rawValue: id), ThreadID(rawValue: threadID))
    }

    static func resolveThread(_ db: Database, account: AccountID, messageID: String?, refs: [String]) throws -> Int64? {
        var best: Int64?
        // Messages this one refers to (and copies of it with the same Message-ID).
        for id in refs + (messageID.map { [$0] } ?? []) {
            if let t = try db.int(
                "SELECT MIN(thread_id) FROM messages WHERE account_id = ? AND message_id_header = ?",
                [account.rawValue, id])
            {
                best = min(best ?? t, t)
            }
        }
        // Messages that refer to this one (a reply that arrived first).
        if let messageID,
            let t = try db.int(
                """
                SELECT MIN(m.thread_id) FROM message_refs r JOIN messages m ON m.id = r.message_id
                WHERE r.account_id = ? AND r.ref = ?
                """, [account.rawValue, messageID])
        {
            best = min(best ?? t, t)
        }
        return best
    }

    /// `<id@host>` → `id@host`; nil if nothing is left.
    static func normalizeMessageID(_ raw: String) -> String? {
        var s = Substring(raw).trimmingCharacters(in: .whitespacesAndNewlines)[...]
        if s.hasPrefix("<") { s = s.dropFirst() }
        if s.hasSuffix(">") { s = s.dropLast() }
        let id = s.trimmingCharacters(in: .whitespaces)
        guard !id.isEmpty, id.utf8.count <= maxMessageIDLength, !id.contains("\n") else { return nil }
        return id
    }

    static func splitIDs(_ stored: String) -> [String] {
        stored.isEmpty ? [] : stored.split(separator: "\n").map(String.init)
    }

    /// Deletes message rows from a mailbox and records them as expunged with one new MODSEQ.
    static func removeRefs(_ db: Database, state: MailboxState, uids: [UID]) throws {
        let modseq = try Rows.bumpModSeq(db, state.id)
        let list = jsonArray(uids)
        try db.run(
            "DELETE FROM mailbox_messages WHERE mailbox_id = ? AND uid IN (SELECT value FROM json_each(?))",
            [state.id.rawValue, list])
        // RFC 7162 §3.2.10: remember the expunge with its MODSEQ for VANISHED (EARLIER).
        try db.run(
            "INSERT OR REPLACE INTO expunged(mailbox_id, uid, modseq) SELECT ?, value, ? FROM json_each(?)",
            [state.id.rawValue, modseq, list])
    }

    static func copy(_ db: Database, from source: MailboxID, uids: [UID], to destination: MailboxID, move: Bool) throws
        -> (CopyResult, [StoreChange])
    {
        let src = try Rows.mailboxState(db, source)
        let dst = try Rows.mailboxState(db, destination)
        guard src.account == dst.account else {
            throw StoreError.invalidArgument("messages can be copied only between mailboxes of the same account")
        }
        let rows = try db.rows(
            """
            SELECT uid, message_id, sysflags, keywords, size, thread_id, internal_date FROM mailbox_messages
            WHERE mailbox_id = ? AND uid IN (SELECT value FROM json_each(?)) ORDER BY uid
            """, [source.rawValue, jsonArray(uids)])
        guard !rows.isEmpty else { return (CopyResult(destinationUIDValidity: dst.uidValidity, mappings: []), []) }
        if !move {
            try Rows.checkQuota(db, dst.account, adding: rows.reduce(0) { $0 + ($1[4] as Int64) })
        }
        let first = try Rows.allocateUIDs(db, destination, count: rows.count)
        let modseq = try Rows.bumpModSeq(db, destination)
        var mappings: [UIDMapping] = []
        mappings.reserveCapacity(rows.count)
        for (i, row) in rows.enumerated() {
            let uid = first + UInt32(i)
            try db.run(
                """
                INSERT INTO mailbox_messages(mailbox_id, uid, message_id, account_id, modseq, sysflags, keywords, size,
                                             thread_id, internal_date)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    destination.rawValue, uid, row[1] as Int64, dst.account.rawValue, modseq, row[2] as Int64,
                    row[3] as String, row[4] as Int64, row[5] as Int64, row[6] as Double,
                ])
            mappings.append(UIDMapping(source: UID(UInt32(row[0] as Int64)), destination: UID(uid)))
        }
        var events: [StoreChange] = [
            .messagesAppended(account: dst.account, mailbox: destination, uids: mappings.map(\.destination))
        ]
        if move {
            let moved = mappings.map(\.source)
            try removeRefs(db, state: src, uids: moved)
            events.append(.expunged(account: src.account, mailbox: source, uids: moved))
        }
        try Rows.bumpAccountState(db, dst.account)
        return (CopyResult(destinationUIDValidity: dst.uidValidity, mappings: mappings), events)
    }
}

extension MailStore {
    /// Messages of a mailbox changed after a MODSEQ, by UID (`changes`).
    static let changedSQL = """
        SELECT \(Rows.summaryColumns) FROM mailbox_messages mm
        WHERE mm.mailbox_id = ? AND mm.modseq > ? ORDER BY +mm.uid
        """
    /// UIDs of a mailbox expunged after a MODSEQ (`changes`).
    static let vanishedSQL = "SELECT uid FROM expunged WHERE mailbox_id = ? AND modseq > ? ORDER BY +uid"
}
