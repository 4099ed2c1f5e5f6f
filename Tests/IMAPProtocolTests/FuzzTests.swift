// Deterministic fuzzing: random and mutated inputs, split at random points, must never crash the
// decoder or the parser, and the decoder must keep its memory bounds.

import NIOCore
import Testing

@testable import IMAPProtocol

/// SplitMix64: a small deterministic generator, so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct FuzzTests {
    static let interesting: [[UInt8]] = [
        Array("{".utf8), Array("}".utf8), Array("{5}\r\n".utf8), Array("{3+}\r\n".utf8), Array("~{2}\r\n".utf8),
        Array("{99999999999999999999}\r\n".utf8), Array("{4097+}\r\n".utf8), Array("(".utf8), Array(")".utf8),
        Array("\"".utf8), Array("\\".utf8), Array("\r\n".utf8), Array("\n".utf8), Array(" ".utf8), Array("*".utf8),
        Array("$".utf8), Array("NOT ".utf8), Array("OR ".utf8), Array(" APPEND INBOX ".utf8), Array("UTF8 (".utf8),
        Array("DONE\r\n".utf8), Array("IDLE\r\n".utf8), Array("AUTHENTICATE PLAIN\r\n".utf8), [0], [0xFF],
        [0xC3, 0xA9],
        Array("BODY[1.2.HEADER.FIELDS (A".utf8), Array("<0.".utf8), Array("4294967296".utf8), Array("&U,BTFw-".utf8),
    ]

    static var corpus: [[UInt8]] {
        var lines = commandFixtures.map { Array(($0.line + "\r\n").utf8) }
        lines += rfcClientLines.map { Array(($0 + "\r\n").utf8) }
        lines.append(Array(CommandDecoderTests.pipelined.utf8))
        return lines
    }

    static func mutate(_ input: [UInt8], using random: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...6, using: &random) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0...bytes.count, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0 where position < bytes.count:
                bytes[position] = UInt8.random(in: 0...255, using: &random)
            case 1:
                bytes.insert(contentsOf: interesting.randomElement(using: &random)!, at: position)
            case 2 where position < bytes.count:
                bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...8, using: &random)))
            case 3 where position < bytes.count:
                let end = min(bytes.count, position + Int.random(in: 1...40, using: &random))
                bytes.insert(contentsOf: bytes[position..<end], at: position)
            case 4:
                let other = corpus.randomElement(using: &random)!
                bytes.insert(contentsOf: other, at: position)
            default:
                bytes.insert(UInt8.random(in: 0...255, using: &random), at: position)
            }
        }
        return bytes
    }

    /// Feeds `input` in random pieces, pulling every event, sometimes abandoning or resetting like a
    /// session would. Returns the number of events.
    static func drive(_ input: [UInt8], limits: IMAPLimits, using random: inout SplitMix64) -> Int {
        var decoder = CommandDecoder(limits: limits)
        var offset = 0
        var events = 0
        while offset < input.count {
            let end = min(input.count, offset + Int.random(in: 1...64, using: &random))
            decoder.append(ByteBuffer(bytes: input[offset..<end]))
            offset = end
            while let event = decoder.nextEvent() {
                events += 1
                switch event {
                case .appendStart, .beginMessage,
                    .continuationRequest where Int.random(in: 0..<8, using: &random) == 0:
                    decoder.abandonCommand()
                case .command(let command) where Int.random(in: 0..<4, using: &random) == 0:
                    if case .idle = command.command { decoder.returnToCommandMode() }
                    if case .authenticate = command.command { decoder.returnToCommandMode() }
                case .authenticationResponse where Int.random(in: 0..<3, using: &random) == 0:
                    decoder.returnToCommandMode()
                default:
                    break
                }
                if Int.random(in: 0..<16, using: &random) == 0 { decoder.abandonCommand() }
                // The decoder never holds more than it was fed.
                precondition(decoder.bufferedByteCount <= input.count)
            }
            // Sessions may also act while the decoder waits for bytes, in the middle of a line.
            switch Int.random(in: 0..<12, using: &random) {
            case 0: decoder.abandonCommand()
            case 1: decoder.returnToCommandMode()
            default: break
            }
        }
        return events
    }

    static let smallLimits = IMAPLimits(
        maxLineLength: 120, maxInlineLiteralSize: 40, maxNonSynchronizingLiteralSize: 20, maxCommandSize: 300,
        maxAppendSize: 64, maxNestingDepth: 8, maxAppendChunkSize: 7)

    @Test(arguments: [1, 2, 3, 4])
    func mutatedCorpusNeverCrashes(seed: UInt64) {
        var random = SplitMix64(state: seed)
        let corpus = Self.corpus
        var events = 0
        for _ in 0..<1500 {
            let input = Self.mutate(corpus.randomElement(using: &random)!, using: &random)
            events += Self.drive(input, limits: .default, using: &random)
            events += Self.drive(input, limits: Self.smallLimits, using: &random)
            _ = try? GrammarParser.parseCommand(ByteBuffer(bytes: input))
            _ = try? GrammarParser.parseCommand(ByteBuffer(bytes: input), limits: Self.smallLimits)
        }
        #expect(events > 0)
    }

    @Test(arguments: [11, 12, 13])
    func pipelinedStreamsWithSessionInterventions(seed: UInt64) {
        // Valid commands (many APPENDs) back to back, split finely, with the session abandoning or
        // resetting at random moments: the decoder must stay in bounds and keep decoding.
        var random = SplitMix64(state: seed)
        let corpus = Self.corpus
        let appends = corpus.filter { String(decoding: $0, as: UTF8.self).uppercased().contains(" APPEND ") }
        for _ in 0..<400 {
            var input: [UInt8] = []
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                input +=
                    Bool.random(using: &random)
                    ? appends.randomElement(using: &random)! : corpus.randomElement(using: &random)!
            }
            var decoder = CommandDecoder()
            var offset = 0
            while offset < input.count {
                let end = min(input.count, offset + Int.random(in: 1...16, using: &random))
                decoder.append(ByteBuffer(bytes: input[offset..<end]))
                offset = end
                while decoder.nextEvent() != nil {
                    if Int.random(in: 0..<10, using: &random) == 0 { decoder.abandonCommand() }
                }
                if Int.random(in: 0..<5, using: &random) == 0 { decoder.abandonCommand() }
                #expect(decoder.bufferedByteCount <= input.count)
            }
        }
    }

    @Test func randomBytesNeverCrash() {
        var random = SplitMix64(state: 99)
        let alphabet = Array("aA1 (){}[]<>\"\\*%$~+.:,-\r\n".utf8) + [0, 0x80, 0xFF]
        for _ in 0..<1500 {
            let length = Int.random(in: 0...300, using: &random)
            let input = (0..<length).map { _ in
                Int.random(in: 0..<4, using: &random) == 0
                    ? UInt8.random(in: 0...255, using: &random) : alphabet.randomElement(using: &random)!
            }
            _ = Self.drive(input, limits: .default, using: &random)
            _ = Self.drive(input, limits: Self.smallLimits, using: &random)
            _ = try? GrammarParser.parseCommand(ByteBuffer(bytes: input))
            _ = try? ModifiedUTF7.decode(input)
            _ = Base64.decode(input)
        }
    }

    @Test func mutatedCommandsThatParseStillRoundTrip() throws {
        // Any mutation the parser accepts must survive encode -> parse unchanged.
        var random = SplitMix64(state: 7)
        let corpus = commandFixtures.map { Array(($0.line + "\r\n").utf8) }
        var accepted = 0
        for _ in 0..<3000 {
            let input = Self.mutate(corpus.randomElement(using: &random)!, using: &random)
            guard let parsed = try? GrammarParser.parseCommand(ByteBuffer(bytes: input)) else { continue }
            accepted += 1
            let reparsed = try GrammarParser.parseCommand(TestCommandEncoder.encode(parsed))
            #expect(reparsed == parsed, "\(String(decoding: input, as: UTF8.self))")
        }
        #expect(accepted > 0)
    }
}
