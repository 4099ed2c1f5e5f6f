import Foundation
import Testing

@testable import WebDAV

/// The request bodies of RFC 4918 §9.1-§9.2 and RFC 5689 §5.1 / RFC 4791 §5.3.1.2, parsed into typed values.
@Suite struct WebDAVRequestExampleTests {
    /// RFC 4918 §9.1.3: retrieving named properties.
    @Test func propfindNamedProperties() throws {
        let body = """
            <?xml version="1.0" encoding="utf-8" ?>
            <D:propfind xmlns:D="DAV:">
              <D:prop xmlns:R="http://ns.example.com/boxschema/">
                <R:bigbox/>
                <R:author/>
                <R:DingALing/>
                <R:Random/>
              </D:prop>
            </D:propfind>
            """
        let request = try PropFindRequest.parse(bytes(body))
        #expect(
            request.selection
                == .prop(["bigbox", "author", "DingALing", "Random"].map { PropertyName(boxschema, $0) }))
    }

    /// RFC 4918 §9.1.4: propname, with a default namespace.
    @Test func propfindPropName() throws {
        let body = """
            <?xml version="1.0" encoding="utf-8" ?>
            <propfind xmlns="DAV:">
              <propname/>
            </propfind>
            """
        #expect(try PropFindRequest.parse(bytes(body)).selection == .propName)
    }

    /// RFC 4918 §9.1.5 (allprop) and §9.1.6 (allprop with include); an empty body is allprop (§9.1).
    @Test func propfindAllProp() throws {
        let plain = """
            <?xml version="1.0" encoding="utf-8" ?>
            <D:propfind xmlns:D="DAV:">
              <D:allprop/>
            </D:propfind>
            """
        #expect(try PropFindRequest.parse(bytes(plain)).selection == .allProp(include: []))
        let include = """
            <?xml version="1.0" encoding="utf-8" ?>
            <D:propfind xmlns:D="DAV:">
              <D:allprop/>
              <D:include>
                <D:supported-live-property-set/>
                <D:supported-report-set/>
              </D:include>
            </D:propfind>
            """
        #expect(
            try PropFindRequest.parse(bytes(include)).selection
                == .allProp(include: [
                    PropertyName(XMLNamespace.dav, "supported-live-property-set"), .supportedReportSet,
                ]))
        #expect(try PropFindRequest.parse([]).selection == .allProp(include: []))
        #expect(try PropFindRequest.parse(bytes("\r\n  ")).selection == .allProp(include: []))
    }

    static let badPropfinds: [(String, DAVRequestError)] = [
        (#"<D:propfind xmlns:D="DAV:"/>"#, .missingElement(.dav("prop"))),
        (#"<D:propfind xmlns:D="DAV:"><D:allprop/><D:propname/></D:propfind>"#, .unexpectedElement(.dav("propname"))),
        (#"<D:propfind xmlns:D="DAV:"><D:prop/><D:include/></D:propfind>"#, .unexpectedElement(.dav("include"))),
        (#"<D:propertyupdate xmlns:D="DAV:"/>"#, .unexpectedRoot(.dav("propertyupdate"))),
        (#"<propfind><allprop/></propfind>"#, .unexpectedRoot(QualifiedName("", "propfind"))),
        (#"<D:propfind xmlns:D="DAV:"><D:allprop></D:propfind>"#, .xml(.malformed(line: 0, column: 0))),
    ]

    @Test(arguments: badPropfinds)
    func refusesBadPropfind(_ body: String, _ expected: DAVRequestError) {
        do {
            let parsed = try PropFindRequest.parse(bytes(body))
            Issue.record("parsed \(parsed)")
        } catch {
            if case .xml(.malformed) = error, case .xml(.malformed) = expected { return }
            #expect(error == expected)
            #expect(error.httpStatus == 400)
        }
    }

    /// RFC 4918 §9.2.2: set and remove in document order, values kept as trees.
    @Test func proppatch() throws {
        let body = """
            <?xml version="1.0" encoding="utf-8" ?>
            <D:propertyupdate xmlns:D="DAV:"
                    xmlns:Z="http://ns.example.com/standards/z39.50/">
              <D:set>
                <D:prop>
                  <Z:Authors>
                    <Z:Author>Jim Whitehead</Z:Author>
                    <Z:Author>Roy Fielding</Z:Author>
                  </Z:Authors>
                </D:prop>
              </D:set>
              <D:remove>
                <D:prop><Z:Copyright-Owner/></D:prop>
              </D:remove>
            </D:propertyupdate>
            """
        let z = "http://ns.example.com/standards/z39.50/"
        let update = try PropertyUpdate.parse(bytes(body))
        let authors = XMLTreeElement(
            QualifiedName(z, "Authors"),
            elements: [
                XMLTreeElement(QualifiedName(z, "Author"), text: "Jim Whitehead"),
                XMLTreeElement(QualifiedName(z, "Author"), text: "Roy Fielding"),
            ])
        #expect(update.instructions == [.set(authors), .remove(PropertyName(z, "Copyright-Owner"))])
        #expect(
            update.instructions.map(\.property) == [PropertyName(z, "Authors"), PropertyName(z, "Copyright-Owner")])
        #expect(throws: DAVRequestError.emptyBody) { try PropertyUpdate.parse([]) }
        #expect(throws: DAVRequestError.missingElement(.dav("set"))) {
            try PropertyUpdate.parse(bytes(#"<D:propertyupdate xmlns:D="DAV:"><D:set/></D:propertyupdate>"#))
        }
    }

    /// Interleaved set / remove / set keep document order (RFC 4918 §9.2).
    @Test func proppatchKeepsDocumentOrder() throws {
        let body = """
            <D:propertyupdate xmlns:D="DAV:" xmlns:I="http://apple.com/ns/ical/">
              <D:set><D:prop><D:displayname>A</D:displayname></D:prop></D:set>
              <D:remove><D:prop><D:displayname/><I:calendar-color/></D:prop></D:remove>
              <D:set><D:prop><I:calendar-order>3</I:calendar-order></D:prop></D:set>
            </D:propertyupdate>
            """
        let update = try PropertyUpdate.parse(bytes(body))
        #expect(
            update.instructions == [
                .set(XMLTreeElement(PropertyName.displayName.qualifiedName, text: "A")), .remove(.displayName),
                .remove(.calendarColor), .set(XMLTreeElement(PropertyName.calendarOrder.qualifiedName, text: "3")),
            ])
        #expect(try PropertyUpdate.parse(XMLTreeWriter.document(update.element)) == update)
    }

    /// RFC 5689 §5.1 (example of §3.4): extended MKCOL with resourcetype and displayname.
    @Test func extendedMkcol() throws {
        let body = """
            <?xml version="1.0" encoding="utf-8" ?>
            <D:mkcol xmlns:D="DAV:"
                          xmlns:E="http://example.com/ns/">
              <D:set>
                <D:prop>
                  <D:resourcetype>
                    <D:collection/>
                    <E:special-resource/>
                  </D:resourcetype>
                  <D:displayname>Special Resource</D:displayname>
                </D:prop>
              </D:set>
            </D:mkcol>
            """
        let mkcol = try ExtendedMkcol.parse(bytes(body))
        #expect(
            mkcol.properties.resourceType == [
                .davCollection, QualifiedName("http://example.com/ns/", "special-resource"),
            ])
        #expect(mkcol.properties.displayName == "Special Resource")
        #expect(mkcol.properties.other.isEmpty)
        #expect(try ExtendedMkcol.parse(XMLTreeWriter.document(mkcol.element)) == mkcol)
        #expect(throws: DAVRequestError.emptyBody) { try ExtendedMkcol.parse([]) }
    }

    /// RFC 4791 §5.3.1.2: MKCALENDAR with displayname, description, component set and time zone (CDATA).
    @Test func mkcalendar() throws {
        let body = """
            <?xml version="1.0" encoding="utf-8" ?>
            <C:mkcalendar xmlns:D="DAV:"
                          xmlns:C="urn:ietf:params:xml:ns:caldav">
              <D:set>
                <D:prop>
                  <D:displayname>Lisa's Events</D:displayname>
                  <C:calendar-description xml:lang="en"
            >Calendar restricted to events.</C:calendar-description>
                  <C:supported-calendar-component-set>
                    <C:comp name="VEVENT"/>
                  </C:supported-calendar-component-set>
                  <C:calendar-timezone><![CDATA[BEGIN:VCALENDAR
            PRODID:-//Example Corp.//CalDAV Client//EN
            VERSION:2.0
            BEGIN:VTIMEZONE
            TZID:US-Eastern
            LAST-MODIFIED:19870101T000000Z
            BEGIN:STANDARD
            DTSTART:19671029T020000
            RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
            TZOFFSETFROM:-0400
            TZOFFSETTO:-0500
            TZNAME:Eastern Standard Time (US & Canada)
            END:STANDARD
            BEGIN:DAYLIGHT
            DTSTART:19870405T020000
            RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=4
            TZOFFSETFROM:-0500
            TZOFFSETTO:-0400
            TZNAME:Eastern Daylight Time (US & Canada)
            END:DAYLIGHT
            END:VTIMEZONE
            END:VCALENDAR
            ]]></C:calendar-timezone>
                  <I:calendar-color xmlns:I="http://apple.com/ns/ical/">#FF2968FF</I:calendar-color>
                  <X:unknown xmlns:X="urn:x">kept</X:unknown>
                </D:prop>
              </D:set>
            </C:mkcalendar>
            """
        let mkcalendar = try MkCalendar.parse(bytes(body))
        let properties = mkcalendar.properties
        #expect(properties.displayName == "Lisa's Events")
        #expect(properties.calendarDescription == "Calendar restricted to events.")
        #expect(properties.supportedCalendarComponents == ["VEVENT"])
        #expect(properties.calendarTimeZone?.hasPrefix("BEGIN:VCALENDAR\nPRODID:") == true)
        #expect(properties.calendarTimeZone?.contains("TZNAME:Eastern Standard Time (US & Canada)\n") == true)
        #expect(properties.calendarColor == "#FF2968FF")
        #expect(properties.other == [XMLTreeElement(QualifiedName("urn:x", "unknown"), text: "kept")])
        #expect(properties.resourceType == nil)
        #expect(try MkCalendar.parse(XMLTreeWriter.document(mkcalendar.element)) == mkcalendar)
        #expect(try MkCalendar.parse([]) == MkCalendar(properties: CollectionProperties()))
    }

    @Test func collectionPropertiesRefuseBadValues() {
        let noComp =
            #"<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>"#
            + "<C:supported-calendar-component-set/></D:prop></D:set></C:mkcalendar>"
        #expect(throws: DAVRequestError.missingElement(.caldav("comp"))) { try MkCalendar.parse(bytes(noComp)) }
        let badOrder =
            #"<D:mkcol xmlns:D="DAV:" xmlns:I="http://apple.com/ns/ical/"><D:set><D:prop>"#
            + "<I:calendar-order>first</I:calendar-order></D:prop></D:set></D:mkcol>"
        #expect(throws: DAVRequestError.invalidValue(element: PropertyName.calendarOrder.qualifiedName, value: "first"))
        {
            try ExtendedMkcol.parse(bytes(badOrder))
        }
    }
}
