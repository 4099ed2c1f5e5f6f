// PropertyName: the name of a WebDAV property, and the names of the properties and resource types the server uses.
//
// Invariants:
// - A property is named by its expanded XML name (RFC 4918 §4.2); two names are equal when namespace and local
//   name are equal, whatever prefixes a client used.

/// The expanded name of a WebDAV property (RFC 4918 §4.2).
public struct PropertyName: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var namespace: String
    public var name: String

    public init(_ namespace: String, _ name: String) {
        self.namespace = namespace
        self.name = name
    }

    public init(_ qualifiedName: QualifiedName) { self.init(qualifiedName.namespace, qualifiedName.name) }

    /// The element name of the property.
    public var qualifiedName: QualifiedName { QualifiedName(namespace, name) }

    /// The empty property element (a PROPFIND propname answer, a 404 propstat).
    public var emptyElement: XMLTreeElement { XMLTreeElement(qualifiedName) }

    public var description: String { qualifiedName.description }

    /// The property element with a text value (displayname, getetag, sync-token, getctag...).
    public func element(text: String) -> XMLTreeElement { XMLTreeElement(qualifiedName, text: text) }

    /// The property element with element children (resourcetype, supported-calendar-component-set...).
    public func element(children: [XMLTreeElement]) -> XMLTreeElement {
        XMLTreeElement(qualifiedName, elements: children)
    }

    /// The property element holding DAV:href children (current-user-principal, calendar-home-set, RFC 4918 §14.7);
    /// `hrefs` are encoded hrefs.
    public func element(hrefs: [String]) -> XMLTreeElement {
        element(children: hrefs.map { XMLTreeElement(.dav("href"), text: $0) })
    }

    public static func < (lhs: PropertyName, rhs: PropertyName) -> Bool { lhs.qualifiedName < rhs.qualifiedName }

    // MARK: DAV: (RFC 4918 §15, RFC 5397, RFC 3744, RFC 3253, RFC 6578, RFC 4331)

    public static let resourceType = dav("resourcetype")  // RFC 4918 §15.9
    public static let displayName = dav("displayname")  // RFC 4918 §15.2
    public static let getETag = dav("getetag")  // RFC 4918 §15.6
    public static let getContentType = dav("getcontenttype")  // RFC 4918 §15.5
    public static let getContentLength = dav("getcontentlength")  // RFC 4918 §15.4
    public static let getLastModified = dav("getlastmodified")  // RFC 4918 §15.7
    public static let creationDate = dav("creationdate")  // RFC 4918 §15.1
    public static let currentUserPrincipal = dav("current-user-principal")  // RFC 5397 §3
    public static let principalURL = dav("principal-URL")  // RFC 3744 §4.2
    public static let owner = dav("owner")  // RFC 3744 §5.1
    public static let supportedReportSet = dav("supported-report-set")  // RFC 3253 §3.1.5
    public static let syncToken = dav("sync-token")  // RFC 6578 §4
    public static let currentUserPrivilegeSet = dav("current-user-privilege-set")  // RFC 3744 §5.4
    public static let quotaAvailableBytes = dav("quota-available-bytes")  // RFC 4331 §3
    public static let quotaUsedBytes = dav("quota-used-bytes")  // RFC 4331 §4

    // MARK: CalDAV (RFC 4791 §5.2, §6.2, §9.6)

    public static let calendarHomeSet = caldav("calendar-home-set")  // RFC 4791 §6.2.1
    public static let calendarUserAddressSet = caldav("calendar-user-address-set")  // RFC 6638 §2.4.1
    public static let supportedCalendarComponentSet = caldav("supported-calendar-component-set")  // §5.2.3
    public static let calendarDescription = caldav("calendar-description")  // RFC 4791 §5.2.1
    public static let calendarTimeZone = caldav("calendar-timezone")  // RFC 4791 §5.2.2
    public static let calendarMaxResourceSize = caldav("max-resource-size")  // RFC 4791 §5.2.5
    public static let supportedCalendarData = caldav("supported-calendar-data")  // RFC 4791 §5.2.4
    public static let calendarData = caldav("calendar-data")  // RFC 4791 §9.6

    // MARK: CardDAV (RFC 6352 §6.2, §7.1, §10.4)

    public static let addressbookHomeSet = carddav("addressbook-home-set")  // RFC 6352 §7.1.1
    public static let addressbookDescription = carddav("addressbook-description")  // RFC 6352 §6.2.1
    public static let supportedAddressData = carddav("supported-address-data")  // RFC 6352 §6.2.2
    public static let addressbookMaxResourceSize = carddav("max-resource-size")  // RFC 6352 §6.2.3
    public static let addressData = carddav("address-data")  // RFC 6352 §10.4

    // MARK: Apple extensions

    public static let getCTag = PropertyName(XMLNamespace.calendarServer, "getctag")
    public static let calendarColor = PropertyName(XMLNamespace.appleICal, "calendar-color")
    public static let calendarOrder = PropertyName(XMLNamespace.appleICal, "calendar-order")

    private static func dav(_ name: String) -> PropertyName { PropertyName(XMLNamespace.dav, name) }
    private static func caldav(_ name: String) -> PropertyName { PropertyName(XMLNamespace.caldav, name) }
    private static func carddav(_ name: String) -> PropertyName { PropertyName(XMLNamespace.carddav, name) }
}

/// Names of DAV:resourcetype children, report names and other elements the server writes.
extension QualifiedName {
    /// RFC 4918 §14.3
    public static let davCollection = QualifiedName.dav("collection")
    /// RFC 3744 §4
    public static let davPrincipal = QualifiedName.dav("principal")
    /// RFC 4791 §4.2
    public static let caldavCalendar = QualifiedName.caldav("calendar")
    /// RFC 6352 §5.2
    public static let carddavAddressbook = QualifiedName.carddav("addressbook")
}
