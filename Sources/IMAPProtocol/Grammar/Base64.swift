// Base64: the two base64 alphabets IMAP uses, without Foundation.
//
// Invariants:
// - `decode` is strict (RFC 4648 §4 with padding, as SASL requires: RFC 9051 §6.2.2); it returns nil
//   for any character outside the alphabet, bad padding, or non-zero trailing bits.
// - The modified alphabet (RFC 3501 §5.1.3) uses "," for "/" and never pads.

enum Base64 {
    private static let standard = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let modified = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,".utf8)

    private static func table(_ alphabet: [UInt8]) -> [UInt8] {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }
    private static let standardTable = table(standard)
    private static let modifiedTable = table(modified)

    static func encode<Bytes: Collection>(_ bytes: Bytes, modifiedAlphabet: Bool = false) -> [UInt8]
    where Bytes.Element == UInt8 {
        let alphabet = modifiedAlphabet ? modified : standard
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let first = iterator.next() {
            let second = iterator.next()
            let third = iterator.next()
            let group = UInt32(first) << 16 | UInt32(second ?? 0) << 8 | UInt32(third ?? 0)
            output.append(alphabet[Int(group >> 18 & 0x3F)])
            output.append(alphabet[Int(group >> 12 & 0x3F)])
            if second != nil {
                output.append(alphabet[Int(group >> 6 & 0x3F)])
            } else if !modifiedAlphabet {
                output.append(.equals)
            }
            if third != nil {
                output.append(alphabet[Int(group & 0x3F)])
            } else if !modifiedAlphabet {
                output.append(.equals)
            }
        }
        return output
    }

    /// Decodes standard padded base64, or unpadded modified base64 when `modifiedAlphabet` is set.
    static func decode<Bytes: Collection>(_ text: Bytes, modifiedAlphabet: Bool = false) -> [UInt8]?
    where Bytes.Element == UInt8 {
        let table = modifiedAlphabet ? modifiedTable : standardTable
        var characters = Array(text)
        if !modifiedAlphabet {
            guard characters.count % 4 == 0 else { return nil }
            var padding = 0
            while characters.last == .equals, padding < 2 {
                characters.removeLast()
                padding += 1
            }
        }
        guard characters.count % 4 != 1 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(characters.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for character in characters {
            let value = table[Int(character)]
            guard value != 0xFF else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        guard accumulator == 0 else { return nil }  // trailing bits must be zero
        return output
    }
}
