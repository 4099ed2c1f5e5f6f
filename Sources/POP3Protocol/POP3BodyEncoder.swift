// POP3BodyEncoder: a stored message to the bytes of a RETR or TOP response body, one chunk at a time.
//
// Invariants:
// - Every line ends with CRLF on the wire: a bare LF gets a CR before it (mbox-style stored messages), a
//   CRLF stays as it is; a last line without a line end gets CRLF.
// - With `byteStuffing`, a line that starts with "." gets one more "." (RFC 1939 §3) and `finish` adds the
//   terminating ".\r\n". Without it the encoder only counts: `POP3BodyEncoder.size(of:)` is the octet count
//   RFC 1939 §5 LIST/STAT report ("exact size", before byte-stuffing, RFC 1939 §11), so it always equals
//   what RETR sends minus the stuffing dots and the terminator.
// - TOP (RFC 1939 §7): with `bodyLineLimit` n the header, the blank line after it and at most n body lines
//   are sent; `isDone` tells the caller to stop reading the message.
// - Memory is one output chunk; the scan is memchr-driven (linear, no per-byte branching in long lines).

import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public struct POP3BodyEncoder: Sendable {
    public let byteStuffing: Bool
    public let bodyLineLimit: Int?

    private var atLineStart = true
    private var lastWasCR = false
    /// Bytes of the current line so far (its CR included).
    private var lineLength = 0
    private var inHeader = true
    private var bodyLinesLeft: Int
    public private(set) var isDone = false
    /// Octets produced so far (terminator excluded).
    public private(set) var producedCount = 0

    public init(byteStuffing: Bool = true, bodyLineLimit: Int? = nil) {
        self.byteStuffing = byteStuffing
        self.bodyLineLimit = bodyLineLimit
        self.bodyLinesLeft = bodyLineLimit ?? 0
        // TOP 0 on a message whose header ends at once still sends that blank line; nothing to do here.
    }

    /// Encodes `chunk` and appends the result to `output`.
    public mutating func encode(_ chunk: UnsafeRawBufferPointer, into output: inout ByteBuffer) {
        guard !isDone, let base = chunk.baseAddress else { return }
        var position = 0
        let count = chunk.count
        while position < count && !isDone {
            let remaining = count - position
            let found = memchr(base + position, 0x0A, remaining)
            let lineEnd = found.map { base.distance(to: UnsafeRawPointer($0)) } ?? count
            let segmentLength = lineEnd - position
            if segmentLength > 0 {
                if atLineStart && byteStuffing && base.load(fromByteOffset: position, as: UInt8.self) == 0x2E {
                    output.writeInteger(UInt8(0x2E))  // RFC 1939 §3 byte-stuffing
                }
                output.writeBytes(UnsafeRawBufferPointer(start: base + position, count: segmentLength))
                producedCount += segmentLength
                lastWasCR = base.load(fromByteOffset: lineEnd - 1, as: UInt8.self) == 0x0D
                lineLength += segmentLength
                atLineStart = false
            }
            guard found != nil else { break }
            // A line ends here.
            if lastWasCR {
                output.writeInteger(UInt8(0x0A))
                producedCount += 1
            } else {
                output.writeStaticString("\r\n")
                producedCount += 2
            }
            endLine()
            position = lineEnd + 1
        }
    }

    public mutating func encode(_ chunk: [UInt8], into output: inout ByteBuffer) {
        chunk.withUnsafeBytes { encode($0, into: &output) }
    }

    /// Ends the body: a CRLF after an unterminated last line, then (with byte-stuffing) ".\r\n".
    public mutating func finish(into output: inout ByteBuffer) {
        if !atLineStart && !isDone {
            if lastWasCR {
                output.writeInteger(UInt8(0x0A))
                producedCount += 1
            } else {
                output.writeStaticString("\r\n")
                producedCount += 2
            }
        }
        isDone = true
        if byteStuffing { output.writeStaticString(".\r\n") }
    }

    private mutating func endLine() {
        let empty = lineLength == 0 || (lineLength == 1 && lastWasCR)
        atLineStart = true
        lastWasCR = false
        lineLength = 0
        guard let _ = bodyLineLimit else { return }
        if inHeader {
            if empty {
                inHeader = false
                if bodyLinesLeft == 0 { isDone = true }
            }
        } else {
            bodyLinesLeft -= 1
            if bodyLinesLeft <= 0 { isDone = true }
        }
    }

    /// The size RFC 1939 LIST and STAT report for a message given as chunks.
    public static func size(of chunks: [[UInt8]]) -> Int {
        var counter = POP3BodyEncoder(byteStuffing: false)
        var sink = ByteBuffer()
        for chunk in chunks {
            counter.encode(chunk, into: &sink)
            sink.clear()
        }
        counter.finish(into: &sink)
        return counter.producedCount
    }
}
