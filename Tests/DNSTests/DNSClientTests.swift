// DNSClient end to end against in-process UDP/TCP servers on 127.0.0.1 that answer canned replies.
// Nothing touches the real network; the only waiting is the client's own (short) per-try timeout.

import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import DNS

/// A DNS server on 127.0.0.1 (UDP, and TCP on the same port when asked) whose replies come from a closure.
final class TestDNSServer: Sendable {
    enum Transport: Hashable, Sendable { case udp, tcp }

    /// One received query.
    struct Received: Hashable, Sendable {
        var transport: Transport
        var id: UInt16
        var question: DNSQuestion
    }

    /// Given a query (decoded) and its transport, the datagrams/messages to send back (none: stay silent).
    typealias Responder = @Sendable (DNSMessage, Transport) -> [[UInt8]]

    /// The queries received, in order.
    final class Log: Sendable {
        let entries = Mutex<[Received]>([])
    }

    let port: Int
    private let channels: [any Channel]
    private let log: Log

    var address: DNSServerAddress { DNSServerAddress(host: "127.0.0.1", port: port) }
    var received: [Received] { log.entries.withLock { $0 } }

    private init(port: Int, channels: [any Channel], log: Log) {
        self.port = port
        self.channels = channels
        self.log = log
    }

    static func start(tcp: Bool = false, respond: @escaping Responder) async throws -> TestDNSServer {
        let group = MultiThreadedEventLoopGroup.singleton
        let log = Log()
        let record: @Sendable ([UInt8], Transport) -> [[UInt8]] = { bytes, transport in
            guard let query = try? DNSMessage.decode(bytes), let question = query.questions.first else { return [] }
            log.entries.withLock { $0.append(Received(transport: transport, id: query.header.id, question: question)) }
            return respond(query, transport)
        }
        // TCP may not get the UDP port (another process may hold it): try a few ports.
        var lastError: (any Error)?
        for _ in 0..<5 {
            let udp = try await DatagramBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(UDPResponder(respond: record))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            guard let port = udp.localAddress?.port else { throw ChannelError.unknownLocalAddress }
            guard tcp else { return TestDNSServer(port: port, channels: [udp], log: log) }
            do {
                let listener = try await ServerBootstrap(group: group)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(
                                ByteToMessageHandler(LengthPrefixedMessageDecoder()))
                            try channel.pipeline.syncOperations.addHandler(TCPResponder(respond: record))
                        }
                    }
                    .bind(host: "127.0.0.1", port: port).get()
                return TestDNSServer(port: port, channels: [udp, listener], log: log)
            } catch {
                lastError = error
                try await udp.close()
            }
        }
        throw lastError ?? ChannelError.unknownLocalAddress
    }

    func stop() async {
        for channel in channels { try? await channel.close() }
    }

    private final class UDPResponder: ChannelInboundHandler {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let respond: @Sendable ([UInt8], Transport) -> [[UInt8]]
        init(respond: @escaping @Sendable ([UInt8], Transport) -> [[UInt8]]) { self.respond = respond }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            for reply in respond(Array(envelope.data.readableBytesView), .udp) {
                let out = AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ByteBuffer(bytes: reply))
                context.write(wrapOutboundOut(out), promise: nil)
            }
            context.flush()
        }
    }

    private final class TCPResponder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let respond: @Sendable ([UInt8], Transport) -> [[UInt8]]
        init(respond: @escaping @Sendable ([UInt8], Transport) -> [[UInt8]]) { self.respond = respond }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            for reply in respond(Array(unwrapInboundIn(data).readableBytesView), .tcp) {
                var framed = ByteBuffer()
                framed.writeInteger(UInt16(reply.count))
                framed.writeBytes(reply)
                context.write(wrapOutboundOut(framed), promise: nil)
            }
            context.flush()
        }
    }
}

/// A reply to `query`: its ID and question, the given RCODE/TC and answers (uncompressed names).
func reply(
    to query: DNSMessage, id: UInt16? = nil, rcode: DNSResponseCode = .noError, truncated: Bool = false,
    answers: [DNSResourceRecord] = []
) -> [UInt8] {
    var bytes: [UInt8] = []
    DNSMessage.appendUInt16(id ?? query.header.id, to: &bytes)
    DNSMessage.appendUInt16(0x8180 | (truncated ? 0x0200 : 0) | UInt16(rcode.rawValue), to: &bytes)
    DNSMessage.appendUInt16(UInt16(query.questions.count), to: &bytes)
    DNSMessage.appendUInt16(UInt16(answers.count), to: &bytes)
    DNSMessage.appendUInt16(0, to: &bytes)
    DNSMessage.appendUInt16(0, to: &bytes)
    for question in query.questions {
        try? DNSName.encode(question.name, into: &bytes)
        DNSMessage.appendUInt16(question.type.rawValue, to: &bytes)
        DNSMessage.appendUInt16(question.recordClass, to: &bytes)
    }
    for answer in answers {
        try? DNSName.encode(answer.name, into: &bytes)
        var rdata: [UInt8] = []
        switch answer.data {
        case .a(let address), .aaaa(let address): rdata = address.bytes
        case .cname(let target): try? DNSName.encode(target, into: &rdata)
        case .mx(let mx):
            DNSMessage.appendUInt16(mx.preference, to: &rdata)
            try? DNSName.encode(mx.exchange, into: &rdata)
        case .txt(let strings): rdata = strings.flatMap { [UInt8($0.count)] + $0 }
        }
        DNSMessage.appendUInt16(answer.data.type.rawValue, to: &bytes)
        DNSMessage.appendUInt16(DNSQuestion.classIN, to: &bytes)
        bytes += [0, 0, 0, 60]
        DNSMessage.appendUInt16(UInt16(rdata.count), to: &bytes)
        bytes += rdata
    }
    return bytes
}

func v4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> IPAddress { IPAddress(v4: [a, b, c, d]) }

/// Runs `body` with servers that are stopped afterwards, whatever happens.
func withServers(
    _ servers: [TestDNSServer], _ body: ([TestDNSServer]) async throws -> Void
) async throws {
    do {
        try await body(servers)
        for server in servers { await server.stop() }
    } catch {
        for server in servers { await server.stop() }
        throw error
    }
}

@Suite struct DNSClientTests {
    static let exchanges = [
        MXRecord(preference: 10, exchange: "mx1.example.com"), MXRecord(preference: 0, exchange: ""),
    ]

    /// A server that knows example.com MX, host.example.com A/AAAA, example.com TXT, and nothing else exists.
    static func zone(_ query: DNSMessage, _ transport: TestDNSServer.Transport) -> [[UInt8]] {
        guard let question = query.questions.first else { return [] }
        switch (question.name, question.type) {
        case ("example.com", .mx):
            return [
                reply(
                    to: query, answers: exchanges.map { DNSResourceRecord(name: "example.com", ttl: 60, data: .mx($0)) }
                )
            ]
        case ("host.example.com", .a):
            return [
                reply(
                    to: query,
                    answers: [DNSResourceRecord(name: "host.example.com", ttl: 60, data: .a(v4(192, 0, 2, 1)))])
            ]
        case ("host.example.com", .aaaa):
            let address = IPAddress(v6: [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1])
            return [
                reply(to: query, answers: [DNSResourceRecord(name: "host.example.com", ttl: 60, data: .aaaa(address))])
            ]
        case ("example.com", .txt):
            let strings = [Array("v=spf1 ".utf8), Array("-all".utf8)]
            return [reply(to: query, answers: [DNSResourceRecord(name: "example.com", ttl: 60, data: .txt(strings))])]
        case ("example.com", _), ("host.example.com", _):
            return [reply(to: query)]  // NODATA
        default:
            return [reply(to: query, rcode: .nameError)]
        }
    }

    func client(_ servers: [TestDNSServer], timeout: Duration = .seconds(5), attempts: Int = 1) -> DNSClient {
        DNSClient(servers: servers.map(\.address), timeout: timeout, attempts: attempts)
    }

    @Test func answersMXAddressesAndTXT() async throws {
        let server = try await TestDNSServer.start(respond: Self.zone)
        try await withServers([server]) { (servers: [TestDNSServer]) async throws in
            let client = client(servers)
            #expect(try await client.mx("Example.COM.") == Self.exchanges)
            #expect(
                try await client.addresses("host.example.com").map(\.description) == ["192.0.2.1", "2001:db8::1"])
            #expect(try await client.txt("example.com") == ["v=spf1 -all"])
            #expect(try await client.mx("host.example.com") == [])
            await #expect(throws: DNSError.nameDoesNotExist("nope.example.com")) {
                try await client.mx("nope.example.com")
            }
            await #expect(throws: DNSError.nameDoesNotExist("nope.example.com")) {
                try await client.addresses("nope.example.com")
            }
            let asked = server.received.map(\.question)
            #expect(asked.first == DNSQuestion(name: "example.com", type: .mx))
            #expect(server.received.allSatisfy { $0.transport == .udp })
        }
    }

    @Test func internationalisedNamesAreAskedAsALabels() async throws {
        let server = try await TestDNSServer.start(respond: Self.zone)
        try await withServers([server]) { (servers: [TestDNSServer]) async throws in
            await #expect(throws: DNSError.self) { try await client(servers).mx("Bücher.example") }
            #expect(server.received.map(\.question) == [DNSQuestion(name: "xn--bcher-kva.example", type: .mx)])
            await #expect(throws: DNSError.malformed("empty label in \"a..b\"")) {
                try await client(servers).mx("a..b")
            }
        }
    }

    @Test func silentServerTimesOutThenSecondServerAnswers() async throws {
        let silent = try await TestDNSServer.start { _, _ in [] }
        let good = try await TestDNSServer.start(respond: Self.zone)
        try await withServers([silent, good]) { (servers: [TestDNSServer]) async throws in
            let client = client(servers, timeout: .milliseconds(200))
            let clock = ContinuousClock()
            let start = clock.now
            #expect(try await client.mx("example.com") == Self.exchanges)
            #expect(clock.now - start >= .milliseconds(200))
            #expect(silent.received.count == 1)
            #expect(good.received.count == 1)
        }
    }

    @Test func everyServerSilentIsTemporaryAfterAllAttempts() async throws {
        let first = try await TestDNSServer.start { _, _ in [] }
        let second = try await TestDNSServer.start { _, _ in [] }
        try await withServers([first, second]) { (servers: [TestDNSServer]) async throws in
            // A generous per-try timeout: on a loaded machine a 100 ms try can expire before its datagram is sent.
            let client = client(servers, timeout: .seconds(1), attempts: 2)
            do {
                _ = try await client.mx("example.com")
                Issue.record("expected a temporary error")
            } catch let error as DNSError {
                guard case .temporary = error else {
                    Issue.record("expected .temporary, got \(error)")
                    return
                }
            }
            // The last datagram may still be in flight to its server when the client gives up: wait for it.
            let deadline = ContinuousClock.now + .seconds(10)
            while first.received.count < 2 || second.received.count < 2, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(first.received.count == 2)
            #expect(second.received.count == 2)
            // Each try has a fresh ID.
            #expect(Set((first.received + second.received).map(\.id)).count >= 2)
        }
    }

    @Test(arguments: [DNSResponseCode.serverFailure, .refused, .formatError])
    func errorCodesFallBackToTheNextServer(code: DNSResponseCode) async throws {
        let failing = try await TestDNSServer.start { query, _ in [reply(to: query, rcode: code)] }
        let good = try await TestDNSServer.start(respond: Self.zone)
        try await withServers([failing, good]) { (servers: [TestDNSServer]) async throws in
            #expect(try await client(servers).mx("example.com") == Self.exchanges)
            #expect(failing.received.count == 1)
            #expect(good.received.count == 1)
            // Only failing servers: temporary.
            await #expect(throws: DNSError.temporary("example.com MX: 127.0.0.1:\(failing.port) answered \(code)")) {
                try await client([failing]).mx("example.com")
            }
        }
    }

    @Test func truncatedReplyIsAskedAgainOverTCP() async throws {
        let server = try await TestDNSServer.start(tcp: true) { query, transport in
            switch transport {
            case .udp: return [reply(to: query, truncated: true)]
            case .tcp: return Self.zone(query, transport)
            }
        }
        try await withServers([server]) { (servers: [TestDNSServer]) async throws in
            #expect(try await client(servers).mx("example.com") == Self.exchanges)
            #expect(server.received.map(\.transport) == [.udp, .tcp])
            #expect(
                server.received.map(\.question)
                    == Array(repeating: DNSQuestion(name: "example.com", type: .mx), count: 2))
        }
    }

    @Test func mismatchedTCPReplyFailsTheTry() async throws {
        let server = try await TestDNSServer.start(tcp: true) { query, transport in
            switch transport {
            case .udp: return [reply(to: query, truncated: true)]
            case .tcp: return [reply(to: query, id: query.header.id &+ 1)]
            }
        }
        try await withServers([server]) { (servers: [TestDNSServer]) async throws in
            do {
                _ = try await client(servers).mx("example.com")
                Issue.record("expected a temporary error")
            } catch let error as DNSError {
                guard case .temporary = error else {
                    Issue.record("expected .temporary, got \(error)")
                    return
                }
            }
            #expect(server.received.map(\.transport) == [.udp, .tcp])
        }
    }

    @Test func repliesWithWrongIDOrQuestionAreIgnored() async throws {
        let server = try await TestDNSServer.start { query, _ in
            let spoofed = [DNSResourceRecord(name: "host.example.com", ttl: 60, data: .a(v4(6, 6, 6, 6)))]
            var otherQuestion = query
            otherQuestion.questions = [DNSQuestion(name: "other.example.com", type: .a)]
            return [
                reply(to: query, id: query.header.id &+ 1, answers: spoofed),
                reply(to: otherQuestion, answers: spoofed),
                [0x00],  // not even a header
            ] + Self.zone(query, .udp)
        }
        try await withServers([server]) { (servers: [TestDNSServer]) async throws in
            let addresses = try await client(servers).addresses("host.example.com")
            #expect(addresses.map(\.description) == ["192.0.2.1", "2001:db8::1"])
        }
    }

    @Test func malformedReplyWithRightIDFallsBack() async throws {
        let broken = try await TestDNSServer.start { query, _ in
            [
                Array(
                    reply(
                        to: query, answers: [DNSResourceRecord(name: "example.com", ttl: 1, data: .a(v4(1, 2, 3, 4)))]
                    ).dropLast(2))
            ]
        }
        let good = try await TestDNSServer.start(respond: Self.zone)
        try await withServers([broken, good]) { (servers: [TestDNSServer]) async throws in
            #expect(try await client(servers).mx("example.com") == Self.exchanges)
            #expect(broken.received.count == 1)
        }
    }

    @Test func cnameChainsAreFollowed() async throws {
        // www → alias (in one reply, without records) → asked separately → final, which has A records.
        let server = try await TestDNSServer.start { query, _ in
            guard let question = query.questions.first else { return [] }
            switch (question.name, question.type) {
            case ("www.example.com", _):
                return [
                    reply(
                        to: query,
                        answers: [
                            DNSResourceRecord(name: "www.example.com", ttl: 60, data: .cname("alias.example.net")),
                            DNSResourceRecord(name: "alias.example.net", ttl: 60, data: .cname("final.example.org")),
                        ])
                ]
            case ("final.example.org", .a):
                return [
                    reply(
                        to: query,
                        answers: [
                            DNSResourceRecord(name: "final.example.org", ttl: 60, data: .a(v4(198, 51, 100, 7))),
                            DNSResourceRecord(name: "unrelated.example.org", ttl: 60, data: .a(v4(6, 6, 6, 6))),
                        ])
                ]
            case ("final.example.org", _):
                return [reply(to: query)]
            case ("loop.example.com", _):
                return [
                    reply(
                        to: query,
                        answers: [
                            DNSResourceRecord(name: "loop.example.com", ttl: 60, data: .cname("loop2.example.com")),
                            DNSResourceRecord(name: "loop2.example.com", ttl: 60, data: .cname("loop.example.com")),
                        ])
                ]
            case ("gone.example.com", _):
                return [
                    reply(
                        to: query, rcode: .nameError,
                        answers: [
                            DNSResourceRecord(name: "gone.example.com", ttl: 60, data: .cname("missing.example.net"))
                        ])
                ]
            default:
                return [reply(to: query, rcode: .nameError)]
            }
        }
        try await withServers([server]) { (servers: [TestDNSServer]) async throws in
            let client = client(servers)
            #expect(try await client.addresses("www.example.com") == [v4(198, 51, 100, 7)])
            let asked = Set(server.received.map(\.question))
            #expect(asked.contains(DNSQuestion(name: "final.example.org", type: .a)))
            #expect(asked.contains(DNSQuestion(name: "final.example.org", type: .aaaa)))
            #expect(try await client.mx("www.example.com") == [])
            await #expect(throws: DNSError.self) { try await client.addresses("loop.example.com") }
            await #expect(throws: DNSError.nameDoesNotExist("gone.example.com")) {
                try await client.addresses("gone.example.com")
            }
        }
    }

    @Test func cnameAndRecordsInOneReply() async throws {
        let server = try await TestDNSServer.start { query, _ in
            [hex("1234") + Array(Recorded.cname.dropFirst(2))].map { bytes in
                var bytes = bytes
                bytes[0] = UInt8(query.header.id >> 8)
                bytes[1] = UInt8(query.header.id & 0xFF)
                return query.questions.first?.type == .a ? bytes : reply(to: query)
            }
        }
        try await withServers([server]) { (servers: [TestDNSServer]) async throws in
            #expect(try await client(servers).addresses("www.example.com") == [v4(198, 51, 100, 7)])
            #expect(server.received.count == 2)  // A and AAAA; no second query for web.example.net A
        }
    }

    @Test func unreachableServerFailsOverWithoutWaitingForTheTimeout() async throws {
        // A UDP port that was just closed: the kernel answers ICMP port unreachable (ECONNREFUSED).
        let closed = try await TestDNSServer.start { _, _ in [] }
        await closed.stop()
        let good = try await TestDNSServer.start(respond: Self.zone)
        try await withServers([good]) { (servers: [TestDNSServer]) async throws in
            let client = DNSClient(servers: [closed.address, good.address], timeout: .seconds(10), attempts: 1)
            let clock = ContinuousClock()
            let start = clock.now
            #expect(try await client.mx("example.com") == Self.exchanges)
            #expect(clock.now - start < .seconds(10))
        }
    }

    @Test func truncatedReplyWithoutTCPListenerIsTemporary() async throws {
        // UDP only: the TCP connection is refused, the lookup fails as temporary without waiting.
        let server = try await TestDNSServer.start { query, _ in [reply(to: query, truncated: true)] }
        try await withServers([server]) { (servers: [TestDNSServer]) async throws in
            do {
                _ = try await client(servers, timeout: .seconds(10)).mx("example.com")
                Issue.record("expected a temporary error")
            } catch let error as DNSError {
                guard case .temporary = error else {
                    Issue.record("expected .temporary, got \(error)")
                    return
                }
            }
            #expect(server.received.map(\.transport) == [.udp])
        }
    }

    @Test func noServersIsTemporary() async {
        await #expect(throws: DNSError.temporary("example.com MX: no DNS servers configured")) {
            try await DNSClient(servers: []).mx("example.com")
        }
    }
}
