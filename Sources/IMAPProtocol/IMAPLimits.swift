// IMAPLimits: every size and depth limit of the IMAP wire grammar, named once.
//
// Invariants:
// - CommandDecoder enforces the byte limits while bytes arrive, before it buffers them, so no
//   client can make the decoder hold more than `maxLineLength + maxCommandSize` bytes of one command
//   (APPEND message data is streamed out and never held).
// - GrammarParser enforces `maxNestingDepth` for every recursive rule (search keys, parenthesised
//   option values).

/// The limits the IMAP command decoder and parser enforce.
public struct IMAPLimits: Sendable, Hashable {
    /// Longest command line (the bytes between two literals, or up to CRLF), CRLF included.
    /// RFC 7162 §4 asks servers to accept lines of at least 8192 octets.
    public var maxLineLength: Int

    /// Largest literal that is collected in memory and inlined into a parsed command
    /// (mailbox names, LOGIN passwords, SEARCH strings). APPEND message literals are streamed instead.
    public var maxInlineLiteralSize: Int

    /// Largest non-synchronising literal `{n+}` accepted. RFC 7888 §4 (LITERAL-): 4096 octets.
    public var maxNonSynchronizingLiteralSize: Int

    /// Largest total size of one non-APPEND command: its lines plus its inlined literals.
    public var maxCommandSize: Int

    /// Largest message accepted by APPEND (set by the server from `limits.message_size`).
    public var maxAppendSize: Int

    /// Deepest nesting of parenthesised or prefix (`NOT`, `OR`) grammar: search keys, option values.
    public var maxNestingDepth: Int

    /// Largest chunk of APPEND message bytes handed out by one `.messageBytes` event.
    public var maxAppendChunkSize: Int

    public static let defaultMaxLineLength = 64 * 1024
    public static let defaultMaxInlineLiteralSize = 64 * 1024
    public static let literalMinusMaxSize = 4096  // RFC 7888 §4
    public static let defaultMaxCommandSize = 1024 * 1024
    public static let defaultMaxAppendSize = 50 * 1024 * 1024
    public static let defaultMaxNestingDepth = 100
    public static let defaultMaxAppendChunkSize = 64 * 1024

    public static let `default` = IMAPLimits()

    public init(
        maxLineLength: Int = IMAPLimits.defaultMaxLineLength,
        maxInlineLiteralSize: Int = IMAPLimits.defaultMaxInlineLiteralSize,
        maxNonSynchronizingLiteralSize: Int = IMAPLimits.literalMinusMaxSize,
        maxCommandSize: Int = IMAPLimits.defaultMaxCommandSize,
        maxAppendSize: Int = IMAPLimits.defaultMaxAppendSize,
        maxNestingDepth: Int = IMAPLimits.defaultMaxNestingDepth,
        maxAppendChunkSize: Int = IMAPLimits.defaultMaxAppendChunkSize
    ) {
        self.maxLineLength = maxLineLength
        self.maxInlineLiteralSize = maxInlineLiteralSize
        self.maxNonSynchronizingLiteralSize = maxNonSynchronizingLiteralSize
        self.maxCommandSize = maxCommandSize
        self.maxAppendSize = maxAppendSize
        self.maxNestingDepth = maxNestingDepth
        self.maxAppendChunkSize = maxAppendChunkSize
    }
}
