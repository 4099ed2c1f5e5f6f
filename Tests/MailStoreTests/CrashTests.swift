// Crash test: a child process appends in a loop and prints each acknowledged UID; we SIGKILL it mid-run
// (after reading N acknowledgements from its stdout: no sleeps), reopen the store, and check that every
// acknowledged message is there exactly once with its blob, and that the database is intact.

import Foundation
import MailStore
import MailTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite struct CrashTests {
    /// Acknowledgements to read before the kill.
    static let acknowledgementsBeforeKill = 150

    @Test func acknowledgedAppendsSurviveSIGKILL() async throws {
        let helper = try Self.helperExecutable()
        let dir = try TemporaryDirectory(prefix: "mailstore-crash")
        let process = Process()
        process.executableURL = helper
        process.arguments = [dir.path, "100000", "6"]
        let stdout = Pipe()
        process.standardOutput = stdout
        try process.run()
        let reader = LineReader(fd: stdout.fileHandleForReading.fileDescriptor)

        var acks: [(uid: UID, hash: String, marker: String)] = []
        var ready = false
        func take(_ line: String) {
            let parts = line.split(separator: " ").map(String.init)
            if parts.first == "READY" { ready = true }
            if parts.count == 4, parts[0] == "ACK", let uid = UInt32(parts[1]) {
                acks.append((UID(uid), parts[2], parts[3]))
            }
        }
        while acks.count < Self.acknowledgementsBeforeKill, let line = await reader.nextLine() { take(line) }
        kill(process.processIdentifier, SIGKILL)
        // Lines written before the kill are acknowledgements too: read to EOF.
        while let line = await reader.nextLine() { take(line) }
        process.waitUntilExit()
        #expect(ready)
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(acks.count >= Self.acknowledgementsBeforeKill)

        let store = try await MailStore.open(dataDirectory: dir.url)
        let account = try #require(try await store.account(address: "crash@crash.test"))
        let inbox = try #require(try await store.mailbox(account: account.id, name: "INBOX"))
        let stored = try await store.messages(mailbox: inbox.id)
        let details = try await store.messageDetails(mailbox: inbox.id, uids: stored.map(\.uid))
        var bySubject: [String: [MessageDetails]] = [:]
        for d in details { bySubject[d.subject ?? "", default: []].append(d) }
        #expect(Set(acks.map(\.uid)).count == acks.count)
        for ack in acks {
            let matches = bySubject[ack.marker] ?? []
            #expect(matches.count == 1, "acknowledged \(ack.marker) stored \(matches.count) times")
            guard let m = matches.first else { continue }
            #expect(m.uid == ack.uid)
            #expect(m.blob.hash == ack.hash)
            let body = try await store.readBlob(m.blob)
            #expect(body.count == Int(m.blob.size))
            #expect(String(decoding: body, as: UTF8.self).contains("Subject: \(ack.marker)"))
        }
        // UIDs stay dense and ascending after the crash; the next append continues after them.
        #expect(stored.map(\.uid) == stored.map(\.uid).sorted())
        #expect(inbox.uidNext.rawValue > stored.last?.uid.rawValue ?? 0)
        #expect(try await store.checkIntegrity() == [])
        try await store.close()
    }

    /// The helper is built next to the test bundle (`swift build` / `swift test` build every product).
    static func helperExecutable() throws -> URL {
        let name = "mailstore-crash-helper"
        var candidates: [URL] = []
        let selfPath =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: selfPath).deletingLastPathComponent()
        // On macOS the test bundle is X.xctest/Contents/MacOS/X: walk up to the products directory.
        for _ in 0..<4 {
            candidates.append(dir.appendingPathComponent(name))
            dir = dir.deletingLastPathComponent()
        }
        candidates.append(Bundle.main.bundleURL.appendingPathComponent(name))
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent(name))
        for url in candidates where FileManager.default.isExecutableFile(atPath: url.path) { return url }
        throw HelperMissing(
            description: "\(name) was not found next to the test bundle (looked in \(candidates.map(\.path))); "
                + "build it with `swift build --product \(name)`.")
    }

    struct HelperMissing: Error, CustomStringConvertible { let description: String }
}

/// Reads lines from a pipe on a dedicated thread (blocking reads must not occupy Swift's cooperative pool).
final class LineReader: @unchecked Sendable {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var eof = false
    private let queue = DispatchQueue(label: "crash-test-reader")

    init(fd: Int32) { self.fd = fd }

    func nextLine() async -> String? {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: self.readLine()) }
        }
    }

    /// Runs on `queue` only.
    private func readLine() -> String? {
        while true {
            if let nl = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<nl], as: UTF8.self)
                buffer.removeSubrange(...nl)
                return line
            }
            if eof {
                if buffer.isEmpty { return nil }
                defer { buffer.removeAll() }
                return String(decoding: buffer, as: UTF8.self)
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { eof = true } else { buffer += chunk[0..<n] }
        }
    }
}
