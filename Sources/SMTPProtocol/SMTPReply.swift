// SMTPReply: a reply code, an optional enhanced status code and text lines, with its encoder.
//
// Invariants:
// - The encoder never emits CR or LF inside a line (control characters become spaces), so no reply text can
//   inject a line of its own; every line fits SMTPLimits.replyLineOctets (text is cut at a UTF-8 boundary).
// - Multi-line replies use "code-" on every line but the last, which uses "code " (RFC 5321 §4.2.1).
// - The enhanced status code, when present, prefixes every line (RFC 2034 §4). Replies that must not carry one
//   (the 220 greeting, the EHLO/HELO reply, 3xx) have `enhancedCode == nil` in the catalogue (SMTPReplies.swift).

import NIOCore

/// One SMTP reply (RFC 5321 §4.2). Every reply Mailroom sends is named in SMTPReplies.swift.
public struct SMTPReply: Hashable, Sendable, CustomStringConvertible {
    /// The three-digit reply code (RFC 5321 §4.2.1): first digit 2...5.
    public var code: Int
    /// RFC 3463 enhanced status code; nil for replies that carry none.
    public var enhancedCode: EnhancedStatusCode?
    /// The text of each line, without code and enhanced code. At least one line (which may be empty).
    public var lines: [String]

    public init(code: Int, enhancedCode: EnhancedStatusCode? = nil, lines: [String]) {
        precondition((200...599).contains(code), "RFC 5321 §4.2.1: reply codes are 2yz to 5yz")
        self.code = code
        self.enhancedCode = enhancedCode
        self.lines = lines.isEmpty ? [""] : lines
    }

    public init(_ code: Int, _ enhancedCode: EnhancedStatusCode?, _ text: String) {
        self.init(code: code, enhancedCode: enhancedCode, lines: [text])
    }

    /// The same reply with other text (same codes).
    public func with(text: String) -> SMTPReply {
        SMTPReply(code: code, enhancedCode: enhancedCode, lines: [text])
    }

    /// 2yz: the requested action completed (RFC 5321 §4.2.1).
    public var isPositiveCompletion: Bool { code / 100 == 2 }
    /// 3yz: more input needed (354, 334).
    public var isPositiveIntermediate: Bool { code / 100 == 3 }
    /// 4yz: try again later.
    public var isTransientFailure: Bool { code / 100 == 4 }
    /// 5yz: do not repeat the same request.
    public var isPermanentFailure: Bool { code / 100 == 5 }

    /// The text lines joined with newlines (for logs and errors).
    public var text: String { lines.joined(separator: "\n") }

    public var description: String {
        let prefix = enhancedCode.map { "\(code) \($0)" } ?? "\(code)"
        return lines.count == 1 ? "\(prefix) \(lines[0])" : "\(prefix) \(lines.joined(separator: " | "))"
    }

    // MARK: Encoder

    /// Writes the reply in wire form. `includeEnhancedCode: false` drops the enhanced code, for sessions that did
    /// not advertise ENHANCEDSTATUSCODES (RFC 2034 §3).
    public func encode(into buffer: inout ByteBuffer, includeEnhancedCode: Bool = true) {
        let codeText = String(code)
        let enhanced = includeEnhancedCode ? enhancedCode.map { String(describing: $0) } : nil
        for (index, line) in lines.enumerated() {
            let isLast = index == lines.count - 1
            var prefix = codeText + (isLast ? " " : "-")
            if let enhanced { prefix += enhanced + (line.isEmpty ? "" : " ") }
            // RFC 5321 §4.5.3.1.5: at most 512 octets including CRLF.
            let room = SMTPLimits.replyLineOctets - 2 - prefix.utf8.count
            let text = Self.sanitized(line, maxOctets: room)
            if isLast && enhanced == nil && text.isEmpty {
                // RFC 5321 §4.2: Reply-code [ SP textstring ] CRLF; no trailing space when there is no text.
                buffer.writeString(codeText)
            } else {
                buffer.writeString(prefix)
                buffer.writeBytes(text)
            }
            buffer.writeStaticString("\r\n")
        }
    }

    /// The wire form as a String (tests, logs).
    public func encoded(includeEnhancedCode: Bool = true) -> String {
        var buffer = ByteBuffer()
        encode(into: &buffer, includeEnhancedCode: includeEnhancedCode)
        return String(buffer: buffer)
    }

    /// Reply text as bytes with control characters replaced by spaces, cut to `maxOctets` at a UTF-8 boundary.
    static func sanitized(_ text: String, maxOctets: Int) -> [UInt8] {
        var bytes = text.utf8.map { $0 < 0x20 || $0 == 0x7F ? UInt8(ascii: " ") : $0 }
        if bytes.count > maxOctets {
            var end = max(0, maxOctets)
            // Step back over UTF-8 continuation bytes so the cut lands on a character boundary.
            while end > 0 && end < bytes.count && bytes[end] & 0xC0 == 0x80 { end -= 1 }
            bytes.removeSubrange(end...)
        }
        return bytes
    }
}

// MARK: - EHLO extensions

/// A service extension advertised in the EHLO reply (RFC 5321 §4.1.1.1), one keyword line each.
public enum SMTPExtension: Hashable, Sendable {
    /// RFC 1870 §4: `SIZE` [SP number]; nil or 0 means no fixed limit announced.
    case size(Int?)
    /// RFC 6152: `8BITMIME`.
    case eightBitMIME
    /// RFC 6531 §3.1: `SMTPUTF8`.
    case smtpUTF8
    /// RFC 2920 §3: `PIPELINING`.
    case pipelining
    /// RFC 2034 §3: `ENHANCEDSTATUSCODES`.
    case enhancedStatusCodes
    /// RFC 3207 §4: `STARTTLS`.
    case startTLS
    /// RFC 4954 §3: `AUTH` SP mechanism *(SP mechanism).
    case auth([String])
    /// RFC 3030 §2: `CHUNKING` (BDAT).
    case chunking
    /// RFC 3030 §3: `BINARYMIME` (needs CHUNKING).
    case binaryMIME
    /// RFC 3461 §4: `DSN`.
    case dsn
    /// Anything else a peer advertises (client side), keyword upper-cased.
    case other(keyword: String, parameters: [String])

    /// The keyword, upper case (RFC 5321 §4.1.1.1: ehlo-keyword is case-insensitive).
    public var keyword: String {
        switch self {
        case .size: "SIZE"
        case .eightBitMIME: "8BITMIME"
        case .smtpUTF8: "SMTPUTF8"
        case .pipelining: "PIPELINING"
        case .enhancedStatusCodes: "ENHANCEDSTATUSCODES"
        case .startTLS: "STARTTLS"
        case .auth: "AUTH"
        case .chunking: "CHUNKING"
        case .binaryMIME: "BINARYMIME"
        case .dsn: "DSN"
        case .other(let keyword, _): keyword
        }
    }

    /// The EHLO reply line: `ehlo-keyword *(SP ehlo-param)` (RFC 5321 §4.1.1.1).
    public var ehloLine: String {
        switch self {
        case .size(let limit?) where limit > 0: "SIZE \(limit)"
        case .auth(let mechanisms): (["AUTH"] + mechanisms).joined(separator: " ")
        case .other(let keyword, let parameters): ([keyword] + parameters).joined(separator: " ")
        default: keyword
        }
    }

    /// Parses one EHLO reply line (client side). Keywords are matched case-insensitively; the pre-standard
    /// `AUTH=PLAIN LOGIN` form some servers still send is read as AUTH.
    public init?(ehloLine: String) {
        let words = ehloLine.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard var keyword = words.first?.uppercased() else { return nil }
        var parameters = Array(words.dropFirst())
        if keyword.hasPrefix("AUTH=") {
            parameters.insert(String(keyword.dropFirst(5)), at: 0)
            keyword = "AUTH"
        }
        switch keyword {
        case "SIZE": self = .size(parameters.first.flatMap { Int($0) })
        case "8BITMIME": self = .eightBitMIME
        case "SMTPUTF8": self = .smtpUTF8
        case "PIPELINING": self = .pipelining
        case "ENHANCEDSTATUSCODES": self = .enhancedStatusCodes
        case "STARTTLS": self = .startTLS
        case "AUTH": self = .auth(parameters.map { $0.uppercased() })
        case "CHUNKING": self = .chunking
        case "BINARYMIME": self = .binaryMIME
        case "DSN": self = .dsn
        default: self = .other(keyword: keyword, parameters: parameters)
        }
    }
}

extension SMTPReply {
    /// The extensions a (parsed) EHLO reply advertises: every line after the first (RFC 5321 §4.1.1.1).
    public var ehloExtensions: [SMTPExtension] {
        lines.dropFirst().compactMap(SMTPExtension.init(ehloLine:))
    }

    /// The decoded bytes of a 334 SASL challenge (RFC 4954 §4); nil when this is not a 334 or not base64.
    public var authChallenge: [UInt8]? {
        guard code == 334, lines.count == 1 else { return nil }
        return Base64.decode(Array(lines[0].utf8))
    }
}
