// XMLTreeParser: request body bytes to an XMLTreeElement, with swift-corelibs-foundation's XMLParser (libxml2).
//
// Invariants:
// - No XXE, no entity expansion: any "<!DOCTYPE" or "<!ENTITY" in the body is refused before libxml2 sees it
//   (a document type declaration is the only place entities can be declared, XML 1.0 §2.8), external entities
//   are never resolved (`shouldResolveExternalEntities = false`), and an entity declaration reported by the
//   parser anyway aborts the parse. The scan is conservative: a comment that contains "<!DOCTYPE" is refused too.
// - The scan is only sound on the bytes libxml2 will read, so the body must be UTF-8 (RFC 4918 §8.2 and every
//   client send UTF-8): invalid UTF-8, NUL octets and an XML declaration naming another encoding are refused.
// - A processing instruction without data (`<?x?>`, the target directly followed by "?>") is refused before
//   libxml2 sees it: libxml2 reports its data as NULL and swift-corelibs-foundation's XMLParser passes that to
//   strlen, a segmentation fault. The scan is conservative like the DOCTYPE one (also inside comments and CDATA).
// - Limits (XMLLimits) are checked before parsing (size) and while building (depth, element count); the parse is
//   aborted at the first violation.
// - libxml2 recovers from some errors (a wrong end tag, an unbound prefix) and still reports success; any error
//   reported during the parse fails it here.

import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Why a body is not acceptable XML.
public enum XMLTreeError: Error, Hashable, Sendable {
    /// The body exceeds `XMLLimits.maxBodyOctets`.
    case bodyTooLarge(limit: Int)
    /// Elements nest deeper than `XMLLimits.maxDepth`.
    case tooDeep(limit: Int)
    /// More elements than `XMLLimits.maxElements`.
    case tooManyElements(limit: Int)
    /// A document type declaration or entity declaration (refused: XXE and entity expansion attacks).
    case doctypeRefused
    /// Not UTF-8 (invalid octets, NUL, a UTF-16 byte order mark or another declared encoding).
    case unsupportedEncoding
    /// Not well-formed or not namespace-well-formed XML; the position is libxml2's (1-based line and column).
    case malformed(line: Int, column: Int)
    /// No root element (an empty or whitespace-only document).
    case noRootElement
    /// A processing instruction without data (`<?x?>`), which FoundationXML's XMLParser cannot report.
    case processingInstructionRefused
}

/// Parses bodies into element trees.
public enum XMLTreeParser {
    /// Parses `body` into its root element.
    public static func parse(_ body: [UInt8], limits: XMLLimits = .default) throws(XMLTreeError) -> XMLTreeElement {
        guard body.count <= limits.maxBodyOctets else { throw .bodyTooLarge(limit: limits.maxBodyOctets) }
        try screen(body)
        let parser = XMLParser(data: Data(body))
        parser.shouldProcessNamespaces = true
        parser.shouldReportNamespacePrefixes = true
        parser.shouldResolveExternalEntities = false
        let builder = TreeBuilder(limits: limits)
        parser.delegate = builder
        let succeeded = parser.parse()
        if let failure = builder.failure { throw failure }
        if !succeeded || parser.parserError != nil || builder.isIncomplete {
            throw .malformed(line: parser.lineNumber, column: parser.columnNumber)
        }
        guard let root = builder.root else {
            // libxml2 may report nothing at all for a truncated document ("<a>").
            let isBlank = body.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
            throw isBlank ? .noRootElement : .malformed(line: parser.lineNumber, column: parser.columnNumber)
        }
        return root
    }

    /// Parses a UTF-8 string (tests and fixtures).
    public static func parse(_ text: String, limits: XMLLimits = .default) throws(XMLTreeError) -> XMLTreeElement {
        try parse(Array(text.utf8), limits: limits)
    }

    /// Refuses what the tree builder must never see: non-UTF-8 bodies and document type declarations.
    static func screen(_ body: [UInt8]) throws(XMLTreeError) {
        // UTF-16 byte order marks (FE FF, FF FE) and NUL are not UTF-8 XML; String validation catches the rest.
        guard !body.contains(0), String(validating: body, as: UTF8.self) != nil else { throw .unsupportedEncoding }
        if contains(body, "<!DOCTYPE") || contains(body, "<!ENTITY") { throw .doctypeRefused }
        if containsPIWithoutData(body) { throw .processingInstructionRefused }
        // XML 1.0 §4.3.3: an XML declaration may name the encoding; only UTF-8 (or its ASCII subset) is read.
        var start = 0
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        let rest = body[start...]
        // An unterminated declaration is still read by libxml2 up to its encoding (and an unsupported one crashed
        // it in xmlSwitchToEncoding): without "?>" the declaration runs to the end of the body.
        guard rest.starts(with: Array("<?xml".utf8)) else { return }
        let end = find(rest, "?>") ?? rest.endIndex
        let declaration = String(decoding: rest[rest.startIndex..<end], as: UTF8.self)
        guard let encoding = pseudoAttribute("encoding", in: declaration) else { return }
        switch encoding.lowercased() {
        case "utf-8", "utf8", "us-ascii", "ascii": return
        default: throw .unsupportedEncoding
        }
    }

    private static func contains(_ body: [UInt8], _ needle: String) -> Bool { find(body[...], needle) != nil }

    /// Whether some "<?" is followed by a target (no XML 1.0 §2.3 whitespace) that "?>" ends at once: XML 1.0 §2.6
    /// `PI ::= '<?' PITarget (S (Char* - (Char* '?>' Char*)))? '?>'` without the optional part.
    private static func containsPIWithoutData(_ body: [UInt8]) -> Bool {
        var rest = body[...]
        while let start = find(rest, "<?") {
            var index = start + 2
            // A target holds no whitespace and no "<" (which also keeps the scan linear).
            while index < body.count, body[index] != 0x20, body[index] != 0x09, body[index] != 0x0A,
                body[index] != 0x0D, body[index] != UInt8(ascii: "<")
            {
                if body[index] == UInt8(ascii: "?"), index + 1 < body.count, body[index + 1] == UInt8(ascii: ">") {
                    return true
                }
                index += 1
            }
            rest = body[(start + 2)...]
        }
        return false
    }

    /// The index of the first occurrence of `needle` in `haystack`.
    private static func find(_ haystack: ArraySlice<UInt8>, _ needle: String) -> Int? {
        let pattern = Array(needle.utf8)
        guard let first = pattern.first, haystack.count >= pattern.count else { return nil }
        var index = haystack.startIndex
        let last = haystack.endIndex - pattern.count
        while index <= last {
            if haystack[index] == first && haystack[index..<(index + pattern.count)].elementsEqual(pattern) {
                return index
            }
            index += 1
        }
        return nil
    }

    /// The value of `name="..."` or `name='...'` in an XML declaration.
    /// Every occurrence of `name` is tried (it may also appear inside another value, `version="encoding"`).
    private static func pseudoAttribute(_ name: String, in declaration: String) -> String? {
        var searchStart = declaration.startIndex
        while let range = declaration.range(of: name, range: searchStart..<declaration.endIndex) {
            searchStart = range.upperBound
            var rest = declaration[range.upperBound...].drop { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
            guard rest.first == "=" else { continue }
            rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
            guard let quote = rest.first, quote == "\"" || quote == "'" else { continue }
            return String(rest.dropFirst().prefix { $0 != quote })
        }
        return nil
    }
}

/// The XMLParser delegate that builds the tree; one per parse.
private final class TreeBuilder: NSObject, XMLParserDelegate {
    private struct Open {
        var name: QualifiedName
        var attributes: [QualifiedName: String]
        var children: [XMLTreeNode] = []
        /// Character data since the last child element (appended in chunks, flushed into `children` once).
        var text = ""
        /// Prefix → namespace URI declared on this element.
        var prefixes: [String: String]
    }

    let limits: XMLLimits
    var root: XMLTreeElement?
    var failure: XMLTreeError?
    /// Whether an element is still open (libxml2 does not always report a truncated document).
    var isIncomplete: Bool { !stack.isEmpty }
    private var stack: [Open] = []
    private var pendingPrefixes: [String: String] = [:]
    private var elementCount = 0

    init(limits: XMLLimits) { self.limits = limits }

    private func fail(_ parser: XMLParser, _ error: XMLTreeError) {
        if failure == nil { failure = error }
        parser.abortParsing()
    }

    func parser(_ parser: XMLParser, didStartMappingPrefix prefix: String, toURI namespaceURI: String) {
        pendingPrefixes[prefix] = namespaceURI
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        guard failure == nil else { return }
        elementCount += 1
        guard elementCount <= limits.maxElements else {
            return fail(parser, .tooManyElements(limit: limits.maxElements))
        }
        guard stack.count < limits.maxDepth else { return fail(parser, .tooDeep(limit: limits.maxDepth)) }
        let prefixes = pendingPrefixes
        pendingPrefixes = [:]
        var attributes: [QualifiedName: String] = [:]
        for (key, value) in attributeDict {
            guard let name = resolveAttribute(key, declaredHere: prefixes) else {
                return fail(parser, .malformed(line: parser.lineNumber, column: parser.columnNumber))
            }
            if name.namespace == "" && name.name == "xmlns" { continue }
            attributes[name] = value
        }
        let name = QualifiedName(namespaceURI ?? "", elementName)
        flushText()
        stack.append(Open(name: name, attributes: attributes, prefixes: prefixes))
    }

    /// Namespaces in XML §6.3: an unprefixed attribute is in no namespace; a prefixed one takes the innermost
    /// declaration of its prefix; "xml" is bound without declaration; "xmlns" attributes are declarations.
    private func resolveAttribute(_ key: String, declaredHere: [String: String]) -> QualifiedName? {
        guard let colon = key.firstIndex(of: ":") else { return QualifiedName("", key) }
        let prefix = String(key[..<colon])
        let local = String(key[key.index(after: colon)...])
        if prefix == "xml" { return QualifiedName(XMLNamespace.xml, local) }
        if prefix == "xmlns" { return QualifiedName("", "xmlns") }
        if let uri = declaredHere[prefix] { return uri.isEmpty ? nil : QualifiedName(uri, local) }
        for open in stack.reversed() {
            if let uri = open.prefixes[prefix] { return uri.isEmpty ? nil : QualifiedName(uri, local) }
        }
        return nil
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        guard failure == nil else { return }
        flushText()
        guard let open = stack.popLast() else { return }
        var children = open.children
        if children.contains(where: { if case .element = $0 { true } else { false } }) {
            children.removeAll { node in
                if case .text(let run) = node { return run.isXMLWhitespace }
                return false
            }
        }
        let element = XMLTreeElement(open.name, attributes: open.attributes, children: children)
        if stack.isEmpty {
            root = element
        } else {
            stack[stack.count - 1].children.append(.element(element))
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        appendText(string)
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        guard let text = String(data: CDATABlock, encoding: .utf8) else {
            return fail(parser, .unsupportedEncoding)
        }
        appendText(text)
    }

    private func appendText(_ text: String) {
        guard failure == nil, !stack.isEmpty else { return }
        stack[stack.count - 1].text += text
    }

    /// Moves the innermost open element's pending character data into its children.
    private func flushText() {
        guard let top = stack.indices.last, !stack[top].text.isEmpty else { return }
        stack[top].children.append(.text(stack[top].text))
        stack[top].text = ""
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        fail(parser, .malformed(line: parser.lineNumber, column: parser.columnNumber))
    }

    func parser(_ parser: XMLParser, validationErrorOccurred validationError: any Error) {
        fail(parser, .malformed(line: parser.lineNumber, column: parser.columnNumber))
    }

    func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) {
        fail(parser, .doctypeRefused)
    }

    func parser(
        _ parser: XMLParser, foundExternalEntityDeclarationWithName name: String, publicID: String?, systemID: String?
    ) {
        fail(parser, .doctypeRefused)
    }

    /// libxml2 asks here for any entity it does not know (`&foo;` without a DTD): never resolved, not well-formed.
    func parser(_ parser: XMLParser, resolveExternalEntityName name: String, systemID: String?) -> Data? {
        fail(parser, .malformed(line: parser.lineNumber, column: parser.columnNumber))
        return nil
    }
}
