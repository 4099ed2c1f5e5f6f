// Support: what every scenario shares: the message generator, CPU time, durations, percentiles, the output
// line, and small concurrency helpers.
//
// Invariants:
// - Every scenario prints exactly one line on stdout, `scenario=<name> key=value ... client_cpu_s=<s>`, through
//   `emit`; failures go to stderr through `fail` (exit status 2).
// - Percentiles are nearest-rank on the sorted samples (index ⌊n·p⌋, capped at n−1); an empty set reports 0.

import Foundation
import Synchronization

/// The words generated messages are made of.
private let words = [
    "invoice", "meeting", "quarterly", "report", "schedule", "budget", "review", "project", "update",
    "customer", "delivery", "contract", "proposal", "agenda", "minutes", "forecast",
]
/// The same words with a trailing space, as bytes, for bodies.
private let bodyWords: [[UInt8]] = words.map { Array(($0 + " ").utf8) }

/// SplitMix64: a fast generator for message text, seeded once per message from the system generator (which
/// costs a getrandom(2) system call per number on Linux: hundreds per message).
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A realistic ~`size`-byte message; varied per index so that no two are identical. The body is lines of
/// random words (each line at least 70 bytes, CRLF-terminated) until the message reaches `size` bytes.
func message(index: Int, from: String, to: String, size: Int) -> [UInt8] {
    var rng = SplitMix64(seed: UInt64.random(in: 0...UInt64.max))
    let header = """
        From: Load Generator <\(from)>\r
        To: <\(to)>\r
        Subject: \(words[index % words.count]) \(words[(index / 7) % words.count]) #\(index)\r
        Date: \(Date().formatted(.iso8601))\r
        Message-ID: <load-\(index)-\(rng.next())@example.test>\r
        MIME-Version: 1.0\r
        Content-Type: text/plain; charset=utf-8\r
        \r

        """
    var bytes = Array(header.utf8)
    bytes.reserveCapacity(max(size, bytes.count) + 100)
    while bytes.count < size {
        let lineStart = bytes.count
        while bytes.count - lineStart < 70 {
            bytes.append(contentsOf: bodyWords[Int(rng.next() % UInt64(bodyWords.count))])
        }
        bytes.append(contentsOf: [0x0D, 0x0A])
    }
    return bytes
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var milliseconds: Double { seconds * 1000 }
}

/// Nearest-rank percentile of ascending `sorted` (0 when empty).
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

/// Prints the scenario's one output line; `cpu0` is `cpuSeconds()` at the start of the run.
func emit(_ scenario: Scenario, _ pairs: KeyValuePairs<String, String>, cpu0: Double) {
    var line = "scenario=\(scenario.rawValue)"
    for (key, value) in pairs { line += " \(key)=\(value)" }
    line += String(format: " client_cpu_s=%.2f", cpuSeconds() - cpu0)
    print(line)
}

/// Formats with a fixed number of decimals.
func fixed(_ value: Double, _ decimals: Int = 1) -> String {
    String(format: "%.\(decimals)f", value)
}

/// Latency samples collected from many tasks.
final class Samples: Sendable {
    private let values = Mutex<[Double]>([])

    func add(_ value: Double) { values.withLock { $0.append(value) } }
    func add(contentsOf more: [Double]) { values.withLock { $0.append(contentsOf: more) } }
    var sorted: [Double] { values.withLock { $0.sorted() } }
}

/// Hands out work item numbers 0..<limit to concurrent workers.
final class WorkCounter: Sendable {
    private let next = Atomic<Int>(0)
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// The next item, or nil when all were taken.
    func take() -> Int? {
        let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
        return i < limit ? i : nil
    }
}

/// A counting semaphore for bounding how many connections are being opened at once.
actor AsyncSemaphore {
    private var permits: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(_ permits: Int) { self.permits = permits }

    func acquire() async {
        if permits > 0 {
            permits -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            permits += 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}

/// A one-shot event many tasks can wait for.
final class Latch: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { s -> Bool in
                if s.open { return true }
                s.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.open = true
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume() }
    }
}

/// A value shared by the tasks of a run, behind a lock (a `Mutex` that closures can capture).
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func withLock<R>(_ body: (inout sending Value) throws -> sending R) rethrows -> sending R {
        try mutex.withLock(body)
    }
}
