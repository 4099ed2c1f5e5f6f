import NIOCore
import Testing

@testable import IMAPProtocol

/// Parses one command line; CRLF is added when missing.
func parse(_ line: String, limits: IMAPLimits = .default) throws(CommandDecodingError) -> TaggedCommand {
    let text = line.hasSuffix("\r\n") ? line : line + "\r\n"
    return try GrammarParser.parseCommand(ByteBuffer(string: text), limits: limits)
}

/// Encodes responses with a fresh encoder and returns the bytes as text.
func encoded(_ responses: Response..., utf8: Bool = false) -> String {
    var encoder = ResponseEncoder(options: ResponseEncodingOptions(utf8Accepted: utf8))
    var buffer = ByteBuffer()
    for response in responses { encoder.encode(response, into: &buffer) }
    return String(buffer: buffer)
}

/// Feeds `input` in chunks of `chunkSize` bytes and collects every event.
func decodeAll(_ input: [UInt8], chunkSize: Int = .max, limits: IMAPLimits = .default) -> [CommandEvent] {
    var decoder = CommandDecoder(limits: limits)
    var events: [CommandEvent] = []
    var offset = 0
    repeat {
        let end = min(input.count, offset + max(chunkSize, 1))
        decoder.append(ByteBuffer(bytes: input[offset..<end]))
        offset = end
        while let event = decoder.nextEvent() { events.append(event) }
    } while offset < input.count
    return events
}

func decodeAll(_ input: String, chunkSize: Int = .max, limits: IMAPLimits = .default) -> [CommandEvent] {
    decodeAll(Array(input.utf8), chunkSize: chunkSize, limits: limits)
}

/// Merges adjacent `.messageBytes` events so event lists compare independently of chunking.
func coalesced(_ events: [CommandEvent]) -> [CommandEvent] {
    var result: [CommandEvent] = []
    for event in events {
        if case .messageBytes(var next) = event, case .messageBytes(var previous)? = result.last {
            previous.writeBuffer(&next)
            result[result.count - 1] = .messageBytes(previous)
        } else {
            result.append(event)
        }
    }
    return result
}

func mailbox(_ name: String) -> MailboxName { MailboxName(name) }

func date(_ text: String) -> IMAPDate { IMAPDate(parsing: text)! }

func dateTime(_ text: String) -> IMAPDateTime { IMAPDateTime(parsing: "\"\(text)\"")! }

func set(_ text: String) -> SequenceSet {
    var parser = GrammarParser(Array(text.utf8))
    return try! parser.parseSequenceSet()
}
