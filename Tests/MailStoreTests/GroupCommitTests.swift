// Group commit: many concurrent appends share transactions; each caller's result is committed.

import Foundation
import MailStore
import MailTestSupport
import Testing

@Suite struct GroupCommitTests {
    @Test func concurrentAppendsAreAllStoredWithDenseUniqueUIDs() async throws {
        let f = try await StoreFixture.make()
        let inbox = try await f.mailbox("INBOX")
        let count = 200
        // Blobs first, so the appends themselves arrive together.
        var requests: [AppendRequest] = []
        for i in 0..<count {
            let m = TestMessage(subject: "message \(i)", body: "body \(i)\r\n")
            let blob = try await f.store.writeBlob(bytes: m.bytes)
            requests.append(AppendRequest(account: f.account.id, mailbox: inbox.id, blob: blob, metadata: m.metadata))
        }
        let before = f.store.commitStatistics
        let store = f.store
        let results = try await withThrowingTaskGroup(of: AppendResult.self) { group in
            for request in requests { group.addTask { try await store.append(request) } }
            var all: [AppendResult] = []
            for try await r in group { all.append(r) }
            return all
        }
        let uids = results.map(\.uid.rawValue).sorted()
        #expect(uids == Array(1...UInt32(count)))
        #expect(Set(results.map(\.modSeq)).count == count)
        let stored = try await f.store.messages(mailbox: inbox.id)
        #expect(stored.count == count)
        #expect(stored.map(\.uid.rawValue) == Array(1...UInt32(count)))
        let stats = f.store.commitStatistics
        let transactions = stats.transactions - before.transactions
        #expect(stats.requests - before.requests == count)
        #expect(transactions < count, "expected batching; got \(transactions) transactions for \(count) appends")
        #expect(stats.largestBatch > 1)
    }

    @Test func oneFailingRequestDoesNotFailItsBatch() async throws {
        let f = try await StoreFixture.make()
        let inbox = try await f.mailbox("INBOX")
        let m = TestMessage()
        let blob = try await f.store.writeBlob(bytes: m.bytes)
        let good = AppendRequest(account: f.account.id, mailbox: inbox.id, blob: blob, metadata: m.metadata)
        let bad = AppendRequest(
            account: f.account.id, mailbox: MailboxID(rawValue: 424242), blob: blob, metadata: m.metadata)
        let store = f.store
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<60 {
                let request = i % 3 == 0 ? bad : good
                group.addTask { (try? await store.append(request)) != nil }
            }
            var ok = 0
            for await success in group where success { ok += 1 }
            return ok
        }
        #expect(outcomes == 40)
        #expect(try await f.store.messages(mailbox: inbox.id).count == 40)
    }
}
