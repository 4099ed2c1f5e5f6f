// CalendarQuery: the CalDAV REPORT bodies: calendar-query (RFC 4791 §7.8, §9.5), calendar-multiget (§7.9,
// §9.10), free-busy-query (§7.10, §9.11), with the filter tree (§9.7) and the calendar-data selection (§9.6).
//
// Invariants:
// - The filter is a tree of typed tests; `is-not-defined` excludes every other test of its element (the grammar
//   is a choice), and a filter's root is exactly one comp-filter (RFC 4791 §9.7, normally VCALENDAR).
// - Filter grammar violations are `invalidFilter` (answered with CALDAV:valid-filter); missing hrefs or elements
//   outside the filter are plain syntax errors.
// - `calendarData` is the CALDAV:calendar-data element of the DAV:prop list, parsed; the property also stays in
//   the selection's name list so the server answers properties in the order asked.

import CalendarFormats
import Foundation

/// A CALDAV:comp-filter (RFC 4791 §9.7.1).
public struct CompFilter: Hashable, Sendable {
    public enum Test: Hashable, Sendable {
        /// The component must not exist.
        case isNotDefined
        /// The component exists and passes every given test.
        case matches(timeRange: TimeRange?, props: [CalendarPropFilter], comps: [CompFilter])
    }

    /// The component name, e.g. "VCALENDAR", "VEVENT".
    public var name: String
    public var test: Test

    public init(_ name: String, _ test: Test = .matches(timeRange: nil, props: [], comps: [])) {
        self.name = name
        self.test = test
    }

    /// RFC 4791 §9.7.1: `<!ELEMENT comp-filter (is-not-defined | (time-range?, prop-filter*, comp-filter*))>`
    static func parse(_ element: XMLTreeElement) throws(DAVRequestError) -> CompFilter {
        let name = try ParamFilter.name(of: element)
        if element.first(.caldav("is-not-defined")) != nil {
            guard element.elements.count == 1 else { throw CalDAVFilter.invalid("is-not-defined with other tests") }
            return CompFilter(name, .isNotDefined)
        }
        let ranges = element.all(.caldav("time-range"))
        guard ranges.count <= 1 else { throw CalDAVFilter.invalid("more than one time-range in comp-filter") }
        let timeRange = try ranges.first.map { range throws(DAVRequestError) in
            try TimeRange.parse(range, requireBoth: false)
        }
        var props: [CalendarPropFilter] = []
        for prop in element.all(.caldav("prop-filter")) { props.append(try CalendarPropFilter.parse(prop)) }
        var comps: [CompFilter] = []
        for comp in element.all(.caldav("comp-filter")) { comps.append(try CompFilter.parse(comp)) }
        return CompFilter(name, .matches(timeRange: timeRange, props: props, comps: comps))
    }

    var element: XMLTreeElement {
        var children: [XMLTreeElement] = []
        switch test {
        case .isNotDefined: children = [XMLTreeElement(.caldav("is-not-defined"))]
        case .matches(let timeRange, let props, let comps):
            if let timeRange { children.append(timeRange.element(.caldav("time-range"))) }
            children += props.map(\.element) + comps.map(\.element)
        }
        return XMLTreeElement(.caldav("comp-filter"), attributes: [QualifiedName("", "name"): name], elements: children)
    }
}

/// A CALDAV:prop-filter (RFC 4791 §9.7.2).
public struct CalendarPropFilter: Hashable, Sendable {
    public enum Test: Hashable, Sendable {
        case isNotDefined
        /// The property exists; the time-range or text-match (at most one of them) and every param-filter pass.
        case matches(timeRange: TimeRange?, textMatch: TextMatch?, params: [CalendarParamFilter])
    }

    /// The property name, e.g. "UID", "ATTENDEE".
    public var name: String
    public var test: Test

    public init(_ name: String, _ test: Test = .matches(timeRange: nil, textMatch: nil, params: [])) {
        self.name = name
        self.test = test
    }

    /// RFC 4791 §9.7.2: `<!ELEMENT prop-filter (is-not-defined | ((time-range | text-match)?, param-filter*))>`
    static func parse(_ element: XMLTreeElement) throws(DAVRequestError) -> CalendarPropFilter {
        let name = try ParamFilter.name(of: element)
        if element.first(.caldav("is-not-defined")) != nil {
            guard element.elements.count == 1 else { throw CalDAVFilter.invalid("is-not-defined with other tests") }
            return CalendarPropFilter(name, .isNotDefined)
        }
        let ranges = element.all(.caldav("time-range"))
        let texts = element.all(.caldav("text-match"))
        guard ranges.count + texts.count <= 1 else {
            throw CalDAVFilter.invalid("prop-filter takes one time-range or one text-match")
        }
        let timeRange = try ranges.first.map { range throws(DAVRequestError) in
            try TimeRange.parse(range, requireBoth: false)
        }
        let textMatch = try texts.first.map { text throws(DAVRequestError) in
            try TextMatch.parse(text, namespace: XMLNamespace.caldav)
        }
        var params: [CalendarParamFilter] = []
        for param in element.all(.caldav("param-filter")) { params.append(try CalendarParamFilter.parse(param)) }
        return CalendarPropFilter(name, .matches(timeRange: timeRange, textMatch: textMatch, params: params))
    }

    var element: XMLTreeElement {
        var children: [XMLTreeElement] = []
        switch test {
        case .isNotDefined: children = [XMLTreeElement(.caldav("is-not-defined"))]
        case .matches(let timeRange, let textMatch, let params):
            if let timeRange { children.append(timeRange.element(.caldav("time-range"))) }
            if let textMatch { children.append(textMatch.element(namespace: XMLNamespace.caldav)) }
            children += params.map { $0.element(namespace: XMLNamespace.caldav) }
        }
        return XMLTreeElement(.caldav("prop-filter"), attributes: [QualifiedName("", "name"): name], elements: children)
    }
}

/// Helpers of the CalDAV filter grammar.
enum CalDAVFilter {
    static func invalid(_ reason: String) -> DAVRequestError {
        .invalidFilter(namespace: XMLNamespace.caldav, reason: reason)
    }

    /// RFC 4791 §9.7: `<!ELEMENT filter (comp-filter)>`
    static func parseFilter(_ element: XMLTreeElement) throws(DAVRequestError) -> CompFilter {
        let comps = element.all(.caldav("comp-filter"))
        guard comps.count == 1, let comp = comps.first else { throw invalid("filter takes exactly one comp-filter") }
        return try CompFilter.parse(comp)
    }
}

/// What part of each calendar object to return: CALDAV:calendar-data in a REPORT's DAV:prop (RFC 4791 §9.6).
public struct CalendarDataRequest: Hashable, Sendable {
    /// Recurrence handling (RFC 4791 §9.6.5, §9.6.6): at most one of expand and limit-recurrence-set.
    public enum Recurrence: Hashable, Sendable {
        /// Expand recurring components into instances overlapping the range, in UTC.
        case expand(Range<Date>)
        /// Return the master and the overrides that overlap the range.
        case limitRecurrenceSet(Range<Date>)
    }

    /// The media type asked for (RFC 4791 §9.6: content-type default "text/calendar", version "2.0").
    public var contentType: String
    public var version: String
    /// The component and property selection; nil returns the whole object.
    public var component: ComponentSelection?
    public var recurrence: Recurrence?
    /// RFC 4791 §9.6.7: only FREEBUSY periods overlapping the range.
    public var limitFreeBusySet: Range<Date>?

    public init(
        contentType: String = "text/calendar", version: String = "2.0", component: ComponentSelection? = nil,
        recurrence: Recurrence? = nil, limitFreeBusySet: Range<Date>? = nil
    ) {
        self.contentType = contentType
        self.version = version
        self.component = component
        self.recurrence = recurrence
        self.limitFreeBusySet = limitFreeBusySet
    }

    /// RFC 4791 §9.6: `<!ELEMENT calendar-data (comp?, (expand | limit-recurrence-set)?, limit-freebusy-set?)>`
    static func parse(_ element: XMLTreeElement) throws(DAVRequestError) -> CalendarDataRequest {
        var request = CalendarDataRequest(
            contentType: element.attribute("content-type") ?? "text/calendar",
            version: element.attribute("version") ?? "2.0")
        if let comp = try RequestBody.optional(.caldav("comp"), in: element) {
            request.component = try ComponentSelection.parse(comp)
        }
        let expand = try RequestBody.optional(.caldav("expand"), in: element)
        let limit = try RequestBody.optional(.caldav("limit-recurrence-set"), in: element)
        switch (expand, limit) {
        case (let expand?, nil): request.recurrence = .expand(try bothEnds(expand))
        case (nil, let limit?): request.recurrence = .limitRecurrenceSet(try bothEnds(limit))
        case (nil, nil): break
        case (_?, _?): throw .unexpectedElement(.caldav("limit-recurrence-set"))
        }
        if let freeBusy = try RequestBody.optional(.caldav("limit-freebusy-set"), in: element) {
            request.limitFreeBusySet = try bothEnds(freeBusy)
        }
        return request
    }

    /// RFC 4791 §9.6.5-§9.6.7: start and end are #REQUIRED.
    private static func bothEnds(_ element: XMLTreeElement) throws(DAVRequestError) -> Range<Date> {
        let range = try TimeRange.parse(element, requireBoth: true)
        return range.range
    }

    /// True when the element asks for nothing but the default (a bare `<C:calendar-data/>`).
    public var isDefault: Bool { self == CalendarDataRequest() }

    var element: XMLTreeElement {
        var attributes: [QualifiedName: String] = [:]
        if contentType != "text/calendar" || version != "2.0" {
            attributes[QualifiedName("", "content-type")] = contentType
            attributes[QualifiedName("", "version")] = version
        }
        var children: [XMLTreeElement] = []
        if let component { children.append(component.element) }
        switch recurrence {
        case .expand(let range)?:
            children.append(TimeRange(start: range.lowerBound, end: range.upperBound).element(.caldav("expand")))
        case .limitRecurrenceSet(let range)?:
            children.append(
                TimeRange(start: range.lowerBound, end: range.upperBound).element(.caldav("limit-recurrence-set")))
        case nil: break
        }
        if let range = limitFreeBusySet {
            children.append(
                TimeRange(start: range.lowerBound, end: range.upperBound).element(.caldav("limit-freebusy-set")))
        }
        return XMLTreeElement(.caldav("calendar-data"), attributes: attributes, elements: children)
    }
}

/// A CALDAV:comp selection (RFC 4791 §9.6.1): which properties and subcomponents of a component to return.
public struct ComponentSelection: Hashable, Sendable {
    public enum Properties: Hashable, Sendable {
        /// CALDAV:allprop.
        case all
        /// Only these (possibly none).
        case only([PropertySelectionItem])
    }

    public enum Components: Hashable, Sendable {
        /// CALDAV:allcomp.
        case all
        /// Only these (possibly none).
        case only([ComponentSelection])
    }

    public var name: String
    public var properties: Properties
    public var components: Components

    public init(_ name: String, properties: Properties = .only([]), components: Components = .only([])) {
        self.name = name
        self.properties = properties
        self.components = components
    }

    /// RFC 4791 §9.6.1: `<!ELEMENT comp ((allprop | prop*), (allcomp | comp*))>`
    static func parse(_ element: XMLTreeElement) throws(DAVRequestError) -> ComponentSelection {
        let name = try RequestBody.attribute("name", of: element)
        let props = element.all(.caldav("prop"))
        let comps = element.all(.caldav("comp"))
        var selection = ComponentSelection(name)
        if element.first(.caldav("allprop")) != nil {
            guard props.isEmpty else { throw .unexpectedElement(.caldav("prop")) }
            selection.properties = .all
        } else {
            var items: [PropertySelectionItem] = []
            for prop in props { items.append(try PropertySelectionItem.parse(prop)) }
            selection.properties = .only(items)
        }
        if element.first(.caldav("allcomp")) != nil {
            guard comps.isEmpty else { throw .unexpectedElement(.caldav("comp")) }
            selection.components = .all
        } else {
            var items: [ComponentSelection] = []
            for comp in comps { items.append(try ComponentSelection.parse(comp)) }
            selection.components = .only(items)
        }
        return selection
    }

    var element: XMLTreeElement {
        var children: [XMLTreeElement] = []
        switch properties {
        case .all: children.append(XMLTreeElement(.caldav("allprop")))
        case .only(let items): children += items.map { $0.element(namespace: XMLNamespace.caldav) }
        }
        switch components {
        case .all: children.append(XMLTreeElement(.caldav("allcomp")))
        case .only(let items): children += items.map(\.element)
        }
        return XMLTreeElement(.caldav("comp"), attributes: [QualifiedName("", "name"): name], elements: children)
    }
}

/// A CALDAV:prop (RFC 4791 §9.6.4) or CARDDAV:prop (RFC 6352 §10.4.2) inside calendar-data / address-data.
public struct PropertySelectionItem: Hashable, Sendable {
    /// The iCalendar or vCard property name, e.g. "SUMMARY".
    public var name: String
    /// novalue="yes": return the property without its value.
    public var noValue: Bool

    public init(_ name: String, noValue: Bool = false) {
        self.name = name
        self.noValue = noValue
    }

    static func parse(_ element: XMLTreeElement) throws(DAVRequestError) -> PropertySelectionItem {
        PropertySelectionItem(
            try RequestBody.attribute("name", of: element),
            noValue: try RequestBody.yesNo("novalue", of: element, default: false))
    }

    func element(namespace: String) -> XMLTreeElement {
        var attributes = [QualifiedName("", "name"): name]
        if noValue { attributes[QualifiedName("", "novalue")] = "yes" }
        return XMLTreeElement(QualifiedName(namespace, "prop"), attributes: attributes)
    }
}

/// A CALDAV:calendar-query REPORT (RFC 4791 §9.5).
public struct CalendarQuery: Hashable, Sendable {
    /// The properties to return per match; nil when the body names none (optional in RFC 4791 §9.5).
    public var properties: PropertySelection?
    /// The CALDAV:calendar-data request inside DAV:prop, when asked for.
    public var calendarData: CalendarDataRequest?
    public var filter: CompFilter
    /// CALDAV:timezone (RFC 4791 §9.8): the time zone for floating times, an iCalendar VTIMEZONE object.
    public var timeZone: String?

    public init(
        properties: PropertySelection?, calendarData: CalendarDataRequest? = nil, filter: CompFilter,
        timeZone: String? = nil
    ) {
        self.properties = properties
        self.calendarData = calendarData
        self.filter = filter
        self.timeZone = timeZone
    }

    /// RFC 4791 §9.5: `<!ELEMENT calendar-query ((DAV:allprop | DAV:propname | DAV:prop)?, filter, timezone?)>`
    static func parse(_ root: XMLTreeElement) throws(DAVRequestError) -> CalendarQuery {
        let properties = try PropertySelection.parse(childrenOf: root)
        let filter = try CalDAVFilter.parseFilter(try RequestBody.one(.caldav("filter"), in: root))
        let timeZone = try RequestBody.optional(.caldav("timezone"), in: root)?.text
        return CalendarQuery(
            properties: properties, calendarData: try calendarDataRequest(in: root), filter: filter, timeZone: timeZone)
    }

    public var element: XMLTreeElement {
        var children = propElements(properties, dataElement: calendarData?.element)
        children.append(XMLTreeElement(.caldav("filter"), elements: [filter.element]))
        if let timeZone { children.append(XMLTreeElement(.caldav("timezone"), text: timeZone)) }
        return XMLTreeElement(.caldav("calendar-query"), elements: children)
    }
}

/// A CALDAV:calendar-multiget REPORT (RFC 4791 §9.10).
public struct CalendarMultiget: Hashable, Sendable {
    public var properties: PropertySelection?
    public var calendarData: CalendarDataRequest?
    /// The hrefs as sent (decode with `Href.decodePath`), in order.
    public var hrefs: [String]

    public init(properties: PropertySelection?, calendarData: CalendarDataRequest? = nil, hrefs: [String]) {
        self.properties = properties
        self.calendarData = calendarData
        self.hrefs = hrefs
    }

    /// RFC 4791 §9.10: `<!ELEMENT calendar-multiget ((DAV:allprop | DAV:propname | DAV:prop)?, DAV:href+)>`
    static func parse(_ root: XMLTreeElement) throws(DAVRequestError) -> CalendarMultiget {
        CalendarMultiget(
            properties: try PropertySelection.parse(childrenOf: root), calendarData: try calendarDataRequest(in: root),
            hrefs: try hrefList(root))
    }

    public var element: XMLTreeElement {
        let children =
            propElements(properties, dataElement: calendarData?.element)
            + hrefs.map { XMLTreeElement(.dav("href"), text: $0) }
        return XMLTreeElement(.caldav("calendar-multiget"), elements: children)
    }
}

/// A CALDAV:free-busy-query REPORT (RFC 4791 §9.11): `<!ELEMENT free-busy-query (time-range)>`.
public struct FreeBusyQuery: Hashable, Sendable {
    public var timeRange: TimeRange

    public init(timeRange: TimeRange) { self.timeRange = timeRange }

    static func parse(_ root: XMLTreeElement) throws(DAVRequestError) -> FreeBusyQuery {
        FreeBusyQuery(
            timeRange: try TimeRange.parse(try RequestBody.one(.caldav("time-range"), in: root), requireBoth: false))
    }

    public var element: XMLTreeElement {
        XMLTreeElement(.caldav("free-busy-query"), elements: [timeRange.element(.caldav("time-range"))])
    }
}

/// The parsed CALDAV:calendar-data element of the DAV:prop child of `root`.
private func calendarDataRequest(in root: XMLTreeElement) throws(DAVRequestError) -> CalendarDataRequest? {
    guard let data = root.first(.dav("prop"))?.first(PropertyName.calendarData.qualifiedName) else { return nil }
    return try CalendarDataRequest.parse(data)
}

/// The DAV:href children of a multiget (at least one; RFC 4791 §9.10, RFC 6352 §10.7).
func hrefList(_ root: XMLTreeElement) throws(DAVRequestError) -> [String] {
    let hrefs = root.all(.dav("href")).map(\.trimmedText)
    guard !hrefs.isEmpty else { throw .missingElement(.dav("href")) }
    return hrefs
}

/// The selection as elements, with each `dataElement` (calendar-data, address-data; a sync-collection may carry
/// both) in place of its bare name.
func propElements(_ selection: PropertySelection?, dataElement: XMLTreeElement?...) -> [XMLTreeElement] {
    switch selection {
    case nil: return []
    case .propName: return [XMLTreeElement(.dav("propname"))]
    case .allProp(let include):
        return [XMLTreeElement(.dav("allprop"))]
            + (include.isEmpty ? [] : [XMLTreeElement(.dav("include"), elements: include.map(\.emptyElement))])
    case .prop(let names):
        let elements = names.map { name in
            for case let data? in dataElement where data.name == name.qualifiedName { return data }
            return name.emptyElement
        }
        return [XMLTreeElement(.dav("prop"), elements: elements)]
    }
}
