import CalendarFormats
import Foundation
import Testing

@testable import WebDAV

/// Typed request values written as XML and parsed back give the same value (the writer and the parsers agree).
@Suite struct RequestRoundTripTests {
    static let range = TimeRange(start: utc("20060104T000000Z"), end: utc("20060105T000000Z"))
    static let closed = utc("20060103T000000Z")..<utc("20060105T000000Z")

    static let reports: [ReportRequest] = [
        .calendarQuery(
            CalendarQuery(
                properties: .prop([.getETag, .calendarData]),
                calendarData: CalendarDataRequest(
                    component: ComponentSelection(
                        "VCALENDAR", properties: .all,
                        components: .only([
                            ComponentSelection(
                                "VEVENT",
                                properties: .only([
                                    PropertySelectionItem("SUMMARY"), PropertySelectionItem("X-BIG", noValue: true),
                                ]),
                                components: .all)
                        ])), recurrence: .expand(closed), limitFreeBusySet: closed),
                filter: CompFilter(
                    "VCALENDAR",
                    .matches(
                        timeRange: nil, props: [],
                        comps: [
                            CompFilter(
                                "VEVENT",
                                .matches(
                                    timeRange: range,
                                    props: [
                                        CalendarPropFilter("COMPLETED", .isNotDefined),
                                        CalendarPropFilter(
                                            "ATTENDEE",
                                            .matches(
                                                timeRange: nil,
                                                textMatch: TextMatch(
                                                    " Lisa & <Co> ", collation: .unicodeCasemap, isNegated: true),
                                                params: [
                                                    CalendarParamFilter(
                                                        "PARTSTAT",
                                                        .matches(TextMatch("NEEDS-ACTION", collation: .octet))),
                                                    CalendarParamFilter("ROLE", .isNotDefined),
                                                    CalendarParamFilter("RSVP"),
                                                ])),
                                        CalendarPropFilter(
                                            "DTSTAMP",
                                            .matches(
                                                timeRange: TimeRange(start: nil, end: utc("20070101T000000Z")),
                                                textMatch: nil, params: [])),
                                    ], comps: [CompFilter("VALARM", .isNotDefined)]))
                        ])), timeZone: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")),
        .calendarQuery(
            CalendarQuery(
                properties: .prop([.calendarData]),
                calendarData: CalendarDataRequest(recurrence: .limitRecurrenceSet(closed)),
                filter: CompFilter("VCALENDAR"))),
        .calendarQuery(CalendarQuery(properties: nil, filter: CompFilter("VCALENDAR"))),
        .calendarQuery(CalendarQuery(properties: .propName, filter: CompFilter("VCALENDAR"))),
        .calendarMultiget(
            CalendarMultiget(
                properties: .allProp(include: [.calendarData]), hrefs: ["/a/b.ics", "http://h.example/c%20d.ics"])),
        .calendarMultiget(
            CalendarMultiget(
                properties: .prop([.getETag, .calendarData]),
                calendarData: CalendarDataRequest(contentType: "application/calendar+json", version: "2.0"),
                hrefs: ["/x"])),
        .freeBusyQuery(FreeBusyQuery(timeRange: TimeRange(start: utc("20060104T140000Z"), end: nil))),
        .addressbookQuery(
            AddressBookQuery(
                properties: .prop([.getETag, .addressData]),
                addressData: AddressDataRequest(
                    version: "4.0",
                    properties: .only([PropertySelectionItem("FN"), PropertySelectionItem("PHOTO", noValue: true)])),
                filter: AddressBookFilter(
                    test: .allOf,
                    props: [
                        AddressPropFilter("UID", .isNotDefined),
                        AddressPropFilter(
                            "EMAIL",
                            .matches(
                                test: .allOf,
                                textMatches: [
                                    TextMatch("a", collation: .asciiCasemap, matchType: .startsWith),
                                    TextMatch("b", collation: .unicodeCasemap, matchType: .endsWith, isNegated: true),
                                ],
                                params: [
                                    AddressParamFilter(
                                        "TYPE", .matches(TextMatch("work", collation: .octet, matchType: .equals))),
                                    AddressParamFilter("PREF", .isNotDefined),
                                ])),
                    ]), limit: 5)),
        .addressbookQuery(AddressBookQuery(properties: nil, filter: AddressBookFilter(props: []))),
        .addressbookMultiget(
            AddressBookMultiget(
                properties: .prop([.addressData]), addressData: AddressDataRequest(), hrefs: ["/card/1.vcf"])),
        .syncCollection(SyncCollection(syncToken: nil, level: .one, properties: [.getETag])),
        .syncCollection(
            SyncCollection(
                syncToken: "http://mailroom.example/sync/42", level: .infinite, limit: 50,
                properties: [.getETag, .addressData],
                addressData: AddressDataRequest(properties: .only([PropertySelectionItem("FN")])))),
    ]

    @Test(arguments: reports)
    func reportRoundTrips(_ report: ReportRequest) throws {
        let bytes = XMLTreeWriter.document(report.element)
        #expect(try ReportRequest.parse(bytes) == report)
        #expect(ReportRequest.supportedReports.contains(report.name))
    }

    static let propfinds: [PropertySelection] = [
        .allProp(include: []), .allProp(include: [.supportedReportSet, .getCTag]), .propName,
        .prop([
            .resourceType, .displayName, .getCTag, .calendarColor, .calendarHomeSet, .addressbookHomeSet, .syncToken,
        ]),
        .prop([]),
    ]

    @Test(arguments: propfinds)
    func propfindRoundTrips(_ selection: PropertySelection) throws {
        let request = PropFindRequest(selection: selection)
        #expect(try PropFindRequest.parse(XMLTreeWriter.document(request.element)) == request)
    }

    @Test func collectionPropertiesRoundTrip() throws {
        let properties = CollectionProperties(
            resourceType: [.davCollection, .caldavCalendar], displayName: "Work & Play",
            calendarDescription: "  spaced  ", calendarTimeZone: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
            supportedCalendarComponents: ["VEVENT", "VTODO"], addressbookDescription: "cards",
            calendarColor: "#00FF00FF",
            calendarOrder: -2,
            other: [
                XMLTreeElement(
                    QualifiedName("urn:dead", "prop"), attributes: [QualifiedName("", "a"): "1"],
                    children: [
                        .text("mixed "), .element(XMLTreeElement(QualifiedName("urn:dead", "b"), text: "bold")),
                        .text(" text"),
                    ])
            ])
        let mkcol = ExtendedMkcol(properties: properties)
        #expect(try ExtendedMkcol.parse(XMLTreeWriter.document(mkcol.element)) == mkcol)
        let mkcalendar = MkCalendar(properties: properties)
        #expect(try MkCalendar.parse(XMLTreeWriter.document(mkcalendar.element)) == mkcalendar)
        let update = PropertyUpdate(instructions: properties.elements.map { .set($0) } + [.remove(.calendarColor)])
        #expect(try PropertyUpdate.parse(XMLTreeWriter.document(update.element)) == update)
        #expect(try CollectionProperties(properties: properties.elements) == properties)
    }

    @Test func supportedReportSetProperty() throws {
        let element = ReportRequest.supportedReportSet([.caldav("calendar-query"), .dav("sync-collection")])
        let text = String(decoding: XMLTreeWriter.fragment(element), as: UTF8.self)
        #expect(
            text == #"<D:supported-report-set xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">"#
                + "<D:supported-report><D:report><C:calendar-query/></D:report></D:supported-report>"
                + "<D:supported-report><D:report><D:sync-collection/></D:report></D:supported-report>"
                + "</D:supported-report-set>")
    }

    /// Many bodies parsed at once from several tasks (XMLParser keeps per-thread state in libxml2).
    @Test func parsesConcurrently() async throws {
        let bodies = Self.reports.map { XMLTreeWriter.document($0.element) }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for round in 0..<25 {
                        let index = (task + round) % bodies.count
                        guard try ReportRequest.parse(bodies[index]) == Self.reports[index] else { return false }
                    }
                    return true
                }
            }
            for try await ok in group { #expect(ok) }
        }
    }
}

@Suite struct LargeBodyTests {
    /// A calendar-multiget of 5000 hrefs (about 250 KB) stays within the default limits and keeps order.
    @Test func largeMultiget() throws {
        let hrefs = (0..<5000).map { "/dav/calendars/alice/Calendar%20Work/event-\($0).ics" }
        let request = CalendarMultiget(properties: .prop([.getETag]), hrefs: hrefs)
        let body = XMLTreeWriter.document(request.element)
        #expect(body.count < XMLLimits.default.maxBodyOctets)
        #expect(try ReportRequest.parse(body) == .calendarMultiget(request))
    }

    /// A long text value delivered by libxml2 in many chunks is one text node.
    @Test func longTextIsOneNode() throws {
        let text = String(repeating: "BEGIN:VTIMEZONE\r\nTZID:X & Y\r\nEND:VTIMEZONE\r\n", count: 10_000)
        let element = XMLTreeElement(PropertyName.calendarTimeZone.qualifiedName, text: text)
        let parsed = try XMLTreeParser.parse(XMLTreeWriter.document(element))
        #expect(parsed.children.count == 1)
        #expect(parsed.text == text)
    }
}
