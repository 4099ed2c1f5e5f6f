// Validation: the checks a CalDAV server makes on a PUT (RFC 4791 §4.1, §5.3.2.1), each failure a typed case that
// names the CALDAV precondition element to report.
//
// Invariants:
// - `CalendarValidator.validate` never throws and never traps: bad input is `.failure` with the first problem
//   found, in the order size, syntax, VCALENDAR envelope, components, UIDs, values, time zones.
// - Only what CalDAV and RFC 5545 require is checked; unknown components and properties pass untouched.

import Foundation

/// CALDAV precondition elements of RFC 4791 §5.3.2.1 (the XML element name is the raw value).
public enum CalDAVPrecondition: String, Hashable, Sendable {
    case supportedCalendarData = "supported-calendar-data"
    case validCalendarData = "valid-calendar-data"
    case validCalendarObjectResource = "valid-calendar-object-resource"
    case supportedCalendarComponent = "supported-calendar-component"
    case maxResourceSize = "max-resource-size"
}

/// Why a calendar object resource is refused.
public enum CalendarValidationError: Error, Hashable, Sendable {
    /// Larger than the collection's max-resource-size.
    case tooLarge(limit: Int)
    /// Not iCalendar text (syntax, nesting, UTF-8).
    case unparsable(CalendarFormatError)
    /// The text is not exactly one VCALENDAR.
    case notSingleVCalendar
    /// VERSION missing or not "2.0" (RFC 5545 §3.7.4).
    case unsupportedVersion(String?)
    /// PRODID missing (RFC 5545 §3.7.3).
    case missingProductID
    /// METHOD present: calendar collections hold no scheduling messages (RFC 4791 §4.1).
    case methodNotAllowed
    /// No VEVENT, VTODO, VJOURNAL or VFREEBUSY.
    case noCalendarComponent
    /// More than one component type (RFC 4791 §4.1).
    case mixedComponentTypes([String])
    /// A component type the collection does not accept (RFC 4791 §5.2.3).
    case unsupportedComponent(String)
    /// A component without UID.
    case missingUID(component: String)
    /// Different UIDs in one resource (RFC 4791 §4.1).
    case multipleUIDs([String])
    /// Two components without RECURRENCE-ID, or two with the same RECURRENCE-ID.
    case duplicateInstance(uid: String, recurrenceID: String?)
    /// A property the component requires is missing (e.g. DTSTART in a VEVENT, RFC 5545 §3.6.1).
    case missingProperty(component: String, property: String)
    /// A property value that does not parse (DTSTART, RRULE, ...).
    case invalidValue(CalendarFormatError)
    /// Both DTEND (or DUE) and DURATION (RFC 5545 §3.6.1, §3.6.2).
    case endAndDuration(component: String)
    /// DTEND (or DUE) before DTSTART, or a DATE end with a DATE-TIME start (RFC 5545 §3.8.2.2, §3.8.2.3).
    case endBeforeStart(component: String)
    /// A TZID that no VTIMEZONE in the object defines and that is no known Olson name.
    case unknownTimeZone(String)
    /// A VTIMEZONE that cannot be evaluated.
    case invalidTimeZone(String, CalendarFormatError)

    /// The precondition element to put in the 403/409 response body (RFC 4791 §5.3.2.1).
    public var precondition: CalDAVPrecondition {
        switch self {
        case .tooLarge: return .maxResourceSize
        case .unparsable, .notSingleVCalendar, .unsupportedVersion, .missingProductID, .missingProperty,
            .invalidValue, .endAndDuration, .endBeforeStart, .unknownTimeZone, .invalidTimeZone:
            return .validCalendarData
        case .methodNotAllowed, .noCalendarComponent, .mixedComponentTypes, .missingUID, .multipleUIDs,
            .duplicateInstance:
            return .validCalendarObjectResource
        case .unsupportedComponent: return .supportedCalendarComponent
        }
    }
}

/// A calendar object resource that passed validation.
public struct ValidatedCalendarObject: Hashable, Sendable {
    public var object: ICalendarObject
    /// The single component type.
    public var kind: CalendarComponentKind
    /// The single UID.
    public var uid: String
    /// Whether the master recurs or overrides exist.
    public var isRecurring: Bool
}

/// Checks calendar object resources for a CalDAV collection.
public struct CalendarValidator: Sendable {
    /// The component types the collection accepts (CALDAV:supported-calendar-component-set).
    public var supportedComponents: Set<CalendarComponentKind>
    public var limits: CalendarLimits

    public init(
        supportedComponents: Set<CalendarComponentKind> = Set(CalendarComponentKind.allCases),
        limits: CalendarLimits = .standard
    ) {
        self.supportedComponents = supportedComponents
        self.limits = limits
    }

    /// Validates the body of a PUT.
    public func validate(_ bytes: [UInt8]) -> Result<ValidatedCalendarObject, CalendarValidationError> {
        do throws(CalendarValidationError) {
            return .success(try check(bytes))
        } catch {
            return .failure(error)
        }
    }

    /// Validates UTF-8 text.
    public func validate(_ text: String) -> Result<ValidatedCalendarObject, CalendarValidationError> {
        validate(Array(text.utf8))
    }

    private func check(_ bytes: [UInt8]) throws(CalendarValidationError) -> ValidatedCalendarObject {
        guard bytes.count <= limits.maxObjectOctets else { throw .tooLarge(limit: limits.maxObjectOctets) }
        let roots: [Component]
        do {
            roots = try ComponentParser.parse(bytes, limits: limits)
        } catch {
            throw .unparsable(error)
        }
        guard roots.count == 1, let calendar = roots.first, calendar.key == "VCALENDAR" else {
            throw .notSingleVCalendar
        }
        // RFC 5545 §3.6: VERSION and PRODID are required, once each.
        let version = calendar.property("VERSION")?.value.trimmingSpaces
        guard version == "2.0", calendar.properties("VERSION").count == 1 else { throw .unsupportedVersion(version) }
        guard calendar.property("PRODID") != nil else { throw .missingProductID }
        // RFC 4791 §4.1: "MUST NOT specify the iCalendar METHOD property".
        guard calendar.property("METHOD") == nil else { throw .methodNotAllowed }

        let object = ICalendarObject(calendar: calendar)
        let components = object.schedulingComponents
        guard let first = components.first, let kind = CalendarComponentKind(rawValue: first.key) else {
            throw .noCalendarComponent
        }
        // RFC 4791 §4.1: one component type per resource (VTIMEZONE aside).
        let kinds = Set(components.map(\.key))
        guard kinds.count == 1 else { throw .mixedComponentTypes(kinds.sorted()) }
        guard supportedComponents.contains(kind) else { throw .unsupportedComponent(kind.rawValue) }

        // RFC 4791 §4.1: one UID; overrides share it, each RECURRENCE-ID once, at most one master.
        var uids: [String] = []
        for component in components {
            guard let uid = component.uid, !uid.isEmpty else { throw .missingUID(component: component.name) }
            if !uids.contains(uid) { uids.append(uid) }
        }
        guard uids.count == 1, let uid = uids.first else { throw .multipleUIDs(uids) }

        let resolver = TimeZoneResolver(calendar: calendar, limits: limits)
        if let (tzid, error) = resolver.invalidDefinitions.first { throw .invalidTimeZone(tzid, error) }
        var seenInstances: Set<String> = []
        var hasMaster = false
        var isRecurring = false
        for component in components {
            let rid: String?
            do {
                rid = try component.recurrenceID().map { value throws(CalendarFormatError) in
                    String(try resolver.utcSeconds(of: value))
                }
            } catch {
                throw Self.map(error)
            }
            if let rid {
                guard seenInstances.insert(rid).inserted else {
                    throw .duplicateInstance(uid: uid, recurrenceID: component.property("RECURRENCE-ID")?.value)
                }
                isRecurring = true
            } else {
                guard !hasMaster else { throw .duplicateInstance(uid: uid, recurrenceID: nil) }
                hasMaster = true
                isRecurring = isRecurring || component.isRecurring
            }
            try checkValues(component, resolver: resolver)
        }
        try checkTimeZones(calendar, resolver: resolver)
        return ValidatedCalendarObject(object: object, kind: kind, uid: uid, isRecurring: isRecurring)
    }

    /// Every DATE-TIME and recurrence value parses; DTSTART/DTEND/DUE/DURATION are consistent.
    private func checkValues(_ component: Component, resolver: TimeZoneResolver) throws(CalendarValidationError) {
        /// Runs a value accessor, reporting its error as the validation error it stands for.
        func read<T>(_ body: () throws(CalendarFormatError) -> T) throws(CalendarValidationError) -> T {
            do { return try body() } catch { throw Self.map(error) }
        }
        let dtstart = try read { () throws(CalendarFormatError) in try component.dtstart() }
        let isTodo = component.key == "VTODO"
        let end = try read { () throws(CalendarFormatError) in isTodo ? try component.due() : try component.dtend() }
        let duration = try read { () throws(CalendarFormatError) in try component.duration() }
        _ = try read { () throws(CalendarFormatError) in try component.recurrenceRules() }
        _ = try read { () throws(CalendarFormatError) in try component.recurrenceDates() }
        _ = try read { () throws(CalendarFormatError) in try component.exceptionDates() }
        _ = try read { () throws(CalendarFormatError) in try component.completed() }
        _ = try read { () throws(CalendarFormatError) in try component.created() }
        // RFC 5545 §3.6.1: DTSTART is required in a VEVENT without METHOD; recurrence and DURATION need it anywhere.
        if dtstart == nil && (component.key == "VEVENT" || component.isRecurring || duration != nil) {
            throw .missingProperty(component: component.name, property: "DTSTART")
        }
        // RFC 5545 §3.6.1/§3.6.2: DTEND/DUE and DURATION MUST NOT occur in the same component.
        if end != nil && duration != nil { throw .endAndDuration(component: component.name) }
        if let dtstart, let end {
            // RFC 5545 §3.8.2.2: same value type as DTSTART, and not earlier.
            guard dtstart.isDate == end.isDate else { throw .endBeforeStart(component: component.name) }
            let startSeconds = try read { () throws(CalendarFormatError) in try resolver.utcSeconds(of: dtstart) }
            let endSeconds = try read { () throws(CalendarFormatError) in try resolver.utcSeconds(of: end) }
            if endSeconds < startSeconds { throw .endBeforeStart(component: component.name) }
        }
        if let duration, duration.isNegative { throw .endBeforeStart(component: component.name) }
    }

    /// Every TZID parameter in the object resolves (RFC 5545 §3.2.19: a VTIMEZONE MUST exist for each TZID;
    /// known Olson names are accepted too, as most servers do).
    private func checkTimeZones(_ calendar: Component, resolver: TimeZoneResolver) throws(CalendarValidationError) {
        var pending = calendar.components.filter { $0.key != "VTIMEZONE" }
        while let component = pending.popLast() {
            pending += component.components
            for property in component.properties {
                for tzid in property.parameterValues("TZID") where resolver.zone(for: tzid) == nil {
                    throw .unknownTimeZone(tzid)
                }
            }
        }
    }

    static func map(_ error: CalendarFormatError) -> CalendarValidationError {
        switch error {
        case .unknownTimeZone(let tzid): return .unknownTimeZone(tzid)
        default: return .invalidValue(error)
        }
    }
}
