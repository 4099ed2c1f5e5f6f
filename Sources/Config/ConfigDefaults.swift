// ConfigDefaults: every default and every bound of the config file, named once.
// docs/CONFIG.md, the starter template and `MailroomConfig.dev` read these constants.

public enum ConfigDefaults {
    /// Default config file name looked for in the working directory (DESIGN §6.1).
    public static let fileName = "mailroom.toml"
    /// Environment variable naming the config file (DESIGN §6.1).
    public static let environmentVariable = "MAILROOM_CONFIG"

    public static let dataDirectory = "data"
    /// Subdirectory of `data_dir` for the generated self-signed certificate.
    public static let generatedTLSSubdirectory = "tls"

    // [limits]
    /// 25 MiB: sizes use binary units (1MB = 1024 × 1024 bytes), like Postfix and Dovecot users expect.
    public static let messageSize = 25 * ByteSize.mebibyte
    public static let messageSizeBounds = (1 * ByteSize.kibibyte)...(4 * ByteSize.gibibyte)
    public static let recipients = 100
    /// RFC 5321 §4.5.3.1.8 requires accepting at least 100 recipients.
    public static let recipientsBounds = 1...100_000
    public static let connectionsPerIP = 20
    public static let connectionsPerIPBounds = 1...100_000
    /// RFC 5321 §4.5.3.1.6: a text line is at most 1000 octets including CRLF.
    public static let smtpLineLength = 1000
    public static let smtpLineLengthBounds = 1000...(1 * ByteSize.mebibyte)
    /// RFC 9051 §4 sets no limit; RFC 7162 §4 asks clients to keep command lines under 8192 octets and
    /// servers to accept at least that. 64 KiB leaves room for long UID sets.
    public static let imapLineLength = 64 * ByteSize.kibibyte
    public static let imapLineLengthBounds = 8192...(16 * ByteSize.mebibyte)
    /// Time an IMAP or POP3 client has from connecting until it is logged in (RFC 9051 §5.4 allows a short
    /// pre-authentication timer); a deadline, not an idle timer, so bytes trickled in do not extend it.
    public static let loginTimeout: Duration = .seconds(60)
    public static let loginTimeoutBounds: ClosedRange<Duration> = .seconds(2) ... .seconds(30 * 60)
    /// An HTTP connection without a request in progress, or a request head that does not complete, is closed
    /// after this long (also covers an HTTPS handshake that never finishes).
    public static let httpIdleTimeout: Duration = .seconds(60)
    public static let httpIdleTimeoutBounds: ClosedRange<Duration> = .seconds(2) ... .seconds(60 * 60)
    /// Time an SMTP client has to send one whole command line (RFC 5321 §4.5.3.2.7: at least 5 minutes; the lower
    /// bound is for tests). A deadline per line, so a client that trickles a line byte by byte is cut off too.
    public static let smtpCommandTimeout: Duration = .seconds(5 * 60)
    public static let smtpCommandTimeoutBounds: ClosedRange<Duration> = .seconds(2) ... .seconds(60 * 60)

    // [imap]
    public static let idleKeepalive: Duration = .seconds(2 * 60)
    /// RFC 9051 §5.4: the autologout timer is at least 30 minutes, so keep-alives must come sooner.
    public static let idleKeepaliveBounds: ClosedRange<Duration> = .seconds(10) ... .seconds(29 * 60)

    // [pop3]
    public static let pop3Deletes: POP3DeleteMode = .expunge

    // [delivery]
    public static let deliveryTLS: DeliveryTLSPolicy = .opportunistic
    /// RFC 5321 §4.5.4.1 / the SMTP port for MX hosts.
    public static let mxPort = 25
    /// RFC 5321 §4.5.4.1: give up after at least 4-5 days.
    public static let queueLifetime: Duration = .seconds(5 * 86_400)
    public static let queueLifetimeBounds: ClosedRange<Duration> = .seconds(60) ... .seconds(30 * 86_400)
    public static let delayNotice: Duration = .seconds(4 * 3_600)
    public static let deliveryConcurrency = 20
    public static let deliveryConcurrencyPerDomain = 4
    public static let deliveryConcurrencyBounds = 1...1_000

    // [dns]
    public static let dnsPort = 53

    // `mailroom dev` (DESIGN §6.1, §6.2)
    public static let devHostname = "localhost"
    public static let devDomain = "example.test"
    public static let devDataDirectory = "mailroom-data"
    public static let devListenHost = "127.0.0.1"
    public static let devPorts: [ListenerKind: Int] = [
        .smtp: 2525, .submission: 2587, .submissions: 2465, .imap: 2143, .imaps: 2993,
        .pop3: 2110, .pop3s: 2995, .http: 8080, .https: 8443,
    ]

    /// Ports `mailroom init` suggests (the standard ones, RFC 8314 §7.3 for the implicit-TLS ports).
    public static let standardPorts: [ListenerKind: Int] = [
        .smtp: 25, .submission: 587, .submissions: 465, .imap: 143, .imaps: 993,
        .pop3: 110, .pop3s: 995, .http: 80, .https: 443,
    ]
}

/// Byte-size units. Binary: 1KB = 1024 bytes, 1MB = 1024 × 1024, 1GB = 1024³ (KiB/MiB/GiB are synonyms).
public enum ByteSize {
    public static let kibibyte = 1024
    public static let mebibyte = 1024 * 1024
    public static let gibibyte = 1024 * 1024 * 1024

    /// Parses "25MB", "512KB", "1GB", "100" (bytes), "100B", "2 MiB", "10k". Case-insensitive units.
    public static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingASCIIWhitespace()
        let firstNonDigit = trimmed.firstIndex(where: { !$0.isASCIIDigit }) ?? trimmed.endIndex
        let digits = trimmed[..<firstNonDigit]
        guard !digits.isEmpty, digits.count <= 18, let number = Int(digits) else { return nil }
        let unit = String(trimmed[firstNonDigit...]).trimmingASCIIWhitespace().lowercased()
        let multiplier: Int
        switch unit {
        case "", "b": multiplier = 1
        case "k", "kb", "kib": multiplier = kibibyte
        case "m", "mb", "mib": multiplier = mebibyte
        case "g", "gb", "gib": multiplier = gibibyte
        default: return nil
        }
        let (product, overflow) = number.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }

    /// The shortest exact spelling: 26214400 → "25MB", 1500 → "1500".
    public static func format(_ bytes: Int) -> String {
        if bytes > 0, bytes % gibibyte == 0 { return "\(bytes / gibibyte)GB" }
        if bytes > 0, bytes % mebibyte == 0 { return "\(bytes / mebibyte)MB" }
        if bytes > 0, bytes % kibibyte == 0 { return "\(bytes / kibibyte)KB" }
        return "\(bytes)"
    }
}

/// Durations written as "30s", "2m", "1h", "5d", "1h30m" (units d, h, m, s, each at most once, largest first).
public enum DurationText {
    private static let units: [(Character, Int64)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]

    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingASCIIWhitespace().lowercased()
        guard !trimmed.isEmpty else { return nil }
        var seconds: Int64 = 0
        var number = ""
        var nextUnitIndex = 0
        for character in trimmed {
            if character.isASCIIDigit {
                number.append(character)
            } else {
                // Overflow-checked rather than a digit cap, so that every total parses back from `format`.
                guard !number.isEmpty, let value = Int64(number),
                    let unitIndex = units[nextUnitIndex...].firstIndex(where: { $0.0 == character })
                else { return nil }
                let (product, productOverflow) = value.multipliedReportingOverflow(by: units[unitIndex].1)
                let (sum, sumOverflow) = seconds.addingReportingOverflow(product)
                guard !productOverflow, !sumOverflow else { return nil }
                seconds = sum
                nextUnitIndex = unitIndex + 1
                number = ""
            }
        }
        guard number.isEmpty else { return nil }  // "30" without a unit is ambiguous
        return .seconds(seconds)
    }

    /// The shortest spelling: 5400 s → "1h30m", 0 → "0s".
    public static func format(_ duration: Duration) -> String {
        var remaining = duration.components.seconds
        guard remaining > 0 else { return "0s" }
        var text = ""
        for (unit, size) in units where remaining >= size {
            text += "\(remaining / size)\(unit)"
            remaining %= size
        }
        return text
    }
}

extension Character {
    /// 0-9 only: a range check on Character would also admit a digit with combining marks ("1\u{301}").
    var isASCIIDigit: Bool { asciiValue.map { (0x30...0x39).contains($0) } ?? false }
}

extension StringProtocol {
    func trimmingASCIIWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
