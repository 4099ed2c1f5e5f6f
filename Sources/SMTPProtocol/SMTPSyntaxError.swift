// SMTPSyntaxError: every way a command line can be malformed, each mapped to exactly one reply.
//
// Invariants: `reply` is the one place that maps grammar errors to reply codes (RFC 5321 §4.2.2, RFC 3463);
// `detail` says what was wrong in our own words; the only client bytes it may carry are a parameter keyword,
// which the grammar limits to letters, digits and "-" and the parser cuts to 32 characters.

/// A malformed command line, or one the grammar refuses. `reply` is the answer the session sends.
public enum SMTPSyntaxError: Error, Hashable, Sendable {
    /// Unknown verb or empty line: 500 5.5.2 (RFC 5321 §4.2.2).
    case unrecognizedCommand
    /// Command line over the framing cap: 500 5.5.2 (RFC 5321 §4.5.3.1.10).
    case lineTooLong
    /// A bare LF in a command line: 500 5.5.2 (RFC 5321 §2.3.8).
    case bareLineFeed
    /// Bad arguments or parameter values: 501 5.5.4.
    case invalidArguments(String)
    /// MAIL FROM path syntax: 501 5.1.7.
    case badSenderAddress(String)
    /// RCPT TO path syntax: 501 5.1.3.
    case badRecipientAddress(String)
    /// MAIL/RCPT parameter we do not know: 555 5.5.4 (RFC 5321 §4.1.1.11).
    case unknownParameter(String)
    /// Non-ASCII reverse-path without the SMTPUTF8 parameter: 550 5.6.7 (RFC 6531 §3.5).
    case nonASCIISender
    /// Non-ASCII forward-path in a transaction without SMTPUTF8: 553 5.6.7 (RFC 6531 §3.5).
    case nonASCIIRecipient
    /// AUTH initial response or SASL line is not base64: 501 5.5.2 (RFC 4954 §6).
    case invalidBase64

    /// The reply the session sends for this error.
    public var reply: SMTPReply {
        switch self {
        case .unrecognizedCommand: .unrecognizedCommand
        case .lineTooLong: .lineTooLong
        case .bareLineFeed: .bareLineFeedInCommand
        case .invalidArguments(let detail):
            SMTPReply.invalidArguments.with(text: "Syntax error in arguments: \(detail)")
        case .badSenderAddress(let detail):
            SMTPReply.badSenderAddress.with(text: "Bad sender address syntax: \(detail)")
        case .badRecipientAddress(let detail):
            SMTPReply.badRecipientAddress.with(text: "Bad recipient address syntax: \(detail)")
        case .unknownParameter(let keyword):
            SMTPReply.unknownParameter.with(text: "Parameter \(keyword) not recognized or not implemented")
        case .nonASCIISender: .nonASCIISenderNotPermitted
        case .nonASCIIRecipient: .nonASCIIRecipientNotPermitted
        case .invalidBase64: .authInvalidBase64
        }
    }
}
