// DAVWrites: GET/HEAD, PUT, DELETE, MKCALENDAR/MKCOL, PROPPATCH, COPY/MOVE.
//
// Invariants:
// - PUT validates the whole resource before storing (RFC 4791 §5.3.2.1, RFC 6352 §6.3.2.1 preconditions,
//   answered 403 with the precondition element) and checks If-Match / If-None-Match in the same store
//   transaction as the write (412 when they fail), so two clients cannot both win a race.
// - The collection's supported component set is enforced (a task list takes VTODO only).
// - PROPPATCH is all or nothing (RFC 4918 §9.2): protected properties fail the whole request with 403 and
//   every other property 424.

import CalendarFormats
import Foundation
import MailStore
import WebDAV

extension DAVService {
    func get(_ request: DAVRequest, _ target: Target, includeBody: Bool) async throws -> DAVResponse {
        guard case .object(let a, let kind, let collection, let name) = target else { throw DAVError.methodNotAllowed }
        let c = try await existingCollection(a, kind, collection)
        guard let o = try await store.object(collection: c.id, name: name) else { throw DAVError.notFound }
        let headers = [
            ("Content-Type", o.contentType), ("ETag", o.etag), ("Last-Modified", Self.httpDate(o.updatedAt)),
            ("Content-Length", "\(o.content.count)"),
        ]
        return DAVResponse(status: 200, headers: headers, body: includeBody ? o.content : [])
    }

    /// What a valid resource tells the store.
    struct Analysed {
        var uid: String
        var component: String
        var firstStart: Date?
        var lastEnd: Date?
    }

    func analyse(_ body: [UInt8], kind: DAVCollectionKind, collection: DAVCollection) throws -> Analysed {
        if body.count > DAVLimits.maxResourceSize {
            throw DAVError.precondition(
                status: 403, kind == .calendar ? .calendarMaxResourceSize : .addressbookMaxResourceSize)
        }
        switch kind {
        case .calendar:
            let supported = Set(collection.components.compactMap(CalendarComponentKind.init(rawValue:)))
            let validator = CalendarValidator(
                supportedComponents: supported.isEmpty ? Set(CalendarComponentKind.allCases) : supported)
            switch validator.validate(body) {
            case .success(let v):
                let span = Self.span(of: v)
                return Analysed(uid: v.uid, component: v.kind.rawValue, firstStart: span?.0, lastEnd: span?.1)
            case .failure(let e):
                let condition: DAVCondition
                switch e.precondition {
                case .supportedCalendarData: condition = .supportedCalendarData
                case .validCalendarData: condition = .validCalendarData
                case .validCalendarObjectResource: condition = .validCalendarObjectResource
                case .supportedCalendarComponent: condition = .supportedCalendarComponent
                case .maxResourceSize: condition = .calendarMaxResourceSize
                }
                throw DAVError.precondition(status: 403, condition)
            }
        case .addressbook:
            switch VCardValidator().validate(body) {
            case .success(let card):
                guard let uid = card.uid, !uid.isEmpty else {
                    throw DAVError.precondition(status: 403, .validAddressData)
                }
                return Analysed(uid: uid, component: "VCARD")
            case .failure:
                throw DAVError.precondition(status: 403, .validAddressData)
            }
        }
    }

    /// The UTC span of every instance, for the store's prefilter (nil ends are unbounded, e.g. an endless RRULE).
    static func span(of v: ValidatedCalendarObject) -> (Date?, Date?)? {
        guard let bounds = try? RecurrenceExpander(object: v.object).bounds(of: v.object) else { return nil }
        return (bounds.start, bounds.end)
    }

    func put(_ request: DAVRequest, _ target: Target) async throws -> DAVResponse {
        guard case .object(let a, let kind, let collection, let name) = target else { throw DAVError.methodNotAllowed }
        let c = try await existingCollection(a, kind, collection)
        let analysed = try analyse(request.body, kind: kind, collection: c)
        let ifMatch = try request.header("if-match").map { try Self.etags($0, header: "If-Match") }
        let ifNoneMatch = try request.header("if-none-match").map { try Self.etags($0, header: "If-None-Match") }
        do {
            let result = try await store.putObject(
                DAVPutRequest(
                    collection: c.id, name: name, uid: analysed.uid, content: request.body,
                    contentType: kind == .calendar ? "text/calendar; charset=utf-8" : "text/vcard; charset=utf-8",
                    component: analysed.component, firstStart: analysed.firstStart, lastEnd: analysed.lastEnd,
                    ifMatch: ifMatch, ifNoneMatch: ifNoneMatch))
            return DAVResponse(status: result.created ? 201 : 204, headers: [("ETag", result.etag)])
        } catch StoreError.uidConflict(let existing) {
            let href = Target.object(a, kind, collection: collection, name: existing).path(root: root)
            throw DAVError.precondition(
                status: 403,
                kind == .calendar
                    ? .calendarNoUIDConflict(href: href) : .addressbookNoUIDConflict(href: href))
        }
    }

    /// If-Match / If-None-Match values for the store: the entity tags as sent (quoted), or ["*"].
    static func etags(_ value: String, header: String) throws -> [String] {
        switch try EntityTagCondition.parse(value, header: header) {
        case .any: return ["*"]
        case .tags(let tags): return tags.map(\.description)
        }
    }

    func delete(_ request: DAVRequest, _ target: Target) async throws -> DAVResponse {
        switch target {
        case .object(let a, let kind, let collection, let name):
            let c = try await existingCollection(a, kind, collection)
            let ifMatch = try request.header("if-match").map { try Self.etags($0, header: "If-Match") }
            try await store.deleteObject(collection: c.id, name: name, ifMatch: ifMatch)
            return DAVResponse(status: 204)
        case .collection(let a, let kind, let name):
            let c = try await existingCollection(a, kind, name)
            try await store.deleteCollection(c.id)
            return DAVResponse(status: 204)
        default:
            throw DAVError.methodNotAllowed
        }
    }

    /// MKCALENDAR (RFC 4791 §5.3.1) and MKCOL, plain or extended (RFC 5689), in a home.
    func makeCollection(_ request: DAVRequest, _ target: Target, calendar: Bool) async throws -> DAVResponse {
        guard case .collection(let a, let kind, let name) = target else { throw DAVError.methodNotAllowed }
        let properties: CollectionProperties
        if request.body.isEmpty {
            properties = CollectionProperties()
        } else if calendar {
            properties = try MkCalendar.parse(request.body).properties
        } else {
            properties = try ExtendedMkcol.parse(request.body).properties
        }
        let isCalendar: Bool
        if calendar {
            isCalendar = true
        } else {
            // RFC 5689 §5.1: the resourcetype says what to make; a plain MKCOL cannot make a DAV collection here.
            let types = properties.resourceType ?? []
            if types.contains(.caldav("calendar")) {
                isCalendar = true
            } else if types.contains(.carddav("addressbook")) {
                isCalendar = false
            } else {
                return errorBody(403, .validResourceType)
            }
        }
        // RFC 4791 §5.3.1 calendar-collection-location-ok: calendars live in the calendar home.
        guard (kind == .calendar) == isCalendar else {
            return errorBody(403, isCalendar ? .calendarCollectionLocationOK : .validResourceType)
        }
        let description = isCalendar ? properties.calendarDescription : properties.addressbookDescription
        let created = try await store.createCollection(
            account: a.id, kind: kind, name: name, displayName: properties.displayName, description: description,
            color: properties.calendarColor, timezone: properties.calendarTimeZone,
            components: isCalendar
                ? (properties.supportedCalendarComponents ?? DAVCollection.allCalendarComponents) : [],
            sortOrder: properties.calendarOrder)
        let dead = properties.other.map(Self.deadProperty)
        try await store.setDeadProperties(collection: created.id, objectName: "", set: dead, remove: [])
        return DAVResponse(status: 201)
    }

    /// Properties PROPPATCH may change on a collection, stored in its columns.
    static let settable: Set<PropertyName> = [
        .displayName, .calendarDescription, .addressbookDescription, .calendarColor, .calendarOrder, .calendarTimeZone,
    ]
    /// Properties nobody may set.
    static let protected: Set<PropertyName> = [
        .resourceType, .getETag, .getContentType, .getContentLength, .getLastModified, .creationDate, .getCTag,
        .syncToken, .currentUserPrincipal, .supportedReportSet, .supportedCalendarComponentSet, .owner,
        .calendarMaxResourceSize, .addressbookMaxResourceSize, .supportedCalendarData, .supportedAddressData,
    ]

    func proppatch(_ request: DAVRequest, _ target: Target) async throws -> DAVResponse {
        let update = try PropertyUpdate.parse(request.body)
        let collection: DAVCollection
        let objectName: String
        switch target {
        case .collection(let a, let kind, let name):
            collection = try await existingCollection(a, kind, name)
            objectName = ""
        case .object(let a, let kind, let c, let name):
            collection = try await existingCollection(a, kind, c)
            guard try await store.object(collection: collection.id, name: name) != nil else { throw DAVError.notFound }
            objectName = name
        default:
            throw DAVError.forbidden
        }
        let href = target.path(root: root)
        let names = update.instructions.map(\.property)
        let refused = names.filter { Self.protected.contains($0) || (objectName != "" && Self.settable.contains($0)) }
        if !refused.isEmpty { return refusedPatch(href: href, names: names, refused: refused) }
        var changes = DAVCollectionChanges()
        var dead: [DAVDeadProperty] = []
        var removeDead: [DAVPropertyName] = []
        for (name, element) in Self.finalValues(update) {
            if let element {
                let text = element.trimmedText
                switch name {
                case .displayName where objectName == "": changes.displayName = .set(text)
                case .calendarDescription, .addressbookDescription: changes.description = .set(text)
                case .calendarColor: changes.color = .set(text)
                case .calendarOrder: changes.sortOrder = Int(text).map { .set($0) } ?? .remove
                case .calendarTimeZone: changes.timezone = .set(element.text)
                default: dead.append(Self.deadProperty(element))
                }
            } else {
                switch name {
                case .displayName where objectName == "": changes.displayName = .remove
                case .calendarDescription, .addressbookDescription: changes.description = .remove
                case .calendarColor: changes.color = .remove
                case .calendarOrder: changes.sortOrder = .remove
                case .calendarTimeZone: changes.timezone = .remove
                default: removeDead.append(DAVPropertyName(namespace: name.namespace, name: name.name))
                }
            }
        }
        if !changes.isEmpty { try await store.updateCollection(collection.id, changes) }
        try await store.setDeadProperties(
            collection: collection.id, objectName: objectName, set: dead, remove: removeDead)
        return multistatus(
            Multistatus(responses: [Multistatus.Response(href: href, found: names.map(\.emptyElement))]))
    }

    /// RFC 4918 §9.2: a PROPPATCH is atomic, so one refused property fails it: the refused ones 403, the others 424.
    func refusedPatch(href: String, names: [PropertyName], refused: [PropertyName]) -> DAVResponse {
        let others = names.filter { !refused.contains($0) }
        return multistatus(
            Multistatus(responses: [
                Multistatus.Response(href: href, found: [], forbidden: refused, failedDependency: others)
            ]))
    }

    /// What a PROPPATCH leaves of each property it names, in the order first named: the element set, or nil
    /// for removed. RFC 4918 §9.2: instructions apply in document order, so the last one for a name decides.
    static func finalValues(_ update: PropertyUpdate) -> [(PropertyName, XMLTreeElement?)] {
        var order: [PropertyName] = []
        var final: [PropertyName: XMLTreeElement?] = [:]
        for instruction in update.instructions {
            let name = instruction.property
            if final[name] == nil { order.append(name) }
            switch instruction {
            case .set(let element): final[name] = .some(element)
            case .remove: final[name] = .some(nil)
            }
        }
        return order.map { ($0, final[$0] ?? nil) }
    }

    /// COPY and MOVE of calendar objects and contacts between the account's own collections (RFC 4918 §9.8, §9.9).
    func copyOrMove(_ request: DAVRequest, _ target: Target, move: Bool) async throws -> DAVResponse {
        guard case .object(let a, let kind, let collection, let name) = target else { throw DAVError.forbidden }
        guard let destinationHeader = request.header("destination") else {
            throw DAVError.badRequest("COPY and MOVE need a Destination header")
        }
        let destinationPath = try Destination.parse(destinationHeader).path
        guard case .object(_, let dkind, let dcollection, let dname) = try resolve(destinationPath, account: a),
            dkind == kind
        else { throw DAVError.conflict("The destination must be a resource in a collection of the same kind.") }
        let overwrite = try Overwrite.parse(request.header("overwrite"))
        let source = try await existingCollection(a, kind, collection)
        let destination = try await store.collection(account: a.id, kind: kind, name: dcollection)
        guard let destination else { throw DAVError.conflict("The destination collection does not exist.") }
        let existed = try await store.object(collection: destination.id, name: dname) != nil
        do {
            if move {
                _ = try await store.moveObject(
                    from: source.id, name: name, to: destination.id, name: dname, overwrite: overwrite)
            } else {
                _ = try await store.copyObject(
                    from: source.id, name: name, to: destination.id, name: dname, overwrite: overwrite)
            }
        } catch StoreError.uidConflict(let existing) {
            let href = Target.object(a, kind, collection: dcollection, name: existing).path(root: root)
            throw DAVError.precondition(
                status: 409,
                kind == .calendar ? .calendarNoUIDConflict(href: href) : .addressbookNoUIDConflict(href: href))
        }
        return DAVResponse(status: existed ? 204 : 201)
    }
}
