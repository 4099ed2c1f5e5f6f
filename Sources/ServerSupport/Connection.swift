// Connection: what a protocol session sees of its TCP connection.
//
// Invariants:
// - One session task uses a Connection; `requestShutdown` and `forceClose` may come from the listener.
// - Writes are collected by `write` and handed to the channel by `flush` (or when more than
//   `ProtocolLimits.outboundAutoFlushThreshold` bytes are pending); `flush` returns once NIO has written
//   the bytes, so everything written before `startTLS` is on the wire in plaintext before the TLS handler
//   is inserted.
// - STARTTLS (RFC 3207 §4.2, RFC 2595 §3.1, RFC 9051 §6.2.1, RFC 2595 §4 for POP3 STLS): the ready reply is
//   written and the TLS handler inserted in one event-loop task; every plaintext byte buffered in the
//   framer, queued in the mailbox, or arriving before the handshake completes is discarded, never
//   interpreted (CVE-2011-0411).
// - A closed or reset peer, and `NIOSSLError.uncleanShutdown`, read as end of input (nil), not as errors.

import Logging
import NIOCore
import NIOSSL
import NIOTLS
import Synchronization

/// How a listener offers TLS.
public enum TLSMode: Sendable {
    /// Plaintext only (e.g. HTTP behind a TLS proxy).
    case none
    /// TLS from the first byte (RFC 8314 §3.3: ports 465, 993, 995).
    case implicit(TLSProvider)
    /// Plaintext first; the session may upgrade with `Connection.startTLS` (SMTP STARTTLS, IMAP STARTTLS, POP3 STLS).
    case startTLSAvailable(TLSProvider)
}

/// The negotiated TLS parameters of a connection.
public struct TLSInfo: Sendable, Equatable {
    /// "TLSv1.2" or "TLSv1.3".
    public var version: String
    /// ALPN protocol, if one was negotiated.
    public var negotiatedProtocol: String?
    /// Always nil: swift-nio-ssl 2.x does not expose the negotiated cipher suite.
    public var cipherSuite: String?

    public init(version: String, negotiatedProtocol: String? = nil, cipherSuite: String? = nil) {
        self.version = version
        self.negotiatedProtocol = negotiatedProtocol
        self.cipherSuite = cipherSuite
    }
}

public enum ConnectionError: Error, Sendable, Equatable {
    /// `read(timeout:)` saw no data in time. The connection is still usable.
    case timeout
    /// The server is shutting down gracefully: say goodbye (421 / BYE / -ERR) and return. Thrown once.
    case shutdownRequested
    /// `startTLS` on a listener without STARTTLS, or on a connection that already has TLS.
    case tlsNotAvailable
    /// The TLS handshake failed or timed out; the connection is closed.
    case handshakeFailed
    /// The connection is closed; nothing more can be written.
    case closed
}

public final class Connection: Sendable {
    /// Unique within the process, for logs.
    public let id: UInt64
    /// The listener's name ("smtp", "imaps", …).
    public let listenerName: String
    public let remoteAddress: SocketAddress?
    public let localAddress: SocketAddress?
    /// A logger carrying this connection's metadata (id, remote address, protocol).
    public let logger: Logger

    let channel: any Channel
    let mailbox: InboundMailbox
    let tlsMode: TLSMode
    private let bridge: InboundEventHandler

    private struct State: Sendable {
        var tlsInfo: TLSInfo?
        var pendingOutbound = ByteBuffer()
        var shutdownRequested = false
    }
    private let state = Mutex(State())

    init(
        id: UInt64, listenerName: String, channel: any Channel, bridge: InboundEventHandler, mailbox: InboundMailbox,
        tlsMode: TLSMode, logger: Logger
    ) {
        self.id = id
        self.listenerName = listenerName
        self.channel = channel
        self.bridge = bridge
        self.mailbox = mailbox
        self.tlsMode = tlsMode
        self.remoteAddress = channel.remoteAddress
        self.localAddress = channel.localAddress
        self.logger = logger
    }

    // MARK: State

    public var tlsInfo: TLSInfo? { state.withLock { $0.tlsInfo } }
    public var isTLS: Bool { tlsInfo != nil }

    /// True when the session may call `startTLS` (a STARTTLS listener, TLS not yet active).
    public var canStartTLS: Bool {
        if case .startTLSAvailable = tlsMode { return !isTLS }
        return false
    }

    /// True once the server began a graceful shutdown.
    public var isShutdownRequested: Bool { state.withLock { $0.shutdownRequested } }

    // MARK: Reading

    /// The next chunk of inbound bytes; nil when the peer closed the connection.
    /// Throws `ConnectionError.timeout` (the connection stays usable), `ConnectionError.shutdownRequested`
    /// (once, when the server shuts down), or `CancellationError`.
    public func read(timeout: Duration? = nil) async throws -> ByteBuffer? {
        while true {
            switch try await mailbox.next(timeout: timeout, observeShutdown: true) {
            case .bytes(let bytes):
                return bytes
            case .tlsEstablished(let info):
                state.withLock { $0.tlsInfo = info }  // only implicit TLS gets here, and only early
            case nil:
                return nil
            }
        }
    }

    /// Reads until `framer` yields a line or `.tooLong`; nil at end of input (a partial last line is dropped).
    public func nextLine(_ framer: inout LineFramer, maxLength: Int, timeout: Duration? = nil) async throws
        -> LineFramer.Event?
    {
        while true {
            let event = framer.nextLine(maxLength: maxLength)
            if event != .needMoreData { return event }
            guard let bytes = try await read(timeout: timeout) else { return nil }
            framer.append(bytes)
        }
    }

    /// Up to `count` bytes, from the framer's buffer first, reading when it is empty; nil at end of input.
    public func nextBytes(_ framer: inout LineFramer, upTo count: Int, timeout: Duration? = nil) async throws
        -> ByteBuffer?
    {
        if let bytes = framer.nextBytes(count: count) { return bytes }
        guard let bytes = try await read(timeout: timeout) else { return nil }
        framer.append(bytes)
        return framer.nextBytes(count: count)
    }

    // MARK: Writing

    /// Queues bytes; they are sent by `flush` (or automatically when many are pending).
    public func write(_ bytes: ByteBuffer) async throws {
        let shouldFlush = state.withLock { state in
            if state.pendingOutbound.readableBytes == 0 {
                state.pendingOutbound = bytes  // shares the caller's storage: no copy
            } else {
                var bytes = bytes
                state.pendingOutbound.writeBuffer(&bytes)
            }
            return state.pendingOutbound.readableBytes >= ProtocolLimits.outboundAutoFlushThreshold
        }
        if shouldFlush { try await flush() }
    }

    public func write(_ text: String) async throws {
        try await write(ByteBuffer(string: text))
    }

    /// Sends everything queued and waits until NIO has written it.
    public func flush() async throws {
        let bytes = state.withLock { state -> ByteBuffer? in
            guard state.pendingOutbound.readableBytes > 0 else { return nil }
            defer { state.pendingOutbound = ByteBuffer() }
            return state.pendingOutbound
        }
        guard let bytes else { return }
        do {
            try await channel.writeAndFlush(bytes)
        } catch {
            logger.debug("write failed", metadata: ["error": "\(error)"])
            throw ConnectionError.closed
        }
    }

    /// `write` then `flush`.
    public func send(_ text: String) async throws {
        try await write(text)
        try await flush()
    }

    // MARK: STARTTLS

    /// Sends `readyReply` (e.g. "220 2.0.0 Ready to start TLS\r\n") in plaintext, then upgrades to TLS.
    /// Discards every plaintext byte received after the STARTTLS command, including what `framer` holds
    /// (RFC 3207 §4.2; CVE-2011-0411), and returns how many bytes were discarded.
    /// Throws `ConnectionError.tlsNotAvailable`, or `.handshakeFailed` (the connection is then closed).
    @discardableResult
    public func startTLS(readyReply: String, framer: inout LineFramer) async throws -> Int {
        guard case .startTLSAvailable(let provider) = tlsMode, !isTLS else { throw ConnectionError.tlsNotAvailable }
        try await flush()
        let discardedFromFramer = framer.discardBuffered()
        _ = mailbox.beginDiscardingUntilTLS()
        let sslContext = provider.context
        let reply = ByteBuffer(string: readyReply)
        let bridge = self.bridge
        let channel = self.channel
        do {
            try await channel.eventLoop.submit {
                // One event-loop task: the reply goes out below the TLS handler, in plaintext, and
                // nothing the peer sends after this point reaches the session unencrypted.
                let sync = channel.pipeline.syncOperations
                let context = try sync.context(handler: bridge)
                context.writeAndFlush(NIOAny(reply), promise: nil)
                try sync.addHandler(NIOSSLServerHandler(context: sslContext), position: .first)
            }.get()
        } catch {
            logger.debug("STARTTLS failed before the handshake", metadata: ["error": "\(error)"])
            throw ConnectionError.handshakeFailed
        }
        try await awaitHandshake()
        let discarded = discardedFromFramer + mailbox.discardedBytes
        if discarded > 0 {
            logger.notice("discarded plaintext sent after STARTTLS", metadata: ["bytes": "\(discarded)"])
        }
        return discarded
    }

    /// Waits for the TLS handshake (implicit TLS or STARTTLS) and records its parameters.
    func awaitHandshake() async throws {
        while true {
            let event: InboundEvent?
            do {
                event = try await mailbox.next(timeout: ProtocolLimits.tlsHandshakeTimeout, observeShutdown: false)
            } catch ConnectionError.timeout {
                logger.debug("TLS handshake timed out")
                channel.close(promise: nil)
                throw ConnectionError.handshakeFailed
            }
            switch event {
            case .tlsEstablished(let info):
                state.withLock { $0.tlsInfo = info }
                logger.debug("TLS established", metadata: ["tls.version": "\(info.version)"])
                return
            case .bytes:
                continue  // cannot happen with implicit TLS; plaintext is dropped by the mailbox for STARTTLS
            case nil:
                logger.debug("TLS handshake failed or the peer left")
                throw ConnectionError.handshakeFailed
            }
        }
    }

    // MARK: Closing

    /// Flushes what is pending (best effort) and closes the connection.
    public func close() async {
        try? await flush()
        try? await channel.close()
    }

    func requestShutdown() {
        state.withLock { $0.shutdownRequested = true }
        mailbox.signalShutdown()
    }

    func forceClose() {
        channel.close(promise: nil)
    }
}

/// Turns channel reads into `InboundEvent.bytes` and the TLS handshake completion into
/// `InboundEvent.tlsEstablished`, in order, so the session sees exactly where TLS begins.
final class InboundEventHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = InboundEvent

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(wrapInboundOut(.bytes(unwrapInboundIn(data))))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted(let negotiatedProtocol) = tlsEvent {
            let version = (try? context.pipeline.syncOperations.nioSSL_tlsVersion()).flatMap { $0 }
            let info = TLSInfo(version: version.map(Self.name) ?? "TLS", negotiatedProtocol: negotiatedProtocol)
            context.fireChannelRead(wrapInboundOut(.tlsEstablished(info)))
            // NIOSSL fires no channelReadComplete after a handshake that carried no data, and
            // NIOAsyncChannel only hands reads to the stream on channelReadComplete.
            context.fireChannelReadComplete()
        }
        context.fireUserInboundEventTriggered(event)
    }

    static func name(_ version: TLSVersion) -> String {
        switch version {
        case .tlsv1: "TLSv1"
        case .tlsv11: "TLSv1.1"
        case .tlsv12: "TLSv1.2"
        case .tlsv13: "TLSv1.3"
        }
    }
}
