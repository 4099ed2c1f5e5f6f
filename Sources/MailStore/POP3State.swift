// POP3 maildrop state (RFC 1939; DESIGN [pop3] deletes = "expunge" | "keep").
//
// Invariants:
// - `pop3_hidden` names `mailbox_messages` rows a POP3 client deleted under the "keep" policy; a row goes
//   when its message leaves the mailbox (ON DELETE CASCADE), and UIDs are never reused, so a hidden UID
//   can never hide a later message.
// - `pop3_sizes` caches, per stored message, the octet count POP3 reports: the message with CRLF line ends
//   as RETR sends it, before byte-stuffing (RFC 1939 §5 LIST/STAT, §11). The POP3 front-end computes it
//   (it owns the conversion) and records it once; it goes with the message (ON DELETE CASCADE).
// - `expungeForPOP3` removes exactly the given UIDs in one transaction (never other messages an IMAP user
//   flagged \Deleted), records them for VANISHED and publishes the expunge on the change feed.

import Foundation
import GRDB

extension Schema {
    static let v3POP3 = """
        CREATE TABLE pop3_hidden (
            mailbox_id INTEGER NOT NULL,
            uid INTEGER NOT NULL,
            PRIMARY KEY (mailbox_id, uid),
            FOREIGN KEY (mailbox_id, uid) REFERENCES mailbox_messages(mailbox_id, uid) ON DELETE CASCADE
        ) WITHOUT ROWID;

        CREATE TABLE pop3_sizes (
            message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
            size INTEGER NOT NULL
        );
        """
}

/// One message of a POP3 maildrop.
public struct POP3MaildropEntry: Hashable, Sendable {
    public var uid: UID
    public var blob: BlobRef
    /// The size POP3 reports (CRLF line ends), when it was recorded before.
    public var pop3Size: Int64?

    public init(uid: UID, blob: BlobRef, pop3Size: Int64?) {
        self.uid = uid
        self.blob = blob
        self.pop3Size = pop3Size
    }
}

/// INBOX as a POP3 session sees it at login.
public struct POP3Maildrop: Hashable, Sendable {
    public var uidValidity: UInt32
    /// By ascending UID; messages hidden from POP3 are left out.
    public var entries: [POP3MaildropEntry]
}

extension MailStore {
    /// The messages of `mailbox` that POP3 has not hidden, by ascending UID.
    public func pop3Maildrop(mailbox: MailboxID) async throws -> POP3Maildrop {
        try await read { db in
            let state = try Rows.mailboxState(db, mailbox)
            let entries = try db.rows(
                """
                SELECT mm.uid, b.hash, b.size, s.size FROM mailbox_messages mm
                JOIN messages m ON m.id = mm.message_id
                JOIN blobs b ON b.id = m.blob_id
                LEFT JOIN pop3_sizes s ON s.message_id = mm.message_id
                WHERE mm.mailbox_id = ?
                AND NOT EXISTS (SELECT 1 FROM pop3_hidden h WHERE h.mailbox_id = mm.mailbox_id AND h.uid = mm.uid)
                ORDER BY mm.uid
                """, [mailbox.rawValue]
            ).map { row in
                POP3MaildropEntry(
                    uid: UID(UInt32(row[0] as Int64)), blob: BlobRef(validHash: row[1], size: row[2]),
                    pop3Size: row[3] as Int64?)
            }
            return POP3Maildrop(uidValidity: state.uidValidity, entries: entries)
        }
    }

    /// Records the POP3 sizes of messages of `mailbox` (unknown UIDs are skipped).
    public func recordPOP3Sizes(mailbox: MailboxID, sizes: [UID: Int64]) async throws {
        guard !sizes.isEmpty else { return }
        let pairs = sizes.map { (Int64($0.key.rawValue), $0.value) }
        try await write { db in
            // One indexed statement per message: a json_each join lets SQLite scan the mailbox per entry.
            for (uid, size) in pairs {
                try db.run(
                    """
                    INSERT OR REPLACE INTO pop3_sizes(message_id, size)
                    SELECT message_id, ? FROM mailbox_messages WHERE mailbox_id = ? AND uid = ?
                    """, [size, mailbox.rawValue, uid])
            }
            return ((), [])
        }
    }

    /// DESIGN [pop3] deletes = "keep": later POP3 sessions no longer see these messages; IMAP still does.
    public func hideFromPOP3(mailbox: MailboxID, uids: [UID]) async throws {
        guard !uids.isEmpty else { return }
        try await write { db in
            _ = try Rows.mailboxState(db, mailbox)
            try db.run(
                """
                INSERT OR IGNORE INTO pop3_hidden(mailbox_id, uid)
                SELECT mailbox_id, uid FROM mailbox_messages
                WHERE mailbox_id = ? AND uid IN (SELECT value FROM json_each(?))
                """, [mailbox.rawValue, jsonArray(uids)])
            return ((), [])
        }
    }

    /// RFC 1939 §6 (UPDATE state), DESIGN [pop3] deletes = "expunge": removes exactly these messages (those
    /// still present) in one transaction, as IMAP EXPUNGE would. Returns the UIDs removed, ascending.
    @discardableResult
    public func expungeForPOP3(mailbox: MailboxID, uids: [UID]) async throws -> [UID] {
        guard !uids.isEmpty else { return [] }
        return try await write { db in
            let state = try Rows.mailboxState(db, mailbox)
            let rows = try db.rows(
                """
                SELECT uid FROM mailbox_messages WHERE mailbox_id = ?
                AND uid IN (SELECT value FROM json_each(?)) ORDER BY uid
                """, [mailbox.rawValue, jsonArray(uids)])
            let gone = rows.map { UID(UInt32($0[0] as Int64)) }
            guard !gone.isEmpty else { return ([], []) }
            try MessageWriter.removeRefs(db, state: state, uids: gone)
            try Rows.bumpAccountState(db, state.account)
            return (gone, [.expunged(account: state.account, mailbox: mailbox, uids: gone)])
        }
    }
}
