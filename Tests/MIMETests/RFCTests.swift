import Foundation
import Testing

@testable import MIME

/// Expected IMAP strings for one RFC example (cross-checked against Dovecot 2.3.19; the few
/// deliberate differences are noted in RFCTests).
struct Expectation: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let envelope: String
    let bodyStructure: String
    let body: String

    init(_ name: String, _ bytes: [UInt8], envelope: String, bodyStructure: String, body: String) {
        self.name = name
        self.bytes = bytes
        self.envelope = envelope
        self.bodyStructure = bodyStructure
        self.body = body
    }

    var testDescription: String { name }
}

@Suite struct RFCTests {
    // Differences from Dovecot 2.3.19, all deliberate:
    // - A.1.2: a display name with a double quote is sent quoted with \" (Dovecot sends a literal).
    // - A.6.1: the empty obs-addr-list member ", ," is skipped (RFC 5322 §4.4: it is not an
    //   address); Dovecot reports MISSING_MAILBOX.
    // - RFC 2047 (a): unfolding keeps the WSP after the removed CRLF (RFC 5322 §2.2.3); Dovecot
    //   collapses it to one space.
    static let expectations: [Expectation] = [
        Expectation(
            "A.1.1", RFCExamples.a11,
            envelope: #"("Fri, 21 Nov 1997 09:55:06 -0600" "Saying Hello" (("John Doe" NIL "jdoe" "#
                + #""machine.example")) (("John Doe" NIL "jdoe" "machine.example")) (("John Doe" NIL "jdoe" "#
                + #""machine.example")) (("Mary Smith" NIL "mary" "example.net")) NIL NIL NIL "#
                + #""<1234@local.machine.example>")"#,
            bodyStructure: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 52 2 NIL NIL NIL NIL)"#,
            body: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 52 2)"#),
        Expectation(
            "A.1.2", RFCExamples.a12,
            envelope: #"("Tue, 1 Jul 2003 10:52:37 +0200" NIL (("Joe Q. Public" NIL "john.q.public" "#
                + #""example.com")) (("Joe Q. Public" NIL "john.q.public" "example.com")) (("Joe Q. Public" "#
                + #"NIL "john.q.public" "example.com")) (("Mary Smith" NIL "mary" "x.test")(NIL NIL "jdoe" "#
                + #""example.org")("Who?" NIL "one" "y.test")) ((NIL NIL "boss" "nil.test")("Giant; \"Big\" "#
                + #"Box" NIL "sysservices" "example.net")) NIL NIL "<5678.21-Nov-1997@example.com>")"#,
            bodyStructure: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 14 1 NIL NIL NIL NIL)"#,
            body: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 14 1)"#),
        Expectation(
            "A.1.3", RFCExamples.a13,
            envelope: #"("Thu, 13 Feb 1969 23:32:54 -0330" NIL (("Pete" NIL "pete" "silly.example")) (("Pete" NIL "#
                + #""pete" "silly.example")) (("Pete" NIL "pete" "silly.example")) ((NIL NIL "A Group" "#
                + #"NIL)("Ed Jones" NIL "c" "a.test")(NIL NIL "joe" "where.test")("John" NIL "jdoe" "#
                + #""one.test")(NIL NIL NIL NIL)) ((NIL NIL "Undisclosed recipients" NIL)(NIL NIL NIL NIL)) "#
                + #"NIL NIL "<testabcd.1234@silly.example>")"#,
            bodyStructure: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 10 1 NIL NIL NIL NIL)"#,
            body: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 10 1)"#),
        Expectation(
            "A.2 reply", RFCExamples.a2reply,
            envelope: #"("Fri, 21 Nov 1997 10:01:10 -0600" "Re: Saying Hello" (("Mary Smith" NIL "mary" "#
                + #""example.net")) (("Mary Smith" NIL "mary" "example.net")) (("Mary Smith: Personal "#
                + #"Account" NIL "smith" "home.example")) (("John Doe" NIL "jdoe" "machine.example")) NIL NIL "#
                + #""<1234@local.machine.example>" "<3456@example.net>")"#,
            bodyStructure: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 32 1 NIL NIL NIL NIL)"#,
            body: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 32 1)"#),
        Expectation(
            "A.2 reply 2", RFCExamples.a2reply2,
            envelope: #"("Fri, 21 Nov 1997 11:00:00 -0600" "Re: Saying Hello" (("John Doe" NIL "jdoe" "#
                + #""machine.example")) (("John Doe" NIL "jdoe" "machine.example")) (("John Doe" NIL "jdoe" "#
                + #""machine.example")) (("Mary Smith: Personal Account" NIL "smith" "home.example")) NIL NIL "#
                + #""<3456@example.net>" "<abcd.1234@local.machine.test>")"#,
            bodyStructure: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 32 1 NIL NIL NIL NIL)"#,
            body: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 32 1)"#),
        Expectation(
            "A.3", RFCExamples.a3,
            envelope: #"("Fri, 21 Nov 1997 09:55:06 -0600" "Saying Hello" (("John Doe" NIL "jdoe" "#
                + #""machine.example")) (("John Doe" NIL "jdoe" "machine.example")) (("John Doe" NIL "jdoe" "#
                + #""machine.example")) (("Mary Smith" NIL "mary" "example.net")) NIL NIL NIL "#
                + #""<1234@local.machine.example>")"#,
            bodyStructure: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 52 2 NIL NIL NIL NIL)"#,
            body: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 52 2)"#),
        Expectation(
            "A.4", RFCExamples.a4,
            envelope: #"("Fri, 21 Nov 1997 09:55:06 -0600" "Saying Hello" (("John Doe" NIL "jdoe" "#
                + #""node.example")) (("John Doe" NIL "jdoe" "node.example")) (("John Doe" NIL "jdoe" "#
                + #""node.example")) (("Mary Smith" NIL "mary" "example.net")) NIL NIL NIL "#
                + #""<1234@local.node.example>")"#,
            bodyStructure: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 52 2 NIL NIL NIL NIL)"#,
            body: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 52 2)"#),
        Expectation(
            "A.5", RFCExamples.a5,
            envelope: #"("Thu,      13        Feb          1969      23:32               -0330 (Newfoundland "#
                + #"Time)" NIL (("Pete" NIL "pete" "silly.test")) (("Pete" NIL "pete" "silly.test")) (("Pete" "#
                + #"NIL "pete" "silly.test")) ((NIL NIL "A Group" NIL)("Chris Jones" NIL "c" "#
                + #""public.example")(NIL NIL "joe" "example.org")("John" NIL "jdoe" "one.test")(NIL NIL NIL "#
                + #"NIL)) ((NIL NIL "Hidden recipients" NIL)(NIL NIL NIL NIL)) NIL NIL "#
                + #""<testabcd.1234@silly.test>")"#,
            bodyStructure: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 10 1 NIL NIL NIL NIL)"#,
            body: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 10 1)"#),
        Expectation(
            "A.6.1", RFCExamples.a61,
            envelope: #"("Tue, 1 Jul 2003 10:52:37 +0200" NIL (("Joe Q. Public" NIL "john.q.public" "#
                + #""example.com")) (("Joe Q. Public" NIL "john.q.public" "example.com")) (("Joe Q. Public" "#
                + #"NIL "john.q.public" "example.com")) (("Mary Smith" "@node.test" "mary" "example.net")(NIL "#
                + #"NIL "jdoe" "test.example")) NIL NIL NIL "<5678.21-Nov-1997@example.com>")"#,
            bodyStructure: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 14 1 NIL NIL NIL NIL)"#,
            body: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 14 1)"#),
        Expectation(
            "A.6.2", RFCExamples.a62,
            envelope: #"("21 Nov 97 09:55:06 GMT" "Saying Hello" (("John Doe" NIL "jdoe" "machine.example")) "#
                + #"(("John Doe" NIL "jdoe" "machine.example")) (("John Doe" NIL "jdoe" "machine.example")) "#
                + #"(("Mary Smith" NIL "mary" "example.net")) NIL NIL NIL "<1234@local.machine.example>")"#,
            bodyStructure: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 52 2 NIL NIL NIL NIL)"#,
            body: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 52 2)"#),
        Expectation(
            "A.6.3", RFCExamples.a63,
            envelope: #"("Fri, 21                 Nov 1997 09(comment):   55  :  06 -0600" "Saying Hello" (("John "#
                + #"Doe" NIL "jdoe" "machine.example")) (("John Doe" NIL "jdoe" "machine.example")) (("John "#
                + #"Doe" NIL "jdoe" "machine.example")) (("Mary Smith" NIL "mary" "example.net")) NIL NIL NIL "#
                + #""<1234   @   local(blah)  .machine .example>")"#,
            bodyStructure: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 52 2 NIL NIL NIL NIL)"#,
            body: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 52 2)"#),
        Expectation(
            "RFC 2047 a", RFCExamples.rfc2047a,
            envelope: #"(NIL "=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=    "#
                + #"=?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=" (("=?US-ASCII?Q?Keith_Moore?=" NIL "#
                + #""moore" "cs.utk.edu")) (("=?US-ASCII?Q?Keith_Moore?=" NIL "moore" "cs.utk.edu")) "#
                + #"(("=?US-ASCII?Q?Keith_Moore?=" NIL "moore" "cs.utk.edu")) "#
                + #"(("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=" NIL "keld" "dkuug.dk")) "#
                + #"(("=?ISO-8859-1?Q?Andr=E9?= Pirard" NIL "PIRARD" "vm1.ulg.ac.be")) NIL NIL NIL)"#,
            bodyStructure: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 6 1 NIL NIL NIL NIL)"#,
            body: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 6 1)"#),
        Expectation(
            "RFC 2047 b", RFCExamples.rfc2047b,
            envelope: #"(NIL "Test of new header generator" (("Nathaniel Borenstein" NIL "nsb" "#
                + #""thumper.bellcore.com")) (("Nathaniel Borenstein" NIL "nsb" "thumper.bellcore.com")) "#
                + #"(("Nathaniel Borenstein" NIL "nsb" "thumper.bellcore.com")) (("Greg Vaudreuil" NIL "#
                + #""gvaudre" "NRI.Reston.VA.US")("Ned Freed" NIL "ned" "innosoft.com")("Keith Moore" NIL "#
                + #""moore" "cs.utk.edu")) NIL NIL NIL NIL)"#,
            bodyStructure: #"("text" "plain" ("charset" "ISO-8859-1") NIL NIL "7bit" 6 1 NIL NIL NIL NIL)"#,
            body: #"("text" "plain" ("charset" "ISO-8859-1") NIL NIL "7bit" 6 1)"#),
        Expectation(
            "RFC 2046", RFCExamples.rfc2046,
            envelope: #"("Sun, 21 Mar 1993 23:56:48 -0800 (PST)" "Sample message" (("Nathaniel Borenstein" NIL "#
                + #""nsb" "bellcore.com")) (("Nathaniel Borenstein" NIL "nsb" "bellcore.com")) (("Nathaniel "#
                + #"Borenstein" NIL "nsb" "bellcore.com")) (("Ned Freed" NIL "ned" "innosoft.com")) NIL NIL "#
                + #"NIL NIL)"#,
            bodyStructure: #"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 80 1 NIL NIL NIL NIL)("text" "#
                + #""plain" ("charset" "us-ascii") NIL NIL "7bit" 78 2 NIL NIL NIL NIL) "mixed" ("boundary" "#
                + #""simple boundary") NIL NIL NIL)"#,
            body: #"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 80 1)("text" "plain" ("charset" "#
                + #""us-ascii") NIL NIL "7bit" 78 2) "mixed")"#),
        Expectation(
            "RFC 2231", RFCExamples.rfc2231,
            envelope: #"(NIL NIL ((NIL NIL "a" "example.com")) ((NIL NIL "a" "example.com")) ((NIL NIL "a" "#
                + #""example.com")) NIL NIL NIL NIL NIL)"#,
            bodyStructure: #"(("message" "external-body" ("access-type" "URL" "URL" "#
                + #""ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar") NIL NIL "7bit" 40 NIL NIL NIL "#
                + #"NIL)("application" "x-stuff" ("title*" "#
                + #""us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A") NIL NIL "7bit" 3 NIL NIL NIL "#
                + #"NIL)("application" "x-stuff" ("title*" "#
                + #""us-ascii'en'This%20is%20even%20more%20%2A%2A%2Afun%2A%2A%2A%20isn't it!") NIL NIL "7bit" "#
                + #"3 NIL NIL NIL NIL) "mixed" ("boundary" "x") NIL NIL NIL)"#,
            body: #"(("message" "external-body" ("access-type" "URL" "URL" "#
                + #""ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar") NIL NIL "7bit" "#
                + #"40)("application" "x-stuff" ("title*" "us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A") "#
                + #"NIL NIL "7bit" 3)("application" "x-stuff" ("title*" "#
                + #""us-ascii'en'This%20is%20even%20more%20%2A%2A%2Afun%2A%2A%2A%20isn't it!") NIL NIL "7bit" "#
                + #"3) "mixed")"#),
    ]

    @Test(arguments: expectations)
    func imapStrings(_ e: Expectation) {
        let m = parse(e.bytes)
        #expect(m.envelope.imapString() == e.envelope)
        #expect(m.bodyStructure.imapString(extended: true) == e.bodyStructure)
        #expect(m.bodyStructure.imapString(extended: false) == e.body)
        #expect(checkRanges(m))
    }

    @Test func a5CommentsAndGroups() {
        let m = parse(RFCExamples.a5)
        let env = m.envelope
        #expect(env.from == [Address(name: "Pete", mailbox: "pete", host: "silly.test")])
        #expect(
            env.to == [
                Address(mailbox: "A Group", host: nil),
                Address(name: "Chris Jones", mailbox: "c", host: "public.example"),
                Address(mailbox: "joe", host: "example.org"),
                Address(name: "John", mailbox: "jdoe", host: "one.test"),
                Address(mailbox: nil, host: nil),
            ])
        #expect(env.cc == [Address(mailbox: "Hidden recipients", host: nil), Address(mailbox: nil, host: nil)])
        // Thu, 13 Feb 1969 23:32 -0330
        #expect(m.date?.timeZoneOffset == -(3 * 3600 + 30 * 60))
        #expect(m.date?.date == Date(timeIntervalSince1970: -27_723_480))  // 1969-02-14 03:02 UTC
        #expect(m.messageID == "testabcd.1234@silly.test")
    }

    @Test func a2Threading() {
        let reply = parse(RFCExamples.a2reply2)
        #expect(reply.messageID == "abcd.1234@local.machine.test")
        #expect(reply.inReplyTo == ["3456@example.net"])
        #expect(reply.references == ["1234@local.machine.example", "3456@example.net"])
    }

    @Test func a6ObsoleteForms() {
        let m61 = parse(RFCExamples.a61)
        #expect(
            m61.envelope.to?.first
                == Address(name: "Mary Smith", adl: "@node.test", mailbox: "mary", host: "example.net"))
        let m62 = parse(RFCExamples.a62)
        // 21 Nov 97 09:55:06 GMT: two-digit year means 1997 (RFC 5322 §4.3).
        #expect(m62.date?.date == Date(timeIntervalSince1970: 880_106_106))
        let m63 = parse(RFCExamples.a63)
        #expect(m63.header.first("From")?.name == "From")
        #expect(m63.envelope.from == [Address(name: "John Doe", mailbox: "jdoe", host: "machine.example")])
        #expect(m63.envelope.to == [Address(name: "Mary Smith", mailbox: "mary", host: "example.net")])
        #expect(m63.date?.date == Date(timeIntervalSince1970: 880_127_706))
        #expect(m63.messageID == "1234@local.machine.example")
    }

    @Test func a4TraceFieldsArePreserved() {
        let m = parse(RFCExamples.a4)
        #expect(m.header.all("Received").count == 2)
        #expect(
            m.header.all("received")[0].unfoldedValue.hasSuffix("for <mary@example.net>;  21 Nov 1997 10:05:43 -0600"))
    }

    @Test func rfc2047Decoding() {
        let m = parse(RFCExamples.rfc2047a)
        #expect(m.envelope.decodedSubject == "If you can read this you understand the example.")
        #expect(m.envelope.from?.first?.decodedName == "Keith Moore")
        #expect(m.envelope.to?.first?.decodedName == "Keld Jørn Simonsen")
        #expect(m.envelope.cc?.first?.decodedName == "André Pirard")
        let b = parse(RFCExamples.rfc2047b)
        #expect(b.envelope.from?.first?.name == "Nathaniel Borenstein")
        #expect(b.header.decodedValue("From")?.hasSuffix("(םולש ןב ילטפנ)") == true)
        #expect(b.envelope.to?.count == 3)
    }

    /// RFC 2047 §8 table of adjacent encoded words.
    @Test(arguments: [
        ("(=?ISO-8859-1?Q?a?=)", "(a)"),
        ("(=?ISO-8859-1?Q?a?= b)", "(a b)"),
        ("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)"),
        ("(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)"),
        ("(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)"),
        ("(=?ISO-8859-1?Q?a_b?=)", "(a b)"),
        ("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)"),
    ])
    func rfc2047AdjacentWords(_ input: String, _ expected: String) {
        #expect(EncodedWords.decode(input) == expected)
    }

    @Test func rfc2231Parameters() {
        let m = parse(RFCExamples.rfc2231)
        #expect(
            m.part(at: [1])?.contentType.parameter("url") == "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar")
        #expect(m.part(at: [2])?.contentType.parameter("title") == "This is ***fun***")
        #expect(m.part(at: [3])?.contentType.parameter("title") == "This is even more ***fun*** isn't it!")
    }

    @Test func rfc2046Sections() {
        let m = parse(RFCExamples.rfc2046)
        #expect(
            sectionText(m, "1") == "This is implicitly typed plain US-ASCII text.\r\nIt does NOT end with a linebreak.")
        #expect(sectionText(m, "1.MIME") == "\r\n")
        #expect(
            sectionText(m, "2") == "This is explicitly typed plain US-ASCII text.\r\nIt DOES end with a linebreak.\r\n")
        #expect(sectionText(m, "2.MIME") == "Content-type: text/plain; charset=us-ascii\r\n\r\n")
        #expect(sectionText(m, "3") == nil)
        #expect(m.searchText(includeHeaders: false).contains("preamble") == false)
        #expect(m.searchText(includeHeaders: false).contains("epilogue") == false)
    }
}
