import CalendarFormats
import Foundation
import Testing

@testable import WebDAV

/// RFC 6352 §8.6.4, §8.6.5 and §8.7.1, and RFC 6578 §3.8 / §6.1 request bodies, parsed into typed values.
@Suite struct CardDAVReportExampleTests {
    static let cardProps = ["VERSION", "UID", "NICKNAME", "EMAIL", "FN"].map { PropertySelectionItem($0) }

    /// RFC 6352 §8.6.4: addressbook-query with partial address-data and an equals match.
    @Test func partialRetrievalByNickname() throws {
        let body = """
            <?xml version="1.0" encoding="utf-8" ?>
            <C:addressbook-query xmlns:D="DAV:"
                              xmlns:C="urn:ietf:params:xml:ns:carddav">
              <D:prop>
                <D:getetag/>
                <C:address-data>
                  <C:prop name="VERSION"/>
                  <C:prop name="UID"/>
                  <C:prop name="NICKNAME"/>
                  <C:prop name="EMAIL"/>
                  <C:prop name="FN"/>
                </C:address-data>
              </D:prop>
              <C:filter>
                <C:prop-filter name="NICKNAME">
                  <C:text-match collation="i;unicode-casemap"
                                match-type="equals"
                  >me</C:text-match>
                </C:prop-filter>
              </C:filter>
            </C:addressbook-query>
            """
        let nickname = AddressPropFilter(
            "NICKNAME",
            .matches(
                test: .anyOf, textMatches: [TextMatch("me", collation: .unicodeCasemap, matchType: .equals)], params: []
            ))
        let expected = AddressBookQuery(
            properties: .prop([.getETag, .addressData]),
            addressData: AddressDataRequest(properties: .only(Self.cardProps)),
            filter: AddressBookFilter(test: .anyOf, props: [nickname]))
        #expect(try report(body) == .addressbookQuery(expected))
    }

    /// RFC 6352 §8.6.5: test="anyof" over two prop-filters, default collation and contains.
    @Test func anyOfTwoProperties() throws {
        let body = """
            <?xml version="1.0" encoding="utf-8" ?>
            <C:addressbook-query xmlns:D="DAV:"
                              xmlns:C="urn:ietf:params:xml:ns:carddav">
              <D:prop>
                <D:getetag/>
                <C:address-data>
                  <C:prop name="VERSION"/>
                  <C:prop name="UID"/>
                  <C:prop name="NICKNAME"/>
                  <C:prop name="EMAIL"/>
                  <C:prop name="FN"/>
                </C:address-data>
              </D:prop>
              <C:filter test="anyof">
                <C:prop-filter name="FN">
                  <C:text-match collation="i;unicode-casemap"
                                match-type="contains"
                  >daboo</C:text-match>
                </C:prop-filter>
                <C:prop-filter name="EMAIL">
                  <C:text-match collation="i;unicode-casemap"
                                match-type="contains"
                  >daboo</C:text-match>
                </C:prop-filter>
              </C:filter>
            </C:addressbook-query>
            """
        guard case .addressbookQuery(let query) = try report(body) else { return fail("not addressbook-query") }
        let daboo = TextMatch("daboo", collation: .unicodeCasemap, matchType: .contains)
        #expect(
            query.filter
                == AddressBookFilter(
                    test: .anyOf,
                    props: ["FN", "EMAIL"].map {
                        AddressPropFilter($0, .matches(test: .anyOf, textMatches: [daboo], params: []))
                    }))
        #expect(query.limit == nil)
    }

    /// RFC 6352 §8.6.1 / §10.5: allof, is-not-defined, param-filter, negate-condition, limit.
    @Test func allOfWithLimit() throws {
        let body = """
            <C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
              <D:prop><D:getetag/></D:prop>
              <C:filter test="allof">
                <C:prop-filter name="X-ABC-GUID"><C:is-not-defined/></C:prop-filter>
                <C:prop-filter name="EMAIL" test="allof">
                  <C:text-match match-type="ends-with">@example.com</C:text-match>
                  <C:text-match negate-condition="yes" match-type="starts-with" collation="i;octet">noreply</C:text-match>
                  <C:param-filter name="TYPE"><C:text-match match-type="equals">work</C:text-match></C:param-filter>
                  <C:param-filter name="PREF"><C:is-not-defined/></C:param-filter>
                  <C:param-filter name="X-EXISTS"/>
                </C:prop-filter>
              </C:filter>
              <C:limit><C:nresults>10</C:nresults></C:limit>
            </C:addressbook-query>
            """
        guard case .addressbookQuery(let query) = try report(body) else { return fail("not addressbook-query") }
        let email = AddressPropFilter(
            "EMAIL",
            .matches(
                test: .allOf,
                textMatches: [
                    TextMatch("@example.com", collation: .unicodeCasemap, matchType: .endsWith),
                    TextMatch("noreply", collation: .octet, matchType: .startsWith, isNegated: true),
                ],
                params: [
                    AddressParamFilter(
                        "TYPE", .matches(TextMatch("work", collation: .unicodeCasemap, matchType: .equals))),
                    AddressParamFilter("PREF", .isNotDefined), AddressParamFilter("X-EXISTS"),
                ]))
        #expect(
            query.filter
                == AddressBookFilter(test: .allOf, props: [AddressPropFilter("X-ABC-GUID", .isNotDefined), email]))
        #expect(query.limit == 10)
        #expect(query.addressData == nil)
    }

    /// RFC 6352 §8.7.1: addressbook-multiget.
    @Test func multiget() throws {
        let body = """
            <?xml version="1.0" encoding="utf-8" ?>
            <C:addressbook-multiget xmlns:D="DAV:"
                                 xmlns:C="urn:ietf:params:xml:ns:carddav">
              <D:prop>
                <D:getetag/>
                <C:address-data>
                  <C:prop name="VERSION"/>
                  <C:prop name="UID"/>
                  <C:prop name="NICKNAME"/>
                  <C:prop name="EMAIL"/>
                  <C:prop name="FN"/>
                </C:address-data>
              </D:prop>
              <D:href>/dav/addressbooks/user@example.com/contacts/vcf102.vcf</D:href>
              <D:href>/dav/addressbooks/user@example.com/contacts/vcf1.vcf</D:href>
            </C:addressbook-multiget>
            """
        let expected = AddressBookMultiget(
            properties: .prop([.getETag, .addressData]),
            addressData: AddressDataRequest(properties: .only(Self.cardProps)),
            hrefs: [
                "/dav/addressbooks/user@example.com/contacts/vcf102.vcf",
                "/dav/addressbooks/user@example.com/contacts/vcf1.vcf",
            ])
        #expect(try report(body) == .addressbookMultiget(expected))
    }

    static let badQueries: [(String, DAVRequestError)] = [
        (
            #"<C:filter test="oneof"/>"#,
            .invalidFilter(namespace: XMLNamespace.carddav, reason: "test=\"oneof\"")
        ),
        (
            #"<C:filter><C:prop-filter name="FN"><C:text-match match-type="fuzzy">x</C:text-match></C:prop-filter></C:filter>"#,
            .invalidValue(element: .carddav("text-match"), value: "fuzzy")
        ),
        (
            #"<C:filter><C:prop-filter name="FN"><C:text-match collation="i;basic">x</C:text-match></C:prop-filter></C:filter>"#,
            .unsupportedCollation("i;basic", namespace: XMLNamespace.carddav)
        ),
        (
            #"<C:filter><C:prop-filter name="FN"><C:text-match negate-condition="maybe">x</C:text-match></C:prop-filter></C:filter>"#,
            .invalidValue(element: .carddav("text-match"), value: "maybe")
        ),
        (
            #"<C:filter/><C:limit><C:nresults>0</C:nresults></C:limit>"#,
            .invalidValue(element: .carddav("nresults"), value: "0")
        ),
        (
            #"<C:filter/><C:limit><C:nresults>-3</C:nresults></C:limit>"#,
            .invalidValue(element: .carddav("nresults"), value: "-3")
        ),
        (#"<C:filter/><C:limit/>"#, .missingElement(.carddav("nresults"))),
        ("", .missingElement(.carddav("filter"))),
    ]

    @Test(arguments: badQueries)
    func refusesBadQuery(_ inner: String, _ expected: DAVRequestError) {
        let body =
            #"<C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">"# + inner
            + "</C:addressbook-query>"
        #expect(throws: expected) { try report(body) }
    }

    @Test func cardDAVFilterErrorsUseCardDAVConditions() {
        #expect(
            DAVRequestError.invalidFilter(namespace: XMLNamespace.carddav, reason: "x").condition
                == DAVCondition(.carddav("supported-filter")))
        #expect(
            DAVRequestError.unsupportedCollation("x", namespace: XMLNamespace.carddav).condition
                == DAVCondition(.carddav("supported-collation")))
    }
}

@Suite struct SyncCollectionTests {
    /// RFC 6578 §3.8: initial synchronisation, empty sync-token.
    @Test func initialSync() throws {
        let body = """
            <?xml version="1.0" encoding="utf-8" ?>
            <D:sync-collection xmlns:D="DAV:">
              <D:sync-token/>
              <D:sync-level>1</D:sync-level>
              <D:prop xmlns:R="urn:ns.example.com:boxschema">
                <D:getetag/>
                <R:bigbox/>
              </D:prop>
            </D:sync-collection>
            """
        let expected = SyncCollection(
            syncToken: nil, level: .one, properties: [.getETag, PropertyName("urn:ns.example.com:boxschema", "bigbox")])
        #expect(try report(body) == .syncCollection(expected))
    }

    /// RFC 6578 §3.9 / §3.10: a later sync with a token, and a limit (§6.1 with RFC 5323 §5.17).
    @Test func syncWithTokenAndLimit() throws {
        let body = """
            <?xml version="1.0" encoding="utf-8" ?>
            <D:sync-collection xmlns:D="DAV:">
              <D:sync-token
                >http://example.com/ns/sync/1234</D:sync-token>
              <D:sync-level>infinite</D:sync-level>
              <D:limit><D:nresults>100</D:nresults></D:limit>
              <D:prop><D:getetag/><C:calendar-data xmlns:C="urn:ietf:params:xml:ns:caldav"/></D:prop>
            </D:sync-collection>
            """
        let expected = SyncCollection(
            syncToken: "http://example.com/ns/sync/1234", level: .infinite, limit: 100,
            properties: [.getETag, .calendarData], calendarData: CalendarDataRequest())
        #expect(try report(body) == .syncCollection(expected))
    }

    static let bad: [(String, DAVRequestError)] = [
        ("<D:sync-level>1</D:sync-level><D:prop/>", .missingElement(.dav("sync-token"))),
        ("<D:sync-token/><D:prop/>", .missingElement(.dav("sync-level"))),
        (
            "<D:sync-token/><D:sync-level>2</D:sync-level><D:prop/>",
            .invalidValue(element: .dav("sync-level"), value: "2")
        ),
        ("<D:sync-token/><D:sync-level>1</D:sync-level>", .missingElement(.dav("prop"))),
        (
            "<D:sync-token/><D:sync-token/><D:sync-level>1</D:sync-level><D:prop/>",
            .unexpectedElement(.dav("sync-token"))
        ),
    ]

    @Test(arguments: bad)
    func refusesBadSync(_ inner: String, _ expected: DAVRequestError) {
        #expect(throws: expected) {
            try report(#"<D:sync-collection xmlns:D="DAV:">"# + inner + "</D:sync-collection>")
        }
    }
}
