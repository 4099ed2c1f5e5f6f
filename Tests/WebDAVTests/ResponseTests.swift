import Foundation
import Testing

@testable import WebDAV

/// Multistatus and DAV:error bodies: built values equal the RFC's example responses as trees, and round-trip.
@Suite struct MultistatusTests {
    /// RFC 4918 §9.1.3: the response to the named-properties PROPFIND (200 and 403 groups, descriptions).
    @Test func propfindResponse() throws {
        let rfc = """
            <?xml version="1.0" encoding="utf-8" ?>
            <D:multistatus xmlns:D="DAV:">
              <D:response xmlns:R="http://ns.example.com/boxschema/">
                <D:href>http://www.example.com/file</D:href>
                <D:propstat>
                  <D:prop>
                    <R:bigbox>
                      <R:BoxType>Box type A</R:BoxType>
                    </R:bigbox>
                    <R:author>
                      <R:Name>J.J. Johnson</R:Name>
                    </R:author>
                  </D:prop>
                  <D:status>HTTP/1.1 200 OK</D:status>
                </D:propstat>
                <D:propstat>
                  <D:prop><R:DingALing/><R:Random/></D:prop>
                  <D:status>HTTP/1.1 403 Forbidden</D:status>
                  <D:responsedescription> The user does not have access to the DingALing property.</D:responsedescription>
                </D:propstat>
              </D:response>
              <D:responsedescription> There has been an access violation error.</D:responsedescription>
            </D:multistatus>
            """
        func r(_ name: String) -> QualifiedName { QualifiedName(boxschema, name) }
        let found = [
            XMLTreeElement(r("bigbox"), elements: [XMLTreeElement(r("BoxType"), text: "Box type A")]),
            XMLTreeElement(r("author"), elements: [XMLTreeElement(r("Name"), text: "J.J. Johnson")]),
        ]
        let forbidden = PropStat(
            properties: [XMLTreeElement(r("DingALing")), XMLTreeElement(r("Random"))], status: .forbidden,
            responseDescription: " The user does not have access to the DingALing property.")
        let multistatus = Multistatus(
            responses: [
                .init(
                    href: "http://www.example.com/file",
                    body: .propStats([PropStat(properties: found, status: .ok), forbidden]))
            ], responseDescription: " There has been an access violation error.")
        #expect(multistatus.element == (try XMLTreeParser.parse(rfc)))
        #expect(try XMLTreeParser.parse(multistatus.body) == multistatus.element)
    }

    /// RFC 4918 §9.2.2: the PROPPATCH response (424 and 409).
    @Test func proppatchResponse() throws {
        let rfc = """
            <?xml version="1.0" encoding="utf-8" ?>
            <D:multistatus xmlns:D="DAV:"
                    xmlns:Z="http://ns.example.com/standards/z39.50/">
              <D:response>
                <D:href>http://www.example.com/bar.html</D:href>
                <D:propstat>
                  <D:prop><Z:Authors/></D:prop>
                  <D:status>HTTP/1.1 424 Failed Dependency</D:status>
                </D:propstat>
                <D:propstat>
                  <D:prop><Z:Copyright-Owner/></D:prop>
                  <D:status>HTTP/1.1 409 Conflict</D:status>
                </D:propstat>
                <D:responsedescription> Copyright Owner cannot be deleted or altered.</D:responsedescription>
              </D:response>
            </D:multistatus>
            """
        let z = "http://ns.example.com/standards/z39.50/"
        let response = Multistatus.Response(
            href: "http://www.example.com/bar.html",
            body: .propStats([
                PropStat(properties: [XMLTreeElement(QualifiedName(z, "Authors"))], status: .failedDependency),
                PropStat(properties: [XMLTreeElement(QualifiedName(z, "Copyright-Owner"))], status: .conflict),
            ]), responseDescription: " Copyright Owner cannot be deleted or altered.")
        #expect(Multistatus(responses: [response]).element == (try XMLTreeParser.parse(rfc)))
    }

    /// RFC 6578 §3.9-style response: a changed member, a removed member (404 status) and the new sync-token last.
    @Test func syncCollectionResponse() throws {
        let rfc = """
            <D:multistatus xmlns:D="DAV:">
              <D:response>
                <D:href>http://webdav.example.com/home/cyrusdaboo/test.doc</D:href>
                <D:propstat>
                  <D:prop><D:getetag>"00001-abcd1"</D:getetag></D:prop>
                  <D:status>HTTP/1.1 200 OK</D:status>
                </D:propstat>
                <D:propstat>
                  <D:prop><R:bigbox xmlns:R="urn:ns.example.com:boxschema"/></D:prop>
                  <D:status>HTTP/1.1 404 Not Found</D:status>
                </D:propstat>
              </D:response>
              <D:response>
                <D:href>http://webdav.example.com/home/cyrusdaboo/vcard.vcf</D:href>
                <D:status>HTTP/1.1 404 Not Found</D:status>
              </D:response>
              <D:sync-token>http://example.com/ns/sync/1238</D:sync-token>
            </D:multistatus>
            """
        let multistatus = Multistatus(
            responses: [
                .init(
                    href: "http://webdav.example.com/home/cyrusdaboo/test.doc",
                    found: [XMLTreeElement(PropertyName.getETag.qualifiedName, text: "\"00001-abcd1\"")],
                    notFound: [PropertyName("urn:ns.example.com:boxschema", "bigbox")]),
                .init(href: "http://webdav.example.com/home/cyrusdaboo/vcard.vcf", status: .notFound),
            ], syncToken: "http://example.com/ns/sync/1238")
        #expect(multistatus.element == (try XMLTreeParser.parse(rfc)))
    }

    @Test func groupsByStatusAndOmitsEmptyGroups() {
        let response = Multistatus.Response(
            href: "/a", found: [], notFound: [.getCTag], forbidden: [.quotaUsedBytes], failedDependency: [.displayName])
        guard case .propStats(let groups) = response.body else { return fail("no propstats") }
        #expect(groups.map(\.status) == [.forbidden, .notFound, .failedDependency])
        #expect(
            groups.map(\.properties) == [
                [PropertyName.quotaUsedBytes.emptyElement], [PropertyName.getCTag.emptyElement],
                [PropertyName.displayName.emptyElement],
            ])
        #expect(DAVStatus.failedDependency.description == "HTTP/1.1 424 Failed Dependency")
        #expect(DAVStatus(299).description == "HTTP/1.1 299 Status 299")
    }

    /// RFC 4918 §14.24 needs propstat+: a response that names no property still has one (empty, 200), so the
    /// body is valid and reads back.
    @Test func aResponseWithoutPropertiesKeepsOnePropstat() throws {
        let multistatus = Multistatus(responses: [.init(href: "/a/", found: [])])
        guard case .propStats(let groups) = multistatus.responses[0].body else { return fail("no propstats") }
        #expect(groups == [PropStat(properties: [], status: .ok)])
        #expect(try Multistatus.parse(multistatus.body) == multistatus)
    }

    @Test func responseAndPropstatErrorsRoundTrip() throws {
        let multistatus = Multistatus(responses: [
            .init(
                href: "/cal/Calendar%20Work/",
                body: .propStats([
                    PropStat(
                        properties: [PropertyName.resourceType.emptyElement], status: .forbidden,
                        error: .cannotModifyProtectedProperty)
                ]), error: .calendarMaxResourceSize, responseDescription: "too big & <odd>")
        ])
        let text = String(decoding: multistatus.body, as: UTF8.self)
        #expect(text.contains("<D:error><D:cannot-modify-protected-property/></D:error>"))
        #expect(text.contains("too big &amp; &lt;odd&gt;"))
        #expect(try XMLTreeParser.parse(multistatus.body) == multistatus.element)
    }
}

@Suite struct DAVErrorBodyTests {
    static let conditions: [(DAVCondition, String)] = [
        (
            .validCalendarData,
            #"<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:valid-calendar-data/></D:error>"#
        ),
        (
            .calendarNoUIDConflict(href: "/home/lisa/calendars/events/abc.ics"),
            #"<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:no-uid-conflict><D:href>/home/lisa/calendars/events/abc.ics</D:href></C:no-uid-conflict></D:error>"#
        ),
        (
            .validAddressData,
            #"<D:error xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><CR:valid-address-data/></D:error>"#
        ),
        (.validSyncToken, #"<D:error xmlns:D="DAV:"><D:valid-sync-token/></D:error>"#),
        (.supportedReport, #"<D:error xmlns:D="DAV:"><D:supported-report/></D:error>"#),
        (
            .supportedCalendarComponent,
            #"<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:supported-calendar-component/></D:error>"#
        ),
        (
            .calendarMaxResourceSize,
            #"<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:max-resource-size/></D:error>"#
        ),
        (.numberOfMatchesWithinLimits, #"<D:error xmlns:D="DAV:"><D:number-of-matches-within-limits/></D:error>"#),
    ]

    @Test(arguments: conditions)
    func writesErrorBody(_ condition: DAVCondition, _ expected: String) throws {
        let body = condition.errorBody
        #expect(String(decoding: body, as: UTF8.self) == "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" + expected)
        #expect(try XMLTreeParser.parse(body) == DAVCondition.errorElement([condition]))
    }
}

@Suite struct PropertyValueTests {
    @Test func propertyElements() throws {
        let principal = PropertyName.currentUserPrincipal.element(hrefs: ["/dav/principals/alice/"])
        #expect(
            String(decoding: XMLTreeWriter.fragment(principal), as: UTF8.self)
                == #"<D:current-user-principal xmlns:D="DAV:"><D:href>/dav/principals/alice/</D:href></D:current-user-principal>"#
        )
        let resourceType = PropertyName.resourceType.element(children: [
            XMLTreeElement(.davCollection), XMLTreeElement(.caldavCalendar),
        ])
        #expect(
            String(decoding: XMLTreeWriter.fragment(resourceType), as: UTF8.self)
                == #"<D:resourcetype xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:collection/><C:calendar/></D:resourcetype>"#
        )
        #expect(
            PropertyName.getCTag.element(text: "42")
                == XMLTreeElement(QualifiedName(XMLNamespace.calendarServer, "getctag"), text: "42"))
        #expect(PropertyName.calendarColor.description == "{http://apple.com/ns/ical/}calendar-color")
    }

    /// A hand-built tree cannot rebind prefixes through an xmlns attribute.
    @Test func writerDropsNamespaceDeclarationAttributes() throws {
        let tree = XMLTreeElement(
            .dav("prop"),
            attributes: [
                QualifiedName("", "xmlns"): "urn:evil", QualifiedName("http://www.w3.org/2000/xmlns/", "D"): "urn:evil",
            ],
            elements: [XMLTreeElement(QualifiedName("", "plain"))])
        let parsed = try XMLTreeParser.parse(XMLTreeWriter.document(tree))
        #expect(parsed == XMLTreeElement(.dav("prop"), elements: [XMLTreeElement(QualifiedName("", "plain"))]))
    }
}

@Suite struct MultistatusParserTests {
    static let samples: [Multistatus] = [
        Multistatus(responses: []),
        Multistatus(
            responses: [
                .init(
                    href: "/dav/calendars/alice/office/ev%201.ics",
                    found: [
                        PropertyName.getETag.element(text: "\"1-abc\""),
                        PropertyName.calendarData.element(text: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),
                    ], notFound: [.getCTag], forbidden: [.quotaUsedBytes]),
                .init(href: "/dav/calendars/alice/office/gone.ics", status: .notFound),
                .init(
                    href: "/dav/calendars/alice/office/",
                    body: .propStats([
                        PropStat(
                            properties: [PropertyName.resourceType.emptyElement], status: .forbidden,
                            error: .cannotModifyProtectedProperty, responseDescription: "protected")
                    ]), error: .calendarNoUIDConflict(href: "/dav/calendars/alice/office/other.ics"),
                    responseDescription: "see error"),
            ], responseDescription: "done", syncToken: "http://mailroom.example/sync/7"),
    ]

    @Test(arguments: samples)
    func roundTrips(_ multistatus: Multistatus) throws {
        #expect(try Multistatus.parse(multistatus.body) == multistatus)
    }

    static let bad: [(String, DAVRequestError)] = [
        (#"<D:response xmlns:D="DAV:"/>"#, .unexpectedRoot(.dav("response"))),
        (#"<D:multistatus xmlns:D="DAV:"><D:response/></D:multistatus>"#, .missingElement(.dav("href"))),
        (
            #"<D:multistatus xmlns:D="DAV:"><D:response><D:href>/a</D:href></D:response></D:multistatus>"#,
            .missingElement(.dav("propstat"))
        ),
        (
            #"<D:multistatus xmlns:D="DAV:"><D:response><D:href>/a</D:href><D:status>HTTP/1.1 2OO OK</D:status></D:response></D:multistatus>"#,
            .invalidValue(element: .dav("status"), value: "HTTP/1.1 2OO OK")
        ),
        (
            #"<D:multistatus xmlns:D="DAV:"><D:response><D:href>/a</D:href><D:propstat><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>"#,
            .missingElement(.dav("prop"))
        ),
    ]

    @Test(arguments: bad)
    func refusesBadMultistatus(_ body: String, _ expected: DAVRequestError) {
        #expect(throws: expected) { try Multistatus.parse(bytes(body)) }
    }
}
