// SequenceSet: message sequence number and UID sets (RFC 9051 §9 sequence-set, RFC 5182 "$").
//
// Invariants:
// - Ranges keep the order the client wrote them (`5:2` is valid and means 2:5, RFC 9051 §9
//   seq-range); `resolved(largest:)` normalises them.
// - `*` is kept symbolic until the session resolves it against the mailbox (RFC 9051 §9 seq-number).

import NIOCore

/// One end of a range: a number or `*` (the largest number in use).
public enum SequenceNumber: Sendable, Hashable {
    case number(UInt32)
    case star

    func resolved(largest: UInt32) -> UInt32 {
        switch self {
        case .number(let value): return value
        case .star: return largest
        }
    }
}

/// `seq-number` or `seq-range`.
public struct SequenceRange: Sendable, Hashable {
    public var first: SequenceNumber
    public var last: SequenceNumber

    public init(_ first: SequenceNumber, _ last: SequenceNumber) {
        self.first = first
        self.last = last
    }

    public init(_ single: SequenceNumber) {
        self.init(single, single)
    }

    public init(_ range: ClosedRange<UInt32>) {
        self.init(.number(range.lowerBound), .number(range.upperBound))
    }
}

/// `sequence-set`, or `$` (the result saved by SEARCH RETURN (SAVE), RFC 5182 §2.1).
public enum SequenceSet: Sendable, Hashable {
    case ranges([SequenceRange])
    case lastCommand

    public init(_ ranges: [SequenceRange]) { self = .ranges(ranges) }

    public init(_ numbers: ClosedRange<UInt32>...) {
        self = .ranges(numbers.map { SequenceRange($0) })
    }

    /// The fewest ranges covering `numbers` (sorted, duplicates and neighbours merged), e.g. for
    /// VANISHED, COPYUID or ESEARCH ALL. An empty input gives an empty set, which must not be sent.
    public init(compacting numbers: some Sequence<UInt32>) {
        var ranges: [SequenceRange] = []
        var current: ClosedRange<UInt32>?
        for number in numbers.sorted() {
            // Sorted input: number >= range.upperBound, so the subtraction cannot underflow.
            if let range = current, number - range.upperBound <= 1 {
                current = range.lowerBound...number
            } else {
                if let range = current { ranges.append(SequenceRange(range)) }
                current = number...number
            }
        }
        if let range = current { ranges.append(SequenceRange(range)) }
        self = .ranges(ranges)
    }

    /// The set as ascending closed ranges, `*` replaced by `largest`, each range ordered.
    /// Returns nil for `$`, which only the session can resolve.
    public func resolved(largest: UInt32) -> [ClosedRange<UInt32>]? {
        guard case .ranges(let ranges) = self else { return nil }
        return ranges.map { range in
            let a = range.first.resolved(largest: largest)
            let b = range.last.resolved(largest: largest)
            return min(a, b)...max(a, b)
        }
    }
}

extension GrammarParser {
    // seq-number = nz-number / "*"
    mutating func parseSeqNumber() throws -> SequenceNumber {
        if consume(.asterisk) { return .star }
        return .number(try parseNZNumber())
    }

    // seq-range = seq-number ":" seq-number
    mutating func parseSeqRange() throws -> SequenceRange {
        let first = try parseSeqNumber()
        guard consume(.colon) else { return SequenceRange(first) }
        return SequenceRange(first, try parseSeqNumber())
    }

    // sequence-set = (seq-number / seq-range) ["," sequence-set]
    // sequence-set =/ seq-last-command     ; RFC 5182
    // seq-last-command = "$"
    mutating func parseSequenceSet() throws -> SequenceSet {
        if consume(.dollar) { return .lastCommand }
        var ranges = [try parseSeqRange()]
        while consume(.comma) {
            ranges.append(try parseSeqRange())
        }
        return .ranges(ranges)
    }

    // known-uids = sequence-set    ; RFC 7162 §7, "*" and "$" not allowed
    mutating func parseKnownUIDs() throws -> SequenceSet {
        let set = try parseSequenceSet()
        guard case .ranges(let ranges) = set, !ranges.contains(where: { $0.first == .star || $0.last == .star }) else {
            throw error("Expected UID set")
        }
        return set
    }
}

extension SequenceNumber {
    func write(into buffer: inout ByteBuffer) {
        switch self {
        case .number(let value): buffer.writeString(String(value))
        case .star: buffer.writeInteger(UInt8.asterisk)
        }
    }
}

extension SequenceSet {
    func write(into buffer: inout ByteBuffer) {
        switch self {
        case .lastCommand:
            buffer.writeInteger(UInt8.dollar)
        case .ranges(let ranges):
            for (index, range) in ranges.enumerated() {
                if index > 0 { buffer.writeInteger(UInt8.comma) }
                range.first.write(into: &buffer)
                if range.first != range.last {
                    buffer.writeInteger(UInt8.colon)
                    range.last.write(into: &buffer)
                }
            }
        }
    }

    /// The set in wire form, e.g. `1:4,7,9:*`.
    public var wireForm: String {
        var buffer = ByteBuffer()
        write(into: &buffer)
        return String(buffer: buffer)
    }
}
