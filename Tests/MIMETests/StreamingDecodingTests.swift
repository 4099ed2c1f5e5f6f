// TransferDecoder (chunk by chunk) against TransferDecoding.decode (whole body): the same bytes for every
// chunk size, including cuts inside base64 quanta, "=XX" escapes, soft line breaks, CRLF pairs, trailing
// whitespace and quoted-printable lines longer than the held-back limit.

import Testing

@testable import MIME

@Suite struct StreamingDecodingTests {
    static func streamed(_ body: [UInt8], _ encoding: TransferEncoding, chunk: Int) -> [UInt8] {
        var decoder = TransferDecoder(encoding)
        var out: [UInt8] = []
        var i = 0
        while i < body.count {
            out += decoder.decode(body[i..<min(i + chunk, body.count)])
            i += chunk
        }
        return out + decoder.finish()
    }

    static func whole(_ body: [UInt8], _ encoding: TransferEncoding) -> [UInt8] {
        body.withUnsafeBytes { TransferDecoding.decode($0, encoding) }
    }

    static let samples: [(String, TransferEncoding)] = [
        ("SGVs\r\nbG8s IHdv*cmxk!IQ==\r\n???", .base64),
        ("QQ==Qg==QUI", .base64),
        ("Caf=C3=A9 soft=\r\nbreak soft=  \r\nbreak=\nx trailing   \r\nbad =ZZ =4", .quotedPrintable),
        ("a=\r", .quotedPrintable),
        ("ends with escape =4", .quotedPrintable),
        ("  \t \r\n\r\n=\r\n==\r\n=3D=3d=", .quotedPrintable),
        ("plain\r\nlines\r\n", .sevenBit),
    ]

    @Test(arguments: samples)
    func chunkedEqualsWhole(_ text: String, _ encoding: TransferEncoding) {
        let body = Array(text.utf8)
        for chunk in [1, 2, 3, 4, 5, 7, 64, body.count + 1] {
            #expect(Self.streamed(body, encoding, chunk: chunk) == Self.whole(body, encoding), "chunk \(chunk)")
        }
    }

    /// Random bodies over the characters that matter, and a line longer than the held-back limit.
    @Test func randomBodiesAndLongLines() {
        var rng = SplitMix64(state: 3516)
        let alphabet = Array("AZaz09+/=-_ \t\r\n=3D=C3=A9=\r\n".utf8)
        for round in 0..<200 {
            let length = Int.random(in: 0..<600, using: &rng)
            let body = (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] }
            let chunk = Int.random(in: 1..<80, using: &rng)
            for encoding in [TransferEncoding.base64, .quotedPrintable] {
                #expect(
                    Self.streamed(body, encoding, chunk: chunk) == Self.whole(body, encoding),
                    "round \(round) \(encoding) chunk \(chunk)")
            }
        }
        var long = Array(repeating: UInt8(ascii: "x"), count: TransferDecoder.maxHeldLine * 3)
        for i in stride(from: 100, to: long.count - 3, by: 1000) {
            long.replaceSubrange(i..<i + 3, with: Array("=41".utf8))
        }
        for i in stride(from: 555, to: long.count, by: 777) { long[i] = UInt8(ascii: " ") }
        #expect(Self.streamed(long, .quotedPrintable, chunk: 4096) == Self.whole(long, .quotedPrintable))
        // All whitespace, no line break: held (nothing safe to cut), still right at the end.
        let spaces = Array(repeating: UInt8(ascii: " "), count: TransferDecoder.maxHeldLine + 10) + [UInt8(ascii: "y")]
        #expect(Self.streamed(spaces, .quotedPrintable, chunk: 1000) == Self.whole(spaces, .quotedPrintable))
    }
}
