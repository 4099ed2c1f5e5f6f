// IMAPClient: the small IMAP4rev1 client the load scenarios use (RFC 3501 + IDLE, RFC 2177 + LITERAL+,
// RFC 7888). Standard protocol only, so that the same run can be compared against another server.
//
// Invariants:
// - Responses are framed, not parsed: a response is its first line (a ByteBuffer slice) plus the number and
//   total size of the literals it carried; literal bytes are skipped, never copied (RFC 3501 §4.3).
// - Tags are "A<n>" with n increasing per connection; a tagged response is matched by its tag number.
// - A synchronising literal is sent only after the server's "+" continuation (RFC 3501 §7.5); the
//   non-synchronising form `{n+}` only when the server advertised LITERAL+ (RFC 7888 §4).
// - Any NO, BAD, BYE (outside LOGOUT) or disconnect is a thrown `LoadError`.

import NIOCore

/// One server response, framed: its first line and the literals that followed it.
struct IMAPResponse {
    enum Kind: Equatable {
        /// `* ...` (RFC 3501 §7).
        case untagged
        /// `+ ...` (RFC 3501 §7.5).
        case continuation
        /// `A<n> ...`; nil when the tag is not one of ours.
        case tagged(Int?)
    }

    var kind: Kind
    /// The first line after the tag (or `*`/`+`) and its space, up to the CRLF (a trailing literal marker
    /// `{n}` included).
    var line: ByteBuffer
    /// How many literals the response carried and their total size in bytes.
    var literals = 0
    var literalBytes = 0

    /// For `* <n> KEYWORD` responses (EXISTS, EXPUNGE, FETCH): the number, if `line` has that shape.
    func number(before keyword: StaticString) -> Int? {
        guard kind == .untagged, let (value, end) = line.decimal(at: 0),
            line.hasPrefixIgnoringCase(" ", at: end), line.hasPrefixIgnoringCase(keyword, at: end + 1)
        else { return nil }
        let after = end + 1 + keyword.utf8CodeUnitCount
        guard after == line.readableBytes || line.hasPrefixIgnoringCase(" ", at: after) else { return nil }
        return value
    }

    var isOK: Bool { line.hasPrefixIgnoringCase("OK") }
}

/// The literal marker `{n}` or `{n+}` that ends a line, if any: its size (RFC 3501 §4.3, RFC 7888 §3).
func trailingLiteralSize(_ line: ByteBuffer) -> Int? {
    line.withUnsafeReadableBytes { bytes -> Int? in
        guard let last = bytes.last, last == UInt8(ascii: "}") else { return nil }
        var i = bytes.count - 2
        if i >= 0, bytes[i] == UInt8(ascii: "+") { i -= 1 }
        var value = 0
        var scale = 1
        var digits = 0
        while i >= 0, bytes[i] >= 0x30, bytes[i] <= 0x39, digits < 18 {
            value += Int(bytes[i] - 0x30) * scale
            scale *= 10
            digits += 1
            i -= 1
        }
        guard digits > 0, i >= 0, bytes[i] == UInt8(ascii: "{") else { return nil }
        return value
    }
}

/// A logged-in (or about to be) IMAP connection.
final class IMAPClient {
    let connection: LoadConnection
    private var lastTag = 0
    /// Capabilities seen in the greeting, the LOGIN reply or a CAPABILITY response (upper-cased).
    private(set) var capabilities: Set<String> = []

    init(_ connection: LoadConnection) {
        self.connection = connection
    }

    var literalPlus: Bool { capabilities.contains("LITERAL+") }

    /// Reads one whole response: its first line, then every literal and continuation line it carries.
    func readResponse() async throws -> IMAPResponse {
        var first = try await connection.readLine()
        var response: IMAPResponse
        if first.hasPrefixIgnoringCase("* ") {
            first.moveReaderIndex(forwardBy: 2)
            response = IMAPResponse(kind: .untagged, line: first)
        } else if first.hasPrefixIgnoringCase("+") {
            first.moveReaderIndex(forwardBy: min(2, first.readableBytes))
            return IMAPResponse(kind: .continuation, line: first)
        } else {
            // tag = 1*<any ASTRING-CHAR except "+"> (RFC 3501 §9); ours are "A" 1*DIGIT.
            var tag: Int?
            if first.hasPrefixIgnoringCase("A"), let (value, end) = first.decimal(at: 1),
                first.hasPrefixIgnoringCase(" ", at: end)
            {
                tag = value
                first.moveReaderIndex(forwardBy: end + 1)
            }
            response = IMAPResponse(kind: .tagged(tag), line: first)
        }
        var tail = response.line
        while let size = trailingLiteralSize(tail) {
            try await connection.skip(size)
            response.literals += 1
            response.literalBytes += size
            tail = try await connection.readLine()
        }
        return response
    }

    /// Sends `command` (without tag and CRLF) and returns its tag.
    @discardableResult
    func send(_ command: String) async throws -> Int {
        lastTag += 1
        try await connection.write("A\(lastTag) \(command)\r\n")
        return lastTag
    }

    /// Reads responses until the tagged one for `tag`; untagged ones go to `untagged`. NO/BAD throw.
    func finish(
        _ tag: Int, _ what: String, untagged: (IMAPResponse) throws -> Void = { _ in }
    ) async throws -> IMAPResponse {
        while true {
            let response = try await readResponse()
            switch response.kind {
            case .untagged:
                if response.line.hasPrefixIgnoringCase("BYE") {
                    throw LoadError.rejected(command: what, reply: "* " + response.line.text)
                }
                noteCapabilities(response.line, untagged: true)
                try untagged(response)
            case .continuation:
                throw LoadError.unexpected(context: what, reply: "+ " + response.line.text)
            case .tagged(let t):
                guard t == tag else {
                    throw LoadError.unexpected(context: what, reply: "tagged reply for another command")
                }
                guard response.isOK else { throw LoadError.rejected(command: what, reply: response.line.text) }
                noteCapabilities(response.line, untagged: false)
                return response
            }
        }
    }

    /// Runs one command to completion.
    @discardableResult
    func run(_ command: String, _ what: String, untagged: (IMAPResponse) throws -> Void = { _ in }) async throws
        -> IMAPResponse
    {
        connection.phase = what
        let tag = try await send(command)
        return try await finish(tag, what, untagged: untagged)
    }

    /// Records capabilities from `* CAPABILITY ...` or a `[CAPABILITY ...]` response code (RFC 3501 §7.1).
    private func noteCapabilities(_ line: ByteBuffer, untagged: Bool) {
        var list: Substring?
        if untagged, line.hasPrefixIgnoringCase("CAPABILITY ") {
            list = Substring(line.fullText.dropFirst("CAPABILITY ".count))
        } else if line.hasPrefixIgnoringCase("OK [CAPABILITY ") || line.hasPrefixIgnoringCase("PREAUTH [CAPABILITY ") {
            let text = line.fullText
            if let open = text.firstIndex(of: "["), let close = text.firstIndex(of: "]"),
                let start = text.index(open, offsetBy: "[CAPABILITY ".count, limitedBy: close)
            {
                list = text[start..<close]
            }
        }
        guard let list else { return }
        capabilities = Set(list.split(separator: " ").map { $0.uppercased() })
    }

    /// Reads the greeting; it must be `* OK` (RFC 3501 §7.1.1).
    func greeting() async throws {
        connection.phase = "the greeting"
        let response = try await readResponse()
        guard response.kind == .untagged, response.isOK else {
            throw LoadError.unexpected(context: "the greeting", reply: response.line.text)
        }
        noteCapabilities(response.line, untagged: false)
    }

    /// LOGIN with quoted strings (RFC 3501 §6.2.3); asks for CAPABILITY afterwards (when `askCapabilities`)
    /// if the reply did not carry them, since they may change after login (e.g. LITERAL+).
    func login(_ credentials: Credentials, askCapabilities: Bool = true) async throws {
        capabilities = []
        try await run("LOGIN \(quoted(credentials.user)) \(quoted(credentials.password))", "LOGIN")
        if askCapabilities, capabilities.isEmpty { try await run("CAPABILITY", "CAPABILITY") }
    }

    /// SELECT (RFC 3501 §6.3.1); returns the EXISTS count.
    func select(_ mailbox: String) async throws -> Int {
        var exists: Int?
        try await run("SELECT \(quoted(mailbox))", "SELECT") { response in
            if let n = response.number(before: "EXISTS") { exists = n }
        }
        guard let exists else { throw LoadError.unexpected(context: "SELECT", reply: "no EXISTS response") }
        return exists
    }

    /// APPEND one message (RFC 3501 §6.3.11): `{n+}` in one write with LITERAL+, else waits for "+".
    /// `sent` is called just before the literal's last byte is written.
    func append(_ mailbox: String, _ message: ByteBuffer, sent: () -> Void = {}) async throws {
        connection.phase = "APPEND"
        lastTag += 1
        let tag = lastTag
        if literalPlus {
            var bytes = ByteBuffer(string: "A\(tag) APPEND \(quoted(mailbox)) {\(message.readableBytes)+}\r\n")
            bytes.writeImmutableBuffer(message)
            bytes.writeStaticString("\r\n")
            sent()
            try await connection.write(bytes)
        } else {
            try await connection.write("A\(tag) APPEND \(quoted(mailbox)) {\(message.readableBytes)}\r\n")
            let go = try await readResponse()
            switch go.kind {
            case .continuation: break
            case .tagged(tag): throw LoadError.rejected(command: "APPEND", reply: go.line.text)
            default: throw LoadError.unexpected(context: "APPEND", reply: go.line.text)
            }
            var bytes = message
            bytes.writeStaticString("\r\n")
            sent()
            try await connection.write(bytes)
        }
        _ = try await finish(tag, "APPEND")
    }

    /// LOGOUT (RFC 3501 §6.1.3): the server sends BYE, then the tagged OK.
    func logout() async throws {
        connection.phase = "LOGOUT"
        let tag = try await send("LOGOUT")
        while true {
            let response = try await readResponse()
            if case .tagged(let t) = response.kind, t == tag {
                guard response.isOK else { throw LoadError.rejected(command: "LOGOUT", reply: response.line.text) }
                return
            }
        }
    }
}

/// An IMAP quoted string (RFC 3501 §4.3: `\` and `"` escaped).
func quoted(_ text: String) -> String {
    var out = "\""
    for c in text {
        if c == "\\" || c == "\"" { out.append("\\") }
        out.append(c)
    }
    return out + "\""
}
