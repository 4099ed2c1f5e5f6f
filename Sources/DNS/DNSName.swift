// DNSName: domain names as text and on the wire (RFC 1035 §3.1, §4.1.4).
//
// Invariants:
// - Text names are lowercased (ASCII only, RFC 4343) and carry no trailing dot; the root is "".
// - On the wire a label is 1...63 octets and a whole name at most 255 octets including the length octets
//   and the final zero (RFC 1035 §2.3.4); both limits are checked when encoding and when decoding.
// - Decoding follows compression pointers (RFC 1035 §4.1.4) only backwards: each pointer must point before
//   the start of the label sequence that contains it, so pointer chains strictly decrease and cannot loop.
//   Every read is bounds-checked; bad input is `DNSError.malformed`.
// - Label octets that are not printable ASCII, and "." or "\" inside a label, are written in the
//   RFC 1035 §5.1 presentation form ("\046", "\\"), so a decoded name never changes meaning as text.

/// Domain name helpers: IDN to ASCII, wire encoding and decoding.
public enum DNSName {
    /// RFC 1035 §2.3.4: labels are 63 octets or less.
    public static let maxLabelOctets = 63
    /// RFC 1035 §2.3.4: names are 255 octets or less on the wire.
    public static let maxNameOctets = 255
    /// The Punycode prefix of an A-label (RFC 5890 §2.3.2.1).
    static let aLabelPrefix = "xn--"

    /// `name` in the ASCII form that goes into a query: lowercased, without a trailing dot, each label that
    /// contains non-ASCII characters replaced by its A-label ("xn--" + Punycode, RFC 3492 §6.3).
    ///
    /// This is not full IDNA2008 (RFC 5891 §5): there is no NFC normalisation, no UTS 46 mapping, no
    /// check of disallowed code points or bidi rules, and only "." separates labels. It is enough to
    /// reach names that are already in the common lowercase NFC form, which is what mail addresses carry.
    public static func ascii(_ name: String) throws(DNSError) -> String {
        var text = name.lowercased()
        if text.hasSuffix(".") { text.removeLast() }
        if text.isEmpty { return "" }
        var labels: [String] = []
        for label in text.split(separator: ".", omittingEmptySubsequences: false) {
            if label.isEmpty { throw .malformed("empty label in \"\(name)\"") }
            if label.unicodeScalars.allSatisfy(\.isASCII) {
                labels.append(String(label))
            } else {
                do {
                    labels.append(aLabelPrefix + (try Punycode.encode(String(label))))
                } catch {
                    throw .malformed("label of \"\(name)\" cannot be encoded as Punycode")
                }
            }
        }
        let ascii = labels.joined(separator: ".")
        _ = try wireLabels(ascii)
        return ascii
    }

    /// The labels of an ASCII name as octets, checking RFC 1035 §2.3.4 limits. Control characters and
    /// spaces are refused: no mail-related name contains them.
    static func wireLabels(_ name: String) throws(DNSError) -> [[UInt8]] {
        if name.isEmpty { return [] }
        var labels: [[UInt8]] = []
        var total = 1  // the root's zero octet
        for label in name.split(separator: ".", omittingEmptySubsequences: false) {
            let octets = Array(label.utf8)
            if octets.isEmpty { throw .malformed("empty label in \"\(name)\"") }
            if octets.count > maxLabelOctets { throw .malformed("label longer than 63 octets in \"\(name)\"") }
            if octets.contains(where: { $0 <= 0x20 || $0 >= 0x7F }) {
                throw .malformed("\"\(name)\" contains characters that are not printable ASCII")
            }
            total += 1 + octets.count
            labels.append(octets)
        }
        if total > maxNameOctets { throw .malformed("name longer than 255 octets: \"\(name)\"") }
        return labels
    }

    /// Appends `name` (ASCII, as returned by `ascii`) in uncompressed wire form (RFC 1035 §3.1).
    static func encode(_ name: String, into bytes: inout [UInt8]) throws(DNSError) {
        for label in try wireLabels(name) {
            bytes.append(UInt8(label.count))
            bytes.append(contentsOf: label)
        }
        bytes.append(0)
    }

    /// Reads a possibly compressed name starting at `offset` of `message` (RFC 1035 §4.1.4) and moves
    /// `offset` past it (past the first pointer when there is one).
    static func decode(_ message: [UInt8], at offset: inout Int) throws(DNSError) -> String {
        var labels: [String] = []
        var position = offset
        var segmentStart = offset  // start of the label run being read; pointers must go before it
        var endOfName: Int? = nil  // where the caller continues: just past the first pointer
        var wireLength = 1
        while true {
            guard position < message.count else { throw .malformed("name runs past the end at \(position)") }
            let length = Int(message[position])
            switch length >> 6 {
            case 0b00:
                if length == 0 {
                    offset = endOfName ?? position + 1
                    return labels.joined(separator: ".")
                }
                let start = position + 1
                guard start + length <= message.count else { throw .malformed("label runs past the end") }
                wireLength += 1 + length
                if wireLength > maxNameOctets { throw .malformed("name longer than 255 octets") }
                labels.append(presentation(message[start..<(start + length)]))
                position = start + length
            case 0b11:
                // RFC 1035 §4.1.4: a pointer is two octets, 11 then a 14-bit offset.
                guard position + 1 < message.count else { throw .malformed("pointer runs past the end") }
                let target = (length & 0x3F) << 8 | Int(message[position + 1])
                guard target < segmentStart else {
                    throw .malformed("compression pointer at \(position) to \(target) does not point backwards")
                }
                if endOfName == nil { endOfName = position + 2 }
                position = target
                segmentStart = target
            default:
                // 01 and 10 are the extended and reserved label types (RFC 6891 §5): not used by answers.
                throw .malformed("unsupported label type at \(position)")
            }
        }
    }

    /// A label's text: ASCII lowercased (RFC 4343), with RFC 1035 §5.1 escapes for ".", "\" and octets
    /// that are not printable.
    static func presentation(_ octets: ArraySlice<UInt8>) -> String {
        var text = ""
        for octet in octets {
            switch octet {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                text.unicodeScalars.append(Unicode.Scalar(octet + 0x20))
            case UInt8(ascii: "."), UInt8(ascii: "\\"):
                text.append("\\")
                text.unicodeScalars.append(Unicode.Scalar(octet))
            case 0x21...0x7E:
                text.unicodeScalars.append(Unicode.Scalar(octet))
            default:
                let digits = String(octet)
                text += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
            }
        }
        return text
    }
}
