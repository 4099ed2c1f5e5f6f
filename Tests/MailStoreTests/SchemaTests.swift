// Schema: a data directory from a newer Mailroom refuses to open with an actionable message; the
// database is in WAL mode with synchronous=FULL and foreign keys.

import Foundation
import MailTestSupport
import Testing

@testable import MailStore

@Suite struct SchemaTests {
    @Test func newerSchemaRefusesToOpen() async throws {
        let dir = try TemporaryDirectory()
        let store = try await MailStore.open(dataDirectory: dir.url)
        try await store.debugExecute("INSERT INTO grdb_migrations(identifier) VALUES ('v999')")
        try await store.close()
        do {
            _ = try await MailStore.open(dataDirectory: dir.url)
            Issue.record("a newer schema must not open")
        } catch let error as StoreError {
            guard case .schemaTooNew = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(error.description.contains("newer version of Mailroom"))
            #expect(error.description.contains("v999"))
        }
    }

    @Test func pragmasAndIntegrity() async throws {
        let dir = try TemporaryDirectory()
        let store = try await MailStore.open(dataDirectory: dir.url)
        #expect(try await store.debugValue("PRAGMA journal_mode") == "wal")
        #expect(try await store.debugWriterValue("PRAGMA synchronous") == "2")  // FULL: a commit is durable
        #expect(try await store.debugValue("PRAGMA foreign_keys") == "1")
        let v1 = try await store.debugValue("SELECT COUNT(*) FROM grdb_migrations WHERE identifier = 'v1'")
        #expect(v1 == "1")
        #expect(try await store.checkIntegrity() == [])
        try await store.close()
        // Reopening an up-to-date store works and closing twice is harmless.
        let again = try await MailStore.open(dataDirectory: dir.url)
        try await again.close()
        try await again.close()
        await #expect(throws: StoreError.closed) { _ = try await again.domains() }
    }

    @Test func v8CopiesThreadAndInternalDateIntoEveryMailboxRow() async throws {
        var f = try await StoreFixture.make()
        let inbox = try await f.mailbox("INBOX")
        let archive = try await f.mailbox("Archive")
        let first = Date(timeIntervalSince1970: 1_700_000_000)
        try await f.append(TestMessage(subject: "one"), internalDate: first)
        try await f.append(TestMessage(subject: "two"), internalDate: first.addingTimeInterval(60))
        _ = try await f.store.copy(from: inbox.id, uids: [1, 2], to: archive.id)
        let before = [try await f.store.messages(mailbox: inbox.id), try await f.store.messages(mailbox: archive.id)]
        let dates = [first, first.addingTimeInterval(60)]
        #expect(before[0].map(\.internalDate) == dates && before[1].map(\.internalDate) == dates)
        #expect(before[0].map(\.threadID) == before[1].map(\.threadID))
        // A data directory of v7: the columns did not exist yet.
        try await f.store.debugExecute(
            """
            ALTER TABLE mailbox_messages DROP COLUMN thread_id;
            ALTER TABLE mailbox_messages DROP COLUMN internal_date;
            DELETE FROM grdb_migrations WHERE identifier = 'v8-summary-columns';
            """)
        f = try await f.reopened()
        let after = [try await f.store.messages(mailbox: inbox.id), try await f.store.messages(mailbox: archive.id)]
        #expect(after == before)
        #expect(try await f.store.checkIntegrity() == [])
        try await f.store.close()
    }

    @Test func threadLookupsBySeekingAnIndexNotByWalkingTheAccount() async throws {
        let f = try await StoreFixture.make()
        for i in 0..<3 { try await f.append(TestMessage(subject: "m\(i)")) }
        // The statements of MessageWriter.resolveThread; a full walk of the account's messages made every delivery
        // into a large account slow.
        let byMessageID = try await f.store.debugQueryPlan(
            "SELECT MIN(thread_id) FROM messages WHERE account_id = 1 AND message_id_header = 'a@b'")
        #expect(byMessageID.count == 1)
        #expect(byMessageID.first?.contains("COVERING INDEX messages_message_id") == true)
        let byReference = try await f.store.debugQueryPlan(
            """
            SELECT MIN(m.thread_id) FROM message_refs r JOIN messages m ON m.id = r.message_id
            WHERE r.account_id = 1 AND r.ref = 'a@b'
            """)
        #expect(byReference.allSatisfy { $0.hasPrefix("SEARCH") })
        try await f.store.close()
    }

    @Test func resyncReadsOnlyWhatChanged() async throws {
        let f = try await StoreFixture.make()
        for i in 0..<3 { try await f.append(TestMessage(subject: "m\(i)")) }
        // CONDSTORE/QRESYNC (MailStore.changes): the MODSEQ indexes, not a walk of the mailbox in UID order.
        let sql = [MailStore.changedSQL, MailStore.vanishedSQL].map { $0.replacingOccurrences(of: "?", with: "1") }
        #expect(try await f.store.debugQueryPlan(sql[0]).first?.contains("INDEX mailbox_messages_modseq") == true)
        #expect(try await f.store.debugQueryPlan(sql[1]).first?.contains("INDEX expunged_modseq") == true)
        try await f.store.close()
    }
}
