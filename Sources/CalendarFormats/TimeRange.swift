// TimeRange: CALDAV:time-range matching (RFC 4791 §9.9) for VEVENT, VTODO, VJOURNAL and VFREEBUSY, recurrence
// included.
//
// Invariants:
// - A recurring component matches when any instance (overrides in their moved place, RFC 4791 §9.9 "any
//   recurrence instance") overlaps; instances are found with the same expander as `expand`, so both agree.
// - Start and end of the range are UTC; floating times and DATE values are read in the expander's floating zone
//   (the collection's CALDAV:calendar-timezone).

import Foundation

extension RecurrenceExpander {
    /// RFC 4791 §9.9: whether `component` (a master, with the overrides sharing its UID) overlaps `range`.
    public func overlaps(_ component: Component, overrides: [Component] = [], range: Range<Date>)
        throws(CalendarFormatError) -> Bool
    {
        let window = Self.seconds(range)
        let (start, end) = (window.lowerBound, window.upperBound)
        switch component.key {
        case "VEVENT", "VJOURNAL":
            // VEVENT and VJOURNAL tables: no DTSTART never matches (VJOURNAL row "N | * | FALSE").
            guard try component.dtstart() != nil else { return false }
            return try anyInstance(component, overrides: overrides, window: window)
        case "VTODO":
            if try component.dtstart() != nil {
                return try anyInstance(component, overrides: overrides, window: window)
            }
            let due = try component.due().map { value throws(CalendarFormatError) in try resolver.utcSeconds(of: value)
            }
            let completed = try component.completed().map { value throws(CalendarFormatError) in
                try resolver.utcSeconds(of: value)
            }
            let created = try component.created().map { value throws(CalendarFormatError) in
                try resolver.utcSeconds(of: value)
            }
            switch (due, completed, created) {
            case (let due?, _, _):  // (start < DUE) AND (end >= DUE)
                return start < due && end >= due
            case (nil, let completed?, let created?):
                // ((start <= CREATED) OR (start <= COMPLETED)) AND ((end >= CREATED) OR (end >= COMPLETED))
                return (start <= created || start <= completed) && (end >= created || end >= completed)
            case (nil, let completed?, nil):  // (start <= COMPLETED) AND (end >= COMPLETED)
                return start <= completed && end >= completed
            case (nil, nil, let created?):  // (end > CREATED)
                return end > created
            case (nil, nil, nil):
                return true
            }
        case "VFREEBUSY":
            // VFREEBUSY table: DTSTART/DTEND first, else any FREEBUSY period, else FALSE.
            if let dtstart = try component.dtstart(), let dtend = try component.dtend() {
                let busyStart = try resolver.utcSeconds(of: dtstart)
                let busyEnd = try resolver.utcSeconds(of: dtend)
                return start <= busyEnd && end > busyStart
            }
            for property in component.properties("FREEBUSY") {
                for period in try property.periodValues() {
                    let (periodStart, periodEnd) = try span(of: period)
                    if start < periodEnd && end > periodStart { return true }
                }
            }
            return false
        default:
            return false
        }
    }

    /// Whether any component of `kind` in `object` overlaps `range`, grouping masters with their overrides by UID
    /// (an override whose master is not in the object is evaluated alone).
    public func overlaps(_ object: ICalendarObject, kind: CalendarComponentKind, range: Range<Date>)
        throws(CalendarFormatError) -> Bool
    {
        let components = object.calendar.components(kind.rawValue)
        let masters = components.filter { $0.property("RECURRENCE-ID") == nil }
        let masterUIDs = Set(masters.compactMap(\.uid))
        for master in masters {
            let overrides = components.filter { $0.property("RECURRENCE-ID") != nil && $0.uid == master.uid }
            if try overlaps(master, overrides: overrides, range: range) { return true }
        }
        for orphan in components where orphan.property("RECURRENCE-ID") != nil {
            guard let uid = orphan.uid, !masterUIDs.contains(uid) else { continue }
            var alone = orphan
            alone.properties.removeAll { $0.key == "RRULE" || $0.key == "RDATE" }
            if try overlaps(alone, range: range) { return true }
        }
        return false
    }

    private func anyInstance(_ component: Component, overrides: [Component], window: Range<Int64>)
        throws(CalendarFormatError) -> Bool
    {
        var found = false
        _ = try instances(component, overrides: overrides, window: window, limit: 1) { _, _ in found = true }
        return found
    }

    private func span(of period: PeriodValue) throws(CalendarFormatError) -> (Int64, Int64) {
        let start = try resolver.utcSeconds(of: period.start)
        switch period {
        case .explicit(_, let end): return (start, try resolver.utcSeconds(of: end))
        case .start(_, let duration):
            return (start, start + Int64(duration.nominalDays) * 86_400 + duration.exactSeconds)
        }
    }
}

/// The span of time a calendar object's instances cover, for pre-filtering time-range queries in storage.
public struct TimeBounds: Hashable, Sendable {
    /// Earliest instance start; nil when unbounded (or unknown, e.g. a VTODO without DTSTART).
    public var start: Date?
    /// Latest instance end; nil when the series never ends (RRULE without COUNT or UNTIL) or is unknown.
    public var end: Date?

    /// Whether `range` may hold an instance (a necessary, not sufficient, condition for `overlaps`).
    public func mayOverlap(_ range: Range<Date>) -> Bool {
        if let start, range.upperBound < start { return false }
        if let end, range.lowerBound > end { return false }
        return true
    }
}

extension RecurrenceExpander {
    /// The earliest start and latest end over every instance of every component in `object` (overrides included);
    /// unbounded sides are nil. Instances stay within these bounds, so a store may skip objects whose bounds miss a
    /// query range and evaluate `overlaps` on the rest.
    public func bounds(of object: ICalendarObject) throws(CalendarFormatError) -> TimeBounds {
        var earliest: Date?
        var latest: Date?
        var unboundedStart = false
        var unboundedEnd = false
        let components = object.schedulingComponents
        for component in components {
            guard component.key != "VFREEBUSY", try component.dtstart() != nil else {
                unboundedStart = true
                unboundedEnd = true
                continue
            }
            let isMaster = component.property("RECURRENCE-ID") == nil
            let overrides =
                isMaster ? components.filter { $0.uid == component.uid && $0.property("RECURRENCE-ID") != nil } : []
            if isMaster {
                for rule in try component.recurrenceRules() where rule.end == .forever { unboundedEnd = true }
            } else if components.contains(where: { $0.uid == component.uid && $0.property("RECURRENCE-ID") == nil }) {
                continue  // covered by its master's expansion
            }
            var single = component
            if !isMaster { single.properties.removeAll { $0.key == "RRULE" || $0.key == "RDATE" } }
            let window = Int64(-Self.instantBound)..<Int64(Self.instantBound)
            // A series that never ends needs only its earliest instance; a finite one all of them.
            let limit = unboundedEnd ? 1 : limits.maxRecurrenceIterations
            let stop = try instances(single, overrides: overrides, window: window, limit: limit) {
                occurrence, _ in
                earliest = min(earliest ?? occurrence.start, occurrence.start)
                if !unboundedEnd { latest = max(latest ?? occurrence.end, occurrence.end) }
            }
            if stop != .complete { unboundedEnd = true }
        }
        return TimeBounds(start: unboundedStart ? nil : earliest, end: unboundedEnd ? nil : latest)
    }
}
