// Listener: one TCP listening socket as a ServiceLifecycle Service.
//
// Invariants:
// - One child task per accepted connection, in a discarding task group (apple/swift-nio
//   NIOTCPEchoServer): a finished connection leaves nothing behind.
// - Per-IP limit: at most `connectionsPerIP` sessions per remote IP are handed to the front-end; a
//   connection over the limit gets `overLimitReply` (after the handshake, on implicit TLS) and is closed.
// - Graceful shutdown (ServiceLifecycle): stop accepting at once, tell every session
//   (`ConnectionError.shutdownRequested` on its next read), wait up to `shutdownGracePeriod`, then close
//   what is left. `run()` returns when every connection task has ended.
// - Implicit TLS: the handshake completes before the front-end's handler runs; failures end the
//   connection quietly (debug log). Nothing here blocks an event loop.

import Config
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

public struct ListenerConfiguration: Sendable {
    /// Listener name for logs ("smtp", "imaps", …).
    public var name: String
    public var address: HostPort
    public var tls: TLSMode
    public var connectionsPerIP: Int
    /// The line sent to a connection over the per-IP limit, CRLF included (e.g. "421 4.7.0 Too many connections\r\n").
    public var overLimitReply: String
    public var shutdownGracePeriod: Duration

    public init(
        name: String, address: HostPort, tls: TLSMode, connectionsPerIP: Int = ConfigDefaults.connectionsPerIP,
        overLimitReply: String, shutdownGracePeriod: Duration = ProtocolLimits.shutdownGracePeriod
    ) {
        self.name = name
        self.address = address
        self.tls = tls
        self.connectionsPerIP = connectionsPerIP
        self.overLimitReply = overLimitReply
        self.shutdownGracePeriod = shutdownGracePeriod
    }
}

public struct ListenerError: Error, Sendable, CustomStringConvertible {
    public var address: HostPort
    public var underlying: String
    public var description: String { "cannot listen on \(address): \(underlying)" }
}

public final class Listener: Service, Sendable {
    public typealias Handler = @Sendable (Connection) async -> Void

    public let configuration: ListenerConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let handler: Handler
    private let registry: ConnectionRegistry
    private let readiness = Readiness()

    public init(
        configuration: ListenerConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger,
        handler: @escaping Handler
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        var logger = logger
        logger[metadataKey: LogKey.listener] = "\(configuration.name)"
        self.logger = logger
        self.handler = handler
        self.registry = ConnectionRegistry(limitPerIP: configuration.connectionsPerIP)
    }

    /// The address actually bound (port 0 resolves to the kernel's choice); waits until `run()` has bound.
    /// Throws the bind error if binding failed.
    public func boundAddress() async throws -> SocketAddress {
        try await readiness.wait()
    }

    /// Number of sessions currently open.
    public var openConnectionCount: Int { registry.count }

    public func run() async throws {
        let serverChannel: NIOAsyncChannel<NIOAsyncChannel<InboundEvent, ByteBuffer>, Never>
        let tls = configuration.tls
        do {
            serverChannel = try await ServerBootstrap(group: eventLoopGroup)
                .serverChannelOption(.backlog, value: ProtocolLimits.listenBacklog)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.so_keepalive), value: 1)
                .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
                .bind(host: configuration.address.host, port: configuration.address.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        if case .implicit(let provider) = tls {
                            try sync.addHandler(NIOSSLServerHandler(context: provider.context))
                        }
                        try sync.addHandler(InboundEventHandler())
                        return try NIOAsyncChannel<InboundEvent, ByteBuffer>(
                            wrappingChannelSynchronously: channel, configuration: .init())
                    }
                }
        } catch {
            let failure = ListenerError(address: configuration.address, underlying: "\(error)")
            readiness.fail(failure)
            throw failure
        }
        let listeningChannel = serverChannel.channel
        let bound = listeningChannel.localAddress!
        logger.info("listening", metadata: ["address": "\(Logger.describe(bound))"])
        readiness.succeed(bound)

        let registry = self.registry
        let logger = self.logger
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                do {
                    try await serverChannel.executeThenClose { inbound in
                        for try await child in inbound {
                            group.addTask { await self.serve(child) }
                        }
                    }
                } catch {
                    // The accept loop ends with an error when the listening socket is closed under it.
                    logger.debug("accept loop ended", metadata: ["error": "\(error)"])
                }
                registry.requestShutdown()  // also when run() ends for another reason
                if !(await registry.waitUntilEmpty(timeout: self.configuration.shutdownGracePeriod)) {
                    logger.notice(
                        "closing connections still open after the grace period",
                        metadata: ["count": "\(registry.count)"])
                    registry.forceCloseAll()
                }
            }
        } onGracefulShutdown: {
            logger.info("graceful shutdown: no longer accepting connections")
            registry.requestShutdown()
            listeningChannel.close(promise: nil)
        }
        logger.info("stopped")
    }

    private func serve(_ child: NIOAsyncChannel<InboundEvent, ByteBuffer>) async {
        let id = ConnectionID.next()
        let channel = child.channel
        let remoteIP = channel.remoteAddress?.ipAddress
        let logger = self.logger.forConnection(id: id, remote: channel.remoteAddress, protocol: configuration.name)
        let admission = Admission(registry: registry, ip: remoteIP)
        defer { admission.release() }
        let bridge: InboundEventHandler
        do {
            bridge = try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.handler(type: InboundEventHandler.self)
            }.get()
        } catch {
            logger.debug("connection closed before it was set up")
            return
        }
        do {
            try await child.executeThenClose { inbound, _ in
                let mailbox = InboundMailbox()
                let connection = Connection(
                    id: id, listenerName: configuration.name, channel: channel, bridge: bridge, mailbox: mailbox,
                    tlsMode: configuration.tls, logger: logger)
                registry.add(connection)
                defer { registry.remove(connection) }
                await withDiscardingTaskGroup { group in
                    group.addTask {
                        await pumpInbound(inbound, into: mailbox, logger: logger)
                    }
                    await self.runSession(connection, admitted: admission.admitted)
                    // Free the per-IP slot before the peer can see the close, so it may reconnect at once.
                    admission.release()
                    mailbox.finish()
                    await connection.close()
                }
            }
        } catch {
            logger.debug("connection ended with an error", metadata: ["error": "\(error)"])
        }
    }

    private func runSession(_ connection: Connection, admitted: Bool) async {
        if case .implicit = configuration.tls {
            do {
                try await connection.awaitHandshake()
            } catch {
                return  // logged at debug by awaitHandshake
            }
        }
        guard admitted else {
            connection.logger.notice(
                "too many connections from this address", metadata: ["limit": "\(configuration.connectionsPerIP)"])
            try? await connection.send(configuration.overLimitReply)
            return
        }
        connection.logger.debug("connected")
        await handler(connection)
        connection.logger.debug("session ended")
    }
}

/// Moves inbound events into the mailbox until the peer closes or the channel fails.
func pumpInbound(_ inbound: NIOAsyncChannelInboundStream<InboundEvent>, into mailbox: InboundMailbox, logger: Logger)
    async
{
    do {
        for try await event in inbound {
            await mailbox.push(event)
        }
    } catch let error as NIOSSLError where error == .uncleanShutdown {
        // Many clients close TCP without close_notify: a normal end.
    } catch {
        logger.debug("connection read ended", metadata: ["error": "\(error)"])
    }
    mailbox.finish()
}

/// A connection's per-IP slot, released exactly once.
final class Admission: Sendable {
    let admitted: Bool
    private let registry: ConnectionRegistry
    private let ip: String?
    private let released = Atomic<Bool>(false)

    init(registry: ConnectionRegistry, ip: String?) {
        self.registry = registry
        self.ip = ip
        self.admitted = registry.admit(ip: ip)
    }

    func release() {
        guard admitted, !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        registry.release(ip: ip)
    }
}

/// Open connections of one listener, per-IP counts, and the shutdown signal.
final class ConnectionRegistry: Sendable {
    private struct State: ~Copyable {
        var connections: [UInt64: Connection] = [:]
        var shuttingDown = false
        var emptyWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiterID: UInt64 = 0
    }
    private let state = Mutex(State())
    private let perIP: PerIPConnectionLimit

    init(limitPerIP: Int) {
        self.perIP = PerIPConnectionLimit(limit: limitPerIP)
    }

    var count: Int { state.withLock { $0.connections.count } }

    /// Counts a connection from `ip` if it is under the limit.
    func admit(ip: String?) -> Bool { perIP.admit(ip: ip) }

    func release(ip: String?) { perIP.release(ip: ip) }

    func add(_ connection: Connection) {
        let shuttingDown = state.withLock { state in
            state.connections[connection.id] = connection
            return state.shuttingDown
        }
        if shuttingDown { connection.requestShutdown() }
    }

    func remove(_ connection: Connection) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.connections[connection.id] = nil
            guard state.connections.isEmpty else { return [] }
            defer { state.emptyWaiters = [:] }
            return Array(state.emptyWaiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Tells every open connection (and every later one) that the server is shutting down. Idempotent.
    func requestShutdown() {
        let connections = state.withLock { state -> [Connection] in
            guard !state.shuttingDown else { return [] }
            state.shuttingDown = true
            return Array(state.connections.values)
        }
        for connection in connections { connection.requestShutdown() }
    }

    func forceCloseAll() {
        let connections = state.withLock { Array($0.connections.values) }
        for connection in connections { connection.forceClose() }
    }

    /// True if every connection ended within `timeout`.
    func waitUntilEmpty(timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.waitUntilEmpty() }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first || count == 0
        }
    }

    private func waitUntilEmpty() async -> Bool {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.connections.isEmpty || Task.isCancelled { return true }
                    state.emptyWaiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = self.state.withLock { $0.emptyWaiters.removeValue(forKey: id) }
            waiter?.resume()
        }
        return !Task.isCancelled
    }
}

/// A one-shot value that tasks can wait for (the bound address).
final class Readiness: Sendable {
    private struct State: ~Copyable {
        var result: Result<SocketAddress, any Error>?
        var waiters: [CheckedContinuation<SocketAddress, any Error>] = []
    }
    private let state = Mutex(State())

    func succeed(_ address: SocketAddress) { complete(.success(address)) }
    func fail(_ error: any Error) { complete(.failure(error)) }

    private func complete(_ result: Result<SocketAddress, any Error>) {
        let waiters = state.withLock { state -> [CheckedContinuation<SocketAddress, any Error>] in
            guard state.result == nil else { return [] }
            state.result = result
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(with: result) }
    }

    func wait() async throws -> SocketAddress {
        try await withCheckedThrowingContinuation { continuation in
            let result = state.withLock { state -> Result<SocketAddress, any Error>? in
                if let result = state.result { return result }
                state.waiters.append(continuation)
                return nil
            }
            if let result { continuation.resume(with: result) }
        }
    }
}

/// Open connections per remote IP address against a limit (`[limits] connections_per_ip`, DESIGN §5). Used by the
/// mail listeners' registry and by the HTTP listeners.
public final class PerIPConnectionLimit: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    public let limit: Int

    public init(limit: Int) {
        self.limit = limit
    }

    /// Counts a connection from `ip` if it is under the limit; false (nothing counted) otherwise. A connection
    /// without a known IP address is always admitted.
    public func admit(ip: String?) -> Bool {
        guard let ip else { return true }
        return counts.withLock { counts in
            let current = counts[ip, default: 0]
            guard current < limit else { return false }
            counts[ip] = current + 1
            return true
        }
    }

    /// Uncounts a connection `admit` counted.
    public func release(ip: String?) {
        guard let ip else { return }
        counts.withLock { counts in
            let remaining = counts[ip, default: 1] - 1
            counts[ip] = remaining > 0 ? remaining : nil
        }
    }
}
