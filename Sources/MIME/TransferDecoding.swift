// Content-Transfer-Encoding decoding (RFC 2045 §6).
//
// Invariants:
// - Decoders never fail: base64 skips characters outside its alphabet and treats "=" as the end of
//   one encoded chunk (concatenated chunks decode); quoted-printable keeps bad escapes literally.
// - Decoders are generic over a sink so that the decoded size can be computed without allocating.
import Foundation

/// A transfer encoding as named in Content-Transfer-Encoding (RFC 2045 §6.1).
public enum TransferEncoding: Sendable, Codable, Equatable, Hashable {
    case sevenBit
    case eightBit
    case binary
    case base64
    case quotedPrintable
    /// Anything else (x-uuencode, typos): the body is delivered as is.
    case other(String)

    public init(token: String) {
        switch token.asciiLowercased {
        case "", "7bit": self = .sevenBit
        case "8bit": self = .eightBit
        case "binary": self = .binary
        case "base64": self = .base64
        case "quoted-printable": self = .quotedPrintable
        default: self = .other(token)
        }
    }

    /// Whether the body bytes are the content itself (RFC 2045 §6.2 identity encodings).
    public var isIdentity: Bool {
        switch self {
        case .sevenBit, .eightBit, .binary, .other: return true
        case .base64, .quotedPrintable: return false
        }
    }
}

protocol ByteSink {
    mutating func append(_ byte: UInt8)
}

struct ArraySink: ByteSink {
    var bytes: [UInt8] = []
    @inline(__always) mutating func append(_ byte: UInt8) { bytes.append(byte) }
}

struct CountingSink: ByteSink {
    var count = 0
    @inline(__always) mutating func append(_ byte: UInt8) { count += 1 }
}

enum TransferDecoding {
    private static let base64Table: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
        t[Int(UInt8(ascii: "-"))] = 62  // base64url, seen in the wild
        t[Int(UInt8(ascii: "_"))] = 63
        return t
    }()

    /// RFC 2045 §6.8 base64, tolerant: characters outside the alphabet are ignored.
    static func base64<C: Collection, S: ByteSink>(_ input: C, into sink: inout S) where C.Element == UInt8 {
        var acc: UInt32 = 0
        var n = 0
        for c in input {
            let v = base64Table[Int(c)]
            if v == 0xFF {
                if c == ASCII.equals {
                    // Padding ends a quantum: emit what it holds and start over.
                    if n == 2 { sink.append(UInt8(truncatingIfNeeded: acc >> 4)) }
                    if n == 3 {
                        sink.append(UInt8(truncatingIfNeeded: acc >> 10))
                        sink.append(UInt8(truncatingIfNeeded: acc >> 2))
                    }
                    acc = 0
                    n = 0
                }
                continue
            }
            acc = (acc << 6) | UInt32(v)
            n += 1
            if n == 4 {
                sink.append(UInt8(truncatingIfNeeded: acc >> 16))
                sink.append(UInt8(truncatingIfNeeded: acc >> 8))
                sink.append(UInt8(truncatingIfNeeded: acc))
                acc = 0
                n = 0
            }
        }
        if n == 2 { sink.append(UInt8(truncatingIfNeeded: acc >> 4)) }
        if n == 3 {
            sink.append(UInt8(truncatingIfNeeded: acc >> 10))
            sink.append(UInt8(truncatingIfNeeded: acc >> 2))
        }
    }

    static func base64<C: Collection>(_ input: C) -> [UInt8] where C.Element == UInt8 {
        var sink = ArraySink()
        sink.bytes.reserveCapacity(input.count * 3 / 4)
        base64(input, into: &sink)
        return sink.bytes
    }

    /// RFC 2045 §6.7 quoted-printable: "=XX" is a byte, "=" before a line break (after optional
    /// transport whitespace) is a soft line break, trailing whitespace on a line is removed (rule 3),
    /// and anything else is kept literally.
    static func quotedPrintable<S: ByteSink>(_ input: UnsafeRawBufferPointer, into sink: inout S) {
        let n = input.count
        var i = 0
        var pendingWS: [UInt8] = []  // whitespace that is dropped if the line ends right after it
        while i < n {
            let c = input[i]
            if ASCII.isWSP(c) {
                pendingWS.append(c)
                i += 1
                continue
            }
            if c == ASCII.cr || c == ASCII.lf {
                pendingWS.removeAll(keepingCapacity: true)  // rule 3: trailing whitespace is transport padding
                sink.append(c)
                i += 1
                continue
            }
            for w in pendingWS { sink.append(w) }
            pendingWS.removeAll(keepingCapacity: true)
            if c == ASCII.equals {
                if i + 2 < n, let h = ASCII.hexValue(input[i + 1]), let l = ASCII.hexValue(input[i + 2]) {
                    sink.append(h << 4 | l)
                    i += 3
                    continue
                }
                // Soft line break: "=" [WSP...] (CRLF | LF | end of data).
                var k = i + 1
                while k < n, ASCII.isWSP(input[k]) { k += 1 }
                if k >= n {
                    i = n
                    continue
                }
                if input[k] == ASCII.lf {
                    i = k + 1
                    continue
                }
                if input[k] == ASCII.cr {
                    i = (k + 1 < n && input[k + 1] == ASCII.lf) ? k + 2 : k + 1
                    continue
                }
                sink.append(c)  // bad escape: keep "=" literally
                i += 1
                continue
            }
            sink.append(c)
            i += 1
        }
    }

    /// Decodes `body` (the raw bytes of a part body) according to `encoding`.
    static func decode<S: ByteSink>(_ body: UnsafeRawBufferPointer, _ encoding: TransferEncoding, into sink: inout S) {
        switch encoding {
        case .base64: base64(body, into: &sink)
        case .quotedPrintable: quotedPrintable(body, into: &sink)
        default: for b in body { sink.append(b) }
        }
    }
}
