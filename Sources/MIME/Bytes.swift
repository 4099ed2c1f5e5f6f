// Byte-level helpers for the raw scan.
//
// Invariants:
// - `ByteView` never reads outside its buffer: every subscript and search clamps to `0..<count`,
//   so malformed input cannot cause an out-of-bounds read even in release builds (where
//   UnsafeRawBufferPointer does not check bounds).
// - A `ByteView` is only valid while the caller's buffer is; nothing here retains it.
import Foundation

enum ASCII {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let dash: UInt8 = 0x2D
    static let quote: UInt8 = 0x22
    static let backslash: UInt8 = 0x5C
    static let semicolon: UInt8 = 0x3B
    static let equals: UInt8 = 0x3D

    @inline(__always) static func isWSP(_ b: UInt8) -> Bool { b == space || b == tab }

    @inline(__always) static func lower(_ b: UInt8) -> UInt8 {
        (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b
    }

    @inline(__always) static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }
}

/// A read-only, bounds-checked window on message bytes.
struct ByteView {
    let base: UnsafeRawBufferPointer

    var count: Int { base.count }

    @inline(__always)
    subscript(_ i: Int) -> UInt8 {
        guard i >= 0, i < base.count else { return 0 }
        return base[i]
    }

    /// Index of the first `byte` in `from..<to` (clamped to the buffer), or nil.
    func firstIndex(of byte: UInt8, from: Int, to: Int) -> Int? {
        let lo = max(from, 0)
        let hi = min(to, base.count)
        guard lo < hi, let start = base.baseAddress else { return nil }
        guard let hit = memchr(start + lo, Int32(byte), hi - lo) else { return nil }
        return start.distance(to: UnsafeRawPointer(hit))
    }

    /// The line starting at `i` (ending at LF or at `limit`): where its content ends (before CR LF or
    /// a bare LF) and where the next line starts. RFC 5322 §2.1 wants CRLF; bare LF is accepted too.
    @inline(__always)
    func line(at i: Int, limit: Int) -> (contentEnd: Int, next: Int) {
        if let nl = firstIndex(of: ASCII.lf, from: i, to: limit) {
            let contentEnd = (nl > i && self[nl - 1] == ASCII.cr) ? nl - 1 : nl
            return (contentEnd, nl + 1)
        }
        let end = min(max(limit, i), base.count)
        return (end, end)
    }

    /// Number of LF bytes in `range` (Dovecot and RFC 9051 "body-fld-lines" count text lines this way).
    func countLines(in range: Range<Int>) -> Int {
        var n = 0
        var i = max(range.lowerBound, 0)
        let end = min(range.upperBound, base.count)
        while i < end, let nl = firstIndex(of: ASCII.lf, from: i, to: end) {
            n += 1
            i = nl + 1
        }
        return n
    }

    /// Whether the bytes at `i` equal `pattern` (all within `limit`).
    func matches(_ pattern: [UInt8], at i: Int, limit: Int) -> Bool {
        guard i >= 0, pattern.count <= min(limit, base.count) - i else { return false }
        guard let start = base.baseAddress else { return pattern.isEmpty }
        return pattern.withUnsafeBytes { p in
            guard let pb = p.baseAddress else { return true }
            return memcmp(start + i, pb, pattern.count) == 0
        }
    }

    /// A copy of the bytes in `range` (clamped).
    func bytes(_ range: Range<Int>) -> [UInt8] {
        let lo = max(range.lowerBound, 0)
        let hi = min(range.upperBound, base.count)
        guard lo < hi else { return [] }
        return Array(base[lo..<hi])
    }
}

extension Range where Bound == Int {
    /// The range clamped into `0..<size` (empty ranges keep a valid position).
    func clamped(toSize size: Int) -> Range<Int> {
        let lo = Swift.min(Swift.max(lowerBound, 0), size)
        let hi = Swift.min(Swift.max(upperBound, lo), size)
        return lo..<hi
    }
}

/// Converts header or text bytes of unknown charset to a String: UTF-8 when the bytes are valid
/// UTF-8 (RFC 6532 allows raw UTF-8 in headers), otherwise Windows-1252 (a superset of Latin-1 for
/// printable characters, which is what 8-bit legacy mail almost always is).
func stringFromUnknownBytes<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    var ascii = true
    for b in bytes where b >= 0x80 {
        ascii = false
        break
    }
    if ascii { return String(decoding: bytes, as: UTF8.self) }
    if let s = String(validating: bytes, as: UTF8.self) { return s }
    return windows1252String(bytes)
}

/// Windows-1252 code points for 0x80...0x9F (undefined ones map to the C1 control of the same value).
private let cp1252High: [UInt32] = [
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D,
    0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
    0x0153, 0x009D, 0x017E, 0x0178,
]

func windows1252String<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    var scalars = String.UnicodeScalarView()
    for b in bytes {
        let v: UInt32 = (b >= 0x80 && b <= 0x9F) ? cp1252High[Int(b - 0x80)] : UInt32(b)
        if let s = Unicode.Scalar(v) { scalars.append(s) }
    }
    return String(scalars)
}

func latin1String<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    var scalars = String.UnicodeScalarView()
    for b in bytes { scalars.append(Unicode.Scalar(b)) }
    return String(scalars)
}

extension String {
    /// ASCII-only lowercase (header names, media types, charset names): no locale, no Unicode tables.
    var asciiLowercased: String {
        var bytes = Array(utf8)
        var changed = false
        for i in bytes.indices where bytes[i] >= 0x41 && bytes[i] <= 0x5A {
            bytes[i] |= 0x20
            changed = true
        }
        return changed ? String(decoding: bytes, as: UTF8.self) : self
    }

    /// Case-insensitive ASCII comparison.
    func asciiCaseInsensitiveEquals(_ other: String) -> Bool {
        let a = utf8
        let b = other.utf8
        guard a.count == b.count else { return false }
        for (x, y) in zip(a, b) where ASCII.lower(x) != ASCII.lower(y) { return false }
        return true
    }

    /// Trims SP, HT, CR and LF from both ends.
    var trimmingWSP: String {
        func wsByte(_ b: UInt8?) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }
        if !wsByte(utf8.first), !wsByte(utf8.last) { return self }
        let scalars = unicodeScalars
        var lo = scalars.startIndex
        var hi = scalars.endIndex
        func ws(_ s: Unicode.Scalar) -> Bool { s == " " || s == "\t" || s == "\r" || s == "\n" }
        while lo < hi, ws(scalars[lo]) { lo = scalars.index(after: lo) }
        while hi > lo, ws(scalars[scalars.index(before: hi)]) { hi = scalars.index(before: hi) }
        return String(scalars[lo..<hi])
    }
}
