// The outbound queue's persistence: grouping due work, deferring, finishing, retry and removal.

import Foundation
import MailStore
import MailTestSupport
import Testing

@Suite struct OutboundQueueTests {
    func enqueue(_ f: StoreFixture, _ recipients: [String], from: String = "user@example.test") async throws
        -> QueueMessageID
    {
        let blob = try await f.store.writeBlob(bytes: TestMessage(subject: "out").bytes)
        return try await f.store.enqueue(
            OutboundMessage(mailFrom: from, blob: blob, recipients: recipients.map { OutboundRecipient(address: $0) }))
    }

    @Test func dueWorkIsGroupedPerMessageAndDomain() async throws {
        let f = try await StoreFixture.make()
        let a = try await enqueue(f, ["x@one.example", "y@two.example", "z@One.Example"])
        let b = try await enqueue(f, ["w@one.example"])
        let work = try await f.store.dueQueueWork(now: Date(), busy: [], limit: 10)
        #expect(
            work.map { "\($0.messageID.rawValue) \($0.domain)" } == [
                "\(a.rawValue) one.example", "\(a.rawValue) two.example", "\(b.rawValue) one.example",
            ])
        #expect(work[0].recipients.map(\.recipient.address) == ["x@one.example", "z@One.Example"])
        #expect(work[0].message.mailFrom == "user@example.test")
        // Busy recipients are skipped; the limit counts groups.
        let busy = Set(work[0].recipients.map(\.id))
        let rest = try await f.store.dueQueueWork(now: Date(), busy: busy, limit: 1)
        #expect(rest.count == 1 && rest[0].domain == "two.example")
    }

    @Test func deferringPostponesAndCountsAttempts() async throws {
        let f = try await StoreFixture.make()
        _ = try await enqueue(f, ["x@one.example"])
        let work = try await f.store.dueQueueWork(now: Date(), busy: [], limit: 10)
        let later = Date().addingTimeInterval(600)
        try await f.store.deferQueueRecipients(
            work[0].recipients.map { QueueDeferral($0.id, error: "421 try later", nextAttempt: later) })
        #expect(try await f.store.dueQueueWork(now: Date(), busy: [], limit: 10).isEmpty)
        let again = try await f.store.dueQueueWork(now: later.addingTimeInterval(1), busy: [], limit: 10)
        #expect(again.first?.recipients.first?.attempts == 1)
        #expect(again.first?.recipients.first?.lastError == "421 try later")
        #expect(again.first?.recipients.first?.delayNotified == false)
        let next = try await f.store.nextQueueAttempt()
        #expect(abs((next ?? .distantPast).timeIntervalSince(later)) < 0.01)
        // retry makes it due now.
        #expect(try await f.store.retryQueue() == 1)
        #expect(try await f.store.dueQueueWork(now: Date(), busy: [], limit: 10).count == 1)
    }

    @Test func finishingTheLastRecipientRemovesTheMessage() async throws {
        let f = try await StoreFixture.make()
        let id = try await enqueue(f, ["x@one.example", "y@two.example"])
        let work = try await f.store.dueQueueWork(now: Date(), busy: [], limit: 10)
        try await f.store.finishQueueRecipients(work[0].recipients.map(\.id))
        #expect(try await f.store.queuedMessage(id) != nil)
        try await f.store.finishQueueRecipients(work[1].recipients.map(\.id))
        #expect(try await f.store.queuedMessage(id) == nil)
        #expect(try await f.store.queueEntries().isEmpty)
        #expect(try await f.store.nextQueueAttempt() == nil)
    }

    @Test func delayNoticeIsRemembered() async throws {
        let f = try await StoreFixture.make()
        _ = try await enqueue(f, ["x@one.example"])
        let ids = try await f.store.dueQueueWork(now: Date(), busy: [], limit: 10)[0].recipients.map(\.id)
        let now = Date()
        try await f.store.deferQueueRecipients(
            ids.map { QueueDeferral($0, error: "x", nextAttempt: now, delayNotified: true) })
        #expect(try await f.store.dueQueueWork(now: now, busy: [], limit: 10)[0].recipients[0].delayNotified)
        // A later deferral without a notice keeps the mark: one notice per recipient.
        try await f.store.deferQueueRecipients(ids.map { QueueDeferral($0, error: "y", nextAttempt: now) })
        let recipient = try await f.store.dueQueueWork(now: now, busy: [], limit: 10)[0].recipients[0]
        #expect(recipient.delayNotified && recipient.attempts == 2 && recipient.lastError == "y")
    }

    @Test func removeDeletesOnlyThatMessage() async throws {
        let f = try await StoreFixture.make()
        let a = try await enqueue(f, ["x@one.example", "y@two.example"])
        let b = try await enqueue(f, ["z@one.example"])
        #expect(try await f.store.removeQueuedMessage(a) == 2)
        #expect(try await f.store.removeQueuedMessage(a) == 0)
        #expect(try await f.store.queueEntries().map(\.message) == [b])
        #expect(try await f.store.retryQueue(message: a) == 0)
        #expect(try await f.store.retryQueue(message: b) == 1)
    }

    @Test func enqueueRingsTheBell() async throws {
        let f = try await StoreFixture.make()
        _ = try await enqueue(f, ["x@one.example"])
        // Rung before the wait: returns at once rather than after the (long) timeout.
        let start = ContinuousClock.now
        await f.store.queueBell.wait(timeout: .seconds(30))
        #expect(ContinuousClock.now - start < .seconds(5))
    }
}
