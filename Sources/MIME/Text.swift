// Text for search and display: decoded text parts, HTML reduced to text, previews, attachment
// detection, and msg-id lists.
//
// Invariants:
// - Everything here reads the message bytes only through part ranges; nothing is cached.
// - Extracted text is capped at `MIMELimits.maxSearchTextLength` UTF-8 bytes per message.
import Foundation

public enum HTMLText {
    /// Reduces HTML to plain text: tags removed (block tags become line breaks), script, style,
    /// head and comments dropped, character references decoded.
    public static func plainText(_ html: String) -> String {
        let s = Array(html.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        func lowerASCII(_ c: Unicode.Scalar) -> Unicode.Scalar {
            (c.value >= 0x41 && c.value <= 0x5A) ? Unicode.Scalar(c.value | 0x20) ?? c : c
        }
        func hasPrefixCI(_ p: String, at k: Int) -> Bool {
            var j = k
            for c in p.unicodeScalars {
                guard j < s.count, lowerASCII(s[j]) == c else { return false }
                j += 1
            }
            return true
        }
        func skipPast(_ p: String, from k: Int) -> Int {
            var j = k
            while j < s.count {
                if hasPrefixCI(p, at: j) { return j + p.unicodeScalars.count }
                j += 1
            }
            return s.count
        }
        let blockTags: Set<String> = [
            "br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote",
            "hr", "pre", "section", "article", "header", "footer", "dd", "dt",
        ]
        while i < s.count {
            let c = s[i]
            if c == "<" {
                if hasPrefixCI("<!--", at: i) {
                    i = skipPast("-->", from: i + 4)
                    continue
                }
                // Tag name.
                var j = i + 1
                if j < s.count, s[j] == "/" { j += 1 }
                var name = ""
                // Tag names are ASCII letters and digits (HTML §13.1.2).
                while j < s.count, isASCIIAlphanumeric(s[j]) {
                    name.unicodeScalars.append(lowerASCII(s[j]))
                    j += 1
                }
                // Find the end of the tag, honouring quoted attribute values.
                var quote: Unicode.Scalar? = nil
                while j < s.count {
                    let d = s[j]
                    if let q = quote {
                        if d == q { quote = nil }
                    } else if d == "\"" || d == "'" {
                        quote = d
                    } else if d == ">" {
                        break
                    }
                    j += 1
                }
                let closing = i + 1 < s.count && s[i + 1] == "/"
                i = min(j + 1, s.count)
                if !closing, name == "script" || name == "style" || name == "head" || name == "title" {
                    i = skipPast("</" + name, from: i)
                    i = skipPast(">", from: i)
                    continue
                }
                out.append(blockTags.contains(name) ? "\n" : " ")
                continue
            }
            if c == "&" {
                var j = i + 1
                var ent = ""
                while j < s.count, j - i <= 32, s[j] != ";", s[j] != "&", s[j] != "<", !isWhitespaceScalar(s[j]) {
                    ent.unicodeScalars.append(s[j])
                    j += 1
                }
                if let decoded = decodeEntity(ent) {
                    out.append(contentsOf: decoded.unicodeScalars)
                    i = (j < s.count && s[j] == ";") ? j + 1 : j
                    continue
                }
            }
            out.append(c)
            i += 1
        }
        return String(out)
    }

    private static let entities: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{00A0}", "copy": "©", "reg": "®",
        "trade": "™", "hellip": "…", "mdash": "—", "ndash": "–", "lsquo": "‘", "rsquo": "’", "ldquo": "“",
        "rdquo": "”", "sbquo": "‚", "bdquo": "„", "laquo": "«", "raquo": "»", "euro": "€", "pound": "£", "yen": "¥",
        "cent": "¢", "bull": "•", "middot": "·", "deg": "°", "times": "×", "divide": "÷", "shy": "", "zwnj": "",
        "zwj": "", "para": "¶", "sect": "§", "auml": "ä", "ouml": "ö", "uuml": "ü", "Auml": "Ä", "Ouml": "Ö",
        "Uuml": "Ü", "szlig": "ß", "eacute": "é", "egrave": "è", "Eacute": "É", "agrave": "à", "aacute": "á",
        "ccedil": "ç", "ntilde": "ñ", "iexcl": "¡", "iquest": "¿",
    ]

    private static func decodeEntity(_ e: String) -> String? {
        if e.hasPrefix("#") {
            var digits = e.dropFirst()
            var radix = 10
            if digits.first == "x" || digits.first == "X" {
                radix = 16
                digits = digits.dropFirst()
            }
            guard !digits.isEmpty, digits.count <= 8, let v = UInt32(digits, radix: radix) else { return nil }
            guard v != 0, let scalar = Unicode.Scalar(v) else { return "\u{FFFD}" }
            return String(scalar)
        }
        return entities[e]
    }
}

/// Collapses runs of whitespace into single spaces and trims.
func collapseWhitespace(_ s: String, limit: Int = .max) -> String {
    var out = String.UnicodeScalarView()
    var count = 0
    var pendingSpace = false
    for c in s.unicodeScalars {
        if isWhitespaceScalar(c) || c == "\u{00A0}" {
            pendingSpace = count > 0
            continue
        }
        if pendingSpace {
            out.append(" ")
            count += 1
        }
        pendingSpace = false
        guard count < limit else { break }  // callers that want a prefix stop early
        out.append(c)
        count += 1
    }
    return String(out)
}

/// Unicode White_Space, with an ASCII fast path (the property lookup is costly per character).
@inline(__always)
func isWhitespaceScalar(_ c: Unicode.Scalar) -> Bool {
    if c.value < 0x80 { return c.value == 0x20 || (c.value >= 0x09 && c.value <= 0x0D) }
    return c.properties.isWhitespace
}

/// msg-id lists (RFC 5322 §3.6.4): every <...> in the value, angle brackets removed; a value with no
/// brackets at all yields its whitespace-separated words that contain "@" (a common broken form).
public func parseMessageIDs(_ value: String) -> [String] {
    var ids: [String] = []
    var current: String.UnicodeScalarView? = nil
    var depth = 0
    for c in value.unicodeScalars {
        // Comments (RFC 5322 §3.2.2) may appear even inside obsolete msg-ids (§4.5.4).
        if c == "(" {
            depth += 1
            continue
        }
        if c == ")" && depth > 0 {
            depth -= 1
            continue
        }
        if depth > 0 { continue }
        if c == "<" {
            current = String.UnicodeScalarView()
        } else if c == ">" {
            if let cur = current {
                let id = String(cur).trimmingWSP
                if !id.isEmpty { ids.append(String(id.unicodeScalars.filter { $0 != " " && $0 != "\t" })) }
            }
            current = nil
        } else if current != nil {
            current?.append(c)
        }
    }
    if ids.isEmpty {
        ids = value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }).map(String.init)
            .filter { $0.contains("@") }
    }
    return ids
}

extension Part {
    /// Signature, encryption control and report parts: structural, never attachments
    /// (RFC 1847, RFC 8551, RFC 3156).
    var isStructural: Bool {
        switch contentType.mimeType {
        case "application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature",
            "application/pgp-encrypted",
            // Report parts (RFC 3464, RFC 6533, RFC 8098, RFC 5965) are machine-readable status, not files.
            "message/delivery-status", "message/global-delivery-status", "message/disposition-notification",
            "message/feedback-report":
            return true
        default:
            return false
        }
    }

    /// Whether this part (not its children) is an attachment: disposition attachment, or a named or
    /// non-text leaf that is not an inline part of multipart/related and not a signature.
    func isAttachment(insideRelated: Bool) -> Bool {
        if isStructural { return false }
        if let d = disposition {
            if d.isAttachment { return true }
            if d.isInline { return false }
        }
        switch kind {
        case .multipart: return false
        case .message: return true
        case .single:
            if contentType.isText {
                // A text part that names a file is an attachment (e.g. a .txt or .ics file).
                return filename != nil && !insideRelated
            }
            if insideRelated, contentID != nil { return false }
            return true
        }
    }
}

/// Walks the tree collecting text; bounded by `MIMELimits.maxSearchTextLength`.
struct TextExtractor {
    let v: ByteView
    var out = ""
    var budget = MIMELimits.maxSearchTextLength

    mutating func add(_ s: String) {
        guard budget > 0, !s.isEmpty else { return }
        var piece = s
        if piece.utf8.count > budget {
            piece = String(decoding: Array(piece.utf8.prefix(budget)), as: UTF8.self)
        }
        budget -= piece.utf8.count + 1
        if !out.isEmpty { out += "\n" }
        out += piece
    }

    mutating func addHeader(_ h: HeaderBlock) {
        for name in ["Subject", "From", "To", "Cc", "Bcc", "Reply-To", "Sender"] {
            for f in h.all(name) {
                if name == "Subject" {
                    add(f.decodedValue)
                } else {
                    let parts = Address.parseList(f.unfoldedValue).compactMap { a -> String? in
                        [a.decodedName, a.email].compactMap { $0 }.joined(separator: " ")
                    }
                    add(parts.joined(separator: ", "))
                }
            }
        }
    }

    mutating func walk(_ p: Part, includeHeaders: Bool) {
        guard budget > 0 else { return }
        switch p.kind {
        case .multipart:
            for c in p.children { walk(c, includeHeaders: includeHeaders) }
        case .message:
            if let inner = p.children.first {
                if includeHeaders { addHeader(inner.header) }
                walk(inner, includeHeaders: includeHeaders)
            }
        case .single:
            if let f = p.filename { add(f) }
            if p.contentType.isText {
                let sub = p.contentType.lowercasedSubtype
                if sub == "plain" || sub == "html" || sub == "enriched" || sub == "calendar" || sub == "x-vcard"
                    || sub == "vcard" || sub == "csv" || sub == "markdown"
                {
                    add(decodedText(of: p, in: v))
                }
            }
        }
    }
}

/// Decoded text of a text part: transfer decoding, charset conversion, HTML reduced to text.
func decodedText(of p: Part, in v: ByteView) -> String {
    let bytes = decodedBody(of: p, in: v)
    let text = Charset.decode(bytes, charset: p.contentType.charset)
    return p.contentType.lowercasedSubtype == "html" ? HTMLText.plainText(text) : text
}

/// The transfer-decoded body bytes of a part.
func decodedBody(of p: Part, in v: ByteView) -> [UInt8] {
    let r = p.bodyRange.clamped(toSize: v.count)
    guard !r.isEmpty else { return [] }
    return TransferDecoding.decode(UnsafeRawBufferPointer(rebasing: v.base[r]), p.transferEncoding)
}

func decodedSize(of p: Part, in v: ByteView) -> Int {
    let r = p.bodyRange.clamped(toSize: v.count)
    guard !r.isEmpty else { return 0 }
    return TransferDecoding.decodedCount(UnsafeRawBufferPointer(rebasing: v.base[r]), p.transferEncoding)
}

extension Part {
    /// The part that holds the main readable text: text/plain preferred inside multipart/alternative,
    /// otherwise the first inline text/plain or text/html part in document order.
    func mainTextPart() -> Part? {
        switch kind {
        case .single:
            let sub = contentType.lowercasedSubtype
            guard contentType.isText, sub == "plain" || sub == "html", !isAttachment(insideRelated: false) else {
                return nil
            }
            return self
        case .message:
            return nil
        case .multipart:
            if contentType.lowercasedSubtype == "alternative" {
                let candidates = children.compactMap { $0.mainTextPart() }
                return candidates.first { $0.contentType.lowercasedSubtype == "plain" } ?? candidates.first
            }
            for c in children {
                if let t = c.mainTextPart() { return t }
            }
            return nil
        }
    }

    /// Whether any part below (or at) this one is an attachment.
    func containsAttachment(insideRelated: Bool = false) -> Bool {
        if isAttachment(insideRelated: insideRelated) { return true }
        guard kind == .multipart else { return false }
        let related = contentType.lowercasedSubtype == "related"
        // multipart/signed: the signature part is not an attachment; the signed content may contain some.
        return children.contains { $0.containsAttachment(insideRelated: related) }
    }
}

@inline(__always)
func isASCIIAlphanumeric(_ c: Unicode.Scalar) -> Bool {
    (c.value >= 0x30 && c.value <= 0x39) || (c.value | 0x20 >= 0x61 && c.value | 0x20 <= 0x7A)
}
