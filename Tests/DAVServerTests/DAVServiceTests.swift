// The DAV service in-process, over a real store in a temporary directory: requests in, responses out,
// read like transcripts. Interop with real clients is in Tests/Interop/test_dav.py.

import Foundation
import MailStore
import MailTestSupport
import Testing

@testable import DAVServer

@Suite struct DAVServiceTests {
    struct Setup {
        let f: StoreFixture
        let dav: DAVService
        let account: AccountRecord

        init() async throws {
            f = try await StoreFixture.make()
            dav = DAVService(store: f.store, logger: .init(label: "test"))
            account = f.account
        }

        func send(_ method: String, _ path: String, _ body: String = "", headers: [String: String] = [:]) async
            -> DAVResponse
        {
            await dav.handle(
                DAVRequest(method: method, path: path, headers: headers, body: Array(body.utf8), account: account))
        }

        var calendar: String { "/dav/calendars/user@example.test/calendar/" }
    }

    static func event(_ uid: String, _ start: String = "20261201T090000Z", _ extra: String = "") -> String {
        """
        BEGIN:VCALENDAR\r
        VERSION:2.0\r
        PRODID:-//test//EN\r
        BEGIN:VEVENT\r
        UID:\(uid)\r
        DTSTAMP:20261101T000000Z\r
        DTSTART:\(start)\r
        DURATION:PT1H\r
        SUMMARY:Event \(uid)\r
        \(extra)END:VEVENT\r
        END:VCALENDAR\r

        """
    }

    @Test func principalDiscovery() async throws {
        let s = try await Setup()
        let body = """
            <propfind xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:R="urn:ietf:params:xml:ns:carddav">
            <prop><current-user-principal/><C:calendar-home-set/><R:addressbook-home-set/><displayname/></prop></propfind>
            """
        let root = await s.send("PROPFIND", "/dav/", body, headers: ["depth": "0"])
        #expect(root.status == 207)
        let rootText = String(decoding: root.body, as: UTF8.self)
        #expect(rootText.contains("/dav/principals/user@example.test/"))
        let principal = await s.send("PROPFIND", "/dav/principals/user@example.test/", body, headers: ["depth": "0"])
        let text = String(decoding: principal.body, as: UTF8.self)
        #expect(text.contains("/dav/calendars/user@example.test/"))
        #expect(text.contains("/dav/addressbooks/user@example.test/"))
    }

    @Test func defaultCollectionsAreListed() async throws {
        let s = try await Setup()
        let r = await s.send(
            "PROPFIND", "/dav/calendars/user@example.test/",
            "<propfind xmlns=\"DAV:\"><prop><displayname/><resourcetype/></prop></propfind>", headers: ["depth": "1"])
        let text = String(decoding: r.body, as: UTF8.self)
        #expect(r.status == 207)
        #expect(text.contains("Calendar") && text.contains("Tasks"))
        #expect(!text.contains("Contacts"))
        #expect(
            await s.send("PROPFIND", "/dav/calendars/user@example.test/", headers: ["depth": "infinity"]).status == 403)
    }

    @Test func putGetConditionalAndDelete() async throws {
        let s = try await Setup()
        let path = s.calendar + "a.ics"
        let created = await s.send("PUT", path, Self.event("a"), headers: ["if-none-match": "*"])
        #expect(created.status == 201)
        let etag = try #require(created.header("ETag"))
        let got = await s.send("GET", path)
        #expect(
            got.status == 200 && got.header("ETag") == etag
                && String(decoding: got.body, as: UTF8.self).contains("UID:a"))
        // If-None-Match: * on an existing resource, and a stale If-Match, both fail with 412 and change nothing.
        #expect(await s.send("PUT", path, Self.event("a"), headers: ["if-none-match": "*"]).status == 412)
        #expect(
            await s.send("PUT", path, Self.event("a", "20261202T090000Z"), headers: ["if-match": "\"stale\""]).status
                == 412)
        let updated = await s.send("PUT", path, Self.event("a", "20261202T090000Z"), headers: ["if-match": etag])
        #expect(updated.status == 204 && updated.header("ETag") != etag)
        #expect(await s.send("DELETE", path, headers: ["if-match": etag]).status == 412)
        #expect(await s.send("DELETE", path).status == 204)
        #expect(await s.send("GET", path).status == 404)
    }

    @Test func invalidDataAndWrongComponentAreRefusedWithPreconditions() async throws {
        let s = try await Setup()
        let bad = await s.send("PUT", s.calendar + "bad.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
        #expect(bad.status == 403)
        // The task list takes VTODO only (RFC 4791 §5.3.2.1 supported-calendar-component).
        let wrong = await s.send("PUT", "/dav/calendars/user@example.test/tasks/e.ics", Self.event("e"))
        #expect(
            wrong.status == 403 && String(decoding: wrong.body, as: UTF8.self).contains("supported-calendar-component"))
        #expect(await s.send("PUT", s.calendar + "one.ics", Self.event("same")).status == 201)
        let conflict = await s.send("PUT", s.calendar + "two.ics", Self.event("same"))
        #expect(conflict.status == 403 && String(decoding: conflict.body, as: UTF8.self).contains("no-uid-conflict"))
    }

    @Test func anotherAccountsPathsAreForbidden() async throws {
        let s = try await Setup()
        for (method, path) in [
            ("PROPFIND", "/dav/principals/other@example.test/"),
            ("GET", "/dav/calendars/other@example.test/calendar/x.ics"),
            ("PUT", "/dav/calendars/other@example.test/calendar/x.ics"),
            ("DELETE", "/dav/addressbooks/other@example.test/contacts/"),
        ] {
            #expect(await s.send(method, path, Self.event("x")).status == 403, "\(method) \(path)")
        }
    }

    @Test func calendarQueryWithRecurrenceAndSync() async throws {
        let s = try await Setup()
        #expect(await s.send("PUT", s.calendar + "once.ics", Self.event("once", "20261201T090000Z")).status == 201)
        #expect(
            await s.send(
                "PUT", s.calendar + "daily.ics",
                Self.event("daily", "20261101T080000Z", "RRULE:FREQ=DAILY;COUNT=60\r\n")
            )
            .status == 201)
        #expect(await s.send("PUT", s.calendar + "old.ics", Self.event("old", "20250101T090000Z")).status == 201)
        let query = """
            <C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>
            <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
            <C:time-range start="20261201T000000Z" end="20261202T000000Z"/></C:comp-filter></C:comp-filter></C:filter>
            </C:calendar-query>
            """
        let r = await s.send("REPORT", s.calendar, query, headers: ["depth": "1"])
        let text = String(decoding: r.body, as: UTF8.self)
        #expect(r.status == 207 && text.contains("once.ics") && text.contains("daily.ics") && !text.contains("old.ics"))

        let initial = await s.send(
            "REPORT", s.calendar,
            "<D:sync-collection xmlns:D=\"DAV:\"><D:sync-token/><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>"
        )
        let initialText = String(decoding: initial.body, as: UTF8.self)
        let token = try #require(
            initialText.components(separatedBy: "sync-token>").dropFirst().first?.components(separatedBy: "<").first)
        #expect(await s.send("DELETE", s.calendar + "old.ics").status == 204)
        let later = await s.send(
            "REPORT", s.calendar,
            "<D:sync-collection xmlns:D=\"DAV:\"><D:sync-token>\(token)</D:sync-token><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>"
        )
        let laterText = String(decoding: later.body, as: UTF8.self)
        #expect(laterText.contains("old.ics") && laterText.contains("404") && !laterText.contains("once.ics"))
    }

    @Test func expandAlarmsAndBoundedRecurrence() async throws {
        let s = try await Setup()
        let alarm = "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:soon\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n"
        #expect(
            await s.send(
                "PUT", s.calendar + "daily.ics",
                Self.event("daily", "20261101T080000Z", "RRULE:FREQ=DAILY;COUNT=3\r\n" + alarm)
            )
            .status == 201)
        // After the last instance: nothing (the stored span of a bounded series is exact).
        let later = """
            <C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>
            <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
            <C:time-range start="20261104T000000Z" end="20270101T000000Z"/></C:comp-filter></C:comp-filter></C:filter>
            </C:calendar-query>
            """
        #expect(!String(decoding: await s.send("REPORT", s.calendar, later).body, as: UTF8.self).contains("daily.ics"))
        // The alarm of the second instance fires at 07:45 on 2 November.
        func alarmQuery(_ start: String, _ end: String) -> String {
            """
            <C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>
            <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:comp-filter name="VALARM">
            <C:time-range start="\(start)" end="\(end)"/></C:comp-filter></C:comp-filter></C:comp-filter></C:filter>
            </C:calendar-query>
            """
        }
        let hit = await s.send("REPORT", s.calendar, alarmQuery("20261102T074000Z", "20261102T075000Z"))
        #expect(String(decoding: hit.body, as: UTF8.self).contains("daily.ics"))
        let miss = await s.send("REPORT", s.calendar, alarmQuery("20261102T075000Z", "20261102T080000Z"))
        #expect(!String(decoding: miss.body, as: UTF8.self).contains("daily.ics"))
        // CALDAV:expand returns the instances in the range as separate components with RECURRENCE-ID.
        let multiget = """
            <C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/>
            <C:calendar-data><C:expand start="20261101T000000Z" end="20261103T000000Z"/></C:calendar-data></D:prop>
            <D:href>\(s.calendar)daily.ics</D:href></C:calendar-multiget>
            """
        let expanded = String(decoding: await s.send("REPORT", s.calendar, multiget).body, as: UTF8.self)
        #expect(expanded.components(separatedBy: "BEGIN:VEVENT").count - 1 == 2)
        #expect(expanded.contains("RECURRENCE-ID") && !expanded.contains("RRULE"))
    }

    @Test func freeBusyMergesBusyTimeAndSkipsTransparentAndCancelled() async throws {
        let s = try await Setup()
        for (name, start, extra) in [
            ("a", "20261201T090000Z", ""), ("b", "20261201T093000Z", ""),  // overlap: 09:00-10:30
            ("t", "20261201T120000Z", "STATUS:TENTATIVE\r\n"), ("x", "20261201T140000Z", "TRANSP:TRANSPARENT\r\n"),
            ("c", "20261201T160000Z", "STATUS:CANCELLED\r\n"),
            ("r", "20261130T170000Z", "RRULE:FREQ=DAILY;COUNT=3\r\n"),
        ] {
            #expect(await s.send("PUT", s.calendar + "\(name).ics", Self.event(name, start, extra)).status == 201)
        }
        let query = """
            <C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav">
            <C:time-range start="20261201T000000Z" end="20261202T000000Z"/></C:free-busy-query>
            """
        let r = await s.send("REPORT", s.calendar, query, headers: ["depth": "1"])
        let text = String(decoding: r.body, as: UTF8.self)
        #expect(r.status == 200 && r.header("Content-Type")?.hasPrefix("text/calendar") == true)
        #expect(text.contains("FREEBUSY;FBTYPE=BUSY:20261201T090000Z/20261201T103000Z\r\n"))
        #expect(text.contains("FREEBUSY;FBTYPE=BUSY:20261201T170000Z/20261201T180000Z\r\n"))
        #expect(text.contains("FREEBUSY;FBTYPE=BUSY-TENTATIVE:20261201T120000Z/20261201T130000Z\r\n"))
        #expect(!text.contains("T140000Z") && !text.contains("T160000Z"))
    }

    @Test func calendarDataSelectionAndLimitRecurrenceSet() async throws {
        let s = try await Setup()
        // A weekly series with two overrides: one moved into December, one in January.
        let body = """
            BEGIN:VCALENDAR\r
            VERSION:2.0\r
            PRODID:-//test//EN\r
            BEGIN:VEVENT\r
            UID:weekly\r
            DTSTAMP:20261101T000000Z\r
            DTSTART:20261201T090000Z\r
            DURATION:PT1H\r
            RRULE:FREQ=WEEKLY;COUNT=10\r
            SUMMARY:Standup\r
            LOCATION:Room 1\r
            BEGIN:VALARM\r
            ACTION:DISPLAY\r
            DESCRIPTION:soon\r
            TRIGGER:-PT15M\r
            END:VALARM\r
            END:VEVENT\r
            BEGIN:VEVENT\r
            UID:weekly\r
            DTSTAMP:20261101T000000Z\r
            RECURRENCE-ID:20261208T090000Z\r
            DTSTART:20261208T100000Z\r
            DURATION:PT1H\r
            SUMMARY:Standup moved\r
            END:VEVENT\r
            BEGIN:VEVENT\r
            UID:weekly\r
            DTSTAMP:20261101T000000Z\r
            RECURRENCE-ID:20270105T090000Z\r
            DTSTART:20270105T110000Z\r
            DURATION:PT1H\r
            SUMMARY:Standup in January\r
            END:VEVENT\r
            END:VCALENDAR\r

            """
        #expect(await s.send("PUT", s.calendar + "weekly.ics", body).status == 201)
        func multiget(_ data: String) async -> String {
            let report = """
                <C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>
                \(data)</D:prop><D:href>\(s.calendar)weekly.ics</D:href></C:calendar-multiget>
                """
            return String(decoding: await s.send("REPORT", s.calendar, report).body, as: UTF8.self)
        }
        // A bare calendar-data is the resource as stored.
        let whole = await multiget("<C:calendar-data/>")
        #expect(whole.contains("LOCATION:Room 1") && whole.contains("Standup in January"))
        // RFC 4791 §9.6.6: the master and only the overrides that affect instances in the range.
        let limited = await multiget(
            #"<C:calendar-data><C:limit-recurrence-set start="20261201T000000Z" end="20261231T000000Z"/></C:calendar-data>"#
        )
        #expect(limited.contains("RRULE:FREQ=WEEKLY") && limited.contains("Standup moved"))
        #expect(!limited.contains("Standup in January"))
        // RFC 4791 §9.6.1: only the named properties and components; novalue keeps the name only.
        let selected = await multiget(
            """
            <C:calendar-data><C:comp name="VCALENDAR"><C:prop name="VERSION"/><C:comp name="VEVENT">
            <C:prop name="UID"/><C:prop name="SUMMARY"/><C:prop name="DTSTART"/><C:prop name="LOCATION" novalue="yes"/>
            <C:comp name="VALARM"/></C:comp></C:comp></C:calendar-data>
            """)
        #expect(selected.contains("VERSION:2.0") && !selected.contains("PRODID"))
        #expect(selected.contains("SUMMARY:Standup") && selected.contains("LOCATION:"))
        #expect(!selected.contains("DURATION") && !selected.contains("RRULE") && !selected.contains("Room 1"))
        // A comp with no prop and no comp children is returned whole (the VALARM stays).
        #expect(selected.contains("BEGIN:VALARM") && selected.contains("TRIGGER:-PT15M"))
        let noAlarms = await multiget(
            """
            <C:calendar-data><C:comp name="VCALENDAR"><C:allprop/><C:comp name="VEVENT"><C:allprop/></C:comp>
            </C:comp></C:calendar-data>
            """)
        #expect(noAlarms.contains("RRULE:FREQ=WEEKLY") && !noAlarms.contains("BEGIN:VALARM"))
    }

    @Test func addressDataPropertySelection() async throws {
        let s = try await Setup()
        let card = """
            BEGIN:VCARD\r
            VERSION:4.0\r
            UID:card-1\r
            FN:Ada Lovelace\r
            EMAIL:ada@example.test\r
            TEL:+44 20 0000 0000\r
            NOTE:Analyst\r
            END:VCARD\r

            """
        let book = "/dav/addressbooks/user@example.test/contacts/"
        #expect(await s.send("PUT", book + "ada.vcf", card).status == 201)
        let report = """
            <A:addressbook-multiget xmlns:D="DAV:" xmlns:A="urn:ietf:params:xml:ns:carddav"><D:prop>
            <A:address-data><A:prop name="FN"/><A:prop name="EMAIL"/><A:prop name="NOTE" novalue="yes"/></A:address-data>
            </D:prop><D:href>\(book)ada.vcf</D:href></A:addressbook-multiget>
            """
        let text = String(decoding: await s.send("REPORT", book, report).body, as: UTF8.self)
        #expect(text.contains("FN:Ada Lovelace") && text.contains("EMAIL:ada@example.test"))
        #expect(text.contains("VERSION:4.0") && text.contains("NOTE:"))
        #expect(!text.contains("TEL") && !text.contains("Analyst") && !text.contains("UID:card-1"))
    }
}
