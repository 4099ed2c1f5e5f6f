// Benchmark of the MIME parser and the ingest path's parse (not a test): MB/s of structure parsing
// and of the full metadata extraction done once per delivered message (structure, envelope, search
// text, preview), on generated messages of three shapes.
//
// Usage: mailroom-bench-mime [ROUNDS]   (default 20)

import Delivery
import Foundation
import MIME

let rounds = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 20 : 20
/// An optional second argument runs only the shapes whose name contains it ("HTML", "attachment", "4 KB").
let only = CommandLine.arguments.count > 2 ? CommandLine.arguments[2] : nil

func base64Lines(_ bytes: [UInt8]) -> String {
    let b64 = Data(bytes).base64EncodedString()
    var out = ""
    out.reserveCapacity(b64.count + b64.count / 38)
    var i = b64.startIndex
    while i < b64.endIndex {
        let j = b64.index(i, offsetBy: 76, limitedBy: b64.endIndex) ?? b64.endIndex
        out += b64[i..<j] + "\r\n"
        i = j
    }
    return out
}

/// Incompressible bytes from a fast deterministic generator (SplitMix64), so generating 20 MB costs
/// milliseconds and runs are comparable.
var state: UInt64 = 0x9E37_79B9_7F4A_7C15
var attachment = [UInt8](repeating: 0, count: 20 * 1024 * 1024)
for i in stride(from: 0, to: attachment.count, by: 8) {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    z ^= z >> 31
    withUnsafeBytes(of: z) { for (k, b) in $0.enumerated() where i + k < attachment.count { attachment[i + k] = b } }
}
let header = """
    From: "Ann Example" <ann@example.org>\r
    To: bob@example.test, "Carol" <carol@example.test>\r
    Subject: =?UTF-8?Q?Quarterly_report_=E2=9C=93?=\r
    Date: Tue, 24 Nov 2026 10:00:00 +0100\r
    Message-ID: <bench@example.org>\r
    MIME-Version: 1.0\r

    """
let small = Array(
    (header + "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        + String(repeating: "The quick brown fox jumps over the lazy dog.\r\n", count: 80)).utf8)
let big = Array(
    (header
        + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
        + "--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"a.bin\"\r\n"
        + "Content-Transfer-Encoding: base64\r\n\r\n" + base64Lines(attachment) + "--b--\r\n").utf8)
let text = Array(
    (header + "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        + String(repeating: "<p>Line with =C3=A4 and a soft=\r\nbreak, and <b>bold</b> text.</p>\r\n", count: 40_000))
        .utf8)

func measure(_ label: String, _ message: [UInt8], repeat count: Int, _ body: (UnsafeRawBufferPointer) -> Int) {
    var sink = 0
    let clock = ContinuousClock()
    let elapsed = clock.measure {
        message.withUnsafeBytes { buffer in
            for _ in 0..<count { sink &+= body(buffer) }
        }
    }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    let mb = Double(message.count * count) / 1_000_000
    print(
        String(
            format: "%-38@ %8.1f MB/s  %9.0f msg/s  (%d × %.2f MB)%@", label as NSString, mb / seconds,
            Double(count) / seconds, count, Double(message.count) / 1_000_000, sink == 42 ? "!" : ""))
}

print("MIME parse (release build recommended), \(rounds) rounds")
for (name, message, factor) in [
    ("4 KB text/plain", small, 500), ("27 MB with 20 MB attachment", big, 1), ("3 MB quoted-printable HTML", text, 2),
] {
    if let only, !name.contains(only) { continue }
    measure("structure: \(name)", message, repeat: rounds * factor) { MIMEParser.parseStructure($0).size }
    measure("ingest metadata: \(name)", message, repeat: rounds * factor) {
        MessageIngest.metadata(of: $0).bodyText.utf8.count
    }
}
