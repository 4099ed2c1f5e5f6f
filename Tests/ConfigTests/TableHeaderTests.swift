// Table headers, date values and braces in arrays toml++ 3.4 would abort on (asserts kept in release builds): the parser refuses them
// with an error on their line instead. Found by Fuzz/FuzzConfig (Fuzz/corpus/FuzzConfig/regress-*).

import Testing

@testable import Config

struct TableHeaderTests {
    /// Headers whose key starts with a character that cannot start a key, and the line they are on.
    static let malformed: [(String, Int)] = [
        ("[\n", 1),
        ("[::1]:993\n", 1),
        ("hostname = \"a.test\"\n\n[[ :]]\n", 3),
        ("[listen]\nsmtp = \"127.0.0.1:25\"\n[#x]\n", 3),
        ("[\u{E9}]\n", 1),
        ("[\t\n[a]\n", 1),
        ("\u{FEFF}[$ns]\n", 1),  // after a byte order mark (toml++ skips it)
        // A '}' where an array expects a value (toml++ hands it to parse_value, which asserts).
        ("S=[}", 1),
        ("[limits]\na = [ } ]\n", 2),
        ("a = [1,\n  # c\n  }]\n", 3),
        ("a = [[1], [ }]]\n", 1),
    ]

    @Test(arguments: malformed)
    func refusesHeaderWithoutKey(_ toml: String, _ line: Int) {
        #expect {
            try MailroomConfig.parse(text: toml, fileName: "m.toml", baseDirectory: "/")
        } throws: { error in
            guard let error = error as? ConfigError, let issue = error.issues.first else { return false }
            return error.issues.count == 1 && issue.line == line && issue.key == nil
                && issue.message.hasPrefix("TOML syntax error")
        }
    }

    /// Well-formed headers and brackets that are not headers (nested arrays, strings) are still toml++'s to read.
    @Test func keepsValidDocuments() throws {
        let valid = """
            [ listen ]
            smtp = "127.0.0.1:25"
            [ "delivery" . routes ]
            "a.example" = "192.0.2.1"
            """
        let config = try MailroomConfig.parse(text: valid, fileName: "m.toml", baseDirectory: "/")
        #expect(config.listen[.smtp] == HostPort(host: "127.0.0.1", port: 25))
        #expect(config.delivery.routes["a.example"] == HostPort(host: "192.0.2.1", port: 25))
        #expect(KeyLocator(source: "a = [\n  [\n    1\n  ]\n]\nb = \"\"\"\n[:\n\"\"\"\n").malformedHeaderLine == nil)
        #expect(KeyLocator(source: "[a]\n[ ]\n['b']\n").malformedHeaderLine == nil)
        // Braces inside arrays that are inline tables or strings are fine.
        for ok in ["a = [{ b = 1 }, { c = \"}\" }]\n", "a = [\"}\", '}', \"\"\"}\"\"\"]\n", "a = [ # }\n 1 ]\n"] {
            #expect(KeyLocator(source: ok).misplacedBraceInArrayLine == nil, "\(ok)")
        }
    }
}

/// Date and time values: no key takes one, and toml++ 3.4 asserts on some malformed ones, so the parser refuses
/// them with the key's line before toml++ reads the file (Fuzz/corpus/FuzzConfig/regress-date-time-question-mark).
struct DateTimeValueTests {
    static let cases: [(String, Int, String)] = [
        ("[limits]\nlogin_timeout = 1979-05-27T?07:32:00Z\n", 2, "limits.login_timeout"),
        ("a = 1979-05-27\n", 1, "a"),
        ("hostname = \"a.test\"\n[dns]\nservers = [\n  \"127.0.0.1\",\n  07:32:00,\n]\n", 5, "dns.servers[1]"),
        ("x = { y = 2024-01-01T00:00:00Z }\n", 1, "x.y"),
    ]

    @Test(arguments: cases)
    func refusesDateTimeValues(_ toml: String, _ line: Int, _ key: String) {
        #expect {
            try MailroomConfig.parse(text: toml, fileName: "m.toml", baseDirectory: "/")
        } throws: { error in
            guard let error = error as? ConfigError, let issue = error.issues.first else { return false }
            return error.issues.count == 1 && issue.line == line && issue.key == key
                && issue.message.contains("date or time")
        }
    }

    /// Numbers, strings and comments that contain digits and "-" or ":" are not dates.
    @Test func keepsOtherValues() throws {
        let toml = """
            [limits]
            recipients = 1_000  # 2024-01-01
            [delivery]
            relay_username = "1979-05-27T07:32:00Z"
            relay_password_file = "12:30"
            """
        let config = try MailroomConfig.parse(text: toml, fileName: "m.toml", baseDirectory: "/")
        #expect(config.limits.recipients == 1000)
        #expect(config.delivery.relayUsername == "1979-05-27T07:32:00Z")
    }
}
