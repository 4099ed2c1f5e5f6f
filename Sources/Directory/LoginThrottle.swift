// Failed-login throttling, per remote IP and per account (DESIGN §5).
//
// Invariants:
// - The delay grows with recent failures: none for the first `freeFailures`, then doubling from
//   `baseDelay` up to `maxDelay`. Failures older than `window` are forgotten.
// - A success clears the account's counter (not the IP's: many people share one NAT).
// - Memory is bounded: at most `maxTrackedKeys` keys; the least recently failed are dropped first.
// - The caller waits the delay asynchronously; nothing blocks a thread.

import Foundation

public actor LoginThrottle {
    public struct Policy: Sendable {
        public var freeFailures: Int
        public var baseDelay: Duration
        public var maxDelay: Duration
        public var window: Duration
        public var maxTrackedKeys: Int

        public static let standard = Policy(
            freeFailures: 3, baseDelay: .seconds(1), maxDelay: .seconds(15), window: .seconds(15 * 60),
            maxTrackedKeys: 100_000)

        public init(freeFailures: Int, baseDelay: Duration, maxDelay: Duration, window: Duration, maxTrackedKeys: Int) {
            self.freeFailures = freeFailures
            self.baseDelay = baseDelay
            self.maxDelay = maxDelay
            self.window = window
            self.maxTrackedKeys = maxTrackedKeys
        }
    }

    enum Key: Hashable {
        case ip(String)
        case account(String)
    }

    struct Entry {
        var failures: Int
        var last: ContinuousClock.Instant
    }

    private let policy: Policy
    private let now: @Sendable () -> ContinuousClock.Instant
    private var entries: [Key: Entry] = [:]

    public init(policy: Policy = .standard, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.policy = policy
        self.now = now
    }

    /// The delay to impose before answering a login attempt from `ip` for `account`.
    public func delay(ip: String, account: String) -> Duration {
        let failures = max(count(.ip(ip)), count(.account(account.lowercased())))
        return delay(forFailures: failures)
    }

    func delay(forFailures failures: Int) -> Duration {
        guard failures >= policy.freeFailures else { return .zero }
        let exponent = min(failures - policy.freeFailures, 20)
        let d = policy.baseDelay * (1 << exponent)
        return min(d, policy.maxDelay)
    }

    public func recordFailure(ip: String, account: String) {
        bump(.ip(ip))
        bump(.account(account.lowercased()))
    }

    public func recordSuccess(account: String) {
        entries[.account(account.lowercased())] = nil
    }

    var trackedKeyCount: Int { entries.count }

    private func count(_ key: Key) -> Int {
        guard let e = entries[key] else { return 0 }
        if now() - e.last > policy.window {
            entries[key] = nil
            return 0
        }
        return e.failures
    }

    private func bump(_ key: Key) {
        let c = count(key)
        entries[key] = Entry(failures: c + 1, last: now())
        if entries.count > policy.maxTrackedKeys { evictOldest() }
    }

    private func evictOldest() {
        // Drop the oldest tenth in one pass so eviction is amortised.
        let sorted = entries.sorted { $0.value.last < $1.value.last }
        for (key, _) in sorted.prefix(max(1, entries.count / 10)) { entries[key] = nil }
    }
}
