// DKIMHeaderFuzz: the DKIM signer's view of a message (Sources/DKIM): header-section parsing, relaxed
// canonicalization (RFC 6376 §3.4.2, §3.4.4) and signing.
//
// Properties checked for every input (a whole message):
// - DKIMHeaderSection.split and parse never trap; the parsed fields, written back as "name:value" CRLF,
//   parse to the same fields.
// - Relaxed header canonicalization is idempotent and its output is one line: lowercase-ASCII name, no WSP
//   around the colon or at the end, no run of WSP, no CR or LF except the final CRLF.
// - Relaxed body canonicalization is idempotent and gives the same bytes however the body is chunked;
//   DKIMBodyHasher gives the same digest and canonical length chunked or whole.
// - Signing (Ed25519, a fixed test signer) never traps, and the field it returns parses as exactly one
//   DKIM-Signature header field.

import DKIM
import Foundation

public enum DKIMHeaderFuzz {
    /// A throwaway signer: the properties do not depend on the key.
    static let signer: DKIMSigner? = (try? DKIMPrivateKey.generate(.ed25519SHA256)).map {
        DKIMSigner(domain: "example.com", selector: "fuzz", key: $0)
    }
    static let signingTime = Date(timeIntervalSince1970: 1_700_000_000)

    static let crlf: [UInt8] = [0x0D, 0x0A]

    public static func run(_ input: [UInt8]) throws(FuzzFailure) {
        let (header, body) = DKIMHeaderSection.split(message: input)
        try require(header.count + body.count <= input.count, "split returned more bytes than the message")
        var random = SplitMix64(seed: input)
        if let fields = try? DKIMHeaderSection.parse(header) {
            try headerFields(fields)
            if fields.contains(where: { $0.hasName("From") }), let signer {
                do {
                    let field = try signer.sign(message: input, time: signingTime)
                    let parsed = try DKIMHeaderSection.parse(Array(field.utf8))
                    try require(
                        parsed.count == 1 && parsed[0].name == DKIMSigner.fieldName,
                        "the signature is not one DKIM-Signature field: \(field)")
                } catch let error as FuzzFailure {
                    throw error
                } catch {
                    throw FuzzFailure("signing a parseable header section with From failed: \(error)")
                }
            }
        }
        _ = try? DKIMHeaderSection.parse(input)
        try relaxedBody(Array(body), random: &random)
        try relaxedBody(input, random: &random)
    }

    static func headerFields(_ fields: [DKIMHeaderField]) throws(FuzzFailure) {
        var written: [UInt8] = []
        for field in fields { written += Array(field.name.utf8) + [UInt8(ascii: ":")] + field.value + crlf }
        do {
            let reparsed = try DKIMHeaderSection.parse(written)
            try require(reparsed == fields, "fields written back parse differently: \(show(written))")
        } catch let error as FuzzFailure {
            throw error
        } catch {
            throw FuzzFailure("fields written back do not parse (\(error)): \(show(written))")
        }
        for field in fields {
            let canonical = field.relaxed
            try require(canonical.suffix(2) == crlf[...], "relaxed header does not end in CRLF")
            let line = canonical.dropLast(2)
            try require(!line.contains(0x0D) && !line.contains(0x0A), "relaxed header has a line break: \(show(line))")
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                throw FuzzFailure("relaxed header has no colon: \(show(line))")
            }
            let name = line[..<colon]
            let value = line[(colon + 1)...]
            try require(!name.contains { (0x41...0x5A).contains($0) }, "relaxed name is not lowercase: \(show(name))")
            let wsp: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 }
            try require(
                !(value.first.map(wsp) ?? false) && !(value.last.map(wsp) ?? false) && !value.contains(0x09),
                "relaxed value keeps WSP at an end or a tab: \(show(value))")
            try require(
                !zip(value, value.dropFirst()).contains { $0 == 0x20 && $1 == 0x20 },
                "relaxed value keeps a run of spaces: \(show(value))")
            let again = DKIMRelaxedHeader.canonicalize(name: String(decoding: name, as: UTF8.self), value: value)
            try require(again == canonical, "relaxed header canonicalization is not idempotent: \(show(canonical))")
        }
    }

    static func relaxedBody(_ body: [UInt8], random: inout SplitMix64) throws(FuzzFailure) {
        let canonical = DKIMRelaxedBody.canonicalize(body)
        var machine = DKIMRelaxedBody()
        var chunked: [UInt8] = []
        var hasher = DKIMBodyHasher()
        for chunk in random.chunks(of: body.count, maxChunk: 9) {
            machine.feed(body[chunk], into: &chunked)
            hasher.update(body[chunk])
        }
        machine.finish(into: &chunked)
        try require(chunked == canonical, "relaxed body depends on chunking: \(show(body))")
        try require(
            DKIMRelaxedBody.canonicalize(canonical) == canonical, "relaxed body is not idempotent: \(show(body))")
        try require(canonical.isEmpty || canonical.suffix(2) == crlf[...], "relaxed body does not end in CRLF")
        let digest = hasher.finalize()
        try require(hasher.canonicalLength == canonical.count, "canonical length \(hasher.canonicalLength)")
        try require(digest == DKIMBodyHasher.hash(body), "body hash depends on chunking: \(show(body))")
    }
}
