// DNSClient: the stub resolver behind `DNSResolver`, asking recursive resolvers over UDP with TCP fallback.
//
// Invariants:
// - Order of tries (like the C library's resolver): `attempts` rounds, each asking every server in turn;
//   each try has a fresh random ID, a fresh socket (random source port) and waits at most `timeout`.
// - RCODE 0 returns the records (none: NODATA, []); RCODE 3 throws `.nameDoesNotExist` at once; SERVFAIL,
//   REFUSED, other RCODEs, malformed replies and timeouts move on to the next server, and when every try
//   failed the lookup throws `.temporary` (never `.malformed`, which is kept for names that cannot be asked).
// - A UDP reply with TC=1 is asked again, same server, over TCP (RFC 7766 §5). Queries always carry EDNS0;
//   a FORMERR is not retried without it (RFC 6891 §7 allows it, DNS Flag Day 2019 retired that workaround),
//   it is a failed try like SERVFAIL.
// - CNAMEs in the answer are followed from the asked name (RFC 1034 §3.6.2); when a chain ends at a name
//   without records in the answer, that name is asked; at most `maxCNAMEDepth` CNAMEs in all.
// - Names are converted with `DNSName.ascii` (lowercase, Punycode A-labels) before they are encoded.
// - All waiting happens on NIO futures awaited from async code: no event loop is ever blocked.

import Foundation
import Logging
import NIOCore
import NIOPosix

/// A stub resolver that queries the given recursive resolvers (RFC 1035 §7, RFC 7766).
public final class DNSClient: DNSResolver, Sendable {
    /// The resolvers, asked in order.
    public let servers: [DNSServerAddress]
    /// How long one try at one server waits for its reply.
    public let timeout: Duration
    /// Rounds over `servers`.
    public let attempts: Int
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger

    /// The longest CNAME chain followed (RFC 1034 §3.6.2 leaves the bound to implementations).
    public static let maxCNAMEDepth = 8

    /// A client for `servers`. `attempts` below 1 counts as 1.
    public init(
        servers: [DNSServerAddress],
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        timeout: Duration = .seconds(5),
        attempts: Int = 2,
        logger: Logger = Logger(label: "mailroom.dns")
    ) {
        self.servers = servers
        self.eventLoopGroup = eventLoopGroup
        self.timeout = timeout
        self.attempts = max(attempts, 1)
        self.logger = logger
    }

    /// A client with the servers, timeout and attempts of `resolvConfPath` (defaults when it cannot be read:
    /// 127.0.0.1:53, 5 s, 2 attempts). Reads a file: call it at start-up, not on an event loop.
    public static func system(
        resolvConfPath: String = "/etc/resolv.conf",
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "mailroom.dns")
    ) -> DNSClient {
        let text = (try? String(contentsOfFile: resolvConfPath, encoding: .utf8)) ?? ""
        let conf = ResolvConf.parse(text)
        return DNSClient(
            servers: conf.servers, eventLoopGroup: eventLoopGroup, timeout: conf.timeout, attempts: conf.attempts,
            logger: logger)
    }

    // MARK: DNSResolver

    public func mx(_ domain: String) async throws(DNSError) -> [MXRecord] {
        try await lookup(domain, type: .mx).compactMap { data in
            if case .mx(let record) = data { return record }
            return nil
        }
    }

    /// A records first, then AAAA. Both are asked at the same time. The name does not exist only when both
    /// answers say so; when one lookup fails temporarily, the other's addresses are returned if it has any.
    public func addresses(_ host: String) async throws(DNSError) -> [IPAddress] {
        async let v4 = result(host, type: .a)
        async let v6 = result(host, type: .aaaa)
        let (a, aaaa) = await (v4, v6)
        switch (a, aaaa) {
        case (.success(let first), .success(let second)):
            return addresses(first) + addresses(second)
        case (.success(let records), .failure(let error)), (.failure(let error), .success(let records)):
            if !records.isEmpty { return addresses(records) }
            if case .nameDoesNotExist = error { return [] }  // the other family says the name exists
            throw error
        case (.failure(let first), .failure(let second)):
            switch (first, second) {
            case (.nameDoesNotExist, .nameDoesNotExist): throw first
            case (.malformed, _): throw first
            case (.temporary, _): throw first
            default: throw second
            }
        }
    }

    /// Each record's character-strings concatenated and read as UTF-8 (invalid octets become U+FFFD).
    public func txt(_ name: String) async throws(DNSError) -> [String] {
        try await lookup(name, type: .txt).compactMap { data in
            // RFC 7208 §3.3, RFC 6376 §3.6.2.2: a record's strings are concatenated without separator.
            if case .txt(let strings) = data { return String(decoding: strings.joined(), as: UTF8.self) }
            return nil
        }
    }

    // MARK: Lookup

    /// The records of `type` at the end of the CNAME chain that starts at `name`.
    public func lookup(_ name: String, type: DNSRecordType) async throws(DNSError) -> [DNSRecordData] {
        let asked = try DNSName.ascii(name)
        var current = asked
        var hops = 0
        while true {
            let reply: DNSMessage
            do {
                reply = try await exchange(DNSQuestion(name: current, type: type))
            } catch {
                if case .nameDoesNotExist = error { throw .nameDoesNotExist(asked) }
                throw error
            }
            // RFC 1034 §3.6.2: the answer holds the CNAME chain, then the records of the canonical name.
            var owner = current
            while type != .cname, let target = Self.canonicalName(of: owner, in: reply.answers) {
                hops += 1
                guard hops <= Self.maxCNAMEDepth else {
                    throw .temporary("CNAME chain of \(asked) longer than \(Self.maxCNAMEDepth)")
                }
                owner = target
            }
            let records = reply.answers.filter { $0.name == owner && $0.data.type == type }.map(\.data)
            if !records.isEmpty || owner == current { return records }
            current = owner  // the chain ends at a name the reply has no records for: ask for that name
        }
    }

    private static func canonicalName(of owner: String, in answers: [DNSResourceRecord]) -> String? {
        for record in answers where record.name == owner {
            if case .cname(let target) = record.data { return target }
        }
        return nil
    }

    private func result(_ name: String, type: DNSRecordType) async -> Result<[DNSRecordData], DNSError> {
        do {
            return .success(try await lookup(name, type: type))
        } catch {
            return .failure(error)
        }
    }

    private func addresses(_ records: [DNSRecordData]) -> [IPAddress] {
        records.compactMap { data in
            switch data {
            case .a(let address), .aaaa(let address): return address
            default: return nil
            }
        }
    }

    /// Asks `question` of the servers in turn until one gives a usable reply (RCODE 0 or 3).
    func exchange(_ question: DNSQuestion) async throws(DNSError) -> DNSMessage {
        var lastProblem = "no DNS servers configured"
        let tryTimeout = TimeAmount(timeout)
        for _ in 0..<attempts {
            for server in servers {
                if Task.isCancelled { throw .temporary("\(question): lookup cancelled") }
                guard let address = try? server.socketAddress() else {
                    lastProblem = "\(server) is not an IP address"
                    continue
                }
                let id = UInt16.random(in: .min ... .max)
                let query = try DNSMessage.encodeQuery(id: id, question: question)
                let expected = ExpectedReply(id: id, question: question)
                var outcome = await DNSTransport.udp(
                    query: query, expected: expected, server: address, group: eventLoopGroup, timeout: tryTimeout)
                if case .truncated = outcome {
                    logger.debug("truncated UDP reply, asking over TCP", metadata: ["server": "\(server)"])
                    outcome = await DNSTransport.tcp(
                        query: query, expected: expected, server: address, group: eventLoopGroup,
                        timeout: tryTimeout)
                }
                switch outcome {
                case .reply(let message):
                    switch message.header.responseCode {
                    case .noError: return message
                    case .nameError: throw .nameDoesNotExist(question.name)
                    default: lastProblem = "\(server) answered \(message.header.responseCode)"
                    }
                case .truncated:
                    lastProblem = "\(server) sent a truncated reply"
                case .failed(let reason):
                    lastProblem = "\(server): \(reason)"
                }
                logger.debug(
                    "DNS try failed", metadata: ["question": "\(question)", "problem": "\(lastProblem)"])
            }
        }
        throw .temporary("\(question): \(lastProblem)")
    }
}
