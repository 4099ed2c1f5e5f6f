// FuzzTarget: the fuzzed grammars, by name, and the one-input function each fuzz executable and the corpus
// replay tests call.
//
// Invariants:
// - One input function per target, shared: a crash the fuzzer finds and keeps in Fuzz/corpus/<Target>/
//   replays through exactly the same code in `swift test` (Tests/FuzzCorpusTests).
// - A broken property (a round trip that changes the value, a streaming decoder that depends on how its
//   input was split) is a `FuzzFailure`; the fuzz executable traps on it so libFuzzer records the input.
// - Every run is deterministic: any pseudo-randomness (split points) is derived from the input bytes.

/// A property of a parser that did not hold for some input.
public struct FuzzFailure: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) { self.description = description }
}

/// The fuzz targets; the raw value is the executable's (and corpus directory's) name.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case imapCommand = "FuzzIMAPCommand"
    case smtpCommand = "FuzzSMTPCommand"
    case pop3Command = "FuzzPOP3Command"
    case mime = "FuzzMIME"
    case dnsMessage = "FuzzDNSMessage"
    case dkimHeader = "FuzzDKIMHeader"
    case iCalendar = "FuzzICalendar"
    case webDAV = "FuzzWebDAV"
    case config = "FuzzConfig"

    /// Runs one input through the target's parsers and checks its properties.
    public func run(_ input: [UInt8]) throws(FuzzFailure) {
        switch self {
        case .imapCommand: try IMAPCommandFuzz.run(input)
        case .smtpCommand: try SMTPCommandFuzz.run(input)
        case .pop3Command: try POP3CommandFuzz.run(input)
        case .mime: try MIMEFuzz.run(input)
        case .dnsMessage: try DNSMessageFuzz.run(input)
        case .dkimHeader: try DKIMHeaderFuzz.run(input)
        case .iCalendar: try ICalendarFuzz.run(input)
        case .webDAV: try WebDAVFuzz.run(input)
        case .config: try ConfigFuzz.run(input)
        }
    }

    /// What a fuzz executable calls: runs the input and traps (so libFuzzer saves it) on a failure.
    public func runTrapping(_ input: UnsafeBufferPointer<UInt8>) {
        do {
            try run(Array(input))
        } catch {
            fatalError("\(rawValue): \(error.description)")
        }
    }
}

/// Checks a property; throws a `FuzzFailure` with `message` when it does not hold.
@inline(__always)
func require(_ condition: Bool, _ message: @autoclosure () -> String) throws(FuzzFailure) {
    if !condition { throw FuzzFailure(message()) }
}

/// A byte string for failure messages: printable ASCII as is, other bytes escaped, at most 300 bytes.
func show(_ bytes: some Collection<UInt8>) -> String {
    var text = ""
    for byte in bytes.prefix(300) {
        switch byte {
        case 0x0D: text += "\\r"
        case 0x0A: text += "\\n"
        case 0x5C: text += "\\\\"
        case 0x20...0x7E: text.unicodeScalars.append(Unicode.Scalar(byte))
        default: text += "\\x" + String(byte, radix: 16)
        }
    }
    return bytes.count > 300 ? text + "..." : text
}

/// SplitMix64, seeded from the input, for split points that are random-looking but reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: some Sequence<UInt8>) {
        // FNV-1a over the input.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in seed { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        state = hash
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Splits `count` bytes into consecutive ranges of 1...maxChunk bytes.
    mutating func chunks(of count: Int, maxChunk: Int) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var offset = 0
        while offset < count {
            let end = min(count, offset + Int.random(in: 1...max(1, maxChunk), using: &self))
            result.append(offset..<end)
            offset = end
        }
        return result
    }
}
