// Reading and validating mailroom.toml.
//
// Invariants:
// - Parsing is two passes over one text: toml++ (through TOMLKit) builds the value tree and reports syntax
//   errors with their line; `KeyLocator` scans the same text to give every other error a line.
// - Validation never stops at the first problem: it collects every issue (unknown keys, wrong types, bad
//   values) and throws one `ConfigError` listing them all by line, so one edit-run cycle fixes them all.
// - TOMLKit types are converted to `TOMLNode` at once and never leave this file.

import Foundation
import TOMLKit

extension MailroomConfig {
    /// Reads and validates the file at `path`. Relative paths inside are resolved against its directory.
    public static func load(path: String) throws(ConfigError) -> MailroomConfig {
        let absolutePath = PathResolver.resolve(path, relativeTo: FileManager.default.currentDirectoryPath)
        guard let data = FileManager.default.contents(atPath: absolutePath) else {
            let reason =
                FileManager.default.fileExists(atPath: absolutePath)
                ? "cannot be read (check its permissions)"
                : "does not exist; create one with `mailroom init --hostname mail.example.com > \(path)`"
            throw ConfigError(fileName: path, issues: [.init(line: nil, key: nil, message: "the file \(reason)")])
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ConfigError(
                fileName: path, issues: [.init(line: nil, key: nil, message: "the file is not valid UTF-8 text")])
        }
        return try parse(text: text, fileName: path, baseDirectory: PathResolver.directory(of: absolutePath))
    }

    /// Validates TOML `text`; `fileName` is used in messages, relative paths resolve against `baseDirectory`.
    public static func parse(text: String, fileName: String, baseDirectory: String) throws(ConfigError)
        -> MailroomConfig
    {
        let locator = KeyLocator(source: text)
        if let issue = tomlAbortIssue(locator) {
            throw ConfigError(fileName: fileName, issues: [issue])
        }
        let root: [String: TOMLNode]
        do {
            root = TOMLNode.convert(try TOMLTable(string: text))
        } catch let error as TOMLParseError {
            throw ConfigError(
                fileName: fileName,
                issues: [
                    .init(line: error.source.begin.line, key: nil, message: "TOML syntax error: \(error.description)")
                ]
            )
        } catch {
            throw ConfigError(
                fileName: fileName, issues: [.init(line: nil, key: nil, message: "TOML syntax error: \(error)")])
        }
        var validator = Validator(locator: locator, baseDirectory: baseDirectory)
        let config = validator.config(from: root, sourceName: fileName)
        guard validator.issues.isEmpty, let config else {
            throw ConfigError(fileName: fileName, issues: validator.issues)
        }
        return config
    }
}

extension MailroomConfig {
    /// The first construct toml++ 3.4 would abort on instead of reporting (see KeyLocator), as the error it should
    /// have been; nil when there is none.
    static func tomlAbortIssue(_ locator: KeyLocator) -> ConfigError.Issue? {
        if let line = locator.malformedHeaderLine {
            return .init(
                line: line, key: nil,
                message: "TOML syntax error: a table header needs a key after '[', like [listen] or [\"a.b\"]")
        }
        if let (path, line) = locator.dateTimeValue {
            // No key takes a date or time.
            return .init(
                line: line, key: path.dotted,
                message: "a date or time is not valid here; no key of mailroom.toml takes one")
        }
        if let line = locator.misplacedBraceInArrayLine {
            return .init(
                line: line, key: nil, message: "TOML syntax error: expected a value or ']' in an array, saw '}'")
        }
        return nil
    }
}

// MARK: - Value tree

/// A TOML value detached from TOMLKit.
indirect enum TOMLNode {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    case array([TOMLNode])
    case table([String: TOMLNode])
    /// Dates and times, kept as their text: no key of ours takes one.
    case dateTime(String)

    static func convert(_ table: TOMLTable) -> [String: TOMLNode] {
        var result: [String: TOMLNode] = [:]
        for (key, value) in table { result[key] = convert(value) }
        return result
    }

    static func convert(_ value: any TOMLValueConvertible) -> TOMLNode {
        switch value.type {
        case .string: .string(value.string ?? "")
        case .int: .integer(value.int ?? 0)
        case .double: .float(value.double ?? 0)
        case .bool: .boolean(value.bool ?? false)
        case .array: .array((value.array.map { Array($0) } ?? []).map(convert))
        case .table: .table(value.table.map(convert) ?? [:])
        case .date, .time, .dateTime: .dateTime(value.debugDescription)
        }
    }

    /// "a string (\"x\")", "an integer (5)", … for messages.
    var summary: String {
        switch self {
        case .string(let text): "a string (\"\(text)\")"
        case .integer(let value): "an integer (\(value))"
        case .float(let value): "a number (\(value))"
        case .boolean(let value): "a boolean (\(value))"
        case .array: "an array"
        case .table: "a table"
        case .dateTime(let text): "a date/time (\(text))"
        }
    }
}

// MARK: - Schema

/// The keys each table accepts; unknown keys are errors (DESIGN §6.2).
enum Schema {
    static let topLevel = ["hostname", "data_dir", "listen", "tls", "limits", "imap", "pop3", "delivery", "dns"]
    static let listen = ListenerKind.allCases.map(\.rawValue)
    static let tls = ["cert", "key"]
    static let limits = [
        "message_size", "recipients", "connections_per_ip", "smtp_line_length", "imap_line_length", "login_timeout",
        "http_idle_timeout", "smtp_command_timeout",
    ]
    static let imap = ["idle_keepalive"]
    static let pop3 = ["deletes"]
    static let delivery = [
        "relay", "relay_username", "relay_password_file", "tls", "mx_port", "lifetime", "delay_notice",
        "concurrency", "concurrency_per_domain", "routes",
    ]
    static let dns = ["servers"]
}

// MARK: - Validation

private struct Validator {
    let locator: KeyLocator
    let baseDirectory: String
    var issues: [ConfigError.Issue] = []

    init(locator: KeyLocator, baseDirectory: String) {
        self.locator = locator
        self.baseDirectory = baseDirectory
    }

    mutating func config(from root: [String: TOMLNode], sourceName: String) -> MailroomConfig? {
        let top: ConfigKeyPath = []
        checkKeys(root, at: top, allowed: Schema.topLevel, tableName: "the top level")

        let hostname = value(
            root, "hostname", at: top, what: "hostname", expected: "expected a domain name like \"mail.example.com\""
        ) {
            (text: String) -> String? in
            DomainName.isValid(text) ? text.lowercased() : nil
        }
        let dataDirectory =
            path(root, "data_dir", at: top)
            ?? PathResolver.resolve(ConfigDefaults.dataDirectory, relativeTo: baseDirectory)

        var config = MailroomConfig(
            sourceName: sourceName, baseDirectory: baseDirectory, hostname: hostname, dataDirectory: dataDirectory)
        config.listen = listen(root)
        config.tls = tls(root)
        config.limits = limits(root)
        config.imap = imap(root)
        config.pop3 = pop3(root)
        config.delivery = delivery(root)
        config.dns = dns(root)
        return issues.isEmpty ? config : nil
    }

    // [listen]
    private mutating func listen(_ root: [String: TOMLNode]) -> [ListenerKind: HostPort] {
        let path: ConfigKeyPath = [.key("listen")]
        guard let table = table(root, "listen", allowed: Schema.listen) else { return [:] }
        var result: [ListenerKind: HostPort] = [:]
        var used: [HostPort: ListenerKind] = [:]
        for kind in ListenerKind.allCases {
            guard
                let address = value(
                    table, kind.rawValue, at: path, what: "address", expected: Self.hostPortExpectation,
                    { HostPort.parse($0) })
            else { continue }
            if let other = used[address] {
                fail(
                    path.appending(kind.rawValue),
                    "\(address) is already used by listen.\(other.rawValue); each listener needs its own port")
                continue
            }
            used[address] = kind
            result[kind] = address
        }
        return result
    }

    // [tls]: both or neither.
    private mutating func tls(_ root: [String: TOMLNode]) -> MailroomConfig.TLSFiles? {
        let path: ConfigKeyPath = [.key("tls")]
        guard let table = table(root, "tls", allowed: Schema.tls) else { return nil }
        let cert = self.path(table, "cert", at: path)
        let key = self.path(table, "key", at: path)
        switch (cert, key) {
        case (let cert?, let key?):
            return .init(certificatePath: cert, keyPath: key)
        case (.some, nil) where table["key"] == nil:
            fail(
                path.appending("key"),
                "missing; tls.cert and tls.key go together (or leave out both for a self-signed certificate)")
        case (nil, .some) where table["cert"] == nil:
            fail(
                path.appending("cert"),
                "missing; tls.cert and tls.key go together (or leave out both for a self-signed certificate)")
        default:
            break
        }
        return nil
    }

    // [limits]
    private mutating func limits(_ root: [String: TOMLNode]) -> MailroomConfig.Limits {
        let path: ConfigKeyPath = [.key("limits")]
        var limits = MailroomConfig.Limits()
        guard let table = table(root, "limits", allowed: Schema.limits) else { return limits }
        if let value = size(table, "message_size", at: path, bounds: ConfigDefaults.messageSizeBounds) {
            limits.messageSize = value
        }
        if let value = integer(table, "recipients", at: path, bounds: ConfigDefaults.recipientsBounds) {
            limits.recipients = value
        }
        if let value = integer(table, "connections_per_ip", at: path, bounds: ConfigDefaults.connectionsPerIPBounds) {
            limits.connectionsPerIP = value
        }
        if let value = size(table, "smtp_line_length", at: path, bounds: ConfigDefaults.smtpLineLengthBounds) {
            limits.smtpLineLength = value
        }
        if let value = size(table, "imap_line_length", at: path, bounds: ConfigDefaults.imapLineLengthBounds) {
            limits.imapLineLength = value
        }
        if let value = duration(table, "login_timeout", at: path, bounds: ConfigDefaults.loginTimeoutBounds) {
            limits.loginTimeout = value
        }
        if let value = duration(table, "http_idle_timeout", at: path, bounds: ConfigDefaults.httpIdleTimeoutBounds) {
            limits.httpIdleTimeout = value
        }
        if let value = duration(
            table, "smtp_command_timeout", at: path, bounds: ConfigDefaults.smtpCommandTimeoutBounds)
        {
            limits.smtpCommandTimeout = value
        }
        return limits
    }

    // [imap]
    private mutating func imap(_ root: [String: TOMLNode]) -> MailroomConfig.IMAP {
        var imap = MailroomConfig.IMAP()
        guard let table = table(root, "imap", allowed: Schema.imap) else { return imap }
        if let value = duration(table, "idle_keepalive", at: [.key("imap")], bounds: ConfigDefaults.idleKeepaliveBounds)
        {
            imap.idleKeepalive = value
        }
        return imap
    }

    // [pop3]
    private mutating func pop3(_ root: [String: TOMLNode]) -> MailroomConfig.POP3 {
        var pop3 = MailroomConfig.POP3()
        guard let table = table(root, "pop3", allowed: Schema.pop3) else { return pop3 }
        if let value = choice(table, "deletes", at: [.key("pop3")], of: POP3DeleteMode.self) {
            pop3.deletes = value
        }
        return pop3
    }

    // [delivery] and [delivery.routes]
    private mutating func delivery(_ root: [String: TOMLNode]) -> MailroomConfig.Delivery {
        let path: ConfigKeyPath = [.key("delivery")]
        var delivery = MailroomConfig.Delivery()
        guard let table = table(root, "delivery", allowed: Schema.delivery) else { return delivery }
        delivery.relay = value(table, "relay", at: path, what: "address", expected: Self.nextHopExpectation) {
            HostPort.parse($0, defaultPort: ConfigDefaults.mxPort)
        }
        delivery.relayUsername = value(
            table, "relay_username", at: path, what: "user name", expected: "expected the smarthost login"
        ) { $0.isEmpty || $0.contains("\0") ? nil : $0 }
        delivery.relayPasswordFile = self.path(table, "relay_password_file", at: path)
        if (delivery.relayUsername == nil) != (delivery.relayPasswordFile == nil) {
            fail(
                path.appending(delivery.relayUsername == nil ? "relay_password_file" : "relay_username"),
                "relay_username and relay_password_file go together; set both or neither")
        }
        if let value = choice(table, "tls", at: path, of: DeliveryTLSPolicy.self) { delivery.tls = value }
        if let value = integer(table, "concurrency", at: path, bounds: ConfigDefaults.deliveryConcurrencyBounds) {
            delivery.concurrency = value
        }
        if let value = integer(
            table, "concurrency_per_domain", at: path, bounds: ConfigDefaults.deliveryConcurrencyBounds)
        {
            delivery.concurrencyPerDomain = value
        }
        if let value = integer(table, "mx_port", at: path, bounds: HostPort.validPorts) { delivery.mxPort = value }
        if let value = duration(table, "lifetime", at: path, bounds: ConfigDefaults.queueLifetimeBounds) {
            delivery.lifetime = value
        }
        let noticeBounds: ClosedRange<Duration> = .zero...delivery.lifetime
        if let value = duration(table, "delay_notice", at: path, bounds: noticeBounds) {
            delivery.delayNotice = value
        }
        let routesPath = path.appending("routes")
        if let routes = self.table(table, "routes", at: path, allowed: nil) {
            for (domain, _) in routes.sorted(by: { $0.key < $1.key }) {
                guard DomainName.isValid(domain) else {
                    fail(
                        routesPath.appending(domain),
                        "\"\(domain)\" is not a domain name; expected a key like \"partner.example\"")
                    continue
                }
                if let hop = value(
                    routes, domain, at: routesPath, what: "address", expected: Self.nextHopExpectation,
                    { HostPort.parse($0, defaultPort: ConfigDefaults.mxPort) })
                {
                    delivery.routes[domain.lowercased()] = hop
                }
            }
        }
        return delivery
    }

    // [dns]
    private mutating func dns(_ root: [String: TOMLNode]) -> MailroomConfig.DNS {
        let path: ConfigKeyPath = [.key("dns")]
        var dns = MailroomConfig.DNS()
        guard let table = table(root, "dns", allowed: Schema.dns), let node = table["servers"] else { return dns }
        let serversPath = path.appending("servers")
        guard case .array(let elements) = node else {
            fail(serversPath, "expected an array of addresses like [\"127.0.0.1:53\"], found \(node.summary)")
            return dns
        }
        for (index, element) in elements.enumerated() {
            let elementPath = serversPath.appending(index: index)
            guard case .string(let text) = element else {
                fail(elementPath, "expected a string like \"127.0.0.1:53\", found \(element.summary)")
                continue
            }
            guard let server = HostPort.parse(text, defaultPort: ConfigDefaults.dnsPort),
                HostPort.isIPv4Literal(server.host) || HostPort.isIPv6Literal(server.host)
            else {
                fail(
                    elementPath,
                    "\"\(text)\" is not a valid resolver; expected an IP address with an optional port, like \"127.0.0.1:53\" or \"[::1]:53\""
                )
                continue
            }
            dns.servers.append(server)
        }
        return dns
    }

    // MARK: Helpers

    static let hostPortExpectation = "expected HOST:PORT with port 1-65535, like \"127.0.0.1:25\" or \"[::1]:993\""
    static let nextHopExpectation = "expected HOST or HOST:PORT with port 1-65535, like \"smtp.provider.example:587\""

    private mutating func fail(_ path: ConfigKeyPath, _ message: String) {
        issues.append(.init(line: locator.line(for: path), key: path.dotted, message: message))
    }

    /// Reports keys of `table` that are not in `allowed`, with a suggestion for near misses.
    private mutating func checkKeys(
        _ table: [String: TOMLNode], at path: ConfigKeyPath, allowed: [String], tableName: String
    ) {
        for key in table.keys.sorted() where !allowed.contains(key) {
            var message = "unknown key"
            if let suggestion = Suggestion.closest(to: key, among: allowed) {
                message += "; did you mean \"\(suggestion)\"?"
            }
            message += " Valid keys in \(tableName): \(allowed.joined(separator: ", "))"
            fail(path.appending(key), message)
        }
    }

    /// A sub-table of the top level, with its keys checked.
    private mutating func table(_ root: [String: TOMLNode], _ key: String, allowed: [String]) -> [String: TOMLNode]? {
        table(root, key, at: [], allowed: allowed)
    }

    private mutating func table(_ parent: [String: TOMLNode], _ key: String, at path: ConfigKeyPath, allowed: [String]?)
        -> [String: TOMLNode]?
    {
        guard let node = parent[key] else { return nil }
        let tablePath = path.appending(key)
        guard case .table(let table) = node else {
            fail(tablePath, "expected a table ([\(tablePath.dotted)]), found \(node.summary)")
            return nil
        }
        if let allowed { checkKeys(table, at: tablePath, allowed: allowed, tableName: "[\(tablePath.dotted)]") }
        return table
    }

    /// A string value run through `parse`; nil (with an issue) when absent, of the wrong type or invalid.
    private mutating func value<T>(
        _ table: [String: TOMLNode], _ key: String, at path: ConfigKeyPath, what: String, expected: String,
        _ parse: (String) -> T?
    ) -> T? {
        guard let node = table[key] else { return nil }
        let keyPath = path.appending(key)
        guard case .string(let text) = node else {
            fail(keyPath, "\(node.summary) is not valid here; \(expected) (a quoted string)")
            return nil
        }
        guard let value = parse(text) else {
            fail(keyPath, "\"\(text)\" is not a valid \(what); \(expected)")
            return nil
        }
        return value
    }

    private mutating func path(_ table: [String: TOMLNode], _ key: String, at path: ConfigKeyPath) -> String? {
        let base = baseDirectory
        return value(table, key, at: path, what: "path", expected: "expected a file or directory path") { text in
            text.isEmpty || text.contains("\0") ? nil : PathResolver.resolve(text, relativeTo: base)
        }
    }

    private mutating func integer(
        _ table: [String: TOMLNode], _ key: String, at path: ConfigKeyPath, bounds: ClosedRange<Int>
    )
        -> Int?
    {
        guard let node = table[key] else { return nil }
        let keyPath = path.appending(key)
        guard case .integer(let value) = node else {
            fail(
                keyPath, "expected an integer from \(bounds.lowerBound) to \(bounds.upperBound), found \(node.summary)")
            return nil
        }
        guard bounds.contains(value) else {
            fail(keyPath, "\(value) is out of range; expected \(bounds.lowerBound)-\(bounds.upperBound)")
            return nil
        }
        return value
    }

    /// A size: an integer number of bytes or a string like "25MB".
    private mutating func size(
        _ table: [String: TOMLNode], _ key: String, at path: ConfigKeyPath, bounds: ClosedRange<Int>
    )
        -> Int?
    {
        guard let node = table[key] else { return nil }
        let keyPath = path.appending(key)
        let range = "\(ByteSize.format(bounds.lowerBound)) to \(ByteSize.format(bounds.upperBound))"
        let bytes: Int
        switch node {
        case .integer(let value):
            bytes = value
        case .string(let text):
            guard let value = ByteSize.parse(text) else {
                fail(
                    keyPath,
                    "\"\(text)\" is not a valid size; expected a number of bytes with an optional unit KB, MB or GB (binary: 1MB = 1048576 bytes), like \"25MB\""
                )
                return nil
            }
            bytes = value
        default:
            fail(keyPath, "expected a size like \"25MB\", found \(node.summary)")
            return nil
        }
        guard bounds.contains(bytes) else {
            fail(keyPath, "\(ByteSize.format(bytes)) is out of range; expected \(range)")
            return nil
        }
        return bytes
    }

    private mutating func duration(
        _ table: [String: TOMLNode], _ key: String, at path: ConfigKeyPath, bounds: ClosedRange<Duration>
    ) -> Duration? {
        guard let node = table[key] else { return nil }
        let keyPath = path.appending(key)
        guard case .string(let text) = node else {
            fail(keyPath, "expected a duration string like \"30s\", \"2m\", \"1h30m\" or \"5d\", found \(node.summary)")
            return nil
        }
        guard let value = DurationText.parse(text) else {
            fail(
                keyPath,
                "\"\(text)\" is not a valid duration; expected a number with a unit s, m, h or d, like \"30s\", \"2m\", \"1h30m\" or \"5d\""
            )
            return nil
        }
        guard bounds.contains(value) else {
            fail(
                keyPath,
                "\"\(text)\" is out of range; expected \(DurationText.format(bounds.lowerBound)) to \(DurationText.format(bounds.upperBound))"
            )
            return nil
        }
        return value
    }

    private mutating func choice<T: RawRepresentable & CaseIterable>(
        _ table: [String: TOMLNode], _ key: String, at path: ConfigKeyPath, of type: T.Type
    ) -> T? where T.RawValue == String {
        let options = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or ")
        return value(table, key, at: path, what: "choice", expected: "expected \(options)") { T(rawValue: $0) }
    }
}

// MARK: - Did you mean

enum Suggestion {
    /// The allowed key closest to `key` when it is a plausible typo (edit distance ≤ 2, or ≤ 1 for short keys).
    static func closest(to key: String, among allowed: [String]) -> String? {
        let lowered = key.lowercased().replacingOccurrences(of: "-", with: "_")
        if let exact = allowed.first(where: { $0 == lowered }) { return exact }
        let scored = allowed.map { ($0, distance(lowered, $0)) }.min { $0.1 < $1.1 }
        guard let (candidate, score) = scored else { return nil }
        let limit = min(key.count, candidate.count) <= 4 ? 1 : 2
        return score <= limit ? candidate : nil
    }

    /// Levenshtein distance with adjacent transpositions counted as one edit.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8)
        let b = Array(b.utf8)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = Swift.min(current[j], previousPrevious[j - 2] + 1)
                }
            }
            previousPrevious = previous
            previous = current
        }
        return previous[b.count]
    }
}
