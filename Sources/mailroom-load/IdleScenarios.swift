// IdleScenarios: imap-idle-push (how fast IDLE clients hear of a new message, RFC 2177) and idle-memory (what
// an idle IMAP connection costs the server, in PSS summed over the server's process tree).
//
// Invariants:
// - imap-idle-push: every idler has SELECTed and seen its "+ idling" continuation before the first APPEND;
//   the clock of a message starts just before its literal's last byte is written and stops, per idler, when
//   that idler reads `* n EXISTS` with n ≥ its SELECT count + the message's number. Each message waits for
//   every idler (10 s at most) before the next is appended, so samples never overlap.
// - idle-memory: PSS is read from /proc/<pid>/smaps_rollup for the server and every descendant (walk of
//   /proc/*/stat parent ids); a process that vanishes mid-walk is skipped, an unreadable one is an error.

import Foundation
import NIOCore
import Synchronization

// MARK: - imap-idle-push

/// Shared state of one imap-idle-push run: when each message was sent, what each idler has seen, and the
/// appender's wait for all idlers.
final class IdleBoard: Sendable {
    private struct State {
        var sentAt: [ContinuousClock.Instant?]
        var baseline: [Int]
        var seen: [Int]
        var latencies: [Double] = []
        var waiter: (target: Int, generation: Int, continuation: CheckedContinuation<Bool, Never>)?
        var generation = 0
        var minSeen: Int { seen.min() ?? 0 }
    }
    private let state: Mutex<State>
    /// How long the appender waits for every idler to see one message.
    static let perMessageTimeout = Duration.seconds(10)

    init(clients: Int, messages: Int) {
        state = Mutex(
            State(
                sentAt: Array(repeating: nil, count: messages + 1), baseline: Array(repeating: 0, count: clients),
                seen: Array(repeating: 0, count: clients)))
    }

    func setBaseline(client: Int, exists: Int) { state.withLock { $0.baseline[client] = exists } }

    /// Message `number` (1-based) is about to be on the wire.
    func markSent(_ number: Int) {
        let now = ContinuousClock.now
        state.withLock { $0.sentAt[number] = now }
    }

    /// Idler `client` read `* exists EXISTS` at `time`.
    func saw(client: Int, exists: Int, at time: ContinuousClock.Instant) {
        let resume = state.withLock { s -> CheckedContinuation<Bool, Never>? in
            let reached = min(exists - s.baseline[client], s.sentAt.count - 1)
            guard reached > s.seen[client] else { return nil }
            for number in (s.seen[client] + 1)...reached {
                guard let sent = s.sentAt[number] else { continue }
                s.latencies.append((time - sent).milliseconds)
            }
            s.seen[client] = reached
            if let w = s.waiter, s.minSeen >= w.target {
                s.waiter = nil
                return w.continuation
            }
            return nil
        }
        resume?.resume(returning: true)
    }

    /// Waits until every idler has seen message `number`; false after `perMessageTimeout`.
    func waitForAll(_ number: Int) async -> Bool {
        let generation = state.withLock { s -> Int in
            s.generation += 1
            return s.generation
        }
        let timer = Task {
            try? await Task.sleep(for: Self.perMessageTimeout)
            self.expire(generation)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            let done = state.withLock { s -> Bool in
                if s.minSeen >= number { return true }
                s.waiter = (number, generation, continuation)
                return false
            }
            if done { continuation.resume(returning: true) }
        }
    }

    private func expire(_ generation: Int) {
        let resume = state.withLock { s -> CheckedContinuation<Bool, Never>? in
            guard let w = s.waiter, w.generation == generation else { return nil }
            s.waiter = nil
            return w.continuation
        }
        resume?.resume(returning: false)
    }

    var latencies: [Double] { state.withLock { $0.latencies.sorted() } }
    var seen: [Int] { state.withLock { $0.seen } }
}

/// Enters IDLE (RFC 2177 §3) and returns its tag once the server's continuation arrived; EXISTS responses
/// that come first go to `exists`.
func enterIdle(_ imap: IMAPClient, exists: (Int) -> Void = { _ in }) async throws -> Int {
    imap.connection.phase = "IDLE"
    let tag = try await imap.send("IDLE")
    while true {
        let response = try await imap.readResponse()
        switch response.kind {
        case .continuation: return tag
        case .untagged:
            if let n = response.number(before: "EXISTS") { exists(n) }
        case .tagged:
            throw LoadError.rejected(command: "IDLE", reply: response.line.text)
        }
    }
}

func imapIdlePush(_ o: Options) async throws {
    let dialer = try Dialer(host: o.host, port: o.port(plain: 143, tls: 993), tls: o.tls)
    let clients = o.clients
    let messages = o.messages
    let size = o.size ?? 512
    let board = IdleBoard(clients: clients, messages: messages)
    let ready = StartBarrier(count: clients + 1)
    let writers = Locked<[NIOAsyncChannelOutboundWriter<ByteBuffer>]>([])
    let cpu0 = cpuSeconds()
    await withTaskGroup(of: Void.self) { group in
        for client in 0..<clients {
            let credentials = o.credentials(client)
            group.addTask {
                await orFail {
                    try await withIMAPSession(dialer, credentials) { imap in
                        let baseline = try await imap.select(o.mailbox)
                        board.setBaseline(client: client, exists: baseline)
                        let tag = try await enterIdle(imap) { n in
                            board.saw(client: client, exists: n, at: .now)
                        }
                        writers.withLock { $0.append(imap.connection.outbound) }
                        await ready.arriveAndWait()
                        // Read until DONE (sent by the appender's task) ends the IDLE command (RFC 2177 §3).
                        _ = try await imap.finish(tag, "IDLE") { response in
                            if let n = response.number(before: "EXISTS") {
                                board.saw(client: client, exists: n, at: .now)
                            }
                        }
                    }
                }
            }
        }
        group.addTask {
            await orFail {
                try await withIMAPSession(dialer, o.credentials(clients)) { imap in
                    await ready.arriveAndWait()
                    for number in 1...messages {
                        let bytes = message(index: number, from: o.from, to: "idle@example.test", size: size)
                        try await imap.append(o.mailbox, ByteBuffer(bytes: bytes)) { board.markSent(number) }
                        guard await board.waitForAll(number) else {
                            throw LoadError.timeout(
                                "message \(number): not every IDLE client saw its EXISTS within 10 s (seen: \(board.seen))"
                            )
                        }
                    }
                    for writer in writers.withLock({ $0 }) {
                        try await writer.write(ByteBuffer(string: "DONE\r\n"))
                    }
                }
            }
        }
    }
    let sorted = board.latencies
    guard sorted.count == clients * messages else {
        throw LoadError.countMismatch(what: "EXISTS notifications", expected: clients * messages, got: sorted.count)
    }
    emit(
        .imapIdlePush,
        [
            "clients": "\(clients)", "messages": "\(messages)", "p50_ms": fixed(percentile(sorted, 0.5), 2),
            "p99_ms": fixed(percentile(sorted, 0.99), 2), "max_ms": fixed(sorted.last ?? 0, 2),
        ], cpu0: cpu0)
}

// MARK: - idle-memory

/// Reads a small /proc file; nil when the process is gone (ENOENT, ESRCH), throws when it is unreadable.
func readProcFile(_ path: String) throws -> String? {
    let fd = open(path, O_RDONLY)
    if fd < 0 {
        if errno == ENOENT || errno == ESRCH { return nil }
        throw LoadError.system("cannot open \(path): \(String(cString: strerror(errno)))")
    }
    defer { close(fd) }
    var data = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == ESRCH || errno == ENOENT { return nil }
            throw LoadError.system("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        if n == 0 { break }
        data.append(contentsOf: chunk[0..<n])
    }
    return String(decoding: data, as: UTF8.self)
}

/// `root` and all its descendants (by the parent id in /proc/<pid>/stat, proc(5)).
func processTree(root: pid_t) throws -> [pid_t] {
    var children: [pid_t: [pid_t]] = [:]
    for name in try FileManager.default.contentsOfDirectory(atPath: "/proc") {
        guard let pid = pid_t(name), let stat = try? readProcFile("/proc/\(pid)/stat") else { continue }
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
        guard let close = stat.lastIndex(of: ")") else { continue }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 1, let ppid = pid_t(fields[1]) else { continue }
        children[ppid, default: []].append(pid)
    }
    var tree = [root]
    var i = 0
    while i < tree.count {
        tree.append(contentsOf: children[tree[i]] ?? [])
        i += 1
    }
    return tree
}

/// PSS in kB summed over `root`'s process tree, and how many processes were counted.
func treePSS(root: pid_t) throws -> (kb: Int, processes: Int) {
    var total = 0
    var counted = 0
    for pid in try processTree(root: root) {
        guard let rollup = try readProcFile("/proc/\(pid)/smaps_rollup") else { continue }
        guard let line = rollup.split(separator: "\n").first(where: { $0.hasPrefix("Pss:") }),
            let kb = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else {
            if pid == root { throw LoadError.system("no Pss in /proc/\(pid)/smaps_rollup") }
            continue
        }
        total += kb
        counted += 1
    }
    guard counted > 0 else { throw LoadError.system("process \(root) does not exist") }
    return (total, counted)
}

func idleMemory(_ o: Options) async throws {
    guard let pid = o.serverPID else { fail("idle-memory needs --server-pid") }
    let dialer = try Dialer(host: o.host, port: o.port(plain: 143, tls: 993), tls: o.tls)
    let connections = o.connections ?? 100
    /// How many connections are being opened (connect, TLS, LOGIN, SELECT, IDLE) at once.
    let openingAtOnce = 50
    let cpu0 = cpuSeconds()
    let before = try treePSS(root: pid)
    let gate = AsyncSemaphore(openingAtOnce)
    let ready = StartBarrier(count: connections + 1)
    let release = Latch()
    var after = (kb: 0, processes: 0)
    try await withThrowingTaskGroup(of: Void.self) { group in
        for c in 0..<connections {
            let credentials = o.credentials(c)
            group.addTask {
                await orFail {
                    await gate.acquire()
                    try await withIMAPSession(dialer, credentials) { imap in
                        _ = try await imap.select(o.mailbox)
                        let tag = try await enterIdle(imap)
                        await gate.release()
                        await ready.arriveAndWait()
                        await release.wait()
                        try await imap.connection.write("DONE\r\n")
                        _ = try await imap.finish(tag, "IDLE")
                    }
                }
            }
        }
        await ready.arriveAndWait()
        try await Task.sleep(for: .seconds(o.settleSeconds))
        after = try treePSS(root: pid)
        emit(
            .idleMemory,
            [
                "connections": "\(connections)", "pss_before_kb": "\(before.kb)", "pss_after_kb": "\(after.kb)",
                "per_connection_kb": fixed(Double(after.kb - before.kb) / Double(connections)),
                "process_count_after": "\(after.processes)",
            ], cpu0: cpu0)
        release.open()
        try await group.waitForAll()
    }
}

/// Raises the open-file limit to its hard limit (idle-memory opens thousands of connections).
func raiseFileLimit() {
    var limit = rlimit()
    guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else {
        return
    }
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
}
