// Limits and errors of the CalendarFormats layer: every cap is named once here, every failure is a typed case.
//
// Invariants:
// - Parsing never traps on input: a value outside a limit or a grammar gives a `CalendarFormatError`.
// - The limits bound memory (object size, line length, property count) and work (nesting depth, recurrence
//   iterations); the defaults suit a CalDAV/CardDAV server that validates every PUT.

/// Caps applied while parsing iCalendar and vCard data and while expanding recurrences.
public struct CalendarLimits: Hashable, Sendable {
    /// Largest accepted object, in octets (CalDAV max-resource-size is advertised from this).
    public var maxObjectOctets: Int
    /// Largest unfolded content line, in octets (a vCard PHOTO in base64 is the usual large one).
    public var maxContentLineOctets: Int
    /// Deepest BEGIN/END nesting (VCALENDAR > VEVENT > VALARM is 3).
    public var maxNestingDepth: Int
    /// Most properties in one object, summed over all components.
    public var maxProperties: Int
    /// Most periods (years, months, days, ...) a recurrence rule may step through before it stops.
    public var maxRecurrenceIterations: Int

    public init(
        maxObjectOctets: Int = CalendarLimits.defaultMaxObjectOctets,
        maxContentLineOctets: Int = CalendarLimits.defaultMaxContentLineOctets,
        maxNestingDepth: Int = CalendarLimits.defaultMaxNestingDepth,
        maxProperties: Int = CalendarLimits.defaultMaxProperties,
        maxRecurrenceIterations: Int = CalendarLimits.defaultMaxRecurrenceIterations
    ) {
        self.maxObjectOctets = maxObjectOctets
        self.maxContentLineOctets = maxContentLineOctets
        self.maxNestingDepth = maxNestingDepth
        self.maxProperties = maxProperties
        self.maxRecurrenceIterations = maxRecurrenceIterations
    }

    public static let defaultMaxObjectOctets = 10 * 1024 * 1024
    public static let defaultMaxContentLineOctets = 4 * 1024 * 1024
    public static let defaultMaxNestingDepth = 8
    public static let defaultMaxProperties = 100_000
    public static let defaultMaxRecurrenceIterations = 500_000

    /// The defaults.
    public static let standard = CalendarLimits()
}

/// Why iCalendar or vCard text could not be read.
public enum CalendarFormatError: Error, Hashable, Sendable {
    /// The object is larger than `CalendarLimits.maxObjectOctets`.
    case objectTooLarge(limit: Int)
    /// An unfolded content line is longer than `CalendarLimits.maxContentLineOctets` (1-based line number).
    case lineTooLong(line: Int, limit: Int)
    /// More properties than `CalendarLimits.maxProperties`.
    case tooManyProperties(limit: Int)
    /// BEGIN nested deeper than `CalendarLimits.maxNestingDepth`.
    case nestingTooDeep(line: Int, limit: Int)
    /// The bytes are not UTF-8 (RFC 5545 §3.1.4 and RFC 6350 §3.1 say UTF-8).
    case invalidUTF8
    /// A content line does not follow `name *(";" param) ":" value` (RFC 5545 §3.1).
    case malformedContentLine(line: Int, reason: String)
    /// END names another component than the open BEGIN.
    case mismatchedEnd(line: Int, expected: String, found: String)
    /// END with no open component.
    case unexpectedEnd(line: Int, found: String)
    /// The input ended while components were open.
    case unterminatedComponent(String)
    /// A property outside any BEGIN/END.
    case propertyOutsideComponent(line: Int)
    /// No component at all.
    case empty
    /// Other top-level components than the one expected (an iCalendar object is exactly one VCALENDAR).
    case unexpectedTopLevel(expected: String, found: [String])
    /// A property value that does not match its value type's grammar.
    case invalidValue(property: String, value: String, expected: ValueKind)
    /// A recurrence rule that does not follow RFC 5545 §3.3.10.
    case invalidRecurrenceRule(String)
    /// A property the operation needs is absent.
    case missingProperty(component: String, property: String)
    /// A TZID that neither the object's VTIMEZONEs nor the system's tz database know.
    case unknownTimeZone(String)
}

/// The value types whose grammar a typed accessor checks.
public enum ValueKind: String, Hashable, Sendable {
    case date = "DATE"
    case dateTime = "DATE-TIME"
    case duration = "DURATION"
    case period = "PERIOD"
    case utcOffset = "UTC-OFFSET"
    case recur = "RECUR"
    case integer = "INTEGER"
    case text = "TEXT"
}
