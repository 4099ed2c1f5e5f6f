// Pure pieces of the IMAP session: sequence-set mapping over the snapshot, SEARCH evaluation, LIST
// pattern matching. The protocol end to end is covered by Tests/Interop/test_imap.py.

import Foundation
import IMAPProtocol
import MailStore
import Testing

@testable import IMAPServer

private func summary(_ uid: UInt32, flags: [String] = [], size: Int64 = 100, modSeq: UInt64 = 1, day: Int = 0)
    -> MessageSummary
{
    MessageSummary(
        uid: UID(uid), emailID: EmailID(rawValue: Int64(uid)), threadID: ThreadID(rawValue: Int64(uid)),
        flags: Set(flags.compactMap { StoreFlag($0) }), modSeq: ModSeq(modSeq), size: size,
        internalDate: Date(timeIntervalSince1970: TimeInterval(day) * 86400 + 3600))
}

private func box(_ messages: [MessageSummary]) -> SelectedMailbox {
    let info = MailboxInfo(
        id: MailboxID(rawValue: 1), account: AccountID(rawValue: 1), name: "INBOX", specialUse: nil, subscribed: true,
        uidValidity: 7, uidNext: UID(100), highestModSeq: ModSeq(9), messageCount: messages.count, unseenCount: 0,
        size: 0)
    return SelectedMailbox(info: info, readOnly: false, messages: messages, feed: ChangeFeed())
}

@Suite struct SequenceMappingTests {
    let mailbox = box([summary(3), summary(5), summary(9), summary(12)])

    @Test func messageNumbersAndStar() {
        defer { mailbox.stop() }
        #expect(mailbox.indices(SequenceSet(1...2), byUID: false, saved: []) == [0, 1])
        #expect(mailbox.indices(.ranges([SequenceRange(.number(3), .star)]), byUID: false, saved: []) == [2, 3])
        #expect(mailbox.isOutOfRange(SequenceSet(5...5)))
        #expect(!mailbox.isOutOfRange(SequenceSet(4...4)))
    }

    @Test func uidRangesSkipMissingUIDs() {
        defer { mailbox.stop() }
        // RFC 9051 §6.4.8: UIDs without messages are ignored; "*" is the largest UID.
        #expect(mailbox.indices(SequenceSet(4...10), byUID: true, saved: []) == [1, 2])
        #expect(mailbox.indices(.ranges([SequenceRange(.number(13), .star)]), byUID: true, saved: []) == [3])
        #expect(mailbox.indices(SequenceSet(1...2), byUID: true, saved: []) == [])
        #expect(mailbox.index(of: UID(9)) == 2)
        #expect(mailbox.index(of: UID(10)) == nil)
    }

    @Test func severalRangesGiveEachMessageOnceInOrder() {
        defer { mailbox.stop() }
        let uids = SequenceSet.ranges([
            SequenceRange(.number(9), .number(12)), SequenceRange(.number(3), .number(5)),
            SequenceRange(.number(5), .number(5)),
        ])
        #expect(mailbox.indices(uids, byUID: true, saved: []) == [0, 1, 2, 3])
        let numbers = SequenceSet.ranges([SequenceRange(.number(3), .number(4)), SequenceRange(.number(1), .number(1))])
        #expect(mailbox.indices(numbers, byUID: false, saved: []) == [0, 2, 3])
        #expect(mailbox.indices(SequenceSet(1...UInt32.max), byUID: true, saved: []) == [0, 1, 2, 3])
        #expect(mailbox.indices(SequenceSet(10...11), byUID: true, saved: []) == [])
    }

    @Test func savedSearchResolvesDollar() {
        defer { mailbox.stop() }
        #expect(mailbox.indices(.lastCommand, byUID: true, saved: [UID(12), UID(3)]).sorted() == [0, 3])
    }
}

@Suite struct SearchEvaluationTests {
    let messages = [
        summary(1, flags: ["\\Seen"], size: 50, modSeq: 2, day: 10),
        summary(2, flags: ["\\Flagged", "$Label"], size: 500, modSeq: 5, day: 11),
        summary(4, flags: ["\\Deleted", "\\Seen"], size: 5000, modSeq: 8, day: 12),
    ]

    func search(_ key: SearchKey, text: [SearchKey: Set<UID>] = [:]) -> [UInt32] {
        var evaluator = SearchEvaluator(largestSequenceNumber: 3, largestUID: 4)
        evaluator.storeMatches = text
        return messages.enumerated().compactMap { index, message in
            evaluator.matches(key, SearchCandidate(sequenceNumber: UInt32(index + 1), summary: message))
                ? message.uid.rawValue : nil
        }
    }

    @Test func flagsAndKeywords() {
        #expect(search(.seen) == [1, 4])
        #expect(search(.unseen) == [2])
        #expect(search(.keyword("$label")) == [2])  // keywords compare case-insensitively in the store
        #expect(search(.and([.seen, .undeleted])) == [1])
    }

    @Test func sizesDatesAndModSeq() {
        #expect(search(.larger(100)) == [2, 4])
        #expect(search(.smaller(100)) == [1])
        let day11 = IMAPDate(year: 1970, month: 1, day: 12)!  // 11 days after 1970-01-01
        #expect(search(.on(day11)) == [2])
        #expect(search(.before(day11)) == [1])
        #expect(search(.since(day11)) == [2, 4])
        #expect(search(.modSeq(5, entry: nil)) == [2, 4])
    }

    @Test func setsAndBooleans() {
        #expect(search(.uid(SequenceSet(2...3))) == [2])
        #expect(search(.sequenceNumbers(SequenceSet(2...3))) == [2, 4])
        #expect(search(.or(.flagged, .deleted)) == [2, 4])
        #expect(search(.not(.or(.flagged, .deleted))) == [1])
    }

    @Test func storeKeysUseStoreResults() {
        let key = SearchKey.body("needle")
        #expect(search(key, text: [key: [UID(4)]]) == [4])
        #expect(SearchEvaluator.storeKeys(.and([.not(key), .seen, .text("x")])) == [key, .text("x")])
        // FROM/SUBJECT and friends are store queries too: no message details are loaded for them.
        #expect(SearchEvaluator.storeKeys(.or(.from("a"), .subject("x"))) == [.from("a"), .subject("x")])
        #expect(search(.subject("x"), text: [.subject("x"): [UID(1), UID(2)]]) == [1, 2])
        #expect(!SearchEvaluator.needsDetails(.or(.seen, .subject("x"))))
        #expect(SearchEvaluator.needsDetails(.or(.seen, .sentSince(IMAPDate(year: 2026, month: 1, day: 1)!))))
    }
}

@Suite struct ListPatternTests {
    @Test func wildcards() {
        #expect(IMAPSession.matches("INBOX", pattern: "*"))
        #expect(IMAPSession.matches("Projects/Mailroom", pattern: "*"))
        #expect(!IMAPSession.matches("Projects/Mailroom", pattern: "%"))
        #expect(IMAPSession.matches("Projects/Mailroom", pattern: "Projects/%"))
        #expect(IMAPSession.matches("INBOX", pattern: "inbox"))  // RFC 9051 §5.1
        #expect(!IMAPSession.matches("Sent", pattern: "S%x"))
        #expect(IMAPSession.join("Projects/", "%") == "Projects/%")
    }
}
