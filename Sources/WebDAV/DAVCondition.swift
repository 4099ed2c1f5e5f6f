// DAVCondition: a precondition or postcondition element (RFC 4918 §16) and the DAV:error body that carries it.
//
// Invariants:
// - A condition is an element (RFC 4918 §14.5: "any" child of DAV:error), possibly with children such as the
//   DAV:href of CALDAV:no-uid-conflict; the body is `<D:error>` with one or more conditions, nothing else.

/// A precondition or postcondition code (RFC 4918 §16).
public struct DAVCondition: Hashable, Sendable {
    public var element: XMLTreeElement

    public init(_ name: QualifiedName, children: [XMLTreeElement] = []) {
        element = XMLTreeElement(name, elements: children)
    }

    public var name: QualifiedName { element.name }

    // MARK: RFC 4918 §16, RFC 3253, RFC 6578

    /// RFC 3253 §3.6: the REPORT is not supported on the resource.
    public static let supportedReport = DAVCondition(.dav("supported-report"))
    /// RFC 6578 §3.2: the sync-token is not one this server issued for the collection.
    public static let validSyncToken = DAVCondition(.dav("valid-sync-token"))
    /// RFC 5323 §5.17 as used by RFC 6578 §3.7: the result was truncated or the limit is too large.
    public static let numberOfMatchesWithinLimits = DAVCondition(.dav("number-of-matches-within-limits"))
    /// RFC 4918 §16: a lock token must be submitted.
    public static let lockTokenSubmitted = DAVCondition(.dav("lock-token-submitted"))
    /// RFC 4918 §16: PROPFIND Depth: infinity is refused.
    public static let propfindFiniteDepth = DAVCondition(.dav("propfind-finite-depth"))
    /// RFC 4918 §16: PROPPATCH tried to change a protected (live, server-computed) property.
    public static let cannotModifyProtectedProperty = DAVCondition(.dav("cannot-modify-protected-property"))
    /// RFC 5689 §3: a resourcetype in an extended MKCOL is not supported.
    public static let validResourceType = DAVCondition(.dav("valid-resourcetype"))

    // MARK: CalDAV (RFC 4791 §5.3.2.1, §7.8)

    public static let validCalendarData = DAVCondition(.caldav("valid-calendar-data"))
    public static let validCalendarObjectResource = DAVCondition(.caldav("valid-calendar-object-resource"))
    public static let supportedCalendarData = DAVCondition(.caldav("supported-calendar-data"))
    public static let supportedCalendarComponent = DAVCondition(.caldav("supported-calendar-component"))
    public static let calendarCollectionLocationOK = DAVCondition(.caldav("calendar-collection-location-ok"))
    public static let calendarMaxResourceSize = DAVCondition(.caldav("max-resource-size"))
    public static let calendarValidFilter = DAVCondition(.caldav("valid-filter"))
    /// RFC 4791 §5.3.2.1: another resource of the collection has the same UID; `href` names it.
    public static func calendarNoUIDConflict(href: String) -> DAVCondition {
        DAVCondition(.caldav("no-uid-conflict"), children: [XMLTreeElement(.dav("href"), text: href)])
    }

    // MARK: CardDAV (RFC 6352 §6.3.2.1)

    public static let validAddressData = DAVCondition(.carddav("valid-address-data"))
    public static let supportedAddressData = DAVCondition(.carddav("supported-address-data"))
    public static let addressbookMaxResourceSize = DAVCondition(.carddav("max-resource-size"))
    /// RFC 6352 §6.3.2.1: another resource of the address book has the same UID; `href` names it.
    public static func addressbookNoUIDConflict(href: String) -> DAVCondition {
        DAVCondition(.carddav("no-uid-conflict"), children: [XMLTreeElement(.dav("href"), text: href)])
    }

    /// The DAV:error element with `conditions` (RFC 4918 §14.5).
    public static func errorElement(_ conditions: [DAVCondition]) -> XMLTreeElement {
        XMLTreeElement(.dav("error"), elements: conditions.map(\.element))
    }

    /// The DAV:error body with this condition, ready to send as application/xml (RFC 4918 §8.7).
    public var errorBody: [UInt8] { XMLTreeWriter.document(Self.errorElement([self])) }
}
