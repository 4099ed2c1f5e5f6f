import Foundation
import Testing

@testable import MIME

@Suite struct TransferDecodingTests {
    @Test func base64Tolerant() {
        #expect(TransferDecoding.base64(Array("SGVsbG8=".utf8)) == Array("Hello".utf8))
        #expect(
            TransferDecoding.base64(Array("SGVs\r\nbG8s IHdv*cmxk!IQ==\r\n???".utf8)) == Array("Hello, world!".utf8))
        // Concatenated chunks with padding in the middle.
        #expect(TransferDecoding.base64(Array("QQ==Qg==".utf8)) == Array("AB".utf8))
        // Missing padding.
        #expect(TransferDecoding.base64(Array("QUI".utf8)) == Array("AB".utf8))
        #expect(TransferDecoding.base64([]) == [])
        #expect(TransferDecoding.base64(Array("====".utf8)) == [])
    }

    func qp(_ s: String) -> String {
        let bytes = Array(s.utf8).withUnsafeBytes { TransferDecoding.decode($0, .quotedPrintable) }
        #expect(Array(s.utf8).withUnsafeBytes { TransferDecoding.decodedCount($0, .quotedPrintable) } == bytes.count)
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func quotedPrintable() {
        #expect(qp("Caf=C3=A9") == "Café")
        #expect(qp("soft=\r\nbreak") == "softbreak")
        #expect(qp("soft=  \r\nbreak") == "softbreak")
        #expect(qp("soft=\nbreak") == "softbreak")
        #expect(qp("bad =ZZ escape =4") == "bad =ZZ escape =4")
        #expect(qp("trailing   \r\nspace") == "trailing\r\nspace")
        #expect(qp("lower =c3=a9") == "lower é")
        #expect(qp("end=") == "end")
    }

    @Test func decodedPartsAndText() throws {
        let m = parse(Corpus.shapes.first { $0.name == "quoted-printable soft line breaks" }!.bytes)
        let text = m.text(of: m.root)
        #expect(text.contains("quoted-printable encoder, with a bad escape =ZZ and an equals = sign. \r\n"))
        #expect(text.hasSuffix("Second linejoined."))  // "=" + WSP + CRLF is a soft break too
        let b64 = parse(Corpus.shapes.first { $0.name == "base64 with junk" }!.bytes)
        #expect(b64.text(of: b64.root) == "Hello, world!")
        #expect(b64.decodedSize(of: b64.root) == 13)
    }

    @Test func transferEncodingTokens() {
        #expect(TransferEncoding(token: "BASE64") == .base64)
        #expect(TransferEncoding(token: "Quoted-Printable") == .quotedPrintable)
        #expect(TransferEncoding(token: "x-uuencode") == .other("x-uuencode"))
        #expect(transferEncodingToken(" base64 (comment)") == "base64")
    }
}

@Suite struct HeaderTests {
    @Test func foldedAndDecodedFields() throws {
        let m = parse(
            crlf(
                """
                Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=
                 aus
                	Berlin
                X-Empty:
                X-Spaced  : value
                Received: a
                Received: b

                body
                """))
        let subject = try #require(m.header.first("subject"))
        #expect(subject.rawValue == " =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n aus\r\n\tBerlin")
        #expect(subject.unfoldedValue == "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= aus\tBerlin")
        #expect(subject.decodedValue == "Grüße aus\tBerlin")
        #expect(m.header.value("X-Empty") == "")
        #expect(m.header.value("x-spaced") == "value")
        #expect(m.header.values("RECEIVED") == ["a", "b"])
        #expect(m.header.decodedValue("Missing") == nil)
        #expect(
            Array(m.bytes[subject.range]) == Array("Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n aus\r\n\tBerlin\r\n".utf8))
    }

    @Test func eightBitHeaders() {
        let m = parse(Corpus.shapes.first { $0.name == "Latin-1 raw headers" }!.bytes)
        #expect(m.envelope.subject == "Café cr")
        #expect(m.envelope.from?.first?.name == "René")
        let u = parse(Corpus.shapes.first { $0.name == "8-bit raw UTF-8 headers" }!.bytes)
        #expect(u.envelope.from?.first?.host == "bücher.example")
        #expect(u.text(of: u.root) == "Schöne Grüße!")
    }

    @Test func headerLimitsKeepRanges() {
        var text = ""
        for i in 0..<(MIMELimits.maxHeaderFields + 10) { text += "X-\(i): v\r\n" }
        text += "\r\nbody"
        let m = parse(Array(text.utf8))
        #expect(m.header.fields.count == MIMELimits.maxHeaderFields)
        #expect(m.sectionData(SectionSpec(text: .text)) == Array("body".utf8))
    }
}

@Suite struct AddressTests {
    @Test(arguments: [
        ("a@b.c", [Address(mailbox: "a", host: "b.c")]),
        ("<a@b.c>", [Address(mailbox: "a", host: "b.c")]),
        ("\"A B\" <a@b.c>", [Address(name: "A B", mailbox: "a", host: "b.c")]),
        ("A B <a@b.c", [Address(name: "A B", mailbox: "a", host: "b.c")]),  // missing ">"
        ("Doe, John <j@x.y>", [Address(name: "Doe, John", mailbox: "j", host: "x.y")]),
        ("a@b.c (Comment Name)", [Address(name: "Comment Name", mailbox: "a", host: "b.c")]),
        ("\"quoted local\"@x.y", [Address(mailbox: "quoted local", host: "x.y")]),
        ("a@[127.0.0.1]", [Address(mailbox: "a", host: "[127.0.0.1]")]),
        ("justname", [Address(mailbox: "justname", host: Address.missingDomain)]),
        ("<>", [Address(mailbox: Address.missingMailbox, host: Address.missingDomain)]),
        ("", []),
        (" , ,", []),
        ("g:;", [Address(mailbox: "g", host: nil), Address(mailbox: nil, host: nil)]),
        (
            "g: a@b.c",
            [Address(mailbox: "g", host: nil), Address(mailbox: "a", host: "b.c"), Address(mailbox: nil, host: nil)]
        ),
        ("=?UTF-8?B?w6k=?= <e@x.y>", [Address(name: "=?UTF-8?B?w6k=?=", mailbox: "e", host: "x.y")]),
    ])
    func parse(_ input: String, _ expected: [Address]) {
        #expect(Address.parseList(input) == expected)
    }

    @Test func decodedNames() {
        #expect(Address.parseList("=?UTF-8?B?w6k=?= <e@x.y>").first?.decodedName == "é")
        #expect(Address.parseList("a@b.c").first?.email == "a@b.c")
        #expect(Address(mailbox: "g", host: nil).isGroupStart)
        #expect(Address(mailbox: nil, host: nil).isGroupEnd)
    }

    @Test func senderAndReplyToDefaultToFrom() {
        let m = MIME.MIMEParser.parse(crlf("From: a@b.c\nSender:\nSubject: s\n\nx"))
        #expect(m.envelope.sender == m.envelope.from)
        #expect(m.envelope.replyTo == m.envelope.from)
        #expect(m.envelope.to == nil)
    }
}

@Suite struct DateTests {
    static func utc(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int) -> Date {
        Date(timeIntervalSince1970: TimeInterval(DateParser.daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s))
    }

    @Test(arguments: [
        ("Fri, 21 Nov 1997 09:55:06 -0600", utc(1997, 11, 21, 15, 55, 6), -21600),
        ("21 Nov 1997 09:55:06 -0600", utc(1997, 11, 21, 15, 55, 6), -21600),  // no day of week
        ("Fri, 21 Nov 97 09:55:06 GMT", utc(1997, 11, 21, 9, 55, 6), 0),  // 2-digit year
        ("1 Jan 05 00:00 +0000", utc(2005, 1, 1, 0, 0, 0), 0),  // 2-digit year < 50, no seconds
        ("Sat, 1 Jan 103 00:00:00 +0000", utc(2003, 1, 1, 0, 0, 0), 0),  // 3-digit year
        ("Mon, 2 Jan 2023 10:00:00 EST", utc(2023, 1, 2, 15, 0, 0), -18000),
        ("Mon, 2 Jan 2023 10:00:00 PDT", utc(2023, 1, 2, 17, 0, 0), -25200),
        ("Mon, 2 Jan 2023 10:00:00 A", utc(2023, 1, 2, 10, 0, 0), 0),  // military zone
        ("Mon, 2 Jan 2023 10:00:00", utc(2023, 1, 2, 10, 0, 0), 0),  // missing zone
        ("Mon, 2 Jan 2023 10:00:00 +0530 (IST)", utc(2023, 1, 2, 4, 30, 0), 19800),
        ("Mon Jan  2 10:00:00 2023", utc(2023, 1, 2, 10, 0, 0), 0),  // asctime
        ("2 January 2023 10:00:00 +0100", utc(2023, 1, 2, 9, 0, 0), 3600),
        ("29 Feb 2024 23:59:60 +0000", utc(2024, 2, 29, 23, 59, 59), 0),  // leap second clamps
    ])
    func parses(_ input: String, _ expected: Date, _ offset: Int) {
        let d = MessageDate(parsing: input)
        #expect(d?.date == expected)
        #expect(d?.timeZoneOffset == offset)
    }

    @Test(arguments: [
        "", "garbage", "Mon, 32 Jan 2023 10:00:00 +0000", "29 Feb 2023 10:00:00 +0000", "1 Foo 2023 10:00:00",
        "1 Jan 2023 25:00:00", "1 Jan 2023",
    ])
    func rejects(_ input: String) {
        #expect(MessageDate(parsing: input) == nil)
    }
}

@Suite struct TextTests {
    @Test func htmlToText() {
        let html = """
            <html><head><title>T</title><style>p { color: red }</style></head>
            <body><script>alert("x")</script><p>Fish &amp; Chips&nbsp;&#8364;5 &#x1F600; &bogus;</p>
            <!-- hidden --><div>Line<br>two</div><a href="x>y">link</a></body></html>
            """
        let text = collapseWhitespace(HTMLText.plainText(html))
        #expect(text == "Fish & Chips €5 😀 &bogus; Line two link")
    }

    @Test func previewsAndSearchText() {
        let alt = parse(Corpus.shapes.first { $0.name == "multipart/alternative text+html" }!.bytes)
        #expect(alt.preview == "Café au lait")
        #expect(alt.searchText().contains("Café au lait"))
        #expect(alt.searchText().contains("Test"))  // subject
        #expect(alt.searchText().contains("alice@example.com"))
        let html = parse(Corpus.shapes.first { $0.name == "Content-Type without charset" }!.bytes)
        #expect(html.preview == "hi")
        let long = parse(crlf("Subject: x\n\n" + String(repeating: "word  \n\t", count: 200)))
        #expect(long.preview.count == MIMELimits.previewLength)
        #expect(!long.preview.contains("  "))
        let nested = parse(Corpus.shapes.first { $0.name == "nested message/rfc822" }!.bytes)
        #expect(nested.searchText().contains("Original text."))
        #expect(nested.searchText().contains("Carol"))
        #expect(nested.searchText(includeHeaders: false).contains("Carol") == false)
        let subj = parse(Corpus.shapes.first { $0.name == "encoded-word subject ISO-2022-JP" }!.bytes)
        #expect(subj.envelope.decodedSubject == "こんにちは")
        #expect(subj.envelope.from?.first?.decodedName == "山田")
        #expect(subj.searchText().contains("こんにちは"))
        let files = parse(Corpus.shapes.first { $0.name == "multipart/mixed with RFC 2231 filenames" }!.bytes)
        #expect(files.searchText().contains("Résumé.pdf"))
        #expect(files.searchText().contains("long name.txt"))
        let ew = parse(Corpus.shapes.first { $0.name == "attachment with encoded-word filename" }!.bytes)
        #expect(ew.part(at: [2])?.filename == "äöü.bin")
    }

    @Test(arguments: [
        ("plain text", false),
        ("multipart/alternative text+html", false),
        ("multipart/related with inline images", false),
        ("multipart/mixed with RFC 2231 filenames", true),
        ("attachment with encoded-word filename", true),
        ("nested message/rfc822", true),
        ("calendar invite", false),
        ("S/MIME multipart/signed", false),
        ("DSN multipart/report", false),
    ])
    func attachments(_ name: String, _ expected: Bool) throws {
        let shape = try #require(Corpus.shapes.first { $0.name == name })
        #expect(parse(shape.bytes).hasAttachment == expected)
    }

    @Test func messageIDs() {
        #expect(parseMessageIDs("<a@b> <c@d>") == ["a@b", "c@d"])
        #expect(parseMessageIDs("<a@b>(comment)<c@d>") == ["a@b", "c@d"])
        #expect(parseMessageIDs("a@b c@d") == ["a@b", "c@d"])
        #expect(parseMessageIDs("Your message of 1 Jan <x@y>") == ["x@y"])
        #expect(parseMessageIDs("") == [])
    }

    @Test func headerText() {
        let m = parse(RFCExamples.rfc2047a)
        #expect(m.structure.headerText.contains("Keld Jørn Simonsen keld@dkuug.dk"))
        #expect(m.structure.headerText.contains("If you can read this you understand the example."))
    }
}
