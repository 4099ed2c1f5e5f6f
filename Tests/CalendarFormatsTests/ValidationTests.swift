import Foundation
import Testing

@testable import CalendarFormats

/// CalDAV PUT checks (RFC 4791 §4.1, §5.3.2.1).
@Suite struct ValidationTests {
    static let vtodo = """
        BEGIN:VCALENDAR\r
        VERSION:2.0\r
        PRODID:-//ABC Corporation//NONSGML My Product//EN\r
        BEGIN:VTODO\r
        DTSTAMP:19980130T134500Z\r
        SEQUENCE:2\r
        UID:uid4@example.com\r
        ORGANIZER:mailto:unclesam@example.com\r
        ATTENDEE;PARTSTAT=ACCEPTED:mailto:jqpublic@example.com\r
        DUE:19980415T000000\r
        STATUS:NEEDS-ACTION\r
        SUMMARY:Submit Income Taxes\r
        BEGIN:VALARM\r
        ACTION:AUDIO\r
        TRIGGER:19980403T120000Z\r
        ATTACH;FMTTYPE=audio/basic:http://example.com/pub/audio-\r
         files/ssbanner.aud\r
        REPEAT:4\r
        DURATION:PT1H\r
        END:VALARM\r
        END:VTODO\r
        END:VCALENDAR\r

        """

    @Test func acceptsTheRFCExamples() throws {
        let validator = CalendarValidator()
        let event = try validator.validate(ParserTests.event).get()
        #expect(event.kind == .event)
        #expect(event.uid == "uid1@example.com")
        #expect(!event.isRecurring)
        let todo = try validator.validate(Self.vtodo).get()
        #expect(todo.kind == .todo)
        let object = todo.object
        let todoComponent = try #require(object.schedulingComponents.first)
        #expect(todoComponent.status == .needsAction)
        #expect(
            todoComponent.components("VALARM").first?.property("ATTACH")?.value
                == "http://example.com/pub/audio-files/ssbanner.aud")
    }

    @Test func acceptsOverridesWithTheMastersUID() throws {
        let text = Fixture.calendar(
            Fixture.event(["DTSTART;TZID=Europe/Berlin:20240101T100000", "RRULE:FREQ=DAILY;COUNT=3"])
                + Fixture.event([
                    "RECURRENCE-ID;TZID=Europe/Berlin:20240102T100000", "DTSTART;TZID=Europe/Berlin:20240102T120000",
                ]))
        let validated = try CalendarValidator().validate(text).get()
        #expect(validated.isRecurring)
    }

    static let failures: [(String, [String], [String], CalendarValidationError, CalDAVPrecondition)] = [
        (
            "METHOD", Fixture.event(["DTSTART:20240101T100000Z"]), ["METHOD:REQUEST"], .methodNotAllowed,
            .validCalendarObjectResource
        ),
        ("no component", [], [], .noCalendarComponent, .validCalendarObjectResource),
        (
            "mixed types",
            Fixture.event(["DTSTART:20240101T100000Z"]) + ["BEGIN:VTODO", "UID:event-1@example.com", "END:VTODO"], [],
            .mixedComponentTypes(["VEVENT", "VTODO"]), .validCalendarObjectResource
        ),
        (
            "two UIDs",
            Fixture.event(["DTSTART:20240101T100000Z"]) + Fixture.event(["DTSTART:20240101T100000Z"], uid: "other"), [],
            .multipleUIDs(["event-1@example.com", "other"]), .validCalendarObjectResource
        ),
        (
            "two masters", Fixture.event(["DTSTART:20240101T100000Z"]) + Fixture.event(["DTSTART:20240102T100000Z"]),
            [],
            .duplicateInstance(uid: "event-1@example.com", recurrenceID: nil), .validCalendarObjectResource
        ),
        (
            "duplicate override",
            Fixture.event(["RECURRENCE-ID:20240102T100000Z", "DTSTART:20240102T100000Z"])
                + Fixture.event(["RECURRENCE-ID:20240102T100000Z", "DTSTART:20240102T110000Z"]), [],
            .duplicateInstance(uid: "event-1@example.com", recurrenceID: "20240102T100000Z"),
            .validCalendarObjectResource
        ),
        (
            "no UID", ["BEGIN:VEVENT", "DTSTART:20240101T100000Z", "END:VEVENT"], [], .missingUID(component: "VEVENT"),
            .validCalendarObjectResource
        ),
        (
            "DTEND before DTSTART", Fixture.event(["DTSTART:20240101T100000Z", "DTEND:20240101T090000Z"]), [],
            .endBeforeStart(component: "VEVENT"), .validCalendarData
        ),
        (
            "DTEND and DURATION",
            Fixture.event(["DTSTART:20240101T100000Z", "DTEND:20240101T110000Z", "DURATION:PT1H"]), [],
            .endAndDuration(component: "VEVENT"), .validCalendarData
        ),
        (
            "DATE end with DATE-TIME start", Fixture.event(["DTSTART:20240101T100000Z", "DTEND;VALUE=DATE:20240102"]),
            [],
            .endBeforeStart(component: "VEVENT"), .validCalendarData
        ),
        (
            "no DTSTART in VEVENT", Fixture.event(["SUMMARY:x"]), [],
            .missingProperty(component: "VEVENT", property: "DTSTART"),
            .validCalendarData
        ),
        (
            "unknown TZID", Fixture.event(["DTSTART;TZID=Nowhere/Land:20240101T100000"]), [],
            .unknownTimeZone("Nowhere/Land"),
            .validCalendarData
        ),
        (
            "unknown TZID in an alarm",
            Fixture.event([
                "DTSTART:20240101T100000Z", "BEGIN:VALARM",
                "TRIGGER;VALUE=DATE-TIME;TZID=Nowhere/Land:20240101T090000", "END:VALARM",
            ]), [],
            .unknownTimeZone("Nowhere/Land"), .validCalendarData
        ),
        (
            "bad RRULE", Fixture.event(["DTSTART:20240101T100000Z", "RRULE:FREQ=SOMETIMES"]), [],
            .invalidValue(.invalidRecurrenceRule("unknown FREQ in \"FREQ=SOMETIMES\"")), .validCalendarData
        ),
        (
            "bad DTSTART", Fixture.event(["DTSTART:20240231T100000Z"]), [],
            .invalidValue(.invalidValue(property: "DTSTART", value: "20240231T100000Z", expected: .dateTime)),
            .validCalendarData
        ),
    ]

    @Test(arguments: failures.indices)
    func refusesWithTheRightPrecondition(index: Int) {
        let (_, body, extra, error, precondition) = Self.failures[index]
        let result = CalendarValidator().validate(Fixture.calendar(body, extra: extra))
        #expect(result == .failure(error))
        #expect(error.precondition == precondition)
    }

    @Test func envelopeErrors() {
        let validator = CalendarValidator()
        #expect(
            validator.validate("BEGIN:VCALENDAR\r\nPRODID:x\r\nEND:VCALENDAR\r\n") == .failure(.unsupportedVersion(nil))
        )
        #expect(
            validator.validate("BEGIN:VCALENDAR\r\nVERSION:1.0\r\nPRODID:x\r\nEND:VCALENDAR\r\n")
                == .failure(.unsupportedVersion("1.0")))
        #expect(
            validator.validate("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n") == .failure(.missingProductID))
        #expect(validator.validate("BEGIN:VCARD\r\nEND:VCARD\r\n") == .failure(.notSingleVCalendar))
        #expect(validator.validate("BEGIN:VCALENDAR\r\n") == .failure(.unparsable(.unterminatedComponent("VCALENDAR"))))
        #expect(
            validator.validate("garbage")
                == .failure(.unparsable(.malformedContentLine(line: 1, reason: "missing ':' before the value"))))
        let tiny = CalendarValidator(limits: CalendarLimits(maxObjectOctets: 16))
        let tooLarge = tiny.validate(ParserTests.event)
        #expect(tooLarge == .failure(.tooLarge(limit: 16)))
        #expect((try? tooLarge.get()) == nil)
        #expect(CalendarValidationError.tooLarge(limit: 16).precondition == .maxResourceSize)
    }

    @Test func supportedComponentSet() {
        let eventsOnly = CalendarValidator(supportedComponents: [.event])
        let todo = eventsOnly.validate(Self.vtodo)
        #expect(todo == .failure(.unsupportedComponent("VTODO")))
        #expect(CalendarValidationError.unsupportedComponent("VTODO").precondition == .supportedCalendarComponent)
    }

    @Test func vtimezoneMakesACustomTZIDValid() throws {
        let text = Fixture.calendar(
            Fixture.event(["DTSTART;TZID=Custom Eastern (test):20240101T100000"]), extra: TimeZoneTests.customEastern)
        #expect(throws: Never.self) { try CalendarValidator().validate(text).get() }
    }
}
