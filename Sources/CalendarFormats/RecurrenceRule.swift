// RecurrenceRule: the RECUR value type (RFC 5545 §3.3.10), parsed into typed parts and written back.
//
// Invariants:
// - Every part's range is checked as the grammar says (BYSECOND 0-60, BYMINUTE 0-59, BYHOUR 0-23, BYMONTHDAY
//   ±1-31, BYYEARDAY ±1-366, BYWEEKNO ±1-53, BYMONTH 1-12, BYSETPOS ±1-366, BYDAY ordinal ±1-53).
// - FREQ is required; COUNT and UNTIL are exclusive; a part may appear once. Anything else is a typed error.
// - `description` writes the parts in a fixed order (FREQ first), which is the canonical text, not the input's.

/// How often a rule repeats (RFC 5545 §3.3.10 freq), ordered from the shortest period to the longest.
public enum Frequency: Int, Hashable, Sendable, Comparable, CaseIterable {
    case secondly, minutely, hourly, daily, weekly, monthly, yearly

    public var code: String {
        ["SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"][rawValue]
    }

    init?(code: String) {
        guard let index = Frequency.allCases.firstIndex(where: { $0.code == code }) else { return nil }
        self = Frequency.allCases[index]
    }

    public static func < (lhs: Frequency, rhs: Frequency) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A BYDAY entry: weekday with an optional ordinal (`-1SU`, `2MO`, `TU`).
public struct WeekdayNumber: Hashable, Sendable, CustomStringConvertible {
    /// nil for every such weekday; ±1...±53 for the nth (from the end when negative).
    public var ordinal: Int?
    public var weekday: Weekday

    public init(_ weekday: Weekday, ordinal: Int? = nil) {
        self.weekday = weekday
        self.ordinal = ordinal
    }

    public var description: String { (ordinal.map(String.init) ?? "") + weekday.code }
}

/// A parsed RRULE / EXRULE value.
public struct RecurrenceRule: Hashable, Sendable, CustomStringConvertible {
    /// How the end of the rule is set: UNTIL, COUNT or neither.
    public enum End: Hashable, Sendable {
        case forever
        case until(DateTimeValue)
        case count(Int)
    }

    public var frequency: Frequency
    public var interval: Int = 1
    public var end: End = .forever
    public var bySecond: [Int] = []
    public var byMinute: [Int] = []
    public var byHour: [Int] = []
    public var byDay: [WeekdayNumber] = []
    public var byMonthDay: [Int] = []
    public var byYearDay: [Int] = []
    public var byWeekNo: [Int] = []
    public var byMonth: [Int] = []
    public var bySetPos: [Int] = []
    public var weekStart: Weekday = .monday

    /// Largest INTERVAL accepted (the RFC sets none; this keeps period arithmetic far from overflow).
    public static let maxInterval = 1_000_000

    public init(frequency: Frequency) { self.frequency = frequency }

    /// recur = recur-rule-part *( ";" recur-rule-part ) (RFC 5545 §3.3.10)
    public static func parse(_ text: String) throws(CalendarFormatError) -> RecurrenceRule {
        func fail(_ why: String) -> CalendarFormatError { .invalidRecurrenceRule("\(why) in \"\(text)\"") }
        var frequency: Frequency?
        var rule = RecurrenceRule(frequency: .daily)
        var seen: Set<String> = []
        for part in text.split(separator: ";", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pieces.count == 2 else { throw fail("part without '='") }
            let key = pieces[0].uppercased()
            let value = String(pieces[1])
            guard seen.insert(key).inserted else { throw fail("\(key) given twice") }

            func integers(_ range: ClosedRange<Int>, signed: Bool) throws(CalendarFormatError) -> [Int] {
                var out: [Int] = []
                for item in value.split(separator: ",", omittingEmptySubsequences: false) {
                    guard let number = Int(item), range.contains(abs(number)), signed || !item.hasPrefix("-") else {
                        throw fail("\(key) value \"\(item)\" out of range")
                    }
                    out.append(number)
                }
                return out
            }

            switch key {
            case "FREQ":
                guard let parsed = Frequency(code: value.uppercased()) else { throw fail("unknown FREQ") }
                frequency = parsed
            case "UNTIL":
                guard let until = DateTimeValue.parse(value) else { throw fail("UNTIL is not a DATE or DATE-TIME") }
                rule.end = .until(until)
            case "COUNT":
                guard let count = Int(value), count >= 1 else { throw fail("COUNT is not a positive integer") }
                rule.end = .count(count)
            case "INTERVAL":
                guard let interval = Int(value), (1...RecurrenceRule.maxInterval).contains(interval) else {
                    throw fail("INTERVAL is not an integer in 1...\(RecurrenceRule.maxInterval)")
                }
                rule.interval = interval
            case "BYSECOND": rule.bySecond = try integers(0...60, signed: false)
            case "BYMINUTE": rule.byMinute = try integers(0...59, signed: false)
            case "BYHOUR": rule.byHour = try integers(0...23, signed: false)
            case "BYMONTHDAY": rule.byMonthDay = try integers(1...31, signed: true)
            case "BYYEARDAY": rule.byYearDay = try integers(1...366, signed: true)
            case "BYWEEKNO": rule.byWeekNo = try integers(1...53, signed: true)
            case "BYMONTH": rule.byMonth = try integers(1...12, signed: false)
            case "BYSETPOS": rule.bySetPos = try integers(1...366, signed: true)
            case "WKST":
                guard let weekday = Weekday(code: value) else { throw fail("WKST is not a weekday") }
                rule.weekStart = weekday
            case "BYDAY":
                // weekdaynum = [[plus / minus] ordwk] weekday
                for item in value.split(separator: ",", omittingEmptySubsequences: false) {
                    guard item.count >= 2, let weekday = Weekday(code: item.suffix(2)) else {
                        throw fail("BYDAY value \"\(item)\" is not a weekday")
                    }
                    let prefix = item.dropLast(2)
                    var ordinal: Int?
                    if !prefix.isEmpty {
                        guard let number = Int(prefix), (1...53).contains(abs(number)) else {
                            throw fail("BYDAY ordinal \"\(prefix)\" out of range")
                        }
                        ordinal = number
                    }
                    rule.byDay.append(WeekdayNumber(weekday, ordinal: ordinal))
                }
            default:
                throw fail("unknown part \(key)")
            }
        }
        guard let frequency else { throw fail("FREQ missing") }
        guard !(seen.contains("COUNT") && seen.contains("UNTIL")) else { throw fail("both COUNT and UNTIL") }
        rule.frequency = frequency
        return rule
    }

    /// The rule in canonical part order.
    public var description: String {
        var parts = ["FREQ=" + frequency.code]
        switch end {
        case .forever: break
        case .until(let until): parts.append("UNTIL=\(until)")
        case .count(let count): parts.append("COUNT=\(count)")
        }
        if interval != 1 { parts.append("INTERVAL=\(interval)") }
        func list(_ name: String, _ values: [Int]) {
            if !values.isEmpty { parts.append(name + "=" + values.map(String.init).joined(separator: ",")) }
        }
        list("BYSECOND", bySecond)
        list("BYMINUTE", byMinute)
        list("BYHOUR", byHour)
        if !byDay.isEmpty { parts.append("BYDAY=" + byDay.map(\.description).joined(separator: ",")) }
        list("BYMONTHDAY", byMonthDay)
        list("BYYEARDAY", byYearDay)
        list("BYWEEKNO", byWeekNo)
        list("BYMONTH", byMonth)
        list("BYSETPOS", bySetPos)
        if weekStart != .monday { parts.append("WKST=" + weekStart.code) }
        return parts.joined(separator: ";")
    }
}
