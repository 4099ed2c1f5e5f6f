// ReadDeadline: the pre-login read timeout is the idle timer cut to the deadline, and an autologout after it.

import ServerSupport
import Testing

@Suite struct ReadDeadlineTests {
    @Test func readTimeoutIsTheIdleTimerCutToTheDeadline() throws {
        let far = ReadDeadline(after: .seconds(3600))
        #expect(try far.readTimeout(idle: .seconds(60)) == .seconds(60))
        let near = ReadDeadline(after: .seconds(30))
        let timeout = try near.readTimeout(idle: .seconds(60))
        #expect(timeout <= .seconds(30) && timeout > .seconds(25))
    }

    @Test func passedDeadlineIsATimeout() {
        let passed = ReadDeadline(after: .zero)
        #expect(throws: ConnectionError.timeout) { try passed.readTimeout(idle: .seconds(60)) }
    }
}
