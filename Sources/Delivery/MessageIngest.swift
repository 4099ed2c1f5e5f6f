// The one ingest path (DESIGN §2, STYLE.md item 11): every way a message enters a mailbox (SMTP
// delivery, IMAP APPEND, later JMAP and imports) goes through `MessageIngest`.
//
// Invariants:
// - A message is parsed exactly once, here; the store keeps what the parse learned.
// - The stored bytes are the bytes received: parsing never alters them.
// - The caller hears success only after the blob is durable and the transaction committed
//   (MailStore guarantees both; this type adds nothing in between that could be lost).
// - Parsing reads the spool file through a memory map, so a large message is not copied into
//   the heap; the parse itself runs off the caller's task on a detached task.

import Foundation
import MIME
import MailStore
import ServerSupport

/// What MailStore keeps in `MessageMetadata.envelope` and `.bodyStructure`: JSON of the MIME
/// target's values, so IMAP can answer ENVELOPE, BODYSTRUCTURE and BODY[section] without
/// parsing the message again.
public enum StoredStructure {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    public static func encode(_ envelope: Envelope) -> Data {
        (try? encoder.encode(envelope)) ?? Data()
    }

    public static func encode(_ structure: MessageStructure) -> Data {
        (try? encoder.encode(structure)) ?? Data()
    }

    public static func envelope(_ data: Data) -> Envelope? {
        try? JSONDecoder().decode(Envelope.self, from: data)
    }

    public static func structure(_ data: Data) -> MessageStructure? {
        try? JSONDecoder().decode(MessageStructure.self, from: data)
    }
}

public struct MessageIngest: Sendable {
    public let store: MailStore

    public init(store: MailStore) {
        self.store = store
    }

    /// The metadata of a message, from one parse of its bytes.
    public static func metadata(of buffer: UnsafeRawBufferPointer) -> MessageMetadata {
        let structure = MIMEParser.parseStructure(buffer)
        let envelope = structure.envelope
        func addresses(_ list: [Address]?) -> String {
            (list ?? []).compactMap { a -> String? in
                guard let email = a.email else { return nil }
                if let name = a.decodedName, !name.isEmpty { return "\(name) <\(email)>" }
                return email
            }.joined(separator: ", ")
        }
        return MessageMetadata(
            size: Int64(structure.size),
            headerDate: structure.date?.date,
            subject: envelope.decodedSubject,
            from: addresses(envelope.from),
            to: addresses(envelope.to),
            cc: addresses(envelope.cc),
            bcc: addresses(envelope.bcc),
            messageIDHeader: structure.messageID,
            inReplyTo: structure.inReplyTo,
            references: structure.references,
            envelope: StoredStructure.encode(envelope),
            bodyStructure: StoredStructure.encode(structure),
            // MessageMetadata.headerText: one "Name: value" line per field, unfolded and decoded, so
            // SEARCH HEADER <field> (RFC 9051 §6.4.4) can match by name.
            headerText: structure.header.fields.map { "\($0.name): \($0.decodedValue)" }.joined(separator: "\n"),
            bodyText: structure.searchText(in: buffer, includeHeaders: false),
            preview: structure.preview(in: buffer),
            hasAttachment: structure.hasAttachment)
    }

    /// Parses a finished message: in place when it is in memory, else its spool file memory-mapped, off the caller's
    /// task.
    public static func metadata(of message: SpooledMessage) async throws -> MessageMetadata {
        switch message {
        case .bytes(let bytes):
            return bytes.withUnsafeBytes { metadata(of: $0) }
        case .file(let url):
            return try await Task.detached {
                let data = try Data(contentsOf: url, options: [.alwaysMapped])
                return data.withUnsafeBytes { metadata(of: $0) }
            }.value
        }
    }

    /// The envelope of a finished message, from its top-level header alone (the body is not parsed): what submission
    /// checks and queueing need.
    public static func envelope(of message: SpooledMessage) async throws -> Envelope {
        switch message {
        case .bytes(let bytes):
            return bytes.withUnsafeBytes { Envelope(header: MIMEParser.parseHeader($0)) }
        case .file(let url):
            return try await Task.detached {
                let data = try Data(contentsOf: url, options: [.alwaysMapped])
                return data.withUnsafeBytes { Envelope(header: MIMEParser.parseHeader($0)) }
            }.value
        }
    }

    /// Stores a finished message whose metadata is already known (the caller parsed it to check it). A spool file is
    /// consumed; the blob is durable when this returns.
    public func storeBlob(_ message: SpooledMessage) async throws -> BlobRef {
        switch message {
        case .bytes(let bytes): try await store.writeBlob(bytes: bytes)
        case .file(let url): try await store.importBlob(spoolFile: url)
        }
    }

    /// Delivers a stored blob into every target mailbox in one transaction (SMTP delivery).
    public func deliver(
        blob: BlobRef, metadata: MessageMetadata, to targets: [DeliveryTarget], internalDate: Date = Date()
    ) async throws -> [AppendResult] {
        try await store.deliver(
            DeliveryRequest(blob: blob, metadata: metadata, internalDate: internalDate, targets: targets))
    }

    /// Parses, stores and delivers a finished message into every target mailbox in one transaction. A spool file is
    /// consumed.
    public func deliver(_ message: SpooledMessage, to targets: [DeliveryTarget], internalDate: Date = Date())
        async throws -> [AppendResult]
    {
        let metadata = try await Self.metadata(of: message)
        let blob = try await storeBlob(message)
        return try await deliver(blob: blob, metadata: metadata, to: targets, internalDate: internalDate)
    }

    /// Appends a finished message to one mailbox (IMAP APPEND). A spool file is consumed.
    public func append(
        _ message: SpooledMessage, account: AccountID, mailbox: MailboxID, flags: Set<Flag> = [],
        internalDate: Date = Date()
    ) async throws -> AppendResult {
        let metadata = try await Self.metadata(of: message)
        let blob = try await storeBlob(message)
        return try await store.append(
            AppendRequest(
                account: account, mailbox: mailbox, blob: blob, metadata: metadata, flags: flags,
                internalDate: internalDate))
    }

    /// Parses a finished message and stores its blob without putting it in any mailbox yet (the first half of an
    /// APPEND whose commit waits for the end of the command, RFC 3502). A spool file is consumed; the blob is
    /// durable, and swept after the store's grace period if no commit ever references it.
    public func prepareAppend(
        _ message: SpooledMessage, account: AccountID, mailbox: MailboxID, flags: Set<Flag> = [],
        internalDate: Date = Date()
    ) async throws -> AppendRequest {
        let metadata = try await Self.metadata(of: message)
        let blob = try await storeBlob(message)
        return AppendRequest(
            account: account, mailbox: mailbox, blob: blob, metadata: metadata, flags: flags, internalDate: internalDate
        )
    }

    /// Commits prepared appends in one transaction: all of them or none (RFC 3502 §6.3.11).
    public func commit(appends: [AppendRequest]) async throws -> [AppendResult] {
        try await store.append(all: appends)
    }

    /// Appends a message that is already in memory (small messages, tests, imports).
    public func append(
        bytes: [UInt8], account: AccountID, mailbox: MailboxID, flags: Set<Flag> = [], internalDate: Date = Date()
    ) async throws -> AppendResult {
        let metadata = bytes.withUnsafeBytes { Self.metadata(of: $0) }
        let blob = try await store.writeBlob(bytes: bytes)
        return try await store.append(
            AppendRequest(
                account: account, mailbox: mailbox, blob: blob, metadata: metadata, flags: flags,
                internalDate: internalDate))
    }
}
