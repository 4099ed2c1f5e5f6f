import Foundation
import Testing

@testable import CalendarFormats

/// Damaged inputs: every one gives a result or a typed error, never a trap or a hang.
@Suite struct RobustnessTests {
    static var samples: [String] {
        [
            ParserTests.event, ValidationTests.vtodo, VCardTests.rfc6350, VCardTests.rfc2426,
            TimeRangeTests.weekly, Fixture.calendar([], extra: TimeZoneTests.customEastern),
            Fixture.calendar(
                Fixture.event([
                    "DTSTART;TZID=America/New_York:19970902T090000",
                    "RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2",
                    "EXDATE;TZID=America/New_York:19970929T090000", "RDATE;VALUE=PERIOD:19971001T130000Z/PT1H",
                ])),
        ]
    }

    /// Deterministic pseudo-random numbers (a 64-bit LCG), so a failure reproduces.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    /// Runs every entry point on `bytes`.
    static func exercise(_ bytes: [UInt8]) -> Bool {
        let calendar = CalendarValidator().validate(bytes)
        _ = VCardValidator().validate(bytes)
        if case .success(let validated) = calendar {
            let expander = RecurrenceExpander(
                object: validated.object, limits: CalendarLimits(maxRecurrenceIterations: 20_000))
            let range = Fixture.utc("19900101T000000Z")..<Fixture.utc("20300101T000000Z")
            for kind in CalendarComponentKind.allCases {
                _ = try? expander.overlaps(validated.object, kind: kind, range: range)
            }
            if let master = validated.object.master(uid: validated.uid) {
                _ = try? expander.expand(
                    master, overrides: validated.object.overrides(uid: validated.uid), in: range, limit: 50)
            }
            _ = try? ICalendarObject.parse(validated.object.serialized)
        }
        return (try? calendar.get()) != nil
    }

    @Test func truncationsNeverValidate() {
        for sample in Self.samples {
            let bytes = Array(sample.utf8)
            guard
                let end = sample.range(of: "END:VCALENDAR") ?? sample.range(of: "END:VCARD")
                    ?? sample.range(of: "END:vCard")
            else { continue }
            let cut = sample.utf8.distance(from: sample.utf8.startIndex, to: end.lowerBound)
            for length in stride(from: 0, to: cut, by: 3) {
                #expect(!Self.exercise(Array(bytes[0..<length])), "prefix of \(length) octets validated")
            }
        }
    }

    @Test func mutationsNeverTrap() {
        var random = Generator(state: 0x5EED)
        let alphabet = Array("\r\n :;,=\"\\-+0123456789TZPWDHMSABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8) + [0xFF, 0xC3, 0x00]
        var validated = 0
        for sample in Self.samples {
            let original = Array(sample.utf8)
            for _ in 0..<150 {
                var bytes = original
                for _ in 0..<(1 + random.next(4)) {
                    let position = random.next(bytes.count)
                    switch random.next(3) {
                    case 0: bytes[position] = alphabet[random.next(alphabet.count)]
                    case 1: bytes.remove(at: position)
                    default: bytes.insert(alphabet[random.next(alphabet.count)], at: position)
                    }
                }
                if Self.exercise(bytes) { validated += 1 }
            }
        }
        // Some mutations hit only values that do not matter; most break something. Both kinds must occur.
        #expect(validated > 0)
        #expect(validated < Self.samples.count * 150)
    }

    @Test func extremeValuesAreTyped() throws {
        #expect(throws: CalendarFormatError.self) {
            try RecurrenceRule.parse("FREQ=WEEKLY;INTERVAL=99999999999999999999")
        }
        #expect(throws: CalendarFormatError.self) {
            try RecurrenceRule.parse("FREQ=WEEKLY;INTERVAL=9223372036854775807")
        }
        #expect(DurationValue.parse("P99999999999999999999D") == nil)
        let text = Fixture.calendar(
            Fixture.event(["DTSTART:39991226T235959Z", "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=12"]))
        let object = try ICalendarObject.parse(text)
        let master = try #require(object.schedulingComponents.first)
        let expansion = try RecurrenceExpander(object: object).expand(
            master, in: Date.distantPast..<Date.distantFuture, limit: Int.max)
        // 3999-12-26 is the last Sunday of 3999; the next, 4000-12-31, is before distantFuture (4001-01-01).
        #expect(Fixture.utcText(expansion.occurrences.map(\.start)) == ["39991226T235959Z", "40001231T235959Z"])
        let infinite = try RecurrenceExpander(object: object).expand(
            master, in: Date(timeIntervalSince1970: -.infinity)..<Date(timeIntervalSince1970: .infinity), limit: -5)
        #expect(infinite.occurrences.isEmpty)
    }
}

/// Work stays proportional to what is asked for.
@Suite struct CostTests {
    /// Ten years of a daily event in a system zone, and one instance of it forty years after DTSTART.
    @Test func longSeriesStayCheap() throws {
        let text = Fixture.calendar(
            Fixture.event([
                "DTSTART;TZID=Europe/Berlin:19900101T080000", "DURATION:PT15M", "RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",
            ]))
        let clock = ContinuousClock()
        let started = clock.now
        let decade = try Fixture.expand(text, from: "20200101T000000Z", to: "20300101T000000Z", limit: 10_000)
        #expect(decade.stop == .complete)
        #expect(decade.occurrences.count == 2609)  // weekdays from 2020-01-01 to 2029-12-31
        let object = try ICalendarObject.parse(text)
        let hit = try RecurrenceExpander(object: object).overlaps(
            object, kind: .event, range: Fixture.utc("20300107T070000Z")..<Fixture.utc("20300107T070100Z"))
        #expect(hit)
        #expect(clock.now - started < .seconds(30))
    }
}
