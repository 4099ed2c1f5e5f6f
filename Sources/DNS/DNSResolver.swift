// DNSResolver: what the rest of Mailroom asks of DNS (DESIGN §1 "DNS").
//
// Invariants:
// - A name that does not exist (NXDOMAIN) throws `DNSError.nameDoesNotExist`; a name that exists with no
//   records of the asked type (NOERROR, empty answer: "NODATA") returns an empty array. The outbound
//   queue relies on the difference (RFC 5321 §5.1: fall back to A/AAAA only when there is no MX at all).
// - Temporary trouble (timeouts, SERVFAIL, unreachable resolvers) throws `DNSError.temporary`: the caller
//   retries later and never bounces because of it.
// - Names are given and returned without the trailing dot, lowercased.

/// An IPv4 or IPv6 address as text ("192.0.2.1", "2001:db8::1").
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    public enum Family: Hashable, Sendable { case v4, v6 }
    public var family: Family
    /// Four bytes for IPv4, sixteen for IPv6.
    public var bytes: [UInt8]

    public init(v4 bytes: [UInt8]) {
        precondition(bytes.count == 4)
        self.family = .v4
        self.bytes = bytes
    }

    public init(v6 bytes: [UInt8]) {
        precondition(bytes.count == 16)
        self.family = .v6
        self.bytes = bytes
    }

    public var description: String {
        switch family {
        case .v4: return bytes.map(String.init).joined(separator: ".")
        case .v6: return IPAddress.formatV6(bytes)
        }
    }

    /// RFC 5952 text form: lowercase hex, the longest run (≥2) of zero groups as "::".
    static func formatV6(_ b: [UInt8]) -> String {
        let groups = (0..<8).map { UInt16(b[2 * $0]) << 8 | UInt16(b[2 * $0 + 1]) }
        var bestStart = -1
        var bestLength = 0
        var i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > bestLength && j - i >= 2 {
                    bestStart = i
                    bestLength = j - i
                }
                i = j
            } else {
                i += 1
            }
        }
        func hex(_ range: Range<Int>) -> String {
            groups[range].map { String($0, radix: 16) }.joined(separator: ":")
        }
        if bestStart < 0 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }
}

/// One MX record (RFC 1035 §3.3.9).
public struct MXRecord: Hashable, Sendable {
    public var preference: UInt16
    /// The exchange host name, lowercased, without the trailing dot; "" for a null MX (RFC 7505 "." exchange).
    public var exchange: String

    public init(preference: UInt16, exchange: String) {
        self.preference = preference
        self.exchange = exchange
    }
}

public enum DNSError: Error, Hashable, Sendable {
    /// NXDOMAIN (RCODE 3): the name does not exist. Permanent.
    case nameDoesNotExist(String)
    /// Timeouts, SERVFAIL, REFUSED, unreachable servers, truncated answers that could not be retried over TCP.
    case temporary(String)
    /// A reply that is not valid DNS, or a query name that cannot be encoded (label > 63, name > 255 octets).
    case malformed(String)
}

/// The questions Mailroom asks. Implemented by `DNSClient` (UDP with TCP fallback) and by test fakes.
public protocol DNSResolver: Sendable {
    /// MX records of `domain` (unsorted, as received). [] when the name exists without MX records.
    func mx(_ domain: String) async throws(DNSError) -> [MXRecord]
    /// A and AAAA records of `host`, following CNAMEs; IPv6 first when both exist is not implied.
    func addresses(_ host: String) async throws(DNSError) -> [IPAddress]
    /// TXT records of `name`, each record's strings concatenated (RFC 7208 §3.3, RFC 6376 §3.6.2.2).
    func txt(_ name: String) async throws(DNSError) -> [String]
}
