import Foundation
import Testing

@testable import MIME

@Suite struct LargeMessageTests {
    /// A multipart/mixed message with a text part and a base64 attachment of `payload` bytes
    /// (76-character lines, CRLF), as mail clients produce them.
    static func attachmentMessage(payload: Int) -> (bytes: [UInt8], base64Size: Int, base64Lines: Int) {
        var bytes = crlf(
            """
            From: Alice <alice@example.com>
            To: Bob <bob@example.org>
            Subject: big attachment
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="BIG"

            --BIG
            Content-Type: text/plain; charset=us-ascii

            See the attachment.
            --BIG
            Content-Type: application/octet-stream; name="big.bin"
            Content-Transfer-Encoding: base64
            Content-Disposition: attachment; filename="big.bin"


            """)
        let cycle = (0..<256).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        var raw: [UInt8] = []
        raw.reserveCapacity(payload + 256)
        while raw.count < payload { raw += cycle }
        let data = Data(raw.prefix(payload))
        let encoded = Array(
            data.base64EncodedData(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        )
        bytes.reserveCapacity(bytes.count + encoded.count + 16)
        bytes += encoded
        let lines = encoded.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        bytes += Array("\r\n--BIG--\r\n".utf8)
        return (bytes, encoded.count, lines)
    }

    @Test func twentyMegabyteAttachment() throws {
        let payload = 20 * 1024 * 1024
        let (bytes, base64Size, base64Lines) = Self.attachmentMessage(payload: payload)
        let clock = ContinuousClock()
        var parsed: ParsedMessage? = nil
        let elapsed = clock.measure { parsed = MIMEParser.parse(bytes) }
        let t0 = clock.now
        let m = try #require(parsed)
        let mbps =
            Double(bytes.count) / 1_048_576
            / (Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds))
        print("MIME: parsed \(bytes.count) bytes in \(elapsed) (\(Int(mbps)) MB/s, debug build unless -c release)")

        #expect(m.root.children.count == 2)
        let attachment = try #require(m.part(at: [2]))
        #expect(attachment.bodySize == base64Size)
        #expect(attachment.bodyLines == nil)  // only counted for text and message parts
        #expect(m.hasAttachment)
        #expect(m.decodedSize(of: attachment) == payload)
        let bs = m.bodyStructure.imapString(extended: true)
        #expect(bs.contains("\"base64\" \(base64Size) NIL (\"attachment\" (\"filename\" \"big.bin\"))"))
        #expect(m.preview == "See the attachment.")
        #expect(base64Lines == base64Size / 78)  // full 76-character lines end in CRLF; the last has none
        let decoded = m.decodedBody(of: attachment)
        #expect(decoded.count == payload)
        #expect(decoded.prefix(4) == [7, 38, 69, 100])
        print("MIME: checks and decoding took \(clock.now - t0)")
    }

    @Test func textLinesOfALargeTextPart() {
        let line = String(repeating: "a", count: 70) + "\r\n"
        let body = String(repeating: line, count: 100_000)
        let m = MIMEParser.parse(Array(("Content-Type: text/plain\r\n\r\n" + body).utf8))
        #expect(m.root.bodyLines == 100_000)
        #expect(
            m.bodyStructure.imapString(extended: false)
                == #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 7200000 100000)"#)
    }

    /// The caller keeps the bytes (here a memory-mapped file); the structure holds only ranges.
    @Test func fileBackedParseWithoutCopy() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mime-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("message.eml")
        let (bytes, _, _) = Self.attachmentMessage(payload: 100_000)
        try Data(bytes).write(to: file)

        let mapped = try Data(contentsOf: file, options: .alwaysMapped)
        let (structure, preview, decoded) = mapped.withUnsafeBytes { buffer in
            let s = MIMEParser.parseStructure(buffer)
            let p = s.preview(in: buffer)
            let d = s.part(at: [2]).map { s.decodedSize(of: $0, in: buffer) }
            return (s, p, d)
        }
        #expect(structure == MIMEParser.parse(bytes).structure)
        #expect(preview == "See the attachment.")
        #expect(decoded == 100_000)
    }

    @Test func structureRoundTripsThroughCodable() throws {
        for shape in Corpus.shapes {
            let s = MIMEParser.parse(shape.bytes).structure
            let data = try JSONEncoder().encode(s)
            let back = try JSONDecoder().decode(MessageStructure.self, from: data)
            #expect(back == s, "\(shape.name)")
            #expect(back.bodyStructure.imapString(extended: true) == shape.bodyStructure)
            let bs = try JSONDecoder().decode(BodyStructure.self, from: JSONEncoder().encode(s.bodyStructure))
            #expect(bs == s.bodyStructure)
            let env = try JSONDecoder().decode(Envelope.self, from: JSONEncoder().encode(s.envelope))
            #expect(env == s.envelope)
        }
    }
}
