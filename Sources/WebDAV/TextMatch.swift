// TextMatch: the text-match element of CalDAV (RFC 4791 §9.7.5) and CardDAV (RFC 6352 §10.5.4) filters.
//
// Invariants:
// - The collation defaults differ: i;ascii-casemap for CalDAV (RFC 4791 §7.5.1), i;unicode-casemap for CardDAV
//   (RFC 6352 §8.3). Only the three collations below are supported; any other is `unsupportedCollation`, which
//   the server answers with the supported-collation precondition.
// - match-type exists only in CardDAV (RFC 6352 §10.5.4, default "contains"); a CalDAV text-match is always a
//   substring match (RFC 4791 §9.7.5), so its matchType is `.contains` whatever the client sent.
// - The text is kept as sent (no trimming: leading and trailing spaces are part of the match string).

/// A collation (RFC 4790) usable in text-match.
public enum Collation: String, Hashable, Sendable, CaseIterable {
    /// RFC 4790 §9.2: ASCII case-insensitive.
    case asciiCasemap = "i;ascii-casemap"
    /// RFC 4790 §9.3: octet-by-octet.
    case octet = "i;octet"
    /// RFC 5051: Unicode case-insensitive (simple case folding after NFKD).
    case unicodeCasemap = "i;unicode-casemap"
}

/// How the text must occur in the value (RFC 6352 §10.5.4).
public enum MatchType: String, Hashable, Sendable, CaseIterable {
    case equals
    case contains
    case startsWith = "starts-with"
    case endsWith = "ends-with"
}

/// A text-match condition.
public struct TextMatch: Hashable, Sendable {
    public var text: String
    public var collation: Collation
    /// negate-condition="yes": the test passes when the text does NOT match.
    public var negate: Bool
    public var matchType: MatchType

    public init(_ text: String, collation: Collation, negate: Bool = false, matchType: MatchType = .contains) {
        self.text = text
        self.collation = collation
        self.negate = negate
        self.matchType = matchType
    }

    /// Parses a text-match in `namespace` (CalDAV or CardDAV), applying that protocol's defaults.
    static func parse(_ element: XMLTreeElement, namespace: String) throws(DAVRequestError) -> TextMatch {
        let isCardDAV = namespace == XMLNamespace.carddav
        let collation: Collation
        if let name = element.attribute("collation") {
            guard let known = Collation(rawValue: name) else { throw .unsupportedCollation(name, namespace: namespace) }
            collation = known
        } else {
            collation = isCardDAV ? .unicodeCasemap : .asciiCasemap
        }
        let negate = try RequestBody.yesNo("negate-condition", of: element, default: false)
        var matchType = MatchType.contains
        if isCardDAV, let name = element.attribute("match-type") {
            guard let known = MatchType(rawValue: name) else { throw .invalidValue(element: element.name, value: name) }
            matchType = known
        }
        return TextMatch(element.text, collation: collation, negate: negate, matchType: matchType)
    }

    /// The element in `namespace`, attributes always explicit.
    func element(namespace: String) -> XMLTreeElement {
        var attributes = [QualifiedName("", "collation"): collation.rawValue]
        if negate { attributes[QualifiedName("", "negate-condition")] = "yes" }
        if namespace == XMLNamespace.carddav { attributes[QualifiedName("", "match-type")] = matchType.rawValue }
        return XMLTreeElement(QualifiedName(namespace, "text-match"), attributes: attributes, text: text)
    }
}
