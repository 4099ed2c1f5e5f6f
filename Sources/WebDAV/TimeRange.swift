// TimeRange: UTC DATE-TIME attribute values (RFC 4791 §9.9) and the ranges built from them.
//
// Invariants:
// - Values are exactly "YYYYMMDDTHHMMSSZ" (RFC 5545 §3.3.5 form 2, UTC): RFC 4791 §9.9 "MUST be date with UTC
//   time value". Dates are checked against the proleptic Gregorian calendar; second 60 (a leap second, RFC 5545
//   §3.3.12) reads as second 59 so the value stays representable.
// - Times are `Date` (seconds since 1970, UTC) so they meet CalendarFormats' `Range<Date>` without conversion.
// - A filter time-range may leave one end open; expand, limit-recurrence-set and limit-freebusy-set need both
//   (RFC 4791 §9.6.5-§9.6.7). Where both are given, start must be before end (RFC 4791 §9.9).

import CalendarFormats
import Foundation

/// Parsing and formatting of UTC DATE-TIME values.
public enum UTCDateTime {
    /// Parses "20060104T000000Z".
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
            let date = CivilDate(year: year, month: month, day: day), let hour = number(9..<11),
            let minute = number(11..<13), let second = number(13..<15), hour <= 23, minute <= 59, second <= 60
        else { return nil }
        let seconds = date.dayNumber * 86_400 + hour * 3_600 + minute * 60 + min(second, 59)
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// Formats a date as "YYYYMMDDTHHMMSSZ" (whole seconds, rounded down); years outside 0...9999 are clamped.
    public static func format(_ date: Date) -> String {
        let total = Int(date.timeIntervalSince1970.rounded(.down))
        let minimum = firstDay * 86_400
        let maximum = endDay * 86_400 - 1
        let clamped = min(max(total, minimum), maximum)
        let days = clamped >= 0 ? clamped / 86_400 : (clamped - 86_399) / 86_400
        let secondOfDay = clamped - days * 86_400
        let civil = CivilDate(dayNumber: days)
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return pad(civil.year, 4) + pad(civil.month, 2) + pad(civil.day, 2) + "T" + pad(secondOfDay / 3_600, 2)
            + pad(secondOfDay % 3_600 / 60, 2) + pad(secondOfDay % 60, 2) + "Z"
    }

    /// Day numbers (days since 1970-01-01) of 0000-01-01 and 10000-01-01: the four-digit years.
    private static let firstDay = -719_528
    private static let endDay = 2_932_897
}

/// A CALDAV:time-range (RFC 4791 §9.9): either end may be open, not both.
public struct TimeRange: Hashable, Sendable {
    /// Inclusive start; nil is the infinite past.
    public var start: Date?
    /// Exclusive end; nil is the infinite future.
    public var end: Date?

    public init(start: Date?, end: Date?) {
        self.start = start
        self.end = end
    }

    /// The range with open ends at `Date.distantPast` / `Date.distantFuture` (CalendarFormats' form).
    public var range: Range<Date> { (start ?? .distantPast)..<(end ?? .distantFuture) }

    /// RFC 4791 §9.9: `<!ATTLIST time-range start CDATA #IMPLIED end CDATA #IMPLIED>`.
    static func parse(_ element: XMLTreeElement, requireBoth: Bool) throws(DAVRequestError) -> TimeRange {
        func value(_ name: String) throws(DAVRequestError) -> Date? {
            guard let text = element.attribute(name) else {
                if requireBoth { throw .missingAttribute(element: element.name, attribute: name) }
                return nil
            }
            guard let date = UTCDateTime.parse(text) else { throw .invalidValue(element: element.name, value: text) }
            return date
        }
        let range = TimeRange(start: try value("start"), end: try value("end"))
        guard range.start != nil || range.end != nil else {
            throw .missingAttribute(element: element.name, attribute: "start")
        }
        if let start = range.start, let end = range.end, start >= end {
            throw .invalidValue(element: element.name, value: UTCDateTime.format(start) + "/" + UTCDateTime.format(end))
        }
        return range
    }

    /// The element named `name` with start and end attributes for the ends that are set.
    func element(_ name: QualifiedName) -> XMLTreeElement {
        var attributes: [QualifiedName: String] = [:]
        if let start { attributes[QualifiedName("", "start")] = UTCDateTime.format(start) }
        if let end { attributes[QualifiedName("", "end")] = UTCDateTime.format(end) }
        return XMLTreeElement(name, attributes: attributes)
    }
}
