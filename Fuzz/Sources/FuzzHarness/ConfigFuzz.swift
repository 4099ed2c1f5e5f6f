// ConfigFuzz: the config file (Sources/Config): TOML syntax (TOMLKit / toml++), validation into MailroomConfig
// with its error reporting, and the value parsers (durations, sizes, HOST:PORT, domain names, paths).
//
// Properties checked for every input (the text of a mailroom.toml):
// - MailroomConfig.parse never traps and refuses only with a ConfigError: at least one issue, each with a
//   message and either no line or a line inside the text, issues sorted by line.
// - A config that parses, rendered back to TOML by `render` (every field; sizes and durations in their
//   canonical spelling, addresses in their description form), parses to the same value; the starter template
//   for its hostname parses to the defaults with that hostname and every listener.
// - Every input line, and the first quoted string on it, as a value: DurationText.parse(format(d)) == d,
//   ByteSize.parse(format(n)) == n, HostPort.parse(description) gives the same address with a valid port, and
//   PathResolver.normalize is idempotent.

import Config

public enum ConfigFuzz {
    static let fileName = "mailroom.toml"
    static let baseDirectory = "/srv/mailroom"
    /// Lines tried as single values per input, and the longest one.
    static let maxValueLines = 64
    static let maxValueOctets = 512

    public static func run(_ input: [UInt8]) throws(FuzzFailure) {
        let text = String(decoding: input, as: UTF8.self)
        try values(text)
        let config: MailroomConfig
        do {
            config = try MailroomConfig.parse(text: text, fileName: fileName, baseDirectory: baseDirectory)
        } catch {
            try refusal(error, text: text)
            return
        }
        try rendered(config)
        if let hostname = config.hostname { try starterTemplate(hostname: hostname) }
    }

    /// A refusal says what is wrong, where (a line of the file, when known), in line order.
    static func refusal(_ error: ConfigError, text: String) throws(FuzzFailure) {
        let lineCount = text.utf8.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
        try require(!error.issues.isEmpty, "a ConfigError without issues for \(show(Array(text.utf8)))")
        try require(error.fileName == fileName, "the error names \(error.fileName)")
        for issue in error.issues {
            try require(!issue.message.isEmpty, "an issue without message: \(issue)")
            if let line = issue.line {
                try require(
                    (1...(lineCount + 1)).contains(line),
                    "issue on line \(line) of \(lineCount): \(issue)\n\(show(Array(text.utf8)))")
            }
        }
        let lines = error.issues.map { $0.line ?? 0 }
        try require(lines == lines.sorted(), "issues not sorted by line: \(lines)")
        try require(!error.description.isEmpty, "an empty error description")
    }

    /// parse(render(config)) == config.
    static func rendered(_ config: MailroomConfig) throws(FuzzFailure) {
        let toml = render(config)
        do {
            let back = try MailroomConfig.parse(text: toml, fileName: fileName, baseDirectory: baseDirectory)
            try require(back == config, "rendered config reads back differently:\n\(toml)\n\(config)\n\(back)")
        } catch let error as FuzzFailure {
            throw error
        } catch {
            throw FuzzFailure("rendered config does not parse (\(error)):\n\(toml)")
        }
    }

    /// `mailroom init --hostname H` output parses to the defaults with H and every listener.
    static func starterTemplate(hostname: String) throws(FuzzFailure) {
        let template = MailroomConfig.starterTemplate(hostname: hostname)
        do {
            let config = try MailroomConfig.parse(text: template, fileName: fileName, baseDirectory: baseDirectory)
            let defaults = MailroomConfig.defaults(baseDirectory: baseDirectory)
            try require(
                config.hostname == hostname, "starter template for \(hostname) has \(config.hostname ?? "none")")
            try require(
                config.dataDirectory == defaults.dataDirectory && config.tls == nil && config.limits == defaults.limits
                    && config.imap == defaults.imap && config.pop3 == defaults.pop3
                    && config.delivery == defaults.delivery && config.dns == defaults.dns,
                "starter template for \(hostname) is not the defaults: \(config)")
            try require(
                Set(config.listen.keys) == Set(ListenerKind.allCases), "starter template listeners \(config.listen)")
        } catch let error as FuzzFailure {
            throw error
        } catch {
            throw FuzzFailure("starter template for \(hostname) does not parse (\(error))")
        }
    }

    // MARK: Rendering

    /// The config as a TOML file that sets every key.
    static func render(_ config: MailroomConfig) -> String {
        var out = ""
        func line(_ key: String, _ value: String) { out += key + " = " + value + "\n" }
        if let hostname = config.hostname { line("hostname", quote(hostname)) }
        line("data_dir", quote(config.dataDirectory))
        out += "[listen]\n"
        for kind in ListenerKind.allCases {
            if let address = config.listen[kind] { line(kind.rawValue, quote(address.description)) }
        }
        if let tls = config.tls {
            out += "[tls]\n"
            line("cert", quote(tls.certificatePath))
            line("key", quote(tls.keyPath))
        }
        let limits = config.limits
        out += "[limits]\n"
        line("message_size", quote(ByteSize.format(limits.messageSize)))
        line("recipients", String(limits.recipients))
        line("connections_per_ip", String(limits.connectionsPerIP))
        line("smtp_line_length", String(limits.smtpLineLength))  // a size may also be a plain integer
        line("imap_line_length", quote(ByteSize.format(limits.imapLineLength)))
        line("login_timeout", quote(DurationText.format(limits.loginTimeout)))
        line("http_idle_timeout", quote(DurationText.format(limits.httpIdleTimeout)))
        out += "[imap]\n"
        line("idle_keepalive", quote(DurationText.format(config.imap.idleKeepalive)))
        out += "[pop3]\n"
        line("deletes", quote(config.pop3.deletes.rawValue))
        let delivery = config.delivery
        out += "[delivery]\n"
        if let relay = delivery.relay { line("relay", quote(relay.description)) }
        if let username = delivery.relayUsername { line("relay_username", quote(username)) }
        if let file = delivery.relayPasswordFile { line("relay_password_file", quote(file)) }
        line("tls", quote(delivery.tls.rawValue))
        line("concurrency", String(delivery.concurrency))
        line("concurrency_per_domain", String(delivery.concurrencyPerDomain))
        line("mx_port", String(delivery.mxPort))
        line("lifetime", quote(DurationText.format(delivery.lifetime)))
        line("delay_notice", quote(DurationText.format(delivery.delayNotice)))
        if !delivery.routes.isEmpty {
            out += "[delivery.routes]\n"
            for (domain, hop) in delivery.routes.sorted(by: { $0.key < $1.key }) {
                line(quote(domain), quote(hop.description))
            }
        }
        out += "[dns]\n"
        line("servers", "[" + config.dns.servers.map { quote($0.description) }.joined(separator: ", ") + "]")
        return out
    }

    /// A TOML basic string (toml.io v1.0.0 "String"): quote, backslash and control characters escaped.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    // MARK: Values

    /// Every line, and the first quoted string on it, through the value parsers.
    static func values(_ text: String) throws(FuzzFailure) {
        var lines = 0
        for line in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: true) {
            guard lines < maxValueLines else { break }
            lines += 1
            guard line.count <= maxValueOctets else { continue }
            let value = String(decoding: line, as: UTF8.self)
            try valueRoundTrips(value)
            let parts = value.split(separator: "\"", maxSplits: 2, omittingEmptySubsequences: false)
            if parts.count == 3 { try valueRoundTrips(String(parts[1])) }
        }
    }

    static func valueRoundTrips(_ value: String) throws(FuzzFailure) {
        if let duration = DurationText.parse(value) {
            let text = DurationText.format(duration)
            let back = DurationText.parse(text)
            try require(
                back == duration, "duration \(show(Array(value.utf8))) -> \(text) -> \(String(describing: back))")
        }
        if let size = ByteSize.parse(value) {
            let text = ByteSize.format(size)
            let back = ByteSize.parse(text)
            try require(back == size, "size \(show(Array(value.utf8))) -> \(text) -> \(String(describing: back))")
        }
        for defaultPort in [nil, 25] {
            guard let address = HostPort.parse(value, defaultPort: defaultPort) else { continue }
            try require(HostPort.validPorts.contains(address.port), "address \(address) has an invalid port")
            let back = HostPort.parse(address.description)
            try require(
                back == address, "address \(show(Array(value.utf8))) -> \(address) -> \(String(describing: back))")
        }
        _ = DomainName.isValid(value)
        let normalized = PathResolver.normalize(value)
        try require(
            PathResolver.normalize(normalized) == normalized,
            "normalize is not idempotent: \(show(Array(value.utf8))) -> \(show(Array(normalized.utf8)))")
        _ = PathResolver.directory(of: value)
    }
}
