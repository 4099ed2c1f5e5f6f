// One POP3 connection (RFC 1939 §3): AUTHORIZATION, TRANSACTION and UPDATE states over typed commands.
//
// Invariants:
// - The session switches over typed `POP3Command` values; grammar errors come back as `POP3SyntaxError`;
//   store failures map to replies in `POP3Session.reply(for:)`, the one place.
// - Replies to pipelined commands are written in order and flushed only when no complete command is
//   buffered (RFC 2449 §6.6 PIPELINING).
// - The maildrop is INBOX as it was at login: message numbers, sizes and UIDLs are fixed for the session
//   (RFC 1939 §5). Sizes are exact octet counts of what RETR sends, before byte-stuffing.
// - DELE only marks. Deletions are applied only by QUIT in the TRANSACTION state, in one store
//   transaction (RFC 1939 §6); a dropped connection or an autologout timeout deletes nothing (§3).
// - UIDL is "<uidvalidity>.<uid>": UIDs are never reused within a UIDVALIDITY, so a UIDL is never reused.
// - No credentials before TLS: USER/PASS/AUTH get -ERR [AUTH] and CAPA does not list USER or SASL
//   (DESIGN §5, RFC 2595 §4). After STLS everything learnt before it is forgotten (RFC 2595 §3.1).

import Config
import Directory
import Logging
import MailStore
import NIOCore
import POP3Protocol
import ServerSupport

final class POP3Session: @unchecked Sendable {  // used by its connection's task only
    let connection: Connection
    let server: POP3Server
    var settings: POP3Settings { server.settings }
    var logger: Logger
    let remoteIP: String

    var framer = LineFramer()
    var errors = 0
    var unauthenticatedCommands = 0
    let loginDeadline: ReadDeadline
    /// USER given, waiting for PASS (AUTHORIZATION state).
    var pendingUser: String?
    var utf8Enabled = false
    /// Set once the maildrop is locked and loaded: the TRANSACTION state.
    var maildrop: Maildrop?
    /// Bodies read ahead for RETRs in sequence, by blob hash (`readAhead(from:)`).
    var readAheadBodies: [String: [UInt8]] = [:]
    /// The message the last RETR sent, to recognise a client downloading the maildrop in order.
    var lastRetrieved = 0

    /// A client that retrieves message n right after n-1 gets the following small messages read with n, up to
    /// `readAheadBudget` bytes, in one trip to the blob I/O queue: one trip per small message cost more than the
    /// reads themselves. Larger messages are streamed in chunks.
    static let readAheadMaxMessage: Int64 = 256 * 1024
    static let readAheadBudget: Int64 = 1024 * 1024

    struct Message {
        var uid: UID
        var blob: BlobRef
        var size: Int
        var deleted = false
    }

    struct Maildrop {
        var account: AccountRecord
        var mailbox: MailboxID
        var uidValidity: UInt32
        var messages: [Message]

        var live: [Message] { messages.filter { !$0.deleted } }
        var liveSize: Int { messages.reduce(0) { $0 + ($1.deleted ? 0 : $1.size) } }
    }

    enum Close: Error {
        case quit
        case peerLeft
    }

    init(connection: Connection, server: POP3Server) {
        self.connection = connection
        self.server = server
        self.logger = connection.logger
        self.remoteIP = connection.remoteAddress?.ipAddress ?? "unknown"
        self.loginDeadline = ReadDeadline(after: server.settings.loginTimeout)
    }

    /// The inactivity timer; before login, also no later than the login deadline.
    var readTimeout: Duration {
        get throws {
            guard maildrop == nil else { return settings.idleTimeout }
            return try loginDeadline.readTimeout(idle: settings.idleTimeout)
        }
    }

    // MARK: Loop

    func run() async {
        do {
            // RFC 1939 §4: the greeting. No APOP timestamp: APOP is not offered.
            try await send(.ok("\(settings.hostname) Mailroom POP3 server ready"))
            while true {
                guard let event = try await nextCommandLine() else { throw Close.peerLeft }
                switch event {
                case .needMoreData:
                    continue
                case .tooLong:
                    try await error(.err("Line too long (the limit is \(POP3Limits.maxCommandLine) octets)"))
                case .line(let line, _):  // bare LF tolerated, as most POP3 servers do
                    if maildrop == nil {
                        unauthenticatedCommands += 1
                        if unauthenticatedCommands > settings.maxUnauthenticatedCommands {
                            try await send(.err("Too many commands without logging in", code: .auth))
                            throw Close.quit
                        }
                    }
                    let command: POP3Command
                    do {
                        command = try POP3CommandParser.parse(line: line)
                    } catch {
                        try await self.error(.err(error.message))
                        continue
                    }
                    try await handle(command)
                }
            }
        } catch Close.quit {
            // The last reply was sent.
        } catch Close.peerLeft {
            logger.debug("client left")  // RFC 1939 §6: no UPDATE state, nothing is deleted
        } catch ConnectionError.timeout {
            // RFC 1939 §3: autologout closes without entering the UPDATE state.
            try? await send(.err("Autologout: idle for too long"))
        } catch ConnectionError.shutdownRequested {
            try? await send(.err("Server shutting down", code: .sysTemp))
        } catch {
            logger.debug("session ended", metadata: ["error": "\(error)"])
        }
        if let maildrop { server.locks.release(maildrop.account.id) }
        maildrop = nil
        await connection.close()
    }

    /// The next command line; pending replies are flushed just before the session would wait (RFC 2449 §6.6).
    func nextCommandLine() async throws -> LineFramer.Event? {
        while true {
            let event = framer.nextLine(maxLength: POP3Limits.maxCommandLine)
            if event != .needMoreData { return event }
            try await connection.flush()
            guard let bytes = try await connection.read(timeout: try readTimeout) else { return nil }
            framer.append(bytes)
        }
    }

    func write(_ response: POP3Response) async throws {
        var buffer = ByteBuffer()
        response.encode(into: &buffer)
        try await connection.write(buffer)
    }

    func write(_ response: POP3MultiLine) async throws {
        var buffer = ByteBuffer()
        response.encode(into: &buffer)
        try await connection.write(buffer)
    }

    func send(_ response: POP3Response) async throws {
        try await write(response)
        try await connection.flush()
    }

    /// A client error: reply, count it, close after too many.
    func error(_ response: POP3Response) async throws {
        errors += 1
        if errors > settings.maxErrors {
            try await send(.err("Too many errors, closing"))
            throw Close.quit
        }
        try await write(response)
    }

    // MARK: Commands

    func handle(_ command: POP3Command) async throws {
        switch command {
        case .capa:
            try await write(POP3MultiLine(.ok("Capability list follows"), lines: capabilities()))
        case .quit:
            try await quit()
        case .noop:
            guard maildrop != nil else { return try await notAuthenticated() }
            try await write(.ok(""))
        case .user(let name):
            try await user(name)
        case .pass(let password):
            try await pass(password)
        case .auth(let mechanism, let initial):
            try await authenticate(mechanism: mechanism, initialResponse: initial)
        case .stls:
            try await startTLS()
        case .utf8:
            // RFC 6856 §3.1: valid in the AUTHORIZATION state only.
            guard maildrop == nil else { return try await error(.err("UTF8 is allowed only before login")) }
            utf8Enabled = true
            try await write(.ok("UTF8 enabled"))
        case .stat, .list, .retr, .dele, .rset, .top, .uidl:
            guard maildrop != nil else { return try await notAuthenticated() }
            try await transaction(command)
        }
    }

    func notAuthenticated() async throws {
        try await error(.err("Log in first"))
    }

    /// RFC 2449 §5 / §6: what we offer, depending on the TLS state and the session state.
    func capabilities() -> [String] {
        var list = ["TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"]
        // RFC 2449 §6.7: EXPIRE is about the server deleting messages on its own. Mailroom never does (no
        // retention policy): whatever the [pop3] deletes policy, only a client's DELE+QUIT removes a message
        // from this maildrop, so NEVER is true. (Other clients of the same INBOX, e.g. IMAP, may still expunge.)
        list.append("EXPIRE NEVER")
        list.append("IMPLEMENTATION Mailroom")
        if maildrop == nil {
            if connection.isTLS {
                list.append("USER")
                list.append("SASL " + SASLMechanismName.allCases.map(\.rawValue).joined(separator: " "))
            }
            if connection.canStartTLS { list.append("STLS") }
            list.append("UTF8 USER")  // RFC 6856 §2: USER/PASS accept UTF-8 after UTF8
        }
        return list
    }

    // MARK: QUIT (RFC 1939 §4, §6)

    func quit() async throws {
        guard let drop = maildrop else {
            try await send(.ok("\(settings.hostname) signing off"))
            throw Close.quit
        }
        // RFC 1939 §6: the UPDATE state removes the marked messages; all or nothing.
        let marked = drop.messages.filter(\.deleted).map(\.uid)
        do {
            switch settings.deletes {
            case .expunge:
                try await server.directory.store.expungeForPOP3(mailbox: drop.mailbox, uids: marked)
            case .keep:
                try await server.directory.store.hideFromPOP3(mailbox: drop.mailbox, uids: marked)
            }
        } catch {
            try await send(reply(for: error, context: "QUIT: no messages were removed"))
            throw Close.quit
        }
        let left = drop.messages.count - marked.count
        try await send(.ok("\(settings.hostname) signing off (\(marked.count) deleted, \(left) left)"))
        throw Close.quit
    }

    // MARK: STLS (RFC 2595 §4)

    func startTLS() async throws {
        guard maildrop == nil else { return try await error(.err("STLS is allowed only before login")) }
        guard connection.canStartTLS else {
            return try await error(.err(connection.isTLS ? "TLS is already active" : "STLS is not available here"))
        }
        do {
            try await connection.startTLS(
                readyReply: POP3Response.ok("Begin TLS negotiation").encoded(), framer: &framer)
        } catch {
            throw Close.peerLeft
        }
        // RFC 2595 §3.1: forget what was learnt before TLS.
        pendingUser = nil
        utf8Enabled = false
    }

    // MARK: USER/PASS (RFC 1939 §7) and AUTH (RFC 5034)

    /// DESIGN §5: credentials only over TLS.
    func refuseBeforeLogin(_ what: String) async throws -> Bool {
        if maildrop != nil {
            try await error(.err("\(what) is not allowed after login"))
            return true
        }
        if !connection.isTLS {
            try await error(.err("\(what) needs TLS: use STLS first", code: .auth))
            return true
        }
        return false
    }

    func user(_ name: String) async throws {
        if try await refuseBeforeLogin("USER") { return }
        pendingUser = name
        try await write(.ok("Send PASS"))
    }

    func pass(_ password: String) async throws {
        if try await refuseBeforeLogin("PASS") { return }
        guard let name = pendingUser else { return try await error(.err("Send USER first")) }
        pendingUser = nil
        try await login(Credentials(username: name, password: password), mechanism: "USER")
    }

    func authenticate(mechanism: String?, initialResponse: [UInt8]?) async throws {
        if try await refuseBeforeLogin("AUTH") { return }
        guard let mechanism else {
            // The RFC 1734 probe: list the mechanisms.
            return try await write(
                POP3MultiLine(.ok("Mechanisms follow"), lines: SASLMechanismName.allCases.map(\.rawValue)))
        }
        guard let name = SASLMechanismName(caseInsensitive: mechanism) else {
            return try await error(.err("Unsupported mechanism \(mechanism.prefix(POP3Limits.maxKeywordEcho))"))
        }
        var exchange = SASLExchange(mechanism: name)
        var step = exchange.start(initialResponse: initialResponse)
        while true {
            switch step {
            case .challenge(let challenge):
                // RFC 5034 §4: "+ " base64 challenge.
                try await connection.write("+ \(Base64.encode(challenge))\r\n")
                try await connection.flush()
                guard
                    let event = try await connection.nextLine(
                        &framer, maxLength: POP3Limits.maxAuthLine, timeout: try readTimeout)
                else { throw Close.peerLeft }
                guard case .line(let line, _) = event else { return try await error(.err("Response too long")) }
                var text = String(buffer: line)
                if text.hasSuffix("\r") { text.removeLast() }
                if text == "*" { return try await error(.err("Authentication cancelled")) }  // RFC 5034 §4
                guard let decoded = Base64.decode(text) else { return try await error(.err("Invalid base64")) }
                step = exchange.receive(decoded)
            case .malformed(let why):
                return try await error(.err("Malformed authentication: \(why)", code: .auth))
            case .credentials(let credentials):
                return try await login(credentials, mechanism: name.rawValue)
            }
        }
    }

    /// Checks the credentials (throttled by Directory), locks and loads the maildrop: TRANSACTION state.
    func login(_ credentials: Credentials, mechanism: String) async throws {
        let result = await server.directory.authenticate(credentials, remote: remoteIP, protocolName: "pop3")
        guard case .success(let account, _) = result else {
            return try await error(.err("Invalid credentials", code: .auth))  // RFC 3206 §5
        }
        // RFC 1939 §4 exclusive-access lock; RFC 2449 §8.1.1 IN-USE.
        guard server.locks.acquire(account.id) else {
            return try await error(.err("Your maildrop is in use by another POP3 session", code: .inUse))
        }
        do {
            maildrop = try await loadMaildrop(account)
        } catch {
            server.locks.release(account.id)
            return try await write(reply(for: error, context: "Cannot open the maildrop"))
        }
        logger[metadataKey: "user"] = "\(account.address)"
        let drop = maildrop!
        try await write(.ok("\(account.address) has \(drop.messages.count) messages (\(drop.liveSize) octets)"))
    }

    func loadMaildrop(_ account: AccountRecord) async throws -> Maildrop {
        let store = server.directory.store
        guard let inbox = try await store.mailbox(account: account.id, name: "INBOX") else {
            throw StoreError.notFound("INBOX")
        }
        let snapshot = try await store.pop3Maildrop(mailbox: inbox.id)
        var messages: [Message] = []
        messages.reserveCapacity(snapshot.entries.count)
        var computed: [UID: Int64] = [:]
        for entry in snapshot.entries {
            var size = entry.pop3Size
            if size == nil {
                // First POP3 look at this message: count what RETR would send (CRLF line ends).
                var counter = POP3BodyEncoder(byteStuffing: false)
                var sink = ByteBuffer()
                for try await chunk in store.readBlobChunks(entry.blob) {
                    counter.encode(chunk, into: &sink)
                    sink.clear()
                }
                counter.finish(into: &sink)
                size = Int64(counter.producedCount)
                computed[entry.uid] = size
            }
            messages.append(Message(uid: entry.uid, blob: entry.blob, size: Int(size!)))
        }
        try await store.recordPOP3Sizes(mailbox: inbox.id, sizes: computed)
        return Maildrop(account: account, mailbox: inbox.id, uidValidity: snapshot.uidValidity, messages: messages)
    }

    // MARK: TRANSACTION state (RFC 1939 §5, §7)

    /// The message numbered `n`, unless it does not exist or is marked deleted (RFC 1939 §5).
    func message(_ n: Int) -> Message? {
        guard let drop = maildrop, n >= 1, n <= drop.messages.count, !drop.messages[n - 1].deleted else { return nil }
        return drop.messages[n - 1]
    }

    func uidl(_ m: Message) -> String { "\(maildrop!.uidValidity).\(m.uid.rawValue)" }

    func transaction(_ command: POP3Command) async throws {
        switch command {
        case .stat:
            try await write(.ok("\(maildrop!.live.count) \(maildrop!.liveSize)"))  // RFC 1939 §5 STAT
        case .list(nil):
            let lines = maildrop!.messages.enumerated().filter { !$0.element.deleted }.map {
                "\($0.offset + 1) \($0.element.size)"
            }
            try await write(POP3MultiLine(.ok("\(lines.count) messages (\(maildrop!.liveSize) octets)"), lines: lines))
        case .list(let n?):
            guard let m = message(n) else { return try await noSuchMessage() }
            try await write(.ok("\(n) \(m.size)"))
        case .uidl(nil):
            let lines = maildrop!.messages.enumerated().filter { !$0.element.deleted }.map {
                "\($0.offset + 1) \(uidl($0.element))"
            }
            try await write(POP3MultiLine(.ok("Unique-ID listing follows"), lines: lines))
        case .uidl(let n?):
            guard let m = message(n) else { return try await noSuchMessage() }
            try await write(.ok("\(n) \(uidl(m))"))
        case .dele(let n):
            guard message(n) != nil else { return try await noSuchMessage() }
            maildrop!.messages[n - 1].deleted = true  // RFC 1939 §5: marked; removed in the UPDATE state
            try await write(.ok("Message \(n) deleted"))
        case .rset:
            for i in maildrop!.messages.indices { maildrop!.messages[i].deleted = false }
            try await write(.ok("Maildrop has \(maildrop!.messages.count) messages (\(maildrop!.liveSize) octets)"))
        case .retr(let n):
            guard let m = message(n) else { return try await noSuchMessage() }
            let body = try? await readAhead(from: n)
            lastRetrieved = n
            try await stream(m, response: .ok("\(m.size) octets"), encoder: POP3BodyEncoder(), body: body)
        case .top(let n, let lines):
            guard let m = message(n) else { return try await noSuchMessage() }
            try await stream(m, response: .ok("Top of message follows"), encoder: POP3BodyEncoder(bodyLineLimit: lines))
        default:
            try await error(.err("Not allowed now"))
        }
    }

    func noSuchMessage() async throws {
        try await error(.err("No such message"))
    }

    /// The body of message n if it was read ahead, or is now read with the small messages after it (sequential
    /// RETRs only); nil when it should be streamed. A failed read-ahead is nil too: the stream then reports it.
    func readAhead(from n: Int) async throws -> [UInt8]? {
        guard let drop = maildrop else { return nil }
        let hash = drop.messages[n - 1].blob.hash
        if let body = readAheadBodies.removeValue(forKey: hash) { return body }
        readAheadBodies = [:]
        guard n == lastRetrieved + 1, n > 1 else { return nil }
        readAheadBodies = try await server.directory.store.readSmallBlobs(
            drop.messages[(n - 1)...].lazy.filter { !$0.deleted }.map(\.blob),
            maxBlobSize: Self.readAheadMaxMessage, budget: Self.readAheadBudget)
        return readAheadBodies.removeValue(forKey: hash)
    }

    /// RETR / TOP: the message streams from its blob file (or from `body`, read ahead); `Connection.write` flushes
    /// every 64 KB, so memory stays at one chunk whatever the message size.
    func stream(_ m: Message, response: POP3Response, encoder: POP3BodyEncoder, body: [UInt8]? = nil) async throws {
        var encoder = encoder
        if let body {
            try await write(response)
            var out = ByteBuffer()
            encoder.encode(body, into: &out)
            encoder.finish(into: &out)
            return try await connection.write(out)
        }
        let chunks = server.directory.store.readBlobChunks(m.blob)
        var iterator = chunks.makeAsyncIterator()
        // Read the first chunk before "+OK", so a missing blob is an -ERR and not a broken response.
        let first: [UInt8]?
        do {
            first = try await iterator.next()
        } catch {
            return try await write(reply(for: error, context: "Cannot read the message"))
        }
        try await write(response)
        var out = ByteBuffer()
        if let first { encoder.encode(first, into: &out) }
        try await connection.write(out)
        do {
            while !encoder.isDone, let chunk = try await iterator.next() {
                out.clear()
                encoder.encode(chunk, into: &out)
                try await connection.write(out)
            }
        } catch let error as ConnectionError {
            throw error
        } catch {
            // The +OK is out: the response cannot be completed honestly. Close rather than send a short message.
            logger.error("reading a message failed mid-response", metadata: ["error": "\(error)"])
            throw Close.peerLeft
        }
        out.clear()
        encoder.finish(into: &out)
        try await connection.write(out)
    }

    // MARK: Errors in one place

    /// Maps a failure of the store to the reply the client gets (RFC 3206 §4 SYS/TEMP and SYS/PERM).
    func reply(for error: any Error, context: String) -> POP3Response {
        switch error {
        case StoreError.notFound:
            logger.error("\(context)", metadata: ["error": "\(error)"])
            return .err("\(context): mailbox missing", code: .sysPerm)
        default:
            logger.error("\(context)", metadata: ["error": "\(error)"])
            return .err("\(context): temporary server problem, try again later", code: .sysTemp)
        }
    }
}
