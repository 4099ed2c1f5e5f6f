// SMTPSubmit: scenario smtp-submit, messages submitted over SMTP with the product's own client
// (Delivery.SMTPClientSession) over C connections.
//
// Invariants: the output line's format is fixed (scripts/bench-* parse it); a message counts as accepted only
// when every recipient was accepted.

import Delivery
import Foundation
import Logging
import NIOCore
import ServerSupport
import Synchronization

func smtpSubmit(_ o: Options) async throws {
    guard !o.to.isEmpty else { fail("smtp-submit needs at least one --to") }
    let address = try SocketAddress(ipAddress: o.host, port: o.port ?? 25)
    let connections = o.connections ?? 8
    let size = o.size ?? 4096
    final class Tally: Sendable {
        let next = Atomic<Int>(0)
        let failures = Atomic<Int>(0)
        let latencies = Mutex<[Double]>([])
    }
    let tally = Tally()
    let logger: Logger = {
        var l = Logger(label: "mailroom-load")
        l.logLevel = .warning
        return l
    }()
    let settings = SMTPClientSettings(hostname: "load.example.test", tlsRequired: false, credentials: o.auth)
    let cpu0 = cpuSeconds()
    let start = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<connections {
            group.addTask {
                try await OutboundConnection.withConnection(
                    to: address, connectTimeout: .seconds(10), logger: logger
                ) { connection in
                    var session = SMTPClientSession(
                        connection: connection, settings: settings, serverName: o.host, avoidTLS: !o.starttls)
                    try await session.open()
                    while true {
                        let i = tally.next.wrappingAdd(1, ordering: .relaxed).oldValue
                        guard i < o.messages else { break }
                        let to = o.to[i % o.to.count]
                        let bytes = message(index: i, from: o.from, to: to, size: size)
                        let envelope = ClientEnvelope(mailFrom: o.from, recipients: [to], size: bytes.count)
                        let t0 = ContinuousClock.now
                        let outcomes = try await session.sendMessage(envelope: envelope, prefix: []) {
                            AsyncThrowingStream { c in
                                c.yield(bytes)
                                c.finish()
                            }
                        }
                        let ms = (ContinuousClock.now - t0).milliseconds
                        if outcomes.allSatisfy(\.isDelivered) {
                            tally.latencies.withLock { $0.append(ms) }
                        } else {
                            tally.failures.add(1, ordering: .relaxed)
                        }
                    }
                    await session.quit()
                }
            }
        }
        try await group.waitForAll()
    }
    let seconds = (ContinuousClock.now - start).seconds
    let sorted = tally.latencies.withLock { $0.sorted() }
    print(
        String(
            format:
                "scenario=smtp-submit messages=%d accepted=%d failed=%d seconds=%.3f per_second=%.1f p50_ms=%.1f p99_ms=%.1f client_cpu_s=%.2f",
            o.messages, sorted.count, tally.failures.load(ordering: .relaxed), seconds, Double(sorted.count) / seconds,
            percentile(sorted, 0.5), percentile(sorted, 0.99), cpuSeconds() - cpu0))
}
