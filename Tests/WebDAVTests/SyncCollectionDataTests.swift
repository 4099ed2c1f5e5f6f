import Testing

@testable import WebDAV

/// A sync-collection whose DAV:prop asks for both calendar-data and address-data writes both selections (the writer
/// used to substitute only the first, so address-data came back as the default). Caught by Fuzz/FuzzWebDAV's
/// round-trip check (Fuzz/corpus/FuzzWebDAV/regress-sync-collection-both-data).
@Suite struct SyncCollectionDataTests {
    @Test func bothDataSelectionsRoundTrip() throws {
        let report = ReportRequest.syncCollection(
            SyncCollection(
                syncToken: "t1", level: .one, properties: [.getETag, .calendarData, .addressData],
                calendarData: CalendarDataRequest(component: ComponentSelection("VCALENDAR", properties: .all)),
                addressData: AddressDataRequest(properties: .only([PropertySelectionItem("FN")]))))
        #expect(try ReportRequest.parse(XMLTreeWriter.document(report.element)) == report)
    }

    @Test func parsedBodyRoundTrips() throws {
        let body = """
            <D:sync-collection xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" \
            xmlns:R="urn:ietf:params:xml:ns:carddav"><D:sync-token/><D:sync-level>1</D:sync-level>\
            <D:prop><C:calendar-data/><R:address-data><R:prop name="FN"/></R:address-data></D:prop></D:sync-collection>
            """
        let parsed = try report(body)
        guard case .syncCollection(let sync) = parsed else { return fail("not a sync-collection: \(parsed)") }
        #expect(sync.addressData == AddressDataRequest(properties: .only([PropertySelectionItem("FN")])))
        #expect(try ReportRequest.parse(XMLTreeWriter.document(parsed.element)) == parsed)
    }
}
