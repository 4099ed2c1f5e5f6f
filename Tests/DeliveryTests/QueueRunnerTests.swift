// The queue runner's decisions after an attempt: bounces, delay notices, expiry, NOTIFY, the null sender.
// Real store in a temporary directory; no network (the outcomes are given, as a session would report them).

import DNS
import Directory
import Foundation
import MIME
import MailStore
import MailTestSupport
import SMTPProtocol
import Testing

@testable import Delivery

@Suite struct QueueRunnerTests {
    struct Setup {
        let f: StoreFixture
        let runner: QueueRunner

        init(lifetime: TimeInterval = 5 * 86_400, delayNotice: TimeInterval = 4 * 3_600) async throws {
            f = try await StoreFixture.make()
            let settings = QueueRunnerSettings(
                hostname: "mail.example.test", lifetime: lifetime, delayNotice: delayNotice, concurrency: 2,
                concurrencyPerDomain: 1, client: SMTPClientSettings(hostname: "mail.example.test"),
                routing: RoutingPolicy())
            runner = QueueRunner(
                store: f.store, directory: Directory(store: f.store), resolver: FakeDNSResolver(), settings: settings,
                signer: nil, logger: .init(label: "test"))
        }

        /// Queues one message from `from` and returns its work item, pretending it was queued `age` ago.
        func work(from: String = "user@example.test", to: [String], notify: String? = nil, age: TimeInterval = 0)
            async throws -> QueueWork
        {
            let body = TestMessage(subject: "outbound").bytes
            let blob = try await f.store.writeBlob(bytes: body)
            _ = try await f.store.enqueue(
                OutboundMessage(
                    mailFrom: from, blob: blob, recipients: to.map { OutboundRecipient(address: $0, notify: notify) },
                    envid: "ENV1"))
            var w = try #require(try await f.store.dueQueueWork(now: Date(), busy: [], limit: 1).first)
            w.createdAt = Date().addingTimeInterval(-age)
            return w
        }

        /// The delivery reports in user@example.test's INBOX, parsed.
        func reports() async throws -> [ParsedMessage] {
            let inbox = try await f.mailbox("INBOX")
            let uids = try await f.store.messages(mailbox: inbox.id).map(\.uid)
            var out: [ParsedMessage] = []
            for d in try await f.store.messageDetails(mailbox: inbox.id, uids: uids) {
                out.append(MIMEParser.parse(try await f.store.readBlob(d.blob)))
            }
            return out
        }

        func statusPart(_ m: ParsedMessage) -> String {
            guard m.root.children.count > 1 else { return "" }
            return String(decoding: m.bytes[m.root.children[1].bodyRange], as: UTF8.self)
        }
    }

    static let refused = SMTPReply(550, EnhancedStatusCode(5, 1, 1), "no such user")
    static let deferred = SMTPReply(451, EnhancedStatusCode(4, 3, 0), "try again later")

    @Test func permanentFailureBouncesToTheLocalSenderAndLeavesTheQueue() async throws {
        let s = try await Setup()
        let w = try await s.work(to: ["a@remote.example", "b@remote.example"])
        try await s.runner.record(
            .init(
                outcomes: [.delivered(SMTPReply(250, nil, "ok")), .permanent(reason: "refused", reply: Self.refused)],
                remoteMTA: "mx.remote.example"), for: w)
        let reports = try await s.reports()
        #expect(reports.count == 1)
        let status = s.statusPart(try #require(reports.first))
        #expect(status.contains("Final-Recipient: rfc822; b@remote.example\r\n"))
        #expect(!status.contains("a@remote.example"))
        #expect(status.contains("Status: 5.1.1\r\nRemote-MTA: dns; mx.remote.example\r\n"))
        #expect(status.contains("Original-Envelope-Id: ENV1\r\n"))
        #expect(try await s.f.store.queueEntries().isEmpty)
    }

    @Test func temporaryFailureIsRetriedLaterWithoutAReport() async throws {
        let s = try await Setup()
        let w = try await s.work(to: ["a@remote.example"])
        try await s.runner.record(.init(outcomes: [.temporary(reason: "deferred", reply: Self.deferred)]), for: w)
        #expect(try await s.reports().isEmpty)
        let entries = try await s.f.store.queueEntries()
        #expect(entries.count == 1 && entries[0].attempts == 1)
        #expect(entries[0].lastError?.contains("451 4.3.0") == true)
        #expect(entries[0].nextAttempt.timeIntervalSinceNow > 4 * 60)
    }

    @Test func delayNoticeOnceAfterTheConfiguredTime() async throws {
        let s = try await Setup(delayNotice: 3_600)
        let w = try await s.work(to: ["a@remote.example"], age: 2 * 3_600)
        try await s.runner.record(.init(outcomes: [.temporary(reason: "deferred", reply: Self.deferred)]), for: w)
        var reports = try await s.reports()
        #expect(reports.count == 1)
        #expect(s.statusPart(reports[0]).contains("Action: delayed\r\n"))
        #expect(s.statusPart(reports[0]).contains("Will-Retry-Until: "))
        #expect(try await s.f.store.queueEntries().count == 1)
        // The next failure sends no second notice.
        _ = try await s.f.store.retryQueue()
        var again = try #require(try await s.f.store.dueQueueWork(now: Date(), busy: [], limit: 1).first)
        again.createdAt = w.createdAt
        try await s.runner.record(.init(outcomes: [.temporary(reason: "deferred", reply: Self.deferred)]), for: again)
        reports = try await s.reports()
        #expect(reports.count == 1)
    }

    @Test func expiryBouncesWithDeliveryTimeExpired() async throws {
        let s = try await Setup(lifetime: 86_400)
        let w = try await s.work(to: ["a@remote.example"], age: 86_401)
        try await s.runner.record(.init(outcomes: [.temporary(reason: "connection refused", reply: nil)]), for: w)
        let reports = try await s.reports()
        #expect(reports.count == 1)
        #expect(s.statusPart(reports[0]).contains("Action: failed\r\nStatus: 4.4.7\r\n"))
        #expect(try await s.f.store.queueEntries().isEmpty)
    }

    @Test func notifyNeverAndTheNullSenderGetNoReport() async throws {
        let s = try await Setup()
        let never = try await s.work(to: ["a@remote.example"], notify: "NEVER")
        try await s.runner.record(.init(outcomes: [.permanent(reason: "refused", reply: Self.refused)]), for: never)
        let bounce = try await s.work(from: "", to: ["b@remote.example"])
        try await s.runner.record(.init(outcomes: [.permanent(reason: "refused", reply: Self.refused)]), for: bounce)
        #expect(try await s.reports().isEmpty)
        #expect(try await s.f.store.queueEntries().isEmpty)
    }

    @Test func notifySuccessToAServerWithoutDSNIsReportedAsRelayed() async throws {
        let s = try await Setup()
        let w = try await s.work(to: ["a@remote.example"], notify: "SUCCESS,FAILURE")
        try await s.runner.record(
            .init(
                outcomes: [.delivered(SMTPReply(250, nil, "ok"))], remoteMTA: "mx.remote.example",
                remoteSupportsDSN: false), for: w)
        let reports = try await s.reports()
        #expect(reports.count == 1 && s.statusPart(reports[0]).contains("Action: relayed\r\n"))
        // A server that speaks DSN reports success itself.
        let w2 = try await s.work(to: ["c@remote.example"], notify: "SUCCESS")
        try await s.runner.record(
            .init(outcomes: [.delivered(SMTPReply(250, nil, "ok"))], remoteMTA: "mx", remoteSupportsDSN: true), for: w2)
        #expect(try await s.reports().count == 1)
    }

    @Test func aReportForARemoteSenderIsQueuedFromTheNullSender() async throws {
        let s = try await Setup()
        let w = try await s.work(from: "someone@elsewhere.example", to: ["a@remote.example"])
        try await s.runner.record(.init(outcomes: [.permanent(reason: "refused", reply: Self.refused)]), for: w)
        let entries = try await s.f.store.queueEntries()
        #expect(entries.map(\.mailFrom) == [""])
        #expect(entries.map(\.address) == ["someone@elsewhere.example"])
    }
}
