import Foundation
import Testing

@testable import WebDAV

@Suite struct HeaderTests {
    @Test func depth() throws {
        #expect(try Depth.parse("0", default: .infinity) == .zero)
        #expect(try Depth.parse("1", default: .zero) == .one)
        #expect(try Depth.parse(" Infinity ", default: .zero) == .infinity)
        #expect(try Depth.parse(nil, default: .infinity) == .infinity)
        #expect(try Depth.parse(nil, default: .zero) == .zero)
        for bad in ["", "2", "-1", "infinite", "1,0"] {
            #expect(throws: DAVRequestError.invalidHeader(header: "Depth", value: bad)) {
                try Depth.parse(bad, default: .zero)
            }
        }
    }

    static let entityTags: [(String, EntityTagCondition)] = [
        ("*", .any),
        (" * ", .any),
        (#""abc""#, .tags([EntityTag("abc")])),
        (#"W/"abc""#, .tags([EntityTag("abc", isWeak: true)])),
        (#""a", W/"b" ,"c""#, .tags([EntityTag("a"), EntityTag("b", isWeak: true), EntityTag("c")])),
        (#""""#, .tags([EntityTag("")])),
        (#", "x",,"#, .tags([EntityTag("x")])),
        (#""00001-abcd1""#, .tags([EntityTag("00001-abcd1")])),
    ]

    @Test(arguments: entityTags)
    func parsesEntityTags(_ value: String, _ expected: EntityTagCondition) throws {
        #expect(try EntityTagCondition.parse(value) == expected)
    }

    @Test(arguments: ["", "abc", #""abc"#, #""a" "b""#, #"w/"a""#, "*, \"a\"", #""a"b"#, #""a b""#])
    func refusesBadEntityTags(_ value: String) {
        #expect(throws: DAVRequestError.invalidHeader(header: "If-Match", value: value)) {
            try EntityTagCondition.parse(value)
        }
    }

    @Test func entityTagRoundTripAndComparison() throws {
        let strong = EntityTag("v1")
        let weak = EntityTag("v1", isWeak: true)
        #expect(strong.description == #""v1""#)
        #expect(weak.description == #"W/"v1""#)
        #expect(try EntityTagCondition.parse(weak.description) == .tags([weak]))
        // RFC 9110 §13.1.1: If-Match uses strong comparison.
        #expect(EntityTagCondition.tags([strong]).ifMatchHolds(current: strong))
        #expect(!EntityTagCondition.tags([weak]).ifMatchHolds(current: strong))
        #expect(!EntityTagCondition.tags([strong]).ifMatchHolds(current: EntityTag("v2")))
        #expect(EntityTagCondition.any.ifMatchHolds(current: strong))
        #expect(!EntityTagCondition.any.ifMatchHolds(current: nil))
        // RFC 9110 §13.1.2: If-None-Match uses weak comparison; `*` fails when the resource exists.
        #expect(!EntityTagCondition.tags([weak]).ifNoneMatchHolds(current: strong))
        #expect(EntityTagCondition.tags([strong]).ifNoneMatchHolds(current: EntityTag("v2")))
        #expect(!EntityTagCondition.any.ifNoneMatchHolds(current: strong))
        #expect(EntityTagCondition.any.ifNoneMatchHolds(current: nil))
    }

    @Test func tooManyEntityTags() {
        let value = Array(repeating: #""x""#, count: WebDAVLimits.maxEntityTags + 1).joined(separator: ",")
        #expect(throws: DAVRequestError.invalidHeader(header: "If-None-Match", value: value)) {
            try EntityTagCondition.parse(value, header: "If-None-Match")
        }
    }

    @Test func overwrite() throws {
        #expect(try Overwrite.parse(nil) == true)
        #expect(try Overwrite.parse("T") == true)
        #expect(try Overwrite.parse("F") == false)
        #expect(throws: DAVRequestError.invalidHeader(header: "Overwrite", value: "yes")) { try Overwrite.parse("yes") }
    }

    @Test func destination() throws {
        let absolute = try Destination.parse("http://cal.example.com:8443/dav/Calendar%20Work/ev%201.ics")
        #expect(absolute.path == "/dav/Calendar Work/ev 1.ics")
        #expect(absolute.segments == ["dav", "Calendar Work", "ev 1.ics"])
        #expect(!absolute.isCollection)
        #expect(try Destination.parse("/dav/new%20folder/").path == "/dav/new folder/")
        #expect(try Destination.parse("/dav/new%20folder/").isCollection)
        #expect(try Destination.parse("https://Cal.Example.com/x", authority: "cal.example.com").path == "/x")
        #expect(throws: DAVRequestError.invalidHeader(header: "Destination", value: "https://evil.example/x")) {
            try Destination.parse("https://evil.example/x", authority: "cal.example.com")
        }
        #expect(throws: DAVRequestError.invalidHeader(header: "Destination", value: "relative/path")) {
            try Destination.parse("relative/path")
        }
    }
}

@Suite struct HrefTests {
    static let table: [(String, String)] = [
        ("/", "/"),
        ("/cal/Calendar Work/ev 1.ics", "/cal/Calendar%20Work/ev%201.ics"),
        ("/cal/Calendar Work/", "/cal/Calendar%20Work/"),
        ("/dav/alice@example.com/contacts/", "/dav/alice@example.com/contacts/"),
        ("/a/100%/b+c&d=e;f", "/a/100%25/b%2Bc%26d%3De%3Bf"),
        ("/a/Zoë's café ☕/x?y#z", "/a/Zo%C3%AB%27s%20caf%C3%A9%20%E2%98%95/x%3Fy%23z"),
        ("/a/~user_name-1.2/", "/a/~user_name-1.2/"),
        ("/a/\"quoted\" <tag>", "/a/%22quoted%22%20%3Ctag%3E"),
    ]

    @Test(arguments: table)
    func encodesAndDecodes(_ path: String, _ href: String) throws {
        #expect(Href.encode(path: path) == href)
        #expect(try Href.decodePath(href) == path)
    }

    @Test func decodesAbsoluteURIsAndLowercaseEscapes() throws {
        #expect(
            try Href.decodePath("http://cal.example.com/dav/calendars/user@example.com/office/abcd1.ics")
                == "/dav/calendars/user@example.com/office/abcd1.ics")
        #expect(try Href.decodePath("https://cal.example.com") == "/")
        #expect(try Href.decodePath("/x/caf%c3%a9") == "/x/café")
        #expect(try Href.decodePath("/dav/alice%40example.com/") == "/dav/alice@example.com/")
        #expect(Href.authority(of: "http://cal.example.com:80/x") == "cal.example.com:80")
        #expect(Href.authority(of: "/x") == nil)
    }

    @Test func encodesSegmentSlash() throws {
        #expect(Href.encode(segment: "a/b") == "a%2Fb")
    }

    @Test(arguments: [
        "", "relative", "/a/%2F/b", "/a/%2f", "/a/%", "/a/%4", "/a/%zz", "/a/../b", "/a/./b", "/a/%2E%2E/b", "/a//b",
        "/a?query", "/a#frag", "/a/%00", "/a/%C3%28", "mailto:x@example.com",
    ])
    func refusesBadHrefs(_ href: String) {
        #expect(throws: DAVRequestError.invalidHref(href)) { try Href.decodePath(href) }
    }

    @Test func refusesOverlongHref() {
        let href = "/" + String(repeating: "a", count: WebDAVLimits.maxHrefOctets)
        #expect(throws: DAVRequestError.invalidHref(href)) { try Href.decodePath(href) }
    }
}
