// QueueRunner: delivers the outbound queue (DESIGN §2 "Sending").
//
// Invariants:
// - At-least-once: a recipient leaves the queue only after the remote server accepted it (250 to the
//   data) or after its DSN was durably handed on (delivered locally or queued). A crash in between
//   repeats the attempt or the DSN, never loses either. Nothing is "in flight" in the database: the
//   in-flight set lives in memory, so a restart simply finds every recipient queued again.
// - Work is one message's recipients at one domain (one SMTP transaction per server, RFC 5321 §3.3);
//   at most `concurrency` sessions at once in all and `concurrencyPerDomain` per domain.
// - A session that has sent everything it was given waits up to `OutboundLimits.connectionCacheTime` for more
//   work for its domain before it says QUIT (Postfix's on-demand connection cache). A waiting session keeps its
//   slot until another domain needs it. When a connection that waited breaks before its next message is
//   accepted, the message gets a fresh connection to the same address, not a deferral.
// - Temporary failures are retried on `RetrySchedule` until `lifetime` has passed since the message
//   was queued; then, and on permanent failures, the sender gets an RFC 3464 DSN (unless the sender is
//   the null path, RFC 5321 §4.5.5, or NOTIFY says otherwise, RFC 3461 §4.1).
// - A "delayed" DSN is sent once per recipient after `delayNotice` (zero: never), when NOTIFY allows DELAY.
// - Messages are signed (DKIM) when a signer is given, at send time; the stored blob is never changed.

import DNS
import Directory
import Foundation
import Logging
import MIME
import MailStore
import NIOCore
import SMTPProtocol
import ServerSupport
import Synchronization

/// Adds signature header fields (DKIM) to an outbound message.
public protocol OutboundSigner: Sendable {
    /// Header fields (each ending in CRLF) to put before the message; [] when the domain signs nothing.
    /// `body` streams the body (after the header section's empty line).
    func signatureFields(
        domain: String, headerSection: [UInt8], body: () -> AsyncThrowingStream<[UInt8], any Error>
    ) async throws -> [UInt8]
}

public struct QueueRunnerSettings: Sendable {
    /// Our host name: EHLO, Reporting-MTA, MAILER-DAEMON@.
    public var hostname: String
    public var lifetime: TimeInterval
    /// Zero: never send "delayed" notices.
    public var delayNotice: TimeInterval
    public var concurrency: Int
    public var concurrencyPerDomain: Int
    public var client: SMTPClientSettings
    public var routing: RoutingPolicy
    public var connectTimeout: Duration = OutboundLimits.connectTimeout

    public init(
        hostname: String, lifetime: TimeInterval, delayNotice: TimeInterval, concurrency: Int,
        concurrencyPerDomain: Int, client: SMTPClientSettings, routing: RoutingPolicy
    ) {
        self.hostname = hostname
        self.lifetime = lifetime
        self.delayNotice = delayNotice
        self.concurrency = concurrency
        self.concurrencyPerDomain = concurrencyPerDomain
        self.client = client
        self.routing = routing
    }
}

public final class QueueRunner: Sendable {
    let store: MailStore
    let directory: Directory
    let ingest: MessageIngest
    let router: Router
    let settings: QueueRunnerSettings
    let signer: (any OutboundSigner)?
    let logger: Logger

    /// A session with nothing left to send, waiting for more work for its domain.
    private struct Parked {
        var id: UInt64
        var domain: String
        var capacity: Int
        var since: ContinuousClock.Instant
        var continuation: CheckedContinuation<[QueueWork], Never>
    }

    private struct InFlight {
        var recipients: Set<QueueRecipientID> = []
        var perDomain: [String: Int] = [:]
        /// Sessions open, parked ones included.
        var sessions = 0
        var parked: [Parked] = []
        var lastParkID: UInt64 = 0
        /// The last look at the queue left due work unclaimed (no slot for it).
        var backlog = false
    }
    private let inFlight = Mutex(InFlight())

    public init(
        store: MailStore, directory: Directory, resolver: any DNSResolver, settings: QueueRunnerSettings,
        signer: (any OutboundSigner)?, logger: Logger
    ) {
        self.store = store
        self.directory = directory
        self.ingest = MessageIngest(store: store)
        self.router = Router(policy: settings.routing, resolver: resolver)
        self.settings = settings
        self.signer = signer
        self.logger = logger
    }

    /// Runs until cancelled. In-flight sessions are cancelled with it; their recipients stay queued.
    public func run() async {
        logger.info("outbound queue running")
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                do {
                    for batch in try await claimDueWork() {
                        group.addTask { await self.attempt(batch) }
                    }
                } catch {
                    logger.error("reading the outbound queue failed", metadata: ["error": "\(error)"])
                }
                // Due work that did not fit waits for a free slot (`release` rings the bell); work due later
                // wakes us at its time; CLI changes from another process are seen within the poll interval.
                var wait = OutboundLimits.pollInterval
                if let expiry = expireParked() { wait = min(wait, expiry) }
                if let next = try? await store.nextQueueAttempt(), next.timeIntervalSinceNow > 0 {
                    wait = min(wait, .milliseconds(Int(next.timeIntervalSinceNow * 1000) + 10))
                }
                await store.queueBell.wait(timeout: wait)
            }
        }
    }

    /// Due work that fits under the concurrency limits, marked in flight, in batches per domain: one
    /// session (one connection) carries a batch's messages one after another.
    /// Parked sessions of a domain get its work first; a parked session of another domain is told to quit when
    /// work needs its slot.
    func claimDueWork() async throws -> [[QueueWork]] {
        let (busy, free) = inFlight.withLock {
            ($0.recipients, settings.concurrency - $0.sessions + $0.parked.count)
        }
        guard free > 0 else { return [] }
        let due = try await store.dueQueueWork(
            now: Date(), busy: busy, limit: free * OutboundLimits.messagesPerConnection)
        var byDomain: [String: [QueueWork]] = [:]
        var order: [String] = []
        for work in due {
            if byDomain[work.domain] == nil { order.append(work.domain) }
            byDomain[work.domain, default: []].append(work)
        }
        var handed: [(CheckedContinuation<[QueueWork], Never>, [QueueWork])] = []
        defer { for (continuation, work) in handed { continuation.resume(returning: work) } }
        return inFlight.withLock { state in
            var claimed: [[QueueWork]] = []
            state.backlog = due.count >= free * OutboundLimits.messagesPerConnection
            for domain in order {
                var pending = (byDomain[domain] ?? []).filter {
                    $0.recipients.allSatisfy { !state.recipients.contains($0.id) }
                }
                // Open connections first, the work spread over them (from the last index, so that removing one
                // leaves the indices still waiting valid).
                var waiting = state.parked.indices.filter { state.parked[$0].domain == domain }
                while !pending.isEmpty, let i = waiting.popLast() {
                    let size = min(state.parked[i].capacity, (pending.count + waiting.count) / (waiting.count + 1))
                    let batch = Array(pending.prefix(size))
                    pending.removeFirst(batch.count)
                    for work in batch { state.recipients.formUnion(work.recipients.map(\.id)) }
                    handed.append((state.parked[i].continuation, batch))
                    state.parked.remove(at: i)
                }
                // Spread a domain's messages over the sessions it may have, up to the per-domain limit.
                while !pending.isEmpty, state.sessions < settings.concurrency,
                    state.perDomain[domain, default: 0] < settings.concurrencyPerDomain
                {
                    let sessionsLeft = settings.concurrencyPerDomain - state.perDomain[domain, default: 0]
                    let size = min(
                        OutboundLimits.messagesPerConnection,
                        max(1, (pending.count + sessionsLeft - 1) / sessionsLeft))
                    let batch = Array(pending.prefix(size))
                    pending.removeFirst(batch.count)
                    state.sessions += 1
                    state.perDomain[domain, default: 0] += 1
                    for work in batch { state.recipients.formUnion(work.recipients.map(\.id)) }
                    claimed.append(batch)
                }
                // The slot of an idle connection to another domain is freed for this work (its release rings).
                if !pending.isEmpty, state.sessions >= settings.concurrency,
                    state.perDomain[domain, default: 0] < settings.concurrencyPerDomain,
                    let i = state.parked.firstIndex(where: { $0.domain != domain })
                {
                    handed.append((state.parked.remove(at: i).continuation, []))
                }
                if !pending.isEmpty { state.backlog = true }
            }
            return claimed
        }
    }

    /// Waits, with the connection open, for more work for `domain` (at most `capacity` messages); [] means quit.
    func park(domain: String, capacity: Int) async -> [QueueWork] {
        let id = inFlight.withLock { state in
            state.lastParkID += 1
            return state.lastParkID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let (parked, backlog) = inFlight.withLock { state in
                    guard !Task.isCancelled else { return (false, false) }
                    state.parked.append(
                        Parked(
                            id: id, domain: domain, capacity: capacity, since: .now, continuation: continuation))
                    return (true, state.backlog)
                }
                if !parked {
                    continuation.resume(returning: [])
                } else if backlog {
                    store.queueBell.ring()  // due work was waiting for a slot: this one may take it
                }
            }
        } onCancel: {
            let continuation = inFlight.withLock { state in
                state.parked.firstIndex { $0.id == id }.map { state.parked.remove(at: $0).continuation }
            }
            continuation?.resume(returning: [])
        }
    }

    /// Tells sessions parked for the cache time to quit; returns how long until the next one's time is up.
    func expireParked() -> Duration? {
        let now = ContinuousClock.now
        let limit = OutboundLimits.connectionCacheTime
        let (expired, next) = inFlight.withLock { state in
            var expired: [CheckedContinuation<[QueueWork], Never>] = []
            state.parked.removeAll { parked in
                guard now - parked.since >= limit else { return false }
                expired.append(parked.continuation)
                return true
            }
            return (expired, state.parked.map { $0.since + limit - now }.min())
        }
        for continuation in expired { continuation.resume(returning: []) }
        return next
    }

    func release(_ batch: [QueueWork]) {
        guard let domain = batch.first?.domain else { return }
        inFlight.withLock { state in
            state.sessions -= 1
            state.perDomain[domain, default: 1] -= 1
            if state.perDomain[domain] == 0 { state.perDomain[domain] = nil }
            for work in batch { state.recipients.subtract(work.recipients.map(\.id)) }
        }
        store.queueBell.ring()  // a slot is free: look again
    }

    // MARK: One attempt

    /// What happened to each recipient of one message, and where.
    struct Result {
        var outcomes: [RecipientOutcome]
        var remoteMTA: String?
        var remoteSupportsDSN = false
    }

    /// Delivers a batch (same domain) and records each message's result as soon as it is known.
    func attempt(_ batch: [QueueWork]) async {
        var claimed = batch  // the batch and whatever a parked connection takes on later
        defer { release(claimed) }
        guard let domain = batch.first?.domain else { return }
        let more = { (capacity: Int) async -> [QueueWork] in
            let work = await self.park(domain: domain, capacity: capacity)
            claimed += work
            return work
        }
        await deliver(batch, more: more) { work, result in
            do {
                try await self.record(result, for: work)
            } catch {
                self.logger.error(
                    "recording a delivery attempt failed; the attempt will be repeated",
                    metadata: ["queue-id": "\(work.messageID.rawValue)", "error": "\(error)"])
            }
        }
    }

    /// Routes once for the batch's domain, then tries the hosts in order; each connection carries as many
    /// of the batch's messages as it can, then what `more` gives it. `done` is called exactly once per message.
    func deliver(
        _ batch: [QueueWork], more: (Int) async -> [QueueWork] = { _ in [] },
        done: (QueueWork, Result) async -> Void
    ) async {
        guard let domain = batch.first?.domain else { return }
        func all(_ work: QueueWork, _ o: RecipientOutcome, mta: String? = nil) -> Result {
            Result(outcomes: Array(repeating: o, count: work.recipients.count), remoteMTA: mta)
        }
        let hosts: [NextHopHost]
        do {
            hosts = try await router.hosts(for: domain)
        } catch {
            for work in batch {
                switch error {
                case .permanent(let reason):
                    let status = reason.contains("null MX") ? "5.1.10" : "5.1.2"
                    await done(
                        work, all(work, .permanent(reason: reason, reply: SMTPReply(550, Self.code(status), reason))))
                case .temporary(let reason):
                    await done(work, all(work, .temporary(reason: reason, reply: nil)))
                }
            }
            return
        }
        var remaining = batch[...]
        var lastFailure = "no server could be reached"
        hostLoop: for host in hosts {
            for address in host.addresses {
                guard !remaining.isEmpty else { break hostLoop }
                guard let socket = try? SocketAddress(ipAddress: address.description, port: host.port) else { continue }
                var avoidTLS = false
                var reused = false
                while true {
                    do {
                        try await session(
                            to: socket, host: host, avoidTLS: avoidTLS, remaining: &remaining, reused: &reused,
                            more: more, done: done)
                    } catch let error where reused {
                        // A connection that waited in the cache broke (the server may have timed it out).
                        logger.info("cached connection failed", metadata: ["error": "\(Self.describe(error))"])
                        reused = false
                        continue
                    } catch let error as SMTPClientError {
                        lastFailure =
                            "\(host.name)[\(address)]: \(error.reason)" + (error.reply.map { ": \($0)" } ?? "")
                        // RFC 7435 §4: opportunistic TLS falls back to plaintext when the handshake fails.
                        if error.reason == "TLS handshake failed", !avoidTLS, !settings.client.tlsRequired {
                            avoidTLS = true
                            continue
                        }
                    } catch {
                        lastFailure = "\(host.name)[\(address)]:\(host.port): \(Self.describe(error))"
                    }
                    break
                }
                if !remaining.isEmpty {
                    logger.info(
                        "delivery attempt failed",
                        metadata: ["domain": "\(domain)", "messages": "\(remaining.count)", "reason": "\(lastFailure)"])
                }
            }
        }
        for work in remaining {
            await done(work, all(work, .temporary(reason: lastFailure, reply: nil)))
        }
    }

    /// One connection: open the session, then send messages from the front of `remaining`, and then what `more`
    /// gives, until there is nothing more or the session breaks. Throws when the server cannot be used at all (the
    /// caller tries the next one). `reused` is true while the front message came from `more` and is not sent yet.
    func session(
        to socket: SocketAddress, host: NextHopHost, avoidTLS: Bool, remaining: inout ArraySlice<QueueWork>,
        reused: inout Bool, more: (Int) async -> [QueueWork], done: (QueueWork, Result) async -> Void
    ) async throws {
        let settings = self.settings
        let logger = self.logger
        var pending = remaining
        defer { remaining = pending }
        try await OutboundConnection.withConnection(
            to: socket, connectTimeout: settings.connectTimeout, logger: logger
        ) { connection in
            var session = SMTPClientSession(
                connection: connection, settings: settings.client, serverName: host.name, avoidTLS: avoidTLS)
            try await session.open()
            var meta: Logger.Metadata = ["host": "\(host.name)", "address": "\(socket)"]
            if let tls = session.tlsResult {
                meta["tls"] = "\(tls.info.version)"
                meta["tls-verified"] = "\(tls.verified)"
                if let why = tls.verificationFailure { meta["tls-unverified-because"] = "\(why)" }
            } else {
                meta["tls"] = "none"
            }
            logger.info("SMTP session opened", metadata: meta)
            var sent = 0  // messages taken on this connection
            while session.usable {
                if pending.isEmpty {
                    guard sent < OutboundLimits.messagesPerConnection else { break }
                    let next = await more(OutboundLimits.messagesPerConnection - sent)
                    guard !next.isEmpty else { break }
                    pending.append(contentsOf: next)
                    reused = true
                }
                let work = pending[pending.startIndex]
                sent += 1
                let prepared: PreparedMessage
                do {
                    prepared = try await prepare(work.message)
                } catch {
                    pending.removeFirst()
                    logger.error(
                        "reading a queued message failed", metadata: ["queue-id": "\(work.messageID.rawValue)"])
                    await done(
                        work,
                        Result(
                            outcomes: Array(
                                repeating: .temporary(
                                    reason: "the queued message could not be read: \(error)", reply: nil),
                                count: work.recipients.count)))
                    continue
                }
                let envelope = ClientEnvelope(
                    mailFrom: work.message.mailFrom, recipients: work.recipients.map(\.recipient.address),
                    notify: work.recipients.map(\.recipient.notify), orcpt: work.recipients.map(\.recipient.orcpt),
                    size: prepared.size, bodyType: work.message.bodyType, smtputf8: work.message.smtputf8,
                    ret: work.message.ret, envid: work.message.envid)
                do {
                    let outcomes = try await session.sendMessage(envelope: envelope, prefix: prepared.prefix) {
                        self.store.readBlobChunks(
                            prepared.blob, range: prepared.range, chunkSize: OutboundLimits.sendChunkSize)
                    }
                    pending.removeFirst()
                    reused = false
                    await done(
                        work,
                        Result(outcomes: outcomes, remoteMTA: host.name, remoteSupportsDSN: session.remoteSupportsDSN))
                } catch let error as SMTPClientError {
                    guard session.usable else { throw error }  // the next address gets this message again
                    pending.removeFirst()
                    reused = false
                    // The server answered for the message as a whole (limits, or the sender refused).
                    let outcome: RecipientOutcome =
                        (error.permanent || error.reply?.isPermanentFailure == true) && error.reply != nil
                        ? .permanent(reason: error.reason, reply: error.reply)
                        : .temporary(reason: error.reason, reply: error.reply)
                    await done(
                        work,
                        Result(
                            outcomes: Array(repeating: outcome, count: work.recipients.count), remoteMTA: host.name))
                } catch {
                    throw error
                }
            }
            await session.quit()
        }
    }

    // MARK: The message as sent

    struct PreparedMessage: Sendable {
        var blob: BlobRef
        var range: Range<Int>
        /// DKIM-Signature fields.
        var prefix: [UInt8]
        var size: Int { range.count + prefix.count }
    }

    func prepare(_ message: OutboundMessage) async throws -> PreparedMessage {
        let range = Int(message.bodyOffset)..<Int(message.blob.size)
        var prefix: [UInt8] = []
        if let signer {
            let head = try await store.readBlob(
                message.blob,
                range: range.lowerBound..<min(range.upperBound, range.lowerBound + OutboundLimits.maxHeaderSection))
            if let split = Self.headerEnd(head), let domain = Self.fromDomain(Array(head[..<split])) {
                let bodyStart = range.lowerBound + split
                let blob = message.blob
                let store = self.store
                prefix = try await signer.signatureFields(domain: domain, headerSection: Array(head[..<split])) {
                    store.readBlobChunks(
                        blob, range: bodyStart..<range.upperBound, chunkSize: OutboundLimits.sendChunkSize)
                }
            }
        }
        return PreparedMessage(blob: message.blob, range: range, prefix: prefix)
    }

    /// Index just after the CRLF CRLF (or LF LF) ending the header section.
    static func headerEnd(_ bytes: [UInt8]) -> Int? {
        var i = 0
        while i + 1 < bytes.count {
            if bytes[i] == 0x0a {
                if bytes[i + 1] == 0x0a { return i + 2 }
                if bytes[i + 1] == 0x0d, i + 2 < bytes.count, bytes[i + 2] == 0x0a { return i + 3 }
            }
            i += 1
        }
        return nil
    }

    /// The domain of the first From: address (RFC 5322 §3.6.2), lowercased.
    static func fromDomain(_ header: [UInt8]) -> String? {
        let envelope = header.withUnsafeBytes { Envelope(header: MIMEParser.parseHeader($0)) }
        guard let from = envelope.from?.first?.email,
            let at = from.lastIndex(of: "@")
        else { return nil }
        return from[from.index(after: at)...].lowercased()
    }

    // MARK: Results

    func record(_ result: Result, for work: QueueWork) async throws {
        let now = Date()
        let expired = now.timeIntervalSince(work.createdAt) >= settings.lifetime
        var done: [QueueRecipientID] = []
        var deferred: [QueueDeferral] = []
        var reports: [DeliveryStatusNotification.Recipient] = []
        for (r, outcome) in zip(work.recipients, result.outcomes) {
            let notify = r.recipient.notify.map(SMTPClientSession.notify)
            switch outcome {
            case .delivered(let reply):
                done.append(r.id)
                logger.info(
                    "delivered",
                    metadata: [
                        "queue-id": "\(work.messageID.rawValue)", "to": "\(r.recipient.address)",
                        "host": "\(result.remoteMTA ?? "")", "reply": "\(reply)",
                    ])
                // RFC 3461 §6.2.1: a server that speaks DSN reports success itself; otherwise we say "relayed".
                if let notify, notify.contains(.success), !result.remoteSupportsDSN {
                    reports.append(report(r, action: .relayed, status: "2.0.0", reply: reply, result: result, now: now))
                }
            case .permanent(let reason, let reply):
                done.append(r.id)
                logger.notice(
                    "bounced",
                    metadata: [
                        "queue-id": "\(work.messageID.rawValue)", "to": "\(r.recipient.address)", "reason": "\(reason)",
                    ])
                if notify.map({ $0.contains(.failure) }) ?? true {
                    reports.append(
                        report(
                            r, action: .failed, status: Self.status(reply, default: "5.0.0"), reply: reply,
                            result: result,
                            now: now, reason: reason))
                }
            case .temporary(let reason, let reply):
                let text = reply.map { "\(reason): \($0)" } ?? reason
                if expired {
                    done.append(r.id)
                    logger.notice(
                        "expired",
                        metadata: [
                            "queue-id": "\(work.messageID.rawValue)", "to": "\(r.recipient.address)",
                            "reason": "\(text)",
                        ])
                    if notify.map({ $0.contains(.failure) }) ?? true {
                        // RFC 3463 §3.5: 4.4.7 delivery time expired.
                        reports.append(
                            report(
                                r, action: .failed, status: "4.4.7", reply: reply, result: result, now: now,
                                reason: "gave up after \(Self.duration(settings.lifetime)): \(text)"))
                    }
                } else {
                    var deferral = QueueDeferral(
                        r.id, error: String(text.prefix(OutboundLimits.maxDiagnosticLength)),
                        nextAttempt: now.addingTimeInterval(RetrySchedule.delay(afterFailures: r.attempts + 1)))
                    let age = now.timeIntervalSince(work.createdAt)
                    let allowsDelay = notify.map { $0.contains(.delay) } ?? true
                    if settings.delayNotice > 0, age >= settings.delayNotice, !r.delayNotified, allowsDelay {
                        var d = report(
                            r, action: .delayed, status: Self.status(reply, default: "4.0.0"), reply: reply,
                            result: result, now: now, reason: text)
                        d.willRetryUntil = work.createdAt.addingTimeInterval(settings.lifetime)
                        reports.append(d)
                        deferral.delayNotified = true
                    }
                    deferred.append(deferral)
                }
            }
        }
        // The report first (durable), then the queue rows: a crash in between repeats the report, never loses it.
        if !reports.isEmpty, !work.message.mailFrom.isEmpty {
            try await sendReport(reports, for: work)
        }
        try await store.deferQueueRecipients(deferred)
        try await store.finishQueueRecipients(done)
    }

    func report(
        _ r: QueueWork.Recipient, action: DeliveryStatusNotification.Action, status: String, reply: SMTPReply?,
        result: Result, now: Date, reason: String? = nil
    ) -> DeliveryStatusNotification.Recipient {
        DeliveryStatusNotification.Recipient(
            originalRecipient: r.recipient.orcpt.map { o in
                // Stored as "type;address"; RFC 3464 §2.3.1 writes "type; address".
                o.replacingOccurrences(of: ";", with: "; ", options: [], range: o.range(of: ";"))
            },
            finalRecipient: r.recipient.address, action: action, status: status,
            remoteMTA: reply == nil ? nil : result.remoteMTA,
            diagnostic: reply.map { "\($0)" } ?? reason, lastAttempt: now)
    }

    /// Builds the DSN and hands it on: into the sender's INBOX when local, else queued from the null sender.
    func sendReport(_ recipients: [DeliveryStatusNotification.Recipient], for work: QueueWork) async throws {
        let message = work.message
        let range = Int(message.bodyOffset)..<Int(message.blob.size)
        let headersOnly = message.ret?.uppercased() == "HDRS" || range.count > OutboundLimits.maxReturnedMessage
        var original: [UInt8]
        if headersOnly {
            let head = try await store.readBlob(
                message.blob,
                range: range.lowerBound..<min(range.upperBound, range.lowerBound + OutboundLimits.maxHeaderSection))
            original = Self.headerEnd(head).map { Array(head[..<$0]) } ?? head
        } else {
            original = try await store.readBlob(message.blob, range: range)
        }
        let dsn = DeliveryStatusNotification(
            reportingMTA: settings.hostname, to: message.mailFrom, envid: message.envid, arrivalDate: work.createdAt,
            recipients: recipients, returnHeadersOnly: headersOnly)
        let bytes = dsn.message(original: original, originalIsHeaders: headersOnly)
        original = []
        let blob = try await store.writeBlob(bytes: bytes)
        switch try await directory.resolveRecipient(message.mailFrom) {
        case .deliver(let accounts, let forward):
            var targets: [DeliveryTarget] = []
            for a in accounts {
                if let inbox = try await store.mailbox(account: a.id, name: "INBOX") {
                    targets.append(DeliveryTarget(account: a.id, mailbox: inbox.id))
                }
            }
            if !targets.isEmpty {
                let metadata = bytes.withUnsafeBytes { MessageIngest.metadata(of: $0) }
                _ = try await ingest.deliver(blob: blob, metadata: metadata, to: targets)
            }
            if !forward.isEmpty {
                try await store.enqueue(
                    OutboundMessage(
                        mailFrom: "", blob: blob, recipients: forward.map { OutboundRecipient(address: "\($0)") }))
            }
        case .notLocal:
            try await store.enqueue(
                OutboundMessage(mailFrom: "", blob: blob, recipients: [OutboundRecipient(address: message.mailFrom)]))
        case .unknownUser:
            logger.notice("no mailbox for the delivery report", metadata: ["to": "\(message.mailFrom)"])
        }
        logger.info(
            "delivery report sent",
            metadata: [
                "queue-id": "\(work.messageID.rawValue)", "to": "\(message.mailFrom)",
                "actions": "\(Set(recipients.map(\.action.rawValue)).sorted().joined(separator: ","))",
            ])
    }

    // MARK: Helpers

    static func code(_ status: String) -> EnhancedStatusCode? {
        let parts = status.split(separator: ".").compactMap { Int($0) }
        guard parts.count == 3, [2, 4, 5].contains(parts[0]), parts[1] <= 999, parts[2] <= 999 else { return nil }
        return EnhancedStatusCode(parts[0], parts[1], parts[2])
    }

    /// The RFC 3463 status of a reply, or one derived from its class.
    static func status(_ reply: SMTPReply?, default fallback: String) -> String {
        guard let reply else { return fallback }
        if let e = reply.enhancedCode { return "\(e)" }
        return "\(reply.code / 100).0.0"
    }

    static func duration(_ seconds: TimeInterval) -> String {
        if seconds >= 86_400 { return "\(Int(seconds / 86_400)) days" }
        if seconds >= 3_600 { return "\(Int(seconds / 3_600)) hours" }
        return "\(Int(seconds / 60)) minutes"
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? IOError { return "connection failed: \(e.description)" }
        if error is ChannelError { return "connection failed: \(error)" }
        return "\(error)"
    }
}
