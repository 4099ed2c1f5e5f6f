// SpoolFile: a message body on its way in (SMTP DATA/BDAT, IMAP APPEND), written to disk as it
// arrives so that a large message is never one value in memory (STYLE.md item 5).
//
// Invariants:
// - One task uses a SpoolFile at a time.
// - File I/O runs on NIOThreadPool, never on an event loop or the cooperative pool.
// - Writes are batched in memory up to `SpoolFile.batchSize` before one write(2).
// - A spool file that is not `finish`ed is removed by `discard` (or by the next start's cleanup of
//   the spool directory): half-received messages never reach a mailbox.
// - Durability is not this type's job: MailStore fsyncs the blob when it imports the file.

import Foundation
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public final class SpoolFile: @unchecked Sendable {
    /// Bytes collected before one write to the file.
    public static let batchSize = 256 * 1024

    public let url: URL
    private var fd: Int32
    private var pending: ByteBuffer
    /// Bytes written so far (including pending ones).
    public private(set) var size = 0

    public enum SpoolError: Error, CustomStringConvertible {
        case io(String, Int32)
        public var description: String {
            switch self {
            case .io(let what, let code): "\(what): \(String(cString: strerror(code)))"
            }
        }
        /// True for a full disk or an exceeded disk quota: a temporary condition (SMTP 452 4.3.1).
        public var isOutOfSpace: Bool {
            if case .io(_, let code) = self { return code == ENOSPC || code == EDQUOT }
            return false
        }
    }

    private init(url: URL, fd: Int32) {
        self.url = url
        self.fd = fd
        self.pending = ByteBuffer()
        pending.reserveCapacity(Self.batchSize)
    }

    /// Creates a new, empty spool file with a unique name in `directory` (created if needed).
    public static func create(in directory: URL) async throws -> SpoolFile {
        try await NIOThreadPool.singleton.runIfActive {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let url = directory.appendingPathComponent("spool-\(UUID().uuidString)")
            let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw SpoolError.io("create \(url.path)", errno) }
            return SpoolFile(url: url, fd: fd)
        }
    }

    /// Appends bytes; writes to the file when a batch is full.
    public func write(_ bytes: ByteBuffer) async throws {
        var bytes = bytes
        size += bytes.readableBytes
        pending.writeBuffer(&bytes)
        if pending.readableBytes >= Self.batchSize { try await writePending() }
    }

    public func write(_ text: String) async throws {
        try await write(ByteBuffer(string: text))
    }

    /// Writes what is pending and closes the file; the URL then names the complete message.
    public func finish() async throws -> URL {
        try await writePending()
        let fd = self.fd
        self.fd = -1
        try await NIOThreadPool.singleton.runIfActive {
            guard close(fd) == 0 else { throw SpoolError.io("close", errno) }
        }
        return url
    }

    /// Closes and removes the file (an aborted or refused message).
    public func discard() async {
        let fd = self.fd
        self.fd = -1
        let path = url.path
        pending.clear()
        _ = try? await NIOThreadPool.singleton.runIfActive {
            if fd >= 0 { close(fd) }
            unlink(path)
        }
    }

    private func writePending() async throws {
        guard pending.readableBytes > 0 else { return }
        let batch = pending
        pending = ByteBuffer()
        pending.reserveCapacity(Self.batchSize)
        let fd = self.fd
        try await NIOThreadPool.singleton.runIfActive {
            try batch.withUnsafeReadableBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw SpoolError.io("write spool file", errno)
                    }
                    offset += n
                }
            }
        }
    }

    deinit {
        if fd >= 0 {
            close(fd)
            unlink(url.path)
        }
    }
}
