// Benchmark of the MIME parser and the ingest path's parse (not a test): MB/s of structure parsing
// and of the full metadata extraction done once per delivered message (structure, envelope, search
// text, preview), on generated messages of three shapes.
//
// Usage: mailroom-bench-mime [ROUNDS]   (default 20)

import Delivery
import Foundation
import MIME

let rounds = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 20 : 20

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

var rng = SystemRandomNumberGenerator()
let attachment = (0..<(20 * 1024 * 1024)).map { _ in UInt8.random(in: 0...255, using: &rng) }
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
    (header + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
        + "--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"a.bin\"\r\n"
        + "Content-Transfer-Encoding: base64\r\n\r\n" + base64Lines(attachment) + "--b--\r\n").utf8)
let text = Array(
    (header + "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        + String(repeating: "<p>Line with =C3=A4 and a soft=\r\nbreak, and <b>bold</b> text.</p>\r\n", count: 40_000)).utf8)

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
for (name, message, factor) in [("4 KB text/plain", small, 500), ("27 MB with 20 MB attachment", big, 1), ("3 MB quoted-printable HTML", text, 2)] {
    measure("structure: \(name)", message, repeat: rounds * factor) { MIMEParser.parseStructure($0).size }
    measure("ingest metadata: \(name)", message, repeat: rounds * factor) {
        MessageIngest.metadata(of: $0).bodyText.utf8.count
    }
}
