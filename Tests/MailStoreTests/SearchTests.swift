// Full-text SEARCH: case-insensitive substrings (RFC 9051 §6.4.4), short strings, non-ASCII, HEADER.
// Every answer is checked twice: with the bodies still waiting for the indexer, and after it moved them into the
// FTS5 index (SearchIndexer.swift). Both must agree.

import Foundation
import MailTestSupport
import Testing

@testable import MailStore

/// A store whose background indexer is stopped, so a test decides when bodies are indexed.
func searchFixture() async throws -> StoreFixture {
    let f = try await StoreFixture.make()
    await f.store.indexer.stop()
    return f
}

/// Bodies waiting for the full-text indexer.
func pendingTexts(_ store: MailStore) async throws -> Int {
    Int(try await store.debugValue("SELECT count(*) FROM blob_text_pending") ?? "") ?? -1
}

/// Indexes the backlog when `indexed`, and checks that the bodies are where the test expects them.
func settle(_ f: StoreFixture, indexed: Bool) async throws {
    let waiting = try await pendingTexts(f.store)
    #expect(waiting > 0)
    if indexed {
        try await f.store.indexSearchBacklog()
        #expect(try await pendingTexts(f.store) == 0)
    }
}

@Suite struct SearchTests {
    /// FROM/TO/CC/SUBJECT read the stored columns through their covering index: case-insensitive substrings, ASCII
    /// and not (Unicode full case folding, as `textContains`), only in the mailbox asked, an empty string matching
    /// every message that has the field.
    @Test func summaryFieldsMatchSubstringsIgnoringCase() async throws {
        let f = try await searchFixture()
        let inbox = try await f.mailbox("INBOX")
        try await f.append(
            TestMessage(from: "Alice <alice@example.test>", cc: ["carol@example.test"], subject: "Re: Q3"))
        try await f.append(TestMessage(from: "Jürgen Groß <jg@example.test>", subject: "Straße"))
        try await f.append(TestMessage(from: "Kelvin <\u{212A}elvin@example.test>", subject: "Temperature"))
        try await f.append(TestMessage(from: "alice@example.test", subject: "not in the inbox"), to: "Archive")
        let s = f.store
        #expect(try await s.search(mailbox: inbox.id, field: .from, text: "ALICE@EXAMPLE") == [1])
        #expect(try await s.search(mailbox: inbox.id, field: .from, text: "jürgen GROSS") == [2])  // ß folds to ss
        #expect(try await s.search(mailbox: inbox.id, field: .from, text: "JÜRGEN") == [2])
        #expect(try await s.search(mailbox: inbox.id, field: .from, text: "kelvin@") == [3])
        #expect(try await s.search(mailbox: inbox.id, field: .subject, text: "strasse") == [2])
        #expect(try await s.search(mailbox: inbox.id, field: .subject, text: "STRA") == [2])
        #expect(try await s.search(mailbox: inbox.id, field: .cc, text: "carol") == [1])
        #expect(try await s.search(mailbox: inbox.id, field: .to, text: "") == [1, 2, 3])
        #expect(try await s.search(mailbox: inbox.id, field: .bcc, text: "x") == [])
    }

    @Test(arguments: [false, true]) func substringSearchIsCaseInsensitive(indexed: Bool) async throws {
        let f = try await searchFixture()
        let inbox = try await f.mailbox("INBOX")
        try await f.append(TestMessage(subject: "Invoice 2024", body: "Please find the INVOICE attached.\r\n"))
        try await f.append(TestMessage(subject: "Lunch", body: "Shall we meet at noon?\r\n"))
        try await f.append(TestMessage(subject: "Straße", body: "Grüße aus München, ÉCOLE.\r\n"))
        try await f.append(TestMessage(subject: "x", body: "a b\r\n"))
        try await settle(f, indexed: indexed)
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

    @Test(arguments: [false, true]) func headerSearchLooksAtTheNamedField(indexed: Bool) async throws {
        let f = try await searchFixture()
        let inbox = try await f.mailbox("INBOX")
        try await f.append(TestMessage(from: "Carol <carol@example.test>", subject: "About alice"))
        try await f.append(
            TestMessage(from: "Alice <alice@example.test>", subject: "Hi", extraHeaders: [("X-Tag", "ab")]))
        try await settle(f, indexed: indexed)
        let s = f.store
        #expect(try await s.search(mailbox: inbox.id, text: "alice", scope: .header("From")) == [2])
        #expect(try await s.search(mailbox: inbox.id, text: "ALICE", scope: .header("subject")) == [1])
        #expect(try await s.search(mailbox: inbox.id, text: "ab", scope: .header("x-tag")) == [2])
        #expect(try await s.search(mailbox: inbox.id, text: "", scope: .header("X-Tag")) == [2])
        #expect(try await s.search(mailbox: inbox.id, text: "", scope: .header("X-None")) == [])
    }

    @Test(arguments: [false, true]) func searchIsScopedToTheMailboxAndSharedBodiesAreIndexedOnce(indexed: Bool)
        async throws
    {
        let f = try await searchFixture()
        let archive = try await f.mailbox("Archive")
        let message = TestMessage(body: "needle in a haystack\r\n")
        try await f.append(message)
        try await f.append(message, to: "Archive")
        try await f.append(TestMessage(body: "another needle\r\n"), to: "Archive")
        try await settle(f, indexed: indexed)
        #expect(try await pendingTexts(f.store) == (indexed ? 0 : 2))
        #expect(try await f.store.search(mailbox: archive.id, text: "needle", scope: .body) == [1, 2])
        let inbox = try await f.mailbox("INBOX")
        #expect(try await f.store.search(mailbox: inbox.id, text: "needle", scope: .body) == [1])
        // Expunged messages are not found.
        _ = try await f.store.storeFlags(mailbox: inbox.id, uids: [1], operation: .add, flags: [.deleted])
        try await f.store.expunge(mailbox: inbox.id)
        #expect(try await f.store.search(mailbox: inbox.id, text: "needle", scope: .body) == [])
        #expect(try await f.store.search(mailbox: archive.id, text: "haystack", scope: .body) == [1])
    }

    @Test func bodiesIndexedLaterKeepTheirAnswers() async throws {
        let f = try await searchFixture()
        let inbox = try await f.mailbox("INBOX")
        try await f.append(TestMessage(subject: "Early bird", body: "first body\r\n"))
        try await f.store.indexSearchBacklog()
        try await f.append(TestMessage(subject: "Late owl", body: "second body\r\n"))
        // One body indexed, one waiting: a search sees both, once each.
        #expect(try await pendingTexts(f.store) == 1)
        #expect(try await f.store.search(mailbox: inbox.id, text: "body", scope: .body) == [1, 2])
        #expect(try await f.store.search(mailbox: inbox.id, text: "bo", scope: .body) == [1, 2])
        #expect(try await f.store.search(mailbox: inbox.id, text: "owl", scope: .header("Subject")) == [2])
        #expect(try await f.store.search(mailbox: inbox.id, text: "bird", scope: .header("Subject")) == [1])
    }

    @Test func expungingAWaitingBodyRemovesItsText() async throws {
        let f = try await searchFixture()
        let inbox = try await f.mailbox("INBOX")
        try await f.append(TestMessage(body: "short lived\r\n"))
        try await f.append(TestMessage(body: "long lived\r\n"))
        #expect(try await pendingTexts(f.store) == 2)
        _ = try await f.store.storeFlags(mailbox: inbox.id, uids: [1], operation: .add, flags: [.deleted])
        try await f.store.expunge(mailbox: inbox.id)
        #expect(try await pendingTexts(f.store) == 1)
        try await f.store.indexSearchBacklog()
        #expect(try await f.store.debugValue("SELECT count(*) FROM blob_text") == "1")
        #expect(try await f.store.search(mailbox: inbox.id, text: "lived", scope: .body) == [2])
    }

    @Test func theBackgroundIndexerEmptiesTheBacklogAndAReopenedStoreFinishesIt() async throws {
        let f = try await searchFixture()
        let inbox = try await f.mailbox("INBOX")
        // More than one batch.
        let count = SearchIndexer.batchRows + 2
        for i in 0..<count { try await f.append(TestMessage(subject: "m\(i)", body: "waiting text \(i)\r\n")) }
        #expect(try await pendingTexts(f.store) == count)
        // Closed with a backlog (a stop or a crash): the next open indexes it once the store is quiet.
        try await f.store.close()
        let store = try await MailStore.open(dataDirectory: f.directory.url)
        let deadline = ContinuousClock.now + .seconds(20)
        while try await pendingTexts(store) > 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try await pendingTexts(store) == 0)
        #expect(try await store.debugValue("SELECT count(*) FROM blob_text") == "\(count)")
        let all = Set((1...count).map { UID(UInt32($0)) })
        #expect(try await store.search(mailbox: inbox.id, text: "WAITING TEXT", scope: .body) == all)
        try await store.close()
    }
}

@Suite struct TextContainsTests {
    /// The ASCII fast path answers exactly what Foundation's case-insensitive search does, and steps aside for
    /// non-ASCII text on either side.
    @Test func asciiPathAgreesWithFoundation() {
        let haystacks = [
            "", "a", "Load <load@example.org>", "Distinct Sender <distinct@sender.test>", "ABCabcABC", "aaab",
            "x@Y.z", "[brackets] and `backticks` ~@^_", "tail match", "Ünïcode Sender", "Kelvin \u{212A}",
        ]
        let needles = [
            "a", "A", "load", "LOAD@EXAMPLE", "distinct@sender.test", "abcA", "aab", "x@y.Z", "[", "`", "@^_", "match",
            "tail match!", "ü", "Ü", "k", "kelvin k", "zzz",
        ]
        for h in haystacks {
            for n in needles {
                let foundation = h.range(of: n, options: [.caseInsensitive]) != nil
                #expect(textContains(h, n) == foundation, "\(h) contains \(n)")
                if let fast = asciiContains(h, n) {
                    #expect(fast == foundation, "ASCII path: \(h) contains \(n)")
                    #expect(h.allSatisfy(\.isASCII) && n.allSatisfy(\.isASCII))
                }
            }
        }
        #expect(asciiContains("Kelvin \u{212A}", "k") == nil)
        #expect(asciiContains("abc", "é") == nil)
        #expect(textContains("anything", ""))
    }
}
