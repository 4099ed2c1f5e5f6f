// POP3 responses (RFC 1939 §3), extended response codes (RFC 2449 §8, RFC 3206) and multi-line responses.
//
// Invariants:
// - A status line is "+OK[ text]" or "-ERR[ [CODE]][ text]" + CRLF, at most `POP3Limits.maxResponseLine`
//   octets (RFC 2449 §4): text is cut to fit and CR/LF in it are replaced, so a reply is always one line.
// - A multi-line response is its status line, lines byte-stuffed (RFC 1939 §3: a line starting with "."
//   gets one more "."), and ".\r\n".

import NIOCore

/// RFC 2449 §8 / RFC 3206 / RFC 6856 response codes.
public enum POP3ResponseCode: String, Sendable, Equatable {
    /// RFC 2449 §8.1.1: the maildrop is locked by another session.
    case inUse = "IN-USE"
    /// RFC 2449 §8.1.2
    case loginDelay = "LOGIN-DELAY"
    /// RFC 3206 §4: a temporary server problem.
    case sysTemp = "SYS/TEMP"
    /// RFC 3206 §4: a permanent server problem.
    case sysPerm = "SYS/PERM"
    /// RFC 3206 §5: the failure is about the credentials (or, before TLS, the way they would be sent).
    case auth = "AUTH"
    /// RFC 6856 §3.1
    case utf8 = "UTF8"
}

public struct POP3Response: Equatable, Sendable {
    public enum Status: Sendable, Equatable {
        case ok
        case err
    }

    public var status: Status
    public var code: POP3ResponseCode?
    public var text: String

    public init(_ status: Status, code: POP3ResponseCode? = nil, _ text: String) {
        self.status = status
        self.code = code
        self.text = text
    }

    public static func ok(_ text: String) -> POP3Response { POP3Response(.ok, text) }
    public static func err(_ text: String, code: POP3ResponseCode? = nil) -> POP3Response {
        POP3Response(.err, code: code, text)
    }

    public func encode(into buffer: inout ByteBuffer) {
        var line = status == .ok ? "+OK" : "-ERR"
        if let code { line += " [\(code.rawValue)]" }
        if !text.isEmpty { line += " " + text }
        var bytes = Array(line.utf8.prefix(POP3Limits.maxResponseLine - 2))
        for i in bytes.indices where bytes[i] == 13 || bytes[i] == 10 { bytes[i] = 32 }
        buffer.writeBytes(bytes)
        buffer.writeStaticString("\r\n")
    }

    public func encoded() -> String {
        var buffer = ByteBuffer()
        encode(into: &buffer)
        return String(buffer: buffer)
    }
}

/// A multi-line response whose lines are known up front (CAPA, LIST, UIDL, AUTH mechanism list).
public struct POP3MultiLine: Equatable, Sendable {
    public var status: POP3Response
    public var lines: [String]

    public init(_ status: POP3Response, lines: [String]) {
        self.status = status
        self.lines = lines
    }

    public func encode(into buffer: inout ByteBuffer) {
        status.encode(into: &buffer)
        for line in lines {
            if line.utf8.first == UInt8(ascii: ".") { buffer.writeStaticString(".") }  // RFC 1939 §3
            buffer.writeString(line)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString(".\r\n")
    }
}
