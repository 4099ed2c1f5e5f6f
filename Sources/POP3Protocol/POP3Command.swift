// POP3 commands (RFC 1939 §3–§7, RFC 2449 CAPA, RFC 2595 STLS, RFC 5034 AUTH, RFC 6856 UTF8) and their parser.
//
// Invariants:
// - One command line (without CRLF) parses to one typed `POP3Command` or one `POP3SyntaxError`; the
//   session switches over the enum and never compares strings.
// - Keywords are case-insensitive (RFC 1939 §3); arguments are separated by single spaces; message
//   numbers are positive decimal integers that fit `POP3Limits.maxMessageNumber`.
// - PASS takes the rest of the line, spaces included (RFC 1939 §7: the password may contain spaces).

import NIOCore

public enum POP3Command: Equatable, Sendable {
    /// RFC 1939 §7 USER name
    case user(String)
    /// RFC 1939 §7 PASS string
    case pass(String)
    /// RFC 1939 §5 STAT
    case stat
    /// RFC 1939 §5 LIST [msg]
    case list(Int?)
    /// RFC 1939 §5 RETR msg
    case retr(Int)
    /// RFC 1939 §5 DELE msg
    case dele(Int)
    /// RFC 1939 §5 NOOP
    case noop
    /// RFC 1939 §5 RSET
    case rset
    /// RFC 1939 §4 / §6 QUIT
    case quit
    /// RFC 1939 §7 TOP msg n
    case top(Int, lines: Int)
    /// RFC 1939 §7 UIDL [msg]
    case uidl(Int?)
    /// RFC 2449 §5 CAPA
    case capa
    /// RFC 2595 §4 STLS
    case stls
    /// RFC 5034 §4 AUTH mechanism [initial-response]; `initialResponse` is decoded, `[]` for "=".
    /// A bare AUTH (no mechanism) lists the mechanisms (the RFC 1734 probe many clients still send).
    case auth(mechanism: String?, initialResponse: [UInt8]?)
    /// RFC 6856 §3.1 UTF8
    case utf8
}

public enum POP3SyntaxError: Error, Equatable, Sendable {
    case empty
    case unknownCommand(String)
    case missingArgument(String)
    case unexpectedArgument(String)
    case invalidNumber(String)
    case invalidBase64

    /// The text after "-ERR ".
    public var message: String {
        switch self {
        case .empty: "Empty command"
        case .unknownCommand(let c): "Unknown command \(c)"
        case .missingArgument(let c): "\(c) needs an argument"
        case .unexpectedArgument(let c): "Too many arguments to \(c)"
        case .invalidNumber(let c): "\(c): invalid number"
        case .invalidBase64: "Invalid base64 in initial response"
        }
    }
}

public enum POP3CommandParser {
    /// command = keyword *(SP param) ; RFC 2449 §3: keyword 3/4 chars, params up to 40 chars each (we accept
    /// longer PASS/AUTH arguments, the line length limit bounds them).
    public static func parse(line: ByteBuffer) throws(POP3SyntaxError) -> POP3Command {
        let text = String(decoding: line.readableBytesView, as: UTF8.self)
        return try parse(text)
    }

    public static func parse(_ line: String) throws(POP3SyntaxError) -> POP3Command {
        var line = Substring(line)
        // Clients that end lines with bare LF leave a CR behind in some paths; trailing spaces are tolerated.
        while let last = line.last, last == "\r" || last == " " { line.removeLast() }
        guard !line.isEmpty else { throw .empty }
        let keywordEnd = line.firstIndex(of: " ") ?? line.endIndex
        let keyword = line[..<keywordEnd].uppercased()
        let rest = keywordEnd < line.endIndex ? line[line.index(after: keywordEnd)...] : ""
        let args = rest.split(separator: " ", omittingEmptySubsequences: true)

        func none(_ command: POP3Command) throws(POP3SyntaxError) -> POP3Command {
            guard args.isEmpty else { throw .unexpectedArgument(keyword) }
            return command
        }
        func optionalNumber() throws(POP3SyntaxError) -> Int? {
            guard args.count <= 1 else { throw .unexpectedArgument(keyword) }
            guard let arg = args.first else { return nil }
            return try messageNumber(arg, keyword)
        }
        func oneNumber() throws(POP3SyntaxError) -> Int {
            guard let n = try optionalNumber() else { throw .missingArgument(keyword) }
            return n
        }

        switch keyword {
        case "USER":
            // RFC 6856 §3.2 allows UTF-8 names after UTF8; a name is one token.
            guard !rest.isEmpty else { throw .missingArgument(keyword) }
            return .user(String(rest))
        case "PASS":
            guard !rest.isEmpty else { throw .missingArgument(keyword) }
            return .pass(String(rest))
        case "STAT": return try none(.stat)
        case "LIST": return .list(try optionalNumber())
        case "RETR": return .retr(try oneNumber())
        case "DELE": return .dele(try oneNumber())
        case "NOOP": return try none(.noop)
        case "RSET": return try none(.rset)
        case "QUIT": return try none(.quit)
        case "TOP":
            // RFC 1939 §7: TOP msg n, n non-negative.
            guard args.count >= 2 else { throw .missingArgument(keyword) }
            guard args.count == 2 else { throw .unexpectedArgument(keyword) }
            let msg = try messageNumber(args[0], keyword)
            guard let n = decimal(args[1]) else { throw .invalidNumber(keyword) }
            return .top(msg, lines: n)
        case "UIDL": return .uidl(try optionalNumber())
        case "CAPA": return try none(.capa)
        case "STLS": return try none(.stls)
        case "UTF8": return try none(.utf8)
        case "AUTH":
            guard args.count <= 2 else { throw .unexpectedArgument(keyword) }
            guard let mechanism = args.first else { return .auth(mechanism: nil, initialResponse: nil) }
            guard args.count == 2 else { return .auth(mechanism: String(mechanism), initialResponse: nil) }
            // RFC 5034 §4: "=" is an empty initial response.
            if args[1] == "=" { return .auth(mechanism: String(mechanism), initialResponse: []) }
            guard let decoded = Base64.decode(args[1]) else { throw .invalidBase64 }
            return .auth(mechanism: String(mechanism), initialResponse: decoded)
        default:
            throw .unknownCommand(String(keyword.prefix(POP3Limits.maxKeywordEcho)))
        }
    }

    /// msg = 1*DIGIT, greater than zero (RFC 1939 §3: "message-numbers ... are 1-origin").
    static func messageNumber(_ text: Substring, _ keyword: String) throws(POP3SyntaxError) -> Int {
        guard let n = decimal(text), n >= 1 else { throw .invalidNumber(keyword) }
        return n
    }

    static func decimal(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 9, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }
}

/// Strict base64 (RFC 4648 §4) without Foundation, for AUTH responses.
public enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    static let table: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
        return t
    }()

    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let bytes = Array(text.utf8)
        guard bytes.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count / 4 * 3)
        var i = 0
        while i < bytes.count {
            var v: UInt32 = 0
            var pad = 0
            for j in 0..<4 {
                let c = bytes[i + j]
                if c == UInt8(ascii: "=") {
                    guard i + 4 == bytes.count, j >= 2 else { return nil }
                    pad += 1
                    v <<= 6
                } else {
                    guard pad == 0 else { return nil }
                    let d = table[Int(c)]
                    guard d != 0xFF else { return nil }
                    v = v << 6 | UInt32(d)
                }
            }
            out.append(UInt8(v >> 16 & 0xFF))
            if pad < 2 { out.append(UInt8(v >> 8 & 0xFF)) }
            if pad < 1 { out.append(UInt8(v & 0xFF)) }
            i += 4
        }
        return out
    }

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i])
            let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let v = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(v >> 18 & 63)])
            out.append(alphabet[Int(v >> 12 & 63)])
            out.append(i + 1 < bytes.count ? alphabet[Int(v >> 6 & 63)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(v & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
