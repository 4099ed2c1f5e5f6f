// Mailboxes: create with parents, delete, rename (children, INBOX), subscriptions, names.

import Foundation
import MailStore
import MailTestSupport
import Testing

@Suite struct MailboxTests {
    @Test func newAccountHasDefaultMailboxesSubscribed() async throws {
        let f = try await StoreFixture.make()
        let boxes = try await f.store.mailboxes(account: f.account.id)
        #expect(boxes.map(\.name) == ["INBOX", "Archive", "Drafts", "Junk", "Sent", "Trash"])
        #expect(boxes.allSatisfy { $0.subscribed })
        #expect(boxes.first { $0.name == "Sent" }?.specialUse == .sent)
        #expect(Set(boxes.map(\.uidValidity)).count == boxes.count)
        #expect(try await f.store.subscriptions(account: f.account.id).count == 6)
    }

    @Test func inboxIsCaseInsensitive() async throws {
        let f = try await StoreFixture.make()
        #expect(try await f.store.mailbox(account: f.account.id, name: "inbox")?.name == "INBOX")
        #expect(try await f.store.mailbox(account: f.account.id, name: "InBoX")?.name == "INBOX")
        let child = try await f.store.createMailbox(account: f.account.id, name: "inbox/Lists")
        #expect(child.name == "INBOX/Lists")
        #expect(try await f.store.mailbox(account: f.account.id, name: "Drafts") != nil)
        #expect(try await f.store.mailbox(account: f.account.id, name: "drafts") == nil)  // others are case-sensitive
    }

    @Test func createMakesParentsAndRefusesDuplicatesAndBadNames() async throws {
        let f = try await StoreFixture.make()
        let leaf = try await f.store.createMailbox(account: f.account.id, name: "Work/2024/Q1/")
        #expect(leaf.name == "Work/2024/Q1")
        #expect(leaf.subscribed == false)
        let names = try await f.store.mailboxes(account: f.account.id).map(\.name)
        #expect(names.contains("Work") && names.contains("Work/2024"))
        await #expect(throws: StoreError.alreadyExists("The mailbox Work")) {
            try await f.store.createMailbox(account: f.account.id, name: "Work")
        }
        for bad in ["", "/x", "a//b", "a*", "50%", "tab\there"] {
            await #expect(throws: (any Error).self) {
                try await f.store.createMailbox(account: f.account.id, name: bad)
            }
        }
        let nfd = try await f.store.createMailbox(account: f.account.id, name: "Cafe\u{301}")
        #expect(nfd.name == "Caf\u{E9}")
    }

    @Test func deleteExpungesMessagesAndRefusesInboxAndParents() async throws {
        let f = try await StoreFixture.make()
        try await f.store.createMailbox(account: f.account.id, name: "Old/Child")
        try await f.append(to: "Old")
        await #expect(throws: StoreError.invalidName("INBOX cannot be deleted")) {
            try await f.store.deleteMailbox(account: f.account.id, name: "inbox")
        }
        await #expect(throws: StoreError.self) { try await f.store.deleteMailbox(account: f.account.id, name: "Old") }
        try await f.store.deleteMailbox(account: f.account.id, name: "Old/Child")
        try await f.store.deleteMailbox(account: f.account.id, name: "Old")
        #expect(try await f.store.mailbox(account: f.account.id, name: "Old") == nil)
        #expect(try await f.store.quota(account: f.account.id).messages == 0)
        await #expect(throws: StoreError.notFound("The mailbox Old")) {
            try await f.store.deleteMailbox(account: f.account.id, name: "Old")
        }
    }

    @Test func renameMovesChildrenAndSubscriptionsAndKeepsIdentity() async throws {
        let f = try await StoreFixture.make()
        let a = try await f.store.createMailbox(account: f.account.id, name: "A")
        try await f.store.createMailbox(account: f.account.id, name: "A/B")
        try await f.store.createMailbox(account: f.account.id, name: "AB")  // not a child of A
        try await f.store.setSubscribed(account: f.account.id, name: "A/B", true)
        let appended = try await f.append(to: "A")
        try await f.store.renameMailbox(account: f.account.id, from: "A", to: "X/Y")
        let names = Set(try await f.store.mailboxes(account: f.account.id).map(\.name))
        #expect(names.isSuperset(of: ["X", "X/Y", "X/Y/B", "AB"]))
        #expect(!names.contains("A") && !names.contains("A/B"))
        let renamed = try #require(try await f.store.mailbox(account: f.account.id, name: "X/Y"))
        #expect(renamed.id == a.id)
        #expect(renamed.uidValidity == a.uidValidity)
        #expect(try await f.store.messages(mailbox: renamed.id).map(\.uid) == [appended.uid])
        #expect(try await f.store.subscriptions(account: f.account.id).contains("X/Y/B"))
        await #expect(throws: StoreError.self) {
            try await f.store.renameMailbox(account: f.account.id, from: "X", to: "X/Y/Z")
        }
        await #expect(throws: StoreError.alreadyExists("The mailbox AB")) {
            try await f.store.renameMailbox(account: f.account.id, from: "X", to: "AB")
        }
    }

    @Test func renamingInboxMovesItsMessagesAndLeavesItEmpty() async throws {
        let f = try await StoreFixture.make()
        try await f.store.createMailbox(account: f.account.id, name: "INBOX/Sub")
        let m1 = try await f.append(TestMessage(subject: "one"), flags: [.seen])
        try await f.append(TestMessage(subject: "two"))
        let inboxBefore = try await f.mailbox("INBOX")
        try await f.store.renameMailbox(account: f.account.id, from: "INBOX", to: "Old Inbox")
        let inbox = try await f.mailbox("INBOX")
        let old = try await f.mailbox("Old Inbox")
        #expect(inbox.id == inboxBefore.id)
        #expect(inbox.messageCount == 0)
        #expect(inbox.uidNext == 3)  // UIDs of INBOX are not reused
        #expect(old.messageCount == 2)
        let moved = try await f.store.messages(mailbox: old.id)
        #expect(moved.map(\.uid) == [1, 2])
        #expect(moved[0].emailID == m1.emailID)
        #expect(moved[0].flags == [.seen])
        #expect(try await f.store.mailbox(account: f.account.id, name: "INBOX/Sub") != nil)  // children stay
        let changes = try await f.store.changes(mailbox: inbox.id, since: inboxBefore.highestModSeq)
        #expect(changes.vanished == [1, 2])
    }

    @Test func subscriptionsMayNameMissingMailboxesAndSurviveDelete() async throws {
        let f = try await StoreFixture.make()
        try await f.store.setSubscribed(account: f.account.id, name: "Ghost", true)
        try await f.store.createMailbox(account: f.account.id, name: "Temp")
        try await f.store.setSubscribed(account: f.account.id, name: "Temp", true)
        #expect(try await f.store.mailbox(account: f.account.id, name: "Temp")?.subscribed == true)
        try await f.store.deleteMailbox(account: f.account.id, name: "Temp")
        var subs = try await f.store.subscriptions(account: f.account.id)
        #expect(subs.contains("Ghost") && subs.contains("Temp"))
        try await f.store.setSubscribed(account: f.account.id, name: "Ghost", false)
        try await f.store.setSubscribed(account: f.account.id, name: "Ghost", false)  // idempotent
        subs = try await f.store.subscriptions(account: f.account.id)
        #expect(!subs.contains("Ghost"))
    }
}
