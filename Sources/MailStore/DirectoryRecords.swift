// Directory records: domains, accounts, aliases, app passwords, login events. Plain persistence; the
// Directory target validates addresses, hashes passwords and resolves recipients.
//
// Invariants:
// - Domain names are stored lowercased. Addresses keep their spelling (domain lowercased) and are
//   unique by `address_key` = the whole address lowercased, so lookups ignore case.
// - An address is either an account or an alias, never both.
// - A domain is removed only when no account and no alias uses it (`notEmpty`).
// - Removing an account removes its mailboxes, messages, subscriptions and app passwords, and takes
//   its address out of every alias's targets; an alias left without targets is removed too. Its login
//   events stay (their account id is cleared).
// - Creating an account creates its default mailboxes (INBOX, Drafts, Sent, Trash, Junk, Archive, all
//   subscribed) and its default calendar, task list and address book in the same transaction.

import Foundation
import GRDB

extension MailStore {
    // MARK: Domains

    @discardableResult
    public func addDomain(_ name: String) async throws -> DomainRecord {
        let name = try Self.domainName(name)
        return try await write { db in
            if try db.int("SELECT 1 FROM domains WHERE name = ?", [name]) != nil {
                throw StoreError.alreadyExists("The domain \(name)")
            }
            let now = Date()
            try db.run("INSERT INTO domains(name, created_at) VALUES (?, ?)", [name, now.storeValue])
            return (DomainRecord(id: DomainID(rawValue: db.lastInsertedRowID), name: name, createdAt: now), [])
        }
    }

    public func removeDomain(_ name: String) async throws {
        let name = try Self.domainName(name)
        try await write { db -> ((), [StoreChange]) in
            guard let id = try db.int("SELECT id FROM domains WHERE name = ?", [name]) else {
                throw StoreError.notFound("The domain \(name)")
            }
            let accounts = try db.int("SELECT COUNT(*) FROM accounts WHERE domain_id = ?", [id]) ?? 0
            let aliases = try db.int("SELECT COUNT(*) FROM aliases WHERE domain_id = ?", [id]) ?? 0
            if accounts + aliases > 0 {
                throw StoreError.notEmpty(
                    "The domain \(name) (it has \(accounts) account\(accounts == 1 ? "" : "s") and \(aliases) "
                        + "alias\(aliases == 1 ? "" : "es"))")
            }
            try db.run("DELETE FROM domains WHERE id = ?", [id])
            return ((), [])
        }
    }

    public func domains() async throws -> [DomainRecord] {
        try await read { db in
            try db.rows("SELECT id, name, created_at FROM domains ORDER BY name").map(DirectoryRows.domain)
        }
    }

    public func domain(_ name: String) async throws -> DomainRecord? {
        guard let name = try? Self.domainName(name) else { return nil }
        return try await read { db in
            try db.row("SELECT id, name, created_at FROM domains WHERE name = ?", [name]).map(DirectoryRows.domain)
        }
    }

    // MARK: Accounts

    /// Creates the account and its default mailboxes. `notFound` if the domain is not hosted,
    /// `alreadyExists` if the address is an account or an alias.
    @discardableResult
    public func createAccount(_ new: NewAccount) async throws -> AccountRecord {
        let (address, domain) = try Self.splitAddress(new.address)
        if let quota = new.quotaBytes, quota < 0 { throw StoreError.invalidArgument("a quota cannot be negative") }
        return try await write { db in
            guard let domainID = try db.int("SELECT id FROM domains WHERE name = ?", [domain]) else {
                throw StoreError.notFound("The domain \(domain)")
            }
            let key = address.lowercased()
            if try db.int("SELECT 1 FROM accounts WHERE address_key = ?", [key]) != nil {
                throw StoreError.alreadyExists("The account \(address)")
            }
            if try db.int("SELECT 1 FROM aliases WHERE address_key = ?", [key]) != nil {
                throw StoreError.alreadyExists("An alias \(address)")
            }
            let now = Date()
            try db.run(
                """
                INSERT INTO accounts(domain_id, address, address_key, display_name, password_hash, quota_bytes, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [domainID, address, key, new.displayName, new.passwordHash, new.quotaBytes, now.storeValue])
            let id = AccountID(rawValue: db.lastInsertedRowID)
            for (name, use) in Self.defaultMailboxes {
                _ = try MailboxRows.insert(db, id, name, specialUse: use, now: now)
                try db.run("INSERT INTO subscriptions(account_id, name) VALUES (?, ?)", [id.rawValue, name])
            }
            try Self.ensureDefaultCollections(db, account: id, now: now)
            let record = AccountRecord(
                id: id, address: address, domain: domain, displayName: new.displayName,
                passwordHash: new.passwordHash, quotaBytes: new.quotaBytes, createdAt: now)
            return (record, [])
        }
    }

    /// An account by address, compared case-insensitively.
    public func account(address: String) async throws -> AccountRecord? {
        let key = address.lowercased()
        return try await read { db in
            try db.row("SELECT \(DirectoryRows.accountColumns) WHERE a.address_key = ?", [key]).map(
                DirectoryRows.account)
        }
    }

    public func account(id: AccountID) async throws -> AccountRecord? {
        try await read { db in
            try db.row("SELECT \(DirectoryRows.accountColumns) WHERE a.id = ?", [id.rawValue]).map(
                DirectoryRows.account)
        }
    }

    /// Accounts of one domain, or all; sorted by address.
    public func accounts(domain: String? = nil) async throws -> [AccountRecord] {
        let domain = domain.map { $0.lowercased() }
        return try await read { db in
            if let domain {
                return try db.rows(
                    "SELECT \(DirectoryRows.accountColumns) WHERE d.name = ? ORDER BY a.address_key", [domain]
                ).map(DirectoryRows.account)
            }
            return try db.rows("SELECT \(DirectoryRows.accountColumns) ORDER BY a.address_key").map(
                DirectoryRows.account)
        }
    }

    /// Changes the given fields: nil leaves a field alone; `.some(nil)` clears an optional one.
    public func updateAccount(_ id: AccountID, passwordHash: String?, displayName: String??, quotaBytes: Int64??)
        async throws
    {
        if case .some(.some(let q)) = quotaBytes, q < 0 {
            throw StoreError.invalidArgument("a quota cannot be negative")
        }
        try await write { db -> ((), [StoreChange]) in
            guard try Rows.accountExists(db, id) else { throw StoreError.notFound("The account \(id)") }
            if let passwordHash {
                try db.run("UPDATE accounts SET password_hash = ? WHERE id = ?", [passwordHash, id.rawValue])
            }
            if let displayName {
                try db.run("UPDATE accounts SET display_name = ? WHERE id = ?", [displayName, id.rawValue])
            }
            if let quotaBytes {
                try db.run("UPDATE accounts SET quota_bytes = ? WHERE id = ?", [quotaBytes, id.rawValue])
            }
            return ((), [])
        }
    }

    /// Removes the account and everything it owns (see the invariants at the top of this file).
    public func removeAccount(_ id: AccountID) async throws {
        try await write { db -> ((), [StoreChange]) in
            guard
                let key = try String.fetchOne(
                    db, sql: "SELECT address_key FROM accounts WHERE id = ?", arguments: [id.rawValue])
            else { throw StoreError.notFound("The account \(id)") }
            // Children first: the triggers delete unreferenced messages and blob rows as they go.
            try db.run(
                "DELETE FROM mailbox_messages WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE account_id = ?)",
                [id.rawValue])
            try db.run("DELETE FROM messages WHERE account_id = ?", [id.rawValue])
            try db.run("DELETE FROM mailboxes WHERE account_id = ?", [id.rawValue])
            try db.run("DELETE FROM alias_targets WHERE target_key = ?", [key])
            try db.run(
                "DELETE FROM aliases WHERE NOT EXISTS (SELECT 1 FROM alias_targets t WHERE t.alias_id = aliases.id)")
            try db.run("DELETE FROM accounts WHERE id = ?", [id.rawValue])
            return ((), [.accountRemoved(account: id)])
        }
    }

    // MARK: Aliases

    /// Adds an alias (`name@domain`, or `@domain` for a catch-all) with its targets, in order.
    @discardableResult
    public func addAlias(_ alias: String, targets: [String]) async throws -> AliasRecord {
        let (address, domain) = try Self.splitAlias(alias)
        let targets = targets.map { $0.trimmingCharacters(in: .whitespaces) }
        guard !targets.isEmpty, !targets.contains(where: \.isEmpty) else {
            throw StoreError.invalidArgument("an alias needs at least one target address")
        }
        return try await write { db in
            guard let domainID = try db.int("SELECT id FROM domains WHERE name = ?", [domain]) else {
                throw StoreError.notFound("The domain \(domain)")
            }
            let key = address.lowercased()
            if try db.int("SELECT 1 FROM aliases WHERE address_key = ?", [key]) != nil {
                throw StoreError.alreadyExists("The alias \(address)")
            }
            if try db.int("SELECT 1 FROM accounts WHERE address_key = ?", [key]) != nil {
                throw StoreError.alreadyExists("An account \(address)")
            }
            let now = Date()
            try db.run(
                "INSERT INTO aliases(domain_id, address, address_key, created_at) VALUES (?, ?, ?, ?)",
                [domainID, address, key, now.storeValue])
            let id = db.lastInsertedRowID
            for (i, target) in targets.enumerated() {
                try db.run(
                    "INSERT INTO alias_targets(alias_id, position, target, target_key) VALUES (?, ?, ?, ?)",
                    [id, i, target, target.lowercased()])
            }
            let record = AliasRecord(
                id: AliasID(rawValue: id), alias: address, domain: domain, targets: targets, createdAt: now)
            return (record, [])
        }
    }

    public func removeAlias(_ alias: String) async throws {
        let key = alias.lowercased()
        try await write { db -> ((), [StoreChange]) in
            guard let id = try db.int("SELECT id FROM aliases WHERE address_key = ?", [key]) else {
                throw StoreError.notFound("The alias \(alias)")
            }
            try db.run("DELETE FROM aliases WHERE id = ?", [id])
            return ((), [])
        }
    }

    /// All aliases, sorted by address.
    public func aliases() async throws -> [AliasRecord] {
        try await read { db in
            let rows = try db.rows(
                "SELECT al.id, al.address, d.name, al.created_at FROM aliases al JOIN domains d ON d.id = al.domain_id ORDER BY al.address_key"
            )
            var targets: [Int64: [String]] = [:]
            for row in try db.rows("SELECT alias_id, target FROM alias_targets ORDER BY alias_id, position") {
                targets[row[0], default: []].append(row[1])
            }
            return rows.map { DirectoryRows.alias($0, targets: targets[$0[0]] ?? []) }
        }
    }

    /// An alias by exact address (case-insensitive); "@domain" finds the catch-all.
    public func alias(_ address: String) async throws -> AliasRecord? {
        let key = address.lowercased()
        return try await read { db in
            guard
                let row = try db.row(
                    "SELECT al.id, al.address, d.name, al.created_at FROM aliases al JOIN domains d ON d.id = al.domain_id WHERE al.address_key = ?",
                    [key])
            else { return nil }
            let targets = try String.fetchAll(
                db, sql: "SELECT target FROM alias_targets WHERE alias_id = ? ORDER BY position",
                arguments: [row[0] as Int64])
            return DirectoryRows.alias(row, targets: targets)
        }
    }

    // MARK: App passwords

    /// `alreadyExists` if the account has an app password with this label.
    @discardableResult
    public func addAppPassword(account: AccountID, label: String, hash: String) async throws -> AppPasswordRecord {
        try await write { db in
            guard try Rows.accountExists(db, account) else { throw StoreError.notFound("The account \(account)") }
            if try db.int(
                "SELECT 1 FROM app_passwords WHERE account_id = ? AND label = ?", [account.rawValue, label]) != nil
            {
                throw StoreError.alreadyExists("An app password labelled \"\(label)\"")
            }
            let now = Date()
            try db.run(
                "INSERT INTO app_passwords(account_id, label, hash, created_at) VALUES (?, ?, ?, ?)",
                [account.rawValue, label, hash, now.storeValue])
            let record = AppPasswordRecord(
                id: AppPasswordID(rawValue: db.lastInsertedRowID), account: account, label: label, hash: hash,
                createdAt: now, lastUsedAt: nil)
            return (record, [])
        }
    }

    /// The account's app passwords, oldest first (none for an unknown account).
    public func appPasswords(account: AccountID) async throws -> [AppPasswordRecord] {
        try await read { db in
            try db.rows(
                """
                SELECT id, account_id, label, hash, created_at, last_used_at FROM app_passwords
                WHERE account_id = ? ORDER BY id
                """, [account.rawValue]
            ).map(DirectoryRows.appPassword)
        }
    }

    public func revokeAppPassword(account: AccountID, label: String) async throws {
        try await write { db -> ((), [StoreChange]) in
            try db.run("DELETE FROM app_passwords WHERE account_id = ? AND label = ?", [account.rawValue, label])
            guard db.changesCount > 0 else { throw StoreError.notFound("The app password \"\(label)\"") }
            return ((), [])
        }
    }

    /// Records the last use of an app password (no error if it was revoked meanwhile).
    public func touchAppPassword(_ id: AppPasswordID, at date: Date) async throws {
        try await write { db -> ((), [StoreChange]) in
            try db.run("UPDATE app_passwords SET last_used_at = ? WHERE id = ?", [date.storeValue, id.rawValue])
            return ((), [])
        }
    }

    // MARK: Logins

    /// Records a login attempt; the account is looked up by username when the event has none. Keeps
    /// the newest `maxStoredLogins` events.
    public func recordLogin(_ event: LoginEvent) async throws {
        try await write { db -> ((), [StoreChange]) in
            var account = event.account?.rawValue
            if account == nil {
                account = try db.int("SELECT id FROM accounts WHERE address_key = ?", [event.username.lowercased()])
            }
            try db.run(
                """
                INSERT INTO logins(at, username, account_id, remote, protocol, mechanism, success, reason)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    event.date.storeValue, event.username, account, event.remoteAddress, event.protocolName,
                    event.mechanism, event.success, event.reason,
                ])
            try db.run("DELETE FROM logins WHERE id <= ?", [db.lastInsertedRowID - Int64(Self.maxStoredLogins)])
            return ((), [])
        }
    }

    /// The newest login events first; only one account's with `account`.
    public func recentLogins(limit: Int, account: AccountID? = nil) async throws -> [LoginEvent] {
        try await read { db in
            let columns = "username, remote, protocol, success, at, account_id, mechanism, reason"
            let rows: [Row]
            if let account {
                rows = try db.rows(
                    "SELECT \(columns) FROM logins WHERE account_id = ? ORDER BY id DESC LIMIT ?",
                    [account.rawValue, max(0, limit)])
            } else {
                rows = try db.rows("SELECT \(columns) FROM logins ORDER BY id DESC LIMIT ?", [max(0, limit)])
            }
            return rows.map { row in
                LoginEvent(
                    username: row[0], remoteAddress: row[1], protocolName: row[2], success: row[3],
                    date: Date(storeValue: row[4]), account: (row[5] as Int64?).map(AccountID.init(rawValue:)),
                    mechanism: row[6], reason: row[7])
            }
        }
    }

    // MARK: Names

    static func domainName(_ raw: String) throws -> String {
        let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
        guard !name.isEmpty, !name.contains("@"), !name.contains("/"),
            !name.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F })
        else { throw StoreError.invalidName("\"\(raw)\" is not a domain name") }
        return name
    }

    /// `Local@Domain` → (`Local@domain`, `domain`).
    static func splitAddress(_ raw: String) throws -> (address: String, domain: String) {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        guard let at = trimmed.lastIndex(of: "@"), at != trimmed.startIndex else {
            throw StoreError.invalidName("\"\(raw)\" is not an address (name@domain)")
        }
        let local = String(trimmed[..<at])
        let domain = try domainName(String(trimmed[trimmed.index(after: at)...]))
        guard !local.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw StoreError.invalidName("\"\(raw)\" contains control characters")
        }
        return (local + "@" + domain, domain)
    }

    /// Like `splitAddress`, and `@domain` for a catch-all.
    static func splitAlias(_ raw: String) throws -> (address: String, domain: String) {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("@") {
            let domain = try domainName(String(trimmed.dropFirst()))
            return ("@" + domain, domain)
        }
        return try splitAddress(trimmed)
    }
}

enum DirectoryRows {
    static func domain(_ row: Row) -> DomainRecord {
        DomainRecord(id: DomainID(rawValue: row[0]), name: row[1], createdAt: Date(storeValue: row[2]))
    }

    static let accountColumns = """
        a.id, a.address, d.name, a.display_name, a.password_hash, a.quota_bytes, a.created_at
        FROM accounts a JOIN domains d ON d.id = a.domain_id
        """

    static func account(_ row: Row) -> AccountRecord {
        AccountRecord(
            id: AccountID(rawValue: row[0]), address: row[1], domain: row[2], displayName: row[3],
            passwordHash: row[4], quotaBytes: row[5], createdAt: Date(storeValue: row[6]))
    }

    static func alias(_ row: Row, targets: [String]) -> AliasRecord {
        AliasRecord(
            id: AliasID(rawValue: row[0]), alias: row[1], domain: row[2], targets: targets,
            createdAt: Date(storeValue: row[3]))
    }

    static func appPassword(_ row: Row) -> AppPasswordRecord {
        AppPasswordRecord(
            id: AppPasswordID(rawValue: row[0]), account: AccountID(rawValue: row[1]), label: row[2], hash: row[3],
            createdAt: Date(storeValue: row[4]), lastUsedAt: (row[5] as Double?).map(Date.init(storeValue:)))
    }
}
