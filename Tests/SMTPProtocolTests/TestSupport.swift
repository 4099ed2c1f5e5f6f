import NIOCore
import SMTPProtocol

/// A deterministic random number generator (SplitMix64), so fuzz and split tests repeat exactly.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func mailbox(_ text: String) -> SMTPMailbox {
    guard let mailbox = SMTPMailbox(text) else { fatalError("bad test mailbox \(text)") }
    return mailbox
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

func buffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }

/// Splits `bytes` at the given cut points.
func chunks(_ bytes: [UInt8], cuts: [Int]) -> [[UInt8]] {
    var result: [[UInt8]] = []
    var start = 0
    for cut in cuts.sorted() where cut > start && cut < bytes.count {
        result.append(Array(bytes[start..<cut]))
        start = cut
    }
    result.append(Array(bytes[start...]))
    return result
}

/// The outcome of feeding chunks to a DataDecoder the way a session does: append each chunk to one receive
/// buffer, then drain events.
struct DecodedData: Equatable {
    var body: [UInt8] = []
    var summary: DataSummary?
    var rest: [UInt8] = []
    var bodyEvents = 0
}

func decodeData(_ parts: [[UInt8]], configuration: DataDecoder.Configuration = .init()) -> DecodedData {
    var decoder = DataDecoder(configuration: configuration)
    var receive = ByteBuffer()
    var result = DecodedData()
    for part in parts {
        receive.writeBytes(part)
        while let event = decoder.next(&receive) {
            switch event {
            case .body(let chunk):
                precondition(result.summary == nil, "body after end")
                result.body += Array(chunk.readableBytesView)
                result.bodyEvents += 1
            case .end(let summary):
                precondition(result.summary == nil, "two ends")
                result.summary = summary
            }
        }
    }
    result.rest = Array(receive.readableBytesView)
    return result
}
