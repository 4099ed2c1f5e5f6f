// POP3 maildrop state: hidden messages ("keep" policy), exact-UID expunge ("expunge" policy), size cache.

import Foundation
import MailTestSupport
import Testing

@testable import MailStore

@Suite struct POP3StateTests {
    @Test func hiddenMessagesLeavePOP3ButStayInINBOX() async throws {
        let f = try await StoreFixture.make()
        let inbox = try await f.mailbox("INBOX")
        let a = try await f.append(TestMessage(subject: "a"))
        let b = try await f.append(TestMessage(subject: "b"))
        try await f.store.hideFromPOP3(mailbox: inbox.id, uids: [a.uid, 999])
        let drop = try await f.store.pop3Maildrop(mailbox: inbox.id)
        #expect(drop.entries.map(\.uid) == [b.uid])
        #expect(drop.uidValidity == inbox.uidValidity)
        #expect(try await f.store.messages(mailbox: inbox.id).map(\.uid) == [a.uid, b.uid])
        // When IMAP expunges the hidden message, its hidden row goes with it (ON DELETE CASCADE).
        _ = try await f.store.storeFlags(mailbox: inbox.id, uids: [a.uid], operation: .add, flags: [.deleted])
        try await f.store.expunge(mailbox: inbox.id)
        #expect(try await f.store.debugValue("SELECT COUNT(*) FROM pop3_hidden") == "0")
        #expect(try await f.store.checkIntegrity().isEmpty)
    }

    @Test func expungeForPOP3RemovesExactlyTheGivenUIDs() async throws {
        let f = try await StoreFixture.make()
        let inbox = try await f.mailbox("INBOX")
        let a = try await f.append(TestMessage(subject: "a"))
        // Flagged \Deleted by an IMAP user, not by POP3: must stay.
        let b = try await f.append(TestMessage(subject: "b"), flags: [.deleted])
        let c = try await f.append(TestMessage(subject: "c"))
        let feed = f.store.changeFeed.subscribe(account: f.account.id)
        let events = Task { () -> [UID] in
            for await change in feed {
                if case .expunged(_, _, let uids) = change { return uids }
            }
            return []
        }
        let gone = try await f.store.expungeForPOP3(mailbox: inbox.id, uids: [c.uid, a.uid])
        #expect(gone == [a.uid, c.uid])
        #expect(try await f.store.messages(mailbox: inbox.id).map(\.uid) == [b.uid])
        #expect(await events.value == [a.uid, c.uid])
        let changes = try await f.store.changes(mailbox: inbox.id, since: ModSeq(1))
        #expect(changes.vanished == [a.uid, c.uid])
    }

    @Test func sizesAreRecordedOncePerMessage() async throws {
        let f = try await StoreFixture.make()
        let inbox = try await f.mailbox("INBOX")
        let a = try await f.append(TestMessage(subject: "a"))
        #expect(try await f.store.pop3Maildrop(mailbox: inbox.id).entries.first?.pop3Size == nil)
        try await f.store.recordPOP3Sizes(mailbox: inbox.id, sizes: [a.uid: 1234, UID(77): 5])
        #expect(try await f.store.pop3Maildrop(mailbox: inbox.id).entries.first?.pop3Size == 1234)
        try await f.store.expungeForPOP3(mailbox: inbox.id, uids: [a.uid])
        #expect(try await f.store.debugValue("SELECT COUNT(*) FROM pop3_sizes") == "0")
    }
}
