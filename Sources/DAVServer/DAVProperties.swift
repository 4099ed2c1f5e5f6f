// DAVProperties: PROPFIND (RFC 4918 §9.1) and the live properties of each kind of resource.
//
// Invariants:
// - A property the resource does not have is reported in a 404 propstat, never silently dropped.
// - allprop returns the RFC's allprop set plus dead properties; calendar-data/address-data only on request.
// - Depth infinity is refused (RFC 4918 §9.1: DAV:propfind-finite-depth), the resources are finite anyway.

import Foundation
import MailStore
import WebDAV

extension DAVService {
    func propfind(_ request: DAVRequest, _ target: Target) async throws -> DAVResponse {
        let depth = try Depth.parse(request.header("depth"), default: .infinity)
        if depth == .infinity { return errorBody(403, .propfindFiniteDepth) }
        let selection = try PropFindRequest.parse(request.body).selection
        var responses: [Multistatus.Response] = []
        var quota: QuotaUsage?  // read once per request, for however many collections show it
        for resource in try await resources(target, depth: depth) {
            responses.append(
                try await describe(resource, selection: selection, account: request.account, quota: &quota))
        }
        return multistatus(Multistatus(responses: responses))
    }

    /// A resource with what PROPFIND needs to describe it.
    enum Resource {
        case root
        case principal(AccountRecord)
        case home(AccountRecord, DAVCollectionKind)
        case collection(AccountRecord, DAVCollection)
        case object(AccountRecord, DAVCollection, ObjectMeta)
        case file(AccountRecord, DAVFile)

        var target: Target {
            switch self {
            case .root: .root
            case .principal(let a): .principal(a)
            case .home(let a, let k): .home(a, k)
            case .collection(let a, let c): .collection(a, c.kind, name: c.name)
            case .object(let a, let c, let o): .object(a, c.kind, collection: c.name, name: o.name)
            case .file(let a, let f): .file(a, f.path, collection: f.isCollection)
            }
        }
    }

    /// The target and, at depth 1, its members.
    func resources(_ target: Target, depth: Depth) async throws -> [Resource] {
        switch target {
        case .root:
            return [.root]
        case .principal(let a):
            return [.principal(a)]
        case .home(let a, let kind):
            var out: [Resource] = [.home(a, kind)]
            if depth == .one { out += try await collections(a, kind).map { .collection(a, $0) } }
            return out
        case .collection(let a, let kind, let name):
            let c = try await existingCollection(a, kind, name)
            var out: [Resource] = [.collection(a, c)]
            if depth == .one {
                out += try await store.objectSummaries(collection: c.id).map { .object(a, c, ObjectMeta($0)) }
            }
            return out
        case .object(let a, let kind, let collection, let name):
            let c = try await existingCollection(a, kind, collection)
            guard let o = try await store.object(collection: c.id, name: name) else { throw DAVError.notFound }
            return [.object(a, c, ObjectMeta(o))]
        case .file(let a, let path, _):
            guard let f = try await store.davFile(account: a.id, path: path) else { throw DAVError.notFound }
            var out: [Resource] = [.file(a, f)]
            if depth == .one, f.isCollection {
                out += try await store.davFileMembers(account: a.id, of: path).map { .file(a, $0) }
            }
            return out
        }
    }

    /// RFC 4918 §14.8 allprop: the live properties defined for it.
    static let allPropNames: [PropertyName] = [
        .resourceType, .displayName, .getETag, .getContentType, .getContentLength, .getLastModified, .creationDate,
    ]

    func describe(
        _ resource: Resource, selection: PropertySelection, account: AccountRecord, quota: inout QuotaUsage?
    ) async throws -> Multistatus.Response {
        let href = resource.target.path(root: root)
        let dead = try await deadProperties(resource)
        switch selection {
        case .propName:
            let names = liveNames(resource) + dead.map { PropertyName($0.name) }
            return Multistatus.Response(href: href, found: names.map(\.emptyElement))
        case .allProp(let include):
            var found: [XMLTreeElement] = []
            for name in Self.allPropNames + include {
                if let value = try await live(name, of: resource, account: account, quota: &quota) {
                    found.append(value)
                }
            }
            return Multistatus.Response(href: href, found: found + dead)
        case .prop(let names):
            var found: [XMLTreeElement] = []
            var missing: [PropertyName] = []
            for name in names {
                if let value = try await live(name, of: resource, account: account, quota: &quota) {
                    found.append(value)
                } else if let d = dead.first(where: { PropertyName($0.name) == name }) {
                    found.append(d)
                } else {
                    missing.append(name)
                }
            }
            return Multistatus.Response(href: href, found: found, notFound: missing)
        }
    }

    func deadProperties(_ resource: Resource) async throws -> [XMLTreeElement] {
        let stored: [DAVDeadProperty]
        switch resource {
        case .collection(_, let c): stored = try await store.deadProperties(collection: c.id, objectName: "")
        case .object(_, let c, let o): stored = try await store.deadProperties(collection: c.id, objectName: o.name)
        case .file(let a, let f): stored = try await store.davFileProperties(account: a.id, path: f.path)
        default: return []
        }
        return stored.compactMap { p in
            (try? XMLTreeParser.parse(Array(p.value.utf8))) ?? XMLTreeElement(QualifiedName(p.namespace, p.name))
        }
    }

    func liveNames(_ resource: Resource) -> [PropertyName] {
        if case .file(_, let f) = resource {
            let common: [PropertyName] = [.resourceType, .currentUserPrincipal, .creationDate, .getLastModified]
            return f.isCollection
                ? common + [.quotaUsedBytes, .quotaAvailableBytes]
                : common + [.getETag, .getContentType, .getContentLength]
        }
        var names: [PropertyName] = [.resourceType, .displayName, .currentUserPrincipal, .supportedReportSet]
        switch resource {
        case .principal: names += [.principalURL, .calendarHomeSet, .addressbookHomeSet, .calendarUserAddressSet]
        case .collection(_, let c):
            names += [.getCTag, .syncToken, .owner, .currentUserPrivilegeSet]
            names +=
                c.kind == .calendar
                ? [.supportedCalendarComponentSet, .calendarDescription, .calendarMaxResourceSize, .calendarColor]
                : [.addressbookDescription, .addressbookMaxResourceSize, .supportedAddressData]
        case .object: names += [.getETag, .getContentType, .getContentLength, .getLastModified]
        default: break
        }
        return names
    }

    /// The value element of a live property, or nil when the resource does not have it.
    /// `quota` is the account's usage once read (by this call or an earlier one of the same request).
    func live(_ name: PropertyName, of resource: Resource, account: AccountRecord, quota: inout QuotaUsage?)
        async throws -> XMLTreeElement?
    {
        let q = name.qualifiedName
        func href(_ path: String) -> XMLTreeElement { XMLTreeElement(.dav("href"), text: path) }
        func value(_ text: String) -> XMLTreeElement { XMLTreeElement(q, text: text) }
        func wrap(_ children: [XMLTreeElement]) -> XMLTreeElement { XMLTreeElement(q, elements: children) }
        let principal = Target.principal(account).path(root: root)
        switch name {
        case .currentUserPrincipal:  // RFC 5397 §3: on any resource
            return wrap([href(principal)])
        case .resourceType:
            switch resource {
            case .root, .home: return wrap([XMLTreeElement(.dav("collection"))])
            case .principal: return wrap([XMLTreeElement(.dav("principal"))])
            case .collection(_, let c):
                let kind = c.kind == .calendar ? QualifiedName.caldav("calendar") : QualifiedName.carddav("addressbook")
                return wrap([XMLTreeElement(.dav("collection")), XMLTreeElement(kind)])
            case .object: return wrap([])
            case .file(_, let f): return wrap(f.isCollection ? [XMLTreeElement(.dav("collection"))] : [])
            }
        case .displayName:
            switch resource {
            case .principal(let a): return value(a.displayName ?? a.address)
            case .collection(_, let c): return c.displayName.map(value)
            case .home(_, let kind): return value(kind == .calendar ? "Calendars" : "Address books")
            case .file(_, let f) where f.path.isRoot: return value("Files")
            default: return nil
            }
        default: break
        }
        switch resource {
        case .principal(let a):
            switch name {
            case .principalURL: return wrap([href(principal)])
            case .calendarHomeSet: return wrap([href(Target.home(a, .calendar).path(root: root))])
            case .addressbookHomeSet: return wrap([href(Target.home(a, .addressbook).path(root: root))])
            // RFC 6638 §2.4.1: the account's address as mailto:.
            case .calendarUserAddressSet: return wrap([href("mailto:" + a.address)])
            default: return nil
            }
        case .collection(_, let c):
            switch name {
            case .getCTag: return value("\(c.modseq)")
            case .syncToken: return value(syncToken(c))
            case .owner: return wrap([href(principal)])
            case .supportedReportSet:
                let reports: [QualifiedName] =
                    c.kind == .calendar
                    ? [
                        .caldav("calendar-query"), .caldav("calendar-multiget"), .caldav("free-busy-query"),
                        .dav("sync-collection"),
                    ]
                    : [.carddav("addressbook-query"), .carddav("addressbook-multiget"), .dav("sync-collection")]
                return ReportRequest.supportedReportSet(reports)
            case .currentUserPrivilegeSet:  // RFC 3744 §5.4: the owner may do everything
                let privileges = ["read", "write", "write-properties", "write-content", "bind", "unbind", "all"]
                return wrap(privileges.map { XMLTreeElement(.dav("privilege"), elements: [XMLTreeElement(.dav($0))]) })
            case .supportedCalendarComponentSet where c.kind == .calendar:
                return wrap(
                    c.components.map {
                        XMLTreeElement(.caldav("comp"), attributes: [QualifiedName("", "name"): $0], children: [])
                    })
            case .calendarDescription where c.kind == .calendar: return c.description.map(value)
            case .addressbookDescription where c.kind == .addressbook: return c.description.map(value)
            case .calendarTimeZone where c.kind == .calendar: return c.timezone.map(value)
            case .calendarColor where c.kind == .calendar: return c.color.map(value)
            case .calendarOrder where c.kind == .calendar: return c.sortOrder.map { value("\($0)") }
            case .calendarMaxResourceSize where c.kind == .calendar: return value("\(DAVLimits.maxResourceSize)")
            case .addressbookMaxResourceSize where c.kind == .addressbook: return value("\(DAVLimits.maxResourceSize)")
            case .supportedCalendarData where c.kind == .calendar:
                return wrap([
                    XMLTreeElement(
                        .caldav("calendar-data"),
                        attributes: [
                            QualifiedName("", "content-type"): "text/calendar", QualifiedName("", "version"): "2.0",
                        ],
                        children: [])
                ])
            case .supportedAddressData where c.kind == .addressbook:
                return wrap(
                    ["3.0", "4.0"].map {
                        XMLTreeElement(
                            .carddav("address-data-type"),
                            attributes: [
                                QualifiedName("", "content-type"): "text/vcard", QualifiedName("", "version"): $0,
                            ],
                            children: [])
                    })
            default: return nil
            }
        case .object(_, _, let o):
            switch name {
            case .getETag: return value(o.etag)
            case .getContentType: return value(o.contentType)
            case .getContentLength: return value("\(o.size)")
            case .getLastModified: return value(Self.httpDate(o.updatedAt))
            default: return nil
            }
        case .file(_, let f):
            // The root is not stored: it has no dates of its own.
            switch name {
            case .getETag: return f.etag.map(value)
            case .getContentType: return f.contentType.map(value)
            case .getContentLength where !f.isCollection: return value("\(f.size)")
            case .getLastModified where !f.path.isRoot: return value(Self.httpDate(f.updatedAt))
            case .creationDate where !f.path.isRoot: return value(Self.rfc3339(f.createdAt))  // RFC 4918 §15.1
            // RFC 4331 §3, §4: the account's usage (mail and files share the quota); available only under a quota.
            case .quotaUsedBytes where f.isCollection, .quotaAvailableBytes where f.isCollection:
                if quota == nil { quota = try await store.quota(account: account.id) }
                guard let usage = quota else { return nil }
                if name == .quotaUsedBytes { return value("\(usage.bytes)") }
                return usage.limitBytes.map { value("\(max(0, $0 - usage.bytes))") }
            default: return nil
            }
        case .root, .home:
            return nil
        }
    }

    /// RFC 6578 §3.2: an opaque URI; ours carries the collection and its modseq.
    func syncToken(_ c: DAVCollection) -> String { "http://mailroom.invalid/sync/\(c.id.rawValue)/\(c.modseq)" }

    /// The modseq of a sync token issued for `c`; nil for a token of another collection or malformed.
    func modseq(ofSyncToken token: String, for c: DAVCollection) -> Int64? {
        let prefix = "http://mailroom.invalid/sync/\(c.id.rawValue)/"
        guard token.hasPrefix(prefix) else { return nil }
        return Int64(token.dropFirst(prefix.count))
    }

    /// RFC 3339 date-time in UTC (RFC 4918 §15.1 creationdate).
    static func rfc3339(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// RFC 9110 §5.6.7 IMF-fixdate.
    static func httpDate(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return f.string(from: date)
    }
}

/// What PROPFIND and reports say about an object, from a summary or a full object.
struct ObjectMeta {
    var name: String
    var etag: String
    var contentType: String
    var size: Int64
    var updatedAt: Date

    init(_ s: DAVObjectSummary) {
        (name, etag, contentType, size, updatedAt) = (s.name, s.etag, s.contentType, s.size, s.updatedAt)
    }

    init(_ o: DAVObject) {
        (name, etag, contentType, size, updatedAt) = (o.name, o.etag, o.contentType, o.size, o.updatedAt)
    }
}
