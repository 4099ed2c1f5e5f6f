// Messages: append metadata, flags, expunge, copy, move, threading, delivery to many mailboxes.

import Foundation
import MailStore
import MailTestSupport
import Testing

@Suite struct MessageTests {
    @Test func appendStoresMetadataAndFlags() async throws {
        let f = try await StoreFixture.make()
        let message = TestMessage(subject: "Quarterly report", body: "Numbers inside.\r\n")
        let date = Date(timeIntervalSince1970: 1_650_000_000)
        let r = try await f.append(message, flags: [.seen, Flag("$Forwarded")!], internalDate: date)
        let inbox = try await f.mailbox("INBOX")
        #expect(r.uidValidity == inbox.uidValidity)
        let summary = try #require(try await f.store.messages(mailbox: inbox.id).first)
        #expect(summary.flags == [.seen, Flag("$forwarded")!])
        #expect(summary.size == Int64(message.bytes.count))
        #expect(summary.internalDate == date)
        #expect(summary.emailID == r.emailID && summary.threadID == r.threadID)
        let details = try await f.store.messageDetails(mailbox: inbox.id, uids: [r.uid, 99])
        #expect(details.count == 1)
        let d = try #require(details.first)
        #expect(d.subject == "Quarterly report")
        #expect(d.messageIDHeader == String(message.messageID.dropFirst().dropLast()))
        #expect(d.from == message.metadata.from && d.preview == message.metadata.preview)
        #expect(d.envelope == message.metadata.envelope)
        #expect(d.blob.size == Int64(message.bytes.count))
        #expect(try await f.store.readBlob(d.blob) == message.bytes)
        #expect(inbox.unseenCount == 0 && inbox.messageCount == 1)
    }

    @Test func flagOperationsAndUnseenCount() async throws {
        let f = try await StoreFixture.make()
        let inbox = try await f.mailbox("INBOX")
        for _ in 0..<3 { try await f.append() }
        #expect(try await f.mailbox("INBOX").unseenCount == 3)
        _ = try await f.store.storeFlags(
            mailbox: inbox.id, uids: [1, 2], operation: .add, flags: [.seen, Flag("Work")!])
        #expect(try await f.mailbox("INBOX").unseenCount == 1)
        let removed = try await f.store.storeFlags(mailbox: inbox.id, uids: [2], operation: .remove, flags: [.seen])
        #expect(removed.updated.first?.flags == [Flag("work")!])
        let replaced = try await f.store.storeFlags(
            mailbox: inbox.id, uids: [1, 3, 42], operation: .replace, flags: [.flagged])
        #expect(replaced.updated.map(\.uid) == [1, 3])
        let flags = try await f.store.messages(mailbox: inbox.id).map(\.flags)
        #expect(flags == [[.flagged], [Flag("Work")!], [.flagged]])
        #expect(try await f.mailbox("INBOX").unseenCount == 3)
        // A keyword keeps the spelling first used.
        _ = try await f.store.storeFlags(mailbox: inbox.id, uids: [2], operation: .add, flags: [Flag("WORK")!])
        #expect(try await f.store.messages(mailbox: inbox.id)[1].flags.first?.name == "Work")
    }

    @Test func expungeRemovesOnlyDeletedAndOnlyGivenUIDs() async throws {
        let f = try await StoreFixture.make()
        let inbox = try await f.mailbox("INBOX")
        for _ in 0..<4 { try await f.append() }
        _ = try await f.store.storeFlags(mailbox: inbox.id, uids: [1, 2, 3], operation: .add, flags: [.deleted])
        #expect(try await f.store.expunge(mailbox: inbox.id, uids: [2, 4]) == [2])
        #expect(try await f.store.messages(mailbox: inbox.id).map(\.uid) == [1, 3, 4])
        #expect(try await f.store.expunge(mailbox: inbox.id) == [1, 3])
        #expect(try await f.store.expunge(mailbox: inbox.id) == [])
        #expect(try await f.store.messages(mailbox: inbox.id).map(\.uid) == [4])
    }

    @Test func copyKeepsFlagsAndEmailIDAndGivesAscendingUIDs() async throws {
        let f = try await StoreFixture.make()
        let inbox = try await f.mailbox("INBOX")
        let archive = try await f.mailbox("Archive")
        let a = try await f.append(flags: [.seen])
        let b = try await f.append(flags: [.flagged])
        try await f.append(to: "Archive")
        let result = try await f.store.copy(from: inbox.id, uids: [b.uid, a.uid, 77], to: archive.id)
        #expect(result.destinationUIDValidity == archive.uidValidity)
        #expect(result.mappings == [UIDMapping(source: 1, destination: 2), UIDMapping(source: 2, destination: 3)])
        let copied = try await f.store.messages(mailbox: archive.id)
        #expect(copied.map(\.uid) == [1, 2, 3])
        #expect(copied[1].emailID == a.emailID && copied[1].flags == [.seen])
        #expect(copied[2].emailID == b.emailID && copied[2].flags == [.flagged])
        #expect(try await f.store.messages(mailbox: inbox.id).count == 2)  // source untouched
        let empty = try await f.store.copy(from: inbox.id, uids: [99], to: archive.id)
        #expect(empty.mappings.isEmpty)
    }

    @Test func moveIsAtomicAndKeepsEmailID() async throws {
        let f = try await StoreFixture.make()
        let inbox = try await f.mailbox("INBOX")
        let trash = try await f.mailbox("Trash")
        let a = try await f.append(flags: [.answered])
        try await f.append()
        let result = try await f.store.move(from: inbox.id, uids: [a.uid], to: trash.id)
        #expect(result.mappings == [UIDMapping(source: a.uid, destination: 1)])
        let moved = try await f.store.messages(mailbox: trash.id)
        #expect(moved.map(\.emailID) == [a.emailID])
        #expect(moved.first?.flags == [.answered])
        #expect(try await f.store.messages(mailbox: inbox.id).map(\.uid) == [2])
        let changes = try await f.store.changes(mailbox: inbox.id, since: a.modSeq)
        #expect(changes.vanished == [a.uid])
        // Usage unchanged by a move: the message is in one mailbox before and after.
        let usage = try await f.store.quota(account: f.account.id)
        #expect(usage.messages == 2)
        // Moving to a mailbox of another account is refused and changes nothing.
        let other = try await f.store.createAccount(NewAccount(address: "other@example.test", passwordHash: "x"))
        let otherInbox = try #require(try await f.store.mailbox(account: other.id, name: "INBOX"))
        await #expect(throws: StoreError.self) {
            try await f.store.move(from: inbox.id, uids: [2], to: otherInbox.id)
        }
        #expect(try await f.store.messages(mailbox: inbox.id).map(\.uid) == [2])
    }

    @Test func threadsFollowReferencesInBothDirections() async throws {
        let f = try await StoreFixture.make()
        let root = TestMessage(subject: "Plan", messageID: "<root@x>")
        let reply = TestMessage(
            subject: "Re: Plan", messageID: "<reply@x>", inReplyTo: "<root@x>", references: ["<root@x>"])
        let other = TestMessage(subject: "Other", messageID: "<other@x>")
        // The reply arrives first; the root then joins its thread.
        let r1 = try await f.append(reply)
        let r2 = try await f.append(root)
        let r3 = try await f.append(other)
        let r4 = try await f.append(
            TestMessage(subject: "Re: Re: Plan", messageID: "<r2@x>", references: ["<root@x>", "<reply@x>"]))
        #expect(r2.threadID == r1.threadID)
        #expect(r4.threadID == r1.threadID)
        #expect(r3.threadID != r1.threadID)
        #expect(r1.threadID.rawValue == r1.emailID.rawValue)
        #expect(Set([r1, r2, r3, r4].map(\.emailID)).count == 4)
    }

    @Test func deliverToManyMailboxesIsAllOrNothing() async throws {
        let f = try await StoreFixture.make()
        let second = try await f.store.createAccount(NewAccount(address: "two@example.test", passwordHash: "x"))
        let full = try await f.store.createAccount(
            NewAccount(address: "full@example.test", passwordHash: "x", quotaBytes: 10))
        let inbox1 = try await f.mailbox("INBOX")
        let inbox2 = try #require(try await f.store.mailbox(account: second.id, name: "INBOX"))
        let inbox3 = try #require(try await f.store.mailbox(account: full.id, name: "INBOX"))
        let message = TestMessage(subject: "To all")
        let blob = try await f.store.writeBlob(bytes: message.bytes)
        let results = try await f.store.deliver(
            DeliveryRequest(
                blob: blob, metadata: message.metadata,
                targets: [
                    DeliveryTarget(account: f.account.id, mailbox: inbox1.id),
                    DeliveryTarget(account: second.id, mailbox: inbox2.id, flags: [.flagged]),
                ]))
        #expect(results.count == 2)
        #expect(results[0].emailID != results[1].emailID)  // one message per account
        #expect(try await f.store.messages(mailbox: inbox2.id).first?.flags == [.flagged])

        await #expect(throws: StoreError.overQuota) {
            try await f.store.deliver(
                DeliveryRequest(
                    blob: blob, metadata: message.metadata,
                    targets: [
                        DeliveryTarget(account: f.account.id, mailbox: inbox1.id),
                        DeliveryTarget(account: full.id, mailbox: inbox3.id),
                    ]))
        }
        #expect(try await f.store.messages(mailbox: inbox1.id).count == 1)  // nothing of the failed delivery
        #expect(try await f.mailbox("INBOX").uidNext == 2)
    }

    @Test func appendToUnknownMailboxOrWithMissingBlobFails() async throws {
        let f = try await StoreFixture.make()
        let inbox = try await f.mailbox("INBOX")
        let message = TestMessage()
        let blob = try await f.store.writeBlob(bytes: message.bytes)
        await #expect(throws: StoreError.notFound("The mailbox 9999")) {
            try await f.store.append(
                AppendRequest(
                    account: f.account.id, mailbox: MailboxID(rawValue: 9999), blob: blob, metadata: message.metadata))
        }
        let phantom = try #require(BlobRef(hash: String(repeating: "ab", count: 32), size: 3))
        await #expect(throws: StoreError.blobMissing(phantom.hash)) {
            try await f.store.append(
                AppendRequest(account: f.account.id, mailbox: inbox.id, blob: phantom, metadata: message.metadata))
        }
        #expect(try await f.mailbox("INBOX").uidNext == 1)
    }
}
