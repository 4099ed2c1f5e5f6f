// Routing: where mail for a domain goes next (RFC 5321 §5.1, RFC 7505).
//
// Invariants:
// - Order of precedence: the smarthost (`[delivery] relay`) for everything, else a per-domain route
//   (`[delivery.routes]`), else DNS: MX records by preference, equal preferences in random order, the
//   domain's own A/AAAA records when it has no MX at all (implicit MX, RFC 5321 §5.1).
// - A null MX (one MX record with exchange ".", RFC 7505 §3) or a domain that does not exist is a
//   permanent failure: the message bounces at once. DNS trouble is temporary: the message waits.
// - A host given as an IP literal is not looked up.

import DNS
import Foundation
import NIOCore

/// One server to try, with the addresses to connect to.
public struct NextHopHost: Sendable, Equatable {
    /// The name used for TLS verification, logs and DSN Remote-MTA.
    public var name: String
    public var addresses: [IPAddress]
    public var port: Int
}

public enum RoutingError: Error, Sendable, Equatable {
    /// Bounce now (null MX, domain does not exist, no address at all).
    case permanent(String)
    /// Try later (DNS timeouts, SERVFAIL).
    case temporary(String)
}

/// The routing policy from the config.
public struct RoutingPolicy: Sendable {
    public var relay: (host: String, port: Int)?
    public var routes: [String: (host: String, port: Int)]
    public var mxPort: Int

    public init(
        relay: (host: String, port: Int)? = nil, routes: [String: (host: String, port: Int)] = [:], mxPort: Int = 25
    ) {
        self.relay = relay
        self.routes = routes
        self.mxPort = mxPort
    }
}

public struct Router: Sendable {
    let policy: RoutingPolicy
    let resolver: any DNSResolver

    public init(policy: RoutingPolicy, resolver: any DNSResolver) {
        self.policy = policy
        self.resolver = resolver
    }

    /// The hosts to try for `domain`, in order.
    public func hosts(for domain: String) async throws(RoutingError) -> [NextHopHost] {
        if let relay = policy.relay {
            return [try await host(relay.host, port: relay.port)]
        }
        if let route = policy.routes[domain.lowercased()] {
            return [try await host(route.host, port: route.port)]
        }
        let ascii: String
        do {
            ascii = try DNSName.ascii(domain)
        } catch {
            throw .permanent("\(domain) is not a valid domain name")
        }
        let records: [MXRecord]
        do {
            records = try await resolver.mx(ascii)
        } catch .nameDoesNotExist {
            throw .permanent("the domain \(domain) does not exist (DNS NXDOMAIN)")
        } catch .temporary(let reason) {
            throw .temporary("DNS lookup of MX \(domain) failed: \(reason)")
        } catch {
            throw .temporary("DNS lookup of MX \(domain) failed: \(error)")
        }
        // RFC 7505 §3: a single "." MX means the domain accepts no mail.
        if records.contains(where: { $0.exchange.isEmpty }) {
            throw .permanent("the domain \(domain) accepts no mail (null MX, RFC 7505)")
        }
        if records.isEmpty {
            // RFC 5321 §5.1: no MX: the domain itself is the implicit MX.
            return [try await host(ascii, port: policy.mxPort)]
        }
        var hosts: [NextHopHost] = []
        var lastTemporary: String?
        for exchange in Self.ordered(records).prefix(OutboundLimits.maxMXHosts) {
            do {
                hosts.append(try await host(exchange, port: policy.mxPort))
            } catch .temporary(let reason) {
                lastTemporary = reason
            } catch .permanent {
                continue  // an MX host without addresses: try the others
            }
        }
        if hosts.isEmpty {
            if let lastTemporary { throw .temporary(lastTemporary) }
            throw .permanent("no MX host of \(domain) has an address")
        }
        return hosts
    }

    /// RFC 5321 §5.1: lowest preference first; equal preferences in random order (load spreading).
    static func ordered(_ records: [MXRecord]) -> [String] {
        let grouped = Dictionary(grouping: records, by: \.preference)
        var out: [String] = []
        for preference in grouped.keys.sorted() {
            for r in grouped[preference, default: []].shuffled() where !out.contains(r.exchange) {
                out.append(r.exchange)
            }
        }
        return out
    }

    func host(_ name: String, port: Int) async throws(RoutingError) -> NextHopHost {
        if let literal = Self.ipLiteral(name) {
            return NextHopHost(name: name, addresses: [literal], port: port)
        }
        do {
            let addresses = try await resolver.addresses(name)
            guard !addresses.isEmpty else { throw RoutingError.permanent("\(name) has no address records") }
            return NextHopHost(
                name: name, addresses: Array(addresses.prefix(OutboundLimits.maxAddressesPerHost)), port: port)
        } catch let e as RoutingError {
            throw e
        } catch DNSError.nameDoesNotExist {
            throw .permanent("the host \(name) does not exist (DNS NXDOMAIN)")
        } catch {
            throw .temporary("DNS lookup of \(name) failed: \(error)")
        }
    }

    /// "192.0.2.1", "::1" or "[::1]" as an address; nil for names.
    static func ipLiteral(_ text: String) -> IPAddress? {
        var t = text
        if t.hasPrefix("[") && t.hasSuffix("]") { t = String(t.dropFirst().dropLast()) }
        guard let address = try? SocketAddress(ipAddress: t, port: 0) else { return nil }
        switch address {
        case .v4(let a):
            let raw = a.address.sin_addr.s_addr.bigEndian
            return IPAddress(v4: [
                UInt8(raw >> 24), UInt8((raw >> 16) & 0xff), UInt8((raw >> 8) & 0xff), UInt8(raw & 0xff),
            ])
        case .v6(let a):
            var storage = a.address.sin6_addr
            let bytes = withUnsafeBytes(of: &storage) { Array($0) }
            return IPAddress(v6: bytes)
        default:
            return nil
        }
    }
}
