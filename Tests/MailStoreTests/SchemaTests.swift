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
}
