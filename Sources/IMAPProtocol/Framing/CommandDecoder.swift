// CommandDecoder: turns the client's byte stream into command events (RFC 9051 §2.2, §4.3, §7.5).
//
// Invariants:
// - Pull-based and lazy: `append` only stores bytes; `nextEvent()` decodes at most one event. The
//   session handles each event before pulling the next, so it can change the decoder's mode (IDLE,
//   AUTHENTICATE) or abandon a command at exactly the right byte.
// - CRLF-strict: a line ending in a bare LF is an error (STYLE 6). Line and literal limits
//   (IMAPLimits) are checked before bytes are buffered.
// - Small literals are collected and inlined into the command bytes given to GrammarParser.
//   APPEND message literals are never collected: they leave as `.messageBytes` slices of the input,
//   at most `maxAppendChunkSize` each, so the decoder holds no more than what was fed but not pulled.
// - A synchronising literal `{n}` yields `.continuationRequest` (write `+ ...`) before its data is read.
//   If the command is rejected before that event is pulled, the client never sends the data
//   (RFC 9051 §7.5); after it, or for a non-synchronising literal `{n+}`, the decoder skips the data
//   and the rest of the command.
// - After `.command(.idle)` the next line must be DONE; after `.command(.authenticate)` lines are SASL
//   responses until the session calls `returnToCommandMode()` (or the client cancels with "*").
// - Errors never stop the decoder: `.invalid` carries the tag when it was read, and decoding resumes at
//   the next command.
//
// A session drives it like this:
//
//     decoder.append(bytesFromChannel)
//     while let event = decoder.nextEvent() {
//         switch event {
//         case .command(let tagged): ...            // switch over tagged.command
//         case .continuationRequest: write "+ Ready"
//         case .appendStart, .beginMessage, .messageBytes, .endMessage, .appendFinish: ...  // to a spool file
//         case .idleDone: end IDLE, answer the IDLE tag
//         case .authenticationResponse, .authenticationCancelled: ...   // then returnToCommandMode()
//         case .invalid(let error): write error.response
//         }
//     }

import NIOCore

/// What the decoder found next in the client's input.
public enum CommandEvent: Sendable, Hashable {
    /// A complete command (not APPEND), literals inlined.
    case command(TaggedCommand)
    /// The client sent a synchronising literal header: write a continuation request (`+ Ready`) now.
    case continuationRequest
    /// APPEND began: the target mailbox. Messages follow.
    case appendStart(tag: String, mailbox: MailboxName)
    /// One message of APPEND begins (MULTIAPPEND, RFC 3502, sends several).
    case beginMessage(AppendMessageMetadata)
    /// A chunk of the current message's bytes.
    case messageBytes(ByteBuffer)
    /// The current message is complete.
    case endMessage
    /// The APPEND command is complete: store the messages and answer.
    case appendFinish
    /// The client ended IDLE (RFC 9051 §6.3.13).
    case idleDone
    /// A decoded SASL response line during AUTHENTICATE (RFC 9051 §6.2.2).
    case authenticationResponse(ByteBuffer)
    /// The client cancelled AUTHENTICATE with "*": answer with tagged BAD (RFC 9051 §6.2.2).
    case authenticationCancelled
    /// A malformed or oversized command. Answer with `error.response`; decoding continues.
    /// During an APPEND it means the APPEND failed: discard the messages received so far.
    case invalid(CommandDecodingError)
}

/// The client's command stream, decoded incrementally.
public struct CommandDecoder: Sendable {
    /// What lines mean right now.
    public enum Mode: Sendable, Hashable {
        case command
        /// After IDLE: waiting for DONE.
        case idle(tag: String)
        /// After AUTHENTICATE: lines are base64 SASL responses.
        case authenticating(tag: String)
    }

    private enum State: Sendable {
        /// Reading a line: a command line in `.command` mode, else DONE or a SASL response.
        case line
        /// Copying a literal's bytes into `command`.
        case inlineLiteral(remaining: Int)
        /// Streaming an APPEND message.
        case appendMessage(remaining: Int)
        /// Reading the line after an APPEND message: CRLF, or the next message (MULTIAPPEND).
        case appendLine
        /// Discarding a rejected command's literal.
        case skipLiteral(remaining: Int)
        /// Discarding a rejected command's line (which may announce another literal).
        case skipLine
    }

    private struct LiteralHeader {
        var start: Int
        var size: Int
        var synchronizing: Bool
        var binary: Bool
    }

    /// Consumed bytes kept at the front of the input buffer before it is compacted.
    private static let compactionThreshold = 64 * 1024
    /// Bytes kept from the end of a skipped line: enough for the longest literal header `~{<19 digits>+}`.
    private static let skipTailLength = 32

    public var limits: IMAPLimits
    public private(set) var mode: Mode = .command

    private var buffer = ByteBuffer()
    private var state: State = .line
    /// Bytes of the current command read so far (lines and inlined literals).
    private var command: [UInt8] = []
    private var commandTag: String?
    private var commandIsAppend = false
    /// How much of the buffered current line was already searched for LF.
    private var scanned = 0
    private var pending: [CommandEvent] = []
    private var literalIsSynchronizing = false
    private var continuationSent = false
    private var appendMessageIsUTF8 = false
    /// The last bytes of a line being skipped, to find a literal header at its end.
    private var skipTail: [UInt8] = []

    public init(limits: IMAPLimits = .default) {
        self.limits = limits
    }

    /// Bytes received but not yet decoded.
    public var bufferedByteCount: Int { buffer.readableBytes }

    /// Adds bytes received from the client.
    public mutating func append(_ bytes: ByteBuffer) {
        if buffer.readableBytes == 0 {
            buffer = bytes
        } else {
            if buffer.readerIndex > Self.compactionThreshold { buffer.discardReadBytes() }
            var bytes = bytes
            buffer.writeBuffer(&bytes)
        }
    }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        append(ByteBuffer(bytes: bytes))
    }

    /// Drops every buffered byte (after STARTTLS, plaintext sent before the handshake must be ignored;
    /// see CVE-2011-0411). Returns how many bytes were dropped.
    @discardableResult
    public mutating func discardBufferedBytes() -> Int {
        let count = buffer.readableBytes
        buffer.clear()
        scanned = 0
        return count
    }

    /// Ends IDLE or AUTHENTICATE from the server side (the session sent the tagged reply, e.g. a rejected
    /// IDLE or a finished SASL exchange).
    public mutating func returnToCommandMode() {
        mode = .command
    }

    /// The session rejected the command being received (an APPEND to a missing mailbox, a literal it
    /// will not accept). Events not yet pulled for it are dropped; bytes the client still sends for it
    /// are skipped.
    public mutating func abandonCommand() {
        pending.removeAll()
        scanned = 0
        switch state {
        case .inlineLiteral(let remaining), .appendMessage(let remaining):
            if literalIsSynchronizing && !continuationSent {
                state = .line  // RFC 9051 §7.5: the client does not send the literal
            } else {
                state = .skipLiteral(remaining: remaining)
            }
        case .appendLine:
            state = .skipLine
            skipTail = []
        case .line, .skipLiteral, .skipLine:
            break
        }
        resetCommand()
    }

    /// The next event, or nil when more bytes are needed.
    public mutating func nextEvent() -> CommandEvent? {
        if !pending.isEmpty {
            let event = pending.removeFirst()
            if event == .continuationRequest { continuationSent = true }
            return event
        }
        while true {
            switch state {
            case .inlineLiteral(let remaining):
                let count = min(remaining, buffer.readableBytes)
                guard count > 0 || remaining == 0 else { return nil }
                command.append(contentsOf: buffer.readBytes(length: count)!)
                if count < remaining {
                    state = .inlineLiteral(remaining: remaining - count)
                    return nil
                }
                state = .line

            case .appendMessage(let remaining):
                if remaining == 0 {
                    state = .appendLine
                    return .endMessage
                }
                let count = min(remaining, buffer.readableBytes, limits.maxAppendChunkSize)
                guard count > 0 else { return nil }
                let chunk = buffer.readSlice(length: count)!
                state = .appendMessage(remaining: remaining - count)
                return .messageBytes(chunk)

            case .skipLiteral(let remaining):
                let count = min(remaining, buffer.readableBytes)
                buffer.moveReaderIndex(forwardBy: count)
                if count < remaining {
                    state = .skipLiteral(remaining: remaining - count)
                    return nil
                }
                state = .skipLine
                skipTail = []

            case .skipLine:
                guard skipLine() else { return nil }

            case .line, .appendLine:
                let line: [UInt8]
                switch readLine() {
                case .needMoreBytes:
                    return nil
                case .tooLong:
                    let error = CommandDecodingError(
                        kind: .lineTooLong, tag: modeTag ?? commandTag ?? peekTag(), detail: "Line too long")
                    failCurrentCommand()
                    mode = .command
                    scanned = 0
                    state = .skipLine
                    skipTail = []
                    return .invalid(error)
                case .bareLineFeed(let bytes):
                    let error = CommandDecodingError(
                        kind: .bareLineFeed, tag: modeTag ?? commandTag ?? Self.tag(of: bytes),
                        detail: "Lines must end with CRLF")
                    failCurrentCommand()
                    mode = .command
                    state = .line
                    return .invalid(error)
                case .line(let bytes):
                    line = bytes
                }
                if case .appendLine = state {
                    if let event = appendLineEvent(line) { return event }
                    continue
                }
                if let event = lineEvent(line) { return event }
            }
        }
    }

    // MARK: - Lines

    private enum LineResult {
        case line([UInt8])
        case needMoreBytes
        case tooLong
        case bareLineFeed([UInt8])
    }

    /// Reads one line including CRLF, enforcing the line length limit.
    private mutating func readLine() -> LineResult {
        let start = min(scanned, buffer.readableBytes)
        let found = buffer.withUnsafeReadableBytes { bytes -> Int? in
            bytes[start...].firstIndex(of: .lf)
        }
        guard let lf = found else {
            scanned = buffer.readableBytes
            return scanned > limits.maxLineLength ? .tooLong : .needMoreBytes
        }
        if lf + 1 > limits.maxLineLength {
            scanned = 0
            return .tooLong
        }
        let bytes = buffer.readBytes(length: lf + 1)!
        scanned = 0
        guard lf > 0, bytes[lf - 1] == .cr else { return .bareLineFeed(bytes) }
        return .line(bytes)
    }

    /// The tag of the IDLE or AUTHENTICATE command whose continuation lines are being read.
    private var modeTag: String? {
        switch mode {
        case .command: return nil
        case .idle(let tag), .authenticating(let tag): return tag
        }
    }

    /// The tag at the start of the buffered input, if one is there.
    private func peekTag() -> String? {
        guard command.isEmpty else { return commandTag }
        return buffer.withUnsafeReadableBytes { Self.tag(of: $0) }
    }

    private static func tag(of bytes: some Collection<UInt8>) -> String? {
        let tagBytes = bytes.prefix { $0.isTagChar }
        guard !tagBytes.isEmpty, bytes.dropFirst(tagBytes.count).first == .space else { return nil }
        return String(decoding: tagBytes, as: UTF8.self)
    }

    /// Handles a line in `.line` state.
    private mutating func lineEvent(_ line: [UInt8]) -> CommandEvent? {
        switch mode {
        case .idle(let tag):
            mode = .command
            // idle = "IDLE" CRLF "DONE"      ; RFC 9051 §6.3.13
            if line.count == 6, line[..<4].map(\.asciiUppercased) == Array("DONE".utf8) { return .idleDone }
            return .invalid(CommandDecodingError(kind: .expectedDone, tag: tag, detail: "Expected DONE"))

        case .authenticating(let tag):
            // RFC 9051 §6.2.2: a line of base64, or "*" to cancel.
            let text = line.dropLast(2)
            if text.elementsEqual([UInt8.asterisk]) {
                mode = .command
                return .authenticationCancelled
            }
            guard let decoded = Base64.decode(text) else {
                mode = .command
                return .invalid(CommandDecodingError(kind: .invalidBase64, tag: tag, detail: "Invalid base64"))
            }
            return .authenticationResponse(ByteBuffer(bytes: decoded))

        case .command:
            break
        }

        if command.isEmpty {
            if line.count == 2 { return nil }  // tolerate empty lines between commands
            commandTag = Self.tag(of: line)
            commandIsAppend = Self.startsWithAppend(line)
        }
        if command.count + line.count > limits.maxCommandSize {
            return rejectAtLine(line, kind: .commandTooLarge, detail: "Command too large")
        }
        guard let header = Self.literalHeader(in: line) else {
            command.append(contentsOf: line)
            return completeCommand()
        }

        // RFC 9051 §7.5: refuse an unknown command before its literal is sent.
        if command.isEmpty, let failure = Self.unknownCommand(in: Array(line[..<header.start])) {
            return rejectAtLine(line, error: CommandDecodingError(grammar: failure, tag: commandTag))
        }

        // Is this literal the message of an APPEND?
        let classification =
            commandIsAppend
            ? Self.classifyAppend(command + line[..<header.start], maxDepth: limits.maxNestingDepth) : .notAppend
        switch classification {
        case .message(let tag, let mailbox, let flags, let date, let isUTF8):
            let metadata = AppendMessageMetadata(
                flags: flags, internalDate: date, size: header.size, isBinary: header.binary, isUTF8: isUTF8)
            if let rejection = checkAppendLiteral(header, line: line) { return rejection }
            resetCommand()
            commandTag = tag
            pending = [.appendStart(tag: tag, mailbox: mailbox)]
            return startMessage(metadata, header: header)
        case .invalid(let failure):
            return rejectAtLine(line, error: CommandDecodingError(grammar: failure, tag: commandTag))
        case .notAppend:
            break
        }

        // A literal inlined into the command.
        if !header.synchronizing && header.size > limits.maxNonSynchronizingLiteralSize {
            // RFC 7888 §4 (LITERAL-)
            return rejectAtLine(line, kind: .literalTooLarge, detail: "Non-synchronizing literal too large")
        }
        if header.size > limits.maxInlineLiteralSize || header.size > limits.maxCommandSize - command.count - line.count
        {
            return rejectAtLine(line, kind: .literalTooLarge, detail: "Literal too large")
        }
        command.append(contentsOf: line)
        state = .inlineLiteral(remaining: header.size)
        literalIsSynchronizing = header.synchronizing
        continuationSent = header.synchronizing
        return header.synchronizing ? .continuationRequest : nil
    }

    /// Parses the collected command.
    private mutating func completeCommand() -> CommandEvent {
        var parser = GrammarParser(command, maxDepth: limits.maxNestingDepth)
        let tag = commandTag
        resetCommand()
        do {
            let tagged = try parser.parseCommandReportingTag()
            switch tagged.command {
            case .idle: mode = .idle(tag: tagged.tag)
            case .authenticate: mode = .authenticating(tag: tagged.tag)
            default: break
            }
            return .command(tagged)
        } catch {
            var error = error
            if error.tag == nil { error.tag = tag }
            return .invalid(error)
        }
    }

    // MARK: - APPEND

    /// The unknown-command error for a first line whose command name this server does not know.
    private static func unknownCommand(in prefix: [UInt8]) -> GrammarError? {
        var parser = GrammarParser(prefix)
        guard (try? parser.parseTag()) != nil, parser.consume(.space) else { return nil }
        do {
            _ = try parser.parseCommandBody()
        } catch let error as GrammarError where error.kind == .unknownCommand {
            return error
        } catch {}
        return nil
    }

    /// Whether a command's first line is `tag SP "APPEND" SP ...`.
    private static func startsWithAppend(_ line: [UInt8]) -> Bool {
        var parser = GrammarParser(line)
        guard (try? parser.parseTag()) != nil, parser.consume(.space) else { return false }
        return parser.consumeKeyword("APPEND ")
    }

    private enum AppendClassification {
        case notAppend
        case message(tag: String, mailbox: MailboxName, flags: [Flag], date: IMAPDateTime?, isUTF8: Bool)
        case invalid(GrammarError)
    }

    // append = "APPEND" SP mailbox 1*append-message        ; RFC 3502 §6
    // append-message = append-opts SP append-data
    // Decides whether a literal that follows `prefix` is the first message of an APPEND.
    private static func classifyAppend(_ prefix: [UInt8], maxDepth: Int) -> AppendClassification {
        var parser = GrammarParser(prefix, maxDepth: maxDepth)
        guard let tag = try? parser.parseTag(), (try? parser.parseSP()) != nil, parser.consumeWord("APPEND") else {
            return .notAppend
        }
        guard parser.consume(.space), !parser.isAtEnd else { return .notAppend }  // the literal is the mailbox
        do {
            let mailbox = try parser.parseMailbox()
            let (flags, date) = try parser.parseAppendOpts()
            let isUTF8 = parser.parseAppendDataUTF8Prefix()
            guard parser.isAtEnd else { throw parser.error("Invalid APPEND arguments") }
            return .message(tag: tag, mailbox: mailbox, flags: flags, date: date, isUTF8: isUTF8)
        } catch let error as GrammarError {
            return .invalid(error)
        } catch {
            return .invalid(parser.error("Invalid APPEND arguments"))
        }
    }

    /// Handles the line after an APPEND message: `)` for the UTF8 form, then CRLF or the next message.
    private mutating func appendLineEvent(_ line: [UInt8]) -> CommandEvent? {
        let tag = commandTag
        var parser = GrammarParser(line, maxDepth: limits.maxNestingDepth)
        do {
            if appendMessageIsUTF8 { try parser.expect(.closeParen, ")") }  // RFC 6855 §4
            if parser.peek() == .cr {
                try parser.parseCRLF()
                resetCommand()
                state = .line
                return .appendFinish
            }
            guard let header = Self.literalHeader(in: line), header.start >= parser.position else {
                throw parser.error("Expected another message or CRLF after APPEND message")
            }
            var prefix = GrammarParser(Array(line[parser.position..<header.start]), maxDepth: limits.maxNestingDepth)
            let (flags, date) = try prefix.parseAppendOpts()
            let isUTF8 = prefix.parseAppendDataUTF8Prefix()
            guard prefix.isAtEnd else { throw prefix.error("Invalid APPEND message arguments") }
            if let rejection = checkAppendLiteral(header, line: line) { return rejection }
            let metadata = AppendMessageMetadata(
                flags: flags, internalDate: date, size: header.size, isBinary: header.binary, isUTF8: isUTF8)
            return startMessage(metadata, header: header)
        } catch let error as GrammarError {
            state = .line
            let failure = CommandDecodingError(grammar: error, tag: tag)
            if let header = Self.literalHeader(in: line) {
                resetCommand()
                skipRejectedLiteral(header)
            } else {
                resetCommand()
            }
            return .invalid(failure)
        } catch {
            resetCommand()
            state = .line
            return .invalid(CommandDecodingError(kind: .syntax, tag: tag, detail: "Invalid APPEND"))
        }
    }

    private mutating func startMessage(_ metadata: AppendMessageMetadata, header: LiteralHeader) -> CommandEvent {
        pending.append(.beginMessage(metadata))
        if header.synchronizing { pending.append(.continuationRequest) }
        state = .appendMessage(remaining: header.size)
        literalIsSynchronizing = header.synchronizing
        continuationSent = false
        appendMessageIsUTF8 = metadata.isUTF8
        return pending.removeFirst()
    }

    /// Checks an APPEND message literal against the limits; returns the rejection event, if any.
    private mutating func checkAppendLiteral(_ header: LiteralHeader, line: [UInt8]) -> CommandEvent? {
        if header.size > limits.maxAppendSize {
            return rejectAtLine(line, kind: .messageTooLarge, detail: "Message too large")
        }
        if !header.synchronizing && header.size > limits.maxNonSynchronizingLiteralSize {
            // RFC 7888 §4 (LITERAL-)
            return rejectAtLine(line, kind: .literalTooLarge, detail: "Non-synchronizing literal too large")
        }
        return nil
    }

    // MARK: - Rejection and skipping

    /// Rejects the current command after reading `line`: skips the literal it announces, if any.
    private mutating func rejectAtLine(_ line: [UInt8], kind: CommandDecodingError.Kind, detail: String)
        -> CommandEvent
    {
        rejectAtLine(line, error: CommandDecodingError(kind: kind, tag: commandTag, detail: detail))
    }

    private mutating func rejectAtLine(_ line: [UInt8], error: CommandDecodingError) -> CommandEvent {
        resetCommand()
        state = .line
        if let header = Self.literalHeader(in: line) { skipRejectedLiteral(header) }
        return .invalid(error)
    }

    /// A rejected literal: a synchronising one is never sent (we send no `+`); a non-synchronising one
    /// arrives anyway and is skipped with the rest of its command (RFC 7888 §4).
    private mutating func skipRejectedLiteral(_ header: LiteralHeader) {
        state = header.synchronizing ? .line : .skipLiteral(remaining: header.size)
    }

    /// Drops the current command's collected bytes.
    private mutating func failCurrentCommand() {
        pending.removeAll()
        resetCommand()
    }

    private mutating func resetCommand() {
        command = []
        commandTag = nil
        commandIsAppend = false
    }

    /// Discards input up to the end of the current line. Returns false when more bytes are needed.
    private mutating func skipLine() -> Bool {
        scanned = 0
        let found = buffer.withUnsafeReadableBytes { $0.firstIndex(of: .lf) }
        guard let lf = found else {
            // Only the tail can matter (a literal header at the end of the line): drop the rest unread.
            let count = buffer.readableBytes
            let keep = min(count, Self.skipTailLength)
            buffer.moveReaderIndex(forwardBy: count - keep)
            skipTail.append(contentsOf: buffer.readBytes(length: keep)!)
            if skipTail.count > Self.skipTailLength { skipTail.removeFirst(skipTail.count - Self.skipTailLength) }
            return false
        }
        skipTail.append(contentsOf: buffer.readBytes(length: lf + 1)!)
        let header = Self.literalHeader(in: skipTail)
        skipTail = []
        if let header, !header.synchronizing {
            state = .skipLiteral(remaining: header.size)
        } else {
            state = .line
        }
        return true
    }

    // literal = "{" number64 ["+"] "}" CRLF *CHAR8 ; literal8 = "~{" number64 ["+"] "}" CRLF *OCTET
    /// The literal header at the end of `line` (which ends with CRLF), if any.
    private static func literalHeader(in line: [UInt8]) -> LiteralHeader? {
        var index = line.count - 3
        guard index >= 2, line[index + 1] == .cr, line[index] == .closeBrace else { return nil }
        index -= 1
        var synchronizing = true
        if line[index] == .plus {
            synchronizing = false
            index -= 1
        }
        let digitsEnd = index + 1
        while index >= 0, line[index].isDigit { index -= 1 }
        let digitCount = digitsEnd - (index + 1)
        guard digitCount > 0, index >= 0, line[index] == .openBrace else { return nil }
        var size = 0
        if digitCount > 18 {
            size = Int.max  // larger than any limit
        } else {
            for digit in line[(index + 1)..<digitsEnd] { size = size * 10 + Int(digit - .zero) }
        }
        let binary = index > 0 && line[index - 1] == .tilde
        return LiteralHeader(
            start: binary ? index - 1 : index, size: size, synchronizing: synchronizing, binary: binary)
    }
}
