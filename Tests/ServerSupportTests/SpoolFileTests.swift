// SpoolFile: a message that fits in one batch stays in memory; a larger one goes to a file as it arrives.

import Foundation
import NIOCore
import Testing

@testable import ServerSupport

struct SpoolFileTests {
    func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("spool-tests-\(UUID().uuidString)")
    }

    func files(in directory: URL) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    }

    @Test func aSmallMessageIsFinishedAsBytesWithoutAFile() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let spool = SpoolFile(in: directory)
        try await spool.write("Received: by test\r\n")
        try await spool.write(ByteBuffer(string: "Subject: hi\r\n\r\nbody\r\n"))
        guard case .bytes(let bytes) = try await spool.finish() else {
            Issue.record("a message of one batch went to a file")
            return
        }
        #expect(String(decoding: bytes, as: UTF8.self) == "Received: by test\r\nSubject: hi\r\n\r\nbody\r\n")
        #expect(spool.size == bytes.count)
        #expect(files(in: directory).isEmpty)
    }

    @Test func aLargeMessageGoesToAFileAsItArrives() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let spool = SpoolFile(in: directory)
        let chunk = [UInt8]((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        var all: [UInt8] = []
        for _ in 0..<6 {  // 600 KB: two full batches written before finish, the rest at finish
            try await spool.write(ByteBuffer(bytes: chunk))
            all += chunk
        }
        #expect(files(in: directory).count == 1, "the file exists once a batch is full")
        guard case .file(let url) = try await spool.finish() else {
            Issue.record("a message of several batches stayed in memory")
            return
        }
        #expect(try [UInt8](Data(contentsOf: url)) == all)
        #expect(spool.size == all.count)
    }

    @Test func discardRemovesTheFile() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let spool = SpoolFile(in: directory)
        try await spool.write(ByteBuffer(bytes: [UInt8](repeating: 65, count: SpoolFile.batchSize + 1)))
        #expect(files(in: directory).count == 1)
        await spool.discard()
        #expect(files(in: directory).isEmpty)
    }

    @Test func aFileThatCannotBeCreatedIsAnErrorOfTheWrite() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A regular file where the spool directory should be.
        try Data("x".utf8).write(to: directory)
        let spool = SpoolFile(in: directory.appendingPathComponent("spool"))
        try await spool.write("small")
        await #expect(throws: (any Error).self) {
            try await spool.write(ByteBuffer(bytes: [UInt8](repeating: 65, count: SpoolFile.batchSize)))
        }
    }
}
