// The directory: domains, accounts, aliases, app passwords, authentication and recipient lookup.
//
// Invariants:
// - Persistence lives in MailStore; this type adds validation, hashing and policy on top.
// - `authenticate` gives the same answer, after the same work (one account lookup, one app
//   password lookup, one bcrypt), whether the account exists or not (issue: "a wrong password and
//   an unknown account get the same answer in the same time"). Only a success can be faster: credentials verified
//   in the last few minutes are accepted from `VerifiedCredentials` after a store re-check, without a bcrypt.
// - Recipient resolution is read-only and bounded (`maxAliasDepth`, `maxExpandedRecipients`).

import Foundation
import Logging
import MailStore

public enum DirectoryError: Error, CustomStringConvertible, Equatable {
    case invalidAddress(String)
    case invalidDomain(String)
    case unknownDomain(String)
    case unknownUser(String)
    case alreadyExists(String)
    case passwordTooShort(Int)
    case passwordTooLong(Int)
    case invalidLabel(String)
    case aliasLoop(String)

    public var description: String {
        switch self {
        case .invalidAddress(let a): "\"\(a)\" is not a mail address; write it as name@domain."
        case .invalidDomain(let d): "\"\(d)\" is not a valid domain name."
        case .unknownDomain(let d): "The domain \(d) is not hosted here; add it first with `mailroom domain add \(d)`."
        case .unknownUser(let a): "There is no account \(a); `mailroom user list` shows the accounts."
        case .alreadyExists(let what): "\(what) already exists."
        case .passwordTooShort(let n): "The password is too short; use at least \(n) characters."
        case .passwordTooLong(let n): "The password is too long; bcrypt uses only the first \(n) bytes."
        case .invalidLabel(let l): "\"\(l)\" is not a usable label; use 1-64 visible characters."
        case .aliasLoop(let a): "The alias \(a) would point to itself."
        }
    }
}

/// How a login succeeded.
public enum AuthenticationMethod: Equatable, Sendable {
    case password
    case appPassword(label: String)
}

public enum AuthenticationResult: Sendable {
    case success(AccountRecord, AuthenticationMethod)
    case failure
}

/// Where mail for one envelope recipient goes.
public enum RecipientResolution: Equatable, Sendable {
    /// Deliver to these local accounts' INBOXes, and forward to these external addresses.
    case deliver(accounts: [AccountRecord], forward: [MailAddress])
    /// The domain is ours but nobody has this address: RFC 5321 `550 5.1.1`.
    case unknownUser
    /// Not one of our domains: relaying, allowed only to authenticated senders.
    case notLocal
}

public final class Directory: Sendable {
    public let store: MailStore
    public let throttle: LoginThrottle
    let logger: Logger
    let verified = VerifiedCredentials()

    /// Alias chains longer than this are cut (loops included).
    public static let maxAliasDepth = 8
    /// One envelope recipient expands to at most this many final recipients.
    public static let maxExpandedRecipients = 1000

    public init(
        store: MailStore, throttle: LoginThrottle = LoginThrottle(), logger: Logger = Logger(label: "directory")
    ) {
        self.store = store
        self.throttle = throttle
        self.logger = logger
    }

    // MARK: Domains

    @discardableResult
    public func addDomain(_ name: String) async throws -> DomainRecord {
        let domain = try Self.validDomain(name)
        return try await store.addDomain(domain)
    }

    public func removeDomain(_ name: String) async throws {
        try await store.removeDomain(try Self.validDomain(name))
    }

    public func domains() async throws -> [DomainRecord] {
        try await store.domains()
    }

    public func isLocalDomain(_ name: String) async throws -> Bool {
        try await store.domain(name.lowercased()) != nil
    }

    // MARK: Accounts

    @discardableResult
    public func addUser(address: String, password: String, displayName: String? = nil, quotaBytes: Int64? = nil)
        async throws -> AccountRecord
    {
        let addr = try Self.validAddress(address)
        try Self.checkPassword(password)
        guard try await store.domain(addr.domain) != nil else { throw DirectoryError.unknownDomain(addr.domain) }
        if try await store.alias(addr.description) != nil {
            throw DirectoryError.alreadyExists("An alias \(addr)")
        }
        let hash = try await PasswordHashing.hash(password)
        return try await store.createAccount(
            NewAccount(address: addr.description, displayName: displayName, passwordHash: hash, quotaBytes: quotaBytes))
    }

    public func user(_ address: String) async throws -> AccountRecord? {
        guard let addr = MailAddress(address) else { return nil }
        return try await store.account(address: addr.description)
    }

    public func users(domain: String? = nil) async throws -> [AccountRecord] {
        try await store.accounts(domain: domain?.lowercased())
    }

    public func setPassword(address: String, password: String) async throws {
        try Self.checkPassword(password)
        let account = try await existingUser(address)
        let hash = try await PasswordHashing.hash(password)
        try await store.updateAccount(account.id, passwordHash: hash, displayName: nil, quotaBytes: nil)
    }

    public func updateUser(address: String, displayName: String??, quotaBytes: Int64??) async throws {
        let account = try await existingUser(address)
        try await store.updateAccount(account.id, passwordHash: nil, displayName: displayName, quotaBytes: quotaBytes)
    }

    public func removeUser(_ address: String) async throws {
        let account = try await existingUser(address)
        try await store.removeAccount(account.id)
    }

    func existingUser(_ address: String) async throws -> AccountRecord {
        let addr = try Self.validAddress(address)
        guard let account = try await store.account(address: addr.description) else {
            throw DirectoryError.unknownUser(addr.description)
        }
        return account
    }

    // MARK: Aliases

    /// Adds an alias. `alias` is `name@domain`, or `@domain` for a catch-all; the domain must be local.
    /// Targets are addresses, local or external.
    @discardableResult
    public func addAlias(_ alias: String, targets: [String]) async throws -> AliasRecord {
        let key: String
        let domain: String
        if alias.hasPrefix("@") {
            domain = try Self.validDomain(String(alias.dropFirst()))
            key = "@" + domain
        } else {
            let addr = try Self.validAddress(alias)
            domain = addr.domain
            key = addr.description
            if try await store.account(address: key) != nil {
                throw DirectoryError.alreadyExists("An account \(key)")
            }
        }
        guard try await store.domain(domain) != nil else { throw DirectoryError.unknownDomain(domain) }
        guard !targets.isEmpty else { throw DirectoryError.invalidAddress("") }
        var normalised: [String] = []
        for target in targets {
            let t = try Self.validAddress(target).description
            if t == key { throw DirectoryError.aliasLoop(key) }
            if !normalised.contains(t) { normalised.append(t) }
        }
        return try await store.addAlias(key, targets: normalised)
    }

    public func removeAlias(_ alias: String) async throws {
        let key = alias.hasPrefix("@") ? "@" + alias.dropFirst().lowercased() : try Self.validAddress(alias).description
        try await store.removeAlias(key)
    }

    public func aliases() async throws -> [AliasRecord] {
        try await store.aliases()
    }

    // MARK: App passwords

    /// Creates an app password and returns it in clear text: the only time it is ever shown.
    public func addAppPassword(address: String, label: String) async throws -> (AppPasswordRecord, String) {
        let account = try await existingUser(address)
        let trimmed = label.trimmingWhitespace()
        guard !trimmed.isEmpty, trimmed.count <= 64, !trimmed.contains(where: { $0.isNewline }) else {
            throw DirectoryError.invalidLabel(label)
        }
        let secret = PasswordHashing.generateAppPassword()
        let record = try await store.addAppPassword(
            account: account.id, label: String(trimmed), hash: PasswordHashing.appPasswordDigest(secret))
        return (record, secret)
    }

    public func appPasswords(address: String) async throws -> [AppPasswordRecord] {
        try await store.appPasswords(account: try await existingUser(address).id)
    }

    public func revokeAppPassword(address: String, label: String) async throws {
        try await store.revokeAppPassword(account: try await existingUser(address).id, label: label)
    }

    // MARK: Authentication

    /// Verifies credentials for any protocol, with throttling and a login record.
    /// `remote` is the peer's IP address, `protocolName` e.g. "imap".
    public func authenticate(_ credentials: Credentials, remote: String, protocolName: String) async
        -> AuthenticationResult
    {
        let username = credentials.username
        let wait = await throttle.delay(ip: remote, account: username)
        if wait > .zero { try? await Task.sleep(for: wait) }

        let result: AuthenticationResult
        let key = VerifiedCredentials.key(credentials)
        if let cached = await cachedAccount(credentials) {
            result = .success(cached.0, cached.1)
        } else if await verified.beginCheck(key) {
            result = await verify(credentials)
            verified.endCheck(key)
        } else if let cached = await cachedAccount(credentials) {
            result = .success(cached.0, cached.1)  // the same credentials were just verified by another login
        } else {
            result = await verify(credentials)
        }
        switch result {
        case .success(let account, let method):
            await throttle.recordSuccess(account: username)
            if case .appPassword(let label) = method {
                logger.debug("app password used", metadata: ["account": "\(account.address)", "label": "\(label)"])
            }
        case .failure:
            await throttle.recordFailure(ip: remote, account: username)
        }
        let success: Bool
        if case .success = result { success = true } else { success = false }
        do {
            try await store.recordLogin(
                LoginEvent(
                    username: String(username.prefix(256)), remoteAddress: remote, protocolName: protocolName,
                    success: success, date: Date()))
        } catch {
            logger.error("could not record login: \(error)")
        }
        return result
    }

    /// The account of credentials that passed a full check in the last few minutes and still hold (same password
    /// hash, app password not revoked), without a bcrypt; nil when the full check is needed. No throttle, no login
    /// record: for requests that carry credentials every time (HTTP Basic); sessions go through `authenticate`.
    public func cachedAccount(_ credentials: Credentials) async -> (AccountRecord, AuthenticationMethod)? {
        let key = VerifiedCredentials.key(credentials)
        guard let entry = verified.entry(for: key) else { return nil }
        if let account = try? await store.account(id: entry.account) {
            if let hash = entry.passwordHash, account.passwordHash == hash {
                return (account, .password)
            }
            if let id = entry.appPassword,
                let app = (try? await store.appPasswords(account: account.id))?.first(where: { $0.id == id })
            {
                return (account, .appPassword(label: app.label))
            }
        }
        verified.forget(key)
        return nil
    }

    /// The same work for every username: one account lookup, one app-password lookup, one bcrypt.
    func verify(_ credentials: Credentials) async -> AuthenticationResult {
        // RFC 4616 §2: a different authorization identity would mean acting as someone else: refused.
        if let authz = credentials.authorizationIdentity,
            MailAddress(authz)?.description != MailAddress(credentials.username)?.description
        {
            _ = try? await PasswordHashing.verify(credentials.password, hash: nil)
            return .failure
        }
        let account: AccountRecord?
        if let addr = MailAddress(credentials.username) {
            account = try? await store.account(address: addr.description)
        } else {
            account = nil
        }
        let appPasswords = (try? await store.appPasswords(account: account?.id ?? AccountID(rawValue: -1))) ?? []
        let digest = PasswordHashing.appPasswordDigest(credentials.password)
        var matchedApp: AppPasswordRecord?
        for app in appPasswords where PasswordHashing.constantTimeEqual(app.hash, digest) {
            matchedApp = app
        }
        let passwordOK = (try? await PasswordHashing.verify(credentials.password, hash: account?.passwordHash)) ?? false
        guard let account else { return .failure }
        let key = VerifiedCredentials.key(credentials)
        let expires = Date().addingTimeInterval(VerifiedCredentials.lifetime)
        if passwordOK {
            verified.remember(
                key, .init(account: account.id, passwordHash: account.passwordHash, appPassword: nil, expires: expires))
            return .success(account, .password)
        }
        if let matchedApp {
            try? await store.touchAppPassword(matchedApp.id, at: Date())
            verified.remember(
                key, .init(account: account.id, passwordHash: nil, appPassword: matchedApp.id, expires: expires))
            return .success(account, .appPassword(label: matchedApp.label))
        }
        return .failure
    }

    // MARK: Recipients

    /// Resolves one envelope recipient: accounts, aliases (recursively), plus-addressing, catch-all.
    public func resolveRecipient(_ address: String) async throws -> RecipientResolution {
        guard let addr = MailAddress(address) else { return .unknownUser }
        guard try await store.domain(addr.domain) != nil else { return .notLocal }
        var accounts: [AccountRecord] = []
        var forward: [MailAddress] = []
        var seen: Set<MailAddress> = []
        let found = try await expand(addr, depth: 0, accounts: &accounts, forward: &forward, seen: &seen)
        guard found, !(accounts.isEmpty && forward.isEmpty) else { return .unknownUser }
        return .deliver(accounts: accounts, forward: forward)
    }

    private func expand(
        _ addr: MailAddress, depth: Int, accounts: inout [AccountRecord], forward: inout [MailAddress],
        seen: inout Set<MailAddress>
    ) async throws -> Bool {
        guard depth <= Self.maxAliasDepth, accounts.count + forward.count < Self.maxExpandedRecipients else {
            return false
        }
        guard seen.insert(addr).inserted else { return true }  // a loop: already handled
        guard try await store.domain(addr.domain) != nil else {
            forward.append(addr)
            return true
        }
        // Exact account or alias first, then without the +tag, then the domain's catch-all.
        var candidates = [addr]
        if let base = addr.withoutSubaddress { candidates.append(base) }
        for candidate in candidates {
            if let account = try await store.account(address: candidate.description) {
                if !accounts.contains(where: { $0.id == account.id }) { accounts.append(account) }
                return true
            }
            if let alias = try await store.alias(candidate.description) {
                return try await expandTargets(alias.targets, depth: depth, &accounts, &forward, &seen)
            }
        }
        if let catchAll = try await store.alias("@" + addr.domain) {
            return try await expandTargets(catchAll.targets, depth: depth, &accounts, &forward, &seen)
        }
        return false
    }

    private func expandTargets(
        _ targets: [String], depth: Int, _ accounts: inout [AccountRecord], _ forward: inout [MailAddress],
        _ seen: inout Set<MailAddress>
    ) async throws -> Bool {
        var any = false
        for target in targets {
            guard let t = MailAddress(target) else { continue }
            if try await expand(t, depth: depth + 1, accounts: &accounts, forward: &forward, seen: &seen) {
                any = true
            }
        }
        return any
    }

    // MARK: Sender ownership

    /// Whether the account may send as `address` (submission, DESIGN §5): its own address (with any
    /// `+tag`), or an alias (not a catch-all) that delivers to it, directly or through other aliases.
    public func accountOwns(_ account: AccountRecord, address: String) async throws -> Bool {
        guard let addr = MailAddress(address), let own = MailAddress(account.address) else { return false }
        if addr == own || addr.withoutSubaddress == own { return true }
        for candidate in [addr, addr.withoutSubaddress].compactMap({ $0 }) {
            guard try await store.alias(candidate.description) != nil else { continue }
            if case .deliver(let accounts, _) = try await resolveRecipient(candidate.description),
                accounts.contains(where: { $0.id == account.id })
            {
                return true
            }
        }
        return false
    }

    // MARK: Validation

    static func validAddress(_ text: String) throws -> MailAddress {
        guard let addr = MailAddress(text) else { throw DirectoryError.invalidAddress(text) }
        return addr
    }

    static func validDomain(_ text: String) throws -> String {
        var d = text.trimmingWhitespace().lowercased()
        if d.hasSuffix(".") { d.removeLast() }
        guard MailAddress.isValidDomain(d), d.contains(".") || d == "localhost" else {
            throw DirectoryError.invalidDomain(text)
        }
        return d
    }

    static func checkPassword(_ password: String) throws {
        guard password.count >= PasswordHashing.minPasswordLength else {
            throw DirectoryError.passwordTooShort(PasswordHashing.minPasswordLength)
        }
        guard password.utf8.count <= PasswordHashing.maxPasswordBytes else {
            throw DirectoryError.passwordTooLong(PasswordHashing.maxPasswordBytes)
        }
    }
}
