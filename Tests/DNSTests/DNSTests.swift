// Shared fixtures of the DNS tests: replies recorded with Python's dnslib 0.9.26 (ID 0x1234), as hex.

import Testing

@testable import DNS

/// Bytes from a hex string (whitespace allowed). Test set-up only: bad hex traps.
func hex(_ text: String) -> [UInt8] {
    let digits = Array(text.filter { !$0.isWhitespace })
    precondition(digits.count % 2 == 0, "odd hex length")
    return stride(from: 0, to: digits.count, by: 2).map { index in
        guard let byte = UInt8(String(digits[index...index + 1]), radix: 16) else { preconditionFailure("bad hex") }
        return byte
    }
}

enum Recorded {
    /// example.com MX: 10 mx1.example.com, 20 MX2.Example.COM (mixed case; exchange of the first compressed).
    static let mx = hex(
        "123485800001000200000000076578616d706c6503636f6d00000f0001c00c000f000100000e100008000a036d7831c00cc00c000f"
            + "000100000e1000130014034d5832074578616d706c6503434f4d00")
    /// host.example.com A: 192.0.2.1, 192.0.2.2.
    static let a = hex(
        "12348580000100020000000004686f7374076578616d706c6503636f6d0000010001c00c000100010000003c0004c0000201c00c00"
            + "0100010000003c0004c0000202")
    /// host.example.com AAAA: 2001:db8::1.
    static let aaaa = hex(
        "12348580000100010000000004686f7374076578616d706c6503636f6d00001c0001c00c001c00010000003c001020010db8000000"
            + "000000000000000001")
    /// example.com TXT: ("v=spf1 " "include:_spf.example.net" " -all") and ("google-site-verification=abc").
    static let txt = hex(
        "123485800001000200000000076578616d706c6503636f6d0000100001c00c001000010000003c002707763d737066312018696e63"
            + "6c7564653a5f7370662e6578616d706c652e6e657405202d616c6cc00c001000010000003c001d1c676f6f676c652d73697465"
            + "2d766572696669636174696f6e3d616263")
    /// www.example.com A: CNAME web.example.net, then web.example.net A 198.51.100.7.
    static let cname = hex(
        "12348580000100020000000003777777076578616d706c6503636f6d0000010001c00c000500010000003c001103776562076578"
            + "616d706c65036e657400c02d000100010000003c0004c6336407")
    /// example.org MX 0 "." (RFC 7505 null MX).
    static let nullMX = hex("123485800001000100000000076578616d706c65036f726700000f0001c00c000f000100000e100003000000")
    /// nope.example.com MX: NXDOMAIN with the SOA in the authority section.
    static let nxdomain = hex(
        "123485830001000000010000046e6f7065076578616d706c6503636f6d00000f0001c011000600010000012c0027036e7331c0110a"
            + "686f73746d6173746572c01178a3f17500000e1000000258000151800000012c")
    /// example.com AAAA: NOERROR, empty answer (NODATA), SOA in the authority section.
    static let nodata = hex(
        "123485800001000000010000076578616d706c6503636f6d00001c0001c00c000600010000012c0027036e7331c00c0a686f7374"
            + "6d6173746572c00c78a3f17500000e1000000258000151800000012c")
    /// example.com A: an NS record, a TYPE99 (SPF) record, then A 203.0.113.5.
    static let unknownTypes = hex(
        "123485800001000300000000076578616d706c6503636f6d0000010001c00c000200010000003c0006036e7331c00cc00c006300"
            + "010000003c000c0b763d73706631202d616c6cc00c000100010000003c0004cb007105")

    static let all: [(String, [UInt8])] = [
        ("mx", mx), ("a", a), ("aaaa", aaaa), ("txt", txt), ("cname", cname), ("nullMX", nullMX),
        ("nxdomain", nxdomain), ("nodata", nodata), ("unknownTypes", unknownTypes),
    ]
}
