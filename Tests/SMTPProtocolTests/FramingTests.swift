import NIOCore
import Testing

@testable import SMTPProtocol

/// Feeds `parts` to a framer the way a session does; returns lines and errors in order.
func frame(_ parts: [[UInt8]], maxLineLength: Int = SMTPLimits.maxCommandLineOctets) -> [String] {
    var framer = SMTPLineFramer(maxLineLength: maxLineLength)
    var receive = ByteBuffer()
    var out: [String] = []
    for part in parts {
        receive.writeBytes(part)
        while true {
            do {
                guard let line = try framer.nextLine(&receive) else { break }
                out.append(String(buffer: line))
            } catch {
                out.append("error: \(error)")
            }
        }
    }
    return out
}

@Test func pipelinedCommandsInOneBuffer() throws {
    // RFC 2920: a client may send a batch of commands at once.
    let batch = "EHLO client.example\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRCPT TO:<e@f>\r\nDATA\r\n"
    let lines = frame([bytes(batch)])
    #expect(lines == ["EHLO client.example", "MAIL FROM:<a@b>", "RCPT TO:<c@d>", "RCPT TO:<e@f>", "DATA"])
    let commands = try lines.map { try SMTPCommandParser.parse(line: $0) }
    #expect(commands.last == .data)
    #expect(frame(bytes(batch).map { [$0] }) == lines)
}

@Test func partialLineWaitsForMore() throws {
    var framer = SMTPLineFramer()
    var receive = ByteBuffer(string: "NOOP\r")
    #expect(try framer.nextLine(&receive) == nil)
    #expect(receive.readableBytes == 5)
    receive.writeString("\nQU")
    #expect(try framer.nextLine(&receive).map { String(buffer: $0) } == "NOOP")
    #expect(try framer.nextLine(&receive) == nil)
    #expect(String(buffer: receive) == "QU")
}

@Test func overlongLineIsRefusedOnceAndTheNextLineSurvives() {
    // maxLineLength counts CRLF: 14 octets of text fit in 16.
    #expect(frame([bytes("01234567890123\r\nQUIT\r\n")], maxLineLength: 16) == ["01234567890123", "QUIT"])
    #expect(frame([bytes("012345678901234\r\nQUIT\r\n")], maxLineLength: 16) == ["error: lineTooLong", "QUIT"])
    let long = bytes(String(repeating: "x", count: 100) + "\r\nNOOP\r\n")
    #expect(frame([long], maxLineLength: 16) == ["error: lineTooLong", "NOOP"])
    #expect(frame(long.map { [$0] }, maxLineLength: 16) == ["error: lineTooLong", "NOOP"])
    #expect(frame(chunks(long, cuts: [15, 16, 17, 101]), maxLineLength: 16) == ["error: lineTooLong", "NOOP"])
}

@Test func bareLineFeedEndsTheOffendingLineWithAnError() {
    #expect(frame([bytes("QUIT\nNOOP\r\n")]) == ["error: bareLineFeed", "NOOP"])
    #expect(frame([bytes("\n\r\n")]) == ["error: bareLineFeed", ""])
    #expect(SMTPSyntaxError.bareLineFeed.reply.code == 500)
}

/// A session-like loop over one receive buffer: commands, DATA, BDAT, pipelined, in random chunks.
@Test func transcriptWithDataAndBDATInRandomChunks() throws {
    let wire = bytes(
        "EHLO c\r\nMAIL FROM:<a@b> BODY=8BITMIME\r\nRCPT TO:<c@d>\r\nDATA\r\n"
            + "Subject: hi\r\n\r\n..dot\r\n.\r\n"
            + "MAIL FROM:<a@b> BODY=BINARYMIME\r\nRCPT TO:<c@d>\r\nBDAT 7\r\n1\r\n.\r\n2BDAT 0\r\nBDAT 3 LAST\r\n\n\r.QUIT\r\n"
    )
    var random = SeededRandom(seed: 3)
    for round in 0..<200 {
        let cuts = (0..<Int.random(in: 0...12, using: &random)).map { _ in
            Int.random(in: 0...wire.count, using: &random)
        }
        let parts = round == 0 ? wire.map { [$0] } : chunks(wire, cuts: cuts)
        var session = ToySession()
        for part in parts { try session.receive(part) }
        #expect(session.commands.first == .ehlo("c"))
        #expect(session.commands.last == .quit)
        #expect(session.messages == [bytes("Subject: hi\r\n\r\n.dot\r\n"), bytes("1\r\n.\r\n2\n\r.")])
    }
}

/// The loop a session runs: framer for commands, DataDecoder after DATA, BDATChunkReader after BDAT.
struct ToySession {
    enum Mode {
        case command
        case data(DataDecoder)
        case bdat(BDATChunkReader)
    }
    var mode = Mode.command
    var framer = SMTPLineFramer()
    var receive = ByteBuffer()
    var commands: [SMTPCommand] = []
    var messages: [[UInt8]] = []
    var current: [UInt8] = []

    mutating func receive(_ bytes: [UInt8]) throws {
        receive.writeBytes(bytes)
        while true {
            switch mode {
            case .command:
                guard let line = try framer.nextLine(&receive) else { return }
                let command = try SMTPCommandParser.parse(line: line)
                commands.append(command)
                if command == .data { mode = .data(DataDecoder()) }
                if case .bdat(let size, let last) = command {
                    mode = .bdat(BDATChunkReader(size: size, last: last))
                    try finishChunkIfComplete()
                }
            case .data(var decoder):
                guard let event = decoder.next(&receive) else {
                    mode = .data(decoder)
                    return
                }
                switch event {
                case .body(let chunk):
                    current += Array(chunk.readableBytesView)
                    mode = .data(decoder)
                case .end(let summary):
                    #expect(summary.rejection == nil)
                    messages.append(current)
                    current = []
                    mode = .command
                }
            case .bdat(var reader):
                guard let chunk = reader.read(&receive) else { return }
                current += Array(chunk.readableBytesView)
                mode = .bdat(reader)
                try finishChunkIfComplete()
            }
        }
    }

    mutating func finishChunkIfComplete() throws {
        guard case .bdat(let reader) = mode, reader.isComplete else { return }
        if reader.isLast {
            messages.append(current)
            current = []
        }
        mode = .command
    }
}

@Test func bdatReaderTakesExactlyTheChunk() {
    var reader = BDATChunkReader(size: 5, last: false)
    var receive = ByteBuffer(string: "hel")
    #expect(reader.read(&receive).map { String(buffer: $0) } == "hel")
    #expect(reader.read(&receive) == nil)
    #expect(reader.remaining == 2)
    receive.writeString("loBDAT 1 LAST\r\n")
    #expect(reader.read(&receive).map { String(buffer: $0) } == "lo")
    #expect(reader.isComplete)
    #expect(reader.read(&receive) == nil)
    #expect(String(buffer: receive) == "BDAT 1 LAST\r\n")
    var empty = BDATChunkReader(size: 0, last: true)
    #expect(empty.isComplete)
    #expect(empty.read(&receive) == nil)
}
