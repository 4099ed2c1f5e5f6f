// PropFind: the PROPFIND body (RFC 4918 §9.1, §14.20) and the property selection REPORTs share with it.
//
// Invariants:
// - An empty body is allprop without include (RFC 4918 §9.1: "A client may choose not to submit a request body.
//   An empty PROPFIND request body MUST be treated as if it were an 'allprop' request.").
// - Exactly one of allprop, propname, prop; DAV:include only with allprop. Unknown elements are ignored
//   (RFC 4918 §17).
// - Property names keep the client's order; a name listed twice is kept once.

/// Which properties a PROPFIND or REPORT asks for.
public enum PropertySelection: Hashable, Sendable {
    /// DAV:allprop: the dead properties and the live properties the RFCs define for allprop, plus `include`
    /// (RFC 4918 §14.8).
    case allProp(include: [PropertyName])
    /// DAV:propname: names only.
    case propName
    /// DAV:prop: these properties.
    case prop([PropertyName])

    /// The names listed in a DAV:prop or DAV:include element, in order, without repeats.
    static func names(in element: XMLTreeElement) -> [PropertyName] {
        var seen: Set<PropertyName> = []
        var names: [PropertyName] = []
        for child in element.elements {
            let name = PropertyName(child.name)
            if seen.insert(name).inserted { names.append(name) }
        }
        return names
    }

    /// RFC 4918 §14.20: `<!ELEMENT propfind ( propname | (allprop, include?) | prop ) >`. Reads the selection
    /// among the children of `parent`; nil when there is none (allowed in REPORT bodies).
    static func parse(childrenOf parent: XMLTreeElement) throws(DAVRequestError) -> PropertySelection? {
        let allProp = parent.all(.dav("allprop"))
        let propName = parent.all(.dav("propname"))
        let prop = parent.all(.dav("prop"))
        let include = parent.all(.dav("include"))
        guard allProp.count + propName.count + prop.count <= 1 else {
            let extra = (allProp + propName + prop).dropFirst().first
            throw .unexpectedElement(extra?.name ?? .dav("prop"))
        }
        guard include.count <= 1 else { throw .unexpectedElement(.dav("include")) }
        if allProp.count == 1 { return .allProp(include: include.first.map(names(in:)) ?? []) }
        if !include.isEmpty { throw .unexpectedElement(.dav("include")) }
        if propName.count == 1 { return .propName }
        if let prop = prop.first { return .prop(names(in: prop)) }
        return nil
    }
}

/// A PROPFIND request body.
public struct PropFindRequest: Hashable, Sendable {
    public var selection: PropertySelection

    public init(selection: PropertySelection) { self.selection = selection }

    /// Parses a PROPFIND body; empty (or whitespace-only) means allprop.
    public static func parse(_ body: [UInt8], limits: XMLLimits = .default) throws(DAVRequestError) -> PropFindRequest {
        guard let root = try RequestBody.root(body, limits: limits) else {
            return PropFindRequest(selection: .allProp(include: []))
        }
        try RequestBody.expect(root, .dav("propfind"))
        guard let selection = try PropertySelection.parse(childrenOf: root) else {
            throw .missingElement(.dav("prop"))
        }
        return PropFindRequest(selection: selection)
    }

    /// The request body (clients, tests).
    public var element: XMLTreeElement {
        switch selection {
        case .propName: XMLTreeElement(.dav("propfind"), elements: [XMLTreeElement(.dav("propname"))])
        case .prop(let names):
            XMLTreeElement(
                .dav("propfind"), elements: [XMLTreeElement(.dav("prop"), elements: names.map(\.emptyElement))])
        case .allProp(let include):
            XMLTreeElement(
                .dav("propfind"),
                elements: [XMLTreeElement(.dav("allprop"))]
                    + (include.isEmpty ? [] : [XMLTreeElement(.dav("include"), elements: include.map(\.emptyElement))]))
        }
    }
}

/// Helpers shared by the body parsers.
enum RequestBody {
    /// The root element, or nil for an empty or whitespace-only body.
    static func root(_ body: [UInt8], limits: XMLLimits) throws(DAVRequestError) -> XMLTreeElement? {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            guard body.count <= limits.maxBodyOctets else { throw .xml(.bodyTooLarge(limit: limits.maxBodyOctets)) }
            return nil
        }
        do {
            return try XMLTreeParser.parse(body, limits: limits)
        } catch {
            throw .xml(error)
        }
    }

    /// The root element of a body the method requires.
    static func requiredRoot(_ body: [UInt8], limits: XMLLimits) throws(DAVRequestError) -> XMLTreeElement {
        guard let root = try root(body, limits: limits) else { throw .emptyBody }
        return root
    }

    static func expect(_ element: XMLTreeElement, _ name: QualifiedName) throws(DAVRequestError) {
        guard element.name == name else { throw .unexpectedRoot(element.name) }
    }

    /// The one child named `name`; a missing or repeated one is an error.
    static func one(_ name: QualifiedName, in parent: XMLTreeElement) throws(DAVRequestError) -> XMLTreeElement {
        let found = parent.all(name)
        guard let first = found.first else { throw .missingElement(name) }
        guard found.count == 1 else { throw .unexpectedElement(name) }
        return first
    }

    /// At most one child named `name`.
    static func optional(_ name: QualifiedName, in parent: XMLTreeElement) throws(DAVRequestError) -> XMLTreeElement? {
        let found = parent.all(name)
        guard found.count <= 1 else { throw .unexpectedElement(name) }
        return found.first
    }

    static func attribute(_ name: String, of element: XMLTreeElement) throws(DAVRequestError) -> String {
        guard let value = element.attribute(name) else {
            throw .missingAttribute(element: element.name, attribute: name)
        }
        return value
    }

    /// A yes/no attribute with a default (RFC 4791 §9.7.5 negate-condition, §9.6.4 novalue).
    static func yesNo(_ name: String, of element: XMLTreeElement, default value: Bool) throws(DAVRequestError) -> Bool {
        switch element.attribute(name) {
        case nil: return value
        case "yes": return true
        case "no": return false
        case let other?: throw .invalidValue(element: element.name, value: other)
        }
    }

    /// A positive decimal count (DAV:nresults, RFC 5323 §5.17).
    static func positiveInteger(_ element: XMLTreeElement) throws(DAVRequestError) -> Int {
        let text = element.trimmedText
        guard !text.isEmpty, text.count <= 9, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(text),
            value > 0
        else { throw .invalidValue(element: element.name, value: text) }
        return value
    }
}
