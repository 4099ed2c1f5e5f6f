// MkCol: the extended MKCOL body (RFC 5689 §5.1) and the MKCALENDAR body (RFC 4791 §5.3.1, §9.1), with the
// collection properties they set.
//
// Invariants:
// - `CollectionProperties` reads the properties a client sets on a new collection (or in a PROPPATCH) into typed
//   fields; every other property element goes to `other`, verbatim, in document order (dead properties).
// - A known property whose value is outside its grammar is an error, never silently dropped.
// - An empty MKCALENDAR body is a calendar with default properties (RFC 4791 §5.3.1: "MAY include a request
//   body"); extended MKCOL needs a body (a plain MKCOL without body is the server's, RFC 4918 §9.3).

/// Properties a client sets on a collection: typed when the server understands them, verbatim otherwise.
public struct CollectionProperties: Hashable, Sendable {
    /// DAV:resourcetype children (RFC 5689 §3: only in extended MKCOL), e.g. collection + calendar.
    public var resourceType: [QualifiedName]?
    /// DAV:displayname (RFC 4918 §15.2).
    public var displayName: String?
    /// CALDAV:calendar-description (RFC 4791 §5.2.1).
    public var calendarDescription: String?
    /// CALDAV:calendar-timezone (RFC 4791 §5.2.2): an iCalendar object with one VTIMEZONE, as text.
    public var calendarTimeZone: String?
    /// CALDAV:supported-calendar-component-set (RFC 4791 §5.2.3): component names such as "VEVENT".
    public var supportedCalendarComponents: [String]?
    /// CARDDAV:addressbook-description (RFC 6352 §6.2.1).
    public var addressbookDescription: String?
    /// Apple calendar-color, e.g. "#FF2968FF".
    public var calendarColor: String?
    /// Apple calendar-order, an integer.
    public var calendarOrder: Int?
    /// Every other property element, verbatim.
    public var other: [XMLTreeElement]

    public init(
        resourceType: [QualifiedName]? = nil, displayName: String? = nil, calendarDescription: String? = nil,
        calendarTimeZone: String? = nil, supportedCalendarComponents: [String]? = nil,
        addressbookDescription: String? = nil, calendarColor: String? = nil, calendarOrder: Int? = nil,
        other: [XMLTreeElement] = []
    ) {
        self.resourceType = resourceType
        self.displayName = displayName
        self.calendarDescription = calendarDescription
        self.calendarTimeZone = calendarTimeZone
        self.supportedCalendarComponents = supportedCalendarComponents
        self.addressbookDescription = addressbookDescription
        self.calendarColor = calendarColor
        self.calendarOrder = calendarOrder
        self.other = other
    }

    /// Reads property elements (the children of one or more DAV:prop).
    public init(properties: [XMLTreeElement]) throws(DAVRequestError) {
        self.init()
        for property in properties {
            switch PropertyName(property.name) {
            case .resourceType: resourceType = property.elements.map(\.name)
            case .displayName: displayName = property.text
            case .calendarDescription: calendarDescription = property.text
            case .calendarTimeZone: calendarTimeZone = property.text
            case .supportedCalendarComponentSet:
                // RFC 4791 §5.2.3: `<!ELEMENT supported-calendar-component-set (comp+)>`
                var names: [String] = []
                for comp in property.all(.caldav("comp")) {
                    names.append(try RequestBody.attribute("name", of: comp))
                }
                guard !names.isEmpty else { throw .missingElement(.caldav("comp")) }
                supportedCalendarComponents = names
            case .addressbookDescription: addressbookDescription = property.text
            case .calendarColor: calendarColor = property.trimmedText
            case .calendarOrder:
                let text = property.trimmedText
                guard let order = Int(text) else { throw .invalidValue(element: property.name, value: text) }
                calendarOrder = order
            default: other.append(property)
            }
        }
    }

    /// The property elements, typed ones first in a fixed order, then `other`.
    public var elements: [XMLTreeElement] {
        var result: [XMLTreeElement] = []
        if let resourceType {
            result.append(
                XMLTreeElement(
                    PropertyName.resourceType.qualifiedName, elements: resourceType.map { XMLTreeElement($0) }))
        }
        let texts: [(PropertyName, String?)] = [
            (.displayName, displayName), (.calendarDescription, calendarDescription),
            (.calendarTimeZone, calendarTimeZone), (.addressbookDescription, addressbookDescription),
            (.calendarColor, calendarColor), (.calendarOrder, calendarOrder.map(String.init)),
        ]
        for (name, value) in texts {
            if let value { result.append(XMLTreeElement(name.qualifiedName, text: value)) }
        }
        if let supportedCalendarComponents {
            let comps = supportedCalendarComponents.map {
                XMLTreeElement(.caldav("comp"), attributes: [QualifiedName("", "name"): $0])
            }
            result.append(XMLTreeElement(PropertyName.supportedCalendarComponentSet.qualifiedName, elements: comps))
        }
        return result + other
    }
}

/// An extended MKCOL body (RFC 5689 §5.1): `<!ELEMENT mkcol (set+)>`.
public struct ExtendedMkcol: Hashable, Sendable {
    public var properties: CollectionProperties

    public init(properties: CollectionProperties) { self.properties = properties }

    public static func parse(_ body: [UInt8], limits: XMLLimits = .default) throws(DAVRequestError) -> ExtendedMkcol {
        let root = try RequestBody.requiredRoot(body, limits: limits)
        try RequestBody.expect(root, .dav("mkcol"))
        return ExtendedMkcol(properties: try setProperties(of: root))
    }

    public var element: XMLTreeElement { setBody(.dav("mkcol"), properties) }
}

/// A MKCALENDAR body (RFC 4791 §9.1): `<!ELEMENT mkcalendar (DAV:set)>`.
public struct MkCalendar: Hashable, Sendable {
    public var properties: CollectionProperties

    public init(properties: CollectionProperties) { self.properties = properties }

    public static func parse(_ body: [UInt8], limits: XMLLimits = .default) throws(DAVRequestError) -> MkCalendar {
        guard let root = try RequestBody.root(body, limits: limits) else {
            return MkCalendar(properties: CollectionProperties())
        }
        try RequestBody.expect(root, .caldav("mkcalendar"))
        return MkCalendar(properties: try setProperties(of: root))
    }

    public var element: XMLTreeElement { setBody(.caldav("mkcalendar"), properties) }
}

/// The properties of every DAV:set/DAV:prop under `root`, in document order.
private func setProperties(of root: XMLTreeElement) throws(DAVRequestError) -> CollectionProperties {
    let sets = root.all(.dav("set"))
    guard !sets.isEmpty else { throw .missingElement(.dav("set")) }
    var elements: [XMLTreeElement] = []
    for set in sets {
        let props = set.all(.dav("prop"))
        guard !props.isEmpty else { throw .missingElement(.dav("prop")) }
        for prop in props { elements += prop.elements }
    }
    return try CollectionProperties(properties: elements)
}

private func setBody(_ root: QualifiedName, _ properties: CollectionProperties) -> XMLTreeElement {
    let prop = XMLTreeElement(.dav("prop"), elements: properties.elements)
    return XMLTreeElement(root, elements: [XMLTreeElement(.dav("set"), elements: [prop])])
}
