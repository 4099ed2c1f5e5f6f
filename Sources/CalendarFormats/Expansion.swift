// Expansion: the recurrence set of a component (RFC 5545 §3.8.5) as UTC instances within a time range.
//
// Invariants:
// - Recurrence set = DTSTART ∪ RRULE instances ∪ RDATE − EXDATE (RFC 5545 §3.8.5.1-§3.8.5.3); instances are keyed by
//   the UTC instant of their original start, which is how RECURRENCE-ID and EXDATE name them.
// - An override (same UID, RECURRENCE-ID) replaces its instance; it is returned where it now is (moved instances
//   can enter or leave the range), flagged when STATUS:CANCELLED. With RANGE=THISANDFUTURE its shift and length
//   also apply to every later instance (RFC 5545 §3.2.13), which then reports it as its override.
// - Durations (RFC 5545 §3.8.5.3): DTEND/DUE give the same exact duration to every instance; DURATION's days and
//   weeks are nominal (added on the wall clock), its hours, minutes and seconds exact.
// - Work is bounded by `CalendarLimits.maxRecurrenceIterations` and `limit`; the result says which one stopped it.

import Foundation

/// One instance of a recurring (or single) component.
public struct Occurrence: Hashable, Sendable {
    /// The instance's original start, in the form of the master's DTSTART (the value its RECURRENCE-ID takes).
    public var recurrenceID: DateTimeValue
    /// The UTC instant of the original start (the key RECURRENCE-ID and EXDATE match on).
    public var recurrenceInstant: Date
    /// Start in UTC.
    public var start: Date
    /// End in UTC (DTEND/DUE/DURATION applied; equal to `start` for a zero-length instance).
    public var end: Date
    /// The overriding component (same UID with RECURRENCE-ID), when there is one.
    public var override: Component?

    /// Whether the instance is cancelled by its override (STATUS:CANCELLED).
    public var isCancelled: Bool { override?.status == .cancelled }
}

/// The instances found and why the search stopped.
public struct Expansion: Hashable, Sendable {
    public enum Stop: Hashable, Sendable {
        /// Every instance in the range is in `occurrences`.
        case complete
        /// There were more instances than the limit asked for.
        case limitReached
        /// `CalendarLimits.maxRecurrenceIterations` ran out: instances may be missing.
        case iterationCapReached
    }

    public var occurrences: [Occurrence]
    public var stop: Stop
}

/// How an instance's end relates to its start: RFC 4791 §9.9's tables differ by what the component carries.
enum EndKind: Hashable, Sendable {
    /// Neither DTEND/DUE nor DURATION.
    case none
    /// DTEND (VEVENT) or DUE (VTODO).
    case explicit
    /// DURATION, or the implied P1D of an all-day event.
    case duration
}

/// One instance's position on the UTC time line (Unix seconds).
struct InstanceSpan: Hashable, Sendable {
    var start: Int64
    var end: Int64
    var endKind: EndKind
}

/// Expands recurring components.
public struct RecurrenceExpander: Sendable {
    public var resolver: TimeZoneResolver
    public var limits: CalendarLimits

    public init(resolver: TimeZoneResolver = TimeZoneResolver(), limits: CalendarLimits = .standard) {
        self.resolver = resolver
        self.limits = limits
    }

    /// A resolver and expander for one calendar object, with `floating` for floating times and DATE values.
    public init(object: ICalendarObject, floating: ResolvedTimeZone = .utc, limits: CalendarLimits = .standard) {
        self.init(
            resolver: TimeZoneResolver(calendar: object.calendar, floating: floating, limits: limits), limits: limits)
    }

    /// The instances of `master` (with its `overrides`) that overlap `range` (RFC 4791 §9.9 rules), sorted by start,
    /// at most `limit` of them.
    public func expand(_ master: Component, overrides: [Component] = [], in range: Range<Date>, limit: Int = 1000)
        throws(CalendarFormatError) -> Expansion
    {
        let window = Self.seconds(range)
        var occurrences: [Occurrence] = []
        let stop = try instances(master, overrides: overrides, window: window, limit: limit) { occurrence, _ in
            occurrences.append(occurrence)
        }
        return Expansion(occurrences: occurrences, stop: stop)
    }

    /// Instants beyond ±`instantBound` seconds (about ±31,000 years) are clamped, so no conversion can trap.
    static let instantBound: Double = 1e12

    static func seconds(_ range: Range<Date>) -> Range<Int64> {
        func clamp(_ value: Double) -> Int64 {
            guard value.isFinite else { return value > 0 ? Int64(instantBound) : -Int64(instantBound) }
            return Int64(min(max(value, -instantBound), instantBound))
        }
        let lower = clamp(range.lowerBound.timeIntervalSince1970.rounded(.down))
        let upper = clamp(range.upperBound.timeIntervalSince1970.rounded(.up))
        return lower..<max(lower, upper)
    }

    /// Core of `expand`: reports each matching instance with its span (sorted), returns why it stopped.
    func instances(
        _ master: Component, overrides: [Component], window: Range<Int64>, limit: Int,
        report: (Occurrence, InstanceSpan) -> Void
    ) throws(CalendarFormatError) -> Expansion.Stop {
        guard let dtstart = try master.dtstart() else {
            throw .missingProperty(component: master.name, property: "DTSTART")
        }
        let kind = master.key
        let zone = try resolver.zone(of: dtstart)
        let timing = try Timing(component: master, dtstart: dtstart, resolver: resolver)
        let matches: (InstanceSpan) -> Bool = { span in Self.overlaps(span, window, kind: kind) }

        // EXDATE (RFC 5545 §3.8.5.1): by instant; a DATE EXDATE on a DATE-TIME series removes that local day.
        var excluded: Set<Int64> = []
        var excludedDays: Set<Int> = []
        for value in try master.exceptionDates() {
            if value.isDate && !dtstart.isDate {
                excludedDays.insert(value.local.date.dayNumber)
            } else {
                excluded.insert(try resolver.utcSeconds(of: value))
            }
        }
        func isExcluded(_ key: Int64, _ local: CivilDateTime) -> Bool {
            excluded.contains(key) || excludedDays.contains(local.date.dayNumber)
        }

        // Overrides by the instant of their RECURRENCE-ID.
        var overrideByKey: [Int64: Component] = [:]
        for component in overrides {
            guard let rid = try component.recurrenceID() else { continue }
            overrideByKey[try resolver.utcSeconds(of: rid)] = component
        }

        // RANGE=THISANDFUTURE (RFC 5545 §3.2.13): the override's shift of start (on the wall clock, so later instances
        // keep their local time across DST) and its length apply to every later instance, which it also overrides.
        var future: [(key: Int64, shift: Int64, length: Int64, component: Component)] = []
        for (key, component) in overrideByKey where component.recurrenceRange == .thisAndFuture {
            guard let rid = try component.recurrenceID() else { continue }
            let ridLocal = try Self.local(of: rid, in: zone, resolver: resolver)
            let span = try Self.overrideSpan(
                component, rid: rid, masterTiming: timing, ridLocal: ridLocal, zone: zone, resolver: resolver)
            let shift = zone.local(atUTC: span.start).civilSeconds - ridLocal.civilSeconds
            future.append((key, shift, span.end - span.start, component))
        }
        future.sort { $0.key < $1.key }
        let earliestShift = future.map(\.shift).min() ?? 0
        let latestShift = future.map(\.shift).max() ?? 0

        var found: [Int64: (Occurrence, InstanceSpan)] = [:]
        var stop = Expansion.Stop.complete
        let limit = max(0, min(limit, limits.maxRecurrenceIterations))
        let wanted = limit + 1
        func consider(local: CivilDateTime, span explicitSpan: InstanceSpan? = nil) {
            let key = zone.utcSeconds(of: local)
            guard found[key] == nil, overrideByKey[key] == nil, !isExcluded(key, local) else { return }
            var span = explicitSpan ?? timing.span(startingAt: local, in: zone)
            let governing = future.last { $0.key < key }
            if let governing {
                let start = zone.utcSeconds(of: local.adding(seconds: governing.shift))
                span = InstanceSpan(start: start, end: start + governing.length, endKind: span.endKind)
            }
            guard matches(span) else { return }
            let occurrence = Occurrence(
                recurrenceID: DateTimeValue(local: local, form: dtstart.form),
                recurrenceInstant: Date(timeIntervalSince1970: TimeInterval(key)),
                start: Date(timeIntervalSince1970: TimeInterval(span.start)),
                end: Date(timeIntervalSince1970: TimeInterval(span.end)), override: governing?.component)
            found[key] = (occurrence, span)
        }

        consider(local: dtstart.local)
        // RRULE instances.
        var budget = limits.maxRecurrenceIterations
        let slack = max(0, timing.longestSeconds) + 2 * 86_400 + max(0, latestShift)
        let lookAhead = future.isEmpty ? 0 : max(0, -earliestShift) + 86_400
        for rule in try master.recurrenceRules() {
            let iterator = RecurrenceIterator(
                rule: rule, start: dtstart.local, isDate: dtstart.isDate,
                isAfterUntil: Self.untilTest(rule, zone: zone))
            let skipBefore = zone.local(atUTC: window.lowerBound - slack)
            var collected = 0
            let ruleStop = iterator.generate(budget: &budget, skipBefore: skipBefore) { local in
                if zone.utcSeconds(of: local) >= window.upperBound + lookAhead { return false }
                let before = found.count
                consider(local: local)
                if found.count > before { collected += 1 }
                return collected < wanted
            }
            if ruleStop == .iterationCapReached { stop = .iterationCapReached }
        }
        // RDATE (RFC 5545 §3.8.5.2): DATE, DATE-TIME or PERIOD; a PERIOD gives that instance its own end.
        for rdate in try master.recurrenceDates() {
            switch rdate {
            case .dateTime(let value):
                let local = try Self.local(of: value, in: zone, resolver: resolver)
                consider(local: local)
            case .period(let period):
                let local = try Self.local(of: period.start, in: zone, resolver: resolver)
                let start = try resolver.utcSeconds(of: period.start)
                let end: Int64
                switch period {
                case .explicit(_, let endValue): end = try resolver.utcSeconds(of: endValue)
                case .start(_, let duration):
                    let shifted = CivilDateTime(
                        date: local.date.adding(days: duration.nominalDays), hour: local.hour, minute: local.minute,
                        second: local.second)
                    end = zone.utcSeconds(of: shifted) + duration.exactSeconds
                }
                consider(local: local, span: InstanceSpan(start: start, end: end, endKind: .explicit))
            }
        }
        // Overrides: wherever they moved to (RFC 5545 §3.8.4.4).
        for (key, component) in overrideByKey {
            guard let rid = try component.recurrenceID() else { continue }
            let ridLocal = try Self.local(of: rid, in: zone, resolver: resolver)
            if isExcluded(key, ridLocal) { continue }
            let span = try Self.overrideSpan(
                component, rid: rid, masterTiming: timing, ridLocal: ridLocal, zone: zone, resolver: resolver)
            guard matches(span) else { continue }
            let occurrence = Occurrence(
                recurrenceID: DateTimeValue(local: ridLocal, form: dtstart.form),
                recurrenceInstant: Date(timeIntervalSince1970: TimeInterval(key)),
                start: Date(timeIntervalSince1970: TimeInterval(span.start)),
                end: Date(timeIntervalSince1970: TimeInterval(span.end)), override: component)
            found[key] = (occurrence, span)
        }

        let sorted = found.values.sorted {
            ($0.1.start, $0.0.recurrenceID.local) < ($1.1.start, $1.0.recurrenceID.local)
        }
        if sorted.count > limit && stop == .complete { stop = .limitReached }
        for (occurrence, span) in sorted.prefix(max(0, limit)) { report(occurrence, span) }
        return stop
    }

    /// The span of an override: its own DTSTART (else its RECURRENCE-ID) and its own end, else the master's length.
    static func overrideSpan(
        _ component: Component, rid: DateTimeValue, masterTiming: Timing, ridLocal: CivilDateTime,
        zone: ResolvedTimeZone, resolver: TimeZoneResolver
    ) throws(CalendarFormatError) -> InstanceSpan {
        let start = try component.dtstart() ?? rid
        let ownTiming = try Timing(component: component, dtstart: start, resolver: resolver)
        let startZone = try resolver.zone(of: start)
        if case .none = ownTiming.rule {
            return masterTiming.span(startingAt: start.local, in: startZone)
        }
        return ownTiming.span(startingAt: start.local, in: startZone)
    }

    /// A value's wall-clock time in the series' zone (RDATE and RECURRENCE-ID may be written in another form).
    static func local(of value: DateTimeValue, in zone: ResolvedTimeZone, resolver: TimeZoneResolver)
        throws(CalendarFormatError) -> CivilDateTime
    {
        switch value.form {
        case .date, .floating: return value.local
        case .utc, .zoned: return zone.local(atUTC: try resolver.utcSeconds(of: value))
        }
    }

    /// UNTIL (RFC 5545 §3.3.10): inclusive; UTC when DTSTART has a zone, a DATE when DTSTART is a DATE.
    static func untilTest(_ rule: RecurrenceRule, zone: ResolvedTimeZone) -> (CivilDateTime) -> Bool {
        guard case .until(let until) = rule.end else { return { _ in false } }
        switch until.form {
        case .date: return { local in local.date > until.local.date }
        case .utc: return { local in zone.utcSeconds(of: local) > until.local.civilSeconds }
        case .floating, .zoned: return { local in local > until.local }
        }
    }

    /// RFC 4791 §9.9: does an instance overlap [window.lowerBound, window.upperBound)?
    static func overlaps(_ span: InstanceSpan, _ window: Range<Int64>, kind: String) -> Bool {
        let (start, end) = (window.lowerBound, window.upperBound)
        if kind == "VTODO" {
            switch span.endKind {
            case .duration:  // (start <= DTSTART+DURATION) AND ((end > DTSTART) OR (end >= DTSTART+DURATION))
                return start <= span.end && (end > span.start || end >= span.end)
            case .explicit:  // ((start < DUE) OR (start <= DTSTART)) AND ((end > DTSTART) OR (end >= DUE))
                return (start < span.end || start <= span.start) && (end > span.start || end >= span.end)
            case .none:  // (start <= DTSTART) AND (end > DTSTART)
                return start <= span.start && end > span.start
            }
        }
        // VEVENT with DTEND: (start < DTEND) AND (end > DTSTART), even when DTEND equals DTSTART; with a positive
        // DURATION (or an all-day DTSTART+P1D) likewise; zero DURATION or none: (start <= DTSTART) AND (end > DTSTART).
        if span.end > span.start || span.endKind == .explicit { return start < span.end && end > span.start }
        return start <= span.start && end > span.start
    }
}

/// How long each instance of a component lasts.
struct Timing: Sendable {
    enum Rule: Sendable {
        case none
        /// DTEND/DUE minus DTSTART on the UTC time line.
        case exact(Int64)
        /// Days on the wall clock, then seconds on the UTC time line.
        case nominal(days: Int, seconds: Int64)
    }

    var rule: Rule
    var endKind: EndKind

    init(component: Component, dtstart: DateTimeValue, resolver: TimeZoneResolver) throws(CalendarFormatError) {
        let endProperty = component.key == "VTODO" ? try component.due() : try component.dtend()
        if let end = endProperty {
            endKind = .explicit
            if end.isDate && dtstart.isDate {
                rule = .nominal(days: end.local.date.dayNumber - dtstart.local.date.dayNumber, seconds: 0)
            } else {
                rule = .exact(try resolver.utcSeconds(of: end) - resolver.utcSeconds(of: dtstart))
            }
        } else if let duration = try component.duration() {
            endKind = .duration
            rule = .nominal(days: duration.nominalDays, seconds: duration.exactSeconds)
        } else if dtstart.isDate && component.key != "VTODO" {
            // RFC 5545 §3.6.1: an all-day VEVENT without DTEND lasts one day (RFC 4791 §9.9 uses DTSTART+P1D).
            endKind = .duration
            rule = .nominal(days: 1, seconds: 0)
        } else {
            endKind = .none
            rule = .none
        }
    }

    /// An upper estimate of the length in seconds, for skipping periods that end before a range.
    var longestSeconds: Int64 {
        switch rule {
        case .none: return 0
        case .exact(let seconds): return seconds
        case .nominal(let days, let seconds): return Int64(days) * 86_400 + 7200 + seconds
        }
    }

    func span(startingAt local: CivilDateTime, in zone: ResolvedTimeZone) -> InstanceSpan {
        let start = zone.utcSeconds(of: local)
        switch rule {
        case .none:
            return InstanceSpan(start: start, end: start, endKind: endKind)
        case .exact(let seconds):
            return InstanceSpan(start: start, end: start + seconds, endKind: endKind)
        case .nominal(let days, let seconds):
            var shifted = local
            shifted.date = local.date.adding(days: days)
            return InstanceSpan(start: start, end: zone.utcSeconds(of: shifted) + seconds, endKind: endKind)
        }
    }
}
