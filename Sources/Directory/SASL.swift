// SASL server mechanisms shared by IMAP AUTHENTICATE, POP3 AUTH and SMTP AUTH.
//
// Pure state machines: bytes in (already base64-decoded by the protocol layer), a step out.
// They never look anything up; the protocol hands the resulting credentials to
// `Directory.authenticate`, so every mechanism gets the same throttling and timing.

/// The mechanisms Mailroom offers. Only over TLS (DESIGN §5).
public enum SASLMechanismName: String, CaseIterable, Sendable {
    case plain = "PLAIN"  // RFC 4616
    case login = "LOGIN"  // draft-murchison-sasl-login

    public init?(caseInsensitive name: String) {
        self.init(rawValue: name.uppercased())
    }
}

/// What a mechanism wants next.
public enum SASLStep: Equatable, Sendable {
    /// Send this challenge (raw bytes; the protocol base64-encodes it) and feed the client's answer back.
    case challenge([UInt8])
    /// The client has presented credentials.
    case credentials(Credentials)
    /// The exchange is malformed; the protocol answers with its "bad" reply.
    case malformed(String)
}

public struct Credentials: Equatable, Sendable {
    public var username: String
    public var password: String
    /// RFC 4616 authzid; Mailroom allows it only when empty or equal to the username.
    public var authorizationIdentity: String?

    public init(username: String, password: String, authorizationIdentity: String? = nil) {
        self.username = username
        self.password = password
        self.authorizationIdentity = authorizationIdentity
    }
}

/// One SASL exchange in progress.
public struct SASLExchange: Sendable {
    public let mechanism: SASLMechanismName
    private var username: String?

    public init(mechanism: SASLMechanismName) {
        self.mechanism = mechanism
    }

    /// Starts the exchange; `initialResponse` is the SASL-IR (RFC 4959) / AUTH initial response, if any.
    /// An empty initial response (`=` on the wire) is passed as `[]`.
    public mutating func start(initialResponse: [UInt8]?) -> SASLStep {
        switch mechanism {
        case .plain:
            guard let initialResponse else { return .challenge([]) }
            return Self.parsePlain(initialResponse)
        case .login:
            if let initialResponse, !initialResponse.isEmpty {
                return receive(initialResponse)
            }
            return .challenge(Array("Username:".utf8))
        }
    }

    /// Feeds the client's (decoded) response to the last challenge.
    public mutating func receive(_ response: [UInt8]) -> SASLStep {
        switch mechanism {
        case .plain:
            return Self.parsePlain(response)
        case .login:
            guard let text = String(validatingUTF8Bytes: response) else {
                return .malformed("credentials must be UTF-8")
            }
            if let username {
                return .credentials(Credentials(username: username, password: text))
            }
            guard !text.isEmpty else { return .malformed("empty username") }
            username = text
            return .challenge(Array("Password:".utf8))
        }
    }

    /// RFC 4616 §2: message = [authzid] UTF8NUL authcid UTF8NUL passwd
    static func parsePlain(_ bytes: [UInt8]) -> SASLStep {
        let fields = bytes.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3 else { return .malformed("PLAIN needs authzid NUL authcid NUL password") }
        guard let authz = String(validatingUTF8Bytes: Array(fields[0])),
            let authc = String(validatingUTF8Bytes: Array(fields[1])),
            let password = String(validatingUTF8Bytes: Array(fields[2]))
        else { return .malformed("credentials must be UTF-8") }
        // RFC 4616 §2: authcid and passwd must be non-empty; each at most 255 octets.
        guard !authc.isEmpty, !password.isEmpty else { return .malformed("empty username or password") }
        guard fields[1].count <= 255, fields[2].count <= 255 else { return .malformed("credentials too long") }
        return .credentials(
            Credentials(username: authc, password: password, authorizationIdentity: authz.isEmpty ? nil : authz))
    }
}

extension String {
    /// Decodes bytes that must be valid UTF-8; nil otherwise (no replacement characters).
    public init?(validatingUTF8Bytes bytes: [UInt8]) {
        var it = bytes.makeIterator()
        var decoder = UTF8()
        var out = String.UnicodeScalarView()
        loop: while true {
            switch decoder.decode(&it) {
            case .scalarValue(let s): out.append(s)
            case .emptyInput: break loop
            case .error: return nil
            }
        }
        self = String(out)
    }
}
