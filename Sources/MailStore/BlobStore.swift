// Message bodies as immutable, content-addressed files: `<dataDir>/blobs/ab/cd/<sha256hex>`.
//
// Invariants:
// - A blob file appears under its final name only complete and durable: bytes go to a temporary
//   file in `blobs/tmp/`, which is fsynced, renamed into place, and the directory is fsynced. The
//   caller gets a BlobRef only after that, so a transaction that references it commits after the
//   body is on disk.
// - A file's content never changes once it has its name; identical bodies share one file. Writing a
//   body that already exists only touches the file's mtime (so a sweep leaves it alone).
// - Files are deleted only by `sweep`, inside a database write transaction, after checking that no
//   `blobs` row names them and that they are older than the grace period. Appends check in their own
//   write transaction that a new blob's file exists; both run under SQLite's single writer lock, so a
//   committed message always has its file.
// - Every blocking file operation runs on `BlobStore.ioQueues`, dedicated serial DispatchQueues used
//   round-robin: never on a NIO event loop and never on Swift's cooperative thread pool (which has one
//   thread per core here). MailStore does not depend on NIO, so NIOThreadPool is not an option.

import Crypto
import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

struct BlobStore: Sendable {
    /// `<dataDir>/blobs`
    let root: String
    /// `<dataDir>/blobs/tmp`
    let tmp: String

    /// Streaming writes collect at most this many bytes before one write(2).
    static let writeBufferSize = 256 * 1024
    /// Files are hashed and copied in chunks of this size.
    static let copyChunkSize = 1024 * 1024

    /// Blob file operations that may block at the same time (each fsync blocks its thread).
    static let ioConcurrency = 8
    /// Serial queues used round-robin. A serial queue gets its own thread from libdispatch when it
    /// blocks; a concurrent queue would be limited to one thread per core on Linux.
    static let ioQueues: [DispatchQueue] = (0..<ioConcurrency).map {
        DispatchQueue(label: "mailroom.mailstore.blob-io.\($0)", qos: .userInitiated)
    }
    private static let nextQueue = Atomic<Int>(0)

    init(dataDirectory: String) {
        self.root = dataDirectory + "/blobs"
        self.tmp = dataDirectory + "/blobs/tmp"
    }

    /// Creates `blobs/` and `blobs/tmp/` if needed (blocking).
    func prepare() throws {
        try FileManager.default.createDirectory(
            atPath: tmp, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    func path(_ hash: String) -> String {
        let u = Array(hash.utf8)
        let a = String(decoding: u[0..<2], as: UTF8.self)
        let b = String(decoding: u[2..<4], as: UTF8.self)
        return "\(root)/\(a)/\(b)/\(hash)"
    }

    /// Runs blocking file work on one of the I/O queues.
    static func io<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let index = nextQueue.wrappingAdd(1, ordering: .relaxed).oldValue
        return try await withCheckedThrowingContinuation { continuation in
            ioQueues[index % ioConcurrency].async {
                continuation.resume(with: Result { try body() })
            }
        }
    }

    // MARK: Writing

    /// A blob being written: a temporary file and a running hash. Used by one task at a time; every
    /// method is blocking and is called on the I/O queue, one call after the other.
    final class Writer: @unchecked Sendable {
        let store: BlobStore
        let tmpPath: String
        private var fd: Int32
        private var hasher = SHA256()
        private(set) var size: Int64 = 0

        init(store: BlobStore) throws {
            self.store = store
            self.tmpPath = "\(store.tmp)/\(UUID().uuidString)"
            self.fd = open(tmpPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if fd < 0 { throw FileError.posix("create \(tmpPath)", errno) }
        }

        deinit {
            if fd >= 0 {
                close(fd)
                unlink(tmpPath)
            }
        }

        func write(_ bytes: UnsafeRawBufferPointer) throws {
            hasher.update(bufferPointer: bytes)
            try writeAll(fd, bytes, path: tmpPath)
            size += Int64(bytes.count)
        }

        /// fsyncs, closes, and renames into place (or drops the copy if the blob exists).
        func finish() throws -> BlobRef {
            if fsync(fd) != 0 { throw FileError.posix("fsync \(tmpPath)", errno) }
            close(fd)
            fd = -1
            let hash = hexString(hasher.finalize())
            do {
                try store.place(tmpPath: tmpPath, hash: hash)
            } catch {
                unlink(tmpPath)
                throw error
            }
            return BlobRef(validHash: hash, size: size)
        }

        /// Abandons the blob (the temporary file is removed).
        func cancel() {
            if fd >= 0 {
                close(fd)
                fd = -1
            }
            unlink(tmpPath)
        }
    }

    /// Moves a complete, fsynced temporary file to its content address.
    func place(tmpPath: String, hash: String) throws {
        let dest = path(hash)
        if touch(dest) {
            unlink(tmpPath)  // identical body already stored
            return
        }
        let created = try ensureParents(of: dest)
        if rename(tmpPath, dest) != 0 { throw FileError.posix("rename to \(dest)", errno) }
        try syncDirectories(after: dest, created: created)
    }

    /// Sets the file's mtime to now; false if it does not exist.
    func touch(_ path: String) -> Bool {
        utimensat(AT_FDCWD, path, nil, 0) == 0
    }

    func writeBytes(_ bytes: [UInt8]) throws -> BlobRef {
        let writer = try Writer(store: self)
        do {
            try bytes.withUnsafeBytes { try writer.write($0) }
            return try writer.finish()
        } catch {
            writer.cancel()
            throw error
        }
    }

    /// Hashes a finished file and stores it; with `move`, the file is consumed (renamed when it is on
    /// the same file system, otherwise copied and removed).
    func importFile(_ source: String, move: Bool) throws -> BlobRef {
        let fd = open(source, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw FileError.posix("open \(source)", errno) }
        defer { close(fd) }
        var hasher = SHA256()
        var size: Int64 = 0
        // A buffer no larger than the file (+1 to see the end in one read): most messages are a few KB, and
        // zeroing a full chunk for each was a measurable part of SMTP acceptance.
        var st = stat()
        if fstat(fd, &st) != 0 { throw FileError.posix("stat \(source)", errno) }
        var buffer = [UInt8](repeating: 0, count: min(BlobStore.copyChunkSize, max(Int(st.st_size), 0) + 1))
        while true {
            let n = try buffer.withUnsafeMutableBytes { try readSome(fd, $0, path: source) }
            if n == 0 { break }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            size += Int64(n)
        }
        let hash = hexString(hasher.finalize())
        let ref = BlobRef(validHash: hash, size: size)
        let dest = path(hash)
        if touch(dest) {
            if move { unlink(source) }
            return ref
        }
        if move {
            if fsync(fd) != 0 { throw FileError.posix("fsync \(source)", errno) }
            let created = try ensureParents(of: dest)
            if rename(source, dest) == 0 {
                try syncDirectories(after: dest, created: created)
                return ref
            }
            guard errno == EXDEV else { throw FileError.posix("rename \(source)", errno) }
        }
        // Another file system, or keep the source: copy through a temporary file.
        let writer = try Writer(store: self)
        do {
            if lseek(fd, 0, SEEK_SET) < 0 { throw FileError.posix("seek \(source)", errno) }
            while true {
                let n = try buffer.withUnsafeMutableBytes { try readSome(fd, $0, path: source) }
                if n == 0 { break }
                try buffer.withUnsafeBytes { try writer.write(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            }
            let copied = try writer.finish()
            guard copied == ref else { throw FileError.other("\(source) changed while it was imported") }
        } catch {
            writer.cancel()
            throw error
        }
        if move { unlink(source) }
        return ref
    }

    // MARK: Reading

    func fileSize(_ hash: String) -> Int64? {
        var st = stat()
        guard stat(path(hash), &st) == 0 else { return nil }
        return Int64(st.st_size)
    }

    /// Reads `range` (clamped to the file) or the whole file.
    func read(_ ref: BlobRef, range: Range<Int>?) throws -> [UInt8] {
        let p = path(ref.hash)
        let fd = open(p, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { throw StoreError.blobMissing(ref.hash) }
            throw FileError.posix("open \(p)", errno)
        }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { throw FileError.posix("stat \(p)", errno) }
        let fileSize = Int(st.st_size)
        let lower = min(max(range?.lowerBound ?? 0, 0), fileSize)
        let upper = min(max(range?.upperBound ?? fileSize, lower), fileSize)
        let count = upper - lower
        if count == 0 { return [] }
        return try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            while done < count {
                let n = pread(fd, buffer.baseAddress! + done, count - done, off_t(lower + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw FileError.posix("read \(p)", errno)
                }
                if n == 0 { break }
                done += n
            }
            initialized = done
        }
    }

    // MARK: Sweeping

    /// The hash of every blob file, from directory listings alone (no file is looked at), after removing temporary
    /// files older than `cutoff`.
    func blobNames(removingTemporariesOlderThan cutoff: Date) -> [String] {
        let fm = FileManager.default
        var result: [String] = []
        for name in (try? fm.contentsOfDirectory(atPath: tmp)) ?? [] {
            let p = "\(tmp)/\(name)"
            if let m = modificationDate(p), m < cutoff { unlink(p) }
        }
        for a in (try? fm.contentsOfDirectory(atPath: root)) ?? [] where a.utf8.count == 2 {
            for b in (try? fm.contentsOfDirectory(atPath: "\(root)/\(a)")) ?? [] where b.utf8.count == 2 {
                for name in (try? fm.contentsOfDirectory(atPath: "\(root)/\(a)/\(b)")) ?? [] {
                    if BlobRef.isValidHash(name) { result.append(name) }
                }
            }
        }
        return result
    }

    func modificationDate(_ path: String) -> Date? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        #if canImport(Darwin)
            let ts = st.st_mtimespec
        #else
            let ts = st.st_mtim
        #endif
        return Date(timeIntervalSince1970: Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9)
    }

    /// Deletes a blob file; called inside a write transaction that checked it is unreferenced.
    func remove(_ hash: String) -> Bool {
        unlink(path(hash)) == 0
    }

    // MARK: Directories

    private func parent(of path: String) -> String {
        String(path[..<path.lastIndex(of: "/")!])
    }

    /// Creates `ab/` and `ab/cd/` when missing; returns the directories that got a new entry from it (`root`,
    /// `ab/`), for `syncDirectories` once the file is in place.
    private func ensureParents(of dest: String) throws -> [String] {
        let dir2 = parent(of: dest)
        let dir1 = parent(of: dir2)
        var created: [String] = []
        for (dir, above) in [(dir1, root), (dir2, dir1)] {
            if mkdir(dir, 0o700) == 0 {
                created.append(above)
            } else if errno != EEXIST {
                throw FileError.posix("mkdir \(dir)", errno)
            }
        }
        return created
    }

    /// Makes a rename to `dest` durable: fsyncs `ab/cd/`, then the directories that got a new subdirectory, deepest
    /// first. One journal commit covers the mkdirs and the rename on ext4, so the later fsyncs find nothing left to
    /// write: a blob in a new `ab/cd/` costs about what one in an existing directory does.
    private func syncDirectories(after dest: String, created: [String]) throws {
        try syncDirectory(parent(of: dest))
        for dir in created.reversed() { try syncDirectory(dir) }
    }
}

/// fsync of a directory, so that a rename or a new entry in it survives a crash.
func syncDirectory(_ path: String) throws {
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if fd < 0 { throw FileError.posix("open directory \(path)", errno) }
    defer { close(fd) }
    if fsync(fd) != 0 { throw FileError.posix("fsync directory \(path)", errno) }
}

func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
    var done = 0
    while done < bytes.count {
        let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
        if n < 0 {
            if errno == EINTR { continue }
            throw FileError.posix("write \(path)", errno)
        }
        done += n
    }
}

func readSome(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, path: String) throws -> Int {
    while true {
        let n = read(fd, buffer.baseAddress!, buffer.count)
        if n >= 0 { return n }
        if errno != EINTR { throw FileError.posix("read \(path)", errno) }
    }
}

/// Lowercase hex of a digest.
func hexString(_ digest: SHA256.Digest) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(SHA256.Digest.byteCount * 2)
    for byte in digest {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}

enum FileError: Error, CustomStringConvertible {
    case posix(String, Int32)
    case other(String)

    var description: String {
        switch self {
        case .posix(let what, let code): "\(what): \(String(cString: strerror(code)))"
        case .other(let what): what
        }
    }
}
