// SMTPServer: the MX (25) and submission (587 STARTTLS, 465 implicit TLS) listeners (DESIGN §1–§2).
//
// Invariants:
// - The MX listener accepts mail only for local domains and never relays (RFC 5321 §3.9 / DESIGN §5).
// - Submission requires AUTH, and AUTH is offered only over TLS.
// - A client hears 250 for a message only after it is durable: local copies committed to the
//   store, remote recipients committed to the outbound queue.

import Config
import Delivery
import Directory
import Foundation
import Logging
import MailStore
import SMTPProtocol
import ServerSupport

/// What kind of SMTP service a listener provides.
public enum SMTPMode: Sendable, Equatable {
    /// Port 25: mail from the internet for local domains. STARTTLS offered, no AUTH.
    case mx
    /// Ports 587/465: mail from authenticated users, to anywhere (RFC 6409).
    case submission
}

/// Settings shared by every SMTP session.
public struct SMTPSettings: Sendable {
    public var hostname: String
    public var maxMessageSize: Int
    public var maxRecipients: Int
    public var maxLineLength: Int
    /// Where DATA/BDAT bytes are written while they arrive.
    public var spoolDirectory: URL
    /// Bad commands tolerated before the session is closed with 421 (RFC 5321 §4.5.3.2 spirit).
    public var maxErrors: Int
    /// RFC 5321 §4.5.3.2.7: at least 5 minutes for the next command (`[limits] smtp_command_timeout`). A deadline
    /// for the whole line, counted from when the server starts waiting for it.
    public var commandTimeout: Duration
    /// RFC 5321 §4.5.3.2.6: the server waits at least 10 minutes for the data block to finish;
    /// this is the timeout between reads of data.
    public var dataTimeout: Duration

    public static let defaultMaxErrors = 10

    public init(
        hostname: String, maxMessageSize: Int, maxRecipients: Int, maxLineLength: Int, spoolDirectory: URL,
        maxErrors: Int = defaultMaxErrors, commandTimeout: Duration = ProtocolLimits.smtpIdleTimeout,
        dataTimeout: Duration = .seconds(10 * 60)
    ) {
        self.hostname = hostname
        self.maxMessageSize = maxMessageSize
        self.maxRecipients = maxRecipients
        self.maxLineLength = maxLineLength
        self.spoolDirectory = spoolDirectory
        self.maxErrors = maxErrors
        self.commandTimeout = commandTimeout
        self.dataTimeout = dataTimeout
    }

    public init(config: MailroomConfig, hostname: String) {
        self.init(
            hostname: hostname, maxMessageSize: config.limits.messageSize, maxRecipients: config.limits.recipients,
            maxLineLength: config.limits.smtpLineLength,
            spoolDirectory: URL(fileURLWithPath: config.dataDirectory).appendingPathComponent("spool"),
            commandTimeout: config.limits.smtpCommandTimeout)
    }
}

/// Builds SMTP listeners; each accepted connection runs one `SMTPSession`.
public struct SMTPServer: Sendable {
    public let settings: SMTPSettings
    public let directory: Directory
    public let ingest: MessageIngest
    let logger: Logger

    public init(settings: SMTPSettings, directory: Directory, logger: Logger) {
        self.settings = settings
        self.directory = directory
        self.ingest = MessageIngest(store: directory.store)
        self.logger = logger
    }

    /// A listener for `mode` on `address`.
    public func listener(
        name: String, address: HostPort, mode: SMTPMode, tls: TLSMode, connectionsPerIP: Int
    ) -> Listener {
        let configuration = ListenerConfiguration(
            name: name, address: address, tls: tls, connectionsPerIP: connectionsPerIP,
            overLimitReply: SMTPReply.tooManyConnections.encoded())
        let server = self
        return Listener(configuration: configuration, logger: logger) { connection in
            let session = SMTPSession(connection: connection, mode: mode, server: server)
            await session.run()
        }
    }
}
