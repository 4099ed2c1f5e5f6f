import Foundation

@testable import CalendarFormats

/// Helpers shared by the suites.
enum Fixture {
    /// A VCALENDAR around `body` lines (CRLF added).
    static func calendar(_ body: [String], extra: [String] = []) -> String {
        (["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Mailroom//Tests//EN"] + extra + body + ["END:VCALENDAR"])
            .map { $0 + "\r\n" }.joined()
    }

    /// A VEVENT with the given lines.
    static func event(_ lines: [String], uid: String = "event-1@example.com") -> [String] {
        ["BEGIN:VEVENT", "UID:\(uid)", "DTSTAMP:20240101T000000Z"] + lines + ["END:VEVENT"]
    }

    /// The instant of a UTC time written YYYYMMDDTHHMMSSZ.
    static func utc(_ text: String) -> Date {
        guard let value = DateTimeValue.parse(text) else { fatalError("bad fixture time \(text)") }
        return Date(timeIntervalSince1970: TimeInterval(value.local.civilSeconds))
    }

    /// Expected local dates written as "1997-09: 2-11,15; 1997-10: 1" (ranges inclusive), each at `time`.
    static func dates(_ spec: String, time: String = "090000") -> [String] {
        var out: [String] = []
        for group in spec.split(separator: ";") {
            let halves = group.split(separator: ":")
            let yearMonth = halves[0].trimmingCharacters(in: .whitespaces).split(separator: "-")
            let prefix = yearMonth[0] + yearMonth[1]
            for item in halves[1].split(separator: ",") {
                let bounds = item.trimmingCharacters(in: .whitespaces).split(separator: "-").compactMap { Int($0) }
                for day in bounds[0]...(bounds.last ?? bounds[0]) {
                    out.append(prefix + (day < 10 ? "0\(day)" : "\(day)") + "T" + time)
                }
            }
        }
        return out
    }

    /// Expands the only VEVENT master of `text` (with its overrides) in `range`.
    static func expand(_ text: String, from: String, to: String, limit: Int = 1000, floating: ResolvedTimeZone = .utc)
        throws -> Expansion
    {
        let object = try ICalendarObject.parse(text)
        let master = try require_(object.schedulingComponents.first { $0.property("RECURRENCE-ID") == nil })
        let overrides = object.schedulingComponents.filter { $0.property("RECURRENCE-ID") != nil }
        let expander = RecurrenceExpander(object: object, floating: floating)
        return try expander.expand(master, overrides: overrides, in: utc(from)..<utc(to), limit: limit)
    }

    /// Local wall-clock strings of instants in a zone.
    static func local(_ dates: [Date], in tzid: String) -> [String] {
        guard let zone = TimeZoneResolver.systemZone(tzid) else { return [] }
        return dates.map { zone.local(atUTC: Int64($0.timeIntervalSince1970)).description }
    }

    /// UTC strings (YYYYMMDDTHHMMSSZ) of instants.
    static func utcText(_ dates: [Date]) -> [String] {
        dates.map { CivilDateTime(civilSeconds: Int64($0.timeIntervalSince1970)).description + "Z" }
    }
}

struct MissingFixture: Error {}

/// `#require` for helpers outside a test function.
func require_<T>(_ value: T?) throws -> T {
    guard let value else { throw MissingFixture() }
    return value
}
