// AddressBookQuery: the CardDAV REPORT bodies: addressbook-query (RFC 6352 §8.6, §10.3) and addressbook-multiget
// (§8.7, §10.7), with the filter (§10.5) and the address-data selection (§10.4).
//
// Invariants:
// - CardDAV filters are flat: a filter is a list of prop-filters combined by test="anyof" (the default) or
//   "allof"; each prop-filter combines its text-matches and param-filters the same way (RFC 6352 §10.5.1).
// - An absent filter element is an error (the grammar requires it); an empty one matches every card.
// - limit/nresults must be a positive integer (RFC 6352 §8.6.1, RFC 5323 §5.17).

import CalendarFormats

/// How the tests of a CardDAV filter or prop-filter combine (RFC 6352 §10.5).
public enum FilterTest: String, Hashable, Sendable {
    case anyOf = "anyof"
    case allOf = "allof"

    static func parse(_ element: XMLTreeElement) throws(DAVRequestError) -> FilterTest {
        guard let value = element.attribute("test") else { return .anyOf }
        guard let test = FilterTest(rawValue: value) else { throw CardDAVFilter.invalid("test=\"\(value)\"") }
        return test
    }
}

/// A CARDDAV:filter (RFC 6352 §10.5): `<!ELEMENT filter (prop-filter*)>`.
public struct AddressBookFilter: Hashable, Sendable {
    public var test: FilterTest
    public var props: [AddressPropFilter]

    public init(test: FilterTest = .anyOf, props: [AddressPropFilter]) {
        self.test = test
        self.props = props
    }

    static func parse(_ element: XMLTreeElement) throws(DAVRequestError) -> AddressBookFilter {
        var props: [AddressPropFilter] = []
        for prop in element.all(.carddav("prop-filter")) { props.append(try AddressPropFilter.parse(prop)) }
        return AddressBookFilter(test: try FilterTest.parse(element), props: props)
    }

    var element: XMLTreeElement {
        XMLTreeElement(
            .carddav("filter"), attributes: [QualifiedName("", "test"): test.rawValue], elements: props.map(\.element))
    }
}

/// A CARDDAV:prop-filter (RFC 6352 §10.5.1).
public struct AddressPropFilter: Hashable, Sendable {
    public enum Test: Hashable, Sendable {
        /// The property must not exist.
        case isNotDefined
        /// The property exists; its text-matches and param-filters combine by `test` (none: existence only).
        case matches(test: FilterTest, textMatches: [TextMatch], params: [AddressParamFilter])
    }

    /// The vCard property name, e.g. "EMAIL".
    public var name: String
    public var test: Test

    public init(_ name: String, _ test: Test = .matches(test: .anyOf, textMatches: [], params: [])) {
        self.name = name
        self.test = test
    }

    /// RFC 6352 §10.5.1: `<!ELEMENT prop-filter (is-not-defined | (text-match*, param-filter*))>`,
    /// `<!ATTLIST prop-filter name CDATA #REQUIRED test (anyof | allof) "anyof">`
    static func parse(_ element: XMLTreeElement) throws(DAVRequestError) -> AddressPropFilter {
        let name = try ParamFilter.name(of: element)
        if element.first(.carddav("is-not-defined")) != nil {
            guard element.elements.count == 1 else { throw CardDAVFilter.invalid("is-not-defined with other tests") }
            return AddressPropFilter(name, .isNotDefined)
        }
        var texts: [TextMatch] = []
        for text in element.all(.carddav("text-match")) {
            texts.append(try TextMatch.parse(text, namespace: XMLNamespace.carddav))
        }
        var params: [AddressParamFilter] = []
        for param in element.all(.carddav("param-filter")) { params.append(try AddressParamFilter.parse(param)) }
        return AddressPropFilter(
            name, .matches(test: try FilterTest.parse(element), textMatches: texts, params: params))
    }

    var element: XMLTreeElement {
        var attributes = [QualifiedName("", "name"): name]
        var children: [XMLTreeElement] = []
        switch test {
        case .isNotDefined: children = [XMLTreeElement(.carddav("is-not-defined"))]
        case .matches(let test, let texts, let params):
            attributes[QualifiedName("", "test")] = test.rawValue
            children =
                texts.map { $0.element(namespace: XMLNamespace.carddav) }
                + params.map { $0.element(namespace: XMLNamespace.carddav) }
        }
        return XMLTreeElement(.carddav("prop-filter"), attributes: attributes, elements: children)
    }
}

enum CardDAVFilter {
    static func invalid(_ reason: String) -> DAVRequestError {
        .invalidFilter(namespace: XMLNamespace.carddav, reason: reason)
    }
}

/// What part of each vCard to return: CARDDAV:address-data in a REPORT's DAV:prop (RFC 6352 §10.4).
public struct AddressDataRequest: Hashable, Sendable {
    public enum Properties: Hashable, Sendable {
        /// CARDDAV:allprop, or no prop element at all (RFC 6352 §10.4: the whole card).
        case all
        case only([PropertySelectionItem])
    }

    /// RFC 6352 §10.4: content-type default "text/vcard", version "3.0".
    public var contentType: String
    public var version: String
    public var properties: Properties

    public init(contentType: String = "text/vcard", version: String = "3.0", properties: Properties = .all) {
        self.contentType = contentType
        self.version = version
        self.properties = properties
    }

    /// RFC 6352 §10.4: `<!ELEMENT address-data (allprop | prop*)>`
    static func parse(_ element: XMLTreeElement) throws(DAVRequestError) -> AddressDataRequest {
        var request = AddressDataRequest(
            contentType: element.attribute("content-type") ?? "text/vcard",
            version: element.attribute("version") ?? "3.0")
        let props = element.all(.carddav("prop"))
        if element.first(.carddav("allprop")) != nil {
            guard props.isEmpty else { throw .unexpectedElement(.carddav("prop")) }
        } else if !props.isEmpty {
            var items: [PropertySelectionItem] = []
            for prop in props { items.append(try PropertySelectionItem.parse(prop)) }
            request.properties = .only(items)
        }
        return request
    }

    var element: XMLTreeElement {
        var attributes: [QualifiedName: String] = [:]
        if contentType != "text/vcard" || version != "3.0" {
            attributes[QualifiedName("", "content-type")] = contentType
            attributes[QualifiedName("", "version")] = version
        }
        let children: [XMLTreeElement] =
            switch properties {
            case .all: []
            case .only(let items): items.map { $0.element(namespace: XMLNamespace.carddav) }
            }
        return XMLTreeElement(.carddav("address-data"), attributes: attributes, elements: children)
    }
}

/// A CARDDAV:addressbook-query REPORT (RFC 6352 §10.3).
public struct AddressBookQuery: Hashable, Sendable {
    public var properties: PropertySelection?
    public var addressData: AddressDataRequest?
    public var filter: AddressBookFilter
    /// CARDDAV:limit/nresults (RFC 6352 §8.6.1): the most results the client wants.
    public var limit: Int?

    public init(
        properties: PropertySelection?, addressData: AddressDataRequest? = nil, filter: AddressBookFilter,
        limit: Int? = nil
    ) {
        self.properties = properties
        self.addressData = addressData
        self.filter = filter
        self.limit = limit
    }

    /// RFC 6352 §10.3: `<!ELEMENT addressbook-query ((DAV:allprop | DAV:propname | DAV:prop)?, filter, limit?)>`
    static func parse(_ root: XMLTreeElement) throws(DAVRequestError) -> AddressBookQuery {
        let properties = try PropertySelection.parse(childrenOf: root)
        let filter = try AddressBookFilter.parse(try RequestBody.one(.carddav("filter"), in: root))
        var limit: Int?
        if let limitElement = try RequestBody.optional(.carddav("limit"), in: root) {
            limit = try RequestBody.positiveInteger(try RequestBody.one(.carddav("nresults"), in: limitElement))
        }
        return AddressBookQuery(
            properties: properties, addressData: try addressDataRequest(in: root), filter: filter, limit: limit)
    }

    public var element: XMLTreeElement {
        var children = propElements(properties, dataElement: addressData?.element)
        children.append(filter.element)
        if let limit {
            children.append(
                XMLTreeElement(.carddav("limit"), elements: [XMLTreeElement(.carddav("nresults"), text: String(limit))])
            )
        }
        return XMLTreeElement(.carddav("addressbook-query"), elements: children)
    }
}

/// A CARDDAV:addressbook-multiget REPORT (RFC 6352 §10.7).
public struct AddressBookMultiget: Hashable, Sendable {
    public var properties: PropertySelection?
    public var addressData: AddressDataRequest?
    public var hrefs: [String]

    public init(properties: PropertySelection?, addressData: AddressDataRequest? = nil, hrefs: [String]) {
        self.properties = properties
        self.addressData = addressData
        self.hrefs = hrefs
    }

    /// RFC 6352 §10.7: `<!ELEMENT addressbook-multiget ((DAV:allprop | DAV:propname | DAV:prop)?, DAV:href+)>`
    static func parse(_ root: XMLTreeElement) throws(DAVRequestError) -> AddressBookMultiget {
        AddressBookMultiget(
            properties: try PropertySelection.parse(childrenOf: root), addressData: try addressDataRequest(in: root),
            hrefs: try hrefList(root))
    }

    public var element: XMLTreeElement {
        let children =
            propElements(properties, dataElement: addressData?.element)
            + hrefs.map { XMLTreeElement(.dav("href"), text: $0) }
        return XMLTreeElement(.carddav("addressbook-multiget"), elements: children)
    }
}

private func addressDataRequest(in root: XMLTreeElement) throws(DAVRequestError) -> AddressDataRequest? {
    guard let data = root.first(.dav("prop"))?.first(PropertyName.addressData.qualifiedName) else { return nil }
    return try AddressDataRequest.parse(data)
}
