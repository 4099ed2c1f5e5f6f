// Charset conversion (MIME charset names, RFC 2046 §4.1.2 and the IANA registry) to Swift Strings.
//
// Invariants:
// - `Charset.decode` never throws and never fails: unknown names and undecodable bytes fall back
//   to UTF-8 (when the bytes are valid UTF-8) and then to Windows-1252/Latin-1.
// - Conversions go through Foundation's String.Encoding. On Linux (swift-corelibs-foundation) only a
//   few encodings have named constants, but CoreFoundation converts many more when given the
//   CFStringEncoding value as a "non-standard" NSStringEncoding (CF value | 0x8000_0000); the values
//   below are CoreFoundation's published constants. `Charset.supported` is checked by a test.
// - EUC-JP does not convert on Linux, so it is rewritten to ISO-2022-JP (same JIS X 0208 code points)
//   and converted from there.
import Foundation

public enum Charset {
    /// How one charset name is converted.
    enum Converter: Equatable {
        case utf8
        case ascii
        case latin1
        case windows1252
        case foundation(UInt)  // String.Encoding raw value
        case eucJP
    }

    /// CoreFoundation CFStringEncoding constants (CFStringEncodingExt.h) for charsets Linux lacks names for.
    private static func cf(_ value: UInt) -> Converter { .foundation(value | 0x8000_0000) }

    private static let table: [String: Converter] = {
        var t: [String: Converter] = [
            "utf-8": .utf8, "utf8": .utf8, "unicode-1-1-utf-8": .utf8,
            "us-ascii": .ascii, "ascii": .ascii, "ansi_x3.4-1968": .ascii, "iso646-us": .ascii, "646": .ascii,
            "iso-8859-1": .latin1, "iso8859-1": .latin1, "iso_8859-1": .latin1, "latin1": .latin1, "l1": .latin1,
            "iso-ir-100": .latin1, "ibm819": .latin1, "cp819": .latin1,
            "windows-1252": .windows1252, "cp1252": .windows1252, "x-cp1252": .windows1252,
            "iso-2022-jp": .foundation(String.Encoding.iso2022JP.rawValue),
            "csiso2022jp": .foundation(String.Encoding.iso2022JP.rawValue),
            "iso-2022-jp-2": cf(0x0821), "iso-2022-kr": cf(0x0840), "iso-2022-cn": cf(0x0830),
            "shift_jis": cf(0x0A01), "shift-jis": cf(0x0A01), "sjis": cf(0x0A01), "x-sjis": cf(0x0A01),
            "ms_kanji": cf(0x0A01), "windows-31j": cf(0x0420), "cp932": cf(0x0420),
            "euc-jp": .eucJP, "x-euc-jp": .eucJP, "eucjp": .eucJP,
            "euc-kr": cf(0x0940), "ks_c_5601-1987": cf(0x0422), "cp949": cf(0x0422), "windows-949": cf(0x0422),
            "korean": cf(0x0940),
            "gb2312": cf(0x0421), "euc-cn": cf(0x0421), "x-gbk": cf(0x0421), "gbk": cf(0x0421), "cp936": cf(0x0421),
            "windows-936": cf(0x0421), "gb_2312-80": cf(0x0421), "chinese": cf(0x0421),
            "gb18030": cf(0x0632),
            "big5": cf(0x0A03), "big-5": cf(0x0A03), "cn-big5": cf(0x0A03), "x-x-big5": cf(0x0A03), "cp950": cf(0x0423),
            "big5-hkscs": cf(0x0A06),
            "koi8-r": cf(0x0A02), "koi8r": cf(0x0A02), "koi8-u": cf(0x0A08), "koi8-ru": cf(0x0A08),
            "utf-16": .foundation(String.Encoding.utf16.rawValue),
            "utf-16be": .foundation(String.Encoding.utf16BigEndian.rawValue),
            "utf-16le": .foundation(String.Encoding.utf16LittleEndian.rawValue),
            "utf-32": .foundation(String.Encoding.utf32.rawValue),
            "utf-32be": .foundation(String.Encoding.utf32BigEndian.rawValue),
            "utf-32le": .foundation(String.Encoding.utf32LittleEndian.rawValue),
            "utf-7": cf(0x0400_0100), "unicode-1-1-utf-7": cf(0x0400_0100),
            // String.Encoding.macOSRoman converts wrongly on Linux; the CoreFoundation value works.
            "macintosh": cf(0), "mac": cf(0), "x-mac-roman": cf(0),
            // TIS-620 itself does not convert on Linux; Windows-874 is its superset.
            "tis-620": cf(0x041D), "windows-874": cf(0x041D), "cp874": cf(0x041D),
            "cp866": cf(0x041B), "ibm866": cf(0x041B), "cp855": cf(0x0413), "cp850": cf(0x0410), "ibm850": cf(0x0410),
            "cp437": cf(0x0400), "ibm437": cf(0x0400),
        ]
        // ISO-8859-N: kCFStringEncodingISOLatin* = 0x0200 + N (no part 12).
        for n in 2...16 where n != 12 {
            let c = cf(0x0200 + UInt(n))
            t["iso-8859-\(n)"] = c
            t["iso8859-\(n)"] = c
            t["iso_8859-\(n)"] = c
        }
        t["latin2"] = cf(0x0202)
        t["latin-9"] = cf(0x020F)
        t["latin9"] = cf(0x020F)
        t["iso-8859-8-i"] = cf(0x0208)
        // Windows-125N: kCFStringEncodingWindowsLatin2 = 0x0501 ... WindowsVietnamese = 0x0508.
        let windows: [(Int, UInt)] = [
            (1250, 0x0501), (1251, 0x0502), (1253, 0x0503), (1254, 0x0504), (1255, 0x0505), (1256, 0x0506),
            (1257, 0x0507), (1258, 0x0508),
        ]
        for (n, v) in windows {
            t["windows-\(n)"] = cf(v)
            t["cp\(n)"] = cf(v)
            t["x-cp\(n)"] = cf(v)
        }
        return t
    }()

    /// Normalises a charset name from a header: trims, strips quotes and an RFC 2231 language suffix.
    static func normalizedName(_ name: String) -> String {
        var n = name.trimmingWSP.asciiLowercased
        if n.hasPrefix("\""), n.hasSuffix("\""), n.count >= 2 { n = String(n.dropFirst().dropLast()) }
        if let star = n.firstIndex(of: "*") { n = String(n[..<star]) }  // RFC 2231 §5: charset*language
        return n.trimmingWSP
    }

    static func converter(for name: String) -> Converter? { table[normalizedName(name)] }

    /// Whether `name` is a charset this module knows how to convert.
    public static func isKnown(_ name: String) -> Bool { converter(for: name) != nil }

    /// Decodes `bytes` in `charset` (nil: unknown). Never fails: see the fallback rule at the top.
    public static func decode<C: Collection>(_ bytes: C, charset: String?) -> String where C.Element == UInt8 {
        guard let charset, let conv = converter(for: charset) else { return fallback(bytes) }
        if let s = convert(bytes, conv) { return s }
        return fallback(bytes)
    }

    /// Decoding as `charset` exactly, or nil when the name is unknown or the bytes do not convert.
    public static func strictDecode<C: Collection>(_ bytes: C, charset: String) -> String?
    where C.Element == UInt8 {
        guard let conv = converter(for: charset) else { return nil }
        return convert(bytes, conv)
    }

    private static func fallback<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        stringFromUnknownBytes(bytes)
    }

    private static func convert<C: Collection>(_ bytes: C, _ conv: Converter) -> String? where C.Element == UInt8 {
        switch conv {
        case .utf8:
            // Declared UTF-8 with broken sequences: keep what is readable (U+FFFD for the rest).
            return String(decoding: bytes, as: UTF8.self)
        case .ascii:
            // Mail labelled US-ASCII often carries 8-bit text: read it like an unlabelled header.
            return stringFromUnknownBytes(bytes)
        case .latin1:
            return latin1String(bytes)
        case .windows1252:
            return windows1252String(bytes)
        case .foundation(let raw):
            if bytes.isEmpty { return "" }
            return String(bytes: Array(bytes), encoding: String.Encoding(rawValue: raw))
        case .eucJP:
            return decodeEUCJP(Array(bytes))
        }
    }

    /// EUC-JP → ISO-2022-JP rewrite (JIS X 0208 pairs are the same code points with the high bits set);
    /// half-width katakana (SS2 0x8E) maps to U+FF61...U+FF9F; JIS X 0212 (SS3 0x8F) becomes U+FFFD.
    private static func decodeEUCJP(_ b: [UInt8]) -> String? {
        var out = ""
        var jis: [UInt8] = []  // pending JIS X 0208 pairs, 7-bit
        func flushJIS() -> Bool {
            guard !jis.isEmpty else { return true }
            let seq: [UInt8] = [0x1B, 0x24, 0x42] + jis + [0x1B, 0x28, 0x42]
            jis.removeAll(keepingCapacity: true)
            guard let s = String(bytes: seq, encoding: .iso2022JP) else { return false }
            out += s
            return true
        }
        var i = 0
        while i < b.count {
            let c = b[i]
            if c < 0x80 {
                guard flushJIS() else { return nil }
                out.unicodeScalars.append(Unicode.Scalar(c))
                i += 1
            } else if c == 0x8E, i + 1 < b.count, b[i + 1] >= 0xA1, b[i + 1] <= 0xDF {
                guard flushJIS() else { return nil }
                if let s = Unicode.Scalar(0xFF61 + UInt32(b[i + 1] - 0xA1)) { out.unicodeScalars.append(s) }
                i += 2
            } else if c == 0x8F, i + 2 < b.count {
                guard flushJIS() else { return nil }
                out.unicodeScalars.append("\u{FFFD}")
                i += 3
            } else if c >= 0xA1, c <= 0xFE, i + 1 < b.count, b[i + 1] >= 0xA1, b[i + 1] <= 0xFE {
                jis.append(c & 0x7F)
                jis.append(b[i + 1] & 0x7F)
                i += 2
            } else {
                return nil
            }
        }
        guard flushJIS() else { return nil }
        return out
    }
}
