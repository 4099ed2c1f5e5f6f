// Directory records: domains, accounts, aliases (incl. catch-all), app passwords, logins.

import Foundation
import MailStore
import MailTestSupport
import Testing

@Suite struct DirectoryRecordTests {
    @Test func domainsCRUD() async throws {
        let dir = try TemporaryDirectory()
        let store = try await MailStore.open(dataDirectory: dir.url)
        let d = try await store.addDomain("Example.ORG")
        #expect(d.name == "example.org")
        await #expect(throws: StoreError.alreadyExists("The domain example.org")) {
            try await store.addDomain("example.org")
        }
        try await store.addDomain("b.example")
        #expect(try await store.domains().map(\.name) == ["b.example", "example.org"])
        #expect(try await store.domain("EXAMPLE.org")?.id == d.id)
        try await store.createAccount(NewAccount(address: "x@example.org", passwordHash: "h"))
        await #expect(throws: StoreError.self) { try await store.removeDomain("example.org") }
        try await store.removeDomain("b.example")
        await #expect(throws: StoreError.notFound("The domain b.example")) { try await store.removeDomain("b.example") }
        try await store.close()
    }

    @Test func accountsCRUD() async throws {
        let f = try await StoreFixture.make()
        let s = f.store
        await #expect(throws: StoreError.notFound("The domain nowhere.test")) {
            try await s.createAccount(NewAccount(address: "a@nowhere.test", passwordHash: "h"))
        }
        await #expect(throws: StoreError.alreadyExists("The account USER@example.test")) {
            try await s.createAccount(NewAccount(address: "USER@Example.Test", passwordHash: "h"))
        }
        let mixed = try await s.createAccount(
            NewAccount(address: "Jane.Doe@EXAMPLE.test", displayName: "Jane", passwordHash: "h1", quotaBytes: 1000))
        #expect(mixed.address == "Jane.Doe@example.test")
        #expect(try await s.account(address: "jane.doe@example.test")?.id == mixed.id)
        #expect(try await s.account(id: mixed.id)?.displayName == "Jane")
        #expect(
            try await s.accounts(domain: "example.test").map(\.address) == [
                "Jane.Doe@example.test", "user@example.test",
            ])
        try await s.updateAccount(mixed.id, passwordHash: "h2", displayName: .some(nil), quotaBytes: .some(5000))
        let updated = try #require(try await s.account(id: mixed.id))
        #expect(updated.passwordHash == "h2" && updated.displayName == nil && updated.quotaBytes == 5000)
        try await s.updateAccount(mixed.id, passwordHash: nil, displayName: "J", quotaBytes: nil)
        #expect(try await s.account(id: mixed.id)?.quotaBytes == 5000)

        // Removing an account removes its mail, mailboxes, app passwords and alias targets.
        _ = try await s.addAppPassword(account: mixed.id, label: "phone", hash: "p")
        try await s.addAlias("team@example.test", targets: ["jane.doe@example.test", "outside@else.test"])
        try await s.addAlias("solo@example.test", targets: ["Jane.Doe@example.test"])
        let inbox = try #require(try await s.mailbox(account: mixed.id, name: "INBOX"))
        try await s.append(message: TestMessage(), account: mixed.id, mailbox: inbox.id)
        try await s.removeAccount(mixed.id)
        #expect(try await s.account(id: mixed.id) == nil)
        #expect(try await s.mailboxes(account: mixed.id).isEmpty)
        #expect(try await s.appPasswords(account: mixed.id).isEmpty)
        #expect(try await s.alias("team@example.test")?.targets == ["outside@else.test"])
        #expect(try await s.alias("solo@example.test") == nil)
        await #expect(throws: StoreError.self) { try await s.removeAccount(mixed.id) }
        #expect(try await s.sweepBlobs(olderThan: 0) == 1)
    }

    @Test func aliasesIncludingCatchAll() async throws {
        let f = try await StoreFixture.make()
        let s = f.store
        let sales = try await s.addAlias("Sales@Example.test", targets: ["user@example.test", "boss@other.test"])
        #expect(sales.alias == "Sales@example.test" && sales.domain == "example.test")
        let all = try await s.addAlias("@EXAMPLE.test", targets: ["user@example.test"])
        #expect(all.alias == "@example.test" && all.isCatchAll)
        #expect(try await s.alias("sales@example.test")?.targets == ["user@example.test", "boss@other.test"])
        #expect(try await s.alias("@example.test")?.id == all.id)
        #expect(try await s.alias("nobody@example.test") == nil)
        await #expect(throws: StoreError.alreadyExists("An account user@example.test")) {
            try await s.addAlias("user@example.test", targets: ["x@y.test"])
        }
        await #expect(throws: StoreError.alreadyExists("An alias sales@example.test")) {
            try await s.createAccount(NewAccount(address: "sales@example.test", passwordHash: "h"))
        }
        await #expect(throws: StoreError.notFound("The domain other.test")) {
            try await s.addAlias("a@other.test", targets: ["x@y.test"])
        }
        await #expect(throws: StoreError.self) { try await s.addAlias("b@example.test", targets: []) }
        #expect(try await s.aliases().map(\.alias) == ["@example.test", "Sales@example.test"])
        try await s.removeAlias("SALES@example.test")
        await #expect(throws: StoreError.notFound("The alias sales@example.test")) {
            try await s.removeAlias("sales@example.test")
        }
        #expect(try await s.aliases().count == 1)
    }

    @Test func appPasswordsAndLogins() async throws {
        let f = try await StoreFixture.make()
        let s = f.store
        let phone = try await s.addAppPassword(account: f.account.id, label: "phone", hash: "h1")
        try await s.addAppPassword(account: f.account.id, label: "laptop", hash: "h2")
        await #expect(throws: StoreError.alreadyExists("An app password labelled \"phone\"")) {
            try await s.addAppPassword(account: f.account.id, label: "phone", hash: "h3")
        }
        await #expect(throws: StoreError.self) {
            try await s.addAppPassword(account: AccountID(rawValue: 999), label: "x", hash: "h")
        }
        let used = Date(timeIntervalSince1970: 1_700_000_500)
        try await s.touchAppPassword(phone.id, at: used)
        let list = try await s.appPasswords(account: f.account.id)
        #expect(list.map(\.label) == ["phone", "laptop"])
        #expect(list[0].lastUsedAt == used && list[1].lastUsedAt == nil)
        try await s.revokeAppPassword(account: f.account.id, label: "phone")
        await #expect(throws: StoreError.notFound("The app password \"phone\"")) {
            try await s.revokeAppPassword(account: f.account.id, label: "phone")
        }
        #expect(try await s.appPasswords(account: f.account.id).map(\.label) == ["laptop"])

        try await s.recordLogin(
            LoginEvent(username: "USER@example.test", remoteAddress: "192.0.2.1", protocolName: "imap", success: true))
        try await s.recordLogin(
            LoginEvent(
                username: "mallory", remoteAddress: "198.51.100.7", protocolName: "smtp", success: false,
                mechanism: "PLAIN", reason: "bad password"))
        let logins = try await s.recentLogins(limit: 10)
        #expect(logins.map(\.username) == ["mallory", "USER@example.test"])
        #expect(logins[1].account == f.account.id && logins[1].success)
        #expect(logins[0].account == nil && logins[0].reason == "bad password" && logins[0].mechanism == "PLAIN")
        #expect(try await s.recentLogins(limit: 10, account: f.account.id).count == 1)
        #expect(try await s.recentLogins(limit: 1).count == 1)
    }
}
