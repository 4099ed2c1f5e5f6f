// Alarms: VALARM trigger times (RFC 5545 §3.6.6, §3.8.6.3) and CALDAV:time-range on VALARM (RFC 4791 §9.9).
//
// Invariants:
// - A relative TRIGGER is taken from each instance's start (or end with RELATED=END); an absolute one
//   (VALUE=DATE-TIME, UTC) fires once whatever the recurrence (RFC 5545 §3.8.6.3).
// - REPEAT n with DURATION d adds n more triggers, d apart (RFC 5545 §3.8.6.2).
// - Nominal days of a trigger's duration count as 24 hours here (alarms are minutes to days before an instance;
//   the hour a DST change could move them is accepted).

import Foundation

extension RecurrenceExpander {
    /// RFC 4791 §9.9 VALARM: whether any alarm of any instance of `component` (a VEVENT or VTODO master with its
    /// overrides) triggers within `range`: (start <= trigger-time) AND (end > trigger-time).
    public func alarmTriggers(_ component: Component, overrides: [Component] = [], range: Range<Date>)
        throws(CalendarFormatError) -> Bool
    {
        let window = Self.seconds(range)
        let alarms = ([component] + overrides).flatMap { $0.components("VALARM") }
        guard !alarms.isEmpty else { return false }
        var reach: Int64 = 2 * 86_400
        for alarm in alarms {
            if let trigger = try Self.trigger(of: alarm) {
                if case .relative(let offset, _) = trigger { reach = max(reach, abs(offset) + 2 * 86_400) }
            }
            let repeats = try alarm.property("REPEAT")?.integerValue() ?? 0
            if let step = try alarm.duration() { reach += Int64(max(0, min(repeats, 1000))) * abs(Self.seconds(step)) }
        }
        // Absolute triggers do not depend on instances.
        for alarm in alarms {
            guard case .absolute = try Self.trigger(of: alarm) else { continue }
            let times = try Self.triggerTimes(alarm, start: 0, end: 0)
            if times.contains(where: { window.lowerBound <= $0 && window.upperBound > $0 }) { return true }
        }
        // Relative triggers need DTSTART (RFC 5545 §3.8.6.3).
        guard try component.dtstart() != nil else { return false }
        let widened = (window.lowerBound - reach)..<(window.upperBound + reach)
        var hit = false
        var thrown: CalendarFormatError?
        _ = try instances(component, overrides: overrides, window: widened, limit: limits.maxRecurrenceIterations) {
            occurrence, span in
            guard !hit, thrown == nil else { return }
            for alarm in (occurrence.override ?? component).components("VALARM") {
                do throws(CalendarFormatError) {
                    guard case .relative = try Self.trigger(of: alarm) else { continue }
                    for time in try Self.triggerTimes(alarm, start: span.start, end: span.end)
                    where window.lowerBound <= time && window.upperBound > time {
                        hit = true
                    }
                } catch {
                    thrown = error
                }
            }
        }
        if let thrown { throw thrown }
        return hit
    }

    enum Trigger {
        /// Seconds from the instance start (or end when `fromEnd`).
        case relative(Int64, fromEnd: Bool)
        case absolute(Int64)
    }

    static func trigger(of alarm: Component) throws(CalendarFormatError) -> Trigger? {
        guard let property = alarm.property("TRIGGER") else { return nil }
        if property.parameter("VALUE")?.uppercased() == "DATE-TIME" || DurationValue.parse(property.value) == nil {
            let value = try property.dateTimeValue()
            return .absolute(value.local.civilSeconds)  // RFC 5545 §3.8.6.3: "MUST be ... UTC"
        }
        let offset = try property.durationValue()
        return .relative(seconds(offset), fromEnd: property.parameter("RELATED")?.uppercased() == "END")
    }

    static func seconds(_ duration: DurationValue) -> Int64 {
        Int64(duration.nominalDays) * 86_400 + duration.exactSeconds
    }

    /// Every trigger time of `alarm` for an instance spanning `start..<end` (Unix seconds).
    static func triggerTimes(_ alarm: Component, start: Int64, end: Int64) throws(CalendarFormatError) -> [Int64] {
        guard let trigger = try trigger(of: alarm) else { return [] }
        let first: Int64
        switch trigger {
        case .absolute(let time): first = time
        case .relative(let offset, let fromEnd): first = (fromEnd ? end : start) + offset
        }
        var times = [first]
        let repeats = min(max(0, try alarm.property("REPEAT")?.integerValue() ?? 0), 1000)
        if repeats > 0, let step = try alarm.duration() {
            for index in 1...repeats { times.append(first + Int64(index) * seconds(step)) }
        }
        return times
    }
}
