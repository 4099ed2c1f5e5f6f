// Content-Transfer-Encoding decoding (RFC 2045 §6).
//
// Invariants:
// - Decoders never fail: base64 skips characters outside its alphabet and treats "=" as the end of
//   one encoded chunk (concatenated chunks decode); quoted-printable keeps bad escapes literally.
// - Decoders write through an optional output pointer, so the decoded size can be computed
//   without allocating; output never exceeds the documented capacity.
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

/// Transfer decoding chunk by chunk, for bodies read from disk in pieces (IMAP BINARY, RFC 3516): the
/// concatenated output equals decoding the whole body at once. It holds back at most an incomplete base64
/// quantum, or quoted-printable input after the last line break (a line without one is cut where no escape,
/// soft line break or trailing whitespace can span the cut, once it is longer than `maxHeldLine`).
public struct TransferDecoder: Sendable {
    public let encoding: TransferEncoding
    private var base64 = TransferDecoding.Base64State()
    private var held: [UInt8] = []

    /// Quoted-printable input held back without a line break before it is cut at a safe point.
    public static let maxHeldLine = 64 * 1024
    /// How far back from the end a safe cut is looked for.
    static let safeCutWindow = 64

    public init(_ encoding: TransferEncoding) { self.encoding = encoding }

    /// The decoded bytes `chunk` completes.
    public mutating func decode(_ chunk: some Collection<UInt8>) -> [UInt8] {
        switch encoding {
        case .base64:
            let input = Array(chunk)
            var state = base64
            let out = [UInt8](unsafeUninitializedCapacity: input.count / 4 * 3 + 3) { buffer, count in
                count = input.withUnsafeBytes { state.feed($0, output: buffer.baseAddress) }
            }
            base64 = state
            return out
        case .quotedPrintable:
            let searchFrom = held.count  // what is held has no LF: it was cut after the last one
            held.append(contentsOf: chunk)
            guard let cut = Self.quotedPrintableCut(held, newFrom: searchFrom) else { return [] }
            let out = held.withUnsafeBytes {
                TransferDecoding.decode(UnsafeRawBufferPointer(rebasing: $0[..<cut]), .quotedPrintable)
            }
            held.removeFirst(cut)
            return out
        default:
            return Array(chunk)
        }
    }

    /// The decoded bytes held back until the end of the data.
    public mutating func finish() -> [UInt8] {
        switch encoding {
        case .base64:
            var out = [UInt8](repeating: 0, count: 2)
            let n = out.withUnsafeMutableBufferPointer { base64.finish(output: $0.baseAddress) }
            out.removeLast(2 - n)
            return out
        case .quotedPrintable:
            defer { held = [] }
            return held.withUnsafeBytes { TransferDecoding.decode($0, .quotedPrintable) }
        default:
            return []
        }
    }

    /// Where quoted-printable input can be cut so that both sides decode as the whole would: after the last
    /// LF; in a long line, after a byte that is not whitespace, "=" or CR and does not follow "=" (RFC 2045
    /// §6.7: escapes and soft line breaks start with "=" and end within three bytes or at the line break,
    /// trailing whitespace is decided at the line break). Only the bytes from `newFrom` on can hold an LF, and
    /// only the last `safeCutWindow` bytes are looked at for a cut, so a pathological line costs linear time.
    /// Nil: hold everything for now.
    static func quotedPrintableCut(_ bytes: [UInt8], newFrom: Int = 0) -> Int? {
        if let lf = bytes[newFrom...].lastIndex(of: ASCII.lf) { return lf + 1 }
        guard bytes.count > maxHeldLine else { return nil }
        var p = bytes.count
        while p >= max(2, bytes.count - safeCutWindow) {
            let last = bytes[p - 1]
            if !ASCII.isWSP(last) && last != ASCII.equals && last != ASCII.cr && bytes[p - 2] != ASCII.equals {
                return p
            }
            p -= 1
        }
        return nil
    }
}

enum TransferDecoding {
    /// 6-bit values of the base64 alphabet (RFC 2045 §6.8 Table 1); 0xFF for anything else.
    private static let base64Table: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
        t[Int(UInt8(ascii: "-"))] = 62  // base64url, seen in the wild
        t[Int(UInt8(ascii: "_"))] = 63
        return t
    }()

    /// RFC 2045 §6.8 base64, tolerant: characters outside the alphabet are ignored, and "=" ends the
    /// current quantum. Writes to `output` (room for `input.count / 4 * 3 + 3` bytes) when given;
    /// returns the decoded length either way.
    static func base64(_ input: UnsafeRawBufferPointer, output: UnsafeMutablePointer<UInt8>?) -> Int {
        var state = Base64State()
        let written = state.feed(input, output: output)
        return written + state.finish(output: output.map { $0 + written })
    }

    /// The base64 decoder's state between chunks: the bits of an incomplete quantum.
    struct Base64State: Sendable {
        var acc: UInt32 = 0
        var n = 0

        /// Decodes `input` after what came before; writes at most `input.count / 4 * 3 + 3` bytes.
        mutating func feed(_ input: UnsafeRawBufferPointer, output: UnsafeMutablePointer<UInt8>?) -> Int {
            var written = 0
            @inline(__always) func emit(_ b: UInt32) {
                output?[written] = UInt8(truncatingIfNeeded: b)
                written += 1
            }
            var acc = self.acc
            var n = self.n
            base64Table.withUnsafeBufferPointer { table in
                for c in input {
                    let v = table[Int(c)]
                    if v == 0xFF {
                        if c == ASCII.equals {
                            // Padding ends a quantum: emit what it holds and start over.
                            if n == 2 { emit(acc >> 4) }
                            if n == 3 {
                                emit(acc >> 10)
                                emit(acc >> 2)
                            }
                            acc = 0
                            n = 0
                        }
                        continue
                    }
                    acc = (acc << 6) | UInt32(v)
                    n += 1
                    if n == 4 {
                        emit(acc >> 16)
                        emit(acc >> 8)
                        emit(acc)
                        acc = 0
                        n = 0
                    }
                }
            }
            (self.acc, self.n) = (acc, n)
            return written
        }

        /// The end of the data: what an unpadded last quantum holds (at most 2 bytes).
        mutating func finish(output: UnsafeMutablePointer<UInt8>?) -> Int {
            defer { (acc, n) = (0, 0) }
            switch n {
            case 2:
                output?[0] = UInt8(truncatingIfNeeded: acc >> 4)
                return 1
            case 3:
                output?[0] = UInt8(truncatingIfNeeded: acc >> 10)
                output?[1] = UInt8(truncatingIfNeeded: acc >> 2)
                return 2
            default:
                return 0
            }
        }
    }

    /// RFC 2045 §6.7 quoted-printable: "=XX" is a byte, "=" before a line break (after optional
    /// transport whitespace) is a soft line break, trailing whitespace on a line is removed (rule 3),
    /// and anything else is kept literally. Output never exceeds the input length.
    static func quotedPrintable(_ input: UnsafeRawBufferPointer, output: UnsafeMutablePointer<UInt8>?) -> Int {
        let n = input.count
        var written = 0
        @inline(__always) func emit(_ b: UInt8) {
            output?[written] = b
            written += 1
        }
        var i = 0
        var wsStart = -1  // start of a run of whitespace not yet written (dropped if the line ends)
        while i < n {
            let c = input[i]
            if ASCII.isWSP(c) {
                if wsStart < 0 { wsStart = i }
                i += 1
                continue
            }
            if c == ASCII.cr || c == ASCII.lf {
                wsStart = -1  // rule 3: trailing whitespace is transport padding
                emit(c)
                i += 1
                continue
            }
            if wsStart >= 0 {
                for k in wsStart..<i { emit(input[k]) }
                wsStart = -1
            }
            if c == ASCII.equals {
                if i + 2 < n, let h = ASCII.hexValue(input[i + 1]), let l = ASCII.hexValue(input[i + 2]) {
                    emit(h << 4 | l)
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
                emit(c)  // bad escape: keep "=" literally
                i += 1
                continue
            }
            emit(c)
            i += 1
        }
        return written
    }

    /// Decodes `body` (raw part body bytes) according to `encoding`.
    static func decode(_ body: UnsafeRawBufferPointer, _ encoding: TransferEncoding) -> [UInt8] {
        switch encoding {
        case .base64:
            return [UInt8](unsafeUninitializedCapacity: body.count / 4 * 3 + 3) { buf, count in
                count = base64(body, output: buf.baseAddress)
            }
        case .quotedPrintable:
            return [UInt8](unsafeUninitializedCapacity: body.count) { buf, count in
                count = quotedPrintable(body, output: buf.baseAddress)
            }
        default:
            return Array(body)
        }
    }

    /// The decoded length of `body`, without allocating.
    static func decodedCount(_ body: UnsafeRawBufferPointer, _ encoding: TransferEncoding) -> Int {
        switch encoding {
        case .base64: return base64(body, output: nil)
        case .quotedPrintable: return quotedPrintable(body, output: nil)
        default: return body.count
        }
    }

    static func base64<C: Collection>(_ input: C) -> [UInt8] where C.Element == UInt8 {
        let bytes = Array(input)
        return bytes.withUnsafeBytes { decode($0, .base64) }
    }
}
