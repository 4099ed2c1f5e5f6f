// Component: the BEGIN/END tree of iCalendar (RFC 5545 §3.4, §3.6) and vCard (RFC 6350 §3.3) objects.
//
// Invariants:
// - `ComponentParser.parse` returns every top-level component in input order; nesting deeper than
//   `CalendarLimits.maxNestingDepth`, an END that does not close the open BEGIN, and unclosed components are errors.
// - Unknown components and properties (IANA or X-) are kept in place, in order, so `serialized` reproduces the
//   input's content lines exactly (only folding and line ends are normalised).

/// A component: its name (VCALENDAR, VEVENT, VCARD, X-FOO, ...), properties and sub-components in order.
public struct Component: Hashable, Sendable {
    /// The name as written after BEGIN:; see `key`.
    public var name: String
    public var properties: [Property]
    public var components: [Component]

    public init(name: String, properties: [Property] = [], components: [Component] = []) {
        self.name = name
        self.properties = properties
        self.components = components
    }

    /// The upper-cased name (component names are case-insensitive).
    public var key: String { name.uppercased() }

    /// The first property with this name (case-insensitive).
    public func property(_ name: String) -> Property? {
        let key = name.uppercased()
        return properties.first { $0.key == key }
    }

    /// Every property with this name (case-insensitive), in order.
    public func properties(_ name: String) -> [Property] {
        let key = name.uppercased()
        return properties.filter { $0.key == key }
    }

    /// Sub-components with this name (case-insensitive), in order.
    public func components(_ name: String) -> [Component] {
        let key = name.uppercased()
        return components.filter { $0.key == key }
    }

    /// Replaces every property with this name by `property` (or removes them when nil), keeping the first's place.
    public mutating func setProperty(_ name: String, _ property: Property?) {
        let key = name.uppercased()
        let position = properties.firstIndex { $0.key == key }
        properties.removeAll { $0.key == key }
        if let property {
            properties.insert(property, at: min(position ?? properties.count, properties.count))
        }
    }

    /// The component as text: CRLF line ends, folded at 75 octets (RFC 5545 §3.1).
    public var serialized: String {
        var out = ""
        write(to: &out)
        return out
    }

    func write(to out: inout String) {
        ContentLineWriter.appendFolded("BEGIN:" + name, to: &out)
        for property in properties { ContentLineWriter.appendFolded(property.contentLine, to: &out) }
        for component in components { component.write(to: &out) }
        ContentLineWriter.appendFolded("END:" + name, to: &out)
    }
}

/// Parses content lines into component trees.
public enum ComponentParser {
    /// Parses every top-level component of `bytes` (UTF-8 text).
    public static func parse(_ bytes: [UInt8], limits: CalendarLimits = .standard) throws(CalendarFormatError)
        -> [Component]
    {
        let lines = try ContentLineReader.unfold(bytes, limits: limits)
        var stack: [Component] = []
        var roots: [Component] = []
        var propertyCount = 0
        for line in lines {
            let property = try ContentLineReader.parse(line)
            switch property.key {
            case "BEGIN" where property.group == nil:
                let name = property.value.trimmingSpaces
                guard !name.isEmpty else {
                    throw .malformedContentLine(line: line.number, reason: "BEGIN without a component name")
                }
                guard stack.count < limits.maxNestingDepth else {
                    throw .nestingTooDeep(line: line.number, limit: limits.maxNestingDepth)
                }
                stack.append(Component(name: name))
            case "END" where property.group == nil:
                let name = property.value.trimmingSpaces
                guard let open = stack.popLast() else { throw .unexpectedEnd(line: line.number, found: name) }
                guard open.key == name.uppercased() else {
                    throw .mismatchedEnd(line: line.number, expected: open.name, found: name)
                }
                if stack.isEmpty {
                    roots.append(open)
                } else {
                    stack[stack.count - 1].components.append(open)
                }
            default:
                guard !stack.isEmpty else { throw .propertyOutsideComponent(line: line.number) }
                propertyCount += 1
                guard propertyCount <= limits.maxProperties else {
                    throw .tooManyProperties(limit: limits.maxProperties)
                }
                stack[stack.count - 1].properties.append(property)
            }
        }
        if let open = stack.last { throw .unterminatedComponent(open.name) }
        guard !roots.isEmpty else { throw .empty }
        return roots
    }

    /// Parses UTF-8 text.
    public static func parse(_ text: String, limits: CalendarLimits = .standard) throws(CalendarFormatError)
        -> [Component]
    {
        try parse(Array(text.utf8), limits: limits)
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs (no Foundation needed).
    var trimmingSpaces: String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
