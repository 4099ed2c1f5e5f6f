// VCard: vCard 4.0 (RFC 6350) and 3.0 (RFC 2426) on the shared content-line layer, with typed access to the
// properties a CardDAV server uses and the checks it makes on a PUT (RFC 6352 §5.1, §6.3.2.1).
//
// Invariants:
// - A card is a `Component` named VCARD; group prefixes (item1.EMAIL), parameters and values are kept as written,
//   so `serialized` reproduces every content line (folding aside).
// - Accessors read, never normalise; `VCardValidator.validate` never throws and never traps.

import Foundation

/// vCard versions a CardDAV collection accepts (CARDDAV:supported-address-data).
public enum VCardVersion: String, Hashable, Sendable, CaseIterable {
    case v3 = "3.0"
    case v4 = "4.0"
}

/// N: the structured name (RFC 6350 §6.2.2, RFC 2426 §3.1.2); each part may hold several values.
public struct StructuredName: Hashable, Sendable {
    public var familyNames: [String]
    public var givenNames: [String]
    public var additionalNames: [String]
    public var honorificPrefixes: [String]
    public var honorificSuffixes: [String]
}

/// A value with its TYPE and preference (EMAIL, TEL).
public struct VCardTypedValue: Hashable, Sendable {
    /// The unescaped value (a `tel:` URI for TEL;VALUE=uri in 4.0).
    public var value: String
    /// TYPE values, lower-cased, without "pref".
    public var types: [String]
    /// PREF (4.0, 1 = most preferred) or 1 for a 3.0 `TYPE=pref`; nil when absent.
    public var preference: Int?
    /// The group prefix (`item1`), when present.
    public var group: String?
}

/// One vCard.
public struct VCard: Hashable, Sendable {
    public var component: Component

    public init(component: Component) { self.component = component }

    /// Parses every vCard in `bytes` (a .vcf file may hold several; a CardDAV resource must hold one).
    public static func parseAll(_ bytes: [UInt8], limits: CalendarLimits = .standard) throws(CalendarFormatError)
        -> [VCard]
    {
        try ComponentParser.parse(bytes, limits: limits).map(VCard.init)
    }

    /// Parses every vCard in UTF-8 text.
    public static func parseAll(_ text: String, limits: CalendarLimits = .standard) throws(CalendarFormatError)
        -> [VCard]
    {
        try parseAll(Array(text.utf8), limits: limits)
    }

    /// The card as text (CRLF, folded at 75 octets).
    public var serialized: String { component.serialized }

    /// VERSION as written.
    public var versionText: String? { component.property("VERSION")?.value.trimmingSpaces }
    /// VERSION when it is 3.0 or 4.0.
    public var version: VCardVersion? { versionText.flatMap(VCardVersion.init(rawValue:)) }
    /// UID (RFC 6350 §6.7.6): text or a URI such as `urn:uuid:...`.
    public var uid: String? { component.property("UID")?.text }
    /// FN, unescaped (RFC 6350 §6.2.1).
    public var formattedName: String? { component.property("FN")?.text }

    /// N split into its five parts (RFC 6350 §6.2.2); missing trailing parts are empty.
    public var name: StructuredName? {
        guard let property = component.property("N") else { return nil }
        var parts = TextEscaping.split(property.value, on: ";").map { part in
            part.isEmpty ? [] : TextEscaping.split(part, on: ",").map(TextEscaping.unescape)
        }
        while parts.count < 5 { parts.append([]) }
        return StructuredName(
            familyNames: parts[0], givenNames: parts[1], additionalNames: parts[2], honorificPrefixes: parts[3],
            honorificSuffixes: parts[4])
    }

    /// EMAIL properties in order.
    public var emails: [VCardTypedValue] { typedValues("EMAIL") }
    /// TEL properties in order.
    public var telephones: [VCardTypedValue] { typedValues("TEL") }

    private func typedValues(_ name: String) -> [VCardTypedValue] {
        component.properties(name).map { property in
            // TYPE may repeat, carry a comma list, or (4.0) a quoted comma list: "work,voice".
            var types = property.parameterValues("TYPE").flatMap { $0.split(separator: ",") }.map {
                $0.trimmingSpacesSub.lowercased()
            }
            var preference = property.parameter("PREF").flatMap { Int($0.trimmingSpaces) }
            if types.contains("pref") {
                types.removeAll { $0 == "pref" }
                preference = preference ?? 1  // RFC 2426 §3.3.1 TYPE=pref
            }
            return VCardTypedValue(value: property.text, types: types, preference: preference, group: property.group)
        }
    }
}

/// CARDDAV precondition elements (RFC 6352 §6.3.2.1).
public enum CardDAVPrecondition: String, Hashable, Sendable {
    case supportedAddressData = "supported-address-data"
    case validAddressData = "valid-address-data"
    case maxResourceSize = "max-resource-size"
}

/// Why an address object resource is refused.
public enum VCardValidationError: Error, Hashable, Sendable {
    case tooLarge(limit: Int)
    /// Not vCard text (syntax, nesting, UTF-8).
    case unparsable(CalendarFormatError)
    /// Not exactly one vCard (RFC 6352 §5.1: "a single vCard component only").
    case notSingleVCard(count: Int)
    /// A top-level component other than VCARD.
    case notVCard(String)
    /// VERSION missing.
    case missingVersion
    /// VERSION other than 3.0 or 4.0.
    case unsupportedVersion(String)
    /// FN missing (RFC 6350 §6.2.1 cardinality 1*, RFC 2426 §3.1.1).
    case missingFormattedName
    /// UID missing (RFC 6352 §5.1 requires it for CardDAV) or given twice.
    case missingUID
    case multipleUIDs

    /// The precondition element to report (RFC 6352 §6.3.2.1).
    public var precondition: CardDAVPrecondition {
        switch self {
        case .tooLarge: return .maxResourceSize
        case .unsupportedVersion: return .supportedAddressData
        case .unparsable, .notSingleVCard, .notVCard, .missingVersion, .missingFormattedName, .missingUID,
            .multipleUIDs:
            return .validAddressData
        }
    }
}

/// Checks address object resources for a CardDAV collection.
public struct VCardValidator: Sendable {
    /// The versions the collection accepts.
    public var supportedVersions: Set<VCardVersion>
    public var limits: CalendarLimits

    public init(supportedVersions: Set<VCardVersion> = Set(VCardVersion.allCases), limits: CalendarLimits = .standard) {
        self.supportedVersions = supportedVersions
        self.limits = limits
    }

    /// Validates the body of a PUT.
    public func validate(_ bytes: [UInt8]) -> Result<VCard, VCardValidationError> {
        guard bytes.count <= limits.maxObjectOctets else { return .failure(.tooLarge(limit: limits.maxObjectOctets)) }
        let roots: [Component]
        do {
            roots = try ComponentParser.parse(bytes, limits: limits)
        } catch {
            return .failure(.unparsable(error))
        }
        if let other = roots.first(where: { $0.key != "VCARD" }) { return .failure(.notVCard(other.name)) }
        guard roots.count == 1, let root = roots.first else { return .failure(.notSingleVCard(count: roots.count)) }
        let card = VCard(component: root)
        guard let versionText = card.versionText else { return .failure(.missingVersion) }
        guard let version = VCardVersion(rawValue: versionText), supportedVersions.contains(version) else {
            return .failure(.unsupportedVersion(versionText))
        }
        guard let name = card.formattedName, !name.isEmpty else { return .failure(.missingFormattedName) }
        let uids = root.properties("UID")
        guard let uid = uids.first, !uid.value.trimmingSpaces.isEmpty else { return .failure(.missingUID) }
        guard uids.count == 1 else { return .failure(.multipleUIDs) }
        return .success(card)
    }

    /// Validates UTF-8 text.
    public func validate(_ text: String) -> Result<VCard, VCardValidationError> { validate(Array(text.utf8)) }
}
