import Testing

@testable import Config

/// Every way a config file can be wrong: each must name the file, the line and the dotted key.
struct ConfigErrorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var toml: String
        var line: Int?
        var key: String?
        /// Text the message must contain (what would be valid).
        var mentions: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "syntax error", toml: "hostname = \"a.test\"\n\n[listen\nsmtp = \"x\"\n", line: 3, key: nil,
            mentions: "TOML syntax error"),
        Case(
            name: "unknown top-level key with suggestion", toml: "hostname = \"a.test\"\nhostnme = \"b\"\n", line: 2,
            key: "hostnme", mentions: "did you mean \"hostname\"?"),
        Case(
            name: "unknown table", toml: "\n[listne]\nsmtp = \"127.0.0.1:25\"\n", line: 2, key: "listne",
            mentions: "did you mean \"listen\"?"),
        Case(
            name: "unknown key in sub-table", toml: "[listen]\nsmtp = \"127.0.0.1:25\"\nimapz = \"127.0.0.1:993\"\n",
            line: 3, key: "listen.imapz", mentions: "Valid keys in [listen]: smtp, submission"),
        Case(
            name: "unknown key in nested table", toml: "[delivery]\nmx_port = 25\n[imap]\nidle = \"2m\"\n", line: 4,
            key: "imap.idle", mentions: "Valid keys in [imap]: idle_keepalive"),
        Case(
            name: "unknown dotted key", toml: "limits.message_sise = \"1MB\"\n", line: 1, key: "limits.message_sise",
            mentions: "did you mean \"message_size\"?"),
        Case(
            name: "port out of range", toml: "[listen]\n\n\n\n\n\nimaps = \"127.0.0.1:99999\"\n", line: 7,
            key: "listen.imaps",
            mentions: "\"127.0.0.1:99999\" is not a valid address; expected HOST:PORT with port 1-65535"),
        Case(
            name: "missing port", toml: "[listen]\nsmtp = \"127.0.0.1\"\n", line: 2, key: "listen.smtp",
            mentions: "expected HOST:PORT"),
        Case(
            name: "IPv6 without brackets", toml: "[listen]\nimap = \"::1:143\"\n", line: 2, key: "listen.imap",
            mentions: "[::1]:993"),
        Case(
            name: "listener as integer", toml: "[listen]\nsmtp = 25\n", line: 2, key: "listen.smtp",
            mentions: "an integer (25) is not valid here"),
        Case(
            name: "same address twice", toml: "[listen]\nimap = \"127.0.0.1:143\"\nimaps = \"127.0.0.1:143\"\n",
            line: 3, key: "listen.imaps", mentions: "already used by listen.imap"),
        Case(
            name: "listen is not a table", toml: "listen = \"127.0.0.1:25\"\n", line: 1, key: "listen",
            mentions: "expected a table"),
        Case(
            name: "bad hostname", toml: "hostname = \"mail example\"\n", line: 1, key: "hostname",
            mentions: "expected a domain name"),
        Case(
            name: "tls cert without key", toml: "[tls]\ncert = \"c.pem\"\n", line: 1, key: "tls.key",
            mentions: "go together"),
        Case(
            name: "tls key without cert", toml: "[tls]\n\nkey = \"k.pem\"\n", line: 1, key: "tls.cert",
            mentions: "go together"),
        Case(
            name: "bad size unit", toml: "[limits]\nmessage_size = \"25XB\"\n", line: 2, key: "limits.message_size",
            mentions: "KB, MB or GB"),
        Case(
            name: "size out of range", toml: "[limits]\nmessage_size = \"8GB\"\n", line: 2,
            key: "limits.message_size", mentions: "expected 1KB to 4GB"),
        Case(
            name: "integer as string", toml: "[limits]\nrecipients = \"100\"\n", line: 2, key: "limits.recipients",
            mentions: "expected an integer from 1 to 100000"),
        Case(
            name: "integer out of range", toml: "[limits]\nconnections_per_ip = 0\n", line: 2,
            key: "limits.connections_per_ip", mentions: "0 is out of range; expected 1-100000"),
        Case(
            name: "line length under the RFC minimum", toml: "[limits]\nsmtp_line_length = 512\n", line: 2,
            key: "limits.smtp_line_length", mentions: "expected 1000 to 1MB"),
        Case(
            name: "bad duration", toml: "[imap]\nidle_keepalive = \"2 minutes\"\n", line: 2,
            key: "imap.idle_keepalive", mentions: "like \"30s\", \"2m\", \"1h30m\" or \"5d\""),
        Case(
            name: "duration as integer", toml: "[imap]\nidle_keepalive = 120\n", line: 2, key: "imap.idle_keepalive",
            mentions: "expected a duration string"),
        Case(
            name: "keepalive past the autologout timer", toml: "[imap]\nidle_keepalive = \"30m\"\n", line: 2,
            key: "imap.idle_keepalive", mentions: "expected 10s to 29m"),
        Case(
            name: "SMTP command timeout out of range", toml: "[limits]\nsmtp_command_timeout = \"1s\"\n", line: 2,
            key: "limits.smtp_command_timeout", mentions: "expected 2s to 1h"),
        Case(
            name: "bad enum", toml: "[pop3]\ndeletes = \"purge\"\n", line: 2, key: "pop3.deletes",
            mentions: "expected \"expunge\" or \"keep\""),
        Case(
            name: "bad delivery tls", toml: "[delivery]\ntls = \"always\"\n", line: 2, key: "delivery.tls",
            mentions: "expected \"opportunistic\" or \"required\""),
        Case(
            name: "mx_port out of range", toml: "[delivery]\nmx_port = 70000\n", line: 2, key: "delivery.mx_port",
            mentions: "expected 1-65535"),
        Case(
            name: "delay notice after lifetime", toml: "[delivery]\nlifetime = \"1d\"\ndelay_notice = \"2d\"\n",
            line: 3, key: "delivery.delay_notice", mentions: "expected 0s to 1d"),
        Case(
            name: "bad relay", toml: "[delivery]\nrelay = \"smtp.example:0\"\n", line: 2, key: "delivery.relay",
            mentions: "port 1-65535"),
        Case(
            name: "bad route target", toml: "[delivery.routes]\n\"partner.example\" = \"10.0.0.5:abc\"\n", line: 2,
            key: "delivery.routes.\"partner.example\"", mentions: "is not a valid address"),
        Case(
            name: "bad route domain", toml: "[delivery.routes]\n\"bad domain\" = \"10.0.0.5:25\"\n", line: 2,
            key: "delivery.routes.\"bad domain\"", mentions: "is not a domain name"),
        Case(
            name: "route in inline table", toml: "[delivery]\nroutes = { \"a.example\" = 25 }\n", line: 2,
            key: "delivery.routes.\"a.example\"", mentions: "is not valid here"),
        Case(
            name: "dns servers not an array", toml: "[dns]\nservers = \"127.0.0.1\"\n", line: 2, key: "dns.servers",
            mentions: "expected an array"),
        Case(
            name: "dns server element on its own line",
            toml: "[dns]\nservers = [\n  \"127.0.0.1\",\n  \"resolver.example\",\n]\n",
            line: 4, key: "dns.servers[1]", mentions: "expected an IP address"),
        Case(
            name: "multi-line string does not confuse lines",
            toml: "hostname = \"a.test\"\n[tls]\n# cert = \"\"\"\n[limits]\nrecipients = -1\n", line: 5,
            key: "limits.recipients", mentions: "out of range"),
        Case(
            name: "key after a multi-line literal string", toml: "hostname = '''\nx\n'''\n[pop3]\ndeletes = 1\n",
            line: 1,
            key: "hostname", mentions: "expected a domain name"),
    ]

    @Test(arguments: cases)
    func reportsFileLineAndKey(_ testCase: Case) throws {
        let error = #expect(throws: ConfigError.self) {
            try MailroomConfig.parse(text: testCase.toml, fileName: "mailroom.toml", baseDirectory: "/srv/mail")
        }
        let issue = try #require(error?.issues.first)
        #expect(issue.line == testCase.line)
        #expect(issue.key == testCase.key)
        #expect(issue.message.contains(testCase.mentions), "\(issue.message)")
        let description = error?.description ?? ""
        let prefix = testCase.line.map { "mailroom.toml:\($0): " } ?? "mailroom.toml: "
        #expect(description.hasPrefix(prefix + (testCase.key.map { "\($0): " } ?? "")), "\(description)")
    }

    @Test func exampleFromTheDesignReadsAsPromised() throws {
        let toml =
            "hostname = \"mail.example.test\"\n\n[listen]\nsmtp = \"127.0.0.1:2525\"\n\n\nimaps = \"127.0.0.1:99999\"\n"
        let error = #expect(throws: ConfigError.self) {
            try MailroomConfig.parse(text: toml, fileName: "mailroom.toml", baseDirectory: "/")
        }
        #expect(
            error?.description
                == "mailroom.toml:7: listen.imaps: \"127.0.0.1:99999\" is not a valid address; expected HOST:PORT with port 1-65535, like \"127.0.0.1:25\" or \"[::1]:993\""
        )
    }

    @Test func everyIssueIsReportedInLineOrder() throws {
        let toml = "[limits]\nrecipients = 0\n[listen]\nsmtp = \"x\"\n[bogus]\n"
        let error = #expect(throws: ConfigError.self) {
            try MailroomConfig.parse(text: toml, fileName: "m.toml", baseDirectory: "/")
        }
        #expect(error?.issues.map(\.line) == [2, 4, 5])
        #expect(error?.issues.map(\.key) == ["limits.recipients", "listen.smtp", "bogus"])
    }

    @Test func missingFileSaysHowToCreateOne() throws {
        let error = #expect(throws: ConfigError.self) {
            try MailroomConfig.load(path: "/nonexistent-dir-for-mailroom-tests/mailroom.toml")
        }
        #expect(error?.description.contains("does not exist") == true)
        #expect(error?.description.contains("mailroom init") == true)
    }

    @Test func hostnameIsRequiredOnlyToServe() throws {
        let config = try MailroomConfig.parse(text: "", fileName: "m.toml", baseDirectory: "/")
        #expect(config.hostname == nil)
        let error = #expect(throws: ConfigError.self) { try config.requireHostname() }
        #expect(error?.description.hasPrefix("m.toml: hostname: missing") == true)
    }

    @Test func suggestionsOnlyForNearMisses() {
        #expect(Suggestion.closest(to: "lisetn", among: Schema.topLevel) == "listen")
        #expect(Suggestion.closest(to: "data-dir", among: Schema.topLevel) == "data_dir")
        #expect(Suggestion.closest(to: "Hostname", among: Schema.topLevel) == "hostname")
        #expect(Suggestion.closest(to: "colour", among: Schema.topLevel) == nil)
        #expect(Suggestion.closest(to: "tsl", among: Schema.topLevel) == "tls")
    }
}
