// `mailroom dkim`: make DKIM keys for hosted domains and show the DNS records to publish (RFC 6376 §3.6,
// RFC 8463 §4). Keys live in <data_dir>/dkim/<domain>/<selector>.pem, where the outbound queue reads them;
// a new key is used for the next message, so publish its record before (or right after) generating it.

import ArgumentParser
import DKIM
import Foundation

struct DKIMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dkim", abstract: "Manage the DKIM keys that sign outgoing mail.",
        subcommands: [Generate.self, List.self])

    /// Where the keys of this config live: <data_dir>/dkim.
    static func keyStore(_ ctx: AdminContext) -> DKIMKeyStore {
        DKIMKeyStore(
            directory: OutboundSetup.dkimDirectory(ctx.config))
    }

    /// The key types `--algorithm` accepts.
    enum KeyType: String, ExpressibleByArgument, CaseIterable {
        case rsa, ed25519

        /// "an RSA" / "an Ed25519", for messages.
        var label: String {
            switch self {
            case .rsa: "an RSA"
            case .ed25519: "an Ed25519"
            }
        }

        var algorithm: DKIMAlgorithm {
            switch self {
            case .rsa: .rsaSHA256
            case .ed25519: .ed25519SHA256
            }
        }
    }

    struct NotHosted: Error, CustomStringConvertible {
        let domain: String
        var description: String {
            "The domain \(domain) is not hosted here; add it first with `mailroom domain add \(domain)`."
        }
    }

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a DKIM key for a hosted domain and print the TXT record to publish.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "A hosted domain, e.g. example.com.") var domain: String
        @Option(help: "The selector (default: rsa-YYYYMM or ed-YYYYMM).") var selector: String?
        @Option(help: "The key type: rsa (2048 bits, understood everywhere) or ed25519 (RFC 8463).")
        var algorithm: KeyType = .rsa

        func run() async throws {
            try await AdminContext.with(options) { ctx in
                var name = domain.lowercased()
                if name.hasSuffix(".") { name.removeLast() }
                guard try await ctx.directory.domains().contains(where: { $0.name == name }) else {
                    throw NotHosted(domain: name)
                }
                let chosen = selector ?? algorithm.algorithm.defaultSelector(at: Date())
                let store = DKIMCommand.keyStore(ctx)
                let key = try store.generate(domain: name, selector: chosen, algorithm: algorithm.algorithm)
                let sel = try DKIMKeyStore.validatedSelector(chosen)
                say("Generated \(algorithm.label) key for \(name), selector \(sel), in \(store.directory.path).")
                say("Publish this TXT record:")
                say(DKIMRecord.zoneFileLine(selector: sel, domain: name, value: key.dnsRecord))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List DKIM keys: domain, selector, algorithm and the DNS name of the record.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await AdminContext.with(options) { ctx in
                for entry in try DKIMCommand.keyStore(ctx).list() {
                    say(
                        [entry.domain, entry.selector, entry.algorithm.keyType, entry.recordName].joined(
                            separator: "\t"))
                }
            }
        }
    }
}
