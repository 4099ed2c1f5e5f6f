// Benchmark of MailStore's durable append path (not a test): appends per second of 4 KB messages
// with 1 and 8 concurrent appenders, each append = blob write (fsync + rename + directory fsync) and a
// group-committed transaction (WAL fsync). Also the append alone, with blobs written beforehand.
//
// Usage: mailroom-bench-store [COUNT] [DATA_DIR]   (default 2000 appends per run, a temporary dir)

import Foundation
import MailStore

let arguments = CommandLine.arguments
let count = arguments.count > 1 ? Int(arguments[1]) ?? 2000 : 2000
let base: URL
if arguments.count > 2 {
    base = URL(fileURLWithPath: arguments[2])
} else {
    base = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("mailroom-bench-\(UUID().uuidString)")
}
let messageSize = 4096

func message(_ run: String, _ i: Int) -> [UInt8] {
    let head = "From: bench@bench.test\r\nTo: user@bench.test\r\nSubject: \(run) \(i)\r\n\r\n"
    var bytes = Array(head.utf8)
    let line = Array("The quick brown fox jumps over the lazy dog. \(run) \(i)\r\n".utf8)
    while bytes.count < messageSize { bytes += line }
    return Array(bytes.prefix(messageSize))
}

func metadata(_ run: String, _ i: Int, size: Int64) -> MessageMetadata {
    MessageMetadata(
        size: size, subject: "\(run) \(i)", from: "bench@bench.test", to: "user@bench.test",
        messageIDHeader: "<\(run)-\(i)@bench.test>", headerText: "Subject: \(run) \(i)",
        bodyText: "The quick brown fox jumps over the lazy dog. \(run) \(i)", preview: "The quick brown fox")
}

func measure(
    _ label: String, store: MailStore, account: AccountID, mailbox: MailboxID, concurrency: Int, preWritten: Bool
) async throws {
    let run = "\(label)-\(concurrency)-\(UUID().uuidString.prefix(8))"
    var blobs: [BlobRef] = []
    if preWritten {
        for i in 0..<count { blobs.append(try await store.writeBlob(bytes: message(run, i))) }
    }
    let prepared = blobs
    let before = store.commitStatistics
    let start = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in 0..<concurrency {
            group.addTask {
                var i = worker
                while i < count {
                    let blob = preWritten ? prepared[i] : try await store.writeBlob(bytes: message(run, i))
                    _ = try await store.append(
                        AppendRequest(
                            account: account, mailbox: mailbox, blob: blob,
                            metadata: metadata(run, i, size: blob.size)))
                    i += concurrency
                }
            }
        }
        try await group.waitForAll()
    }
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let stats = store.commitStatistics
    let transactions = stats.transactions - before.transactions
    print(
        String(
            format: "%-28@ appenders=%d  %6d appends in %6.2f s  = %8.1f appends/s  (%d transactions, %.1f per commit)",
            label, concurrency, count, seconds, Double(count) / seconds, transactions,
            Double(count) / Double(max(transactions, 1))))
}

try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
print(
    "MailStore durable appends, \(messageSize)-byte messages, \(count) per run, a fresh store per run in \(base.path)")
var runNumber = 0
for concurrency in [1, 8] {
    for preWritten in [false, true] {
        runNumber += 1
        let store = try await MailStore.open(dataDirectory: base.appendingPathComponent("run-\(runNumber)"))
        _ = try await store.addDomain("bench.test")
        let account = try await store.createAccount(NewAccount(address: "user@bench.test", passwordHash: "x"))
        guard let inbox = try await store.mailbox(account: account.id, name: "INBOX") else { exit(1) }
        try await measure(
            preWritten ? "append only (blob written)" : "blob + append", store: store, account: account.id,
            mailbox: inbox.id, concurrency: concurrency, preWritten: preWritten)
        try await store.close()
    }
}
if arguments.count <= 2 { try? FileManager.default.removeItem(at: base) }
