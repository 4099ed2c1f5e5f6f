// UID and MODSEQ invariants (RFC 9051 §2.3.1.1, RFC 7162 §3.1): ascending, never reused, also across
// restarts and across delete-and-recreate of a name; MODSEQ strictly increasing; changes(since:).

import Foundation
import MailStore
import MailTestSupport
import Testing

@Suite struct UIDModSeqTests {
    @Test func uidsAscendAndAreNeverReusedAfterExpunge() async throws {
        let f = try await StoreFixture.make()
        let inbox = try await f.mailbox("INBOX")
        var uids: [UID] = []
        for _ in 0..<3 { uids.append(try await f.append().uid) }
        #expect(uids == [1, 2, 3])
        _ = try await f.store.storeFlags(mailbox: inbox.id, uids: [3], operation: .add, flags: [.deleted])
        #expect(try await f.store.expunge(mailbox: inbox.id) == [3])
        #expect(try await f.append().uid == 4)  // 3 is never handed out again
        let info = try await f.mailbox("INBOX")
        #expect(info.uidNext == 5)
        #expect(info.messageCount == 3)
    }

    @Test func uidsSurviveCloseAndReopen() async throws {
        var f = try await StoreFixture.make()
        let inbox = try await f.mailbox("INBOX")
        _ = try await f.append()
        _ = try await f.append()
        _ = try await f.store.storeFlags(mailbox: inbox.id, uids: [2], operation: .add, flags: [.deleted])
        try await f.store.expunge(mailbox: inbox.id)
        let before = try await f.mailbox("INBOX")
        f = try await f.reopened()
        let after = try await f.mailbox("INBOX")
        #expect(after.uidValidity == before.uidValidity)
        #expect(after.uidNext == 3)
        #expect(after.highestModSeq == before.highestModSeq)
        #expect(try await f.append().uid == 3)
        try await f.store.close()
    }

    @Test func recreatedMailboxGetsLargerUIDValidity() async throws {
        let f = try await StoreFixture.make()
        let first = try await f.store.createMailbox(account: f.account.id, name: "Projects")
        _ = try await f.append(to: "Projects")
        try await f.store.deleteMailbox(account: f.account.id, name: "Projects")
        let second = try await f.store.createMailbox(account: f.account.id, name: "Projects")
        #expect(second.uidValidity > first.uidValidity)
        #expect(second.id != first.id)
        #expect(second.uidNext == 1)
        #expect(second.uidValidity != 0)
    }

    @Test func modSeqStrictlyIncreasesOnAppendFlagsAndExpunge() async throws {
        let f = try await StoreFixture.make()
        let inbox = try await f.mailbox("INBOX")
        var seen: [ModSeq] = [inbox.highestModSeq]
        let a = try await f.append()
        seen.append(a.modSeq)
        let b = try await f.append()
        seen.append(b.modSeq)
        let stored = try await f.store.storeFlags(mailbox: inbox.id, uids: [1, 2], operation: .add, flags: [.seen])
        #expect(stored.updated.count == 2)
        #expect(Set(stored.updated.map(\.modSeq)).count == 1)  // one MODSEQ per operation
        seen.append(stored.highestModSeq)
        _ = try await f.store.storeFlags(mailbox: inbox.id, uids: [1], operation: .add, flags: [.deleted])
        seen.append(try await f.mailbox("INBOX").highestModSeq)
        try await f.store.expunge(mailbox: inbox.id)
        seen.append(try await f.mailbox("INBOX").highestModSeq)
        for (x, y) in zip(seen, seen.dropFirst()) { #expect(x < y) }

        // A STORE that changes nothing keeps MODSEQ.
        let before = try await f.mailbox("INBOX").highestModSeq
        let noop = try await f.store.storeFlags(mailbox: inbox.id, uids: [2], operation: .add, flags: [.seen])
        #expect(noop.updated.isEmpty && noop.unchanged.count == 1)
        #expect(try await f.mailbox("INBOX").highestModSeq == before)
    }

    @Test func changesSinceReturnsExactlyChangedAndVanished() async throws {
        let f = try await StoreFixture.make()
        let inbox = try await f.mailbox("INBOX")
        for _ in 0..<5 { try await f.append() }
        let mark = try await f.mailbox("INBOX").highestModSeq
        _ = try await f.store.storeFlags(mailbox: inbox.id, uids: [2], operation: .add, flags: [.flagged])
        _ = try await f.store.storeFlags(mailbox: inbox.id, uids: [4, 5], operation: .add, flags: [.deleted])
        try await f.store.expunge(mailbox: inbox.id, uids: [4])
        try await f.append()  // uid 6

        let changes = try await f.store.changes(mailbox: inbox.id, since: mark)
        #expect(changes.changed.map(\.uid) == [2, 5, 6])
        #expect(changes.vanished == [4])
        #expect(changes.highestModSeq == (try await f.mailbox("INBOX").highestModSeq))
        #expect(changes.uidValidity == inbox.uidValidity)

        let later = try await f.store.changes(mailbox: inbox.id, since: changes.highestModSeq)
        #expect(later.changed.isEmpty && later.vanished.isEmpty)

        let all = try await f.store.changes(mailbox: inbox.id, since: .zero)
        #expect(all.changed.map(\.uid) == [1, 2, 3, 5, 6])
    }

    @Test func unchangedSinceFailsModifiedMessages() async throws {
        let f = try await StoreFixture.make()
        let inbox = try await f.mailbox("INBOX")
        let one = try await f.append()
        try await f.append()
        _ = try await f.store.storeFlags(mailbox: inbox.id, uids: [2], operation: .add, flags: [.seen])
        // RFC 7162 §3.1.3: message 2 changed after one.modSeq, so it fails; message 1 is updated.
        let result = try await f.store.storeFlags(
            mailbox: inbox.id, uids: [1, 2], operation: .add, flags: [.answered], unchangedSince: one.modSeq)
        #expect(result.failed == [2])
        #expect(result.updated.map(\.uid) == [1])
        let zero = try await f.store.storeFlags(
            mailbox: inbox.id, uids: [1], operation: .add, flags: [.flagged], unchangedSince: .zero)
        #expect(zero.failed == [1])
    }
}
