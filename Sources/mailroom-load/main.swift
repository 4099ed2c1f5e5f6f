// mailroom-load: the project's own load generator (benchmarks, not tests). It speaks the protocols on
// SwiftNIO, so that one process can drive a server hard on 2 cores, and it reports its own CPU time so that a
// reader can see whether the client was the bottleneck. The IMAP and POP3 scenarios use only standard protocol
// (RFC 3501 + IDLE + LITERAL+ when advertised; RFC 1939 + RFC 2449), so they measure any server the same way.
//
//   mailroom-load smtp-submit --port 2587 --messages 2000 --connections 8 [--starttls] [--auth user:pass]
//       --from a@example.test --to b@remote.test [--to ...]
//   mailroom-load imap-append --auth u:p --messages N [--connections 8] [--size 4096]
//   mailroom-load imap-fetch-flags --auth u:p [--repeat R]
//   mailroom-load imap-fetch-bodies --auth u:p [--connections 1]
//   mailroom-load imap-search --auth u:p --query 'TEXT zyzzyva' [--repeat R]
//   mailroom-load imap-idle-push --auth u:p --clients K --messages M [--size 512]
//   mailroom-load idle-memory --auth u:p --connections N --server-pid PID [--settle-seconds 3]
//   mailroom-load imap-login --auth u:p --messages N [--connections 8]
//   mailroom-load pop3-retr --auth u:p
//
// Common options: --host (127.0.0.1), --port (25 / 143 / 110, or 993 / 995 with --tls), --tls (implicit TLS,
// the certificate is not verified: loopback benchmarking only), --auth user:pass (repeatable; connections use
// the users round-robin), --mailbox NAME (INBOX), --connections C, --messages N, --repeat R (1).
//
// Output: one line of `key=value` pairs on stdout (machine-readable for scripts/bench-*), always ending with
// client_cpu_s; on any failure (NO/BAD/-ERR, disconnect, count mismatch, timeout) a message on stderr and a
// non-zero exit status. For example:
//   scenario=smtp-submit messages=2000 accepted=2000 failed=0 seconds=3.21 per_second=623.1 p50_ms=11.8 p99_ms=35.0 client_cpu_s=0.9
//   scenario=imap-append messages=N connections=C seconds= per_second= p50_ms= p99_ms= client_cpu_s=
//   scenario=imap-fetch-flags messages= repeats= seconds=(median) per_second= p50_ms= p99_ms= client_cpu_s=
//       (timed from sending SELECT to the tagged OK of UID FETCH 1:* (UID FLAGS), a fresh login per repeat)
//   scenario=imap-fetch-bodies messages= bytes= connections= seconds= mb_per_second=(10^6 bytes/s) client_cpu_s=
//       (timed from the FETCH commands, after LOGIN and SELECT, to the last tagged OK)
//   scenario=imap-search query=TEXT_zyzzyva hits= repeats= p50_ms= p99_ms= client_cpu_s=
//   scenario=imap-idle-push clients= messages= p50_ms= p99_ms= max_ms= client_cpu_s=
//   scenario=idle-memory connections= pss_before_kb= pss_after_kb= per_connection_kb= process_count_after=
//       client_cpu_s=
//   scenario=imap-login logins= connections= seconds= per_second= p50_ms= p99_ms= client_cpu_s=
//   scenario=pop3-retr messages= bytes= seconds= mb_per_second= client_cpu_s=

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
raiseFileLimit()
SilenceWatchdog.start()
do {
    switch options.scenario {
    case .smtpSubmit: try await smtpSubmit(options)
    case .imapAppend: try await imapAppend(options)
    case .imapFetchFlags: try await imapFetchFlags(options)
    case .imapFetchBodies: try await imapFetchBodies(options)
    case .imapSearch: try await imapSearch(options)
    case .imapIdlePush: try await imapIdlePush(options)
    case .idleMemory: try await idleMemory(options)
    case .imapLogin: try await imapLogin(options)
    case .pop3Retr: try await pop3Retr(options)
    case nil: fail("no scenario; known: " + Scenario.allCases.map(\.rawValue).joined(separator: ", "))
    }
} catch {
    fail("\(error)")
}
