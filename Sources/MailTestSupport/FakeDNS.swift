// FakeDNSResolver: an in-memory `DNSResolver` for tests, filled from a table instead of the network.
//
// Invariants:
// - All state is behind one Mutex: tests may fill the table and read the log while lookups run.
// - Names are matched lowercased and without a trailing dot, as the DNSResolver contract gives them.
// - A name marked NXDOMAIN or failing answers every question with that error; otherwise a name without
//   records of the asked type answers NODATA ([]), like a real zone.
// - Every question asked is appended to `questions`, in order, errors included.

import DNS
import Foundation
import Synchronization

/// A scripted resolver: set records and failures per name, then assert on the questions asked.
public final class FakeDNSResolver: DNSResolver, Sendable {
    /// Which lookup was asked.
    public enum QuestionKind: Hashable, Sendable {
        case mx
        case addresses
        case txt
    }

    /// One lookup in the log.
    public struct Question: Hashable, Sendable, CustomStringConvertible {
        public var kind: QuestionKind
        public var name: String
        public var description: String { "\(kind) \(name)" }
    }

    private struct Table {
        var mx: [String: [MXRecord]] = [:]
        var addresses: [String: [IPAddress]] = [:]
        var txt: [String: [String]] = [:]
        var failures: [String: DNSError] = [:]
        var questions: [Question] = []
    }

    private let table = Mutex(Table())

    public init() {}

    // MARK: Filling the table

    /// Sets the MX records of `name`.
    public func setMX(_ name: String, _ records: [MXRecord]) {
        table.withLock { $0.mx[Self.key(name)] = records }
    }

    /// Sets the MX records of `name` from (preference, exchange) pairs.
    public func setMX(_ name: String, _ records: [(UInt16, String)]) {
        setMX(name, records.map { MXRecord(preference: $0.0, exchange: $0.1) })
    }

    /// Sets the A/AAAA addresses of `name`.
    public func setAddresses(_ name: String, _ addresses: [IPAddress]) {
        table.withLock { $0.addresses[Self.key(name)] = addresses }
    }

    /// Sets the addresses of `name` from text ("192.0.2.1", "2001:db8::1"); text that is not an address traps
    /// (test set-up error).
    public func setAddresses(_ name: String, _ addresses: [String]) {
        setAddresses(
            name,
            addresses.map { text in
                guard let address = Self.parseAddress(text) else { preconditionFailure("not an IP address: \(text)") }
                return address
            })
    }

    /// Sets the TXT records of `name`, each already concatenated.
    public func setTXT(_ name: String, _ records: [String]) {
        table.withLock { $0.txt[Self.key(name)] = records }
    }

    /// Makes every question about `name` throw `.nameDoesNotExist`.
    public func setNameDoesNotExist(_ name: String) {
        let key = Self.key(name)
        table.withLock { $0.failures[key] = .nameDoesNotExist(key) }
    }

    /// Makes every question about `name` throw `.temporary`.
    public func setTemporaryFailure(_ name: String, _ reason: String = "SERVFAIL (fake)") {
        table.withLock { $0.failures[Self.key(name)] = .temporary(reason) }
    }

    /// Removes every record and failure of `name`.
    public func remove(_ name: String) {
        let key = Self.key(name)
        table.withLock { table in
            table.mx[key] = nil
            table.addresses[key] = nil
            table.txt[key] = nil
            table.failures[key] = nil
        }
    }

    /// The questions asked so far, in order.
    public var questions: [Question] {
        table.withLock { $0.questions }
    }

    /// Forgets the questions asked so far.
    public func clearQuestions() {
        table.withLock { $0.questions.removeAll() }
    }

    // MARK: DNSResolver

    public func mx(_ domain: String) async throws(DNSError) -> [MXRecord] {
        try answer(.mx, domain) { $0.mx }
    }

    public func addresses(_ host: String) async throws(DNSError) -> [IPAddress] {
        try answer(.addresses, host) { $0.addresses }
    }

    public func txt(_ name: String) async throws(DNSError) -> [String] {
        try answer(.txt, name) { $0.txt }
    }

    private func answer<Record: Sendable>(
        _ kind: QuestionKind, _ name: String, _ records: (Table) -> [String: [Record]]
    ) throws(DNSError) -> [Record] {
        let key = Self.key(name)
        let result: Result<[Record], DNSError> = table.withLock { table in
            table.questions.append(Question(kind: kind, name: key))
            if let failure = table.failures[key] { return .failure(failure) }
            return .success(records(table)[key] ?? [])
        }
        return try result.get()
    }

    private static func key(_ name: String) -> String {
        var key = name.lowercased()
        if key.hasSuffix(".") { key.removeLast() }
        return key
    }

    /// Dotted-quad IPv4 or full/compressed IPv6 text.
    static func parseAddress(_ text: String) -> IPAddress? {
        if !text.contains(":") {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
            return parts.count == 4 && text.split(separator: ".", omittingEmptySubsequences: false).count == 4
                ? IPAddress(v4: parts) : nil
        }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            let values = part.split(separator: ":", omittingEmptySubsequences: false).map { UInt16($0, radix: 16) }
            return values.contains(nil) ? nil : values.compactMap { $0 }
        }
        guard let head = groups(halves[0]), let tail = halves.count == 2 ? groups(halves[1]) : [] else { return nil }
        let missing = 8 - head.count - tail.count
        guard halves.count == 2 ? missing >= 1 : missing == 0 else { return nil }
        let all = head + Array(repeating: 0, count: halves.count == 2 ? missing : 0) + tail
        return IPAddress(v6: all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] })
    }
}
