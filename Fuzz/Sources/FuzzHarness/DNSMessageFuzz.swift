// DNSMessageFuzz: DNS reply decoding (Sources/DNS DNSMessage.decode), the bytes a resolver gets from the network.
//
// Properties checked for every input (one DNS message):
// - decode, decodeHeader and decodeQuestions never trap and agree with each other.
// - Every decoded name is in the documented text form: lowercase, printable ASCII only (RFC 1035 §5.1
//   escapes for the rest), no trailing dot; DNSName.ascii leaves an escape-free name unchanged.
// - A decoded question re-encoded as a query (DNSMessage.encodeQuery) decodes to the same question and id
//   (RFC 1035 §4.1.2): names that came off the wire always fit on the wire.
// - The same bytes as text never trap DNSName.ascii (IDNA/Punycode) or DNSServerAddress.parse.

import DNS

public enum DNSMessageFuzz {
    public static func run(_ input: [UInt8]) throws(FuzzFailure) {
        let header = try? DNSMessage.decodeHeader(input)
        let questions = try? DNSMessage.decodeQuestions(input)
        if let message = try? DNSMessage.decode(input) {
            try require(header == message.header, "decodeHeader disagrees with decode")
            try require(questions?.1 == message.questions, "decodeQuestions disagrees with decode")
            try require(message.questions.count == Int(message.header.questionCount), "question count")
            try require(message.answers.count <= Int(message.header.answerCount), "more answers than ANCOUNT")
            for question in message.questions { try checkName(question.name) }
            for record in message.answers {
                try checkName(record.name)
                switch record.data {
                case .cname(let name): try checkName(name)
                case .mx(let mx): try checkName(mx.exchange)
                case .a(let address):
                    try require(address.bytes.count == 4, "A record with \(address.bytes.count) bytes")
                case .aaaa(let address):
                    try require(address.bytes.count == 16, "AAAA record with \(address.bytes.count) bytes")
                case .txt(let strings): try require(!strings.isEmpty, "TXT record without strings")
                }
            }
        }
        if let (header, questions) = questions {
            try require(questions.count == Int(header.questionCount), "decodeQuestions count")
            for question in questions where !question.name.contains("\\") {
                try queryRoundTrip(id: header.id, question)
            }
        }
        let text = String(decoding: input.prefix(512), as: UTF8.self)
        _ = try? DNSName.ascii(text)
        _ = try? DNSServerAddress.parse(text)
    }

    static func checkName(_ name: String) throws(FuzzFailure) {
        let bytes = Array(name.utf8)
        try require(
            bytes.allSatisfy { (0x21...0x7E).contains($0) && !(0x41...0x5A).contains($0) },
            "decoded name is not lowercase printable ASCII: \(show(bytes))")
        // No trailing dot; a label that ends in a "." octet ends in its escape "\." (RFC 1035 §5.1).
        try require(!name.hasSuffix(".") || name.hasSuffix("\\."), "decoded name ends in a dot: \(name)")
        if !name.contains("\\") {
            do {
                let ascii = try DNSName.ascii(name)
                try require(ascii == name, "DNSName.ascii changed a decoded name: \(name) -> \(ascii)")
            } catch let error as FuzzFailure {
                throw error
            } catch {
                throw FuzzFailure("DNSName.ascii refused a decoded name \(name): \(error)")
            }
        }
    }

    static func queryRoundTrip(id: UInt16, _ question: DNSQuestion) throws(FuzzFailure) {
        do {
            let query = try DNSMessage.encodeQuery(id: id, question: question)
            let (header, questions) = try DNSMessage.decodeQuestions(query)
            try require(
                header.id == id && questions == [question],
                "query round trip changed \(question) (id \(id)) into \(questions) (id \(header.id))")
        } catch let error as FuzzFailure {
            throw error
        } catch {
            throw FuzzFailure("a decoded question does not encode as a query: \(question): \(error)")
        }
    }
}
