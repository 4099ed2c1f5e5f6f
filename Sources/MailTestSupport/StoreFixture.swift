// A MailStore in a fresh temporary directory with one domain and one account: the starting point of
// most store tests.

import Foundation
import MailStore

public struct StoreFixture: Sendable {
    public let directory: TemporaryDirectory
    public let store: MailStore
    public let account: AccountRecord

    /// Opens a store in a new temporary directory with domain `example.test` and account
    /// `user@example.test` (optionally with a quota).
    public static func make(quotaBytes: Int64? = nil) async throws -> StoreFixture {
        let directory = try TemporaryDirectory(prefix: "mailstore")
        let store = try await MailStore.open(dataDirectory: directory.url)
        _ = try await store.addDomain("example.test")
        let account = try await store.createAccount(
            NewAccount(address: "user@example.test", passwordHash: "x", quotaBytes: quotaBytes))
        return StoreFixture(directory: directory, store: store, account: account)
    }

    /// The account's mailbox with that name (it must exist).
    public func mailbox(_ name: String) async throws -> MailboxInfo {
        guard let info = try await store.mailbox(account: account.id, name: name) else {
            throw StoreError.notFound("The mailbox \(name)")
        }
        return info
    }

    /// Writes the message's blob and appends it to the named mailbox.
    @discardableResult
    public func append(
        _ message: TestMessage = TestMessage(), to mailboxName: String = "INBOX", flags: Set<Flag> = [],
        internalDate: Date = Date()
    ) async throws -> AppendResult {
        let mailbox = try await mailbox(mailboxName)
        return try await store.append(
            message: message, account: account.id, mailbox: mailbox.id, flags: flags,
            internalDate: internalDate)
    }

    /// Closes the store and opens it again on the same directory.
    public func reopened() async throws -> StoreFixture {
        try await store.close()
        let store = try await MailStore.open(dataDirectory: directory.url)
        return StoreFixture(directory: directory, store: store, account: account)
    }
}

extension MailStore {
    /// Writes a test message's blob and appends it.
    @discardableResult
    public func append(
        message: TestMessage, account: AccountID, mailbox: MailboxID, flags: Set<Flag> = [],
        internalDate: Date = Date()
    ) async throws -> AppendResult {
        let blob = try await writeBlob(bytes: message.bytes)
        return try await append(
            AppendRequest(
                account: account, mailbox: mailbox, blob: blob, metadata: message.metadata, flags: flags,
                internalDate: internalDate))
    }
}
