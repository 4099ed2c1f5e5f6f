import Testing

@testable import CalendarFormats

/// Content lines, unfolding, parameters, escaping, folding and the component tree (RFC 5545 §3.1–§3.3).
@Suite struct ParserTests {
    /// RFC 5545 §3.6.1 first example, with a folded DESCRIPTION and an X- property.
    static let event = """
        BEGIN:VCALENDAR\r
        VERSION:2.0\r
        PRODID:-//xyz Corp//NONSGML PDA Calendar Version 1.0//EN\r
        BEGIN:VEVENT\r
        DTSTAMP:19960704T120000Z\r
        UID:uid1@example.com\r
        ORGANIZER:mailto:jsmith@example.com\r
        DTSTART:19960918T143000Z\r
        DTEND:19960920T220000Z\r
        STATUS:CONFIRMED\r
        CATEGORIES:CONFERENCE\r
        SUMMARY:Networld+Interop Conference\r
        DESCRIPTION:Networld+Interop Conference\r
          and Exhibit\\nAtlanta World Congress Center\\n\r
         Atlanta\\, Georgia\r
        X-MS-OLK-FOO;X-PARAM="a:b",c:opaque;value,kept\r
        END:VEVENT\r
        END:VCALENDAR\r

        """

    @Test func parsesTheRFCEvent() throws {
        let object = try ICalendarObject.parse(Self.event)
        let event = try #require(object.calendar.components("VEVENT").first)
        #expect(event.uid == "uid1@example.com")
        #expect(event.summary == "Networld+Interop Conference")
        #expect(event.status == .confirmed)
        #expect(
            event.property("DESCRIPTION")?.text
                == "Networld+Interop Conference and Exhibit\nAtlanta World Congress Center\nAtlanta, Georgia")
        let start = try #require(try event.dtstart())
        #expect(start.form == .utc)
        #expect(start.local.description == "19960918T143000")
        let x = try #require(event.property("x-ms-olk-foo"))
        #expect(x.parameterValues("X-PARAM") == ["a:b", "c"])
        #expect(x.value == "opaque;value,kept")
    }

    @Test func roundTripIsByteFaithfulAfterUnfolding() throws {
        let object = try ICalendarObject.parse(Self.event)
        let text = object.serialized
        let again = try ICalendarObject.parse(text)
        #expect(again == object)
        #expect(text.contains("X-MS-OLK-FOO;X-PARAM=\"a:b\",c:opaque;value,kept\r\n"))
        // Every physical line is at most 75 octets and ends in CRLF.
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: true) {
            #expect(line.utf8.count <= 75)
            #expect(!line.contains("\n"))
        }
        #expect(text.hasSuffix("END:VCALENDAR\r\n"))
    }

    @Test func unfoldingAcceptsBareLFAndTab() throws {
        let text = "BEGIN:VCALENDAR\nX-A:one\n\ttwo\n three\nEND:VCALENDAR"
        let roots = try ComponentParser.parse(text)
        #expect(roots.first?.property("X-A")?.value == "onetwothree")
    }

    @Test(arguments: [
        ("a\\,b\\;c\\\\d\\ne\\Nf", "a,b;c\\d\ne\nf"),
        ("plain", "plain"),
        ("trailing\\", "trailing\\"),
        ("unknown\\x", "unknown\\x"),
    ])
    func unescapesText(escaped: String, text: String) {
        #expect(TextEscaping.unescape(escaped) == text)
    }

    @Test func escapedTextRoundTrips() {
        let samples = ["a,b;c\\d\ne", "Ünïcödé; ✓, \\n literally", ""]
        for sample in samples {
            #expect(TextEscaping.unescape(TextEscaping.escape(sample)) == sample)
        }
        #expect(TextEscaping.escape("a\r\nb") == "a\\nb")
        let property = Property(name: "CATEGORIES", value: "A\\,B,C")
        #expect(property.textList() == ["A,B", "C"])
    }

    @Test func foldingNeverSplitsUTF8() throws {
        let long = String(repeating: "é", count: 100) + String(repeating: "🎉", count: 40)
        var component = Component(name: "VCALENDAR")
        component.properties.append(Property(name: "SUMMARY", text: long))
        let text = component.serialized
        for line in text.split(separator: "\r\n") {
            #expect(line.utf8.count <= 75)
        }
        let parsed = try ComponentParser.parse(text)
        #expect(parsed.first?.property("SUMMARY")?.text == long)
    }

    @Test func groupsAndBareParameters() throws {
        let text = "BEGIN:VCARD\r\nitem1.EMAIL;TYPE=INTERNET:a@example.com\r\nTEL;WORK;VOICE:+1\r\nEND:VCARD\r\n"
        let card = try #require(try ComponentParser.parse(text).first)
        let email = try #require(card.property("EMAIL"))
        #expect(email.group == "item1")
        let tel = try #require(card.property("TEL"))
        #expect(tel.parameterValues("TYPE") == ["WORK", "VOICE"])
        #expect(card.serialized == text)
    }

    /// Malformed inputs: each gives its typed error, none crashes.
    @Test(arguments: [
        (
            "BEGIN:VCALENDAR\r\nEND:VEVENT\r\n",
            CalendarFormatError.mismatchedEnd(line: 2, expected: "VCALENDAR", found: "VEVENT")
        ),
        ("BEGIN:VCALENDAR\r\n", .unterminatedComponent("VCALENDAR")),
        ("END:VCALENDAR\r\n", .unexpectedEnd(line: 1, found: "VCALENDAR")),
        ("SUMMARY:x\r\n", .propertyOutsideComponent(line: 1)),
        ("", .empty),
        (
            "BEGIN:VCALENDAR\r\nNOCOLON\r\nEND:VCALENDAR\r\n",
            .malformedContentLine(line: 2, reason: "missing ':' before the value")
        ),
        (
            "BEGIN:VCALENDAR\r\n:value\r\nEND:VCALENDAR\r\n",
            .malformedContentLine(line: 2, reason: "missing property name")
        ),
        (
            "BEGIN:VCALENDAR\r\nX;P=\"open:v\r\nEND:VCALENDAR\r\n",
            .malformedContentLine(line: 2, reason: "unterminated quoted parameter value")
        ),
        (
            "BEGIN:VCALENDAR\r\nX;P=a\"b:v\r\nEND:VCALENDAR\r\n",
            .malformedContentLine(line: 2, reason: "DQUOTE inside an unquoted parameter value")
        ),
    ])
    func malformedInputGivesTypedError(text: String, error: CalendarFormatError) {
        #expect(throws: error) { try ComponentParser.parse(text) }
    }

    @Test func limitsAreEnforced() {
        let deep = String(repeating: "BEGIN:X\r\n", count: 9) + String(repeating: "END:X\r\n", count: 9)
        #expect(throws: CalendarFormatError.nestingTooDeep(line: 9, limit: 8)) { try ComponentParser.parse(deep) }
        let small = CalendarLimits(maxObjectOctets: 10)
        #expect(throws: CalendarFormatError.objectTooLarge(limit: 10)) {
            try ComponentParser.parse("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", limits: small)
        }
        let shortLines = CalendarLimits(maxContentLineOctets: 20)
        #expect(throws: CalendarFormatError.lineTooLong(line: 2, limit: 20)) {
            try ComponentParser.parse("BEGIN:A\r\nX:0123456789\r\n 0123456789\r\nEND:A\r\n", limits: shortLines)
        }
        let fewProperties = CalendarLimits(maxProperties: 1)
        #expect(throws: CalendarFormatError.tooManyProperties(limit: 1)) {
            try ComponentParser.parse("BEGIN:A\r\nX:1\r\nY:2\r\nEND:A\r\n", limits: fewProperties)
        }
        #expect(throws: CalendarFormatError.invalidUTF8) {
            try ComponentParser.parse([0x42, 0x45, 0x47, 0x49, 0x4E, 0x3A, 0xFF, 0x0A])
        }
    }
}

/// Typed values (RFC 5545 §3.3).
@Suite struct ValueTests {
    @Test(arguments: [
        ("19970714", TimeForm.date, nil as String?),
        ("19970714T133000", .floating, nil),
        ("19970714T173000Z", .utc, nil),
        ("19970714T133000", .zoned(tzid: "America/New_York"), "America/New_York"),
    ])
    func dateTimeForms(text: String, form: TimeForm, tzid: String?) throws {
        let value = try #require(DateTimeValue.parse(text, tzid: tzid))
        #expect(value.form == form)
        #expect(value.description == text)
    }

    @Test(arguments: [
        "19970230", "19971301", "1997071", "19970714T250000", "19970714T1330", "19970714X133000", "abcdefgh",
    ])
    func invalidDateTimes(text: String) {
        #expect(DateTimeValue.parse(text) == nil)
    }

    @Test func valueDateParameter() throws {
        let property = Property(
            name: "DTSTART", parameters: [Parameter(name: "VALUE", values: ["DATE"])], value: "20240229")
        #expect(try property.dateTimeValue().isDate)
        let bad = Property(name: "DTSTART", parameters: [Parameter(name: "VALUE", values: ["DATE"])], value: "20230229")
        #expect(throws: CalendarFormatError.invalidValue(property: "DTSTART", value: "20230229", expected: .date)) {
            try bad.dateTimeValue()
        }
    }

    @Test(arguments: [
        ("P15DT5H0M20S", 15, Int64(5 * 3600 + 20)),
        ("P7W", 49, 0),
        ("-PT15M", 0, -900),
        ("+P1D", 1, 0),
        ("PT1H30M", 0, 5400),
    ])
    func durations(text: String, days: Int, seconds: Int64) throws {
        let duration = try #require(DurationValue.parse(text))
        #expect(duration.nominalDays == days)
        #expect(duration.exactSeconds == seconds)
    }

    @Test(arguments: ["P", "PT", "P1H", "PT1D", "P1DT", "1D", "P1D2W", "PT5S1M", "P-1D"])
    func invalidDurations(text: String) {
        #expect(DurationValue.parse(text) == nil)
    }

    @Test func periodsAndOffsets() throws {
        let explicit = try #require(PeriodValue.parse("19970101T180000Z/19970102T070000Z"))
        #expect(explicit.start.form == .utc)
        guard case .start(_, let duration) = try #require(PeriodValue.parse("19970101T180000Z/PT5H30M")) else {
            Issue.record("expected a start/duration period")
            return
        }
        #expect(duration.exactSeconds == 19_800)
        #expect(PeriodValue.parse("19970101T180000Z") == nil)
        #expect(UTCOffsetValue.parse("-0500")?.seconds == -18_000)
        #expect(UTCOffsetValue.parse("+013045")?.seconds == 5445)
        #expect(UTCOffsetValue.parse("-0000") == nil)
        #expect(UTCOffsetValue.parse("0500") == nil)
        #expect(UTCOffsetValue(seconds: -18_000).description == "-0500")
    }

    @Test func civilDateArithmetic() {
        for dayNumber in stride(from: -800_000, through: 800_000, by: 997) {
            #expect(CivilDate(dayNumber: dayNumber).dayNumber == dayNumber)
        }
        #expect(CivilDate(year: 1970, month: 1, day: 1)?.weekday == .thursday)
        #expect(CivilDate(year: 2000, month: 2, day: 29)?.weekday == .tuesday)
        #expect(CivilDate(year: 1900, month: 2, day: 29) == nil)
        #expect(CivilDate(year: 2024, month: 12, day: 31)?.dayOfYear == 366)
    }
}

/// RRULE grammar (RFC 5545 §3.3.10).
@Suite struct RecurrenceRuleGrammarTests {
    @Test func parsesEveryPart() throws {
        let rule = try RecurrenceRule.parse(
            "FREQ=YEARLY;INTERVAL=2;COUNT=10;BYSECOND=0,60;BYMINUTE=30;BYHOUR=8,9;BYDAY=-1SU,2MO,TU;BYMONTHDAY=-1,15;"
                + "BYYEARDAY=-366,1;BYWEEKNO=20,-1;BYMONTH=1,12;BYSETPOS=-1;WKST=SU")
        #expect(rule.frequency == .yearly)
        #expect(rule.interval == 2)
        #expect(rule.end == .count(10))
        #expect(rule.bySecond == [0, 60])
        #expect(
            rule.byDay == [
                WeekdayNumber(.sunday, ordinal: -1), WeekdayNumber(.monday, ordinal: 2), WeekdayNumber(.tuesday),
            ])
        #expect(rule.byMonthDay == [-1, 15])
        #expect(rule.byYearDay == [-366, 1])
        #expect(rule.byWeekNo == [20, -1])
        #expect(rule.bySetPos == [-1])
        #expect(rule.weekStart == .sunday)
        #expect(try RecurrenceRule.parse(rule.description) == rule)
        let until = try RecurrenceRule.parse("FREQ=DAILY;UNTIL=19971224T000000Z")
        #expect(until.end == .until(DateTimeValue.parse("19971224T000000Z")!))
    }

    @Test(arguments: [
        "", "INTERVAL=2", "FREQ=FORTNIGHTLY", "FREQ=DAILY;COUNT=2;UNTIL=20000101", "FREQ=DAILY;COUNT=0",
        "FREQ=DAILY;BYHOUR=24", "FREQ=DAILY;BYMINUTE=-1", "FREQ=MONTHLY;BYMONTHDAY=0", "FREQ=MONTHLY;BYMONTHDAY=32",
        "FREQ=YEARLY;BYWEEKNO=54", "FREQ=YEARLY;BYMONTH=13", "FREQ=MONTHLY;BYDAY=0MO", "FREQ=MONTHLY;BYDAY=XX",
        "FREQ=DAILY;FREQ=DAILY", "FREQ=DAILY;X", "FREQ=DAILY;RSCALE=GREGORIAN", "FREQ=DAILY;INTERVAL=0",
        "FREQ=DAILY;UNTIL=1997", "FREQ=WEEKLY;WKST=XY", "FREQ=YEARLY;BYSETPOS=0",
    ])
    func rejectsMalformedRules(text: String) {
        #expect(throws: CalendarFormatError.self) { try RecurrenceRule.parse(text) }
    }
}

/// ICalendarObject wants exactly one VCALENDAR.
@Suite struct ObjectShapeTests {
    @Test func exactlyOneVCalendar() {
        #expect(throws: CalendarFormatError.unexpectedTopLevel(expected: "VCALENDAR", found: ["VCARD"])) {
            try ICalendarObject.parse("BEGIN:VCARD\r\nEND:VCARD\r\n")
        }
        #expect(
            throws: CalendarFormatError.unexpectedTopLevel(expected: "VCALENDAR", found: ["VCALENDAR", "VCALENDAR"])
        ) {
            try ICalendarObject.parse("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
        }
    }
}
