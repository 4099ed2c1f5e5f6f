// CalDAVExpand: CALDAV:expand (RFC 4791 §9.6.5): a calendar object rewritten as its instances in a time range, each a
// component of its own with RECURRENCE-ID, and DATE-TIMEs in UTC.
//
// Invariants:
// - Each instance comes from the same expansion as `expand` and `overlaps`, so what a REPORT matches and what it
//   returns agree.
// - RRULE, RDATE, EXDATE and EXRULE are dropped, DTSTART/DTEND (DUE for VTODO)/RECURRENCE-ID are rewritten (UTC, or
//   DATE for all-day instances), everything else is kept as written; VTIMEZONE components are dropped.

import Foundation

extension RecurrenceExpander {
    /// The object with every instance of every component that overlaps `range` as its own component, at most `limit`
    /// per UID (RFC 4791 §9.6.5).
    public func expandedObject(_ object: ICalendarObject, in range: Range<Date>, limit: Int = 1000)
        throws(CalendarFormatError) -> (object: ICalendarObject, stop: Expansion.Stop)
    {
        var calendar = object.calendar
        calendar.components = calendar.components.filter {
            $0.key != "VTIMEZONE" && CalendarComponentKind(rawValue: $0.key) == nil
        }
        var stop = Expansion.Stop.complete
        var uidsDone: Set<String> = []
        for component in object.schedulingComponents {
            let uid = component.uid ?? ""
            guard !uidsDone.contains(uid) else { continue }
            uidsDone.insert(uid)
            let group = object.schedulingComponents.filter { ($0.uid ?? "") == uid }
            let masters = group.filter { $0.property("RECURRENCE-ID") == nil }
            let overrides = group.filter { $0.property("RECURRENCE-ID") != nil }
            if let master = masters.first, try master.dtstart() != nil {
                let expansion = try expand(master, overrides: overrides, in: range, limit: limit)
                if expansion.stop != .complete { stop = expansion.stop }
                let recurring = master.isRecurring || !overrides.isEmpty
                for occurrence in expansion.occurrences {
                    calendar.components.append(
                        Self.instanceComponent(occurrence, master: master, withRecurrenceID: recurring))
                }
            } else {
                // No master (or no DTSTART): keep the components that match, as they are.
                for member in group where try overlaps(member, range: range) { calendar.components.append(member) }
            }
        }
        return (ICalendarObject(calendar: calendar), stop)
    }

    static func instanceComponent(_ occurrence: Occurrence, master: Component, withRecurrenceID: Bool) -> Component {
        var component = occurrence.override ?? master
        let isTodo = component.key == "VTODO"
        let hadEnd =
            component.property(isTodo ? "DUE" : "DTEND") != nil || component.property("DURATION") != nil
            || master.property(isTodo ? "DUE" : "DTEND") != nil || master.property("DURATION") != nil
        let removed: Set<String> = [
            "RRULE", "RDATE", "EXDATE", "EXRULE", "DTSTART", "DTEND", "DUE", "DURATION", "RECURRENCE-ID",
        ]
        let kept = component.properties.filter { !removed.contains($0.key) }
        let isDate = occurrence.recurrenceID.isDate
        func value(_ date: Date) -> Property.Value {
            let civil = CivilDateTime(civilSeconds: Int64(date.timeIntervalSince1970.rounded(.down)))
            return isDate ? .date(civil.date.description) : .utc(civil.description + "Z")
        }
        var timing: [Property] = [value(occurrence.start).property("DTSTART")]
        if hadEnd { timing.append(value(occurrence.end).property(isTodo ? "DUE" : "DTEND")) }
        if withRecurrenceID {
            let rid: Property
            if isDate {
                rid = Property.Value.date(occurrence.recurrenceID.local.date.description).property("RECURRENCE-ID")
            } else if occurrence.recurrenceID.form == .floating {
                rid = Property(name: "RECURRENCE-ID", value: occurrence.recurrenceID.description)
            } else {
                rid = value(occurrence.recurrenceInstant).property("RECURRENCE-ID")
            }
            timing.append(rid)
        }
        component.properties = timing + kept
        return component
    }
}

extension Property {
    /// A DATE or UTC DATE-TIME value being written.
    enum Value {
        case date(String)
        case utc(String)

        func property(_ name: String) -> Property {
            switch self {
            case .date(let text):
                return Property(name: name, parameters: [Parameter(name: "VALUE", values: ["DATE"])], value: text)
            case .utc(let text): return Property(name: name, value: text)
            }
        }
    }
}
