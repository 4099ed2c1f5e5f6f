// Punycode (RFC 3492 §7.1 samples) and the ASCII form of internationalised names.

import Testing

@testable import DNS

@Suite struct PunycodeTests {
    static let samples: [(String, String)] = [
        // (A) Arabic (Egyptian)
        (
            "\u{0644}\u{064A}\u{0647}\u{0645}\u{0627}\u{0628}\u{062A}\u{0643}\u{0644}\u{0645}\u{0648}\u{0634}\u{0639}"
                + "\u{0631}\u{0628}\u{064A}\u{061F}", "egbpdaj6bu4bxfgehfvwxn"
        ),
        // (B) Chinese (simplified)
        ("\u{4ED6}\u{4EEC}\u{4E3A}\u{4EC0}\u{4E48}\u{4E0D}\u{8BF4}\u{4E2D}\u{6587}", "ihqwcrb4cv8a8dqg056pqjye"),
        // (D) Czech: Pro<ccaron>prost<ecaron>nemluv<iacute><ccaron>esky
        ("Pro\u{010D}prost\u{011B}nemluv\u{00ED}\u{010D}esky", "Proprostnemluvesky-uyb24dma41a"),
        // (L) 3<nen>B<gumi><kinpachi><sensei>
        ("3\u{5E74}B\u{7D44}\u{91D1}\u{516B}\u{5148}\u{751F}", "3B-ww4c5e180e575a65lsy2b"),
        // (Q) <amuro><namie>-with-SUPER-MONKEYS (basic code points and "-" kept)
        (
            "\u{5B89}\u{5BA4}\u{5948}\u{7F8E}\u{6075}-with-SUPER-MONKEYS",
            "-with-SUPER-MONKEYS-pc58ag80a8qai00g7n9n"
        ),
        ("bücher", "bcher-kva"),
    ]

    @Test(arguments: samples)
    func rfc3492Samples(sample: (String, String)) throws {
        #expect(try Punycode.encode(sample.0) == sample.1)
    }
}

@Suite struct DNSNameASCIITests {
    static let cases: [(String, String)] = [
        ("example.com", "example.com"),
        ("Example.COM.", "example.com"),
        ("Bücher.Example", "xn--bcher-kva.example"),
        ("münchen.de", "xn--mnchen-3ya.de"),
        ("_dmarc.example.com", "_dmarc.example.com"),
        ("sel._domainkey.example.com", "sel._domainkey.example.com"),
        (
            "\u{4ED6}\u{4EEC}\u{4E3A}\u{4EC0}\u{4E48}\u{4E0D}\u{8BF4}\u{4E2D}\u{6587}.cn",
            "xn--ihqwcrb4cv8a8dqg056pqjye.cn"
        ),
        ("", ""),
        (".", ""),
    ]

    @Test(arguments: cases)
    func asciiForm(sample: (String, String)) throws {
        #expect(try DNSName.ascii(sample.0) == sample.1)
    }

    @Test(arguments: [
        "a..b",
        "..",
        String(repeating: "a", count: 64) + ".com",
        // 60 ü become an A-label far longer than 63 octets.
        String(repeating: "ü", count: 60) + ".de",
        Array(repeating: String(repeating: "a", count: 50), count: 5).joined(separator: "."),
        "tab\there.com",
    ])
    func invalidNames(name: String) {
        #expect(throws: DNSError.self) { try DNSName.ascii(name) }
    }
}
