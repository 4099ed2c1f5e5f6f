// Change feed: events after commit, per account and mailbox; slow subscribers get a resync marker.

import Foundation
import MailStore
import MailTestSupport
import Testing

@Suite struct ChangeFeedTests {
    @Test func eventsArriveAfterCommitForTheRightAccountAndMailbox() async throws {
        let f = try await StoreFixture.make()
        let inbox = try await f.mailbox("INBOX")
        let other = try await f.store.createAccount(NewAccount(address: "other@example.test", passwordHash: "x"))
        let all = f.store.changeFeed.subscribe(account: f.account.id)
        let onlyInbox = f.store.changeFeed.subscribe(account: f.account.id, mailbox: inbox.id)
        let others = f.store.changeFeed.subscribe(account: other.id)

        let appended = try await f.append()
        // The event is there, and what it announces is readable.
        var iterator = all.makeAsyncIterator()
        let first = await iterator.next()
        #expect(first == .messagesAppended(account: f.account.id, mailbox: inbox.id, uids: [appended.uid]))
        #expect(try await f.store.messages(mailbox: inbox.id).count == 1)

        try await f.append(to: "Archive")
        _ = try await f.store.storeFlags(mailbox: inbox.id, uids: [1], operation: .add, flags: [.deleted])
        try await f.store.expunge(mailbox: inbox.id)
        let created = try await f.store.createMailbox(account: f.account.id, name: "New")
        try await f.store.renameMailbox(account: f.account.id, from: "New", to: "Newer")
        try await f.store.deleteMailbox(account: f.account.id, name: "Newer")

        var rest: [StoreChange] = []
        for _ in 0..<6 { if let e = await iterator.next() { rest.append(e) } }
        let archive = try await f.mailbox("Archive")
        #expect(
            rest == [
                .messagesAppended(account: f.account.id, mailbox: archive.id, uids: [1]),
                .flagsChanged(account: f.account.id, mailbox: inbox.id, uids: [1]),
                .expunged(account: f.account.id, mailbox: inbox.id, uids: [1]),
                .mailboxCreated(account: f.account.id, mailbox: created.id, name: "New"),
                .mailboxRenamed(account: f.account.id, mailbox: created.id, from: "New", to: "Newer"),
                .mailboxDeleted(account: f.account.id, mailbox: created.id, name: "Newer"),
            ])

        var inboxIterator = onlyInbox.makeAsyncIterator()
        var inboxEvents: [StoreChange] = []
        for _ in 0..<3 { if let e = await inboxIterator.next() { inboxEvents.append(e) } }
        #expect(inboxEvents.allSatisfy { $0.mailbox == inbox.id })

        // The other account saw nothing: close the store, which ends every stream.
        try await f.store.close()
        var otherEvents: [StoreChange] = []
        for await e in others { otherEvents.append(e) }
        #expect(otherEvents.isEmpty)
    }

    @Test func slowSubscriberGetsResyncInsteadOfBlockingPublishers() async throws {
        let f = try await StoreFixture.make()
        let inbox = try await f.mailbox("INBOX")
        try await f.append()
        let stream = f.store.changeFeed.subscribe(account: f.account.id)
        let n = ChangeFeed.bufferLimit + 50
        for i in 0..<n {
            _ = try await f.store.storeFlags(
                mailbox: inbox.id, uids: [1], operation: i % 2 == 0 ? .add : .remove, flags: [.seen])
        }
        try await f.store.close()
        var events: [StoreChange] = []
        for await e in stream { events.append(e) }
        #expect(events.count == ChangeFeed.bufferLimit)
        #expect(events.last == .resync(account: f.account.id))
    }

    @Test func subscriptionEndsWhenTheConsumerGoesAway() async throws {
        let f = try await StoreFixture.make()
        do {
            let stream = f.store.changeFeed.subscribe(account: f.account.id)
            #expect(f.store.changeFeed.subscriberCount == 1)
            _ = stream
        }
        #expect(f.store.changeFeed.subscriberCount == 0)
    }
}
