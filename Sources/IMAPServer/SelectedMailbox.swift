// SelectedMailbox: the session's view of the selected mailbox (RFC 9051 §2.3.1.2, §7.5.1).
//
// Invariants:
// - `messages` is the snapshot the client knows: message sequence number n is `messages[n - 1]`,
//   ordered by ascending UID. It changes only when the session tells the client (EXISTS, EXPUNGE /
//   VANISHED, FETCH FLAGS), so sequence numbers in responses always match what the client was told.
// - A pump task turns the store's change feed into a `ChangeSignal`; the session re-reads the mailbox
//   from the store (the source of truth) when the signal is set, and diffs it against the snapshot.

import Foundation
import IMAPProtocol
import MailStore
import Synchronization

final class SelectedMailbox: @unchecked Sendable {  // used by its session's task only (the pump only signals)
    let info: MailboxInfo
    let readOnly: Bool
    var messages: [MessageSummary]
    let signal = ChangeSignal()
    private var pump: Task<Void, Never>?

    init(info: MailboxInfo, readOnly: Bool, messages: [MessageSummary], feed: ChangeFeed) {
        self.info = info
        self.readOnly = readOnly
        self.messages = messages
        let stream = feed.subscribe(account: info.account, mailbox: info.id)
        let signal = self.signal
        pump = Task {
            for await _ in stream { signal.signal() }
        }
    }

    func stop() {
        pump?.cancel()
        pump = nil
    }

    var id: MailboxID { info.id }
    var count: UInt32 { UInt32(messages.count) }

    /// Index of `uid` in the snapshot.
    func index(of uid: UID) -> Int? {
        var low = 0
        var high = messages.count - 1
        while low <= high {
            let mid = (low + high) / 2
            let value = messages[mid].uid
            if value == uid { return mid }
            if value < uid { low = mid + 1 } else { high = mid - 1 }
        }
        return nil
    }

    /// Snapshot indices named by a sequence set (message numbers or UIDs), ascending, without duplicates.
    /// `saved` resolves `$` (RFC 5182).
    func indices(_ set: SequenceSet, byUID: Bool, saved: [UID]) -> [Int] {
        guard !messages.isEmpty else { return [] }
        if case .lastCommand = set {
            return saved.compactMap(index(of:))
        }
        let largest = byUID ? messages[messages.count - 1].uid.rawValue : UInt32(messages.count)
        guard let ranges = set.resolved(largest: largest) else { return [] }
        // Each range of the set as a range of indices, found by binary search: `1:*` over 100,000 messages is one
        // range, not 100,000 insertions.
        let spans: [Range<Int>] = ranges.compactMap { range in
            let span: Range<Int>
            if byUID {
                // RFC 9051 §6.4.8: UIDs that do not exist are ignored.
                let lower = lowerBound(UID(range.lowerBound))
                let upper =
                    range.upperBound == UInt32.max ? messages.count : lowerBound(UID(range.upperBound + 1))
                span = lower..<max(lower, upper)
            } else {
                let lower = Int(range.lowerBound) - 1
                span = lower..<max(lower, min(Int(range.upperBound), messages.count))
            }
            return span.isEmpty ? nil : span
        }
        if spans.count == 1 { return Array(spans[0]) }
        var result = IndexSet()
        for span in spans { result.insert(integersIn: span) }
        return Array(result)
    }

    /// First index whose UID is >= uid.
    func lowerBound(_ uid: UID) -> Int {
        var low = 0
        var high = messages.count
        while low < high {
            let mid = (low + high) / 2
            if messages[mid].uid < uid { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Whether a sequence-number set names a message that does not exist (RFC 9051 §6.4.5: BAD).
    func isOutOfRange(_ set: SequenceSet) -> Bool {
        guard case .ranges(let ranges) = set else { return false }
        for range in ranges {
            for number in [range.first, range.last] {
                if case .number(let n) = number, n > UInt32(messages.count) { return true }
            }
        }
        return false
    }
}

/// A level-triggered wake-up: `signal()` from any task, `wait()` in the session (cancellable).
final class ChangeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                state.pending = true
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Clears and returns the pending flag.
    func take() -> Bool {
        state.withLock { state in
            defer { state.pending = false }
            return state.pending
        }
    }

    /// Returns when a signal is pending (without clearing it) or the task is cancelled.
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending || Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
