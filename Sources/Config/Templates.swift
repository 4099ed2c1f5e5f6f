// The configurations that are not read from a user's file: `mailroom dev`, built-in defaults, and the
// commented starter file printed by `mailroom init`. Every number comes from `ConfigDefaults`.

import Foundation

extension MailroomConfig {
    /// All defaults, no listeners, no hostname; relative paths resolve against `baseDirectory`.
    public static func defaults(baseDirectory: String) -> MailroomConfig {
        MailroomConfig(
            sourceName: "<defaults>", baseDirectory: baseDirectory, hostname: nil,
            dataDirectory: PathResolver.resolve(ConfigDefaults.dataDirectory, relativeTo: baseDirectory))
    }

    /// The `mailroom dev` configuration (DESIGN §6.1): hostname "localhost", every listener on its dev port on
    /// 127.0.0.1, a self-signed certificate in the data directory. The demo domain is `ConfigDefaults.devDomain`.
    /// A relative `dataDirectory` resolves against the current directory.
    public static func dev(dataDirectory: String = ConfigDefaults.devDataDirectory) -> MailroomConfig {
        let cwd = FileManager.default.currentDirectoryPath
        var listen: [ListenerKind: HostPort] = [:]
        for (kind, port) in ConfigDefaults.devPorts {
            listen[kind] = HostPort(host: ConfigDefaults.devListenHost, port: port)
        }
        return MailroomConfig(
            sourceName: "<dev>", baseDirectory: cwd, hostname: ConfigDefaults.devHostname,
            dataDirectory: PathResolver.resolve(dataDirectory, relativeTo: cwd), listen: listen)
    }

    /// A commented starter config for `mailroom init --hostname H`: every key, set or commented out with its
    /// default and a one-line explanation. It parses to the defaults plus `hostname` and the standard listeners.
    public static func starterTemplate(hostname: String) -> String {
        let limits = Limits()
        func port(_ kind: ListenerKind) -> Int { ConfigDefaults.standardPorts[kind]! }
        return """
            # mailroom.toml: configuration of the Mailroom mail server.
            # Every key is listed; commented-out keys show their default. Reference: docs/CONFIG.md.
            # Sizes: bytes or KB/MB/GB (binary, 1MB = 1048576 bytes). Durations: "30s", "2m", "1h30m", "5d".
            # Relative paths are relative to the directory of this file.

            hostname = "\(hostname)"  # this server's name: SMTP greeting and HELO, Received:, TLS certificate
            data_dir = "\(ConfigDefaults.dataDirectory)"  # database, message files, queue, generated certificate

            [listen]  # a listener runs only if its key is present; "HOST:PORT", "[::1]:993", "0.0.0.0:25"
            smtp        = "0.0.0.0:\(port(.smtp))"    # MX: mail from the internet to local domains (STARTTLS offered)
            submission  = "0.0.0.0:\(port(.submission))"   # mail clients sending: STARTTLS, then AUTH
            submissions = "0.0.0.0:\(port(.submissions))"   # mail clients sending over implicit TLS (RFC 8314)
            imap        = "0.0.0.0:\(port(.imap))"   # IMAP with STARTTLS; no login before TLS
            imaps       = "0.0.0.0:\(port(.imaps))"   # IMAP over implicit TLS
            pop3        = "0.0.0.0:\(port(.pop3))"   # POP3 with STLS; no login before TLS
            pop3s       = "0.0.0.0:\(port(.pop3s))"   # POP3 over implicit TLS
            http        = "127.0.0.1:8080"  # webmail, JMAP, CalDAV/CardDAV, autoconfig, /metrics (behind a TLS proxy)
            https       = "0.0.0.0:\(port(.https))"   # the same over TLS

            [tls]  # PEM files; leave both out to use a self-signed certificate generated into data_dir/tls
            # cert = "/etc/letsencrypt/live/\(hostname)/fullchain.pem"  # certificate chain, leaf first
            # key  = "/etc/letsencrypt/live/\(hostname)/privkey.pem"    # private key (PKCS#8 or traditional)

            [limits]
            # message_size = "\(ByteSize.format(limits.messageSize))"  # largest message accepted (SMTP SIZE, IMAP APPEND)
            # recipients = \(limits.recipients)  # most recipients in one SMTP transaction
            # connections_per_ip = \(limits.connectionsPerIP)  # simultaneous connections from one IP, per listener
            # smtp_line_length = \(limits.smtpLineLength)  # longest SMTP line in bytes, CRLF included
            # imap_line_length = "\(ByteSize.format(limits.imapLineLength))"  # longest IMAP command line, literals excluded
            # login_timeout = "\(DurationText.format(limits.loginTimeout))"  # IMAP/POP3 clients must be logged in by then
            # http_idle_timeout = "\(DurationText.format(limits.httpIdleTimeout))"  # idle or stalled HTTP connections close
            # smtp_command_timeout = "\(DurationText.format(limits.smtpCommandTimeout))"  # to send one whole SMTP command line

            [imap]
            # idle_keepalive = "\(DurationText.format(ConfigDefaults.idleKeepalive))"  # untagged OK during IDLE, keeps mobile NATs open

            [pop3]
            # deletes = "\(ConfigDefaults.pop3Deletes.rawValue)"  # or "keep": POP3 DELE hides a message, IMAP still sees it

            [delivery]
            # relay = "smtp.provider.example:587"  # smarthost for all outbound mail; absent: deliver to MX hosts
            # relay_username = "account@provider.example"  # AUTH at the smarthost, only over TLS
            # relay_password_file = "relay-password"  # first line is the smarthost password
            # tls = "\(ConfigDefaults.deliveryTLS.rawValue)"  # or "required": TLS with a trusted certificate, else wait
            # concurrency = \(ConfigDefaults.deliveryConcurrency)  # outbound SMTP connections at once, in all
            # concurrency_per_domain = \(ConfigDefaults.deliveryConcurrencyPerDomain)  # ... to one recipient domain
            # mx_port = \(ConfigDefaults.mxPort)  # port used for MX hosts
            # lifetime = "\(DurationText.format(ConfigDefaults.queueLifetime))"  # retry a message this long, then bounce it
            # delay_notice = "\(DurationText.format(ConfigDefaults.delayNotice))"  # tell the sender after this long; "0s": never

            [delivery.routes]  # per-domain next hop instead of an MX lookup
            # "partner.example" = "192.0.2.10:25"

            [dns]
            # servers = ["127.0.0.1:53"]  # resolvers; empty or absent: /etc/resolv.conf

            """
    }
}
