// POP3Retr: scenario pop3-retr, one POP3 session downloading every message (RFC 1939), pipelined when the
// server advertises PIPELINING (RFC 2449 §6.6).
//
// Invariants:
// - At most `window` RETR commands are outstanding; without PIPELINING, one at a time.
// - A message's bytes are counted as sent (dot-stuffed) up to its terminating ".CRLF" line, by memchr over
//   ByteBuffers, never copied; the session ends with QUIT and no DELE, so the maildrop is left as it was.

import NIOCore

/// The pipelining window (RETR commands in flight) when PIPELINING is advertised.
private let pipelineWindow = 32

func pop3Retr(_ o: Options) async throws {
    let dialer = try Dialer(host: o.host, port: o.port(plain: 110, tls: 995), tls: o.tls)
    let credentials = o.credentials(0)
    let cpu0 = cpuSeconds()
    let (messages, bytes, seconds) = try await dialer.withConnection { connection in
        /// Reads a status line; "-ERR" is a failure (RFC 1939 §3).
        func status(_ what: String) async throws -> ByteBuffer {
            connection.phase = what
            let line = try await connection.readLine()
            guard line.hasPrefixIgnoringCase("+OK") else { throw LoadError.rejected(command: what, reply: line.text) }
            return line
        }
        _ = try await status("the greeting")
        // RFC 2449 §5: CAPA; a server without it answers -ERR.
        try await connection.write("CAPA\r\n")
        var pipelining = false
        connection.phase = "CAPA"
        if try await connection.readLine().hasPrefixIgnoringCase("+OK") {
            while true {
                let line = try await connection.readLine()
                if line.readableBytes == 1, line.hasPrefixIgnoringCase(".") { break }
                if line.hasPrefixIgnoringCase("PIPELINING") { pipelining = true }
            }
        }
        try await connection.write("USER \(credentials.user)\r\n")
        _ = try await status("USER")
        try await connection.write("PASS \(credentials.password)\r\n")
        _ = try await status("PASS")
        try await connection.write("STAT\r\n")
        // RFC 1939 §5: "+OK nn mm".
        let stat = try await status("STAT")
        guard let (count, _) = stat.decimal(at: 4) else {
            throw LoadError.unexpected(context: "STAT", reply: stat.text)
        }
        let window = pipelining ? pipelineWindow : 1
        var next = 1
        var done = 0
        var bytes = 0
        let t0 = ContinuousClock.now
        while done < count {
            let outstanding = next - 1 - done
            if next <= count, outstanding <= window / 2 {
                var batch = ByteBuffer()
                while next <= count, next - 1 - done < window {
                    batch.writeString("RETR \(next)\r\n")
                    next += 1
                }
                try await connection.write(batch)
            }
            _ = try await status("RETR \(done + 1)")
            bytes += try await connection.skipMultiline()
            done += 1
        }
        let seconds = (ContinuousClock.now - t0).seconds
        try await connection.write("QUIT\r\n")
        _ = try await status("QUIT")
        return (count, bytes, seconds)
    }
    emit(
        .pop3Retr,
        [
            "messages": "\(messages)", "bytes": "\(bytes)", "seconds": fixed(seconds, 3),
            "mb_per_second": fixed(seconds > 0 ? Double(bytes) / 1e6 / seconds : 0, 2),
        ], cpu0: cpu0)
}
