// Value parsers on inputs Fuzz/FuzzConfig checks (Fuzz/corpus/FuzzConfig/regress-*): a digit with a combining
// mark is not a digit, and every duration `parse` accepts reads back from its `format`.

import Testing

@testable import Config

struct ValueRegressionTests {
    /// "1\u{301}" is one Character that a "0"..."9" range check admits; HostPort.isIPv4Literal then force-unwrapped
    /// Int("1\u{301}").
    @Test(arguments: ["1\u{301}.0.0.1:25", "127.0.0.1:2\u{301}5", "[::1]:9\u{300}93", "*:25\u{301}"])
    func combiningMarksAreNotDigits(_ text: String) {
        #expect(HostPort.parse(text) == nil)
        #expect(HostPort.parse(text, defaultPort: 25) == nil)
    }

    @Test func combiningMarksInSizesAndDurations() {
        #expect(ByteSize.parse("2\u{301}MB") == nil)
        #expect(DurationText.parse("3\u{301}0s") == nil)
        #expect(!Character("7\u{301}").isASCIIDigit)
        #expect(Character("7").isASCIIDigit)
    }

    /// Totals whose canonical spelling has a component of more than twelve digits (refused by the old digit cap).
    @Test(arguments: [
        "999999999999d999999999999h", "999999999999h999999999999m999999999999s", "9999999999999s",
        "106751991167300d",
    ])
    func largeDurationsReadBackFromFormat(_ text: String) throws {
        let duration = try #require(DurationText.parse(text))
        #expect(DurationText.parse(DurationText.format(duration)) == duration)
    }

    /// Overflowing totals are refused, not wrapped or trapped.
    @Test(arguments: [
        "106751991167301d", "9223372036854775808s", "106751991167300d1000000000h", "99999999999999999999s",
    ])
    func overflowingDurationsAreRefused(_ text: String) {
        #expect(DurationText.parse(text) == nil)
    }
}
