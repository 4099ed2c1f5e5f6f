// The `mailroom` command line (DESIGN §6.1): the composition root.
//
// Every command takes `--config FILE`; without it `$MAILROOM_CONFIG`, then `./mailroom.toml`.
// Errors go to stderr as one sentence a person can act on, with a non-zero exit status.

import ArgumentParser
import Foundation

@main
struct Mailroom: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mailroom",
        abstract: "A mail and groupware server: SMTP, IMAP, POP3, CalDAV/CardDAV in one program.",
        subcommands: [
            Dev.self, Serve.self, Init.self, DomainCommand.self, UserCommand.self, AliasCommand.self,
            AppPasswordCommand.self,
            DKIMCommand.self, QueueCommand.self,
        ]
    )
}

/// `--config FILE`, shared by every command.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "The config file (default: $MAILROOM_CONFIG, then ./mailroom.toml).")
    var config: String?

    var path: String {
        if let config { return config }
        if let env = ProcessInfo.processInfo.environment["MAILROOM_CONFIG"], !env.isEmpty { return env }
        return "mailroom.toml"
    }
}

/// Runs a command body and turns any error into one line on stderr and exit status 1.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let exit as ExitCode {
        throw exit
    } catch let error as CleanExit {
        throw error
    } catch {
        FileHandle.standardError.write(Data("mailroom: \(error)\n".utf8))
        throw ExitCode.failure
    }
}

/// Prints to stdout and flushes (so a test reading the pipe sees it at once).
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
