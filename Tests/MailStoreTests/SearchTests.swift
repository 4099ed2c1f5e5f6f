// Full-text SEARCH: case-insensitive substrings (RFC 9051 §6.4.4), short strings, non-ASCII, HEADER.

import Foundation
import MailStore
import MailTestSupport
import Testing

@Suite struct SearchTests {
    @Test func substringSearchIsCaseInsensitive() async throws {
        let f = try await StoreFixture.make()
        let inbox = try await f.mailbox("INBOX")
        try await f.append(TestMessage(subject: "Invoice 2024", body: "Please find the INVOICE attached.\r\n"))
        try await f.append(TestMessage(subject: "Lunch", body: "Shall we meet at noon?\r\n"))
        try await f.append(TestMessage(subject: "Straße", body: "Grüße aus München, ÉCOLE.\r\n"))
        try await f.append(TestMessage(subject: "x", body: "a b\r\n"))
        let s = f.store
        #expect(try await s.search(mailbox: inbox.id, text: "voic", scope: .body) == [1])
        #expect(try await s.search(mailbox: inbox.id, text: "VOIC", scope: .text) == [1])
        #expect(try await s.search(mailbox: inbox.id, text: "invoice 2024", scope: .body) == [])
        #expect(try await s.search(mailbox: inbox.id, text: "invoice 2024", scope: .headers) == [1])
        #expect(try await s.search(mailbox: inbox.id, text: "MÜNCHEN", scope: .body) == [3])
        #expect(try await s.search(mailbox: inbox.id, text: "école", scope: .body) == [3])
        #expect(try await s.search(mailbox: inbox.id, text: "nothing here", scope: .text) == [])
        // Shorter than a trigram: the fallback scan gives the same semantics.
        #expect(try await s.search(mailbox: inbox.id, text: "NO", scope: .body) == [2])
        #expect(try await s.search(mailbox: inbox.id, text: "ü", scope: .body) == [3])
        #expect(try await s.search(mailbox: inbox.id, text: "Ü", scope: .body) == [3])
        #expect(try await s.search(mailbox: inbox.id, text: "é", scope: .body) == [3])
        #expect(try await s.search(mailbox: inbox.id, text: "?", scope: .body) == [2])
        #expect(try await s.search(mailbox: inbox.id, text: "", scope: .body) == [1, 2, 3, 4])
        #expect(try await s.search(mailbox: inbox.id, text: "\"quoted\"", scope: .body) == [])
    }

    @Test func headerSearchLooksAtTheNamedField() async throws {
        let f = try await StoreFixture.make()
        let inbox = try await f.mailbox("INBOX")
        try await f.append(TestMessage(from: "Carol <carol@example.test>", subject: "About alice"))
        try await f.append(
            TestMessage(from: "Alice <alice@example.test>", subject: "Hi", extraHeaders: [("X-Tag", "ab")]))
        let s = f.store
        #expect(try await s.search(mailbox: inbox.id, text: "alice", scope: .header("From")) == [2])
        #expect(try await s.search(mailbox: inbox.id, text: "ALICE", scope: .header("subject")) == [1])
        #expect(try await s.search(mailbox: inbox.id, text: "ab", scope: .header("x-tag")) == [2])
        #expect(try await s.search(mailbox: inbox.id, text: "", scope: .header("X-Tag")) == [2])
        #expect(try await s.search(mailbox: inbox.id, text: "", scope: .header("X-None")) == [])
    }

    @Test func searchIsScopedToTheMailboxAndSharedBodiesAreIndexedOnce() async throws {
        let f = try await StoreFixture.make()
        let archive = try await f.mailbox("Archive")
        let message = TestMessage(body: "needle in a haystack\r\n")
        try await f.append(message)
        try await f.append(message, to: "Archive")
        try await f.append(TestMessage(body: "another needle\r\n"), to: "Archive")
        #expect(try await f.store.search(mailbox: archive.id, text: "needle", scope: .body) == [1, 2])
        let inbox = try await f.mailbox("INBOX")
        #expect(try await f.store.search(mailbox: inbox.id, text: "needle", scope: .body) == [1])
        // Expunged messages are not found.
        _ = try await f.store.storeFlags(mailbox: inbox.id, uids: [1], operation: .add, flags: [.deleted])
        try await f.store.expunge(mailbox: inbox.id)
        #expect(try await f.store.search(mailbox: inbox.id, text: "needle", scope: .body) == [])
        #expect(try await f.store.search(mailbox: archive.id, text: "haystack", scope: .body) == [1])
    }
}
