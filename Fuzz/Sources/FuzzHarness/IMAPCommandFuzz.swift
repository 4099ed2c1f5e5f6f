// IMAPCommandFuzz: the IMAP command grammar and its literal framing (Sources/IMAPProtocol).
//
// Properties checked for every input:
// - GrammarParser.parseCommand never traps; a command it accepts survives encode -> parse unchanged.
// - CommandDecoder (the server's framing: lines, {n} / {n+} / ~{n} literals, APPEND streaming, IDLE,
//   AUTHENTICATE) yields the same events whether the input arrives at once or in small pieces, with the
//   default limits and with small ones, and never holds more bytes than it was fed.
// - Every command the decoder produces survives encode -> parse unchanged.
// - What the server writes back stays in step with the grammar: the reply to a rejected command
//   (`CommandDecodingError.response`) is one line, and every mailbox name a command carries, decoded as a
//   session would (modified UTF-7, or UTF-8 after ENABLE UTF8=ACCEPT) and written in a STATUS response,
//   reads back as the same name (RFC 9051 §5.1, §7.2.4).

import IMAPProtocol
import NIOCore

public enum IMAPCommandFuzz {
    /// Small limits, so short inputs reach every limit check.
    static let smallLimits = IMAPLimits(
        maxLineLength: 120, maxInlineLiteralSize: 40, maxNonSynchronizingLiteralSize: 20, maxCommandSize: 300,
        maxAppendSize: 64, maxNestingDepth: 8, maxAppendChunkSize: 7)

    public static func run(_ input: [UInt8]) throws(FuzzFailure) {
        if let parsed = try? GrammarParser.parseCommand(ByteBuffer(bytes: input)) {
            try roundTrip(parsed)
        }
        var random = SplitMix64(seed: input)
        for limits in [IMAPLimits.default, smallLimits] {
            let whole = try decode(input, chunks: input.isEmpty ? [] : [0..<input.count], limits: limits)
            let split = try decode(input, chunks: random.chunks(of: input.count, maxChunk: 16), limits: limits)
            try require(
                whole == split,
                "decoder events depend on the split (maxLineLength \(limits.maxLineLength)):\n"
                    + "whole: \(whole)\nsplit: \(split)")
            for event in whole { try responses(for: event) }
        }
    }

    /// The mailbox names a command event carries.
    static func mailboxes(of event: CommandEvent) -> [MailboxName] {
        switch event {
        case .appendStart(_, let mailbox): return [mailbox]
        case .command(let tagged):
            switch tagged.command {
            case .select(let mailbox, _), .examine(let mailbox, _), .create(let mailbox, _), .delete(let mailbox),
                .subscribe(let mailbox), .unsubscribe(let mailbox), .status(let mailbox, _), .copy(_, let mailbox),
                .uidCopy(_, let mailbox), .move(_, let mailbox), .uidMove(_, let mailbox):
                return [mailbox]
            case .rename(let from, let to): return [from, to]
            case .list(let list): return [list.reference]
            default: return []
            }
        default: return []
        }
    }

    static func responses(for event: CommandEvent) throws(FuzzFailure) {
        if case .command(let command) = event { try roundTrip(command) }
        if case .invalid(let error) = event {
            var encoder = ResponseEncoder()
            let bytes = Array(encoder.encode(error.response).readableBytesView)
            let body = bytes.dropLast(2)
            try require(
                bytes.suffix(2) == [0x0D, 0x0A] && !body.contains(0x0D) && !body.contains(0x0A),
                "the reply to a rejected command is not one line: \(show(bytes))")
        }
        for mailbox in mailboxes(of: event) {
            for utf8 in [false, true] {
                guard let name = try? mailbox.decoded(utf8Accepted: utf8) else { continue }
                var encoder = ResponseEncoder(options: ResponseEncodingOptions(utf8Accepted: utf8))
                let bytes = Array(encoder.encode(.untagged(.status(mailbox: name, []))).readableBytesView)
                let prefix = Array("* STATUS ".utf8)
                let suffix = Array(" ()\r\n".utf8)
                guard bytes.starts(with: prefix), bytes.suffix(suffix.count).elementsEqual(suffix),
                    case .string(let written)? = IMAPValue.parse(
                        Array(bytes[prefix.count..<(bytes.count - suffix.count)]), utf8Quoted: utf8)
                else {
                    throw FuzzFailure("STATUS response for mailbox \(name) is malformed: \(show(bytes))")
                }
                let reread = try? MailboxName(written).decoded(utf8Accepted: utf8)
                try require(
                    reread == name,
                    "mailbox \(name) (UTF8=ACCEPT \(utf8)) written as \(show(written)) reads back as "
                        + "\(String(describing: reread))")
            }
        }
    }

    /// parse(encode(command)) == command.
    static func roundTrip(_ command: TaggedCommand) throws(FuzzFailure) {
        let encoded = IMAPCommandEncoder.encode(command)
        do {
            let reparsed = try GrammarParser.parseCommand(encoded)
            try require(
                reparsed == command,
                "round trip changed the command:\n\(command)\nencoded: \(show(encoded.readableBytesView))\n"
                    + "reparsed: \(reparsed)")
        } catch let error as FuzzFailure {
            throw error
        } catch {
            throw FuzzFailure(
                "encoded command does not parse: \(error)\n\(command)\nencoded: \(show(encoded.readableBytesView))")
        }
    }

    /// Feeds the chunks of `input` to a decoder and pulls every event, acting like a session where the
    /// grammar needs it (AUTHENTICATE ends after one response). Adjacent message bytes are merged so the
    /// events compare independently of chunking.
    static func decode(_ input: [UInt8], chunks: [Range<Int>], limits: IMAPLimits) throws(FuzzFailure)
        -> [CommandEvent]
    {
        var decoder = CommandDecoder(limits: limits)
        var events: [CommandEvent] = []
        for chunk in chunks {
            decoder.append(ByteBuffer(bytes: input[chunk]))
            while let event = decoder.nextEvent() {
                if case .authenticationResponse = event { decoder.returnToCommandMode() }
                if case .messageBytes(var next) = event, case .messageBytes(var previous)? = events.last {
                    previous.writeBuffer(&next)
                    events[events.count - 1] = .messageBytes(previous)
                } else {
                    events.append(event)
                }
                try require(
                    decoder.bufferedByteCount <= input.count,
                    "decoder holds \(decoder.bufferedByteCount) bytes of a \(input.count)-byte input")
            }
        }
        return events
    }
}
