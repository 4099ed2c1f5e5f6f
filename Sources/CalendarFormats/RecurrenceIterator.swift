// RecurrenceIterator: generates the local (wall-clock) start times of one RRULE (RFC 5545 §3.3.10).
//
// Invariants:
// - Works on civil time only; the caller converts each start to UTC in the event's zone, which is how DST keeps
//   the wall-clock time (RFC 5545 §3.3.10: "the local time ... is preserved").
// - Candidates come out in strictly increasing order; DTSTART is always the first (it counts toward COUNT,
//   RFC 5545 §3.8.5.3), candidates before DTSTART are dropped, invalid dates (Feb 30) never exist.
// - BYxxx parts expand or limit per the table in RFC 5545 §3.3.10 (a day of a period is kept when it passes every
//   given day-level part; ordinals in BYDAY count within the month for MONTHLY or YEARLY+BYMONTH, else within the
//   year); BYSETPOS picks from each period's sorted set.
// - Work is bounded: every period stepped through and every candidate built costs one unit of `budget`; when it
//   runs out generation stops and reports `.iterationCapReached`.

/// Why a recurrence generation stopped.
public enum RecurrenceStop: Hashable, Sendable {
    /// The rule ended (COUNT or UNTIL) or the caller had enough.
    case finished
    /// `CalendarLimits.maxRecurrenceIterations` ran out first: the result may be missing instances.
    case iterationCapReached
}

struct RecurrenceIterator {
    let rule: RecurrenceRule
    let start: CivilDateTime
    /// True when DTSTART is a DATE: only dates matter, times stay 00:00:00.
    let isDate: Bool
    /// Whether a candidate is past UNTIL (the caller knows the zone the comparison needs).
    let isAfterUntil: (CivilDateTime) -> Bool

    // Effective parts after RFC 5545 defaults (taken from DTSTART when a part is absent).
    private let byMonth: [Int]
    private let byMonthDay: [Int]
    private let byDay: [WeekdayNumber]
    private let hours: [Int]
    private let minutes: [Int]
    private let seconds: [Int]

    init(rule: RecurrenceRule, start: CivilDateTime, isDate: Bool, isAfterUntil: @escaping (CivilDateTime) -> Bool) {
        self.rule = rule
        self.start = start
        self.isDate = isDate
        self.isAfterUntil = isAfterUntil
        var byMonth = rule.byMonth
        var byMonthDay = rule.byMonthDay
        var byDay = rule.byDay
        // With no day-level part, the day comes from DTSTART (RFC 5545 §3.3.10: "Information, not contained in the
        // rule, necessary to determine the various recurrence instance start time and dates are derived from DTSTART").
        if rule.byWeekNo.isEmpty && rule.byYearDay.isEmpty && rule.byMonthDay.isEmpty && rule.byDay.isEmpty {
            switch rule.frequency {
            case .yearly:
                if byMonth.isEmpty { byMonth = [start.date.month] }
                byMonthDay = [start.date.day]
            case .monthly:
                byMonthDay = [start.date.day]
            case .weekly:
                byDay = [WeekdayNumber(start.date.weekday)]
            default: break
            }
        }
        self.byMonth = byMonth.sorted()
        self.byMonthDay = byMonthDay
        self.byDay = byDay
        // Time parts: expand for DAILY and longer, limit for the sub-daily frequencies.
        let frequency = rule.frequency
        hours = rule.byHour.isEmpty && frequency > .hourly ? [start.hour] : rule.byHour.sorted()
        minutes = rule.byMinute.isEmpty && frequency > .minutely ? [start.minute] : rule.byMinute.sorted()
        seconds = rule.bySecond.isEmpty && frequency > .secondly ? [start.second] : rule.bySecond.sorted()
    }

    /// Calls `visit` with each start in order until it returns false, the rule ends or `budget` runs out.
    /// `skipBefore`, for rules without COUNT, lets whole periods that end before it be jumped over.
    func generate(budget: inout Int, skipBefore: CivilDateTime? = nil, visit: (CivilDateTime) -> Bool)
        -> RecurrenceStop
    {
        var emitted = 0
        let count: Int? = if case .count(let count) = rule.end { count } else { nil }
        // DTSTART is the first instance (RFC 5545 §3.8.5.3).
        if isAfterUntil(start) { return .finished }
        emitted += 1
        if !visit(start) { return .finished }
        if let count, emitted >= count { return .finished }

        var period = count == nil ? firstPeriod(notEndingBefore: skipBefore) : 0
        var periodSet: [CivilDateTime] = []
        while true {
            budget -= 1
            if budget <= 0 { return .iterationCapReached }
            periodSet.removeAll(keepingCapacity: true)
            guard let (days, nextPeriod) = daysOf(period: period) else { return .finished }
            let needsWholeSet = !rule.bySetPos.isEmpty
            for date in days where dayMatches(date) {
                for time in times(for: period, on: date) {
                    budget -= 1
                    if budget <= 0 { return .iterationCapReached }
                    if needsWholeSet {
                        periodSet.append(time)
                        continue
                    }
                    switch offer(time, emitted: &emitted, count: count, visit: visit) {
                    case .stop: return .finished
                    case .next: continue
                    }
                }
            }
            if needsWholeSet {
                // RFC 5545 §3.3.10 BYSETPOS: the nth of the period's set, from the end when negative.
                let chosen = Set(
                    rule.bySetPos.compactMap { position -> Int? in
                        let index = position > 0 ? position - 1 : periodSet.count + position
                        return periodSet.indices.contains(index) ? index : nil
                    }
                ).sorted()
                for index in chosen {
                    if case .stop = offer(periodSet[index], emitted: &emitted, count: count, visit: visit) {
                        return .finished
                    }
                }
            }
            period = nextPeriod
        }
    }

    private enum Offer { case next, stop }

    private func offer(_ time: CivilDateTime, emitted: inout Int, count: Int?, visit: (CivilDateTime) -> Bool)
        -> Offer
    {
        guard time > start else { return .next }
        if isAfterUntil(time) { return .stop }
        emitted += 1
        if !visit(time) { return .stop }
        if let count, emitted >= count { return .stop }
        return .next
    }

    // MARK: Periods

    /// The period index to start at so that no period ending before `bound` is stepped through.
    private func firstPeriod(notEndingBefore bound: CivilDateTime?) -> Int {
        guard let bound, bound > start else { return 0 }
        let interval = rule.interval
        switch rule.frequency {
        case .yearly:
            return max(0, (bound.date.year - start.date.year) / interval - 1)
        case .monthly:
            let months = (bound.date.year - start.date.year) * 12 + bound.date.month - start.date.month
            return max(0, months / interval - 1)
        case .weekly:
            return max(0, (bound.date.dayNumber - start.date.dayNumber) / (7 * interval) - 1)
        case .daily:
            return max(0, (bound.date.dayNumber - start.date.dayNumber) / interval - 1)
        case .hourly, .minutely, .secondly:
            let step = Int64(interval) * unitSeconds
            return Int(max(0, (bound.civilSeconds - start.civilSeconds) / step - 1))
        }
    }

    private var unitSeconds: Int64 {
        switch rule.frequency {
        case .hourly: return 3600
        case .minutely: return 60
        default: return 1
        }
    }

    /// The candidate days of a period and the index of the next period to visit (sub-daily periods skip ahead
    /// over days, hours and minutes that the BYxxx limits rule out). Nil past the year 9999.
    private func daysOf(period: Int) -> ([CivilDate], Int)? {
        let interval = rule.interval
        switch rule.frequency {
        case .yearly:
            let year = start.date.year + period * interval
            guard year <= 9999 else { return nil }
            var days: [CivilDate] = []
            let months = byMonth.isEmpty ? Array(1...12) : byMonth
            for month in months {
                let first = CivilDate.dayNumber(year, month, 1)
                for offset in 0..<CivilDate.daysIn(month: month, year: year) {
                    days.append(CivilDate(dayNumber: first + offset))
                }
            }
            return (days, period + 1)
        case .monthly:
            let monthIndex = start.date.year * 12 + (start.date.month - 1) + period * interval
            let year = monthIndex / 12
            let month = monthIndex % 12 + 1
            guard year <= 9999 else { return nil }
            let first = CivilDate.dayNumber(year, month, 1)
            let days = (0..<CivilDate.daysIn(month: month, year: year)).map { CivilDate(dayNumber: first + $0) }
            return (days, period + 1)
        case .weekly:
            // The week containing DTSTART begins on WKST (RFC 5545 §3.3.10 WKST).
            let back = (start.date.weekday.rawValue - rule.weekStart.rawValue + 7) % 7
            let weekStart = start.date.dayNumber - back + period * 7 * interval
            guard weekStart < CivilDate.dayNumber(10000, 1, 1) else { return nil }
            return ((0..<7).map { CivilDate(dayNumber: weekStart + $0) }, period + 1)
        case .daily:
            let day = start.date.dayNumber + period * interval
            guard day < CivilDate.dayNumber(10000, 1, 1) else { return nil }
            return ([CivilDate(dayNumber: day)], period + 1)
        case .hourly, .minutely, .secondly:
            let step = Int64(interval) * unitSeconds
            let moment = CivilDateTime(civilSeconds: start.civilSeconds + Int64(period) * step)
            guard moment.date.year <= 9999 else { return nil }
            // Skip ahead to the next day / hour / minute boundary when this one is ruled out.
            func periodAtOrAfter(_ civilSeconds: Int64) -> Int {
                let distance = civilSeconds - start.civilSeconds
                return Int((distance + step - 1) / step)
            }
            let dayStart = Int64(moment.date.dayNumber) * 86_400
            if !dayMatches(moment.date) { return ([], max(period + 1, periodAtOrAfter(dayStart + 86_400))) }
            let hourStart = dayStart + Int64(moment.hour) * 3600
            if !rule.byHour.isEmpty && !rule.byHour.contains(moment.hour) {
                return ([], max(period + 1, periodAtOrAfter(hourStart + 3600)))
            }
            if rule.frequency == .secondly && !rule.byMinute.isEmpty && !rule.byMinute.contains(moment.minute) {
                return ([], max(period + 1, periodAtOrAfter(hourStart + Int64(moment.minute) * 60 + 60)))
            }
            return ([moment.date], period + 1)
        }
    }

    /// Wall-clock times for a candidate day of `period`, sorted.
    private func times(for period: Int, on date: CivilDate) -> [CivilDateTime] {
        if isDate { return [CivilDateTime(date: date)] }
        switch rule.frequency {
        case .yearly, .monthly, .weekly, .daily:
            var out: [CivilDateTime] = []
            out.reserveCapacity(hours.count * minutes.count * seconds.count)
            for hour in hours {
                for minute in minutes {
                    for second in seconds {
                        out.append(CivilDateTime(date: date, hour: hour, minute: minute, second: second))
                    }
                }
            }
            return out
        case .hourly, .minutely, .secondly:
            let step = Int64(rule.interval) * unitSeconds
            let moment = CivilDateTime(civilSeconds: start.civilSeconds + Int64(period) * step)
            let minuteList =
                rule.frequency == .hourly
                ? minutes : (minutes.contains(moment.minute) || minutes.isEmpty ? [moment.minute] : [])
            let secondList =
                rule.frequency == .secondly
                ? (seconds.contains(moment.second) || seconds.isEmpty ? [moment.second] : []) : seconds
            var out: [CivilDateTime] = []
            for minute in minuteList {
                for second in secondList {
                    out.append(CivilDateTime(date: date, hour: moment.hour, minute: minute, second: second))
                }
            }
            return out
        }
    }

    // MARK: Day-level parts

    private func dayMatches(_ date: CivilDate) -> Bool {
        if !byMonth.isEmpty && !byMonth.contains(date.month) { return false }
        if !rule.byWeekNo.isEmpty && !weekNumberMatches(date) { return false }
        if !rule.byYearDay.isEmpty {
            let dayOfYear = date.dayOfYear
            let length = CivilDate.daysIn(year: date.year)
            guard rule.byYearDay.contains(where: { $0 > 0 ? $0 == dayOfYear : length + $0 + 1 == dayOfYear }) else {
                return false
            }
        }
        if !byMonthDay.isEmpty {
            let length = CivilDate.daysIn(month: date.month, year: date.year)
            // RFC 5545 §3.3.10: BYMONTHDAY=-1 is the last day of the month.
            guard byMonthDay.contains(where: { $0 > 0 ? $0 == date.day : length + $0 + 1 == date.day }) else {
                return false
            }
        }
        if !byDay.isEmpty {
            let weekday = date.weekday
            guard byDay.contains(where: { $0.weekday == weekday && ordinalMatches($0.ordinal, date) }) else {
                return false
            }
        }
        return true
    }

    /// RFC 5545 §3.3.10 BYDAY: "+1MO" is the first Monday of the month (MONTHLY, or YEARLY with BYMONTH) or of the
    /// year (YEARLY); ordinals mean nothing for the other frequencies or with BYWEEKNO.
    private func ordinalMatches(_ ordinal: Int?, _ date: CivilDate) -> Bool {
        guard let ordinal else { return true }
        let withinMonth: Bool
        switch rule.frequency {
        case .monthly: withinMonth = true
        case .yearly:
            guard rule.byWeekNo.isEmpty else { return true }
            withinMonth = !byMonth.isEmpty
        default: return true
        }
        if withinMonth {
            let length = CivilDate.daysIn(month: date.month, year: date.year)
            return ordinal > 0 ? (date.day - 1) / 7 + 1 == ordinal : (length - date.day) / 7 + 1 == -ordinal
        }
        let dayOfYear = date.dayOfYear
        let length = CivilDate.daysIn(year: date.year)
        return ordinal > 0 ? (dayOfYear - 1) / 7 + 1 == ordinal : (length - dayOfYear) / 7 + 1 == -ordinal
    }

    /// RFC 5545 §3.3.10 BYWEEKNO: weeks start on WKST; week 1 is the first with at least four days in the year.
    private func weekNumberMatches(_ date: CivilDate) -> Bool {
        func weekOneStart(_ year: Int) -> Int {
            let jan1 = CivilDate.dayNumber(year, 1, 1)
            let jan1Weekday = CivilDate(dayNumber: jan1).weekday.rawValue
            let intoWeek = (jan1Weekday - rule.weekStart.rawValue + 7) % 7
            return intoWeek <= 3 ? jan1 - intoWeek : jan1 + 7 - intoWeek
        }
        var weekYear = date.year
        let day = date.dayNumber
        if day < weekOneStart(weekYear) {
            weekYear -= 1
        } else if day >= weekOneStart(weekYear + 1) {
            weekYear += 1
        }
        let first = weekOneStart(weekYear)
        let week = (day - first) / 7 + 1
        let weeksInYear = (weekOneStart(weekYear + 1) - first) / 7
        return rule.byWeekNo.contains { $0 > 0 ? $0 == week : weeksInYear + $0 + 1 == week }
    }
}
