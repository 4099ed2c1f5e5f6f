// TextMatch: the text-match filter shared by CALDAV:text-match (RFC 4791 §9.7.5) and CARDDAV:text-match
// (RFC 6352 §10.5.4), with the collations both require (RFC 4790 §9.2 i;ascii-casemap, RFC 5051
// i;unicode-casemap, RFC 4790 §9.3 i;octet).
//
// Invariants:
// - Both sides are folded by the collation once, then compared as Unicode scalar sequences (octet order).
// - The XML element, its per-protocol defaults and its errors are WebDAV's (TextMatch.parse there).

import Foundation

/// A collation (RFC 4790).
public enum Collation: String, Hashable, Sendable, CaseIterable {
    case octet = "i;octet"
    case asciiCasemap = "i;ascii-casemap"
    case unicodeCasemap = "i;unicode-casemap"

    /// Folds text so that equal-under-the-collation strings become equal scalar sequences.
    public func fold(_ text: String) -> [Unicode.Scalar] {
        switch self {
        case .octet:
            return Array(text.unicodeScalars)
        case .asciiCasemap:
            // RFC 4790 §9.2: only a-z are mapped (to A-Z).
            return text.unicodeScalars.map { scalar in
                ("a"..."z").contains(scalar) ? Unicode.Scalar(scalar.value - 32) ?? scalar : scalar
            }
        case .unicodeCasemap:
            // RFC 5051 §2: the simple (one-to-one) titlecase mapping of each character, then NFKD. Swift exposes the
            // full mapping; where that is one scalar it is the simple one, otherwise the simple mapping is identity.
            var mapped = ""
            for scalar in text.unicodeScalars {
                let full = scalar.properties.titlecaseMapping
                if full.unicodeScalars.count == 1 { mapped += full } else { mapped.unicodeScalars.append(scalar) }
            }
            return Array(mapped.decomposedStringWithCompatibilityMapping.unicodeScalars)
        }
    }
}

/// How the filter text is compared (RFC 4790 §4.2 match types as CalDAV/CardDAV name them).
public enum MatchType: String, Hashable, Sendable, CaseIterable {
    case equals
    case contains
    case startsWith = "starts-with"
    case endsWith = "ends-with"
}

/// A text-match filter.
public struct TextMatch: Hashable, Sendable {
    public var text: String
    public var collation: Collation
    public var matchType: MatchType
    /// negate-condition="yes".
    public var isNegated: Bool

    public init(
        _ text: String, collation: Collation = .asciiCasemap, matchType: MatchType = .contains,
        isNegated: Bool = false
    ) {
        self.text = text
        self.collation = collation
        self.matchType = matchType
        self.isNegated = isNegated
    }

    /// Whether `value` satisfies the filter (negation applied).
    public func matches(_ value: String) -> Bool {
        let needle = collation.fold(text)
        let haystack = collation.fold(value)
        let result: Bool
        switch matchType {
        case .equals: result = haystack == needle
        case .startsWith: result = haystack.starts(with: needle)
        case .endsWith: result = haystack.reversed().starts(with: needle.reversed())
        case .contains: result = Self.contains(haystack, needle)
        }
        return result != isNegated
    }

    private static func contains(_ haystack: [Unicode.Scalar], _ needle: [Unicode.Scalar]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard haystack.count >= needle.count else { return false }
        for start in 0...(haystack.count - needle.count)
        where haystack[start] == needle[0] && haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return true
        }
        return false
    }
}
