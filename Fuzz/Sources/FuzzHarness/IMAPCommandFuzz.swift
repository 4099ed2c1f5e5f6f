// IMAPCommandFuzz: the IMAP command grammar and its literal framing (Sources/IMAPProtocol).
//
// Properties checked for every input:
// - GrammarParser.parseCommand never traps; a command it accepts survives encode -> parse unchanged.
// - CommandDecoder (the server's framing: lines, {n} / {n+} / ~{n} literals, APPEND streaming, IDLE,
//   AUTHENTICATE) yields the same events whether the input arrives at once or in small pieces, with the
//   default limits and with small ones, and never holds more bytes than it was fed.
// - Every command the decoder produces survives encode -> parse unchanged.

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
            for case .command(let command) in whole { try roundTrip(command) }
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
