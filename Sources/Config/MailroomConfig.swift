// MailroomConfig: the typed form of `mailroom.toml` (DESIGN §6.2).
//
// Invariants:
// - A `MailroomConfig` value is always valid: every path is absolute (relative paths in the file are resolved
//   against the config file's directory), every address has a port in 1...65535, every limit is inside its
//   bounds. Only `parse`/`load` (which validate) and the named factories (`defaults`, `dev`) create one.
// - Every default lives in `ConfigDefaults` and nowhere else; docs/CONFIG.md and the starter template quote them.
// - The type is a plain Sendable value: no TOMLKit type escapes this target.

/// The whole server configuration.
public struct MailroomConfig: Sendable, Equatable {
    /// Where the configuration came from (the file name as given, or `<dev>`); used in messages.
    public var sourceName: String
    /// The directory that relative paths were resolved against (absolute).
    public var baseDirectory: String

    /// The server's own name: SMTP greeting and HELO, `Received:` headers, the self-signed certificate.
    /// Optional in the file so that admin commands work without it; `requireHostname()` enforces it for `serve`.
    public var hostname: String?
    /// Absolute path of the data directory (database, blobs, spool, generated TLS material).
    public var dataDirectory: String

    /// Listeners that run; a listener runs only if its key is present in `[listen]`.
    public var listen: [ListenerKind: HostPort]
    /// Certificate and key files; `nil` means a self-signed certificate generated into `data_dir/tls`.
    public var tls: TLSFiles?
    public var limits: Limits
    public var imap: IMAP
    public var pop3: POP3
    public var delivery: Delivery
    public var dns: DNS

    public init(
        sourceName: String,
        baseDirectory: String,
        hostname: String?,
        dataDirectory: String,
        listen: [ListenerKind: HostPort] = [:],
        tls: TLSFiles? = nil,
        limits: Limits = Limits(),
        imap: IMAP = IMAP(),
        pop3: POP3 = POP3(),
        delivery: Delivery = Delivery(),
        dns: DNS = DNS()
    ) {
        self.sourceName = sourceName
        self.baseDirectory = baseDirectory
        self.hostname = hostname
        self.dataDirectory = dataDirectory
        self.listen = listen
        self.tls = tls
        self.limits = limits
        self.imap = imap
        self.pop3 = pop3
        self.delivery = delivery
        self.dns = dns
    }

    /// The directory for generated TLS material (`<data_dir>/tls`).
    public var generatedTLSDirectory: String {
        PathResolver.join(dataDirectory, ConfigDefaults.generatedTLSSubdirectory)
    }

    /// The hostname, or a `ConfigError` that says the server cannot start without it.
    public func requireHostname() throws(ConfigError) -> String {
        guard let hostname else {
            throw ConfigError(
                fileName: sourceName,
                issues: [
                    .init(
                        line: nil, key: "hostname",
                        message: "missing; the server needs its own name (e.g. hostname = \"mail.example.com\")")
                ])
        }
        return hostname
    }
}

// MARK: - Sections

extension MailroomConfig {
    /// `[tls]`: both keys or neither (absolute paths).
    public struct TLSFiles: Sendable, Equatable {
        public var certificatePath: String
        public var keyPath: String
        public init(certificatePath: String, keyPath: String) {
            self.certificatePath = certificatePath
            self.keyPath = keyPath
        }
    }

    /// `[limits]`.
    public struct Limits: Sendable, Equatable {
        /// Largest message accepted (SMTP SIZE, APPEND), in bytes.
        public var messageSize: Int
        /// Most recipients in one SMTP transaction.
        public var recipients: Int
        /// Most simultaneous connections from one IP address, per listener.
        public var connectionsPerIP: Int
        /// Longest SMTP line, in bytes including CRLF.
        public var smtpLineLength: Int
        /// Longest IMAP command line, in bytes including CRLF, not counting literals.
        public var imapLineLength: Int
        /// Deadline for logging in to IMAP and POP3, from connecting.
        public var loginTimeout: Duration
        /// Idle and request-head timeout of HTTP connections.
        public var httpIdleTimeout: Duration
        /// Deadline for receiving one SMTP command line, from when the server waits for it.
        public var smtpCommandTimeout: Duration

        public init(
            messageSize: Int = ConfigDefaults.messageSize,
            recipients: Int = ConfigDefaults.recipients,
            connectionsPerIP: Int = ConfigDefaults.connectionsPerIP,
            smtpLineLength: Int = ConfigDefaults.smtpLineLength,
            imapLineLength: Int = ConfigDefaults.imapLineLength,
            loginTimeout: Duration = ConfigDefaults.loginTimeout,
            httpIdleTimeout: Duration = ConfigDefaults.httpIdleTimeout,
            smtpCommandTimeout: Duration = ConfigDefaults.smtpCommandTimeout
        ) {
            self.smtpCommandTimeout = smtpCommandTimeout
            self.loginTimeout = loginTimeout
            self.httpIdleTimeout = httpIdleTimeout
            self.messageSize = messageSize
            self.recipients = recipients
            self.connectionsPerIP = connectionsPerIP
            self.smtpLineLength = smtpLineLength
            self.imapLineLength = imapLineLength
        }
    }

    /// `[imap]`.
    public struct IMAP: Sendable, Equatable {
        /// Interval of untagged `OK` keep-alives during IDLE.
        public var idleKeepalive: Duration
        public init(idleKeepalive: Duration = ConfigDefaults.idleKeepalive) {
            self.idleKeepalive = idleKeepalive
        }
    }

    /// `[pop3]`.
    public struct POP3: Sendable, Equatable {
        public var deletes: POP3DeleteMode
        public init(deletes: POP3DeleteMode = ConfigDefaults.pop3Deletes) {
            self.deletes = deletes
        }
    }

    /// `[delivery]` and `[delivery.routes]`.
    public struct Delivery: Sendable, Equatable {
        /// Smarthost for all outbound mail; `nil` means MX lookup.
        public var relay: HostPort?
        /// AUTH user name for the smarthost (RFC 4954), with the password read from `relayPasswordFile`.
        public var relayUsername: String?
        /// A file whose first line is the smarthost password (kept out of the config file).
        public var relayPasswordFile: String?
        public var tls: DeliveryTLSPolicy
        /// Outbound SMTP connections open at once, in all.
        public var concurrency: Int = ConfigDefaults.deliveryConcurrency
        /// Outbound SMTP connections open at once to one destination domain.
        public var concurrencyPerDomain: Int = ConfigDefaults.deliveryConcurrencyPerDomain
        /// Port used when connecting to MX hosts.
        public var mxPort: Int
        /// How long a message stays queued before it bounces.
        public var lifetime: Duration
        /// After how long the sender is told that a message is delayed; zero means never.
        public var delayNotice: Duration
        /// Per-domain next hop (lower-cased domain) instead of an MX lookup.
        public var routes: [String: HostPort]

        public init(
            relay: HostPort? = nil,
            tls: DeliveryTLSPolicy = ConfigDefaults.deliveryTLS,
            mxPort: Int = ConfigDefaults.mxPort,
            lifetime: Duration = ConfigDefaults.queueLifetime,
            delayNotice: Duration = ConfigDefaults.delayNotice,
            routes: [String: HostPort] = [:]
        ) {
            self.relay = relay
            self.tls = tls
            self.mxPort = mxPort
            self.lifetime = lifetime
            self.delayNotice = delayNotice
            self.routes = routes
        }
    }

    /// `[dns]`.
    public struct DNS: Sendable, Equatable {
        /// Resolvers; empty means the system's (/etc/resolv.conf).
        public var servers: [HostPort]
        public init(servers: [HostPort] = []) {
            self.servers = servers
        }
    }
}

// MARK: - Enumerations

/// The listeners of `[listen]`, in the order they are documented.
public enum ListenerKind: String, Sendable, CaseIterable, Hashable, Comparable {
    case smtp, submission, submissions, imap, imaps, pop3, pop3s, http, https

    /// Whether the listener speaks TLS from the first byte (RFC 8314 §3.3 implicit TLS) or is plain HTTP.
    public var isImplicitTLS: Bool {
        switch self {
        case .submissions, .imaps, .pop3s, .https: true
        case .smtp, .submission, .imap, .pop3, .http: false
        }
    }

    public static func < (lhs: ListenerKind, rhs: ListenerKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// What POP3 `DELE` does when the session ends (`[pop3] deletes`).
public enum POP3DeleteMode: String, Sendable, CaseIterable {
    /// Messages are expunged from INBOX: IMAP no longer sees them.
    case expunge
    /// Messages are only hidden from later POP3 sessions: IMAP still sees them.
    case keep
}

/// How outbound delivery treats TLS (`[delivery] tls`).
public enum DeliveryTLSPolicy: String, Sendable, CaseIterable {
    /// STARTTLS when offered, plaintext otherwise (RFC 3207 §4; RFC 7435 opportunistic security).
    case opportunistic
    /// Never send in plaintext: a hop without STARTTLS is a temporary failure.
    case required
}
