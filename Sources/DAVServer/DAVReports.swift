// DAVReports: REPORT (RFC 3253 §3.6) for calendar-query and calendar-multiget (RFC 4791 §7.8, §7.9),
// addressbook-query and addressbook-multiget (RFC 6352 §8.6, §8.7) and sync-collection (RFC 6578 §3).
//
// Invariants:
// - Filters are evaluated on the parsed resource (CalendarFormats), recurrence included for time ranges
//   (RFC 4791 §9.9); the store's time span only narrows the candidates, it never decides a match.
// - A multiget href that is not in the collection gets its own 404 response, not an error for the report.
// - sync-collection answers changes since the token from the store's modseq: changed resources with their
//   ETag, removed ones 404, and a new token; a token the store cannot answer from is 403 valid-sync-token.
// - Reports a collection does not support are 403 DAV:supported-report.

import CalendarFormats
import Foundation
import MailStore
import WebDAV

extension DAVService {
    func report(_ request: DAVRequest, _ target: Target) async throws -> DAVResponse {
        let report = try ReportRequest.parse(request.body)
        guard case .collection(let a, let kind, let name) = target else {
            return errorBody(403, .supportedReport)
        }
        let c = try await existingCollection(a, kind, name)
        switch (report, kind) {
        case (.calendarMultiget(let m), .calendar):
            return try await multiget(
                a, c, hrefs: m.hrefs, properties: m.properties, calendarData: m.calendarData, dataName: .calendarData)
        case (.addressbookMultiget(let m), .addressbook):
            return try await multiget(
                a, c, hrefs: m.hrefs, properties: m.properties, addressData: m.addressData, dataName: .addressData)
        case (.calendarQuery(let q), .calendar):
            return try await calendarQuery(a, c, q)
        case (.addressbookQuery(let q), .addressbook):
            return try await addressbookQuery(a, c, q)
        case (.syncCollection(let s), _):
            return try await syncCollection(a, c, s)
        case (.freeBusyQuery(let q), .calendar):
            return try await freeBusy(c, q)
        default:
            return errorBody(403, .supportedReport)
        }
    }

    /// The properties of one object for a report; calendar-data / address-data come from the content.
    func objectResponse(
        _ a: AccountRecord, _ c: DAVCollection, _ o: DAVObject, properties: PropertySelection?,
        calendarData: CalendarDataRequest? = nil, addressData: AddressDataRequest? = nil
    ) async throws -> Multistatus.Response {
        let names: [PropertyName]
        switch properties {
        case .prop(let list): names = list
        case .allProp(let include): names = Self.allPropNames + include
        case .propName, nil: names = [.getETag]
        }
        let summary = ObjectMeta(o)
        var quota: QuotaUsage?  // objects have no quota properties; `live` wants the slot
        var found: [XMLTreeElement] = []
        var missing: [PropertyName] = []
        for name in names {
            if name == .calendarData {
                found.append(XMLTreeElement(name.qualifiedName, text: DataSelection.calendar(o.content, calendarData)))
            } else if name == .addressData {
                found.append(XMLTreeElement(name.qualifiedName, text: DataSelection.address(o.content, addressData)))
            } else if let value = try await live(name, of: .object(a, c, summary), account: a, quota: &quota) {
                found.append(value)
            } else {
                missing.append(name)
            }
        }
        let href = Target.object(a, c.kind, collection: c.name, name: o.name).path(root: root)
        return Multistatus.Response(href: href, found: found, notFound: missing)
    }

    func multiget(
        _ a: AccountRecord, _ c: DAVCollection, hrefs: [String], properties: PropertySelection?,
        calendarData: CalendarDataRequest? = nil, addressData: AddressDataRequest? = nil, dataName: PropertyName
    ) async throws -> DAVResponse {
        var responses: [Multistatus.Response] = []
        for href in hrefs {
            guard case .object(_, let kind, let collection, let name) = try? resolve(href, account: a),
                kind == c.kind, collection == c.name,
                let o = try await store.object(collection: c.id, name: name)
            else {
                responses.append(Multistatus.Response(href: href, status: .notFound))
                continue
            }
            responses.append(
                try await objectResponse(
                    a, c, o, properties: properties, calendarData: calendarData, addressData: addressData))
        }
        return multistatus(Multistatus(responses: responses))
    }

    // MARK: calendar-query

    func calendarQuery(_ a: AccountRecord, _ c: DAVCollection, _ q: CalendarQuery) async throws -> DAVResponse {
        guard q.filter.name.uppercased() == "VCALENDAR" else { return errorBody(403, .calendarValidFilter) }
        // The outermost time range (on the component filter below VCALENDAR) narrows the candidates.
        var window: (start: Date, end: Date)?
        var componentName: String?
        if case .matches(_, _, let comps) = q.filter.test, comps.count == 1,
            case .matches(let range, _, _) = comps[0].test
        {
            componentName = comps[0].name.uppercased()
            if let range { window = (range.start ?? .distantPast, range.end ?? .distantFuture) }
        }
        let candidates = try await store.objects(collection: c.id, overlapping: window, component: componentName)
        var responses: [Multistatus.Response] = []
        for o in candidates {
            guard let object = try? ICalendarObject.parse(o.content) else { continue }
            let evaluator = FilterEvaluator(expander: RecurrenceExpander(object: object))
            if evaluator.matches(q.filter, component: object.calendar, in: object) {
                responses.append(
                    try await objectResponse(a, c, o, properties: q.properties, calendarData: q.calendarData))
            }
        }
        return multistatus(Multistatus(responses: responses))
    }

    // MARK: free-busy-query

    /// RFC 4791 §7.10: a VFREEBUSY of the busy time in the range: every instance of every event that is
    /// not transparent or cancelled, clipped to the range, BUSY-TENTATIVE for tentative ones, merged per type.
    func freeBusy(_ c: DAVCollection, _ q: FreeBusyQuery) async throws -> DAVResponse {
        let range = q.timeRange.range
        var busy: [String: [(Date, Date)]] = [:]
        for o in try await store.objects(
            collection: c.id, overlapping: (range.lowerBound, range.upperBound), component: "VEVENT")
        {
            guard let object = try? ICalendarObject.parse(o.content) else { continue }
            let expander = RecurrenceExpander(object: object)
            let events = object.calendar.components("VEVENT")
            for master in events where master.property("RECURRENCE-ID") == nil {
                let overrides = events.filter { $0.property("RECURRENCE-ID") != nil && $0.uid == master.uid }
                guard let expansion = try? expander.expand(master, overrides: overrides, in: range) else { continue }
                for occurrence in expansion.occurrences where !occurrence.isCancelled {
                    let component = occurrence.override ?? master
                    if component.property("TRANSP")?.value.uppercased() == "TRANSPARENT" { continue }
                    if component.status == .cancelled { continue }
                    let type = component.status == .tentative ? "BUSY-TENTATIVE" : "BUSY"
                    let start = max(occurrence.start, range.lowerBound)
                    let end = min(occurrence.end, range.upperBound)
                    if start < end { busy[type, default: []].append((start, end)) }
                }
            }
        }
        func stamp(_ d: Date) -> String { UTCDateTime.format(d) }
        var lines = [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Mailroom//CalDAV//EN", "BEGIN:VFREEBUSY",
            "DTSTAMP:\(stamp(Date()))", "DTSTART:\(stamp(range.lowerBound))", "DTEND:\(stamp(range.upperBound))",
        ]
        for type in busy.keys.sorted() {
            // Merge overlapping periods (RFC 5545 §3.8.2.6: periods of one FBTYPE, sorted).
            var merged: [(Date, Date)] = []
            for (start, end) in busy[type, default: []].sorted(by: { $0.0 < $1.0 }) {
                if let last = merged.last, start <= last.1 {
                    merged[merged.count - 1].1 = max(last.1, end)
                } else {
                    merged.append((start, end))
                }
            }
            for (start, end) in merged { lines.append("FREEBUSY;FBTYPE=\(type):\(stamp(start))/\(stamp(end))") }
        }
        lines += ["END:VFREEBUSY", "END:VCALENDAR", ""]
        return DAVResponse(
            status: 200, headers: [("Content-Type", "text/calendar; charset=utf-8")],
            body: Array(lines.joined(separator: "\r\n").utf8))
    }

    // MARK: addressbook-query

    func addressbookQuery(_ a: AccountRecord, _ c: DAVCollection, _ q: AddressBookQuery) async throws -> DAVResponse {
        var responses: [Multistatus.Response] = []
        var truncated = false
        for summary in try await store.objectSummaries(collection: c.id) {
            guard let o = try await store.object(collection: c.id, name: summary.name),
                let card = try? VCard.parseAll(o.content).first
            else { continue }
            if FilterEvaluator.matches(q.filter, card: card) {
                if let limit = q.limit, responses.count >= limit {
                    truncated = true
                    break
                }
                responses.append(
                    try await objectResponse(a, c, o, properties: q.properties, addressData: q.addressData))
            }
        }
        if truncated {
            // RFC 6352 §8.6.1: the request-URI with 507 and number-of-matches-within-limits.
            responses.append(
                Multistatus.Response(
                    href: Target.collection(a, c.kind, name: c.name).path(root: root),
                    body: .status(.insufficientStorage),
                    error: .numberOfMatchesWithinLimits))
        }
        return multistatus(Multistatus(responses: responses))
    }

    // MARK: sync-collection

    func syncCollection(_ a: AccountRecord, _ c: DAVCollection, _ s: SyncCollection) async throws -> DAVResponse {
        // RFC 6578 §3.3: only depth 1 (sync-level 1) is offered; our collections have no sub-collections.
        guard s.level == .one else { return errorBody(403, .supportedReport) }
        let since: Int64
        if let token = s.syncToken, !token.isEmpty {
            guard let modseq = modseq(ofSyncToken: token, for: c) else { return errorBody(403, .validSyncToken) }
            since = modseq
        } else {
            since = 0
        }
        let changes = try await store.changes(collection: c.id, since: since, limit: s.limit)
        var responses: [Multistatus.Response] = []
        let wanted = PropertySelection.prop(s.properties.isEmpty ? [.getETag] : s.properties)
        let objects = try await store.objects(collection: c.id, names: changes.changed.map(\.name))
        for o in objects {
            responses.append(
                try await objectResponse(
                    a, c, o, properties: wanted, calendarData: s.calendarData, addressData: s.addressData))
        }
        for name in changes.deleted {
            responses.append(
                Multistatus.Response(
                    href: Target.object(a, c.kind, collection: c.name, name: name).path(root: root), status: .notFound))
        }
        if changes.truncated {
            // RFC 6578 §3.6: 507 on the request-URI tells the client to ask again with the new token.
            responses.append(
                Multistatus.Response(
                    href: Target.collection(a, c.kind, name: c.name).path(root: root),
                    body: .status(.insufficientStorage),
                    error: .numberOfMatchesWithinLimits))
        }
        var current = c
        current.modseq = changes.modseq
        return multistatus(Multistatus(responses: responses, syncToken: syncToken(current)))
    }
}

/// Evaluates CalDAV and CardDAV filters on parsed resources (RFC 4791 §9.7, RFC 6352 §10.5).
struct FilterEvaluator {
    let expander: RecurrenceExpander

    /// RFC 4791 §9.7.1: a comp-filter matches a component of that name with every nested test true.
    func matches(_ filter: CompFilter, component: Component, in object: ICalendarObject) -> Bool {
        guard component.key == filter.name.uppercased() else { return false }
        return test(filter, component: component, in: object)
    }

    private func test(_ filter: CompFilter, component: Component, in object: ICalendarObject) -> Bool {
        switch filter.test {
        case .isNotDefined:
            return false
        case .matches(let timeRange, let props, let comps):
            if let timeRange, component.key != "VALARM" {
                let overrides = object.calendar.components(component.key).filter {
                    $0.property("RECURRENCE-ID") != nil && $0.uid == component.uid
                }
                guard component.property("RECURRENCE-ID") == nil,
                    (try? expander.overlaps(component, overrides: overrides, range: timeRange.range)) == true
                else { return false }
            }
            for p in props where !matches(p, component: component) { return false }
            for sub in comps {
                let children = component.components(sub.name.uppercased())
                switch sub.test {
                case .isNotDefined:
                    if !children.isEmpty { return false }
                case .matches(let range?, _, _) where sub.name.uppercased() == "VALARM":
                    // RFC 4791 §9.9: an alarm matches when one of its triggers (for every instance of the
                    // parent) falls in the range.
                    let overrides = object.calendar.components(component.key).filter {
                        $0.property("RECURRENCE-ID") != nil && $0.uid == component.uid
                    }
                    guard !children.isEmpty,
                        (try? expander.alarmTriggers(component, overrides: overrides, range: range.range)) == true
                    else { return false }
                    if !children.contains(where: { test(sub, component: $0, in: object) }) { return false }
                case .matches:
                    // Overrides (RECURRENCE-ID) are judged with their master, not on their own.
                    let candidates = children.filter {
                        $0.property("RECURRENCE-ID") == nil || !hasMaster($0, in: children)
                    }
                    if !candidates.contains(where: { test(sub, component: $0, in: object) }) { return false }
                }
            }
            return true
        }
    }

    private func hasMaster(_ c: Component, in siblings: [Component]) -> Bool {
        siblings.contains { $0.property("RECURRENCE-ID") == nil && $0.uid == c.uid }
    }

    /// RFC 4791 §9.7.2.
    func matches(_ filter: CalendarPropFilter, component: Component) -> Bool {
        let properties = component.properties(filter.name.uppercased())
        switch filter.test {
        case .isNotDefined:
            return properties.isEmpty
        case .matches(let timeRange, let textMatch, let params):
            guard !properties.isEmpty else { return false }
            return properties.contains { (property: Property) -> Bool in
                if let timeRange {
                    guard let value = try? property.dateTimeValue(),
                        let seconds = try? expander.resolver.utcSeconds(of: value),
                        timeRange.range.contains(Date(timeIntervalSince1970: TimeInterval(seconds)))
                    else { return false }
                }
                if let textMatch, !textMatch.matches(property.text) { return false }
                for p in params where !Self.matches(p, property: property) { return false }
                return true
            }
        }
    }

    /// RFC 4791 §9.7.3, RFC 6352 §10.5.2.
    static func matches(_ filter: ParamFilter, property: Property) -> Bool {
        let values = property.parameterValues(filter.name.uppercased())
        switch filter.test {
        case .isNotDefined: return values.isEmpty
        case .matches(let textMatch):
            guard !values.isEmpty else { return false }
            guard let textMatch else { return true }
            return values.contains { textMatch.matches($0) }
        }
    }

    /// RFC 6352 §10.5: anyof/allof over prop-filters; each prop-filter over the card's properties.
    static func matches(_ filter: AddressBookFilter, card: VCard) -> Bool {
        guard !filter.props.isEmpty else { return true }
        let results = filter.props.map { matches($0, card: card) }
        return filter.test == .allOf ? results.allSatisfy { $0 } : results.contains(true)
    }

    static func matches(_ filter: AddressPropFilter, card: VCard) -> Bool {
        let properties = card.component.properties(filter.name.uppercased())
        switch filter.test {
        case .isNotDefined:
            return properties.isEmpty
        case .matches(let test, let texts, let params):
            guard !properties.isEmpty else { return false }
            return properties.contains { (property: Property) -> Bool in
                var results = texts.map { $0.matches(property.text) }
                results += params.map { matches($0, property: property) }
                if results.isEmpty { return true }
                return test == .allOf ? results.allSatisfy { $0 } : results.contains(true)
            }
        }
    }
}
