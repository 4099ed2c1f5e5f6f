// IMAP section addressing (RFC 9051 §6.4.5 FETCH BODY[<section>]) mapped to byte ranges.
//
// Rules implemented:
// - Part numbers address the body parts of a multipart; a non-multipart message (top level or
//   encapsulated) has exactly one part, "1", which is its body.
// - Part n of a message/rfc822 (or message/global) part descends into the encapsulated message:
//   "n.1" is that message's first part, "n.HEADER"/"n.TEXT"/"n.HEADER.FIELDS" its header/body.
// - "n" alone is the part's body (for message/rfc822: the whole encapsulated message);
//   "n.MIME" the part's MIME header (for part 1 of a non-multipart message: the message header).
// - HEADER, TEXT and HEADER.FIELDS without a part number address the top-level message.
// - A section that does not exist yields nil; the caller decides (servers usually send "").
import Foundation

/// A section specification, as in BODY[1.2.HEADER.FIELDS (FROM TO)].
public struct SectionSpec: Sendable, Hashable, Codable {
    public enum Text: Sendable, Hashable, Codable {
        case header
        case headerFields([String])
        case headerFieldsNot([String])
        case text
        case mime
    }

    /// Part numbers (1-based); empty for the whole message.
    public var part: [Int]
    public var text: Text?

    public init(part: [Int] = [], text: Text? = nil) {
        self.part = part
        self.text = text
    }

    /// Parses "1.2", "HEADER", "1.MIME", "2.HEADER.FIELDS (FROM TO)", "" (the whole message).
    public init?(_ string: String) {
        var rest = Substring(string.trimmingWSP)
        var numbers: [Int] = []
        while let first = rest.first, first.isASCII, first.isNumber {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard digits.count <= 9, let n = Int(digits), n > 0 else { return nil }
            numbers.append(n)
            rest = rest.dropFirst(digits.count)
            if rest.first == "." { rest = rest.dropFirst() } else { break }
        }
        part = numbers
        let upper = rest.uppercased()
        if upper.isEmpty {
            text = nil
        } else if upper == "HEADER" {
            text = .header
        } else if upper == "TEXT" {
            text = .text
        } else if upper == "MIME" {
            guard !numbers.isEmpty else { return nil }
            text = .mime
        } else if upper.hasPrefix("HEADER.FIELDS") {
            let not = upper.hasPrefix("HEADER.FIELDS.NOT")
            guard let open = upper.firstIndex(of: "("), let close = upper.lastIndex(of: ")"), open < close else {
                return nil
            }
            let names = upper[upper.index(after: open)..<close].split(whereSeparator: { $0 == " " }).map(String.init)
            text = not ? .headerFieldsNot(names) : .headerFields(names)
        } else {
            return nil
        }
    }
}

/// The bytes of a section: ranges of the original message, in order.
public struct SectionBytes: Sendable, Equatable {
    public var ranges: [Range<Int>]
    /// True for HEADER.FIELDS / HEADER.FIELDS.NOT: the subset must be followed by a CRLF (the blank
    /// line that ends a header), which is not one contiguous range of the message.
    public var appendCRLF: Bool

    public init(ranges: [Range<Int>], appendCRLF: Bool = false) {
        self.ranges = ranges
        self.appendCRLF = appendCRLF
    }

    /// Total number of octets, including the appended CRLF.
    public var count: Int { ranges.reduce(0) { $0 + $1.count } + (appendCRLF ? 2 : 0) }
}

extension Part {
    /// The part addressed by `numbers` inside the message whose top part is `self`.
    public func part(at numbers: [Int]) -> Part? {
        var message = self
        var current: Part? = nil
        for n in numbers {
            if let c = current {
                // Descend: into an encapsulated message, or into a nested multipart.
                if c.kind == .message, let inner = c.children.first {
                    message = inner
                } else if c.kind == .multipart {
                    message = c
                } else {
                    return nil
                }
            }
            let parts = message.numberedParts
            guard n >= 1, n <= parts.count else { return nil }
            current = parts[n - 1]
        }
        return current
    }

    /// Byte ranges for `section` of the message whose top part is `self`.
    public func section(_ spec: SectionSpec, messageSize: Int) -> SectionBytes? {
        let whole = 0..<messageSize
        if spec.part.isEmpty {
            guard let text = spec.text else { return SectionBytes(ranges: [whole]) }
            return Part.messageSection(self, text)
        }
        guard let p = part(at: spec.part) else { return nil }
        switch spec.text {
        case nil:
            return SectionBytes(ranges: [p.bodyRange])
        case .mime:
            return SectionBytes(ranges: [p.header.range])
        case .some(let text):
            // HEADER/TEXT/HEADER.FIELDS of a part exist only for message/rfc822 parts.
            guard p.kind == .message, let inner = p.children.first else { return nil }
            return Part.messageSection(inner, text)
        }
    }

    private static func messageSection(_ m: Part, _ text: SectionSpec.Text) -> SectionBytes? {
        switch text {
        case .header:
            return SectionBytes(ranges: [m.header.range])
        case .text:
            return SectionBytes(ranges: [m.bodyRange])
        case .mime:
            return nil
        case .headerFields(let names):
            let wanted = Set(names.map(\.asciiLowercased))
            return SectionBytes(
                ranges: m.header.fields.filter { wanted.contains($0.name.asciiLowercased) }.map(\.range),
                appendCRLF: true)
        case .headerFieldsNot(let names):
            let unwanted = Set(names.map(\.asciiLowercased))
            return SectionBytes(
                ranges: m.header.fields.filter { !unwanted.contains($0.name.asciiLowercased) }.map(\.range),
                appendCRLF: true)
        }
    }
}
