// Wire format: recorded replies decode to the right records, queries encode to the exact bytes, and
// malformed input of every kind is `DNSError.malformed`, never a crash.

import Testing

@testable import DNS

private func isMalformed(_ error: DNSError) -> Bool {
    if case .malformed = error { return true }
    return false
}

/// A 12-octet header with the given counts, ID 0x1234, QR=1 RD=1 RA=1.
private func header(questions: UInt8 = 1, answers: UInt8 = 0) -> [UInt8] {
    [0x12, 0x34, 0x81, 0x80, 0, questions, 0, answers, 0, 0, 0, 0]
}

/// "a" IN A question at offset 12 (7 octets: 01 61 00, type, class).
private let questionA: [UInt8] = [0x01, 0x61, 0x00, 0x00, 0x01, 0x00, 0x01]

/// TYPE, CLASS IN, TTL 60 and RDLENGTH for an answer record.
private func recordFields(type: UInt16, length: UInt16) -> [UInt8] {
    [UInt8(type >> 8), UInt8(type & 0xFF), 0, 1, 0, 0, 0, 60, UInt8(length >> 8), UInt8(length & 0xFF)]
}

@Suite struct DNSMessageDecodingTests {
    @Test func mxWithCompressionAndMixedCase() throws {
        let message = try DNSMessage.decode(Recorded.mx)
        #expect(message.header.id == 0x1234)
        #expect(message.header.isResponse)
        #expect(message.header.recursionDesired)
        #expect(message.header.recursionAvailable)
        #expect(!message.header.isTruncated)
        #expect(message.header.responseCode == .noError)
        #expect(message.questions == [DNSQuestion(name: "example.com", type: .mx)])
        #expect(
            message.answers == [
                DNSResourceRecord(
                    name: "example.com", ttl: 3600, data: .mx(MXRecord(preference: 10, exchange: "mx1.example.com"))),
                DNSResourceRecord(
                    name: "example.com", ttl: 3600, data: .mx(MXRecord(preference: 20, exchange: "mx2.example.com"))),
            ])
    }

    @Test func aRecords() throws {
        let message = try DNSMessage.decode(Recorded.a)
        #expect(
            message.answers.map(\.data) == [.a(IPAddress(v4: [192, 0, 2, 1])), .a(IPAddress(v4: [192, 0, 2, 2]))])
        #expect(message.answers.allSatisfy { $0.name == "host.example.com" && $0.ttl == 60 })
    }

    @Test func aaaaRecord() throws {
        let message = try DNSMessage.decode(Recorded.aaaa)
        guard case .aaaa(let address) = message.answers.first?.data else {
            Issue.record("no AAAA record in \(message.answers)")
            return
        }
        #expect(address.description == "2001:db8::1")
        #expect(message.answers.count == 1)
    }

    @Test func txtWithSeveralStrings() throws {
        let message = try DNSMessage.decode(Recorded.txt)
        #expect(
            message.answers.map(\.data) == [
                .txt([Array("v=spf1 ".utf8), Array("include:_spf.example.net".utf8), Array(" -all".utf8)]),
                .txt([Array("google-site-verification=abc".utf8)]),
            ])
    }

    @Test func cnameThenAddress() throws {
        let message = try DNSMessage.decode(Recorded.cname)
        #expect(
            message.answers == [
                DNSResourceRecord(name: "www.example.com", ttl: 60, data: .cname("web.example.net")),
                DNSResourceRecord(name: "web.example.net", ttl: 60, data: .a(IPAddress(v4: [198, 51, 100, 7]))),
            ])
    }

    @Test func nullMXHasEmptyExchange() throws {
        let message = try DNSMessage.decode(Recorded.nullMX)
        #expect(message.answers.map(\.data) == [.mx(MXRecord(preference: 0, exchange: ""))])
    }

    @Test func nxdomainAndNodata() throws {
        let nx = try DNSMessage.decode(Recorded.nxdomain)
        #expect(nx.header.responseCode == .nameError)
        #expect(nx.answers.isEmpty)
        #expect(nx.header.authorityCount == 1)
        #expect(nx.questions == [DNSQuestion(name: "nope.example.com", type: .mx)])
        let nodata = try DNSMessage.decode(Recorded.nodata)
        #expect(nodata.header.responseCode == .noError)
        #expect(nodata.answers.isEmpty)
    }

    @Test func unknownTypesAreSkipped() throws {
        let message = try DNSMessage.decode(Recorded.unknownTypes)
        #expect(message.header.answerCount == 3)
        #expect(message.answers.map(\.data) == [.a(IPAddress(v4: [203, 0, 113, 5]))])
    }

    @Test func headerFlagsAndCodes() throws {
        var bytes = Recorded.nullMX
        bytes[2] |= 0x02  // TC
        bytes[3] = (bytes[3] & 0xF0) | 2  // SERVFAIL
        let header = try DNSMessage.decodeHeader(bytes)
        #expect(header.isTruncated)
        #expect(header.responseCode == .serverFailure)
    }

    @Test func labelsWithDotsAndUnprintableOctetsAreEscaped() throws {
        // Question name: one label "A.b\x01" (4 octets).
        let bytes = header() + [0x04, 0x41, 0x2E, 0x62, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01]
        let message = try DNSMessage.decode(bytes)
        #expect(message.questions.first?.name == "a\\.b\\001")
    }

    @Test(arguments: Recorded.all)
    func everyPrefixThrowsMalformedOrDecodes(fixture: (String, [UInt8])) {
        let bytes = fixture.1
        for length in 0..<bytes.count {
            do {
                _ = try DNSMessage.decode(Array(bytes[..<length]))
            } catch {
                #expect(isMalformed(error), "\(fixture.0) prefix \(length): \(error)")
            }
        }
    }

    @Test func prefixesEndingBeforeTheAnswersEndAllThrow() {
        for length in 0..<Recorded.mx.count {
            #expect(throws: DNSError.self, "prefix \(length)") { try DNSMessage.decode(Array(Recorded.mx[..<length])) }
        }
    }

    @Test func mutatedRepliesNeverCrash() {
        // Deterministic pseudo-random single- and double-octet corruption of every recorded reply.
        var state: UInt32 = 0x2545_F491
        func next() -> Int {
            state = state &* 1_664_525 &+ 1_013_904_223
            return Int(state >> 8)
        }
        var decoded = 0
        var rejected = 0
        for (_, original) in Recorded.all {
            for _ in 0..<400 {
                var bytes = original
                for _ in 0...(next() % 2) {
                    bytes[next() % bytes.count] = UInt8(truncatingIfNeeded: next())
                }
                do {
                    _ = try DNSMessage.decode(bytes)
                    decoded += 1
                } catch {
                    #expect(isMalformed(error))
                    rejected += 1
                }
            }
        }
        #expect(decoded + rejected == Recorded.all.count * 400)
    }

    static let malformed: [(String, [UInt8])] = [
        ("empty", []),
        ("short header", [0x12, 0x34, 0x81]),
        ("question count without question", header()),
        ("pointer to itself", header() + [0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01]),
        ("forward pointer", header() + [0x01, 0x61, 0xC0, 0x10, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]),
        ("pointer past the end", header() + [0xC0, 0xFF, 0x00, 0x01, 0x00, 0x01]),
        ("pointer cut in half", header() + [0xC0]),
        (
            "answer owner pointing into its own name (loop)",
            header(answers: 1) + questionA + [0x01, 0x62, 0xC0, 0x13] + recordFields(type: 1, length: 4) + [1, 2, 3, 4]
        ),
        ("reserved label type 01", header() + [0x41, 0x61, 0x00, 0x00, 0x01, 0x00, 0x01]),
        ("extended label type 10", header() + [0x81, 0x61, 0x00, 0x00, 0x01, 0x00, 0x01]),
        ("label past the end", header() + [0x05, 0x61, 0x62]),
        (
            "name longer than 255 octets",
            header() + Array(repeating: [0x3F] + Array(repeating: 0x61, count: 63), count: 4).flatMap { $0 }
                + [0x00, 0x00, 0x01, 0x00, 0x01]
        ),
        (
            "name of 255 octets made with pointers",
            header(questions: 2) + [0x3F] + Array(repeating: 0x61, count: 63) + [0x3F]
                + Array(repeating: 0x62, count: 63)
                + [0x3F] + Array(repeating: 0x63, count: 63) + [0x00, 0x00, 0x01, 0x00, 0x01]
                + [0x3F] + Array(repeating: 0x64, count: 63) + [0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01]
        ),
        (
            "RDLENGTH past the end",
            header(answers: 1) + questionA + [0xC0, 0x0C] + recordFields(type: 1, length: 255) + [1]
        ),
        (
            "A of 5 octets",
            header(answers: 1) + questionA + [0xC0, 0x0C] + recordFields(type: 1, length: 5) + [1, 2, 3, 4, 5]
        ),
        (
            "AAAA of 4 octets",
            header(answers: 1) + questionA + [0xC0, 0x0C] + recordFields(type: 28, length: 4) + [1, 2, 3, 4]
        ),
        (
            "MX exchange longer than RDATA",
            header(answers: 1) + questionA + [0xC0, 0x0C] + recordFields(type: 15, length: 3) + [
                0, 10, 0x01, 0x61, 0x00,
            ]
        ),
        (
            "CNAME shorter than RDATA",
            header(answers: 1) + questionA + [0xC0, 0x0C] + recordFields(type: 5, length: 3) + [0x00, 0xFF, 0xFF]
        ),
        (
            "TXT string past RDATA",
            header(answers: 1) + questionA + [0xC0, 0x0C] + recordFields(type: 16, length: 3) + [0x05, 0x61, 0x62]
        ),
        ("TXT without strings", header(answers: 1) + questionA + [0xC0, 0x0C] + recordFields(type: 16, length: 0)),
        ("answer count without answer", header(answers: 1) + questionA),
    ]

    @Test(arguments: malformed)
    func malformedRepliesThrow(fixture: (String, [UInt8])) {
        do {
            let message = try DNSMessage.decode(fixture.1)
            Issue.record("\(fixture.0) decoded: \(message)")
        } catch {
            #expect(isMalformed(error), "\(fixture.0): \(error)")
        }
    }

    @Test func nameOf255OctetsIsAccepted() throws {
        // 3 labels of 63 + one of 61: 4 + 63*3 + 61 + 1 = 255 octets.
        let labels = [UInt8](repeating: 0x61, count: 63)
        let name = [0x3F] + labels + [0x3F] + labels + [0x3F] + labels + [0x3D] + Array(labels[..<61]) + [0x00]
        let message = try DNSMessage.decode(header() + name + [0x00, 0x01, 0x00, 0x01])
        #expect(message.questions.first?.name.utf8.count == 253)
    }

    @Test func pointerChainsBackwardsAreFollowed() throws {
        // Question "a", answer owner "b" + pointer to "a", CNAME target "c" + pointer to the owner.
        let owner: [UInt8] = [0x01, 0x62, 0xC0, 0x0C]  // at offset 19
        let target: [UInt8] = [0x01, 0x63, 0xC0, 0x13]
        let bytes =
            header(answers: 1) + questionA + owner + recordFields(type: 5, length: UInt16(target.count)) + target
        let message = try DNSMessage.decode(bytes)
        #expect(message.answers == [DNSResourceRecord(name: "b.a", ttl: 60, data: .cname("c.b.a"))])
    }

    @Test func otherClassesAreSkipped() throws {
        var record = recordFields(type: 1, length: 4)
        record[3] = 3  // CLASS CH
        let bytes = header(answers: 1) + questionA + [0xC0, 0x0C] + record + [1, 2, 3, 4]
        #expect(try DNSMessage.decode(bytes).answers.isEmpty)
    }
}

@Suite struct DNSQueryEncodingTests {
    @Test func queryBytesMatchDnslib() throws {
        // dnslib: DNSRecord.question("example.com", "MX") with id 0xbeef and EDNS0(udp_len=1232).
        let expected = hex("beef01000001000000000001076578616d706c6503636f6d00000f000100002904d0000000000000")
        let query = try DNSMessage.encodeQuery(id: 0xBEEF, question: DNSQuestion(name: "example.com", type: .mx))
        #expect(query == expected)
    }

    @Test func queryDecodesBack() throws {
        let query = try DNSMessage.encodeQuery(id: 7, question: DNSQuestion(name: "xn--bcher-kva.example", type: .aaaa))
        let message = try DNSMessage.decode(query)
        #expect(message.header.id == 7)
        #expect(!message.header.isResponse)
        #expect(message.header.recursionDesired)
        #expect(message.header.additionalCount == 1)
        #expect(message.questions == [DNSQuestion(name: "xn--bcher-kva.example", type: .aaaa)])
    }

    @Test func rootQuery() throws {
        let query = try DNSMessage.encodeQuery(id: 1, question: DNSQuestion(name: "", type: .ns))
        #expect(Array(query[12..<17]) == [0x00, 0x00, 0x02, 0x00, 0x01])
    }

    @Test(arguments: [
        String(repeating: "a", count: 64) + ".example",
        "a..example",
        ".example",
        Array(repeating: String(repeating: "a", count: 63), count: 4).joined(separator: "."),
        "has space.example",
    ])
    func namesThatCannotBeEncoded(name: String) {
        #expect(throws: DNSError.self) {
            try DNSMessage.encodeQuery(id: 1, question: DNSQuestion(name: name, type: .a))
        }
    }
}
