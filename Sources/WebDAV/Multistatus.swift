// Multistatus: the 207 body (RFC 4918 §13, §14.16) with responses, propstat groups and RFC 6578's sync-token.
//
// Invariants:
// - A response carries either a status (with its href) or propstat groups, never both (RFC 4918 §14.24).
// - `Response(href:found:notFound:...)` groups properties by status in a fixed order (200, 403, 404, 409, 424,
//   507) and omits empty groups; a 404 group holds empty property elements (RFC 4918 §9.1).
// - Hrefs are written as given: callers pass encoded hrefs (`Href.encode(path:)`), RFC 4918 §8.3.
// - The sync-token, when present, is the last child of multistatus (RFC 6578 §6.4).

/// An HTTP status line in a DAV:status element, "HTTP/1.1 200 OK" (RFC 4918 §14.28).
public struct DAVStatus: Hashable, Sendable, CustomStringConvertible {
    public var code: Int

    public init(_ code: Int) { self.code = code }

    public static let ok = DAVStatus(200)
    public static let created = DAVStatus(201)
    public static let noContent = DAVStatus(204)
    public static let forbidden = DAVStatus(403)
    public static let notFound = DAVStatus(404)
    public static let conflict = DAVStatus(409)
    public static let failedDependency = DAVStatus(424)  // RFC 4918 §11.4
    public static let insufficientStorage = DAVStatus(507)  // RFC 4918 §11.5

    /// The reason phrase (RFC 9110 §15, RFC 4918 §11).
    public var reason: String {
        switch code {
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 207: "Multi-Status"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 412: "Precondition Failed"
        case 413: "Content Too Large"
        case 415: "Unsupported Media Type"
        case 422: "Unprocessable Content"
        case 423: "Locked"
        case 424: "Failed Dependency"
        case 500: "Internal Server Error"
        case 507: "Insufficient Storage"
        default: "Status \(code)"
        }
    }

    public var description: String { "HTTP/1.1 \(code) \(reason)" }

    /// The DAV:status element.
    public var element: XMLTreeElement { XMLTreeElement(.dav("status"), text: description) }
}

/// One DAV:propstat: properties that share a status.
public struct PropStat: Hashable, Sendable {
    /// Property elements: with their values for 200, empty for the others.
    public var properties: [XMLTreeElement]
    public var status: DAVStatus
    /// RFC 4918 §14.22: an optional DAV:error with the condition that failed.
    public var error: DAVCondition?
    public var responseDescription: String?

    public init(
        properties: [XMLTreeElement], status: DAVStatus, error: DAVCondition? = nil, responseDescription: String? = nil
    ) {
        self.properties = properties
        self.status = status
        self.error = error
        self.responseDescription = responseDescription
    }

    /// RFC 4918 §14.22: `<!ELEMENT propstat (prop, status, error?, responsedescription?)>`
    public var element: XMLTreeElement {
        var children = [XMLTreeElement(.dav("prop"), elements: properties), status.element]
        if let error { children.append(DAVCondition.errorElement([error])) }
        if let responseDescription {
            children.append(XMLTreeElement(.dav("responsedescription"), text: responseDescription))
        }
        return XMLTreeElement(.dav("propstat"), elements: children)
    }
}

/// The multistatus body.
public struct Multistatus: Hashable, Sendable {
    /// One DAV:response.
    public struct Response: Hashable, Sendable {
        public enum Body: Hashable, Sendable {
            /// A status for the resource (a sync-collection member that was removed: 404, RFC 6578 §3.5.2).
            case status(DAVStatus)
            /// Property results.
            case propStats([PropStat])
        }

        /// The encoded href (RFC 4918 §8.3).
        public var href: String
        public var body: Body
        public var error: DAVCondition?
        public var responseDescription: String?

        public init(href: String, body: Body, error: DAVCondition? = nil, responseDescription: String? = nil) {
            self.href = href
            self.body = body
            self.error = error
            self.responseDescription = responseDescription
        }

        /// A response with only a status.
        public init(href: String, status: DAVStatus) { self.init(href: href, body: .status(status)) }

        /// A response grouping properties by outcome; empty groups are left out (all empty: one empty 200 group).
        public init(
            href: String, found: [XMLTreeElement], notFound: [PropertyName] = [], forbidden: [PropertyName] = [],
            conflict: [PropertyName] = [], failedDependency: [PropertyName] = [],
            insufficientStorage: [PropertyName] = []
        ) {
            var groups: [PropStat] = []
            if !found.isEmpty { groups.append(PropStat(properties: found, status: .ok)) }
            let empty: [(DAVStatus, [PropertyName])] = [
                (.forbidden, forbidden), (.notFound, notFound), (.conflict, conflict),
                (.failedDependency, failedDependency), (.insufficientStorage, insufficientStorage),
            ]
            for (status, names) in empty where !names.isEmpty {
                groups.append(PropStat(properties: names.map(\.emptyElement), status: status))
            }
            // RFC 4918 §14.24 needs propstat+: a request that named no property gets one empty 200 group.
            if groups.isEmpty { groups.append(PropStat(properties: [], status: .ok)) }
            self.init(href: href, body: .propStats(groups))
        }

        /// RFC 4918 §14.24: `<!ELEMENT response (href, ((href*, status)|(propstat+)), error?, responsedescription?,
        /// location?)>`
        public var element: XMLTreeElement {
            var children = [XMLTreeElement(.dav("href"), text: href)]
            switch body {
            case .status(let status): children.append(status.element)
            case .propStats(let groups): children += groups.map(\.element)
            }
            if let error { children.append(DAVCondition.errorElement([error])) }
            if let responseDescription {
                children.append(XMLTreeElement(.dav("responsedescription"), text: responseDescription))
            }
            return XMLTreeElement(.dav("response"), elements: children)
        }
    }

    public var responses: [Response]
    public var responseDescription: String?
    /// RFC 6578 §6.4: the collection's new sync-token, for a sync-collection report.
    public var syncToken: String?

    public init(responses: [Response], responseDescription: String? = nil, syncToken: String? = nil) {
        self.responses = responses
        self.responseDescription = responseDescription
        self.syncToken = syncToken
    }

    /// RFC 4918 §14.16 with RFC 6578 §6.4: `<!ELEMENT multistatus (response*, responsedescription?, sync-token?)>`
    public var element: XMLTreeElement {
        var children = responses.map(\.element)
        if let responseDescription {
            children.append(XMLTreeElement(.dav("responsedescription"), text: responseDescription))
        }
        if let syncToken { children.append(XMLTreeElement(.dav("sync-token"), text: syncToken)) }
        return XMLTreeElement(.dav("multistatus"), elements: children)
    }

    /// The body to send with 207 Multi-Status, Content-Type application/xml; charset=utf-8.
    public var body: [UInt8] { XMLTreeWriter.document(element) }
}
