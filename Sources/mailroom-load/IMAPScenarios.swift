// IMAPScenarios: the IMAP throughput and latency scenarios (imap-append, imap-fetch-flags, imap-fetch-bodies,
// imap-search, imap-login). Each uses only RFC 3501 commands, so the same run measures any IMAP server.
//
// Invariants:
// - Connections log in before the clock starts, except where the scenario times the login itself
//   (imap-login) or names its own start (imap-fetch-flags: from sending SELECT).
// - A NO/BAD, a disconnect or a count that disagrees with EXISTS ends the run (stderr, non-zero exit).
// - FETCH bodies are counted by literal size as framed, never copied into Swift values.

import Foundation
import NIOCore
import Synchronization

/// Connects, reads the greeting, logs in, runs `body`, logs out.
func withIMAPSession<R: Sendable>(
    _ dialer: Dialer, _ credentials: Credentials, _ body: (IMAPClient) async throws -> R
) async throws -> R {
    try await dialer.withConnection { connection in
        let imap = IMAPClient(connection)
        try await imap.greeting()
        try await imap.login(credentials)
        let result = try await body(imap)
        try await imap.logout()
        return result
    }
}

/// Runs `body` and turns any error into the run's failure (stderr, exit 2), so that no task is left waiting
/// on a barrier that a failed peer will never reach.
func orFail<R: Sendable>(_ body: () async throws -> R) async -> R {
    do {
        return try await body()
    } catch {
        fail("\(error)")
    }
}

/// Lets `count` tasks start a timed phase together; the last one to arrive records the start time.
final class StartBarrier: Sendable {
    private let arrived = Atomic<Int>(0)
    private let started = Mutex<ContinuousClock.Instant?>(nil)
    private let latch = Latch()
    let count: Int

    init(count: Int) { self.count = count }

    func arriveAndWait() async {
        if arrived.wrappingAdd(1, ordering: .relaxed).newValue == count {
            started.withLock { $0 = .now }
            latch.open()
        }
        await latch.wait()
    }

    /// When the last task arrived (nil before).
    var start: ContinuousClock.Instant? { started.withLock { $0 } }
}

/// The UIDs of a `* SEARCH` response (RFC 3501 §7.2.5), or nil when `response` is not one.
func searchNumbers(_ response: IMAPResponse) -> [Int]? {
    guard response.kind == .untagged, response.line.hasPrefixIgnoringCase("SEARCH") else { return nil }
    let line = response.line
    guard line.readableBytes == 6 || line.hasPrefixIgnoringCase(" ", at: 6) else { return nil }
    return line.withUnsafeReadableBytes { bytes in
        var numbers: [Int] = []
        var value = 0
        var inNumber = false
        for byte in bytes[6...] {
            if byte >= 0x30, byte <= 0x39 {
                value = value &* 10 &+ Int(byte - 0x30)
                inNumber = true
            } else {
                if inNumber { numbers.append(value) }
                value = 0
                inNumber = false
            }
        }
        if inNumber { numbers.append(value) }
        return numbers
    }
}

// MARK: - imap-append

func imapAppend(_ o: Options) async throws {
    let dialer = try Dialer(host: o.host, port: o.port(plain: 143, tls: 993), tls: o.tls)
    let connections = min(o.connections ?? 8, o.messages)
    let size = o.size ?? 4096
    let work = WorkCounter(limit: o.messages)
    let samples = Samples()
    let barrier = StartBarrier(count: connections)
    let cpu0 = cpuSeconds()
    await withTaskGroup(of: Void.self) { group in
        for c in 0..<connections {
            let credentials = o.credentials(c)
            group.addTask {
                await orFail {
                    try await withIMAPSession(dialer, credentials) { imap in
                        await barrier.arriveAndWait()
                        var local: [Double] = []
                        while let i = work.take() {
                            let bytes = message(index: i, from: o.from, to: credentials.user, size: size)
                            let body = ByteBuffer(bytes: bytes)
                            let t0 = ContinuousClock.now
                            try await imap.append(o.mailbox, body)
                            local.append((ContinuousClock.now - t0).milliseconds)
                        }
                        samples.add(contentsOf: local)
                    }
                }
            }
        }
    }
    let seconds = (ContinuousClock.now - (barrier.start ?? .now)).seconds
    let sorted = samples.sorted
    guard sorted.count == o.messages else {
        throw LoadError.countMismatch(what: "APPENDs completed", expected: o.messages, got: sorted.count)
    }
    emit(
        .imapAppend,
        [
            "messages": "\(sorted.count)", "connections": "\(connections)", "seconds": fixed(seconds, 3),
            "per_second": fixed(Double(sorted.count) / seconds), "p50_ms": fixed(percentile(sorted, 0.5)),
            "p99_ms": fixed(percentile(sorted, 0.99)),
        ], cpu0: cpu0)
}

// MARK: - imap-fetch-flags

func imapFetchFlags(_ o: Options) async throws {
    let dialer = try Dialer(host: o.host, port: o.port(plain: 143, tls: 993), tls: o.tls)
    let cpu0 = cpuSeconds()
    var durations: [Double] = []
    var messages = 0
    for r in 0..<o.repeats {
        let (count, seconds) = try await withIMAPSession(dialer, o.credentials(r)) { imap in
            let t0 = ContinuousClock.now
            let exists = try await imap.select(o.mailbox)
            var count = 0
            // RFC 3501 §6.4.8: UID FETCH; "1:*" is every message.
            try await imap.run("UID FETCH 1:* (UID FLAGS)", "UID FETCH") { response in
                if response.number(before: "FETCH") != nil { count += 1 }
            }
            let seconds = (ContinuousClock.now - t0).seconds
            guard count == exists else {
                throw LoadError.countMismatch(what: "FETCH responses vs EXISTS", expected: exists, got: count)
            }
            return (count, seconds)
        }
        messages = count
        durations.append(seconds)
    }
    let sorted = durations.sorted()
    let median = percentile(sorted, 0.5)
    emit(
        .imapFetchFlags,
        [
            "messages": "\(messages)", "repeats": "\(o.repeats)", "seconds": fixed(median, 3),
            "per_second": fixed(median > 0 ? Double(messages) / median : 0),
            "p50_ms": fixed(median * 1000), "p99_ms": fixed(percentile(sorted, 0.99) * 1000),
        ], cpu0: cpu0)
}

// MARK: - imap-fetch-bodies

func imapFetchBodies(_ o: Options) async throws {
    let dialer = try Dialer(host: o.host, port: o.port(plain: 143, tls: 993), tls: o.tls)
    let cpu0 = cpuSeconds()
    let wanted = o.connections ?? 1
    // The UID ranges: the whole mailbox for one connection, else contiguous slices of UID SEARCH ALL.
    let (exists, ranges): (Int, [String]) = try await {
        if wanted == 1 { return (-1, ["1:*"]) }
        return try await withIMAPSession(dialer, o.credentials(0)) { imap in
            let exists = try await imap.select(o.mailbox)
            var uids: [Int] = []
            try await imap.run("UID SEARCH ALL", "UID SEARCH ALL") { response in
                if let found = searchNumbers(response) { uids.append(contentsOf: found) }
            }
            guard uids.count == exists else {
                throw LoadError.countMismatch(what: "UID SEARCH ALL vs EXISTS", expected: exists, got: uids.count)
            }
            guard !uids.isEmpty else { return (exists, ["1:*"]) }
            uids.sort()
            let parts = min(wanted, uids.count)
            let ranges = (0..<parts).map { p -> String in
                let lo = uids.count * p / parts
                let hi = uids.count * (p + 1) / parts - 1
                return "\(uids[lo]):\(uids[hi])"
            }
            return (exists, ranges)
        }
    }()
    let barrier = StartBarrier(count: ranges.count)
    let totals = Locked<(messages: Int, bytes: Int, exists: Int)>((0, 0, exists))
    let finished = Locked<ContinuousClock.Instant>(.now)
    await withTaskGroup(of: Void.self) { group in
        for (c, range) in ranges.enumerated() {
            let credentials = o.credentials(c)
            group.addTask {
                await orFail {
                    try await withIMAPSession(dialer, credentials) { imap in
                        let selected = try await imap.select(o.mailbox)
                        await barrier.arriveAndWait()
                        var messages = 0
                        var bytes = 0
                        // RFC 3501 §6.4.5: BODY.PEEK[] does not set \Seen.
                        try await imap.run("UID FETCH \(range) (BODY.PEEK[])", "UID FETCH BODY.PEEK[]") { response in
                            if response.number(before: "FETCH") != nil, response.literals > 0 {
                                messages += 1
                                bytes += response.literalBytes
                            }
                        }
                        let now = ContinuousClock.now
                        finished.withLock { $0 = max($0, now) }
                        totals.withLock {
                            $0.messages += messages
                            $0.bytes += bytes
                            if $0.exists < 0 { $0.exists = selected }
                        }
                    }
                }
            }
        }
    }
    let seconds = (finished.withLock { $0 } - (barrier.start ?? .now)).seconds
    let (messages, bytes, expected) = totals.withLock { $0 }
    guard messages == expected else {
        throw LoadError.countMismatch(what: "FETCH bodies vs EXISTS", expected: expected, got: messages)
    }
    emit(
        .imapFetchBodies,
        [
            "messages": "\(messages)", "bytes": "\(bytes)", "connections": "\(ranges.count)",
            "seconds": fixed(seconds, 3), "mb_per_second": fixed(seconds > 0 ? Double(bytes) / 1e6 / seconds : 0, 2),
        ], cpu0: cpu0)
}

// MARK: - imap-search

func imapSearch(_ o: Options) async throws {
    guard !o.query.isEmpty else { fail("imap-search needs --query, e.g. --query 'TEXT zyzzyva'") }
    let dialer = try Dialer(host: o.host, port: o.port(plain: 143, tls: 993), tls: o.tls)
    let cpu0 = cpuSeconds()
    let (latencies, hits) = try await withIMAPSession(dialer, o.credentials(0)) { imap in
        _ = try await imap.select(o.mailbox)
        var latencies: [Double] = []
        var hits = 0
        for _ in 0..<o.repeats {
            var found = 0
            let t0 = ContinuousClock.now
            // RFC 3501 §6.4.4 / §6.4.8: the criteria are sent as given.
            try await imap.run("UID SEARCH \(o.query)", "UID SEARCH") { response in
                if let numbers = searchNumbers(response) { found += numbers.count }
            }
            latencies.append((ContinuousClock.now - t0).milliseconds)
            hits = found
        }
        return (latencies.sorted(), hits)
    }
    let label = String(o.query.map { $0 == " " || $0 == "=" || $0 == "\t" ? "_" : $0 })
    emit(
        .imapSearch,
        [
            "query": label, "hits": "\(hits)", "repeats": "\(o.repeats)",
            "p50_ms": fixed(percentile(latencies, 0.5)), "p99_ms": fixed(percentile(latencies, 0.99)),
        ], cpu0: cpu0)
}

// MARK: - imap-login

func imapLogin(_ o: Options) async throws {
    let dialer = try Dialer(host: o.host, port: o.port(plain: 143, tls: 993), tls: o.tls)
    let workers = min(o.connections ?? 8, o.messages)
    let work = WorkCounter(limit: o.messages)
    let samples = Samples()
    let cpu0 = cpuSeconds()
    let start = ContinuousClock.now
    await withTaskGroup(of: Void.self) { group in
        for _ in 0..<workers {
            group.addTask {
                await orFail {
                    var local: [Double] = []
                    while let i = work.take() {
                        let t0 = ContinuousClock.now
                        try await dialer.withConnection { connection in
                            let imap = IMAPClient(connection)
                            try await imap.greeting()
                            try await imap.login(o.credentials(i), askCapabilities: false)
                            try await imap.logout()
                        }
                        local.append((ContinuousClock.now - t0).milliseconds)
                    }
                    samples.add(contentsOf: local)
                }
            }
        }
    }
    let seconds = (ContinuousClock.now - start).seconds
    let sorted = samples.sorted
    guard sorted.count == o.messages else {
        throw LoadError.countMismatch(what: "sessions completed", expected: o.messages, got: sorted.count)
    }
    emit(
        .imapLogin,
        [
            "logins": "\(sorted.count)", "connections": "\(workers)", "seconds": fixed(seconds, 3),
            "per_second": fixed(Double(sorted.count) / seconds), "p50_ms": fixed(percentile(sorted, 0.5)),
            "p99_ms": fixed(percentile(sorted, 0.99)),
        ], cpu0: cpu0)
}
