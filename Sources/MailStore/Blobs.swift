// The blob API of MailStore: write bodies (streaming, from bytes, or from a spool file), read them
// (whole, a byte range, or as chunks), and sweep unreferenced ones. See BlobStore.swift for the
// on-disk invariants.

import Foundation
import GRDB

extension MailStore {
    /// Writes a body from a stream of byte chunks, hashing as it writes; the whole body is never in
    /// memory. Returns once the blob file is durable. If the stream throws, nothing is kept.
    public func writeBlob<S: AsyncSequence>(_ chunks: S) async throws -> BlobRef
    where S.Element: Collection, S.Element.Element == UInt8 {
        try checkOpen()
        let store = blobs
        let writer = try await Self.blobIO { try BlobStore.Writer(store: store) }
        do {
            var buffer: [UInt8] = []
            buffer.reserveCapacity(BlobStore.writeBufferSize)
            for try await chunk in chunks {
                buffer.append(contentsOf: chunk)
                if buffer.count >= BlobStore.writeBufferSize {
                    let full = buffer
                    buffer = []
                    buffer.reserveCapacity(BlobStore.writeBufferSize)
                    try await Self.blobIO { try full.withUnsafeBytes { try writer.write($0) } }
                }
            }
            let rest = buffer
            return try await Self.blobIO {
                if !rest.isEmpty { try rest.withUnsafeBytes { try writer.write($0) } }
                return try writer.finish()
            }
        } catch {
            _ = try? await BlobStore.io { writer.cancel() }
            throw error
        }
    }

    /// Writes a body that is already in memory.
    public func writeBlob(bytes: [UInt8]) async throws -> BlobRef {
        try checkOpen()
        let store = blobs
        return try await Self.blobIO { try store.writeBytes(bytes) }
    }

    /// Stores a finished spool file: hashes it and, with `move` (the default), consumes it (a rename
    /// on the same file system, else a copy and a removal). Without `move` the file is copied.
    public func importBlob(spoolFile: URL, move: Bool = true) async throws -> BlobRef {
        try checkOpen()
        let store = blobs
        let path = spoolFile.path
        return try await Self.blobIO { try store.importFile(path, move: move) }
    }

    /// Where the blob's file is (for sendfile-style readers). The file is immutable.
    public func blobURL(_ ref: BlobRef) -> URL {
        URL(fileURLWithPath: blobs.path(ref.hash))
    }

    /// Reads the blob, or a byte range of it (clamped to its size; for IMAP partial FETCH,
    /// RFC 9051 §6.4.5 `BODY[]<start.count>`), without reading the rest of the file.
    public func readBlob(_ ref: BlobRef, range: Range<Int>? = nil) async throws -> [UInt8] {
        let store = blobs
        return try await Self.blobIO { try store.read(ref, range: range) }
    }

    /// Reads ahead for a reader going through many small messages (IMAP FETCH, POP3 RETRs in order), for whom one
    /// trip to the blob I/O queue per message would cost more than the reads: the leading run of `upcoming` blobs
    /// of at most `maxBlobSize` bytes each, up to `budget` bytes in all (at least the first), in one trip. Keyed by
    /// hash, so copies of one body are read once; empty when the first blob is larger than `maxBlobSize`.
    public func readSmallBlobs(_ upcoming: some Sequence<BlobRef>, maxBlobSize: Int64, budget: Int64) async throws
        -> [String: [UInt8]]
    {
        var wanted: [BlobRef] = []
        var seen: Set<String> = []
        var total: Int64 = 0
        for blob in upcoming {
            guard blob.size <= maxBlobSize, total + blob.size <= budget || wanted.isEmpty else { break }
            if seen.insert(blob.hash).inserted { wanted.append(blob) }
            total += blob.size
        }
        guard !wanted.isEmpty else { return [:] }
        let store = blobs
        let refs = wanted
        let contents = try await Self.blobIO { try refs.map { try store.read($0, range: nil) } }
        return Dictionary(uniqueKeysWithValues: zip(wanted.map(\.hash), contents))
    }

    /// The blob (or a range of it) as a stream of chunks, one read per chunk.
    public func readBlobChunks(_ ref: BlobRef, range: Range<Int>? = nil, chunkSize: Int = MailStore.blobReadChunkSize)
        -> AsyncThrowingStream<[UInt8], any Error>
    {
        let store = blobs
        let start = max(range?.lowerBound ?? 0, 0)
        let end = min(range?.upperBound ?? Int(ref.size), Int(ref.size))
        let step = max(chunkSize, 1)
        let position = PositionBox(start)
        return AsyncThrowingStream(unfolding: {
            let offset = position.value
            guard offset < end else { return nil }
            let upper = min(offset + step, end)
            let bytes = try await Self.blobIO { try store.read(ref, range: offset..<upper) }
            if bytes.isEmpty { return nil }
            position.value = offset + bytes.count
            return bytes
        })
    }

    /// Deletes blob files that no message refers to and that are older than `gracePeriod`; also stale
    /// temporary files. Returns the number of blob files deleted. For a background job, never a
    /// request path: it lists the whole blob directory.
    ///
    /// Most blobs are referenced, so each batch of names is first checked in a read (no write lock, no file
    /// metadata); only the unreferenced ones are checked again inside a write transaction, where nothing can commit a
    /// reference to them meanwhile, and only their files are looked at for the grace period.
    @discardableResult
    public func sweepBlobs(olderThan gracePeriod: TimeInterval = MailStore.blobSweepGracePeriod) async throws -> Int {
        try checkOpen()
        let store = blobs
        let cutoff = Date().addingTimeInterval(-gracePeriod)
        let names = try await Self.blobIO { store.blobNames(removingTemporariesOlderThan: cutoff) }
        var removed = 0
        var index = 0
        while index < names.count {
            let chunk = Array(names[index..<min(index + Self.sweepBatch, names.count)])
            index += chunk.count
            let referenced = try await read { db in try Self.referencedHashes(chunk, db) }
            let unreferenced = chunk.filter { !referenced.contains($0) }
            guard !unreferenced.isEmpty else { continue }
            removed += try await write { db in
                let again = try Self.referencedHashes(unreferenced, db)
                var n = 0
                for hash in unreferenced where !again.contains(hash) {
                    // Young files are kept: an append may be about to commit a reference (or just reused it).
                    guard let m = store.modificationDate(store.path(hash)), m < cutoff else { continue }
                    if store.remove(hash) { n += 1 }
                }
                return (n, [])
            }
        }
        if removed > 0 { logger.info("swept blobs", metadata: ["removed": "\(removed)"]) }
        return removed
    }

    /// The hashes among `hashes` that some table refers to.
    static func referencedHashes(_ hashes: [String], _ db: Database) throws -> Set<String> {
        let marks = Array(repeating: "?", count: hashes.count).joined(separator: ",")
        var found: Set<String> = []
        for (table, column) in blobReferences where try db.tableExists(table) {
            let sql = "SELECT \(column) FROM \(table) WHERE \(column) IN (\(marks))"
            for hash in try String.fetchAll(db, sql: sql, arguments: StatementArguments(hashes)) {
                found.insert(hash)
            }
        }
        return found
    }

    /// Default chunk size of `readBlobChunks`.
    public static let blobReadChunkSize = 64 * 1024

    /// Every table that refers to blob files by hash (each column indexed): a file is swept only when none does. A
    /// table that does not exist (yet) is skipped.
    static let blobReferences: [(table: String, column: String)] = [
        ("blobs", "hash"),
        ("queue_messages", "blob_hash"),
    ]

    /// Blob files checked per sweep transaction (the write lock is held meanwhile).
    static let sweepBatch = 256

    static func blobIO<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        do {
            return try await BlobStore.io(body)
        } catch {
            throw mapError(error)
        }
    }
}

/// The read position of a chunk stream; the stream calls its closure one at a time.
private final class PositionBox: @unchecked Sendable {
    var value: Int
    init(_ value: Int) { self.value = value }
}
