// Table-driven parse fixtures: one or more lines for every command form, then round trips
// (parse -> TestCommandEncoder -> parse) over the same table.

import NIOCore
import Testing

@testable import IMAPProtocol

struct CommandFixture: Sendable, CustomTestStringConvertible {
    let line: String
    let expected: Command
    var testDescription: String { line.replacingOccurrences(of: "\r\n", with: "⏎") }

    init(_ line: String, _ expected: Command) {
        self.line = line
        self.expected = expected
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        self.split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

private let hello = ByteBuffer(string: "hello")

let commandFixtures: [CommandFixture] = [
    // Any state
    .init("a CAPABILITY", .capability),
    .init("a noop", .noop),
    .init("a LOGOUT", .logout),
    .init("a ID NIL", .id(nil)),
    .init("a ID ()", .id([])),
    .init(
        #"a ID ("name" "Thunderbird" "version" "115.0" "os" NIL)"#,
        .id([IDParameter("name", "Thunderbird"), IDParameter("version", "115.0"), IDParameter("os", nil)])),
    // Not authenticated
    .init("a STARTTLS", .starttls),
    .init("a AUTHENTICATE PLAIN", .authenticate(mechanism: "PLAIN", initialResponse: nil)),
    .init("a AUTHENTICATE plain =", .authenticate(mechanism: "PLAIN", initialResponse: ByteBuffer())),
    .init(
        "a AUTHENTICATE PLAIN AHVzZXIAcGFzcw==",
        .authenticate(mechanism: "PLAIN", initialResponse: ByteBuffer(bytes: Array("\0user\0pass".utf8)))),
    .init("a AUTHENTICATE XOAUTH2", .authenticate(mechanism: "XOAUTH2", initialResponse: nil)),
    .init("a LOGIN joe password", .login(username: "joe", password: "password")),
    .init(#"a LOGIN "joe@example.test" "pa ss\"w\\d""#, .login(username: "joe@example.test", password: #"pa ss"w\d"#)),
    .init("a LOGIN {3}\r\njoe {4}\r\npass", .login(username: "joe", password: "pass")),
    .init("a LOGIN {3+}\r\njoe {4+}\r\npass", .login(username: "joe", password: "pass")),
    // Authenticated
    .init("a ENABLE CONDSTORE", .enable(["CONDSTORE"])),
    .init("a ENABLE UTF8=ACCEPT QRESYNC IMAP4rev2", .enable(["UTF8=ACCEPT", "QRESYNC", "IMAP4rev2"])),
    .init("a SELECT INBOX", .select(.inbox, .none)),
    .init("a select inbox", .select(.inbox, .none)),
    .init(#"a SELECT "Inbox""#, .select(.inbox, .none)),
    .init("a SELECT {5}\r\ninBOX", .select(.inbox, .none)),
    .init("a SELECT INBOX (CONDSTORE)", .select(.inbox, SelectParameters(condStore: true))),
    .init(
        "a SELECT INBOX (QRESYNC (67890007 20050715194045000))",
        .select(
            .inbox,
            SelectParameters(qresync: QResyncParameters(uidValidity: 67_890_007, modSeq: 20_050_715_194_045_000)))),
    .init(
        "a SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))",
        .select(
            .inbox,
            SelectParameters(
                qresync: QResyncParameters(
                    uidValidity: 67_890_007, modSeq: 20_050_715_194_045_000, knownUIDs: set("41,43:211,214:541"))))),
    .init(
        "a EXAMINE INBOX (QRESYNC (67890007 90060115194045000 41:211,214:541 (1:15,19,20 41:55,70,80)))",
        .examine(
            .inbox,
            SelectParameters(
                qresync: QResyncParameters(
                    uidValidity: 67_890_007, modSeq: 90_060_115_194_045_000, knownUIDs: set("41:211,214:541"),
                    sequenceMatch: SequenceMatchData(
                        knownSequenceSet: set("1:15,19,20"), knownUIDSet: set("41:55,70,80"))
                )))),
    .init(
        "a SELECT INBOX (CONDSTORE QRESYNC (1 2 (1:2 3:4)))",
        .select(
            .inbox,
            SelectParameters(
                condStore: true,
                qresync: QResyncParameters(
                    uidValidity: 1, modSeq: 2,
                    sequenceMatch: SequenceMatchData(knownSequenceSet: set("1:2"), knownUIDSet: set("3:4")))))),
    .init("a EXAMINE blurdybloop", .examine(mailbox("blurdybloop"), .none)),
    .init("a CREATE owatagu/", .create(mailbox("owatagu/"), specialUse: [])),
    .init(
        #"a CREATE "Important Messages" (USE (\Flagged))"#,
        .create(mailbox("Important Messages"), specialUse: [.flagged])),
    .init(#"a CREATE Drafts (USE (\drafts \Junk))"#, .create(mailbox("Drafts"), specialUse: [.drafts, .junk])),
    .init("a DELETE foo/bar", .delete(mailbox("foo/bar"))),
    .init("a RENAME blurdybloop sarasoop", .rename(from: mailbox("blurdybloop"), to: mailbox("sarasoop"))),
    .init("a RENAME INBOX old-mail", .rename(from: .inbox, to: mailbox("old-mail"))),
    .init("a SUBSCRIBE #news.comp.mail.mime", .subscribe(mailbox("#news.comp.mail.mime"))),
    .init("a UNSUBSCRIBE #news.comp.mail.mime", .unsubscribe(mailbox("#news.comp.mail.mime"))),
    .init(#"a LIST "" *"#, .list(ListCommand(reference: mailbox(""), patterns: [MailboxPattern("*")]))),
    .init(#"a LIST "" """#, .list(ListCommand(reference: mailbox(""), patterns: [MailboxPattern("")]))),
    .init("a LIST ~/Mail/ %", .list(ListCommand(reference: mailbox("~/Mail/"), patterns: [MailboxPattern("%")]))),
    .init(
        #"a LIST #news.comp.mail.misc """#,
        .list(ListCommand(reference: mailbox("#news.comp.mail.misc"), patterns: [MailboxPattern("")]))),
    .init(
        #"a LIST (SUBSCRIBED) "" "*""#,
        .list(
            ListCommand(
                selectOptions: [.subscribed], reference: mailbox(""), patterns: [MailboxPattern("*")], isExtended: true)
        )),
    .init(
        #"a LIST () "" % RETURN (CHILDREN)"#,
        .list(
            ListCommand(
                reference: mailbox(""), patterns: [MailboxPattern("%")], returnOptions: [.children], isExtended: true))),
    .init(
        #"a LIST (SUBSCRIBED RECURSIVEMATCH) "" "%" RETURN (CHILDREN)"#,
        .list(
            ListCommand(
                selectOptions: [.subscribed, .recursiveMatch], reference: mailbox(""), patterns: [MailboxPattern("%")],
                returnOptions: [.children], isExtended: true))),
    .init(
        #"a LIST (REMOTE) "" "*" RETURN (SUBSCRIBED)"#,
        .list(
            ListCommand(
                selectOptions: [.remote], reference: mailbox(""), patterns: [MailboxPattern("*")],
                returnOptions: [.subscribed], isExtended: true))),
    .init(
        #"a LIST (SPECIAL-USE) "" "*""#,
        .list(
            ListCommand(
                selectOptions: [.specialUse], reference: mailbox(""), patterns: [MailboxPattern("*")], isExtended: true)
        )),
    .init(
        #"a LIST "" ("INBOX" "Drafts" "Sent/%")"#,
        .list(
            ListCommand(
                reference: mailbox(""),
                patterns: [MailboxPattern("INBOX"), MailboxPattern("Drafts"), MailboxPattern("Sent/%")],
                isExtended: true))),
    .init(
        #"a LIST "" "*" RETURN (SUBSCRIBED CHILDREN SPECIAL-USE STATUS (MESSAGES UNSEEN SIZE))"#,
        .list(
            ListCommand(
                reference: mailbox(""), patterns: [MailboxPattern("*")],
                returnOptions: [.subscribed, .children, .specialUse, .status([.messages, .unseen, .size])],
                isExtended: true))),
    .init(
        ##"a LSUB "#news." "comp.mail.*""##, .lsub(reference: mailbox("#news."), pattern: MailboxPattern("comp.mail.*"))
    ),
    .init("a NAMESPACE", .namespace),
    .init(
        "a STATUS blurdybloop (UIDNEXT MESSAGES)", .status(mailbox("blurdybloop"), [.uidNext, .messages])),
    .init(
        "a STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE RECENT HIGHESTMODSEQ APPENDLIMIT MAILBOXID)",
        .status(
            .inbox,
            [
                .messages, .uidNext, .uidValidity, .unseen, .deleted, .size, .recent, .highestModSeq, .appendLimit,
                .mailboxID,
            ])),
    .init(
        "a APPEND saved-messages (\\Seen) {5}\r\nhello",
        .append(
            mailbox: mailbox("saved-messages"),
            messages: [AppendMessage(metadata: AppendMessageMetadata(flags: [.seen], size: 5), data: hello)])),
    .init(
        "a APPEND INBOX (\\Seen $Forwarded) \"17-Jul-1996 02:44:25 -0700\" {5+}\r\nhello",
        .append(
            mailbox: .inbox,
            messages: [
                AppendMessage(
                    metadata: AppendMessageMetadata(
                        flags: [.seen, .forwarded], internalDate: dateTime("17-Jul-1996 02:44:25 -0700"), size: 5),
                    data: hello)
            ])),
    .init(
        "a APPEND INBOX ~{5}\r\nhello",
        .append(
            mailbox: .inbox,
            messages: [AppendMessage(metadata: AppendMessageMetadata(size: 5, isBinary: true), data: hello)])),
    .init(
        "a APPEND INBOX UTF8 (~{5}\r\nhello)",
        .append(
            mailbox: .inbox,
            messages: [
                AppendMessage(metadata: AppendMessageMetadata(size: 5, isBinary: true, isUTF8: true), data: hello)
            ])),
    .init(
        "a APPEND INBOX {5}\r\nhello (\\Draft) \" 1-Jul-2002 22:35:00 +0200\" {5}\r\nhello",
        .append(
            mailbox: .inbox,
            messages: [
                AppendMessage(metadata: AppendMessageMetadata(size: 5), data: hello),
                AppendMessage(
                    metadata: AppendMessageMetadata(
                        flags: [.draft], internalDate: dateTime(" 1-Jul-2002 22:35:00 +0200"), size: 5), data: hello),
            ])),
    .init("a IDLE", .idle),
    .init("a COMPRESS DEFLATE", .compress(mechanism: "DEFLATE")),
    // Selected
    .init("a CHECK", .check),
    .init("a CLOSE", .close),
    .init("a UNSELECT", .unselect),
    .init("a EXPUNGE", .expunge),
    .init("a UID EXPUNGE 3000:3002", .uidExpunge(set("3000:3002"))),
    .init("a UID EXPUNGE $", .uidExpunge(.lastCommand)),
    .init("a SEARCH ALL", .search(SearchCommand(key: .all))),
    .init(
        #"a SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith""#,
        .search(SearchCommand(key: .and([.flagged, .since(date("1-Feb-1994")), .not(.from("Smith"))])))),
    .init(
        #"a SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith""#,
        .search(
            SearchCommand(
                returnOptions: [.min, .count], key: .and([.flagged, .since(date("1-Feb-1994")), .not(.from("Smith"))])))
    ),
    .init("a SEARCH RETURN () FLAGGED", .search(SearchCommand(returnOptions: [], key: .flagged))),
    .init(
        "a UID SEARCH RETURN (SAVE MIN MAX ALL COUNT) UNSEEN",
        .uidSearch(SearchCommand(returnOptions: [.save, .min, .max, .all, .count], key: .unseen))),
    .init(
        "a UID SEARCH UID $ SMALLER 4096", .uidSearch(SearchCommand(key: .and([.uid(.lastCommand), .smaller(4096)])))),
    .init("a SEARCH $", .search(SearchCommand(key: .sequenceNumbers(.lastCommand)))),
    .init(
        "a SEARCH CHARSET UTF-8 TEXT {6}\r\nXXXXXX", .search(SearchCommand(charset: "UTF-8", key: .text("XXXXXX")))),
    .init(
        #"a SEARCH CHARSET "UTF-8" SUBJECT "caf\#u{e9}""#,
        .search(SearchCommand(charset: "UTF-8", key: .subject("café")))),
    .init(
        "a SEARCH ANSWERED DELETED DRAFT FLAGGED SEEN UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN NEW OLD RECENT",
        .search(
            SearchCommand(
                key: .and([
                    .answered, .deleted, .draft, .flagged, .seen, .unanswered, .undeleted, .undraft, .unflagged,
                    .unseen,
                    .new, .old, .recent,
                ])))),
    .init(
        #"a SEARCH BCC b BODY "x y" CC c FROM f SUBJECT s TEXT t TO "to" HEADER Message-ID "<a@b>""#,
        .search(
            SearchCommand(
                key: .and([
                    .bcc("b"), .body("x y"), .cc("c"), .from("f"), .subject("s"), .text("t"), .to("to"),
                    .header(field: "Message-ID", value: "<a@b>"),
                ])))),
    .init(
        #"a SEARCH BEFORE 1-Feb-1994 ON "02-Mar-2020" SINCE 31-Dec-1999 SENTBEFORE 1-Jan-2000 SENTON 1-Jan-2000 SENTSINCE 1-Jan-2000"#,
        .search(
            SearchCommand(
                key: .and([
                    .before(date("1-Feb-1994")), .on(date("2-Mar-2020")), .since(date("31-Dec-1999")),
                    .sentBefore(date("1-Jan-2000")), .sentOn(date("1-Jan-2000")), .sentSince(date("1-Jan-2000")),
                ])))),
    .init(
        "a SEARCH KEYWORD $Forwarded UNKEYWORD $Junk LARGER 100 SMALLER 9999999999",
        .search(
            SearchCommand(
                key: .and([.keyword("$Forwarded"), .unkeyword("$Junk"), .larger(100), .smaller(9_999_999_999)])))),
    .init(
        "a SEARCH 1:5,7,9:* UID 100:* NOT (SEEN DELETED)",
        .search(
            SearchCommand(
                key: .and([.sequenceNumbers(set("1:5,7,9:*")), .uid(set("100:*")), .not(.and([.seen, .deleted]))])))),
    .init(
        #"a SEARCH OR (FROM a TO b) OR SUBJECT x NOT BODY y"#,
        .search(SearchCommand(key: .or(.and([.from("a"), .to("b")]), .or(.subject("x"), .not(.body("y"))))))),
    .init("a SEARCH MODSEQ 620162338", .search(SearchCommand(key: .modSeq(620_162_338, entry: nil)))),
    .init(
        #"a SEARCH MODSEQ "/flags/\\draft" all 620162338"#,
        .search(SearchCommand(key: .modSeq(620_162_338, entry: ModSeqEntry(flag: .draft, type: .all))))),
    .init(
        #"a SEARCH MODSEQ "/flags/$Junk" priv 0"#,
        .search(SearchCommand(key: .modSeq(0, entry: ModSeqEntry(flag: .junk, type: .private))))),
    .init(
        "a SEARCH YOUNGER 3600 OLDER 60 EMAILID M6d99ac3275bb4e THREADID T64b478a75b7ea9",
        .search(
            SearchCommand(
                key: .and([.younger(3600), .older(60), .emailID("M6d99ac3275bb4e"), .threadID("T64b478a75b7ea9")])))),
    .init(
        "a SEARCH SAVEDBEFORE 1-Jan-2020 SAVEDON 2-Jan-2020 SAVEDSINCE 3-Jan-2020 SAVEDATESUPPORTED",
        .search(
            SearchCommand(
                key: .and([
                    .savedBefore(date("1-Jan-2020")), .savedOn(date("2-Jan-2020")), .savedSince(date("3-Jan-2020")),
                    .saveDateSupported,
                ])))),
    .init("a FETCH 1 ALL", .fetch(set("1"), FetchAttribute.all, .none)),
    .init("a FETCH 12 full", .fetch(set("12"), FetchAttribute.full, .none)),
    .init("a FETCH 1:* FAST", .fetch(set("1:*"), FetchAttribute.fast, .none)),
    .init("a FETCH 12 body[header]", .fetch(set("12"), [.bodySection(.header, partial: nil, peek: false)], .none)),
    .init(
        "a FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])",
        .fetch(
            set("2:4"),
            [
                .flags,
                .bodySection(SectionSpecifier(kind: .headerFields(["DATE", "FROM"])), partial: nil, peek: false),
            ], .none)),
    .init("a UID FETCH 4827313:4828442 FLAGS", .uidFetch(set("4827313:4828442"), [.flags], .none)),
    .init(
        "a UID FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS.NOT (Received \"X-Spam\")])",
        .uidFetch(
            set("1:*"),
            [
                .uid, .rfc822Size, .flags,
                .bodySection(
                    SectionSpecifier(kind: .headerFieldsNot(["Received", "X-Spam"])), partial: nil, peek: true),
            ],
            .none)),
    .init(
        "a FETCH 1 (ENVELOPE INTERNALDATE BODY BODYSTRUCTURE RFC822 RFC822.HEADER RFC822.TEXT MODSEQ EMAILID THREADID SAVEDATE)",
        .fetch(
            set("1"),
            [
                .envelope, .internalDate, .body, .bodyStructure, .rfc822, .rfc822Header, .rfc822Text, .modSeq, .emailID,
                .threadID, .saveDate,
            ],
            .none)),
    .init(
        "a FETCH 1 (BODY[] BODY.PEEK[1.2.3] BODY[1.MIME] BODY[2.TEXT]<0.2048> BODY[3.HEADER] BODY[TEXT]<10.20>)",
        .fetch(
            set("1"),
            [
                .bodySection(.complete, partial: nil, peek: false),
                .bodySection(SectionSpecifier(part: [1, 2, 3]), partial: nil, peek: true),
                .bodySection(SectionSpecifier(part: [1], kind: .mime), partial: nil, peek: false),
                .bodySection(
                    SectionSpecifier(part: [2], kind: .text), partial: Partial(offset: 0, length: 2048), peek: false),
                .bodySection(SectionSpecifier(part: [3], kind: .header), partial: nil, peek: false),
                .bodySection(.text, partial: Partial(offset: 10, length: 20), peek: false),
            ], .none)),
    .init(
        "a FETCH 1 (BINARY[1.2] BINARY.PEEK[]<0.100> BINARY.SIZE[1] PREVIEW PREVIEW (LAZY))",
        .fetch(
            set("1"),
            [
                .binary(part: [1, 2], partial: nil, peek: false),
                .binary(part: [], partial: Partial(offset: 0, length: 100), peek: true),
                .binarySize(part: [1]), .preview(lazy: false), .preview(lazy: true),
            ], .none)),
    .init(
        "a FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)", .fetch(set("1:*"), [.flags], FetchModifiers(changedSince: 12345))),
    .init(
        "a UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)",
        .uidFetch(set("300:500"), [.flags], FetchModifiers(changedSince: 12345, vanished: true))),
    .init("a STORE 2:4 +FLAGS (\\Deleted)", .store(set("2:4"), .none, StoreFlags(.add, flags: [.deleted]))),
    .init("a store 12 +flags \\deleted", .store(set("12"), .none, StoreFlags(.add, flags: [.deleted]))),
    .init(
        "a STORE 1 -FLAGS.SILENT (\\Seen $Junk)",
        .store(set("1"), .none, StoreFlags(.remove, silent: true, flags: [.seen, .junk]))),
    .init("a STORE 1 FLAGS ()", .store(set("1"), .none, StoreFlags(.replace, flags: []))),
    .init(
        "a STORE 1 FLAGS \\Seen \\Answered", .store(set("1"), .none, StoreFlags(.replace, flags: [.seen, .answered]))),
    .init(
        "a STORE 7,5,9 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted)",
        .store(
            set("7,5,9"), StoreModifiers(unchangedSince: 320_162_338), StoreFlags(.add, silent: true, flags: [.deleted])
        )),
    .init(
        "a UID STORE 5:3 +FLAGS (\\X-Custom)",
        .uidStore(set("5:3"), .none, StoreFlags(.add, flags: [.extension("X-Custom")]))),
    .init("a COPY 2:4 MEETING", .copy(set("2:4"), mailbox("MEETING"))),
    .init("a UID COPY 1,3 \"Sent Items\"", .uidCopy(set("1,3"), mailbox("Sent Items"))),
    .init("a MOVE 1 Trash", .move(set("1"), mailbox("Trash"))),
    .init("a UID MOVE 42:69 foo", .uidMove(set("42:69"), mailbox("foo"))),
    .init("a UID MOVE $ &U,BTFw-", .uidMove(.lastCommand, mailbox("&U,BTFw-"))),
]

@Suite struct CommandParserTests {
    @Test(arguments: commandFixtures)
    func parses(_ fixture: CommandFixture) throws {
        let parsed = try parse(fixture.line)
        #expect(parsed == TaggedCommand(tag: "a", command: fixture.expected))
    }

    @Test(arguments: commandFixtures)
    func roundTrips(_ fixture: CommandFixture) throws {
        let parsed = try parse(fixture.line)
        let reencoded = TestCommandEncoder.encode(parsed)
        let reparsed = try GrammarParser.parseCommand(reencoded)
        #expect(reparsed == parsed, "re-encoded as \(String(buffer: reencoded))")
    }

    @Test func tagsMayContainPunctuation() throws {
        #expect(try parse("A.1-x$]! NOOP").tag == "A.1-x$]!")
    }

    @Test func sequenceSetsResolveStarAndReversedRanges() {
        #expect(set("5:2,*,7:*").resolved(largest: 9) == [2...5, 9...9, 7...9])
        #expect(set("$").resolved(largest: 9) == nil)
    }

    struct Malformed: Sendable, CustomTestStringConvertible {
        let line: String
        let tag: String?
        let kind: CommandDecodingError.Kind
        var testDescription: String { line }
    }

    static let malformed: [Malformed] = [
        .init(line: "", tag: nil, kind: .syntax),
        .init(line: "a", tag: "a", kind: .syntax),
        .init(line: "+ NOOP", tag: nil, kind: .syntax),
        .init(line: "a  NOOP", tag: "a", kind: .unknownCommand),
        .init(line: "a XPIG-LATIN", tag: "a", kind: .unknownCommand),
        .init(line: "a UID FOO 1", tag: "a", kind: .unknownCommand),
        .init(line: "a NOOP extra", tag: "a", kind: .syntax),
        .init(line: "a SELECT", tag: "a", kind: .syntax),
        .init(line: "a SELECT \"unterminated", tag: "a", kind: .syntax),
        .init(line: "a SELECT \"bad\\escape\"", tag: "a", kind: .syntax),
        .init(line: "a SELECT INBOX (UNKNOWN)", tag: "a", kind: .syntax),
        .init(line: "a FETCH 0 FLAGS", tag: "a", kind: .syntax),
        .init(line: "a FETCH 1:4294967296 FLAGS", tag: "a", kind: .syntax),
        .init(line: "a FETCH 1 (FLAGS", tag: "a", kind: .syntax),
        .init(line: "a FETCH 1 BODY.PEEK", tag: "a", kind: .syntax),
        .init(line: "a FETCH 1 BODY[4.MIME", tag: "a", kind: .syntax),
        .init(line: "a FETCH 1 BODY[]<0.0>", tag: "a", kind: .syntax),
        .init(line: "a FETCH 1 XYZZY", tag: "a", kind: .syntax),
        .init(line: "a STORE 1 +FLAGS", tag: "a", kind: .syntax),
        .init(line: "a SEARCH", tag: "a", kind: .syntax),
        .init(line: "a SEARCH SINCE 30-Feb-2020", tag: "a", kind: .syntax),
        .init(line: "a SEARCH BOGUS", tag: "a", kind: .syntax),
        .init(line: "a SEARCH RETURN (FOO) ALL", tag: "a", kind: .syntax),
        .init(line: "a LIST (RECURSIVEMATCH) \"\" *", tag: "a", kind: .syntax),
        .init(line: "a LIST (BOGUS) \"\" *", tag: "a", kind: .syntax),
        .init(line: "a STATUS INBOX ()", tag: "a", kind: .syntax),
        .init(line: "a AUTHENTICATE PLAIN !!!", tag: "a", kind: .syntax),
        .init(line: "a LOGIN {5}\r\nab", tag: "a", kind: .syntax),
        .init(line: "a SELECT ~{5}\r\nINBOX", tag: "a", kind: .syntax),
        .init(line: "a APPEND INBOX \"32-Jul-1996 02:44:25 -0700\" {1}\r\nx", tag: "a", kind: .syntax),
        .init(line: "a SELECT INBOX (QRESYNC (0 1))", tag: "a", kind: .syntax),
        .init(line: "a SELECT INBOX (QRESYNC (1 1 1:*))", tag: "a", kind: .syntax),
    ]

    @Test(arguments: malformed)
    func rejectsMalformed(_ fixture: Malformed) {
        #expect {
            try parse(fixture.line)
        } throws: { error in
            guard let error = error as? CommandDecodingError else { return false }
            return error.tag == fixture.tag && error.kind == fixture.kind
        }
    }

    @Test func nestingDepthIsLimited() throws {
        let limits = IMAPLimits(maxNestingDepth: 20)
        let nested = "a SEARCH " + String(repeating: "NOT ", count: 30) + "ALL"
        #expect(throws: CommandDecodingError(kind: .nestingTooDeep, tag: "a", detail: "Nesting too deep")) {
            try parse(nested, limits: limits)
        }
        let parens = "a SEARCH " + String(repeating: "(", count: 30) + "ALL" + String(repeating: ")", count: 30)
        #expect(throws: CommandDecodingError(kind: .nestingTooDeep, tag: "a", detail: "Nesting too deep")) {
            try parse(parens, limits: limits)
        }
        _ = try parse("a SEARCH " + String(repeating: "NOT ", count: 10) + "ALL", limits: limits)
    }

    @Test func decodingErrorsMapToReplies() {
        let bad = CommandDecodingError(kind: .syntax, tag: "a1", detail: "Expected SP")
        #expect(encoded(bad.response) == "a1 BAD Expected SP\r\n")
        let untagged = CommandDecodingError(kind: .lineTooLong, tag: nil, detail: "Line too long")
        #expect(encoded(untagged.response) == "* BAD Line too long\r\n")
        let big = CommandDecodingError(kind: .messageTooLarge, tag: "a2", detail: "Message too large")
        #expect(encoded(big.response) == "a2 NO [TOOBIG] Message too large\r\n")
        let literal = CommandDecodingError(kind: .literalTooLarge, tag: "a3", detail: "Literal too large")
        #expect(encoded(literal.response) == "a3 BAD [TOOBIG] Literal too large\r\n")
    }
}
