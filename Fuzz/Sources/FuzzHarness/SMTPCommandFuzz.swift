// SMTPCommandFuzz: the SMTP server's and client's wire grammars (Sources/SMTPProtocol), all fed the same bytes:
// as a command stream, as DATA content, as server replies.
//
// Properties checked for every input:
// - SMTPLineFramer gives the same lines and errors however the input is split; every line it returns is
//   shorter than its cap and holds no CR LF.
// - SMTPCommandParser never traps; a command it accepts survives line -> parse unchanged (RFC 5321 §4.1).
//   SASL response lines (RFC 4954 §4) and xtext (RFC 3461 §4) round-trip too.
// - DataDecoder (RFC 5321 §4.5.2) gives the same message bytes, summary and consumed count however the input
//   is split, for two configurations; a message it accepted without bare line ends survives
//   DataEncoder -> DataDecoder unchanged.
// - SMTPReplyParser gives the same replies and errors however the input is split; a reply without control
//   characters or long lines survives encode -> parse unchanged (RFC 5321 §4.2).

import NIOCore
import SMTPProtocol

public enum SMTPCommandFuzz {
    public static func run(_ input: [UInt8]) throws(FuzzFailure) {
        var random = SplitMix64(seed: input)
        try commands(input, random: &random)
        try data(input, random: &random)
        try replies(input, random: &random)
    }

    // MARK: Commands

    enum FramedLine: Hashable {
        case line([UInt8])
        case error(SMTPSyntaxError)
    }

    static func frame(_ input: [UInt8], chunks: [Range<Int>], maxLineLength: Int) -> [FramedLine] {
        var framer = SMTPLineFramer(maxLineLength: maxLineLength)
        var buffer = ByteBuffer()
        var lines: [FramedLine] = []
        for chunk in chunks {
            buffer.writeBytes(input[chunk])
            while true {
                do {
                    guard let line = try framer.nextLine(&buffer) else { break }
                    lines.append(.line(Array(line.readableBytesView)))
                } catch {
                    lines.append(.error(error))
                }
            }
        }
        return lines
    }

    static func commands(_ input: [UInt8], random: inout SplitMix64) throws(FuzzFailure) {
        for maxLineLength in [SMTPLimits.maxCommandLineOctets, 40] {
            let whole = frame(input, chunks: input.isEmpty ? [] : [0..<input.count], maxLineLength: maxLineLength)
            let split = frame(input, chunks: random.chunks(of: input.count, maxChunk: 9), maxLineLength: maxLineLength)
            try require(whole == split, "line framing depends on the split:\nwhole: \(whole)\nsplit: \(split)")
            for case .line(let line) in whole {
                try require(line.count + 2 <= maxLineLength, "framer returned a \(line.count)-byte line")
                try require(!line.contains(0x0A), "framer returned a line with LF: \(show(line))")
            }
        }
        // Each line as the session sees it, and the whole input as one line.
        var lines: [[UInt8]] = [input]
        for case .line(let line) in frame(input, chunks: [0..<input.count], maxLineLength: .max) {
            lines.append(line)
        }
        for line in lines.prefix(64) {
            if let command = try? SMTPCommandParser.parse(line: line) {
                let encoded = command.line
                do {
                    let reparsed = try SMTPCommandParser.parse(line: encoded)
                    try require(
                        reparsed == command,
                        "round trip changed the command: \(show(line)) -> \(command) -> \(encoded) -> \(reparsed)")
                } catch let error as FuzzFailure {
                    throw error
                } catch {
                    throw FuzzFailure("encoded command does not parse (\(error)): \(show(line)) -> \(encoded)")
                }
            }
            if case .response(let bytes)? = try? SASLResponseLine.parse(line: line) {
                let reparsed = try? SASLResponseLine.parse(line: Array(SASLResponseLine.response(bytes).line.utf8))
                try require(reparsed == .response(bytes), "SASL response round trip failed for \(show(line))")
            }
            if let decoded = XText.decode(line) {
                try require(
                    XText.decode(Array(XText.encode(decoded).utf8)) == decoded, "xtext round trip failed: \(show(line))"
                )
            }
        }
    }

    // MARK: DATA

    struct DataResult: Equatable {
        var message: [UInt8] = []
        var summary: DataSummary?
        var consumed = 0
    }

    static func decodeData(_ input: [UInt8], chunks: [Range<Int>], configuration: DataDecoder.Configuration)
        -> DataResult
    {
        var decoder = DataDecoder(configuration: configuration)
        var result = DataResult()
        var buffer = ByteBuffer()
        for chunk in chunks where result.summary == nil {
            buffer.writeBytes(input[chunk])
            let before = buffer.readableBytes
            while let event = decoder.next(&buffer) {
                switch event {
                case .body(let bytes): result.message += Array(bytes.readableBytesView)
                case .end(let summary): result.summary = summary
                }
            }
            // Bytes after the end stay in the buffer for the next command line.
            result.consumed += before - buffer.readableBytes
        }
        return result
    }

    static func data(_ input: [UInt8], random: inout SplitMix64) throws(FuzzFailure) {
        let configurations = [
            DataDecoder.Configuration(),
            DataDecoder.Configuration(maxMessageSize: 64, maxLineLength: 20, bareLF: .reject, bareCR: .normalize),
        ]
        for configuration in configurations {
            let whole = decodeData(input, chunks: input.isEmpty ? [] : [0..<input.count], configuration: configuration)
            let split = decodeData(
                input, chunks: random.chunks(of: input.count, maxChunk: 7), configuration: configuration)
            try require(
                whole == split,
                "DATA decoding depends on the split (\(configuration)):\nwhole: \(show(whole.message)) "
                    + "\(String(describing: whole.summary)) \(whole.consumed)\nsplit: \(show(split.message)) "
                    + "\(String(describing: split.summary)) \(split.consumed)")
            if let maxMessageSize = configuration.maxMessageSize {
                try require(whole.message.count <= maxMessageSize, "DATA emitted \(whole.message.count) octets")
            }
            guard let summary = whole.summary else { continue }
            try require(summary.octets >= whole.message.count, "DATA summary counts fewer octets than emitted")
            guard summary.rejection == nil, summary.bareCarriageReturns == 0, summary.bareLineFeeds == 0 else {
                continue
            }
            // An accepted message re-encoded by the client side decodes to the same bytes.
            let encoded = Array(DataEncoder.encode(ByteBuffer(bytes: whole.message)).readableBytesView)
            let again = decodeData(encoded, chunks: [0..<encoded.count], configuration: configuration)
            try require(
                again.message == whole.message && again.consumed == encoded.count,
                "DataEncoder -> DataDecoder changed the message:\n\(show(whole.message))\nencoded: \(show(encoded))\n"
                    + "decoded: \(show(again.message))")
        }
    }

    // MARK: Replies

    enum ParsedReply: Hashable {
        case reply(SMTPReply)
        case error(SMTPReplyParseError)
    }

    static func parseReplies(_ input: [UInt8], chunks: [Range<Int>]) -> [ParsedReply] {
        var parser = SMTPReplyParser()
        var buffer = ByteBuffer()
        var replies: [ParsedReply] = []
        for chunk in chunks {
            buffer.writeBytes(input[chunk])
            do {
                while let reply = try parser.next(&buffer) { replies.append(.reply(reply)) }
            } catch {
                // The client closes the connection on a parse error.
                replies.append(.error(error))
                return replies
            }
        }
        return replies
    }

    static func replies(_ input: [UInt8], random: inout SplitMix64) throws(FuzzFailure) {
        let whole = parseReplies(input, chunks: input.isEmpty ? [] : [0..<input.count])
        let split = parseReplies(input, chunks: random.chunks(of: input.count, maxChunk: 11))
        try require(whole == split, "reply parsing depends on the split:\nwhole: \(whole)\nsplit: \(split)")
        for case .reply(let reply) in whole {
            let plain = reply.lines.allSatisfy { line in
                line.utf8.count < 400 && !line.utf8.contains { $0 < 0x20 || $0 == 0x7F }
            }
            guard plain else { continue }
            let encoded = reply.encoded()
            let reparsed = try? SMTPReplyParser.parse(encoded)
            try require(
                reparsed == reply,
                "reply round trip changed the reply: \(reply) -> \(show(Array(encoded.utf8))) -> "
                    + "\(String(describing: reparsed))")
        }
    }
}
