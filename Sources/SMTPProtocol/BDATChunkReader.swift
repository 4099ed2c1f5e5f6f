// BDATChunkReader: after `BDAT n [LAST]`, exactly n octets of message data follow (RFC 3030 §2).
//
// Invariants: it never takes more than the chunk's remaining octets from the buffer, so the next command line
// stays in the buffer; the octets carry no dot-stuffing or line structure (RFC 3030 §2) and are returned as is.
// The session must read the whole chunk even when it will refuse it (RFC 3030 §2: the server cannot tell where
// the next command begins otherwise).

import NIOCore

/// Takes one BDAT chunk's octets out of a receive buffer.
public struct BDATChunkReader: Sendable, Hashable {
    public let size: Int
    public let isLast: Bool
    /// Octets of this chunk not yet taken.
    public private(set) var remaining: Int

    public init(size: Int, last: Bool) {
        precondition(size >= 0)
        self.size = size
        self.isLast = last
        self.remaining = size
    }

    /// True once all `size` octets were taken; the next bytes in the buffer are a command line.
    public var isComplete: Bool { remaining == 0 }

    /// Takes up to `remaining` octets from `buffer`; nil when the chunk is complete or the buffer is empty.
    public mutating func read(_ buffer: inout ByteBuffer) -> ByteBuffer? {
        let count = min(remaining, buffer.readableBytes)
        guard count > 0 else { return nil }
        remaining -= count
        return buffer.readSlice(length: count)
    }
}
