// DAVRequestError: why a request body or header is refused, and how the server answers it.
//
// Invariants:
// - One place maps a refusal to its HTTP status and DAV:error condition (`httpStatus`, `condition`), so the server
//   never inspects error details to choose a reply.
// - Syntax problems (malformed XML, a missing required element) are 400; a body beyond the size limit is 413;
//   requests that are well-formed but ask for something unsupported carry the precondition the RFC names, 403.

/// A request body or header that cannot be served.
public enum DAVRequestError: Error, Hashable, Sendable {
    /// The body is not acceptable XML.
    case xml(XMLTreeError)
    /// The method requires a body and there is none.
    case emptyBody
    /// The root element is not the one the method takes.
    case unexpectedRoot(QualifiedName)
    /// A required element is missing.
    case missingElement(QualifiedName)
    /// An element appears where the grammar does not allow it (two exclusive choices, a repeat).
    case unexpectedElement(QualifiedName)
    /// A required attribute is missing.
    case missingAttribute(element: QualifiedName, attribute: String)
    /// An element's text or attribute has a value outside its grammar.
    case invalidValue(element: QualifiedName, value: String)
    /// A REPORT whose root element names no report this server supports (RFC 3253 §3.6).
    case unsupportedReport(QualifiedName)
    /// A text-match collation the server does not support (RFC 4791 §7.5.1, RFC 6352 §8.3); `namespace` is the
    /// CalDAV or CardDAV namespace of the query.
    case unsupportedCollation(String, namespace: String)
    /// A filter that is well-formed XML but not a valid filter (RFC 4791 §9.7, RFC 6352 §10.5).
    case invalidFilter(namespace: String, reason: String)
    /// A header value outside its grammar (Depth, If-Match, Destination, Overwrite); `header` is its name.
    case invalidHeader(header: String, value: String)
    /// An href that is not a path or absolute URI of this server, or that does not decode (RFC 3986 §2.1).
    case invalidHref(String)

    /// The HTTP status the server answers with.
    public var httpStatus: Int {
        switch self {
        case .xml(.bodyTooLarge): 413
        case .unsupportedReport, .unsupportedCollation, .invalidFilter: 403
        default: 400
        }
    }

    /// The precondition for the DAV:error body, when the RFC names one.
    public var condition: DAVCondition? {
        switch self {
        case .unsupportedReport: .supportedReport  // RFC 3253 §3.6
        case .unsupportedCollation(_, let namespace): DAVCondition(QualifiedName(namespace, "supported-collation"))
        // RFC 4791 §7.8 CALDAV:valid-filter; RFC 6352 §8.6 has no valid-filter, CARDDAV:supported-filter is nearest.
        case .invalidFilter(let namespace, _):
            DAVCondition(
                QualifiedName(namespace, namespace == XMLNamespace.carddav ? "supported-filter" : "valid-filter"))
        default: nil
        }
    }
}
