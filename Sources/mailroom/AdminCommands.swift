// Admin commands: domains, users, aliases, app passwords. They open the same data directory as a
// running `serve` (SQLite WAL allows it), so they work while the server runs.

import ArgumentParser
import Config
import Directory
import Foundation
import MailStore

/// The config, store and directory an admin command works on.
struct AdminContext {
    let config: MailroomConfig
    let store: MailStore
    let directory: Directory

    static func open(_ options: ConfigOptions) async throws -> AdminContext {
        let config = try MailroomConfig.load(path: options.path)
        let store = try await MailStore.open(dataDirectory: URL(fileURLWithPath: config.dataDirectory))
        return AdminContext(config: config, store: store, directory: Directory(store: store))
    }

    func close() async {
        try? await store.close()
    }

    static func with(_ options: ConfigOptions, _ body: (AdminContext) async throws -> Void) async throws {
        try await reportingErrors {
            let ctx = try await open(options)
            do {
                try await body(ctx)
            } catch {
                await ctx.close()
                throw error
            }
            await ctx.close()
        }
    }
}

/// Reads a password from `--password`, or from stdin with `--password-stdin`; nil if neither.
struct PasswordOptions: ParsableArguments {
    @Option(help: "The password (visible in the process list; prefer --password-stdin).")
    var password: String?

    @ArgumentParser.Flag(help: "Read the password from the first line of standard input.")
    var passwordStdin = false

    func read() throws -> String? {
        if passwordStdin {
            guard let line = readLine(strippingNewline: true) else {
                throw ValidationError("--password-stdin was given but standard input is empty.")
            }
            return line
        }
        return password
    }

    func validate() throws {
        if password != nil && passwordStdin {
            throw ValidationError("Give either --password or --password-stdin, not both.")
        }
    }
}

// MARK: - domain

struct DomainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "domain", abstract: "Add, list or remove the domains this server receives mail for.",
        subcommands: [Add.self, List.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Host a domain.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The domain name, e.g. example.com.") var name: String

        func run() async throws {
            try await AdminContext.with(options) { ctx in
                let d = try await ctx.directory.addDomain(name)
                say("Added domain \(d.name).")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List hosted domains.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await AdminContext.with(options) { ctx in
                for d in try await ctx.directory.domains() { say(d.name) }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop hosting a domain (it must have no accounts).")
        @OptionGroup var options: ConfigOptions
        @Argument var name: String

        func run() async throws {
            try await AdminContext.with(options) { ctx in
                try await ctx.directory.removeDomain(name)
                say("Removed domain \(name.lowercased()).")
            }
        }
    }
}

// MARK: - user

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage mail accounts.",
        subcommands: [Add.self, List.self, Show.self, Passwd.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an account (with INBOX, Drafts, Sent, Trash, Junk and Archive).")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The address, e.g. alice@example.com.") var address: String
        @OptionGroup var password: PasswordOptions
        @Option(help: "The person's display name.") var name: String?
        @Option(help: "Storage quota, e.g. 2GB (default: none).") var quota: String?

        func run() async throws {
            try await AdminContext.with(options) { ctx in
                let quotaBytes = try quota.map { text -> Int64 in
                    guard let n = ByteSize.parse(text) else {
                        throw ValidationError("--quota \"\(text)\" is not a size; write it like 500MB or 2GB.")
                    }
                    return Int64(n)
                }
                let given = try password.read()
                let secret = given ?? PasswordHashing.generatePassword()
                let account = try await ctx.directory.addUser(
                    address: address, password: secret, displayName: name, quotaBytes: quotaBytes)
                say("Added \(account.address).")
                if given == nil { say("Password: \(secret)") }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts.")
        @OptionGroup var options: ConfigOptions
        @Option(help: "Only accounts of this domain.") var domain: String?

        func run() async throws {
            try await AdminContext.with(options) { ctx in
                for a in try await ctx.directory.users(domain: domain) {
                    say([a.address, a.displayName ?? ""].joined(separator: "\t"))
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an account, its mailboxes and usage.")
        @OptionGroup var options: ConfigOptions
        @Argument var address: String

        func run() async throws {
            try await AdminContext.with(options) { ctx in
                guard let a = try await ctx.directory.user(address) else {
                    throw DirectoryError.unknownUser(address)
                }
                let usage = try await ctx.store.quota(account: a.id)
                say("Address:   \(a.address)")
                say("Name:      \(a.displayName ?? "-")")
                say("Quota:     \(a.quotaBytes.map { ByteSize.format(Int($0)) } ?? "none")")
                say("Used:      \(ByteSize.format(Int(usage.bytes))) in \(usage.messages) messages")
                say("Created:   \(ISO8601DateFormatter().string(from: a.createdAt))")
                let apps = try await ctx.store.appPasswords(account: a.id)
                say("App passwords: \(apps.isEmpty ? "none" : apps.map(\.label).joined(separator: ", "))")
                say("Mailboxes:")
                for m in try await ctx.store.mailboxes(account: a.id) {
                    let use = m.specialUse.map { " (\($0.rawValue))" } ?? ""
                    say("  \(m.name)\(use): \(m.messageCount) messages")
                }
            }
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set an account's password (a new random one if none is given).")
        @OptionGroup var options: ConfigOptions
        @Argument var address: String
        @OptionGroup var password: PasswordOptions

        func run() async throws {
            try await AdminContext.with(options) { ctx in
                let given = try password.read()
                let secret = given ?? PasswordHashing.generatePassword()
                try await ctx.directory.setPassword(address: address, password: secret)
                say("Password changed for \(address.lowercased()).")
                if given == nil { say("Password: \(secret)") }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an account and all its mail.")
        @OptionGroup var options: ConfigOptions
        @Argument var address: String

        func run() async throws {
            try await AdminContext.with(options) { ctx in
                try await ctx.directory.removeUser(address)
                say("Removed \(address.lowercased()).")
            }
        }
    }
}

// MARK: - alias

struct AliasCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alias", abstract: "Manage aliases (name@domain, or @domain for a catch-all).",
        subcommands: [Add.self, List.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deliver mail for ALIAS to one or more targets.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The alias: sales@example.com, or @example.com for a catch-all.") var alias: String
        @Argument(help: "Target addresses, local or external.") var targets: [String]

        func run() async throws {
            try await AdminContext.with(options) { ctx in
                let a = try await ctx.directory.addAlias(alias, targets: targets)
                say("Added alias \(a.alias) -> \(a.targets.joined(separator: ", ")).")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List aliases.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await AdminContext.with(options) { ctx in
                for a in try await ctx.directory.aliases() {
                    say("\(a.alias)\t\(a.targets.joined(separator: ","))")
                }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an alias.")
        @OptionGroup var options: ConfigOptions
        @Argument var alias: String

        func run() async throws {
            try await AdminContext.with(options) { ctx in
                try await ctx.directory.removeAlias(alias)
                say("Removed alias \(alias.lowercased()).")
            }
        }
    }
}

// MARK: - app-password

struct AppPasswordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "app-password",
        abstract: "Per-device passwords: each works in place of the account password and can be revoked alone.",
        subcommands: [Add.self, List.self, Revoke.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an app password; it is shown once.")
        @OptionGroup var options: ConfigOptions
        @Argument var address: String
        @Option(help: "What it is for, e.g. \"Alice's phone\".") var label: String

        func run() async throws {
            try await AdminContext.with(options) { ctx in
                let (record, secret) = try await ctx.directory.addAppPassword(address: address, label: label)
                say("App password \"\(record.label)\" for \(address.lowercased()): \(secret)")
                say("It is shown only now; type it into the device instead of the account password.")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List an account's app passwords.")
        @OptionGroup var options: ConfigOptions
        @Argument var address: String

        func run() async throws {
            try await AdminContext.with(options) { ctx in
                let f = ISO8601DateFormatter()
                for p in try await ctx.directory.appPasswords(address: address) {
                    let used = p.lastUsedAt.map { f.string(from: $0) } ?? "never"
                    say("\(p.label)\tcreated \(f.string(from: p.createdAt))\tlast used \(used)")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an app password.")
        @OptionGroup var options: ConfigOptions
        @Argument var address: String
        @Argument var label: String

        func run() async throws {
            try await AdminContext.with(options) { ctx in
                try await ctx.directory.revokeAppPassword(address: address, label: label)
                say("Revoked app password \"\(label)\" of \(address.lowercased()).")
            }
        }
    }
}
