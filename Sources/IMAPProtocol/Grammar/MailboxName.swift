// MailboxName: a mailbox name as the client sent it, plus the modified UTF-7 codec.
//
// Invariants:
// - `bytes` are the decoded string bytes from the wire (quotes and literal framing removed), never
//   reinterpreted: a rev1 client sends modified UTF-7 (RFC 3501 §5.1.3), a client that has enabled
//   UTF8=ACCEPT or IMAP4rev2 sends UTF-8 (RFC 9051 §5.1, RFC 6855 §3). The session, which knows which,
//   calls `decoded(utf8Accepted:)`.
// - INBOX is case-insensitive (RFC 9051 §5.1): any spelling of "INBOX" is stored as "INBOX".

import NIOCore

/// A mailbox name argument (`mailbox` rule).
public struct MailboxName: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public static let inbox = MailboxName(Array("INBOX".utf8))

    public init(_ bytes: [UInt8]) {
        // RFC 9051 §5.1: "INBOX" is case-insensitive.
        if bytes.count == 5, bytes.map(\.asciiUppercased) == Array("INBOX".utf8) {
            self.bytes = Array("INBOX".utf8)
        } else {
            self.bytes = bytes
        }
    }

    /// The name's bytes taken literally from `string` (UTF-8).
    public init(_ string: String) {
        self.init(Array(string.utf8))
    }

    public var isInbox: Bool { bytes == MailboxName.inbox.bytes }

    public var description: String { String(decoding: bytes, as: UTF8.self) }

    /// The mailbox path as Unicode text.
    ///
    /// With `utf8Accepted` (IMAP4rev2 or UTF8=ACCEPT enabled) the bytes must be UTF-8. Otherwise they are
    /// modified UTF-7; 8-bit bytes that form valid UTF-8 are accepted too, since some rev1 clients send them.
    public func decoded(utf8Accepted: Bool) throws(MailboxNameError) -> String {
        try MailboxName.decode(bytes, utf8Accepted: utf8Accepted)
    }

    static func decode(_ bytes: [UInt8], utf8Accepted: Bool) throws(MailboxNameError) -> String {
        if utf8Accepted || bytes.contains(where: { $0 >= 0x80 }) {
            guard let text = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8 }
            guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw .controlCharacter
            }
            return text
        }
        return try ModifiedUTF7.decode(bytes)
    }

    /// The wire form of `path` for a session: UTF-8 when `utf8Accepted`, else modified UTF-7.
    public static func encode(_ path: String, utf8Accepted: Bool) -> [UInt8] {
        utf8Accepted ? Array(path.utf8) : ModifiedUTF7.encode(path)
    }
}

/// A LIST / LSUB pattern (`list-mailbox` rule), which may contain the wildcards `%` and `*`.
public struct MailboxPattern: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public init(_ string: String) { self.bytes = Array(string.utf8) }

    public var description: String { String(decoding: bytes, as: UTF8.self) }

    /// The pattern as Unicode text (wildcards kept), decoded like a mailbox name.
    public func decoded(utf8Accepted: Bool) throws(MailboxNameError) -> String {
        try MailboxName.decode(bytes, utf8Accepted: utf8Accepted)
    }
}

public enum MailboxNameError: Error, Sendable, Hashable {
    case invalidUTF8
    case invalidModifiedUTF7
    case controlCharacter
}

/// Modified UTF-7 (RFC 3501 §5.1.3), the rev1 encoding of mailbox names.
public enum ModifiedUTF7 {
    /// Encodes `text`: printable US-ASCII stands for itself ("&" becomes "&-"), every other run of
    /// characters becomes "&" + modified BASE64 of its UTF-16BE + "-".
    public static func encode(_ text: String) -> [UInt8] {
        var output: [UInt8] = []
        var pending: [UInt16] = []
        func flush() {
            guard !pending.isEmpty else { return }
            var utf16BE: [UInt8] = []
            for unit in pending {
                utf16BE.append(UInt8(unit >> 8))
                utf16BE.append(UInt8(unit & 0xFF))
            }
            output.append(.ampersand)
            output.append(contentsOf: Base64.encode(utf16BE, modifiedAlphabet: true))
            output.append(.minus)
            pending.removeAll()
        }
        for scalar in text.unicodeScalars {
            if scalar.value >= 0x20 && scalar.value <= 0x7E {
                flush()
                output.append(UInt8(scalar.value))
                if scalar == "&" { output.append(.minus) }
            } else {
                pending.append(contentsOf: UTF16.encode(scalar).map { Array($0) } ?? [])
            }
        }
        flush()
        return output
    }

    /// Decodes modified UTF-7; throws for raw 8-bit or control bytes, bad BASE64, stray bits,
    /// unpaired surrogates, and shifted runs that encode printable US-ASCII.
    public static func decode(_ bytes: [UInt8]) throws(MailboxNameError) -> String {
        var scalars = String.UnicodeScalarView()
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard byte >= 0x20 && byte <= 0x7E else { throw .invalidModifiedUTF7 }
            guard byte == .ampersand else {
                scalars.append(Unicode.Scalar(byte))
                index += 1
                continue
            }
            guard let end = bytes[(index + 1)...].firstIndex(of: .minus) else { throw .invalidModifiedUTF7 }
            let encoded = bytes[(index + 1)..<end]
            index = end + 1
            if encoded.isEmpty {
                scalars.append("&")
                continue
            }
            guard let utf16BE = Base64.decode(encoded, modifiedAlphabet: true), utf16BE.count % 2 == 0 else {
                throw .invalidModifiedUTF7
            }
            var units: [UInt16] = []
            for pair in stride(from: 0, to: utf16BE.count, by: 2) {
                units.append(UInt16(utf16BE[pair]) << 8 | UInt16(utf16BE[pair + 1]))
            }
            var iterator = units.makeIterator()
            var decoder = UTF16()
            loop: while true {
                switch decoder.decode(&iterator) {
                case .scalarValue(let scalar):
                    // RFC 3501 §5.1.3: printable US-ASCII MUST represent itself.
                    if scalar.value >= 0x20 && scalar.value <= 0x7E { throw .invalidModifiedUTF7 }
                    scalars.append(scalar)
                case .emptyInput: break loop
                case .error: throw .invalidModifiedUTF7
                }
            }
        }
        return String(scalars)
    }
}
