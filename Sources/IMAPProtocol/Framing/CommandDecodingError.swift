// CommandDecodingError: why a command could not be read, and the one place that maps it to a reply
// (STYLE 8: classify errors by who is at fault and map them in one place).
//
// Invariants:
// - Every kind is the client's fault. Syntax and framing faults answer BAD; a message larger than the
//   server accepts answers NO [TOOBIG] (RFC 7889 §4); literal limits answer BAD [TOOBIG] (RFC 7888 §4).
// - With a tag the reply is tagged; without one it is `* BAD` (RFC 9051 §7.1.3).

/// A command that could not be decoded.
public struct CommandDecodingError: Error, Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// The command does not match the grammar.
        case syntax
        /// The command name is not one this server knows.
        case unknownCommand
        /// Search keys or option values nested deeper than IMAPLimits.maxNestingDepth.
        case nestingTooDeep
        /// A line longer than IMAPLimits.maxLineLength.
        case lineTooLong
        /// A line ended with LF alone.
        case bareLineFeed
        /// A literal over IMAPLimits.maxInlineLiteralSize or, non-synchronising, over
        /// maxNonSynchronizingLiteralSize.
        case literalTooLarge
        /// A command over IMAPLimits.maxCommandSize.
        case commandTooLarge
        /// An APPEND message over IMAPLimits.maxAppendSize.
        case messageTooLarge
        /// An AUTHENTICATE response line that is not base64.
        case invalidBase64
        /// A line other than DONE during IDLE.
        case expectedDone
    }

    public var kind: Kind
    /// The command's tag, when it could be read.
    public var tag: String?
    /// Short text for the reply.
    public var detail: String

    public init(kind: Kind, tag: String?, detail: String) {
        self.kind = kind
        self.tag = tag
        self.detail = detail
    }

    init(grammar: GrammarError, tag: String?) {
        switch grammar.kind {
        case .syntax: self.init(kind: .syntax, tag: tag, detail: grammar.message)
        case .unknownCommand: self.init(kind: .unknownCommand, tag: tag, detail: grammar.message)
        case .tooDeep: self.init(kind: .nestingTooDeep, tag: tag, detail: grammar.message)
        }
    }

    public var status: ResponseStatus {
        kind == .messageTooLarge ? .no : .bad
    }

    public var responseCode: ResponseCode? {
        switch kind {
        case .literalTooLarge, .commandTooLarge, .messageTooLarge: return .tooBig
        default: return nil
        }
    }

    /// The reply to send: `tag BAD|NO [code] detail`, or `* BAD [code] detail` without a tag.
    public var response: Response {
        let text = ResponseText(code: responseCode, detail)
        guard let tag else { return .untagged(.bad(text)) }
        return .tagged(TaggedResponse(tag: tag, status: status, text: text))
    }
}
