// POP3Server: the POP3 (110, STLS) and POP3S (995, implicit TLS) listeners (DESIGN §1, §5; RFC 1939, RFC 8314).
//
// Invariants:
// - A maildrop (an account's INBOX) is held by at most one POP3 session of this process at a time
//   (RFC 1939 §4 "exclusive-access lock"); a second login gets -ERR [IN-USE] (RFC 2449 §8.1.1).
// - No credentials are accepted before TLS (DESIGN §5).

import Config
import Directory
import Logging
import MailStore
import POP3Protocol
import ServerSupport
import Synchronization

/// Settings shared by every POP3 session.
public struct POP3Settings: Sendable {
    public var hostname: String
    /// DESIGN [pop3] deletes: what QUIT does with messages marked by DELE.
    public var deletes: POP3DeleteMode
    /// RFC 1939 §3: the inactivity autologout timer is at least 10 minutes.
    public var idleTimeout: Duration
    /// Bad commands tolerated before the session is closed.
    public var maxErrors: Int
    /// Commands accepted before a successful login (DESIGN §5 "limits on unauthenticated commands").
    public var maxUnauthenticatedCommands: Int
    /// Before login, the session ends this long after connecting whatever the client sends (`login_timeout`).
    public var loginTimeout: Duration

    public static let defaultMaxErrors = 10
    public static let defaultMaxUnauthenticatedCommands = 30

    public init(
        hostname: String, deletes: POP3DeleteMode = ConfigDefaults.pop3Deletes,
        idleTimeout: Duration = ProtocolLimits.pop3IdleTimeout, maxErrors: Int = defaultMaxErrors,
        maxUnauthenticatedCommands: Int = defaultMaxUnauthenticatedCommands,
        loginTimeout: Duration = ConfigDefaults.loginTimeout
    ) {
        self.loginTimeout = loginTimeout
        self.hostname = hostname
        self.deletes = deletes
        self.idleTimeout = idleTimeout
        self.maxErrors = maxErrors
        self.maxUnauthenticatedCommands = maxUnauthenticatedCommands
    }

    public init(config: MailroomConfig, hostname: String) {
        self.init(hostname: hostname, deletes: config.pop3.deletes, loginTimeout: config.limits.loginTimeout)
    }
}

/// RFC 1939 §4: the exclusive-access lock on each maildrop, in process.
final class MaildropLocks: Sendable {
    private let held = Mutex<Set<AccountID>>([])

    /// True when the lock was free and is now held by the caller.
    func acquire(_ account: AccountID) -> Bool {
        held.withLock { $0.insert(account).inserted }
    }

    func release(_ account: AccountID) {
        _ = held.withLock { $0.remove(account) }
    }
}

/// Builds POP3 listeners; each accepted connection runs one `POP3Session`.
public struct POP3Server: Sendable {
    public let settings: POP3Settings
    public let directory: Directory
    let locks = MaildropLocks()
    let logger: Logger

    public init(settings: POP3Settings, directory: Directory, logger: Logger) {
        self.settings = settings
        self.directory = directory
        self.logger = logger
    }

    public func listener(name: String, address: HostPort, tls: TLSMode, connectionsPerIP: Int) -> Listener {
        let configuration = ListenerConfiguration(
            name: name, address: address, tls: tls, connectionsPerIP: connectionsPerIP,
            overLimitReply: POP3Response.err("Too many connections from your address", code: .sysTemp).encoded())
        let server = self
        return Listener(configuration: configuration, logger: logger) { connection in
            let session = POP3Session(connection: connection, server: server)
            await session.run()
        }
    }
}
