// SMTPReplyParser: reads replies from a server (the outbound client; tests use it for round trips).
//
// Invariants:
// - Streaming: feed any split of the input; a reply is returned once its last line ("code SP" or bare code)
//   arrived, and nothing after that line is consumed (RFC 2920 pipelined replies stay in the buffer).
// - Liberal in what it accepts (RFC 5321 §4.5.3.1.5 lines up to `replyLineParseOctets`, bare LF line ends),
//   but every line of one reply must carry the same code (RFC 5321 §4.2.1), and a peer that exceeds the line
//   or line-count caps is an error: the caller closes the connection.
// - The enhanced status code (RFC 3463) is taken from the first line when it matches the reply's class, and
//   stripped from every line that starts with it (RFC 2034 §4 prefixes each line).

import NIOCore

/// A reply that is not SMTP; the connection cannot continue.
public enum SMTPReplyParseError: Error, Hashable, Sendable {
    /// A line without a three-digit code 2yz-5yz and "-", " " or end after it.
    case malformedLine
    /// A continuation line with a different code than the first line.
    case inconsistentCode
    case lineTooLong
    case tooManyLines
}

/// Parses SMTP replies out of a receive buffer.
public struct SMTPReplyParser: Sendable {
    public let maxLineLength: Int
    public let maxLines: Int
    private var code: Int?
    private var lines: [String] = []
    private var scanned = 0

    public init(maxLineLength: Int = SMTPLimits.replyLineParseOctets, maxLines: Int = SMTPLimits.maxReplyLines) {
        self.maxLineLength = maxLineLength
        self.maxLines = maxLines
    }

    /// Returns the next complete reply and consumes its lines, or nil when more bytes are needed.
    public mutating func next(_ buffer: inout ByteBuffer) throws(SMTPReplyParseError) -> SMTPReply? {
        while true {
            let view = buffer.readableBytesView
            let searchEnd = view.startIndex + min(view.count, maxLineLength)
            let searchStart = view.startIndex + min(scanned, searchEnd - view.startIndex)
            guard let lf = view[searchStart..<searchEnd].firstIndex(of: .lf) else {
                if view.count >= maxLineLength { throw .lineTooLong }
                scanned = view.count
                return nil
            }
            scanned = 0
            var line = Array(view[view.startIndex..<lf])
            buffer.moveReaderIndex(to: lf + 1)
            if line.last == .cr { line.removeLast() }
            if let reply = try consume(line: line) { return reply }
        }
    }

    /// Parses text holding exactly one complete reply (e.g. "250-a\r\n250 b\r\n").
    public static func parse(_ text: String) throws(SMTPReplyParseError) -> SMTPReply {
        var parser = SMTPReplyParser()
        var buffer = ByteBuffer(string: text)
        guard let reply = try parser.next(&buffer), buffer.readableBytes == 0 else { throw .malformedLine }
        return reply
    }

    // Reply-line = *( Reply-code "-" [ textstring ] CRLF ) Reply-code [ SP textstring ] CRLF
    // Reply-code = %x32-35 %x30-35 %x30-39                           RFC 5321 §4.2
    // (the second digit is not checked: replies with other digits exist and mean no harm).
    private mutating func consume(line: [UInt8]) throws(SMTPReplyParseError) -> SMTPReply? {
        guard line.count >= 3, line[0] >= UInt8(ascii: "2"), line[0] <= UInt8(ascii: "5"),
            isDigit(line[1]), isDigit(line[2])
        else { throw .malformedLine }
        let lineCode = line[..<3].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        if let code, code != lineCode { throw .inconsistentCode }
        code = lineCode
        let isLast: Bool
        switch line.count > 3 ? line[3] : nil {
        case nil, .space?: isLast = true
        case UInt8(ascii: "-")?: isLast = false
        default: throw .malformedLine
        }
        lines.append(line.count > 4 ? String(decoding: line[4...], as: UTF8.self) : "")
        guard isLast else {
            if lines.count >= maxLines { throw .tooManyLines }
            return nil
        }
        defer {
            code = nil
            lines = []
        }
        return Self.reply(code: lineCode, lines: lines)
    }

    /// RFC 3463 §2 / RFC 2034 §4: "class.subject.detail" SP text, class matching the reply code's first digit.
    private static func reply(code: Int, lines: [String]) -> SMTPReply {
        let firstWord = lines[0].prefix { $0 != " " }
        guard let enhanced = EnhancedStatusCode(firstWord), enhanced.statusClass == code / 100 else {
            return SMTPReply(code: code, enhancedCode: nil, lines: lines)
        }
        let prefix = String(describing: enhanced)
        let stripped = lines.map { line -> String in
            if line == prefix { return "" }
            if line.hasPrefix(prefix + " ") { return String(line.dropFirst(prefix.count + 1)) }
            return line
        }
        return SMTPReply(code: code, enhancedCode: enhanced, lines: stripped)
    }
}
