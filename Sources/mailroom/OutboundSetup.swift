// OutboundSetup: builds the outbound queue runner from the config (composition root for Delivery's
// outbound half: DNS resolver, routing, SMTP client settings, DKIM keys).

import Config
import DKIM
import DNS
import Delivery
import Directory
import Foundation
import Logging
import MailStore

enum OutboundSetup {
    /// Where `mailroom dkim generate` writes keys and the runner reads them.
    static func dkimDirectory(_ config: MailroomConfig) -> URL {
        URL(fileURLWithPath: config.dataDirectory).appendingPathComponent("dkim", isDirectory: true)
    }

    static func runner(
        config: MailroomConfig, hostname: String, store: MailStore, directory: Directory, logger: Logger
    ) throws -> QueueRunner {
        let d = config.delivery
        let resolver: DNSClient
        if config.dns.servers.isEmpty {
            resolver = DNSClient.system(logger: logger)
        } else {
            resolver = DNSClient(
                servers: config.dns.servers.map { DNSServerAddress(host: $0.host, port: $0.port) }, logger: logger)
        }
        var credentials: (username: String, password: String)?
        if let user = d.relayUsername, let file = d.relayPasswordFile {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8),
                let line = text.split(separator: "\n", omittingEmptySubsequences: false).first,
                !line.isEmpty
            else {
                throw SetupError("delivery.relay_password_file: cannot read a password from \(file)")
            }
            credentials = (user, String(line.hasSuffix("\r") ? line.dropLast() : line))
        }
        let routing = RoutingPolicy(
            relay: d.relay.map { ($0.host, $0.port) }, routes: d.routes.mapValues { ($0.host, $0.port) },
            mxPort: d.mxPort)
        let settings = QueueRunnerSettings(
            hostname: hostname, lifetime: Self.seconds(d.lifetime), delayNotice: Self.seconds(d.delayNotice),
            concurrency: d.concurrency, concurrencyPerDomain: d.concurrencyPerDomain,
            client: SMTPClientSettings(hostname: hostname, tlsRequired: d.tls == .required, credentials: credentials),
            routing: routing)
        var runnerLogger = logger
        runnerLogger[metadataKey: "service"] = "queue"
        return QueueRunner(
            store: store, directory: directory, resolver: resolver, settings: settings,
            signer: DKIMOutboundSigner(keys: DKIMKeyStore(directory: dkimDirectory(config))), logger: runnerLogger)
    }

    static func seconds(_ d: Duration) -> TimeInterval {
        TimeInterval(d.components.seconds) + TimeInterval(d.components.attoseconds) / 1e18
    }

    struct SetupError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
