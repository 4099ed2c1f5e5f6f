// DAVDataSelection: the part of a resource a REPORT returns as CALDAV:calendar-data (RFC 4791 §9.6) or
// CARDDAV:address-data (RFC 6352 §10.4): component and property selection, expand, limit-recurrence-set and
// limit-freebusy-set.
//
// Invariants:
// - A request that asks for nothing special returns the stored bytes unchanged (byte-identical to GET).
// - Selection only removes: every returned component and property is one of the resource's, in its order
//   (expand excepted, which rewrites instances as RFC 4791 §9.6.5 requires).
// - A `comp` element with neither `prop`/`allprop` nor `comp`/`allcomp` children returns that part whole, as in the
//   RFC 4791 §7.8.1 example (`<C:comp name="VTIMEZONE"/>` answered with the whole VTIMEZONE).
// - A resource that no longer parses is returned as stored: a selection never hides data because of it.

import CalendarFormats
import Foundation
import MailStore
import WebDAV

enum DataSelection {
    /// The calendar-data text of `content` for `request` (nil: the whole resource).
    static func calendar(_ content: [UInt8], _ request: CalendarDataRequest?) -> String {
        guard let request, !request.isDefault, let object = try? ICalendarObject.parse(content) else {
            return String(decoding: content, as: UTF8.self)
        }
        let expander = RecurrenceExpander(object: object)
        var calendar = object.calendar
        switch request.recurrence {
        case .expand(let range)?:
            // RFC 4791 §9.6.5
            guard let expanded = try? expander.expandedObject(object, in: range) else {
                return String(decoding: content, as: UTF8.self)
            }
            calendar = expanded.object.calendar
        case .limitRecurrenceSet(let range)?:
            calendar.components = calendar.components.filter { keep($0, in: range, expander: expander) }
        case nil:
            break
        }
        if let range = request.limitFreeBusySet {
            calendar.components = calendar.components.map { limitFreeBusy($0, to: range, expander: expander) }
        }
        if let selection = request.component, selection.name.uppercased() == calendar.key {
            calendar = select(calendar, selection)
        }
        return calendar.serialized
    }

    /// The address-data text of `content` for `request` (RFC 6352 §10.4.2): the whole card, or only the named
    /// properties (VERSION always stays: a vCard without it is not one, RFC 6350 §6.7.9).
    static func address(_ content: [UInt8], _ request: AddressDataRequest?) -> String {
        guard case .only(let items)? = request?.properties, !items.isEmpty,
            let cards = try? VCard.parseAll(content), cards.count == 1, var card = cards.first?.component
        else {
            return String(decoding: content, as: UTF8.self)
        }
        card.properties = only(items, of: card.properties, keeping: "VERSION")
        return card.serialized
    }

    // MARK: comp / prop (RFC 4791 §9.6.1-§9.6.4)

    static func select(_ component: Component, _ selection: ComponentSelection) -> Component {
        if selection.properties == .only([]) && selection.components == .only([]) { return component }
        var out = component
        if case .only(let items) = selection.properties {
            out.properties = only(items, of: component.properties)
        }
        if case .only(let children) = selection.components {
            out.components = component.components.compactMap { child in
                guard let sub = children.first(where: { $0.name.uppercased() == child.key }) else { return nil }
                return select(child, sub)
            }
        }
        return out
    }

    /// The properties `items` names, in the resource's order; one named only with novalue="yes" (RFC 4791 §9.6.4,
    /// RFC 6352 §10.4.2) keeps its name and parameters without its value. `keeping` is kept even when not named.
    static func only(_ items: [PropertySelectionItem], of properties: [Property], keeping: String? = nil) -> [Property]
    {
        var noValue: [String: Bool] = [:]
        for item in items {
            let name = item.name.uppercased()
            noValue[name] = noValue[name, default: true] && item.noValue
        }
        if let keeping, noValue[keeping] == nil { noValue[keeping] = false }
        return properties.compactMap { property in
            guard let strip = noValue[property.key] else { return nil }
            guard strip else { return property }
            var p = property
            p.value = ""
            return p
        }
    }

    // MARK: limit-recurrence-set (RFC 4791 §9.6.6)

    /// Keeps every component but overrides (RECURRENCE-ID) that neither overlap `range` themselves nor replace an
    /// instance that started in it: "the master component and the overridden components that affect recurrence
    /// instances that overlap the time range".
    static func keep(_ component: Component, in range: Range<Date>, expander: RecurrenceExpander) -> Bool {
        guard CalendarComponentKind(rawValue: component.key) != nil,
            let recurrenceID = component.property("RECURRENCE-ID")
        else { return true }
        if (try? expander.overlaps(component, range: range)) == true { return true }
        guard let value = try? recurrenceID.dateTimeValue(), let seconds = try? expander.resolver.utcSeconds(of: value)
        else { return true }
        return range.contains(Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    // MARK: limit-freebusy-set (RFC 4791 §9.6.7)

    /// A VFREEBUSY with only the FREEBUSY periods that overlap `range`; other components unchanged.
    static func limitFreeBusy(_ component: Component, to range: Range<Date>, expander: RecurrenceExpander) -> Component
    {
        guard component.key == "VFREEBUSY" else { return component }
        var out = component
        out.properties = component.properties.compactMap { property in
            guard property.key == "FREEBUSY" else { return property }
            let parts = property.value.split(separator: ",")
            let kept = parts.filter { part in
                guard let period = PeriodValue.parse(part),
                    let start = try? expander.resolver.utcSeconds(of: period.start)
                else { return true }
                let end: Int64
                switch period {
                case .explicit(_, let e): end = (try? expander.resolver.utcSeconds(of: e)) ?? start
                case .start(_, let duration): end = start + Int64(duration.nominalDays) * 86_400 + duration.exactSeconds
                }
                let lower = Int64(range.lowerBound.timeIntervalSince1970)
                let upper = Int64(range.upperBound.timeIntervalSince1970)
                return start < upper && end > lower
            }
            guard !kept.isEmpty else { return nil }
            var p = property
            p.value = kept.joined(separator: ",")
            return p
        }
        return out
    }
}
