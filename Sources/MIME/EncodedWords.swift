// RFC 2047 encoded words: =?charset[*lang]?B|Q?text?=
//
// Invariants:
// - Decoding never fails: a malformed encoded word is left as written.
// - Whitespace between two adjacent encoded words is dropped (RFC 2047 §6.2); the raw bytes of
//   adjacent words in the same charset are joined before charset conversion, so a multi-byte
//   character split across two words (common with UTF-8 and Shift_JIS senders) decodes correctly.
// - Lenient like common clients: Q text may contain spaces, and words need not be separated from
//   surrounding text by whitespace.
// - Linear time in the header length, whatever the input (searches only move forward).
import Foundation

public enum EncodedWords {
    /// Decodes every encoded word in an (unfolded) header value.
    public static func decode(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard bytes.count >= 8, containsMarker(bytes) else { return text }

        var out = ""
        var literalStart = 0
        var i = 0
        // Pending decoded bytes of the previous encoded word(s) in one charset.
        var pending: [UInt8] = []
        var pendingCharset: String? = nil
        var lastWasWord = false
        var finders = Finders()

        func flushPending() {
            guard let cs = pendingCharset else { return }
            out += Charset.decode(pending, charset: cs)
            pending.removeAll(keepingCapacity: true)
            pendingCharset = nil
        }

        while i + 1 < bytes.count {
            guard bytes[i] == 0x3D, bytes[i + 1] == 0x3F, let word = parseWord(bytes, at: i, &finders) else {
                i += 1
                continue
            }
            let between = bytes[literalStart..<i]
            let onlyWhitespace = between.allSatisfy { ASCII.isWSP($0) || $0 == ASCII.cr || $0 == ASCII.lf }
            if !(lastWasWord && onlyWhitespace) {
                // RFC 2047 §6.2: keep text between a word and non-word; drop whitespace between words.
                flushPending()
                out += String(decoding: between, as: UTF8.self)
            }
            let cs = Charset.normalizedName(word.charset)
            if pendingCharset != nil, pendingCharset != cs { flushPending() }
            pendingCharset = cs
            pending += word.decoded
            lastWasWord = true
            i = word.end
            literalStart = i
        }
        flushPending()
        if literalStart < bytes.count { out += String(decoding: bytes[literalStart...], as: UTF8.self) }
        return out
    }

    private static func containsMarker(_ b: [UInt8]) -> Bool {
        var i = 0
        while i + 1 < b.count {
            if b[i] == 0x3D, b[i + 1] == 0x3F { return true }
            i += 1
        }
        return false
    }

    struct Word {
        var charset: String
        var decoded: [UInt8]
        var end: Int
    }

    /// Finds the next position at or after `from` where `matches` holds, caching the answer so that
    /// searches from increasing positions cost O(n) in total (adversarial headers stay linear).
    struct ForwardFinder {
        var cachedFrom = Int.max
        var cachedHit = -1

        mutating func next(in b: [UInt8], from: Int, _ matches: (Int) -> Bool) -> Int {
            if cachedFrom <= from, cachedHit >= from || cachedHit == b.count { return cachedHit }
            var j = from
            while j < b.count, !matches(j) { j += 1 }
            cachedFrom = from
            cachedHit = j
            return j
        }
    }

    struct Finders {
        var terminator = ForwardFinder()  // "?="
        var whitespace = ForwardFinder()
        var opener = ForwardFinder()  // "=?"
    }

    /// encoded-word = "=?" charset "?" encoding "?" encoded-text "?=" (RFC 2047 §2).
    static func parseWord(_ b: [UInt8], at start: Int, _ f: inout Finders) -> Word? {
        var i = start + 2
        let csStart = i
        while i < b.count, b[i] != 0x3F {
            let c = b[i]
            if c <= 0x20 || c >= 0x7F || c == 0x3D { return nil }
            i += 1
        }
        guard i < b.count, i > csStart, i + 2 < b.count, b[i + 2] == 0x3F else { return nil }
        let charset = String(decoding: b[csStart..<i], as: UTF8.self)
        let enc = ASCII.lower(b[i + 1])
        guard enc == 0x62 || enc == 0x71 else { return nil }  // "b" / "q"
        let textStart = i + 3
        let j = f.terminator.next(in: b, from: textStart) { k in b[k] == 0x3F && k + 1 < b.count && b[k + 1] == 0x3D }
        guard j + 1 < b.count else { return nil }
        if enc == 0x62 {
            // B text has no whitespace.
            guard f.whitespace.next(in: b, from: textStart, { ASCII.isWSP(b[$0]) }) >= j else { return nil }
        } else {
            // Q text may (leniently) hold spaces, but never the start of another encoded word.
            guard f.opener.next(in: b, from: textStart, { b[$0] == 0x3D && $0 + 1 < b.count && b[$0 + 1] == 0x3F }) >= j
            else { return nil }
        }
        let text = b[textStart..<j]
        let decoded = enc == 0x62 ? TransferDecoding.base64(text) : decodeQ(text)
        return Word(charset: charset, decoded: decoded, end: j + 2)
    }

    /// The "Q" encoding (RFC 2047 §4.2): "_" is space, "=XX" a byte, everything else itself.
    static func decodeQ(_ text: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if c == 0x5F {
                out.append(0x20)
            } else if c == ASCII.equals, i + 2 < text.endIndex,
                let h = ASCII.hexValue(text[i + 1]), let l = ASCII.hexValue(text[i + 2])
            {
                out.append(h << 4 | l)
                i += 2
            } else {
                out.append(c)
            }
            i += 1
        }
        return out
    }
}
