import Testing

@testable import WebDAV

/// A processing instruction without data (`<?x?>`) is refused before libxml2 sees it: FoundationXML's XMLParser
/// passed its NULL data to strlen and crashed the process. Found by Fuzz/FuzzWebDAV
/// (Fuzz/corpus/FuzzWebDAV/regress-pi-without-data).
@Suite struct ProcessingInstructionTests {
    @Test(arguments: [
        "<?x?><a/>", "<a><?pi?></a>",
        "<?xml version=\"1.0\"?><D:propfind xmlns:D=\"DAV:\"><?t?><D:allprop/></D:propfind>",
        "<a><!-- <?x?> --></a>", "<??><a/>",
    ])
    func refusesPIWithoutData(_ body: String) {
        #expect(throws: XMLTreeError.processingInstructionRefused) { try XMLTreeParser.parse(body) }
        #expect(throws: DAVRequestError.xml(.processingInstructionRefused)) { try PropFindRequest.parse(bytes(body)) }
    }

    /// Instructions with data (even empty data after a space) and the XML declaration still parse; they are not
    /// part of the tree.
    @Test(arguments: [
        "<?x ?><a/>", "<a><?pi data?></a>", "<?xml version=\"1.0\" encoding=\"utf-8\"?><a/>", "<a>?&gt;</a>",
    ])
    func keepsPIWithData(_ body: String) throws {
        let tree = try XMLTreeParser.parse(body)
        #expect(tree.name == QualifiedName("", "a"))
    }

    /// Many "<?" openers cost linear time.
    @Test func manyOpenersAreLinear() {
        let body = String(repeating: "<?", count: 200_000) + "<a/>"
        #expect(throws: (any Error).self) { try XMLTreeParser.parse(body) }
    }
}

/// An XML declaration naming an encoding other than UTF-8 is refused even when it is not terminated or the name
/// also appears in another value: libxml2 crashed switching to an unsupported encoding (found by Fuzz/FuzzWebDAV,
/// Fuzz/corpus/FuzzWebDAV/regress-unterminated-declaration-utf7).
@Suite struct DeclaredEncodingTests {
    @Test(arguments: [
        "<?xml version=\"1.0\" encoding=\"UTF-7\"\u{1}\"<a/>", "<?xml version=\"1.0\" encoding='UTF-7'<a/>",
        "<?xml version=\"encoding\" encoding=\"UTF-7\"?><a/>",
    ])
    func refusesOtherEncodings(_ body: String) {
        #expect(throws: XMLTreeError.unsupportedEncoding) { try XMLTreeParser.parse(body) }
    }

    @Test func keepsUTF8Declaration() throws {
        #expect(
            try XMLTreeParser.parse("<?xml version=\"1.0\" encoding=\"UTF-8\"?><a/>").name == QualifiedName("", "a"))
    }
}
