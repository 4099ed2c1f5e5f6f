// Report: REPORT bodies (RFC 3253 §3.6) dispatched on their root element, and sync-collection (RFC 6578 §6.1).
//
// Invariants:
// - The root element alone selects the report; a root this server does not implement is `unsupportedReport`,
//   answered 403 with DAV:supported-report (RFC 3253 §3.6). The server still checks that the report applies to
//   the target resource (a calendar-query on an address book is also unsupported there).
// - A REPORT needs a body (RFC 3253 §3.6: the body's root element names the report); an empty one is `emptyBody`.

/// A DAV:sync-collection REPORT (RFC 6578 §6.1).
public struct SyncCollection: Hashable, Sendable {
    /// DAV:sync-level (RFC 6578 §6.3).
    public enum Level: String, Hashable, Sendable {
        /// Only the collection's direct members.
        case one = "1"
        /// Every descendant.
        case infinite
    }

    /// The client's token; nil for the initial synchronisation (an empty DAV:sync-token, RFC 6578 §3.4).
    public var syncToken: String?
    public var level: Level
    /// DAV:limit/DAV:nresults (RFC 6578 §6.1 with RFC 5323 §5.17).
    public var limit: Int?
    public var properties: [PropertyName]
    /// The parsed calendar-data / address-data requests when the prop list names them.
    public var calendarData: CalendarDataRequest?
    public var addressData: AddressDataRequest?

    public init(
        syncToken: String?, level: Level, limit: Int? = nil, properties: [PropertyName],
        calendarData: CalendarDataRequest? = nil, addressData: AddressDataRequest? = nil
    ) {
        self.syncToken = syncToken
        self.level = level
        self.limit = limit
        self.properties = properties
        self.calendarData = calendarData
        self.addressData = addressData
    }

    /// RFC 6578 §6.1: `<!ELEMENT sync-collection (sync-token, sync-level, limit?, prop)>`
    static func parse(_ root: XMLTreeElement) throws(DAVRequestError) -> SyncCollection {
        let token = try RequestBody.one(.dav("sync-token"), in: root).trimmedText
        let levelElement = try RequestBody.one(.dav("sync-level"), in: root)
        guard let level = Level(rawValue: levelElement.trimmedText) else {
            throw .invalidValue(element: levelElement.name, value: levelElement.trimmedText)
        }
        var limit: Int?
        if let limitElement = try RequestBody.optional(.dav("limit"), in: root) {
            limit = try RequestBody.positiveInteger(try RequestBody.one(.dav("nresults"), in: limitElement))
        }
        let prop = try RequestBody.one(.dav("prop"), in: root)
        let calendarData = try prop.first(PropertyName.calendarData.qualifiedName).map {
            element throws(DAVRequestError) in try CalendarDataRequest.parse(element)
        }
        let addressData = try prop.first(PropertyName.addressData.qualifiedName).map {
            element throws(DAVRequestError) in try AddressDataRequest.parse(element)
        }
        return SyncCollection(
            syncToken: token.isEmpty ? nil : token, level: level, limit: limit,
            properties: PropertySelection.names(in: prop), calendarData: calendarData, addressData: addressData)
    }

    public var element: XMLTreeElement {
        var children = [
            XMLTreeElement(.dav("sync-token"), text: syncToken ?? ""),
            XMLTreeElement(.dav("sync-level"), text: level.rawValue),
        ]
        if let limit {
            children.append(
                XMLTreeElement(.dav("limit"), elements: [XMLTreeElement(.dav("nresults"), text: String(limit))]))
        }
        children += propElements(.prop(properties), dataElement: calendarData?.element, addressData?.element)
        return XMLTreeElement(.dav("sync-collection"), elements: children)
    }
}

/// A REPORT request body.
public enum ReportRequest: Hashable, Sendable {
    case calendarQuery(CalendarQuery)
    case calendarMultiget(CalendarMultiget)
    case freeBusyQuery(FreeBusyQuery)
    case addressbookQuery(AddressBookQuery)
    case addressbookMultiget(AddressBookMultiget)
    case syncCollection(SyncCollection)

    /// The root element names of the supported reports, for DAV:supported-report-set (RFC 3253 §3.1.5).
    public static let supportedReports: [QualifiedName] = [
        .caldav("calendar-query"), .caldav("calendar-multiget"), .caldav("free-busy-query"),
        .carddav("addressbook-query"), .carddav("addressbook-multiget"), .dav("sync-collection"),
    ]

    /// The DAV:supported-report-set property value (RFC 3253 §3.1.5) listing `reports`.
    public static func supportedReportSet(_ reports: [QualifiedName]) -> XMLTreeElement {
        let entries = reports.map { report in
            XMLTreeElement(
                .dav("supported-report"), elements: [XMLTreeElement(.dav("report"), elements: [XMLTreeElement(report)])]
            )
        }
        return XMLTreeElement(PropertyName.supportedReportSet.qualifiedName, elements: entries)
    }

    /// Parses a REPORT body, choosing the report by its root element.
    public static func parse(_ body: [UInt8], limits: XMLLimits = .default) throws(DAVRequestError) -> ReportRequest {
        let root = try RequestBody.requiredRoot(body, limits: limits)
        switch root.name {
        case .caldav("calendar-query"): return .calendarQuery(try CalendarQuery.parse(root))
        case .caldav("calendar-multiget"): return .calendarMultiget(try CalendarMultiget.parse(root))
        case .caldav("free-busy-query"): return .freeBusyQuery(try FreeBusyQuery.parse(root))
        case .carddav("addressbook-query"): return .addressbookQuery(try AddressBookQuery.parse(root))
        case .carddav("addressbook-multiget"): return .addressbookMultiget(try AddressBookMultiget.parse(root))
        case .dav("sync-collection"): return .syncCollection(try SyncCollection.parse(root))
        default: throw .unsupportedReport(root.name)  // RFC 3253 §3.6
        }
    }

    /// The report's root element name.
    public var name: QualifiedName { element.name }

    /// The request body.
    public var element: XMLTreeElement {
        switch self {
        case .calendarQuery(let report): report.element
        case .calendarMultiget(let report): report.element
        case .freeBusyQuery(let report): report.element
        case .addressbookQuery(let report): report.element
        case .addressbookMultiget(let report): report.element
        case .syncCollection(let report): report.element
        }
    }
}
