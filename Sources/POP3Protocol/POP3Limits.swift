// POP3Limits: every limit of the POP3 grammar, named once.

public enum POP3Limits {
    /// RFC 2449 §4: a command line is at most 255 octets including CRLF.
    public static let maxCommandLine = 255
    /// RFC 5034 §4: a SASL response line may be longer than a command (base64 of PLAIN credentials).
    public static let maxAuthLine = 2048
    /// RFC 2449 §4: a response line is at most 512 octets including CRLF.
    public static let maxResponseLine = 512
    /// Message numbers and TOP line counts above this are refused as invalid numbers.
    public static let maxMessageNumber = 999_999_999
    /// How much of an unknown keyword an error reply repeats.
    public static let maxKeywordEcho = 16
}
