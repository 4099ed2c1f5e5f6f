// One SMTP connection: typed commands in, replies out (RFC 5321 §4.1).
//
// Invariants:
// - The session switches over typed `SMTPCommand` values; grammar errors come back as typed errors
//   whose replies are defined in SMTPProtocol; other failures map to replies in `SMTPSession.reply(for:)`.
// - Replies to pipelined commands are written in order and flushed when no more input is
//   buffered (RFC 2920 §3); 354 and 334 are always flushed because the client waits for them.
// - Message bytes go to a spool file as they arrive; a message is delivered (and 250 sent) only
//   after the blob is durable and the store transaction and queue entry have committed.
// - After STARTTLS everything known about the client is forgotten (RFC 3207 §4.2).

import Delivery
import Directory
import Foundation
import Logging
import MIME
import MailStore
import NIOCore
import SMTPProtocol
import ServerSupport

final class SMTPSession: @unchecked Sendable {  // used by its connection's task only
    let connection: Connection
    let mode: SMTPMode
    let server: SMTPServer
    var settings: SMTPSettings { server.settings }
    var logger: Logger

    var framer = LineFramer()
    var heloName: String?
    var usedEHLO = false
    var account: AccountRecord?
    var transaction: Transaction?
    var errors = 0
    let remoteIP: String

    /// Where an accepted recipient's copy goes.
    enum Destination {
        case local([AccountRecord])
        case remote([String])
    }

    struct AcceptedRecipient {
        var rcpt: RcptTo
        var destination: Destination
    }

    struct Transaction {
        var mail: MailFrom
        var recipients: [AcceptedRecipient] = []
        var id: String
        /// The spool file of a BDAT transfer in progress.
        var bdatSpool: SpoolFile?
        var bdatOctets = 0
        var bdatFailed: SMTPReply?
    }

    /// Why a session ends early.
    enum Close: Error {
        case quit
        case peerLeft
    }

    init(connection: Connection, mode: SMTPMode, server: SMTPServer) {
        self.connection = connection
        self.mode = mode
        self.server = server
        self.logger = connection.logger
        self.remoteIP = connection.remoteAddress?.ipAddress ?? "unknown"
    }

    // MARK: Loop

    func run() async {
        do {
            try await send(.greeting(settings.hostname))
            while true {
                let event = try await nextCommandLine()
                switch event {
                case .needMoreData:
                    continue
                case .tooLong:
                    try await error(.lineTooLong)
                case .line(let line, let endedWithCRLF):
                    guard endedWithCRLF else {
                        try await error(SMTPSyntaxError.bareLineFeed.reply)  // RFC 5321 §2.3.8
                        continue
                    }
                    let command: SMTPCommand
                    do {
                        command = try SMTPCommandParser.parse(line: line)
                    } catch {
                        try await self.error(error.reply)
                        continue
                    }
                    try await handle(command)
                }
            }
        } catch Close.quit {
            // 221 was sent.
        } catch Close.peerLeft {
            logger.debug("client left")
        } catch ConnectionError.timeout {
            try? await send(.timeout)
        } catch ConnectionError.shutdownRequested {
            try? await send(.shuttingDown)
        } catch {
            logger.debug("session ended", metadata: ["error": "\(error)"])
        }
        if let spool = transaction?.bdatSpool { await spool.discard() }
        await connection.close()
    }

    /// The next command line. Replies to pipelined commands are flushed only when no further complete
    /// line is buffered, i.e. just before the session would wait for the client (RFC 2920 §3).
    /// The command timeout is a deadline for the whole line: bytes trickled in do not extend it.
    func nextCommandLine() async throws -> LineFramer.Event {
        let deadline = ReadDeadline(after: settings.commandTimeout)
        while true {
            let event = framer.nextLine(maxLength: SMTPLimits.maxCommandLineOctets)
            if event != .needMoreData { return event }
            try await connection.flush()
            let timeout = try deadline.readTimeout(idle: settings.commandTimeout)
            guard let bytes = try await connection.read(timeout: timeout) else {
                throw Close.peerLeft
            }
            framer.append(bytes)
        }
    }

    func send(_ reply: SMTPReply) async throws {
        try await write(reply)
        try await connection.flush()
    }

    func write(_ reply: SMTPReply) async throws {
        var buffer = ByteBuffer()
        reply.encode(into: &buffer)
        try await connection.write(buffer)
    }

    /// A client error: reply, count it, and close after too many (421, RFC 5321 §4.2.2).
    func error(_ reply: SMTPReply) async throws {
        errors += 1
        if errors > settings.maxErrors {
            try await send(.tooManyErrors)
            throw Close.quit
        }
        try await write(reply)
    }

    // MARK: Commands

    func handle(_ command: SMTPCommand) async throws {
        switch command {
        case .ehlo(let name):
            resetTransaction()
            heloName = name
            usedEHLO = true
            try await write(.ehlo(settings.hostname, greeting: "Hello \(remoteIP)", extensions: extensions()))
        case .helo(let name):
            resetTransaction()
            heloName = name
            usedEHLO = false
            try await write(.helo(settings.hostname))
        case .mail(let mail):
            try await mailFrom(mail)
        case .rcpt(let rcpt):
            try await rcptTo(rcpt)
        case .data:
            try await data()
        case .bdat(let size, let last):
            try await bdat(size: size, last: last)
        case .rset:
            resetTransaction()
            try await write(.ok)
        case .noop:
            try await write(.ok)
        case .quit:
            try await send(.serviceClosing)
            throw Close.quit
        case .vrfy, .expn:
            // RFC 5321 §3.5.3: 252, revealing nothing about which addresses exist.
            try await write(.vrfyCannot)
        case .help:
            try await write(.help)
        case .starttls:
            try await startTLS()
        case .auth(let mechanism, let initial):
            try await authenticate(mechanism: mechanism, initialResponse: initial)
        }
    }

    /// RFC 5321 §4.1.1.1: the extensions we offer, depending on the listener and the TLS state.
    func extensions() -> [SMTPExtension] {
        var list: [SMTPExtension] = [
            .pipelining, .size(settings.maxMessageSize), .eightBitMIME, .smtpUTF8, .enhancedStatusCodes, .chunking,
            .dsn,
        ]
        if connection.canStartTLS { list.append(.startTLS) }
        // DESIGN §5: AUTH only on submission and only over TLS.
        if mode == .submission, connection.isTLS, account == nil {
            list.append(.auth(SASLMechanismName.allCases.map(\.rawValue)))
        }
        return list
    }

    func resetTransaction() {
        if let spool = transaction?.bdatSpool {
            Task { await spool.discard() }
        }
        transaction = nil
    }

    // MARK: STARTTLS (RFC 3207)

    func startTLS() async throws {
        guard connection.canStartTLS else {
            try await error(connection.isTLS ? .tlsAlreadyActive : .tlsNotAvailable)
            return
        }
        var ready = ByteBuffer()
        SMTPReply.readyToStartTLS.encode(into: &ready)
        do {
            try await connection.startTLS(readyReply: String(buffer: ready), framer: &framer)
        } catch {
            throw Close.peerLeft
        }
        // RFC 3207 §4.2: discard all knowledge obtained from the client before TLS.
        resetTransaction()
        heloName = nil
        usedEHLO = false
        account = nil
    }

    // MARK: AUTH (RFC 4954)

    func authenticate(mechanism: String, initialResponse: AuthInitialResponse?) async throws {
        guard mode == .submission else { return try await error(.commandNotImplemented) }
        guard connection.isTLS else { return try await error(.encryptionRequired) }
        guard heloName != nil else { return try await error(.badSequence("Send EHLO first")) }
        guard account == nil else { return try await error(.alreadyAuthenticated) }
        guard transaction == nil else { return try await error(.authDuringTransaction) }
        guard let name = SASLMechanismName(caseInsensitive: mechanism) else {
            return try await error(.authMechanismUnsupported)
        }
        var exchange = SASLExchange(mechanism: name)
        var step = exchange.start(initialResponse: initialResponse?.bytes)
        while true {
            switch step {
            case .challenge(let challenge):
                try await send(.authChallenge(challenge))
                guard
                    let event = try await connection.nextLine(
                        &framer, maxLength: SMTPLimits.authLineOctets, timeout: settings.commandTimeout)
                else { throw Close.peerLeft }
                guard case .line(let line, _) = event else { return try await error(.authLineTooLong) }
                let text = String(buffer: line)
                if text == "*" { return try await error(.authCancelled) }  // RFC 4954 §4
                guard let decoded = Data(base64Encoded: text) else { return try await error(.authInvalidBase64) }
                step = exchange.receive(Array(decoded))
            case .malformed(let why):
                return try await error(SMTPReply.invalidArguments.with(text: "Malformed authentication: \(why)"))
            case .credentials(let credentials):
                let result = await server.directory.authenticate(
                    credentials, remote: remoteIP, protocolName: "smtp")
                switch result {
                case .success(let account, _):
                    self.account = account
                    logger[metadataKey: "user"] = "\(account.address)"
                    try await write(.authSucceeded)
                case .failure:
                    try await error(.authFailed)
                }
                return
            }
        }
    }

    // MARK: MAIL, RCPT

    func mailFrom(_ mail: MailFrom) async throws {
        guard heloName != nil else { return try await error(.badSequence("Send EHLO or HELO first")) }
        guard transaction == nil else { return try await error(.badSequence("Nested MAIL command")) }
        if mode == .submission {
            guard connection.isTLS else { return try await error(.startTLSRequired) }
            guard let account else { return try await error(.authRequired) }
            // DESIGN §5: the envelope sender must be an address the account owns.
            guard let sender = mail.reversePath.mailbox,
                try await server.directory.accountOwns(account, address: sender.description)
            else { return try await error(.senderNotOwned) }
        }
        if mail.reversePath.requiresSMTPUTF8 && !mail.smtputf8 {
            return try await error(.nonASCIISenderNotPermitted)  // RFC 6531 §3.5
        }
        if let size = mail.size, size > settings.maxMessageSize {
            return try await error(.messageTooBig)  // RFC 1870 §6.1
        }
        if mail.body == .binaryMIME { return try await error(.commandNotImplemented) }  // BINARYMIME not offered
        transaction = Transaction(mail: mail, id: Self.newQueueID())
        try await write(.senderOK)
    }

    func rcptTo(_ rcpt: RcptTo) async throws {
        guard var t = transaction else { return try await error(.badSequence("Send MAIL first")) }
        guard t.bdatSpool == nil else { return try await error(.badSequence("RCPT during BDAT")) }
        guard t.recipients.count < settings.maxRecipients else {
            return try await write(.tooManyRecipients)  // RFC 5321 §4.5.3.1.8: 452, not an error
        }
        if rcpt.path.requiresSMTPUTF8 && !t.mail.smtputf8 {
            return try await error(.nonASCIIRecipientNotPermitted)
        }
        let address: String
        switch rcpt.path {
        case .postmaster:
            // RFC 5321 §4.5.1: "Postmaster" without a domain must be accepted.
            guard let domain = try await server.directory.domains().first?.name else {
                return try await error(.unknownUser)
            }
            address = "postmaster@\(domain)"
        case .mailbox(let mailbox):
            address = mailbox.description
        }
        let resolution = try await server.directory.resolveRecipient(address)
        let destination: Destination
        switch resolution {
        case .deliver(let accounts, let forward):
            for a in accounts {
                let usage = try await server.directory.store.quota(account: a.id)
                if let limit = usage.limitBytes, usage.bytes >= limit {
                    return try await write(.overQuota)  // 452 4.2.2
                }
            }
            if !forward.isEmpty {
                t.recipients.append(
                    AcceptedRecipient(rcpt: rcpt, destination: .remote(forward.map(\.description))))
            }
            destination = .local(accounts)
        case .unknownUser:
            return try await error(.unknownUser)
        case .notLocal:
            // Never an open relay: only authenticated submission may send to other domains.
            guard mode == .submission, account != nil else { return try await error(.relayDenied) }
            destination = .remote([address])
        }
        t.recipients.append(AcceptedRecipient(rcpt: rcpt, destination: destination))
        transaction = t
        try await write(.recipientOK)
    }

    // MARK: DATA (RFC 5321 §4.1.1.4)

    func data() async throws {
        guard let t = transaction else { return try await error(.badSequence("Send MAIL first")) }
        guard !t.recipients.isEmpty else { return try await error(.noValidRecipients) }
        guard t.bdatSpool == nil else { return try await error(.badSequence("DATA after BDAT")) }
        let spool = SpoolFile(in: settings.spoolDirectory)
        do {
            try await spool.write(traceHeaders(for: t))
        } catch {
            return try await write(Self.reply(for: error, logger: logger))
        }
        try await send(.startMailInput)

        var decoder = DataDecoder(
            configuration: .init(maxMessageSize: settings.maxMessageSize, maxLineLength: settings.maxLineLength))
        var input = framer.nextBytes(count: Int.max) ?? ByteBuffer()
        var writeError: (any Error)?
        var summary: DataSummary?
        while summary == nil {
            while let event = decoder.next(&input) {
                switch event {
                case .body(let bytes):
                    guard writeError == nil else { continue }
                    do { try await spool.write(bytes) } catch { writeError = error }
                case .end(let s):
                    summary = s
                }
                if summary != nil { break }
            }
            if summary != nil { break }
            guard let more = try await connection.read(timeout: settings.dataTimeout) else {
                await spool.discard()
                throw Close.peerLeft
            }
            input = more
        }
        // Pipelined commands after the final dot stay for the command loop.
        if input.readableBytes > 0 { framer.append(input) }
        let reply: SMTPReply
        if let writeError {
            await spool.discard()
            reply = Self.reply(for: writeError, logger: logger)
        } else if let rejection = summary?.rejection {
            await spool.discard()
            reply = rejection.reply
        } else {
            reply = await deliver(spool: spool, transaction: t)
        }
        transaction = nil
        try await write(reply)
    }

    // MARK: BDAT (RFC 3030)

    func bdat(size: Int, last: Bool) async throws {
        // The chunk's bytes follow the command whatever we answer: read them first.
        var t = transaction
        var failure: SMTPReply?
        if t == nil {
            failure = .badSequence("Send MAIL first")
        } else if t!.recipients.isEmpty {
            failure = .noValidRecipients
        } else if let f = t!.bdatFailed {
            failure = f
        }
        if failure == nil, t!.bdatSpool == nil {
            do {
                let spool = SpoolFile(in: settings.spoolDirectory)
                try await spool.write(traceHeaders(for: t!))
                t!.bdatSpool = spool
            } catch {
                failure = Self.reply(for: error, logger: logger)
            }
        }
        if failure == nil, t!.bdatOctets + size > settings.maxMessageSize {
            failure = .messageTooBig
        }
        var remaining = size
        while remaining > 0 {
            guard
                let chunk = try await connection.nextBytes(
                    &framer, upTo: min(remaining, SpoolFile.batchSize), timeout: settings.dataTimeout)
            else { throw Close.peerLeft }
            remaining -= chunk.readableBytes
            if failure == nil {
                do { try await t!.bdatSpool!.write(chunk) } catch { failure = Self.reply(for: error, logger: logger) }
            }
        }
        if let failure {
            if var tt = t {
                if let spool = tt.bdatSpool { await spool.discard() }
                tt.bdatSpool = nil
                tt.bdatFailed = failure
                transaction = last ? nil : tt
            }
            return try await error(failure)
        }
        t!.bdatOctets += size
        if !last {
            transaction = t
            return try await write(.chunkReceived(octets: size))
        }
        let reply = await deliver(spool: t!.bdatSpool!, transaction: t!)
        transaction = nil
        try await write(reply)
    }

    // MARK: Delivery

    /// Trace headers (RFC 5321 §4.4): Return-Path (final delivery) then Received.
    func traceHeaders(for t: Transaction) -> String {
        returnPath(for: t) + receivedHeader(for: t)
    }

    func returnPath(for t: Transaction) -> String {
        "Return-Path: <\(t.mail.reversePath.mailbox?.description ?? "")>\r\n"
    }

    /// RFC 5321 §4.4 Received: with the RFC 3848 / RFC 6531 §4.3 protocol type.
    func receivedHeader(for t: Transaction) -> String {
        var with = t.mail.smtputf8 ? "UTF8SMTP" : (usedEHLO ? "ESMTP" : "SMTP")
        if connection.isTLS { with += "S" }
        if account != nil { with += "A" }
        if with == "SMTPS" || with == "SMTPA" || with == "SMTPSA" { with = "E" + with }
        var lines = ["Received: from \(Self.sanitize(heloName ?? "unknown")) ([\(remoteIP)])"]
        lines.append("\tby \(settings.hostname) (Mailroom) with \(with) id \(t.id)")
        if let tls = connection.tlsInfo {
            lines.append("\t(using \(tls.version)\(tls.cipherSuite.map { " with cipher \($0)" } ?? ""))")
        }
        if let account { lines.append("\t(authenticated sender: \(account.address))") }
        var last = "\t"
        if t.recipients.count == 1, let m = t.recipients[0].rcpt.path.mailbox { last += "for <\(m)>" }
        last += "; \(MessageDate.rfc5322(Date()))"
        lines.append(last)
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Stores the message for every local recipient and queues it for the remote ones; 250 only after both
    /// committed.
    func deliver(spool: SpoolFile, transaction t: Transaction) async -> SMTPReply {
        var replacement: URL?  // a spool file made by addMissingHeaders, removed on failure like the spool's own
        do {
            var message = try await spool.finish()
            if mode == .submission, let account {
                // DESIGN §5: the From: header must name addresses the account owns. The header alone is parsed.
                let envelope = try await MessageIngest.envelope(of: message)
                let emails = (envelope.from ?? []).compactMap(\.email)
                for email in emails where try await !server.directory.accountOwns(account, address: email) {
                    await spool.discard()
                    return SMTPReply.senderNotOwned.with(text: "From: \(email) is not an address of \(account.address)")
                }
                if let fixed = try await addMissingHeaders(message, envelope: envelope, transaction: t) {
                    message = fixed
                    if case .file(let url) = fixed { replacement = url }
                }
            }
            var targets: [DeliveryTarget] = []
            var remote: [OutboundRecipient] = []
            for r in t.recipients {
                switch r.destination {
                case .local(let accounts):
                    for a in accounts where !targets.contains(where: { $0.account == a.id }) {
                        guard let inbox = try await server.directory.store.mailbox(account: a.id, name: "INBOX") else {
                            continue
                        }
                        targets.append(DeliveryTarget(account: a.id, mailbox: inbox.id))
                    }
                case .remote(let addresses):
                    for address in addresses {
                        remote.append(
                            OutboundRecipient(
                                address: address, notify: r.rcpt.notify?.parameterValue,
                                orcpt: r.rcpt.orcpt.map { "\($0.addressType);\($0.address)" }))
                    }
                }
            }
            // Only a local delivery needs the full parse (structure, search text); the queue keeps just the blob.
            let metadata = targets.isEmpty ? nil : try await MessageIngest.metadata(of: message)
            let blob = try await server.ingest.storeBlob(message)
            if let metadata {
                _ = try await server.ingest.deliver(blob: blob, metadata: metadata, to: targets)
            }
            if !remote.isEmpty {
                try await server.directory.store.enqueue(
                    OutboundMessage(
                        mailFrom: t.mail.reversePath.mailbox?.description ?? "", blob: blob,
                        bodyOffset: Int64(returnPath(for: t).utf8.count), recipients: remote, envid: t.mail.envid,
                        ret: t.mail.ret?.rawValue, bodyType: t.mail.body?.rawValue, smtputf8: t.mail.smtputf8,
                        account: account?.id))
            }
            logger.info(
                "accepted",
                metadata: [
                    "id": "\(t.id)", "size": "\(blob.size)", "local": "\(targets.count)", "remote": "\(remote.count)",
                ])
            return .messageAccepted(id: t.id)
        } catch {
            await spool.discard()
            if let replacement { try? FileManager.default.removeItem(at: replacement) }
            return Self.reply(for: error, logger: logger)
        }
    }

    /// RFC 6409 §8.2 / §8.3: a submission server may add Date and Message-ID when they are missing.
    /// Returns the message with them (a spool file is replaced), or nil when nothing is missing.
    func addMissingHeaders(_ message: SpooledMessage, envelope: Envelope, transaction t: Transaction)
        async throws -> SpooledMessage?
    {
        var added = ""
        if envelope.date == nil { added += "Date: \(MessageDate.rfc5322(Date()))\r\n" }
        if envelope.messageID == nil {
            let domain = account.flatMap { MailAddress($0.address)?.domain } ?? settings.hostname
            added += "Message-ID: <\(UUID().uuidString.lowercased())@\(domain)>\r\n"
        }
        guard !added.isEmpty else { return nil }
        let prefixLength = traceHeaders(for: t).utf8.count
        let original: Data
        switch message {
        case .bytes(let bytes):
            return .bytes(Array(bytes.prefix(prefixLength)) + Array(added.utf8) + Array(bytes.dropFirst(prefixLength)))
        case .file(let url):
            original = try Data(contentsOf: url, options: [.alwaysMapped])
        }
        let replacement = SpoolFile(in: settings.spoolDirectory)
        do {
            try await replacement.write(ByteBuffer(bytes: original.prefix(prefixLength)))
            try await replacement.write(added)
            var offset = prefixLength
            while offset < original.count {
                let end = min(offset + SpoolFile.batchSize, original.count)
                try await replacement.write(ByteBuffer(bytes: original[offset..<end]))
                offset = end
            }
            let fixed = try await replacement.finish()
            if case .file(let url) = message { try? FileManager.default.removeItem(at: url) }
            return fixed
        } catch {
            await replacement.discard()
            throw error
        }
    }

    // MARK: Errors in one place

    /// Maps a failure of the store, the spool or the queue to the reply the client gets.
    static func reply(for error: any Error, logger: Logger) -> SMTPReply {
        switch error {
        case let e as SpoolFile.SpoolError where e.isOutOfSpace:
            return .insufficientStorage
        case StoreError.overQuota:
            return .overQuota
        case StoreError.outOfSpace:
            return .insufficientStorage
        default:
            logger.error("delivery failed", metadata: ["error": "\(error)"])
            return .tempFailure
        }
    }

    // MARK: Helpers

    static func newQueueID() -> String {
        var rng = SystemRandomNumberGenerator()
        return String(rng.next() & 0xFFFF_FFFF_FFFF, radix: 16, uppercase: true)
    }

    /// Keeps a client-supplied name from breaking the header: printable ASCII only.
    static func sanitize(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.prefix(255).filter { $0.value > 0x20 && $0.value < 0x7F }))
    }

}
