// DNSTransport: one query to one server over UDP or TCP, as NIO channels that finish by themselves.
//
// Invariants:
// - Each exchange has its own channel and its own promise, completed exactly once (a reply, a failure or the
//   timeout; later completions are ignored) and always completed, so no caller waits past `timeout`.
//   The channel closes itself when the promise completes. Nothing blocks an event loop.
// - UDP: the datagram channel is connected to the server, so the kernel delivers only that server's
//   datagrams. A datagram that is not a reply to this query (other ID, QR=0, other question) is ignored
//   and the wait continues (RFC 5452 §9.1); a reply with the right ID that cannot be decoded fails the try.
// - TCP (RFC 1035 §4.2.2, RFC 7766 §8): messages carry a two-octet length prefix; the first complete
//   message must be the reply, anything else fails the try.

import NIOCore
import NIOPosix

/// What one try at one server gave.
enum DNSExchangeOutcome: Sendable, Equatable {
    /// A matching, decoded reply (any RCODE).
    case reply(DNSMessage)
    /// A matching UDP reply with TC=1: ask again over TCP (RFC 7766 §5).
    case truncated
    /// No usable reply: timeout, network error, malformed reply.
    case failed(String)
}

/// The reply a query waits for.
struct ExpectedReply: Sendable {
    var id: UInt16
    var question: DNSQuestion

    enum Verdict: Equatable {
        /// Not a reply to this query; keep waiting.
        case ignore(String)
        case outcome(DNSExchangeOutcome)
    }

    /// Matches `bytes` to the query: same ID, QR=1, same question (RFC 5452 §9.1). A reply with an error
    /// RCODE and no question section (some servers send FORMERR that way) also matches on the ID.
    func classify(_ bytes: [UInt8], overTCP: Bool) -> Verdict {
        guard let header = try? DNSMessage.decodeHeader(bytes) else { return .ignore("shorter than a header") }
        guard header.id == id else { return .ignore("ID \(header.id), expected \(id)") }
        guard header.isResponse else { return .ignore("QR=0") }
        let questions: [DNSQuestion]
        do {
            (_, questions) = try DNSMessage.decodeQuestions(bytes)
        } catch {
            return .outcome(.failed("malformed reply: \(error)"))
        }
        let noQuestionError = questions.isEmpty && header.responseCode != .noError
        guard questions == [question] || noQuestionError else {
            return .ignore("reply is for \(questions.map(\.description)), expected \(question)")
        }
        if header.isTruncated && !overTCP { return .outcome(.truncated) }
        do {
            return .outcome(.reply(try DNSMessage.decode(bytes)))
        } catch {
            return .outcome(.failed("malformed reply: \(error)"))
        }
    }
}

enum DNSTransport {
    /// Large enough for any reply to our 1232-octet EDNS0 advertisement, and for servers that overshoot it.
    static let maxUDPReplyOctets = 4096
    /// RFC 1035 §4.2.2: the TCP length prefix.
    static let tcpLengthPrefixOctets = 2

    /// Sends `query` over UDP to `server` and waits up to `timeout` for the matching reply.
    static func udp(
        query: [UInt8], expected: ExpectedReply, server: SocketAddress, group: any EventLoopGroup, timeout: TimeAmount
    ) async -> DNSExchangeOutcome {
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: DNSExchangeOutcome.self)
        let bootstrap = DatagramBootstrap(group: eventLoop)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: maxUDPReplyOctets))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ExchangeHandler<AddressedEnvelope<ByteBuffer>>(
                            query: ByteBuffer(bytes: query), expected: expected, overTCP: false, timeout: timeout,
                            promise: promise))
                }
            }
        do {
            _ = try await bootstrap.connect(to: server).get()  // the handler sends the query once active
        } catch {
            promise.succeed(.failed("cannot reach \(server): \(error)"))
        }
        return (try? await promise.futureResult.get()) ?? .failed("exchange with \(server) failed")
    }

    /// Sends `query` over TCP to `server` with its length prefix and waits up to `timeout` (connection
    /// included) for the matching reply.
    static func tcp(
        query: [UInt8], expected: ExpectedReply, server: SocketAddress, group: any EventLoopGroup, timeout: TimeAmount
    ) async -> DNSExchangeOutcome {
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: DNSExchangeOutcome.self)
        let framed: ByteBuffer = {
            var b = ByteBuffer()
            b.writeInteger(UInt16(query.count))  // RFC 1035 §4.2.2
            b.writeBytes(query)
            return b
        }()
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LengthPrefixedMessageDecoder()))
                    try channel.pipeline.syncOperations.addHandler(
                        ExchangeHandler<ByteBuffer>(
                            query: framed, expected: expected, overTCP: true, timeout: timeout, promise: promise))
                }
            }
        do {
            _ = try await bootstrap.connect(to: server).get()  // the handler sends the query once connected
        } catch {
            promise.succeed(.failed("cannot connect to \(server) over TCP: \(error)"))
        }
        return (try? await promise.futureResult.get()) ?? .failed("TCP exchange with \(server) failed")
    }
}

/// The payload of an inbound message, for the two channel kinds.
protocol DNSInboundPayload {
    var payloadBytes: [UInt8] { get }
}

extension AddressedEnvelope: DNSInboundPayload where DataType == ByteBuffer {
    var payloadBytes: [UInt8] { Array(data.readableBytesView) }
}

extension ByteBuffer: DNSInboundPayload {
    var payloadBytes: [UInt8] { Array(readableBytesView) }
}

/// Waits for the reply to one query, then completes the promise and closes the channel.
final class ExchangeHandler<Payload: DNSInboundPayload>: ChannelInboundHandler {
    typealias InboundIn = Payload

    private let query: ByteBuffer
    private let expected: ExpectedReply
    private let overTCP: Bool
    private let timeout: TimeAmount
    private let promise: EventLoopPromise<DNSExchangeOutcome>
    private var timer: Scheduled<Void>?
    private var sent = false
    private var done = false

    init(
        query: ByteBuffer, expected: ExpectedReply, overTCP: Bool, timeout: TimeAmount,
        promise: EventLoopPromise<DNSExchangeOutcome>
    ) {
        self.query = query
        self.expected = expected
        self.overTCP = overTCP
        self.timeout = timeout
        self.promise = promise
    }

    func handlerAdded(context: ChannelHandlerContext) {
        armTimer(context: context)  // covers the TCP connect
        if context.channel.isActive { send(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        send(context: context)
        context.fireChannelActive()
    }

    /// Writes the query from the event loop as soon as the channel is up, and starts the reply timeout then,
    /// so a busy machine that is slow to resume the asking task never spends a try without sending.
    private func send(context: ChannelHandlerContext) {
        guard !sent, !done else { return }
        sent = true
        armTimer(context: context)
        context.writeAndFlush(NIOAny(query)).assumeIsolated().whenFailure { error in
            self.finish(.failed("cannot send the query: \(error)"), context: context)
        }
    }

    private func armTimer(context: ChannelHandlerContext) {
        timer?.cancel()
        let timeout = self.timeout
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            self.finish(.failed("no reply within \(timeout)"), context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish(.failed("channel closed before a reply"), context: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data).payloadBytes
        switch expected.classify(bytes, overTCP: overTCP) {
        case .ignore(let reason):
            // UDP: a stray or spoofed datagram; keep waiting for the real reply. TCP: the stream is wrong.
            if overTCP { finish(.failed("TCP reply does not match: \(reason)"), context: context) }
        case .outcome(let outcome):
            finish(outcome, context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A connected UDP socket reports ICMP port unreachable here (ECONNREFUSED).
        finish(.failed("\(error)"), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failed("connection closed before a reply"), context: context)
        context.fireChannelInactive()
    }

    private func finish(_ outcome: DNSExchangeOutcome, context: ChannelHandlerContext?) {
        guard !done else { return }
        done = true
        timer?.cancel()
        timer = nil
        promise.succeed(outcome)
        context?.close(promise: nil)
    }
}

/// Splits a TCP stream into DNS messages by their two-octet length prefix (RFC 1035 §4.2.2).
struct LengthPrefixedMessageDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self),
            buffer.readableBytes >= DNSTransport.tcpLengthPrefixOctets + Int(length)
        else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: DNSTransport.tcpLengthPrefixOctets)
        guard let message = buffer.readSlice(length: Int(length)) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(message))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        try decode(context: context, buffer: &buffer)
    }
}
