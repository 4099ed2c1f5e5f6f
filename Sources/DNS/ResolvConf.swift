// ResolvConf and DNSServerAddress: which resolvers to ask, from configuration text or /etc/resolv.conf.
//
// Invariants:
// - A server address is an IP literal and a port (default 53); host names are refused, because resolving
//   the resolver would need a resolver.
// - resolv.conf parsing never fails: unknown keywords, bad addresses and garbage lines are skipped, like
//   the C library does (resolv.conf(5)). With no usable nameserver the default is 127.0.0.1:53.
// - Like glibc, at most `maxNameservers` servers are used, `timeout` is capped at 30 s and `attempts` at 5.

import NIOCore

/// One resolver: an IP literal and a port.
public struct DNSServerAddress: Hashable, Sendable, CustomStringConvertible {
    /// An IPv4 or IPv6 literal, without brackets.
    public var host: String
    public var port: Int

    /// RFC 1035 §4.2: the DNS port.
    public static let defaultPort = 53

    public init(host: String, port: Int = DNSServerAddress.defaultPort) {
        self.host = host
        self.port = port
    }

    /// Text that cannot be a server address.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        public var input: String
        public var reason: String
        public var description: String { "invalid DNS server address \"\(input)\": \(reason)" }
    }

    /// Parses "127.0.0.1:5353", "[::1]:53", "10.0.0.1" or "::1" (the port defaults to 53).
    public static func parse(_ text: String) throws(ParseError) -> DNSServerAddress {
        let input = text.trimmingASCIISpaces()
        func fail(_ reason: String) -> ParseError { ParseError(input: text, reason: reason) }
        var host: Substring
        var portText: Substring? = nil
        if input.hasPrefix("[") {
            guard let close = input.firstIndex(of: "]") else { throw fail("missing \"]\"") }
            host = input[input.index(after: input.startIndex)..<close]
            let rest = input[input.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw fail("expected \":port\" after \"]\"") }
                portText = rest.dropFirst()
            }
        } else if input.filter({ $0 == ":" }).count == 1, let colon = input.firstIndex(of: ":") {
            host = input[..<colon]
            portText = input[input.index(after: colon)...]
        } else {
            host = Substring(input)  // IPv4 without port, or a bare IPv6 literal
        }
        var port = defaultPort
        if let portText {
            guard let value = Int(portText), (1...65_535).contains(value) else {
                throw fail("port must be a number from 1 to 65535")
            }
            port = value
        }
        guard !host.isEmpty else { throw fail("no address") }
        guard (try? SocketAddress(ipAddress: String(host), port: port)) != nil else {
            throw fail("not an IPv4 or IPv6 address")
        }
        return DNSServerAddress(host: String(host), port: port)
    }

    /// The socket address to send to.
    func socketAddress() throws -> SocketAddress {
        try SocketAddress(ipAddress: host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// The resolver settings of a resolv.conf(5) file.
public struct ResolvConf: Hashable, Sendable {
    public var servers: [DNSServerAddress]
    /// Time to wait for one server's reply ("options timeout:N", default 5 s).
    public var timeout: Duration
    /// Rounds over the server list ("options attempts:N", default 2).
    public var attempts: Int

    /// glibc MAXNS: only the first three nameserver lines count.
    public static let maxNameservers = 3
    /// glibc RES_MAXRETRANS in seconds.
    public static let maxTimeoutSeconds = 30
    /// glibc RES_MAXRETRY.
    public static let maxAttempts = 5
    public static let defaultTimeout: Duration = .seconds(5)
    public static let defaultAttempts = 2
    /// resolv.conf(5): with no nameserver line, the local machine.
    public static let defaultServer = DNSServerAddress(host: "127.0.0.1")

    public init(servers: [DNSServerAddress], timeout: Duration, attempts: Int) {
        self.servers = servers
        self.timeout = timeout
        self.attempts = attempts
    }

    /// Parses resolv.conf text: "nameserver ADDR", "options timeout:N attempts:N"; "#" and ";" start
    /// comments; everything else is ignored.
    public static func parse(_ text: String) -> ResolvConf {
        var servers: [DNSServerAddress] = []
        var timeout = defaultTimeout
        var attempts = defaultAttempts
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            var line = Substring(rawLine)
            if let comment = line.firstIndex(where: { $0 == "#" || $0 == ";" }) { line = line[..<comment] }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let keyword = words.first else { continue }
            switch keyword {
            case "nameserver":
                // A nameserver line holds one IP address; the port is always 53 (resolv.conf(5)).
                guard words.count >= 2, servers.count < maxNameservers else { continue }
                let address = DNSServerAddress(host: String(words[1]))
                guard (try? address.socketAddress()) != nil else { continue }
                servers.append(address)
            case "options":
                for option in words.dropFirst() {
                    if let value = optionValue(option, "timeout:") {
                        timeout = .seconds(min(max(value, 1), maxTimeoutSeconds))
                    } else if let value = optionValue(option, "attempts:") {
                        attempts = min(max(value, 1), maxAttempts)
                    }
                }
            default:
                continue
            }
        }
        return ResolvConf(servers: servers.isEmpty ? [defaultServer] : servers, timeout: timeout, attempts: attempts)
    }

    private static func optionValue(_ option: Substring, _ name: String) -> Int? {
        guard option.hasPrefix(name) else { return nil }
        return Int(option.dropFirst(name.count))
    }
}

extension String {
    fileprivate func trimmingASCIISpaces() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return self[first...last]
    }
}
