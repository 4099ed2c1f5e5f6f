import Foundation
import Testing

@testable import MIME

/// The message text with every "\n" turned into CRLF (the wire form).
func crlf(_ s: String) -> [UInt8] {
    Array(s.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
}

/// The message text with bare LF line ends.
func lf(_ s: String) -> [UInt8] { Array(s.utf8) }

func parse(_ bytes: [UInt8]) -> ParsedMessage { MIMEParser.parse(bytes) }

/// The bytes of a section as a String (for readable expectations).
func sectionText(_ m: ParsedMessage, _ spec: String) -> String? {
    guard let s = SectionSpec(spec), let d = m.sectionData(s) else { return nil }
    return String(decoding: d, as: UTF8.self)
}

/// Checks that every range in the tree lies inside the message and children inside parents.
func checkRanges(_ m: ParsedMessage) -> Bool {
    func ok(_ r: Range<Int>, in outer: Range<Int>) -> Bool {
        r.lowerBound >= outer.lowerBound && r.upperBound <= outer.upperBound
    }
    func walk(_ p: Part, in outer: Range<Int>) -> Bool {
        guard ok(p.header.range, in: outer), ok(p.bodyRange, in: outer) else { return false }
        for f in p.header.fields where !ok(f.range, in: p.header.range) { return false }
        for c in p.children where !walk(c, in: p.bodyRange) { return false }
        return true
    }
    return walk(m.root, in: 0..<m.size)
}
