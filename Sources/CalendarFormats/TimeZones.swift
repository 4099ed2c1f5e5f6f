// TimeZones: turning DATE-TIME values into UTC instants (RFC 5545 §3.3.5, §3.6.5).
//
// Invariants:
// - A TZID resolves first to the object's own VTIMEZONE (its STANDARD/DAYLIGHT observances, expanded with their
//   DTSTART, TZOFFSETFROM/TZOFFSETTO, RRULE and RDATE), then to a system (Olson) zone via Foundation.
// - Local → UTC follows RFC 5545 §3.3.5: a time in a gap (spring forward) uses the offset from before the gap,
//   a time that occurs twice (fall back) means the first occurrence.
// - Floating times and DATE values are read in `floating` (CalDAV's calendar-timezone, RFC 4791 §9.9); UTC by default.
// - VTIMEZONE transitions are computed once, up to `TimeZoneResolver.transitionHorizonYear`; later instants use the
//   last offset.

import Foundation

/// A time zone that can convert between UTC and local time.
public enum ResolvedTimeZone: Hashable, Sendable {
    case utc
    /// A fixed offset in seconds east of UTC.
    case fixed(seconds: Int)
    /// A zone from the system's tz database.
    case system(TimeZone)
    /// A zone defined by a VTIMEZONE component.
    case defined(VTimeZoneRules)

    /// Seconds east of UTC in effect at `utc` (Unix seconds).
    public func offset(atUTC utc: Int64) -> Int {
        switch self {
        case .utc: return 0
        case .fixed(let seconds): return seconds
        case .system(let zone): return zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utc)))
        case .defined(let rules): return rules.offset(atUTC: utc)
        }
    }

    /// The UTC instant (Unix seconds) of a wall-clock time, per RFC 5545 §3.3.5 in gaps and overlaps.
    public func utcSeconds(of local: CivilDateTime) -> Int64 {
        let wall = local.civilSeconds
        switch self {
        case .utc: return wall
        case .fixed(let seconds): return wall - Int64(seconds)
        case .system, .defined: break
        }
        // Offsets a day either side bracket at most one transition (true of every real zone).
        let early = Int64(offset(atUTC: wall - 86_400))
        let late = Int64(offset(atUTC: wall + 86_400))
        let withEarly = wall - early
        let withLate = wall - late
        let earlyValid = Int64(offset(atUTC: withEarly)) == early
        let lateValid = Int64(offset(atUTC: withLate)) == late
        switch (earlyValid, lateValid) {
        case (true, true): return min(withEarly, withLate)  // overlap: the first occurrence
        case (true, false): return withEarly
        case (false, true): return withLate
        case (false, false): return withEarly  // gap: the offset before the transition
        }
    }

    /// The wall-clock time at a UTC instant.
    public func local(atUTC utc: Int64) -> CivilDateTime {
        CivilDateTime(civilSeconds: utc + Int64(offset(atUTC: utc)))
    }
}

/// The offset transitions a VTIMEZONE defines (RFC 5545 §3.6.5).
public struct VTimeZoneRules: Hashable, Sendable {
    public let tzid: String
    /// Transition instants (Unix seconds) and the offset from then on, sorted by instant.
    let transitions: [Transition]
    /// The offset before the first transition (the earliest observance's TZOFFSETFROM).
    let initialOffset: Int

    struct Transition: Hashable, Sendable {
        var utc: Int64
        var offset: Int
    }

    /// Builds the rules of a VTIMEZONE component.
    public init(
        _ component: Component, horizonYear: Int = TimeZoneResolver.transitionHorizonYear,
        limits: CalendarLimits = .standard
    )
        throws(CalendarFormatError)
    {
        guard let tzid = component.property("TZID")?.value.trimmingSpaces, !tzid.isEmpty else {
            throw .missingProperty(component: component.name, property: "TZID")
        }
        self.tzid = tzid
        var transitions: [Transition] = []
        var earliest: (onset: Int64, from: Int)?
        let observances = component.components.filter { $0.key == "STANDARD" || $0.key == "DAYLIGHT" }
        guard !observances.isEmpty else { throw .missingProperty(component: component.name, property: "STANDARD") }
        var budget = limits.maxRecurrenceIterations
        for observance in observances {
            // RFC 5545 §3.6.5: DTSTART, TZOFFSETFROM and TZOFFSETTO are required; DTSTART is local time in
            // TZOFFSETFROM.
            guard let dtstartProperty = observance.property("DTSTART") else {
                throw .missingProperty(component: observance.name, property: "DTSTART")
            }
            guard let fromProperty = observance.property("TZOFFSETFROM") else {
                throw .missingProperty(component: observance.name, property: "TZOFFSETFROM")
            }
            guard let toProperty = observance.property("TZOFFSETTO") else {
                throw .missingProperty(component: observance.name, property: "TZOFFSETTO")
            }
            let start = try dtstartProperty.dateTimeValue().local
            let from = try fromProperty.utcOffsetValue().seconds
            let to = try toProperty.utcOffsetValue().seconds
            var onsets: [CivilDateTime] = [start]
            for rule in try observance.recurrenceRules() {
                let iterator = RecurrenceIterator(
                    rule: rule, start: start, isDate: false,
                    isAfterUntil: { local in
                        guard case .until(let until) = rule.end else { return false }
                        if until.form == .utc { return local.civilSeconds - Int64(from) > until.local.civilSeconds }
                        return local > until.local
                    })
                _ = iterator.generate(budget: &budget) { local in
                    guard local.date.year <= horizonYear else { return false }
                    onsets.append(local)
                    return true
                }
            }
            for date in try observance.recurrenceDates() {
                // RFC 5545 §3.6.5: RDATE in a VTIMEZONE is a local time (or UTC) of an onset.
                let value = date.start
                onsets.append(value.form == .utc ? value.local.adding(seconds: Int64(from)) : value.local)
            }
            for onset in onsets {
                let utc = onset.civilSeconds - Int64(from)
                transitions.append(Transition(utc: utc, offset: to))
                if let known = earliest, known.onset <= utc { continue }
                earliest = (utc, from)
            }
        }
        transitions.sort { $0.utc < $1.utc }
        self.transitions = transitions
        self.initialOffset = earliest?.from ?? 0
    }

    /// Seconds east of UTC at `utc`.
    public func offset(atUTC utc: Int64) -> Int {
        var low = 0
        var high = transitions.count
        while low < high {
            let middle = (low + high) / 2
            if transitions[middle].utc <= utc { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? initialOffset : transitions[low - 1].offset
    }
}

/// Resolves the TZIDs of one calendar object.
public struct TimeZoneResolver: Sendable {
    /// VTIMEZONE transitions are computed up to this year.
    public static let transitionHorizonYear = 2200

    /// Zone for floating times and DATE values.
    public var floating: ResolvedTimeZone
    private var defined: [String: ResolvedTimeZone] = [:]
    /// VTIMEZONEs that could not be read, by TZID (or by position when the TZID is missing).
    public private(set) var invalidDefinitions: [String: CalendarFormatError] = [:]

    /// A resolver for the VTIMEZONEs of `calendar` (a VCALENDAR), falling back to system zones.
    public init(calendar: Component? = nil, floating: ResolvedTimeZone = .utc, limits: CalendarLimits = .standard) {
        self.floating = floating
        for (position, component) in (calendar?.components("VTIMEZONE") ?? []).enumerated() {
            do {
                let rules = try VTimeZoneRules(component, limits: limits)
                defined[rules.tzid] = .defined(rules)
            } catch {
                invalidDefinitions[component.property("TZID")?.value ?? "#\(position)"] = error
            }
        }
    }

    /// Whether the object defines this TZID in a VTIMEZONE.
    public func isDefined(_ tzid: String) -> Bool { defined[tzid] != nil }

    /// The zone for a TZID: the object's VTIMEZONE, else a system zone; nil when neither knows it.
    public func zone(for tzid: String) -> ResolvedTimeZone? {
        if let zone = defined[tzid] { return zone }
        return Self.systemZone(tzid)
    }

    /// A system (Olson) zone, also for TZIDs with a vendor prefix such as "/mozilla.org/20050126_1/Europe/Berlin".
    public static func systemZone(_ tzid: String) -> ResolvedTimeZone? {
        if tzid.uppercased() == "UTC" || tzid.uppercased() == "GMT" || tzid == "Etc/UTC" { return .utc }
        if let zone = TimeZone(identifier: tzid) { return .system(zone) }
        let parts = tzid.split(separator: "/")
        for count in [3, 2] where parts.count > count {
            let suffix = parts.suffix(count).joined(separator: "/")
            if let zone = TimeZone(identifier: suffix) { return .system(zone) }
        }
        return nil
    }

    /// The zone a value is read in.
    public func zone(of value: DateTimeValue) throws(CalendarFormatError) -> ResolvedTimeZone {
        switch value.form {
        case .utc: return .utc
        case .date, .floating: return floating
        case .zoned(let tzid):
            guard let zone = zone(for: tzid) else { throw .unknownTimeZone(tzid) }
            return zone
        }
    }

    /// The UTC instant (Unix seconds) of a value; a DATE is its midnight in the floating zone.
    public func utcSeconds(of value: DateTimeValue) throws(CalendarFormatError) -> Int64 {
        try zone(of: value).utcSeconds(of: value.local)
    }

    /// The instant of a value as a Foundation `Date`.
    public func date(of value: DateTimeValue) throws(CalendarFormatError) -> Date {
        Date(timeIntervalSince1970: TimeInterval(try utcSeconds(of: value)))
    }
}
