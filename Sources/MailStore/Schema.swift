// The database schema and its migrations.
//
// Invariants:
// - Migrations are append-only: a released migration is never edited; a change is a new `vN`.
// - Counters that IMAP clients cache (messages.count, unseen, size, account usage) are maintained by
//   triggers in the same transaction as the rows they count, so they can never drift.
// - A message row lives while at least one mailbox refers to it; a blob row lives while at least one
//   message refers to it (triggers delete them). The blob FILE is removed only by `sweepBlobs()`.
// - `counters.uidvalidity` only grows; every new mailbox takes the next value (RFC 9051 §2.3.1.1).

import Foundation
import GRDB

enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: v1)
            // UIDVALIDITY starts at the clock so that a data directory created again from scratch does
            // not hand out the values of its predecessor (clients may have cached them).
            let start = max(1, Int64(Date().timeIntervalSince1970))
            try db.execute(sql: "INSERT INTO counters(name, value) VALUES ('uidvalidity', ?)", arguments: [start])
        }
        migrator.registerMigration("v2-queue") { db in
            try db.execute(sql: v2Queue)
        }
        migrator.registerMigration("v3-pop3") { db in try db.execute(sql: v3POP3) }
        migrator.registerMigration("v4-queue-notices") { db in try db.execute(sql: v4QueueNotices) }
        migrator.registerMigration("v5-groupware") { db in
            try db.execute(sql: v5Groupware)
            // The DAV modseq counter starts at the clock, like UIDVALIDITY: a data directory created again
            // does not answer the sync tokens of its predecessor as if they were its own.
            let now = Date()
            try db.execute(
                sql: v5GroupwareDefaults, arguments: [Int64(now.timeIntervalSince1970), now.timeIntervalSince1970])
        }
        migrator.registerMigration("v6-dav-files") { db in try db.execute(sql: v6DAVFiles) }
        migrator.registerMigration("v7-search-backlog") { db in try db.execute(sql: v7SearchBacklog) }
        migrator.registerMigration("v8-summary-columns") { db in try db.execute(sql: v8SummaryColumns) }
        migrator.registerMigration("v9-message-id-thread") { db in try db.execute(sql: v9MessageIDThread) }
        migrator.registerMigration("v10-search-text-index") { db in try db.execute(sql: v10SearchTextIndex) }
        return migrator
    }

    /// SEARCH FROM/TO/CC/BCC/SUBJECT tests every message of the mailbox (RFC 9051 §6.4.4 is a substring match). Read
    /// from `messages`, each test touched one wide row (envelope and body structure JSON, preview): 100,000
    /// messages meant some 300 MB copied out of the page cache per search. This covering index holds the five
    /// columns by message id, a tenth of the pages.
    static let v10SearchTextIndex = """
        CREATE INDEX messages_search_text ON messages(id, subject, from_text, to_text, cc_text, bcc_text);
        """

    /// Threading looks up `MIN(thread_id)` of the messages with a given Message-ID. With an index on (account,
    /// Message-ID) only, SQLite's planner walked `messages_thread` in thread order instead, checking every message of
    /// the account: 140 ms per delivery into a 20,000-message account, so APPEND and SMTP slowed down as mailboxes
    /// grew. With the thread in the index the lookup is one seek.
    static let v9MessageIDThread = """
        DROP INDEX messages_message_id;
        CREATE INDEX messages_message_id ON messages(account_id, message_id_header, thread_id);
        """

    /// A message's thread and INTERNALDATE, which never change once it is stored, copied into each of its mailbox
    /// rows: a mailbox snapshot (SELECT, CONDSTORE changes) then reads `mailbox_messages` alone. Joining `messages`
    /// for them touched one wide row per message, 50 ms of page reads for a 20,000-message SELECT.
    static let v8SummaryColumns = """
        ALTER TABLE mailbox_messages ADD COLUMN thread_id INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE mailbox_messages ADD COLUMN internal_date REAL NOT NULL DEFAULT 0;
        UPDATE mailbox_messages SET (thread_id, internal_date) =
            (SELECT thread_id, internal_date FROM messages WHERE messages.id = mailbox_messages.message_id);
        """

    /// Text of bodies not yet in the full-text index (SearchIndexer.swift). A delivery writes its text here, in its
    /// own transaction; the indexer moves rows into `blob_text` in large batches, because FTS5 writes one index
    /// segment per transaction and indexing a few messages per group commit cost most of SMTP acceptance's CPU.
    static let v7SearchBacklog = """
        CREATE TABLE blob_text_pending (
            blob_id INTEGER PRIMARY KEY,
            headers TEXT NOT NULL,
            body TEXT NOT NULL
        );

        DROP TRIGGER blobs_delete;
        CREATE TRIGGER blobs_delete AFTER DELETE ON blobs BEGIN
            DELETE FROM blob_text WHERE rowid = OLD.id;
            DELETE FROM blob_text_pending WHERE blob_id = OLD.id;
        END;
        """

    /// The per-account WebDAV file area (DAVFiles.swift). File bytes count toward the account's usage.
    static let v6DAVFiles = """
        CREATE TABLE dav_files (
            id INTEGER PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            path TEXT NOT NULL,
            is_collection INTEGER NOT NULL,
            content BLOB,
            content_type TEXT,
            etag TEXT,
            size INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            UNIQUE (account_id, path)
        );

        CREATE TABLE dav_file_properties (
            account_id INTEGER NOT NULL,
            path TEXT NOT NULL,
            namespace TEXT NOT NULL,
            name TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (account_id, path, namespace, name),
            FOREIGN KEY (account_id, path) REFERENCES dav_files(account_id, path)
                ON DELETE CASCADE ON UPDATE CASCADE
        ) WITHOUT ROWID;

        CREATE TRIGGER dav_files_insert AFTER INSERT ON dav_files BEGIN
            UPDATE accounts SET usage_bytes = usage_bytes + NEW.size WHERE id = NEW.account_id;
        END;

        CREATE TRIGGER dav_files_delete AFTER DELETE ON dav_files BEGIN
            UPDATE accounts SET usage_bytes = usage_bytes - OLD.size WHERE id = OLD.account_id;
        END;

        CREATE TRIGGER dav_files_size AFTER UPDATE OF size ON dav_files BEGIN
            UPDATE accounts SET usage_bytes = usage_bytes - OLD.size + NEW.size WHERE id = NEW.account_id;
        END;
        """

    static let v1 = """
        CREATE TABLE counters (
            name TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE domains (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            created_at REAL NOT NULL
        );

        CREATE TABLE accounts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            domain_id INTEGER NOT NULL REFERENCES domains(id),
            address TEXT NOT NULL,
            address_key TEXT NOT NULL UNIQUE,
            display_name TEXT,
            password_hash TEXT NOT NULL,
            quota_bytes INTEGER,
            usage_bytes INTEGER NOT NULL DEFAULT 0,
            usage_messages INTEGER NOT NULL DEFAULT 0,
            modseq INTEGER NOT NULL DEFAULT 1,
            created_at REAL NOT NULL
        );
        CREATE INDEX accounts_domain ON accounts(domain_id);

        CREATE TABLE aliases (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            domain_id INTEGER NOT NULL REFERENCES domains(id),
            address TEXT NOT NULL,
            address_key TEXT NOT NULL UNIQUE,
            created_at REAL NOT NULL
        );
        CREATE INDEX aliases_domain ON aliases(domain_id);

        CREATE TABLE alias_targets (
            alias_id INTEGER NOT NULL REFERENCES aliases(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            target TEXT NOT NULL,
            target_key TEXT NOT NULL,
            PRIMARY KEY (alias_id, position)
        ) WITHOUT ROWID;
        CREATE INDEX alias_targets_key ON alias_targets(target_key);

        CREATE TABLE app_passwords (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            label TEXT NOT NULL,
            hash TEXT NOT NULL,
            created_at REAL NOT NULL,
            last_used_at REAL,
            UNIQUE (account_id, label)
        );

        CREATE TABLE logins (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at REAL NOT NULL,
            username TEXT NOT NULL,
            account_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
            remote TEXT NOT NULL,
            protocol TEXT NOT NULL,
            mechanism TEXT,
            success INTEGER NOT NULL,
            reason TEXT
        );
        CREATE INDEX logins_account ON logins(account_id);

        CREATE TABLE mailboxes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            special_use TEXT,
            uid_validity INTEGER NOT NULL,
            uid_next INTEGER NOT NULL DEFAULT 1,
            highest_modseq INTEGER NOT NULL DEFAULT 1,
            message_count INTEGER NOT NULL DEFAULT 0,
            unseen_count INTEGER NOT NULL DEFAULT 0,
            size_bytes INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            UNIQUE (account_id, name)
        );

        CREATE TABLE subscriptions (
            account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            PRIMARY KEY (account_id, name)
        ) WITHOUT ROWID;

        CREATE TABLE blobs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            hash TEXT NOT NULL UNIQUE,
            size INTEGER NOT NULL
        );
        -- Full text of each distinct body, rowid = blobs.id: a message delivered to fifty people is
        -- indexed once. Trigram with case folding gives IMAP's case-insensitive substring search.
        CREATE VIRTUAL TABLE blob_text USING fts5(headers, body, tokenize = 'trigram case_sensitive 0');

        CREATE TABLE messages (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            blob_id INTEGER NOT NULL REFERENCES blobs(id),
            thread_id INTEGER NOT NULL,
            size INTEGER NOT NULL,
            internal_date REAL NOT NULL,
            header_date REAL,
            subject TEXT,
            from_text TEXT NOT NULL,
            to_text TEXT NOT NULL,
            cc_text TEXT NOT NULL,
            bcc_text TEXT NOT NULL,
            message_id_header TEXT,
            in_reply_to TEXT NOT NULL,
            refs TEXT NOT NULL,
            envelope BLOB NOT NULL,
            body_structure BLOB NOT NULL,
            preview TEXT NOT NULL,
            has_attachment INTEGER NOT NULL,
            created_at REAL NOT NULL
        );
        CREATE INDEX messages_blob ON messages(blob_id);
        CREATE INDEX messages_message_id ON messages(account_id, message_id_header);
        CREATE INDEX messages_thread ON messages(account_id, thread_id);

        -- Message-IDs a message refers to (In-Reply-To, References), for threading in both directions.
        CREATE TABLE message_refs (
            account_id INTEGER NOT NULL,
            ref TEXT NOT NULL,
            message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
            PRIMARY KEY (account_id, ref, message_id)
        ) WITHOUT ROWID;
        CREATE INDEX message_refs_message ON message_refs(message_id);

        -- A message in a mailbox: UID, MODSEQ and flags are per mailbox (RFC 9051 §2.3.1.1, RFC 7162).
        CREATE TABLE mailbox_messages (
            mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
            uid INTEGER NOT NULL,
            message_id INTEGER NOT NULL REFERENCES messages(id),
            account_id INTEGER NOT NULL,
            modseq INTEGER NOT NULL,
            sysflags INTEGER NOT NULL DEFAULT 0,
            keywords TEXT NOT NULL DEFAULT '',
            size INTEGER NOT NULL,
            PRIMARY KEY (mailbox_id, uid)
        ) WITHOUT ROWID;
        CREATE INDEX mailbox_messages_modseq ON mailbox_messages(mailbox_id, modseq);
        CREATE INDEX mailbox_messages_message ON mailbox_messages(message_id);

        -- RFC 7162 §3.2.5.2 / §3.2.10: expunged UIDs with the MODSEQ of their expunge, for VANISHED.
        CREATE TABLE expunged (
            mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
            uid INTEGER NOT NULL,
            modseq INTEGER NOT NULL,
            PRIMARY KEY (mailbox_id, uid)
        ) WITHOUT ROWID;
        CREATE INDEX expunged_modseq ON expunged(mailbox_id, modseq);

        CREATE TRIGGER mailbox_messages_insert AFTER INSERT ON mailbox_messages BEGIN
            UPDATE mailboxes SET
                message_count = message_count + 1,
                unseen_count = unseen_count + ((NEW.sysflags & 1) = 0),
                size_bytes = size_bytes + NEW.size
            WHERE id = NEW.mailbox_id;
            UPDATE accounts SET
                usage_bytes = usage_bytes + NEW.size,
                usage_messages = usage_messages + 1
            WHERE id = NEW.account_id;
        END;

        CREATE TRIGGER mailbox_messages_delete AFTER DELETE ON mailbox_messages BEGIN
            UPDATE mailboxes SET
                message_count = message_count - 1,
                unseen_count = unseen_count - ((OLD.sysflags & 1) = 0),
                size_bytes = size_bytes - OLD.size
            WHERE id = OLD.mailbox_id;
            UPDATE accounts SET
                usage_bytes = usage_bytes - OLD.size,
                usage_messages = usage_messages - 1
            WHERE id = OLD.account_id;
            DELETE FROM messages WHERE id = OLD.message_id
                AND NOT EXISTS (SELECT 1 FROM mailbox_messages WHERE message_id = OLD.message_id);
        END;

        CREATE TRIGGER mailbox_messages_seen AFTER UPDATE OF sysflags ON mailbox_messages
            WHEN (OLD.sysflags & 1) != (NEW.sysflags & 1) BEGIN
            UPDATE mailboxes SET
                unseen_count = unseen_count + ((NEW.sysflags & 1) = 0) - ((OLD.sysflags & 1) = 0)
            WHERE id = NEW.mailbox_id;
        END;

        CREATE TRIGGER messages_delete AFTER DELETE ON messages BEGIN
            DELETE FROM blobs WHERE id = OLD.blob_id
                AND NOT EXISTS (SELECT 1 FROM messages WHERE blob_id = OLD.blob_id);
        END;

        CREATE TRIGGER blobs_delete AFTER DELETE ON blobs BEGIN
            DELETE FROM blob_text WHERE rowid = OLD.id;
        END;
        """
}
