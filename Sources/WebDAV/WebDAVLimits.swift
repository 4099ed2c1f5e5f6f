// Every limit of the WebDAV XML grammar, named once.
//
// Invariants:
// - Sizes are octets of the request body as received (before any decoding). The XML tree parser checks the body
//   size before it looks at a byte, and the depth and element count while it builds the tree, so a hostile body
//   costs at most `maxBodyOctets` of parsing and `maxElements` nodes of memory.
// - Nothing here is server policy (max-resource-size, quotas): those are configuration and live with the server.

/// The limits the XML tree parser enforces. Change a default here, never at its use.
public struct XMLLimits: Hashable, Sendable {
    /// The largest request body parsed as XML. A MKCALENDAR with a CALDAV:calendar-timezone of a few VTIMEZONEs
    /// is under 64 KiB; a calendar-multiget of a thousand hrefs is about 100 KiB.
    public var maxBodyOctets: Int
    /// The deepest element nesting (the root is depth 1). CalDAV filters nest VCALENDAR / VTODO / VALARM /
    /// prop-filter / param-filter / text-match under prop and filter: about 10; dead properties get the rest.
    public var maxDepth: Int
    /// The most elements in one body (a calendar-multiget carries one DAV:href per resource).
    public var maxElements: Int

    /// The defaults: 1 MiB, depth 48, 20 000 elements.
    public static let `default` = XMLLimits(maxBodyOctets: 1 << 20, maxDepth: 48, maxElements: 20_000)

    public init(maxBodyOctets: Int, maxDepth: Int, maxElements: Int) {
        self.maxBodyOctets = maxBodyOctets
        self.maxDepth = maxDepth
        self.maxElements = maxElements
    }
}

/// Limits of the request grammar outside the XML tree.
public enum WebDAVLimits {
    /// The longest href (or Destination header) accepted, in octets of its encoded form.
    public static let maxHrefOctets = 4096
    /// The most entity tags in one If-Match or If-None-Match header.
    public static let maxEntityTags = 256
}
