import Foundation
import MailStore
import Testing

@testable import Directory

/// A Directory over a real store in a fresh temporary directory (STYLE.md item 17).
func withDirectory(_ body: (Directory) async throws -> Void) async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dirtest-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let store = try await MailStore.open(dataDirectory: dir)
    let directory = Directory(store: store)
    do {
        try await body(directory)
    } catch {
        try? await store.close()
        throw error
    }
    try await store.close()
}

@Suite struct DirectoryTests {
    let pw = "correct horse battery"

    @Test func authenticatesWithPasswordAndAppPassword() async throws {
        try await withDirectory { d in
            try await d.addDomain("example.com")
            try await d.addUser(address: "Alice@example.com", password: pw)
            guard
                case .success(let a, .password) = await d.authenticate(
                    Credentials(username: "alice@EXAMPLE.com", password: pw), remote: "127.0.0.1", protocolName: "test")
            else { Issue.record("password login failed"); return }
            #expect(a.address == "alice@example.com")

            let (record, secret) = try await d.addAppPassword(address: "alice@example.com", label: "phone")
            #expect(record.label == "phone")
            guard
                case .success(_, .appPassword("phone")) = await d.authenticate(
                    Credentials(username: "alice@example.com", password: secret), remote: "127.0.0.1",
                    protocolName: "test")
            else { Issue.record("app password login failed"); return }
            #expect(try await d.appPasswords(address: "alice@example.com").first?.lastUsedAt != nil)

            try await d.revokeAppPassword(address: "alice@example.com", label: "phone")
            guard
                case .failure = await d.authenticate(
                    Credentials(username: "alice@example.com", password: secret), remote: "127.0.0.1",
                    protocolName: "test")
            else { Issue.record("revoked app password still works"); return }
        }
    }

    /// A login verified a moment ago is accepted again without a bcrypt; a changed password or a revoked app password
    /// ends it at once (the cache re-checks the store), and a wrong password is never cached.
    @Test func verifiedCredentialsSkipBcryptUntilThePasswordChanges() async throws {
        try await withDirectory { d in
            try await d.addDomain("example.com")
            try await d.addUser(address: "alice@example.com", password: pw)
            let (_, secret) = try await d.addAppPassword(address: "alice@example.com", label: "phone")
            func login(_ password: String) async -> (Bool, Int) {
                let counter = PasswordHashing.WorkCounter()
                let result = await PasswordHashing.$workCounter.withValue(counter) {
                    await d.authenticate(
                        Credentials(username: "alice@example.com", password: password), remote: "127.0.0.1",
                        protocolName: "test")
                }
                if case .success = result { return (true, counter.count.load(ordering: .relaxed)) }
                return (false, counter.count.load(ordering: .relaxed))
            }
            #expect(await login(pw) == (true, 1))
            #expect(await login(pw) == (true, 0))
            #expect(await login(secret) == (true, 1))
            #expect(await login(secret) == (true, 0))
            #expect(await login("wrong password") == (false, 1))
            #expect(await login("wrong password") == (false, 1))

            try await d.revokeAppPassword(address: "alice@example.com", label: "phone")
            #expect(await login(secret).0 == false)
            try await d.setPassword(address: "alice@example.com", password: "a brand new password")
            #expect(await login(pw) == (false, 1))
            #expect(await login("a brand new password") == (true, 1))
            #expect(await d.cachedAccount(Credentials(username: "alice@example.com", password: pw)) == nil)
            #expect(
                await d.cachedAccount(Credentials(username: "alice@example.com", password: "a brand new password"))?.0
                    .address == "alice@example.com")
        }
    }

    /// Logins that arrive together with the same credentials share one bcrypt; wrong passwords never share.
    @Test func concurrentLoginsShareOneCheck() async throws {
        try await withDirectory { d in
            try await d.addDomain("example.com")
            try await d.addUser(address: "alice@example.com", password: pw)
            func logins(_ password: String, count: Int) async -> ([Bool], Int) {
                let counter = PasswordHashing.WorkCounter()
                let results = await PasswordHashing.$workCounter.withValue(counter) {
                    await withTaskGroup(of: Bool.self) { group in
                        for _ in 0..<count {
                            group.addTask {
                                let r = await d.authenticate(
                                    Credentials(username: "alice@example.com", password: password),
                                    remote: "127.0.0.1", protocolName: "test")
                                if case .success = r { return true }
                                return false
                            }
                        }
                        return await group.reduce(into: []) { $0.append($1) }
                    }
                }
                return (results, counter.count.load(ordering: .relaxed))
            }
            #expect(await logins(pw, count: 6) == (Array(repeating: true, count: 6), 1))
            #expect(await logins("wrong password", count: 3) == (Array(repeating: false, count: 3), 3))
        }
    }

    /// The same answer after the same work: exactly one bcrypt for a wrong password, an unknown
    /// account and a malformed username. (Wall-clock timing is checked by the interop suite, which
    /// runs alone; here other tests run in parallel and only add noise.)
    @Test func wrongPasswordAndUnknownAccountLookTheSame() async throws {
        try await withDirectory { d in
            try await d.addDomain("example.com")
            try await d.addUser(address: "alice@example.com", password: pw)
            try await d.addUser(address: "bob@example.com", password: pw)
            _ = try await d.addAppPassword(address: "bob@example.com", label: "phone")
            for (i, username) in ["alice@example.com", "bob@example.com", "nobody@example.com", "not-an-address"]
                .enumerated()
            {
                let counter = PasswordHashing.WorkCounter()
                let result = await PasswordHashing.$workCounter.withValue(counter) {
                    await d.authenticate(
                        Credentials(username: username, password: "nope nope"), remote: "10.0.0.\(i)",
                        protocolName: "test")
                }
                guard case .failure = result else {
                    Issue.record("\(username) was accepted")
                    return
                }
                #expect(counter.count.load(ordering: .relaxed) == 1, "\(username)")
            }
            let logins = try await d.store.recentLogins(limit: 10)
            #expect(logins.count == 4)
            #expect(logins.allSatisfy { !$0.success })
        }
    }

    @Test func refusesAForeignAuthorizationIdentity() async throws {
        try await withDirectory { d in
            try await d.addDomain("example.com")
            try await d.addUser(address: "alice@example.com", password: pw)
            try await d.addUser(address: "bob@example.com", password: pw)
            guard
                case .failure = await d.authenticate(
                    Credentials(username: "alice@example.com", password: pw, authorizationIdentity: "bob@example.com"),
                    remote: "127.0.0.1", protocolName: "test")
            else { Issue.record("acting as another user was allowed"); return }
            guard
                case .success = await d.authenticate(
                    Credentials(
                        username: "alice@example.com", password: pw, authorizationIdentity: "alice@example.com"),
                    remote: "127.0.0.1", protocolName: "test")
            else { Issue.record("same authzid refused"); return }
        }
    }

    @Test func resolvesRecipients() async throws {
        try await withDirectory { d in
            func r(_ address: String) async throws -> Resolved { Resolved(try await d.resolveRecipient(address)) }
            try await d.addDomain("example.com")
            try await d.addDomain("example.org")
            let alice = try await d.addUser(address: "alice@example.com", password: pw)
            let bob = try await d.addUser(address: "bob@example.com", password: pw)
            try await d.addAlias("sales@example.com", targets: ["alice@example.com", "bob@example.com"])
            try await d.addAlias("ext@example.com", targets: ["someone@elsewhere.example"])
            try await d.addAlias("chain@example.com", targets: ["sales@example.com", "alice@example.com"])
            try await d.addAlias("loop1@example.com", targets: ["loop2@example.com"])
            try await d.addAlias("loop2@example.com", targets: ["loop1@example.com", "bob@example.com"])

            #expect(try await r("ALICE@example.com") == Resolved(accounts: [alice.address]))
            #expect(try await r("alice+news@example.com") == Resolved(accounts: [alice.address]))
            #expect(try await r("sales@example.com") == Resolved(accounts: [alice.address, bob.address]))
            #expect(
                try await r("sales+x@example.com") == Resolved(accounts: [alice.address, bob.address]))
            #expect(try await r("chain@example.com") == Resolved(accounts: [alice.address, bob.address]))
            #expect(try await r("loop1@example.com") == Resolved(accounts: [bob.address]))
            #expect(
                try await r("ext@example.com") == Resolved(accounts: [], forward: ["someone@elsewhere.example"]))
            #expect(try await d.resolveRecipient("nobody@example.com") == .unknownUser)
            #expect(try await d.resolveRecipient("nobody@example.org") == .unknownUser)
            #expect(try await d.resolveRecipient("x@elsewhere.example") == .notLocal)
            #expect(try await d.resolveRecipient("not an address") == .unknownUser)

            try await d.addAlias("@example.org", targets: ["bob@example.com"])
            #expect(try await r("anything@example.org") == Resolved(accounts: [bob.address]))
            // An exact account wins over the catch-all.
            try await d.addAlias("@example.com", targets: ["bob@example.com"])
            #expect(try await r("alice@example.com") == Resolved(accounts: [alice.address]))
            #expect(try await r("typo@example.com") == Resolved(accounts: [bob.address]))
        }
    }

    @Test func validatesInput() async throws {
        try await withDirectory { d in
            await #expect(throws: DirectoryError.invalidDomain("bad domain")) { try await d.addDomain("bad domain") }
            try await d.addDomain("example.com")
            await #expect(throws: DirectoryError.unknownDomain("example.net")) {
                try await d.addUser(address: "a@example.net", password: pw)
            }
            await #expect(throws: DirectoryError.passwordTooShort(PasswordHashing.minPasswordLength)) {
                try await d.addUser(address: "a@example.com", password: "short")
            }
            await #expect(throws: DirectoryError.invalidAddress("nope")) {
                try await d.addUser(address: "nope", password: pw)
            }
            await #expect(throws: DirectoryError.aliasLoop("x@example.com")) {
                try await d.addAlias("x@example.com", targets: ["X@example.com"])
            }
            await #expect(throws: DirectoryError.unknownUser("ghost@example.com")) {
                try await d.setPassword(address: "ghost@example.com", password: pw)
            }
        }
    }

    @Test func passwordChangeTakesEffect() async throws {
        try await withDirectory { d in
            try await d.addDomain("example.com")
            try await d.addUser(address: "a@example.com", password: pw)
            try await d.setPassword(address: "a@example.com", password: "a new password")
            guard
                case .failure = await d.authenticate(
                    Credentials(username: "a@example.com", password: pw), remote: "1.1.1.1", protocolName: "t")
            else { Issue.record("old password still works"); return }
            guard
                case .success = await d.authenticate(
                    Credentials(username: "a@example.com", password: "a new password"), remote: "1.1.1.2",
                    protocolName: "t")
            else { Issue.record("new password refused"); return }
        }
    }

    @Test func bcryptVariants() {
        #expect(PasswordHashing.isBcrypt("$2b$10$" + String(repeating: "a", count: 53)))
        #expect(!PasswordHashing.isBcrypt("$2b$99$" + String(repeating: "a", count: 53)))
        #expect(!PasswordHashing.isBcrypt("plain"))
        #expect(PasswordHashing.normalised("$2y$10$" + String(repeating: "a", count: 53))?.hasPrefix("$2b$") == true)
    }
}

/// A resolution compared by addresses (records carry timestamps that are not part of the answer).
struct Resolved: Equatable {
    var accounts: [String] = []
    var forward: [String] = []
    var outcome = "deliver"

    init(accounts: [String], forward: [String] = []) {
        self.accounts = accounts
        self.forward = forward
    }

    init(_ resolution: RecipientResolution) {
        switch resolution {
        case .deliver(let a, let f):
            accounts = a.map(\.address)
            forward = f.map(\.description)
        case .unknownUser: outcome = "unknownUser"
        case .notLocal: outcome = "notLocal"
        }
    }
}
