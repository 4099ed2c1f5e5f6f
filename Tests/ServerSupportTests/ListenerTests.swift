import Config
import Crypto
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization
import Testing

@testable import ServerSupport

/// Lines a server session saw, in order.
final class Recorder: Sendable {
    private let lines = Mutex<[String]>([])
    func record(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

/// A line-based echo session: greets, echoes each line, answers STARTTLS and QUIT, says 421 on shutdown.
func echoSession(recorder: Recorder, ignoreShutdown: Bool = false) -> Listener.Handler {
    { connection in
        var framer = LineFramer()
        do {
            try await connection.send("220 hello tls=\(connection.tlsInfo?.version ?? "none")\r\n")
            while true {
                let event: LineFramer.Event?
                do {
                    event = try await connection.nextLine(&framer, maxLength: 100)
                } catch ConnectionError.shutdownRequested {
                    if ignoreShutdown { continue }
                    try await connection.send("421 shutting down\r\n")
                    return
                }
                guard case .line(let bytes, _) = event else {
                    if event == .tooLong { try await connection.send("500 too long\r\n") }
                    if event == nil { return }
                    continue
                }
                let line = String(buffer: bytes)
                recorder.record(line)
                switch line {
                case "QUIT":
                    try await connection.send("221 bye\r\n")
                    return
                case "STARTTLS":
                    let discarded = try await connection.startTLS(readyReply: "220 go ahead\r\n", framer: &framer)
                    recorder.record("<discarded \(discarded)>")
                case "WAIT":
                    do {
                        _ = try await connection.read(timeout: .milliseconds(50))
                    } catch ConnectionError.timeout {
                        try await connection.send("timeout\r\n")
                    }
                default:
                    try await connection.send("echo \(line) tls=\(connection.tlsInfo?.version ?? "none")\r\n")
                }
            }
        } catch {
            recorder.record("<error \(error)>")
        }
    }
}

/// Runs a listener in a ServiceGroup on 127.0.0.1:0 for the duration of `body`, then shuts it down gracefully.
func withListener<T: Sendable>(
    tls: TLSMode = .none, connectionsPerIP: Int = 20, gracePeriod: Duration = .seconds(5),
    handler: @escaping Listener.Handler,
    _ body: @Sendable (Listener, Int) async throws -> T
) async throws -> T {
    let listener = Listener(
        configuration: ListenerConfiguration(
            name: "test", address: HostPort(host: "127.0.0.1", port: 0), tls: tls, connectionsPerIP: connectionsPerIP,
            overLimitReply: "421 4.7.0 Too many connections\r\n", shutdownGracePeriod: gracePeriod),
        logger: quietLogger, handler: handler)
    let group = ServiceGroup(services: [listener], logger: quietLogger)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let port = try #require(try await listener.boundAddress().port)
        let result = try await body(listener, port)
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return result
    }
}

/// A test client built from the same pieces as the server side (mailbox + Connection).
final class TestClient: Sendable {
    let connection: Connection
    private let framer = Mutex(LineFramer())

    static func connect(port: Int, tls: Bool = false) async throws -> TestClient {
        let bridge = InboundEventHandler()
        let asyncChannel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if tls {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: clientTLSContext, serverHostname: nil))
                    }
                    try channel.pipeline.syncOperations.addHandler(bridge)
                    return try NIOAsyncChannel<InboundEvent, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let mailbox = InboundMailbox()
        let connection = Connection(
            id: 0, listenerName: "client", channel: asyncChannel.channel, bridge: bridge, mailbox: mailbox,
            tlsMode: .none, logger: quietLogger)
        Task {
            try await asyncChannel.executeThenClose { inbound, _ in
                await pumpInbound(inbound, into: mailbox, logger: quietLogger)
            }
        }
        if tls { try await connection.awaitHandshake() }
        return TestClient(connection: connection)
    }

    init(connection: Connection) {
        self.connection = connection
    }

    /// The next line, or nil when the server closed the connection.
    func line() async throws -> String? {
        var framer = self.framer.withLock { $0 }
        defer { self.framer.withLock { $0 = framer } }
        guard case .line(let bytes, _) = try await connection.nextLine(&framer, maxLength: 1000, timeout: .seconds(10))
        else { return nil }
        return String(buffer: bytes)
    }

    func send(_ text: String) async throws { try await connection.send(text) }

    /// Client side of STARTTLS: TLS handler at the front, then the handshake.
    func startTLS() async throws {
        let channel = connection.channel
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(
                NIOSSLClientHandler(context: clientTLSContext, serverHostname: nil), position: .first)
        }.get()
        try await connection.awaitHandshake()
    }

    /// SHA-256 of the certificate the server presented.
    func serverCertificateFingerprint() async throws -> String? {
        guard let certificate = try await connection.channel.nioSSL_peerCertificate().get() else { return nil }
        return SHA256.hash(data: try certificate.toDERBytes()).hexString
    }

    func close() async { await connection.close() }
}

let clientTLSContext: NIOSSLContext = {
    var configuration = TLSConfiguration.makeClientConfiguration()
    configuration.certificateVerification = .none
    return try! NIOSSLContext(configuration: configuration)
}()

func selfSignedProvider(_ directory: TemporaryDirectory) throws -> TLSProvider {
    try TLSProvider(source: .selfSigned(directory: directory.path, hostname: "localhost"), logger: quietLogger)
}

@Suite(.timeLimit(.minutes(1)))
struct ListenerTests {
    @Test func plainEcho() async throws {
        let recorder = Recorder()
        try await withListener(handler: echoSession(recorder: recorder)) { listener, port in
            let client = try await TestClient.connect(port: port)
            #expect(try await client.line() == "220 hello tls=none")
            try await client.send("one\r\ntwo\r\n")
            #expect(try await client.line() == "echo one tls=none")
            #expect(try await client.line() == "echo two tls=none")
            try await client.send(String(repeating: "x", count: 300) + "\r\nthree\r\n")
            #expect(try await client.line() == "500 too long")
            #expect(try await client.line() == "echo three tls=none")
            try await client.send("QUIT\r\n")
            #expect(try await client.line() == "221 bye")
            #expect(try await client.line() == nil)
        }
        #expect(recorder.all == ["one", "two", "three", "QUIT"])
    }

    @Test func readTimeoutLosesNoData() async throws {
        let recorder = Recorder()
        try await withListener(handler: echoSession(recorder: recorder)) { _, port in
            let client = try await TestClient.connect(port: port)
            _ = try await client.line()
            try await client.send("WAIT\r\n")
            #expect(try await client.line() == "timeout")
            try await client.send("after\r\n")
            #expect(try await client.line() == "echo after tls=none")
            await client.close()
        }
    }

    @Test func implicitTLS() async throws {
        let directory = try TemporaryDirectory()
        let provider = try selfSignedProvider(directory)
        try await withListener(tls: .implicit(provider), handler: echoSession(recorder: Recorder())) { _, port in
            let client = try await TestClient.connect(port: port, tls: true)
            let greeting = try #require(try await client.line())
            #expect(greeting.hasPrefix("220 hello tls=TLSv1."))
            try await client.send("ping\r\n")
            #expect(try await client.line()?.hasPrefix("echo ping tls=TLSv1.") == true)
            #expect(try await client.serverCertificateFingerprint() == provider.certificate.sha256Fingerprint)
            await client.close()
        }
    }

    @Test func plaintextClientOnImplicitTLSPortIsDroppedQuietly() async throws {
        let directory = try TemporaryDirectory()
        let provider = try selfSignedProvider(directory)
        let recorder = Recorder()
        try await withListener(tls: .implicit(provider), handler: echoSession(recorder: recorder)) { listener, port in
            let client = try await TestClient.connect(port: port)
            try await client.send("EHLO plaintext\r\n")
            #expect(try await client.line() == nil)
        }
        #expect(recorder.all.isEmpty)
    }

    /// CVE-2011-0411: plaintext pipelined behind STARTTLS must never be read as a command after the handshake.
    @Test func startTLSDiscardsPipelinedPlaintext() async throws {
        let directory = try TemporaryDirectory()
        let provider = try selfSignedProvider(directory)
        let recorder = Recorder()
        try await withListener(tls: .startTLSAvailable(provider), handler: echoSession(recorder: recorder)) { _, port in
            let client = try await TestClient.connect(port: port)
            #expect(try await client.line() == "220 hello tls=none")
            try await client.send("STARTTLS\r\nINJECTED\r\n")
            #expect(try await client.line() == "220 go ahead")
            try await client.startTLS()
            try await client.send("AFTER\r\n")
            #expect(try await client.line()?.hasPrefix("echo AFTER tls=TLSv1.") == true)
            try await client.send("QUIT\r\n")
            #expect(try await client.line() == "221 bye")
        }
        #expect(recorder.all == ["STARTTLS", "<discarded 10>", "AFTER", "QUIT"])
    }

    @Test func startTLSIsRefusedWithoutTLS() async throws {
        let recorder = Recorder()
        try await withListener(handler: echoSession(recorder: recorder)) { _, port in
            let client = try await TestClient.connect(port: port)
            _ = try await client.line()
            try await client.send("STARTTLS\r\n")
            #expect(try await client.line() == nil)
        }
        #expect(recorder.all == ["STARTTLS", "<error tlsNotAvailable>"])
    }

    @Test func perIPLimit() async throws {
        try await withListener(connectionsPerIP: 2, handler: echoSession(recorder: Recorder())) { listener, port in
            let first = try await TestClient.connect(port: port)
            let second = try await TestClient.connect(port: port)
            #expect(try await first.line()?.hasPrefix("220") == true)
            #expect(try await second.line()?.hasPrefix("220") == true)
            let third = try await TestClient.connect(port: port)
            #expect(try await third.line() == "421 4.7.0 Too many connections")
            #expect(try await third.line() == nil)
            try await first.send("QUIT\r\n")
            #expect(try await first.line() == "221 bye")
            #expect(try await first.line() == nil)
            // The slot is free as soon as the first client sees the close.
            let fourth = try await TestClient.connect(port: port)
            #expect(try await fourth.line()?.hasPrefix("220") == true)
            await second.close()
            await fourth.close()
        }
    }

    @Test func gracefulShutdownTellsSessionsAndStopsAccepting() async throws {
        let listener = Listener(
            configuration: ListenerConfiguration(
                name: "test", address: HostPort(host: "127.0.0.1", port: 0), tls: .none,
                overLimitReply: "421\r\n"),
            logger: quietLogger, handler: echoSession(recorder: Recorder()))
        let group = ServiceGroup(services: [listener], logger: quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try #require(try await listener.boundAddress().port)
            let client = try await TestClient.connect(port: port)
            #expect(try await client.line()?.hasPrefix("220") == true)
            await group.triggerGracefulShutdown()
            #expect(try await client.line() == "421 shutting down")
            #expect(try await client.line() == nil)
            try await tasks.waitForAll()
            await #expect(throws: (any Error).self) { try await TestClient.connect(port: port) }
        }
    }

    @Test func sessionsThatIgnoreShutdownAreClosedAfterTheGracePeriod() async throws {
        let listener = Listener(
            configuration: ListenerConfiguration(
                name: "test", address: HostPort(host: "127.0.0.1", port: 0), tls: .none,
                overLimitReply: "421\r\n", shutdownGracePeriod: .milliseconds(200)),
            logger: quietLogger, handler: echoSession(recorder: Recorder(), ignoreShutdown: true))
        let group = ServiceGroup(services: [listener], logger: quietLogger)
        let clock = ContinuousClock()
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try #require(try await listener.boundAddress().port)
            let client = try await TestClient.connect(port: port)
            #expect(try await client.line()?.hasPrefix("220") == true)
            let start = clock.now
            await group.triggerGracefulShutdown()
            #expect(try await client.line() == nil)  // closed by the listener, not by the session
            #expect(clock.now - start >= .milliseconds(200))
            try await tasks.waitForAll()
            #expect(listener.openConnectionCount == 0)
        }
    }

    @Test func reloadServesTheNewCertificateToNewConnections() async throws {
        let directory = try TemporaryDirectory()
        let certPath = directory.path + "/c.pem"
        let keyPath = directory.path + "/k.pem"
        try writePair(hostname: "one.example", certPath: certPath, keyPath: keyPath)
        let provider = try TLSProvider(source: .files(certificatePath: certPath, keyPath: keyPath), logger: quietLogger)
        try await withListener(tls: .implicit(provider), handler: echoSession(recorder: Recorder())) { _, port in
            let old = try await TestClient.connect(port: port, tls: true)
            _ = try await old.line()
            let oldFingerprint = try await old.serverCertificateFingerprint()

            try writePair(hostname: "two.example", certPath: certPath, keyPath: keyPath)
            #expect(provider.reload())
            let new = try await TestClient.connect(port: port, tls: true)
            _ = try await new.line()
            let newFingerprint = try await new.serverCertificateFingerprint()
            #expect(oldFingerprint != nil)
            #expect(newFingerprint == provider.certificate.sha256Fingerprint)
            #expect(newFingerprint != oldFingerprint)

            // The existing connection keeps working on its original context.
            try await old.send("still\r\n")
            #expect(try await old.line()?.hasPrefix("echo still") == true)
            await old.close()
            await new.close()
        }
    }

    @Test func bindFailureIsReported() async throws {
        try await withListener(handler: echoSession(recorder: Recorder())) { _, port in
            let second = Listener(
                configuration: ListenerConfiguration(
                    name: "dup", address: HostPort(host: "127.0.0.1", port: port), tls: .none, overLimitReply: "x\r\n"),
                logger: quietLogger, handler: { _ in })
            await #expect(throws: ListenerError.self) { try await second.run() }
            await #expect(throws: ListenerError.self) { try await second.boundAddress() }
        }
    }
}
