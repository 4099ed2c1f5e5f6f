// SEARCH / UID SEARCH (RFC 9051 §6.4.4, RFC 4731 ESEARCH, RFC 5182 SEARCHRES, RFC 7162 §3.1.5).
//
// Invariants:
// - Keys are evaluated over the session's snapshot, so results use the sequence numbers the client knows.
// - BODY and TEXT are answered by the store's full-text index, FROM, TO, CC, BCC and SUBJECT by a query over the
//   stored (decoded) header text (`MailStore.search`), once per distinct key, before the tree is evaluated; HEADER
//   matches the decoded values of the named field; all case-insensitive substrings.
// - Only US-ASCII and UTF-8 charsets are accepted; others get NO [BADCHARSET] (RFC 9051 §6.4.4).

import Delivery
import Foundation
import IMAPProtocol
import MIME
import MailStore

/// What the evaluator needs of one message.
struct SearchCandidate {
    var sequenceNumber: UInt32
    var summary: MessageSummary
    var details: MessageDetails?
}

/// Evaluates a search key tree (pure; results of keys the store answers are looked up in `storeMatches`).
struct SearchEvaluator {
    var largestSequenceNumber: UInt32
    var largestUID: UInt32
    var storeMatches: [SearchKey: Set<UID>] = [:]
    var saved: Set<UID> = []
    var now = Date()

    func matches(_ key: SearchKey, _ m: SearchCandidate) -> Bool {
        let flags = m.summary.flags
        switch key {
        case .all: return true
        case .answered: return flags.contains(StoreFlag.answered)
        case .deleted: return flags.contains(StoreFlag.deleted)
        case .draft: return flags.contains(StoreFlag.draft)
        case .flagged: return flags.contains(StoreFlag.flagged)
        case .seen: return flags.contains(StoreFlag.seen)
        case .unanswered: return !flags.contains(StoreFlag.answered)
        case .undeleted: return !flags.contains(StoreFlag.deleted)
        case .undraft: return !flags.contains(StoreFlag.draft)
        case .unflagged: return !flags.contains(StoreFlag.flagged)
        case .unseen: return !flags.contains(StoreFlag.seen)
        // RFC 3501: no message is \Recent in Mailroom.
        case .new, .recent: return false
        case .old: return true
        case .keyword(let name): return StoreFlag(name).map { flags.contains($0) } ?? false
        case .unkeyword(let name): return !(StoreFlag(name).map { flags.contains($0) } ?? false)
        case .body, .text, .from, .to, .cc, .bcc, .subject:
            return storeMatches[key]?.contains(m.summary.uid) ?? false
        case .header(let field, let s):
            // RFC 9051 §6.4.4: an empty string matches every message that has the field.
            guard let details = m.details, let structure = StoredStructure.structure(details.bodyStructure) else {
                return false
            }
            return structure.header.all(field).contains { Self.contains($0.decodedValue, s) }
        case .before(let d): return Self.day(m.summary.internalDate) < d.daysSince1970
        case .on(let d): return Self.day(m.summary.internalDate) == d.daysSince1970
        case .since(let d): return Self.day(m.summary.internalDate) >= d.daysSince1970
        case .sentBefore(let d): return m.details?.headerDate.map { Self.day($0) < d.daysSince1970 } ?? false
        case .sentOn(let d): return m.details?.headerDate.map { Self.day($0) == d.daysSince1970 } ?? false
        case .sentSince(let d): return m.details?.headerDate.map { Self.day($0) >= d.daysSince1970 } ?? false
        case .larger(let n): return UInt64(m.summary.size) > n
        case .smaller(let n): return UInt64(m.summary.size) < n
        case .uid(let set): return contains(set, m.summary.uid.rawValue, largest: largestUID, isUID: true)
        case .sequenceNumbers(let set):
            return contains(set, m.sequenceNumber, largest: largestSequenceNumber, isUID: false, uid: m.summary.uid)
        case .not(let inner): return !matches(inner, m)
        case .or(let a, let b): return matches(a, m) || matches(b, m)
        case .and(let keys): return keys.allSatisfy { matches($0, m) }
        case .modSeq(let value, _): return m.summary.modSeq.rawValue >= value  // RFC 7162 §3.1.5
        // RFC 5032 WITHIN
        case .younger(let seconds): return now.timeIntervalSince(m.summary.internalDate) <= Double(seconds)
        case .older(let seconds): return now.timeIntervalSince(m.summary.internalDate) > Double(seconds)
        case .emailID(let id): return m.summary.emailID.objectID == id
        case .threadID(let id): return m.summary.threadID.objectID == id
        case .savedBefore, .savedOn, .savedSince, .saveDateSupported: return false
        }
    }

    func contains(_ set: SequenceSet, _ value: UInt32, largest: UInt32, isUID: Bool, uid: UID? = nil) -> Bool {
        if case .lastCommand = set { return saved.contains(uid ?? UID(value)) }
        return set.resolved(largest: largest)?.contains { $0.contains(value) } ?? false
    }

    /// Case-insensitive substring (RFC 9051 §6.4.4).
    static func contains(_ haystack: String?, _ needle: String) -> Bool {
        guard let haystack else { return false }
        return needle.isEmpty || haystack.range(of: needle, options: [.caseInsensitive]) != nil
    }

    /// Days since 1970-01-01 in UTC (RFC 9051 §6.4.4 compares dates, disregarding time).
    static func day(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / 86400).rounded(.down))
    }

    /// Every key in the tree the store answers (deduplicated).
    static func storeKeys(_ key: SearchKey) -> Set<SearchKey> {
        switch key {
        case .body, .text, .from, .to, .cc, .bcc, .subject: return [key]
        case .not(let inner): return storeKeys(inner)
        case .or(let a, let b): return storeKeys(a).union(storeKeys(b))
        case .and(let keys): return keys.reduce(into: Set()) { $0.formUnion(storeKeys($1)) }
        default: return []
        }
    }

    static func needsDetails(_ key: SearchKey) -> Bool {
        switch key {
        case .sentBefore, .sentOn, .sentSince, .header: return true
        case .not(let inner): return needsDetails(inner)
        case .or(let a, let b): return needsDetails(a) || needsDetails(b)
        case .and(let keys): return keys.contains(where: needsDetails)
        default: return false
        }
    }

    /// What the store looks for, for a key `storeKeys` returned.
    enum StoreQuery {
        case text(String, TextScope)
        case field(SummaryField, String)
    }

    static func storeQuery(_ key: SearchKey) -> StoreQuery? {
        switch key {
        case .body(let s): return .text(s, .body)
        case .text(let s): return .text(s, .text)
        case .from(let s): return .field(.from, s)
        case .to(let s): return .field(.to, s)
        case .cc(let s): return .field(.cc, s)
        case .bcc(let s): return .field(.bcc, s)
        case .subject(let s): return .field(.subject, s)
        default: return nil
        }
    }
}

extension IMAPSession {
    func search(tag: String, _ command: SearchCommand, byUID: Bool) async throws {
        guard let box = selected else { return }
        if let charset = command.charset, !["US-ASCII", "UTF-8"].contains(charset.uppercased()) {
            throw SessionError.no(.badCharset(["US-ASCII", "UTF-8"]), "Unsupported charset")
        }
        var evaluator = SearchEvaluator(
            largestSequenceNumber: box.count, largestUID: box.messages.last?.uid.rawValue ?? 0)
        evaluator.saved = Set(savedSearch)
        for key in SearchEvaluator.storeKeys(command.key) {
            switch SearchEvaluator.storeQuery(key) {
            case .text(let text, let scope)?:
                evaluator.storeMatches[key] = try await store.search(mailbox: box.id, text: text, scope: scope)
            case .field(let field, let text)?:
                evaluator.storeMatches[key] = try await store.search(mailbox: box.id, field: field, text: text)
            case nil:
                continue
            }
        }
        var details: [UID: MessageDetails] = [:]
        if SearchEvaluator.needsDetails(command.key) {
            var start = 0
            while start < box.messages.count {
                let batch = box.messages[start..<min(start + Self.fetchBatchSize, box.messages.count)].map(\.uid)
                start += batch.count
                for d in try await store.messageDetails(mailbox: box.id, uids: batch) { details[d.uid] = d }
            }
        }
        var found: [(UInt32, MessageSummary)] = []
        for (index, summary) in box.messages.enumerated() {
            let candidate = SearchCandidate(
                sequenceNumber: UInt32(index + 1), summary: summary, details: details[summary.uid])
            if evaluator.matches(command.key, candidate) { found.append((UInt32(index + 1), summary)) }
        }
        let numbers = found.map { byUID ? $0.1.uid.rawValue : $0.0 }
        // RFC 7162 §3.1.5: with a MODSEQ key the response carries the highest MODSEQ found.
        let usesModSeq = Self.containsModSeq(command.key)
        if usesModSeq { condStoreEnabled = true }
        let highest = usesModSeq ? found.map(\.1.modSeq.rawValue).max() : nil
        if let options = command.returnOptions ?? (rev2 ? [] : nil) {
            // RFC 4731 §3.1: RETURN () means ALL.
            let wanted: Set<SearchReturnOption> = options.isEmpty ? [.all] : Set(options)
            if wanted.contains(.save) {
                // RFC 5182 §2.1: SAVE stores the result (as UIDs) for `$`.
                savedSearch = found.map(\.1.uid)
            }
            var data: [ESearchReturnData] = []
            if wanted.contains(.min), let v = numbers.min() { data.append(.min(v)) }
            if wanted.contains(.max), let v = numbers.max() { data.append(.max(v)) }
            if wanted.contains(.all), !numbers.isEmpty { data.append(.all(SequenceSet(compacting: numbers))) }
            if wanted.contains(.count) { data.append(.count(UInt32(numbers.count))) }
            if let highest, !numbers.isEmpty { data.append(.modSeq(highest)) }
            // RFC 5182 §2.1: SAVE alone returns no ESEARCH response... unless others were asked for.
            if !(wanted == [.save]) {
                try await write(.untagged(.esearch(ESearchResponse(tag: tag, uid: byUID, returnData: data))))
            }
        } else {
            try await write(.untagged(.search(numbers, modSeq: numbers.isEmpty ? nil : highest)))
        }
        try await write(.ok(tag, byUID ? "UID SEARCH completed" : "SEARCH completed"))
    }

    static func containsModSeq(_ key: SearchKey) -> Bool {
        switch key {
        case .modSeq: return true
        case .not(let inner): return containsModSeq(inner)
        case .or(let a, let b): return containsModSeq(a) || containsModSeq(b)
        case .and(let keys): return keys.contains(where: containsModSeq)
        default: return false
        }
    }
}
