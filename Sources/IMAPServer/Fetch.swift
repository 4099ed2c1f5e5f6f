// FETCH and STORE (RFC 9051 §6.4.5, §6.4.6; RFC 3516 BINARY; RFC 7162 CONDSTORE/QRESYNC).
//
// Invariants:
// - Body sections of large messages are streamed from the blob file in chunks (`MailStore.readBlobChunks`); messages
//   up to `prefetchMaxMessage` are read ahead several at a time (at most `prefetchBudget` bytes held), because one
//   trip to the blob I/O queue per small message costs more than the read. Only BINARY (which must
//   transfer-decode a part) and HEADER.FIELDS subsets are assembled in memory.
// - BODY[...] and BINARY[...] without .PEEK set \Seen in a read-write mailbox before the response is
//   written, and the response then carries the new FLAGS (RFC 9051 §6.4.5).
// - FETCH and STORE never send EXPUNGE (RFC 9051 §7.5.1).

import Delivery
import Foundation
import IMAPProtocol
import MIME
import MailStore
import NIOCore
import ServerSupport

extension IMAPSession {
    /// Details are read from the store this many messages at a time.
    static let fetchBatchSize = 256
    /// Messages up to this size are read ahead, several per trip to the blob I/O queue, up to
    /// `prefetchBudget` bytes at a time; larger ones are streamed in chunks.
    static let prefetchMaxMessage: Int64 = 256 * 1024
    static let prefetchBudget: Int64 = 4 * 1024 * 1024

    func fetch(
        tag: String, _ set: SequenceSet, _ attributes: [FetchAttribute], _ modifiers: FetchModifiers, byUID: Bool
    ) async throws {
        guard let box = selected else { return }
        if !byUID && box.isOutOfRange(set) { throw SessionError.bad("No such message") }
        if modifiers.vanished && (!byUID || modifiers.changedSince == nil || !qresyncEnabled) {
            throw SessionError.bad("VANISHED needs UID FETCH, CHANGEDSINCE and QRESYNC")  // RFC 7162 §3.2.6
        }
        var attributes = attributes
        if modifiers.changedSince != nil || (condStoreEnabled && attributes.contains(.flags)) {
            condStoreEnabled = true  // RFC 7162 §3.1.4.1 / §3.1: CHANGEDSINCE enables CONDSTORE
            if !attributes.contains(.modSeq) { attributes.append(.modSeq) }
        }
        // RFC 9051 §6.4.8: UID FETCH always includes UID.
        if byUID && !attributes.contains(.uid) { attributes.insert(.uid, at: 0) }
        var indices = box.indices(set, byUID: byUID, saved: savedSearch)
        if let since = modifiers.changedSince {
            indices = indices.filter { box.messages[$0].modSeq.rawValue > since }
            if modifiers.vanished {
                let changes = try await store.changes(mailbox: box.id, since: ModSeq(since))
                // "*" reaches past the last UID here: expunged UIDs above it count too.
                let requested = set.resolved(largest: UInt32.max) ?? []
                let vanished = changes.vanished.filter { uid in requested.contains { $0.contains(uid.rawValue) } }
                if !vanished.isEmpty {
                    try await write(
                        .untagged(.vanished(earlier: true, uids: SequenceSet(compacting: vanished.map(\.rawValue)))))
                }
            }
        }
        let readsBodies = attributes.contains { attribute in
            switch attribute {
            case .bodySection, .binary, .binarySize, .rfc822, .rfc822Header, .rfc822Text: return true
            default: return false
            }
        }
        let needsDetails = attributes.contains { attribute in
            switch attribute {
            case .flags, .uid, .internalDate, .rfc822Size, .modSeq, .emailID, .threadID, .saveDate: return false
            default: return true
            }
        }
        let setsSeen =
            !box.readOnly
            && attributes.contains { attribute in
                switch attribute {
                case .bodySection(_, _, let peek), .binary(_, _, let peek): return !peek
                case .rfc822, .rfc822Text: return true
                default: return false
                }
            }
        if setsSeen {
            let unseen = indices.map { box.messages[$0] }.filter { !$0.flags.contains(StoreFlag.seen) }.map(\.uid)
            if !unseen.isEmpty {
                let result = try await store.storeFlags(
                    mailbox: box.id, uids: unseen, operation: .add, flags: [StoreFlag.seen])
                for update in result.updated {
                    if let i = box.index(of: update.uid) {
                        box.messages[i].flags = update.flags
                        box.messages[i].modSeq = update.modSeq
                    }
                }
                if !attributes.contains(.flags) { attributes.append(.flags) }
            }
        }
        if !needsDetails {
            try await fetchSummaries(indices, attributes, box: box)
            return try await write(.ok(tag, byUID ? "UID FETCH completed" : "FETCH completed"))
        }
        var start = 0
        while start < indices.count {
            let batch = Array(indices[start..<min(start + Self.fetchBatchSize, indices.count)])
            start += batch.count
            var details: [UID: MessageDetails] = [:]
            if needsDetails {
                for d in try await store.messageDetails(mailbox: box.id, uids: batch.map { box.messages[$0].uid }) {
                    details[d.uid] = d
                }
            }
            var bodies: [String: [UInt8]] = [:]
            for (position, index) in batch.enumerated() {
                let message = box.messages[index]
                // A message expunged by another session since the snapshot: skip it (RFC 9051 §7.5.1
                // forbids sending EXPUNGE now; the client learns at the next allowed point).
                if needsDetails && details[message.uid] == nil { continue }
                if readsBodies, let blob = details[message.uid]?.blob, blob.size <= Self.prefetchMaxMessage,
                    bodies[blob.hash] == nil
                {
                    bodies = try await store.readSmallBlobs(
                        batch[position...].lazy.compactMap { details[box.messages[$0].uid]?.blob },
                        maxBlobSize: Self.prefetchMaxMessage, budget: Self.prefetchBudget)
                }
                try await fetchOne(
                    index: index, message: message, details: details[message.uid], attributes,
                    body: details[message.uid].flatMap { bodies[$0.blob.hash] })
            }
        }
        try await write(.ok(tag, byUID ? "UID FETCH completed" : "FETCH completed"))
    }

    /// FETCH of attributes the snapshot holds (`UID FETCH 1:* (UID FLAGS)`, a client's resync of a whole mailbox):
    /// each batch is encoded in one synchronous pass into the outbox, without a suspension or a look at the session's
    /// state per message, and each distinct flag set is put in wire order once.
    func fetchSummaries(_ indices: [Int], _ attributes: [FetchAttribute], box: SelectedMailbox) async throws {
        var wireFlags: [Set<StoreFlag>: [IMAPProtocol.Flag]] = [:]
        let messages = box.messages
        var start = 0
        while start < indices.count {
            let end = min(start + Self.fetchBatchSize, indices.count)
            var encoder = self.encoder
            var out = outbox
            outbox = ByteBuffer()
            for index in indices[start..<end] {
                let message = messages[index]
                encoder.encode(.fetch(.start(sequenceNumber: UInt32(index + 1))), into: &out)
                for attribute in attributes {
                    let value = Self.summaryAttribute(attribute, of: message) { flags in
                        if let known = wireFlags[flags] { return known }
                        let wire = Self.wireFlags(flags)
                        wireFlags[flags] = wire
                        return wire
                    }
                    // Every attribute here has a value: the caller sends no attribute that needs details.
                    if let value { encoder.encode(.fetch(.simpleAttribute(value)), into: &out) }
                }
                encoder.encode(.fetch(.finish), into: &out)
            }
            self.encoder = encoder
            outbox = out
            start = end
            try await handOver(atLeast: ProtocolLimits.outboundAutoFlushThreshold)
        }
    }

    /// The value of an attribute the snapshot holds (RFC 9051 §7.5.2; RFC 7162 MODSEQ; RFC 8474 EMAILID, THREADID;
    /// RFC 8514 SAVEDATE); nil for one that needs the message's details. `flags` gives a flag set in wire order.
    static func summaryAttribute(
        _ attribute: FetchAttribute, of message: MessageSummary, flags: (Set<StoreFlag>) -> [IMAPProtocol.Flag]
    ) -> MessageAttribute? {
        switch attribute {
        case .uid: .uid(message.uid.rawValue)
        case .flags: .flags(flags(message.flags))
        case .internalDate:
            .internalDate(IMAPDateTime(secondsSince1970: Int64(message.internalDate.timeIntervalSince1970)))
        case .rfc822Size: .rfc822Size(UInt64(message.size))
        case .modSeq: .modSeq(message.modSeq.rawValue)
        case .emailID: .emailID(message.emailID.objectID)
        case .threadID: .threadID(message.threadID.objectID)
        case .saveDate: .saveDate(nil)
        default: nil
        }
    }

    func fetchOne(
        index: Int, message: MessageSummary, details: MessageDetails?, _ attributes: [FetchAttribute],
        body: [UInt8]? = nil
    ) async throws {
        var structure: MessageStructure?
        func loadStructure() -> MessageStructure? {
            if structure == nil, let details { structure = StoredStructure.structure(details.bodyStructure) }
            return structure
        }
        // What can fail for one part (no such part, an unknown encoding) fails before the response starts: a
        // tagged NO after half a `* n FETCH (` line would leave the client waiting for the rest.
        var binarySources: [[UInt32]: BinarySource] = [:]
        // BINARY and BINARY.SIZE of one part in one FETCH share a pass over the whole decoded content.
        var wholeScans: [[UInt32]: BinaryScan] = [:]
        for attribute in attributes {
            switch attribute {
            case .binary(let part, _, _), .binarySize(let part):
                guard let details, let s = loadStructure(), binarySources[part] == nil else { continue }
                binarySources[part] = try BinarySource(details: details, structure: s, part: part, body: body)
            default: continue
            }
        }
        try await write(.fetch(.start(sequenceNumber: UInt32(index + 1))))
        for attribute in attributes {
            if let value = Self.summaryAttribute(attribute, of: message, flags: Self.wireFlags) {
                try await simple(value)
                continue
            }
            switch attribute {
            case .uid, .flags, .internalDate, .rfc822Size, .modSeq, .emailID, .threadID, .saveDate:
                continue  // sent above
            case .preview:
                try await simple(.preview(details?.preview))
            case .envelope:
                let text = details.flatMap { StoredStructure.envelope($0.envelope) }?.imapString() ?? "NIL"
                try await simple(.envelope(raw: ByteBuffer(string: text)))
            case .body, .bodyStructure:
                let extended = attribute == .bodyStructure
                guard let s = loadStructure() else {
                    throw SessionError.no(.serverBug, "Message structure unavailable")
                }
                try await simple(
                    .bodyStructure(
                        raw: ByteBuffer(string: s.bodyStructure.imapString(extended: extended)), extended: extended))
            case .bodySection(let section, let partial, _) where section.part.isEmpty && section.kind == .complete:
                // BODY[]: the whole message, no structure needed (RFC 9051 §6.4.5).
                guard let details else { continue }
                try await streamSection(
                    details: details, bytes: SectionBytes(ranges: [0..<Int(details.blob.size)]), partial: partial,
                    kind: .body(section: section, origin: partial?.offset), body: body)
            case .bodySection(let section, let partial, _):
                guard let details, let s = loadStructure() else { continue }
                try await streamSection(
                    details: details, bytes: s.sectionBytes(Self.mimeSpec(section)), partial: partial,
                    kind: .body(section: section, origin: partial?.offset), body: body)
            case .rfc822:
                guard let details else { continue }
                try await streamSection(
                    details: details, bytes: SectionBytes(ranges: [0..<Int(details.blob.size)]), partial: nil,
                    kind: .rfc822, body: body)
            case .rfc822Header:
                guard let details, let s = loadStructure() else { continue }
                try await streamSection(
                    details: details, bytes: s.sectionBytes(SectionSpec(text: .header)), partial: nil,
                    kind: .rfc822Header, body: body)
            case .rfc822Text:
                guard let details, let s = loadStructure() else { continue }
                try await streamSection(
                    details: details, bytes: s.sectionBytes(SectionSpec(text: .text)), partial: nil, kind: .rfc822Text,
                    body: body)
            case .binary(let part, let partial, _):
                guard let source = binarySources[part] else { continue }
                try await streamBinary(source, part: part, partial: partial, wholeScan: &wholeScans[part])
            case .binarySize(let part):
                guard let source = binarySources[part] else { continue }
                // Identity encodings need no read: the content is the body as stored.
                var size = source.range.count
                if !source.encoding.isIdentity {
                    if wholeScans[part] == nil { wholeScans[part] = try await binaryScan(source, window: 0..<Int.max) }
                    size = wholeScans[part]?.size ?? 0
                }
                try await simple(.binarySize(part: part, size: UInt64(size)))
            }
        }
        try await write(.fetch(.finish))
    }

    private func simple(_ attribute: MessageAttribute) async throws {
        try await write(.fetch(.simpleAttribute(attribute)))
    }

    static func mimeSpec(_ section: SectionSpecifier) -> SectionSpec {
        let text: SectionSpec.Text?
        switch section.kind {
        case .complete: text = nil
        case .header: text = .header
        case .text: text = .text
        case .mime: text = .mime
        case .headerFields(let names): text = .headerFields(names)
        case .headerFieldsNot(let names): text = .headerFieldsNot(names)
        }
        return SectionSpec(part: section.part.map(Int.init), text: text)
    }

    /// Streams a section's bytes (or the `partial` range of them) as a literal straight from the blob.
    func streamSection(
        details: MessageDetails, bytes: SectionBytes?, partial: Partial?, kind: StreamingKind, body: [UInt8]? = nil
    ) async throws {
        // A section that does not exist is sent as an empty string (as Dovecot and others do).
        let section = bytes ?? SectionBytes(ranges: [])
        // The section as ranges of the blob plus an optional trailing CRLF (HEADER.FIELDS).
        var pieces: [(range: Range<Int>?, crlf: Bool)] = section.ranges.map { ($0, false) }
        if section.appendCRLF { pieces.append((nil, true)) }
        // RFC 9051 §6.4.5 partial: <offset.length> of the section; beyond its end: empty.
        var skip = Int(clamping: partial?.offset ?? 0)
        var remaining = partial.map { Int(clamping: $0.length) } ?? Int.max
        var selectedPieces: [(range: Range<Int>?, crlf: Bool)] = []
        var total = 0
        for piece in pieces {
            let length = piece.range?.count ?? 2
            if skip >= length {
                skip -= length
                continue
            }
            let take = min(length - skip, remaining)
            guard take > 0 else { break }
            if let range = piece.range {
                selectedPieces.append((range.lowerBound + skip..<range.lowerBound + skip + take, false))
            } else {
                selectedPieces.append((nil, true))  // CRLF: partial cuts inside it are rare; approximate
            }
            total += piece.range == nil ? 2 : take
            remaining -= take
            skip = 0
        }
        try await write(.fetch(.streamingBegin(kind: kind, size: total)))
        for piece in selectedPieces {
            if let range = piece.range, let body {
                // Read ahead with its neighbours; clamped like a read of the file would be.
                let clamped = range.clamped(to: 0..<body.count)
                try await writeBytes(body[clamped])
            } else if let range = piece.range {
                for try await chunk in store.readBlobChunks(details.blob, range: range) {
                    try await writeBytes(chunk)
                }
            } else {
                try await writeBytes("\r\n".utf8)
            }
        }
        try await write(.fetch(.streamingEnd))
    }

    /// Where the content of `BINARY[part]` comes from (RFC 3516 §4.2): the transfer-decoded body of a leaf part,
    /// the raw body of a multipart or message part, the whole message for `[]`.
    struct BinarySource {
        let details: MessageDetails
        let range: Range<Int>
        let encoding: TransferEncoding
        /// The whole message when it was read ahead (small messages).
        let body: [UInt8]?

        init(details: MessageDetails, structure: MessageStructure, part: [UInt32], body: [UInt8]?) throws {
            (self.details, self.body) = (details, body)
            let size = Int(details.blob.size)
            if part.isEmpty {
                (range, encoding) = (0..<size, .binary)
                return
            }
            guard let p = structure.part(at: part.map(Int.init)) else {
                throw SessionError.no(.nonExistent, "No such part")
            }
            range = p.bodyRange.clamped(to: 0..<size)
            encoding = p.kind == .multipart || p.kind == .message ? .binary : p.transferEncoding
            // RFC 3516 §4.3: an encoding the server cannot decode is NO [UNKNOWN-CTE].
            if case .other(let token) = encoding {
                throw SessionError.no(.unknownCTE, "Cannot decode the Content-Transfer-Encoding \(token)")
            }
        }
    }

    /// The decoded content chunk by chunk, read from the blob in pieces (or from the read-ahead body): at most a
    /// read chunk and the decoder's held-back bytes are in memory at once, whatever the size of the part.
    func binaryChunks(_ source: BinarySource, _ each: ([UInt8]) async throws -> Void) async throws {
        var decoder = TransferDecoder(source.encoding)
        if let body = source.body {
            try await each(decoder.decode(body[source.range.clamped(to: 0..<body.count)]))
        } else {
            for try await chunk in store.readBlobChunks(source.details.blob, range: source.range) {
                try await each(decoder.decode(chunk))
            }
        }
        try await each(decoder.finish())
    }

    /// What one pass over a part's decoded content found.
    struct BinaryScan {
        var size: Int
        /// Whether the scanned window has a NUL.
        var hasNUL: Bool
    }

    /// One pass over the decoded content: its size, and whether the bytes in `window` contain NUL.
    func binaryScan(_ source: BinarySource, window: Range<Int>?) async throws -> BinaryScan {
        var size = 0
        var hasNUL = false
        try await binaryChunks(source) { chunk in
            if let window, !hasNUL {
                let overlap = window.clamped(to: size..<size + chunk.count)
                hasNUL = chunk[(overlap.lowerBound - size)..<(overlap.upperBound - size)].contains(0)
            }
            size += chunk.count
        }
        return BinaryScan(size: size, hasNUL: hasNUL)
    }

    /// `BINARY[part]<partial>` as a literal streamed in two passes over the blob (size first, then the bytes), so
    /// a large attachment is never decoded whole in memory. RFC 3516 §4.2: literal8 when the content sent has NUL.
    /// `wholeScan` is a scan of the whole content, used instead of the first pass where it answers the question
    /// and filled in when this pass is one.
    func streamBinary(_ source: BinarySource, part: [UInt32], partial: Partial?, wholeScan: inout BinaryScan?)
        async throws
    {
        let offset = Int(clamping: partial?.offset ?? 0)
        let end = offset.addingReportingOverflow(partial.map { Int(clamping: $0.length) } ?? Int.max)
        let requested = offset..<(end.overflow ? Int.max : end.partialValue)
        let scan: BinaryScan
        if let whole = wholeScan, !whole.hasNUL || requested.clamped(to: 0..<whole.size) == 0..<whole.size {
            scan = whole  // no NUL anywhere, or the window is all of it
        } else {
            scan = try await binaryScan(source, window: requested)
            if requested == 0..<Int.max { wholeScan = scan }
        }
        let size = scan.size
        let hasNUL = scan.hasNUL
        let window = requested.clamped(to: 0..<size)
        try await write(
            .fetch(
                .streamingBegin(
                    kind: .binary(part: part, origin: partial?.offset), size: window.count, literal8: hasNUL)))
        var position = 0
        try await binaryChunks(source) { chunk in
            let overlap = window.clamped(to: position..<position + chunk.count)
            if !overlap.isEmpty {
                try await writeBytes(chunk[(overlap.lowerBound - position)..<(overlap.upperBound - position)])
            }
            position += chunk.count
        }
        try await write(.fetch(.streamingEnd))
    }

    // MARK: STORE (RFC 9051 §6.4.6, RFC 7162 §3.1.3)

    func storeFlags(
        tag: String, _ set: SequenceSet, _ modifiers: StoreModifiers, _ flags: StoreFlags, byUID: Bool
    ) async throws {
        guard let box = selected else { return }
        guard !box.readOnly else { throw SessionError.no(.readOnly, "The mailbox is read-only") }
        if !byUID && box.isOutOfRange(set) { throw SessionError.bad("No such message") }
        if modifiers.unchangedSince != nil { condStoreEnabled = true }
        let indices = box.indices(set, byUID: byUID, saved: savedSearch)
        let operation: FlagOperation
        switch flags.operation {
        case .add: operation = .add
        case .remove: operation = .remove
        case .replace: operation = .replace
        }
        let result = try await store.storeFlags(
            mailbox: box.id, uids: indices.map { box.messages[$0].uid }, operation: operation,
            flags: Self.storeFlags(flags.flags), unchangedSince: modifiers.unchangedSince.map { ModSeq($0) })
        var changed: Set<UID> = []
        for update in result.updated {
            guard let i = box.index(of: update.uid) else { continue }
            box.messages[i].flags = update.flags
            box.messages[i].modSeq = update.modSeq
            changed.insert(update.uid)
        }
        // RFC 9051 §6.4.6: untagged FETCH with the new flags unless .SILENT; RFC 7162 §3.1.3: with
        // UNCHANGEDSINCE, .SILENT still reports MODSEQ changes.
        for update in result.updated + result.unchanged {
            guard let i = box.index(of: update.uid) else { continue }
            if flags.silent && !(modifiers.unchangedSince != nil && changed.contains(update.uid)) { continue }
            if flags.silent && modifiers.unchangedSince == nil { continue }
            try await writeFlagsFetch(index: i, message: box.messages[i], includeUID: byUID)
        }
        if result.failed.isEmpty {
            try await write(.ok(tag, byUID ? "UID STORE completed" : "STORE completed"))
        } else {
            let numbers = result.failed.compactMap { uid -> UInt32? in
                guard let i = box.index(of: uid) else { return nil }
                return byUID ? uid.rawValue : UInt32(i + 1)
            }
            try await write(.ok(tag, code: .modified(SequenceSet(compacting: numbers)), "Conditional STORE failed"))
        }
    }
}
