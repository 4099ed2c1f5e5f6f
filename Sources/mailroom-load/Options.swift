// Options: the command line of mailroom-load, parsed once into typed values.
//
// Invariants:
// - The scenario is a typed `Scenario`; an unknown scenario or argument, a missing value or a non-positive
//   count is reported on stderr with exit status 2 before anything connects.
// - Options a scenario did not get keep `nil` where the default depends on the scenario (port, connections,
//   size), so each scenario picks its own default in one place.

import Foundation

/// The scenarios this tool runs (the first non-option argument).
enum Scenario: String, CaseIterable, Sendable {
    case smtpSubmit = "smtp-submit"
    case imapAppend = "imap-append"
    case imapFetchFlags = "imap-fetch-flags"
    case imapFetchBodies = "imap-fetch-bodies"
    case imapSearch = "imap-search"
    case imapIdlePush = "imap-idle-push"
    case idleMemory = "idle-memory"
    case imapLogin = "imap-login"
    case pop3Retr = "pop3-retr"
}

/// A user name and password for LOGIN, AUTH PLAIN or USER/PASS.
struct Credentials: Sendable {
    var user: String
    var password: String
}

struct Options: Sendable {
    var scenario: Scenario?
    var host = "127.0.0.1"
    /// nil: the scenario's protocol default (25, 143/993, 110/995).
    var port: Int?
    var messages = 1000
    /// nil: the scenario's default (8 for most; 1 for imap-fetch-bodies; 100 for idle-memory).
    var connections: Int?
    var starttls = false
    /// --tls: implicit TLS (imaps, pop3s) without certificate verification.
    var tls = false
    /// --auth, repeatable: connections use them round-robin.
    var auths: [Credentials] = []
    var mailbox = "INBOX"
    var repeats = 1
    var query = ""
    var clients = 10
    var serverPID: Int32?
    var settleSeconds = 3.0
    var from = "load@example.test"
    var to: [String] = []
    /// nil: 4096 (512 for the messages of imap-idle-push).
    var size: Int?

    /// The first --auth, for the SMTP scenario.
    var auth: (String, String)? { auths.first.map { ($0.user, $0.password) } }

    /// Credentials for connection number `index` (round-robin over --auth).
    func credentials(_ index: Int) -> Credentials {
        guard !auths.isEmpty else { fail("this scenario needs --auth user:password") }
        return auths[index % auths.count]
    }

    /// --port, or the protocol's default for plain or implicit-TLS.
    func port(plain: Int, tls tlsPort: Int) -> Int {
        port ?? (tls ? tlsPort : plain)
    }

    static func parse(_ args: [String]) -> Options {
        var o = Options()
        var i = 0
        func value() -> String {
            i += 1
            guard i < args.count else { fail("missing value after \(args[i - 1])") }
            return args[i]
        }
        func positive() -> Int {
            let name = args[i]
            guard let n = Int(value()), n > 0 else { fail("\(name) takes a positive number") }
            return n
        }
        while i < args.count {
            switch args[i] {
            case "--host": o.host = value()
            case "--port": o.port = positive()
            case "--messages": o.messages = positive()
            case "--connections": o.connections = positive()
            case "--starttls": o.starttls = true
            case "--tls": o.tls = true
            case "--auth":
                let v = value()
                guard let colon = v.firstIndex(of: ":") else { fail("--auth takes user:password") }
                o.auths.append(Credentials(user: String(v[..<colon]), password: String(v[v.index(after: colon)...])))
            case "--mailbox": o.mailbox = value()
            case "--repeat": o.repeats = positive()
            case "--query": o.query = value()
            case "--clients": o.clients = positive()
            case "--server-pid":
                guard let pid = Int32(value()), pid > 0 else { fail("--server-pid takes a process id") }
                o.serverPID = pid
            case "--settle-seconds":
                guard let s = Double(value()), s >= 0 else { fail("--settle-seconds takes a number of seconds") }
                o.settleSeconds = s
            case "--from": o.from = value()
            case "--to": o.to.append(value())
            case "--size": o.size = positive()
            default:
                if o.scenario == nil, !args[i].hasPrefix("-") {
                    guard let scenario = Scenario(rawValue: args[i]) else {
                        let known = Scenario.allCases.map(\.rawValue).joined(separator: ", ")
                        fail("unknown scenario \"\(args[i])\"; known: \(known)")
                    }
                    o.scenario = scenario
                } else {
                    fail("unknown argument \(args[i])")
                }
            }
            i += 1
        }
        return o
    }
}

func fail(_ text: String) -> Never {
    FileHandle.standardError.write(Data("mailroom-load: \(text)\n".utf8))
    exit(2)
}
