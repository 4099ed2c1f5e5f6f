// TextMatch: the text-match element of CalDAV (RFC 4791 §9.7.5) and CardDAV (RFC 6352 §10.5.4) filters.
//
// Invariants:
// - The type, its collations and its matching are CalendarFormats'; this file reads and writes the element.
// - The collation defaults differ: i;ascii-casemap for CalDAV (RFC 4791 §7.5.1), i;unicode-casemap for CardDAV
//   (RFC 6352 §8.3). Only CalendarFormats' three collations are supported; any other is `unsupportedCollation`, which
//   the server answers with the supported-collation precondition.
// - match-type exists only in CardDAV (RFC 6352 §10.5.4, default "contains"); a CalDAV text-match is always a
//   substring match (RFC 4791 §9.7.5), so its matchType is `.contains` whatever the client sent.
// - The text is kept as sent (no trimming: leading and trailing spaces are part of the match string).

import CalendarFormats

/// The element form of CalendarFormats' `TextMatch`, which also evaluates it.
extension TextMatch {
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
        return TextMatch(element.text, collation: collation, matchType: matchType, isNegated: negate)
    }

    /// The element in `namespace`, attributes always explicit.
    func element(namespace: String) -> XMLTreeElement {
        var attributes = [QualifiedName("", "collation"): collation.rawValue]
        if isNegated { attributes[QualifiedName("", "negate-condition")] = "yes" }
        if namespace == XMLNamespace.carddav { attributes[QualifiedName("", "match-type")] = matchType.rawValue }
        return XMLTreeElement(QualifiedName(namespace, "text-match"), attributes: attributes, text: text)
    }
}
