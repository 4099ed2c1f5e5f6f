// MultistatusParser: reads a 207 body back into a Multistatus (clients, interoperability tests, round trips).
//
// Invariants:
// - The reader is the inverse of `Multistatus.element` for every value the writer produces: parse(write(m)) == m.
// - Status lines are read as `HTTP-version SP code [SP reason]` (RFC 4918 §14.28); the reason phrase is not kept
//   (DAVStatus derives it from the code). Unknown elements are ignored (RFC 4918 §17).
// - Hrefs and property values are kept as sent (no decoding).

extension Multistatus {
    /// Parses a multistatus body (RFC 4918 §14.16, RFC 6578 §6.4).
    public static func parse(_ body: [UInt8], limits: XMLLimits = .default) throws(DAVRequestError) -> Multistatus {
        let root = try RequestBody.requiredRoot(body, limits: limits)
        try RequestBody.expect(root, .dav("multistatus"))
        var responses: [Response] = []
        for element in root.all(.dav("response")) { responses.append(try Response.parse(element)) }
        return Multistatus(
            responses: responses,
            responseDescription: try RequestBody.optional(.dav("responsedescription"), in: root)?.text,
            syncToken: try RequestBody.optional(.dav("sync-token"), in: root)?.trimmedText)
    }
}

extension Multistatus.Response {
    /// RFC 4918 §14.24: `<!ELEMENT response (href, ((href*, status)|(propstat+)), error?, responsedescription?,
    /// location?)>` (a status response is read with its first href).
    static func parse(_ element: XMLTreeElement) throws(DAVRequestError) -> Multistatus.Response {
        guard let href = element.first(.dav("href"))?.trimmedText else { throw .missingElement(.dav("href")) }
        let propStats = element.all(.dav("propstat"))
        let body: Body
        if let status = try RequestBody.optional(.dav("status"), in: element) {
            guard propStats.isEmpty else { throw .unexpectedElement(.dav("propstat")) }
            body = .status(try DAVStatus.parse(status))
        } else {
            guard !propStats.isEmpty else { throw .missingElement(.dav("propstat")) }
            var groups: [PropStat] = []
            for propStat in propStats { groups.append(try PropStat.parse(propStat)) }
            body = .propStats(groups)
        }
        return Multistatus.Response(
            href: href, body: body, error: try DAVCondition.parse(errorIn: element),
            responseDescription: try RequestBody.optional(.dav("responsedescription"), in: element)?.text)
    }
}

extension PropStat {
    /// RFC 4918 §14.22: `<!ELEMENT propstat (prop, status, error?, responsedescription?)>`
    static func parse(_ element: XMLTreeElement) throws(DAVRequestError) -> PropStat {
        PropStat(
            properties: try RequestBody.one(.dav("prop"), in: element).elements,
            status: try DAVStatus.parse(try RequestBody.one(.dav("status"), in: element)),
            error: try DAVCondition.parse(errorIn: element),
            responseDescription: try RequestBody.optional(.dav("responsedescription"), in: element)?.text)
    }
}

extension DAVStatus {
    /// RFC 4918 §14.28: the status-line of RFC 9112 §4, "HTTP/1.1 200 OK".
    static func parse(_ element: XMLTreeElement) throws(DAVRequestError) -> DAVStatus {
        let text = element.trimmedText
        let parts = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), parts[1].count == 3, let code = Int(parts[1]),
            (100...599).contains(code)
        else { throw .invalidValue(element: element.name, value: text) }
        return DAVStatus(code)
    }
}

extension DAVCondition {
    /// The first condition of the DAV:error child of `element`, if any.
    static func parse(errorIn element: XMLTreeElement) throws(DAVRequestError) -> DAVCondition? {
        guard let error = try RequestBody.optional(.dav("error"), in: element) else { return nil }
        guard let condition = error.elements.first else { return nil }
        return DAVCondition(condition.name, children: condition.elements)
    }
}
