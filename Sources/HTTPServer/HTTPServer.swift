// HTTPServer: the Hummingbird application behind the `http` and `https` listeners (DESIGN §1).
//
// Invariants:
// - Everything under the DAV root needs HTTP Basic authentication (RFC 7617) with the account's password
//   or an app password, checked by Directory (throttled, one bcrypt per check). Without credentials the
//   answer is 401 with `WWW-Authenticate`, so clients discover that they must log in.
// - No password over plain HTTP from the network (DESIGN §5): on the `http` listener, requests from peers
//   that are not loopback are refused with 403 before any credential is looked at (plain HTTP is for a
//   TLS-terminating reverse proxy on the same machine).
// - DAV clients send Basic credentials with every request: credentials Directory verified recently are accepted
//   from its cache (`Directory.cachedAccount`, re-validated against the store on every request) without a bcrypt,
//   a throttle step or a login record; anything else goes through `Directory.authenticate`.
// - `/healthz` needs no authentication and reveals nothing but "ok".
// - `/.well-known/caldav` and `/.well-known/carddav` redirect to the DAV root (RFC 6764 §5).

import Config
import DAVServer
import Directory
import Foundation
internal import HTTPTypes
internal import Hummingbird
internal import HummingbirdCore
import Logging
import MailStore
import NIOCore
import NIOSSL
import ServerSupport
import ServiceLifecycle
import Synchronization

/// Per-request context: the peer address (for the loopback rule) on top of Hummingbird's core context.
struct MailroomRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}

public struct HTTPSettings: Sendable {
    public var hostname: String
    /// The path every DAV URL starts with.
    public var davRoot: String
    /// A connection with no request in progress, or whose request head (or TLS handshake) does not complete, is
    /// closed after this long (`[limits] http_idle_timeout`).
    public var idleTimeout: Duration
    /// Simultaneous connections from one IP address per listener (`[limits] connections_per_ip`); more are closed
    /// at once.
    public var connectionsPerIP: Int

    public init(
        hostname: String, davRoot: String = "/dav/", idleTimeout: Duration = ConfigDefaults.httpIdleTimeout,
        connectionsPerIP: Int = ConfigDefaults.connectionsPerIP
    ) {
        self.hostname = hostname
        self.davRoot = davRoot
        self.idleTimeout = idleTimeout
        self.connectionsPerIP = connectionsPerIP
    }
}

/// Answers every HTTP request of both listeners.
struct MailroomResponder: HTTPResponder {
    typealias Context = MailroomRequestContext
    let settings: HTTPSettings
    let directory: Directory
    let dav: any DAVHandling
    /// True on the `https` listener: credentials may come from anywhere.
    let isTLS: Bool
    let logger: Logger

    func respond(to request: Request, context: MailroomRequestContext) async throws -> Response {
        var path = request.uri.path
        if path == "/healthz" {
            return Self.text(.ok, "ok\n")
        }
        // RFC 6764 §5: the well-known URIs redirect to the context path.
        if path == "/.well-known/caldav" || path == "/.well-known/carddav" {
            var headers = HTTPFields()
            headers[.location] = settings.davRoot
            return Response(status: .movedPermanently, headers: headers)
        }
        // Clients given only the server's address (caldav, Thunderbird) ask "/" for DAV:current-user-principal
        // (RFC 5397); answer it as the DAV root.
        if path == "/", request.method.rawValue == "PROPFIND" || request.method.rawValue == "OPTIONS" {
            path = settings.davRoot
        }
        guard path.hasPrefix(settings.davRoot) || path + "/" == settings.davRoot else {
            return Self.text(.notFound, "Not found.\n")
        }
        if !isTLS && !Self.isLoopback(context.remoteAddress) {
            return Self.text(
                .forbidden, "Use HTTPS: plain HTTP is accepted only from this machine (a reverse proxy).\n")
        }
        guard let account = try await authenticate(request, context: context) else {
            var headers = HTTPFields()
            // RFC 7617 §2, §2.1.
            headers[.wwwAuthenticate] = "Basic realm=\"Mailroom\", charset=\"UTF-8\""
            return Response(
                status: .unauthorized, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "Log in.\n")))
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: DAVLimits.maxRequestBody)
        } catch {
            return Self.text(.contentTooLarge, "The request body is larger than \(DAVLimits.maxRequestBody) bytes.\n")
        }
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName.lowercased()
            headers[name] = headers[name].map { $0 + ", " + field.value } ?? field.value
        }
        let davRequest = DAVRequest(
            method: request.method.rawValue.uppercased(), path: path, headers: headers,
            body: Array(body.readableBytesView), account: account)
        let reply = await dav.handle(davRequest)
        var fields = HTTPFields()
        for (name, value) in reply.headers {
            if let n = HTTPField.Name(name) { fields.append(HTTPField(name: n, value: value)) }
        }
        return Response(
            status: HTTPResponse.Status(code: reply.status), headers: fields,
            body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
    }

    /// The account of valid Basic credentials, or nil.
    func authenticate(_ request: Request, context: MailroomRequestContext) async throws -> AccountRecord? {
        guard let header = request.headers[.authorization], let credentials = Self.basicCredentials(header) else {
            return nil
        }
        if !credentials.username.isEmpty, let (account, _) = await directory.cachedAccount(credentials) {
            return account
        }
        let remote = context.remoteAddress?.ipAddress ?? "unknown"
        switch await directory.authenticate(credentials, remote: remote, protocolName: "http") {
        case .success(let account, _):
            return account
        case .failure:
            return nil
        }
    }

    /// RFC 7617 §2: "Basic" SP base64(user-id ":" password), UTF-8.
    static func basicCredentials(_ header: String) -> Credentials? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return Credentials(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
    }

    static func isLoopback(_ address: SocketAddress?) -> Bool {
        guard let ip = address?.ipAddress else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }

    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// One HTTP listener as a Service, with the address it bound (for "ready" and tests).
public struct HTTPListener: Service {
    /// Runs the Hummingbird application (kept behind a closure so that no Hummingbird type is in this
    /// module's public interface).
    let runApplication: @Sendable () async throws -> Void
    let bound: BoundAddress

    public func run() async throws {
        try await runApplication()
    }

    /// The bound address, once the server is running.
    public func boundAddress() async throws -> SocketAddress {
        try await bound.value()
    }
}

/// A one-shot value set by the server when it is listening.
final class BoundAddress: Sendable {
    private let state = Mutex<(SocketAddress?, [CheckedContinuation<SocketAddress, any Error>])>((nil, []))

    func set(_ address: SocketAddress) {
        let waiters = state.withLock { s -> [CheckedContinuation<SocketAddress, any Error>] in
            s.0 = address
            defer { s.1 = [] }
            return s.1
        }
        for w in waiters { w.resume(returning: address) }
    }

    func value() async throws -> SocketAddress {
        try await withCheckedThrowingContinuation { c in
            let now = state.withLock { s -> SocketAddress? in
                if let a = s.0 { return a }
                s.1.append(c)
                return nil
            }
            if let now { c.resume(returning: now) }
        }
    }
}

public final class HTTPServer: Sendable {
    public let settings: HTTPSettings
    let directory: Directory
    let dav: any DAVHandling
    let logger: Logger

    public init(settings: HTTPSettings, directory: Directory, dav: any DAVHandling, logger: Logger) {
        self.settings = settings
        self.directory = directory
        self.dav = dav
        self.logger = logger
    }

    /// A listener on `host:port`: plain HTTP (behind a TLS-terminating proxy, or loopback clients), or with
    /// `tls` HTTPS with the mail listeners' certificate (reloaded on SIGHUP like theirs).
    public func listener(name: String, host: String, port: Int, tls: TLSProvider? = nil) -> HTTPListener {
        var log = logger
        log[metadataKey: "listener"] = "\(name)"
        let responder = MailroomResponder(
            settings: settings, directory: directory, dav: dav, isTLS: tls != nil,
            logger: log)
        let bound = BoundAddress()
        let limit = PerIPConnectionLimit(limit: settings.connectionsPerIP)
        let configuration = HTTP1Channel.Configuration(idleTimeout: TimeAmount(settings.idleTimeout))
        let server: HTTPServerBuilder
        if let tls {
            server = HTTPServerBuilder { responder in
                LimitedChannel(
                    base: ProviderTLSChannel(
                        base: HTTP1Channel(responder: responder, configuration: configuration), provider: tls),
                    limit: limit)
            }
        } else {
            server = HTTPServerBuilder { responder in
                LimitedChannel(base: HTTP1Channel(responder: responder, configuration: configuration), limit: limit)
            }
        }
        let application = Application(
            responder: responder, server: server,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "Mailroom"),
            onServerRunning: { channel in
                if let address = channel.localAddress { bound.set(address) }
            },
            logger: log)
        return HTTPListener(runApplication: { try await application.run() }, bound: bound)
    }
}

/// The per-IP connection limit in front of a child channel: a connection over the limit is closed before anything
/// is read from it.
struct LimitedChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let limit: PerIPConnectionLimit

    struct TooManyConnections: Error {}

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let ip = channel.remoteAddress?.ipAddress
        guard limit.admit(ip: ip) else {
            logger.info("too many connections from this address", metadata: ["limit": "\(limit.limit)"])
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(TooManyConnections())
        }
        channel.closeFuture.whenComplete { _ in limit.release(ip: ip) }
        return base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// TLS in front of an HTTP/1 channel with the context the provider holds when the connection arrives, so a
/// certificate reloaded on SIGHUP is used by new HTTPS connections as by the mail listeners (RFC 8446 via NIOSSL).
struct ProviderTLSChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let provider: TLSProvider

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let context = provider.context
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
