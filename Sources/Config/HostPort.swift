// HostPort, domain-name checks and path resolution: small value parsers used by the config validator.
// They are pure and never touch the network or the file system (no DNS lookups while reading config).

/// A `HOST:PORT` pair: "127.0.0.1:25", "[::1]:993", "mail.example.com:587", "*:25" or "[::]:25".
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    /// Host without brackets: an IPv4 or IPv6 literal, a DNS name, or "0.0.0.0"/"::" for every address.
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// True when `host` is an IPv6 literal.
    public var isIPv6: Bool { host.contains(":") }

    /// Text form; IPv6 hosts in brackets.
    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    public static let validPorts = 1...65_535

    /// Parses `HOST:PORT`. With `defaultPort`, a bare `HOST` (or `[v6]`) is accepted too.
    /// "*" as host means every IPv4 address ("0.0.0.0").
    public static func parse(_ text: String, defaultPort: Int? = nil) -> HostPort? {
        let text = text.trimmingASCIIWhitespace()
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            // RFC 3986 §3.2.2: IP-literal = "[" IPv6address "]"
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if rest.isEmpty {
                portText = nil
            } else {
                guard rest.hasPrefix(":") else { return nil }
                portText = rest.dropFirst()
            }
            guard isIPv6Literal(host) else { return nil }
        } else {
            let colons = text.filter { $0 == ":" }.count
            if colons > 1, let defaultPort, isIPv6Literal(text) {
                return HostPort(host: text, port: defaultPort)  // a bare IPv6 address where the port is optional
            }
            if colons == 0 {
                host = Substring(text)
                portText = nil
            } else if colons == 1 {
                let colon = text.firstIndex(of: ":")!
                host = text[..<colon]
                portText = text[text.index(after: colon)...]
            } else {
                return nil  // an IPv6 literal needs brackets to carry a port
            }
            if host == "*" { host = "0.0.0.0" }
            guard isIPv4Literal(host) || DomainName.isValid(String(host)) else { return nil }
        }
        let port: Int
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy(\.isASCIIDigit),
                let value = Int(portText), validPorts.contains(value)
            else { return nil }
            port = value
        } else {
            guard let defaultPort else { return nil }
            port = defaultPort
        }
        return HostPort(host: String(host), port: port)
    }

    static func isIPv4Literal(_ text: some StringProtocol) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { part in
                !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCIIDigit) && (Int(part) ?? 256) <= 255
            }
    }

    /// RFC 4291 §2.2 text forms (hex groups, one "::", optional trailing dotted IPv4). Zone ids are refused.
    static func isIPv6Literal(_ text: some StringProtocol) -> Bool {
        guard !text.isEmpty, text.count <= 45 else { return false }
        var groups = String(text).split(separator: Character(":"), omittingEmptySubsequences: false).map(String.init)
        var maxGroups = 8
        if let last = groups.last, last.contains(".") {
            guard isIPv4Literal(last) else { return false }
            groups.removeLast()
            groups.append("0")
            maxGroups = 7  // six hex groups and the dotted quad
        }
        let string = String(text)
        guard !string.contains(":::"),
            !(string.hasPrefix(":") && !string.hasPrefix("::")),
            !(string.hasSuffix(":") && !string.hasSuffix("::"))
        else { return false }
        let doubleColons = string.ranges(of: "::").count
        guard doubleColons <= 1 else { return false }
        if doubleColons == 1 {
            // "::" yields empty strings at its place (and at the edges when it leads or trails).
            let nonEmpty = groups.filter { !$0.isEmpty }
            guard nonEmpty.count < maxGroups else { return false }
            return nonEmpty.allSatisfy(isHexGroup)
        }
        return groups.count == maxGroups && groups.allSatisfy(isHexGroup)
    }

    private static func isHexGroup(_ group: String) -> Bool {
        !group.isEmpty && group.count <= 4 && group.allSatisfy(\.isHexDigit)
    }
}

/// Domain-name syntax (RFC 1035 §2.3.1 as relaxed by RFC 1123 §2.1: labels may start with a digit).
public enum DomainName {
    public static let maxLength = 253
    public static let maxLabelLength = 63

    public static func isValid(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= maxLength else { return false }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= maxLabelLength && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.utf8.allSatisfy { byte in
                    (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                        || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                        || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
                        || byte == UInt8(ascii: "_")
                }
        }
    }
}

/// POSIX path helpers (no Foundation needed).
public enum PathResolver {
    /// `path` if absolute, otherwise `base/path`; "." and ".." components are folded.
    public static func resolve(_ path: String, relativeTo base: String) -> String {
        normalize(path.hasPrefix("/") ? path : join(base, path))
    }

    public static func join(_ base: String, _ component: String) -> String {
        base.hasSuffix("/") ? base + component : base + "/" + component
    }

    /// The directory part of a path ("mailroom.toml" → ".", "/etc/mailroom.toml" → "/etc").
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    public static func normalize(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            switch part {
            case ".": continue
            case "..":
                if let last = parts.last, last != ".." {
                    parts.removeLast()
                } else if !absolute {
                    parts.append(part)
                }
            default: parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        return absolute ? "/" + joined : (joined.isEmpty ? "." : joined)
    }
}
