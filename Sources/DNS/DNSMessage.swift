// DNSMessage: the DNS wire format (RFC 1035 §4) as far as a stub resolver needs it: encoding one query,
// decoding the header, question and answer sections of a reply.
//
// Invariants:
// - Decoding reads from a byte array with a bounds check before every access; any malformed input
//   (truncated anywhere, bad compression pointer, RDATA length past the end or not matching its type)
//   throws `DNSError.malformed` and never traps.
// - Only the answer section is decoded into records; authority and additional sections are not read
//   (their counts are kept in the header). Records of unknown types or of a class other than IN are
//   skipped by their RDLENGTH (RFC 1035 §4.1.3).
// - A query carries one question, RD=1 and an EDNS0 OPT record advertising `ednsUDPPayloadSize`
//   (RFC 6891 §6.1.2, §6.2.5; 1232 octets is the DNS Flag Day 2020 value that avoids IP fragmentation).

/// A resource record type (RFC 1035 §3.2.2, RFC 3596 §2.1, RFC 6891 §6.1.1).
public struct DNSRecordType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let a = DNSRecordType(rawValue: 1)
    public static let ns = DNSRecordType(rawValue: 2)
    public static let cname = DNSRecordType(rawValue: 5)
    public static let soa = DNSRecordType(rawValue: 6)
    public static let mx = DNSRecordType(rawValue: 15)
    public static let txt = DNSRecordType(rawValue: 16)
    public static let aaaa = DNSRecordType(rawValue: 28)
    public static let opt = DNSRecordType(rawValue: 41)

    public var description: String {
        switch self {
        case .a: return "A"
        case .ns: return "NS"
        case .cname: return "CNAME"
        case .soa: return "SOA"
        case .mx: return "MX"
        case .txt: return "TXT"
        case .aaaa: return "AAAA"
        case .opt: return "OPT"
        default: return "TYPE\(rawValue)"  // RFC 3597 §5
        }
    }
}

/// The 4-bit response code of the header (RFC 1035 §4.1.1).
public struct DNSResponseCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let noError = DNSResponseCode(rawValue: 0)
    public static let formatError = DNSResponseCode(rawValue: 1)
    public static let serverFailure = DNSResponseCode(rawValue: 2)
    public static let nameError = DNSResponseCode(rawValue: 3)  // NXDOMAIN
    public static let notImplemented = DNSResponseCode(rawValue: 4)
    public static let refused = DNSResponseCode(rawValue: 5)

    public var description: String {
        switch self {
        case .noError: return "NOERROR"
        case .formatError: return "FORMERR"
        case .serverFailure: return "SERVFAIL"
        case .nameError: return "NXDOMAIN"
        case .notImplemented: return "NOTIMP"
        case .refused: return "REFUSED"
        default: return "RCODE\(rawValue)"
        }
    }
}

/// The fixed 12-octet header (RFC 1035 §4.1.1).
public struct DNSHeader: Hashable, Sendable {
    public var id: UInt16
    /// QR: true in a response.
    public var isResponse: Bool
    public var opcode: UInt8
    public var isAuthoritative: Bool
    /// TC: the reply was cut to fit the UDP payload size; ask again over TCP (RFC 7766 §5).
    public var isTruncated: Bool
    public var recursionDesired: Bool
    public var recursionAvailable: Bool
    public var responseCode: DNSResponseCode
    public var questionCount: UInt16
    public var answerCount: UInt16
    public var authorityCount: UInt16
    public var additionalCount: UInt16

    /// The header's size on the wire.
    public static let octets = 12
}

/// A question: the name, type and class asked (RFC 1035 §4.1.2).
public struct DNSQuestion: Hashable, Sendable, CustomStringConvertible {
    /// Lowercased, no trailing dot.
    public var name: String
    public var type: DNSRecordType
    public var recordClass: UInt16

    /// RFC 1035 §3.2.4: class IN.
    public static let classIN: UInt16 = 1

    public init(name: String, type: DNSRecordType, recordClass: UInt16 = DNSQuestion.classIN) {
        self.name = name
        self.type = type
        self.recordClass = recordClass
    }

    public var description: String { "\(name.isEmpty ? "." : name) \(type)" }
}

/// The data of a record of a type Mailroom reads.
public enum DNSRecordData: Hashable, Sendable {
    /// RFC 1035 §3.4.1.
    case a(IPAddress)
    /// RFC 3596 §2.2.
    case aaaa(IPAddress)
    /// RFC 1035 §3.3.1: the canonical name.
    case cname(String)
    /// RFC 1035 §3.3.9; a "." exchange (RFC 7505 null MX) is "".
    case mx(MXRecord)
    /// RFC 1035 §3.3.14: the record's character-strings, in order.
    case txt([[UInt8]])

    /// The record type this data belongs to.
    public var type: DNSRecordType {
        switch self {
        case .a: return .a
        case .aaaa: return .aaaa
        case .cname: return .cname
        case .mx: return .mx
        case .txt: return .txt
        }
    }
}

/// One resource record of the answer section (RFC 1035 §4.1.3).
public struct DNSResourceRecord: Hashable, Sendable {
    /// The owner name, lowercased, no trailing dot.
    public var name: String
    public var ttl: UInt32
    public var data: DNSRecordData

    public init(name: String, ttl: UInt32, data: DNSRecordData) {
        self.name = name
        self.ttl = ttl
        self.data = data
    }
}

/// A decoded reply (header, questions, answers) or the parts of a query.
public struct DNSMessage: Hashable, Sendable {
    public var header: DNSHeader
    public var questions: [DNSQuestion]
    /// The answer records of known types and class IN, in the order received.
    public var answers: [DNSResourceRecord]

    /// RFC 6891 §6.2.5 payload size advertised in queries (DNS Flag Day 2020).
    public static let ednsUDPPayloadSize: UInt16 = 1232

    // MARK: Encoding

    /// A query for `question` with the given `id`: RD=1, one question, one EDNS0 OPT record
    /// (RFC 1035 §4.1, RFC 6891 §6.1.2). The question's name must be ASCII (see `DNSName.ascii`).
    public static func encodeQuery(id: UInt16, question: DNSQuestion) throws(DNSError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(DNSHeader.octets + question.name.utf8.count + 2 + 4 + 11)
        appendUInt16(id, to: &bytes)
        appendUInt16(0x0100, to: &bytes)  // QR=0 OPCODE=0 AA=0 TC=0 RD=1 RA=0 Z=0 RCODE=0
        appendUInt16(1, to: &bytes)  // QDCOUNT
        appendUInt16(0, to: &bytes)  // ANCOUNT
        appendUInt16(0, to: &bytes)  // NSCOUNT
        appendUInt16(1, to: &bytes)  // ARCOUNT: the OPT record
        try DNSName.encode(question.name, into: &bytes)
        appendUInt16(question.type.rawValue, to: &bytes)
        appendUInt16(question.recordClass, to: &bytes)
        // RFC 6891 §6.1.2: OPT RR: root owner, TYPE 41, CLASS = UDP payload size, TTL = extended RCODE 0,
        // version 0, DO=0, Z=0; no options.
        bytes.append(0)
        appendUInt16(DNSRecordType.opt.rawValue, to: &bytes)
        appendUInt16(ednsUDPPayloadSize, to: &bytes)
        appendUInt16(0, to: &bytes)
        appendUInt16(0, to: &bytes)
        appendUInt16(0, to: &bytes)  // RDLENGTH
        return bytes
    }

    static func appendUInt16(_ value: UInt16, to bytes: inout [UInt8]) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(value & 0xFF))
    }

    // MARK: Decoding

    /// Decodes the header only (RFC 1035 §4.1.1).
    public static func decodeHeader(_ message: [UInt8]) throws(DNSError) -> DNSHeader {
        var reader = Reader(message)
        return try reader.header()
    }

    /// Decodes the header and the question section, without the answers: enough to match a reply to its
    /// query even when the rest was cut off (TC=1).
    public static func decodeQuestions(_ message: [UInt8]) throws(DNSError) -> (DNSHeader, [DNSQuestion]) {
        var reader = Reader(message)
        let header = try reader.header()
        let questions = try reader.questions(count: header.questionCount)
        return (header, questions)
    }

    /// Decodes header, question and answer sections (RFC 1035 §4.1).
    public static func decode(_ message: [UInt8]) throws(DNSError) -> DNSMessage {
        var reader = Reader(message)
        let header = try reader.header()
        let questions = try reader.questions(count: header.questionCount)
        var answers: [DNSResourceRecord] = []
        for _ in 0..<header.answerCount {
            if let record = try reader.resourceRecord() { answers.append(record) }
        }
        return DNSMessage(header: header, questions: questions, answers: answers)
    }

    /// A bounds-checked cursor over a message.
    struct Reader {
        let message: [UInt8]
        var offset = 0

        init(_ message: [UInt8]) { self.message = message }

        mutating func uint8() throws(DNSError) -> UInt8 {
            guard offset < message.count else { throw .malformed("message ends at \(offset), expected more") }
            defer { offset += 1 }
            return message[offset]
        }

        mutating func uint16() throws(DNSError) -> UInt16 {
            let high = try uint8()
            let low = try uint8()
            return UInt16(high) << 8 | UInt16(low)
        }

        mutating func uint32() throws(DNSError) -> UInt32 {
            let high = try uint16()
            let low = try uint16()
            return UInt32(high) << 16 | UInt32(low)
        }

        mutating func bytes(_ count: Int) throws(DNSError) -> ArraySlice<UInt8> {
            guard count >= 0, count <= message.count - offset else {
                throw .malformed("\(count) octets needed at \(offset), message has \(message.count)")
            }
            defer { offset += count }
            return message[offset..<(offset + count)]
        }

        mutating func name() throws(DNSError) -> String {
            try DNSName.decode(message, at: &offset)
        }

        // RFC 1035 §4.1.1
        mutating func header() throws(DNSError) -> DNSHeader {
            let id = try uint16()
            let flags = try uint16()
            return DNSHeader(
                id: id,
                isResponse: flags & 0x8000 != 0,
                opcode: UInt8((flags >> 11) & 0x0F),
                isAuthoritative: flags & 0x0400 != 0,
                isTruncated: flags & 0x0200 != 0,
                recursionDesired: flags & 0x0100 != 0,
                recursionAvailable: flags & 0x0080 != 0,
                responseCode: DNSResponseCode(rawValue: UInt8(flags & 0x000F)),
                questionCount: try uint16(),
                answerCount: try uint16(),
                authorityCount: try uint16(),
                additionalCount: try uint16())
        }

        // RFC 1035 §4.1.2
        mutating func questions(count: UInt16) throws(DNSError) -> [DNSQuestion] {
            var questions: [DNSQuestion] = []
            for _ in 0..<count {
                let name = try name()
                let type = DNSRecordType(rawValue: try uint16())
                let recordClass = try uint16()
                questions.append(DNSQuestion(name: name, type: type, recordClass: recordClass))
            }
            return questions
        }

        /// RFC 1035 §4.1.3. Returns nil for a well-formed record Mailroom does not read (other type or
        /// class), after skipping it by RDLENGTH.
        mutating func resourceRecord() throws(DNSError) -> DNSResourceRecord? {
            let owner = try name()
            let type = DNSRecordType(rawValue: try uint16())
            let recordClass = try uint16()
            let ttl = try uint32()
            let length = Int(try uint16())
            let start = offset
            guard length <= message.count - start else {
                throw .malformed("RDLENGTH \(length) of \(owner) \(type) runs past the end")
            }
            let end = start + length
            defer { offset = end }
            guard recordClass == DNSQuestion.classIN else { return nil }
            let data: DNSRecordData
            switch type {
            case .a:
                // RFC 1035 §3.4.1: a 32-bit address.
                guard length == 4 else { throw .malformed("A record of \(owner) has \(length) octets") }
                data = .a(IPAddress(v4: Array(try bytes(4))))
            case .aaaa:
                // RFC 3596 §2.2: a 128-bit address.
                guard length == 16 else { throw .malformed("AAAA record of \(owner) has \(length) octets") }
                data = .aaaa(IPAddress(v6: Array(try bytes(16))))
            case .cname:
                data = .cname(try name())
            case .mx:
                // RFC 1035 §3.3.9: PREFERENCE, EXCHANGE. RFC 7505: "." is a null MX, decoded as "".
                let preference = try uint16()
                data = .mx(MXRecord(preference: preference, exchange: try name()))
            case .txt:
                // RFC 1035 §3.3.14: one or more <character-string>s filling the RDATA.
                var strings: [[UInt8]] = []
                while offset < end {
                    let count = Int(try uint8())
                    guard count <= end - offset else {
                        throw .malformed("TXT character-string of \(owner) runs past its RDATA")
                    }
                    strings.append(Array(try bytes(count)))
                }
                if strings.isEmpty { throw .malformed("TXT record of \(owner) has no character-string") }
                data = .txt(strings)
            default:
                return nil
            }
            // A name inside RDATA must end exactly where RDLENGTH says (it may point elsewhere, but its
            // in-place octets belong to this record).
            guard offset == end else {
                throw .malformed("\(type) record of \(owner): RDATA is \(length) octets, contents \(offset - start)")
            }
            return DNSResourceRecord(name: owner, ttl: ttl, data: data)
        }
    }
}
