// ConfigError: why a config file was refused. Every issue names the file, the line (when the key or the
// syntax error has one) and the dotted key, and says what would be valid. Issues are sorted by line.

/// One or more problems in a config file; the server does not start with any of them.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Issue: Sendable, Equatable, CustomStringConvertible {
        /// 1-based line in the file, when known.
        public var line: Int?
        /// Dotted key, e.g. `listen.imaps` or `delivery.routes."partner.example"`; nil for syntax errors.
        public var key: String?
        /// What is wrong and what would be valid.
        public var message: String

        public init(line: Int?, key: String?, message: String) {
            self.line = line
            self.key = key
            self.message = message
        }

        public var description: String {
            [key, message].compactMap { $0 }.joined(separator: ": ")
        }
    }

    /// The file name as the user gave it (or `<dev>` / `<text>`).
    public var fileName: String
    public var issues: [Issue]

    public init(fileName: String, issues: [Issue]) {
        self.fileName = fileName
        self.issues = issues.sorted { ($0.line ?? 0, $0.key ?? "") < ($1.line ?? 0, $1.key ?? "") }
    }

    /// One line per issue: `mailroom.toml:7: listen.imaps: "…" is not a valid address; expected …`.
    public var description: String {
        issues.map { issue in
            let location = issue.line.map { "\(fileName):\($0)" } ?? fileName
            return "\(location): \(issue)"
        }.joined(separator: "\n")
    }
}
