// SMTPCommand: one typed value per command line, with its encoder (client side and round-trip tests).
//
// Invariants:
// - A command value is syntactically valid: SMTPCommandParser produces only valid values, and the encoder
//   writes a line that parses back to an equal value (tests check the round trip).
// - Whether a command is allowed now (sequence, TLS, AUTH, SMTPUTF8 transactions) is the session's question,
//   not the grammar's; the values carry what it needs (`requiresSMTPUTF8`, `body`, ...).

import NIOCore

/// One SMTP command (RFC 5321 §4.1.1 and the extensions cited per case).
public enum SMTPCommand: Hashable, Sendable {
    /// RFC 5321 §4.1.1.1: the client's name as sent (normally a domain or address literal; see the parser).
    case ehlo(String)
    case helo(String)
    /// RFC 5321 §4.1.1.2.
    case mail(MailFrom)
    /// RFC 5321 §4.1.1.3.
    case rcpt(RcptTo)
    /// RFC 5321 §4.1.1.4.
    case data
    /// RFC 3030 §2: exactly `size` octets of message data follow the command line.
    case bdat(size: Int, last: Bool)
    /// RFC 5321 §4.1.1.5.
    case rset
    /// RFC 5321 §4.1.1.9: NOOP [SP String]; the argument has no meaning.
    case noop(String?)
    /// RFC 5321 §4.1.1.10.
    case quit
    /// RFC 5321 §4.1.1.6: VRFY SP String.
    case vrfy(String)
    /// RFC 5321 §4.1.1.7: EXPN SP String.
    case expn(String)
    /// RFC 5321 §4.1.1.8: HELP [SP String].
    case help(String?)
    /// RFC 3207 §4.
    case starttls
    /// RFC 4954 §4: AUTH SP mechanism [SP initial-response]; the mechanism is upper-cased.
    case auth(mechanism: String, initialResponse: AuthInitialResponse?)
}

/// RFC 4954 §4 initial-response: "=" for an empty response, else base64 (decoded here). Absent is `nil`.
public enum AuthInitialResponse: Hashable, Sendable {
    /// `=`: an initial response of zero length.
    case empty
    /// The decoded bytes of a base64 initial response.
    case bytes([UInt8])

    /// The response bytes (empty for `.empty`).
    public var bytes: [UInt8] {
        switch self {
        case .empty: []
        case .bytes(let bytes): bytes
        }
    }
}

/// RFC 1652 / RFC 6152 / RFC 3030 §3: the BODY= MAIL parameter.
public enum BodyType: String, Hashable, Sendable, CaseIterable {
    case sevenBit = "7BIT"
    case eightBitMIME = "8BITMIME"
    case binaryMIME = "BINARYMIME"
}

/// RFC 3461 §4.3: RET=FULL / RET=HDRS.
public enum DSNReturn: String, Hashable, Sendable, CaseIterable {
    case full = "FULL"
    case headers = "HDRS"
}

/// RFC 3461 §4.1: NOTIFY="NEVER" / 1#("SUCCESS" / "FAILURE" / "DELAY"). The empty set is NEVER.
public struct DSNNotify: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let success = DSNNotify(rawValue: 1)
    public static let failure = DSNNotify(rawValue: 2)
    public static let delay = DSNNotify(rawValue: 4)
    /// NOTIFY=NEVER.
    public static let never: DSNNotify = []

    /// The parameter value: "NEVER" or a comma-separated list in SUCCESS, FAILURE, DELAY order.
    public var parameterValue: String {
        if isEmpty { return "NEVER" }
        var words: [String] = []
        if contains(.success) { words.append("SUCCESS") }
        if contains(.failure) { words.append("FAILURE") }
        if contains(.delay) { words.append("DELAY") }
        return words.joined(separator: ",")
    }
}

/// RFC 3461 §4.2: ORCPT=addr-type ";" xtext, decoded.
public struct OriginalRecipient: Hashable, Sendable {
    /// The address type as sent (case-insensitive; normally "rfc822").
    public var addressType: String
    /// The xtext-decoded address.
    public var address: String

    public init(addressType: String, address: String) {
        self.addressType = addressType
        self.address = address
    }
}

/// MAIL FROM:<reverse-path> and its parameters (RFC 5321 §4.1.1.2).
public struct MailFrom: Hashable, Sendable {
    public var reversePath: ReversePath
    /// RFC 1870 §3: SIZE=; saturates at Int.max for absurd values so the session still answers 552.
    public var size: Int?
    /// BODY= (RFC 6152 §3, RFC 3030 §3).
    public var body: BodyType?
    /// RFC 6531 §3.4: the SMTPUTF8 parameter (no value).
    public var smtputf8: Bool
    /// RFC 3461 §4.3 RET=.
    public var ret: DSNReturn?
    /// RFC 3461 §4.4 ENVID=, xtext-decoded.
    public var envid: String?
    /// RFC 4954 §5 AUTH=: the xtext-decoded mailbox, or "<>".
    public var auth: String?

    public init(
        reversePath: ReversePath, size: Int? = nil, body: BodyType? = nil, smtputf8: Bool = false,
        ret: DSNReturn? = nil, envid: String? = nil, auth: String? = nil
    ) {
        self.reversePath = reversePath
        self.size = size
        self.body = body
        self.smtputf8 = smtputf8
        self.ret = ret
        self.envid = envid
        self.auth = auth
    }
}

/// RCPT TO:<forward-path> and its parameters (RFC 5321 §4.1.1.3).
public struct RcptTo: Hashable, Sendable {
    public var path: ForwardPath
    /// RFC 3461 §4.1 NOTIFY=; `[]` (`.never`) is NEVER.
    public var notify: DSNNotify?
    /// RFC 3461 §4.2 ORCPT=.
    public var orcpt: OriginalRecipient?

    public init(path: ForwardPath, notify: DSNNotify? = nil, orcpt: OriginalRecipient? = nil) {
        self.path = path
        self.notify = notify
        self.orcpt = orcpt
    }

    /// RFC 6531 §3.5: a non-ASCII forward-path is only valid when the transaction's MAIL had SMTPUTF8.
    /// Throws `.nonASCIIRecipient` (553 5.6.7) otherwise.
    public func validate(smtputf8Transaction: Bool) throws(SMTPSyntaxError) {
        if path.requiresSMTPUTF8 && !smtputf8Transaction { throw .nonASCIIRecipient }
    }
}

// MARK: - Encoder

extension SMTPCommand {
    /// The command line without CRLF, as a client sends it.
    public var line: String {
        switch self {
        case .ehlo(let host): return "EHLO \(host)"
        case .helo(let host): return "HELO \(host)"
        case .mail(let mail):
            var words = ["MAIL FROM:\(mail.reversePath)"]
            if let size = mail.size { words.append("SIZE=\(size)") }
            if let body = mail.body { words.append("BODY=\(body.rawValue)") }
            if mail.smtputf8 { words.append("SMTPUTF8") }
            if let ret = mail.ret { words.append("RET=\(ret.rawValue)") }
            if let envid = mail.envid { words.append("ENVID=" + XText.encode(envid.utf8)) }
            if let auth = mail.auth { words.append("AUTH=" + XText.encode(auth.utf8)) }
            return words.joined(separator: " ")
        case .rcpt(let rcpt):
            var words = ["RCPT TO:\(rcpt.path)"]
            if let notify = rcpt.notify { words.append("NOTIFY=\(notify.parameterValue)") }
            if let orcpt = rcpt.orcpt {
                words.append("ORCPT=\(orcpt.addressType);" + XText.encode(orcpt.address.utf8))
            }
            return words.joined(separator: " ")
        case .data: return "DATA"
        case .bdat(let size, let last): return last ? "BDAT \(size) LAST" : "BDAT \(size)"
        case .rset: return "RSET"
        case .noop(let text): return text.map { "NOOP \($0)" } ?? "NOOP"
        case .quit: return "QUIT"
        case .vrfy(let text): return "VRFY \(text)"
        case .expn(let text): return "EXPN \(text)"
        case .help(let text): return text.map { "HELP \($0)" } ?? "HELP"
        case .starttls: return "STARTTLS"
        case .auth(let mechanism, let response):
            switch response {
            case nil: return "AUTH \(mechanism)"
            case .empty: return "AUTH \(mechanism) ="
            case .bytes(let bytes): return "AUTH \(mechanism) " + Base64.encode(bytes)
            }
        }
    }

    /// Writes the command line and its CRLF.
    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeString(line)
        buffer.writeStaticString("\r\n")
    }
}

// MARK: - SASL continuation lines

/// A client line during a SASL exchange after a 334 challenge (RFC 4954 §4).
public enum SASLResponseLine: Hashable, Sendable {
    /// "*": the client cancels; the server answers `SMTPReply.authCancelled`.
    case cancel
    /// The base64-decoded response (an empty line is an empty response).
    case response([UInt8])

    /// Parses one line without its CRLF. Throws `.invalidBase64` (501 5.5.2) for bad base64.
    public static func parse(line: some Collection<UInt8>) throws(SMTPSyntaxError) -> SASLResponseLine {
        var bytes = Array(line)
        while let last = bytes.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { bytes.removeLast() }
        if bytes == [UInt8(ascii: "*")] { return .cancel }
        guard let decoded = Base64.decode(bytes) else { throw .invalidBase64 }
        return .response(decoded)
    }

    /// The line a client sends, without CRLF.
    public var line: String {
        switch self {
        case .cancel: "*"
        case .response(let bytes): Base64.encode(bytes)
        }
    }
}
