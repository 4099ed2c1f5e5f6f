// ICalendarFuzz: iCalendar and vCard text (Sources/CalendarFormats): content lines, the component tree,
// typed values, RRULE, and recurrence expansion.
//
// Properties checked for every input:
// - ComponentParser.parse never traps; the components it returns, serialized (CRLF, folded at 75 octets,
//   RFC 5545 §3.1), parse back to the same components.
// - A recurrence rule that parses survives description -> parse unchanged (RFC 5545 §3.3.10).
// - For a VCALENDAR: the typed accessors of every scheduling component, and expansion of every master over
//   ten years with small limits (so one input stays fast), never trap.

import CalendarFormats
import Foundation

public enum ICalendarFuzz {
    /// Small limits: the standard ones allow 500 000 recurrence iterations, too slow per fuzz input.
    static let limits = CalendarLimits(maxRecurrenceIterations: 5_000)
    static let window = Date(timeIntervalSince1970: 1_577_836_800)..<Date(timeIntervalSince1970: 1_893_456_000)

    public static func run(_ input: [UInt8]) throws(FuzzFailure) {
        guard let components = try? ComponentParser.parse(input, limits: limits) else { return }
        let serialized = components.map(\.serialized).joined()
        do {
            let reparsed = try ComponentParser.parse(serialized, limits: limits)
            try require(
                reparsed == components,
                "serialize -> parse changed the components:\n\(show(input))\nserialized: \(show(Array(serialized.utf8)))"
            )
        } catch let error as FuzzFailure {
            throw error
        } catch {
            throw FuzzFailure("serialized components do not parse (\(error)): \(show(Array(serialized.utf8)))")
        }
        var rules = 0
        for component in components { try properties(of: component, rules: &rules) }

        guard let object = try? ICalendarObject.parse(input, limits: limits) else { return }
        let expander = RecurrenceExpander(object: object, limits: limits)
        for component in object.schedulingComponents.prefix(8) {
            _ = try? component.dtstart()
            _ = try? component.dtend()
            _ = try? component.due()
            _ = try? component.duration()
            _ = try? component.recurrenceID()
            _ = try? component.recurrenceDates()
            _ = try? component.exceptionDates()
            _ = component.status
            _ = component.recurrenceRange
            if let uid = component.uid, component.property("RECURRENCE-ID") == nil {
                _ = try? expander.expand(component, overrides: object.overrides(uid: uid), in: window, limit: 50)
            }
        }
    }

    /// Walks the tree: text unescaping and the typed value parsers on every property, RRULE round trips.
    static func properties(of component: Component, rules: inout Int) throws(FuzzFailure) {
        for property in component.properties.prefix(200) {
            _ = property.text
            _ = property.textList()
            _ = DateTimeValue.parse(property.value, tzid: property.parameter("TZID"))
            _ = DurationValue.parse(property.value)
            _ = UTCOffsetValue.parse(property.value)
            _ = PeriodValue.parse(property.value)
            guard property.key == "RRULE" || property.key == "EXRULE", rules < 16 else { continue }
            rules += 1
            guard let rule = try? RecurrenceRule.parse(property.value) else { continue }
            let text = rule.description
            do {
                let reparsed = try RecurrenceRule.parse(text)
                try require(reparsed == rule, "RRULE round trip changed \(property.value) -> \(text) -> \(reparsed)")
            } catch let error as FuzzFailure {
                throw error
            } catch {
                throw FuzzFailure("RRULE description does not parse (\(error)): \(property.value) -> \(text)")
            }
        }
        for child in component.components { try properties(of: child, rules: &rules) }
    }
}
