import Foundation
import Testing

@testable import MIME

/// RFC 9051 §6.4.5 section addressing over a nested message.
@Suite struct SectionTests {
    static let nested = crlf(
        """
        From: top@example.com
        Subject: top
        Content-Type: multipart/mixed; boundary="outer"

        --outer
        Content-Type: multipart/mixed; boundary="inner"

        --inner
        Content-Type: text/plain

        inner text
        --inner
        Content-Type: message/rfc822

        From: nested@example.com
        Subject: nested

        nested body
        --inner--
        --outer
        Content-Type: application/octet-stream
        Content-Transfer-Encoding: base64

        AAEC
        --outer
        Content-Type: message/rfc822

        From: deep@example.com
        Subject: deep
        Content-Type: multipart/alternative; boundary="deep"

        --deep
        Content-Type: text/plain

        deep plain
        --deep
        Content-Type: text/html

        <p>deep html</p>
        --deep--
        --outer--

        """)

    @Test(arguments: [
        (
            "HEADER",
            "From: top@example.com\r\nSubject: top\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
        ),
        ("1.1", "inner text"),
        ("1.2", "From: nested@example.com\r\nSubject: nested\r\n\r\nnested body"),
        ("1.2.HEADER", "From: nested@example.com\r\nSubject: nested\r\n\r\n"),
        ("1.2.TEXT", "nested body"),
        ("1.2.1", "nested body"),
        ("1.2.MIME", "Content-Type: message/rfc822\r\n\r\n"),
        ("1.MIME", "Content-Type: multipart/mixed; boundary=\"inner\"\r\n\r\n"),
        ("2", "AAEC"),
        ("2.MIME", "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"),
        (
            "3.HEADER",
            "From: deep@example.com\r\nSubject: deep\r\nContent-Type: multipart/alternative; boundary=\"deep\"\r\n\r\n"
        ),
        ("3.1", "deep plain"),
        ("3.2", "<p>deep html</p>"),
        ("3.2.MIME", "Content-Type: text/html\r\n\r\n"),
        ("3.HEADER.FIELDS (SUBJECT)", "Subject: deep\r\n\r\n"),
        ("HEADER.FIELDS (from Subject)", "From: top@example.com\r\nSubject: top\r\n\r\n"),
        ("HEADER.FIELDS.NOT (FROM SUBJECT)", "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"),
        ("HEADER.FIELDS (X-NONE)", "\r\n"),
    ])
    func sections(_ spec: String, _ expected: String) {
        let m = parse(Self.nested)
        #expect(sectionText(m, spec) == expected)
    }

    @Test func wholePartsAndText() throws {
        let m = parse(Self.nested)
        let text = try #require(sectionText(m, "TEXT"))
        #expect(text.hasPrefix("--outer\r\n"))
        #expect(text.hasSuffix("--outer--\r\n"))
        #expect(sectionText(m, "") == String(decoding: Self.nested, as: UTF8.self))
        let one = try #require(sectionText(m, "1"))
        #expect(one.hasPrefix("--inner\r\n") && one.hasSuffix("--inner--"))
        let three = try #require(sectionText(m, "3"))
        #expect(three.hasPrefix("From: deep@example.com\r\n") && three.hasSuffix("--deep--"))
        #expect(sectionText(m, "3.TEXT") == String(three.split(separator: "\r\n\r\n", maxSplits: 1)[1]))
    }

    @Test(arguments: ["2.HEADER", "2.1", "4", "1.3", "1.1.1", "3.3", "1.1.TEXT"])
    func missingSections(_ spec: String) {
        let m = parse(Self.nested)
        #expect(sectionText(m, spec) == nil)
    }

    @Test func sectionSpecParsing() {
        #expect(SectionSpec("1.2.HEADER") == SectionSpec(part: [1, 2], text: .header))
        #expect(SectionSpec("2.MIME") == SectionSpec(part: [2], text: .mime))
        #expect(SectionSpec("") == SectionSpec())
        #expect(SectionSpec("header.fields (a b)") == SectionSpec(text: .headerFields(["A", "B"])))
        #expect(SectionSpec("0") == nil)
        #expect(SectionSpec("MIME") == nil)
        #expect(SectionSpec("1.FOO") == nil)
    }

    @Test func nonMultipartMessageHasPartOne() {
        let m = parse(crlf("Subject: x\nContent-Type: text/plain\n\nbody\n"))
        #expect(sectionText(m, "1") == "body\r\n")
        #expect(sectionText(m, "TEXT") == "body\r\n")
        #expect(sectionText(m, "1.MIME") == "Subject: x\r\nContent-Type: text/plain\r\n\r\n")
        #expect(sectionText(m, "2") == nil)
        #expect(sectionText(m, "1.1") == nil)
    }

    @Test func topLevelMessageRFC822() {
        let m = parse(crlf("Content-Type: message/rfc822\n\nSubject: inner\n\ninner body\n"))
        #expect(sectionText(m, "1") == "Subject: inner\r\n\r\ninner body\r\n")
        #expect(sectionText(m, "1.HEADER") == "Subject: inner\r\n\r\n")
        #expect(sectionText(m, "1.1") == "inner body\r\n")
    }

    @Test func binaryDecoding() throws {
        let m = parse(Self.nested)
        let p = try #require(m.part(at: [2]))
        #expect(m.decodedBody(of: p) == [0, 1, 2])
        #expect(m.decodedSize(of: p) == 3)
        #expect(p.bodySize == 4)
    }

    @Test func rangesMatchSectionData() throws {
        let m = parse(Self.nested)
        let s = try #require(m.sectionRanges(SectionSpec(part: [3, 2])))
        #expect(s.ranges.count == 1)
        #expect(Array(m.bytes[s.ranges[0]]) == Array("<p>deep html</p>".utf8))
        let h = try #require(m.sectionRanges(SectionSpec(text: .headerFields(["SUBJECT"]))))
        #expect(h.appendCRLF && h.count == "Subject: top\r\n\r\n".utf8.count)
    }
}
