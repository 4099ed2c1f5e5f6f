// Mailbox commands (RFC 9051 §6.3): SELECT/EXAMINE, CREATE, DELETE, RENAME, SUBSCRIBE, LIST, LSUB,
// STATUS, IDLE (RFC 2177), and the delivery of other sessions' changes (RFC 9051 §7.5.1).
//
// Invariants:
// - Names cross the wire in modified UTF-7 for rev1 sessions and UTF-8 after ENABLE UTF8=ACCEPT or
//   IMAP4rev2 (RFC 9051 §5.1, RFC 6855 §3); inside the session and the store they are Unicode.
// - `syncChanges` is the only place that grows or shrinks the snapshot for other sessions' changes.

import Foundation
import IMAPProtocol
import MailStore
import NIOCore
import ServerSupport

extension IMAPSession {
    var accountID: AccountID { account!.id }

    /// The Unicode path of a mailbox argument.
    func path(_ name: MailboxName) throws -> String {
        let text = try name.decoded(utf8Accepted: utf8Accepted)
        return (try? MailStore.canonicalMailboxName(text)) ?? text
    }

    /// The mailbox named by `name`, or NO [NONEXISTENT] (or [TRYCREATE] for a COPY/APPEND target).
    func mailbox(_ name: MailboxName, tryCreate: Bool = false) async throws -> MailboxInfo {
        let path = try path(name)
        guard let info = try await store.mailbox(account: accountID, name: path) else {
            throw SessionError.no(tryCreate ? .tryCreate : .nonExistent, "No mailbox \(path)")
        }
        return info
    }

    // MARK: SELECT / EXAMINE (RFC 9051 §6.3.2, §6.3.3; RFC 7162 §3.1.8, §3.2.5)

    func select(tag: String, _ name: MailboxName, _ parameters: SelectParameters, readOnly: Bool) async throws {
        // RFC 9051 §6.3.2: a failed SELECT leaves no mailbox selected; RFC 7162 §3.2.11 CLOSED.
        if let previous = selected {
            previous.stop()
            selected = nil
            if qresyncEnabled {
                try await write(.untagged(.ok(ResponseText(code: .closed, "Previous mailbox closed"))))
            }
        }
        if parameters.qresync != nil && !qresyncEnabled {
            throw SessionError.bad("Enable QRESYNC first")  // RFC 7162 §3.2.5
        }
        if parameters.condStore { condStoreEnabled = true }
        let info = try await mailbox(name)
        let messages = try await store.messages(mailbox: info.id)
        let box = SelectedMailbox(info: info, readOnly: readOnly, messages: messages, feed: store.changeFeed)
        selected = box
        try await write(.untagged(.flags(Self.systemFlags)))
        try await write(
            .untagged(
                .ok(
                    ResponseText(
                        code: .permanentFlags(readOnly ? [] : Self.systemFlags.map { .flag($0) } + [.wildcard]),
                        "Flags permitted"))))
        try await write(.untagged(.exists(box.count)))
        if !rev2 {
            try await write(.untagged(.recent(0)))  // RFC 3501 §7.3.2
            if let first = messages.firstIndex(where: { !$0.flags.contains(StoreFlag.seen) }) {
                try await write(.untagged(.ok(ResponseText(code: .unseen(UInt32(first + 1)), "First unseen"))))
            }
        }
        try await write(.untagged(.ok(ResponseText(code: .uidValidity(info.uidValidity), "UIDs valid"))))
        try await write(.untagged(.ok(ResponseText(code: .uidNext(info.uidNext.rawValue), "Predicted next UID"))))
        try await write(
            .untagged(.ok(ResponseText(code: .highestModSeq(info.highestModSeq.rawValue), "Highest"))))
        if let q = parameters.qresync, q.uidValidity == info.uidValidity {
            try await qresyncReport(q, box: box)
        }
        try await write(
            .ok(tag, code: readOnly ? .readOnly : .readWrite, readOnly ? "EXAMINE completed" : "SELECT completed"))
    }

    static let systemFlags: [IMAPProtocol.Flag] = [.answered, .flagged, .deleted, .seen, .draft]

    /// RFC 7162 §3.2.5.2: VANISHED (EARLIER) and FETCH for what changed since the client's MODSEQ.
    func qresyncReport(_ q: QResyncParameters, box: SelectedMailbox) async throws {
        let changes = try await store.changes(mailbox: box.id, since: ModSeq(q.modSeq))
        var vanished = changes.vanished
        if let known = q.knownUIDs, let ranges = known.resolved(largest: UInt32.max) {
            vanished = vanished.filter { uid in ranges.contains { $0.contains(uid.rawValue) } }
        }
        if !vanished.isEmpty {
            try await write(
                .untagged(.vanished(earlier: true, uids: SequenceSet(compacting: vanished.map(\.rawValue)))))
        }
        for message in changes.changed {
            guard let index = box.index(of: message.uid) else { continue }
            try await writeFlagsFetch(index: index, message: message, includeUID: true)
        }
    }

    func writeFlagsFetch(index: Int, message: MessageSummary, includeUID: Bool) async throws {
        try await write(.fetch(.start(sequenceNumber: UInt32(index + 1))))
        if includeUID { try await write(.fetch(.simpleAttribute(.uid(message.uid.rawValue)))) }
        try await write(.fetch(.simpleAttribute(.flags(Self.wireFlags(message.flags)))))
        if condStoreEnabled { try await write(.fetch(.simpleAttribute(.modSeq(message.modSeq.rawValue)))) }
        try await write(.fetch(.finish))
    }

    static func wireFlags(_ flags: Set<StoreFlag>) -> [IMAPProtocol.Flag] {
        flags.sorted().map { flag in
            switch flag {  // Flag equality ignores case
            case StoreFlag.seen: return .seen
            case StoreFlag.answered: return .answered
            case StoreFlag.flagged: return .flagged
            case StoreFlag.deleted: return .deleted
            case StoreFlag.draft: return .draft
            default:
                return flag.isSystemFlag ? .extension(String(flag.name.dropFirst())) : .keyword(flag.name)
            }
        }
    }

    static func storeFlags(_ flags: [IMAPProtocol.Flag]) -> Set<StoreFlag> {
        Set(flags.compactMap { $0 == .recent ? nil : StoreFlag($0.wireForm) })
    }

    // MARK: CLOSE, UNSELECT, EXPUNGE (RFC 9051 §6.4.1, §6.4.2, §6.4.3; RFC 4315 §2.1)

    func close(tag: String, expunge: Bool) async throws {
        guard let box = selected else { return }
        if expunge && !box.readOnly {
            try await store.expunge(mailbox: box.id)  // RFC 9051 §6.4.1: silently
        }
        box.stop()
        selected = nil
        try await write(.ok(tag, expunge ? "CLOSE completed" : "UNSELECT completed"))
    }

    func expunge(tag: String, uids: SequenceSet?) async throws {
        guard let box = selected else { return }
        guard !box.readOnly else { throw SessionError.no(.readOnly, "The mailbox is read-only") }
        var only: [UID]?
        if let uids {
            only = box.indices(uids, byUID: true, saved: savedSearch).map { box.messages[$0].uid }
        }
        let gone = try await store.expunge(mailbox: box.id, uids: only)
        try await reportExpunged(Set(gone))
        try await syncChanges(allowExpunge: true)
        try await write(.ok(tag, "EXPUNGE completed"))
    }

    /// Sends EXPUNGE (or VANISHED with QRESYNC, RFC 7162 §3.2.10) for UIDs in the snapshot and drops them.
    func reportExpunged(_ uids: Set<UID>) async throws {
        guard let box = selected, !uids.isEmpty else { return }
        if qresyncEnabled {
            let present = box.messages.map(\.uid).filter { uids.contains($0) }
            box.messages.removeAll { uids.contains($0.uid) }
            if !present.isEmpty {
                try await write(
                    .untagged(.vanished(earlier: false, uids: SequenceSet(compacting: present.map(\.rawValue)))))
            }
            return
        }
        // Descending, so each number is valid when the client reads it (RFC 9051 §7.5.1).
        for index in box.messages.indices.reversed() where uids.contains(box.messages[index].uid) {
            box.messages.remove(at: index)
            try await write(.untagged(.expunge(UInt32(index + 1))))
        }
    }

    // MARK: Changes from other sessions (RFC 9051 §7.5.1)

    /// Re-reads the selected mailbox if the change feed said something changed, and tells the client:
    /// EXPUNGE/VANISHED (only when allowed), EXISTS, and FETCH FLAGS for changed flags.
    func syncChanges(allowExpunge: Bool) async throws {
        guard let box = selected else { return }
        guard box.signal.take() else { return }
        let current: [MessageSummary]
        do {
            current = try await store.messages(mailbox: box.id)
        } catch StoreError.notFound {
            // Another session deleted the selected mailbox: there is no state left to report
            // (RFC 9051 §7.1.5 BYE, as Dovecot does).
            box.stop()
            selected = nil
            try await send(.untagged(.bye("The selected mailbox was deleted by another session")))
            throw Close.logout
        }
        let currentUIDs = Set(current.map(\.uid))
        let gone = Set(box.messages.map(\.uid)).subtracting(currentUIDs)
        if !gone.isEmpty {
            guard allowExpunge else {
                box.signal.signal()  // report later
                return try await syncFlagsAndNew(current, box: box, goneKept: gone)
            }
            try await reportExpunged(gone)
        }
        try await syncFlagsAndNew(current, box: box, goneKept: [])
    }

    private func syncFlagsAndNew(_ current: [MessageSummary], box: SelectedMailbox, goneKept: Set<UID>) async throws {
        var byUID: [UID: MessageSummary] = [:]
        for message in current { byUID[message.uid] = message }
        for index in box.messages.indices {
            let old = box.messages[index]
            guard let new = byUID[old.uid], new.modSeq != old.modSeq else { continue }
            box.messages[index] = new
            if new.flags != old.flags || condStoreEnabled {
                try await writeFlagsFetch(index: index, message: new, includeUID: qresyncEnabled)
            }
        }
        let lastUID = box.messages.last?.uid ?? UID(0)
        let added = current.filter { $0.uid > lastUID }
        if !added.isEmpty {
            box.messages.append(contentsOf: added)
            try await write(.untagged(.exists(box.count)))
        }
    }

    // MARK: IDLE (RFC 2177, RFC 9051 §6.3.13)

    enum IdleWake: Sendable {
        case input(ByteBuffer?)
        case timeout
        case change
    }

    func idle(tag: String) async throws {
        try await send(.continuation(.text("idling")))
        while true {
            try await syncChanges(allowExpunge: true)
            // Pipelined DONE may already be buffered.
            if let event = decoder.nextEvent() {
                if try await finishIdle(tag: tag, event) { return }
                continue
            }
            try await flush()
            let wake = try await waitForInputOrChange()
            switch wake {
            case .input(let bytes):
                guard let bytes else { throw Close.peerLeft }
                decoder.append(bytes)
            case .timeout:
                try await write(.untagged(.ok("Still here")))  // RFC 2177 §3 keep-alive
            case .change:
                continue
            }
        }
    }

    /// Handles an event during IDLE; true when IDLE is over.
    private func finishIdle(tag: String, _ event: CommandEvent) async throws -> Bool {
        switch event {
        case .idleDone:
            try await write(.ok(tag, "IDLE terminated"))
        case .invalid(let error):
            decoder.returnToCommandMode()
            try await fail(error.response)
        default:
            decoder.returnToCommandMode()
            try await fail(.bad(tag, "Expected DONE"))
        }
        return true
    }

    /// Waits for client bytes, a change in the selected mailbox, or the keep-alive interval.
    /// Bytes read are never lost: a read that completes after the race is decided is still returned.
    func waitForInputOrChange() async throws -> IdleWake {
        let connection = self.connection
        let keepalive = settings.idleKeepalive
        let signal = selected?.signal
        return try await withThrowingTaskGroup(of: IdleWake.self) { group in
            group.addTask {
                do {
                    return .input(try await connection.read(timeout: keepalive))
                } catch ConnectionError.timeout {
                    return .timeout
                }
            }
            if let signal {
                group.addTask {
                    await signal.wait()
                    return .change
                }
            }
            let first = try await group.next()!
            group.cancelAll()
            var input: IdleWake?
            if case .input = first { input = first }
            // Drain the loser: bytes it read are kept, and a shutdown it saw is not swallowed.
            var failure: (any Error)?
            while true {
                do {
                    guard let result = try await group.next() else { break }
                    if case .input = result { input = result }
                } catch is CancellationError {
                    continue
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
            return input ?? first
        }
    }

    // MARK: CREATE, DELETE, RENAME, SUBSCRIBE (RFC 9051 §6.3.4–§6.3.8, RFC 6154 §3)

    func create(tag: String, _ name: MailboxName, specialUse: [MailboxAttribute]) async throws {
        var path = try path(name)
        // RFC 9051 §6.3.4: a trailing delimiter only says the client intends to create children.
        if path.hasSuffix(String(MailStore.hierarchySeparator)) { path.removeLast() }
        guard path != "INBOX" else { throw SessionError.no(.alreadyExists, "INBOX always exists") }
        var use: SpecialUse?
        if let attribute = specialUse.first {
            guard specialUse.count == 1, let u = SpecialUse(attribute: attribute.name) else {
                throw SessionError.no(.other("USEATTR", nil), "Unsupported special use")  // RFC 6154 §3
            }
            use = u
        }
        _ = try await store.createMailbox(account: accountID, name: path, specialUse: use)
        try await write(.ok(tag, "CREATE completed"))
    }

    func delete(tag: String, _ name: MailboxName) async throws {
        let path = try path(name)
        guard path != "INBOX" else { throw SessionError.no(.cannot, "INBOX cannot be deleted") }
        if let box = selected, box.info.name == path {
            box.stop()
            selected = nil
        }
        try await store.deleteMailbox(account: accountID, name: path)
        try await write(.ok(tag, "DELETE completed"))
    }

    func rename(tag: String, from: MailboxName, to: MailboxName) async throws {
        try await store.renameMailbox(account: accountID, from: try path(from), to: try path(to))
        try await write(.ok(tag, "RENAME completed"))
    }

    func subscribe(tag: String, _ name: MailboxName, _ on: Bool) async throws {
        try await store.setSubscribed(account: accountID, name: try path(name), on)
        try await write(.ok(tag, on ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed"))
    }

    // MARK: LIST, LSUB (RFC 9051 §6.3.9, RFC 5258, RFC 6154, RFC 5819)

    func list(tag: String, _ command: ListCommand) async throws {
        let reference = try path(command.reference)
        let patterns = try command.patterns.map { try $0.decoded(utf8Accepted: utf8Accepted) }
        // RFC 9051 §6.3.9: an empty pattern asks for the delimiter.
        if patterns == [""] {
            try await write(
                .untagged(
                    .list(
                        MailboxListItem(attributes: [.noSelect], delimiter: MailStore.hierarchySeparator, mailbox: "")))
            )
            return try await write(.ok(tag, "LIST completed"))
        }
        let all = try await store.mailboxes(account: accountID)
        let subscribed = Set(try await store.subscriptions(account: accountID))
        let onlySubscribed = command.selectOptions.contains(.subscribed)
        let onlySpecialUse = command.selectOptions.contains(.specialUse)
        let returnSubscribed = onlySubscribed || command.returnOptions.contains(.subscribed)
        var statusItems: [StatusAttribute]?
        for option in command.returnOptions {
            if case .status(let items) = option { statusItems = items }
        }
        let names = Set(all.map(\.name))
        let fullPatterns = patterns.map { Self.join(reference, $0) }
        var listed: [(String, MailboxInfo?)] = all.map { ($0.name, $0) }
        if onlySubscribed {
            // RFC 5258 §3.1: subscribed names are listed even if the mailbox does not exist.
            listed = subscribed.sorted().map { name in (name, all.first { $0.name == name }) }
        }
        // RFC 5258 §3.5 RECURSIVEMATCH with SUBSCRIBED: a parent that is not itself subscribed but has a
        // subscribed descendant is listed with CHILDINFO ("SUBSCRIBED").
        var childInfo: Set<String> = []
        if onlySubscribed && command.selectOptions.contains(.recursiveMatch) {
            let separator = String(MailStore.hierarchySeparator)
            for name in subscribed {
                var levels = name.split(separator: MailStore.hierarchySeparator).map(String.init)
                while levels.count > 1 {
                    levels.removeLast()
                    let parent = levels.joined(separator: separator)
                    if !subscribed.contains(parent) { childInfo.insert(parent) }
                }
            }
            for parent in childInfo { listed.append((parent, all.first { $0.name == parent })) }
            listed.sort { $0.0 < $1.0 }
        }
        for (name, info) in listed {
            guard fullPatterns.contains(where: { Self.matches(name, pattern: $0) }) else { continue }
            if onlySpecialUse && info?.specialUse == nil { continue }
            var attributes: [MailboxAttribute] = []
            if info == nil { attributes.append(.nonExistent) }
            let prefix = name + String(MailStore.hierarchySeparator)
            attributes.append(names.contains { $0.hasPrefix(prefix) } ? .hasChildren : .hasNoChildren)
            if let use = info?.specialUse { attributes.append(MailboxAttribute(String(use.rawValue.dropFirst()))) }
            if returnSubscribed && subscribed.contains(name) { attributes.append(.subscribed) }
            let extended: [ListExtendedItem] = childInfo.contains(name) ? [.childInfo([.subscribed])] : []
            try await write(
                .untagged(
                    .list(
                        MailboxListItem(
                            attributes: attributes, delimiter: MailStore.hierarchySeparator, mailbox: name,
                            extendedItems: extended))))
            if let statusItems, let info {
                try await write(.untagged(.status(mailbox: name, try await statusValues(info, statusItems))))
            }
        }
        try await write(.ok(tag, "LIST completed"))
    }

    func lsub(tag: String, reference: MailboxName, pattern: MailboxPattern) async throws {
        let full = Self.join(try path(reference), try pattern.decoded(utf8Accepted: utf8Accepted))
        let all = Set(try await store.mailboxes(account: accountID).map(\.name))
        for name in try await store.subscriptions(account: accountID).sorted() where Self.matches(name, pattern: full) {
            let attributes: [MailboxAttribute] = all.contains(name) ? [] : [.noSelect]
            try await write(
                .untagged(
                    .lsub(
                        MailboxListItem(attributes: attributes, delimiter: MailStore.hierarchySeparator, mailbox: name))
                ))
        }
        try await write(.ok(tag, "LSUB completed"))
    }

    static func join(_ reference: String, _ pattern: String) -> String {
        guard !reference.isEmpty else { return pattern }
        if pattern.hasPrefix(String(MailStore.hierarchySeparator)) { return pattern }
        return reference + pattern
    }

    /// RFC 9051 §6.3.9: `*` matches anything, `%` anything but the hierarchy delimiter. INBOX matches
    /// case-insensitively.
    static func matches(_ name: String, pattern: String) -> Bool {
        let n = Array(name.unicodeScalars)
        var p = Array(pattern.unicodeScalars)
        if pattern.uppercased().hasPrefix("INBOX") && name.hasPrefix("INBOX") {
            p.replaceSubrange(0..<5, with: Array("INBOX".unicodeScalars))
        }
        var memo: [Int: Bool] = [:]
        func go(_ i: Int, _ j: Int) -> Bool {
            let key = i * (p.count + 1) + j
            if let known = memo[key] { return known }
            let result: Bool
            if j == p.count {
                result = i == n.count
            } else if p[j] == "*" {
                result = go(i, j + 1) || (i < n.count && go(i + 1, j))
            } else if p[j] == "%" {
                result = go(i, j + 1) || (i < n.count && n[i] != "/" && go(i + 1, j))
            } else {
                result = i < n.count && n[i] == p[j] && go(i + 1, j + 1)
            }
            memo[key] = result
            return result
        }
        return go(0, 0)
    }

    // MARK: STATUS (RFC 9051 §6.3.11, RFC 8438, RFC 7162 §3.1.6, RFC 7889)

    func status(tag: String, _ name: MailboxName, _ attributes: [StatusAttribute]) async throws {
        let info = try await mailbox(name)
        try await write(.untagged(.status(mailbox: info.name, try await statusValues(info, attributes))))
        try await write(.ok(tag, "STATUS completed"))
    }

    func statusValues(_ info: MailboxInfo, _ attributes: [StatusAttribute]) async throws -> [StatusValue] {
        var values: [StatusValue] = []
        for attribute in attributes {
            switch attribute {
            case .messages: values.append(.messages(UInt32(info.messageCount)))
            case .uidNext: values.append(.uidNext(info.uidNext.rawValue))
            case .uidValidity: values.append(.uidValidity(info.uidValidity))
            case .unseen: values.append(.unseen(UInt32(info.unseenCount)))
            case .deleted:
                let messages = try await store.messages(mailbox: info.id)
                values.append(.deleted(UInt32(messages.filter { $0.flags.contains(StoreFlag.deleted) }.count)))
            case .size: values.append(.size(UInt64(max(info.size, 0))))
            case .recent: values.append(.recent(0))
            case .highestModSeq: values.append(.highestModSeq(info.highestModSeq.rawValue))
            case .appendLimit: values.append(.appendLimit(UInt64(settings.maxMessageSize)))
            case .mailboxID: values.append(.mailboxID(info.id.objectID))
            }
        }
        return values
    }
}
