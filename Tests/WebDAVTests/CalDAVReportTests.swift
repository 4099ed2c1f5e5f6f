import CalendarFormats
import Foundation
import Testing

@testable import WebDAV

/// RFC 4791 §7.8.1-§7.8.9, §7.9.1 and §7.10.1 request bodies, parsed into typed values.
@Suite struct CalDAVReportExampleTests {
    static let calendarDataOnly = PropertySelection.prop([.calendarData])
    static let etagAndData = PropertySelection.prop([.getETag, .calendarData])

    /// RFC 4791 §7.8.1: partial retrieval of events by time range.
    @Test func partialRetrievalByTimeRange() throws {
        let body = """
            <?xml version="1.0" encoding="utf-8" ?>
            <C:calendar-query xmlns:D="DAV:"
                              xmlns:C="urn:ietf:params:xml:ns:caldav">
              <D:prop>
                <C:calendar-data>
                  <C:comp name="VCALENDAR">
                    <C:prop name="VERSION"/>
                    <C:comp name="VEVENT">
                      <C:prop name="SUMMARY"/>
                      <C:prop name="UID"/>
                      <C:prop name="DTSTART"/>
                      <C:prop name="DTEND"/>
                      <C:prop name="DURATION"/>
                      <C:prop name="RRULE"/>
                      <C:prop name="RDATE"/>
                      <C:prop name="EXRULE"/>
                      <C:prop name="EXDATE"/>
                      <C:prop name="RECURRENCE-ID"/>
                    </C:comp>
                    <C:comp name="VTIMEZONE"/>
                  </C:comp>
                </C:calendar-data>
              </D:prop>
              <C:filter>
                <C:comp-filter name="VCALENDAR">
                  <C:comp-filter name="VEVENT">
                    <C:time-range start="20060104T000000Z"
                                  end="20060105T000000Z"/>
                  </C:comp-filter>
                </C:comp-filter>
              </C:filter>
            </C:calendar-query>
            """
        guard case .calendarQuery(let query) = try report(body) else { return fail("not a calendar-query") }
        let eventProps = [
            "SUMMARY", "UID", "DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXRULE", "EXDATE",
            "RECURRENCE-ID",
        ].map { PropertySelectionItem($0) }
        let selection = ComponentSelection(
            "VCALENDAR", properties: .only([PropertySelectionItem("VERSION")]),
            components: .only([
                ComponentSelection("VEVENT", properties: .only(eventProps)), ComponentSelection("VTIMEZONE"),
            ]))
        #expect(query.properties == Self.calendarDataOnly)
        #expect(query.calendarData == CalendarDataRequest(component: selection))
        let range = TimeRange(start: utc("20060104T000000Z"), end: utc("20060105T000000Z"))
        #expect(
            query.filter
                == CompFilter(
                    "VCALENDAR",
                    .matches(
                        timeRange: nil, props: [],
                        comps: [CompFilter("VEVENT", .matches(timeRange: range, props: [], comps: []))])))
        #expect(query.timeZone == nil)
        #expect(range.start?.timeIntervalSince1970 == 1_136_332_800)  // 2006-01-04T00:00:00Z
    }

    /// RFC 4791 §7.8.2 (limit-recurrence-set), §7.8.3 (expand), §7.8.4 (limit-freebusy-set).
    @Test(arguments: [
        ("limit-recurrence-set", "VEVENT", "20060103T000000Z", "20060105T000000Z"),
        ("expand", "VEVENT", "20060103T000000Z", "20060105T000000Z"),
        ("limit-freebusy-set", "VFREEBUSY", "20060102T000000Z", "20060103T000000Z"),
    ])
    func recurrenceAndFreeBusyLimits(_ element: String, _ component: String, _ start: String, _ end: String) throws {
        let body = """
            <?xml version="1.0" encoding="utf-8" ?>
            <C:calendar-query xmlns:D="DAV:"
                              xmlns:C="urn:ietf:params:xml:ns:caldav">
              <D:prop>
                <C:calendar-data>
                  <C:\(element) start="\(start)"
                                end="\(end)"/>
                </C:calendar-data>
              </D:prop>
              <C:filter>
                <C:comp-filter name="VCALENDAR">
                  <C:comp-filter name="\(component)">
                    <C:time-range start="\(start)"
                                  end="\(end)"/>
                  </C:comp-filter>
                </C:comp-filter>
              </C:filter>
            </C:calendar-query>
            """
        guard case .calendarQuery(let query) = try report(body) else { return fail("not a calendar-query") }
        let range = utc(start)..<utc(end)
        let expected: CalendarDataRequest =
            switch element {
            case "expand": CalendarDataRequest(recurrence: .expand(range))
            case "limit-recurrence-set": CalendarDataRequest(recurrence: .limitRecurrenceSet(range))
            default: CalendarDataRequest(limitFreeBusySet: range)
            }
        #expect(query.calendarData == expected)
        guard case .matches(_, _, let comps) = query.filter.test, let inner = comps.first else {
            return fail("no inner comp-filter")
        }
        #expect(
            inner
                == CompFilter(
                    component, .matches(timeRange: TimeRange(start: utc(start), end: utc(end)), props: [], comps: [])))
    }

    /// RFC 4791 §7.8.5: to-dos by alarm time range (three levels of comp-filter).
    @Test func todosByAlarmTimeRange() throws {
        let body = """
            <?xml version="1.0" encoding="utf-8" ?>
            <C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav">
              <D:prop xmlns:D="DAV:">
                <C:calendar-data/>
              </D:prop>
              <C:filter>
                <C:comp-filter name="VCALENDAR">
                  <C:comp-filter name="VTODO">
                    <C:comp-filter name="VALARM">
                      <C:time-range start="20060106T100000Z"
                                    end="20060107T100000Z"/>
                    </C:comp-filter>
                  </C:comp-filter>
                </C:comp-filter>
              </C:filter>
            </C:calendar-query>
            """
        guard case .calendarQuery(let query) = try report(body) else { return fail("not a calendar-query") }
        #expect(query.properties == Self.calendarDataOnly)
        #expect(query.calendarData == CalendarDataRequest())
        #expect(query.calendarData?.isDefault == true)
        let alarm = CompFilter(
            "VALARM",
            .matches(
                timeRange: TimeRange(start: utc("20060106T100000Z"), end: utc("20060107T100000Z")), props: [], comps: []
            ))
        let todo = CompFilter("VTODO", .matches(timeRange: nil, props: [], comps: [alarm]))
        #expect(query.filter == CompFilter("VCALENDAR", .matches(timeRange: nil, props: [], comps: [todo])))
    }

    /// RFC 4791 §7.8.6: event by UID, i;octet collation.
    @Test func eventByUID() throws {
        let body = """
            <?xml version="1.0" encoding="utf-8" ?>
            <C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav">
              <D:prop xmlns:D="DAV:">
                <D:getetag/>
                <C:calendar-data/>
              </D:prop>
              <C:filter>
                <C:comp-filter name="VCALENDAR">
                  <C:comp-filter name="VEVENT">
                    <C:prop-filter name="UID">
                      <C:text-match collation="i;octet"
                      >DC6C50A017428C5216A2F1CD@example.com</C:text-match>
                    </C:prop-filter>
                  </C:comp-filter>
                </C:comp-filter>
              </C:filter>
            </C:calendar-query>
            """
        guard case .calendarQuery(let query) = try report(body) else { return fail("not a calendar-query") }
        #expect(query.properties == Self.etagAndData)
        let uid = CalendarPropFilter(
            "UID",
            .matches(
                timeRange: nil, textMatch: TextMatch("DC6C50A017428C5216A2F1CD@example.com", collation: .octet),
                params: []))
        #expect(
            query.filter.test
                == .matches(
                    timeRange: nil, props: [],
                    comps: [CompFilter("VEVENT", .matches(timeRange: nil, props: [uid], comps: []))]))
    }

    /// RFC 4791 §7.8.7: events by PARTSTAT (text-match on the property and a param-filter).
    @Test func eventsByParticipationStatus() throws {
        let body = """
            <?xml version="1.0" encoding="utf-8" ?>
            <C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav">
              <D:prop xmlns:D="DAV:">
                <D:getetag/>
                <C:calendar-data/>
              </D:prop>
              <C:filter>
                <C:comp-filter name="VCALENDAR">
                  <C:comp-filter name="VEVENT">
                    <C:prop-filter name="ATTENDEE">
                      <C:text-match collation="i;ascii-casemap"
                       >mailto:lisa@example.com</C:text-match>
                      <C:param-filter name="PARTSTAT">
                        <C:text-match collation="i;ascii-casemap"
                         >NEEDS-ACTION</C:text-match>
                      </C:param-filter>
                    </C:prop-filter>
                  </C:comp-filter>
                </C:comp-filter>
              </C:filter>
            </C:calendar-query>
            """
        guard case .calendarQuery(let query) = try report(body) else { return fail("not a calendar-query") }
        let attendee = CalendarPropFilter(
            "ATTENDEE",
            .matches(
                timeRange: nil, textMatch: TextMatch("mailto:lisa@example.com", collation: .asciiCasemap),
                params: [CalendarParamFilter("PARTSTAT", .matches(TextMatch("NEEDS-ACTION", collation: .asciiCasemap)))]
            ))
        #expect(
            query.filter.test
                == .matches(
                    timeRange: nil, props: [],
                    comps: [CompFilter("VEVENT", .matches(timeRange: nil, props: [attendee], comps: []))]))
    }

    /// RFC 4791 §7.8.8: retrieval of events only (an empty comp-filter tests existence).
    @Test func eventsOnly() throws {
        let body = """
            <?xml version="1.0" encoding="utf-8" ?>
            <C:calendar-query xmlns:D="DAV:"
                          xmlns:C="urn:ietf:params:xml:ns:caldav">
              <D:prop>
                <D:getetag/>
                <C:calendar-data/>
              </D:prop>
              <C:filter>
                <C:comp-filter name="VCALENDAR">
                  <C:comp-filter name="VEVENT"/>
                </C:comp-filter>
              </C:filter>
            </C:calendar-query>
            """
        guard case .calendarQuery(let query) = try report(body) else { return fail("not a calendar-query") }
        #expect(
            query.filter == CompFilter("VCALENDAR", .matches(timeRange: nil, props: [], comps: [CompFilter("VEVENT")])))
    }

    /// RFC 4791 §7.8.9: pending to-dos (is-not-defined, negate-condition; default collation i;ascii-casemap).
    @Test func pendingTodos() throws {
        let body = """
            <?xml version="1.0" encoding="utf-8" ?>
            <C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav">
              <D:prop xmlns:D="DAV:">
                <D:getetag/>
                <C:calendar-data/>
              </D:prop>
              <C:filter>
                <C:comp-filter name="VCALENDAR">
                  <C:comp-filter name="VTODO">
                    <C:prop-filter name="COMPLETED">
                      <C:is-not-defined/>
                    </C:prop-filter>
                    <C:prop-filter name="STATUS">
                      <C:text-match
                         negate-condition="yes">CANCELLED</C:text-match>
                    </C:prop-filter>
                  </C:comp-filter>
                </C:comp-filter>
              </C:filter>
            </C:calendar-query>
            """
        guard case .calendarQuery(let query) = try report(body) else { return fail("not a calendar-query") }
        let props = [
            CalendarPropFilter("COMPLETED", .isNotDefined),
            CalendarPropFilter(
                "STATUS",
                .matches(
                    timeRange: nil, textMatch: TextMatch("CANCELLED", collation: .asciiCasemap, isNegated: true),
                    params: [])),
        ]
        #expect(
            query.filter.test
                == .matches(
                    timeRange: nil, props: [],
                    comps: [CompFilter("VTODO", .matches(timeRange: nil, props: props, comps: []))]))
    }

    /// RFC 4791 §7.9.1: calendar-multiget.
    @Test func multiget() throws {
        let body = """
            <?xml version="1.0" encoding="utf-8" ?>
            <C:calendar-multiget xmlns:D="DAV:"
                             xmlns:C="urn:ietf:params:xml:ns:caldav">
              <D:prop>
                <D:getetag/>
                <C:calendar-data/>
              </D:prop>
              <D:href>/dav/calendars/user@example.com/office/abcd1.ics</D:href>
              <D:href>/dav/calendars/user@example.com/office/mtg1.ics</D:href>
            </C:calendar-multiget>
            """
        let expected = CalendarMultiget(
            properties: Self.etagAndData, calendarData: CalendarDataRequest(),
            hrefs: [
                "/dav/calendars/user@example.com/office/abcd1.ics", "/dav/calendars/user@example.com/office/mtg1.ics",
            ])
        #expect(try report(body) == .calendarMultiget(expected))
        let noHref =
            #"<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop/></C:calendar-multiget>"#
        #expect(throws: DAVRequestError.missingElement(.dav("href"))) { try report(noHref) }
    }

    /// RFC 4791 §7.10.1: free-busy-query.
    @Test func freeBusy() throws {
        let body = """
            <?xml version="1.0" encoding="utf-8" ?>
            <C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav">
              <C:time-range start="20060104T140000Z"
                              end="20060105T220000Z"/>
            </C:free-busy-query>
            """
        #expect(
            try report(body)
                == .freeBusyQuery(
                    FreeBusyQuery(timeRange: TimeRange(start: utc("20060104T140000Z"), end: utc("20060105T220000Z")))))
    }

    /// CALDAV:timezone and allprop in a calendar-query (RFC 4791 §9.5, §9.8).
    @Test func timezoneAndAllprop() throws {
        let body = """
            <C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
              <D:allprop/>
              <C:filter><C:comp-filter name="VCALENDAR"/></C:filter>
              <C:timezone>BEGIN:VCALENDAR&#13;
            END:VCALENDAR</C:timezone>
            </C:calendar-query>
            """
        guard case .calendarQuery(let query) = try report(body) else { return fail("not a calendar-query") }
        #expect(query.properties == .allProp(include: []))
        #expect(query.calendarData == nil)
        #expect(query.timeZone == "BEGIN:VCALENDAR\r\nEND:VCALENDAR")
    }
}

@Suite struct CalDAVReportErrorTests {
    static func query(filter: String, data: String = "") -> String {
        """
        <C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
          <D:prop><D:getetag/>\(data)</D:prop>
          <C:filter>\(filter)</C:filter>
        </C:calendar-query>
        """
    }

    static let invalidFilters: [String] = [
        "",
        #"<C:comp-filter name="VCALENDAR"/><C:comp-filter name="VCALENDAR"/>"#,
        #"<C:comp-filter/>"#,
        #"<C:comp-filter name="VCALENDAR"><C:is-not-defined/><C:comp-filter name="VEVENT"/></C:comp-filter>"#,
        #"<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="20060104T000000Z"/><C:time-range end="20060104T000000Z"/></C:comp-filter></C:comp-filter>"#,
        #"<C:comp-filter name="VCALENDAR"><C:prop-filter name="UID"><C:text-match>a</C:text-match><C:text-match>b</C:text-match></C:prop-filter></C:comp-filter>"#,
        #"<C:comp-filter name="VCALENDAR"><C:prop-filter name="UID"><C:param-filter name="X"><C:is-not-defined/><C:text-match>b</C:text-match></C:param-filter></C:prop-filter></C:comp-filter>"#,
    ]

    @Test(arguments: invalidFilters)
    func invalidFilterIsValidFilterPrecondition(_ filter: String) {
        do {
            let parsed = try report(Self.query(filter: filter))
            Issue.record("parsed \(parsed)")
        } catch {
            guard case .invalidFilter(XMLNamespace.caldav, _) = error else { return fail("got \(error)") }
            #expect(error.httpStatus == 403)
            #expect(error.condition == .calendarValidFilter)
        }
    }

    @Test func unsupportedCollation() {
        let filter =
            #"<C:comp-filter name="VCALENDAR"><C:prop-filter name="UID"><C:text-match collation="i;klingon">x</C:text-match></C:prop-filter></C:comp-filter>"#
        #expect(throws: DAVRequestError.unsupportedCollation("i;klingon", namespace: XMLNamespace.caldav)) {
            try report(Self.query(filter: filter))
        }
        let error = DAVRequestError.unsupportedCollation("i;klingon", namespace: XMLNamespace.caldav)
        #expect(error.condition == DAVCondition(.caldav("supported-collation")))
        #expect(error.httpStatus == 403)
    }

    static let badTimes: [(String, DAVRequestError)] = [
        (
            #"<C:time-range start="20060104T000000"/>"#,
            .invalidValue(element: .caldav("time-range"), value: "20060104T000000")
        ),
        (
            #"<C:time-range start="2006-01-04T00:00:00Z"/>"#,
            .invalidValue(element: .caldav("time-range"), value: "2006-01-04T00:00:00Z")
        ),
        (
            #"<C:time-range start="20060230T000000Z"/>"#,
            .invalidValue(element: .caldav("time-range"), value: "20060230T000000Z")
        ),
        (
            #"<C:time-range start="20060104T240000Z"/>"#,
            .invalidValue(element: .caldav("time-range"), value: "20060104T240000Z")
        ),
        (#"<C:time-range/>"#, .missingAttribute(element: .caldav("time-range"), attribute: "start")),
        (
            #"<C:time-range start="20060105T000000Z" end="20060104T000000Z"/>"#,
            .invalidValue(element: .caldav("time-range"), value: "20060105T000000Z/20060104T000000Z")
        ),
    ]

    @Test(arguments: badTimes)
    func refusesBadTimeRange(_ range: String, _ expected: DAVRequestError) {
        let filter =
            #"<C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">"# + range
            + "</C:comp-filter></C:comp-filter>"
        #expect(throws: expected) { try report(Self.query(filter: filter)) }
    }

    @Test func expandNeedsBothEnds() {
        let data = #"<C:calendar-data><C:expand start="20060103T000000Z"/></C:calendar-data>"#
        #expect(throws: DAVRequestError.missingAttribute(element: .caldav("expand"), attribute: "end")) {
            try report(Self.query(filter: #"<C:comp-filter name="VCALENDAR"/>"#, data: data))
        }
        let both =
            #"<C:calendar-data><C:expand start="20060103T000000Z" end="20060105T000000Z"/><C:limit-recurrence-set start="20060103T000000Z" end="20060105T000000Z"/></C:calendar-data>"#
        #expect(throws: DAVRequestError.unexpectedElement(.caldav("limit-recurrence-set"))) {
            try report(Self.query(filter: #"<C:comp-filter name="VCALENDAR"/>"#, data: both))
        }
    }

    @Test func unknownReportIsSupportedReportPrecondition() throws {
        let body = #"<D:expand-property xmlns:D="DAV:"><D:property name="owner"/></D:expand-property>"#
        #expect(throws: DAVRequestError.unsupportedReport(.dav("expand-property"))) { try report(body) }
        let error = DAVRequestError.unsupportedReport(.dav("expand-property"))
        #expect(error.httpStatus == 403)
        #expect(error.condition == .supportedReport)
        let written = try #require(error.condition).errorBody
        #expect(
            String(decoding: written, as: UTF8.self)
                == "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:error xmlns:D=\"DAV:\"><D:supported-report/></D:error>"
        )
        #expect(throws: DAVRequestError.emptyBody) { try ReportRequest.parse([]) }
    }
}

@Suite struct UTCDateTimeTests {
    static let values: [(String, Double)] = [
        ("19700101T000000Z", 0),
        ("20060104T000000Z", 1_136_332_800),
        ("20060104T140000Z", 1_136_383_200),
        ("20000229T235959Z", 951_868_799),
        ("19691231T235959Z", -1),
        ("00010101T000000Z", -62_135_596_800),
        ("99991231T235959Z", 253_402_300_799),
    ]

    @Test(arguments: values)
    func parsesAndFormats(_ text: String, _ seconds: Double) throws {
        let date = try #require(UTCDateTime.parse(text))
        #expect(date.timeIntervalSince1970 == seconds)
        #expect(UTCDateTime.format(date) == text)
    }

    @Test(arguments: [
        "", "20060104", "20060104T000000", "20060104T000000z", "2006010 T000000Z", "20061301T000000Z",
        "20060100T000000Z", "20050229T000000Z", "20060104T006000Z", "20060104T000061Z", "+0060104T000000Z",
        "20060104T000000Z ",
    ])
    func refuses(_ text: String) {
        #expect(UTCDateTime.parse(text) == nil)
    }

    @Test func leapSecondReadsAsSecond59() {
        #expect(UTCDateTime.parse("20161231T235960Z") == UTCDateTime.parse("20161231T235959Z"))
    }
}
