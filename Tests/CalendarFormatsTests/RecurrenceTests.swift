import Foundation
import Testing

@testable import CalendarFormats

/// The RRULE examples of RFC 5545 §3.8.5.3 ("All examples assume the Eastern United States time zone"), each
/// expanded from DTSTART;TZID=America/New_York and compared, on the New York wall clock, with the instance list the
/// RFC prints. Rules that go on forever are compared over the RFC's listed prefix.
@Suite struct RFC5545RecurrenceExamples {
    struct Example: CustomTestStringConvertible, Sendable {
        var name: String
        var dtstart: String
        var rule: String
        var expected: [String]
        var exdate: String? = nil
        var testDescription: String { name }
    }

    static let examples: [Example] = [
        Example(
            name: "Daily for 10 occurrences", dtstart: "19970902T090000", rule: "FREQ=DAILY;COUNT=10",
            expected: Fixture.dates("1997-09: 2-11")),
        Example(
            name: "Daily until December 24, 1997", dtstart: "19970902T090000",
            rule: "FREQ=DAILY;UNTIL=19971224T000000Z",
            expected: Fixture.dates("1997-09: 2-30; 1997-10: 1-31; 1997-11: 1-30; 1997-12: 1-23")),
        Example(
            name: "Every other day", dtstart: "19970902T090000", rule: "FREQ=DAILY;INTERVAL=2",
            expected: Fixture.dates(
                "1997-09: 2,4,6,8,10,12,14,16,18,20,22,24,26,28,30; 1997-10: 2,4,6,8,10,12,14,16,18,20,22,24,26,28,30; 1997-11: 1,3,5"
            )),
        Example(
            name: "Every 10 days, 5 occurrences", dtstart: "19970902T090000", rule: "FREQ=DAILY;INTERVAL=10;COUNT=5",
            expected: Fixture.dates("1997-09: 2,12,22; 1997-10: 2,12")),
        Example(
            name: "Every day in January, for 3 years (YEARLY)", dtstart: "19980101T090000",
            rule: "FREQ=YEARLY;UNTIL=20000131T140000Z;BYMONTH=1;BYDAY=SU,MO,TU,WE,TH,FR,SA",
            expected: Fixture.dates("1998-01: 1-31; 1999-01: 1-31; 2000-01: 1-31")),
        Example(
            name: "Every day in January, for 3 years (DAILY)", dtstart: "19980101T090000",
            rule: "FREQ=DAILY;UNTIL=20000131T140000Z;BYMONTH=1",
            expected: Fixture.dates("1998-01: 1-31; 1999-01: 1-31; 2000-01: 1-31")),
        Example(
            name: "Weekly for 10 occurrences", dtstart: "19970902T090000", rule: "FREQ=WEEKLY;COUNT=10",
            expected: Fixture.dates("1997-09: 2,9,16,23,30; 1997-10: 7,14,21,28; 1997-11: 4")),
        Example(
            name: "Weekly until December 24, 1997", dtstart: "19970902T090000",
            rule: "FREQ=WEEKLY;UNTIL=19971224T000000Z",
            expected: Fixture.dates(
                "1997-09: 2,9,16,23,30; 1997-10: 7,14,21,28; 1997-11: 4,11,18,25; 1997-12: 2,9,16,23")),
        Example(
            name: "Every other week", dtstart: "19970902T090000", rule: "FREQ=WEEKLY;INTERVAL=2;WKST=SU",
            expected: Fixture.dates(
                "1997-09: 2,16,30; 1997-10: 14,28; 1997-11: 11,25; 1997-12: 9,23; 1998-01: 6,20; 1998-02: 3,17")),
        Example(
            name: "Weekly on Tuesday and Thursday for five weeks (UNTIL)", dtstart: "19970902T090000",
            rule: "FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH",
            expected: Fixture.dates("1997-09: 2,4,9,11,16,18,23,25,30; 1997-10: 2")),
        Example(
            name: "Weekly on Tuesday and Thursday for five weeks (COUNT)", dtstart: "19970902T090000",
            rule: "FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH",
            expected: Fixture.dates("1997-09: 2,4,9,11,16,18,23,25,30; 1997-10: 2")),
        Example(
            name: "Every other week on Monday, Wednesday, and Friday until December 24", dtstart: "19970901T090000",
            rule: "FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR",
            expected: Fixture.dates(
                "1997-09: 1,3,5,15,17,19,29; 1997-10: 1,3,13,15,17,27,29,31; 1997-11: 10,12,14,24,26,28; 1997-12: 8,10,12,22"
            )),
        Example(
            name: "Every other week on Tuesday and Thursday, for 8 occurrences", dtstart: "19970902T090000",
            rule: "FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH",
            expected: Fixture.dates("1997-09: 2,4,16,18,30; 1997-10: 2,14,16")),
        Example(
            name: "Monthly on the first Friday for 10 occurrences", dtstart: "19970905T090000",
            rule: "FREQ=MONTHLY;COUNT=10;BYDAY=1FR",
            expected: Fixture.dates(
                "1997-09: 5; 1997-10: 3; 1997-11: 7; 1997-12: 5; 1998-01: 2; 1998-02: 6; 1998-03: 6; 1998-04: 3; 1998-05: 1; 1998-06: 5"
            )),
        Example(
            name: "Monthly on the first Friday until December 24, 1997", dtstart: "19970905T090000",
            rule: "FREQ=MONTHLY;UNTIL=19971224T000000Z;BYDAY=1FR",
            expected: Fixture.dates("1997-09: 5; 1997-10: 3; 1997-11: 7; 1997-12: 5")),
        Example(
            name: "Every other month on the first and last Sunday for 10 occurrences", dtstart: "19970907T090000",
            rule: "FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU",
            expected: Fixture.dates("1997-09: 7,28; 1997-11: 2,30; 1998-01: 4,25; 1998-03: 1,29; 1998-05: 3,31")),
        Example(
            name: "Monthly on the second-to-last Monday for 6 months", dtstart: "19970922T090000",
            rule: "FREQ=MONTHLY;COUNT=6;BYDAY=-2MO",
            expected: Fixture.dates("1997-09: 22; 1997-10: 20; 1997-11: 17; 1997-12: 22; 1998-01: 19; 1998-02: 16")),
        Example(
            name: "Monthly on the third-to-the-last day of the month", dtstart: "19970928T090000",
            rule: "FREQ=MONTHLY;BYMONTHDAY=-3",
            expected: Fixture.dates("1997-09: 28; 1997-10: 29; 1997-11: 28; 1997-12: 29; 1998-01: 29; 1998-02: 26")),
        Example(
            name: "Monthly on the 2nd and 15th for 10 occurrences", dtstart: "19970902T090000",
            rule: "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15",
            expected: Fixture.dates("1997-09: 2,15; 1997-10: 2,15; 1997-11: 2,15; 1997-12: 2,15; 1998-01: 2,15")),
        Example(
            name: "Monthly on the first and last day for 10 occurrences", dtstart: "19970930T090000",
            rule: "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1",
            expected: Fixture.dates(
                "1997-09: 30; 1997-10: 1,31; 1997-11: 1,30; 1997-12: 1,31; 1998-01: 1,31; 1998-02: 1")),
        Example(
            name: "Every 18 months on the 10th thru 15th for 10 occurrences", dtstart: "19970910T090000",
            rule: "FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15",
            expected: Fixture.dates("1997-09: 10-15; 1999-03: 10-13")),
        Example(
            name: "Every Tuesday, every other month", dtstart: "19970902T090000",
            rule: "FREQ=MONTHLY;INTERVAL=2;BYDAY=TU",
            expected: Fixture.dates(
                "1997-09: 2,9,16,23,30; 1997-11: 4,11,18,25; 1998-01: 6,13,20,27; 1998-03: 3,10,17,24,31")),
        Example(
            name: "Yearly in June and July for 10 occurrences", dtstart: "19970610T090000",
            rule: "FREQ=YEARLY;COUNT=10;BYMONTH=6,7",
            expected: Fixture.dates(
                "1997-06: 10; 1997-07: 10; 1998-06: 10; 1998-07: 10; 1999-06: 10; 1999-07: 10; 2000-06: 10; 2000-07: 10; 2001-06: 10; 2001-07: 10"
            )),
        Example(
            name: "Every other year on January, February, and March for 10 occurrences", dtstart: "19970310T090000",
            rule: "FREQ=YEARLY;INTERVAL=2;COUNT=10;BYMONTH=1,2,3",
            expected: Fixture.dates(
                "1997-03: 10; 1999-01: 10; 1999-02: 10; 1999-03: 10; 2001-01: 10; 2001-02: 10; 2001-03: 10; 2003-01: 10; 2003-02: 10; 2003-03: 10"
            )),
        Example(
            name: "Every third year on the 1st, 100th, and 200th day for 10 occurrences", dtstart: "19970101T090000",
            rule: "FREQ=YEARLY;INTERVAL=3;COUNT=10;BYYEARDAY=1,100,200",
            expected: Fixture.dates(
                "1997-01: 1; 1997-04: 10; 1997-07: 19; 2000-01: 1; 2000-04: 9; 2000-07: 18; 2003-01: 1; 2003-04: 10; 2003-07: 19; 2006-01: 1"
            )),
        Example(
            name: "Every 20th Monday of the year", dtstart: "19970519T090000", rule: "FREQ=YEARLY;BYDAY=20MO",
            expected: Fixture.dates("1997-05: 19; 1998-05: 18; 1999-05: 17")),
        Example(
            name: "Monday of week number 20", dtstart: "19970512T090000", rule: "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO",
            expected: Fixture.dates("1997-05: 12; 1998-05: 11; 1999-05: 17")),
        Example(
            name: "Every Thursday in March", dtstart: "19970313T090000", rule: "FREQ=YEARLY;BYMONTH=3;BYDAY=TH",
            expected: Fixture.dates("1997-03: 13,20,27; 1998-03: 5,12,19,26; 1999-03: 4,11,18,25")),
        Example(
            name: "Every Thursday, but only during June, July, and August", dtstart: "19970605T090000",
            rule: "FREQ=YEARLY;BYDAY=TH;BYMONTH=6,7,8",
            expected: Fixture.dates(
                "1997-06: 5,12,19,26; 1997-07: 3,10,17,24,31; 1997-08: 7,14,21,28; 1998-06: 4,11,18,25; 1998-07: 2,9,16,23,30; 1998-08: 6,13,20,27; 1999-06: 3,10,17,24; 1999-07: 1,8,15,22,29; 1999-08: 5,12,19,26"
            )),
        Example(
            name: "Every Friday the 13th", dtstart: "19970902T090000", rule: "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13",
            expected: Fixture.dates("1998-02: 13; 1998-03: 13; 1998-11: 13; 1999-08: 13; 2000-10: 13"),
            exdate: "19970902T090000"),
        Example(
            name: "The first Saturday that follows the first Sunday of the month", dtstart: "19970913T090000",
            rule: "FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13",
            expected: Fixture.dates(
                "1997-09: 13; 1997-10: 11; 1997-11: 8; 1997-12: 13; 1998-01: 10; 1998-02: 7; 1998-03: 7; 1998-04: 11; 1998-05: 9; 1998-06: 13"
            )),
        Example(
            name: "U.S. Presidential Election day", dtstart: "19961105T090000",
            rule: "FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8",
            expected: Fixture.dates("1996-11: 5; 2000-11: 7; 2004-11: 2")),
        Example(
            name: "The third instance of one of Tuesday, Wednesday, or Thursday", dtstart: "19970904T090000",
            rule: "FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3",
            expected: Fixture.dates("1997-09: 4; 1997-10: 7; 1997-11: 6")),
        Example(
            name: "The second-to-last weekday of the month", dtstart: "19970929T090000",
            rule: "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2",
            expected: Fixture.dates(
                "1997-09: 29; 1997-10: 30; 1997-11: 27; 1997-12: 30; 1998-01: 29; 1998-02: 26; 1998-03: 30")),
        // RFC 5545 §3.3.10 BYSETPOS text: "the last work day of the month"; checked against a calendar by hand.
        Example(
            name: "The last weekday of the month", dtstart: "19970930T090000",
            rule: "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
            expected: Fixture.dates(
                "1997-09: 30; 1997-10: 31; 1997-11: 28; 1997-12: 31; 1998-01: 30; 1998-02: 27; 1998-03: 31")),
        // The RFC prints UNTIL=19970902T170000Z (13:00 EDT), which would stop after 12:00; 17:00 EDT is 21:00Z.
        Example(
            name: "Every 3 hours from 9:00 AM to 5:00 PM", dtstart: "19970902T090000",
            rule: "FREQ=HOURLY;INTERVAL=3;UNTIL=19970902T210000Z",
            expected: ["19970902T090000", "19970902T120000", "19970902T150000"]),
        Example(
            name: "Every 15 minutes for 6 occurrences", dtstart: "19970902T090000",
            rule: "FREQ=MINUTELY;INTERVAL=15;COUNT=6",
            expected: ["090000", "091500", "093000", "094500", "100000", "101500"].map { "19970902T" + $0 }),
        Example(
            name: "Every hour and a half for 4 occurrences", dtstart: "19970902T090000",
            rule: "FREQ=MINUTELY;INTERVAL=90;COUNT=4",
            expected: ["090000", "103000", "120000", "133000"].map { "19970902T" + $0 }),
        Example(
            name: "Every 20 minutes from 9:00 AM to 4:40 PM (DAILY)", dtstart: "19970902T090000",
            rule: "FREQ=DAILY;BYHOUR=9,10,11,12,13,14,15,16;BYMINUTE=0,20,40",
            expected: RFC5545RecurrenceExamples.everyTwentyMinutes),
        Example(
            name: "Every 20 minutes from 9:00 AM to 4:40 PM (MINUTELY)", dtstart: "19970902T090000",
            rule: "FREQ=MINUTELY;INTERVAL=20;BYHOUR=9,10,11,12,13,14,15,16",
            expected: RFC5545RecurrenceExamples.everyTwentyMinutes),
        Example(
            name: "WKST=MO", dtstart: "19970805T090000", rule: "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO",
            expected: Fixture.dates("1997-08: 5,10,19,24")),
        Example(
            name: "WKST=SU", dtstart: "19970805T090000", rule: "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU",
            expected: Fixture.dates("1997-08: 5,17,19,31")),
        Example(
            name: "Invalid date (February 30) is ignored", dtstart: "20070115T090000",
            rule: "FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5",
            expected: Fixture.dates("2007-01: 15,30; 2007-02: 15; 2007-03: 15,30")),
    ]

    /// Two days of "every 20 minutes from 9:00 to 16:40".
    static var everyTwentyMinutes: [String] {
        ["19970902", "19970903"].flatMap { day in
            (9...16).flatMap { hour in [0, 20, 40].map { minute in day + "T" + pad(hour, 2) + pad(minute, 2) + "00" } }
        }
    }

    @Test(arguments: examples)
    func expandsAsTheRFCSays(example: Example) throws {
        var lines = [
            "DTSTART;TZID=America/New_York:\(example.dtstart)", "DURATION:PT1H", "RRULE:\(example.rule)",
        ]
        if let exdate = example.exdate { lines.append("EXDATE;TZID=America/New_York:\(exdate)") }
        let text = Fixture.calendar(Fixture.event(lines))
        let expansion = try Fixture.expand(
            text, from: "19960101T000000Z", to: "20080101T000000Z", limit: example.expected.count)
        let starts = Fixture.local(expansion.occurrences.map(\.start), in: "America/New_York")
        #expect(starts == example.expected)
        // Every instance lasts the nominal hour on the New York wall clock.
        for occurrence in expansion.occurrences {
            #expect(occurrence.end.timeIntervalSince(occurrence.start) == 3600)
            #expect(occurrence.override == nil)
        }
    }

    /// The wall clock stays at 9:00 across the October 26, 1997 change, so the UTC time moves by an hour
    /// (EDT is UTC-4, EST UTC-5).
    @Test func dailyKeepsWallClockAcrossFallBackInNewYork() throws {
        let text = Fixture.calendar(
            Fixture.event(["DTSTART;TZID=America/New_York:19971024T090000", "RRULE:FREQ=DAILY;COUNT=4"]))
        let expansion = try Fixture.expand(text, from: "19971001T000000Z", to: "19971101T000000Z")
        #expect(
            Fixture.utcText(expansion.occurrences.map(\.start)) == [
                "19971024T130000Z", "19971025T130000Z", "19971026T140000Z", "19971027T140000Z",
            ])
    }

    @Test func weeklyKeepsWallClockAcrossSpringForwardInBerlin() throws {
        // Europe/Berlin moves from UTC+1 to UTC+2 on 2024-03-31.
        let text = Fixture.calendar(
            Fixture.event([
                "DTSTART;TZID=Europe/Berlin:20240324T100000", "DTEND;TZID=Europe/Berlin:20240324T110000",
                "RRULE:FREQ=WEEKLY;COUNT=3",
            ]))
        let expansion = try Fixture.expand(text, from: "20240301T000000Z", to: "20240501T000000Z")
        #expect(
            Fixture.utcText(expansion.occurrences.map(\.start)) == [
                "20240324T090000Z", "20240331T080000Z", "20240407T080000Z",
            ])
        #expect(
            Fixture.local(expansion.occurrences.map(\.start), in: "Europe/Berlin") == [
                "20240324T100000", "20240331T100000", "20240407T100000",
            ])
        // DTEND gives every instance the same exact duration.
        #expect(expansion.occurrences.allSatisfy { $0.end.timeIntervalSince($0.start) == 3600 })
    }

    /// A nominal P1D spans 23 hours on the spring-forward day; an exact PT24H does not.
    @Test func nominalDayDurationAcrossDST() throws {
        let nominal = Fixture.calendar(Fixture.event(["DTSTART;TZID=Europe/Berlin:20240330T120000", "DURATION:P1D"]))
        let exact = Fixture.calendar(Fixture.event(["DTSTART;TZID=Europe/Berlin:20240330T120000", "DURATION:PT24H"]))
        let first = try #require(
            try Fixture.expand(nominal, from: "20240301T000000Z", to: "20240501T000000Z").occurrences.first)
        let second = try #require(
            try Fixture.expand(exact, from: "20240301T000000Z", to: "20240501T000000Z").occurrences.first)
        #expect(first.end.timeIntervalSince(first.start) == 23 * 3600)
        #expect(second.end.timeIntervalSince(second.start) == 24 * 3600)
    }

    /// RFC 5545 §3.3.5: 02:30 on the spring-forward day does not exist and is read with the offset before the gap;
    /// 01:30 on the fall-back day happens twice and means the first.
    @Test func gapAndOverlapResolution() throws {
        let newYork = try #require(TimeZoneResolver.systemZone("America/New_York"))
        let gap = try #require(DateTimeValue.parse("20240310T023000"))
        #expect(CivilDateTime(civilSeconds: newYork.utcSeconds(of: gap.local)).description == "20240310T073000")
        let overlap = try #require(DateTimeValue.parse("20241103T013000"))
        #expect(CivilDateTime(civilSeconds: newYork.utcSeconds(of: overlap.local)).description == "20241103T053000")
    }

    @Test func countAndUntilAgree() throws {
        let byCount = Fixture.calendar(Fixture.event(["DTSTART:20240101T100000Z", "RRULE:FREQ=DAILY;COUNT=5"]))
        let byUntil = Fixture.calendar(
            Fixture.event(["DTSTART:20240101T100000Z", "RRULE:FREQ=DAILY;UNTIL=20240105T100000Z"]))
        let untilExclusive = Fixture.calendar(
            Fixture.event(["DTSTART:20240101T100000Z", "RRULE:FREQ=DAILY;UNTIL=20240105T095959Z"]))
        let a = try Fixture.expand(byCount, from: "20230101T000000Z", to: "20250101T000000Z")
        let b = try Fixture.expand(byUntil, from: "20230101T000000Z", to: "20250101T000000Z")
        let c = try Fixture.expand(untilExclusive, from: "20230101T000000Z", to: "20250101T000000Z")
        #expect(a.occurrences.count == 5)
        #expect(a.occurrences.map(\.start) == b.occurrences.map(\.start))
        #expect(c.occurrences.count == 4)
        // COUNT counts instances from DTSTART even when the range starts later.
        let late = try Fixture.expand(byCount, from: "20240104T000000Z", to: "20250101T000000Z")
        #expect(Fixture.utcText(late.occurrences.map(\.start)) == ["20240104T100000Z", "20240105T100000Z"])
    }

    @Test func rdateExdateAndAllDay() throws {
        let text = Fixture.calendar(
            Fixture.event([
                "DTSTART;VALUE=DATE:20240101", "RRULE:FREQ=WEEKLY;COUNT=4", "EXDATE;VALUE=DATE:20240108",
                "RDATE;VALUE=DATE:20240103,20240101",
            ]))
        let expansion = try Fixture.expand(text, from: "20231201T000000Z", to: "20240201T000000Z")
        #expect(
            Fixture.utcText(expansion.occurrences.map(\.start)) == [
                "20240101T000000Z", "20240103T000000Z", "20240115T000000Z", "20240122T000000Z",
            ])
        // An all-day event without DTEND lasts one day.
        #expect(expansion.occurrences.allSatisfy { $0.end.timeIntervalSince($0.start) == 86_400 })
        #expect(expansion.occurrences.first?.recurrenceID == DateTimeValue.parse("20240101"))
    }

    @Test func rdatePeriodHasItsOwnEnd() throws {
        let text = Fixture.calendar(
            Fixture.event([
                "DTSTART:19960401T020000Z", "DTEND:19960401T030000Z",
                "RDATE;VALUE=PERIOD:19960403T020000Z/19960403T040000Z,19960404T010000Z/PT3H",
            ]))
        let expansion = try Fixture.expand(text, from: "19960101T000000Z", to: "19970101T000000Z")
        #expect(expansion.occurrences.map { $0.end.timeIntervalSince($0.start) } == [3600, 7200, 10_800])
    }

    @Test func overridesMoveAndCancelInstances() throws {
        let text = Fixture.calendar(
            Fixture.event([
                "DTSTART;TZID=America/New_York:20240102T090000", "DTEND;TZID=America/New_York:20240102T100000",
                "RRULE:FREQ=DAILY;COUNT=5", "SUMMARY:Standup",
            ])
                + Fixture.event([
                    "RECURRENCE-ID;TZID=America/New_York:20240103T090000",
                    "DTSTART;TZID=America/New_York:20240103T150000", "DTEND;TZID=America/New_York:20240103T153000",
                    "SUMMARY:Moved standup",
                ])
                + Fixture.event([
                    "RECURRENCE-ID;TZID=America/New_York:20240104T090000",
                    "DTSTART;TZID=America/New_York:20240104T090000", "STATUS:CANCELLED",
                ])
                // Moved from outside the range into it.
                + Fixture.event([
                    "RECURRENCE-ID:20240106T140000Z", "DTSTART:20240101T200000Z", "DTEND:20240101T210000Z",
                ]))
        let expansion = try Fixture.expand(text, from: "20240101T000000Z", to: "20240105T000000Z")
        let summary = expansion.occurrences.map { ($0.override?.summary ?? "-", $0.isCancelled) }
        #expect(
            Fixture.utcText(expansion.occurrences.map(\.start)) == [
                "20240101T200000Z", "20240102T140000Z", "20240103T200000Z", "20240104T140000Z",
            ])
        #expect(summary.map(\.0) == ["-", "-", "Moved standup", "-"])
        #expect(summary.map(\.1) == [false, false, false, true])
        #expect(expansion.occurrences[0].override != nil)
        #expect(expansion.occurrences[2].end.timeIntervalSince(expansion.occurrences[2].start) == 1800)
        // A cancelled instance without DTEND keeps the master's length.
        #expect(expansion.occurrences[3].end.timeIntervalSince(expansion.occurrences[3].start) == 3600)
        #expect(expansion.occurrences[2].recurrenceID.description == "20240103T090000")
    }

    @Test func limitStopsEarly() throws {
        let text = Fixture.calendar(Fixture.event(["DTSTART:20240101T000000Z", "RRULE:FREQ=HOURLY"]))
        let expansion = try Fixture.expand(text, from: "20240101T000000Z", to: "20250101T000000Z", limit: 10)
        #expect(expansion.occurrences.count == 10)
        #expect(expansion.stop == .limitReached)
    }

    /// FREQ=SECONDLY without COUNT asked for a decade cannot spin: the iteration cap stops it.
    @Test func pathologicalRulesHitTheIterationCap() throws {
        let secondly = Fixture.calendar(
            Fixture.event(["DTSTART:20200101T000000Z", "RRULE:FREQ=SECONDLY;BYMONTH=2;BYHOUR=25"]))
        #expect(throws: CalendarFormatError.self) {
            _ = try Fixture.expand(secondly, from: "20200101T000000Z", to: "20300101T000000Z")
        }
        let never = Fixture.calendar(
            Fixture.event(["DTSTART:20200101T000000Z", "RRULE:FREQ=SECONDLY;BYMONTHDAY=31;BYMONTH=2"]))
        let clock = ContinuousClock()
        let started = clock.now
        let expansion = try Fixture.expand(never, from: "20200101T000000Z", to: "20300101T000000Z", limit: 100_000)
        #expect(expansion.occurrences.count == 1)  // only DTSTART
        #expect(clock.now - started < .seconds(20))
        let dense = Fixture.calendar(Fixture.event(["DTSTART:20200101T000000Z", "RRULE:FREQ=SECONDLY"]))
        let object = try ICalendarObject.parse(dense)
        let expander = RecurrenceExpander(object: object, limits: CalendarLimits(maxRecurrenceIterations: 10_000))
        let capped = try expander.expand(
            try #require(object.schedulingComponents.first),
            in: Fixture.utc("20200101T000000Z")..<Fixture.utc("20300101T000000Z"),
            limit: 1_000_000)
        #expect(capped.stop == .iterationCapReached)
        #expect(capped.occurrences.count < 10_000)
    }

    @Test func farRangeWithoutCountSkipsAhead() throws {
        let text = Fixture.calendar(Fixture.event(["DTSTART:20000101T000000Z", "RRULE:FREQ=MINUTELY;INTERVAL=7"]))
        let expansion = try Fixture.expand(text, from: "20240101T000000Z", to: "20240101T010000Z")
        let first = try #require(expansion.occurrences.first)
        let minutes = Int(first.start.timeIntervalSince(Fixture.utc("20000101T000000Z"))) / 60
        #expect(minutes % 7 == 0)
        #expect(first.start >= Fixture.utc("20240101T000000Z"))
        #expect(first.start < Fixture.utc("20240101T000700Z"))
        // Minutes from 2000-01-01 to the range start, the first multiple of 7 at or after it, and those in the hour.
        let rangeStart = Int(Fixture.utc("20240101T000000Z").timeIntervalSince(Fixture.utc("20000101T000000Z"))) / 60
        let firstMultiple = (rangeStart + 6) / 7 * 7
        #expect(minutes == firstMultiple)
        #expect(expansion.occurrences.count == (rangeStart + 59 - firstMultiple) / 7 + 1)
        #expect(expansion.stop == .complete)
    }
}
