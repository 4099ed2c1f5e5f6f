// OutboundConnection: a client-side `Connection` (the outbound SMTP client), with client STARTTLS.
//
// Invariants:
// - The same `Connection` type as the listeners use, so reads have timeouts and STARTTLS discards buffered
//   plaintext the same way: after the peer's "220 Ready to start TLS", any plaintext the peer had already
//   sent is dropped, never read as a reply (the client-side twin of CVE-2011-0411, CVE-2021-38371 class).
// - The connection lives inside `withConnection`; it is closed when the body returns or throws.
// - Certificate checking is ours, not BoringSSL's, so that an opportunistic client can use TLS with a
//   certificate it cannot verify and still record that it was unverified: the handshake always completes,
//   and `TLSClientResult.verified` says whether the chain validated to a trust root and matched the name
//   (RFC 6125 via swift-certificates' ServerIdentityPolicy).

import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization
import X509

/// What a client learned from a TLS handshake.
public struct TLSClientResult: Sendable, Equatable {
    public var info: TLSInfo
    /// True when the peer's chain validated to a trusted root and names the expected host.
    public var verified: Bool
    /// Why verification failed, for logs and queue errors; nil when verified.
    public var verificationFailure: String?
}

public enum OutboundConnection {
    /// Connects to `address` and runs `body` with the connection; closes it afterwards.
    /// Throws the connect error (refused, unreachable, timeout) as is.
    public static func withConnection<R: Sendable>(
        to address: SocketAddress, connectTimeout: Duration, logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        _ body: (Connection) async throws -> R
    ) async throws -> R {
        let channel = try await ClientBootstrap(group: eventLoopGroup)
            .connectTimeout(
                .nanoseconds(
                    Int64(connectTimeout.components.seconds) * 1_000_000_000
                        + connectTimeout.components.attoseconds / 1_000_000_000)
            )
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .connect(to: address) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(InboundEventHandler())
                    return try NIOAsyncChannel<InboundEvent, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let bridge = try await channel.channel.eventLoop.submit {
            try channel.channel.pipeline.syncOperations.handler(type: InboundEventHandler.self)
        }.get()
        let id = ConnectionID.next()
        var connectionLogger = logger
        connectionLogger[metadataKey: "conn"] = "\(id)"
        connectionLogger[metadataKey: "remote"] = "\(address)"
        let log = connectionLogger
        return try await channel.executeThenClose { inbound, _ in
            let mailbox = InboundMailbox()
            let connection = Connection(
                id: id, listenerName: "smtp-client", channel: channel.channel, bridge: bridge, mailbox: mailbox,
                tlsMode: .none, logger: log)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await pumpInbound(inbound, into: mailbox, logger: log) }
                defer { group.cancelAll() }
                do {
                    let result = try await body(connection)
                    mailbox.finish()
                    await connection.close()
                    return result
                } catch {
                    mailbox.finish()
                    await connection.close()
                    throw error
                }
            }
        }
    }
}

extension Connection {
    /// Upgrades a client connection to TLS after the peer said it is ready (RFC 3207 §4: "220 Ready").
    /// Plaintext the peer sent before the handshake is discarded. `trustRoots` nil means the system's.
    /// Throws `ConnectionError.handshakeFailed` when the handshake itself fails (the connection is closed).
    public func startClientTLS(serverHostname: String, trustRoots: CertificateStore? = nil) async throws
        -> TLSClientResult
    {
        guard !isTLS else { throw ConnectionError.tlsNotAvailable }
        _ = mailbox.beginDiscardingUntilTLS()
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        // Our own verification below; NIOSSL's hostname check would fail the handshake instead of reporting.
        configuration.certificateVerification = .noHostnameVerification
        let context = try NIOSSLContext(configuration: configuration)
        let outcome = VerificationOutcome()
        let roots = trustRoots
        let sni = Self.isIPLiteral(serverHostname) ? nil : serverHostname
        let channel = self.channel
        do {
            try await channel.eventLoop.submit {
                let handler = try NIOSSLClientHandler(
                    context: context, serverHostname: sni,
                    customVerificationCallback: { certificates, promise in
                        let store = roots
                        promise.completeWithTask {
                            outcome.set(await Self.verify(certificates, host: serverHostname, roots: store))
                            return .certificateVerified
                        }
                    })
                try channel.pipeline.syncOperations.addHandler(handler, position: .first)
            }.get()
        } catch {
            logger.debug("client TLS setup failed", metadata: ["error": "\(error)"])
            throw ConnectionError.handshakeFailed
        }
        try await awaitHandshake()
        let failure = outcome.get() ?? "no certificate was checked"
        let info = tlsInfo ?? TLSInfo(version: "TLS")
        return TLSClientResult(
            info: info, verified: failure.isEmpty, verificationFailure: failure.isEmpty ? nil : failure)
    }

    /// "" when the chain validates for `host`, else the reason.
    static func verify(_ certificates: [NIOSSLCertificate], host: String, roots: CertificateStore?) async -> String {
        do {
            let parsed = try certificates.map { try Certificate(derEncoded: try $0.toDERBytes()) }
            guard let leaf = parsed.first else { return "the server sent no certificate" }
            var verifier = Verifier(rootCertificates: roots ?? CertificateStore.systemTrustRoots) {
                RFC5280Policy()
                ServerIdentityPolicy(
                    serverHostname: isIPLiteral(host) ? nil : host, serverIP: isIPLiteral(host) ? host : nil)
            }
            let result = await verifier.validate(
                leaf: leaf, intermediates: CertificateStore(parsed.dropFirst()), diagnosticCallback: nil)
            switch result {
            case .validCertificate: return ""
            case .couldNotValidate(let failures):
                return failures.first.map { "\($0.policyFailureReason)" } ?? "the certificate could not be validated"
            }
        } catch {
            return "unreadable certificate: \(error)"
        }
    }

    static func isIPLiteral(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}

/// Carries the verification result from the NIOSSL callback to the session task.
private final class VerificationOutcome: Sendable {
    private let value = Mutex<String?>(nil)
    func set(_ failure: String) { value.withLock { $0 = failure } }
    func get() -> String? { value.withLock { $0 } }
}
