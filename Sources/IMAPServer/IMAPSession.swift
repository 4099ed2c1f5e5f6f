// One IMAP connection: command events in, typed responses out (RFC 9051 §2.2, §3).
//
// Invariants:
// - The session switches over typed `Command` values from `CommandDecoder`; grammar errors carry their
//   own response; store and spool failures map to responses in `response(for:tag:)` only.
// - Each command is answered completely (its tagged response written) before the next event is pulled,
//   so pipelined commands are answered in order. Output is flushed only when the session is about to
//   wait for input (and for continuation requests, which the client waits for).
// - Connection states (RFC 9051 §3): not authenticated → authenticated → selected → logout. Commands
//   outside their state answer BAD.
// - No credentials over plaintext: LOGINDISABLED and no AUTH= before TLS (DESIGN §5, RFC 9051 §6.2.3).
// - After STARTTLS everything buffered in plaintext is discarded (RFC 9051 §6.2.1, CVE-2011-0411).
// - Changes by other sessions reach the client only between commands, on NOOP and during IDLE, and
//   never as EXPUNGE while answering FETCH, STORE or SEARCH (RFC 9051 §7.5.1); see Mailbox.swift.

import Delivery
import Directory
import Foundation
import IMAPProtocol
import Logging
import MIME
import MailStore
import NIOCore
import ServerSupport

final class IMAPSession: @unchecked Sendable {  // used by its connection's task only
    let connection: Connection
    let server: IMAPServer
    var settings: IMAPSettings { server.settings }
    var store: MailStore { server.store }
    var logger: Logger
    let remoteIP: String
    /// Before login, the session ends at this instant whatever the client sends (`[limits] login_timeout`).
    let loginDeadline: ReadDeadline

    var decoder: CommandDecoder
    var encoder = ResponseEncoder()
    /// Encoded responses not yet given to the connection (`handOver`): one buffer, not one per response.
    var outbox = ByteBuffer()
    var account: AccountRecord?
    var selected: SelectedMailbox?
    var errors = 0

    // RFC 5161 ENABLE state.
    var rev2 = false
    var utf8Accepted = false
    var condStoreEnabled = false
    var qresyncEnabled = false
    /// RFC 5182 SEARCHRES: the UIDs saved by the last SEARCH RETURN (SAVE).
    var savedSearch: [UID] = []

    /// The APPEND being received.
    var append: AppendInProgress?

    /// Why a session ends.
    enum Close: Error {
        case logout
        case peerLeft
    }

    init(connection: Connection, server: IMAPServer) {
        self.connection = connection
        self.server = server
        self.logger = connection.logger
        self.remoteIP = connection.remoteAddress?.ipAddress ?? "unknown"
        self.decoder = CommandDecoder(limits: server.settings.limits)
        self.loginDeadline = ReadDeadline(after: server.settings.unauthenticatedTimeout)
    }

    // MARK: Loop

    func run() async {
        do {
            // RFC 9051 §7.1.1: the greeting carries the capabilities.
            try await write(.untagged(.ok(ResponseText(code: .capability(capabilities()), "Mailroom ready"))))
            while true {
                let event = try await nextEvent()
                try await handle(event)
            }
        } catch Close.logout {
            // BYE and the tagged OK were sent.
        } catch Close.peerLeft {
            logger.debug("client left")
        } catch ConnectionError.timeout {
            // RFC 9051 §5.4: autologout.
            try? await send(.untagged(.bye(ResponseText(code: nil, "Autologout; idle for too long"))))
        } catch ConnectionError.shutdownRequested {
            try? await send(.untagged(.bye(ResponseText(code: .unavailable, "Server shutting down"))))
        } catch {
            logger.debug("session ended", metadata: ["error": "\(error)"])
        }
        if let spool = append?.spool { await spool.discard() }
        selected?.stop()
        await connection.close()
    }

    /// The autologout timer; before login, also no later than the login deadline (RFC 9051 §5.4).
    var readTimeout: Duration {
        get throws {
            guard account == nil else { return settings.authenticatedTimeout }
            return try loginDeadline.readTimeout(idle: settings.unauthenticatedTimeout)
        }
    }

    /// The next decoder event; output is flushed before the session waits for the client.
    func nextEvent() async throws -> CommandEvent {
        while true {
            if let event = decoder.nextEvent() { return event }
            try await flush()
            guard let bytes = try await connection.read(timeout: try readTimeout) else { throw Close.peerLeft }
            decoder.append(bytes)
        }
    }

    /// Encodes a response into the outbox; the connection gets it in blocks, and sends it at the next flush.
    func write(_ response: Response) async throws {
        encoder.encode(response, into: &outbox)
        try await handOver(atLeast: ProtocolLimits.outboundAutoFlushThreshold)
    }

    /// Raw bytes inside a response (a literal's content).
    func writeBytes<Bytes: Sequence>(_ bytes: Bytes) async throws where Bytes.Element == UInt8 {
        outbox.writeBytes(bytes)
        try await handOver(atLeast: ProtocolLimits.outboundAutoFlushThreshold)
    }

    /// Gives the outbox to the connection, in order with everything written before, once it holds `atLeast` bytes.
    func handOver(atLeast threshold: Int = 1) async throws {
        guard outbox.readableBytes >= threshold else { return }
        try await connection.write(outbox)
        outbox.clear()
    }

    /// Sends everything written so far.
    func flush() async throws {
        try await handOver()
        try await connection.flush()
    }

    func send(_ response: Response) async throws {
        try await write(response)
        try await flush()
    }

    /// A client error: answer, count it, and end the session after too many.
    func fail(_ response: Response) async throws {
        errors += 1
        try await write(response)
        if errors >= settings.maxErrors {
            try await send(.untagged(.bye(ResponseText(code: nil, "Too many invalid commands"))))
            throw Close.logout
        }
    }

    func handle(_ event: CommandEvent) async throws {
        switch event {
        case .command(let tagged):
            try await handle(tagged)
        case .continuationRequest:
            try await send(.continuation(.text("Ready for literal data")))
        case .appendStart(let tag, let mailbox):
            try await appendStart(tag: tag, mailbox: mailbox)
        case .beginMessage(let metadata):
            try await appendBegin(metadata)
        case .messageBytes(let bytes):
            try await appendBytes(bytes)
        case .endMessage:
            try await appendEnd()
        case .appendFinish:
            try await appendFinish()
        case .idleDone, .authenticationResponse, .authenticationCancelled:
            // Only expected inside IDLE / AUTHENTICATE, which pull their own events.
            try await fail(.untagged(.bad("Unexpected continuation data")))
        case .invalid(let error):
            // During APPEND the decoder already dropped the command (CommandEvent.invalid).
            if let spool = append?.spool { await spool.discard() }
            append = nil
            try await fail(error.response)
        }
    }

    // MARK: Commands

    func handle(_ tagged: TaggedCommand) async throws {
        let tag = tagged.tag
        switch tagged.command {
        // Any state (RFC 9051 §6.1)
        case .capability:
            try await write(.untagged(.capability(capabilities())))
            try await write(.ok(tag, "CAPABILITY completed"))
        case .noop:
            try await syncChanges(allowExpunge: true)
            try await write(.ok(tag, "NOOP completed"))
            return
        case .logout:
            try await write(.untagged(.bye("Mailroom logging out")))
            try await send(.ok(tag, "LOGOUT completed"))
            throw Close.logout
        case .id:
            // RFC 2971 §3.1: the server's identification.
            try await write(.untagged(.id([IDParameter("name", "Mailroom")])))
            try await write(.ok(tag, "ID completed"))

        // Not authenticated (RFC 9051 §6.2)
        case .starttls:
            try await startTLS(tag: tag)
        case .login(let username, let password):
            try await login(tag: tag, username: username, password: password)
        case .authenticate(let mechanism, let initial):
            try await authenticate(tag: tag, mechanism: mechanism, initialResponse: initial)

        default:
            guard account != nil else {
                // The decoder entered IDLE mode on the command; a rejected IDLE returns it to commands.
                if tagged.command == .idle { decoder.returnToCommandMode() }
                return try await fail(.bad(tag, "Log in first"))
            }
            try await handleAuthenticated(tagged)
        }
    }

    func handleAuthenticated(_ tagged: TaggedCommand) async throws {
        let tag = tagged.tag
        do {
            switch tagged.command {
            case .enable(let capabilities): try await enable(tag: tag, capabilities)
            case .select(let name, let parameters): try await select(tag: tag, name, parameters, readOnly: false)
            case .examine(let name, let parameters): try await select(tag: tag, name, parameters, readOnly: true)
            case .create(let name, let uses): try await create(tag: tag, name, specialUse: uses)
            case .delete(let name): try await delete(tag: tag, name)
            case .rename(let from, let to): try await rename(tag: tag, from: from, to: to)
            case .subscribe(let name): try await subscribe(tag: tag, name, true)
            case .unsubscribe(let name): try await subscribe(tag: tag, name, false)
            case .list(let command): try await list(tag: tag, command)
            case .lsub(let reference, let pattern): try await lsub(tag: tag, reference: reference, pattern: pattern)
            case .namespace:
                // RFC 2342 / RFC 9051 §6.3.10: one personal namespace, no prefix.
                try await write(
                    .untagged(
                        .namespace(
                            NamespaceResponse(
                                personal: [NamespaceDescription(prefix: "", delimiter: MailStore.hierarchySeparator)],
                                otherUsers: [], shared: []))))
                try await write(.ok(tag, "NAMESPACE completed"))
            case .status(let name, let attributes): try await status(tag: tag, name, attributes)
            case .idle: try await idle(tag: tag)
            case .append:
                try await fail(.bad(tag, "APPEND arrives streamed"))
            case .compress:
                try await fail(.no(tag, code: .cannot, "COMPRESS is not supported"))
            default:
                guard selected != nil else { return try await fail(.bad(tag, "Select a mailbox first")) }
                // RFC 9051 §7.5.1: tell the client about other sessions' changes while this command is in
                // progress, before its tagged response; EXPUNGE only where message numbers cannot shift
                // under the command's own arguments.
                try await syncChanges(allowExpunge: !Self.usesSequenceNumbers(tagged.command))
                try await handleSelected(tagged)
            }
        } catch let error as Close {
            throw error
        } catch let error as ConnectionError {
            throw error
        } catch {
            try await write(response(for: error, tag: tag))
        }
    }

    /// Commands whose arguments are message sequence numbers (RFC 9051 §7.5.1).
    static func usesSequenceNumbers(_ command: Command) -> Bool {
        switch command {
        case .fetch, .store, .search, .copy, .move: return true
        default: return false
        }
    }

    /// Commands of the selected state (RFC 9051 §6.4).
    func handleSelected(_ tagged: TaggedCommand) async throws {
        let tag = tagged.tag
        switch tagged.command {
        case .check:
            try await syncChanges(allowExpunge: true)
            try await write(.ok(tag, "CHECK completed"))
        case .close:
            try await close(tag: tag, expunge: true)
        case .unselect:
            try await close(tag: tag, expunge: false)
        case .expunge:
            try await expunge(tag: tag, uids: nil)
        case .uidExpunge(let set):
            try await expunge(tag: tag, uids: set)
        case .search(let command):
            try await search(tag: tag, command, byUID: false)
        case .uidSearch(let command):
            try await search(tag: tag, command, byUID: true)
        case .fetch(let set, let attributes, let modifiers):
            try await fetch(tag: tag, set, attributes, modifiers, byUID: false)
        case .uidFetch(let set, let attributes, let modifiers):
            try await fetch(tag: tag, set, attributes, modifiers, byUID: true)
        case .store(let set, let modifiers, let flags):
            try await storeFlags(tag: tag, set, modifiers, flags, byUID: false)
        case .uidStore(let set, let modifiers, let flags):
            try await storeFlags(tag: tag, set, modifiers, flags, byUID: true)
        case .copy(let set, let name):
            try await copy(tag: tag, set, to: name, byUID: false, move: false)
        case .uidCopy(let set, let name):
            try await copy(tag: tag, set, to: name, byUID: true, move: false)
        case .move(let set, let name):
            try await copy(tag: tag, set, to: name, byUID: false, move: true)
        case .uidMove(let set, let name):
            try await copy(tag: tag, set, to: name, byUID: true, move: true)
        default:
            try await fail(.bad(tag, "Command not valid here"))
        }
    }

    // MARK: Capabilities (RFC 9051 §7.2.2)

    func capabilities() -> [Capability] {
        var list: [Capability] = [.imap4rev1, .imap4rev2]
        if account == nil {
            if connection.canStartTLS { list.append(.startTLS) }
            if connection.isTLS {
                list.append(contentsOf: SASLMechanismName.allCases.map { .auth($0.rawValue) })
                list.append(.saslIR)
            } else {
                list.append(.loginDisabled)  // RFC 9051 §6.2.3, DESIGN §5
            }
        }
        list.append(contentsOf: [
            .literalMinus, .enable, .idle, .namespace, .unselect, .uidPlus, .move, .id, .children, .listExtended,
            .listStatus, .specialUse, .createSpecialUse, .esearch, .searchRes, .condStore, .qresync, .binary,
            .utf8Accept, .statusSize, .multiAppend, Capability("APPENDLIMIT=\(settings.maxMessageSize)"),
        ])
        return list
    }

    // MARK: ENABLE (RFC 5161)

    func enable(tag: String, _ capabilities: [Capability]) async throws {
        var enabled: [Capability] = []
        for capability in capabilities {
            switch capability {
            case .imap4rev2:
                rev2 = true
                utf8Accepted = true
            case .utf8Accept:
                utf8Accepted = true  // RFC 6855 §3
            case .condStore:
                condStoreEnabled = true
            case .qresync:
                // RFC 7162 §3.2.3: QRESYNC implies CONDSTORE.
                qresyncEnabled = true
                condStoreEnabled = true
            default:
                continue
            }
            enabled.append(capability)
        }
        encoder.options.utf8Accepted = utf8Accepted
        try await write(.untagged(.enabled(enabled)))
        try await write(.ok(tag, "ENABLE completed"))
    }

    // MARK: STARTTLS (RFC 9051 §6.2.1)

    func startTLS(tag: String) async throws {
        guard connection.canStartTLS else {
            return try await fail(.bad(tag, connection.isTLS ? "TLS is already active" : "STARTTLS is not available"))
        }
        var ready = ByteBuffer()
        encoder.encode(.ok(tag, "Begin TLS negotiation now"), into: &ready)
        var unused = LineFramer()
        try await handOver()  // answers to commands before STARTTLS go first, in plaintext
        // Plaintext pipelined behind STARTTLS is never interpreted (CVE-2011-0411).
        decoder.discardBufferedBytes()
        do {
            try await connection.startTLS(readyReply: String(buffer: ready), framer: &unused)
        } catch {
            throw Close.peerLeft
        }
        decoder.discardBufferedBytes()
    }

    // MARK: LOGIN and AUTHENTICATE (RFC 9051 §6.2.2, §6.2.3; RFC 4959 SASL-IR)

    func login(tag: String, username: String, password: String) async throws {
        guard account == nil else { return try await fail(.bad(tag, "Already authenticated")) }
        guard connection.isTLS else {
            return try await fail(.no(tag, code: .privacyRequired, "LOGIN needs TLS: use STARTTLS first"))
        }
        try await finishAuthentication(
            tag: tag, Credentials(username: username, password: password), mechanism: "LOGIN")
    }

    func authenticate(tag: String, mechanism: String, initialResponse: ByteBuffer?) async throws {
        defer { decoder.returnToCommandMode() }
        guard account == nil else { return try await fail(.bad(tag, "Already authenticated")) }
        guard connection.isTLS else {
            return try await fail(.no(tag, code: .privacyRequired, "Authentication needs TLS: use STARTTLS first"))
        }
        guard let name = SASLMechanismName(caseInsensitive: mechanism) else {
            return try await fail(.no(tag, code: .cannot, "Unsupported mechanism"))
        }
        var exchange = SASLExchange(mechanism: name)
        var step = exchange.start(initialResponse: initialResponse.map { Array($0.readableBytesView) })
        while true {
            switch step {
            case .challenge(let challenge):
                try await send(.continuation(.data(ByteBuffer(bytes: challenge))))
                switch try await nextEvent() {
                case .authenticationResponse(let response):
                    step = exchange.receive(Array(response.readableBytesView))
                case .authenticationCancelled:
                    return try await fail(.bad(tag, "Authentication cancelled"))  // RFC 9051 §6.2.2
                case .invalid(let error):
                    return try await fail(error.response)
                default:
                    return try await fail(.bad(tag, "Authentication exchange failed"))
                }
            case .malformed(let why):
                return try await fail(.bad(tag, "Malformed authentication: \(why)"))
            case .credentials(let credentials):
                return try await finishAuthentication(tag: tag, credentials, mechanism: name.rawValue)
            }
        }
    }

    func finishAuthentication(tag: String, _ credentials: Credentials, mechanism: String) async throws {
        let result = await server.directory.authenticate(credentials, remote: remoteIP, protocolName: "imap")
        switch result {
        case .success(let account, _):
            self.account = account
            logger[metadataKey: "user"] = "\(account.address)"
            // RFC 9051 §6.2.3: the tagged OK may carry the new capabilities.
            try await write(.ok(tag, code: .capability(capabilities()), "\(mechanism) completed"))
        case .failure:
            try await fail(.no(tag, code: .authenticationFailed, "Invalid credentials"))
        }
    }

    // MARK: Errors in one place

    /// Maps a failure of the store, the spool or a name to the tagged response (RFC 5530 codes).
    func response(for error: any Error, tag: String) -> Response {
        switch error {
        case let e as SessionError:
            switch e {
            case .bad(let text): return .bad(tag, text)
            case .no(let code, let text): return .no(tag, code: code, text)
            }
        case is MailboxNameError:
            return .bad(tag, "Invalid mailbox name encoding")
        case StoreError.notFound(let what):
            return .no(tag, code: .nonExistent, "\(what) does not exist")
        case StoreError.alreadyExists(let what):
            return .no(tag, code: .alreadyExists, "\(what) already exists")
        case StoreError.notEmpty(let what):
            return .no(tag, code: .hasChildren, "\(what) has children")
        case StoreError.overQuota:
            return .no(tag, code: .overQuota, "Over quota")
        case StoreError.invalidName(let why):
            return .no(tag, code: .cannot, "Invalid name: \(why)")
        case StoreError.invalidArgument(let why):
            return .no(tag, code: .cannot, why)
        case StoreError.limitExceeded(let what):
            return .no(tag, code: .limit, what)
        case let e as SpoolFile.SpoolError where e.isOutOfSpace:
            return .no(tag, code: .overQuota, "The server is out of disk space")
        default:
            logger.error("command failed", metadata: ["error": "\(error)"])
            return .no(tag, code: .serverBug, "Internal error; the administrator can find it in the log")
        }
    }
}

/// Errors a handler raises for `response(for:tag:)` to answer.
enum SessionError: Error {
    case bad(String)
    case no(ResponseCode?, String)
}
