// Password hashing: bcrypt for account passwords, SHA-256 for app passwords.
//
// Invariants:
// - bcrypt runs on NIOThreadPool, never on an event loop or the cooperative pool (it takes tens
//   of milliseconds by design).
// - Verification against an unknown account still runs one bcrypt against `dummyHash`, so the
//   time of a failed login does not tell whether the account exists.
// - App passwords are 80-bit random secrets: a fast hash is enough (they cannot be guessed
//   offline like human passwords), and it keeps app-password logins cheap.

import Crypto
import Foundation
import HummingbirdBcrypt
import NIOPosix
import Synchronization

public enum PasswordHashing {
    /// bcrypt cost for new hashes. 10 ≈ 70 ms on this class of machine (NOTES.md).
    public static let bcryptCost: UInt8 = 10
    /// bcrypt only reads the first 72 bytes of a password; longer ones are refused when set so that
    /// two passwords differing after byte 72 are never silently equal.
    public static let maxPasswordBytes = 72
    /// Shortest password `user add` accepts.
    public static let minPasswordLength = 8

    /// Hashes a password with bcrypt off the event loops.
    public static func hash(_ password: String) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive {
            Bcrypt.hash(password, cost: bcryptCost)
        }
    }

    /// Verifies a password against a stored hash off the event loops. A nil hash verifies against a
    /// dummy hash of the same cost and always fails.
    public static func verify(_ password: String, hash: String?) async throws -> Bool {
        workCounter?.count.add(1, ordering: .relaxed)
        let target = normalised(hash) ?? dummyHash
        let ok = try await NIOThreadPool.singleton.runIfActive {
            Bcrypt.verify(password, hash: target)
        }
        return ok && hash != nil
    }

    /// Counts the bcrypt verifications of the task that sets it (tests check that every login
    /// attempt costs exactly one, whether the account exists or not).
    final class WorkCounter: Sendable {
        let count = Atomic<Int>(0)
    }
    @TaskLocal static var workCounter: WorkCounter?

    /// `$2y$` (PHP, htpasswd) is the same algorithm as `$2b$`; the C library only knows the latter.
    static func normalised(_ hash: String?) -> String? {
        guard let hash else { return nil }
        guard isBcrypt(hash) else { return nil }
        if hash.hasPrefix("$2y$") { return "$2b$" + hash.dropFirst(4) }
        return hash
    }

    /// True for a well-formed bcrypt hash with a cost the library accepts (it traps outside 4...31).
    static func isBcrypt(_ hash: String) -> Bool {
        let parts = hash.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].isEmpty, ["2a", "2b", "2y"].contains(parts[1]),
            let cost = Int(parts[2]), (4...31).contains(cost), parts[3].utf8.count == 53
        else { return false }
        return true
    }

    /// A fixed hash (of a random string) at the standard cost, so failed lookups cost a real bcrypt.
    static let dummyHash: String = Bcrypt.hash(
        (0..<24).map { _ in String(UInt8.random(in: 97...122), radix: 36) }.joined(), cost: bcryptCost)

    /// SHA-256 hex of an app password.
    public static func appPasswordDigest(_ password: String) -> String {
        let normalised = password.lowercased().filter { $0 != "-" && $0 != " " }
        return SHA256.hash(data: Data(normalised.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Constant-time comparison of two ASCII digests.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    /// A new app password: four groups of four lowercase letters (≈75 bits), easy to type on a phone.
    public static func generateAppPassword() -> String {
        var rng = SystemRandomNumberGenerator()
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        return (0..<4).map { _ in String((0..<4).map { _ in letters[Int(rng.next() % 26)] }) }
            .joined(separator: "-")
    }

    /// A random password for `mailroom dev`'s demo account.
    public static func generatePassword() -> String {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        return String((0..<16).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
    }
}
