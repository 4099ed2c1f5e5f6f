// PropPatch: the PROPPATCH body (RFC 4918 §9.2, §14.19).
//
// Invariants:
// - Instructions keep document order across set and remove elements (RFC 4918 §9.2: "instructions MUST either
//   all be executed or none executed... processed in document order").
// - A set value is the property element itself, kept as a tree (dead properties are stored verbatim, RFC 4918
//   §4.3); a remove names the property.
// - A body without any instruction is refused (the grammar is `(set | remove)+`).

/// A PROPPATCH request body.
public struct PropertyUpdate: Hashable, Sendable {
    /// One instruction in document order.
    public enum Instruction: Hashable, Sendable {
        /// Set the property named by the element to the element's content.
        case set(XMLTreeElement)
        /// Remove the property.
        case remove(PropertyName)

        /// The property the instruction touches.
        public var property: PropertyName {
            switch self {
            case .set(let element): PropertyName(element.name)
            case .remove(let name): name
            }
        }
    }

    public var instructions: [Instruction]

    public init(instructions: [Instruction]) { self.instructions = instructions }

    /// RFC 4918 §14.19: `<!ELEMENT propertyupdate (remove | set)+ >`, each `(prop)`.
    public static func parse(_ body: [UInt8], limits: XMLLimits = .default) throws(DAVRequestError) -> PropertyUpdate {
        let root = try RequestBody.requiredRoot(body, limits: limits)
        try RequestBody.expect(root, .dav("propertyupdate"))
        var instructions: [Instruction] = []
        for child in root.elements {
            switch child.name {
            case .dav("set"):
                for prop in child.all(.dav("prop")) { instructions += prop.elements.map { .set($0) } }
            case .dav("remove"):
                for prop in child.all(.dav("prop")) {
                    instructions += prop.elements.map { .remove(PropertyName($0.name)) }
                }
            default: continue  // RFC 4918 §17: ignore unknown elements
            }
        }
        guard !instructions.isEmpty else { throw .missingElement(.dav("set")) }
        return PropertyUpdate(instructions: instructions)
    }

    /// The request body; consecutive instructions of one kind share a set or remove element.
    public var element: XMLTreeElement {
        var groups: [XMLTreeElement] = []
        var current: (isSet: Bool, props: [XMLTreeElement])?
        func flush() {
            guard let group = current else { return }
            let prop = XMLTreeElement(.dav("prop"), elements: group.props)
            groups.append(XMLTreeElement(.dav(group.isSet ? "set" : "remove"), elements: [prop]))
        }
        for instruction in instructions {
            let (isSet, element): (Bool, XMLTreeElement) =
                switch instruction {
                case .set(let element): (true, element)
                case .remove(let name): (false, name.emptyElement)
                }
            if current?.isSet == isSet {
                current?.props.append(element)
            } else {
                flush()
                current = (isSet, [element])
            }
        }
        flush()
        return XMLTreeElement(.dav("propertyupdate"), elements: groups)
    }
}
