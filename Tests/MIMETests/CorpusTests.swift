import Foundation
import Testing

@testable import MIME

@Suite struct CorpusTests {
    @Test func corpusHasAtLeastThirtyShapes() {
        #expect(Corpus.shapes.count >= 30)
    }

    @Test(arguments: Corpus.shapes)
    func shape(_ shape: Shape) {
        let m = parse(shape.bytes)
        #expect(m.envelope.imapString() == shape.envelope)
        #expect(m.bodyStructure.imapString(extended: true) == shape.bodyStructure)
        #expect(checkRanges(m))
    }

    /// The header-only parse gives the same header, so the same envelope, as the full parse.
    @Test(arguments: Corpus.shapes)
    func headerOnlyParse(_ shape: Shape) {
        let header = shape.bytes.withUnsafeBytes { MIMEParser.parseHeader($0) }
        #expect(header == parse(shape.bytes).structure.header)
        #expect(Envelope(header: header).imapString() == shape.envelope)
    }

    /// With MIME_DUMP_DIR set, writes each shape and our output there (to compare with Dovecot).
    @Test func dumpCorpus() throws {
        guard let dir = ProcessInfo.processInfo.environment["MIME_DUMP_DIR"] else { return }
        let all = Corpus.shapes.map { ($0.name, $0.bytes) } + RFCExamples.all
        for (i, s) in all.enumerated() {
            let m = parse(s.1)
            let base = URL(fileURLWithPath: dir).appendingPathComponent(String(format: "%02d", i))
            try Data(s.1).write(to: base.appendingPathExtension("eml"))
            let ours =
                "name: \(s.0)\nimap.envelope: \(m.envelope.imapString())\nimap.bodystructure: \(m.bodyStructure.imapString(extended: true))\nimap.body: \(m.bodyStructure.imapString(extended: false))\n"
            try Data(ours.utf8).write(to: base.appendingPathExtension("ours"))
        }
    }
}
