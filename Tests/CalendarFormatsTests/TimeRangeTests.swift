import Foundation
import Testing

@testable import CalendarFormats

/// CALDAV:time-range (RFC 4791 §9.9): one case per row of the VEVENT, VTODO and VJOURNAL tables, each with a range
/// that matches and one that just misses.
@Suite struct TimeRangeTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var row: String
        var component: String
        var lines: [String]
        var from: String
        var to: String
        var matches: Bool
        var testDescription: String { "\(row) [\(from), \(to)) → \(matches)" }
    }

    static let cases: [Case] = [
        // VEVENT
        Case(
            row: "VEVENT DTEND", component: "VEVENT", lines: ["DTSTART:20240101T100000Z", "DTEND:20240101T110000Z"],
            from: "20240101T103000Z", to: "20240101T104500Z", matches: true),
        Case(
            row: "VEVENT DTEND", component: "VEVENT", lines: ["DTSTART:20240101T100000Z", "DTEND:20240101T110000Z"],
            from: "20240101T110000Z", to: "20240101T120000Z", matches: false),
        Case(
            row: "VEVENT DTEND", component: "VEVENT", lines: ["DTSTART:20240101T100000Z", "DTEND:20240101T110000Z"],
            from: "20240101T090000Z", to: "20240101T100000Z", matches: false),
        Case(
            row: "VEVENT DTEND = DTSTART", component: "VEVENT",
            lines: ["DTSTART:20240101T100000Z", "DTEND:20240101T100000Z"],
            from: "20240101T095959Z", to: "20240101T100001Z", matches: true),
        Case(
            row: "VEVENT DTEND = DTSTART", component: "VEVENT",
            lines: ["DTSTART:20240101T100000Z", "DTEND:20240101T100000Z"],
            from: "20240101T100000Z", to: "20240101T110000Z", matches: false),
        Case(
            row: "VEVENT DURATION>0", component: "VEVENT", lines: ["DTSTART:20240101T100000Z", "DURATION:PT1H"],
            from: "20240101T105959Z", to: "20240101T120000Z", matches: true),
        Case(
            row: "VEVENT DURATION>0", component: "VEVENT", lines: ["DTSTART:20240101T100000Z", "DURATION:PT1H"],
            from: "20240101T110000Z", to: "20240101T120000Z", matches: false),
        Case(
            row: "VEVENT DURATION=0", component: "VEVENT", lines: ["DTSTART:20240101T100000Z", "DURATION:PT0S"],
            from: "20240101T100000Z", to: "20240101T100001Z", matches: true),
        Case(
            row: "VEVENT DURATION=0", component: "VEVENT", lines: ["DTSTART:20240101T100000Z", "DURATION:PT0S"],
            from: "20240101T090000Z", to: "20240101T100000Z", matches: false),
        Case(
            row: "VEVENT DATE, no end", component: "VEVENT", lines: ["DTSTART;VALUE=DATE:20240101"],
            from: "20240101T235959Z", to: "20240103T000000Z", matches: true),
        Case(
            row: "VEVENT DATE, no end", component: "VEVENT", lines: ["DTSTART;VALUE=DATE:20240101"],
            from: "20240102T000000Z", to: "20240103T000000Z", matches: false),
        Case(
            row: "VEVENT DATE-TIME, no end", component: "VEVENT", lines: ["DTSTART:20240101T100000Z"],
            from: "20240101T100000Z", to: "20240101T100001Z", matches: true),
        Case(
            row: "VEVENT DATE-TIME, no end", component: "VEVENT", lines: ["DTSTART:20240101T100000Z"],
            from: "20240101T100001Z", to: "20240101T120000Z", matches: false),
        Case(
            row: "VEVENT without DTSTART", component: "VEVENT", lines: [],
            from: "19000101T000000Z", to: "21000101T000000Z", matches: false),
        // VTODO
        Case(
            row: "VTODO DTSTART+DURATION", component: "VTODO", lines: ["DTSTART:20240101T100000Z", "DURATION:PT1H"],
            from: "20240101T110000Z", to: "20240101T120000Z", matches: true),
        Case(
            row: "VTODO DTSTART+DURATION", component: "VTODO", lines: ["DTSTART:20240101T100000Z", "DURATION:PT1H"],
            from: "20240101T110001Z", to: "20240101T120000Z", matches: false),
        Case(
            row: "VTODO DTSTART+DUE", component: "VTODO", lines: ["DTSTART:20240101T100000Z", "DUE:20240101T110000Z"],
            from: "20240101T090000Z", to: "20240101T100001Z", matches: true),
        Case(
            row: "VTODO DTSTART+DUE", component: "VTODO", lines: ["DTSTART:20240101T100000Z", "DUE:20240101T110000Z"],
            from: "20240101T110000Z", to: "20240101T120000Z", matches: false),
        Case(
            row: "VTODO DTSTART only", component: "VTODO", lines: ["DTSTART:20240101T100000Z"],
            from: "20240101T100000Z", to: "20240101T100001Z", matches: true),
        Case(
            row: "VTODO DTSTART only", component: "VTODO", lines: ["DTSTART:20240101T100000Z"],
            from: "20240101T090000Z", to: "20240101T100000Z", matches: false),
        Case(
            row: "VTODO DUE only", component: "VTODO", lines: ["DUE:20240101T100000Z"],
            from: "20240101T090000Z", to: "20240101T100000Z", matches: true),
        Case(
            row: "VTODO DUE only", component: "VTODO", lines: ["DUE:20240101T100000Z"],
            from: "20240101T100000Z", to: "20240101T110000Z", matches: false),
        Case(
            row: "VTODO COMPLETED+CREATED", component: "VTODO",
            lines: ["CREATED:20240101T100000Z", "COMPLETED:20240105T100000Z"],
            from: "20240102T000000Z", to: "20240103T000000Z", matches: true),
        Case(
            row: "VTODO COMPLETED+CREATED", component: "VTODO",
            lines: ["CREATED:20240101T100000Z", "COMPLETED:20240105T100000Z"],
            from: "20240105T100001Z", to: "20240106T000000Z", matches: false),
        Case(
            row: "VTODO COMPLETED only", component: "VTODO", lines: ["COMPLETED:20240105T100000Z"],
            from: "20240105T090000Z", to: "20240105T100000Z", matches: true),
        Case(
            row: "VTODO COMPLETED only", component: "VTODO", lines: ["COMPLETED:20240105T100000Z"],
            from: "20240105T100001Z", to: "20240106T000000Z", matches: false),
        Case(
            row: "VTODO CREATED only", component: "VTODO", lines: ["CREATED:20240101T100000Z"],
            from: "20240101T000000Z", to: "20240101T100001Z", matches: true),
        Case(
            row: "VTODO CREATED only", component: "VTODO", lines: ["CREATED:20240101T100000Z"],
            from: "20231201T000000Z", to: "20240101T100000Z", matches: false),
        Case(
            row: "VTODO nothing", component: "VTODO", lines: [],
            from: "19000101T000000Z", to: "19000101T000001Z", matches: true),
        // VJOURNAL
        Case(
            row: "VJOURNAL DATE-TIME", component: "VJOURNAL", lines: ["DTSTART:20240101T100000Z"],
            from: "20240101T100000Z", to: "20240101T100001Z", matches: true),
        Case(
            row: "VJOURNAL DATE-TIME", component: "VJOURNAL", lines: ["DTSTART:20240101T100000Z"],
            from: "20240101T090000Z", to: "20240101T100000Z", matches: false),
        Case(
            row: "VJOURNAL DATE", component: "VJOURNAL", lines: ["DTSTART;VALUE=DATE:20240101"],
            from: "20240101T120000Z", to: "20240101T130000Z", matches: true),
        Case(
            row: "VJOURNAL DATE", component: "VJOURNAL", lines: ["DTSTART;VALUE=DATE:20240101"],
            from: "20240102T000000Z", to: "20240102T130000Z", matches: false),
        Case(
            row: "VJOURNAL without DTSTART", component: "VJOURNAL", lines: ["SUMMARY:x"],
            from: "19000101T000000Z", to: "21000101T000000Z", matches: false),
        // VFREEBUSY
        Case(
            row: "VFREEBUSY FREEBUSY", component: "VFREEBUSY",
            lines: ["FREEBUSY:20240101T100000Z/PT1H,20240102T100000Z/20240102T110000Z"],
            from: "20240102T103000Z", to: "20240102T120000Z", matches: true),
        Case(
            row: "VFREEBUSY FREEBUSY", component: "VFREEBUSY",
            lines: ["FREEBUSY:20240101T100000Z/PT1H"], from: "20240101T110000Z", to: "20240102T120000Z", matches: false),
    ]

    @Test(arguments: cases)
    func tableRow(testCase: Case) throws {
        let lines =
            ["BEGIN:\(testCase.component)", "UID:x@example.com"] + testCase.lines + ["END:\(testCase.component)"]
        let object = try ICalendarObject.parse(Fixture.calendar(lines))
        let kind = try #require(CalendarComponentKind(rawValue: testCase.component))
        let expander = RecurrenceExpander(object: object)
        let range = Fixture.utc(testCase.from)..<Fixture.utc(testCase.to)
        #expect(try expander.overlaps(object, kind: kind, range: range) == testCase.matches)
    }

    static let weekly = Fixture.calendar(
        Fixture.event([
            "DTSTART;TZID=Europe/Berlin:20240101T100000", "DTEND;TZID=Europe/Berlin:20240101T110000",
            "RRULE:FREQ=WEEKLY;UNTIL=20240301T000000Z", "EXDATE;TZID=Europe/Berlin:20240115T100000",
        ])
            + Fixture.event([
                "RECURRENCE-ID;TZID=Europe/Berlin:20240122T100000", "DTSTART;TZID=Europe/Berlin:20240124T100000",
                "DTEND;TZID=Europe/Berlin:20240124T110000",
            ]))

    @Test(arguments: [
        ("20240108T000000Z", "20240109T000000Z", true),  // second instance
        ("20240115T000000Z", "20240116T000000Z", false),  // EXDATE
        ("20240122T000000Z", "20240123T000000Z", false),  // overridden away
        ("20240124T000000Z", "20240125T000000Z", true),  // overridden here
        ("20240304T000000Z", "20240305T000000Z", false),  // after UNTIL
        ("20240226T090000Z", "20240226T090001Z", true),  // last instance, 10:00 CET = 09:00Z
    ])
    func recurringEventMatchesByInstance(from: String, to: String, matches: Bool) throws {
        let object = try ICalendarObject.parse(Self.weekly)
        let expander = RecurrenceExpander(object: object)
        #expect(try expander.overlaps(object, kind: .event, range: Fixture.utc(from)..<Fixture.utc(to)) == matches)
    }

    @Test func recurringTodoShiftsDue() throws {
        let object = try ICalendarObject.parse(
            Fixture.calendar([
                "BEGIN:VTODO", "UID:t@example.com", "DTSTART:20240101T090000Z", "DUE:20240101T170000Z",
                "RRULE:FREQ=DAILY;COUNT=3", "END:VTODO",
            ]))
        let expander = RecurrenceExpander(object: object)
        #expect(
            try expander.overlaps(
                object, kind: .todo, range: Fixture.utc("20240103T160000Z")..<Fixture.utc("20240103T170000Z")))
        #expect(
            try !expander.overlaps(
                object, kind: .todo, range: Fixture.utc("20240104T080000Z")..<Fixture.utc("20240104T180000Z")))
    }

    /// Floating times are read in the collection's zone (RFC 4791 §9.9).
    @Test func floatingTimesUseTheGivenZone() throws {
        let object = try ICalendarObject.parse(
            Fixture.calendar(Fixture.event(["DTSTART:20240101T100000", "DURATION:PT1H"])))
        let range = Fixture.utc("20240101T150000Z")..<Fixture.utc("20240101T153000Z")
        let newYork = try #require(TimeZoneResolver.systemZone("America/New_York"))
        #expect(try RecurrenceExpander(object: object, floating: newYork).overlaps(object, kind: .event, range: range))
        #expect(try !RecurrenceExpander(object: object).overlaps(object, kind: .event, range: range))
    }
}

/// Bounds of a whole object for storage pre-filtering.
@Suite struct TimeBoundsTests {
    @Test(arguments: [
        // lines, expected start, expected end (nil = unbounded)
        (["DTSTART:20240101T100000Z", "DTEND:20240101T110000Z"], "20240101T100000Z", "20240101T110000Z" as String?),
        (
            ["DTSTART:20240101T100000Z", "DURATION:PT1H", "RRULE:FREQ=DAILY;COUNT=3"], "20240101T100000Z",
            "20240103T110000Z"
        ),
        (
            ["DTSTART:20240101T100000Z", "DURATION:PT1H", "RRULE:FREQ=WEEKLY;UNTIL=20240115T100000Z"],
            "20240101T100000Z", "20240115T110000Z"
        ),
        (["DTSTART:20240101T100000Z", "RRULE:FREQ=DAILY"], "20240101T100000Z", nil),
        (["DTSTART;VALUE=DATE:20240101", "RDATE;VALUE=DATE:20240301"], "20240101T000000Z", "20240302T000000Z"),
    ])
    func bounds(lines: [String], start: String, end: String?) throws {
        let object = try ICalendarObject.parse(Fixture.calendar(Fixture.event(lines)))
        let bounds = try RecurrenceExpander(object: object).bounds(of: object)
        #expect(bounds.start.map { Fixture.utcText([$0])[0] } == start)
        #expect(bounds.end.map { Fixture.utcText([$0])[0] } == end)
    }

    @Test func overridesWidenTheBounds() throws {
        let text = Fixture.calendar(
            Fixture.event(["DTSTART:20240102T100000Z", "DURATION:PT1H", "RRULE:FREQ=DAILY;COUNT=3"])
                + Fixture.event(["RECURRENCE-ID:20240104T100000Z", "DTSTART:20240110T100000Z", "DURATION:PT2H"])
                + Fixture.event(["RECURRENCE-ID:20240102T100000Z", "DTSTART:20231230T100000Z", "DURATION:PT1H"]))
        let object = try ICalendarObject.parse(text)
        let bounds = try RecurrenceExpander(object: object).bounds(of: object)
        #expect(bounds.start == Fixture.utc("20231230T100000Z"))
        #expect(bounds.end == Fixture.utc("20240110T120000Z"))
        #expect(bounds.mayOverlap(Fixture.utc("20240105T000000Z")..<Fixture.utc("20240106T000000Z")))
        #expect(!bounds.mayOverlap(Fixture.utc("20240111T000000Z")..<Fixture.utc("20240112T000000Z")))
    }

    @Test func todoWithoutStartIsUnbounded() throws {
        let object = try ICalendarObject.parse(
            Fixture.calendar(["BEGIN:VTODO", "UID:t", "DUE:20240101T100000Z", "END:VTODO"]))
        let bounds = try RecurrenceExpander(object: object).bounds(of: object)
        #expect(bounds == TimeBounds(start: nil, end: nil))
        #expect(bounds.mayOverlap(Fixture.utc("19000101T000000Z")..<Fixture.utc("19000102T000000Z")))
    }
}

/// CALDAV:time-range on VALARM (RFC 4791 §9.9): (start <= trigger-time) AND (end > trigger-time).
@Suite struct AlarmTests {
    static let text = Fixture.calendar(
        Fixture.event([
            "DTSTART:20240101T090000Z", "DTEND:20240101T100000Z", "RRULE:FREQ=DAILY;COUNT=3",
            "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:soon", "TRIGGER:-PT15M", "REPEAT:2", "DURATION:PT5M",
            "END:VALARM",
            "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:over", "TRIGGER;RELATED=END:PT5M", "END:VALARM",
        ])
            + Fixture.event([
                "RECURRENCE-ID:20240103T090000Z", "DTSTART:20240103T120000Z", "DTEND:20240103T130000Z",
                "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:day before", "TRIGGER:-P1D", "END:VALARM",
            ]))

    @Test(arguments: [
        ("20240102T084500Z", "20240102T084501Z", true),  // TRIGGER:-PT15M on the second instance
        ("20240102T085500Z", "20240102T085501Z", true),  // second repeat
        ("20240102T085501Z", "20240102T090000Z", false),
        ("20240102T100500Z", "20240102T100501Z", true),  // RELATED=END:PT5M
        ("20240102T120000Z", "20240102T120001Z", true),  // the override's -P1D
        ("20240103T084500Z", "20240103T090000Z", false),  // the override replaced the master's alarms
        ("20240104T084500Z", "20240104T090000Z", false),  // after COUNT
        ("20240101T084459Z", "20240101T084500Z", false),  // end is exclusive
    ])
    func relativeTriggers(from: String, to: String, matches: Bool) throws {
        let object = try ICalendarObject.parse(Self.text)
        let master = try #require(object.master(uid: "event-1@example.com"))
        let expander = RecurrenceExpander(object: object)
        let range = Fixture.utc(from)..<Fixture.utc(to)
        #expect(
            try expander.alarmTriggers(master, overrides: object.overrides(uid: "event-1@example.com"), range: range)
                == matches)
    }

    @Test func absoluteTrigger() throws {
        let object = try ICalendarObject.parse(
            Fixture.calendar(
                Fixture.event([
                    "DTSTART:20240301T090000Z", "BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:x",
                    "TRIGGER;VALUE=DATE-TIME:20240101T050000Z", "END:VALARM",
                ])))
        let event = try #require(object.schedulingComponents.first)
        let expander = RecurrenceExpander(object: object)
        #expect(
            try expander.alarmTriggers(event, range: Fixture.utc("20240101T050000Z")..<Fixture.utc("20240101T050100Z")))
        #expect(
            try !expander.alarmTriggers(event, range: Fixture.utc("20240301T080000Z")..<Fixture.utc("20240301T100000Z"))
        )
        let bad = try ICalendarObject.parse(
            Fixture.calendar(
                Fixture.event([
                    "DTSTART:20240301T090000Z", "BEGIN:VALARM", "TRIGGER:soon", "END:VALARM",
                ])))
        #expect(throws: CalendarFormatError.self) {
            try RecurrenceExpander(object: bad).alarmTriggers(
                try #require(bad.schedulingComponents.first),
                range: Fixture.utc("20240101T000000Z")..<Fixture.utc("20250101T000000Z"))
        }
    }
}
