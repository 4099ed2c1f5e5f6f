// Test tooling for MailStoreTests' crash test: appends messages to crash@crash.test's INBOX in a loop
// from several tasks and prints one line per acknowledged append, after `append` returned:
//
//     ACK <uid> <blob hash> <marker>
//
// The test kills this process with SIGKILL mid-run and then checks that every printed append is in
// the store exactly once. Usage: mailstore-crash-helper DATA_DIR [COUNT] [CONCURRENCY]

import Foundation
import MailStore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: mailstore-crash-helper DATA_DIR [COUNT] [CONCURRENCY]\n".utf8))
    exit(2)
}
let dataDirectory = URL(fileURLWithPath: arguments[1])
let count = arguments.count > 2 ? Int(arguments[2]) ?? 1000 : 1000
let concurrency = arguments.count > 3 ? Int(arguments[3]) ?? 4 : 4
let output = Mutex(())

func say(_ line: String) {
    // One unbuffered write(2) per line: the line is in the pipe when this returns.
    output.withLock { _ in
        let bytes = Array((line + "\n").utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue } else { exit(4) } }
            done += n
        }
    }
}

let store = try await MailStore.open(dataDirectory: dataDirectory)
if try await store.domain("crash.test") == nil { _ = try await store.addDomain("crash.test") }
let account: AccountRecord
if let existing = try await store.account(address: "crash@crash.test") {
    account = existing
} else {
    account = try await store.createAccount(NewAccount(address: "crash@crash.test", passwordHash: "x"))
}
guard let inbox = try await store.mailbox(account: account.id, name: "INBOX") else { exit(3) }
say("READY")

let run = UUID().uuidString
try await withThrowingTaskGroup(of: Void.self) { group in
    for worker in 0..<concurrency {
        group.addTask {
            var i = worker
            while i < count {
                let marker = "crash-\(run)-\(i)"
                let text = """
                    From: helper@crash.test\r
                    To: crash@crash.test\r
                    Subject: \(marker)\r
                    Message-ID: <\(marker)@crash.test>\r
                    \r
                    Body of \(marker) \(String(repeating: "x", count: 2000))\r

                    """
                let blob = try await store.writeBlob(bytes: Array(text.utf8))
                let result = try await store.append(
                    AppendRequest(
                        account: account.id, mailbox: inbox.id, blob: blob,
                        metadata: MessageMetadata(
                            size: blob.size, subject: marker, messageIDHeader: "<\(marker)@crash.test>",
                            headerText: "Subject: \(marker)", bodyText: "Body of \(marker)")))
                say("ACK \(result.uid) \(blob.hash) \(marker)")
                i += concurrency
            }
        }
    }
    try await group.waitForAll()
}
try await store.close()
say("DONE")
