// Punycode: the Bootstring encoding of RFC 3492 with the parameters of §5, used to turn a Unicode label
// into the ASCII part of an A-label ("münchen" → "mnchen-3ya"; the caller adds "xn--").
//
// Invariants:
// - Encoding only (§6.3): Mailroom sends internationalised names to resolvers, it never displays them.
// - Basic code points keep their case (§5 "mixed-case annotation" is not applied); callers that want a
//   canonical A-label lowercase first (`DNSName.ascii` does).
// - Arithmetic overflow (§6.4) is a typed error, never a trap.

/// RFC 3492 Punycode encoder.
public enum Punycode {
    // RFC 3492 §5: parameter values for Punycode.
    static let base: UInt32 = 36
    static let tMin: UInt32 = 1
    static let tMax: UInt32 = 26
    static let skew: UInt32 = 38
    static let damp: UInt32 = 700
    static let initialBias: UInt32 = 72
    static let initialN: UInt32 = 128
    static let delimiter: Character = "-"

    /// Input that cannot be encoded: the delta counter would overflow (RFC 3492 §6.4).
    public struct OverflowError: Error, Hashable, Sendable {}

    /// Encodes `input` (RFC 3492 §6.3): its basic (ASCII) code points in order, "-" if there were any,
    /// then the encoded insertions of the others ("bücher" → "bcher-kva").
    public static func encode(_ input: String) throws(OverflowError) -> String {
        let codePoints = input.unicodeScalars.map(\.value)
        var output = ""
        // §6.3: copy the basic code points in order, then the delimiter if there were any.
        for cp in codePoints where cp < initialN {
            output.unicodeScalars.append(Unicode.Scalar(UInt8(cp)))
        }
        let basicCount = UInt32(output.unicodeScalars.count)
        var handled = basicCount
        if basicCount > 0 { output.append(delimiter) }

        var n = initialN
        var delta: UInt32 = 0
        var bias = initialBias
        while handled < UInt32(codePoints.count) {
            // The smallest code point >= n in the input (exists because handled < count).
            var m = UInt32.max
            for cp in codePoints where cp >= n && cp < m { m = cp }
            // delta += (m - n) * (h + 1), failing on overflow (§6.4).
            let (product, overflow1) = (m - n).multipliedReportingOverflow(by: handled + 1)
            let (sum, overflow2) = delta.addingReportingOverflow(product)
            if overflow1 || overflow2 { throw OverflowError() }
            delta = sum
            n = m
            for cp in codePoints {
                if cp < n {
                    let (next, overflow) = delta.addingReportingOverflow(1)
                    if overflow { throw OverflowError() }
                    delta = next
                }
                if cp == n {
                    // Represent delta as a generalized variable-length integer (§3.3).
                    var q = delta
                    var k = base
                    while true {
                        let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                        if q < t { break }
                        output.append(digit(t + (q - t) % (base - t)))
                        q = (q - t) / (base - t)
                        k += base
                    }
                    output.append(digit(q))
                    bias = adapt(delta: delta, numPoints: handled + 1, firstTime: handled == basicCount)
                    delta = 0
                    handled += 1
                }
            }
            delta += 1
            n += 1
        }
        return output
    }

    /// RFC 3492 §6.1 bias adaptation.
    static func adapt(delta: UInt32, numPoints: UInt32, firstTime: Bool) -> UInt32 {
        var delta = firstTime ? delta / damp : delta / 2
        delta += delta / numPoints
        var k: UInt32 = 0
        while delta > ((base - tMin) * tMax) / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (((base - tMin + 1) * delta) / (delta + skew))
    }

    /// RFC 3492 §5: digit values 0..25 are "a".."z", 26..35 are "0".."9".
    static func digit(_ value: UInt32) -> Character {
        let scalar = value < 26 ? 0x61 + value : 0x30 + value - 26
        return Character(Unicode.Scalar(UInt8(scalar)))
    }
}
