import Testing

@testable import WebDAV

@Suite struct XMLTreeParserTests {
    @Test func parsesNamespacesAttributesAndText() throws {
        let body = """
            <?xml version="1.0" encoding="utf-8" ?>
            <D:propfind xmlns:D="DAV:" xmlns:x="urn:x" xml:lang="en" x:a="1" b="2">
              <D:prop><foo xmlns=""/>a &amp; b<![CDATA[x<y]]></D:prop>
              <bar xmlns="urn:default"><baz>t</baz></bar>
            </D:propfind>
            """
        let root = try XMLTreeParser.parse(body)
        #expect(root.name == .dav("propfind"))
        #expect(
            root.attributes == [
                QualifiedName(XMLNamespace.xml, "lang"): "en", QualifiedName("urn:x", "a"): "1",
                QualifiedName("", "b"): "2",
            ])
        let prop = try #require(root.first(.dav("prop")))
        #expect(prop.children == [.element(XMLTreeElement(QualifiedName("", "foo"))), .text("a & bx<y")])
        let bar = try #require(root.first(QualifiedName("urn:default", "bar")))
        #expect(bar.elements == [XMLTreeElement(QualifiedName("urn:default", "baz"), text: "t")])
        #expect(root.elements.count == 2)  // indentation dropped
    }

    static let malformed: [(String, XMLTreeError)] = [
        ("<a><b></a>", .malformed(line: 1, column: 0)),
        ("<a>&foo;</a>", .malformed(line: 1, column: 0)),
        ("<a>x</a>junk", .malformed(line: 1, column: 0)),
        ("<p:a>x</p:a>", .malformed(line: 1, column: 0)),
        ("<a p:x='1'/>", .malformed(line: 1, column: 0)),
        ("<a>", .malformed(line: 1, column: 0)),
        ("", .noRootElement),
        ("   ", .noRootElement),
        ("<!DOCTYPE a [<!ENTITY x \"yyy\">]><a>&x;</a>", .doctypeRefused),
        (
            "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><a>&xxe;</a>",
            .doctypeRefused
        ),
        ("<a><!-- <!ENTITY --></a>", .doctypeRefused),
        ("<?xml version=\"1.0\" encoding=\"UTF-7\"?><a/>", .unsupportedEncoding),
        ("<?xml version='1.0' encoding='ISO-8859-1'?><a/>", .unsupportedEncoding),
    ]

    @Test(arguments: malformed)
    func refusesMalformed(_ body: String, _ expected: XMLTreeError) {
        do {
            _ = try XMLTreeParser.parse(body)
            Issue.record("parsed \(body)")
        } catch {
            switch (error, expected) {
            case (.malformed, .malformed): break
            default: #expect(error == expected)
            }
        }
    }
}

@Suite struct XMLTreeLimitTests {
    @Test func refusesTooLargeBody() {
        let limits = XMLLimits(maxBodyOctets: 64, maxDepth: 10, maxElements: 10)
        let body = "<a>" + String(repeating: "x", count: 61) + "</a>"
        #expect(throws: XMLTreeError.bodyTooLarge(limit: 64)) { try XMLTreeParser.parse(body, limits: limits) }
        #expect(throws: Never.self) {
            try XMLTreeParser.parse("<a>" + String(repeating: "x", count: 57) + "</a>", limits: limits)
        }
    }

    @Test(arguments: [1, 5, 48])
    func refusesTooDeepNesting(_ depth: Int) throws {
        let limits = XMLLimits(maxBodyOctets: 1 << 20, maxDepth: depth, maxElements: 10_000)
        let ok = String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
        #expect(try XMLTreeParser.parse(ok, limits: limits).name == QualifiedName("", "a"))
        let deep = String(repeating: "<a>", count: depth + 1) + String(repeating: "</a>", count: depth + 1)
        #expect(throws: XMLTreeError.tooDeep(limit: depth)) { try XMLTreeParser.parse(deep, limits: limits) }
    }

    @Test func refusesTooDeepNestingWithDefaultLimits() {
        let deep = String(repeating: "<a>", count: 10_000) + String(repeating: "</a>", count: 10_000)
        #expect(throws: XMLTreeError.tooDeep(limit: XMLLimits.default.maxDepth)) { try XMLTreeParser.parse(deep) }
    }

    @Test func refusesTooManyElements() throws {
        let limits = XMLLimits(maxBodyOctets: 1 << 20, maxDepth: 10, maxElements: 100)
        let ok = "<r>" + String(repeating: "<b/>", count: 99) + "</r>"
        #expect(try XMLTreeParser.parse(ok, limits: limits).elements.count == 99)
        let many = "<r>" + String(repeating: "<b/>", count: 100) + "</r>"
        #expect(throws: XMLTreeError.tooManyElements(limit: 100)) { try XMLTreeParser.parse(many, limits: limits) }
    }

    static let encodings: [[UInt8]] = [
        [0xFF, 0xFE] + Array("<a/>".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] },  // UTF-16LE with BOM
        [0x3C, 0x00, 0x61, 0x00, 0x2F, 0x00, 0x3E, 0x00],  // UTF-16LE without BOM
        Array("<a>".utf8) + [0xC3, 0x28] + Array("</a>".utf8),  // invalid UTF-8
        Array("<a>".utf8) + [0x00] + Array("</a>".utf8),
    ]

    @Test(arguments: encodings)
    func refusesNonUTF8(_ body: [UInt8]) {
        #expect(throws: XMLTreeError.unsupportedEncoding) { try XMLTreeParser.parse(body) }
    }

    @Test func acceptsUTF8ByteOrderMarkAndDeclaration() throws {
        let body: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>é</a>".utf8)
        #expect(try XMLTreeParser.parse(body) == XMLTreeElement(QualifiedName("", "a"), text: "é"))
    }

    /// The billion laughs: refused before any expansion.
    @Test func refusesEntityExpansion() {
        let body = """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
            <D:propfind xmlns:D="DAV:"><D:prop><x>&lol2;</x></D:prop></D:propfind>
            """
        #expect(throws: XMLTreeError.doctypeRefused) { try XMLTreeParser.parse(body) }
        #expect(throws: DAVRequestError.xml(.doctypeRefused)) { try PropFindRequest.parse(Array(body.utf8)) }
    }
}

@Suite struct XMLTreeWriterTests {
    static let foreign = "http://ns.example.com/boxschema/"

    static let trees: [XMLTreeElement] = [
        XMLTreeElement(.dav("multistatus")),
        XMLTreeElement(
            .dav("prop"),
            elements: [
                XMLTreeElement(.dav("displayname"), text: "Tom & Jerry's <calendar> \"quoted\""),
                XMLTreeElement(
                    .caldav("calendar-description"), attributes: [QualifiedName(XMLNamespace.xml, "lang"): "en"],
                    text: "line 1\r\nline 2\ttab"),
                XMLTreeElement(PropertyName.calendarColor.qualifiedName, text: "#FF0000FF"),
                XMLTreeElement(PropertyName.getCTag.qualifiedName, text: "ctag-1"),
                XMLTreeElement(.carddav("addressbook-description"), text: "Ünïcödé ✓ 𝄞"),
            ]),
        // Dead property with mixed content, foreign namespaces, attributes in several namespaces.
        XMLTreeElement(
            QualifiedName(foreign, "bigbox"),
            attributes: [QualifiedName("", "plain"): "a\"b<c&d\n", QualifiedName("urn:other", "attr"): "v"],
            children: [
                .text("before "), .element(XMLTreeElement(QualifiedName(foreign, "BoxType"), text: "Box type A")),
                .text(" after"), .element(XMLTreeElement(QualifiedName("", "unqualified"), text: "no namespace")),
                .element(
                    XMLTreeElement(
                        QualifiedName("urn:third", "deep"),
                        elements: [XMLTreeElement(QualifiedName("urn:fourth", "deeper"))])),
            ]),
        XMLTreeElement(QualifiedName("", "root"), text: "   "),
    ]

    @Test(arguments: trees)
    func roundTrips(_ tree: XMLTreeElement) throws {
        let bytes = XMLTreeWriter.document(tree)
        #expect(try XMLTreeParser.parse(bytes) == tree)
        #expect(try XMLTreeParser.parse(XMLTreeWriter.fragment(tree)) == tree)
    }

    @Test func declaresPrefixesOnceAtTheRoot() {
        let tree = XMLTreeElement(
            .dav("multistatus"),
            elements: [
                XMLTreeElement(
                    .dav("response"),
                    elements: [
                        XMLTreeElement(.caldav("calendar-data"), text: "x"), XMLTreeElement(.carddav("address-data")),
                        XMLTreeElement(PropertyName.getCTag.qualifiedName),
                        XMLTreeElement(PropertyName.calendarOrder.qualifiedName),
                        XMLTreeElement(QualifiedName("urn:a", "one")), XMLTreeElement(QualifiedName("urn:b", "two")),
                        XMLTreeElement(QualifiedName("urn:a", "three")),
                    ])
            ])
        let text = XMLTreeWriter.string(tree)
        #expect(
            text == """
                <?xml version="1.0" encoding="utf-8"?>
                <D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" \
                xmlns:CR="urn:ietf:params:xml:ns:carddav" xmlns:CS="http://calendarserver.org/ns/" \
                xmlns:ICAL="http://apple.com/ns/ical/" xmlns:x1="urn:a" xmlns:x2="urn:b"><D:response>\
                <C:calendar-data>x</C:calendar-data><CR:address-data/><CS:getctag/><ICAL:calendar-order/><x1:one/>\
                <x2:two/><x1:three/></D:response></D:multistatus>
                """)
    }

    @Test func escapesTextAndAttributes() {
        #expect(XMLTreeWriter.escapeText("a<b>&c\r\n\"'") == "a&lt;b&gt;&amp;c&#13;\n\"'")
        #expect(XMLTreeWriter.escapeAttribute("a<b>&c\"\t\n\r'") == "a&lt;b>&amp;c&quot;&#9;&#10;&#13;'")
        #expect(XMLTreeWriter.escapeText("bell\u{7}nul\u{0}") == "bell\u{FFFD}nul\u{FFFD}")
    }
}
