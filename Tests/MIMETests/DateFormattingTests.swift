import Foundation
import Testing

@testable import MIME

@Suite struct DateFormattingTests {
    static let reference: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return f
    }()

    /// Same text as Foundation's formatter across leap days, century years, both sides of 1970 and fractions.
    @Test func matchesFoundationInUTC() {
        var instants: [TimeInterval] = [0, -1, 0.999, 951_782_400, 951_868_799.5, 4_107_542_400, -2_208_988_800]
        var t: TimeInterval = -3_000_000_000
        while t < 5_000_000_000 {
            instants.append(t)
            t += 7_777_777.25
        }
        for instant in instants {
            let date = Date(timeIntervalSince1970: instant)
            #expect(MessageDate.rfc5322(date) == Self.reference.string(from: date), "\(instant)")
        }
    }

    @Test func zonesAndRoundTrip() {
        let date = Date(timeIntervalSince1970: 1_795_773_600)  // 2026-11-27 10:00:00 UTC
        #expect(MessageDate.rfc5322(date) == "Fri, 27 Nov 2026 10:00:00 +0000")
        #expect(
            MessageDate(date: date, timeZoneOffset: -(5 * 3600 + 30 * 60)).rfc5322 == "Fri, 27 Nov 2026 04:30:00 -0530")
        #expect(MessageDate(date: date, timeZoneOffset: 14 * 3600).rfc5322 == "Sat, 28 Nov 2026 00:00:00 +1400")
        let parsed = MessageDate(parsing: MessageDate(date: date, timeZoneOffset: 3600).rfc5322)
        #expect(parsed == MessageDate(date: date, timeZoneOffset: 3600))
    }
}
