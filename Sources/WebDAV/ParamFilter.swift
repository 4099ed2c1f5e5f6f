// ParamFilter: the param-filter element, the same in CalDAV (RFC 4791 §9.7.3) and CardDAV (RFC 6352 §10.5.2):
// `<!ELEMENT param-filter (is-not-defined | text-match)?>` with a required name attribute.
//
// Invariants:
// - The element's namespace (CalDAV or CardDAV) picks the text-match defaults and the error's precondition; the
//   value itself does not keep it, and writing takes it again.
// - An element with neither child tests that the parameter exists.

import CalendarFormats

/// A param-filter of either protocol.
public struct ParamFilter: Hashable, Sendable {
    public enum Test: Hashable, Sendable {
        /// The parameter must not exist.
        case isNotDefined
        /// The parameter exists (and its value matches, when a text-match is given).
        case matches(TextMatch?)
    }

    /// The parameter name, e.g. "PARTSTAT".
    public var name: String
    public var test: Test

    public init(_ name: String, _ test: Test = .matches(nil)) {
        self.name = name
        self.test = test
    }

    static func parse(_ element: XMLTreeElement) throws(DAVRequestError) -> ParamFilter {
        let namespace = element.name.namespace
        let name = try Self.name(of: element)
        let notDefined = element.all(QualifiedName(namespace, "is-not-defined"))
        let texts = element.all(QualifiedName(namespace, "text-match"))
        guard notDefined.count + texts.count <= 1 else {
            throw .invalidFilter(namespace: namespace, reason: "param-filter takes is-not-defined or one text-match")
        }
        if !notDefined.isEmpty { return ParamFilter(name, .isNotDefined) }
        let textMatch = try texts.first.map { text throws(DAVRequestError) in
            try TextMatch.parse(text, namespace: namespace)
        }
        return ParamFilter(name, .matches(textMatch))
    }

    func element(namespace: String) -> XMLTreeElement {
        let children: [XMLTreeElement] =
            switch test {
            case .isNotDefined: [XMLTreeElement(QualifiedName(namespace, "is-not-defined"))]
            case .matches(let textMatch): textMatch.map { [$0.element(namespace: namespace)] } ?? []
            }
        return XMLTreeElement(
            QualifiedName(namespace, "param-filter"), attributes: [QualifiedName("", "name"): name],
            elements: children)
    }

    /// The name attribute every CalDAV and CardDAV filter element requires.
    static func name(of element: XMLTreeElement) throws(DAVRequestError) -> String {
        guard let name = element.attribute("name"), !name.isEmpty else {
            throw .invalidFilter(namespace: element.name.namespace, reason: "\(element.name.name) without name")
        }
        return name
    }
}

/// CalDAV's name for the shared param-filter.
public typealias CalendarParamFilter = ParamFilter
/// CardDAV's name for the shared param-filter.
public typealias AddressParamFilter = ParamFilter
