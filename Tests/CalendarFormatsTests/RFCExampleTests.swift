import Foundation
import Testing

@testable import CalendarFormats

/// The other VEVENT examples of RFC 5545 §3.6.1, each in a VCALENDAR: they validate, read back, and expand.
@Suite struct RFC5545EventExamples {
    static let review = [
        "BEGIN:VEVENT", "UID:19970901T130000Z-123401@example.com", "DTSTAMP:19970901T130000Z",
        "DTSTART:19970903T163000Z", "DTEND:19970903T190000Z", "SUMMARY:Annual Employee Review", "CLASS:PRIVATE",
        "CATEGORIES:BUSINESS,HUMAN RESOURCES", "END:VEVENT",
    ]
    static let laurel = [
        "BEGIN:VEVENT", "UID:19970901T130000Z-123402@example.com", "DTSTAMP:19970901T130000Z",
        "DTSTART:19970401T163000Z", "DTEND:19970402T010000Z", "SUMMARY:Laurel is in sensitivity awareness class.",
        "CLASS:PUBLIC", "CATEGORIES:BUSINESS,HUMAN RESOURCES", "TRANSP:TRANSPARENT", "END:VEVENT",
    ]
    static let anniversary = [
        "BEGIN:VEVENT", "UID:19970901T130000Z-123403@example.com", "DTSTAMP:19970901T130000Z",
        "DTSTART;VALUE=DATE:19971102", "SUMMARY:Our Blissful Anniversary", "TRANSP:TRANSPARENT", "CLASS:CONFIDENTIAL",
        "CATEGORIES:ANNIVERSARY,PERSONAL,SPECIAL OCCASION", "RRULE:FREQ=YEARLY", "END:VEVENT",
    ]
    static let jazz = [
        "BEGIN:VEVENT", "UID:20070423T123432Z-541111@example.com", "DTSTAMP:20070423T123432Z",
        "DTSTART;VALUE=DATE:20070628", "DTEND;VALUE=DATE:20070709",
        "SUMMARY:Festival International de Jazz de Montreal", "TRANSP:TRANSPARENT", "END:VEVENT",
    ]

    @Test(arguments: [review, laurel, anniversary, jazz])
    func validatesAndRoundTrips(lines: [String]) throws {
        let text = Fixture.calendar(lines)
        let validated = try CalendarValidator().validate(text).get()
        #expect(validated.kind == .event)
        #expect(try ICalendarObject.parse(validated.object.serialized) == validated.object)
    }

    @Test func typedValues() throws {
        let review = try #require(try ICalendarObject.parse(Fixture.calendar(Self.review)).schedulingComponents.first)
        #expect(review.property("CATEGORIES")?.textList() == ["BUSINESS", "HUMAN RESOURCES"])
        #expect(try review.dtend()?.description == "19970903T190000Z")
        let laurel = try #require(try ICalendarObject.parse(Fixture.calendar(Self.laurel)).schedulingComponents.first)
        #expect(laurel.summary == "Laurel is in sensitivity awareness class.")
    }

    @Test func anniversaryRecursYearlyAllDay() throws {
        let expansion = try Fixture.expand(
            Fixture.calendar(Self.anniversary), from: "19970101T000000Z", to: "20010101T000000Z")
        #expect(
            Fixture.utcText(expansion.occurrences.map(\.start)) == [
                "19971102T000000Z", "19981102T000000Z", "19991102T000000Z", "20001102T000000Z",
            ])
        #expect(expansion.occurrences.allSatisfy { $0.end.timeIntervalSince($0.start) == 86_400 })
    }

    /// DTEND is exclusive: the festival runs June 28 through July 8.
    @Test func multiDayAllDayEvent() throws {
        let object = try ICalendarObject.parse(Fixture.calendar(Self.jazz))
        let expander = RecurrenceExpander(object: object)
        let lastDay = Fixture.utc("20070708T120000Z")..<Fixture.utc("20070708T130000Z")
        let dayAfter = Fixture.utc("20070709T000000Z")..<Fixture.utc("20070710T000000Z")
        #expect(try expander.overlaps(object, kind: .event, range: lastDay))
        #expect(try !expander.overlaps(object, kind: .event, range: dayAfter))
        let only = try #require(
            try Fixture.expand(Fixture.calendar(Self.jazz), from: "20070101T000000Z", to: "20080101T000000Z")
                .occurrences.first)
        #expect(only.end.timeIntervalSince(only.start) == 11 * 86_400)
    }
}
