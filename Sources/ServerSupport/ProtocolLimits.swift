// ProtocolLimits: every limit and timeout of the networking layer, named once.
// Limits a user can change live in Config (`ConfigDefaults`); this namespace re-exports them under protocol
// names so front-ends read all limits from one place.

import Config

public enum ProtocolLimits {
    // MARK: Line lengths (bytes, terminator included)

    /// RFC 5321 §4.5.3.1.4: a command line is at most 512 octets including CRLF.
    public static let smtpCommandLine = 512
    /// RFC 5321 §4.5.3.1.6: a text line is at most 1000 octets including CRLF (configurable).
    public static let smtpTextLine = ConfigDefaults.smtpLineLength
    /// IMAP command line without literals (configurable); RFC 7162 §4 asks for at least 8192.
    public static let imapCommandLine = ConfigDefaults.imapLineLength
    /// RFC 2449 §4: POP3 command lines are at most 255 octets including CRLF.
    public static let pop3CommandLine = 255

    // MARK: Timeouts

    /// RFC 5321 §4.5.3.2.7: a server should wait at least 5 minutes for the next command.
    public static let smtpIdleTimeout: Duration = .seconds(5 * 60)
    /// RFC 9051 §5.4: the autologout timer is at least 30 minutes once authenticated.
    public static let imapIdleTimeout: Duration = .seconds(30 * 60)
    /// RFC 9051 §5.4: before authentication a shorter timer is allowed (configurable: `login_timeout`).
    public static let imapUnauthenticatedIdleTimeout: Duration = ConfigDefaults.loginTimeout
    /// RFC 1939 §3: the POP3 inactivity autologout timer is at least 10 minutes.
    public static let pop3IdleTimeout: Duration = .seconds(10 * 60)
    /// Longest a TLS handshake may take (implicit TLS and STARTTLS).
    public static let tlsHandshakeTimeout: Duration = .seconds(15)
    /// After a graceful shutdown starts, sessions have this long to say goodbye before they are closed.
    public static let shutdownGracePeriod: Duration = .seconds(10)

    // MARK: Buffers

    /// Inbound bytes buffered per connection before the socket stops being read (backpressure).
    public static let inboundBufferHighWatermark = 64 * 1024
    /// Outbound bytes a connection collects before `write` flushes on its own.
    public static let outboundAutoFlushThreshold = 64 * 1024
    /// Listen backlog of every listener.
    public static let listenBacklog: Int32 = 256
}
