// OutboundLimits: every timeout and cap of the outbound queue and its SMTP client, named once.

import Foundation

public enum OutboundLimits {
    // RFC 5321 §4.5.3.2: the client's timeouts per stage.
    /// §4.5.3.2.1: initial 220 greeting, 5 minutes.
    public static let greetingTimeout: Duration = .seconds(5 * 60)
    /// §4.5.3.2.2 / §4.5.3.2.3: MAIL and RCPT, 5 minutes each (also EHLO, STARTTLS, AUTH, RSET, QUIT).
    public static let commandTimeout: Duration = .seconds(5 * 60)
    /// §4.5.3.2.4: DATA initiation (the 354), 2 minutes.
    public static let dataInitiationTimeout: Duration = .seconds(2 * 60)
    /// §4.5.3.2.5: each data block written, 3 minutes.
    public static let dataBlockTimeout: Duration = .seconds(3 * 60)
    /// §4.5.3.2.6: the reply to the final ".", 10 minutes.
    public static let dataTerminationTimeout: Duration = .seconds(10 * 60)
    /// QUIT is a courtesy; do not wait long for its 221.
    public static let quitTimeout: Duration = .seconds(10)
    /// TCP connect to one address.
    public static let connectTimeout: Duration = .seconds(30)

    /// Messages one outbound connection carries before it is closed (one MX session, RSET-free reuse).
    public static let messagesPerConnection = 50
    /// How long a connection with nothing left to send waits for more mail to its domain before QUIT (Postfix's
    /// smtp_connection_cache_time_limit).
    public static let connectionCacheTime: Duration = .seconds(2)
    /// RFC 5321 §4.5.3.1.8 allows 100 recipients per transaction at least; more go in another transaction.
    public static let recipientsPerTransaction = 100
    /// MX hosts tried per attempt (RFC 5321 §5.1: "SHOULD try at least two"), addresses per host.
    public static let maxMXHosts = 5
    public static let maxAddressesPerHost = 4
    /// Bytes of the message read per chunk when sending.
    public static let sendChunkSize = 64 * 1024
    /// Bytes searched for the end of the header section (DKIM, From: domain).
    public static let maxHeaderSection = 256 * 1024
    /// The whole message goes back in a DSN up to this size; beyond it only the headers (RFC 3462 §2).
    public static let maxReturnedMessage = 2 * 1024 * 1024
    /// Lines of a remote reply kept in a DSN's Diagnostic-Code and the queue's last error.
    public static let maxDiagnosticLength = 900

    /// How often the runner looks at the queue when it has nothing scheduled sooner (picks up CLI changes).
    public static let pollInterval: Duration = .seconds(2)
    /// Delays before attempt n+1 after n failures (RFC 5321 §4.5.4.1: at least 30 minutes between retries
    /// of one destination is the classic advice; early retries are kept shorter as Postfix does).
    public static let retryDelays: [TimeInterval] = [5 * 60, 10 * 60, 20 * 60, 40 * 60, 60 * 60, 2 * 3_600]
}

/// The retry schedule: a pure function of the number of failed attempts.
public enum RetrySchedule {
    /// The delay after `failures` failed attempts (1 after the first failure); grows, then stays at the last step.
    public static func delay(afterFailures failures: Int) -> TimeInterval {
        let steps = OutboundLimits.retryDelays
        return steps[min(max(failures, 1), steps.count) - 1]
    }
}
