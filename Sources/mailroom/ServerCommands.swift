// `serve`, `dev` and `init`.

import ArgumentParser
import Config
import Directory
import Foundation
import MailStore

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run every listener named in the config until SIGTERM or SIGINT.")
    @OptionGroup var options: ConfigOptions

    func run() async throws {
        try await reportingErrors {
            let config = try MailroomConfig.load(path: options.path)
            try await ServerRuntime(config: config).run(banner: nil)
        }
    }
}

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a commented starter config; save it as mailroom.toml and edit it.")
    @Option(help: "The server's public host name, e.g. mail.example.com.") var hostname: String

    func run() async throws {
        try await reportingErrors {
            guard DomainName.isValid(hostname) else {
                throw ValidationError("\"\(hostname)\" is not a host name; give one like mail.example.com.")
            }
            FileHandle.standardOutput.write(Data(MailroomConfig.starterTemplate(hostname: hostname).utf8))
        }
    }
}

struct Dev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A demo server in one command: domain example.test, user demo@example.test, dev ports.")
    @Option(help: "The data directory (default: ./mailroom-data).") var data: String = ConfigDefaults.devDataDirectory

    func run() async throws {
        try await reportingErrors {
            let dir = URL(fileURLWithPath: data).standardizedFileURL
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let configURL = dir.appendingPathComponent(ConfigDefaults.fileName)
            if !FileManager.default.fileExists(atPath: configURL.path) {
                try Self.devConfigText().write(to: configURL, atomically: true, encoding: .utf8)
            }
            let config = try MailroomConfig.load(path: configURL.path)
            let password = try await Self.prepareDemoAccount(config: config, directory: dir)
            let banner = Self.banner(config: config, password: password, configPath: configURL.path)
            try await ServerRuntime(config: config).run(banner: banner)
        }
    }

    static let demoAddress = "demo@\(ConfigDefaults.devDomain)"

    /// The dev config: every listener on 127.0.0.1 at the dev ports, data in the same directory.
    static func devConfigText() -> String {
        var text = """
            # Written by `mailroom dev`. Every admin command takes --config with this file's path.
            hostname = "\(ConfigDefaults.devHostname)"
            data_dir = "."

            [listen]

            """
        for kind in ListenerKind.allCases {
            guard let port = ConfigDefaults.devPorts[kind] else { continue }
            text += "\(kind.rawValue) = \"\(ConfigDefaults.devListenHost):\(port)\"\n"
        }
        return text
    }

    /// Creates example.test and demo@example.test on first run; the demo password is kept in
    /// `demo-password` (mode 0600) so every later run prints the same one.
    static func prepareDemoAccount(config: MailroomConfig, directory: URL) async throws -> String {
        let store = try await MailStore.open(dataDirectory: URL(fileURLWithPath: config.dataDirectory))
        let dir = Directory(store: store)
        let passwordFile = directory.appendingPathComponent("demo-password")
        do {
            if try await dir.domains().contains(where: { $0.name == ConfigDefaults.devDomain }) == false {
                try await dir.addDomain(ConfigDefaults.devDomain)
            }
            var password = (try? String(contentsOf: passwordFile, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if password?.isEmpty ?? true {
                password = PasswordHashing.generatePassword()
                FileManager.default.createFile(
                    atPath: passwordFile.path, contents: Data((password! + "\n").utf8),
                    attributes: [.posixPermissions: 0o600])
            }
            if try await dir.user(demoAddress) == nil {
                try await dir.addUser(address: demoAddress, password: password!, displayName: "Demo User")
            } else {
                try await dir.setPassword(address: demoAddress, password: password!)
            }
            try await store.close()
            return password!
        } catch {
            try? await store.close()
            throw error
        }
    }

    static func banner(config: MailroomConfig, password: String, configPath: String) -> String {
        func port(_ k: ListenerKind) -> String { config.listen[k].map { String($0.port) } ?? "-" }
        func serves(_ k: ListenerKind) -> Bool { config.listen[k] != nil && ServerRuntime.implemented.contains(k) }
        let host = ConfigDefaults.devListenHost
        // Only what really answers: a client pointed at a port that is not served would just fail.
        var incoming: [String] = []
        if serves(.imaps) || serves(.imap) {
            incoming.append("IMAP  \(host) port \(port(.imaps)) SSL/TLS   (or port \(port(.imap)) STARTTLS)")
        }
        if serves(.pop3s) || serves(.pop3) {
            incoming.append("POP3  \(host) port \(port(.pop3s)) SSL/TLS   (or port \(port(.pop3)) STARTTLS)")
        }
        let incomingText =
            incoming.isEmpty
            ? "  Incoming    (IMAP and POP3 are not built yet: mail is stored and waits for them)"
            : "  Incoming    " + incoming.joined(separator: "\n              ")
        return """

            Mailroom is running (development mode).

              Account     \(demoAddress)
              Password    \(password)

            Point a mail client (Thunderbird, Apple Mail, Outlook, a phone) at it:
            \(incomingText)
              Outgoing    SMTP  \(host) port \(port(.submissions)) SSL/TLS   (or port \(port(.submission)) STARTTLS)
              Username    \(demoAddress) (the whole address)
            The certificate is self-signed: accept it once when the client asks.
            Mail from the internet side: SMTP \(host) port \(port(.smtp)) (try: swaks --to \(demoAddress) --server \(host):\(port(.smtp)))

            Add people while it runs:
              mailroom user add bob@\(ConfigDefaults.devDomain) --config \(configPath)

            Stop with Ctrl-C.

            """
    }
}
