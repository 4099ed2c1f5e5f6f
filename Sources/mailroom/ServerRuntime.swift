// The running server: opens the store, builds every service from the config and runs them in one
// ServiceGroup (DESIGN §1, STYLE.md item 10).
//
// Invariants:
// - "ready" is printed only after every listener is bound, so scripts and tests can wait for it;
//   a listener that cannot bind stops startup with its address and the reason.
// - SIGTERM and SIGINT shut down gracefully (listeners stop accepting, sessions drain); SIGHUP
//   reloads the TLS certificate.
// - The store is closed after every service has stopped.

import Config
import DAVServer
import Delivery
import Directory
import Foundation
import HTTPServer
import IMAPServer
import Logging
import MailStore
import POP3Server
import SMTPProtocol
import SMTPServer
import ServerSupport
import ServiceLifecycle

struct ServerRuntime {
    let config: MailroomConfig

    /// Listener kinds that have a front-end (the switch in `run` builds them); the dev banner lists
    /// only these, and the others are reported as not implemented.
    static let implemented: Set<ListenerKind> = [
        .smtp, .submission, .submissions, .imap, .imaps, .pop3, .pop3s, .http, .https,
    ]

    func run(banner: String?) async throws {
        var logger = Logger(label: "mailroom")
        logger.logLevel = .info
        let hostname = try config.requireHostname()
        let store = try await MailStore.open(dataDirectory: URL(fileURLWithPath: config.dataDirectory))
        do {
            try await run(store: store, hostname: hostname, banner: banner, logger: logger)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
        say("mailroom: stopped")
    }

    private func run(store: MailStore, hostname: String, banner: String?, logger: Logger) async throws {
        let directory = Directory(store: store, logger: logger)
        let tls = try TLSProvider(config: config, logger: logger)
        let smtp = SMTPServer(
            settings: SMTPSettings(config: config, hostname: hostname), directory: directory, logger: logger)
        let pop3 = POP3Server(
            settings: POP3Settings(config: config, hostname: hostname), directory: directory, logger: logger)
        let imap = IMAPServer(
            settings: IMAPSettings(config: config, hostname: hostname), directory: directory, logger: logger)
        // Half-received messages of a previous run are never delivered.
        try? FileManager.default.removeItem(at: smtp.settings.spoolDirectory)

        var listeners: [Listener] = []
        var httpListeners: [HTTPListener] = []
        let http = HTTPServer(
            settings: HTTPSettings(
                hostname: hostname, idleTimeout: config.limits.httpIdleTimeout,
                connectionsPerIP: config.limits.connectionsPerIP), directory: directory,
            dav: DAVService(store: store, logger: logger), logger: logger)
        for (kind, address) in config.listen.sorted(by: { $0.key < $1.key }) {
            let perIP = config.limits.connectionsPerIP
            switch kind {
            case .smtp:
                listeners.append(
                    smtp.listener(
                        name: "smtp", address: address, mode: .mx, tls: .startTLSAvailable(tls), connectionsPerIP: perIP
                    ))
            case .submission:
                listeners.append(
                    smtp.listener(
                        name: "submission", address: address, mode: .submission, tls: .startTLSAvailable(tls),
                        connectionsPerIP: perIP))
            case .submissions:
                listeners.append(
                    smtp.listener(
                        name: "submissions", address: address, mode: .submission, tls: .implicit(tls),
                        connectionsPerIP: perIP))
            case .pop3:
                listeners.append(
                    pop3.listener(name: "pop3", address: address, tls: .startTLSAvailable(tls), connectionsPerIP: perIP)
                )
            case .pop3s:
                listeners.append(
                    pop3.listener(name: "pop3s", address: address, tls: .implicit(tls), connectionsPerIP: perIP))
            case .imap:
                listeners.append(
                    imap.listener(name: "imap", address: address, tls: .startTLSAvailable(tls), connectionsPerIP: perIP)
                )
            case .imaps:
                listeners.append(
                    imap.listener(name: "imaps", address: address, tls: .implicit(tls), connectionsPerIP: perIP))
            case .http:
                httpListeners.append(http.listener(name: "http", host: address.host, port: address.port))
            case .https:
                httpListeners.append(http.listener(name: "https", host: address.host, port: address.port, tls: tls))
            }
        }

        var services: [any Service] = listeners
        services += httpListeners.map { $0 as any Service }
        services.append(TLSReloadService(providers: [tls], logger: logger))
        services.append(StoreMaintenance(store: store, logger: logger))
        services.append(
            QueueRunnerService(
                runner: try OutboundSetup.runner(
                    config: config, hostname: hostname, store: store, directory: directory, logger: logger)))
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        services.removeAll()

        let bound = listeners
        let boundHTTP = httpListeners
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                for listener in bound {
                    _ = try await listener.boundAddress()
                }
                for listener in boundHTTP {
                    _ = try await listener.boundAddress()
                }
                if let banner { say(banner) }
                say("mailroom: ready")
            }
            try await tasks.waitForAll()
        }
    }
}

/// The outbound queue runner as a Service: cancelled on graceful shutdown (queued mail stays queued).
struct QueueRunnerService: Service {
    let runner: QueueRunner

    func run() async throws {
        try? await cancelWhenGracefulShutdown { await runner.run() }
    }
}

/// Store housekeeping off the request path, once an hour: removes blobs no message references any more, and
/// DAV deletion tombstones older than `tombstoneLifetime` (a client that has not synchronised for that long gets
/// 403 valid-sync-token and starts a fresh sync, RFC 6578 §3.2; the store raises each collection's horizon).
/// The first round waits `firstRunDelay`: listing every blob directory competes with the first requests after a
/// start, when nothing is cached yet (one first SEARCH on 100,000 messages took 21 s beside it).
struct StoreMaintenance: Service {
    let store: MailStore
    let logger: Logger
    static let interval: Duration = .seconds(3600)
    static let firstRunDelay: Duration = .seconds(600)
    static let tombstoneLifetime: TimeInterval = 90 * 86_400

    func run() async throws {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.firstRunDelay) }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                _ = try await store.sweepBlobs()
            } catch {
                logger.error("blob sweep failed: \(error)")
            }
            do {
                let pruned = try await store.pruneDAVTombstones(
                    deletedBefore: Date().addingTimeInterval(-Self.tombstoneLifetime))
                if pruned > 0 { logger.info("pruned \(pruned) DAV tombstones") }
            } catch {
                logger.error("DAV tombstone pruning failed: \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.interval) }
        }
    }
}
