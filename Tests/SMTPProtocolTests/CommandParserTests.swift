import NIOCore
import Testing

@testable import SMTPProtocol

struct ParseCase: Sendable, CustomTestStringConvertible {
    let line: String
    let command: SMTPCommand
    init(_ line: String, _ command: SMTPCommand) {
        self.line = line
        self.command = command
    }
    var testDescription: String { line }
}

let validCommands: [ParseCase] = [
    // RFC 5321 §4.1.1.1
    ParseCase("EHLO mail.example.com", .ehlo("mail.example.com")),
    ParseCase("ehlo [192.0.2.1]", .ehlo("[192.0.2.1]")),
    ParseCase("EHLO my_laptop", .ehlo("my_laptop")),  // Quirk: underscores, accepted (RFC 5321 §4.1.4).
    ParseCase("HELO client.example", .helo("client.example")),
    ParseCase("Helo   client.example  ", .helo("client.example")),
    // RFC 5321 §4.1.1.2
    ParseCase("MAIL FROM:<>", .mail(MailFrom(reversePath: .null))),
    ParseCase(
        "MAIL FROM:<a@b> SIZE=1000 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ314159",
        .mail(
            MailFrom(
                reversePath: .mailbox(mailbox("a@b")), size: 1000, body: .eightBitMIME, smtputf8: true,
                ret: .headers, envid: "QQ314159"))),
    ParseCase("mail from:<user@example.com>", .mail(MailFrom(reversePath: .mailbox(mailbox("user@example.com"))))),
    ParseCase("MAIL FROM: <user@example.com>", .mail(MailFrom(reversePath: .mailbox(mailbox("user@example.com"))))),
    ParseCase("MAIL FROM:  <>  ", .mail(MailFrom(reversePath: .null))),
    ParseCase(
        #"MAIL FROM:<"john doe"@example.com>"#,
        .mail(MailFrom(reversePath: .mailbox(SMTPMailbox(localPart: "john doe", host: .domain("example.com")))))),
    ParseCase(
        #"MAIL FROM:<"a\"b\\c"@example.com>"#,
        .mail(MailFrom(reversePath: .mailbox(SMTPMailbox(localPart: #"a"b\c"#, host: .domain("example.com")))))),
    ParseCase(
        #"MAIL FROM:<"plain"@example.com>"#,
        .mail(MailFrom(reversePath: .mailbox(mailbox("plain@example.com"))))),
    ParseCase(
        "MAIL FROM:<@relay1.example,@relay2.example:user@example.com>",
        .mail(MailFrom(reversePath: .mailbox(mailbox("user@example.com"))))),
    ParseCase(
        "MAIL FROM:<user@[192.0.2.1]>",
        .mail(
            MailFrom(
                reversePath: .mailbox(SMTPMailbox(localPart: "user", host: .addressLiteral(.ipv4([192, 0, 2, 1]))))))),
    ParseCase(
        "MAIL FROM:<user@[IPv6:2001:db8::1]>",
        .mail(
            MailFrom(
                reversePath: .mailbox(
                    SMTPMailbox(
                        localPart: "user",
                        host: .addressLiteral(.ipv6([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]))))))),
    ParseCase(
        "MAIL FROM:<user@[ipv6:::ffff:192.0.2.1]>",
        .mail(
            MailFrom(
                reversePath: .mailbox(
                    SMTPMailbox(
                        localPart: "user",
                        host: .addressLiteral(.ipv6([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1]))))))),
    ParseCase(
        "MAIL FROM:<user@[IPv6:2001:db8:0:0:0:0:0:1]>",
        .mail(MailFrom(reversePath: .mailbox(mailbox("user@[IPv6:2001:db8::1]"))))),
    ParseCase(
        "MAIL FROM:<user@example.com> AUTH=<>",
        .mail(MailFrom(reversePath: .mailbox(mailbox("user@example.com")), auth: "<>"))),
    ParseCase(
        "MAIL FROM:<user@example.com> AUTH=e+3Dmc2@example.com",
        .mail(MailFrom(reversePath: .mailbox(mailbox("user@example.com")), auth: "e=mc2@example.com"))),
    ParseCase(
        "MAIL FROM:<user@example.com> body=binarymime ret=full",
        .mail(MailFrom(reversePath: .mailbox(mailbox("user@example.com")), body: .binaryMIME, ret: .full))),
    ParseCase(
        "MAIL FROM:<user@example.com> BODY=7BIT",
        .mail(MailFrom(reversePath: .mailbox(mailbox("user@example.com")), body: .sevenBit))),
    ParseCase(
        "MAIL FROM:<üser@exämple.com> SMTPUTF8",
        .mail(
            MailFrom(
                reversePath: .mailbox(SMTPMailbox(localPart: "üser", host: .domain("exämple.com"))), smtputf8: true))),
    ParseCase(
        "MAIL FROM:<a@b> SIZE=99999999999999999999",
        .mail(MailFrom(reversePath: .mailbox(mailbox("a@b")), size: Int.max))),
    ParseCase(
        "MAIL FROM:<!#$%&'*+-/=?^_`{|}~@example.com>",
        .mail(
            MailFrom(reversePath: .mailbox(SMTPMailbox(localPart: "!#$%&'*+-/=?^_`{|}~", host: .domain("example.com"))))
        )),
    ParseCase(
        "MAIL FROM:<first.last@sub-1.example.co.uk>",
        .mail(
            MailFrom(reversePath: .mailbox(SMTPMailbox(localPart: "first.last", host: .domain("sub-1.example.co.uk")))))
    ),
    // RFC 5321 §4.1.1.3
    ParseCase("RCPT TO:<Postmaster>", .rcpt(RcptTo(path: .postmaster))),
    ParseCase("rcpt to:<postmaster>", .rcpt(RcptTo(path: .postmaster))),
    ParseCase("RCPT TO:<Postmaster@example.com>", .rcpt(RcptTo(path: .mailbox(mailbox("Postmaster@example.com"))))),
    ParseCase(
        "RCPT TO:<u@d> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;u+2Bx@d",
        .rcpt(
            RcptTo(
                path: .mailbox(mailbox("u@d")), notify: [.success, .failure],
                orcpt: OriginalRecipient(addressType: "rfc822", address: "u+x@d")))),
    ParseCase("RCPT TO:<u@d> NOTIFY=never", .rcpt(RcptTo(path: .mailbox(mailbox("u@d")), notify: .never))),
    ParseCase("RCPT TO:<u@d> NOTIFY=DELAY", .rcpt(RcptTo(path: .mailbox(mailbox("u@d")), notify: .delay))),
    ParseCase("RCPT TO: <u@d>", .rcpt(RcptTo(path: .mailbox(mailbox("u@d"))))),
    ParseCase(
        "RCPT TO:<@hosta.int,@jkl.org:userc@d.bar.org>", .rcpt(RcptTo(path: .mailbox(mailbox("userc@d.bar.org"))))),
    ParseCase(
        #"RCPT TO:<""@example.com>"#,
        .rcpt(RcptTo(path: .mailbox(SMTPMailbox(localPart: "", host: .domain("example.com")))))),
    ParseCase(
        "RCPT TO:<用户@例子.广告>", .rcpt(RcptTo(path: .mailbox(SMTPMailbox(localPart: "用户", host: .domain("例子.广告")))))),
    // RFC 5321 §4.1.1.4 - §4.1.1.10
    ParseCase("DATA", .data),
    ParseCase("data", .data),
    ParseCase("RSET", .rset),
    ParseCase("QUIT", .quit),
    ParseCase("QUIT ", .quit),
    ParseCase("NOOP", .noop(nil)),
    ParseCase("NOOP hello there", .noop("hello there")),
    ParseCase("HELP", .help(nil)),
    ParseCase("HELP MAIL", .help("MAIL")),
    ParseCase("VRFY postmaster", .vrfy("postmaster")),
    ParseCase("VRFY <smith@example.com>", .vrfy("<smith@example.com>")),
    ParseCase("EXPN staff", .expn("staff")),
    // RFC 3207
    ParseCase("STARTTLS", .starttls),
    ParseCase("starttls", .starttls),
    // RFC 3030 §2
    ParseCase("BDAT 1000", .bdat(size: 1000, last: false)),
    ParseCase("BDAT 0 LAST", .bdat(size: 0, last: true)),
    ParseCase("bdat 52 last", .bdat(size: 52, last: true)),
    // RFC 4954 §4
    ParseCase("AUTH PLAIN", .auth(mechanism: "PLAIN", initialResponse: nil)),
    ParseCase("AUTH PLAIN =", .auth(mechanism: "PLAIN", initialResponse: .empty)),
    ParseCase(
        "AUTH PLAIN AHRlc3QAcGFzcw==",
        .auth(mechanism: "PLAIN", initialResponse: .bytes(Array("\0test\0pass".utf8)))),
    ParseCase("auth login", .auth(mechanism: "LOGIN", initialResponse: nil)),
    ParseCase("AUTH SCRAM-SHA-256", .auth(mechanism: "SCRAM-SHA-256", initialResponse: nil)),
    ParseCase("AUTH XOAUTH2 dGVzdA", .auth(mechanism: "XOAUTH2", initialResponse: .bytes(Array("test".utf8)))),
]

@Test(arguments: validCommands)
func parsesCommand(_ testCase: ParseCase) throws {
    #expect(try SMTPCommandParser.parse(line: testCase.line) == testCase.command)
    #expect(try SMTPCommandParser.parse(line: ByteBuffer(string: testCase.line)) == testCase.command)
}

@Test(arguments: validCommands)
func commandRoundTrip(_ testCase: ParseCase) throws {
    let line = testCase.command.line
    #expect(try SMTPCommandParser.parse(line: line) == testCase.command, "encoded as \(line)")
    var encoded = ByteBuffer()
    testCase.command.encode(into: &encoded)
    #expect(String(buffer: encoded) == line + "\r\n")
}

struct ErrorCase: Sendable, CustomTestStringConvertible {
    let line: [UInt8]
    let code: Int
    let enhanced: String
    init(_ line: String, _ code: Int, _ enhanced: String) {
        self.init(bytes: Array(line.utf8), code, enhanced)
    }
    init(bytes: [UInt8], _ code: Int, _ enhanced: String) {
        self.line = bytes
        self.code = code
        self.enhanced = enhanced
    }
    var testDescription: String { String(decoding: line.prefix(80), as: UTF8.self) }
}

let malformedCommands: [ErrorCase] = [
    ErrorCase("", 500, "5.5.2"),
    ErrorCase("   ", 500, "5.5.2"),
    ErrorCase("FOO", 500, "5.5.2"),
    ErrorCase("MAILFROM:<a@b>", 500, "5.5.2"),
    ErrorCase("TURN", 500, "5.5.2"),
    ErrorCase(" MAIL FROM:<a@b>", 500, "5.5.2"),
    ErrorCase(String(repeating: "A", count: 13000), 500, "5.5.2"),
    ErrorCase("MAIL", 501, "5.5.4"),
    ErrorCase("MAIL TO:<a@b>", 501, "5.5.4"),
    ErrorCase("MAIL FROM:a@b", 501, "5.1.7"),
    ErrorCase("MAIL FROM:", 501, "5.1.7"),
    ErrorCase("MAIL FROM:<a@b", 501, "5.1.7"),
    ErrorCase("MAIL FROM:<a@@b>", 501, "5.1.7"),
    ErrorCase("MAIL FROM:<a..b@c>", 501, "5.1.7"),
    ErrorCase("MAIL FROM:<.a@c>", 501, "5.1.7"),
    ErrorCase("MAIL FROM:<a@-b.com>", 501, "5.1.7"),
    ErrorCase("MAIL FROM:<a@b-.com>", 501, "5.1.7"),
    ErrorCase("MAIL FROM:<a@b.com.>", 501, "5.1.7"),
    ErrorCase("MAIL FROM:<a@b..com>", 501, "5.1.7"),
    ErrorCase("MAIL FROM:<a b@c>", 501, "5.1.7"),
    ErrorCase("MAIL FROM:<a@[300.1.1.1]>", 501, "5.1.7"),
    ErrorCase("MAIL FROM:<a@[1.2.3]>", 501, "5.1.7"),
    ErrorCase("MAIL FROM:<a@[IPv6:1::2::3]>", 501, "5.1.7"),
    ErrorCase("MAIL FROM:<a@[IPv6:1:2:3:4:5:6:7:8:9]>", 501, "5.1.7"),
    ErrorCase("MAIL FROM:<a@[IPv6:12345::1]>", 501, "5.1.7"),
    ErrorCase("MAIL FROM:<a@[x-tag:stuff]>", 501, "5.1.7"),
    ErrorCase("MAIL FROM:<a@[1.2.3.4>", 501, "5.1.7"),
    ErrorCase(#"MAIL FROM:<"unterminated@b>"#, 501, "5.1.7"),
    ErrorCase("MAIL FROM:<@relay:>", 501, "5.1.7"),
    ErrorCase("MAIL FROM:<@relay,user@example.com>", 501, "5.1.7"),
    ErrorCase("MAIL FROM:<a@\(String(repeating: "x", count: 64)).com>", 501, "5.1.7"),
    ErrorCase(
        "MAIL FROM:<\(String(repeating: "a", count: 200))@\(String(repeating: "b.", count: 30))com>", 501, "5.1.7"),
    ErrorCase(bytes: Array("MAIL FROM:<".utf8) + [0xFF, 0xFE] + Array("@b> SMTPUTF8".utf8), 501, "5.1.7"),
    ErrorCase(bytes: Array("MAIL FROM:<\"a".utf8) + [0x01] + Array("\"@b>".utf8), 501, "5.1.7"),
    ErrorCase("MAIL FROM:<a@b> FOO=bar", 555, "5.5.4"),
    ErrorCase("MAIL FROM:<a@b> REQUIRETLS", 555, "5.5.4"),
    ErrorCase("MAIL FROM:<a@b> NOTIFY=NEVER", 555, "5.5.4"),
    ErrorCase("MAIL FROM:<a@b> SIZE=abc", 501, "5.5.4"),
    ErrorCase("MAIL FROM:<a@b> SIZE=", 501, "5.5.4"),
    ErrorCase("MAIL FROM:<a@b> SIZE", 501, "5.5.4"),
    ErrorCase("MAIL FROM:<a@b> SIZE=123456789012345678901", 501, "5.5.4"),
    ErrorCase("MAIL FROM:<a@b> SIZE=1 SIZE=2", 501, "5.5.4"),
    ErrorCase("MAIL FROM:<a@b> BODY=9BIT", 501, "5.5.4"),
    ErrorCase("MAIL FROM:<a@b> SMTPUTF8=yes", 501, "5.5.4"),
    ErrorCase("MAIL FROM:<a@b> RET=ALL", 501, "5.5.4"),
    ErrorCase("MAIL FROM:<a@b> ENVID=a+ZZ", 501, "5.5.4"),
    ErrorCase("MAIL FROM:<a@b> ENVID=\(String(repeating: "x", count: 101))", 501, "5.5.4"),
    ErrorCase("MAIL FROM:<a@b> -X=1", 501, "5.5.4"),
    ErrorCase("MAIL FROM:<a@b> SIZE==1", 501, "5.5.4"),
    ErrorCase("MAIL FROM:<a@b>SIZE=5", 501, "5.5.4"),
    ErrorCase("MAIL FROM:<>x", 501, "5.5.4"),
    ErrorCase("MAIL FROM:<üser@example.com>", 550, "5.6.7"),
    ErrorCase("MAIL FROM:<user@exämple.com> BODY=8BITMIME", 550, "5.6.7"),
    ErrorCase("RCPT TO:<>", 501, "5.1.3"),
    ErrorCase("RCPT TO:<a>", 501, "5.1.3"),
    ErrorCase("RCPT TO:a@b", 501, "5.1.3"),
    ErrorCase("RCPT TO:<a@b>>", 501, "5.5.4"),
    ErrorCase("RCPT TO:", 501, "5.1.3"),
    ErrorCase("RCPT", 501, "5.5.4"),
    ErrorCase("RCPT FROM:<u@d>", 501, "5.5.4"),
    ErrorCase("RCPT TO:<u@d> NOTIFY=NEVER,SUCCESS", 501, "5.5.4"),
    ErrorCase("RCPT TO:<u@d> NOTIFY=SOMETIMES", 501, "5.5.4"),
    ErrorCase("RCPT TO:<u@d> NOTIFY=SUCCESS,,DELAY", 501, "5.5.4"),
    ErrorCase("RCPT TO:<u@d> ORCPT=rfc822", 501, "5.5.4"),
    ErrorCase("RCPT TO:<u@d> ORCPT=;u@d", 501, "5.5.4"),
    ErrorCase("RCPT TO:<u@d> ORCPT=rfc822;u+4", 501, "5.5.4"),
    ErrorCase("RCPT TO:<u@d> SIZE=10", 555, "5.5.4"),
    ErrorCase("DATA now", 501, "5.5.4"),
    ErrorCase("RSET all", 501, "5.5.4"),
    ErrorCase("QUIT please", 501, "5.5.4"),
    ErrorCase("STARTTLS x", 501, "5.5.4"),
    ErrorCase("EHLO", 501, "5.5.4"),
    ErrorCase("HELO ", 501, "5.5.4"),
    ErrorCase(bytes: Array("EHLO a".utf8) + [0x01] + Array("b".utf8), 501, "5.5.4"),
    ErrorCase(bytes: Array("EHLO a\rb".utf8), 501, "5.5.4"),
    ErrorCase("VRFY", 501, "5.5.4"),
    ErrorCase("EXPN ", 501, "5.5.4"),
    ErrorCase("BDAT", 501, "5.5.4"),
    ErrorCase("BDAT x", 501, "5.5.4"),
    ErrorCase("BDAT -1", 501, "5.5.4"),
    ErrorCase("BDAT 10 NOTLAST", 501, "5.5.4"),
    ErrorCase("BDAT 10 LAST x", 501, "5.5.4"),
    ErrorCase("BDAT 10LAST", 501, "5.5.4"),
    ErrorCase("BDAT 9999999999999999999999", 501, "5.5.4"),
    ErrorCase("AUTH", 501, "5.5.4"),
    ErrorCase("AUTH PL@IN", 501, "5.5.4"),
    ErrorCase("AUTH THIS-MECHANISM-NAME-IS-TOO-LONG", 501, "5.5.4"),
    ErrorCase("AUTH PLAIN a b", 501, "5.5.4"),
    ErrorCase("AUTH PLAIN !!!!", 501, "5.5.2"),
    ErrorCase("AUTH PLAIN QQ=A", 501, "5.5.2"),
]

@Test(arguments: malformedCommands)
func refusesMalformedCommand(_ testCase: ErrorCase) {
    do {
        let command = try SMTPCommandParser.parse(line: testCase.line)
        Issue.record("parsed as \(command)")
    } catch {
        #expect(error.reply.code == testCase.code, "\(error)")
        #expect(error.reply.enhancedCode?.description == testCase.enhanced, "\(error)")
    }
}

@Test func pathOf256OctetsIsAcceptedAnd257Refused() throws {
    // RFC 5321 §4.5.3.1.3: 256 octets including "<" and ">".
    let domain = String(repeating: "d", count: 60) + "." + String(repeating: "e", count: 60) + ".com"
    let localLength = 256 - 2 - 1 - domain.utf8.count
    let fits = "MAIL FROM:<\(String(repeating: "l", count: localLength))@\(domain)>"
    let tooLong = "MAIL FROM:<\(String(repeating: "l", count: localLength + 1))@\(domain)>"
    _ = try SMTPCommandParser.parse(line: fits)
    #expect(throws: SMTPSyntaxError.self) { try SMTPCommandParser.parse(line: tooLong) }
}

@Test func recipientRequiringSMTPUTF8IsReportedForTheSession() throws {
    // RFC 6531 §3.5: the grammar accepts it; the session refuses it outside an SMTPUTF8 transaction.
    guard case .rcpt(let rcpt) = try SMTPCommandParser.parse(line: "RCPT TO:<pelé@example.com>") else {
        Issue.record("not RCPT")
        return
    }
    #expect(rcpt.path.requiresSMTPUTF8)
    #expect(throws: SMTPSyntaxError.nonASCIIRecipient) { try rcpt.validate(smtputf8Transaction: false) }
    try rcpt.validate(smtputf8Transaction: true)
    #expect(SMTPSyntaxError.nonASCIIRecipient.reply.code == 553)
}

@Test func postmasterForms() throws {
    for line in ["RCPT TO:<Postmaster>", "RCPT TO:<POSTMASTER@example.com>", "RCPT TO:<postmaster@[192.0.2.1]>"] {
        guard case .rcpt(let rcpt) = try SMTPCommandParser.parse(line: line) else {
            Issue.record("not RCPT: \(line)")
            continue
        }
        #expect(rcpt.path.isPostmaster, "\(line)")
    }
    #expect(!ForwardPath.mailbox(mailbox("postmistress@example.com")).isPostmaster)
}

@Test func mailboxRendering() {
    #expect(mailbox("a.b@example.com").description == "a.b@example.com")
    #expect(SMTPMailbox(localPart: "john doe", host: .domain("x")).description == #""john doe"@x"#)
    #expect(SMTPMailbox(localPart: #"a"b"#, host: .domain("x")).description == #""a\"b"@x"#)
    #expect(SMTPMailbox(localPart: "a..b", host: .domain("x")).description == #""a..b"@x"#)
    #expect(SMTPMailbox(localPart: "", host: .domain("x")).description == #"""@x"#)
    #expect(mailbox("u@[IPv6:2001:DB8:0:0:1:0:0:1]").description == "u@[IPv6:2001:db8::1:0:0:1]")
    #expect(mailbox("u@[IPv6:0:0:0:0:0:0:0:0]").description == "u@[IPv6:::]")
    #expect(mailbox("u@[IPv6:1:0:2:3:4:5:6:7]").description == "u@[IPv6:1:0:2:3:4:5:6:7]")
    #expect(mailbox("u@[10.0.0.1]").description == "u@[10.0.0.1]")
}

@Test func strictHostCheck() {
    #expect(SMTPHost("mail.example.com") == .domain("mail.example.com"))
    #expect(SMTPHost("[192.0.2.1]") == .addressLiteral(.ipv4([192, 0, 2, 1])))
    #expect(SMTPHost("my_laptop") == nil)
    #expect(SMTPHost("192.0.2.1.") == nil)
    #expect(SMTPHost("") == nil)
}

@Test func saslResponseLines() throws {
    // RFC 4954 §4.
    #expect(try SASLResponseLine.parse(line: bytes("*")) == .cancel)
    #expect(try SASLResponseLine.parse(line: bytes("dGVzdA==")) == .response(bytes("test")))
    #expect(try SASLResponseLine.parse(line: bytes("")) == .response([]))
    #expect(throws: SMTPSyntaxError.invalidBase64) { try SASLResponseLine.parse(line: bytes("dGVzd!==")) }
    #expect(SASLResponseLine.response(bytes("test")).line == "dGVzdA==")
}

@Test func xtextCodec() {
    #expect(XText.decode(bytes("u+2Bx@d")) == bytes("u+x@d"))
    #expect(XText.decode(bytes("+2b")) == bytes("+"))
    #expect(XText.decode(bytes("a+2")) == nil)
    #expect(XText.decode(bytes("a=b")) == nil)
    #expect(XText.decode(bytes("a b")) == nil)
    #expect(XText.encode(bytes("e=mc2 +")) == "e+3Dmc2+20+2B")
    let all = (0...255).map(UInt8.init)
    #expect(XText.decode(bytes(XText.encode(all))) == all)
}

@Test func base64Codec() {
    var random = SeededRandom(seed: 7)
    for length in 0..<64 {
        let data = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
        #expect(Base64.decode(bytes(Base64.encode(data))) == data)
    }
    #expect(Base64.decode(bytes("dGVzdA")) == bytes("test"))  // Padding omitted.
    #expect(Base64.decode(bytes("dGVzdB==")) == nil)  // Non-zero pad bits.
    #expect(Base64.decode(bytes("d")) == nil)
    #expect(Base64.decode(bytes("dG=Vz")) == nil)
}

/// Thousands of mutated command lines: the parser never traps, every error maps to a 5xx reply, and every
/// accepted line re-encodes to a line that parses to the same command.
@Test func fuzzedCommandLinesNeverCrashAndRoundTrip() throws {
    var random = SeededRandom(seed: 0x5EED_5317)
    let seeds = validCommands.map { Array($0.line.utf8) } + malformedCommands.map(\.line).filter { $0.count < 400 }
    let interesting: [UInt8] = Array("<>@\"\\[]:=,.;+ -_AZaz09\r\n\t".utf8) + [0, 0x7F, 0x80, 0xC3, 0xA9, 0xFF]
    var accepted = 0
    for _ in 0..<20_000 {
        var line = seeds.randomElement(using: &random)!
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            switch Int.random(in: 0..<6, using: &random) {
            case 0 where !line.isEmpty:
                line[Int.random(in: 0..<line.count, using: &random)] = interesting.randomElement(using: &random)!
            case 1:
                line.insert(
                    interesting.randomElement(using: &random)!, at: Int.random(in: 0...line.count, using: &random))
            case 2 where !line.isEmpty:
                line.remove(at: Int.random(in: 0..<line.count, using: &random))
            case 3 where !line.isEmpty:
                line = Array(line.prefix(Int.random(in: 0..<line.count, using: &random)))
            case 4:
                line += seeds.randomElement(using: &random)!.prefix(Int.random(in: 0...20, using: &random))
            default:
                line = (0..<Int.random(in: 0...40, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random)
                }
            }
        }
        let command: SMTPCommand
        do {
            command = try SMTPCommandParser.parse(line: line)
        } catch {
            #expect((500...555).contains(error.reply.code))
            continue
        }
        accepted += 1
        let reparsed = try? SMTPCommandParser.parse(line: command.line)
        #expect(reparsed == command, "\(String(decoding: line, as: UTF8.self)) -> \(command.line)")
    }
    #expect(accepted > 500)
}
