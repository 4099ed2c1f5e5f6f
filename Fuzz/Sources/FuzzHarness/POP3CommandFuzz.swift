// POP3CommandFuzz: the POP3 command parser and the RETR/TOP body encoder (Sources/POP3Protocol).
//
// Properties checked for every input:
// - POP3CommandParser never traps on any line of the input (or the whole input as one line); a command it
//   accepts, written back as a command line, parses to the same command (RFC 1939 §3, RFC 5034 §4).
// - POP3BodyEncoder, fed the input as a stored message, gives the same output however the message is
//   split; the byte-stuffed output never holds CRLF "." CRLF before its terminator, a client that removes
//   the stuffing (RFC 1939 §3) gets exactly the unstuffed output, and that output's length is
//   `POP3BodyEncoder.size(of:)` (what LIST/STAT report). TOP (a body line limit) is split-proof too.

import NIOCore
import POP3Protocol

public enum POP3CommandFuzz {
    public static func run(_ input: [UInt8]) throws(FuzzFailure) {
        try commands(input)
        try body(input)
    }

    // MARK: Commands

    /// The command line a client sends for `command` (without CRLF).
    static func line(_ command: POP3Command) -> String {
        switch command {
        case .user(let name): return "USER \(name)"
        case .pass(let password): return "PASS \(password)"
        case .stat: return "STAT"
        case .list(let number): return number.map { "LIST \($0)" } ?? "LIST"
        case .retr(let number): return "RETR \(number)"
        case .dele(let number): return "DELE \(number)"
        case .noop: return "NOOP"
        case .rset: return "RSET"
        case .quit: return "QUIT"
        case .top(let number, let lines): return "TOP \(number) \(lines)"
        case .uidl(let number): return number.map { "UIDL \($0)" } ?? "UIDL"
        case .capa: return "CAPA"
        case .stls: return "STLS"
        case .utf8: return "UTF8"
        case .auth(let mechanism, let response):
            guard let mechanism else { return "AUTH" }
            switch response {
            case nil: return "AUTH \(mechanism)"
            case let bytes? where bytes.isEmpty: return "AUTH \(mechanism) ="
            case let bytes?: return "AUTH \(mechanism) " + Base64.encode(bytes)
            }
        }
    }

    static func commands(_ input: [UInt8]) throws(FuzzFailure) {
        // The session's lines: split at LF, the CR before it dropped (as the server's line framer does).
        var lines = input.split(separator: 0x0A, omittingEmptySubsequences: false).prefix(64).map { line in
            line.last == 0x0D ? Array(line.dropLast()) : Array(line)
        }
        lines.append(input)
        for bytes in lines {
            guard let command = try? POP3CommandParser.parse(line: ByteBuffer(bytes: bytes)) else { continue }
            let encoded = line(command)
            do {
                let reparsed = try POP3CommandParser.parse(encoded)
                try require(
                    reparsed == command,
                    "round trip changed the command: \(show(bytes)) -> \(command) -> \(encoded) -> \(reparsed)")
            } catch let error as FuzzFailure {
                throw error
            } catch {
                throw FuzzFailure("encoded command does not parse (\(error)): \(show(bytes)) -> \(encoded)")
            }
        }
        if let decoded = Base64.decode(String(decoding: input, as: UTF8.self)) {
            try require(Base64.decode(Base64.encode(decoded)) == decoded, "base64 round trip failed")
        }
    }

    // MARK: Body

    static func encode(_ input: [UInt8], chunks: [Range<Int>], stuffing: Bool, lineLimit: Int?) -> [UInt8] {
        var encoder = POP3BodyEncoder(byteStuffing: stuffing, bodyLineLimit: lineLimit)
        var output = ByteBuffer()
        for chunk in chunks { encoder.encode(Array(input[chunk]), into: &output) }
        encoder.finish(into: &output)
        return Array(output.readableBytesView)
    }

    static func body(_ input: [UInt8]) throws(FuzzFailure) {
        var random = SplitMix64(seed: input)
        let whole = input.isEmpty ? [] : [0..<input.count]
        let chunks = random.chunks(of: input.count, maxChunk: 13)
        let stuffed = encode(input, chunks: whole, stuffing: true, lineLimit: nil)
        try require(
            stuffed == encode(input, chunks: chunks, stuffing: true, lineLimit: nil),
            "RETR body depends on the split: \(show(input))")
        let plain = encode(input, chunks: whole, stuffing: false, lineLimit: nil)
        let size = POP3BodyEncoder.size(of: chunks.map { Array(input[$0]) })
        try require(plain.count == size, "size(of:) is \(size), the unstuffed body has \(plain.count) octets")

        // What a client reads: CRLF lines up to "."; a leading "." of any other line removed (RFC 1939 §3).
        try require(stuffed.suffix(3) == Array(".\r\n".utf8), "RETR body does not end in .CRLF")
        var unstuffed: [UInt8] = []
        var lineStart = 0
        var index = 0
        while index + 1 < stuffed.count {
            guard stuffed[index] == 0x0D, stuffed[index + 1] == 0x0A else {
                index += 1
                continue
            }
            let line = stuffed[lineStart..<index]
            if line.elementsEqual([0x2E]) {
                try require(index + 2 == stuffed.count, "RETR body ends early at \(lineStart): \(show(input))")
                break
            }
            unstuffed += line.first == 0x2E ? line.dropFirst() : line
            unstuffed += [0x0D, 0x0A]
            index += 2
            lineStart = index
        }
        try require(
            unstuffed == plain, "unstuffed RETR body differs:\n\(show(unstuffed))\nexpected: \(show(plain))")

        let limit = Int(input.first ?? 0) % 4
        try require(
            encode(input, chunks: whole, stuffing: true, lineLimit: limit)
                == encode(input, chunks: chunks, stuffing: true, lineLimit: limit),
            "TOP \(limit) body depends on the split")
    }
}
