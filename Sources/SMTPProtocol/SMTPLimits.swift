// Every size limit of the SMTP wire grammar, named once.
//
// Invariants:
// - Lengths are octets. Line lengths include the terminating CRLF, as RFC 5321 §4.5.3.1 counts them.
// - The framing layer (SMTPLineFramer, DataDecoder, SMTPReplyParser) enforces the line limits; the command
//   parser enforces the address limits. Nothing here is a policy choice of the session (message size,
//   recipients per transaction are configuration and are passed in).

/// The limits of the SMTP grammar. Change a limit here, never at its use.
public enum SMTPLimits {
    /// RFC 5321 §4.5.3.1.4: a command line is at most 512 octets including CRLF, before extensions add to it.
    public static let commandLineOctets = 512

    /// RFC 4954 §4: servers SHOULD accept AUTH command lines and SASL responses of at least 12288 octets.
    /// This is the largest command line any extension allows (SIZE, DSN, AUTH= and SMTPUTF8 add far less),
    /// so it is the framing cap for every command line.
    public static let authLineOctets = 12288

    /// The cap SMTPLineFramer applies to command lines by default (including CRLF).
    public static let maxCommandLineOctets = authLineOctets

    /// RFC 5321 §4.5.3.1.6: a text line of message data is at most 1000 octets including CRLF (not counting a
    /// leading dot added for transparency).
    public static let textLineOctets = 1000

    /// RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets including CRLF. SMTPReply's encoder truncates to it.
    public static let replyLineOctets = 512

    /// Reply lines longer than RFC 5321 §4.5.3.1.5 exist in the wild; the reply parser (client side) accepts up to
    /// this many octets per line before it gives up on the peer.
    public static let replyLineParseOctets = 4096

    /// The most lines one reply may have before the reply parser gives up on the peer (an EHLO reply has ~20).
    public static let maxReplyLines = 128

    /// RFC 5321 §4.5.3.1.3: a reverse-path or forward-path is at most 256 octets including the angle brackets.
    public static let pathOctets = 256

    /// RFC 5321 §4.5.3.1.2: a domain is at most 255 octets.
    public static let domainOctets = 255

    /// RFC 1035 §2.3.4: a domain label is at most 63 octets.
    public static let domainLabelOctets = 63

    /// RFC 5321 §4.5.3.1.1 caps a local part at 64 octets, but long generated addresses (VERP, SRS, BATV)
    /// exceed it in practice and §4.5.3.1 asks receivers to be liberal; the parser enforces only `pathOctets`.
    public static let localPartOctets = 64

    /// RFC 5321 §4.5.3.1.8: servers must accept at least 100 recipients per transaction.
    public static let minimumRecipientsPerTransaction = 100

    /// RFC 1870 §3: size-value = 1*20DIGIT.
    public static let sizeValueDigits = 20

    /// RFC 3461 §4.4: the ENVID value is at most 100 characters (as sent, xtext-encoded).
    public static let envidOctets = 100

    /// RFC 3461 §4.2: the ORCPT value is at most 500 characters (as sent, xtext-encoded).
    public static let orcptOctets = 500

    /// RFC 4954 §5: the AUTH= MAIL parameter adds at most 500 characters to the MAIL command line.
    public static let authParameterOctets = 500

    /// RFC 4422 §3.1: a SASL mechanism name is 1 to 20 characters.
    public static let saslMechanismOctets = 20

    /// RFC 3030 §2: BDAT chunk-size is 1*DIGIT; we accept sizes that fit this many digits (under 10^18).
    public static let bdatSizeDigits = 18
}
