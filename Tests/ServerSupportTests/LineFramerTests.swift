import NIOCore
import Testing

@testable import ServerSupport

struct LineFramerTests {
    /// Feeds `chunks` and collects every event until the framer needs more data after the last chunk.
    static func events(_ chunks: [String], maxLength: Int = 100) -> [String] {
        var framer = LineFramer()
        var events: [String] = []
        for chunk in chunks {
            framer.append(ByteBuffer(string: chunk))
            loop: while true {
                switch framer.nextLine(maxLength: maxLength) {
                case .line(let line, let crlf): events.append(String(buffer: line) + (crlf ? "<CRLF>" : "<LF>"))
                case .tooLong: events.append("<TOO LONG>")
                case .needMoreData: break loop
                }
            }
        }
        return events
    }

    @Test func crlfSplitAcrossChunks() {
        #expect(Self.events(["HELO a\r", "\nNOOP\r\n"]) == ["HELO a<CRLF>", "NOOP<CRLF>"])
        #expect(Self.events(["HELO a", "\r", "\n"]) == ["HELO a<CRLF>"])
    }

    @Test func dripFedOneByteAtATime() {
        let text = "A1 LOGIN x y\r\nA2 NOOP\r\n\r\nA3 LOGOUT\r\n"
        #expect(
            Self.events(text.map { String($0) }) == [
                "A1 LOGIN x y<CRLF>", "A2 NOOP<CRLF>", "<CRLF>", "A3 LOGOUT<CRLF>",
            ])
    }

    @Test func manyLinesInOneChunk() {
        #expect(Self.events(["a\r\nb\r\nc\r\npartial"]) == ["a<CRLF>", "b<CRLF>", "c<CRLF>"])
    }

    @Test func bareLineFeedIsReportedDistinctly() {
        #expect(Self.events(["MAIL FROM:<a@b>\nRCPT TO:<c@d>\r\n"]) == ["MAIL FROM:<a@b><LF>", "RCPT TO:<c@d><CRLF>"])
        #expect(Self.events(["\n"]) == ["<LF>"])
        // A lone CR inside a line is content, not a terminator.
        #expect(Self.events(["a\rb\r\n"]) == ["a\rb<CRLF>"])
    }

    @Test func lengthLimitCountsTheTerminator() {
        #expect(Self.events(["12345678\r\n"], maxLength: 10) == ["12345678<CRLF>"])
        #expect(Self.events(["123456789\r\n"], maxLength: 10) == ["<TOO LONG>"])
        #expect(Self.events(["123456789\n"], maxLength: 10) == ["123456789<LF>"])
    }

    @Test func tooLongIsReportedOnceThenFramingRecovers() {
        // The overlong line arrives in pieces: one report, its tail is skipped, the next line is intact.
        let events = Self.events(["0123456789ABCDEF", "GHIJKLMNOPQRSTUVWXYZ", "abc\r\nok\r\n"], maxLength: 10)
        #expect(events == ["<TOO LONG>", "ok<CRLF>"])
        // A complete overlong line in one chunk.
        #expect(Self.events(["0123456789ABCDEF\r\nnext\r\n"], maxLength: 10) == ["<TOO LONG>", "next<CRLF>"])
        // Drip-fed overlong line.
        let drip = Array(repeating: "x", count: 50) + ["\r", "\n", "y", "\r", "\n"]
        #expect(Self.events(drip, maxLength: 10) == ["<TOO LONG>", "y<CRLF>"])
    }

    @Test func overlongInputDoesNotAccumulate() {
        var framer = LineFramer()
        framer.append(ByteBuffer(string: String(repeating: "x", count: 1000)))
        #expect(framer.nextLine(maxLength: 100) == .tooLong)
        for _ in 0..<100 {
            framer.append(ByteBuffer(string: String(repeating: "x", count: 1000)))
            #expect(framer.nextLine(maxLength: 100) == .needMoreData)
            #expect(framer.bufferedByteCount == 0)
        }
    }

    @Test func nextBytesStreamsLiterals() throws {
        var framer = LineFramer()
        framer.append(ByteBuffer(string: "A1 APPEND INBOX {10}\r\n0123"))
        #expect(
            framer.nextLine(maxLength: 100) == .line(ByteBuffer(string: "A1 APPEND INBOX {10}"), endedWithCRLF: true))
        var remaining = 10
        var literal = ""
        let maybeFirst = framer.nextBytes(count: remaining)
        let first = try #require(maybeFirst)
        literal += String(buffer: first)
        remaining -= first.readableBytes
        #expect(literal == "0123")
        #expect(framer.nextBytes(count: remaining) == nil)
        framer.append(contentsOf: Array("456789 FLAGS\r\n".utf8))
        let maybeSecond = framer.nextBytes(count: remaining)
        let second = try #require(maybeSecond)
        literal += String(buffer: second)
        remaining -= second.readableBytes
        #expect(literal == "0123456789")
        #expect(remaining == 0)
        #expect(framer.nextLine(maxLength: 100) == .line(ByteBuffer(string: " FLAGS"), endedWithCRLF: true))
    }

    @Test func nextBytesAfterPartialScanStillFindsTheLine() {
        var framer = LineFramer()
        framer.append(ByteBuffer(string: "abcdef"))
        #expect(framer.nextLine(maxLength: 100) == .needMoreData)  // scanned 6 bytes
        #expect(framer.nextBytes(count: 4).map { String(buffer: $0) } == "abcd")
        framer.append(ByteBuffer(string: "\r\n"))
        #expect(framer.nextLine(maxLength: 100) == .line(ByteBuffer(string: "ef"), endedWithCRLF: true))
    }

    @Test func discardBufferedDropsEverything() {
        var framer = LineFramer()
        framer.append(ByteBuffer(string: "STARTTLS\r\nINJECTED\r\nMORE"))
        #expect(framer.nextLine(maxLength: 100) == .line(ByteBuffer(string: "STARTTLS"), endedWithCRLF: true))
        #expect(framer.discardBuffered() == 14)
        #expect(framer.bufferedByteCount == 0)
        #expect(framer.nextLine(maxLength: 100) == .needMoreData)
        framer.append(ByteBuffer(string: "fresh\r\n"))
        #expect(framer.nextLine(maxLength: 100) == .line(ByteBuffer(string: "fresh"), endedWithCRLF: true))
    }

    @Test func limitsAreNamed() {
        #expect(ProtocolLimits.smtpCommandLine == 512)
        #expect(ProtocolLimits.smtpTextLine == 1000)
        #expect(ProtocolLimits.pop3CommandLine == 255)
    }
}
