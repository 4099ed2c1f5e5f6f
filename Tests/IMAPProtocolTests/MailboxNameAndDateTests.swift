// Modified UTF-7 (RFC 3501 §5.1.3), mailbox name decoding per session mode, INBOX, and dates.

import NIOCore
import Testing

@testable import IMAPProtocol

@Suite struct ModifiedUTF7Tests {
    static let pairs: [(String, String)] = [
        ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),  // RFC 3501 §5.1.3
        ("Tom & Jerry", "Tom &- Jerry"),
        ("&", "&-"),
        ("Entwürfe", "Entw&APw-rfe"),
        ("Gelöschte Elemente", "Gel&APY-schte Elemente"),
        ("Отправленные", "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-"),
        ("😀 smile", "&2D3eAA- smile"),  // a surrogate pair
        ("plain", "plain"),
        ("", ""),
    ]

    @Test func roundTrips() throws {
        for (text, wire) in Self.pairs {
            #expect(String(decoding: ModifiedUTF7.encode(text), as: UTF8.self) == wire)
            #expect(try ModifiedUTF7.decode(Array(wire.utf8)) == text)
        }
    }

    @Test(arguments: ["&", "&U,BTFw", "&U,BTF-", "&AGE-", "&2D0-", "caf\u{e9}", "tab\there", "&U,B!-", "&Jjo"])
    func rejectsMalformed(_ wire: String) {
        #expect(throws: MailboxNameError.self) { try ModifiedUTF7.decode(Array(wire.utf8)) }
    }

    @Test func mailboxNameDecodesPerSessionMode() throws {
        let utf7 = MailboxName("~peter/mail/&U,BTFw-/&ZeVnLIqe-")
        #expect(try utf7.decoded(utf8Accepted: false) == "~peter/mail/台北/日本語")
        #expect(try utf7.decoded(utf8Accepted: true) == "~peter/mail/&U,BTFw-/&ZeVnLIqe-")
        let utf8 = MailboxName("~peter/mail/台北/日本語")
        #expect(try utf8.decoded(utf8Accepted: true) == "~peter/mail/台北/日本語")
        #expect(try utf8.decoded(utf8Accepted: false) == "~peter/mail/台北/日本語")  // lenient for rev1 clients
        #expect(throws: MailboxNameError.invalidUTF8) { try MailboxName([0xFF, 0x41]).decoded(utf8Accepted: true) }
        #expect(throws: MailboxNameError.controlCharacter) { try MailboxName("a\u{7}b").decoded(utf8Accepted: true) }
        #expect(try MailboxPattern("Entw&APw-rfe/%").decoded(utf8Accepted: false) == "Entwürfe/%")
    }

    @Test func inboxIsCaseInsensitive() throws {
        for spelling in ["INBOX", "inbox", "InBoX"] {
            #expect(MailboxName(spelling) == .inbox)
            #expect(MailboxName(spelling).isInbox)
        }
        #expect(!MailboxName("INBOX/Sub").isInbox)
        #expect(!MailboxName("INBOXES").isInbox)
        #expect(try parse("a SELECT {5}\r\niNbOx").command == .select(.inbox, .none))
    }
}

@Suite struct DateTests {
    @Test func dateTimeParsesAndEncodes() throws {
        let value = try #require(IMAPDateTime(parsing: "\"17-Jul-1996 02:44:25 -0700\""))
        #expect(value.description == "17-Jul-1996 02:44:25 -0700")
        #expect(value.secondsSince1970 == 837_596_665)
        #expect(value.zoneMinutes == -420)
        let padded = try #require(IMAPDateTime(parsing: "\" 1-Jul-2002 22:35:00 +0200\""))
        #expect(padded.description == " 1-Jul-2002 22:35:00 +0200")
        #expect(IMAPDateTime(parsing: "\"1-Jul-2002 22:35:00 +0200\"") == padded)  // lenient: one digit
        #expect(IMAPDateTime(parsing: "\"01-jul-2002 22:35:00 +0200\"") == padded)  // month is case-insensitive
    }

    @Test func dateTimeFromEpoch() {
        #expect(IMAPDateTime(secondsSince1970: 0).description == " 1-Jan-1970 00:00:00 +0000")
        #expect(
            IMAPDateTime(secondsSince1970: 837_596_665, zoneMinutes: -420).description == "17-Jul-1996 02:44:25 -0700")
        #expect(IMAPDateTime(secondsSince1970: 951_782_400).description == "29-Feb-2000 00:00:00 +0000")
        #expect(IMAPDateTime(secondsSince1970: -1).description == "31-Dec-1969 23:59:59 +0000")
        #expect(
            IMAPDateTime(secondsSince1970: 1_700_000_000, zoneMinutes: 330).description == "15-Nov-2023 03:43:20 +0530")
        for seconds: Int64 in [-86_401, -1, 0, 59, 86_399, 1_000_000_000, 4_102_444_800] {
            #expect(IMAPDateTime(secondsSince1970: seconds, zoneMinutes: -90).secondsSince1970 == seconds)
        }
        _ = IMAPDateTime(secondsSince1970: .max, zoneMinutes: .max)  // clamped, no trap
        _ = IMAPDateTime(secondsSince1970: .min, zoneMinutes: .min)
    }

    @Test(arguments: [
        "\"17-Jul-1996 02:44:25\"", "\"32-Jul-1996 02:44:25 -0700\"", "\"29-Feb-2001 00:00:00 +0000\"",
        "\"17-Jux-1996 02:44:25 -0700\"", "\"17-Jul-1996 24:00:00 -0700\"", "\"17-Jul-1996 02:44:25 -0760\"",
        "17-Jul-1996 02:44:25 -0700", "\"17-Jul-96 02:44:25 -0700\"",
    ])
    func invalidDateTimes(_ text: String) {
        #expect(IMAPDateTime(parsing: text) == nil)
    }

    @Test func searchDates() {
        #expect(IMAPDate(parsing: "1-Feb-1994")?.description == "1-Feb-1994")
        #expect(IMAPDate(parsing: "\"01-Feb-1994\"") == IMAPDate(year: 1994, month: 2, day: 1))
        #expect(IMAPDate(parsing: "29-Feb-2000") != nil)
        #expect(IMAPDate(parsing: "29-Feb-1900") == nil)
        #expect(IMAPDate(parsing: "1-Feb-94") == nil)
        #expect(IMAPDate(parsing: "123-Feb-1994") == nil)
        #expect(IMAPDate(year: 1970, month: 1, day: 2)?.daysSince1970 == 1)
    }
}
