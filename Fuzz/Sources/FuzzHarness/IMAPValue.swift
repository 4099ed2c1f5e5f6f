// IMAPValue: a reader for the IMAP data the server renders itself (RFC 9051 §4: NIL, numbers, quoted
// strings, synchronising literals, parenthesised lists), used to check ENVELOPE and BODYSTRUCTURE output.
//
// Invariants: strict, total, and bounded: quoted strings hold only 7-bit TEXT-CHARs with "\" escaping only
// "\" and DQUOTE (RFC 9051 §4.3 quoted); a literal's count must match the bytes that follow; nesting is
// capped so hostile renderings cannot exhaust the stack.

enum IMAPValue: Equatable {
    case nilValue
    case number(UInt64)
    case string([UInt8])
    case list([IMAPValue])

    static let maxDepth = 200

    /// Parses exactly one value filling `bytes`, or returns nil.
    static func parse(_ bytes: [UInt8], utf8Quoted: Bool = false) -> IMAPValue? {
        var reader = Reader(bytes: bytes, utf8Quoted: utf8Quoted)
        guard let value = reader.value(depth: 0), reader.position == bytes.count else { return nil }
        return value
    }

    /// The string, or nil for NIL; `.some(nil)` is not a string.
    var nstring: [UInt8]?? {
        switch self {
        case .nilValue: return .some(nil)
        case .string(let bytes): return .some(bytes)
        default: return nil
        }
    }

    struct Reader {
        let bytes: [UInt8]
        /// Quoted strings may hold 8-bit bytes (UTF8=ACCEPT, RFC 9051 §4.3).
        var utf8Quoted = false
        var position = 0

        init(bytes: [UInt8], utf8Quoted: Bool = false) {
            self.bytes = bytes
            self.utf8Quoted = utf8Quoted
        }

        mutating func value(depth: Int) -> IMAPValue? {
            guard depth < IMAPValue.maxDepth, position < bytes.count else { return nil }
            switch bytes[position] {
            case UInt8(ascii: "("):
                position += 1
                var items: [IMAPValue] = []
                while true {
                    guard position < bytes.count else { return nil }
                    if bytes[position] == UInt8(ascii: ")") {
                        position += 1
                        return .list(items)
                    }
                    if let previous = items.last {
                        // Items are separated by SP, except lists of bodies and addresses, which follow each
                        // other directly: body-type-mpart = 1*body SP ..., env-from = "(" 1*address ")".
                        if bytes[position] == UInt8(ascii: " ") {
                            position += 1
                        } else {
                            guard case .list = previous, bytes[position] == UInt8(ascii: "(") else { return nil }
                        }
                    }
                    guard let item = value(depth: depth + 1) else { return nil }
                    items.append(item)
                }
            case UInt8(ascii: "\""):
                position += 1
                var text: [UInt8] = []
                while position < bytes.count {
                    let byte = bytes[position]
                    position += 1
                    switch byte {
                    case UInt8(ascii: "\""): return .string(text)
                    case UInt8(ascii: "\\"):
                        guard position < bytes.count,
                            bytes[position] == UInt8(ascii: "\"") || bytes[position] == UInt8(ascii: "\\")
                        else { return nil }
                        text.append(bytes[position])
                        position += 1
                    case 0x01...0x7F where byte != 0x0D && byte != 0x0A: text.append(byte)
                    case 0x80...0xFF where utf8Quoted: text.append(byte)
                    default: return nil
                    }
                }
                return nil
            case UInt8(ascii: "{"):
                position += 1
                guard let count = number(), count <= UInt64(bytes.count), position + 3 <= bytes.count,
                    bytes[position] == UInt8(ascii: "}"), bytes[position + 1] == 0x0D, bytes[position + 2] == 0x0A
                else { return nil }
                position += 3
                guard Int(count) <= bytes.count - position else { return nil }
                let text = Array(bytes[position..<(position + Int(count))])
                position += Int(count)
                return text.contains(0) ? nil : .string(text)  // RFC 9051 §4.3: no NUL in a literal8-less string
            case UInt8(ascii: "N"):
                guard bytes[position...].starts(with: Array("NIL".utf8)) else { return nil }
                position += 3
                return .nilValue
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                return number().map(IMAPValue.number)
            default:
                return nil
            }
        }

        mutating func number() -> UInt64? {
            let start = position
            var value: UInt64 = 0
            while position < bytes.count, bytes[position] >= 0x30, bytes[position] <= 0x39 {
                let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times.addingReportingOverflow(UInt64(bytes[position] - 0x30))
                guard !overflow1, !overflow2 else { return nil }
                value = sum
                position += 1
            }
            return position > start ? value : nil
        }
    }
}
