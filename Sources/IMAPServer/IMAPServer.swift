// IMAPServer: the IMAP listeners, `imap` (143, STARTTLS) and `imaps` (993, implicit TLS) (DESIGN §1–§2).
//
// Invariants:
// - Each accepted connection runs one `IMAPSession`; sessions share nothing but the store, the
//   directory and the store's change feed (RFC 9051 §5.2: every session sees every other's changes).
// - No credentials cross a plaintext connection: LOGIN and AUTHENTICATE need TLS (DESIGN §5,
//   RFC 9051 §6.2.3 LOGINDISABLED).

import Config
import Delivery
import Directory
import Foundation
import IMAPProtocol
import Logging
import MailStore
import ServerSupport

/// Settings shared by every IMAP session.
public struct IMAPSettings: Sendable {
    public var hostname: String
    /// Largest message APPEND accepts (RFC 7889 APPENDLIMIT).
    public var maxMessageSize: Int
    /// Where APPEND bytes are written while they arrive.
    public var spoolDirectory: URL
    /// RFC 2177 §3: untagged OK sent this often during IDLE.
    public var idleKeepalive: Duration
    /// Bad commands tolerated before the session ends with BYE.
    public var maxErrors: Int
    /// RFC 9051 §5.4: autologout timers. Before login the timer is also a deadline counted from connecting
    /// (`[limits] login_timeout`), so a client that trickles bytes cannot hold the connection.
    public var unauthenticatedTimeout: Duration
    public var authenticatedTimeout: Duration
    /// Framing limits of the command decoder.
    public var limits: IMAPLimits

    public static let defaultMaxErrors = 10

    public init(
        hostname: String, maxMessageSize: Int, spoolDirectory: URL,
        idleKeepalive: Duration = ConfigDefaults.idleKeepalive, maxErrors: Int = defaultMaxErrors,
        unauthenticatedTimeout: Duration = ProtocolLimits.imapUnauthenticatedIdleTimeout,
        authenticatedTimeout: Duration = ProtocolLimits.imapIdleTimeout,
        maxLineLength: Int = ProtocolLimits.imapCommandLine
    ) {
        self.hostname = hostname
        self.maxMessageSize = maxMessageSize
        self.spoolDirectory = spoolDirectory
        self.idleKeepalive = idleKeepalive
        self.maxErrors = maxErrors
        self.unauthenticatedTimeout = unauthenticatedTimeout
        self.authenticatedTimeout = authenticatedTimeout
        self.limits = IMAPLimits(maxLineLength: maxLineLength, maxAppendSize: maxMessageSize)
    }

    public init(config: MailroomConfig, hostname: String) {
        self.init(
            hostname: hostname, maxMessageSize: config.limits.messageSize,
            spoolDirectory: URL(fileURLWithPath: config.dataDirectory).appendingPathComponent("spool"),
            idleKeepalive: config.imap.idleKeepalive, unauthenticatedTimeout: config.limits.loginTimeout,
            maxLineLength: config.limits.imapLineLength)
    }
}

/// Builds IMAP listeners; each accepted connection runs one `IMAPSession`.
public struct IMAPServer: Sendable {
    public let settings: IMAPSettings
    public let directory: Directory
    public let ingest: MessageIngest
    let logger: Logger

    public init(settings: IMAPSettings, directory: Directory, logger: Logger) {
        self.settings = settings
        self.directory = directory
        self.ingest = MessageIngest(store: directory.store)
        self.logger = logger
    }

    var store: MailStore { directory.store }

    /// A listener on `address`: `.startTLSAvailable` for `imap`, `.implicit` for `imaps`.
    public func listener(name: String, address: HostPort, tls: TLSMode, connectionsPerIP: Int) -> Listener {
        let configuration = ListenerConfiguration(
            name: name, address: address, tls: tls, connectionsPerIP: connectionsPerIP,
            overLimitReply: "* BYE [UNAVAILABLE] Too many connections from your address\r\n")
        let server = self
        return Listener(configuration: configuration, logger: logger) { connection in
            let session = IMAPSession(connection: connection, server: server)
            await session.run()
        }
    }
}
