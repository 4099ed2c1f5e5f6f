// ICalendar: typed access to the properties CalDAV needs (RFC 5545 §3.8) on top of the generic component tree.
//
// Invariants:
// - Accessors read, they never normalise: the component keeps its text; a malformed value gives a typed error
//   from the accessor that needs it, so unknown or unused properties never make an object unreadable.

/// STATUS values (RFC 5545 §3.8.1.11).
public enum ComponentStatus: Hashable, Sendable {
    case tentative, confirmed, cancelled, needsAction, completed, inProcess, draft, final
    case other(String)

    init(_ text: String) {
        switch text.uppercased() {
        case "TENTATIVE": self = .tentative
        case "CONFIRMED": self = .confirmed
        case "CANCELLED": self = .cancelled
        case "NEEDS-ACTION": self = .needsAction
        case "COMPLETED": self = .completed
        case "IN-PROCESS": self = .inProcess
        case "DRAFT": self = .draft
        case "FINAL": self = .final
        default: self = .other(text)
        }
    }
}

extension Component {
    /// UID (RFC 5545 §3.8.4.7).
    public var uid: String? { property("UID")?.text }
    /// SUMMARY, unescaped (RFC 5545 §3.8.1.12).
    public var summary: String? { property("SUMMARY")?.text }
    /// STATUS (RFC 5545 §3.8.1.11).
    public var status: ComponentStatus? { property("STATUS").map { ComponentStatus($0.value.trimmingSpaces) } }

    /// DTSTART (RFC 5545 §3.8.2.4).
    public func dtstart() throws(CalendarFormatError) -> DateTimeValue? { try property("DTSTART")?.dateTimeValue() }
    /// DTEND (RFC 5545 §3.8.2.2).
    public func dtend() throws(CalendarFormatError) -> DateTimeValue? { try property("DTEND")?.dateTimeValue() }
    /// DUE (RFC 5545 §3.8.2.3).
    public func due() throws(CalendarFormatError) -> DateTimeValue? { try property("DUE")?.dateTimeValue() }
    /// COMPLETED (RFC 5545 §3.8.2.1), always UTC.
    public func completed() throws(CalendarFormatError) -> DateTimeValue? { try property("COMPLETED")?.dateTimeValue() }
    /// CREATED (RFC 5545 §3.8.7.1), always UTC.
    public func created() throws(CalendarFormatError) -> DateTimeValue? { try property("CREATED")?.dateTimeValue() }
    /// DURATION (RFC 5545 §3.8.2.5).
    public func duration() throws(CalendarFormatError) -> DurationValue? { try property("DURATION")?.durationValue() }
    /// RECURRENCE-ID (RFC 5545 §3.8.4.4).
    public func recurrenceID() throws(CalendarFormatError) -> DateTimeValue? {
        try property("RECURRENCE-ID")?.dateTimeValue()
    }
    /// RECURRENCE-ID's RANGE parameter (RFC 5545 §3.2.13); `.thisInstance` when absent.
    public var recurrenceRange: RecurrenceRange {
        property("RECURRENCE-ID")?.parameter("RANGE")?.uppercased() == "THISANDFUTURE" ? .thisAndFuture : .thisInstance
    }
    /// Every RRULE (RFC 5545 §3.8.5.3; more than one is deprecated but still read).
    public func recurrenceRules() throws(CalendarFormatError) -> [RecurrenceRule] {
        var rules: [RecurrenceRule] = []
        for property in properties("RRULE") { rules.append(try property.recurrenceRule()) }
        return rules
    }
    /// Every RDATE entry (RFC 5545 §3.8.5.2).
    public func recurrenceDates() throws(CalendarFormatError) -> [RecurrenceDate] {
        var dates: [RecurrenceDate] = []
        for property in properties("RDATE") { dates += try property.recurrenceDates() }
        return dates
    }
    /// Every EXDATE entry (RFC 5545 §3.8.5.1).
    public func exceptionDates() throws(CalendarFormatError) -> [DateTimeValue] {
        var dates: [DateTimeValue] = []
        for property in properties("EXDATE") { dates += try property.dateTimeValues() }
        return dates
    }
    /// Whether the component recurs (has RRULE or RDATE).
    public var isRecurring: Bool { property("RRULE") != nil || property("RDATE") != nil }
}

/// A parsed iCalendar object: one VCALENDAR.
public struct ICalendarObject: Hashable, Sendable {
    /// The VCALENDAR component.
    public var calendar: Component

    public init(calendar: Component) { self.calendar = calendar }

    /// Parses exactly one VCALENDAR from `bytes` (further top-level components are an error).
    public static func parse(_ bytes: [UInt8], limits: CalendarLimits = .standard) throws(CalendarFormatError)
        -> ICalendarObject
    {
        let roots = try ComponentParser.parse(bytes, limits: limits)
        guard roots.count == 1, let root = roots.first, root.key == "VCALENDAR" else {
            throw .unexpectedTopLevel(expected: "VCALENDAR", found: roots.map(\.name))
        }
        return ICalendarObject(calendar: root)
    }

    /// Parses UTF-8 text.
    public static func parse(_ text: String, limits: CalendarLimits = .standard) throws(CalendarFormatError)
        -> ICalendarObject
    {
        try parse(Array(text.utf8), limits: limits)
    }

    /// The object as text (CRLF, folded).
    public var serialized: String { calendar.serialized }

    /// VTIMEZONE components.
    public var timeZones: [Component] { calendar.components("VTIMEZONE") }

    /// The scheduling components (VEVENT, VTODO, VJOURNAL, VFREEBUSY), in order.
    public var schedulingComponents: [Component] {
        calendar.components.filter { CalendarComponentKind(rawValue: $0.key) != nil }
    }

    /// The master (no RECURRENCE-ID) of the components with this UID, if any.
    public func master(uid: String) -> Component? {
        schedulingComponents.first { $0.uid == uid && $0.property("RECURRENCE-ID") == nil }
    }

    /// The overrides (with RECURRENCE-ID) of the components with this UID.
    public func overrides(uid: String) -> [Component] {
        schedulingComponents.filter { $0.uid == uid && $0.property("RECURRENCE-ID") != nil }
    }
}

/// The calendar component types a CalDAV collection can hold (RFC 4791 §5.2.3).
public enum CalendarComponentKind: String, Hashable, Sendable, CaseIterable {
    case event = "VEVENT"
    case todo = "VTODO"
    case journal = "VJOURNAL"
    case freeBusy = "VFREEBUSY"
}
