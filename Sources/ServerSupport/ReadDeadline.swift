// ReadDeadline: an instant by which something a client sends must be complete: being logged in to IMAP or POP3
// (`[limits] login_timeout`, RFC 9051 §5.4 allows a short pre-authentication timer), or one SMTP command line
// (`[limits] smtp_command_timeout`, RFC 5321 §4.5.3.2.7). A deadline, not an idle timer: bytes a client trickles
// in do not extend it.
//
// Invariants:
// - Until the deadline a session reads with `readTimeout(idle:)`: its usual inactivity timer, but never past the
//   deadline; once the deadline has passed it throws `ConnectionError.timeout`, which sessions answer as an
//   autologout (IMAP, POP3) or 421 (SMTP).

/// One deadline, counted from when it was created (the connection's start for a login, the wait for an SMTP line).
public struct ReadDeadline: Sendable {
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
