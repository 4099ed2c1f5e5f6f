// LoadConnection: the benchmark client's own byte stream over SwiftNIO, plain TCP or implicit TLS, with a
// line reader that works on ByteBuffers (no per-byte Swift String work on bulk data).
//
// Invariants:
// - TLS here never verifies the server's certificate: it is for loopback benchmarking only (imaps/pop3s with
//   a self-signed certificate). One NIOSSLContext is shared by every connection of a run.
// - The connection lives inside `Dialer.withConnection`; the channel is closed when the body returns or throws.
// - Received bytes are kept in one accumulating ByteBuffer; a chunk is appended only when the reader needs more
//   than it has, and bulk bytes (literals, POP3 bodies) are counted and skipped without copying them out.
// - A line is found with memchr and is returned as a ByteBuffer slice (CRLF removed); a line longer than
//   `LoadLimits.maxLineBytes` is an error, never unbounded growth.

import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// Limits of the client's framing, named once.
enum LoadLimits {
    /// The longest response line accepted (a `* SEARCH` reply for 1,000,000 UIDs is about 8 MB).
    static let maxLineBytes = 64 * 1024 * 1024
    /// Read bytes kept before the accumulating buffer is compacted.
    static let compactThreshold = 256 * 1024
    /// Connect timeout for every connection.
    static let connectTimeout = TimeAmount.seconds(10)
    /// How long a run may wait for the server with no byte arriving on any connection before it fails.
    static let silenceTimeout = Duration.seconds(300)
}

/// Ends a run whose server went silent: while some connection waits for bytes and none has arrived on any
/// connection for `LoadLimits.silenceTimeout`, the run fails instead of hanging a benchmark script.
enum SilenceWatchdog {
    private static let waiting = Atomic<Int>(0)
    private static let arrivals = Atomic<Int>(0)
    private static let phase = Mutex<String>("")

    static func willWait(_ during: String) {
        waiting.add(1, ordering: .relaxed)
        phase.withLock { $0 = during }
    }

    static func didWait(received: Bool) {
        waiting.subtract(1, ordering: .relaxed)
        if received { arrivals.add(1, ordering: .relaxed) }
    }

    /// Starts the watchdog task (once, at startup).
    static func start() {
        Task.detached {
            let step = Duration.seconds(5)
            var silent = Duration.zero
            var seen = arrivals.load(ordering: .relaxed)
            while true {
                try? await Task.sleep(for: step)
                let now = arrivals.load(ordering: .relaxed)
                silent = now == seen && waiting.load(ordering: .relaxed) > 0 ? silent + step : .zero
                seen = now
                if silent >= LoadLimits.silenceTimeout {
                    fail("no reply from the server for \(LoadLimits.silenceTimeout) (\(phase.withLock { $0 }))")
                }
            }
        }
    }
}

/// Why a benchmark run failed; printed on stderr, the process exits non-zero.
enum LoadError: Error, CustomStringConvertible {
    case disconnected(during: String)
    case lineTooLong
    case rejected(command: String, reply: String)
    case unexpected(context: String, reply: String)
    case countMismatch(what: String, expected: Int, got: Int)
    case timeout(String)
    case system(String)

    var description: String {
        switch self {
        case .disconnected(let during): "the server closed the connection during \(during)"
        case .lineTooLong: "a response line is longer than \(LoadLimits.maxLineBytes) bytes"
        case .rejected(let command, let reply): "\(command) failed: \(reply)"
        case .unexpected(let context, let reply): "unexpected reply to \(context): \(reply)"
        case .countMismatch(let what, let expected, let got): "\(what): expected \(expected), got \(got)"
        case .timeout(let what): "timed out: \(what)"
        case .system(let what): what
        }
    }
}

/// Opens client connections to one address, with or without implicit TLS.
struct Dialer: Sendable {
    let host: String
    let port: Int
    let tls: NIOSSLContext?

    /// `tls` true: implicit TLS (imaps, pop3s) with no certificate verification.
    init(host: String, port: Int, tls: Bool) throws {
        self.host = host
        self.port = port
        if tls {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .none
            self.tls = try NIOSSLContext(configuration: configuration)
        } else {
            self.tls = nil
        }
    }

    /// Connects and runs `body` with the connection; closes it afterwards.
    func withConnection<R>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (LoadConnection) async throws -> R
    ) async throws -> sending R {
        let tls = self.tls
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(LoadLimits.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tls, serverHostname: nil))
                    }
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                        wrappingChannelSynchronously: channel,
                        configuration: .init(backPressureStrategy: .init(lowWatermark: 8, highWatermark: 64)))
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            let connection = LoadConnection(inbound: inbound.makeAsyncIterator(), outbound: outbound)
            return try await body(connection)
        }
    }
}

/// One client connection: a writer and a ByteBuffer-based reader. Used by one task at a time; the writer
/// may be used from other tasks (it is Sendable), e.g. to send IDLE's DONE to a blocked reader.
final class LoadConnection {
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    /// Received bytes not yet consumed.
    private var buffer = ByteBuffer()
    /// What the connection is doing, for error messages.
    var phase = "the greeting"

    init(
        inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) {
        self.inbound = inbound
        self.outbound = outbound
    }

    func write(_ bytes: ByteBuffer) async throws {
        try await outbound.write(bytes)
    }

    func write(_ text: String) async throws {
        try await outbound.write(ByteBuffer(string: text))
    }

    /// Reads one more chunk into the buffer; throws when the peer closed.
    private func fill() async throws {
        SilenceWatchdog.willWait(phase)
        let next: ByteBuffer?
        do {
            next = try await inbound.next()
        } catch {
            SilenceWatchdog.didWait(received: false)
            throw error
        }
        SilenceWatchdog.didWait(received: next != nil)
        guard var chunk = next else { throw LoadError.disconnected(during: phase) }
        if buffer.readableBytes == 0 {
            buffer = chunk
        } else {
            if buffer.readerIndex > LoadLimits.compactThreshold { buffer.discardReadBytes() }
            buffer.writeBuffer(&chunk)
        }
    }

    /// Offset (from the reader index) of the first LF at or after `from`, or nil.
    private func indexOfLF(from: Int) -> Int? {
        buffer.withUnsafeReadableBytes { bytes -> Int? in
            guard from < bytes.count, let base = bytes.baseAddress else { return nil }
            guard let hit = memchr(base + from, 0x0A, bytes.count - from) else { return nil }
            return base.distance(to: UnsafeRawPointer(hit))
        }
    }

    /// The next line without its line ending (CRLF; a bare LF is tolerated).
    func readLine() async throws -> ByteBuffer {
        var scanned = 0
        while true {
            if let lf = indexOfLF(from: scanned) {
                let length =
                    lf > 0 && buffer.getInteger(at: buffer.readerIndex + lf - 1, as: UInt8.self) == 0x0D
                    ? lf - 1 : lf
                let line = buffer.getSlice(at: buffer.readerIndex, length: length) ?? ByteBuffer()
                buffer.moveReaderIndex(forwardBy: lf + 1)
                return line
            }
            scanned = buffer.readableBytes
            guard scanned <= LoadLimits.maxLineBytes else { throw LoadError.lineTooLong }
            try await fill()
        }
    }

    /// Consumes `count` bytes without looking at them (an IMAP literal).
    func skip(_ count: Int) async throws {
        var remaining = count
        while remaining > 0 {
            if buffer.readableBytes == 0 { try await fill() }
            let step = min(remaining, buffer.readableBytes)
            buffer.moveReaderIndex(forwardBy: step)
            remaining -= step
        }
    }

    /// Consumes a POP3 multi-line block up to and including its terminating ".CRLF" line and returns the
    /// number of bytes before the terminator (dot-stuffed as sent). RFC 1939 §3: a line of the block that
    /// starts with "." is sent with another "." in front, so "LF . CR LF" occurs only as the terminator (or
    /// ". CR LF" as the block's very first line); memchr finds the LFs of a whole chunk in one pass.
    func skipMultiline() async throws -> Int {
        // The shortest block is the terminator alone.
        while buffer.readableBytes < 3 { try await fill() }
        if buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) == UInt8(ascii: "."),
            buffer.getInteger(at: buffer.readerIndex + 1, as: UInt16.self) == 0x0D0A
        {
            buffer.moveReaderIndex(forwardBy: 3)
            return 0
        }
        var counted = 0
        while true {
            // Scan the whole buffer in one pass: each LF followed by ".CRLF" is the terminator.
            let (hit, safe) = buffer.withUnsafeReadableBytes { bytes -> (Int?, Int) in
                guard let base = bytes.baseAddress else { return (nil, 0) }
                var from = 0
                while from < bytes.count, let found = memchr(base + from, 0x0A, bytes.count - from) {
                    let lf = base.distance(to: UnsafeRawPointer(found))
                    // Not enough bytes yet to tell: keep this LF for the next pass.
                    guard lf + 3 < bytes.count else { return (nil, lf) }
                    if bytes[lf + 1] == UInt8(ascii: "."), bytes[lf + 2] == 0x0D, bytes[lf + 3] == 0x0A {
                        return (lf, lf)
                    }
                    from = lf + 1
                }
                return (nil, bytes.count)
            }
            if let hit {
                // The LF ends the block's last line; the terminator's ".CRLF" follows it.
                counted += hit + 1
                buffer.moveReaderIndex(forwardBy: hit + 4)
                return counted
            }
            counted += safe
            buffer.moveReaderIndex(forwardBy: safe)
            try await fill()
        }
    }
}

extension ByteBuffer {
    /// True when the readable bytes start with `prefix` (ASCII), case-insensitively.
    func hasPrefixIgnoringCase(_ prefix: StaticString, at offset: Int = 0) -> Bool {
        guard readableBytes >= offset + prefix.utf8CodeUnitCount else { return false }
        return prefix.withUTF8Buffer { wanted in
            withUnsafeReadableBytes { bytes in
                for i in 0..<wanted.count where bytes[offset + i] | 0x20 != wanted[i] | 0x20 {
                    return false
                }
                return true
            }
        }
    }

    /// Parses the decimal number at `offset`; returns it and the offset after its last digit.
    func decimal(at offset: Int) -> (value: Int, end: Int)? {
        withUnsafeReadableBytes { bytes -> (Int, Int)? in
            var i = offset
            var value = 0
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39, value < Int.max / 10 - 10 {
                value = value * 10 + Int(bytes[i] - 0x30)
                i += 1
            }
            return i == offset ? nil : (value, i)
        }
    }

    /// The readable bytes as text, for error messages only (cut to a sane length).
    var text: String {
        String(decoding: readableBytesView.prefix(300), as: UTF8.self)
    }

    /// All readable bytes as text (short lines only: capability lists).
    var fullText: String {
        String(decoding: readableBytesView, as: UTF8.self)
    }
}
