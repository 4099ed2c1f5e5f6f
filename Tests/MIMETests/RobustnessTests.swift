import Foundation
import Testing

@testable import MIME

/// Deterministic pseudo-random numbers (SplitMix64), so failures reproduce.
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

@Suite struct RobustnessTests {
    /// Bytes that matter to the grammar, to make random input hit interesting paths.
    static let alphabet: [UInt8] =
        Array("\r\n\r\n--:; =?\"<>(),@\\\t[]*'%/bq_BQ".utf8) + [0x00, 0x80, 0xC3, 0xA9, 0xFF, 0x1B]

    static let fragments: [[UInt8]] = [
        crlf("Content-Type: multipart/mixed; boundary=b\n"), crlf("--b\n"), crlf("--b--\n"),
        crlf("Content-Type: message/rfc822\n"), crlf("Content-Transfer-Encoding: base64\n"),
        crlf("Content-Transfer-Encoding: quoted-printable\n"), crlf("From: a <b@c>, \"x\" <y@z>\n"),
        crlf("Subject: =?utf-8?b?w6k=?= =?iso-2022-jp?q?=1B$B?=\n"), crlf("\n"), crlf(" folded\n"),
        crlf("Content-Disposition: attachment; filename*0*=utf-8''%C3; filename*1=x\n"),
        crlf("Date: Mon, 2 Jan 2023 10:00:00 +0000\n"), crlf("To: g: a@b, c;\n"), Array("=\r\n=4".utf8),
        crlf("Content-Type: multipart/digest; boundary=\"d d\"\n"), crlf("--d d\n"),
    ]

    /// Exercises every public operation on one input and checks the range invariants.
    static func exercise(_ bytes: [UInt8]) -> Bool {
        let m = MIMEParser.parse(bytes)
        guard checkRanges(m) else { return false }
        _ = m.envelope.imapString()
        _ = m.bodyStructure.imapString(extended: true)
        _ = m.bodyStructure.imapString(extended: false)
        _ = m.preview
        _ = m.searchText()
        _ = m.hasAttachment
        _ = m.date
        _ = m.references
        func visit(_ p: Part, _ path: [Int]) -> Bool {
            _ = m.decodedBody(of: p)
            _ = m.decodedSize(of: p)
            for spec in [
                SectionSpec(part: path), SectionSpec(part: path, text: .mime),
                SectionSpec(part: path, text: .header), SectionSpec(part: path, text: .text),
            ] {
                if let s = m.sectionRanges(spec) {
                    for r in s.ranges where r.lowerBound < 0 || r.upperBound > m.size || r.lowerBound > r.upperBound {
                        return false
                    }
                }
            }
            let children = p.kind == .message ? (p.children.first?.numberedParts ?? []) : p.numberedParts
            if p.kind == .single { return true }
            for (i, c) in children.enumerated() where path.count < 8 {
                if !visit(c, path + [i + 1]) { return false }
            }
            return true
        }
        return visit(m.root, [])
    }

    @Test func randomInputs() {
        var rng = SplitMix64(state: 0x5EED)
        for _ in 0..<1500 {
            let n = Int.random(in: 0..<1200, using: &rng)
            var bytes: [UInt8] = []
            bytes.reserveCapacity(n)
            while bytes.count < n {
                switch Int.random(in: 0..<10, using: &rng) {
                case 0..<3: bytes.append(UInt8.random(in: 0...255, using: &rng))
                case 3..<7: bytes.append(Self.alphabet.randomElement(using: &rng)!)
                default: bytes += Self.fragments.randomElement(using: &rng)!
                }
            }
            #expect(Self.exercise(bytes), "input: \(bytes)")
        }
    }

    @Test func mutatedCorpus() {
        var rng = SplitMix64(state: 42)
        let seeds = Corpus.shapes.map(\.bytes) + RFCExamples.all.map(\.1)
        for _ in 0..<2000 {
            var bytes = seeds.randomElement(using: &rng)!
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                guard !bytes.isEmpty else { break }
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<6, using: &rng) {
                case 0: bytes[at] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(Self.alphabet.randomElement(using: &rng)!, at: at)
                case 3: bytes.insert(contentsOf: Self.fragments.randomElement(using: &rng)!, at: at)
                case 4: bytes.removeLast(Int.random(in: 0...(bytes.count - at), using: &rng))  // truncate
                default:
                    let len = Int.random(in: 0...min(64, bytes.count - at), using: &rng)
                    bytes.insert(contentsOf: bytes[at..<(at + len)], at: Int.random(in: 0...bytes.count, using: &rng))
                }
            }
            #expect(Self.exercise(bytes), "input: \(bytes)")
        }
    }

    @Test func deepMultipartNestingIsCapped() {
        var text = ""
        for i in 0..<500 { text += "Content-Type: multipart/mixed; boundary=\"b\(i)\"\r\n\r\n--b\(i)\r\n" }
        text += "Content-Type: text/plain\r\n\r\ninnermost\r\n"
        let m = MIMEParser.parse(Array(text.utf8))
        var depth = 0
        var p = m.root
        while p.kind == .multipart, let c = p.children.first {
            depth += 1
            p = c
        }
        #expect(depth == MIMELimits.maxNestingDepth)
        #expect(p.contentType.mimeType == "application/octet-stream")
        #expect(Self.exercise(Array(text.utf8)))
    }

    @Test func deepMessageNestingIsCapped() {
        let text = String(repeating: "Content-Type: message/rfc822\r\n\r\n", count: 300) + "Subject: end\r\n\r\nx"
        let m = MIMEParser.parse(Array(text.utf8))
        var depth = 0
        var p = m.root
        while p.kind == .message, let c = p.children.first {
            depth += 1
            p = c
        }
        #expect(depth == MIMELimits.maxNestingDepth)
        #expect(m.bodyStructure.imapString(extended: true).contains("\"application\" \"octet-stream\""))
    }

    @Test func partCountIsCapped() {
        var text = "Content-Type: multipart/mixed; boundary=p\r\n\r\n"
        for _ in 0..<(MIMELimits.maxParts + 50) { text += "--p\r\n\r\nx\r\n" }
        text += "--p--\r\n"
        let m = MIMEParser.parse(Array(text.utf8))
        #expect(m.root.children.count == MIMELimits.maxParts - 1)
        #expect(checkRanges(m))
    }

    /// Inputs that would be quadratic for a naive encoded-word scanner (each "=?" searching to the
    /// end for "?="); this finishes in milliseconds because searches only move forward.
    @Test func adversarialEncodedWords() {
        let a = String(repeating: "=?a?q?x ", count: 50_000) + "?="
        #expect(EncodedWords.decode(a).hasPrefix("=?a?q?x =?a?q?x"))
        let b = String(repeating: "=?a?b?x", count: 50_000) + " ?="
        #expect(EncodedWords.decode(b).count == b.count)
        let c = "Subject: " + String(repeating: "=?utf-8?q?=C3=A9?= ", count: 20_000) + "\r\n\r\n"
        let m = MIMEParser.parse(Array(c.utf8))
        #expect(m.envelope.decodedSubject == String(repeating: "é", count: 20_000))
    }

    @Test func emptyAndTinyInputs() {
        for s in ["", "\r", "\n", "\r\n", "\r\n\r\n", ":", "a:", " x", "--", "=?", "Content-Type: multipart/mixed"] {
            #expect(Self.exercise(Array(s.utf8)))
        }
    }
}
