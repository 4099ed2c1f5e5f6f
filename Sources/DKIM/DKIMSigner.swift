// DKIMSigner: makes the DKIM-Signature field of a message (RFC 6376 §3.5, §3.7, §5), relaxed/relaxed only.
//
// Invariants:
// - Signed fields are the RFC 6376 §5.4.1 recommended set: every instance present is signed, bottom-up
//   (§5.4.2), and From is listed once more than it occurs (oversigned), so a From added in transit
//   breaks the signature. A header section without From is refused (§5.4: From MUST be signed).
// - The field is built once with an empty b= as its last tag; exactly those bytes, canonicalized, are
//   what is signed (§3.7), and the signature is then appended after "b=". Verifiers delete the b= value
//   with its folding whitespace (§3.5), so they recompute the same bytes.
// - Output lines are at most `DKIMLimits.foldedLineOctets` octets (RFC 5322 §2.1.1), folded with CRLF SP
//   only where FWS is allowed (between tags, after ":" in h=, inside base64 values), and end in CRLF.

import Foundation

/// Signs messages for one domain with one selector's key.
public struct DKIMSigner: Sendable {
    /// The signing domain, the d= tag (lowercased).
    public let domain: String
    /// The selector, the s= tag.
    public let selector: String
    /// The private key; its algorithm gives the a= tag.
    public let key: DKIMPrivateKey

    /// RFC 6376 §5.4.1: the header fields that SHOULD be signed, in h= order.
    public static let signedFieldNames: [String] = [
        "From", "Reply-To", "Subject", "Date", "To", "Cc", "Resent-Date", "Resent-From", "Resent-To",
        "Resent-Cc", "In-Reply-To", "References", "List-Id", "List-Help", "List-Unsubscribe", "List-Subscribe",
        "List-Post", "List-Owner", "List-Archive", "Message-ID", "Content-Type", "Content-Transfer-Encoding",
        "MIME-Version",
    ]

    /// The name of the field this signer writes.
    public static let fieldName = "DKIM-Signature"

    public init(domain: String, selector: String, key: DKIMPrivateKey) {
        self.domain = domain.lowercased()
        self.selector = selector
        self.key = key
    }

    /// The complete "DKIM-Signature: ..." field for a message, folded and ending in CRLF, ready to be
    /// prepended to the message.
    ///
    /// - Parameters:
    ///   - headerSection: the raw header bytes up to (optionally including) the empty line.
    ///   - bodyHash: the `DKIMBodyHasher` digest of the body.
    ///   - time: the signing time, the t= tag.
    public func signatureField(headerSection: [UInt8], bodyHash: [UInt8], time: Date) throws -> String {
        guard bodyHash.count == 32 else { throw DKIMError.invalidBodyHash(length: bodyHash.count) }
        // d= and s= go into the field verbatim: only DNS names, so no ";" or line break can slip in.
        guard DKIMKeyStore.isValidName(domain) else { throw DKIMError.invalidDomain(domain) }
        guard DKIMKeyStore.isValidName(selector) else { throw DKIMError.invalidSelector(selector) }
        let fields = try DKIMHeaderSection.parse(headerSection)
        let names = try Self.headerList(for: fields)
        let timestamp = Int64(time.timeIntervalSince1970.rounded(.down))
        // RFC 6376 §3.5 tags; b= last, so the signature can follow the signed bytes unchanged.
        var folder = FieldFolder(name: Self.fieldName)
        folder.appendTag("v=1;")
        folder.appendTag("a=\(key.algorithm.tagValue);")
        folder.appendTag("c=relaxed/relaxed;")
        folder.appendTag("d=\(domain);")
        folder.appendTag("s=\(selector);")
        folder.appendTag("t=\(timestamp);")
        folder.appendList(tag: "h=", items: names.map { $0.lowercased() }, separator: ":", terminator: ";")
        folder.appendTag("bh=\(Data(bodyHash).base64EncodedString());")
        folder.appendTag("b=")
        let unsigned = folder.text
        let data = Self.signedData(fields: fields, headerList: names, signatureField: unsigned)
        let signature = try key.sign(data)
        folder.appendContinuous(Data(signature).base64EncodedString())
        return folder.text + "\r\n"
    }

    /// Signs a whole message (header section, empty line, body) and returns its DKIM-Signature field.
    public func sign(message: [UInt8], time: Date) throws -> String {
        let (header, body) = DKIMHeaderSection.split(message: message)
        return try signatureField(headerSection: Array(header), bodyHash: DKIMBodyHasher.hash(body), time: time)
    }

    /// The h= list (RFC 6376 §5.4.1, §5.4.2): each recommended name once per instance present, From once
    /// more. Throws `missingFrom` when the header section has no From.
    static func headerList(for fields: [DKIMHeaderField]) throws -> [String] {
        var names: [String] = []
        var fromCount = 0
        for name in signedFieldNames {
            let count = fields.count(where: { $0.hasName(name) })
            if name == "From" { fromCount = count }
            names += Array(repeating: name, count: count)
        }
        guard fromCount > 0 else { throw DKIMError.missingFrom }
        // §8.15 / §5.4.2: one more From than present, so an added From has no place to hide.
        names.append("From")
        return names
    }

    /// The bytes that are hashed and signed (RFC 6376 §3.7): the fields named in `headerList` in that
    /// order, each occurrence of a name taking the next instance from the bottom (§5.4.2; a name with no
    /// instance left contributes nothing), then the relaxed DKIM-Signature field with empty b= and no CRLF.
    static func signedData(fields: [DKIMHeaderField], headerList: [String], signatureField: String) -> [UInt8] {
        var data: [UInt8] = []
        var used: [String: Int] = [:]  // per lowercased name: instances already taken from the bottom
        for name in headerList {
            let key = name.lowercased()
            let taken = used[key, default: 0]
            let instances = fields.indices.filter { fields[$0].hasName(key) }
            used[key] = taken + 1
            guard taken < instances.count else { continue }
            data += fields[instances[instances.count - 1 - taken]].relaxed
        }
        // The field as written: "DKIM-Signature:" then its value, canonicalized relaxed (§3.4.2).
        let raw = Array(signatureField.utf8)
        let colon = raw.firstIndex(of: UInt8(ascii: ":")) ?? raw.count
        let name = String(decoding: raw[..<colon], as: UTF8.self)
        data += DKIMRelaxedHeader.canonicalizeWithoutCRLF(name: name, value: raw.dropFirst(colon + 1))
        return data
    }
}

/// Builds a header field line by line, folding with CRLF SP before a line would pass the limit.
struct FieldFolder {
    private var lines: [String]
    private var current: String

    init(name: String) {
        lines = []
        current = "\(name):"
    }

    /// The field so far, without a final CRLF.
    var text: String { (lines + [current]).joined(separator: "\r\n") }

    private var room: Int { DKIMLimits.foldedLineOctets - current.utf8.count }

    private mutating func newLine() {
        lines.append(current)
        current = " "
    }

    /// Appends " tag" (a tag is not split), on a new line if it does not fit.
    mutating func appendTag(_ tag: String) {
        if tag.utf8.count + 1 > room && current != " " { newLine() }
        current += current == " " ? tag : " " + tag
    }

    /// Appends "tag item:item:...;", folding after a separator when the next item does not fit
    /// (RFC 6376 §3.5 allows FWS around the ":" of h=).
    mutating func appendList(tag: String, items: [String], separator: String, terminator: String) {
        for (i, item) in items.enumerated() {
            let last = i == items.count - 1
            let piece = (i == 0 ? tag : "") + item + (last ? terminator : separator)
            if i == 0 {
                appendTag(piece)
            } else {
                if piece.utf8.count > room { newLine() }
                current += piece
            }
        }
    }

    /// Appends a base64 value right after what is there, filling each line (RFC 6376 §3.5 allows FWS
    /// anywhere in base64string).
    mutating func appendContinuous(_ value: String) {
        var rest = Substring(value)
        while !rest.isEmpty {
            if room <= 0 { newLine() }
            let piece = rest.prefix(room)
            current += piece
            rest = rest.dropFirst(piece.count)
        }
    }
}
