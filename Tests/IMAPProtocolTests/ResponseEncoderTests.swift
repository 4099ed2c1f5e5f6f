// ResponseEncoder: encode fixtures for every response form beyond the RFC examples, string forms,
// mailbox encodings and the streamed FETCH.

import NIOCore
import Testing

@testable import IMAPProtocol

@Suite struct ResponseEncoderTests {
    struct Fixture: Sendable, CustomTestStringConvertible {
        let responses: [Response]
        let expected: String
        let utf8: Bool
        var testDescription: String { expected }

        init(_ expected: String, utf8: Bool = false, _ responses: Response...) {
            self.expected = expected
            self.responses = responses
            self.utf8 = utf8
        }
    }

    static let fixtures: [Fixture] = [
        // Mailbox names: modified UTF-7 for rev1, UTF-8 once UTF8=ACCEPT / IMAP4rev2 is enabled.
        .init(
            "* LIST (\\HasNoChildren) \"/\" \"~peter/mail/&U,BTFw-/&ZeVnLIqe-\"\r\n",
            .untagged(
                .list(MailboxListItem(attributes: [.hasNoChildren], delimiter: "/", mailbox: "~peter/mail/台北/日本語")))),
        .init(
            "* LIST (\\HasNoChildren) \"/\" \"~peter/mail/台北/日本語\"\r\n", utf8: true,
            .untagged(
                .list(MailboxListItem(attributes: [.hasNoChildren], delimiter: "/", mailbox: "~peter/mail/台北/日本語")))),
        .init(
            "* LIST () \"/\" \"Tom &- Jerry\"\r\n",
            .untagged(.list(MailboxListItem(attributes: [], delimiter: "/", mailbox: "Tom & Jerry")))),
        .init(
            "* LIST () \"\\\\\" \"a\\\\b \\\"c\\\"\"\r\n",
            .untagged(.list(MailboxListItem(attributes: [], delimiter: "\\", mailbox: "a\\b \"c\"")))),
        .init(
            "* STATUS \"Caf&AOk-\" (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 3 UNSEEN 4 DELETED 5 SIZE 6 RECENT 7 HIGHESTMODSEQ 8 APPENDLIMIT 9 MAILBOXID (F1))\r\n",
            .untagged(
                .status(
                    mailbox: "Café",
                    [
                        .messages(1), .uidNext(2), .uidValidity(3), .unseen(4), .deleted(5), .size(6), .recent(7),
                        .highestModSeq(8), .appendLimit(9), .mailboxID("F1"),
                    ]))),
        .init(
            "* STATUS \"Café\" (APPENDLIMIT NIL)\r\n", utf8: true,
            .untagged(.status(mailbox: "Café", [.appendLimit(nil)]))),
        .init(
            "* LIST (\\Subscribed) \"/\" \"Sent\" (\"CHILDINFO\" (\"SUBSCRIBED\" \"SPECIAL-USE\") \"OLDNAME\" (\"Gesendet\"))\r\n",
            .untagged(
                .list(
                    MailboxListItem(
                        attributes: [.subscribed], delimiter: "/", mailbox: "Sent",
                        extendedItems: [.childInfo([.subscribed, .specialUse]), .oldName("Gesendet")])))),
        .init(
            "* NAMESPACE ((\"\" \"/\")) NIL ((\"Shared/\" \"/\"))\r\n",
            .untagged(
                .namespace(
                    NamespaceResponse(
                        personal: [NamespaceDescription(prefix: "", delimiter: "/")], otherUsers: [],
                        shared: [NamespaceDescription(prefix: "Shared/", delimiter: "/")])))),
        // Strings: quoted, escaped, or a literal when they hold CR/LF, 8-bit for rev1, or are long.
        .init(
            "* ID (\"name\" \"Mail\\\"room\\\\\" \"os\" NIL)\r\n",
            .untagged(.id([IDParameter("name", "Mail\"room\\"), IDParameter("os", nil)]))),
        .init("* ID (\"x\" {5}\r\na\r\nbc)\r\n", .untagged(.id([IDParameter("x", "a\r\nbc")]))),
        .init("* ID (\"x\" {2}\r\né)\r\n", .untagged(.id([IDParameter("x", "é")]))),
        .init("* ID (\"x\" \"é\")\r\n", utf8: true, .untagged(.id([IDParameter("x", "é")]))),
        .init(
            "* ID (\"long\" {1025}\r\n" + String(repeating: "l", count: 1025) + ")\r\n",
            .untagged(.id([IDParameter("long", String(repeating: "l", count: 1025))]))),
        .init(
            "* ESEARCH (TAG \"a\\\"b\") UID\r\n",
            .untagged(.esearch(ESearchResponse(tag: "a\"b", uid: true, returnData: [])))),
        .init(
            "* ESEARCH UID COUNT 0\r\n",
            .untagged(.esearch(ESearchResponse(tag: nil, uid: true, returnData: [.count(0)])))),
        // Response text never carries CR or LF.
        .init("a BAD bad  input\r\n", .bad("a", "bad\r\ninput")),
        .init("a OK\r\n", .ok("a", "")),
        .init("* BAD [CLIENTBUG] x\r\n", .untagged(.bad(ResponseText(code: .clientBug, "x")))),
        .init("* OK [XYZ a b] c\r\n", .untagged(.ok(ResponseText(code: .other("XYZ", "a]b"), "c")))),
        .init("+ Ready  \r\n", .continuation(.text("Ready\r\n"))),
        .init("* SEARCH 1 (MODSEQ 5)\r\n", .untagged(.search([1], modSeq: 5))),
        .init("* SEARCH\r\n", .untagged(.search([], modSeq: 5))),
        .init("* 0 EXISTS\r\n", .untagged(.exists(0))),
        .init("* FLAGS ()\r\n", .untagged(.flags([]))),
        .init(
            "* FLAGS (\\Seen $Forwarded $MDNSent \\Recent)\r\n",
            .untagged(.flags([.seen, .forwarded, .mdnSent, .recent]))),
        .init("* ENABLED\r\n", .untagged(.enabled([]))),
        .init(
            "a OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Junk \\*)] Flags permitted\r\n",
            .ok(
                "a",
                code: .permanentFlags([
                    .flag(.answered), .flag(.flagged), .flag(.deleted), .flag(.seen), .flag(.draft), .flag(.junk),
                    .wildcard,
                ]), "Flags permitted")),
        .init("a NO [BADCHARSET] x\r\n", .no("a", code: .badCharset([]), "x")),
        // Every FETCH attribute.
        .init(
            "* 1 FETCH (UID 9 MODSEQ (12) EMAILID (M1) THREADID (T1) SAVEDATE \" 2-Jan-2020 03:04:05 +0000\" PREVIEW \"Hi there\")\r\n",
            .fetch(.start(sequenceNumber: 1)), .fetch(.simpleAttribute(.uid(9))), .fetch(.simpleAttribute(.modSeq(12))),
            .fetch(.simpleAttribute(.emailID("M1"))), .fetch(.simpleAttribute(.threadID("T1"))),
            .fetch(.simpleAttribute(.saveDate(IMAPDateTime(secondsSince1970: 1_577_934_245)))),
            .fetch(.simpleAttribute(.preview("Hi there"))), .fetch(.finish)),
        .init(
            "* 2 FETCH (THREADID NIL SAVEDATE NIL PREVIEW NIL RFC822 NIL RFC822.HEADER {2}\r\n\r\n RFC822.TEXT {1}\r\nx)\r\n",
            .fetch(.start(sequenceNumber: 2)), .fetch(.simpleAttribute(.threadID(nil))),
            .fetch(.simpleAttribute(.saveDate(nil))),
            .fetch(.simpleAttribute(.preview(nil))), .fetch(.simpleAttribute(.rfc822(nil))),
            .fetch(.simpleAttribute(.rfc822Header(ByteBuffer(string: "\r\n")))),
            .fetch(.simpleAttribute(.rfc822Text(ByteBuffer(string: "x")))),
            .fetch(.finish)),
        .init(
            "* 3 FETCH (BODYSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 0 0 NIL NIL NIL NIL) ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL))\r\n",
            .fetch(.start(sequenceNumber: 3)),
            .fetch(
                .simpleAttribute(
                    .bodyStructure(
                        raw: ByteBuffer(string: "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 0 0 NIL NIL NIL NIL)"),
                        extended: true))),
            .fetch(.simpleAttribute(.envelope(raw: ByteBuffer(string: "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)")))),
            .fetch(.finish)),
        .init(
            "* 4 FETCH (BODY[1.2.HEADER.FIELDS (From \"X Y\")]<0> {3}\r\nabc BODY[1.MIME] NIL BODY[2.TEXT] {0}\r\n BINARY[1] {1}\r\nz BINARY.SIZE[] 10)\r\n",
            .fetch(.start(sequenceNumber: 4)),
            .fetch(
                .simpleAttribute(
                    .body(
                        section: SectionSpecifier(part: [1, 2], kind: .headerFields(["From", "X Y"])), origin: 0,
                        data: ByteBuffer(string: "abc")))),
            .fetch(.simpleAttribute(.body(section: SectionSpecifier(part: [1], kind: .mime), origin: nil, data: nil))),
            .fetch(
                .simpleAttribute(
                    .body(section: SectionSpecifier(part: [2], kind: .text), origin: nil, data: ByteBuffer()))),
            .fetch(.simpleAttribute(.binary(part: [1], origin: nil, data: ByteBuffer(string: "z")))),
            .fetch(.simpleAttribute(.binarySize(part: [], size: 10))), .fetch(.finish)),
        .init(
            "* 5 FETCH (BODY[HEADER.FIELDS.NOT (Received)] {0}\r\n)\r\n", .fetch(.start(sequenceNumber: 5)),
            .fetch(
                .simpleAttribute(
                    .body(
                        section: SectionSpecifier(kind: .headerFieldsNot(["Received"])), origin: nil, data: ByteBuffer()
                    ))),
            .fetch(.finish)),
    ]

    @Test(arguments: fixtures)
    func encodes(_ fixture: Fixture) {
        var encoder = ResponseEncoder(options: ResponseEncodingOptions(utf8Accepted: fixture.utf8))
        var buffer = ByteBuffer()
        for response in fixture.responses { encoder.encode(response, into: &buffer) }
        #expect(String(buffer: buffer) == fixture.expected)
    }

    @Test func streamedFetchWritesNoBodyItself() {
        // The session writes the literal header, then the body straight from its file, then the rest.
        var encoder = ResponseEncoder()
        var wire = ByteBuffer()
        encoder.encode(.fetch(.start(sequenceNumber: 7)), into: &wire)
        encoder.encode(.fetch(.simpleAttribute(.uid(42))), into: &wire)
        encoder.encode(
            .fetch(.streamingBegin(kind: .body(section: .complete, origin: 1024), size: 3 * 1024 * 1024)), into: &wire)
        let header = wire.readableBytes
        #expect(String(buffer: wire) == "* 7 FETCH (UID 42 BODY[]<1024> {3145728}\r\n")
        var chunk = ByteBuffer(repeating: 0x61, count: 64 * 1024)
        for _ in 0..<48 {  // 3 MiB through the encoder in 64 KiB pieces, never one value
            var piece = ByteBuffer()
            encoder.encode(.fetch(.streamingBytes(chunk)), into: &piece)
            #expect(piece.readableBytes == chunk.readableBytes)
        }
        chunk.clear()
        encoder.encode(.fetch(.streamingEnd), into: &wire)
        encoder.encode(.fetch(.simpleAttribute(.flags([.seen]))), into: &wire)
        encoder.encode(
            .fetch(.streamingBegin(kind: .binary(part: [2], origin: nil), size: 2, literal8: true)), into: &wire)
        encoder.encode(.fetch(.streamingBytes(ByteBuffer(bytes: [0, 1]))), into: &wire)
        encoder.encode(.fetch(.streamingEnd), into: &wire)
        encoder.encode(.fetch(.streamingBegin(kind: .rfc822Header, size: 0)), into: &wire)
        encoder.encode(.fetch(.streamingEnd), into: &wire)
        encoder.encode(.fetch(.finish), into: &wire)
        wire.moveReaderIndex(forwardBy: header)
        #expect(
            wire.readableBytesView.elementsEqual(
                Array(" FLAGS (\\Seen) BINARY[2] ~{2}\r\n\0\u{1} RFC822.HEADER {0}\r\n)\r\n".utf8)))
        // A second response starts without a separator.
        #expect(
            encoded(.fetch(.start(sequenceNumber: 8)), .fetch(.simpleAttribute(.uid(1))), .fetch(.finish))
                == "* 8 FETCH (UID 1)\r\n")
    }

    @Test func fetchStreamingKindsName() {
        let kinds: [(StreamingKind, String)] = [
            (.body(section: .text, origin: nil), "BODY[TEXT]"),
            (.body(section: SectionSpecifier(part: [3]), origin: 5), "BODY[3]<5>"),
            (.binary(part: [1, 2], origin: 0), "BINARY[1.2]<0>"), (.rfc822, "RFC822"), (.rfc822Text, "RFC822.TEXT"),
        ]
        for (kind, name) in kinds {
            #expect(encoded(.fetch(.streamingBegin(kind: kind, size: 1))) == "\(name) {1}\r\n")
        }
    }

    @Test func sequenceSetCompaction() {
        #expect(SequenceSet(compacting: [7, 1, 2, 3, 3, 9, 10, 5]).wireForm == "1:3,5,7,9:10")
        #expect(SequenceSet(compacting: [UInt32.max, UInt32.max - 1, 1]).wireForm == "1,4294967294:4294967295")
        #expect(SequenceSet(compacting: []).wireForm == "")
    }

    @Test func decimalsAreWrittenLikeTheirDescription() {
        let values: [Int64] = [0, 1, 9, 10, 99, 100, 4_294_967_295, Int64.max, -1, -10, Int64.min]
        for value in values {
            var buffer = ByteBuffer()
            buffer.writeDecimal(value)
            #expect(String(buffer: buffer) == String(value))
        }
        var buffer = ByteBuffer()
        buffer.writeDecimal(UInt64.max)
        buffer.writeDecimal(UInt32(7))
        #expect(String(buffer: buffer) == "184467440737095516157")
    }
}
