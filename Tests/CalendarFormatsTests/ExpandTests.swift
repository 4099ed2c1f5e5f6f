import Foundation
import Testing

@testable import CalendarFormats

/// RANGE=THISANDFUTURE overrides and the CALDAV:expand rewrite (RFC 4791 §9.6.5).
@Suite struct ExpandTests {
    /// From the second instance on, the meeting moves two hours later and shrinks to 30 minutes; the wall clock is
    /// kept across the Berlin change on 2024-03-31.
    @Test func thisAndFutureShiftsLaterInstances() throws {
        let text = Fixture.calendar(
            Fixture.event([
                "DTSTART;TZID=Europe/Berlin:20240328T090000", "DTEND;TZID=Europe/Berlin:20240328T100000",
                "RRULE:FREQ=DAILY;COUNT=5", "SUMMARY:Original",
            ])
                + Fixture.event([
                    "RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Berlin:20240329T090000",
                    "DTSTART;TZID=Europe/Berlin:20240329T110000", "DTEND;TZID=Europe/Berlin:20240329T113000",
                    "SUMMARY:Changed",
                ]))
        let expansion = try Fixture.expand(text, from: "20240301T000000Z", to: "20240501T000000Z")
        #expect(
            Fixture.local(expansion.occurrences.map(\.start), in: "Europe/Berlin") == [
                "20240328T090000", "20240329T110000", "20240330T110000", "20240331T110000", "20240401T110000",
            ])
        #expect(expansion.occurrences.map { $0.end.timeIntervalSince($0.start) } == [3600, 1800, 1800, 1800, 1800])
        #expect(
            expansion.occurrences.map { $0.override?.summary ?? "-" } == [
                "-", "Changed", "Changed", "Changed", "Changed",
            ])
        #expect(
            expansion.occurrences.map(\.recurrenceID.description) == [
                "20240328T090000", "20240329T090000", "20240330T090000", "20240331T090000", "20240401T090000",
            ])
        let onlyOverride = try #require(
            try ICalendarObject.parse(text).schedulingComponents.last)
        #expect(onlyOverride.recurrenceRange == .thisAndFuture)
    }

    @Test func expandRewritesInstancesInUTC() throws {
        let object = try ICalendarObject.parse(TimeRangeTests.weekly)
        let expander = RecurrenceExpander(object: object)
        let (expanded, stop) = try expander.expandedObject(
            object, in: Fixture.utc("20240101T000000Z")..<Fixture.utc("20240201T000000Z"))
        #expect(stop == .complete)
        let events = expanded.calendar.components("VEVENT")
        #expect(
            events.map { $0.property("DTSTART")?.value } == [
                "20240101T090000Z", "20240108T090000Z", "20240124T090000Z", "20240129T090000Z",
            ])
        #expect(
            events.map { $0.property("RECURRENCE-ID")?.value } == [
                "20240101T090000Z", "20240108T090000Z", "20240122T090000Z", "20240129T090000Z",
            ])
        #expect(
            events.map { $0.property("DTEND")?.value } == [
                "20240101T100000Z", "20240108T100000Z", "20240124T100000Z", "20240129T100000Z",
            ])
        #expect(events.allSatisfy { $0.property("RRULE") == nil && $0.property("EXDATE") == nil })
        #expect(events.allSatisfy { $0.uid == "event-1@example.com" })
        #expect(expanded.calendar.components("VTIMEZONE").isEmpty)
        // The result is itself a valid calendar object resource.
        #expect(throws: Never.self) { try CalendarValidator().validate(expanded.serialized).get() }
    }

    @Test func expandKeepsAllDayInstancesAsDates() throws {
        let object = try ICalendarObject.parse(
            Fixture.calendar(
                Fixture.event([
                    "DTSTART;VALUE=DATE:20240101", "DTEND;VALUE=DATE:20240102", "RRULE:FREQ=YEARLY", "SUMMARY:New year",
                ])))
        let (expanded, _) = try RecurrenceExpander(object: object).expandedObject(
            object, in: Fixture.utc("20240101T000000Z")..<Fixture.utc("20270101T000000Z"))
        let events = expanded.calendar.components("VEVENT")
        #expect(events.map { $0.property("DTSTART")?.value } == ["20240101", "20250101", "20260101"])
        #expect(events.map { $0.property("DTSTART")?.parameter("VALUE") } == ["DATE", "DATE", "DATE"])
        #expect(events.map { $0.property("DTEND")?.value } == ["20240102", "20250102", "20260102"])
        #expect(events.map { $0.property("RECURRENCE-ID")?.value } == ["20240101", "20250101", "20260101"])
        #expect(events.allSatisfy { $0.summary == "New year" })
    }

    @Test func singleEventsStayWithoutRecurrenceID() throws {
        let object = try ICalendarObject.parse(ParserTests.event)
        let (expanded, _) = try RecurrenceExpander(object: object).expandedObject(
            object, in: Fixture.utc("19960901T000000Z")..<Fixture.utc("19961001T000000Z"))
        let event = try #require(expanded.calendar.components("VEVENT").first)
        #expect(event.property("RECURRENCE-ID") == nil)
        #expect(event.property("DTSTART")?.value == "19960918T143000Z")
        #expect(event.property("X-MS-OLK-FOO")?.value == "opaque;value,kept")
        let (none, _) = try RecurrenceExpander(object: object).expandedObject(
            object, in: Fixture.utc("20000101T000000Z")..<Fixture.utc("20000201T000000Z"))
        #expect(none.calendar.components("VEVENT").isEmpty)
    }
}
