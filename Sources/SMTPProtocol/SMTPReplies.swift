// Every reply Mailroom's SMTP server sends, named once. Sessions use these names, never literal codes.
//
// Invariants:
// - Reply codes follow RFC 5321 §4.2.2/§4.3.2 and the extension RFCs cited per reply; enhanced status codes
//   follow RFC 3463 and the RFC 5248 registry.
// - The greeting, the EHLO/HELO reply and 3xx intermediate replies carry no enhanced code (RFC 2034 §3).
// - Texts are our own words, never client input, except the host names a factory takes.

extension SMTPReply {
    // MARK: Connection

    /// RFC 5321 §4.2: Greeting = "220 " (Domain / address-literal) [ SP textstring ].
    public static func greeting(_ host: String, text: String = "ESMTP Mailroom ready") -> SMTPReply {
        SMTPReply(220, nil, "\(host) \(text)")
    }

    /// RFC 5321 §4.1.1.10 (QUIT): 221, then the server closes the connection.
    public static let serviceClosing = SMTPReply(221, EnhancedStatusCode(2, 0, 0), "Bye")

    /// RFC 5321 §3.8: 421 when the server shuts down; RFC 3463 X.3.2 system not accepting network messages.
    public static let shuttingDown = SMTPReply(
        421, EnhancedStatusCode(4, 3, 2), "Service shutting down, try again later")

    /// The session closes after too many bad commands; 421 (RFC 5321 §4.2.2) with X.7.0 policy.
    public static let tooManyErrors = SMTPReply(421, EnhancedStatusCode(4, 7, 0), "Too many errors, closing connection")

    /// Per-IP connection limit reached (421, RFC 5321 §3.8).
    public static let tooManyConnections = SMTPReply(
        421, EnhancedStatusCode(4, 7, 0), "Too many connections from your address, try again later")

    /// Idle timeout (RFC 5321 §4.5.3.2); X.4.2 bad connection.
    public static let timeout = SMTPReply(421, EnhancedStatusCode(4, 4, 2), "Timeout, closing connection")

    /// RFC 5321 §4.1.1.1: ehlo-ok-rsp; first line the server's domain, then one extension keyword per line.
    /// No enhanced status code (RFC 2034 §3).
    public static func ehlo(_ host: String, greeting: String? = nil, extensions: [SMTPExtension]) -> SMTPReply {
        let first = greeting.map { "\(host) \($0)" } ?? host
        return SMTPReply(code: 250, enhancedCode: nil, lines: [first] + extensions.map(\.ehloLine))
    }

    /// RFC 5321 §4.1.1.1: the HELO reply is a single "250 domain" line.
    public static func helo(_ host: String) -> SMTPReply { SMTPReply(250, nil, host) }

    // MARK: Success

    /// 250 for RSET, NOOP and other completed commands (RFC 5321 §4.2.2); X.0.0.
    public static let ok = SMTPReply(250, EnhancedStatusCode(2, 0, 0), "OK")

    /// MAIL accepted; RFC 3463 X.1.0 (other address status).
    public static let senderOK = SMTPReply(250, EnhancedStatusCode(2, 1, 0), "Sender OK")

    /// RCPT accepted; RFC 3463 X.1.5 (destination address valid).
    public static let recipientOK = SMTPReply(250, EnhancedStatusCode(2, 1, 5), "Recipient OK")

    /// After the final dot or BDAT LAST, once the message is durably stored (RFC 5321 §4.1.1.4).
    public static func messageAccepted(id: String) -> SMTPReply {
        SMTPReply(250, EnhancedStatusCode(2, 0, 0), "OK, queued as \(id)")
    }

    /// RFC 3030 §2: a non-last BDAT chunk was received.
    public static func chunkReceived(octets: Int) -> SMTPReply {
        SMTPReply(250, EnhancedStatusCode(2, 0, 0), "\(octets) octets received")
    }

    /// RFC 5321 §4.1.1.4: 354 intermediate reply to DATA; no enhanced code (RFC 2034 §3 covers 2xx/4xx/5xx).
    public static let startMailInput = SMTPReply(354, nil, "End data with <CR><LF>.<CR><LF>")

    /// RFC 5321 §3.5.3: VRFY without verification; X.5.0 other protocol status.
    public static let vrfyCannot = SMTPReply(
        252, EnhancedStatusCode(2, 5, 0), "Cannot VRFY user, but will accept message and attempt delivery")

    /// RFC 5321 §4.1.1.8 HELP.
    public static let help = SMTPReply(
        214, EnhancedStatusCode(2, 0, 0),
        "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH")

    // MARK: STARTTLS (RFC 3207)

    /// RFC 3207 §4: 220 Ready to start TLS.
    public static let readyToStartTLS = SMTPReply(220, EnhancedStatusCode(2, 0, 0), "Ready to start TLS")

    /// RFC 3207 §4: 454 TLS not available due to temporary reason.
    public static let tlsNotAvailable = SMTPReply(454, EnhancedStatusCode(4, 7, 0), "TLS not available")

    /// STARTTLS on a connection that already uses TLS (RFC 3207 §4.2: no second STARTTLS).
    public static let tlsAlreadyActive = SMTPReply(503, EnhancedStatusCode(5, 5, 1), "TLS already active")

    /// RFC 3207 §4: "530 Must issue a STARTTLS command first", for commands refused before TLS on submission.
    public static let startTLSRequired = SMTPReply(
        530, EnhancedStatusCode(5, 7, 0), "Must issue a STARTTLS command first")

    // MARK: AUTH (RFC 4954)

    /// RFC 4954 §6: 538 5.7.11 Encryption required for requested authentication mechanism (AUTH before TLS).
    public static let encryptionRequired = SMTPReply(
        538, EnhancedStatusCode(5, 7, 11), "Encryption required for requested authentication mechanism")

    /// RFC 4954 §6: 530 5.7.0 Authentication required (MAIL on submission without AUTH).
    public static let authRequired = SMTPReply(530, EnhancedStatusCode(5, 7, 0), "Authentication required")

    /// RFC 4954 §6: 235 2.7.0 Authentication Succeeded.
    public static let authSucceeded = SMTPReply(235, EnhancedStatusCode(2, 7, 0), "Authentication succeeded")

    /// RFC 4954 §6: 535 5.7.8 Authentication credentials invalid.
    public static let authFailed = SMTPReply(535, EnhancedStatusCode(5, 7, 8), "Authentication credentials invalid")

    /// RFC 4954 §6: 454 4.7.0 Temporary authentication failure.
    public static let authTemporaryFailure = SMTPReply(
        454, EnhancedStatusCode(4, 7, 0), "Temporary authentication failure")

    /// RFC 4954 §6: 534 5.7.9 Authentication mechanism is too weak.
    public static let authMechanismTooWeak = SMTPReply(
        534, EnhancedStatusCode(5, 7, 9), "Authentication mechanism is too weak")

    /// RFC 4954 §4: 504 for a mechanism the server does not support; X.5.4 invalid command arguments.
    public static let authMechanismUnsupported = SMTPReply(
        504, EnhancedStatusCode(5, 5, 4), "Unrecognized authentication type")

    /// RFC 4954 §4: the client sent "*"; the server MUST reject the AUTH command with 501.
    public static let authCancelled = SMTPReply(501, EnhancedStatusCode(5, 0, 0), "Authentication cancelled")

    /// RFC 4954 §6: 501 5.5.2 Cannot Base64-decode Client responses.
    public static let authInvalidBase64 = SMTPReply(
        501, EnhancedStatusCode(5, 5, 2), "Cannot Base64-decode client response")

    /// RFC 4954 §6: 500 5.5.6 Authentication Exchange line is too long.
    public static let authLineTooLong = SMTPReply(
        500, EnhancedStatusCode(5, 5, 6), "Authentication exchange line is too long")

    /// RFC 4954 §4: after a successful AUTH, further AUTH commands get 503.
    public static let alreadyAuthenticated = SMTPReply(503, EnhancedStatusCode(5, 5, 1), "Already authenticated")

    /// RFC 4954 §4: AUTH is not permitted during a mail transaction (503).
    public static let authDuringTransaction = SMTPReply(
        503, EnhancedStatusCode(5, 5, 1), "AUTH not permitted during a mail transaction")

    /// RFC 4954 §4: 334 server challenge, base64 of `challenge` (empty challenge: "334 ").
    public static func authChallenge(_ challenge: [UInt8]) -> SMTPReply {
        SMTPReply(334, nil, Base64.encode(challenge))
    }

    // MARK: Sequence and syntax (RFC 5321 §4.2.2, §4.3.2)

    /// RFC 5321 §4.2.2 500: syntax error, command unrecognized; X.5.2 syntax error.
    public static let unrecognizedCommand = SMTPReply(500, EnhancedStatusCode(5, 5, 2), "Command unrecognized")

    /// RFC 5321 §4.5.3.1.10 "500 Line too long"; X.5.2.
    public static let lineTooLong = SMTPReply(500, EnhancedStatusCode(5, 5, 2), "Line too long")

    /// RFC 5321 §2.3.8: command lines end with CRLF; a bare LF is refused (500, X.5.2).
    public static let bareLineFeedInCommand = SMTPReply(
        500, EnhancedStatusCode(5, 5, 2), "Bare LF in command line; use CRLF (RFC 5321 2.3.8)")

    /// RFC 5321 §4.2.2 501: syntax error in parameters or arguments; X.5.4 invalid command arguments.
    public static let invalidArguments = SMTPReply(501, EnhancedStatusCode(5, 5, 4), "Syntax error in arguments")

    /// RFC 5321 §4.2.2 501 for MAIL; RFC 3463 X.1.7 bad sender's mailbox address syntax.
    public static let badSenderAddress = SMTPReply(
        501, EnhancedStatusCode(5, 1, 7), "Bad sender address syntax")

    /// RFC 5321 §4.2.2 501 for RCPT; RFC 3463 X.1.3 bad destination mailbox address syntax.
    public static let badRecipientAddress = SMTPReply(
        501, EnhancedStatusCode(5, 1, 3), "Bad recipient address syntax")

    /// RFC 5321 §4.2.2 555: MAIL FROM/RCPT TO parameters not recognized or not implemented; X.5.4.
    public static let unknownParameter = SMTPReply(
        555, EnhancedStatusCode(5, 5, 4), "Parameter not recognized or not implemented")

    /// RFC 6531 §3.5: 550 X.6.7 for a non-ASCII reverse-path without the SMTPUTF8 parameter.
    public static let nonASCIISenderNotPermitted = SMTPReply(
        550, EnhancedStatusCode(5, 6, 7), "Non-ASCII sender address requires SMTPUTF8")

    /// RFC 6531 §3.5: 553 X.6.7 for a non-ASCII forward-path in a transaction without SMTPUTF8.
    public static let nonASCIIRecipientNotPermitted = SMTPReply(
        553, EnhancedStatusCode(5, 6, 7), "Non-ASCII recipient address requires SMTPUTF8")

    /// RFC 5321 §4.2.2 502: command not implemented (EXPN, TURN, ...); X.5.1 invalid command.
    public static let commandNotImplemented = SMTPReply(
        502, EnhancedStatusCode(5, 5, 1), "Command not implemented")

    /// RFC 5321 §4.2.2 503: bad sequence of commands; X.5.1.
    public static let badSequence = SMTPReply(503, EnhancedStatusCode(5, 5, 1), "Bad sequence of commands")

    /// 503 with the reason, e.g. "Send EHLO first", "Need MAIL first" (RFC 5321 §4.1.4).
    public static func badSequence(_ reason: String) -> SMTPReply { badSequence.with(text: reason) }

    /// RFC 5321 §3.3: DATA when no recipient was accepted: 554 "no valid recipients"; X.5.1.
    public static let noValidRecipients = SMTPReply(554, EnhancedStatusCode(5, 5, 1), "No valid recipients")

    /// RFC 3030 §3: DATA after MAIL ... BODY=BINARYMIME must be refused with 503.
    public static let binaryMIMERequiresBDAT = SMTPReply(
        503, EnhancedStatusCode(5, 5, 1), "BODY=BINARYMIME requires BDAT")

    // MARK: Addresses and policy

    /// RFC 5321 §4.5.3.1.10: 452 too many recipients; RFC 3463 X.5.3.
    public static let tooManyRecipients = SMTPReply(452, EnhancedStatusCode(4, 5, 3), "Too many recipients")

    /// RFC 5321 §4.2.2 550: no such mailbox; RFC 3463 X.1.1 bad destination mailbox address.
    public static let unknownUser = SMTPReply(550, EnhancedStatusCode(5, 1, 1), "No such user here")

    /// We are not a relay for this destination; 554 with X.7.1 delivery not authorized.
    public static let relayDenied = SMTPReply(554, EnhancedStatusCode(5, 7, 1), "Relay access denied")

    /// Submission: the envelope sender or From: is not an address of the authenticated account (553, X.7.1).
    public static let senderNotOwned = SMTPReply(
        553, EnhancedStatusCode(5, 7, 1), "Sender address not owned by authenticated user")

    /// Mailbox over quota, transient: 452 with RFC 3463 X.2.2 mailbox full.
    public static let overQuota = SMTPReply(452, EnhancedStatusCode(4, 2, 2), "Mailbox full")

    /// Mailbox over quota, permanent: 552 with X.2.2 (RFC 5321 §4.2.2 "exceeded storage allocation").
    public static let overQuotaPermanent = SMTPReply(552, EnhancedStatusCode(5, 2, 2), "Mailbox full")

    /// RFC 1870 §6: 552 message size exceeds fixed maximum; RFC 3463 X.3.4 message too big for system.
    public static let messageTooBig = SMTPReply(
        552, EnhancedStatusCode(5, 3, 4), "Message size exceeds fixed maximum message size")

    /// RFC 1870 §6: 452 insufficient system storage; RFC 3463 X.3.1 mail system full.
    public static let insufficientStorage = SMTPReply(452, EnhancedStatusCode(4, 3, 1), "Insufficient system storage")

    /// RFC 5321 §4.2.2 451: local error in processing; X.3.0 other mail system status.
    public static let tempFailure = SMTPReply(
        451, EnhancedStatusCode(4, 3, 0), "Local error in processing, try again later")

    // MARK: Message data (after the final dot)

    /// RFC 5321 §2.3.8: CR and LF only as CRLF. Message data had a bare CR or LF and policy is reject; X.6.0.
    public static let bareLineEndingInData = SMTPReply(
        554, EnhancedStatusCode(5, 6, 0), "Message contains bare CR or LF (RFC 5321 2.3.8)")

    /// "<LF>.<CR><LF>" or "<CR><LF>.<LF>" in message data: an ambiguous end of data (SMTP smuggling); X.6.0.
    public static let ambiguousEndOfData = SMTPReply(
        554, EnhancedStatusCode(5, 6, 0), "Ambiguous end of data sequence in message (possible SMTP smuggling)")

    /// RFC 5321 §4.5.3.1.6: a text line longer than 1000 octets including CRLF; X.6.0.
    public static let dataLineTooLong = SMTPReply(
        554, EnhancedStatusCode(5, 6, 0), "Message has a line longer than allowed (RFC 5321 4.5.3.1.6)")
}
