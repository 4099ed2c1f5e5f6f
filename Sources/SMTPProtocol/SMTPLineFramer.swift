// SMTPLineFramer: splits a byte stream into command lines, CRLF-strict and length-capped.
//
// Invariants:
// - A line ends only at CRLF (RFC 5321 §2.3.8). A bare LF ends the offending line with `.bareLineFeed`, so the
//   session answers it and stays in step with the client.
// - No line longer than `maxLineLength` octets (including CRLF) is ever buffered or returned: past the cap the
//   framer throws `.lineTooLong` once, then discards through the next LF and carries on with the next line.
// - Bytes after a complete line stay in the buffer untouched (RFC 2920 pipelining; after DATA/BDAT the session
//   hands the same buffer to DataDecoder/BDATChunkReader; after STARTTLS it must discard them, RFC 3207 §4.2).
// - Each byte is scanned at most once however the input is split, so drip-fed input costs O(n).

import NIOCore

/// Frames SMTP command lines out of a receive buffer.
public struct SMTPLineFramer: Sendable {
    /// Maximum line length including CRLF.
    public let maxLineLength: Int
    /// Bytes from the reader index already known to hold no LF.
    private var scanned = 0
    /// True while skipping the rest of an overlong line.
    private var discarding = false

    public init(maxLineLength: Int = SMTPLimits.maxCommandLineOctets) {
        precondition(maxLineLength >= 3)
        self.maxLineLength = maxLineLength
    }

    /// Returns the next complete line without its CRLF and consumes it, or nil when more bytes are needed.
    /// Throws `.lineTooLong` or `.bareLineFeed`; call again afterwards to continue with the following bytes.
    public mutating func nextLine(_ buffer: inout ByteBuffer) throws(SMTPSyntaxError) -> ByteBuffer? {
        if discarding {
            guard let lf = buffer.readableBytesView.firstIndex(of: .lf) else {
                buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
                return nil
            }
            buffer.moveReaderIndex(to: lf + 1)
            discarding = false
            scanned = 0
        }
        let view = buffer.readableBytesView
        let searchEnd = view.startIndex + min(view.count, maxLineLength)
        let searchStart = view.startIndex + min(scanned, searchEnd - view.startIndex)
        if let lf = view[searchStart..<searchEnd].firstIndex(of: .lf) {
            let length = lf - view.startIndex
            scanned = 0
            guard length > 0, view[lf - 1] == .cr else {
                buffer.moveReaderIndex(forwardBy: length + 1)
                throw .bareLineFeed
            }
            let line = buffer.readSlice(length: length - 1)!
            buffer.moveReaderIndex(forwardBy: 2)
            return line
        }
        if view.count >= maxLineLength {
            // RFC 5321 §4.5.3.1.4: over the cap; drop what we have and the rest of this line.
            buffer.moveReaderIndex(forwardBy: maxLineLength)
            scanned = 0
            discarding = true
            throw .lineTooLong
        }
        scanned = view.count
        return nil
    }

    /// Forgets a partial line, e.g. after STARTTLS when the session drops buffered plaintext (RFC 3207 §4.2).
    public mutating func reset() {
        scanned = 0
        discarding = false
    }
}
