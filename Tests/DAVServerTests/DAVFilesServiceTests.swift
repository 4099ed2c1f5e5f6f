// The WebDAV file area in-process (RFC 4918): the status codes litmus and file managers rely on, PROPFIND of
// a tree, PROPPATCH in document order, COPY/MOVE headers, conditional GET and isolation. The litmus suites
// themselves run against the binary in Tests/Interop/test_dav.py.

import Foundation
import MailStore
import MailTestSupport
import Testing

@testable import DAVServer

@Suite struct DAVFilesServiceTests {
    typealias Setup = DAVServiceTests.Setup
    static let files = "/dav/files/user@example.test/"

    static func text(_ r: DAVResponse) -> String { String(decoding: r.body, as: UTF8.self) }

    /// The multistatus of a Depth 0 PROPFIND for `props` (elements in the DAV: and urn:z namespaces, prefixes D, Z).
    static func propfind(_ s: Setup, _ path: String, _ props: String) async -> String {
        let body = "<D:propfind xmlns:D=\"DAV:\" xmlns:Z=\"urn:z\"><D:prop>\(props)</D:prop></D:propfind>"
        return text(await s.send("PROPFIND", path, body, headers: ["depth": "0"]))
    }

    @Test func mkcolPutGetAndTheStatusesOfRFC4918() async throws {
        let s = try await Setup()
        let f = Self.files
        #expect(await s.send("MKCOL", f + "docs/").status == 201)
        #expect(await s.send("MKCOL", f + "docs/").status == 405)  // §9.3.1: exists
        #expect(await s.send("MKCOL", f + "none/inner/").status == 409)  // §9.3.1: no parent
        #expect(await s.send("PUT", f + "none/file.txt", "x").status == 409)  // §9.7.1
        // §9.3: a body MKCOL does not understand is 415.
        #expect(await s.send("MKCOL", f + "odd/", "junk", headers: ["content-type": "xzy-foo/bar-512"]).status == 415)
        let put = await s.send("PUT", f + "docs/a.txt", "hello", headers: ["content-type": "text/plain"])
        #expect(put.status == 201)
        let etag = try #require(put.header("ETag"))
        let get = await s.send("GET", f + "docs/a.txt")
        #expect(get.status == 200 && Self.text(get) == "hello" && get.header("Content-Type") == "text/plain")
        #expect(await s.send("GET", f + "docs/a.txt", headers: ["if-none-match": etag]).status == 304)
        #expect(await s.send("PUT", f + "docs/a.txt", "bye", headers: ["if-match": "\"stale\""]).status == 412)
        #expect(await s.send("PUT", f + "docs/a.txt", "bye", headers: ["if-match": etag]).status == 204)
        #expect(await s.send("MKCOL", f + "docs/a.txt").status == 405)  // over a file
        #expect(await s.send("PUT", f + "docs", "x").status == 405)  // over a collection
        #expect(Self.text(await s.send("GET", f + "docs/")) == "a.txt\n")
        #expect(await s.send("DELETE", f + "docs/").status == 204)
        #expect(await s.send("GET", f + "docs/a.txt").status == 404)
        #expect(await s.send("DELETE", f + "docs/").status == 404)
        #expect(await s.send("DELETE", f).status == 405)
        #expect(await s.send("MKCALENDAR", f + "cal/").status == 403)
        // Extended MKCOL (RFC 5689): a plain collection with its properties; a calendar belongs in the calendar home.
        let mkcol = """
            <D:mkcol xmlns:D="DAV:" xmlns:Z="urn:z"><D:set><D:prop>
              <D:resourcetype><D:collection/></D:resourcetype><D:displayname>Reports</D:displayname><Z:tag>q3</Z:tag>
            </D:prop></D:set></D:mkcol>
            """
        let xml = ["content-type": "application/xml"]
        #expect(await s.send("MKCOL", f + "reports/", mkcol, headers: xml).status == 201)
        let props = await Self.propfind(s, f + "reports/", "<D:displayname/><Z:tag/>")
        #expect(props.contains(">Reports<") && props.contains(">q3<"))
        let calendar = mkcol.replacingOccurrences(
            of: "<D:collection/>", with: "<D:collection/><C:calendar xmlns:C=\"urn:ietf:params:xml:ns:caldav\"/>")
        #expect(await s.send("MKCOL", f + "cal/", calendar, headers: xml).status == 403)
        #expect(await s.send("PROPFIND", f + "cal/", "", headers: ["depth": "0"]).status == 404)
    }

    @Test func propfindListsTheTreeAndProppatchAppliesInDocumentOrder() async throws {
        let s = try await Setup()
        let f = Self.files
        #expect(await s.send("MKCOL", f + "Ünï €/").status == 201)
        #expect(await s.send("PUT", f + "Ünï €/n.txt", "12345").status == 201)
        let listing = await s.send("PROPFIND", f, "", headers: ["depth": "1"])
        #expect(listing.status == 207)
        let body = Self.text(listing)
        #expect(
            body.contains("\(f)%C3%9Cn%C3%AF%20%E2%82%AC/</") && body.contains("<D:collection/>"))
        let file = Self.text(
            await s.send("PROPFIND", f + "%C3%9Cn%C3%AF%20%E2%82%AC/n.txt", "", headers: ["depth": "0"]))
        #expect(file.contains("getcontentlength>5<") && file.contains("application/octet-stream"))
        // Set then remove removes; remove then set sets (RFC 4918 §9.2: in document order).
        let patch = """
            <?xml version="1.0" encoding="utf-8"?>
            <D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:z">
              <D:set><D:prop><Z:gone>1</Z:gone><Z:kept><Z:nested a="b">v</Z:nested></Z:kept></D:prop></D:set>
              <D:remove><D:prop><Z:gone/></D:prop></D:remove>
            </D:propertyupdate>
            """
        #expect(await s.send("PROPPATCH", f + "%C3%9Cn%C3%AF%20%E2%82%AC/n.txt", patch).status == 207)
        let props = await Self.propfind(s, f + "%C3%9Cn%C3%AF%20%E2%82%AC/n.txt", "<Z:gone/><Z:kept/>")
        #expect(props.contains("nested") && props.contains("404"))
        // Live properties are protected: the whole PROPPATCH fails (403 for it, 424 for the rest).
        let refused = """
            <D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:z">
              <D:set><D:prop><D:getetag>x</D:getetag><Z:other>1</Z:other></D:prop></D:set>
            </D:propertyupdate>
            """
        let r = Self.text(await s.send("PROPPATCH", f + "%C3%9Cn%C3%AF%20%E2%82%AC/n.txt", refused))
        #expect(r.contains("403") && r.contains("424"))
        #expect(await s.send("PROPFIND", f, "", headers: ["depth": "infinity"]).status == 403)
    }

    /// The calendar collections follow the same order (their live columns and their dead properties).
    @Test func calendarProppatchAppliesInDocumentOrder() async throws {
        let s = try await Setup()
        let patch = """
            <D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:z">
              <D:set><D:prop><D:displayname>Work</D:displayname><Z:tag>1</Z:tag></D:prop></D:set>
              <D:remove><D:prop><D:displayname/><Z:tag/></D:prop></D:remove>
              <D:set><D:prop><D:displayname>Home</D:displayname></D:prop></D:set>
            </D:propertyupdate>
            """
        #expect(await s.send("PROPPATCH", s.calendar, patch).status == 207)
        let props = await Self.propfind(s, s.calendar, "<D:displayname/><Z:tag/>")
        #expect(props.contains(">Home<") && !props.contains(">Work<") && props.contains("404"))
    }

    @Test func copyAndMoveFollowDepthAndOverwrite() async throws {
        let s = try await Setup()
        let f = Self.files
        #expect(await s.send("MKCOL", f + "src/").status == 201)
        #expect(await s.send("PUT", f + "src/a", "A").status == 201)
        func transfer(_ method: String, _ from: String, _ to: String, _ headers: [String: String] = [:]) async -> Int {
            var h = headers
            h["destination"] = "http://localhost" + f + to
            return await s.send(method, f + from, headers: h).status
        }
        #expect(await transfer("COPY", "src/", "shallow/", ["depth": "0"]) == 201)
        #expect(Self.text(await s.send("GET", f + "shallow/")) == "")
        #expect(await transfer("COPY", "src/", "deep/") == 201)
        #expect(Self.text(await s.send("GET", f + "deep/a")) == "A")
        #expect(await transfer("COPY", "src/", "deep/", ["overwrite": "F"]) == 412)
        #expect(await transfer("COPY", "src/", "deep/", ["overwrite": "T"]) == 204)
        #expect(await transfer("COPY", "src/a", "missing/a") == 409)
        #expect(await transfer("COPY", "src/", "src/") == 403)
        #expect(await transfer("COPY", "src/", "src/inner/") == 409)
        #expect(await transfer("MOVE", "src/", "moved/", ["depth": "0"]) == 400)  // §9.9.2
        #expect(await transfer("MOVE", "src/", "moved/") == 201)
        #expect(await s.send("GET", f + "src/a").status == 404)
        #expect(Self.text(await s.send("GET", f + "moved/a")) == "A")
        // Out of the file area: not a file destination.
        var h = ["destination": "http://localhost/dav/calendars/user@example.test/calendar/a.ics"]
        #expect(await s.send("COPY", f + "moved/a", headers: h).status == 409)
        h["destination"] = "http://localhost/dav/files/other@example.test/a"
        #expect(await s.send("COPY", f + "moved/a", headers: h).status == 403)
    }

    /// RFC 4331: file-area collections report the account's usage, and what is left under a quota.
    @Test func collectionsReportQuota() async throws {
        let f = try await StoreFixture.make(quotaBytes: 1000)
        let dav = DAVService(store: f.store, logger: .init(label: "test"))
        func send(_ method: String, _ path: String, _ body: String, _ headers: [String: String] = [:]) async
            -> DAVResponse
        {
            await dav.handle(
                DAVRequest(method: method, path: path, headers: headers, body: Array(body.utf8), account: f.account))
        }
        #expect(await send("PUT", Self.files + "a.txt", String(repeating: "x", count: 300)).status == 201)
        let query = """
            <D:propfind xmlns:D="DAV:"><D:prop><D:quota-used-bytes/><D:quota-available-bytes/></D:prop></D:propfind>
            """
        let root = Self.text(await send("PROPFIND", Self.files, query, ["depth": "0"]))
        #expect(root.contains("quota-used-bytes>300<") && root.contains("quota-available-bytes>700<"))
        // A file has no quota properties; without a quota nothing is "available".
        #expect(Self.text(await send("PROPFIND", Self.files + "a.txt", query, ["depth": "0"])).contains("404"))
        // Depth 1: every collection shows the account's usage (read once for the request); the file shows none.
        #expect(await send("MKCOL", Self.files + "sub/", "").status == 201)
        let listing = Self.text(await send("PROPFIND", Self.files, query, ["depth": "1"]))
        #expect(listing.components(separatedBy: "quota-used-bytes>300<").count == 3)
        #expect(listing.components(separatedBy: "quota-available-bytes>700<").count == 3)
        try await f.store.updateAccount(f.account.id, passwordHash: nil, displayName: nil, quotaBytes: .some(nil))
        let unlimited = Self.text(await send("PROPFIND", Self.files, query, ["depth": "0"]))
        #expect(unlimited.contains("quota-used-bytes>300<") && !unlimited.contains("quota-available-bytes>"))
        // Over the quota: 507, nothing stored.
        try await f.store.updateAccount(f.account.id, passwordHash: nil, displayName: nil, quotaBytes: .some(400))
        #expect(await send("PUT", Self.files + "b.txt", String(repeating: "y", count: 200)).status == 507)
        #expect(await send("GET", Self.files + "b.txt", "").status == 404)
    }

    @Test func anotherAccountsFilesAreForbidden() async throws {
        let s = try await Setup()
        for method in ["PROPFIND", "GET", "PUT", "MKCOL", "DELETE"] {
            #expect(await s.send(method, "/dav/files/other@example.test/x").status == 403, "\(method)")
        }
    }
}
