// Values: typed iCalendar values (RFC 5545 §3.3): DATE, DATE-TIME, DURATION, PERIOD, UTC-OFFSET, and civil
// (time-zone-less) date arithmetic used by time zones and recurrence.
//
// Invariants:
// - `CivilDate` is always a real proleptic Gregorian date (validated at construction from text); arithmetic goes
//   through day numbers (days since 1970-01-01), so it is exact and needs no Foundation Calendar.
// - A parsed `DateTimeValue` keeps its form (DATE, UTC, floating, TZID) so it can be written back unchanged.

/// A day of the week (RFC 5545 §3.3.10 weekday).
public enum Weekday: Int, CaseIterable, Hashable, Sendable, Comparable {
    case sunday = 0, monday, tuesday, wednesday, thursday, friday, saturday

    /// The two-letter code: SU, MO, ...
    public var code: String { ["SU", "MO", "TU", "WE", "TH", "FR", "SA"][rawValue] }

    /// Parses SU, MO, ... (case-insensitive).
    public init?(code: some StringProtocol) {
        guard let index = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"].firstIndex(of: code.uppercased()),
            let weekday = Weekday(rawValue: index)
        else { return nil }
        self = weekday
    }

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A calendar date with no time zone.
public struct CivilDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// A valid date, or nil (Feb 30, month 13, ...).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= CivilDate.daysIn(month: month, year: year) else {
            return nil
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `dayNumber` days after 1970-01-01 (H. Hinnant's civil_from_days).
    public init(dayNumber: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    /// Days since 1970-01-01 (negative before).
    public var dayNumber: Int { CivilDate.dayNumber(year, month, day) }

    public var weekday: Weekday {
        let n = dayNumber
        // 1970-01-01 was a Thursday.
        return Weekday(rawValue: ((n % 7) + 7 + 4) % 7) ?? .sunday
    }

    /// 1-based day of the year.
    public var dayOfYear: Int { dayNumber - CivilDate.firstOfYear(year).dayNumber + 1 }

    public func adding(days: Int) -> CivilDate { CivilDate(dayNumber: dayNumber + days) }

    public static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
    public static func daysIn(year: Int) -> Int { isLeap(year) ? 366 : 365 }
    static func firstOfYear(_ year: Int) -> CivilDate { CivilDate(dayNumber: CivilDate.dayNumber(year, 1, 1)) }
    /// Day number of a valid date without building it (H. Hinnant's days_from_civil).
    static func dayNumber(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        return era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
    }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool { lhs.dayNumber < rhs.dayNumber }

    /// YYYYMMDD (RFC 5545 §3.3.4).
    public var description: String { pad(year, 4) + pad(month, 2) + pad(day, 2) }
}

/// A date and a wall-clock time with no time zone.
public struct CivilDateTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var date: CivilDate
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init(date: CivilDate, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        self.date = date
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// The civil time `seconds` after 1970-01-01T00:00:00 on a clock with no time zone.
    public init(civilSeconds seconds: Int64) {
        let days = Int((seconds >= 0 ? seconds : seconds - 86_399) / 86_400)
        let rest = Int(seconds - Int64(days) * 86_400)
        self.date = CivilDate(dayNumber: days)
        self.hour = rest / 3600
        self.minute = rest % 3600 / 60
        self.second = rest % 60
    }

    /// Seconds since 1970-01-01T00:00:00 on a clock with no time zone (equals the Unix time when read as UTC).
    public var civilSeconds: Int64 {
        Int64(date.dayNumber) * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59))
    }

    public func adding(seconds: Int64) -> CivilDateTime { CivilDateTime(civilSeconds: civilSeconds + seconds) }

    public static func < (lhs: CivilDateTime, rhs: CivilDateTime) -> Bool { lhs.civilSeconds < rhs.civilSeconds }

    /// YYYYMMDDTHHMMSS (RFC 5545 §3.3.5 form #1).
    public var description: String { date.description + "T" + pad(hour, 2) + pad(minute, 2) + pad(second, 2) }
}

/// How a DATE-TIME is anchored (RFC 5545 §3.3.5 forms #1–#3), or that the value is a DATE.
public enum TimeForm: Hashable, Sendable {
    /// A DATE (all-day) value.
    case date
    /// Form #2, "Z".
    case utc
    /// Form #1, local time wherever the reader is.
    case floating
    /// Form #3, local time in the zone named by the TZID parameter.
    case zoned(tzid: String)
}

/// A DATE or DATE-TIME value with its form.
public struct DateTimeValue: Hashable, Sendable, CustomStringConvertible {
    /// The date and wall-clock time (00:00:00 for a DATE).
    public var local: CivilDateTime
    public var form: TimeForm

    public init(local: CivilDateTime, form: TimeForm) {
        self.local = local
        self.form = form
    }

    public init(date: CivilDate) { self.init(local: CivilDateTime(date: date), form: .date) }

    public var isDate: Bool { form == .date }

    /// The TZID when the form is `.zoned`.
    public var tzid: String? {
        if case .zoned(let tzid) = form { return tzid }
        return nil
    }

    /// The value text: YYYYMMDD, YYYYMMDDTHHMMSS or YYYYMMDDTHHMMSSZ (the TZID goes in a parameter).
    public var description: String {
        switch form {
        case .date: return local.date.description
        case .utc: return local.description + "Z"
        case .floating, .zoned: return local.description
        }
    }

    /// Parses `text` as DATE (when `isDate`, or when it has no "T") or DATE-TIME, with an optional TZID.
    public static func parse(_ text: some StringProtocol, tzid: String? = nil, isDate: Bool? = nil) -> DateTimeValue? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard bytes.count >= 8, let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
            let date = CivilDate(year: year, month: month, day: day)
        else { return nil }
        if bytes.count == 8 {
            guard isDate != false else { return nil }
            return DateTimeValue(date: date)
        }
        guard isDate != true, bytes.count == 15 || bytes.count == 16, bytes[8] == UInt8(ascii: "T"),
            let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
            hour < 24, minute < 60, second <= 60
        else { return nil }
        let local = CivilDateTime(date: date, hour: hour, minute: minute, second: second)
        if bytes.count == 16 {
            guard bytes[15] == UInt8(ascii: "Z") || bytes[15] == UInt8(ascii: "z") else { return nil }
            return DateTimeValue(local: local, form: .utc)  // RFC 5545 §3.3.5: TZID is ignored with "Z"
        }
        if let tzid { return DateTimeValue(local: local, form: .zoned(tzid: tzid)) }
        return DateTimeValue(local: local, form: .floating)
    }
}

/// A DURATION value (RFC 5545 §3.3.6): nominal weeks and days, exact hours, minutes and seconds.
public struct DurationValue: Hashable, Sendable, CustomStringConvertible {
    public var isNegative: Bool
    public var weeks: Int
    public var days: Int
    public var hours: Int
    public var minutes: Int
    public var seconds: Int

    public init(
        isNegative: Bool = false, weeks: Int = 0, days: Int = 0, hours: Int = 0, minutes: Int = 0, seconds: Int = 0
    ) {
        self.isNegative = isNegative
        self.weeks = weeks
        self.days = days
        self.hours = hours
        self.minutes = minutes
        self.seconds = seconds
    }

    /// Signed nominal days (weeks × 7 + days): added on the wall clock, so they keep the time across DST.
    public var nominalDays: Int { (isNegative ? -1 : 1) * (weeks * 7 + days) }
    /// Signed exact seconds (hours, minutes, seconds): added on the UTC time line.
    public var exactSeconds: Int64 { (isNegative ? -1 : 1) * Int64(hours * 3600 + minutes * 60 + seconds) }
    /// Whether the duration is zero.
    public var isZero: Bool { weeks == 0 && days == 0 && hours == 0 && minutes == 0 && seconds == 0 }

    /// dur-value = (["+"] / "-") "P" (dur-date / dur-time / dur-week) (RFC 5545 §3.3.6)
    public static func parse(_ text: some StringProtocol) -> DurationValue? {
        var scalars = Substring(text)
        var value = DurationValue()
        if scalars.first == "+" || scalars.first == "-" {
            value.isNegative = scalars.first == "-"
            scalars.removeFirst()
        }
        guard scalars.first == "P" || scalars.first == "p" else { return nil }
        scalars.removeFirst()
        var inTime = false
        var sawUnit = false
        var lastUnitRank = 0
        var number: Int?
        for character in scalars {
            if let digit = character.wholeNumberValue, character.isASCII {
                let (product, overflow) = (number ?? 0).multipliedReportingOverflow(by: 10)
                guard !overflow, product < 100_000_000 else { return nil }
                number = product + digit
                continue
            }
            let unit = character.uppercased()
            if unit == "T" {
                guard !inTime, number == nil else { return nil }
                inTime = true
                continue
            }
            guard let amount = number else { return nil }
            let rank: Int
            switch (unit, inTime) {
            case ("W", false): rank = 1; value.weeks = amount
            case ("D", false): rank = 2; value.days = amount
            case ("H", true): rank = 3; value.hours = amount
            case ("M", true): rank = 4; value.minutes = amount
            case ("S", true): rank = 5; value.seconds = amount
            default: return nil
            }
            guard rank > lastUnitRank else { return nil }
            lastUnitRank = rank
            number = nil
            sawUnit = true
        }
        // "T" must be followed by at least one time unit (dur-time = "T" (dur-hour / dur-minute / dur-second)).
        guard sawUnit, number == nil, !inTime || lastUnitRank >= 3 else { return nil }
        return value
    }

    public var description: String {
        var out = isNegative ? "-P" : "P"
        if weeks > 0 { out += "\(weeks)W" }
        if days > 0 { out += "\(days)D" }
        if hours > 0 || minutes > 0 || seconds > 0 {
            out += "T"
            if hours > 0 { out += "\(hours)H" }
            if minutes > 0 { out += "\(minutes)M" }
            if seconds > 0 { out += "\(seconds)S" }
        }
        if out.hasSuffix("P") { out += "T0S" }
        return out
    }
}

/// A PERIOD value (RFC 5545 §3.3.9): explicit start and end, or start and duration.
public enum PeriodValue: Hashable, Sendable {
    case explicit(start: DateTimeValue, end: DateTimeValue)
    case start(DateTimeValue, duration: DurationValue)

    public var start: DateTimeValue {
        switch self {
        case .explicit(let start, _), .start(let start, _): return start
        }
    }

    /// period = date-time "/" (date-time / dur-value)
    public static func parse(_ text: some StringProtocol, tzid: String? = nil) -> PeriodValue? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = DateTimeValue.parse(parts[0], tzid: tzid, isDate: false) else {
            return nil
        }
        if let end = DateTimeValue.parse(parts[1], tzid: tzid, isDate: false) {
            return .explicit(start: start, end: end)
        }
        if let duration = DurationValue.parse(parts[1]), !duration.isNegative {
            return .start(start, duration: duration)
        }
        return nil
    }
}

/// A UTC-OFFSET value (RFC 5545 §3.3.14) in seconds east of UTC.
public struct UTCOffsetValue: Hashable, Sendable, CustomStringConvertible {
    public var seconds: Int

    public init(seconds: Int) { self.seconds = seconds }

    /// utc-offset = time-numzone: ("+" / "-") time-hour time-minute [time-second]; "-0000" is not allowed.
    public static func parse(_ text: some StringProtocol) -> UTCOffsetValue? {
        let bytes = Array(text.utf8)
        guard bytes.count == 5 || bytes.count == 7, bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-"),
            bytes.dropFirst().allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else { return nil }
        let digits = bytes.dropFirst().map { Int($0 - 0x30) }
        let hours = digits[0] * 10 + digits[1]
        let minutes = digits[2] * 10 + digits[3]
        let seconds = digits.count == 6 ? digits[4] * 10 + digits[5] : 0
        guard hours < 24, minutes < 60, seconds < 60 else { return nil }
        let total = hours * 3600 + minutes * 60 + seconds
        if bytes[0] == UInt8(ascii: "-") && total == 0 { return nil }
        return UTCOffsetValue(seconds: bytes[0] == UInt8(ascii: "-") ? -total : total)
    }

    public var description: String {
        let magnitude = abs(seconds)
        var out = (seconds < 0 ? "-" : "+") + pad(magnitude / 3600, 2) + pad(magnitude % 3600 / 60, 2)
        if magnitude % 60 != 0 { out += pad(magnitude % 60, 2) }
        return out
    }
}

/// Zero-padded decimal.
func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(abs(value))
    let padded = String(repeating: "0", count: max(0, width - digits.count)) + digits
    return value < 0 ? "-" + padded : padded
}

// MARK: - Typed property access

extension Property {
    /// The value as DATE or DATE-TIME, honouring VALUE=DATE and TZID (RFC 5545 §3.3.4, §3.3.5).
    public func dateTimeValue() throws(CalendarFormatError) -> DateTimeValue {
        let valueType = parameter("VALUE")?.uppercased()
        let isDate: Bool? = valueType == "DATE" ? true : (valueType == "DATE-TIME" ? false : nil)
        guard let parsed = DateTimeValue.parse(value.trimmingSpaces, tzid: parameter("TZID"), isDate: isDate) else {
            throw .invalidValue(property: key, value: value, expected: isDate == true ? .date : .dateTime)
        }
        return parsed
    }

    /// Each comma-separated DATE / DATE-TIME (RDATE, EXDATE); PERIOD values of RDATE are in `periodValues`.
    public func dateTimeValues() throws(CalendarFormatError) -> [DateTimeValue] {
        let valueType = parameter("VALUE")?.uppercased()
        let isDate: Bool? = valueType == "DATE" ? true : (valueType == "DATE-TIME" ? false : nil)
        var out: [DateTimeValue] = []
        for part in value.split(separator: ",") {
            guard let parsed = DateTimeValue.parse(part.trimmingSpacesSub, tzid: parameter("TZID"), isDate: isDate)
            else { throw .invalidValue(property: key, value: String(part), expected: .dateTime) }
            out.append(parsed)
        }
        return out
    }

    /// RDATE values: DATE, DATE-TIME or (VALUE=PERIOD) PERIOD (RFC 5545 §3.8.5.2).
    public func recurrenceDates() throws(CalendarFormatError) -> [RecurrenceDate] {
        if parameter("VALUE")?.uppercased() == "PERIOD" {
            var out: [RecurrenceDate] = []
            for part in value.split(separator: ",") {
                guard let period = PeriodValue.parse(part.trimmingSpacesSub, tzid: parameter("TZID")) else {
                    throw .invalidValue(property: key, value: String(part), expected: .period)
                }
                out.append(.period(period))
            }
            return out
        }
        return try dateTimeValues().map { .dateTime($0) }
    }

    /// The value as DURATION (RFC 5545 §3.3.6).
    public func durationValue() throws(CalendarFormatError) -> DurationValue {
        guard let parsed = DurationValue.parse(value.trimmingSpaces) else {
            throw .invalidValue(property: key, value: value, expected: .duration)
        }
        return parsed
    }

    /// The value as UTC-OFFSET (RFC 5545 §3.3.14).
    public func utcOffsetValue() throws(CalendarFormatError) -> UTCOffsetValue {
        guard let parsed = UTCOffsetValue.parse(value.trimmingSpaces) else {
            throw .invalidValue(property: key, value: value, expected: .utcOffset)
        }
        return parsed
    }

    /// Comma-separated PERIOD values (FREEBUSY, RDATE;VALUE=PERIOD).
    public func periodValues() throws(CalendarFormatError) -> [PeriodValue] {
        var out: [PeriodValue] = []
        for part in value.split(separator: ",") {
            guard let period = PeriodValue.parse(part.trimmingSpacesSub, tzid: parameter("TZID")) else {
                throw .invalidValue(property: key, value: String(part), expected: .period)
            }
            out.append(period)
        }
        return out
    }

    /// The value as RECUR (RFC 5545 §3.3.10).
    public func recurrenceRule() throws(CalendarFormatError) -> RecurrenceRule {
        try RecurrenceRule.parse(value.trimmingSpaces)
    }

    /// The value as INTEGER (RFC 5545 §3.3.8).
    public func integerValue() throws(CalendarFormatError) -> Int {
        guard let parsed = Int(value.trimmingSpaces) else {
            throw .invalidValue(property: key, value: value, expected: .integer)
        }
        return parsed
    }
}

/// One RDATE entry.
public enum RecurrenceDate: Hashable, Sendable {
    case dateTime(DateTimeValue)
    case period(PeriodValue)

    public var start: DateTimeValue {
        switch self {
        case .dateTime(let value): return value
        case .period(let period): return period.start
        }
    }
}

/// RECURRENCE-ID's RANGE parameter (RFC 5545 §3.2.13).
public enum RecurrenceRange: Hashable, Sendable {
    case thisInstance
    case thisAndFuture
}

extension Substring {
    var trimmingSpacesSub: String { String(self).trimmingSpaces }
}
