// LoginDeadline: the instant by which a client must be logged in (`[limits] login_timeout`, RFC 9051 §5.4 allows a
// short pre-authentication timer). A deadline, not an idle timer: bytes a client trickles in do not extend it.
//
// Invariants:
// - Before login a session reads with `readTimeout(idle:)`: its usual inactivity timer, but never past the deadline;
//   once the deadline has passed it throws `ConnectionError.timeout`, which sessions answer as an autologout.

/// The login deadline of one session, counted from when it was created (the connection's start).
public struct LoginDeadline: Sendable {
    public let instant: ContinuousClock.Instant

    public init(after timeout: Duration) {
        instant = ContinuousClock.now + timeout
    }

    /// `idle`, cut to the time left before the deadline.
    public func readTimeout(idle: Duration) throws(ConnectionError) -> Duration {
        let remaining = instant - ContinuousClock.now
        guard remaining > .zero else { throw .timeout }
        return min(idle, remaining)
    }
}
