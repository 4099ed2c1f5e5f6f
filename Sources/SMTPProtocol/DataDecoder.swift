// DataDecoder: DATA wire bytes in, message bytes and an end-of-data event out (RFC 5321 §4.5.2).
//
// Invariants:
// - Streaming and split-proof: all state is a few scalars, so any split of the input (down to one byte at a
//   time) yields the same events; a 50 MB message is never held, each call returns what its input produced.
// - End of data is only CRLF "." CRLF where both line ends are real CRLFs (the DATA command's own CRLF counts as
//   the first). "<LF>.<CR><LF>", "<CR><LF>.<LF>" and the like never end the data; they are reported as
//   `ambiguousEndOfData` and the message is refused (SMTP smuggling, CVE-2023-51764/51765/51766).
// - The decoder never consumes a byte past the terminating LF: pipelined commands stay in the buffer.
// - Transparency (§4.5.2): a leading dot is removed from every line that has more than the dot.
// - Line ends: CRLF is kept. A bare LF / bare CR is handled by policy (RFC 5321 §2.3.8): `.normalize` writes
//   CRLF in its place, `.reject` keeps the byte and reports it so the session refuses after the dot. Defaults:
//   bare LF is normalised (as Postfix's smtpd_forbid_bare_newline=normalize does), bare CR is rejected (lone
//   CRs are rare in legitimate mail, and "\r.\r" is a classic smuggling vector).
// - Size: every output octet is counted; the first `maxMessageSize` octets are emitted and nothing after them,
//   but scanning goes on to the end so the session can answer 552 after the dot (RFC 1870 §6) without
//   buffering the rest.
// - Line length: lines over `maxLineLength` (including CRLF, not counting a stuffed dot, RFC 5321 §4.5.3.1.6)
//   are counted and reported; the bytes are still consumed and emitted.

import NIOCore

/// Decodes the data of one DATA command.
public struct DataDecoder: Sendable {
    public enum BareLineEndingPolicy: Hashable, Sendable {
        /// Write CRLF in place of the bare CR or LF.
        case normalize
        /// Keep the byte, and refuse the message after the dot (`SMTPReply.bareLineEndingInData`).
        case reject
    }

    public struct Configuration: Hashable, Sendable {
        /// Most message octets (after unstuffing and normalisation) accepted; nil for no limit.
        public var maxMessageSize: Int?
        /// Longest allowed line including CRLF; nil for no limit. RFC 5321 §4.5.3.1.6: 1000.
        public var maxLineLength: Int?
        public var bareLF: BareLineEndingPolicy
        public var bareCR: BareLineEndingPolicy

        public init(
            maxMessageSize: Int? = nil, maxLineLength: Int? = SMTPLimits.textLineOctets,
            bareLF: BareLineEndingPolicy = .normalize, bareCR: BareLineEndingPolicy = .reject
        ) {
            self.maxMessageSize = maxMessageSize
            self.maxLineLength = maxLineLength
            self.bareLF = bareLF
            self.bareCR = bareCR
        }
    }

    public enum Event: Hashable, Sendable {
        /// Message bytes, unstuffed, with CRLF line ends.
        case body(ByteBuffer)
        /// The terminating CRLF "." CRLF was consumed; nothing after it was.
        case end(DataSummary)
    }

    private enum State {
        case lineStart
        case inLine
        case sawCR
        case dotAtLineStart
        case dotCR
        case finished
    }

    public let configuration: Configuration
    private var state = State.lineStart
    /// The DATA command line ended with CRLF, so the data starts after a real CRLF.
    private var previousLineEndedWithCRLF = true
    private var lineLength = 0
    private var lineIsTooLong = false
    private var summary = DataSummary()
    private var endPending = false

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// True once the end event was returned.
    public var isFinished: Bool { state == .finished && !endPending }

    /// Consumes bytes from `input` and returns the next event, or nil when `input` is used up (feed more bytes)
    /// or the end was already returned. Call in a loop until nil.
    public mutating func next(_ input: inout ByteBuffer) -> Event? {
        if endPending {
            endPending = false
            return .end(summary)
        }
        guard state != .finished, input.readableBytes > 0 else { return nil }
        var out = ByteBuffer()
        out.reserveCapacity(input.readableBytes)
        let consumed = input.withUnsafeReadableBytes { decode($0, into: &out) }
        input.moveReaderIndex(forwardBy: consumed)
        if state == .finished {
            finishSummary()
            if out.readableBytes > 0 {
                endPending = true
                return .body(out)
            }
            return .end(summary)
        }
        return out.readableBytes > 0 ? .body(out) : nil
    }

    /// Runs the state machine over `bytes`; returns how many were consumed (all, or up to the final LF).
    private mutating func decode(_ bytes: UnsafeRawBufferPointer, into out: inout ByteBuffer) -> Int {
        var index = 0
        while index < bytes.count {
            switch state {
            case .inLine:
                var end = index
                while end < bytes.count && bytes[end] != .cr && bytes[end] != .lf { end += 1 }
                if end > index {
                    emitContent(UnsafeRawBufferPointer(rebasing: bytes[index..<end]), into: &out)
                    index = end
                }
                guard index < bytes.count else { break }
                if bytes[index] == .cr {
                    state = .sawCR
                } else {
                    bareLineFeed(into: &out)
                }
                index += 1
            case .lineStart:
                if bytes[index] == .dot {
                    state = .dotAtLineStart
                    index += 1
                } else {
                    state = .inLine
                }
            case .sawCR:
                if bytes[index] == .lf {
                    index += 1
                    endLine(crlf: true, into: &out)
                } else {
                    bareCarriageReturn(into: &out)  // The current byte is not consumed.
                }
            case .dotAtLineStart:
                switch bytes[index] {
                case .cr:
                    state = .dotCR
                    index += 1
                case .lf:
                    // "." ended by a bare LF: not an end of data, but some receivers would take it for one.
                    summary.ambiguousEndOfData = true
                    emitContent(byte: .dot, into: &out)
                    bareLineFeed(into: &out)
                    index += 1
                default:
                    // RFC 5321 §4.5.2: the line has more than the dot, so the first dot is deleted.
                    state = .inLine
                }
            case .dotCR:
                if bytes[index] == .lf {
                    index += 1
                    if previousLineEndedWithCRLF {
                        state = .finished  // RFC 5321 §4.1.1.4: CRLF "." CRLF ends the mail data.
                        return index
                    }
                    // "<LF>.<CR><LF>" or "<CR>.<CR><LF>": the line before did not end in CRLF.
                    summary.ambiguousEndOfData = true
                    emitContent(byte: .dot, into: &out)
                    endLine(crlf: true, into: &out)
                } else {
                    // ".<CR>x": a "." line ended by a bare CR, the twin of ".<LF>": receivers that take a bare CR
                    // for a line end would see the end of data here.
                    summary.ambiguousEndOfData = true
                    emitContent(byte: .dot, into: &out)
                    state = .sawCR  // The current byte is not consumed; the CR is handled as bare.
                }
            case .finished:
                return index
            }
        }
        return index
    }

    private mutating func bareLineFeed(into out: inout ByteBuffer) {
        summary.bareLineFeeds += 1
        switch configuration.bareLF {
        case .normalize:
            endLine(crlf: false, into: &out)
        case .reject:
            if count(1) > 0 { out.writeInteger(UInt8.lf) }
            endLine(crlf: false, into: &out, emitting: false)
        }
    }

    /// The CR before the current byte was not followed by LF.
    private mutating func bareCarriageReturn(into out: inout ByteBuffer) {
        summary.bareCarriageReturns += 1
        switch configuration.bareCR {
        case .normalize:
            endLine(crlf: false, into: &out)
        case .reject:
            emitContent(byte: .cr, into: &out)
            state = .inLine
        }
    }

    private mutating func endLine(crlf: Bool, into out: inout ByteBuffer, emitting: Bool = true) {
        if emitting {
            switch count(2) {
            case 2: out.writeStaticString("\r\n")
            case 1: out.writeInteger(UInt8.cr)
            default: break
            }
        }
        lineLength = 0
        lineIsTooLong = false
        previousLineEndedWithCRLF = crlf
        state = .lineStart
    }

    /// Line content (not line ends): counts toward the line length.
    private mutating func emitContent(_ bytes: UnsafeRawBufferPointer, into out: inout ByteBuffer) {
        lineContent(bytes.count)
        let allowed = count(bytes.count)
        if allowed > 0 { out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[..<allowed])) }
    }

    private mutating func emitContent(byte: UInt8, into out: inout ByteBuffer) {
        lineContent(1)
        if count(1) > 0 { out.writeInteger(byte) }
    }

    private mutating func lineContent(_ octets: Int) {
        lineLength += octets
        if let max = configuration.maxLineLength, !lineIsTooLong, lineLength + 2 > max {
            lineIsTooLong = true
            summary.overlongLines += 1
        }
    }

    /// Counts `octets` of output; returns how many of them may still be written: all below the size limit,
    /// the part up to the limit when they cross it (so the output does not depend on how input was split).
    private mutating func count(_ octets: Int) -> Int {
        let before = summary.octets
        summary.octets += octets
        guard let max = configuration.maxMessageSize, summary.octets > max else { return octets }
        summary.exceededSizeLimit = true
        return Swift.max(0, max - before)
    }

    private mutating func finishSummary() {
        let bareRejected =
            (configuration.bareLF == .reject && summary.bareLineFeeds > 0)
            || (configuration.bareCR == .reject && summary.bareCarriageReturns > 0)
        summary.rejection =
            if summary.exceededSizeLimit { .messageTooBig } else if summary.ambiguousEndOfData {
                .ambiguousEndOfData
            } else if bareRejected { .bareLineEnding } else if summary.overlongLines > 0 { .lineTooLong } else { nil }
    }
}

/// What the decoder saw, delivered with the end-of-data event.
public struct DataSummary: Hashable, Sendable {
    /// Message octets after unstuffing and normalisation, counted also past the size limit.
    public var octets = 0
    /// More than `maxMessageSize` octets: the body events stopped at the limit.
    public var exceededSizeLimit = false
    /// Lines longer than `maxLineLength`.
    public var overlongLines = 0
    /// Bare LFs seen (normalised or kept, per policy).
    public var bareLineFeeds = 0
    /// Bare CRs seen (normalised or kept, per policy).
    public var bareCarriageReturns = 0
    /// A "." line next to a bare line end: a possible smuggling attempt.
    public var ambiguousEndOfData = false
    /// Why the session must refuse the message after the dot; nil to accept it.
    public var rejection: DataRejection?

    public init() {}
}

/// The reason a message is refused after the final dot, in order of precedence.
public enum DataRejection: Hashable, Sendable {
    case messageTooBig
    case ambiguousEndOfData
    case bareLineEnding
    case lineTooLong

    public var reply: SMTPReply {
        switch self {
        case .messageTooBig: .messageTooBig
        case .ambiguousEndOfData: .ambiguousEndOfData
        case .bareLineEnding: .bareLineEndingInData
        case .lineTooLong: .dataLineTooLong
        }
    }
}
