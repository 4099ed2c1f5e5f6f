// MIMEFuzz: the message parser (Sources/MIME MIMEParser) and what the IMAP server renders from it.
//
// Properties checked for every input (a whole message):
// - MIMEParser.parse never traps; every part's header and body range lies inside the message.
// - The structure survives the JSON round trip the server stores it in (Delivery's StoredStructure:
//   JSONEncoder with sorted keys) unchanged, and so does the envelope.
// - ENVELOPE (RFC 9051 §7.5.2) renders as well-formed IMAP data that reads back as the same ten fields,
//   strings equal to the envelope's (NUL dropped, as the writer documents).
// - BODY and BODYSTRUCTURE render as one well-formed parenthesised IMAP list.
// - Section addressing (BODY[n], n.MIME, n.HEADER, n.TEXT, HEADER.FIELDS), decoding (base64, QP, charsets),
//   text extraction, search text and preview never trap, and section bytes stay inside the message.

import Foundation
import MIME

public enum MIMEFuzz {
    /// Parts visited per message (the parser allows 10 000; a few suffice to reach every code path).
    static let maxPartsVisited = 64

    public static func run(_ input: [UInt8]) throws(FuzzFailure) {
        let message = MIMEParser.parse(input)
        let structure = message.structure
        try require(structure.size == input.count, "structure size \(structure.size) for \(input.count) bytes")

        try storedForm(structure)
        try envelope(structure.envelope)
        for extended in [false, true] {
            let text = structure.bodyStructure.imapString(extended: extended)
            guard case .list? = IMAPValue.parse(Array(text.utf8)) else {
                throw FuzzFailure(
                    "BODYSTRUCTURE (extended \(extended)) is not one IMAP list: \(show(Array(text.utf8)))")
            }
        }

        var visited = 0
        try visit(structure.root, path: [], message: message, visited: &visited)
        for spec in ["", "HEADER", "TEXT", "HEADER.FIELDS (FROM TO SUBJECT)", "HEADER.FIELDS.NOT (RECEIVED)", "1"] {
            if let section = SectionSpec(spec) { try sectionInBounds(section, message) }
        }
        _ = message.searchText()
        _ = message.preview
        _ = message.date
        _ = message.messageID
        _ = message.inReplyTo
        _ = message.references
        _ = message.hasAttachment
        _ = structure.envelope.decodedSubject
    }

    static func storedForm(_ structure: MessageStructure) throws(FuzzFailure) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            let decoded = try JSONDecoder().decode(MessageStructure.self, from: try encoder.encode(structure))
            try require(decoded == structure, "the structure changed in its stored (JSON) form")
            let envelope = try JSONDecoder().decode(Envelope.self, from: try encoder.encode(structure.envelope))
            try require(envelope == structure.envelope, "the envelope changed in its stored (JSON) form")
        } catch let error as FuzzFailure {
            throw error
        } catch {
            throw FuzzFailure("the structure does not survive JSON: \(error)")
        }
    }

    static func envelope(_ envelope: Envelope) throws(FuzzFailure) {
        let text = envelope.imapString()
        guard case .list(let fields)? = IMAPValue.parse(Array(text.utf8)), fields.count == 10 else {
            throw FuzzFailure("ENVELOPE is not a list of ten fields: \(show(Array(text.utf8)))")
        }
        func expect(_ value: IMAPValue, _ string: String?, _ name: String) throws(FuzzFailure) {
            let wanted = string.map { Array($0.utf8.filter { $0 != 0 }) }
            guard let found = value.nstring, found == wanted else {
                throw FuzzFailure("ENVELOPE \(name) reads back as \(value), expected \(String(describing: string))")
            }
        }
        try expect(fields[0], envelope.date, "date")
        try expect(fields[1], envelope.subject, "subject")
        let lists = [envelope.from, envelope.sender, envelope.replyTo, envelope.to, envelope.cc, envelope.bcc]
        for (index, list) in lists.enumerated() {
            let value = fields[2 + index]
            guard let list, !list.isEmpty else {
                try require(value == .nilValue, "ENVELOPE address list \(index) should be NIL: \(value)")
                continue
            }
            guard case .list(let addresses) = value, addresses.count == list.count else {
                throw FuzzFailure("ENVELOPE address list \(index) has the wrong shape: \(value)")
            }
            for (address, rendered) in zip(list, addresses) {
                guard case .list(let parts) = rendered, parts.count == 4 else {
                    throw FuzzFailure("ENVELOPE address is not four fields: \(rendered)")
                }
                try expect(parts[0], address.name, "name")
                try expect(parts[1], address.adl, "adl")
                try expect(parts[2], address.mailbox, "mailbox")
                try expect(parts[3], address.host, "host")
            }
        }
        try expect(fields[8], envelope.inReplyTo, "in-reply-to")
        try expect(fields[9], envelope.messageID, "message-id")
    }

    static func visit(_ part: Part, path: [Int], message: ParsedMessage, visited: inout Int) throws(FuzzFailure) {
        guard visited < maxPartsVisited else { return }
        visited += 1
        let size = message.size
        try require(
            part.bodyRange.lowerBound >= 0 && part.bodyRange.upperBound <= size
                && part.header.range.lowerBound >= 0 && part.header.range.upperBound <= size,
            "part \(path) ranges \(part.header.range) \(part.bodyRange) outside a \(size)-byte message")
        _ = message.decodedBody(of: part)
        _ = message.decodedSize(of: part)
        _ = message.text(of: part)
        _ = part.disposition
        _ = part.filename
        _ = part.languages
        if !path.isEmpty {
            for text in [nil, .mime, .header, .text, .headerFields(["SUBJECT"])] as [SectionSpec.Text?] {
                try sectionInBounds(SectionSpec(part: path, text: text), message)
            }
        }
        for (index, child) in part.children.enumerated() {
            // A message/rfc822 part's child is the encapsulated message, addressed by the part's own number.
            let childPath = part.kind == .message ? path : path + [index + 1]
            try visit(child, path: childPath, message: message, visited: &visited)
        }
    }

    static func sectionInBounds(_ spec: SectionSpec, _ message: ParsedMessage) throws(FuzzFailure) {
        guard let section = message.sectionRanges(spec) else { return }
        for range in section.ranges {
            try require(
                range.lowerBound >= 0 && range.upperBound <= message.size,
                "section \(spec) range \(range) outside a \(message.size)-byte message")
        }
        _ = message.sectionData(spec)
    }
}
