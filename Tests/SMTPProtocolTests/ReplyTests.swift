import NIOCore
import Testing

@testable import SMTPProtocol

/// Every named reply, for round-trip checks.
let catalogue: [SMTPReply] = [
    .greeting("mail.example.com"), .serviceClosing, .shuttingDown, .tooManyErrors, .tooManyConnections, .timeout,
    .ehlo("mail.example.com", greeting: "Hello", extensions: [.pipelining, .size(1000)]), .helo("mail.example.com"),
    .ok, .senderOK, .recipientOK, .messageAccepted(id: "ABC123"), .chunkReceived(octets: 42), .startMailInput,
    .vrfyCannot, .help, .readyToStartTLS, .tlsNotAvailable, .tlsAlreadyActive, .startTLSRequired,
    .encryptionRequired, .authRequired, .authSucceeded, .authFailed, .authTemporaryFailure, .authMechanismTooWeak,
    .authMechanismUnsupported, .authCancelled, .authInvalidBase64, .authLineTooLong, .alreadyAuthenticated,
    .authDuringTransaction, .authChallenge([]), .authChallenge(Array("challenge".utf8)), .unrecognizedCommand,
    .lineTooLong, .bareLineFeedInCommand, .invalidArguments, .badSenderAddress, .badRecipientAddress,
    .unknownParameter, .nonASCIISenderNotPermitted, .nonASCIIRecipientNotPermitted, .commandNotImplemented,
    .badSequence, .badSequence("Need MAIL first"), .noValidRecipients, .binaryMIMERequiresBDAT, .tooManyRecipients,
    .unknownUser, .relayDenied, .senderNotOwned, .overQuota, .overQuotaPermanent, .messageTooBig,
    .insufficientStorage, .tempFailure, .bareLineEndingInData, .ambiguousEndOfData, .dataLineTooLong,
]

struct CodeCase: Sendable, CustomTestStringConvertible {
    let reply: SMTPReply
    let code: Int
    let enhanced: String?
    var testDescription: String { "\(code) \(enhanced ?? "-")" }
}

/// The codes the task and the RFCs ask for.
let namedCodes: [CodeCase] = [
    CodeCase(reply: .ok, code: 250, enhanced: "2.0.0"),
    CodeCase(reply: .startMailInput, code: 354, enhanced: nil),
    CodeCase(reply: .serviceClosing, code: 221, enhanced: "2.0.0"),
    CodeCase(reply: .tooManyRecipients, code: 452, enhanced: "4.5.3"),
    CodeCase(reply: .messageTooBig, code: 552, enhanced: "5.3.4"),
    CodeCase(reply: .unknownUser, code: 550, enhanced: "5.1.1"),
    CodeCase(reply: .relayDenied, code: 554, enhanced: "5.7.1"),
    CodeCase(reply: .authRequired, code: 530, enhanced: "5.7.0"),
    CodeCase(reply: .encryptionRequired, code: 538, enhanced: "5.7.11"),
    CodeCase(reply: .startTLSRequired, code: 530, enhanced: "5.7.0"),
    CodeCase(reply: .authSucceeded, code: 235, enhanced: "2.7.0"),
    CodeCase(reply: .authFailed, code: 535, enhanced: "5.7.8"),
    CodeCase(reply: .senderNotOwned, code: 553, enhanced: "5.7.1"),
    CodeCase(reply: .overQuota, code: 452, enhanced: "4.2.2"),
    CodeCase(reply: .overQuotaPermanent, code: 552, enhanced: "5.2.2"),
    CodeCase(reply: .lineTooLong, code: 500, enhanced: "5.5.2"),
    CodeCase(reply: .tooManyErrors, code: 421, enhanced: "4.7.0"),
    CodeCase(reply: .badSequence, code: 503, enhanced: "5.5.1"),
    CodeCase(reply: .vrfyCannot, code: 252, enhanced: "2.5.0"),
    CodeCase(reply: .insufficientStorage, code: 452, enhanced: "4.3.1"),
    CodeCase(reply: .tempFailure, code: 451, enhanced: "4.3.0"),
    CodeCase(reply: .greeting("h"), code: 220, enhanced: nil),
    CodeCase(reply: .authMechanismUnsupported, code: 504, enhanced: "5.5.4"),
    CodeCase(reply: .unknownParameter, code: 555, enhanced: "5.5.4"),
]

@Test(arguments: namedCodes)
func namedReplyCodes(_ testCase: CodeCase) {
    #expect(testCase.reply.code == testCase.code)
    #expect(testCase.reply.enhancedCode?.description == testCase.enhanced)
}

@Test func encodesSingleLineReplies() {
    #expect(SMTPReply.ok.encoded() == "250 2.0.0 OK\r\n")
    #expect(SMTPReply.ok.encoded(includeEnhancedCode: false) == "250 OK\r\n")
    #expect(SMTPReply.startMailInput.encoded() == "354 End data with <CR><LF>.<CR><LF>\r\n")
    #expect(SMTPReply.greeting("mx.example.com").encoded() == "220 mx.example.com ESMTP Mailroom ready\r\n")
    #expect(SMTPReply(250, nil, "").encoded() == "250\r\n")
    #expect(SMTPReply(250, EnhancedStatusCode(2, 0, 0), "").encoded() == "250 2.0.0\r\n")
    #expect(SMTPReply.authChallenge([]).encoded() == "334\r\n")
    #expect(SMTPReply.authChallenge(Array("abc".utf8)).encoded() == "334 YWJj\r\n")
}

@Test func encodesEHLOReplyWithExtensionKeywords() {
    let reply = SMTPReply.ehlo(
        "mail.example.com",
        extensions: [
            .size(26_214_400), .eightBitMIME, .smtpUTF8, .pipelining, .enhancedStatusCodes, .startTLS,
            .auth(["PLAIN", "LOGIN"]), .chunking, .binaryMIME, .dsn,
        ])
    #expect(
        reply.encoded() == """
            250-mail.example.com\r
            250-SIZE 26214400\r
            250-8BITMIME\r
            250-SMTPUTF8\r
            250-PIPELINING\r
            250-ENHANCEDSTATUSCODES\r
            250-STARTTLS\r
            250-AUTH PLAIN LOGIN\r
            250-CHUNKING\r
            250-BINARYMIME\r
            250 DSN\r

            """)
    let parsed = try? SMTPReplyParser.parse(reply.encoded())
    #expect(
        parsed?.ehloExtensions == [
            .size(26_214_400), .eightBitMIME, .smtpUTF8, .pipelining, .enhancedStatusCodes, .startTLS,
            .auth(["PLAIN", "LOGIN"]), .chunking, .binaryMIME, .dsn,
        ])
    #expect(SMTPExtension(ehloLine: "AUTH=PLAIN LOGIN") == .auth(["PLAIN", "LOGIN"]))
    #expect(SMTPExtension(ehloLine: "x-foo bar") == .other(keyword: "X-FOO", parameters: ["bar"]))
    #expect(SMTPExtension.size(nil).ehloLine == "SIZE")
}

@Test func multiLineRepliesPrefixEveryLineWithTheEnhancedCode() throws {
    let reply = SMTPReply(code: 550, enhancedCode: EnhancedStatusCode(5, 7, 1), lines: ["first", "second"])
    #expect(reply.encoded() == "550-5.7.1 first\r\n550 5.7.1 second\r\n")
    #expect(try SMTPReplyParser.parse(reply.encoded()) == reply)
}

@Test func replyTextCannotInjectLines() {
    let reply = SMTPReply(250, nil, "evil\r\n250 injected\u{0}")
    #expect(reply.encoded() == "250 evil  250 injected \r\n")
}

@Test func replyLinesAreCutTo512Octets() {
    let reply = SMTPReply(550, EnhancedStatusCode(5, 1, 1), String(repeating: "é", count: 400))
    let encoded = reply.encoded()
    #expect(encoded.utf8.count <= SMTPLimits.replyLineOctets)
    #expect(encoded.hasSuffix("é\r\n"))  // Cut on a character boundary.
}

@Test func catalogueRoundTripsThroughTheParser() throws {
    for reply in catalogue {
        let parsed = try SMTPReplyParser.parse(reply.encoded())
        #expect(parsed == reply, "\(reply)")
    }
    #expect(SMTPReply.authChallenge(Array("challenge".utf8)).authChallenge == Array("challenge".utf8))
}

@Test func syntaxErrorsMapToOneReplyEach() {
    #expect(SMTPSyntaxError.unrecognizedCommand.reply.encoded() == "500 5.5.2 Command unrecognized\r\n")
    #expect(SMTPSyntaxError.badSenderAddress("x").reply.code == 501)
    #expect(SMTPSyntaxError.badSenderAddress("x").reply.enhancedCode == EnhancedStatusCode(5, 1, 7))
    #expect(SMTPSyntaxError.badRecipientAddress("x").reply.enhancedCode == EnhancedStatusCode(5, 1, 3))
    #expect(SMTPSyntaxError.unknownParameter("FOO").reply.encoded().hasPrefix("555 5.5.4 Parameter FOO"))
    #expect(SMTPSyntaxError.nonASCIISender.reply.code == 550)
}

@Test func replyParserHandlesSplitsAndPipelinedReplies() throws {
    let wire = Array(
        "250-mx.example.com Hi\r\n250-PIPELINING\r\n250 8BITMIME\r\n250 2.1.0 Sender OK\r\n354 Go\r\n".utf8)
    let expected = [
        SMTPReply(code: 250, lines: ["mx.example.com Hi", "PIPELINING", "8BITMIME"]),
        SMTPReply(250, EnhancedStatusCode(2, 1, 0), "Sender OK"),
        SMTPReply(354, nil, "Go"),
    ]
    for cut in 0...wire.count {
        var parser = SMTPReplyParser()
        var receive = ByteBuffer()
        var replies: [SMTPReply] = []
        for part in chunks(wire, cuts: [cut]) {
            receive.writeBytes(part)
            while let reply = try parser.next(&receive) { replies.append(reply) }
        }
        #expect(replies == expected, "cut at \(cut)")
    }
    // Byte by byte.
    var parser = SMTPReplyParser()
    var receive = ByteBuffer()
    var replies: [SMTPReply] = []
    for byte in wire {
        receive.writeInteger(byte)
        while let reply = try parser.next(&receive) { replies.append(reply) }
    }
    #expect(replies == expected)
}

@Test func replyParserIsLiberalButNotGullible() throws {
    #expect(try SMTPReplyParser.parse("220 hi\n") == SMTPReply(220, nil, "hi"))  // Bare LF.
    #expect(try SMTPReplyParser.parse("250\r\n") == SMTPReply(250, nil, ""))
    #expect(try SMTPReplyParser.parse("550 5.1.1\r\n") == SMTPReply(550, EnhancedStatusCode(5, 1, 1), ""))
    // A class mismatch is not an enhanced code.
    #expect(try SMTPReplyParser.parse("550 2.1.1 odd\r\n") == SMTPReply(550, nil, "2.1.1 odd"))
    #expect(throws: SMTPReplyParseError.malformedLine) { try SMTPReplyParser.parse("hello\r\n") }
    #expect(throws: SMTPReplyParseError.malformedLine) { try SMTPReplyParser.parse("250x\r\n") }
    #expect(throws: SMTPReplyParseError.malformedLine) { try SMTPReplyParser.parse("150 old\r\n") }
    #expect(throws: SMTPReplyParseError.inconsistentCode) { try SMTPReplyParser.parse("250-a\r\n251 b\r\n") }
    #expect(throws: SMTPReplyParseError.lineTooLong) {
        try SMTPReplyParser.parse("250 " + String(repeating: "x", count: SMTPLimits.replyLineParseOctets) + "\r\n")
    }
    #expect(throws: SMTPReplyParseError.tooManyLines) {
        try SMTPReplyParser.parse(String(repeating: "250-x\r\n", count: SMTPLimits.maxReplyLines + 1) + "250 x\r\n")
    }
}

@Test func enhancedStatusCodeText() {
    #expect(EnhancedStatusCode("5.7.11") == EnhancedStatusCode(5, 7, 11))
    #expect(EnhancedStatusCode("2.0.0")?.description == "2.0.0")
    #expect(EnhancedStatusCode("3.0.0") == nil)
    #expect(EnhancedStatusCode("5.1234.0") == nil)
    #expect(EnhancedStatusCode("5.1") == nil)
    #expect(EnhancedStatusCode("5..1") == nil)
}

@Test func fuzzedReplyTextsRoundTrip() throws {
    var random = SeededRandom(seed: 42)
    let alphabet = Array("abc XYZ 0123 .-:<>é\u{1F600}\r\n\t".unicodeScalars)
    for _ in 0..<2000 {
        let lineCount = Int.random(in: 1...4, using: &random)
        let lines = (0..<lineCount).map { _ in
            String(
                String.UnicodeScalarView(
                    (0..<Int.random(in: 0...30, using: &random)).map { _ in alphabet.randomElement(using: &random)! }))
        }
        let enhanced =
            Bool.random(using: &random) ? EnhancedStatusCode(5, Int.random(in: 0...7, using: &random), 1) : nil
        let reply = SMTPReply(code: 550, enhancedCode: enhanced, lines: lines)
        let parsed = try SMTPReplyParser.parse(reply.encoded())
        #expect(parsed.code == 550)
        #expect(parsed.lines.count == lineCount)
        if enhanced != nil { #expect(parsed.enhancedCode == enhanced) }
    }
}
