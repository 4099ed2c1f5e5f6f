// COPY, MOVE (RFC 9051 §6.4.7, RFC 6851, RFC 4315 UIDPLUS) and APPEND (RFC 9051 §6.3.12, RFC 3502
// MULTIAPPEND, RFC 7889 APPENDLIMIT).
//
// Invariants:
// - APPEND bytes go to a SpoolFile as they arrive; each finished message is parsed and its blob stored
//   (`MessageIngest.prepareAppend`), and all messages of the command are committed in one transaction when the
//   command ends (`MessageIngest.commit(appends:)`): a MULTIAPPEND stores all of its messages or none
//   (RFC 3502 §6.3.11). The tagged OK is sent after the store committed.
// - A rejected APPEND (missing mailbox, too large) abandons the command in the decoder, so a
//   synchronising literal the client has not been invited to send is never read as commands.

import Delivery
import Foundation
import IMAPProtocol
import MailStore
import NIOCore
import ServerSupport

/// The APPEND being received.
struct AppendInProgress {
    var tag: String
    var mailbox: MailboxInfo
    var spool: SpoolFile?
    var metadata: AppendMessageMetadata?
    /// Messages received so far, stored as blobs but not yet in the mailbox.
    var prepared: [AppendRequest] = []

    /// The most messages, and bytes, one APPEND command may carry: the parsed metadata of every message waits in
    /// memory until the one commit at the end of the command (RFC 3502), so the command is bounded. More gets
    /// NO [LIMIT] (RFC 5530 §3) and nothing is stored.
    static let maxMessages = 1000
    static let maxTotalBytes: Int64 = 256 * 1024 * 1024
    var preparedBytes: Int64 { prepared.reduce(0) { $0 + $1.blob.size } }
    var failure: Response?
}

extension IMAPSession {
    // MARK: COPY / MOVE

    func copy(tag: String, _ set: SequenceSet, to name: MailboxName, byUID: Bool, move: Bool) async throws {
        guard let box = selected else { return }
        if !byUID && box.isOutOfRange(set) { throw SessionError.bad("No such message") }
        if move && box.readOnly { throw SessionError.no(.readOnly, "The mailbox is read-only") }
        let target = try await mailbox(name, tryCreate: true)  // RFC 9051 §6.4.7: [TRYCREATE]
        let uids = box.indices(set, byUID: byUID, saved: savedSearch).map { box.messages[$0].uid }
        guard !uids.isEmpty else {
            return try await write(.ok(tag, move ? "MOVE completed" : "COPY completed"))
        }
        let result =
            move
            ? try await store.move(from: box.id, uids: uids, to: target.id)
            : try await store.copy(from: box.id, uids: uids, to: target.id)
        // RFC 4315 §3 COPYUID: source and destination UIDs in the same order.
        let mappings = result.mappings.sorted { $0.source < $1.source }
        let code: ResponseCode? =
            mappings.isEmpty
            ? nil
            : .copyUID(
                uidValidity: result.destinationUIDValidity,
                source: SequenceSet(mappings.map { SequenceRange($0.source.rawValue...$0.source.rawValue) }),
                destination: SequenceSet(
                    mappings.map { SequenceRange($0.destination.rawValue...$0.destination.rawValue) }))
        if move {
            // RFC 6851 §4.3: COPYUID in an untagged OK before the expunges.
            if let code { try await write(.untagged(.ok(ResponseText(code: code, "Moved")))) }
            try await reportExpunged(Set(mappings.map(\.source)))
            try await write(.ok(tag, byUID ? "UID MOVE completed" : "MOVE completed"))
        } else {
            try await write(.ok(tag, code: code, byUID ? "UID COPY completed" : "COPY completed"))
        }
    }

    // MARK: APPEND (streamed)

    func appendStart(tag: String, mailbox name: MailboxName) async throws {
        guard account != nil else {
            decoder.abandonCommand()
            return try await fail(.bad(tag, "Log in first"))
        }
        do {
            let info = try await mailbox(name, tryCreate: true)  // RFC 9051 §6.3.12: [TRYCREATE]
            append = AppendInProgress(tag: tag, mailbox: info)
        } catch {
            decoder.abandonCommand()
            try await write(response(for: error, tag: tag))
        }
    }

    func appendBegin(_ metadata: AppendMessageMetadata) async throws {
        guard var a = append else { return }
        a.metadata = metadata
        if a.failure == nil {
            if metadata.size > settings.maxMessageSize {
                a.failure = .no(a.tag, code: .tooBig, "Message too large")  // RFC 7889 §4
            } else if a.prepared.count >= AppendInProgress.maxMessages
                || a.preparedBytes + Int64(metadata.size) > AppendInProgress.maxTotalBytes
            {
                a.failure = .no(a.tag, code: .limit, "Too many messages in one APPEND; nothing was stored")
            } else {
                a.spool = SpoolFile(in: settings.spoolDirectory)
            }
        }
        append = a
        if a.failure != nil {
            await abandonAppend()
            try await write(a.failure!)
        }
    }

    func appendBytes(_ bytes: ByteBuffer) async throws {
        guard let spool = append?.spool else { return }
        do {
            try await spool.write(bytes)
        } catch {
            let failure = response(for: error, tag: append?.tag ?? "*")
            await abandonAppend()
            try await write(failure)
        }
    }

    func appendEnd() async throws {
        guard var a = append, let spool = a.spool, let metadata = a.metadata else { return }
        a.spool = nil
        do {
            let message = try await spool.finish()
            let date =
                metadata.internalDate.map { Date(timeIntervalSince1970: TimeInterval($0.secondsSince1970)) } ?? Date()
            a.prepared.append(
                try await server.ingest.prepareAppend(
                    message, account: accountID, mailbox: a.mailbox.id, flags: Self.storeFlags(metadata.flags),
                    internalDate: date))
            append = a
        } catch {
            await spool.discard()
            append = a
            let failure = response(for: error, tag: a.tag)
            await abandonAppend()
            try await write(failure)
        }
    }

    func appendFinish() async throws {
        guard let a = append else { return }
        append = nil
        let results: [AppendResult]
        do {
            results = try await server.ingest.commit(appends: a.prepared)
        } catch {
            return try await write(response(for: error, tag: a.tag))
        }
        guard let last = results.last else {
            return try await write(.ok(a.tag, "APPEND completed"))
        }
        // RFC 4315 §3 APPENDUID.
        let uids = SequenceSet(compacting: results.map(\.uid.rawValue))
        try await syncChanges(allowExpunge: true)
        try await write(.ok(a.tag, code: .appendUID(uidValidity: last.uidValidity, uids: uids), "APPEND completed"))
    }

    /// Drops the APPEND in progress: its spool file, and the rest of its bytes in the decoder.
    func abandonAppend() async {
        if let spool = append?.spool { await spool.discard() }
        append = nil
        decoder.abandonCommand()
    }
}
