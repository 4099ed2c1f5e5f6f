// mailroom-load: the project's own load generator (benchmarks, not tests). It speaks the protocols with the
// product's client code on SwiftNIO, so that one process can drive a server hard on 2 cores, and it reports
// its own CPU time so that a reader can see whether the client was the bottleneck.
//
//   mailroom-load smtp-submit --port 2587 --messages 2000 --connections 8 [--starttls] [--auth user:pass]
//       --from a@example.test --to b@remote.test [--to ...]
//
// Output: one line of `key=value` pairs (machine-readable for scripts/bench-*), e.g.
//   scenario=smtp-submit messages=2000 seconds=3.21 per_second=623.1 p50_ms=11.8 p99_ms=35.0 client_cpu_s=0.9

import Delivery
import Foundation
import Logging
import NIOCore
import ServerSupport
import Synchronization

struct Options: Sendable {
    var scenario = ""
    var host = "127.0.0.1"
    var port = 25
    var messages = 1000
    var connections = 8
    var starttls = false
    var auth: (String, String)?
    var from = "load@example.test"
    var to: [String] = []
    var size = 4096

    static func parse(_ args: [String]) -> Options {
        var o = Options()
        var i = 0
        func value() -> String {
            i += 1
            guard i < args.count else { fail("missing value after \(args[i - 1])") }
            return args[i]
        }
        while i < args.count {
            switch args[i] {
            case "--host": o.host = value()
            case "--port": o.port = Int(value()) ?? 0
            case "--messages": o.messages = Int(value()) ?? 0
            case "--connections": o.connections = Int(value()) ?? 0
            case "--starttls": o.starttls = true
            case "--auth":
                let v = value()
                guard let colon = v.firstIndex(of: ":") else { fail("--auth takes user:password") }
                o.auth = (String(v[..<colon]), String(v[v.index(after: colon)...]))
            case "--from": o.from = value()
            case "--to": o.to.append(value())
            case "--size": o.size = Int(value()) ?? 4096
            default:
                if o.scenario.isEmpty, !args[i].hasPrefix("-") {
                    o.scenario = args[i]
                } else {
                    fail("unknown argument \(args[i])")
                }
            }
            i += 1
        }
        guard o.messages > 0, o.connections > 0, o.port > 0 else {
            fail("--messages, --connections and --port must be positive")
        }
        return o
    }
}

func fail(_ text: String) -> Never {
    FileHandle.standardError.write(Data("mailroom-load: \(text)\n".utf8))
    exit(2)
}

/// A realistic ~`size`-byte message; varied per index so that no two are identical.
func message(index: Int, from: String, to: String, size: Int) -> [UInt8] {
    let words = [
        "invoice", "meeting", "quarterly", "report", "schedule", "budget", "review", "project", "update",
        "customer", "delivery", "contract", "proposal", "agenda", "minutes", "forecast",
    ]
    var rng = SystemRandomNumberGenerator()
    var text = """
        From: Load Generator <\(from)>\r
        To: <\(to)>\r
        Subject: \(words[index % words.count]) \(words[(index / 7) % words.count]) #\(index)\r
        Date: \(Date().formatted(.iso8601))\r
        Message-ID: <load-\(index)-\(UInt64.random(in: 0...UInt64.max, using: &rng))@example.test>\r
        MIME-Version: 1.0\r
        Content-Type: text/plain; charset=utf-8\r
        \r

        """
    while text.utf8.count < size {
        var line = ""
        while line.utf8.count < 70 { line += words[Int.random(in: 0..<words.count, using: &rng)] + " " }
        text += line + "\r\n"
    }
    return Array(text.utf8)
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func smtpSubmit(_ o: Options) async throws {
    guard !o.to.isEmpty else { fail("smtp-submit needs at least one --to") }
    let address = try SocketAddress(ipAddress: o.host, port: o.port)
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
        for _ in 0..<o.connections {
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
                        let bytes = message(index: i, from: o.from, to: to, size: o.size)
                        let envelope = ClientEnvelope(mailFrom: o.from, recipients: [to], size: bytes.count)
                        let t0 = ContinuousClock.now
                        let outcomes = try await session.sendMessage(envelope: envelope, prefix: []) {
                            AsyncThrowingStream { c in
                                c.yield(bytes)
                                c.finish()
                            }
                        }
                        let ms =
                            Double((ContinuousClock.now - t0).components.attoseconds) / 1e15
                            + Double((ContinuousClock.now - t0).components.seconds) * 1000
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
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let sorted = tally.latencies.withLock { $0.sorted() }
    func pct(_ p: Double) -> Double {
        sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }
    print(
        String(
            format:
                "scenario=smtp-submit messages=%d accepted=%d failed=%d seconds=%.3f per_second=%.1f p50_ms=%.1f p99_ms=%.1f client_cpu_s=%.2f",
            o.messages, sorted.count, tally.failures.load(ordering: .relaxed), seconds, Double(sorted.count) / seconds,
            pct(0.5), pct(0.99), cpuSeconds() - cpu0))
}

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
switch options.scenario {
case "smtp-submit":
    do {
        try await smtpSubmit(options)
    } catch {
        fail("\(error)")
    }
default:
    fail("unknown scenario \"\(options.scenario)\"; known: smtp-submit")
}
