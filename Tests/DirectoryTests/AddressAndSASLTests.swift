import Testing

@testable import Directory

@Suite struct MailAddressTests {
    @Test(arguments: [
        ("alice@example.com", "alice@example.com"),
        ("Alice@Example.COM", "alice@example.com"),
        (" bob@example.com. ", "bob@example.com"),
        ("jöran@exämple.test", "jöran@exämple.test"),
        ("a+b@example.com", "a+b@example.com"),
    ])
    func parsesAndNormalises(input: String, expected: String) {
        #expect(MailAddress(input)?.description == expected)
    }

    @Test(arguments: [
        "", "alice", "@example.com", "alice@", "alice@-bad.com", "a b@example.com", "alice@exa_mple.com",
        "alice@example..com", String(repeating: "x", count: 65) + "@example.com",
    ])
    func rejects(input: String) {
        #expect(MailAddress(input) == nil)
    }

    @Test func subaddress() {
        #expect(MailAddress("alice+news@example.com")?.withoutSubaddress?.description == "alice@example.com")
        #expect(MailAddress("alice@example.com")?.withoutSubaddress == nil)
        #expect(MailAddress("+x@example.com")?.withoutSubaddress == nil)
    }
}

@Suite struct SASLTests {
    @Test func plainWithInitialResponse() {
        var ex = SASLExchange(mechanism: .plain)
        let step = ex.start(initialResponse: Array("\0alice@example.com\0secret".utf8))
        #expect(step == .credentials(Credentials(username: "alice@example.com", password: "secret")))
    }

    @Test func plainWithoutInitialResponseAsksForIt() {
        var ex = SASLExchange(mechanism: .plain)
        #expect(ex.start(initialResponse: nil) == .challenge([]))
        let step = ex.receive(Array("admin\0alice\0pw".utf8))
        #expect(step == .credentials(Credentials(username: "alice", password: "pw", authorizationIdentity: "admin")))
    }

    @Test(arguments: ["alice\0pw", "\0\0pw", "\0alice\0", "nonul"])
    func plainMalformed(text: String) {
        var ex = SASLExchange(mechanism: .plain)
        guard case .malformed = ex.start(initialResponse: Array(text.utf8)) else {
            Issue.record("expected malformed for \(text.debugDescription)")
            return
        }
    }

    @Test func plainRejectsInvalidUTF8() {
        var ex = SASLExchange(mechanism: .plain)
        guard case .malformed = ex.start(initialResponse: [0, 0xFF, 0xFE, 0, 0x41]) else {
            Issue.record("expected malformed")
            return
        }
    }

    @Test func login() {
        var ex = SASLExchange(mechanism: .login)
        #expect(ex.start(initialResponse: nil) == .challenge(Array("Username:".utf8)))
        #expect(ex.receive(Array("alice".utf8)) == .challenge(Array("Password:".utf8)))
        #expect(ex.receive(Array("pw".utf8)) == .credentials(Credentials(username: "alice", password: "pw")))
    }

    @Test func loginWithInitialUsername() {
        var ex = SASLExchange(mechanism: .login)
        #expect(ex.start(initialResponse: Array("alice".utf8)) == .challenge(Array("Password:".utf8)))
    }

    @Test func mechanismNames() {
        #expect(SASLMechanismName(caseInsensitive: "plain") == .plain)
        #expect(SASLMechanismName(caseInsensitive: "Login") == .login)
        #expect(SASLMechanismName(caseInsensitive: "CRAM-MD5") == nil)
    }
}

@Suite struct LoginThrottleTests {
    final class FakeClock: @unchecked Sendable {
        var now = ContinuousClock.now
    }

    @Test func delaysGrowAndExpire() async {
        let clock = FakeClock()
        let throttle = LoginThrottle(policy: .standard, now: { clock.now })
        #expect(await throttle.delay(ip: "10.0.0.1", account: "a@b.c") == .zero)
        for _ in 0..<3 { await throttle.recordFailure(ip: "10.0.0.1", account: "a@b.c") }
        #expect(await throttle.delay(ip: "10.0.0.1", account: "x@b.c") == .seconds(1))  // per IP
        #expect(await throttle.delay(ip: "10.9.9.9", account: "A@B.C") == .seconds(1))  // per account
        await throttle.recordFailure(ip: "10.0.0.1", account: "a@b.c")
        #expect(await throttle.delay(ip: "10.0.0.1", account: "a@b.c") == .seconds(2))
        for _ in 0..<20 { await throttle.recordFailure(ip: "10.0.0.1", account: "a@b.c") }
        #expect(await throttle.delay(ip: "10.0.0.1", account: "a@b.c") == LoginThrottle.Policy.standard.maxDelay)
        clock.now = clock.now.advanced(by: .seconds(16 * 60))
        #expect(await throttle.delay(ip: "10.0.0.1", account: "a@b.c") == .zero)
    }

    @Test func successClearsTheAccountButNotTheIP() async {
        let throttle = LoginThrottle()
        for _ in 0..<4 { await throttle.recordFailure(ip: "10.0.0.1", account: "a@b.c") }
        await throttle.recordSuccess(account: "a@b.c")
        #expect(await throttle.delay(ip: "10.0.0.2", account: "a@b.c") == .zero)
        #expect(await throttle.delay(ip: "10.0.0.1", account: "z@b.c") > .zero)
    }

    @Test func memoryIsBounded() async {
        let throttle = LoginThrottle(
            policy: .init(
                freeFailures: 3, baseDelay: .seconds(1), maxDelay: .seconds(15), window: .seconds(900),
                maxTrackedKeys: 100))
        for i in 0..<1000 { await throttle.recordFailure(ip: "ip\(i)", account: "u\(i)") }
        #expect(await throttle.trackedKeyCount <= 100)
    }
}
