// VerifiedCredentials: credentials that passed a full check recently, so that a client that logs in again (a phone
// reconnecting every few minutes, a DAV client sending Basic credentials with every request) does not cost a bcrypt
// each time. Dovecot calls this its auth cache.
//
// Invariants:
// - Only credentials that were verified are remembered, under a SHA-256 of user, password and authorization
//   identity: never the password itself. A failed check is never cached, so a wrong password always costs a full
//   check (and the throttle sees it).
// - A hit is re-validated against the store before it is used: the account still exists, its password hash is the one
//   the password was checked against (a changed password ends every cached login at once, also when the change came
//   from the CLI in another process), or the app password still exists. Otherwise the entry is dropped and the
//   caller does the full check.
// - Entries live `lifetime` at most; the table holds at most `capacity` entries (it is emptied when full).
// - Concurrent logins with the same credentials (a client opening several connections at once) wait for the first
//   one's full check instead of each doing a bcrypt; when that check failed, each does its own.

import Crypto
import Foundation
import MailStore
import Synchronization

final class VerifiedCredentials: Sendable {
    /// How long a verified login is remembered.
    static let lifetime: TimeInterval = 300
    /// The most entries kept.
    static let capacity = 10_000

    struct Entry: Sendable {
        var account: AccountID
        /// The account's password hash when the password was verified (password logins).
        var passwordHash: String?
        /// The app password that matched (app-password logins).
        var appPassword: AppPasswordID?
        var expires: Date
    }

    private let entries = Mutex<[[UInt8]: Entry]>([:])
    /// Keys whose full check is running, and who waits for it.
    private let checking = Mutex<[[UInt8]: [CheckedContinuation<Bool, Never>]]>([:])

    static func key(_ c: Credentials) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Array(c.username.lowercased().utf8))
        hasher.update(data: [0])
        hasher.update(data: Array(c.password.utf8))
        hasher.update(data: [0])
        hasher.update(data: Array((c.authorizationIdentity ?? "").lowercased().utf8))
        return Array(hasher.finalize())
    }

    func entry(for key: [UInt8], now: Date = Date()) -> Entry? {
        entries.withLock { entries in
            guard let e = entries[key] else { return nil }
            guard e.expires > now else {
                entries[key] = nil
                return nil
            }
            return e
        }
    }

    func remember(_ key: [UInt8], _ entry: Entry) {
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll() }
            entries[key] = entry
        }
    }

    /// True when the caller is to do the full check for `key` (and then call `endCheck`); false after waiting for
    /// the check another caller was doing.
    func beginCheck(_ key: [UInt8]) async -> Bool {
        await withCheckedContinuation { continuation in
            let first = checking.withLock { checking in
                if checking[key] != nil {
                    checking[key]!.append(continuation)
                    return false
                }
                checking[key] = []
                return true
            }
            if first { continuation.resume(returning: true) }
        }
    }

    func endCheck(_ key: [UInt8]) {
        let waiting = checking.withLock { $0.removeValue(forKey: key) } ?? []
        for continuation in waiting { continuation.resume(returning: false) }
    }

    func forget(_ key: [UInt8]) {
        entries.withLock { entries in entries[key] = nil }
    }
}
