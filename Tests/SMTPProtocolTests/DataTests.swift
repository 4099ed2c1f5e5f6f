import NIOCore
import Testing

@testable import SMTPProtocol

@Test func decodesSimpleMessageAndStopsAtTheDot() {
    let result = decodeData([bytes("Subject: x\r\n\r\nHello\r\n.\r\nQUIT\r\n")])
    #expect(result.body == bytes("Subject: x\r\n\r\nHello\r\n"))
    #expect(result.summary?.rejection == nil)
    #expect(result.summary?.octets == 21)
    #expect(result.rest == bytes("QUIT\r\n"))  // RFC 2920: pipelined commands after the dot stay.
}

@Test func emptyMessage() {
    let result = decodeData([bytes(".\r\n")])
    #expect(result.body.isEmpty)
    #expect(result.summary?.octets == 0)
    #expect(result.bodyEvents == 0)
}

@Test func removesDotStuffing() {
    // RFC 5321 §4.5.2: one leading dot is removed from each line that has more than the dot.
    let result = decodeData([bytes("..hidden\r\n...\r\n.x\r\nmid.dle\r\n. \r\n.\r\n")])
    #expect(result.body == bytes(".hidden\r\n..\r\nx\r\nmid.dle\r\n \r\n"))
    #expect(result.summary?.rejection == nil)
}

let sampleTranscript = bytes(
    "From: a@b\r\nSubject: dots\r\n\r\n..leading\r\n.\r\n".replacingOccurrences("\r\n.\r\n", with: "\r\n..\r\n")
        + "line\r\n\r\n.\r\nNOOP\r\n")

extension String {
    func replacingOccurrences(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

@Test func endOfDataSplitAtEveryPosition() {
    let whole = decodeData([sampleTranscript])
    #expect(whole.summary != nil)
    #expect(whole.rest == bytes("NOOP\r\n"))
    for cut in 0...sampleTranscript.count {
        #expect(decodeData(chunks(sampleTranscript, cuts: [cut])).body == whole.body, "cut \(cut)")
        #expect(decodeData(chunks(sampleTranscript, cuts: [cut])).rest == whole.rest, "cut \(cut)")
    }
    for first in 0...sampleTranscript.count {
        for second in first...sampleTranscript.count where second - first < 6 {
            let split = decodeData(chunks(sampleTranscript, cuts: [first, second]))
            #expect(split.body == whole.body && split.summary == whole.summary && split.rest == whole.rest)
        }
    }
}

@Test func dripFedByteByByte() {
    let whole = decodeData([sampleTranscript])
    let drip = decodeData(sampleTranscript.map { [$0] })
    #expect(drip.body == whole.body)
    #expect(drip.summary == whole.summary)
    #expect(drip.rest == whole.rest)
}

@Test func incompleteDataHasNoEnd() {
    var decoder = DataDecoder()
    var receive = ByteBuffer(string: "line one\r\n.")
    guard case .body(let body)? = decoder.next(&receive) else {
        Issue.record("expected body")
        return
    }
    #expect(String(buffer: body) == "line one\r\n")
    #expect(decoder.next(&receive) == nil)
    #expect(!decoder.isFinished)
    receive.writeString("\r\nRSET\r\n")
    guard case .end? = decoder.next(&receive) else {
        Issue.record("expected end")
        return
    }
    #expect(decoder.isFinished)
    #expect(decoder.next(&receive) == nil)
    #expect(String(buffer: receive) == "RSET\r\n")
}

@Test func sizeLimitStopsAccumulatingButFindsTheEnd() {
    let line = String(repeating: "x", count: 98) + "\r\n"
    let message = bytes(String(repeating: line, count: 100) + ".\r\nQUIT\r\n")
    let result = decodeData(chunks(message, cuts: [1000, 5000, 9000]), configuration: .init(maxMessageSize: 1000))
    #expect(result.summary?.exceededSizeLimit == true)
    #expect(result.summary?.octets == 10_000)
    #expect(result.body == Array(message.prefix(1000)))
    #expect(result.summary?.rejection == .messageTooBig)
    #expect(result.summary?.rejection?.reply.code == 552)
    #expect(result.summary?.rejection?.reply.enhancedCode == EnhancedStatusCode(5, 3, 4))
    #expect(result.rest == bytes("QUIT\r\n"))
    // Exactly at the limit is fine.
    let exact = decodeData([message], configuration: .init(maxMessageSize: 10_000))
    #expect(exact.summary?.rejection == nil)
    #expect(exact.body.count == 10_000)
}

@Test func bareLineFeedIsNormalisedByDefault() {
    // RFC 5321 §2.3.8; default policy follows Postfix's smtpd_forbid_bare_newline=normalize.
    let result = decodeData([bytes("a\nb\r\nc\n\r\n.\r\n")])
    #expect(result.body == bytes("a\r\nb\r\nc\r\n\r\n"))
    #expect(result.summary?.bareLineFeeds == 2)
    #expect(result.summary?.rejection == nil)
}

@Test func bareLineFeedCanBeRejected() {
    let result = decodeData([bytes("a\nb\r\n.\r\n")], configuration: .init(bareLF: .reject))
    #expect(result.summary?.rejection == .bareLineEnding)
    #expect(result.summary?.rejection?.reply.code == 554)
    #expect(result.rest.isEmpty)
}

@Test func bareCarriageReturnIsRejectedByDefaultOrNormalised() {
    let rejected = decodeData([bytes("a\rb\r\n.\r\n")])
    #expect(rejected.summary?.rejection == .bareLineEnding)
    #expect(rejected.summary?.bareCarriageReturns == 1)
    #expect(rejected.body == bytes("a\rb\r\n"))
    let normalised = decodeData([bytes("a\rb\r\n.\r\n")], configuration: .init(bareCR: .normalize))
    #expect(normalised.body == bytes("a\r\nb\r\n"))
    #expect(normalised.summary?.rejection == nil)
    // A CR split from its LF across chunks is not bare.
    let split = decodeData([bytes("a\r"), bytes("\nb\r"), bytes("\n.\r"), bytes("\n")])
    #expect(split.summary?.bareCarriageReturns == 0)
    #expect(split.body == bytes("a\r\nb\r\n"))
}

struct SmugglingCase: Sendable, CustomTestStringConvertible {
    let wire: String
    let configuration: DataDecoder.Configuration
    var testDescription: String { wire.debugDescription }
}

/// Sequences some receivers take for the end of data; here they never end it, and they refuse the message.
@Test(arguments: [
    SmugglingCase(wire: "a\n.\nb\r\n.\r\n", configuration: .init()),
    SmugglingCase(wire: "a\n.\r\nb\r\n.\r\n", configuration: .init()),
    SmugglingCase(wire: "a\r\n.\nb\r\n.\r\n", configuration: .init()),
    SmugglingCase(wire: "a\r.\r\nb\r\n.\r\n", configuration: .init(bareCR: .normalize)),
    SmugglingCase(wire: "a\r\n.\rb\r\n.\r\n", configuration: .init(bareCR: .normalize)),
    SmugglingCase(wire: "a\r\n.\r.\r\n.\r\n", configuration: .init()),
])
func ambiguousEndsNeverEndTheData(_ testCase: SmugglingCase) {
    let result = decodeData([bytes(testCase.wire + "MAIL FROM:<x@y>\r\n")], configuration: testCase.configuration)
    #expect(result.rest == bytes("MAIL FROM:<x@y>\r\n"))
    #expect(result.summary?.rejection != nil)
    let drip = decodeData(
        bytes(testCase.wire + "MAIL FROM:<x@y>\r\n").map { [$0] }, configuration: testCase.configuration)
    #expect(drip.body == result.body && drip.summary == result.summary && drip.rest == result.rest)
}

@Test func overlongLinesAreReportedAndConsumed() {
    // RFC 5321 §4.5.3.1.6: 1000 octets including CRLF, not counting a stuffed dot.
    let fits = String(repeating: "a", count: 998)
    let stuffedFits = "." + String(repeating: ".", count: 998)
    let tooLong = String(repeating: "b", count: 999)
    let ok = decodeData([bytes("\(fits)\r\n\(stuffedFits)\r\n.\r\n")])
    #expect(ok.summary?.overlongLines == 0)
    #expect(ok.summary?.rejection == nil)
    let bad = decodeData(
        chunks(bytes("x\r\n\(tooLong)\r\n\(tooLong)\(tooLong)\r\ny\r\n.\r\nQUIT\r\n"), cuts: [500, 1500]))
    #expect(bad.summary?.overlongLines == 2)
    #expect(bad.summary?.rejection == .lineTooLong)
    #expect(bad.body.count == 3 + 1001 + 2000 + 3)
    #expect(bad.rest == bytes("QUIT\r\n"))
    let unlimited = decodeData([bytes("\(tooLong)\r\n.\r\n")], configuration: .init(maxLineLength: nil))
    #expect(unlimited.summary?.rejection == nil)
}

@Test func encoderStuffsAndTerminates() {
    func encode(_ text: String) -> String { String(buffer: DataEncoder.encode(ByteBuffer(string: text))) }
    #expect(encode("") == ".\r\n")
    #expect(encode("a\r\n.b\r\n") == "a\r\n..b\r\n.\r\n")
    #expect(encode(".\r\n") == "..\r\n.\r\n")
    #expect(encode("no newline") == "no newline\r\n.\r\n")
    #expect(encode("bare\nlf\rcr\r") == "bare\r\nlf\r\ncr\r\n.\r\n")
    #expect(encode("x\r\n") == "x\r\n.\r\n")
    var encoder = DataEncoder()
    var out = ByteBuffer()
    encoder.encode(ByteBuffer(string: "short\r\n" + String(repeating: "z", count: 1200) + "\r\n"), into: &out)
    #expect(encoder.longestLine == 1202)
}

@Test func encoderIsSplitProof() {
    let message = bytes("a\r\n.b\r\n..\r\nc\rd\ne\r\n.")
    let whole = DataEncoder.encode(buffer(message))
    for cut in 0...message.count {
        var encoder = DataEncoder()
        var out = ByteBuffer()
        for part in chunks(message, cuts: [cut]) { encoder.encode(buffer(part), into: &out) }
        encoder.finish(into: &out)
        #expect(out == whole, "cut \(cut)")
    }
}

/// Random messages: decode(encode(m)) is m with CRLF line ends, whatever the chunking on both sides.
@Test func encoderAndDecoderRoundTrip() {
    var random = SeededRandom(seed: 2024)
    let alphabet: [UInt8] = Array("ab.\r\n\r\n. ".utf8) + [0xC3, 0xA9]
    for _ in 0..<500 {
        let message = (0..<Int.random(in: 0...200, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
        let wire = Array(DataEncoder.encode(buffer(message)).readableBytesView)
        let cuts = (0..<Int.random(in: 0...5, using: &random)).map { _ in Int.random(in: 0...wire.count, using: &random)
        }
        let decoded = decodeData(chunks(wire + bytes("QUIT\r\n"), cuts: cuts))
        #expect(decoded.body == normalisedLines(message))
        #expect(decoded.summary?.rejection == nil)
        #expect(decoded.rest == bytes("QUIT\r\n"))
    }
}

/// CRLF line ends for every CR, LF and CRLF, and a final CRLF when missing.
func normalisedLines(_ message: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    var index = 0
    while index < message.count {
        let byte = message[index]
        if byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") {
            out += [13, 10]
            if byte == UInt8(ascii: "\r") && index + 1 < message.count && message[index + 1] == UInt8(ascii: "\n") {
                index += 1
            }
        } else {
            out.append(byte)
        }
        index += 1
    }
    if !out.isEmpty && out.suffix(2) != [13, 10] { out += [13, 10] }
    return out
}

@Test func randomBytesNeverTrapTheDecoder() {
    var random = SeededRandom(seed: 99)
    let alphabet: [UInt8] = Array(".\r\nx".utf8)
    for _ in 0..<2000 {
        let input = (0..<Int.random(in: 0...64, using: &random)).map { _ in alphabet.randomElement(using: &random)! }
        let whole = decodeData([input], configuration: .init(maxMessageSize: 20, maxLineLength: 8))
        let drip = decodeData(input.map { [$0] }, configuration: .init(maxMessageSize: 20, maxLineLength: 8))
        #expect(whole.body == drip.body && whole.summary == drip.summary && whole.rest == drip.rest)
        #expect(whole.body.count <= 20)
    }
}
