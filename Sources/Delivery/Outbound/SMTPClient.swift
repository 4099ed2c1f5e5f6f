// SMTPClient: hands one message to one SMTP server for a group of recipients (RFC 5321 §3, §4).
//
// Invariants:
// - One call is one TCP session and at most one mail transaction per batch of recipients. Failures before
//   any recipient is accepted are the HOST's (`SMTPClientError.host`): the caller tries the next MX. After
//   RCPT, every recipient gets its own outcome, from its RCPT reply or from the reply to the data.
// - STARTTLS whenever offered (RFC 3207); plaintext read before the handshake is discarded by
//   `Connection.startClientTLS`, and the EHLO is repeated over TLS (RFC 3207 §4.2). With `tlsRequired`, a
//   server without STARTTLS or with an unverifiable certificate is a host failure before MAIL.
// - AUTH (RFC 4954) is sent only over TLS, never in plaintext.
// - Limits checked before any data is sent: SIZE (RFC 1870 §6), SMTPUTF8 (RFC 6531 §3.2: a message that
//   needs it is bounced when the server lacks it), 8BITMIME (RFC 6152 §3: no downgrade here, bounce).
// - DSN parameters (RFC 3461 §4) are passed on only to servers that advertise DSN; `remoteSupportsDSN`
//   tells the queue whether it must itself report "relayed" for NOTIFY=SUCCESS (RFC 3461 §6.2.1).
// - PIPELINING (RFC 2920): MAIL, every RCPT and DATA go in one write; replies are read in order.
// - The body is streamed from the caller's chunks through the dot-stuffing encoder, never held whole.

import Foundation
import Logging
import NIOCore
import SMTPProtocol
import ServerSupport

/// The envelope of one transaction.
public struct ClientEnvelope: Sendable {
    /// "" for the null reverse-path.
    public var mailFrom: String
    public var recipients: [String]
    /// RFC 3461 per-recipient parameters, parallel to `recipients`.
    public var notify: [String?]
    public var orcpt: [String?]
    public var size: Int
    public var bodyType: String?
    public var smtputf8: Bool
    public var ret: String?
    public var envid: String?

    public init(
        mailFrom: String, recipients: [String], notify: [String?]? = nil, orcpt: [String?]? = nil, size: Int,
        bodyType: String? = nil, smtputf8: Bool = false, ret: String? = nil, envid: String? = nil
    ) {
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.notify = notify ?? Array(repeating: nil, count: recipients.count)
        self.orcpt = orcpt ?? Array(repeating: nil, count: recipients.count)
        self.size = size
        self.bodyType = bodyType
        self.smtputf8 = smtputf8
        self.ret = ret
        self.envid = envid
    }

    /// RFC 6531 §3.2: the message needs SMTPUTF8 when the submitter asked for it or an address is not ASCII.
    var needsSMTPUTF8: Bool {
        smtputf8 || !mailFrom.utf8.allSatisfy { $0 < 0x80 }
            || recipients.contains { !$0.utf8.allSatisfy { $0 < 0x80 } }
    }
}

/// The outcome for one recipient.
public enum RecipientOutcome: Sendable, Equatable {
    case delivered(SMTPReply)
    /// Try again later; `reply` is the server's when it gave one.
    case temporary(reason: String, reply: SMTPReply?)
    /// Give up and bounce.
    case permanent(reason: String, reply: SMTPReply?)

    public var isDelivered: Bool {
        if case .delivered = self { return true }
        return false
    }
}

/// What one session with one server achieved.
public struct ClientSessionReport: Sendable {
    /// Per recipient, parallel to the envelope's recipients.
    public var outcomes: [RecipientOutcome]
    public var tls: TLSClientResult?
    public var remoteSupportsDSN: Bool
}

/// A failure that concerns the server as a whole (before any recipient was accepted): try another one.
/// `permanent` marks failures that no other server of this domain would change (size, SMTPUTF8).
public struct SMTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var reply: SMTPReply?
    public var permanent: Bool

    public init(_ reason: String, reply: SMTPReply? = nil, permanent: Bool = false) {
        self.reason = reason
        self.reply = reply
        self.permanent = permanent
    }

    public var description: String { reason }
}

/// How the client behaves; the same for every session of a runner.
public struct SMTPClientSettings: Sendable {
    /// Our name in EHLO (RFC 5321 §4.1.1.1).
    public var hostname: String
    public var tlsRequired: Bool
    /// AUTH PLAIN credentials for a smarthost, sent only over TLS.
    public var credentials: (username: String, password: String)?
    public var timeouts: Timeouts

    public struct Timeouts: Sendable {
        public var greeting = OutboundLimits.greetingTimeout
        public var command = OutboundLimits.commandTimeout
        public var dataInitiation = OutboundLimits.dataInitiationTimeout
        public var dataTermination = OutboundLimits.dataTerminationTimeout
        public init() {}
    }

    public init(
        hostname: String, tlsRequired: Bool = false, credentials: (username: String, password: String)? = nil,
        timeouts: Timeouts = Timeouts()
    ) {
        self.hostname = hostname
        self.tlsRequired = tlsRequired
        self.credentials = credentials
        self.timeouts = timeouts
    }
}

/// One SMTP client session over an open connection.
public struct SMTPClientSession {
    let connection: Connection
    let settings: SMTPClientSettings
    /// The server's host name: TLS verification and SNI.
    let serverName: String
    /// Skip STARTTLS (a retry after a failed handshake in opportunistic mode).
    let avoidTLS: Bool
    var replies = ReplyReader()
    var extensions: [SMTPExtension] = []
    var tls: TLSClientResult?
    /// False once the connection failed or timed out: the session cannot carry another message.
    public private(set) var usable = true

    public init(connection: Connection, settings: SMTPClientSettings, serverName: String, avoidTLS: Bool = false) {
        self.connection = connection
        self.settings = settings
        self.serverName = serverName
        self.avoidTLS = avoidTLS
    }

    /// Greeting, EHLO, STARTTLS, AUTH, then the transaction(s), then QUIT: one message in one session.
    /// `prefix` (e.g. a DKIM-Signature field) is sent before the chunks of the message.
    public mutating func send(
        envelope: ClientEnvelope, prefix: [UInt8], body: () -> AsyncThrowingStream<[UInt8], any Error>
    ) async throws(SMTPClientError) -> ClientSessionReport {
        try await open()
        let outcomes = try await sendMessage(envelope: envelope, prefix: prefix, body: body)
        await quit()
        return ClientSessionReport(outcomes: outcomes, tls: tls, remoteSupportsDSN: remoteSupportsDSN)
    }

    /// One message over an open session; the session may carry more messages afterwards when `usable`.
    /// Throws for the message as a whole (limits, sender refused, a lost connection).
    public mutating func sendMessage(
        envelope: ClientEnvelope, prefix: [UInt8], body: () -> AsyncThrowingStream<[UInt8], any Error>
    ) async throws(SMTPClientError) -> [RecipientOutcome] {
        try checkCapabilities(envelope)
        var outcomes: [RecipientOutcome] = []
        var start = 0
        while start < envelope.recipients.count {
            let end = min(start + OutboundLimits.recipientsPerTransaction, envelope.recipients.count)
            outcomes += try await transaction(envelope, range: start..<end, prefix: prefix, body: body)
            start = end
        }
        return outcomes
    }

    /// The TLS state of the session (after `open`).
    public var tlsResult: TLSClientResult? { tls }
    /// RFC 3461: the server takes DSN parameters and reports delivery itself.
    public var remoteSupportsDSN: Bool { has(.dsn) }

    // MARK: Session setup

    /// Greeting, EHLO, STARTTLS (and EHLO again), AUTH. Throws when the server cannot take mail from us.
    public mutating func open() async throws(SMTPClientError) {
        let greeting = try await reply(timeout: settings.timeouts.greeting, stage: "greeting")
        // RFC 5321 §3.1: 554 instead of 220 means "no SMTP service here".
        guard greeting.code == 220 else { throw SMTPClientError("greeting refused", reply: greeting) }
        try await ehlo()
        if !avoidTLS, has(.startTLS) {
            let ready = try await command(.starttls, stage: "STARTTLS")
            guard ready.code == 220 else {
                if settings.tlsRequired { throw SMTPClientError("STARTTLS refused", reply: ready) }
                return try await authenticateIfNeeded()
            }
            do {
                tls = try await connection.startClientTLS(serverHostname: serverName)
            } catch {
                throw SMTPClientError("TLS handshake failed")
            }
            replies = ReplyReader()  // RFC 3207 §4.2: forget everything learnt before TLS
            try await ehlo()
        }
        if settings.tlsRequired {
            guard let tls else { throw SMTPClientError("TLS is required but the server does not offer STARTTLS") }
            guard tls.verified else {
                throw SMTPClientError(
                    "TLS is required but the certificate is not trusted: \(tls.verificationFailure ?? "")")
            }
        }
        try await authenticateIfNeeded()
    }

    mutating func ehlo() async throws(SMTPClientError) {
        let reply = try await command(.ehlo(settings.hostname), stage: "EHLO")
        if reply.isPositiveCompletion {
            extensions = reply.ehloExtensions
            return
        }
        // RFC 5321 §3.2: a server that does not know EHLO gets HELO (and no extensions).
        let helo = try await command(.helo(settings.hostname), stage: "HELO")
        guard helo.isPositiveCompletion else { throw SMTPClientError("HELO refused", reply: helo) }
        extensions = []
    }

    mutating func authenticateIfNeeded() async throws(SMTPClientError) {
        guard let credentials = settings.credentials else { return }
        guard tls != nil else {
            throw SMTPClientError("the smarthost offers no TLS; credentials are never sent in plaintext")
        }
        guard
            let mechanisms = extensions.lazy.compactMap({ e -> [String]? in
                if case .auth(let m) = e { return m }
                return nil
            }).first, mechanisms.contains("PLAIN")
        else { throw SMTPClientError("the smarthost does not offer AUTH PLAIN") }
        // RFC 4616 §2: authzid NUL authcid NUL passwd.
        let response = [0] + Array(credentials.username.utf8) + [0] + Array(credentials.password.utf8)
        let reply = try await command(.auth(mechanism: "PLAIN", initialResponse: .bytes(response)), stage: "AUTH")
        guard reply.code == 235 else {
            throw SMTPClientError("the smarthost refused our credentials", reply: reply, permanent: false)
        }
    }

    /// RFC 1870 §6, RFC 6531 §3.2, RFC 6152 §3: refuse before sending what the server cannot take.
    func checkCapabilities(_ envelope: ClientEnvelope) throws(SMTPClientError) {
        for e in extensions {
            if case .size(let limit?) = e, limit > 0, envelope.size > limit {
                throw SMTPClientError(
                    "the message (\(envelope.size) bytes) is larger than the server accepts (\(limit))",
                    reply: SMTPReply(552, EnhancedStatusCode(5, 3, 4), "Message too big for the receiving system"),
                    permanent: true)
            }
        }
        if envelope.needsSMTPUTF8 && !has(.smtpUTF8) {
            throw SMTPClientError(
                "the message needs SMTPUTF8 and the receiving server does not support it",
                reply: SMTPReply(553, EnhancedStatusCode(5, 6, 7), "SMTPUTF8 not supported by the receiving system"),
                permanent: true)
        }
        if envelope.bodyType == BodyType.eightBitMIME.rawValue && !has(.eightBitMIME) {
            throw SMTPClientError(
                "the message has 8-bit content and the receiving server does not support 8BITMIME",
                reply: SMTPReply(554, EnhancedStatusCode(5, 6, 3), "8BITMIME not supported by the receiving system"),
                permanent: true)
        }
    }

    // MARK: The transaction

    mutating func transaction(
        _ envelope: ClientEnvelope, range: Range<Int>, prefix: [UInt8],
        body: () -> AsyncThrowingStream<[UInt8], any Error>
    ) async throws(SMTPClientError) -> [RecipientOutcome] {
        let dsn = has(.dsn)
        let reversePath: ReversePath
        if envelope.mailFrom.isEmpty {
            reversePath = .null
        } else if let mailbox = SMTPMailbox(envelope.mailFrom) {
            reversePath = .mailbox(mailbox)
        } else {
            throw SMTPClientError("the envelope sender \(envelope.mailFrom) is not a valid address", permanent: true)
        }
        let mail = SMTPCommand.mail(
            MailFrom(
                reversePath: reversePath, size: has(.size(nil)) ? envelope.size : nil,
                body: has(.eightBitMIME) ? envelope.bodyType.flatMap(BodyType.init(rawValue:)) : nil,
                smtputf8: envelope.needsSMTPUTF8, ret: dsn ? envelope.ret.flatMap(DSNReturn.init(rawValue:)) : nil,
                envid: dsn ? envelope.envid : nil))
        var outcomes: [RecipientOutcome?] = Array(repeating: nil, count: range.count)
        var rcpts: [SMTPCommand?] = []
        for i in range {
            guard let mailbox = SMTPMailbox(envelope.recipients[i]) else {
                outcomes[i - range.lowerBound] = .permanent(
                    reason: "\(envelope.recipients[i]) is not a valid address", reply: nil)
                rcpts.append(nil)
                continue
            }
            rcpts.append(
                .rcpt(
                    RcptTo(
                        path: .mailbox(mailbox), notify: dsn ? envelope.notify[i].map(Self.notify) : nil,
                        orcpt: dsn ? envelope.orcpt[i].flatMap(Self.orcpt) : nil)))
        }
        let pipelining = has(.pipelining)
        let timeout = settings.timeouts.command
        // MAIL
        var out = ByteBuffer()
        mail.encode(into: &out)
        if pipelining {
            for case let rcpt? in rcpts { rcpt.encode(into: &out) }
            SMTPCommand.data.encode(into: &out)
        }
        try await write(out)
        let mailReply = try await reply(timeout: timeout, stage: "MAIL")
        if !mailReply.isPositiveCompletion {
            // Drain what was pipelined, then give every recipient the MAIL outcome.
            if pipelining {
                for _ in rcpts.compactMap({ $0 }) { _ = try? await reply(timeout: timeout, stage: "RCPT") }
                _ = try? await reply(timeout: timeout, stage: "DATA")
            }
            throw SMTPClientError("sender refused", reply: mailReply, permanent: mailReply.isPermanentFailure)
        }
        var accepted: [Int] = []
        for (offset, rcpt) in rcpts.enumerated() {
            guard let rcpt else { continue }
            if !pipelining {
                var line = ByteBuffer()
                rcpt.encode(into: &line)
                try await write(line)
            }
            let r = try await reply(timeout: timeout, stage: "RCPT")
            if r.isPositiveCompletion {
                accepted.append(offset)
            } else if r.isPermanentFailure {
                outcomes[offset] = .permanent(reason: "recipient refused", reply: r)
            } else {
                outcomes[offset] = .temporary(reason: "recipient deferred", reply: r)
            }
        }
        if !pipelining, !accepted.isEmpty { try await write(Self.line(.data)) }
        if pipelining || !accepted.isEmpty {
            let dataReply = try await reply(timeout: settings.timeouts.dataInitiation, stage: "DATA")
            if accepted.isEmpty {
                // RFC 2920 §3.1: the server refuses DATA when no RCPT succeeded; if it said 354 anyway,
                // end the empty message and reset.
                if dataReply.code == 354 {
                    try await write(ByteBuffer(string: ".\r\n"))
                    _ = try? await reply(timeout: settings.timeouts.dataTermination, stage: "end of data")
                }
            } else if dataReply.code != 354 {
                for i in accepted {
                    outcomes[i] =
                        dataReply.isPermanentFailure
                        ? .permanent(reason: "data refused", reply: dataReply)
                        : .temporary(reason: "data refused", reply: dataReply)
                }
                accepted = []
            }
        }
        if !accepted.isEmpty {
            try await sendBody(prefix: prefix, body: body)
            let final = try await reply(timeout: settings.timeouts.dataTermination, stage: "end of data")
            for i in accepted {
                if final.isPositiveCompletion {
                    outcomes[i] = .delivered(final)
                } else if final.isPermanentFailure {
                    outcomes[i] = .permanent(reason: "message refused", reply: final)
                } else {
                    outcomes[i] = .temporary(reason: "message deferred", reply: final)
                }
            }
        } else {
            _ = try? await command(.rset, stage: "RSET")
        }
        return outcomes.map { $0 ?? .temporary(reason: "no reply", reply: nil) }
    }

    /// RFC 5321 §4.5.2: dot-stuffed data, CRLF line ends, then "." CRLF.
    mutating func sendBody(prefix: [UInt8], body: () -> AsyncThrowingStream<[UInt8], any Error>)
        async throws(SMTPClientError)
    {
        var encoder = DataEncoder()
        var out = ByteBuffer()
        encoder.encode(ByteBuffer(bytes: prefix), into: &out)
        do {
            for try await chunk in body() {
                encoder.encode(ByteBuffer(bytes: chunk), into: &out)
                if out.readableBytes >= OutboundLimits.sendChunkSize {
                    try await write(out)
                    out.clear()
                }
            }
        } catch let error as SMTPClientError {
            throw error
        } catch {
            usable = false  // half a message is on the wire: this session cannot continue
            throw SMTPClientError("reading the queued message failed: \(error)")
        }
        encoder.finish(into: &out)
        try await write(out)
    }

    /// QUIT, waiting briefly for the 221.
    public mutating func quit() async {
        guard usable else { return }
        guard (try? await write(Self.line(.quit))) != nil else { return }
        _ = try? await reply(timeout: OutboundLimits.quitTimeout, stage: "QUIT")
    }

    // MARK: Helpers

    func has(_ e: SMTPExtension) -> Bool { extensions.contains { $0.keyword == e.keyword } }

    mutating func command(_ c: SMTPCommand, stage: String) async throws(SMTPClientError) -> SMTPReply {
        try await write(Self.line(c))
        return try await reply(timeout: settings.timeouts.command, stage: stage)
    }

    mutating func write(_ bytes: ByteBuffer) async throws(SMTPClientError) {
        do {
            try await connection.write(bytes)
            try await connection.flush()
        } catch {
            usable = false
            throw SMTPClientError("the connection was lost while sending")
        }
    }

    mutating func reply(timeout: Duration, stage: String) async throws(SMTPClientError) -> SMTPReply {
        do {
            let reply = try await replies.next(from: connection, timeout: timeout)
            if reply.code == 421 { usable = false }  // RFC 5321 §3.8: the server is closing the channel
            return reply
        } catch let error as SMTPClientError {
            usable = false
            throw SMTPClientError("\(error.reason) (waiting for the \(stage) reply)")
        } catch ConnectionError.timeout {
            usable = false
            throw SMTPClientError("timed out waiting for the \(stage) reply")
        } catch {
            usable = false
            throw SMTPClientError("the connection failed waiting for the \(stage) reply")
        }
    }

    static func line(_ c: SMTPCommand) -> ByteBuffer {
        var b = ByteBuffer()
        c.encode(into: &b)
        return b
    }

    /// "SUCCESS,FAILURE" / "NEVER" as stored in the queue.
    static func notify(_ text: String) -> DSNNotify {
        var n: DSNNotify = []
        for word in text.uppercased().split(separator: ",") {
            switch word {
            case "SUCCESS": n.insert(.success)
            case "FAILURE": n.insert(.failure)
            case "DELAY": n.insert(.delay)
            default: break
            }
        }
        return n
    }

    /// "rfc822;addr" as stored in the queue.
    static func orcpt(_ text: String) -> OriginalRecipient? {
        guard let semi = text.firstIndex(of: ";") else { return nil }
        return OriginalRecipient(addressType: String(text[..<semi]), address: String(text[text.index(after: semi)...]))
    }
}

/// Reads SMTP replies from a connection.
struct ReplyReader {
    var buffer = ByteBuffer()
    var parser = SMTPReplyParser()

    mutating func next(from connection: Connection, timeout: Duration) async throws -> SMTPReply {
        while true {
            do {
                if let reply = try parser.next(&buffer) { return reply }
            } catch {
                throw SMTPClientError("the server sent something that is not an SMTP reply (\(error))")
            }
            guard var bytes = try await connection.read(timeout: timeout) else {
                throw SMTPClientError("the server closed the connection")
            }
            buffer.writeBuffer(&bytes)
        }
    }
}
