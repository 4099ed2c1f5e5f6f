// DataEncoder: message bytes in, DATA wire bytes out (the client side of RFC 5321 §4.5.2).
//
// Invariants:
// - Output lines end in CRLF only: a bare LF or bare CR in the input becomes CRLF (RFC 5321 §2.3.8).
// - A line starting with "." gets one more "." (RFC 5321 §4.5.2), so the output never holds CRLF "." CRLF
//   before `finish`, which ends the last line if needed and appends ".\r\n".
// - Streaming: state is two booleans, so any split of the input gives the same output.

import NIOCore

/// Dot-stuffs a message for DATA.
public struct DataEncoder: Sendable {
    private var atLineStart = true
    private var pendingCR = false
    private var lineLength = 0
    /// The longest line seen so far, in octets including CRLF, not counting a stuffed dot. Lines over
    /// SMTPLimits.textLineOctets break RFC 5321 §4.5.3.1.6; encoding them is the caller's job (e.g. MIME).
    public private(set) var longestLine = 0

    public init() {}

    /// Appends the stuffed form of `chunk` to `out`.
    public mutating func encode(_ chunk: ByteBuffer, into out: inout ByteBuffer) {
        chunk.withUnsafeReadableBytes { bytes in
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                if pendingCR {
                    pendingCR = false
                    endLine(&out)
                    if byte == .lf {
                        index += 1
                        continue
                    }
                }
                if byte == .cr {
                    pendingCR = true
                    index += 1
                    continue
                }
                if byte == .lf {
                    endLine(&out)
                    index += 1
                    continue
                }
                if atLineStart && byte == .dot { out.writeInteger(UInt8.dot) }
                atLineStart = false
                // Copy the run up to the next CR or LF at once.
                var end = index
                while end < bytes.count && bytes[end] != .cr && bytes[end] != .lf { end += 1 }
                out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[index..<end]))
                lineLength += end - index
                index = end
            }
        }
    }

    /// Ends the last line if the message did not, and appends the end-of-data line ".\r\n".
    public mutating func finish(into out: inout ByteBuffer) {
        if pendingCR || !atLineStart {
            pendingCR = false
            endLine(&out)
        }
        out.writeStaticString(".\r\n")
    }

    /// Encodes a whole message in one go.
    public static func encode(_ message: ByteBuffer) -> ByteBuffer {
        var encoder = DataEncoder()
        var out = ByteBuffer()
        out.reserveCapacity(message.readableBytes + message.readableBytes / 64 + 8)
        encoder.encode(message, into: &out)
        encoder.finish(into: &out)
        return out
    }

    private mutating func endLine(_ out: inout ByteBuffer) {
        out.writeStaticString("\r\n")
        longestLine = max(longestLine, lineLength + 2)
        lineLength = 0
        atLineStart = true
    }
}
