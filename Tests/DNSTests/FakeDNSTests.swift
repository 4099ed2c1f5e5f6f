// FakeDNSResolver (MailTestSupport) keeps the DNSResolver contract.

import DNS
import MailTestSupport
import Testing

@Suite struct FakeDNSResolverTests {
    @Test func tableAnswersAndLogsQuestions() async throws {
        let dns = FakeDNSResolver()
        dns.setMX("Example.com.", [(10, "mx.example.com"), (0, "")])
        dns.setAddresses("mx.example.com", ["192.0.2.1", "2001:db8::1", "::ffff:0:1"])
        dns.setTXT("example.com", ["v=spf1 -all"])
        dns.setNameDoesNotExist("gone.example")
        dns.setTemporaryFailure("flaky.example")

        #expect(
            try await dns.mx("example.com") == [
                MXRecord(preference: 10, exchange: "mx.example.com"), MXRecord(preference: 0, exchange: ""),
            ])
        #expect(
            try await dns.addresses("MX.example.com").map(\.description) == ["192.0.2.1", "2001:db8::1", "::ffff:0:1"])
        #expect(try await dns.txt("example.com") == ["v=spf1 -all"])
        #expect(try await dns.txt("mx.example.com") == [])  // NODATA
        #expect(try await dns.mx("unknown.example") == [])
        await #expect(throws: DNSError.nameDoesNotExist("gone.example")) { try await dns.addresses("gone.example") }
        await #expect(throws: DNSError.temporary("SERVFAIL (fake)")) { try await dns.mx("flaky.example") }

        #expect(
            dns.questions.map(\.description) == [
                "mx example.com", "addresses mx.example.com", "txt example.com", "txt mx.example.com",
                "mx unknown.example", "addresses gone.example", "mx flaky.example",
            ])
        dns.remove("flaky.example")
        dns.clearQuestions()
        #expect(try await dns.mx("flaky.example") == [])
        #expect(dns.questions.count == 1)
    }
}
