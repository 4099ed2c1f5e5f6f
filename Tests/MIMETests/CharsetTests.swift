import Foundation
import Testing

@testable import MIME

/// The charsets that convert on this platform (swift-corelibs-foundation on Linux, checked with
/// Swift 6.3.1): name, sample bytes, expected text.
@Suite struct CharsetTests {
    static let supported: [(String, [UInt8], String)] = [
        ("UTF-8", [0x63, 0x61, 0x66, 0xC3, 0xA9], "café"),
        ("US-ASCII", [0x61, 0x62, 0x63], "abc"),
        ("ISO-8859-1", [0x63, 0x61, 0x66, 0xE9], "café"),
        ("ISO-8859-2", [0xB1, 0xE6], "ąć"),
        ("ISO-8859-3", [0xA1], "Ħ"),
        ("ISO-8859-4", [0xA1], "Ą"),
        ("ISO-8859-5", [0xB0, 0xB1], "АБ"),
        ("ISO-8859-6", [0xC7], "ا"),
        ("ISO-8859-7", [0xC1, 0xE1], "Αα"),
        ("ISO-8859-8", [0xE0], "א"),
        ("ISO-8859-9", [0xD0], "Ğ"),
        ("ISO-8859-10", [0xA1], "Ą"),
        ("ISO-8859-13", [0xA1], "”"),
        ("ISO-8859-14", [0xA1], "Ḃ"),
        ("ISO-8859-15", [0xA4], "€"),
        ("ISO-8859-16", [0xA1], "Ą"),
        ("windows-1250", [0x8A, 0xB9], "Šą"),
        ("windows-1251", [0xC0, 0xE0], "Аа"),
        ("windows-1252", [0x80, 0x93, 0x94], "€“”"),
        ("windows-1253", [0xC1], "Α"),
        ("windows-1254", [0xD0], "Ğ"),
        ("windows-1255", [0xE0], "א"),
        ("windows-1256", [0xC7], "ا"),
        ("windows-1257", [0xC0], "Ą"),
        ("windows-1258", [0xC3], "Ă"),
        ("KOI8-R", [0xF0, 0xD2, 0xC9, 0xD7, 0xC5, 0xD4], "Привет"),
        ("KOI8-U", [0xA4], "є"),
        ("ISO-2022-JP", [0x1B, 0x24, 0x42, 0x30, 0x21, 0x1B, 0x28, 0x42], "亜"),
        ("Shift_JIS", [0x82, 0xA0], "あ"),
        ("EUC-JP", [0xA4, 0xA2, 0x41, 0x8E, 0xB1], "あAｱ"),
        ("EUC-KR", [0xB0, 0xA1], "가"),
        ("ks_c_5601-1987", [0xB0, 0xA1], "가"),
        ("GB2312", [0xC4, 0xE3, 0xBA, 0xC3], "你好"),
        ("GBK", [0xC4, 0xE3, 0xBA, 0xC3], "你好"),
        ("GB18030", [0xC4, 0xE3, 0xBA, 0xC3], "你好"),
        ("Big5", [0xA4, 0x40], "一"),
        ("UTF-16BE", [0x00, 0x41, 0x00, 0xE9], "Aé"),
        ("UTF-16LE", [0x41, 0x00, 0xE9, 0x00], "Aé"),
        ("UTF-7", Array("+AGEAYgBj-".utf8), "abc"),
        ("macintosh", [0x8E], "é"),
        ("ISO-2022-JP-2", [0x1B, 0x24, 0x42, 0x30, 0x21, 0x1B, 0x28, 0x42], "亜"),
        ("ISO-2022-KR", [0x1B, 0x24, 0x29, 0x43, 0x0E, 0x30, 0x21, 0x0F], "가"),
        ("ISO-2022-CN", [0x1B, 0x24, 0x29, 0x41, 0x0E, 0x44, 0x63, 0x0F], "你"),
        ("windows-949", [0xB0, 0xA1, 0x81, 0x41], "가갂"),
        ("windows-874", [0xA1], "ก"),
        ("TIS-620", [0xA1], "ก"),
        ("IBM866", [0xA6], "ж"),
        ("cp850", [0xA4], "ñ"),
    ]

    @Test(arguments: supported.map { $0.0 })
    func charsetConverts(_ name: String) throws {
        let (_, bytes, expected) = try #require(Self.supported.first { $0.0 == name })
        #expect(Charset.isKnown(name))
        #expect(Charset.strictDecode(bytes, charset: name) == expected)
        #expect(Charset.decode(bytes, charset: name) == expected)
    }

    @Test func namesAreNormalised() {
        #expect(Charset.decode([0xE9], charset: "\"ISO-8859-1\"") == "é")
        #expect(Charset.decode([0xE9], charset: " latin1 ") == "é")
        #expect(Charset.decode([0xE9], charset: "iso-8859-1*fr") == "é")  // RFC 2231 language suffix
        #expect(Charset.decode([0xC3, 0xA9], charset: "UTF8") == "é")
    }

    @Test func fallbacks() {
        // Unknown charset: valid UTF-8 is read as UTF-8, anything else as Windows-1252.
        #expect(Charset.decode([0xC3, 0xA9], charset: "x-unknown") == "é")
        #expect(Charset.decode([0xE9, 0x80], charset: "x-unknown") == "é€")
        #expect(Charset.decode([0xE9], charset: nil) == "é")
        // US-ASCII labels with 8-bit UTF-8 content.
        #expect(Charset.decode([0xC3, 0xA9], charset: "us-ascii") == "é")
        // Declared UTF-8 but broken: replacement characters, never a failure.
        #expect(Charset.decode([0x61, 0xFF, 0x62], charset: "utf-8") == "a\u{FFFD}b")
        // A charset Foundation knows but the bytes do not convert: fallback, no throw.
        #expect(Charset.decode([0xFF, 0xFF], charset: "shift_jis").isEmpty == false)
        #expect(Charset.decode([0x1B, 0x24, 0x42, 0xFF], charset: "iso-2022-jp").isEmpty == false)
        #expect(Charset.decode([], charset: "koi8-r") == "")
    }

    @Test func encodedWordsInManyCharsets() {
        #expect(EncodedWords.decode("=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=") == "こんにちは")
        #expect(EncodedWords.decode("=?koi8-r?Q?=F0=D2=C9=D7=C5=D4?=") == "Привет")
        #expect(EncodedWords.decode("=?windows-1252?Q?caf=E9_=80?=") == "café €")
        #expect(EncodedWords.decode("=?GB18030?B?xOO6ww==?=") == "你好")
        #expect(EncodedWords.decode("=?Shift_JIS?B?grGC8YLJgr+CzQ==?=") == "こんにちは")
        #expect(EncodedWords.decode("=?EUC-KR?B?vsiz58fPvLy/5A==?=") == "안녕하세요")
        #expect(EncodedWords.decode("=?big5?B?pKSk5Q==?=") == "中文")
        // A UTF-8 character split across two adjacent words.
        #expect(EncodedWords.decode("=?UTF-8?B?w6k=?= =?UTF-8?Q?=C3?= =?UTF-8?Q?=A9?=") == "éé")
        // Language suffix (RFC 2231 §5) and lowercase encoding letter.
        #expect(EncodedWords.decode("=?utf-8*en?q?hello_world?=") == "hello world")
        // Malformed words stay as written.
        #expect(EncodedWords.decode("=?utf-8?x?abc?=") == "=?utf-8?x?abc?=")
        #expect(EncodedWords.decode("=?utf-8?q?unterminated") == "=?utf-8?q?unterminated")
        #expect(EncodedWords.decode("a =?utf-8?q?b?= c") == "a b c")
    }
}
