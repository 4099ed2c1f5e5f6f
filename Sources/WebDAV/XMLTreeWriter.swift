// XMLTreeWriter: an XMLTreeElement to UTF-8 bytes, every namespace declared once on the root.
//
// Invariants:
// - Prefixes are fixed for the well-known namespaces (D: DAV:, C: CalDAV, CR: CardDAV, CS: calendarserver.org,
//   ICAL: Apple iCal) and generated in first-use order (x1, x2, ...) for any other, so the output of a tree is
//   deterministic. No default namespace is declared: an unprefixed name is in no namespace (Namespaces in XML §6.2).
// - Attributes are written sorted by expanded name; attributes in the xml namespace use the predeclared "xml:".
// - Text escapes & < > and CR (as &#13;, which survives end-of-line normalisation, XML 1.0 §2.11); attribute
//   values escape & < " and tab / LF / CR (XML 1.0 §3.3.3 would normalise them to spaces). Characters XML 1.0
//   cannot carry (§2.2 Char: C0 controls other than tab, LF, CR; U+FFFE, U+FFFF) are written as U+FFFD.
// - No indentation: whitespace is never added, so parse(write(tree)) == tree for every tree the parser can
//   produce.
// - Names are taken to be valid XML names (the parser only produces such, the constants are): they are not
//   escaped. An attribute that would be a namespace declaration ("xmlns", or in the xmlns namespace) is never
//   written, so a tree cannot rebind the prefixes above.

/// Serialises element trees.
public enum XMLTreeWriter {
    /// The fixed prefixes of the well-known namespaces.
    public static let wellKnownPrefixes: [(namespace: String, prefix: String)] = [
        (XMLNamespace.dav, "D"),
        (XMLNamespace.caldav, "C"),
        (XMLNamespace.carddav, "CR"),
        (XMLNamespace.calendarServer, "CS"),
        (XMLNamespace.appleICal, "ICAL"),
    ]

    /// The document: an XML declaration and the root element.
    public static func document(_ root: XMLTreeElement) -> [UInt8] {
        var out = Array(#"<?xml version="1.0" encoding="utf-8"?>"#.utf8)
        out.append(0x0A)
        out += fragment(root)
        return out
    }

    /// The root element alone, namespace declarations included.
    public static func fragment(_ root: XMLTreeElement) -> [UInt8] {
        var prefixes: [String: String] = [:]
        var order: [String] = []
        collectNamespaces(root, into: &prefixes, order: &order)
        var out = ""
        write(root, prefixes: prefixes, declarations: order, into: &out)
        return Array(out.utf8)
    }

    /// The document as a string (tests, logs).
    public static func string(_ root: XMLTreeElement) -> String { String(decoding: document(root), as: UTF8.self) }

    private static func collectNamespaces(
        _ element: XMLTreeElement, into prefixes: inout [String: String], order: inout [String]
    ) {
        func use(_ namespace: String) {
            guard !namespace.isEmpty, namespace != XMLNamespace.xml, prefixes[namespace] == nil else { return }
            if let known = wellKnownPrefixes.first(where: { $0.namespace == namespace }) {
                prefixes[namespace] = known.prefix
            } else {
                let generated = prefixes.values.filter { $0.hasPrefix("x") }.count + 1
                prefixes[namespace] = "x\(generated)"
            }
            order.append(namespace)
        }
        use(element.name.namespace)
        for name in element.attributes.keys.sorted() where !isNamespaceDeclaration(name) { use(name.namespace) }
        for child in element.elements { collectNamespaces(child, into: &prefixes, order: &order) }
    }

    private static func qualified(_ name: QualifiedName, _ prefixes: [String: String]) -> String {
        if name.namespace.isEmpty { return name.name }
        if name.namespace == XMLNamespace.xml { return "xml:" + name.name }
        // Every namespace of the tree was collected before writing.
        return (prefixes[name.namespace] ?? "") + ":" + name.name
    }

    private static func write(
        _ element: XMLTreeElement, prefixes: [String: String], declarations: [String], into out: inout String
    ) {
        let tag = qualified(element.name, prefixes)
        out += "<" + tag
        for namespace in declarations {
            out += " xmlns:" + (prefixes[namespace] ?? "") + "=\"" + escapeAttribute(namespace) + "\""
        }
        for name in element.attributes.keys.sorted() where !isNamespaceDeclaration(name) {
            out += " " + qualified(name, prefixes) + "=\"" + escapeAttribute(element.attributes[name] ?? "") + "\""
        }
        if element.children.isEmpty {
            out += "/>"
            return
        }
        out += ">"
        for child in element.children {
            switch child {
            case .element(let inner): write(inner, prefixes: prefixes, declarations: [], into: &out)
            case .text(let text): out += escapeText(text)
            }
        }
        out += "</" + tag + ">"
    }

    /// Namespaces in XML §3: "xmlns" and the xmlns namespace are reserved for declarations.
    private static func isNamespaceDeclaration(_ name: QualifiedName) -> Bool {
        (name.namespace.isEmpty && name.name == "xmlns") || name.namespace == "http://www.w3.org/2000/xmlns/"
    }

    /// Escapes character data (XML 1.0 §2.4).
    public static func escapeText(_ text: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\r": out += "&#13;"
            default: out.unicodeScalars.append(xmlChar(scalar))
            }
        }
        return out
    }

    /// Escapes an attribute value written between double quotes (XML 1.0 §3.1, §3.3.3).
    public static func escapeAttribute(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case "\"": out += "&quot;"
            case "\t": out += "&#9;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            default: out.unicodeScalars.append(xmlChar(scalar))
            }
        }
        return out
    }

    /// XML 1.0 §2.2 Char: scalars outside it become U+FFFD.
    private static func xmlChar(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: scalar
        default: "\u{FFFD}"
        }
    }
}
