import DNS
import Foundation
import MIME
import MailTestSupport
import SMTPProtocol
import Testing

@testable import Delivery

@Suite struct RetryScheduleTests {
    @Test func growsThenStaysAtTheLastStep() {
        let delays = (1...10).map { RetrySchedule.delay(afterFailures: $0) }
        #expect(delays[0] == 5 * 60)
        for (a, b) in zip(delays, delays.dropFirst()) { #expect(a <= b) }
        #expect(delays.last == OutboundLimits.retryDelays.last)
        #expect(RetrySchedule.delay(afterFailures: 0) == delays[0])
        #expect(RetrySchedule.delay(afterFailures: 1_000) == OutboundLimits.retryDelays.last)
    }
}

@Suite struct RouterTests {
    func router(_ dns: FakeDNSResolver, policy: RoutingPolicy = RoutingPolicy(mxPort: 2525)) -> Router {
        Router(policy: policy, resolver: dns)
    }

    @Test func mxRecordsInPreferenceOrderWithTheirAddresses() async throws {
        let dns = FakeDNSResolver()
        dns.setMX("example.net", [(20, "backup.example.net"), (10, "mx1.example.net"), (10, "mx2.example.net")])
        dns.setAddresses("mx1.example.net", ["192.0.2.1"])
        dns.setAddresses("mx2.example.net", ["192.0.2.2", "2001:db8::2"])
        dns.setAddresses("backup.example.net", ["192.0.2.9"])
        let hosts = try await router(dns).hosts(for: "Example.NET")
        #expect(hosts.count == 3)
        #expect(Set(hosts.prefix(2).map(\.name)) == ["mx1.example.net", "mx2.example.net"])
        #expect(hosts[2].name == "backup.example.net")
        #expect(hosts.allSatisfy { $0.port == 2525 })
        let mx2 = try #require(hosts.first { $0.name == "mx2.example.net" })
        #expect(mx2.addresses.map(\.description) == ["192.0.2.2", "2001:db8::2"])
    }

    @Test func equalPreferencesAreShuffled() {
        let records = (0..<8).map { MXRecord(preference: 10, exchange: "mx\($0).example.net") }
        let orders = Set((0..<30).map { _ in Router.ordered(records) })
        #expect(orders.count > 1)
        #expect(orders.allSatisfy { Set($0) == Set(records.map(\.exchange)) })
    }

    @Test func noMXMeansTheDomainItself() async throws {
        let dns = FakeDNSResolver()
        dns.setAddresses("example.org", ["198.51.100.7"])
        let hosts = try await router(dns).hosts(for: "example.org")
        #expect(hosts == [NextHopHost(name: "example.org", addresses: [IPAddress(v4: [198, 51, 100, 7])], port: 2525)])
    }

    @Test func nullMXAndMissingDomainsArePermanentDNSTroubleIsNot() async {
        let dns = FakeDNSResolver()
        dns.setMX("nomail.example", [(0, "")])
        dns.setNameDoesNotExist("gone.example")
        dns.setTemporaryFailure("flaky.example")
        await #expect(throws: RoutingError.self) { try await router(dns).hosts(for: "nomail.example") }
        do {
            _ = try await router(dns).hosts(for: "nomail.example")
        } catch {
            guard case .permanent(let reason) = error else { Issue.record("null MX must be permanent"); return }
            #expect(reason.contains("null MX"))
        }
        do {
            _ = try await router(dns).hosts(for: "gone.example")
            Issue.record("NXDOMAIN must fail")
        } catch {
            guard case .permanent = error else { Issue.record("NXDOMAIN must be permanent"); return }
        }
        do {
            _ = try await router(dns).hosts(for: "flaky.example")
            Issue.record("SERVFAIL must fail")
        } catch {
            guard case .temporary = error else { Issue.record("SERVFAIL must be temporary"); return }
        }
    }

    @Test func anMXHostThatDoesNotResolveIsSkipped() async throws {
        let dns = FakeDNSResolver()
        dns.setMX("example.net", [(10, "dead.example.net"), (20, "alive.example.net")])
        dns.setNameDoesNotExist("dead.example.net")
        dns.setAddresses("alive.example.net", ["192.0.2.3"])
        let hosts = try await router(dns).hosts(for: "example.net")
        #expect(hosts.map(\.name) == ["alive.example.net"])
    }

    @Test func relayAndRoutesOverrideDNSAndLiteralsAreNotLookedUp() async throws {
        let dns = FakeDNSResolver()
        dns.setAddresses("smarthost.example", ["203.0.113.5"])
        let viaRelay = router(dns, policy: RoutingPolicy(relay: ("smarthost.example", 587), mxPort: 25))
        #expect(try await viaRelay.hosts(for: "anything.example").map(\.name) == ["smarthost.example"])
        #expect(try await viaRelay.hosts(for: "anything.example").first?.port == 587)
        let routed = router(dns, policy: RoutingPolicy(routes: ["partner.example": ("10.0.0.5", 2525)], mxPort: 25))
        dns.clearQuestions()
        let hosts = try await routed.hosts(for: "Partner.Example")
        #expect(hosts == [NextHopHost(name: "10.0.0.5", addresses: [IPAddress(v4: [10, 0, 0, 5])], port: 2525)])
        #expect(dns.questions.isEmpty)
    }
}

@Suite struct DeliveryStatusNotificationTests {
    let original = Array("From: a@example.test\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nbody\r\n".utf8)

    func dsn(_ recipients: [DeliveryStatusNotification.Recipient], headersOnly: Bool = false) -> ParsedMessage {
        let report = DeliveryStatusNotification(
            reportingMTA: "mail.example.test", to: "a@example.test", envid: "QQ314159",
            arrivalDate: Date(timeIntervalSince1970: 1_800_000_000), recipients: recipients,
            returnHeadersOnly: headersOnly)
        return MIMEParser.parse(report.message(original: original, originalIsHeaders: headersOnly))
    }

    @Test func failureReportIsAMultipartReportWithThreeParts() throws {
        let parsed = dsn([
            .init(
                originalRecipient: "rfc822; b@example.net", finalRecipient: "b@example.net", action: .failed,
                status: "5.1.1", remoteMTA: "mx.example.net", diagnostic: "550 5.1.1 no such user")
        ])
        #expect(parsed.root.contentType.type == "multipart" && parsed.root.contentType.subtype == "report")
        #expect(parsed.root.contentType.parameters.value("report-type") == "delivery-status")
        #expect(parsed.header.value("Subject") == "Undelivered Mail Returned to Sender")
        #expect(parsed.header.value("Auto-Submitted") == "auto-replied")
        let parts = parsed.root.children
        #expect(
            parts.map { "\($0.contentType.type)/\($0.contentType.subtype)" } == [
                "text/plain", "message/delivery-status", "message/rfc822",
            ])
        let status = String(decoding: parsed.bytes[parts[1].bodyRange], as: UTF8.self)
        for field in [
            "Reporting-MTA: dns; mail.example.test", "Original-Envelope-Id: QQ314159",
            "Original-Recipient: rfc822; b@example.net", "Final-Recipient: rfc822; b@example.net",
            "Action: failed", "Status: 5.1.1", "Remote-MTA: dns; mx.example.net",
            "Diagnostic-Code: smtp; 550 5.1.1 no such user",
        ] {
            #expect(status.contains(field + "\r\n"), "missing \(field)")
        }
        #expect(Array(parsed.bytes[parts[2].bodyRange]).starts(with: original.prefix(20)))
    }

    @Test func delayedAndHeadersOnly() {
        let parsed = dsn(
            [
                .init(
                    finalRecipient: "b@example.net", action: .delayed, status: "4.4.1",
                    diagnostic: "connection refused",
                    willRetryUntil: Date(timeIntervalSince1970: 1_800_400_000))
            ], headersOnly: true)
        #expect(parsed.header.value("Subject")?.hasPrefix("Delayed Mail") == true)
        let parts = parsed.root.children
        #expect(parts.count == 3 && parts[2].contentType.subtype == "rfc822-headers")
        let status = String(decoding: parsed.bytes[parts[1].bodyRange], as: UTF8.self)
        #expect(status.contains("Action: delayed\r\n") && status.contains("Will-Retry-Until: "))
    }

    @Test func diagnosticTextCannotInjectFields() {
        let parsed = dsn([
            .init(
                finalRecipient: "b@example.net", action: .failed, status: "5.0.0",
                diagnostic: "550 x\r\nAction: delivered")
        ])
        let status = String(decoding: parsed.bytes[parsed.root.children[1].bodyRange], as: UTF8.self)
        #expect(!status.contains("\r\nAction: delivered"))
    }
}

@Suite struct QueueRunnerHelperTests {
    @Test func headerEndAndFromDomain() {
        let message = Array("From: \"A\" <a@Example.TEST>\r\nSubject: x\r\n\r\nbody\r\n".utf8)
        let end = QueueRunner.headerEnd(message)
        #expect(end == message.count - 6)
        #expect(QueueRunner.fromDomain(Array(message[..<(end ?? 0)])) == "example.test")
        #expect(QueueRunner.headerEnd(Array("Subject: no body".utf8)) == nil)
        #expect(QueueRunner.fromDomain(Array("Subject: no from\r\n\r\n".utf8)) == nil)
    }

    @Test func statusCodes() {
        #expect(QueueRunner.status(SMTPReply(550, EnhancedStatusCode(5, 1, 1), "x"), default: "5.0.0") == "5.1.1")
        #expect(QueueRunner.status(SMTPReply(451, nil, "x"), default: "4.0.0") == "4.0.0")
        #expect(QueueRunner.status(nil, default: "4.4.1") == "4.4.1")
        #expect(QueueRunner.code("5.1.10") == EnhancedStatusCode(5, 1, 10))
        #expect(QueueRunner.code("9.1.1") == nil)
    }
}
