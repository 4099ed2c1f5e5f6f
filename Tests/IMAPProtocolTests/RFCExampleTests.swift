// The example exchanges of RFC 3501, RFC 9051 and the extensions: every client line parses, every
// server line is produced byte for byte by a typed Response and the encoder.
//
// Where an RFC example writes a mailbox name as an atom (`* LIST () "/" blurdybloop`), the encoder
// writes the quoted form (`"blurdybloop"`), which the grammar allows equally; those expectations are
// marked "quoted".

import NIOCore
import Testing

@testable import IMAPProtocol

/// Client lines from the RFC examples (literal data inlined after `{n}` CRLF).
let rfcClientLines: [String] = [
    // RFC 3501 §6.1, RFC 9051 §6.1
    "abcd CAPABILITY", "efgh STARTTLS", "ijkl CAPABILITY", "a002 NOOP", "a047 NOOP", "A023 LOGOUT",
    // RFC 3501 §6.2
    "a001 CAPABILITY", "a002 STARTTLS", "a003 CAPABILITY", "a004 LOGIN joe password", "A001 AUTHENTICATE GSSAPI",
    "a001 LOGIN SMITH SESAME",
    // RFC 4959 §3 (SASL-IR)
    "a01 AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q=",
    // RFC 3501 §6.3, RFC 9051 §6.3
    "A142 SELECT INBOX", "A932 EXAMINE blurdybloop", "A003 CREATE owatagu/", "A004 CREATE owatagu/blurdybloop",
    #"A682 LIST "" *"#, "A683 DELETE blurdybloop", "A684 DELETE foo", "A685 DELETE foo/bar", #"A686 LIST "" *"#,
    "A687 DELETE foo", #"A82 LIST "" *"#, "A83 DELETE blurdybloop", "A84 DELETE foo", #"A85 LIST "" *"#,
    #"A86 LIST "" %"#, "A683 RENAME blurdybloop sarasoop", "A684 RENAME foo zowie", #"A685 LIST "" *"#,
    #"Z432 LIST "" *"#, "Z433 RENAME INBOX old-mail", #"Z434 LIST "" *"#, "A002 SUBSCRIBE #news.comp.mail.mime",
    "A002 UNSUBSCRIBE #news.comp.mail.mime", #"A101 LIST "" """#, #"A102 LIST #news.comp.mail.misc """#,
    #"A103 LIST /usr/staff/jones """#, "A202 LIST ~/Mail/ %", ##"A002 LSUB "#news." "comp.mail.*""##,
    ##"A003 LSUB "#news." "comp.%""##, "A042 STATUS blurdybloop (UIDNEXT MESSAGES)",
    "A003 APPEND saved-messages (\\Seen) {310}\r\n" + String(repeating: "x", count: 310),
    // RFC 9051 §6.3.1 ENABLE, §6.3.10 NAMESPACE, §6.3.13 IDLE
    "t1 CAPABILITY", "t2 ENABLE CONDSTORE X-GOOD-IDEA", "A001 NAMESPACE", "A002 IDLE",
    // RFC 5258 / RFC 9051 §6.3.9 LIST-EXTENDED
    #"A01 LIST "" %"#, #"A02 LIST (SUBSCRIBED) "" "*""#, #"A03 LIST () "" "%" RETURN (CHILDREN)"#,
    #"A04 LIST (REMOTE) "" "%" RETURN (CHILDREN)"#, #"A05 LIST (REMOTE SUBSCRIBED) "" "*""#,
    #"A06 LIST (REMOTE) "" "*" RETURN (SUBSCRIBED)"#, #"A07 LIST (SUBSCRIBED RECURSIVEMATCH) "" "%" RETURN (CHILDREN)"#,
    #"A10 LIST (SUBSCRIBED RECURSIVEMATCH) "" "%""#, #"A11 LIST "" ("INBOX" "Drafts" "Sent/%")"#,
    // RFC 5819 LIST-STATUS, RFC 6154 SPECIAL-USE
    #"A01 LIST "" % RETURN (STATUS (MESSAGES UNSEEN))"#, #"t1 CREATE "Important Messages" (USE (\Flagged))"#,
    #"t1 LIST (SPECIAL-USE) "" "*""#, #"t3 LIST "" "%" RETURN (SPECIAL-USE)"#,
    // RFC 3501 §6.4, RFC 9051 §6.4
    "FXXZ CHECK", "A341 CLOSE", "A342 UNSELECT", "A202 EXPUNGE", "A003 UID EXPUNGE 3000:3002",
    #"A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith""#, #"A283 SEARCH TEXT "string not in mailbox""#,
    "A284 SEARCH CHARSET UTF-8 TEXT {6}\r\nXXXXXX",
    #"A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith""#,
    #"A283 SEARCH RETURN () FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith""#,
    "A285 SEARCH CHARSET UTF-8 TEXT {12}\r\n\u{5E0}\u{5E1}\u{5E2}\u{5E3}\u{5E4}\u{5E5}",
    #"A286 SEARCH CHARSET WHATEVER TEXT "ZYX""#,
    // RFC 5182 SEARCHRES
    #"A300 SEARCH RETURN (SAVE) SINCE 1-Jan-2004 NOT FROM "Smith""#, "A301 UID SEARCH UID $ SMALLER 4096",
    "A302 UID FETCH $ (FLAGS)", "A303 UID COPY $ \"Other Messages\"",
    "A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])", "A003 STORE 2:4 +FLAGS (\\Deleted)",
    "A003 COPY 2:4 MEETING", "A999 UID FETCH 4827313:4828442 FLAGS", "a UID MOVE 42:69 foo",
    // RFC 3501 §7 and §8
    "A001 LOGIN fred blurdybloop", "A222 COPY 1:2 owatagu", "A223 COPY 3:200 blurdybloop", "A443 EXPUNGE",
    "A001 LOGIN {11}\r\nFRED FOOBAR {7}\r\nfat man", "a001 login mrc secret", "a002 select inbox", "a003 fetch 12 full",
    "a004 fetch 12 body[header]", "a005 store 12 +flags \\deleted", "a006 logout",
    // RFC 7162 CONDSTORE / QRESYNC
    "a103 SELECT INBOX (CONDSTORE)", "s100 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)",
    "a102 STORE 7,5,9 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted)",
    #"a SEARCH MODSEQ "/flags/\\draft" all 620162338"#, "A01 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)",
    "A02 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))",
    "B02 SELECT INBOX (QRESYNC (67890007 90060115194045000 41:211,214:541 (1:15,19,20 41:55,70,80)))",
    "A03 ENABLE QRESYNC", "a FETCH 1:* (MODSEQ)", "a STATUS blurdybloop (MESSAGES UIDNEXT HIGHESTMODSEQ)",
    // RFC 2971 ID, RFC 3502 MULTIAPPEND, RFC 3516 BINARY, RFC 6855 UTF8=ACCEPT, RFC 8438 STATUS=SIZE
    #"a023 ID ("name" "sodr" "version" "19.34" "vendor" "Pink Floyd Music Limited")"#,
    "A003 APPEND saved-messages (\\Seen) {3}\r\nabc (\\Seen) \" 1-Jul-2002 22:35:00 +0200\" {3}\r\nxyz",
    "a003 FETCH 7 (BINARY[1.1] BINARY.SIZE[1.1])", "a APPEND INBOX ~{3}\r\na\0c", "a APPEND INBOX UTF8 (~{3}\r\nabc)",
    "a ENABLE UTF8=ACCEPT", "a STATUS INBOX (SIZE)",
]

@Suite struct RFCExampleTests {
    @Test(arguments: rfcClientLines)
    func clientLineParses(_ line: String) throws {
        _ = try parse(line)
    }

    @Test func experimentalCommandIsUnknown() {
        // RFC 3501 §6.5.1: X<atom> commands this server does not implement answer BAD.
        #expect(throws: CommandDecodingError(kind: .unknownCommand, tag: "A442", detail: "Unknown command XPIG")) {
            try parse("A442 XPIG-LATIN")
        }
    }

    @Test func rfc3501ContinuationExample() {
        // RFC 3501 §7.5: LOGIN with two synchronising literals; an unknown command's huge literal is
        // refused before the client sends it.
        let events = decodeAll("A001 LOGIN {11}\r\nFRED FOOBAR {7}\r\nfat man\r\nA044 BLURDYBLOOP {102856}\r\n")
        #expect(
            events == [
                .continuationRequest, .continuationRequest,
                .command(TaggedCommand(tag: "A001", command: .login(username: "FRED FOOBAR", password: "fat man"))),
                .invalid(
                    CommandDecodingError(kind: .unknownCommand, tag: "A044", detail: "Unknown command BLURDYBLOOP")),
            ])
    }

    @Test func rfc3501AuthenticateExample() {
        var decoder = CommandDecoder()
        decoder.append(Array("A001 AUTHENTICATE GSSAPI\r\n".utf8))
        #expect(
            decoder.nextEvent()
                == .command(
                    TaggedCommand(tag: "A001", command: .authenticate(mechanism: "GSSAPI", initialResponse: nil))))
        #expect(decoder.mode == .authenticating(tag: "A001"))
        decoder.append(Array("YGgGCSqGSIb3EgECAgIAb1kwV6ADAgEFoQMCAQ+iSzBJoAMC\r\n\r\n".utf8))
        guard case .authenticationResponse(let first) = decoder.nextEvent() else {
            Issue.record("expected a SASL response")
            return
        }
        #expect(first.readableBytes == 36)
        #expect(decoder.nextEvent() == .authenticationResponse(ByteBuffer()))  // the empty "C:" line
        decoder.returnToCommandMode()
        decoder.append(Array("A002 NOOP\r\n".utf8))
        #expect(decoder.nextEvent() == .command(TaggedCommand(tag: "A002", command: .noop)))
    }

    struct ServerLine: Sendable, CustomTestStringConvertible {
        let responses: [Response]
        let expected: String
        var utf8 = false
        var testDescription: String { expected }

        init(_ expected: String, _ responses: Response..., utf8: Bool = false) {
            self.expected = expected
            self.responses = responses
            self.utf8 = utf8
        }
    }

    static let fetch12Envelope = ByteBuffer(
        string:
            #"("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) ((NIL NIL "minutes" "CNRI.Reston.VA.US") ("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL "<B27397-0100000@cac.washington.edu>")"#
    )
    static let fetch12Body = ByteBuffer(string: #"("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92)"#)

    static func list(_ attributes: [String], _ delimiter: Character?, _ name: String, _ items: [ListExtendedItem] = [])
        -> Response
    {
        .untagged(
            .list(
                MailboxListItem(
                    attributes: attributes.map(MailboxAttribute.init), delimiter: delimiter, mailbox: name,
                    extendedItems: items)))
    }

    static let serverLines: [ServerLine] = [
        // RFC 3501 §6.1, §7.2.1
        .init(
            "* CAPABILITY IMAP4rev1 STARTTLS AUTH=GSSAPI LOGINDISABLED\r\n",
            .untagged(.capability(["IMAP4rev1", "STARTTLS", "AUTH=GSSAPI", "LOGINDISABLED"]))),
        .init("abcd OK CAPABILITY completed\r\n", .ok("abcd", "CAPABILITY completed")),
        .init(
            "* CAPABILITY IMAP4rev1 AUTH=GSSAPI AUTH=PLAIN\r\n",
            .untagged(.capability([.imap4rev1, .auth("GSSAPI"), .auth("PLAIN")]))),
        .init("* 22 EXPUNGE\r\n", .untagged(.expunge(22))),
        .init("* 23 EXISTS\r\n", .untagged(.exists(23))),
        .init("* 3 RECENT\r\n", .untagged(.recent(3))),
        .init(
            "* 14 FETCH (FLAGS (\\Seen \\Deleted))\r\n", .fetch(.start(sequenceNumber: 14)),
            .fetch(.simpleAttribute(.flags([.seen, .deleted]))), .fetch(.finish)),
        .init("* BYE IMAP4rev1 Server logging out\r\n", .untagged(.bye("IMAP4rev1 Server logging out"))),
        .init("A023 OK LOGOUT completed\r\n", .ok("A023", "LOGOUT completed")),
        .init("a002 OK Begin TLS negotiation now\r\n", .ok("a002", "Begin TLS negotiation now")),
        // RFC 3501 §6.2.2: "+" with an empty challenge, and base64 challenges
        .init("+ \r\n", .continuation(.data(ByteBuffer()))),
        .init("+ dGVzdA==\r\n", .continuation(.data(ByteBuffer(string: "test")))),
        .init("A001 OK GSSAPI authentication successful\r\n", .ok("A001", "GSSAPI authentication successful")),
        // RFC 3501 §6.3.1 / RFC 9051 §6.3.2 SELECT
        .init("* 172 EXISTS\r\n", .untagged(.exists(172))),
        .init("* 1 RECENT\r\n", .untagged(.recent(1))),
        .init(
            "* OK [UNSEEN 12] Message 12 is first unseen\r\n",
            .untagged(.ok(ResponseText(code: .unseen(12), "Message 12 is first unseen")))),
        .init(
            "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n",
            .untagged(.ok(ResponseText(code: .uidValidity(3_857_529_045), "UIDs valid")))),
        .init(
            "* OK [UIDNEXT 4392] Predicted next UID\r\n",
            .untagged(.ok(ResponseText(code: .uidNext(4392), "Predicted next UID")))),
        .init(
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n",
            .untagged(.flags([.answered, .flagged, .deleted, .seen, .draft]))),
        .init(
            "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n",
            .untagged(.ok(ResponseText(code: .permanentFlags([.flag(.deleted), .flag(.seen), .wildcard]), "Limited")))),
        .init("* LIST () \"/\" \"INBOX\"\r\n", list([], "/", "INBOX")),  // quoted
        .init("A142 OK [READ-WRITE] SELECT completed\r\n", .ok("A142", code: .readWrite, "SELECT completed")),
        .init(
            "* OK [PERMANENTFLAGS ()] No permanent flags permitted\r\n",
            .untagged(.ok(ResponseText(code: .permanentFlags([]), "No permanent flags permitted")))),
        .init("A932 OK [READ-ONLY] EXAMINE completed\r\n", .ok("A932", code: .readOnly, "EXAMINE completed")),
        // RFC 3501 §6.3.4-§6.3.9 LIST / LSUB / DELETE / RENAME
        .init("* LIST () \"/\" \"blurdybloop\"\r\n", list([], "/", "blurdybloop")),  // quoted
        .init("* LIST (\\Noselect) \"/\" \"foo\"\r\n", list(["Noselect"], "/", "foo")),  // quoted
        .init("* LIST () \".\" \"foo.bar\"\r\n", list([], ".", "foo.bar")),  // quoted
        .init(
            "A684 NO Name \"foo\" has inferior hierarchical names\r\n",
            .no("A684", "Name \"foo\" has inferior hierarchical names")),
        .init("* LIST (\\Noselect) \"/\" \"\"\r\n", list(["Noselect"], "/", "")),
        .init("* LIST (\\Noselect) \".\" \"#news.\"\r\n", list(["Noselect"], ".", "#news.")),  // quoted
        .init("* LIST (\\Noselect) \"/\" \"~/Mail/foo\"\r\n", list(["Noselect"], "/", "~/Mail/foo")),  // quoted
        .init(
            "* LSUB () \".\" \"#news.comp.mail.mime\"\r\n",
            // quoted
            .untagged(.lsub(MailboxListItem(attributes: [], delimiter: ".", mailbox: "#news.comp.mail.mime")))),
        .init(
            "* LSUB (\\NoSelect) \".\" \"#news.comp.mail\"\r\n",
            .untagged(
                .lsub(
                    MailboxListItem(
                        attributes: [MailboxAttribute("NoSelect")], delimiter: ".", mailbox: "#news.comp.mail")))),
        .init(
            "* STATUS \"blurdybloop\" (MESSAGES 231 UIDNEXT 44292)\r\n",
            .untagged(.status(mailbox: "blurdybloop", [.messages(231), .uidNext(44292)]))),  // quoted
        .init("+ Ready for literal data\r\n", .continuation(.text("Ready for literal data"))),
        .init("A003 OK APPEND completed\r\n", .ok("A003", "APPEND completed")),
        // RFC 3501 §6.4
        .init("FXXZ OK CHECK Completed\r\n", .ok("FXXZ", "CHECK Completed")),
        .init("* 3 EXPUNGE\r\n", .untagged(.expunge(3))),
        .init("* SEARCH 2 84 882\r\n", .untagged(.search([2, 84, 882], modSeq: nil))),
        .init("* SEARCH\r\n", .untagged(.search([], modSeq: nil))),
        .init(
            "* 2 FETCH (FLAGS (\\Deleted \\Seen))\r\n", .fetch(.start(sequenceNumber: 2)),
            .fetch(.simpleAttribute(.flags([.deleted, .seen]))), .fetch(.finish)),
        .init(
            "* 3 FETCH (FLAGS (\\Keyword \\Deleted))\r\n", .fetch(.start(sequenceNumber: 3)),
            .fetch(.simpleAttribute(.flags([.extension("Keyword"), .deleted]))), .fetch(.finish)),
        .init(
            "* 23 FETCH (FLAGS (\\Seen) UID 4827313)\r\n", .fetch(.start(sequenceNumber: 23)),
            .fetch(.simpleAttribute(.flags([.seen]))), .fetch(.simpleAttribute(.uid(4_827_313))), .fetch(.finish)),
        .init("A999 OK UID FETCH completed\r\n", .ok("A999", "UID FETCH completed")),
        // RFC 3501 §7.1
        .init("* OK IMAP4rev1 server ready\r\n", .untagged(.ok("IMAP4rev1 server ready"))),
        .init(
            "* OK [ALERT] System shutdown in 10 minutes\r\n",
            .untagged(.ok(ResponseText(code: .alert, "System shutdown in 10 minutes")))),
        .init(
            "* NO Disk is 98% full, please delete unnecessary data\r\n",
            .untagged(.no("Disk is 98% full, please delete unnecessary data"))),
        .init("A223 NO COPY failed: disk is full\r\n", .no("A223", "COPY failed: disk is full")),
        .init("* BAD Command line too long\r\n", .untagged(.bad("Command line too long"))),
        .init("* BAD Empty command line\r\n", .untagged(.bad("Empty command line"))),
        .init(
            "* PREAUTH IMAP4rev1 server logged in as Smith\r\n",
            .untagged(.preauth("IMAP4rev1 server logged in as Smith"))),
        .init("* BYE Autologout; idle for too long\r\n", .untagged(.bye("Autologout; idle for too long"))),
        .init("* SEARCH 2 3 6\r\n", .untagged(.search([2, 3, 6], modSeq: nil))),
        .init("* 5 RECENT\r\n", .untagged(.recent(5))),
        .init("* 44 EXPUNGE\r\n", .untagged(.expunge(44))),
        .init(
            "* 23 FETCH (FLAGS (\\Seen) RFC822.SIZE 44827)\r\n", .fetch(.start(sequenceNumber: 23)),
            .fetch(.simpleAttribute(.flags([.seen]))), .fetch(.simpleAttribute(.rfc822Size(44827))), .fetch(.finish)),
        .init("+ Ready for additional command text\r\n", .continuation(.text("Ready for additional command text"))),
        .init("A044 BAD No such command as \"BLURDYBLOOP\"\r\n", .bad("A044", "No such command as \"BLURDYBLOOP\"")),
        // RFC 3501 §8 sample session
        .init(
            "* OK [UNSEEN 17] Message 17 is the first unseen message\r\n",
            .untagged(.ok(ResponseText(code: .unseen(17), "Message 17 is the first unseen message")))),
        .init(
            "* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 4286 ENVELOPE "
                + String(buffer: fetch12Envelope) + " BODY " + String(buffer: fetch12Body) + ")\r\n",
            .fetch(.start(sequenceNumber: 12)), .fetch(.simpleAttribute(.flags([.seen]))),
            .fetch(.simpleAttribute(.internalDate(dateTime("17-Jul-1996 02:44:25 -0700")))),
            .fetch(.simpleAttribute(.rfc822Size(4286))), .fetch(.simpleAttribute(.envelope(raw: fetch12Envelope))),
            .fetch(.simpleAttribute(.bodyStructure(raw: fetch12Body, extended: false))), .fetch(.finish)),
        .init(
            "* 12 FETCH (BODY[HEADER] {7}\r\nA: b\r\n\r\n)\r\n", .fetch(.start(sequenceNumber: 12)),
            .fetch(.streamingBegin(kind: .body(section: .header, origin: nil), size: 7)),
            .fetch(.streamingBytes(ByteBuffer(string: "A: b\r\n\r\n"))), .fetch(.streamingEnd), .fetch(.finish)),
        .init("a005 OK +FLAGS completed\r\n", .ok("a005", "+FLAGS completed")),
        .init(
            "* BYE IMAP4rev1 server terminating connection\r\n",
            .untagged(.bye("IMAP4rev1 server terminating connection"))),
        // RFC 9051 §6.3.1 ENABLE, §6.3.10 NAMESPACE, §6.3.13 IDLE, §6.4.2 UNSELECT
        .init("* ENABLED X-GOOD-IDEA\r\n", .untagged(.enabled(["X-GOOD-IDEA"]))),
        .init("t2 OK ENABLE command completed\r\n", .ok("t2", "ENABLE command completed")),
        .init(
            "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n",
            .untagged(
                .namespace(
                    NamespaceResponse(
                        personal: [NamespaceDescription(prefix: "", delimiter: "/")], otherUsers: [], shared: [])))),
        .init(
            "* NAMESPACE NIL NIL ((\"\" \".\"))\r\n",
            .untagged(
                .namespace(
                    NamespaceResponse(
                        personal: [], otherUsers: [], shared: [NamespaceDescription(prefix: "", delimiter: ".")])))),
        .init(
            "* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) ((\"#shared/\" \"/\")(\"#public/\" \"/\")(\"#ftp/\" \"/\")(\"#news.\" \".\"))\r\n",
            .untagged(
                .namespace(
                    NamespaceResponse(
                        personal: [NamespaceDescription(prefix: "", delimiter: "/")],
                        otherUsers: [NamespaceDescription(prefix: "~", delimiter: "/")],
                        shared: [
                            NamespaceDescription(prefix: "#shared/", delimiter: "/"),
                            NamespaceDescription(prefix: "#public/", delimiter: "/"),
                            NamespaceDescription(prefix: "#ftp/", delimiter: "/"),
                            NamespaceDescription(prefix: "#news.", delimiter: "."),
                        ])))),
        .init(
            "* NAMESPACE ((\"INBOX.\" \".\")) NIL NIL\r\n",
            .untagged(
                .namespace(
                    NamespaceResponse(
                        personal: [NamespaceDescription(prefix: "INBOX.", delimiter: ".")], otherUsers: [], shared: []))
            )),
        .init("+ idling\r\n", .continuation(.text("idling"))),
        .init("* 32 EXISTS\r\n", .untagged(.exists(32))),
        .init("A002 OK IDLE terminated\r\n", .ok("A002", "IDLE terminated")),
        .init("A342 OK Unselect completed\r\n", .ok("A342", "Unselect completed")),
        // RFC 9051 §6.3.9 / RFC 5258 LIST-EXTENDED
        .init("* LIST (\\Marked \\NoInferiors) \"/\" \"inbox\"\r\n", list(["Marked", "NoInferiors"], "/", "inbox")),
        .init("* LIST () \"/\" \"Fruit\"\r\n", list([], "/", "Fruit")),
        .init(
            "* LIST (\\Subscribed \\NonExistent) \"/\" \"Fruit/Peach\"\r\n",
            list(["Subscribed", "NonExistent"], "/", "Fruit/Peach")),
        .init("* LIST (\\HasChildren) \"/\" \"Vegetable\"\r\n", list(["HasChildren"], "/", "Vegetable")),
        .init("* LIST (\\Remote) \"/\" \"Bread\"\r\n", list(["Remote"], "/", "Bread")),
        .init(
            "* LIST () \"/\" \"Foo\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n",
            list([], "/", "Foo", [.childInfo([.subscribed])])),
        .init(
            "* LIST () \"/\" \"NewMailbox\" (\"OLDNAME\" (\"OldMailbox\"))\r\n",
            list([], "/", "NewMailbox", [.oldName("OldMailbox")])),
        .init("* LIST (\\Noselect) NIL \"\"\r\n", list(["Noselect"], nil, "")),
        // RFC 6154 SPECIAL-USE (quoted)
        .init(
            "* LIST (\\Marked \\HasNoChildren \\Sent) \"/\" \"Sent\"\r\n",
            list(["Marked", "HasNoChildren", "Sent"], "/", "Sent")),
        // RFC 5819 LIST-STATUS
        .init(
            "* STATUS \"INBOX\" (MESSAGES 17 UNSEEN 16)\r\n",
            .untagged(.status(mailbox: "INBOX", [.messages(17), .unseen(16)]))),
        // RFC 9051 §6.4.4 / RFC 4731 ESEARCH
        .init(
            "* ESEARCH (TAG \"A282\") MIN 2 COUNT 3\r\n",
            .untagged(.esearch(ESearchResponse(tag: "A282", uid: false, returnData: [.min(2), .count(3)])))),
        .init(
            "* ESEARCH (TAG \"A283\") ALL 2,10:11\r\n",
            .untagged(.esearch(ESearchResponse(tag: "A283", uid: false, returnData: [.all(set("2,10:11"))])))),
        .init(
            "* ESEARCH (TAG \"A284\")\r\n",
            .untagged(.esearch(ESearchResponse(tag: "A284", uid: false, returnData: [])))),
        .init(
            "* ESEARCH (TAG \"A285\") UID MIN 7 MAX 3800\r\n",
            .untagged(.esearch(ESearchResponse(tag: "A285", uid: true, returnData: [.min(7), .max(3800)])))),
        .init(
            "A286 NO [BADCHARSET (UTF-8)] WHATEVER is not supported\r\n",
            .no("A286", code: .badCharset(["UTF-8"]), "WHATEVER is not supported")),
        // RFC 4315 UIDPLUS, RFC 6851 MOVE, RFC 3502 MULTIAPPEND
        .init(
            "A003 OK [APPENDUID 38505 3955] APPEND completed\r\n",
            .ok("A003", code: .appendUID(uidValidity: 38505, uids: set("3955")), "APPEND completed")),
        .init(
            "A003 OK [APPENDUID 38505 3955:3956] APPEND completed\r\n",
            .ok("A003", code: .appendUID(uidValidity: 38505, uids: set("3955:3956")), "APPEND completed")),
        .init(
            "A004 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n",
            .ok(
                "A004", code: .copyUID(uidValidity: 38505, source: set("304,319:320"), destination: set("3956:3958")),
                "Done")),
        .init(
            "* OK [COPYUID 432432 42:69 1202:1229]\r\n",
            .untagged(
                .ok(
                    ResponseText(
                        code: .copyUID(uidValidity: 432_432, source: set("42:69"), destination: set("1202:1229")), "")))
        ),
        .init("a OK Done\r\n", .ok("a", "Done")),
        .init("A003 OK [UIDNOTSTICKY] APPEND completed\r\n", .ok("A003", code: .uidNotSticky, "APPEND completed")),
        .init(
            "A003 NO [TRYCREATE] Mailbox doesn't exist: saved-messages\r\n",
            .no("A003", code: .tryCreate, "Mailbox doesn't exist: saved-messages")),
        // RFC 7162 CONDSTORE / QRESYNC
        .init(
            "* OK [HIGHESTMODSEQ 715194045007] Highest\r\n",
            .untagged(.ok(ResponseText(code: .highestModSeq(715_194_045_007), "Highest")))),
        .init(
            "a103 OK [READ-WRITE] Select completed, CONDSTORE is now enabled\r\n",
            .ok("a103", code: .readWrite, "Select completed, CONDSTORE is now enabled")),
        .init(
            "* OK [NOMODSEQ] Sorry, this mailbox format doesn't support modsequences\r\n",
            .untagged(.ok(ResponseText(code: .noModSeq, "Sorry, this mailbox format doesn't support modsequences")))),
        .init(
            "* 1 FETCH (UID 4 MODSEQ (65402) FLAGS (\\Seen))\r\n", .fetch(.start(sequenceNumber: 1)),
            .fetch(.simpleAttribute(.uid(4))), .fetch(.simpleAttribute(.modSeq(65402))),
            .fetch(.simpleAttribute(.flags([.seen]))),
            .fetch(.finish)),
        .init(
            "* 4 FETCH (UID 8 MODSEQ (29738) FLAGS ($NoJunk $AutoJunk $MDNSent))\r\n",
            .fetch(.start(sequenceNumber: 4)),
            .fetch(.simpleAttribute(.uid(8))), .fetch(.simpleAttribute(.modSeq(29738))),
            .fetch(.simpleAttribute(.flags([.keyword("$NoJunk"), .keyword("$AutoJunk"), .mdnSent]))), .fetch(.finish)),
        .init(
            "* 5 FETCH (MODSEQ (320162350))\r\n", .fetch(.start(sequenceNumber: 5)),
            .fetch(.simpleAttribute(.modSeq(320_162_350))),
            .fetch(.finish)),
        .init(
            "a102 OK [MODIFIED 7,9] Conditional STORE failed\r\n",
            .ok("a102", code: .modified(set("7,9")), "Conditional STORE failed")),
        .init(
            "* SEARCH 2 5 6 7 11 12 18 19 20 23 (MODSEQ 917162500)\r\n",
            .untagged(.search([2, 5, 6, 7, 11, 12, 18, 19, 20, 23], modSeq: 917_162_500))),
        .init(
            "* VANISHED (EARLIER) 300:310,405,411\r\n",
            .untagged(.vanished(earlier: true, uids: set("300:310,405,411")))),
        .init("* VANISHED 405,407,410,425\r\n", .untagged(.vanished(earlier: false, uids: set("405,407,410,425")))),
        .init("* OK [CLOSED]\r\n", .untagged(.ok(ResponseText(code: .closed, "")))),
        .init("* ENABLED QRESYNC\r\n", .untagged(.enabled([.qresync]))),
        .init(
            "* ESEARCH (TAG \"a\") ALL 1:3,5 MODSEQ 1236\r\n",
            .untagged(.esearch(ESearchResponse(tag: "a", uid: false, returnData: [.all(set("1:3,5")), .modSeq(1236)])))),
        .init(
            "* STATUS \"blurdybloop\" (MESSAGES 231 UIDNEXT 44292 HIGHESTMODSEQ 7011231777)\r\n",
            .untagged(
                // quoted
                .status(mailbox: "blurdybloop", [.messages(231), .uidNext(44292), .highestModSeq(7_011_231_777)]))),
        // RFC 2971 ID
        .init("* ID NIL\r\n", .untagged(.id(nil))),
        .init(
            "* ID (\"name\" \"Cyrus\" \"version\" \"1.5\" \"os\" \"sunos\" \"os-version\" \"5.5\" \"support-url\" \"mailto:cyrus-bugs+@andrew.cmu.edu\")\r\n",
            .untagged(
                .id([
                    IDParameter("name", "Cyrus"), IDParameter("version", "1.5"), IDParameter("os", "sunos"),
                    IDParameter("os-version", "5.5"), IDParameter("support-url", "mailto:cyrus-bugs+@andrew.cmu.edu"),
                ]))),
        // RFC 3516 BINARY
        .init(
            "* 7 FETCH (BINARY[1.1] ~{3}\r\na\0c BINARY.SIZE[1.1] 3)\r\n", .fetch(.start(sequenceNumber: 7)),
            .fetch(.simpleAttribute(.binary(part: [1, 1], origin: nil, data: ByteBuffer(bytes: [0x61, 0, 0x63])))),
            .fetch(.simpleAttribute(.binarySize(part: [1, 1], size: 3))), .fetch(.finish)),
        // RFC 5530 / RFC 9051 §7.1 response codes
        .init(
            "A001 NO [UNAVAILABLE] User's backend down for maintenance\r\n",
            .no("A001", code: .unavailable, "User's backend down for maintenance")),
        .init(
            "A001 NO [AUTHENTICATIONFAILED] Authentication failed\r\n",
            .no("A001", code: .authenticationFailed, "Authentication failed")),
        .init(
            "A001 NO [AUTHORIZATIONFAILED] No such authorization-ID\r\n",
            .no("A001", code: .authorizationFailed, "No such authorization-ID")),
        .init(
            "A001 NO [EXPIRED] That password isn't valid any more\r\n",
            .no("A001", code: .expired, "That password isn't valid any more")),
        .init(
            "A001 NO [PRIVACYREQUIRED] Connection offers no privacy\r\n",
            .no("A001", code: .privacyRequired, "Connection offers no privacy")),
        .init(
            "A001 NO [CONTACTADMIN] You need to contact the administrator\r\n",
            .no("A001", code: .contactAdmin, "You need to contact the administrator")),
        .init("A001 NO [NOPERM] Access denied\r\n", .no("A001", code: .noPerm, "Access denied")),
        .init("A001 NO [INUSE] Mailbox in use\r\n", .no("A001", code: .inUse, "Mailbox in use")),
        .init("A001 OK [EXPUNGEISSUED] Search completed\r\n", .ok("A001", code: .expungeIssued, "Search completed")),
        .init("A001 NO [CORRUPTION] Cannot open mailbox\r\n", .no("A001", code: .corruption, "Cannot open mailbox")),
        .init(
            "A001 NO [SERVERBUG] UIDNEXT inconsistency detected\r\n",
            .no("A001", code: .serverBug, "UIDNEXT inconsistency detected")),
        .init("A001 OK [CLIENTBUG] Done\r\n", .ok("A001", code: .clientBug, "Done")),
        .init("A001 NO [CANNOT] Too many keywords\r\n", .no("A001", code: .cannot, "Too many keywords")),
        .init(
            "A001 NO [LIMIT] At most 32 flags in one mailbox supported\r\n",
            .no("A001", code: .limit, "At most 32 flags in one mailbox supported")),
        .init("A001 NO [OVERQUOTA] Sorry\r\n", .no("A001", code: .overQuota, "Sorry")),
        .init(
            "A001 NO [ALREADYEXISTS] Mailbox \"that\" already exists\r\n",
            .no("A001", code: .alreadyExists, "Mailbox \"that\" already exists")),
        .init("A001 NO [NONEXISTENT] No such mailbox\r\n", .no("A001", code: .nonExistent, "No such mailbox")),
        .init("A001 NO [HASCHILDREN] Has children\r\n", .no("A001", code: .hasChildren, "Has children")),
        .init("A001 NO [NOTSAVED] Not saved\r\n", .no("A001", code: .notSaved, "Not saved")),
        .init("A001 NO [UNKNOWN-CTE] Can't decode\r\n", .no("A001", code: .unknownCTE, "Can't decode")),
        .init("A001 NO [TOOBIG] Message too large\r\n", .no("A001", code: .tooBig, "Message too large")),
        .init("A001 OK [PARSE] Bad header\r\n", .ok("A001", code: .parse, "Bad header")),
        .init(
            "A001 OK [CAPABILITY IMAP4rev2 IMAP4rev1 IDLE] Logged in\r\n",
            .ok("A001", code: .capability([.imap4rev2, .imap4rev1, .idle]), "Logged in")),
        .init(
            "A001 OK [MAILBOXID (F2212ea87-6097-4256-9d51-71338625)] Created\r\n",
            .ok("A001", code: .mailboxID("F2212ea87-6097-4256-9d51-71338625"), "Created")),
        .init("* OK [XYZZY some text] Hi\r\n", .untagged(.ok(ResponseText(code: .other("XYZZY", "some text"), "Hi")))),
    ]

    @Test(arguments: serverLines)
    func serverLineEncodes(_ line: ServerLine) {
        var encoder = ResponseEncoder(options: ResponseEncodingOptions(utf8Accepted: line.utf8))
        var buffer = ByteBuffer()
        for response in line.responses { encoder.encode(response, into: &buffer) }
        #expect(String(buffer: buffer) == line.expected)
    }
}
