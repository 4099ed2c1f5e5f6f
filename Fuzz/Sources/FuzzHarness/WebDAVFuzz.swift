// WebDAVFuzz: WebDAV request bodies and headers (Sources/WebDAV): the XML tree parser with its limits and its
// DOCTYPE refusal, every request-body parser, the multistatus writer and reader, and the header and href parsers.
//
// Properties checked for every input (a body; its lines are also tried as header values):
// - XMLTreeParser.parse never traps. A body with NUL or invalid UTF-8 is `unsupportedEncoding`; otherwise one
//   containing "<!DOCTYPE" or "<!ENTITY" is `doctypeRefused` (no XXE, no entity expansion).
// - Limits: the body parsed with small limits either gives the same tree or fails with exactly the limit the
//   body or its tree exceeds (size, depth, element count); a body the default limits refuse is refused too.
// - XMLTreeWriter: a parsed tree, written (document and fragment), parses back to the same tree.
// - Request parsers: on a body whose tree does not parse they fail with `.xml` of that error (an empty body gets
//   its method's default or `emptyBody`); a parsed PROPFIND, PROPPATCH, extended MKCOL, MKCALENDAR, REPORT or
//   multistatus, written from its `element`, parses back to the same value. `CollectionProperties` read from
//   any tree's children round-trip through `elements`; a Multistatus built from the tree round-trips.
// - Headers: every input line as Depth, Overwrite, If-Match, Destination and href never traps; entity-tag lists
//   round-trip through their description; for a decoded path p (of a line or of a DAV:href in the tree) whose
//   encoding fits `WebDAVLimits.maxHrefOctets`, Href.decodePath(Href.encode(path: p)) == p.

import WebDAV

public enum WebDAVFuzz {
    /// Small limits, so inputs of a few hundred bytes reach every limit.
    static let smallLimits = XMLLimits(maxBodyOctets: 2048, maxDepth: 6, maxElements: 40)
    /// Header lines tried per input, and the longest one (headers are short; hrefs have their own limit).
    static let maxHeaderLines = 32
    static let maxHeaderOctets = 5000
    /// DAV:href elements of a tree checked per input.
    static let maxTreeHrefs = 32

    public static func run(_ input: [UInt8]) throws(FuzzFailure) {
        try headerLines(input)
        let tree: XMLTreeElement?
        let treeError: XMLTreeError?
        do {
            tree = try XMLTreeParser.parse(input)
            treeError = nil
        } catch {
            tree = nil
            treeError = error
        }
        try screening(input, treeError)
        try limits(input, tree: tree)
        if let tree {
            try writerRoundTrip(tree)
            var hrefs: [String] = []
            collectHrefs(tree, into: &hrefs)
            for href in hrefs { try hrefRoundTrip(href) }
            try collectionProperties(tree)
            try builtMultistatus(tree, seed: input.count)
            try requests(input, root: tree)
        } else if let treeError {
            try refusals(input, treeError)
        }
    }

    // MARK: XML tree

    /// RFC 4918 §8.2 bodies are UTF-8; a DOCTYPE (the only place entities are declared, XML 1.0 §2.8) is refused.
    static func screening(_ input: [UInt8], _ error: XMLTreeError?) throws(FuzzFailure) {
        guard input.count <= XMLLimits.default.maxBodyOctets else { return }
        if input.contains(0) || String(validating: input, as: UTF8.self) == nil {
            try require(
                error == .unsupportedEncoding, "non-UTF-8 body gave \(String(describing: error)): \(show(input))")
        } else if contains(input, "<!DOCTYPE") || contains(input, "<!ENTITY") {
            try require(error == .doctypeRefused, "DOCTYPE body gave \(String(describing: error)): \(show(input))")
        }
    }

    static func limits(_ input: [UInt8], tree: XMLTreeElement?) throws(FuzzFailure) {
        let small: Result<XMLTreeElement, XMLTreeError>
        do {
            small = .success(try XMLTreeParser.parse(input, limits: smallLimits))
        } catch {
            small = .failure(error)
        }
        guard let tree else {
            if case .success = small {
                throw FuzzFailure("small limits accept a body the defaults refuse: \(show(input))")
            }
            return
        }
        let depth = depth(of: tree)
        let count = tree.elementCount
        switch small {
        case .success(let smallTree):
            try require(
                input.count <= smallLimits.maxBodyOctets && depth <= smallLimits.maxDepth
                    && count <= smallLimits.maxElements,
                "small limits accept \(input.count) octets, depth \(depth), \(count) elements: \(show(input))")
            try require(smallTree == tree, "the tree depends on the limits: \(show(input))")
        case .failure(.bodyTooLarge):
            try require(input.count > smallLimits.maxBodyOctets, "bodyTooLarge for \(input.count) octets")
        case .failure(.tooDeep):
            try require(depth > smallLimits.maxDepth, "tooDeep for depth \(depth): \(show(input))")
        case .failure(.tooManyElements):
            try require(count > smallLimits.maxElements, "tooManyElements for \(count) elements: \(show(input))")
        case .failure(let error):
            throw FuzzFailure("small limits refuse a well-formed body with \(error): \(show(input))")
        }
    }

    /// parse(write(tree)) == tree, for the document and the bare fragment.
    static func writerRoundTrip(_ tree: XMLTreeElement) throws(FuzzFailure) {
        for written in [XMLTreeWriter.document(tree), XMLTreeWriter.fragment(tree)]
        where written.count <= XMLLimits.default.maxBodyOctets {
            do {
                let back = try XMLTreeParser.parse(written)
                try require(back == tree, "written tree parses differently: \(show(written))")
            } catch let error as FuzzFailure {
                throw error
            } catch {
                throw FuzzFailure("written tree does not parse (\(error)): \(show(written))")
            }
        }
    }

    static func depth(of element: XMLTreeElement) -> Int {
        1 + (element.elements.map(depth(of:)).max() ?? 0)
    }

    static func collectHrefs(_ element: XMLTreeElement, into hrefs: inout [String]) {
        for child in element.elements {
            guard hrefs.count < maxTreeHrefs else { return }
            if child.name == .dav("href") { hrefs.append(child.trimmedText) }
            collectHrefs(child, into: &hrefs)
        }
    }

    // MARK: Request bodies

    /// The parser the root element selects; the value it parses survives `element` -> write -> parse.
    static func requests(_ input: [UInt8], root: XMLTreeElement) throws(FuzzFailure) {
        switch root.name {
        case .dav("propfind"):
            if let request = try? PropFindRequest.parse(input) {
                try roundTrip("PROPFIND", request, request.element) { try PropFindRequest.parse($0) }
            }
        case .dav("propertyupdate"):
            if let request = try? PropertyUpdate.parse(input) {
                try roundTrip("PROPPATCH", request, request.element) { try PropertyUpdate.parse($0) }
            }
        case .dav("mkcol"):
            if let request = try? ExtendedMkcol.parse(input) {
                try roundTrip("MKCOL", request, request.element) { try ExtendedMkcol.parse($0) }
            }
        case .caldav("mkcalendar"):
            if let request = try? MkCalendar.parse(input) {
                try roundTrip("MKCALENDAR", request, request.element) { try MkCalendar.parse($0) }
            }
        case .dav("multistatus"):
            if let multistatus = try? Multistatus.parse(input) {
                try roundTrip("multistatus", multistatus, multistatus.element) { try Multistatus.parse($0) }
            }
        default:
            do {
                let report = try ReportRequest.parse(input)
                try require(report.name == root.name, "report \(report.name) parsed from root \(root.name)")
                try roundTrip("REPORT", report, report.element) { try ReportRequest.parse($0) }
            } catch let error as FuzzFailure {
                throw error
            } catch let error as DAVRequestError {
                if !ReportRequest.supportedReports.contains(root.name) {
                    try require(error == .unsupportedReport(root.name), "root \(root.name) gave \(error)")
                }
            } catch {
                throw FuzzFailure("ReportRequest.parse threw an untyped error \(error)")
            }
            // Any other root is refused by the fixed-root parsers.
            do {
                _ = try PropFindRequest.parse(input)
                throw FuzzFailure("PROPFIND accepted root \(root.name)")
            } catch let error as FuzzFailure {
                throw error
            } catch {
                try require(error as? DAVRequestError == .unexpectedRoot(root.name), "root \(root.name) gave \(error)")
            }
        }
    }

    /// A body whose tree does not parse: each parser answers with the tree parser's error (one parser per input,
    /// chosen by length, to keep inputs fast), or its default for an empty body.
    static func refusals(_ input: [UInt8], _ treeError: XMLTreeError) throws(FuzzFailure) {
        let isBlank = input.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        if isBlank {
            try require(
                (try? PropFindRequest.parse(input)) == PropFindRequest(selection: .allProp(include: [])),
                "an empty PROPFIND body is not allprop")
            try require(
                (try? MkCalendar.parse(input)) == MkCalendar(properties: CollectionProperties()),
                "an empty MKCALENDAR body is not the defaults")
            for (name, parse) in parsers where name != "PROPFIND" && name != "MKCALENDAR" {
                try expectRefusal(name, input, .emptyBody, parse)
            }
            return
        }
        let (name, parse) = parsers[input.count % parsers.count]
        try expectRefusal(name, input, .xml(treeError), parse)
    }

    /// The public body parsers, by method.
    static let parsers: [(String, @Sendable ([UInt8]) throws -> Void)] = [
        ("PROPFIND", { _ = try PropFindRequest.parse($0) }),
        ("PROPPATCH", { _ = try PropertyUpdate.parse($0) }),
        ("MKCOL", { _ = try ExtendedMkcol.parse($0) }),
        ("MKCALENDAR", { _ = try MkCalendar.parse($0) }),
        ("REPORT", { _ = try ReportRequest.parse($0) }),
        ("multistatus", { _ = try Multistatus.parse($0) }),
    ]

    static func expectRefusal(
        _ name: String, _ input: [UInt8], _ expected: DAVRequestError, _ parse: ([UInt8]) throws -> Void
    ) throws(FuzzFailure) {
        do {
            try parse(input)
            throw FuzzFailure("\(name) accepted a body the tree parser refuses: \(show(input))")
        } catch let error as FuzzFailure {
            throw error
        } catch {
            try require(
                error as? DAVRequestError == expected, "\(name) gave \(error), expected \(expected): \(show(input))")
        }
    }

    static func roundTrip<T: Equatable>(
        _ kind: String, _ value: T, _ element: XMLTreeElement, _ parse: ([UInt8]) throws -> T
    ) throws(FuzzFailure) {
        let body = XMLTreeWriter.document(element)
        let back: T
        do {
            back = try parse(body)
        } catch {
            throw FuzzFailure("\(kind): the written request does not parse (\(error)): \(show(body))")
        }
        try require(back == value, "\(kind) round trip changed the value:\n\(value)\nwritten: \(show(body))\n\(back)")
    }

    /// The typed collection properties of any element list survive `elements` -> init, and an extended MKCOL.
    static func collectionProperties(_ tree: XMLTreeElement) throws(FuzzFailure) {
        guard let properties = try? CollectionProperties(properties: tree.elements) else { return }
        do {
            let back = try CollectionProperties(properties: properties.elements)
            try require(back == properties, "CollectionProperties changed through elements: \(properties) -> \(back)")
        } catch let error as FuzzFailure {
            throw error
        } catch {
            throw FuzzFailure("CollectionProperties.elements do not read back (\(error)): \(properties)")
        }
        let mkcol = ExtendedMkcol(properties: properties)
        try roundTrip("built MKCOL", mkcol, mkcol.element) { try ExtendedMkcol.parse($0) }
    }

    /// A multistatus holding the tree's children as found properties (and their names as not found), a status
    /// response with the first child as its error condition, and the tree's text as descriptions.
    static func builtMultistatus(_ tree: XMLTreeElement, seed: Int) throws(FuzzFailure) {
        let found = Array(tree.elements.prefix(16))
        let first = found.first ?? tree
        let propResponse = Multistatus.Response(
            href: Href.encode(path: "/dav/" + tree.name.name + "/"), found: found,
            notFound: found.prefix(4).map { PropertyName($0.name) })
        let statusResponse = Multistatus.Response(
            href: "/dav/x.ics", body: .status(DAVStatus(200 + seed % 400)),
            error: DAVCondition(first.name, children: first.elements), responseDescription: tree.text)
        let multistatus = Multistatus(
            responses: [propResponse, statusResponse], responseDescription: tree.text,
            syncToken: seed % 2 == 0 ? tree.trimmedText : nil)
        try roundTrip("built multistatus", multistatus, multistatus.element) { try Multistatus.parse($0) }
        do {
            let back = try Multistatus.parse(multistatus.body)
            try require(back == multistatus, "Multistatus.body does not read back")
        } catch let error as FuzzFailure {
            throw error
        } catch {
            throw FuzzFailure("Multistatus.body does not parse (\(error))")
        }
    }

    // MARK: Headers and hrefs

    /// Each line of the input (CR LF or LF) as the value of every header the server reads.
    static func headerLines(_ input: [UInt8]) throws(FuzzFailure) {
        var lines = 0
        for line in input.split(separator: 0x0A, omittingEmptySubsequences: true) {
            guard lines < maxHeaderLines else { break }
            lines += 1
            let bytes = line.last == 0x0D ? line.dropLast() : line
            guard bytes.count <= maxHeaderOctets else { continue }
            try header(String(decoding: bytes, as: UTF8.self))
        }
    }

    static func header(_ value: String) throws(FuzzFailure) {
        _ = try? Depth.parse(value, default: .infinity)
        _ = try? Overwrite.parse(value)
        _ = try? Destination.parse(value)
        _ = try? Destination.parse(value, authority: "dav.example:8443")
        _ = Href.authority(of: value)
        // RFC 9110 §8.8.3: the tags, written back as a list, read as the same list.
        if case .tags(let tags)? = try? EntityTagCondition.parse(value, header: "If-None-Match") {
            let list = tags.map(\.description).joined(separator: ", ")
            do {
                let back = try EntityTagCondition.parse(list)
                try require(back == .tags(tags), "entity tags \(show(Array(value.utf8))) -> \(list) -> \(back)")
            } catch let error as FuzzFailure {
                throw error
            } catch {
                throw FuzzFailure("entity tag list \(list) does not parse (\(error))")
            }
        }
        try hrefRoundTrip(value)
    }

    /// RFC 4918 §8.3, RFC 3986 §2.1: a decoded href's path, encoded, decodes to itself.
    static func hrefRoundTrip(_ href: String) throws(FuzzFailure) {
        guard let decoded = try? Href.decode(href) else { return }
        try require((try? Href.decodePath(href)) == decoded.path, "decodePath differs from decode for \(href)")
        let encoded = Href.encode(path: decoded.path)
        guard encoded.utf8.count <= WebDAVLimits.maxHrefOctets else { return }
        do {
            let back = try Href.decode(encoded)
            try require(
                back == decoded,
                "href \(show(Array(href.utf8))) -> \(show(Array(decoded.path.utf8))) -> \(encoded) -> \(show(Array(back.path.utf8)))"
            )
        } catch let error as FuzzFailure {
            throw error
        } catch {
            throw FuzzFailure("encoded path \(encoded) of \(show(Array(href.utf8))) does not decode (\(error))")
        }
        for segment in decoded.segments {
            let encodedSegment = Href.encode(segment: segment)
            guard encodedSegment.utf8.count < WebDAVLimits.maxHrefOctets else { continue }
            try require(
                (try? Href.decodePath("/" + encodedSegment)) == "/" + segment,
                "segment \(show(Array(segment.utf8))) -> \(encodedSegment) does not decode back")
        }
    }

    private static func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        let pattern = Array(needle.utf8)
        guard haystack.count >= pattern.count else { return false }
        for start in 0...(haystack.count - pattern.count)
        where haystack[start..<(start + pattern.count)].elementsEqual(pattern) {
            return true
        }
        return false
    }
}
