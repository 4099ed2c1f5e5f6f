import NIOCore
import Testing

@testable import POP3Protocol

@Suite struct POP3CommandParserTests {
    static let valid: [(String, POP3Command)] = [
        ("USER alice@example.test", .user("alice@example.test")),
        ("user bob", .user("bob")),
        ("PASS correct horse battery", .pass("correct horse battery")),  // RFC 1939 §7: spaces allowed
        ("STAT", .stat),
        ("LIST", .list(nil)),
        ("LIST 2", .list(2)),
        ("RETR 1", .retr(1)),
        ("DELE 1", .dele(1)),
        ("NOOP", .noop),
        ("RSET", .rset),
        ("QUIT", .quit),
        ("quit", .quit),
        ("TOP 1 10", .top(1, lines: 10)),
        ("TOP 1 0", .top(1, lines: 0)),
        ("UIDL", .uidl(nil)),
        ("UIDL 3", .uidl(3)),
        ("CAPA", .capa),
        ("STLS", .stls),
        ("UTF8", .utf8),
        ("AUTH", .auth(mechanism: nil, initialResponse: nil)),
        ("AUTH PLAIN", .auth(mechanism: "PLAIN", initialResponse: nil)),
        ("AUTH PLAIN =", .auth(mechanism: "PLAIN", initialResponse: [])),
        ("AUTH PLAIN AGEAYg==", .auth(mechanism: "PLAIN", initialResponse: [0, 0x61, 0, 0x62])),
        ("STAT\r", .stat),
        ("LIST 2 ", .list(2)),
    ]

    @Test(arguments: valid)
    func parses(_ line: String, _ expected: POP3Command) throws {
        #expect(try POP3CommandParser.parse(line) == expected)
        #expect(try POP3CommandParser.parse(line: ByteBuffer(string: line)) == expected)
    }

    static let invalid: [(String, POP3SyntaxError)] = [
        ("", .empty),
        ("FOO", .unknownCommand("FOO")),
        ("APOP mrose c4c9334bac560ecc979e58001b3e22fb", .unknownCommand("APOP")),  // APOP not offered
        ("RETR", .missingArgument("RETR")),
        ("RETR 0", .invalidNumber("RETR")),
        ("RETR -1", .invalidNumber("RETR")),
        ("RETR x", .invalidNumber("RETR")),
        ("RETR 99999999999999999999", .invalidNumber("RETR")),
        ("RETR 1 2", .unexpectedArgument("RETR")),
        ("DELE", .missingArgument("DELE")),
        ("TOP 1", .missingArgument("TOP")),
        ("TOP 1 x", .invalidNumber("TOP")),
        ("TOP 1 2 3", .unexpectedArgument("TOP")),
        ("STAT 1", .unexpectedArgument("STAT")),
        ("QUIT now", .unexpectedArgument("QUIT")),
        ("USER", .missingArgument("USER")),
        ("PASS", .missingArgument("PASS")),
        ("AUTH PLAIN !!!!", .invalidBase64),
        ("AUTH PLAIN abc", .invalidBase64),
    ]

    @Test(arguments: invalid)
    func rejects(_ line: String, _ expected: POP3SyntaxError) {
        #expect(throws: expected) { try POP3CommandParser.parse(line) }
        #expect(!expected.message.isEmpty)
    }

    @Test func base64RoundTrip() {
        for n in 0..<20 {
            let bytes = (0..<n).map { UInt8(($0 * 37 + 11) & 0xFF) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
        #expect(Base64.encode(Array("Username:".utf8)) == "VXNlcm5hbWU6")
    }
}

@Suite struct POP3ResponseTests {
    @Test func statusLines() {
        #expect(POP3Response.ok("2 320").encoded() == "+OK 2 320\r\n")
        #expect(POP3Response.ok("").encoded() == "+OK\r\n")
        #expect(POP3Response.err("no such message").encoded() == "-ERR no such message\r\n")
        #expect(POP3Response.err("maildrop locked", code: .inUse).encoded() == "-ERR [IN-USE] maildrop locked\r\n")
        #expect(POP3Response.err("x", code: .sysTemp).encoded() == "-ERR [SYS/TEMP] x\r\n")
        #expect(POP3Response.err("x", code: .auth).encoded() == "-ERR [AUTH] x\r\n")
    }

    @Test func oneLineWithinTheLimit() {
        let line = POP3Response.ok("a\r\nb" + String(repeating: "x", count: 1000)).encoded()
        #expect(line.utf8.count == POP3Limits.maxResponseLine)
        #expect(line.hasPrefix("+OK a  b"))
        #expect(line.hasSuffix("\r\n"))
        #expect(line.dropLast(2).firstIndex(of: "\r") == nil)
    }

    @Test func multiLineIsDotStuffed() {
        var buffer = ByteBuffer()
        POP3MultiLine(.ok("Capability list follows"), lines: ["TOP", ".hidden", "USER"]).encode(into: &buffer)
        #expect(String(buffer: buffer) == "+OK Capability list follows\r\nTOP\r\n..hidden\r\nUSER\r\n.\r\n")
        buffer.clear()
        POP3MultiLine(.ok("0 messages"), lines: []).encode(into: &buffer)
        #expect(String(buffer: buffer) == "+OK 0 messages\r\n.\r\n")
    }
}

@Suite struct POP3BodyEncoderTests {
    func encode(_ message: String, topLines: Int? = nil, chunkSize: Int = .max) -> String {
        var encoder = POP3BodyEncoder(bodyLineLimit: topLines)
        var out = ByteBuffer()
        let bytes = Array(message.utf8)
        var i = 0
        while i < bytes.count && !encoder.isDone {
            let end = min(bytes.count, i + chunkSize)
            encoder.encode(Array(bytes[i..<end]), into: &out)
            i = end
        }
        encoder.finish(into: &out)
        return String(buffer: out)
    }

    @Test func dotStuffingAndTerminator() {
        let message = "Subject: a\r\n\r\n.\r\n..x\r\nplain\r\n.end"
        let expected = "Subject: a\r\n\r\n..\r\n...x\r\nplain\r\n..end\r\n.\r\n"
        for chunk in [1, 2, 3, 7, 1000] {
            #expect(encode(message, chunkSize: chunk) == expected)
        }
    }

    @Test func bareLineFeedsBecomeCRLF() {
        let message = "From: a\nSubject: b\n\nbody\n.dot\r\nmixed\n"
        let expected = "From: a\r\nSubject: b\r\n\r\nbody\r\n..dot\r\nmixed\r\n.\r\n"
        for chunk in [1, 2, 5, 1000] {
            #expect(encode(message, chunkSize: chunk) == expected)
        }
    }

    @Test func sizeIsWhatRETRSendsBeforeStuffing() {
        // RFC 1939 §5/§11: LIST sizes count CRLF line ends and not the stuffing dots nor the terminator.
        let messages = [
            "Subject: a\r\n\r\nbody\r\n", "Subject: a\n\nbody\n", "Subject: a\r\n\r\n.\r\n..\r\n", "no newline",
            "", "a\rb\r\n",
        ]
        for m in messages {
            let size = POP3BodyEncoder.size(of: [Array(m.utf8)])
            let sent = Array(encode(m).utf8)
            #expect(sent.suffix(3) == Array(".\r\n".utf8))
            let body = Array(sent.dropLast(3))
            // Each line that starts with "." on the wire carries one stuffing dot.
            var stuffed = 0
            var lineStart = true
            for byte in body {
                if lineStart && byte == UInt8(ascii: ".") { stuffed += 1 }
                lineStart = byte == 10
            }
            let unstuffed = body.count - stuffed
            #expect(size == unstuffed, "\(m.debugDescription)")
        }
        #expect(POP3BodyEncoder.size(of: [Array("a\nb\n".utf8)]) == 6)
        #expect(POP3BodyEncoder.size(of: [Array("a\r".utf8), Array("\nb\r\n".utf8)]) == 6)
    }

    static let multipart = """
        From: a@example.test\r
        Subject: parts\r
        MIME-Version: 1.0\r
        Content-Type: multipart/mixed; boundary="b1"\r
        \r
        preamble\r
        --b1\r
        Content-Type: text/plain\r
        \r
        .first body line\r
        second\r
        --b1\r
        Content-Type: text/html\r
        \r
        <p>hi</p>\r
        --b1--\r

        """

    @Test func topZeroSendsTheHeaderAndTheBlankLine() {
        let expected = """
            From: a@example.test\r
            Subject: parts\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="b1"\r
            \r
            .\r

            """
        for chunk in [1, 3, 1000] {
            #expect(encode(Self.multipart, topLines: 0, chunkSize: chunk) == expected)
        }
    }

    @Test func topNCountsBodyLinesAcrossParts() {
        let expected = """
            From: a@example.test\r
            Subject: parts\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="b1"\r
            \r
            preamble\r
            --b1\r
            Content-Type: text/plain\r
            \r
            ..first body line\r
            .\r

            """
        for chunk in [1, 4, 1000] {
            #expect(encode(Self.multipart, topLines: 5, chunkSize: chunk) == expected)
        }
        // More lines than the body has: the whole message.
        #expect(encode(Self.multipart, topLines: 1000) == encode(Self.multipart))
    }

    @Test func topOnAMessageWithoutBody() {
        #expect(encode("Subject: only header\r\n", topLines: 0) == "Subject: only header\r\n.\r\n")
        #expect(encode("Subject: only header", topLines: 3) == "Subject: only header\r\n.\r\n")
    }

    @Test func largeMessageStreamsInChunks() {
        // 4 MB in 64 KB chunks: output per chunk stays bounded by the chunk plus its stuffing.
        let line = Array(".0123456789012345678901234567890123456789012345678901234567890123456789\n".utf8)
        var chunk: [UInt8] = []
        while chunk.count + line.count <= 65536 { chunk += line }
        var encoder = POP3BodyEncoder()
        var out = ByteBuffer()
        var total = 0
        for _ in 0..<64 {
            out.clear()
            encoder.encode(chunk, into: &out)
            #expect(out.readableBytes <= chunk.count * 2)
            total += out.readableBytes
        }
        let lines = chunk.count / line.count * 64
        #expect(total == lines * (line.count + 2))  // one stuffed dot and one CR per line
    }
}
