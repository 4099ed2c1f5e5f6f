// CommandDecoder: framing, literals, limits, streamed APPEND, IDLE and AUTHENTICATE, read like the
// byte stream a client sends.

import NIOCore
import Testing

@testable import IMAPProtocol

private func tagged(_ tag: String, _ command: Command) -> CommandEvent {
    .command(TaggedCommand(tag: tag, command: command))
}

private func invalid(_ kind: CommandDecodingError.Kind, _ tag: String?) -> (CommandEvent) -> Bool {
    { event in
        guard case .invalid(let error) = event else { return false }
        return error.kind == kind && error.tag == tag
    }
}

@Suite struct CommandDecoderTests {
    static let pipelined =
        "a1 CAPABILITY\r\na2 LOGIN {3}\r\njoe {6+}\r\nsecret\r\na3 SELECT \"INBOX\" (CONDSTORE)\r\n"
        + "a4 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 7)\r\na5 IDLE\r\nDONE\r\na6 LOGOUT\r\n"

    static let pipelinedEvents: [CommandEvent] = [
        tagged("a1", .capability),
        .continuationRequest,
        tagged("a2", .login(username: "joe", password: "secret")),
        tagged("a3", .select(.inbox, SelectParameters(condStore: true))),
        tagged("a4", .uidFetch(set("1:*"), [.flags], FetchModifiers(changedSince: 7))),
        tagged("a5", .idle),
        .idleDone,
        tagged("a6", .logout),
    ]

    @Test func pipelinedBatch() {
        #expect(decodeAll(Self.pipelined) == Self.pipelinedEvents)
    }

    @Test(arguments: [1, 2, 3, 7, 64])
    func dripFedInput(chunkSize: Int) {
        #expect(coalesced(decodeAll(Self.pipelined, chunkSize: chunkSize)) == Self.pipelinedEvents)
    }

    @Test func synchronizingLiteralWaitsForContinuation() {
        var decoder = CommandDecoder()
        decoder.append(Array("a LOGIN {3}\r\n".utf8))
        #expect(decoder.nextEvent() == .continuationRequest)
        #expect(decoder.nextEvent() == nil)
        decoder.append(Array("joe".utf8))
        #expect(decoder.nextEvent() == nil)
        decoder.append(Array(" pass\r\n".utf8))
        #expect(decoder.nextEvent() == tagged("a", .login(username: "joe", password: "pass")))
        #expect(decoder.nextEvent() == nil)
    }

    @Test func nonSynchronizingLiteralNeedsNoContinuation() {
        #expect(
            decodeAll("a LOGIN {3+}\r\njoe {0+}\r\n\r\nb NOOP\r\n") == [
                tagged("a", .login(username: "joe", password: "")), tagged("b", .noop),
            ])
    }

    @Test func literalMinusRefusesLargeNonSynchronizingLiteral() {
        // RFC 7888 §4: BAD [TOOBIG], the literal and the rest of the command are skipped.
        let literal = String(repeating: "x", count: IMAPLimits.literalMinusMaxSize + 1)
        let events = decodeAll("a LOGIN {4097+}\r\n\(literal) {3+}\r\nabc\r\nb NOOP\r\n", chunkSize: 100)
        #expect(events.count == 2)
        #expect(invalid(.literalTooLarge, "a")(events[0]))
        #expect(events[1] == tagged("b", .noop))
        if case .invalid(let error) = events[0] {
            #expect(encoded(error.response) == "a BAD [TOOBIG] Non-synchronizing literal too large\r\n")
        }
        // 4096 octets are fine.
        let ok = decodeAll("a LOGIN {4096+}\r\n" + String(repeating: "y", count: 4096) + " p\r\n")
        #expect(ok == [tagged("a", .login(username: String(repeating: "y", count: 4096), password: "p"))])
    }

    @Test func oversizedSynchronizingLiteralIsRefusedBeforeContinuation() {
        // The client waits for "+" that never comes, so its next line is a new command.
        let limits = IMAPLimits(maxInlineLiteralSize: 10)
        let events = decodeAll("a LOGIN {11}\r\nb NOOP\r\n", limits: limits)
        #expect(events.count == 2)
        #expect(invalid(.literalTooLarge, "a")(events[0]))
        #expect(events[1] == tagged("b", .noop))
    }

    @Test func commandSizeLimitCoversInlinedLiterals() {
        let limits = IMAPLimits(maxInlineLiteralSize: 100, maxCommandSize: 250)
        let literal = String(repeating: "z", count: 100)
        let input =
            "a SEARCH TEXT {100+}\r\n\(literal) TEXT {100+}\r\n\(literal) TEXT {100+}\r\n\(literal)\r\nb NOOP\r\n"
        let events = decodeAll(input, limits: limits)
        #expect(events.count == 2)
        #expect(invalid(.literalTooLarge, "a")(events[0]))
        #expect(events[1] == tagged("b", .noop))
    }

    @Test func commandSizeLimitCoversItsLines() {
        let limits = IMAPLimits(maxInlineLiteralSize: 10, maxCommandSize: 60)
        let events = decodeAll(
            "a LOGIN {10+}\r\n0123456789 {10+}\r\n0123456789 \"\(String(repeating: "p", count: 30))\"\r\nb NOOP\r\n",
            limits: limits)
        #expect(events.count == 2)
        #expect(invalid(.commandTooLarge, "a")(events[0]))
        #expect(events[1] == tagged("b", .noop))
    }

    @Test func nestingLimitAppliesToDecodedCommands() {
        let limits = IMAPLimits(maxNestingDepth: 5)
        let events = decodeAll("a SEARCH NOT NOT NOT NOT NOT NOT ALL\r\nb SEARCH NOT NOT ALL\r\n", limits: limits)
        #expect(events.count == 2)
        #expect(invalid(.nestingTooDeep, "a")(events[0]))
        #expect(events[1] == tagged("b", .search(SearchCommand(key: .not(.not(.all))))))
    }

    @Test func lineTooLongIsReportedBeforeItsEnd() {
        let limits = IMAPLimits(maxLineLength: 1000)
        var decoder = CommandDecoder(limits: limits)
        decoder.append(Array(("t1 SEARCH TEXT " + String(repeating: "a", count: 990)).utf8))
        #expect(decoder.nextEvent().map(invalid(.lineTooLong, "t1")) == true)
        decoder.append(Array((String(repeating: "a", count: 5000) + " {5+}\r\nhello\r\nt2 NOOP\r\n").utf8))
        #expect(decoder.nextEvent() == tagged("t2", .noop))
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test func bareLineFeedIsAnError() {
        let events = decodeAll("a NOOP\nb NOOP\r\n")
        #expect(events.count == 2)
        #expect(invalid(.bareLineFeed, "a")(events[0]))
        #expect(events[1] == tagged("b", .noop))
    }

    @Test func malformedCommandsCarryTheirTagAndDecodingGoesOn() {
        let events = decodeAll("a1 FETCH\r\n\r\n+++\r\na2 XYZZY\r\na3 NOOP\r\n")
        #expect(events.count == 4)
        #expect(invalid(.syntax, "a1")(events[0]))
        #expect(invalid(.syntax, nil)(events[1]))
        #expect(invalid(.unknownCommand, "a2")(events[2]))
        #expect(events[3] == tagged("a3", .noop))
    }

    @Test func idleEndsWithDone() {
        var decoder = CommandDecoder()
        decoder.append(Array("i1 IDLE\r\n".utf8))
        #expect(decoder.nextEvent() == tagged("i1", .idle))
        #expect(decoder.mode == .idle(tag: "i1"))
        #expect(decoder.nextEvent() == nil)
        decoder.append(Array("do".utf8))
        #expect(decoder.nextEvent() == nil)
        decoder.append(Array("ne\r\ni2 IDLE\r\nNOOP\r\n".utf8))
        #expect(decoder.nextEvent() == .idleDone)
        #expect(decoder.mode == .command)
        #expect(decoder.nextEvent() == tagged("i2", .idle))
        #expect(decoder.nextEvent().map(invalid(.expectedDone, "i2")) == true)
        #expect(decoder.mode == .command)
    }

    @Test func rejectedIdleReturnsToCommandMode() {
        var decoder = CommandDecoder()
        decoder.append(Array("i1 IDLE\r\n".utf8))
        #expect(decoder.nextEvent() == tagged("i1", .idle))
        decoder.returnToCommandMode()  // the session answered "i1 BAD not selected"
        decoder.append(Array("i2 NOOP\r\n".utf8))
        #expect(decoder.nextEvent() == tagged("i2", .noop))
    }

    @Test func authenticateContinuationLines() {
        var decoder = CommandDecoder()
        decoder.append(Array("a1 AUTHENTICATE PLAIN\r\nAHVzZXIAcGFzcw==\r\n".utf8))
        #expect(decoder.nextEvent() == tagged("a1", .authenticate(mechanism: "PLAIN", initialResponse: nil)))
        #expect(decoder.nextEvent() == .authenticationResponse(ByteBuffer(bytes: Array("\0user\0pass".utf8))))
        decoder.returnToCommandMode()
        decoder.append(
            Array("a2 AUTHENTICATE SCRAM-SHA-256 biwsbj11c2VyLHI9ZnlrbytkMmxiYkZnT05Sdjlxa3hkYXdM\r\n*\r\n".utf8))
        guard case .command(let command) = decoder.nextEvent(),
            case .authenticate("SCRAM-SHA-256", let initial?) = command.command
        else {
            Issue.record("expected AUTHENTICATE with an initial response")
            return
        }
        #expect(String(buffer: initial) == "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL")
        #expect(decoder.nextEvent() == .authenticationCancelled)
        #expect(decoder.mode == .command)
        decoder.append(Array("a3 AUTHENTICATE LOGIN\r\nnot base64!\r\na4 NOOP\r\n".utf8))
        #expect(decoder.nextEvent() == tagged("a3", .authenticate(mechanism: "LOGIN", initialResponse: nil)))
        #expect(decoder.nextEvent().map(invalid(.invalidBase64, "a3")) == true)
        #expect(decoder.nextEvent() == tagged("a4", .noop))
    }

    @Test func discardsPlaintextAfterStartTLS() {
        var decoder = CommandDecoder()
        decoder.append(Array("s1 STARTTLS\r\ns2 LOGIN injected command\r\n".utf8))
        #expect(decoder.nextEvent() == tagged("s1", .starttls))
        #expect(decoder.discardBufferedBytes() == 27)
        #expect(decoder.nextEvent() == nil)
    }

    // MARK: - APPEND

    @Test func appendStreamsTheMessage() {
        let events = decodeAll("A003 APPEND saved-messages (\\Seen) {5}\r\nhello\r\nA004 NOOP\r\n")
        #expect(
            events == [
                .appendStart(tag: "A003", mailbox: mailbox("saved-messages")),
                .beginMessage(AppendMessageMetadata(flags: [.seen], size: 5)),
                .continuationRequest,
                .messageBytes(ByteBuffer(string: "hello")),
                .endMessage,
                .appendFinish,
                tagged("A004", .noop),
            ])
    }

    @Test(arguments: [1, 5, 13])
    func multiAppendDripFed(chunkSize: Int) {
        // RFC 3502 §6.3.11 example shape, plus literal8 (RFC 3516) and the UTF8 form (RFC 6855).
        let input =
            "A003 APPEND {14+}\r\nsaved-messages (\\Seen) {3}\r\nabc (\\Seen $Junk) \" 1-Jul-2002 22:35:00 +0200\" ~{3+}\r\n"
            + "a\0c UTF8 (~{2}\r\nxy)\r\nA004 NOOP\r\n"
        let expected: [CommandEvent] = [
            .appendStart(tag: "A003", mailbox: mailbox("saved-messages")),
            .beginMessage(AppendMessageMetadata(flags: [.seen], size: 3)),
            .continuationRequest,
            .messageBytes(ByteBuffer(string: "abc")),
            .endMessage,
            .beginMessage(
                AppendMessageMetadata(
                    flags: [.seen, .junk], internalDate: dateTime(" 1-Jul-2002 22:35:00 +0200"), size: 3, isBinary: true
                )),
            .messageBytes(ByteBuffer(bytes: [0x61, 0, 0x63])),
            .endMessage,
            .beginMessage(AppendMessageMetadata(size: 2, isBinary: true, isUTF8: true)),
            .continuationRequest,
            .messageBytes(ByteBuffer(string: "xy")),
            .endMessage,
            .appendFinish,
            tagged("A004", .noop),
        ]
        #expect(coalesced(decodeAll(input, chunkSize: chunkSize)) == expected)
    }

    @Test func multiMegabyteAppendNeverAccumulates() {
        let size = 6 * 1024 * 1024 + 17
        let feed = 64 * 1024
        let pattern = ByteBuffer(bytes: (0..<feed).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        func block(_ index: Int) -> ByteBuffer {
            var block = pattern.getSlice(at: 0, length: min(feed, size - index * feed))!
            block.setInteger(UInt32(index), at: 0)  // every block differs
            return block
        }

        var decoder = CommandDecoder()
        decoder.append(Array("big APPEND INBOX (\\Seen) \"17-Jul-1996 02:44:25 -0700\" {\(size)}\r\n".utf8))
        #expect(decoder.nextEvent() == .appendStart(tag: "big", mailbox: .inbox))
        #expect(
            decoder.nextEvent()
                == .beginMessage(
                    AppendMessageMetadata(
                        flags: [.seen], internalDate: dateTime("17-Jul-1996 02:44:25 -0700"), size: size)))
        #expect(decoder.nextEvent() == .continuationRequest)
        #expect(decoder.nextEvent() == nil)

        var received = 0
        var largestChunk = 0
        var largestBuffered = 0
        var mismatches = 0
        var ended = false
        for index in 0..<((size + feed - 1) / feed) {
            let sent = block(index)
            decoder.append(sent)
            largestBuffered = max(largestBuffered, decoder.bufferedByteCount)
            while let event = decoder.nextEvent() {
                switch event {
                case .messageBytes(let bytes):
                    largestChunk = max(largestChunk, bytes.readableBytes)
                    if bytes != sent { mismatches += 1 }
                    received += bytes.readableBytes
                case .endMessage:
                    ended = true
                default:
                    Issue.record("unexpected \(event)")
                    return
                }
            }
        }
        #expect(ended)
        decoder.append(Array("\r\nnext NOOP\r\n".utf8))
        #expect(decoder.nextEvent() == .appendFinish)
        #expect(decoder.nextEvent() == tagged("next", .noop))
        #expect(received == size)
        #expect(mismatches == 0)
        #expect(largestChunk <= feed)
        #expect(largestBuffered <= feed)
    }

    @Test func appendChunksAreCappedWhenInputArrivesAtOnce() {
        let limits = IMAPLimits(maxAppendChunkSize: 1000)
        let body = String(repeating: "m", count: 4500)
        let events = decodeAll("a APPEND INBOX {4500}\r\n\(body)\r\n", limits: limits)
        let chunks = events.compactMap { event -> Int? in
            if case .messageBytes(let bytes) = event { return bytes.readableBytes }
            return nil
        }
        #expect(chunks == [1000, 1000, 1000, 1000, 500])
    }

    @Test func appendOverTheSizeLimitIsRefused() {
        let limits = IMAPLimits(maxAppendSize: 100)
        // Synchronising: refused before "+", so the client never sends the message.
        let sync = decodeAll("a APPEND INBOX {101}\r\nb NOOP\r\n", limits: limits)
        #expect(sync.count == 2)
        #expect(invalid(.messageTooLarge, "a")(sync[0]))
        #expect(sync[1] == tagged("b", .noop))
        if case .invalid(let error) = sync[0] {
            #expect(encoded(error.response) == "a NO [TOOBIG] Message too large\r\n")
        }
        // A second message over the limit fails the whole MULTIAPPEND; its bytes are skipped.
        let multi = decodeAll(
            "a APPEND INBOX {3+}\r\nabc {101+}\r\n" + String(repeating: "q", count: 101) + "\r\nb NOOP\r\n",
            limits: IMAPLimits(maxNonSynchronizingLiteralSize: 4096, maxAppendSize: 100))
        #expect(multi.count == 6)
        #expect(invalid(.messageTooLarge, "a")(multi[4]))
        #expect(multi[5] == tagged("b", .noop))
    }

    @Test func sessionCanRejectAnAppendBeforeTheContinuation() {
        // RFC 9051 §6.3.12: NO [TRYCREATE] instead of "+"; the client then sends its next command.
        var decoder = CommandDecoder()
        decoder.append(Array("a APPEND Missing {5}\r\nb NOOP\r\n".utf8))
        #expect(decoder.nextEvent() == .appendStart(tag: "a", mailbox: mailbox("Missing")))
        decoder.abandonCommand()
        #expect(decoder.nextEvent() == tagged("b", .noop))
    }

    @Test func rejectedNonSynchronizingAppendIsSkipped() {
        var decoder = CommandDecoder()
        decoder.append(Array("a APPEND Missing {5+}\r\nhel".utf8))
        #expect(decoder.nextEvent() == .appendStart(tag: "a", mailbox: mailbox("Missing")))
        decoder.abandonCommand()
        #expect(decoder.nextEvent() == nil)
        decoder.append(Array("lo (\\Seen) {2+}\r\nxy\r\nb NOOP\r\n".utf8))
        #expect(decoder.nextEvent() == tagged("b", .noop))
    }

    @Test func rejectedAppendMidStreamIsSkipped() {
        var decoder = CommandDecoder()
        decoder.append(Array("a APPEND INBOX {10}\r\n".utf8))
        #expect(decoder.nextEvent() == .appendStart(tag: "a", mailbox: .inbox))
        #expect(decoder.nextEvent() == .beginMessage(AppendMessageMetadata(size: 10)))
        #expect(decoder.nextEvent() == .continuationRequest)
        decoder.append(Array("12345".utf8))
        #expect(decoder.nextEvent() == .messageBytes(ByteBuffer(string: "12345")))
        decoder.abandonCommand()  // e.g. the disk filled up
        decoder.append(Array("67890\r\nb NOOP\r\n".utf8))
        #expect(decoder.nextEvent() == tagged("b", .noop))
    }

    @Test func abandonDuringAPartialLineAfterAMessage() {
        var decoder = CommandDecoder()
        decoder.append(Array("a APPEND INBOX {1+}\r\nx (\\Seen \\Flagged \\Answered \\Dr".utf8))
        #expect(decoder.nextEvent() == .appendStart(tag: "a", mailbox: .inbox))
        #expect(decoder.nextEvent() == .beginMessage(AppendMessageMetadata(size: 1)))
        #expect(decoder.nextEvent() == .messageBytes(ByteBuffer(string: "x")))
        #expect(decoder.nextEvent() == .endMessage)
        #expect(decoder.nextEvent() == nil)  // half of the next line has been looked at
        decoder.abandonCommand()
        decoder.append(Array("aft) {2+}\r\nyz\r\nb NOOP\r\nc NOOP\r\n".utf8))
        #expect(decoder.nextEvent() == tagged("b", .noop))
        #expect(decoder.nextEvent() == tagged("c", .noop))
    }

    @Test func malformedAppendArgumentsSkipTheLiteral() {
        let events = decodeAll("a APPEND INBOX (\\Seen {3+}\r\nabc\r\nb APPEND INBOX \"bad date\" {3}\r\nc NOOP\r\n")
        #expect(events.count == 3)
        #expect(invalid(.syntax, "a")(events[0]))
        #expect(invalid(.syntax, "b")(events[1]))
        #expect(events[2] == tagged("c", .noop))
    }

    @Test func malformedLineAfterAppendMessageFailsTheAppend() {
        let events = decodeAll("a APPEND INBOX {1}\r\nx garbage {2+}\r\nyz\r\nb NOOP\r\n")
        #expect(events.count == 7)
        #expect(events[4] == .endMessage)
        #expect(invalid(.syntax, "a")(events[5]))
        #expect(events[6] == tagged("b", .noop))
    }
}
