// Tests of the DKIM target: canonicalization tables (RFC 6376 §3.4.5), the streaming body hasher under
// every chunk split, the RFC 8463 Appendix A vectors (body hash and both exact b= values), signatures of
// our own keys checked the way a receiver checks them, folding, PEM and key-store behaviour.

import Foundation
import Testing

@testable import DKIM

// MARK: - Fixtures

/// RFC 8463 Appendix A.3, as published (CRLF line ends).
let rfc8463Message = [
    "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;",
    " d=football.example.com; i=@football.example.com;",
    " q=dns/txt; s=brisbane; t=1528637909; h=from : to :",
    " subject : date : message-id : from : subject : date;",
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;",
    " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus",
    " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==",
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;",
    " d=football.example.com; i=@football.example.com;",
    " q=dns/txt; s=test; t=1528637909; h=from : to : subject :",
    " date : message-id : from : subject : date;",
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;",
    " b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3",
    " DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz",
    " dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=",
    "From: Joe SixPack <joe@football.example.com>",
    "To: Suzie Q <suzie@shopping.example.net>",
    "Subject: Is dinner ready?",
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)",
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>",
    "",
    "Hi.",
    "",
    "We lost the game.  Are you hungry yet?",
    "",
    "Joe.",
    "",
    "",
].joined(separator: "\r\n")

/// RFC 8463 Appendix A.1: the Ed25519 secret key (the RFC 8032 §7.1 test 1 seed), here as PKCS#8 PEM.
let rfc8463Ed25519PEM = """
    -----BEGIN PRIVATE KEY-----
    MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g
    -----END PRIVATE KEY-----
    """

/// RFC 8463 Appendix A.1: the RSA secret key (1024 bits), PKCS#1.
let rfc8463RSAPEM = """
    -----BEGIN RSA PRIVATE KEY-----
    MIICXQIBAAKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQi
    Y/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqM
    KrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB
    AoGAH0cxOhFZDgzXWhDhnAJDw5s4roOXN4OhjiXa8W7Y3rhX3FJqmJSPuC8N9vQm
    6SVbaLAE4SG5mLMueHlh4KXffEpuLEiNp9Ss3O4YfLiQpbRqE7Tm5SxKjvvQoZZe
    zHorimOaChRL2it47iuWxzxSiRMv4c+j70GiWdxXnxe4UoECQQDzJB/0U58W7RZy
    6enGVj2kWF732CoWFZWzi1FicudrBFoy63QwcowpoCazKtvZGMNlPWnC7x/6o8Gc
    uSe0ga2xAkEA8C7PipPm1/1fTRQvj1o/dDmZp243044ZNyxjg+/OPN0oWCbXIGxy
    WvmZbXriOWoSALJTjExEgraHEgnXssuk7QJBALl5ICsYMu6hMxO73gnfNayNgPxd
    WFV6Z7ULnKyV7HSVYF0hgYOHjeYe9gaMtiJYoo0zGN+L3AAtNP9huqkWlzECQE1a
    licIeVlo1e+qJ6Mgqr0Q7Aa7falZ448ccbSFYEPD6oFxiOl9Y9se9iYHZKKfIcst
    o7DUw1/hz2Ck4N5JrgUCQQCyKveNvjzkkd8HjYs0SwM0fPjK16//5qDZ2UiDGnOe
    uEzxBDAr518Z8VFbR41in3W4Y3yCDgQlLlcETrS+zYcL
    -----END RSA PRIVATE KEY-----
    """

/// RFC 8463 Appendix A.2: the key records (the RSA record's strings joined).
let rfc8463Ed25519Record = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
let rfc8463RSARecord =
    "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR"
    + "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC"
    + "DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3"
    + "Ip3G+2kryOTIKT+l/K4w3QIDAQAB"

let sampleMessage = [
    "Received: from client.example.com by mx.example.com; Fri, 27 Nov 2026 05:00:00 +0000",
    "From: Alice Example <alice@example.com>",
    "To: Bob <bob@example.org>,",
    "  Carol <carol@example.net>",
    "Subject: Lunch\t on  Friday? ",
    "Date: Fri, 27 Nov 2026 05:00:00 +0000",
    "Message-ID: <m1@example.com>",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "X-Unsigned: not in the recommended set",
    "",
    "Hi Bob,  ",
    "",
    "shall we?\t",
    "",
    "",
].joined(separator: "\r\n")

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

func base64(_ b: [UInt8]) -> String { Data(b).base64EncodedString() }

/// The tags of a DKIM-Signature value, FWS removed (RFC 6376 §3.2), in order.
func tags(of value: [UInt8]) -> [(String, String)] {
    let text = String(decoding: value.filter { $0 != 0x0D && $0 != 0x0A }, as: UTF8.self)
    return text.split(separator: ";").compactMap { part in
        let t = part.trimmingCharacters(in: .whitespaces)
        guard let eq = t.firstIndex(of: "=") else { return nil }
        return (String(t[..<eq]).trimmingCharacters(in: .whitespaces), String(t[t.index(after: eq)...]))
    }
}

/// Verifies the topmost DKIM-Signature of `message` as a receiver would (RFC 6376 §6.1.3), using only the
/// published record: body hash, then the signature over the h= fields and the field with b= emptied.
func verifyTopSignature(_ message: [UInt8], record: String) throws -> Bool {
    let (header, body) = DKIMHeaderSection.split(message: message)
    let fields = try DKIMHeaderSection.parse(header)
    guard let sig = fields.first(where: { $0.hasName("DKIM-Signature") }) else { return false }
    let tagList = tags(of: sig.value)
    func tag(_ name: String) -> String? { tagList.first { $0.0 == name }?.1 }
    guard let bh = tag("bh"), let b = tag("b"), let h = tag("h") else { return false }
    guard base64(DKIMBodyHasher.hash(body)) == bh.filter({ !$0.isWhitespace }) else { return false }
    let names = h.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
    let signed = DKIMSigner.signedData(
        fields: fields.filter { $0 != sig }, headerList: names, signatureField: withEmptyB(sig))
    guard let signature = Data(base64Encoded: b.filter { !$0.isWhitespace }) else { return false }
    return try DKIMPublicKey(record: record).isValidSignature(Array(signature), for: signed)
}

/// "DKIM-Signature:" and the field's value cut right after its b= tag (§3.5: the b= value is deleted).
func withEmptyB(_ field: DKIMHeaderField) -> String {
    let v = field.value
    var i = 0
    while i + 1 < v.count {
        let atTagStart =
            i == 0 || v[i - 1] == UInt8(ascii: ";") || v[i - 1] == 0x20 || v[i - 1] == 0x09
            || v[i - 1] == 0x0A
        if atTagStart && v[i] == UInt8(ascii: "b") && v[i + 1] == UInt8(ascii: "=") { break }
        i += 1
    }
    return field.name + ":" + String(decoding: v[..<min(i + 2, v.count)], as: UTF8.self)
}

// MARK: - Canonicalization

struct CanonCase: Sendable, CustomTestStringConvertible {
    let input: String
    let expected: String
    var testDescription: String { input.debugDescription }
}

@Suite struct CanonicalizationTests {
    @Test("RFC 6376 §3.4.5 header example, relaxed")
    func rfcHeaderExample() throws {
        let fields = try DKIMHeaderSection.parse(bytes("A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n C \r\n"))
        #expect(fields.map(\.name) == ["A", "B"])
        #expect(fields.flatMap(\.relaxed) == bytes("a:X\r\nb:Y Z\r\n"))
    }

    @Test(
        "relaxed header fields",
        arguments: [
            CanonCase(input: "Subject:  Hello   World  ", expected: "subject:Hello World\r\n"),
            CanonCase(input: "SUBJECT:\tTabs\t\tinside\t", expected: "subject:Tabs inside\r\n"),
            CanonCase(input: "X-Empty:", expected: "x-empty:\r\n"),
            CanonCase(input: "X-Empty:   ", expected: "x-empty:\r\n"),
            CanonCase(input: "To: a@b,\r\n  c@d", expected: "to:a@b, c@d\r\n"),
            CanonCase(input: "To: a@b,\n\tc@d", expected: "to:a@b, c@d\r\n"),
            CanonCase(input: "To: a@b,\r\n c@d\r\n e@f", expected: "to:a@b, c@d e@f\r\n"),
            CanonCase(input: "Subject: Grüße", expected: "subject:Grüße\r\n"),
            CanonCase(input: "Name-With-Digits2:x", expected: "name-with-digits2:x\r\n"),
        ])
    func relaxedHeader(_ c: CanonCase) throws {
        let fields = try DKIMHeaderSection.parse(bytes(c.input + "\r\n"))
        #expect(fields.count == 1)
        #expect(fields.flatMap(\.relaxed) == bytes(c.expected))
    }

    @Test(
        "relaxed body",
        arguments: [
            CanonCase(input: " C \r\nD \t E\r\n\r\n\r\n", expected: " C\r\nD E\r\n"),  // RFC 6376 §3.4.5
            CanonCase(input: "", expected: ""),
            CanonCase(input: "\r\n", expected: ""),
            CanonCase(input: "\r\n\r\n\r\n", expected: ""),
            CanonCase(input: " \t \r\n\t\r\n", expected: ""),
            CanonCase(input: "abc", expected: "abc\r\n"),
            CanonCase(input: "abc  \t", expected: "abc\r\n"),
            CanonCase(input: "a\r\n\r\nb\r\n", expected: "a\r\n\r\nb\r\n"),
            CanonCase(input: "a\r\n \r\n\t\r\nb", expected: "a\r\n\r\n\r\nb\r\n"),
            CanonCase(input: "a\n\nb\n\n", expected: "a\r\n\r\nb\r\n"),
            CanonCase(input: "a \r\n \r\n", expected: "a\r\n"),
            CanonCase(input: "  lead\t\t and  trail  \r\n", expected: " lead and trail\r\n"),
            CanonCase(input: "a\rb\r\n", expected: "a\rb\r\n"),
            CanonCase(input: "x\r\n\r\n \r\n", expected: "x\r\n"),
        ])
    func relaxedBody(_ c: CanonCase) {
        #expect(DKIMRelaxedBody.canonicalize(bytes(c.input)) == bytes(c.expected))
        #expect(DKIMBodyHasher.hash(bytes(c.input)) == DKIMBodyHasher.hash(bytes(c.expected)))
    }

    @Test("an empty body hashes as the empty string (RFC 6376 §3.4.4)")
    func emptyBody() {
        let empty = base64(DKIMBodyHasher.hash([]))
        #expect(empty == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
        #expect(base64(DKIMBodyHasher.hash(bytes("\r\n\r\n"))) == empty)
        #expect(base64(DKIMBodyHasher.hash(bytes("x"))) != empty)
    }

    /// CRLFs, whitespace runs, a lone CR, bare LFs and trailing empty lines, every one of them cut.
    static let trickyBody = bytes(
        "Line one  \t \r\n\r\n \r\nmid\t\tdle\r\nlone\rcr\r\nbare\nlf \n\r\n  \r\nend \t\r\n\r\n \t\r\n\n\r\n")

    @Test("two chunks, split at every offset, hash like one chunk")
    func everySplit() {
        let body = Self.trickyBody
        let whole = DKIMBodyHasher.hash(body)
        for cut in 0...body.count {
            var hasher = DKIMBodyHasher()
            hasher.update(body[..<cut])
            hasher.update(body[cut...])
            #expect(hasher.finalize() == whole, "split at \(cut)")
        }
    }

    @Test("three chunks and single bytes hash like one chunk")
    func manySplits() {
        let body = Array(Self.trickyBody.prefix(40))
        let whole = DKIMBodyHasher.hash(body)
        for i in 0...body.count {
            for j in i...body.count {
                var hasher = DKIMBodyHasher()
                hasher.update(body[..<i])
                hasher.update(body[i..<j])
                hasher.update(body[j...])
                #expect(hasher.finalize() == whole, "split at \(i), \(j)")
            }
        }
        var bytewise = DKIMBodyHasher()
        for b in Self.trickyBody { bytewise.update([b]) }
        #expect(bytewise.finalize() == DKIMBodyHasher.hash(Self.trickyBody))
        var lazy = DKIMBodyHasher()  // a non-contiguous sequence takes the copying path
        lazy.update(Self.trickyBody.lazy.map { $0 })
        #expect(lazy.finalize() == DKIMBodyHasher.hash(Self.trickyBody))
        #expect(
            DKIMRelaxedBody.canonicalize(Self.trickyBody)
                == bytes("Line one\r\n\r\n\r\nmid dle\r\nlone\rcr\r\nbare\r\nlf\r\n\r\n\r\nend\r\n"))
    }
}

// MARK: - Header section

@Suite struct HeaderSectionTests {
    @Test("folded fields, bare LF, the empty line ends the section")
    func parsesFields() throws {
        let fields = try DKIMHeaderSection.parse(bytes("From: a@b\nTo: c@d,\n e@f\r\nSubject : x\r\n\r\nBody: no\r\n"))
        #expect(fields.map(\.name) == ["From", "To", "Subject"])
        #expect(fields[1].value == bytes(" c@d,\r\n e@f"))
        #expect(fields[2].relaxed == bytes("subject:x\r\n"))
    }

    @Test(
        "malformed header sections are typed errors",
        arguments: [
            (" leading continuation\r\nFrom: a@b\r\n", 1),
            ("From: a@b\r\nno colon here\r\n", 2),
            ("From: a@b\r\n: empty name\r\n", 2),
            ("From: a@b\r\nBad Name: x\r\n", 2),
        ])
    func malformed(_ input: String, line: Int) {
        #expect(throws: DKIMError.malformedHeaderField(line: line)) { try DKIMHeaderSection.parse(bytes(input)) }
    }

    @Test("split finds the first empty line, CRLF or LF")
    func split() {
        let (h1, b1) = DKIMHeaderSection.split(message: bytes("A: 1\r\nB: 2\r\n\r\nbody\r\n\r\nmore"))
        #expect(Array(h1) == bytes("A: 1\r\nB: 2\r\n"))
        #expect(Array(b1) == bytes("body\r\n\r\nmore"))
        let (h2, b2) = DKIMHeaderSection.split(message: bytes("A: 1\n\nbody\n"))
        #expect(Array(h2) == bytes("A: 1\n"))
        #expect(Array(b2) == bytes("body\n"))
        let (h3, b3) = DKIMHeaderSection.split(message: bytes("A: 1\r\n"))
        #expect(Array(h3) == bytes("A: 1\r\n"))
        #expect(b3.isEmpty)
    }
}

// MARK: - RFC 8463 Appendix A

@Suite struct RFC8463Tests {
    @Test("body hash of the Appendix A message")
    func bodyHash() {
        let (_, body) = DKIMHeaderSection.split(message: bytes(rfc8463Message))
        #expect(base64(DKIMBodyHasher.hash(body)) == "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=")
    }

    @Test("the A.1 keys give the A.2 records")
    func keysGiveRecords() throws {
        #expect(try DKIMPrivateKey(pem: rfc8463Ed25519PEM).dnsRecord == rfc8463Ed25519Record)
        #expect(try DKIMPrivateKey(pem: rfc8463RSAPEM).dnsRecord == rfc8463RSARecord)
    }

    /// Re-signs exactly the bytes the RFC's signatures cover: Ed25519 (deterministic, RFC 8032) and
    /// RSASSA-PKCS1-v1_5 (deterministic) must reproduce the published b= values bit for bit.
    @Test(
        "both published b= values are reproduced",
        arguments: [(0, rfc8463Ed25519PEM, rfc8463Ed25519Record), (1, rfc8463RSAPEM, rfc8463RSARecord)])
    func exactSignatures(index: Int, pem: String, record: String) throws {
        let (header, _) = DKIMHeaderSection.split(message: bytes(rfc8463Message))
        let fields = try DKIMHeaderSection.parse(header)
        let signatures = fields.filter { $0.hasName("DKIM-Signature") }
        let sig = signatures[index]
        let tagList = tags(of: sig.value)
        let h = try #require(tagList.first { $0.0 == "h" }?.1)
        let published = try #require(tagList.first { $0.0 == "b" }?.1).filter { !$0.isWhitespace }
        let names = h.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
        let data = DKIMSigner.signedData(fields: fields, headerList: names, signatureField: withEmptyB(sig))
        #expect(
            String(decoding: data, as: UTF8.self).hasPrefix(
                "from:Joe SixPack <joe@football.example.com>\r\nto:Suzie Q <suzie@shopping.example.net>\r\n"))
        let key = try DKIMPrivateKey(pem: pem)
        #expect(base64(try key.sign(data)) == published)
        #expect(try verifyTopSignature(bytes(rfc8463Message), record: rfc8463Ed25519Record))
        let data2 = DKIMSigner.signedData(fields: fields, headerList: names, signatureField: withEmptyB(sig))
        let decoded = try #require(Data(base64Encoded: published))
        #expect(try DKIMPublicKey(record: record).isValidSignature(Array(decoded), for: data2))
        #expect(try !DKIMPublicKey(record: record).isValidSignature(Array(decoded), for: data2 + [0x20]))
    }
}

// MARK: - Signing

@Suite struct SignerTests {
    static let time = Date(timeIntervalSince1970: 1_795_000_000)

    @Test("own RSA and Ed25519 signatures verify with the published records", arguments: DKIMAlgorithm.allCases)
    func ownSignaturesVerify(_ algorithm: DKIMAlgorithm) throws {
        let key = try DKIMPrivateKey.generate(algorithm)
        let signer = DKIMSigner(domain: "Example.COM", selector: "sel-1", key: key)
        let message = bytes(sampleMessage)
        let field = try signer.sign(message: message, time: Self.time)
        let signed = bytes(field) + message
        #expect(try verifyTopSignature(signed, record: key.dnsRecord))

        // The tags say what was signed, with From oversigned.
        let parsed = try DKIMHeaderSection.parse(bytes(field))
        #expect(parsed.count == 1)
        let t = Dictionary(tags(of: parsed[0].value), uniquingKeysWith: { a, _ in a })
        #expect(t["v"] == "1")
        #expect(t["a"] == algorithm.tagValue)
        #expect(t["c"] == "relaxed/relaxed")
        #expect(t["d"] == "example.com")
        #expect(t["s"] == "sel-1")
        #expect(t["t"] == "1795000000")
        #expect(t["h"]?.filter { !$0.isWhitespace } == "from:subject:date:to:message-id:content-type:mime-version:from")

        if let dir = ProcessInfo.processInfo.environment["DKIM_INTEROP_DIR"] {
            // For a manual cross-check with dkimpy: the signed message and its record.
            let base = URL(fileURLWithPath: dir)
            try Data(signed).write(to: base.appendingPathComponent("\(algorithm.keyType).eml"))
            try Data(key.dnsRecord.utf8).write(to: base.appendingPathComponent("\(algorithm.keyType).txt"))
        }

        // Tampering: a changed signed field, a changed body, an added From all fail; an unsigned field passes.
        let tampered: [(String, Bool)] = [
            ("Subject: Lunch\t on  Friday? ", false),
            ("shall we?", false),
            ("From: Alice Example", false),
            ("X-Unsigned: not", true),
        ]
        let replacements = [
            "Subject: Dinner on Friday?",
            "shall we not?",
            "From: Mallory <m@evil.example>\r\nFrom: Alice Example",
            "X-Unsigned: changed, not",
        ]
        let text = String(decoding: signed, as: UTF8.self)
        for ((needle, valid), replacement) in zip(tampered, replacements) {
            let changed = bytes(text.replacingOccurrences(of: needle, with: replacement))
            #expect(changed != signed)
            #expect(try verifyTopSignature(changed, record: key.dnsRecord) == valid, "\(needle)")
        }
        // Relaxed canonicalization tolerates refolding and whitespace changes, and bare LF line ends.
        let refolded = bytes(
            text.replacingOccurrences(of: "Subject: Lunch\t on  Friday? ", with: "Subject: Lunch\r\n on Friday?"))
        #expect(try verifyTopSignature(refolded, record: key.dnsRecord))
        let lf = bytes(text.replacingOccurrences(of: "\r\n", with: "\n"))
        #expect(try verifyTopSignature(lf, record: key.dnsRecord))
    }

    /// Unusual but legal shapes: whitespace-laden body, repeated and folded fields, an empty body, a
    /// message that is all header, bare LF line ends, 8-bit header text.
    static let oddMessages: [String] = [
        "From: a@example.com\r\nTo: x@y\r\nto:  z@w\r\nReferences: <1@x>\r\n\t<2@x>\r\nSubject:\r\n\r\n"
            + String(decoding: CanonicalizationTests.trickyBody, as: UTF8.self),
        "From: a@example.com\r\nSubject: empty body\r\n\r\n",
        "From: a@example.com\r\nSubject: only blank lines\r\n\r\n\r\n \r\n\r\n",
        "From: a@example.com\r\nSubject: no separator line\r\n",
        "From: a@example.com\nSubject: bare LF\n\nline one \nline two\n\n",
        "From: =?utf-8?q?J=C3=B6rg?= <j@example.com>\r\nSubject: Grüße aus Köln\r\n\r\nMit  freundlichen\tGrüßen\r\n",
    ]

    @Test("unusual messages verify", arguments: DKIMAlgorithm.allCases)
    func oddMessagesVerify(_ algorithm: DKIMAlgorithm) throws {
        let key = try DKIMPrivateKey.generate(algorithm)
        let signer = DKIMSigner(domain: "example.com", selector: "odd", key: key)
        for (i, text) in Self.oddMessages.enumerated() {
            let message = bytes(text)
            let signed = bytes(try signer.sign(message: message, time: Self.time)) + message
            #expect(try verifyTopSignature(signed, record: key.dnsRecord), "message \(i)")
            if let dir = ProcessInfo.processInfo.environment["DKIM_INTEROP_DIR"] {
                let base = URL(fileURLWithPath: dir)
                try Data(signed).write(to: base.appendingPathComponent("odd-\(i)-\(algorithm.keyType).eml"))
                try Data(key.dnsRecord.utf8).write(to: base.appendingPathComponent("odd-\(i)-\(algorithm.keyType).txt"))
            }
        }
    }

    @Test("every instance is signed bottom-up, From once more than present")
    func headerList() throws {
        let fields = try DKIMHeaderSection.parse(
            bytes("Received: x\r\nTo: a\r\nFrom: b\r\nTO: c\r\nSubject: s\r\nList-Id: <l>\r\n"))
        #expect(try DKIMSigner.headerList(for: fields) == ["From", "Subject", "To", "To", "List-Id", "From"])
        let data = DKIMSigner.signedData(
            fields: fields, headerList: ["to", "to", "to", "from", "from"], signatureField: "DKIM-Signature: b=")
        #expect(String(decoding: data, as: UTF8.self) == "to:c\r\nto:a\r\nfrom:b\r\ndkim-signature:b=")
    }

    @Test("a header section without From is refused")
    func missingFrom() throws {
        let signer = DKIMSigner(domain: "example.com", selector: "s", key: try DKIMPrivateKey.generate(.ed25519SHA256))
        #expect(throws: DKIMError.missingFrom) {
            try signer.sign(message: bytes("To: a@b\r\nSubject: x\r\n\r\nbody\r\n"), time: Self.time)
        }
        #expect(throws: DKIMError.invalidBodyHash(length: 3)) {
            try signer.signatureField(headerSection: bytes("From: a@b\r\n"), bodyHash: [1, 2, 3], time: Self.time)
        }
        #expect(throws: DKIMError.malformedHeaderField(line: 2)) {
            try signer.sign(message: bytes("From: a@b\r\nnonsense\r\n\r\n"), time: Self.time)
        }
        let injected = DKIMSigner(domain: "example.com", selector: "s; h=to", key: signer.key)
        #expect(throws: DKIMError.invalidSelector("s; h=to")) {
            try injected.sign(message: bytes("From: a@b\r\n\r\n"), time: Self.time)
        }
        let badDomain = DKIMSigner(domain: "example.com\r\nBcc: x", selector: "s", key: signer.key)
        #expect(throws: DKIMError.invalidDomain("example.com\r\nbcc: x")) {
            try badDomain.sign(message: bytes("From: a@b\r\n\r\n"), time: Self.time)
        }
    }

    @Test("the field is folded to lines of at most 78 octets with CRLF SP and ends in CRLF")
    func folding() throws {
        var many = "From: a@example.com\r\n"
        for i in 0..<30 { many += "To: r\(i)@example.com\r\nReferences: <\(i)@x>\r\n" }
        for algorithm in DKIMAlgorithm.allCases {
            let signer = DKIMSigner(
                domain: "a-rather-long-subdomain.mail.example.com", selector: "selector-with-length",
                key: try DKIMPrivateKey.generate(algorithm))
            let field = try signer.signatureField(
                headerSection: bytes(many), bodyHash: DKIMBodyHasher.hash([]), time: Self.time)
            #expect(field.hasPrefix("DKIM-Signature: v=1; a="))
            #expect(field.hasSuffix("\r\n"))
            let lines = field.dropLast(2).components(separatedBy: "\r\n")
            #expect(lines.count > 3)
            for (i, line) in lines.enumerated() {
                #expect(line.utf8.count <= 78, "\(line)")
                #expect(!line.contains("\n") && !line.contains("\r"))
                if i > 0 { #expect(line.hasPrefix(" ") && !line.hasPrefix("  ")) }
            }
            let value = try #require(try DKIMHeaderSection.parse(bytes(field)).first).value
            let h = try #require(tags(of: value).first { $0.0 == "h" }?.1)
            #expect(h.split(separator: ":").count == 62)  // 30 To + 30 References + From twice
            #expect(try verifyTopSignature(bytes(field + many + "\r\n"), record: signer.key.dnsRecord))
        }
    }
}

// MARK: - Keys

@Suite struct KeyTests {
    @Test("PEM round trip keeps the key", arguments: DKIMAlgorithm.allCases)
    func pemRoundTrip(_ algorithm: DKIMAlgorithm) throws {
        let key = try DKIMPrivateKey.generate(algorithm)
        let pem = key.pemRepresentation
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        #expect(pem.hasSuffix("-----END PRIVATE KEY-----\n"))
        let again = try DKIMPrivateKey(pem: pem)
        #expect(again.algorithm == algorithm)
        #expect(again.dnsRecord == key.dnsRecord)
        #expect(again.pemRepresentation == pem)
        #expect(key.dnsRecord.hasPrefix("v=DKIM1; k=\(algorithm.keyType); p="))
        // A signature of the reloaded key verifies with the original's record.
        let data = bytes("some canonical data")
        #expect(try DKIMPublicKey(record: key.dnsRecord).isValidSignature(again.sign(data), for: data))
    }

    @Test("the RFC RSA key reads as PKCS#1 and as PKCS#8")
    func pkcs1AndPKCS8() throws {
        let pkcs1 = try DKIMPrivateKey(pem: rfc8463RSAPEM)
        #expect(pkcs1.algorithm == .rsaSHA256)
        let pkcs8 = try DKIMPrivateKey(pem: pkcs1.pemRepresentation)
        #expect(pkcs8.dnsRecord == rfc8463RSARecord)
        #expect(
            try DKIMPrivateKey(pem: "junk before\n" + rfc8463Ed25519PEM + "\njunk after").algorithm == .ed25519SHA256)
    }

    @Test(
        "unreadable keys are typed errors",
        arguments: [
            "",
            "no pem here",
            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1h\n",
            "-----BEGIN PRIVATE KEY-----\n!!!not base64!!!\n-----END PRIVATE KEY-----",
            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v\n-----END PRIVATE KEY-----",
            "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VxBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n-----END PRIVATE KEY-----",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMC4CAQA=\n-----END ENCRYPTED PRIVATE KEY-----",
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nMC4CAQA=\n-----END RSA PRIVATE KEY-----",
            "-----BEGIN CERTIFICATE-----\nMC4CAQA=\n-----END CERTIFICATE-----",
            "-----BEGIN RSA PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v\n-----END RSA PRIVATE KEY-----",
        ])
    func badPEM(_ text: String) {
        #expect(throws: DKIMError.self) { try DKIMPrivateKey(pem: text) }
    }

    @Test("records are cut into TXT strings of at most 255 octets")
    func records() throws {
        let key = try DKIMPrivateKey(pem: rfc8463RSAPEM)
        let long = "v=DKIM1; k=rsa; p=" + String(repeating: "A", count: 600)
        let strings = DKIMRecord.characterStrings(long)
        #expect(strings.first == "v=DKIM1; k=rsa; ")
        #expect(strings.allSatisfy { $0.utf8.count <= 255 })
        #expect(strings.joined() == long)
        #expect(strings.count == 4)
        let line = DKIMRecord.zoneFileLine(selector: "test", domain: "football.example.com", value: key.dnsRecord)
        #expect(line.hasPrefix("test._domainkey.football.example.com. IN TXT ( \"v=DKIM1; k=rsa; \" \"p=MIGfMA0G"))
        #expect(line.hasSuffix("QIDAQAB\" )"))
        #expect(
            DKIMRecord.characterStrings(rfc8463Ed25519Record) == [
                "v=DKIM1; k=ed25519; ", "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
            ])
    }

    @Test("default selectors name the algorithm and the month (UTC)")
    func defaultSelectors() {
        let date = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18
        #expect(DKIMAlgorithm.rsaSHA256.defaultSelector(at: date) == "rsa-202611")
        #expect(DKIMAlgorithm.ed25519SHA256.defaultSelector(at: Date(timeIntervalSince1970: 0)) == "ed-197001")
    }
}

// MARK: - Key store

@Suite struct KeyStoreTests {
    func temporaryStore() throws -> (DKIMKeyStore, URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dkim-test-\(UUID().uuidString)")
        return (DKIMKeyStore(directory: root.appendingPathComponent("dkim")), root)
    }

    @Test("generate, list, signers; files are 0600; no overwrite")
    func lifecycle() throws {
        let (store, root) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(try store.list().isEmpty)
        #expect(try store.signers(for: "example.com").isEmpty)

        let ed = try store.generate(domain: "Example.com", selector: "ed-202611", algorithm: .ed25519SHA256)
        let rsa = try store.generate(domain: "example.com", selector: "rsa-202611", algorithm: .rsaSHA256)
        try store.generate(domain: "other.org", selector: "a", algorithm: .ed25519SHA256)

        let file = try store.fileURL(domain: "example.com", selector: "rsa-202611")
        #expect(file.path.hasSuffix("/dkim/example.com/rsa-202611.pem"))
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let signers = try store.signers(for: "EXAMPLE.com")
        #expect(signers.map(\.selector) == ["ed-202611", "rsa-202611"])
        #expect(signers.map(\.key.dnsRecord) == [ed.dnsRecord, rsa.dnsRecord])
        #expect(signers.allSatisfy { $0.domain == "example.com" })

        let entries = try store.list()
        #expect(
            entries.map(\.recordName) == [
                "ed-202611._domainkey.example.com", "rsa-202611._domainkey.example.com", "a._domainkey.other.org",
            ])
        #expect(entries.map(\.algorithm) == [.ed25519SHA256, .rsaSHA256, .ed25519SHA256])

        #expect(throws: DKIMError.selectorExists(domain: "example.com", selector: "ed-202611")) {
            try store.generate(domain: "example.com", selector: "ED-202611", algorithm: .rsaSHA256)
        }
        #expect(throws: DKIMError.selectorExists(domain: "example.com", selector: "ed-202611")) {
            try store.store(rsa, domain: "example.com", selector: "ed-202611")
        }
        #expect(try store.signers(for: "example.com")[0].key.dnsRecord == ed.dnsRecord)

        // Stray files (temp files, backups) are not keys; no temp file is left behind.
        let folder = file.deletingLastPathComponent()
        try Data("x".utf8).write(to: folder.appendingPathComponent(".rsa.tmp"))
        try Data("x".utf8).write(to: folder.appendingPathComponent("rsa-202611.pem~"))
        #expect(try store.signers(for: "example.com").count == 2)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names == [".rsa.tmp", "ed-202611.pem", "rsa-202611.pem", "rsa-202611.pem~"])

        // A corrupt key file is a typed error naming the file.
        try Data("garbage".utf8).write(to: folder.appendingPathComponent("zz.pem"))
        #expect(throws: DKIMError.self) { try store.signers(for: "example.com") }
    }

    @Test(
        "bad selectors are refused before touching the disk",
        arguments: [
            "", "../x", "a/b", "..", ".", ".hidden", "a..b", "-a", "a-", "a_b", "ex ample", "sel.",
            String(repeating: "a", count: 64), "ünïcode", "a\u{0}b",
        ])
    func badSelectors(_ name: String) throws {
        let (store, root) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(throws: DKIMError.invalidSelector(name)) {
            try store.generate(domain: "example.com", selector: name, algorithm: .ed25519SHA256)
        }
        #expect(throws: DKIMError.invalidDomain(name)) {
            try store.generate(domain: name, selector: "s", algorithm: .ed25519SHA256)
        }
        #expect(try store.signers(for: name).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: root.path))
    }

    @Test("valid names", arguments: ["a", "2026", "rsa-202611", "s1.example", "mail.example.co.uk", "x-y.z"])
    func goodNames(_ name: String) {
        #expect(DKIMKeyStore.isValidName(name))
    }
}
