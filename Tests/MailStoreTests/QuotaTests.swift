// Quota accounting (bytes and messages, a copy counts again) and refusal that changes nothing.

import Foundation
import MailStore
import MailTestSupport
import Testing

@Suite struct QuotaTests {
    @Test func usageFollowsAppendCopyExpungeAndDelete() async throws {
        let f = try await StoreFixture.make()
        let inbox = try await f.mailbox("INBOX")
        let box = try await f.store.createMailbox(account: f.account.id, name: "Box")
        let m1 = TestMessage(body: String(repeating: "a", count: 1000))
        let m2 = TestMessage(body: String(repeating: "b", count: 2000))
        let s1 = Int64(m1.bytes.count)
        let s2 = Int64(m2.bytes.count)
        try await f.append(m1)
        try await f.append(m2)
        var q = try await f.store.quota(account: f.account.id)
        #expect(q.bytes == s1 + s2 && q.messages == 2 && q.limitBytes == nil)
        _ = try await f.store.copy(from: inbox.id, uids: [1, 2], to: box.id)
        q = try await f.store.quota(account: f.account.id)
        #expect(q.bytes == 2 * (s1 + s2) && q.messages == 4)  // Dovecot-style: copies count
        #expect(try await f.mailbox("Box").size == s1 + s2)
        _ = try await f.store.storeFlags(mailbox: inbox.id, uids: [1], operation: .add, flags: [.deleted])
        try await f.store.expunge(mailbox: inbox.id)
        q = try await f.store.quota(account: f.account.id)
        #expect(q.bytes == s1 + 2 * s2 && q.messages == 3)
        try await f.store.deleteMailbox(account: f.account.id, name: "Box")
        q = try await f.store.quota(account: f.account.id)
        #expect(q.bytes == s2 && q.messages == 1)
    }

    @Test func overQuotaRefusalLeavesNothingChanged() async throws {
        let message = TestMessage(body: String(repeating: "x", count: 400))
        let size = Int64(message.bytes.count)
        let f = try await StoreFixture.make(quotaBytes: size * 2 + size / 2)
        let inbox = try await f.mailbox("INBOX")
        try await f.append(message)
        try await f.append(message)
        let before = try await f.mailbox("INBOX")
        await #expect(throws: StoreError.overQuota) { try await f.append(message) }
        let archive = try await f.mailbox("Archive")
        await #expect(throws: StoreError.overQuota) {
            try await f.store.copy(from: inbox.id, uids: [1], to: archive.id)
        }
        let after = try await f.mailbox("INBOX")
        #expect(after == before)
        #expect(try await f.mailbox("Archive") == archive)
        #expect(try await f.store.quota(account: f.account.id).bytes == 2 * size)
        // A move does not add usage: allowed at the limit.
        _ = try await f.store.move(from: inbox.id, uids: [1], to: archive.id)
        // Raising the quota lets the append through.
        try await f.store.updateAccount(f.account.id, passwordHash: nil, displayName: nil, quotaBytes: .some(nil))
        try await f.append(message)
        #expect(try await f.store.quota(account: f.account.id).messages == 3)
    }
}
