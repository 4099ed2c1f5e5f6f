// SpoolFile: a message body on its way in (SMTP DATA/BDAT, IMAP APPEND), written to disk as it
// arrives so that a large message is never one value in memory (STYLE.md item 5).
//
// Invariants:
// - One task uses a SpoolFile at a time.
// - Bytes collect in memory up to `SpoolFile.batchSize`; only a message larger than that gets a file, written
//   one batch per write(2). A message that fits in one batch is finished as bytes and never touches the
//   spool directory: a file to create, close, map and rename cost more than the message's own bytes.
// - File I/O runs on NIOThreadPool, never on an event loop or the cooperative pool.
// - A spool file that is not `finish`ed is removed by `discard` (or by the next start's cleanup of
//   the spool directory): half-received messages never reach a mailbox.
// - Durability is not this type's job: MailStore fsyncs the blob when it stores the message.

import Foundation
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A finished message: its bytes when it fit in one spool batch, else the spool file that holds it.
public enum SpooledMessage: Sendable {
    case bytes([UInt8])
    case file(URL)
}

public final class SpoolFile: @unchecked Sendable {
    /// Bytes collected before one write to the file; a message no larger stays in memory.
    public static let batchSize = 256 * 1024

    let directory: URL
    /// The file, once the message outgrew one batch.
    private var file: URL?
    private var fd: Int32 = -1
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

    /// A new, empty spool for a message; the file in `directory` (created if needed) is made only if the message
    /// outgrows one batch.
    public init(in directory: URL) {
        self.directory = directory
        self.pending = ByteBuffer()
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

    /// The complete message: its bytes if it never outgrew one batch, else the file (written and closed).
    public func finish() async throws -> SpooledMessage {
        guard let file else {
            let bytes = Array(pending.readableBytesView)
            pending = ByteBuffer()
            return .bytes(bytes)
        }
        try await writePending()
        let fd = self.fd
        self.fd = -1
        try await NIOThreadPool.singleton.runIfActive {
            guard close(fd) == 0 else { throw SpoolError.io("close", errno) }
        }
        return .file(file)
    }

    /// Drops the message (an aborted or refused one): the bytes, and the file if there is one.
    public func discard() async {
        let fd = self.fd
        self.fd = -1
        pending.clear()
        guard let path = file?.path else { return }
        file = nil
        _ = try? await NIOThreadPool.singleton.runIfActive {
            if fd >= 0 { close(fd) }
            unlink(path)
        }
    }

    private func writePending() async throws {
        guard pending.readableBytes > 0 else { return }
        if file == nil { try await createFile() }
        let batch = pending
        pending = ByteBuffer()
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

    /// The spool file, made when the message outgrows one batch; from then on `discard` (or deinit) removes it.
    private func createFile() async throws {
        let directory = self.directory
        let (url, fd) = try await NIOThreadPool.singleton.runIfActive { () throws -> (URL, Int32) in
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let url = directory.appendingPathComponent("spool-\(UUID().uuidString)")
            let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw SpoolError.io("create \(url.path)", errno) }
            return (url, fd)
        }
        file = url
        self.fd = fd
    }

    deinit {
        guard fd >= 0 else { return }  // never written to a file, or finished: the file is the caller's
        close(fd)
        if let file { unlink(file.path) }
    }
}
