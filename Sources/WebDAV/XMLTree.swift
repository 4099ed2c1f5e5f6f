// XMLTree: a namespace-aware XML element tree, the value every WebDAV body is parsed into and written from.
//
// Invariants:
// - Names are expanded names (namespace URI + local name); prefixes never survive parsing. An element or
//   attribute in no namespace has namespace "".
// - Children keep document order, text and elements interleaved (mixed content of dead properties is kept).
//   Adjacent text is one node; the parser drops whitespace-only text in an element that has element children
//   (indentation between elements, RFC 4918 §17 treats it as insignificant), so trees of pretty-printed and of
//   compact bodies compare equal.
// - Comments and processing instructions are not part of the tree. CDATA sections become text.
// - A value type: Hashable, Sendable, compared structurally (attribute order does not matter).

/// The namespace URIs of the protocols this target speaks.
public enum XMLNamespace {
    /// RFC 4918 §21.1
    public static let dav = "DAV:"
    /// RFC 4791 §4
    public static let caldav = "urn:ietf:params:xml:ns:caldav"
    /// RFC 6352 §4
    public static let carddav = "urn:ietf:params:xml:ns:carddav"
    /// Apple Calendar Server extensions (getctag).
    public static let calendarServer = "http://calendarserver.org/ns/"
    /// Apple iCal extensions (calendar-color, calendar-order).
    public static let appleICal = "http://apple.com/ns/ical/"
    /// XML 1.0 Namespaces §3: bound to the prefix "xml" without declaration (xml:lang).
    public static let xml = "http://www.w3.org/XML/1998/namespace"
}

/// An expanded XML name: namespace URI and local name.
public struct QualifiedName: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The namespace URI, "" for no namespace.
    public var namespace: String
    /// The local name.
    public var name: String

    public init(_ namespace: String, _ name: String) {
        self.namespace = namespace
        self.name = name
    }

    /// A name in the DAV: namespace.
    public static func dav(_ name: String) -> QualifiedName { QualifiedName(XMLNamespace.dav, name) }
    /// A name in the CalDAV namespace.
    public static func caldav(_ name: String) -> QualifiedName { QualifiedName(XMLNamespace.caldav, name) }
    /// A name in the CardDAV namespace.
    public static func carddav(_ name: String) -> QualifiedName { QualifiedName(XMLNamespace.carddav, name) }

    /// Clark notation, `{DAV:}prop`.
    public var description: String { "{\(namespace)}\(name)" }

    public static func < (lhs: QualifiedName, rhs: QualifiedName) -> Bool {
        (lhs.namespace, lhs.name) < (rhs.namespace, rhs.name)
    }
}

/// One child of an element: an element or a run of character data.
public enum XMLTreeNode: Hashable, Sendable {
    case element(XMLTreeElement)
    case text(String)
}

/// An XML element with its attributes and children.
public struct XMLTreeElement: Hashable, Sendable {
    public var name: QualifiedName
    /// Attributes by expanded name (namespace declarations are not attributes).
    public var attributes: [QualifiedName: String]
    public var children: [XMLTreeNode]

    public init(_ name: QualifiedName, attributes: [QualifiedName: String] = [:], children: [XMLTreeNode] = []) {
        self.name = name
        self.attributes = attributes
        self.children = children
    }

    /// An element whose only child is `text` (no child at all when `text` is empty).
    public init(_ name: QualifiedName, attributes: [QualifiedName: String] = [:], text: String) {
        self.init(name, attributes: attributes, children: text.isEmpty ? [] : [.text(text)])
    }

    /// An element with element children only.
    public init(_ name: QualifiedName, attributes: [QualifiedName: String] = [:], elements: [XMLTreeElement]) {
        self.init(name, attributes: attributes, children: elements.map { .element($0) })
    }

    /// The child elements in document order.
    public var elements: [XMLTreeElement] {
        children.compactMap { node in
            if case .element(let element) = node { return element }
            return nil
        }
    }

    /// The character data directly inside this element (child elements' text excluded).
    public var text: String {
        var result = ""
        for case .text(let run) in children { result += run }
        return result
    }

    /// `text` without leading and trailing XML whitespace (XML 1.0 §2.3 S: space, tab, CR, LF).
    public var trimmedText: String { text.trimmingXMLWhitespace() }

    /// The first child element named `name`.
    public func first(_ name: QualifiedName) -> XMLTreeElement? {
        for case .element(let element) in children where element.name == name { return element }
        return nil
    }

    /// The child elements named `name`, in document order.
    public func all(_ name: QualifiedName) -> [XMLTreeElement] { elements.filter { $0.name == name } }

    /// The attribute `name` in no namespace (the attributes of the DAV grammars are unqualified).
    public func attribute(_ name: String) -> String? { attributes[QualifiedName("", name)] }

    /// The element count of this subtree, itself included.
    public var elementCount: Int { 1 + elements.reduce(0) { $0 + $1.elementCount } }
}

extension String {
    /// Drops leading and trailing XML whitespace (XML 1.0 §2.3 production S).
    func trimmingXMLWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }

    /// Whether the string is empty or XML whitespace only.
    var isXMLWhitespace: Bool { allSatisfy { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" } }
}
