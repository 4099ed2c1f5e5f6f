// Blobs: content addressing, dedup, streaming writes, spool import, ranges, sweeping.

import Foundation
import MailStore
import MailTestSupport
import Testing

@Suite struct BlobTests {
    func blobFiles(_ f: StoreFixture) throws -> [String] {
        let root = f.directory.appending("blobs").path
        var result: [String] = []
        for a in try FileManager.default.contentsOfDirectory(atPath: root) where a != "tmp" {
            for b in try FileManager.default.contentsOfDirectory(atPath: "\(root)/\(a)") {
                result += try FileManager.default.contentsOfDirectory(atPath: "\(root)/\(a)/\(b)")
            }
        }
        return result.sorted()
    }

    @Test func identicalBodiesAreStoredOnce() async throws {
        let f = try await StoreFixture.make()
        let message = TestMessage(subject: "same")
        let a = try await f.append(message)
        let b = try await f.append(message)
        #expect(a.uid != b.uid)
        let files = try blobFiles(f)
        #expect(files.count == 1)
        let ref = try await f.store.writeBlob(bytes: message.bytes)
        #expect(files == [ref.hash])
        let path = f.store.blobURL(ref).path
        #expect(path.hasSuffix("/blobs/\(ref.hash.prefix(2))/\(ref.hash.dropFirst(2).prefix(2))/\(ref.hash)"))
        // SHA-256 of the bytes, lowercase hex.
        #expect(ref.hash.count == 64)
        #expect(try await f.store.readBlob(ref) == message.bytes)
    }

    @Test func streamingWriteMatchesBytesWrite() async throws {
        let f = try await StoreFixture.make()
        let chunk = [UInt8]((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let chunks = 12  // 1.2 MB, several buffer flushes
        let stream = AsyncStream<[UInt8]> { c in
            for _ in 0..<chunks { c.yield(chunk) }
            c.finish()
        }
        let streamed = try await f.store.writeBlob(stream)
        var all: [UInt8] = []
        for _ in 0..<chunks { all += chunk }
        let direct = try await f.store.writeBlob(bytes: all)
        #expect(streamed == direct)
        #expect(streamed.size == Int64(all.count))
        #expect(try blobFiles(f) == [streamed.hash])
        // Byte ranges without reading the whole file; clamped at the end.
        #expect(try await f.store.readBlob(streamed, range: 5..<15) == Array(all[5..<15]))
        #expect(try await f.store.readBlob(streamed, range: all.count - 3..<all.count + 100) == Array(all.suffix(3)))
        #expect(try await f.store.readBlob(streamed, range: all.count + 5..<all.count + 10) == [])
        var joined: [UInt8] = []
        for try await piece in f.store.readBlobChunks(streamed, range: 1000..<300_000, chunkSize: 65536) {
            #expect(piece.count <= 65536)
            joined += piece
        }
        #expect(joined == Array(all[1000..<300_000]))
    }

    @Test func failingStreamLeavesNothing() async throws {
        struct Boom: Error {}
        let f = try await StoreFixture.make()
        let stream = AsyncThrowingStream<[UInt8], any Error> { c in
            c.yield([UInt8](repeating: 1, count: 300_000))
            c.finish(throwing: Boom())
        }
        await #expect(throws: Boom.self) { try await f.store.writeBlob(stream) }
        #expect(try blobFiles(f).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: f.directory.appending("blobs/tmp").path).isEmpty)
    }

    @Test func readSmallBlobsTakesTheLeadingRunWithinTheBudget() async throws {
        let f = try await StoreFixture.make()
        var refs: [BlobRef] = []
        for size in [100, 200, 300, 5000, 100] {
            refs.append(try await f.store.writeBlob(bytes: [UInt8](repeating: UInt8(refs.count + 65), count: size)))
        }
        func read(_ upcoming: [BlobRef], max: Int64 = 1000, budget: Int64 = 10_000) async throws -> [String: [UInt8]] {
            try await f.store.readSmallBlobs(upcoming, maxBlobSize: max, budget: budget)
        }
        // Up to the first blob over the size limit; the contents keyed by hash.
        let run = try await read(refs)
        #expect(Set(run.keys) == Set(refs[0..<3].map(\.hash)))
        for ref in refs[0..<3] { #expect(try await f.store.readBlob(ref) == run[ref.hash]) }
        // Up to the budget (a blob that would cross it is left out), but always the first one.
        #expect(Set(try await read(refs, budget: 350).keys) == Set(refs[0..<2].map(\.hash)))
        #expect(Set(try await read(Array(refs[2...]), budget: 10).keys) == [refs[2].hash])
        // Nothing when the first is over the size limit; copies of one body are read once and counted once each.
        #expect(try await read(Array(refs[3...])).isEmpty)
        #expect(try await read([refs[0], refs[0], refs[1]], budget: 250).keys.sorted() == [refs[0].hash])
    }

    @Test func importSpoolFileMovesOrCopies() async throws {
        let f = try await StoreFixture.make()
        let bytes = TestMessage(subject: "spooled").bytes
        let spool = f.directory.appending("spool-1")
        try Data(bytes).write(to: spool)
        let ref = try await f.store.importBlob(spoolFile: spool)
        #expect(!FileManager.default.fileExists(atPath: spool.path))
        #expect(try await f.store.readBlob(ref) == bytes)
        let spool2 = f.directory.appending("spool-2")
        try Data(bytes + [0x0A]).write(to: spool2)
        let copied = try await f.store.importBlob(spoolFile: spool2, move: false)
        #expect(FileManager.default.fileExists(atPath: spool2.path))
        #expect(copied.size == Int64(bytes.count + 1))
        #expect(try await f.store.readBlob(copied) == bytes + [0x0A])
    }

    @Test func sweepRemovesOnlyUnreferencedBlobs() async throws {
        let f = try await StoreFixture.make()
        let inbox = try await f.mailbox("INBOX")
        let kept = try await f.append(TestMessage(subject: "kept"))
        let gone = try await f.append(TestMessage(subject: "gone"))
        let orphan = try await f.store.writeBlob(bytes: Array("never appended".utf8))
        let archive = try await f.mailbox("Archive")
        _ = try await f.store.copy(from: inbox.id, uids: [kept.uid], to: archive.id)
        _ = try await f.store.storeFlags(
            mailbox: inbox.id, uids: [kept.uid, gone.uid], operation: .add, flags: [.deleted])
        try await f.store.expunge(mailbox: inbox.id)
        #expect(try blobFiles(f).count == 3)
        // Within the grace period nothing goes.
        #expect(try await f.store.sweepBlobs() == 0)
        #expect(try await f.store.sweepBlobs(olderThan: 0) == 2)
        let left = try await f.store.messageDetails(mailbox: archive.id, uids: [1])
        #expect(try blobFiles(f) == [left[0].blob.hash])
        #expect(!(try blobFiles(f)).contains(orphan.hash))
        #expect(try await f.store.readBlob(left[0].blob).count > 0)
        #expect(try await f.store.sweepBlobs(olderThan: 0) == 0)
    }

    /// More blobs than one sweep batch (256): the unreferenced go; a blob only the outbound queue holds stays.
    @Test func sweepAcrossBatchesKeepsQueuedAndStoredBlobs() async throws {
        let f = try await StoreFixture.make()
        for i in 0..<300 {
            _ = try await f.store.writeBlob(bytes: Array("orphan \(i)".utf8))
        }
        for i in 0..<20 { _ = try await f.append(TestMessage(subject: "stored \(i)")) }
        let queued = try await f.store.writeBlob(bytes: Array("queued for elsewhere".utf8))
        _ = try await f.store.enqueue(
            OutboundMessage(
                mailFrom: "a@example.test", blob: queued, recipients: [OutboundRecipient(address: "b@else.test")]))
        #expect(try blobFiles(f).count == 300 + 20 + 1)
        #expect(try await f.store.sweepBlobs() == 0)
        #expect(try await f.store.sweepBlobs(olderThan: 0) == 300)
        #expect(try blobFiles(f).count == 21)
        #expect(try blobFiles(f).contains(queued.hash))
    }
}
