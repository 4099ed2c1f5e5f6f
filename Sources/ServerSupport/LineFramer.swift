// LineFramer: CRLF line framing with a length cap, driven by the session (no Channel needed).
//
// Invariants:
// - Bytes come out in the order they went in; nothing is ever duplicated or reordered.
// - `maxLength` counts the whole line including its terminator (CRLF or bare LF).
// - An overlong line is reported exactly once as `.tooLong`; the framer then drops its bytes up to and
//   including the next LF, so memory stays bounded by `maxLength` plus one chunk, and framing resumes on
//   the following line.
// - A bare LF ends a line too, but is reported with `endedWithCRLF: false`: each protocol decides
//   (RFC 5321 §2.3.8 forbids bare LF in SMTP; IMAP and POP3 servers commonly tolerate it).
// - Scanning is incremental: bytes already searched for LF are not searched again (drip-fed input stays
//   linear), and lines are slices of the input buffer, not copies.

import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public struct LineFramer: Sendable {
    public enum Event: Equatable, Sendable {
        /// A complete line without its terminator.
        case line(ByteBuffer, endedWithCRLF: Bool)
        /// No complete line is buffered; append more bytes.
        case needMoreData
        /// The current line is longer than `maxLength`; its bytes are being discarded.
        case tooLong
    }

    private var buffer: ByteBuffer
    /// Readable bytes already searched for LF (relative to the reader index).
    private var scannedCount = 0
    /// True while discarding the rest of an overlong line that was already reported.
    private var skippingOverlongLine = false

    public init() {
        buffer = ByteBuffer()
    }

    /// Bytes buffered and not yet returned.
    public var bufferedByteCount: Int { buffer.readableBytes }

    public mutating func append(_ bytes: ByteBuffer) {
        if buffer.readableBytes == 0 {
            buffer = bytes  // the common case: no copy
            scannedCount = 0
        } else {
            var bytes = bytes
            buffer.writeBuffer(&bytes)
        }
    }

    public mutating func append(contentsOf bytes: some Sequence<UInt8>) {
        if buffer.readableBytes == 0 {
            buffer.clear()
            scannedCount = 0
        }
        buffer.writeBytes(bytes)
    }

    /// The next line, if a complete one is buffered.
    public mutating func nextLine(maxLength: Int) -> Event {
        precondition(maxLength >= 2, "a line needs room for its terminator")
        while true {
            let readable = buffer.readableBytes
            guard let lineLength = lengthThroughNextLF(searchingFrom: scannedCount) else {
                if skippingOverlongLine {
                    dropAll()
                    return .needMoreData
                }
                if readable >= maxLength {
                    // The line cannot fit whatever follows: report once, then discard until its LF.
                    skippingOverlongLine = true
                    dropAll()
                    return .tooLong
                }
                scannedCount = readable
                return .needMoreData
            }
            if skippingOverlongLine {
                skippingOverlongLine = false
                consume(lineLength)
                continue  // the tail of a line already reported
            }
            if lineLength > maxLength {
                consume(lineLength)
                return .tooLong
            }
            let endedWithCRLF =
                lineLength >= 2 && buffer.getInteger(at: buffer.readerIndex + lineLength - 2) == UInt8(ascii: "\r")
            let contentLength = lineLength - (endedWithCRLF ? 2 : 1)
            let line = buffer.getSlice(at: buffer.readerIndex, length: contentLength)!
            consume(lineLength)
            return .line(line, endedWithCRLF: endedWithCRLF)
        }
    }

    /// Bytes from the reader index through the first LF at or after `offset`, or nil without one (memchr).
    private func lengthThroughNextLF(searchingFrom offset: Int) -> Int? {
        buffer.withUnsafeReadableBytes { bytes -> Int? in
            guard offset < bytes.count, let base = bytes.baseAddress else { return nil }
            guard let found = memchr(base + offset, Int32(UInt8(ascii: "\n")), bytes.count - offset) else {
                return nil
            }
            return base.distance(to: UnsafeRawPointer(found)) + 1
        }
    }

    /// Up to `count` buffered bytes (IMAP literals, BDAT chunks, DATA streaming); nil when none are buffered.
    /// Returns fewer than `count` when fewer are buffered, so large bodies stream chunk by chunk.
    public mutating func nextBytes(count: Int) -> ByteBuffer? {
        precondition(count > 0)
        guard buffer.readableBytes > 0 else { return nil }
        let length = min(count, buffer.readableBytes)
        let bytes = buffer.readSlice(length: length)!
        scannedCount = max(0, scannedCount - length)
        releaseIfEmpty()
        return bytes
    }

    /// Drops everything buffered and returns how many bytes that was. After STARTTLS nothing sent in
    /// plaintext may be interpreted (RFC 3207 §4.2, RFC 2595 §3.1, RFC 9051 §6.2.1; CVE-2011-0411).
    @discardableResult
    public mutating func discardBuffered() -> Int {
        let count = buffer.readableBytes
        dropAll()
        skippingOverlongLine = false
        return count
    }

    private mutating func consume(_ length: Int) {
        buffer.moveReaderIndex(forwardBy: length)
        scannedCount = 0
        releaseIfEmpty()
    }

    private mutating func dropAll() {
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        scannedCount = 0
        releaseIfEmpty()
    }

    private mutating func releaseIfEmpty() {
        if buffer.readableBytes == 0 { buffer = ByteBuffer() }
    }
}
