import Foundation
import Testing

@testable import CalendarFormats

/// VTIMEZONE evaluation (RFC 5545 §3.6.5) and TZID resolution.
@Suite struct TimeZoneTests {
    /// RFC 5545 §3.6.5's New York definition (the eras it writes with RRULE and UNTIL) under a name no system knows.
    static let customEastern = [
        "BEGIN:VTIMEZONE", "TZID:Custom Eastern (test)", "LAST-MODIFIED:20050809T050000Z",
        "BEGIN:DAYLIGHT", "DTSTART:19670430T020000", "RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=-1SU;UNTIL=19730429T070000Z",
        "TZOFFSETFROM:-0500", "TZOFFSETTO:-0400", "TZNAME:EDT", "END:DAYLIGHT",
        "BEGIN:STANDARD", "DTSTART:19671029T020000", "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;UNTIL=20061029T060000Z",
        "TZOFFSETFROM:-0400", "TZOFFSETTO:-0500", "TZNAME:EST", "END:STANDARD",
        "BEGIN:DAYLIGHT", "DTSTART:19870405T020000", "RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU;UNTIL=20060402T070000Z",
        "TZOFFSETFROM:-0500", "TZOFFSETTO:-0400", "TZNAME:EDT", "END:DAYLIGHT",
        "BEGIN:DAYLIGHT", "DTSTART:20070311T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
        "TZOFFSETFROM:-0500", "TZOFFSETTO:-0400", "TZNAME:EDT", "END:DAYLIGHT",
        "BEGIN:STANDARD", "DTSTART:20071104T020000", "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU",
        "TZOFFSETFROM:-0400", "TZOFFSETTO:-0500", "TZNAME:EST", "END:STANDARD",
        "END:VTIMEZONE",
    ]

    @Test(arguments: [
        "19700115T120000Z", "19700715T120000Z", "19900115T120000Z", "19900715T120000Z", "20050402T120000Z",
        "20060402T065959Z", "20060402T070000Z", "20061029T055959Z", "20061029T060000Z", "20070311T065959Z",
        "20070311T070000Z", "20071104T055959Z", "20071104T060000Z", "20240310T070000Z", "20241103T060000Z",
        "20350701T000000Z",
    ])
    func customDefinitionAgreesWithTheSystemZone(instant: String) throws {
        let object = try ICalendarObject.parse(Fixture.calendar(Self.customEastern))
        let resolver = TimeZoneResolver(calendar: object.calendar)
        #expect(resolver.invalidDefinitions.isEmpty)
        let custom = try #require(resolver.zone(for: "Custom Eastern (test)"))
        let system = try #require(TimeZoneResolver.systemZone("America/New_York"))
        let utc = Int64(Fixture.utc(instant).timeIntervalSince1970)
        #expect(custom.offset(atUTC: utc) == system.offset(atUTC: utc))
    }

    @Test func eventInCustomZoneKeepsWallClock() throws {
        let text = Fixture.calendar(
            Fixture.event([
                "DTSTART;TZID=Custom Eastern (test):20240303T090000", "DURATION:PT30M", "RRULE:FREQ=WEEKLY;COUNT=2",
            ]), extra: Self.customEastern)
        let expansion = try Fixture.expand(text, from: "20240101T000000Z", to: "20250101T000000Z")
        #expect(Fixture.utcText(expansion.occurrences.map(\.start)) == ["20240303T140000Z", "20240310T130000Z"])
    }

    /// A zone no tz database has: +01:30 standard, +02:30 from the first Sunday of June 03:00, back on the last
    /// Sunday of September 04:00, plus one extra onset given by RDATE.
    @Test func inventedZone() throws {
        let zone = [
            "BEGIN:VTIMEZONE", "TZID:Olympus Mons",
            "BEGIN:STANDARD", "DTSTART:20000924T040000", "RRULE:FREQ=YEARLY;BYMONTH=9;BYDAY=-1SU",
            "RDATE:20231224T040000", "TZOFFSETFROM:+0230", "TZOFFSETTO:+0130", "END:STANDARD",
            "BEGIN:DAYLIGHT", "DTSTART:20000604T030000", "RRULE:FREQ=YEARLY;BYMONTH=6;BYDAY=1SU",
            "TZOFFSETFROM:+0130", "TZOFFSETTO:+0230", "END:DAYLIGHT", "END:VTIMEZONE",
        ]
        let object = try ICalendarObject.parse(Fixture.calendar([], extra: zone))
        let olympus = try #require(TimeZoneResolver(calendar: object.calendar).zone(for: "Olympus Mons"))
        // 2024-06-02 is the first Sunday of June: 03:00 local (+01:30) is 01:30Z.
        #expect(olympus.offset(atUTC: Int64(Fixture.utc("20240602T012959Z").timeIntervalSince1970)) == 5400)
        #expect(olympus.offset(atUTC: Int64(Fixture.utc("20240602T013000Z").timeIntervalSince1970)) == 9000)
        // Before the first onset the earliest TZOFFSETFROM applies.
        #expect(olympus.offset(atUTC: Int64(Fixture.utc("19990101T000000Z").timeIntervalSince1970)) == 5400)
        // A wall-clock time inside the gap (03:30 on 2024-06-02) uses the offset before it.
        let gap = try #require(DateTimeValue.parse("20240602T033000"))
        #expect(CivilDateTime(civilSeconds: olympus.utcSeconds(of: gap.local)).description == "20240602T020000")
    }

    @Test func systemNamesWithVendorPrefixesResolve() {
        #expect(TimeZoneResolver.systemZone("Europe/Berlin") != nil)
        #expect(TimeZoneResolver.systemZone("/mozilla.org/20050126_1/Europe/Berlin") != nil)
        #expect(TimeZoneResolver.systemZone("/softwarestudio.org/Olson_20011030_5/America/New_York") != nil)
        #expect(TimeZoneResolver.systemZone("UTC") == .utc)
        #expect(TimeZoneResolver.systemZone("Not/A_Zone") == nil)
    }

    @Test func unknownTZIDIsATypedError() throws {
        let text = Fixture.calendar(Fixture.event(["DTSTART;TZID=Not/A_Zone:20240101T090000"]))
        #expect(throws: CalendarFormatError.unknownTimeZone("Not/A_Zone")) {
            _ = try Fixture.expand(text, from: "20240101T000000Z", to: "20240201T000000Z")
        }
    }

    @Test func brokenVTimezoneIsReported() throws {
        let zone = [
            "BEGIN:VTIMEZONE", "TZID:Broken", "BEGIN:STANDARD", "DTSTART:20000101T000000", "TZOFFSETTO:+0100",
            "END:STANDARD", "END:VTIMEZONE",
        ]
        let object = try ICalendarObject.parse(Fixture.calendar([], extra: zone))
        let resolver = TimeZoneResolver(calendar: object.calendar)
        #expect(resolver.zone(for: "Broken") == nil)
        #expect(
            resolver.invalidDefinitions["Broken"] == .missingProperty(component: "STANDARD", property: "TZOFFSETFROM"))
    }
}
