// SMTPCommandParser: one command line (without CRLF) in, one typed SMTPCommand out.
//
// Invariants:
// - Pure and total: any byte sequence yields a command or an SMTPSyntaxError, never a trap (fuzz-tested).
// - Verbs and parameter keywords are case-insensitive (RFC 5321 §2.4); values keep their case.
// - Trailing spaces and tabs are ignored (clients send them); spaces after "FROM:"/"TO:" are accepted (a common
//   client quirk, RFC 5321 §4.1.2 has none). Everything else follows the ABNF named above each function.
// - The grammar does not know the session: it accepts SMTPUTF8 addresses everywhere and reports them
//   (`requiresSMTPUTF8`); MAIL refuses a non-ASCII sender without the SMTPUTF8 parameter itself because the
//   parameter is on the same line (RFC 6531 §3.5).

import NIOCore

/// Parses SMTP command lines (RFC 5321 §4.1 and extensions).
public enum SMTPCommandParser {
    /// Parses one command line without its CRLF.
    public static func parse(line: ByteBuffer) throws(SMTPSyntaxError) -> SMTPCommand {
        try parse(line: Array(line.readableBytesView))
    }

    /// Parses one command line without its CRLF.
    public static func parse(line: String) throws(SMTPSyntaxError) -> SMTPCommand {
        try parse(line: Array(line.utf8))
    }

    /// Parses one command line without its CRLF.
    public static func parse(line: [UInt8]) throws(SMTPSyntaxError) -> SMTPCommand {
        // RFC 5321 §4.5.3.1.4 as extended by RFC 4954 §4 (the framer normally enforces this first).
        guard line.count + 2 <= SMTPLimits.maxCommandLineOctets else { throw .lineTooLong }
        var end = line.count
        while end > 0 && (line[end - 1] == .space || line[end - 1] == .tab) { end -= 1 }
        var cursor = ByteCursor(Array(line[..<end]))

        let verb = cursor.take { $0 != .space }
        guard !verb.isEmpty, verb.count <= 8, verb.allSatisfy(isAlpha) else { throw .unrecognizedCommand }
        _ = cursor.skipSpaces()

        switch String(decoding: verb.map(upperASCII), as: UTF8.self) {
        case "EHLO": return .ehlo(try parseHelloArgument(&cursor))
        case "HELO": return .helo(try parseHelloArgument(&cursor))
        case "MAIL": return .mail(try parseMail(&cursor))
        case "RCPT": return .rcpt(try parseRcpt(&cursor))
        case "DATA": try expectNoArguments(cursor); return .data
        case "BDAT": return try parseBDAT(&cursor)
        case "RSET": try expectNoArguments(cursor); return .rset
        case "NOOP": return .noop(optionalText(cursor))
        case "QUIT": try expectNoArguments(cursor); return .quit
        case "VRFY": return .vrfy(try requiredText(cursor))
        case "EXPN": return .expn(try requiredText(cursor))
        case "HELP": return .help(optionalText(cursor))
        // RFC 3207 §4: STARTTLS takes no parameters ("501 Syntax error (no parameters allowed)").
        case "STARTTLS": try expectNoArguments(cursor); return .starttls
        case "AUTH": return try parseAuth(&cursor)
        default: throw .unrecognizedCommand
        }
    }

    // MARK: Commands

    // ehlo = "EHLO" SP ( Domain / address-literal ) CRLF      RFC 5321 §4.1.1.1
    // helo = "HELO" SP Domain CRLF
    // Liberal on purpose: clients send underscores, bare IP addresses and NetBIOS names. RFC 5321 §4.1.4 forbids
    // refusing mail because the EHLO name fails verification; we extend that to its syntax, as Postfix does by
    // default. Any printable text is taken; `SMTPHost(_:)` is the strict check for sessions that want one.
    static func parseHelloArgument(_ cursor: inout ByteCursor) throws(SMTPSyntaxError) -> String {
        let argument = cursor.remaining
        guard !argument.isEmpty else { throw .invalidArguments("a domain or address literal is required") }
        guard let text = printableText(argument) else { throw .invalidArguments("invalid characters") }
        return text
    }

    // mail = "MAIL FROM:" Reverse-path [SP Mail-parameters] CRLF      RFC 5321 §4.1.1.2
    // Reverse-path = Path / "<>"
    static func parseMail(_ cursor: inout ByteCursor) throws(SMTPSyntaxError) -> MailFrom {
        guard cursor.takeCaseInsensitive("FROM:") else { throw .invalidArguments("expected FROM:<address>") }
        _ = cursor.skipSpaces()  // Quirk: "MAIL FROM: <a@b>".
        var mail = MailFrom(reversePath: .null)
        if !cursor.takeCaseInsensitive("<>") {
            do {
                mail.reversePath = .mailbox(try Grammar.parsePath(&cursor))
            } catch {
                throw .badSenderAddress(error.detail)
            }
        }
        var seen: Set<String> = []
        for parameter in try parseParameters(&cursor) {
            guard seen.insert(parameter.keyword).inserted else {
                throw .invalidArguments("duplicate parameter \(parameter.keyword)")
            }
            let value = parameter.value
            switch parameter.keyword {
            case "SIZE":
                // RFC 1870 §3: size-value = 1*20DIGIT.
                guard let value, (1...SMTPLimits.sizeValueDigits).contains(value.count), value.allSatisfy(isDigit)
                else {
                    throw .invalidArguments("SIZE needs a number")
                }
                mail.size = value.reduce(0) { total, digit in
                    let (product, overflow1) = total.multipliedReportingOverflow(by: 10)
                    let (sum, overflow2) = product.addingReportingOverflow(Int(digit - UInt8(ascii: "0")))
                    return overflow1 || overflow2 ? Int.max : sum
                }
            case "BODY":
                // RFC 6152 §3 (7BIT / 8BITMIME), RFC 3030 §3 (BINARYMIME).
                guard let value, let body = BodyType(rawValue: upperString(value)) else {
                    throw .invalidArguments("BODY must be 7BIT, 8BITMIME or BINARYMIME")
                }
                mail.body = body
            case "SMTPUTF8":
                // RFC 6531 §3.4: the parameter has no value.
                guard value == nil else { throw .invalidArguments("SMTPUTF8 takes no value") }
                mail.smtputf8 = true
            case "RET":
                // RFC 3461 §4.3: RET=FULL / RET=HDRS.
                guard let value, let ret = DSNReturn(rawValue: upperString(value)) else {
                    throw .invalidArguments("RET must be FULL or HDRS")
                }
                mail.ret = ret
            case "ENVID":
                // RFC 3461 §4.4: ENVID=xtext, at most 100 characters.
                mail.envid = try decodeXText(value, maxOctets: SMTPLimits.envidOctets, name: "ENVID")
            case "AUTH":
                // RFC 4954 §5: AUTH=xtext (a mailbox) or "<>".
                mail.auth = try decodeXText(value, maxOctets: SMTPLimits.authParameterOctets, name: "AUTH")
            default:
                throw .unknownParameter(String(parameter.keyword.prefix(32)))
            }
        }
        // RFC 6531 §3.5: a non-ASCII reverse-path needs the SMTPUTF8 parameter on the same MAIL command.
        if mail.reversePath.requiresSMTPUTF8 && !mail.smtputf8 { throw .nonASCIISender }
        return mail
    }

    // rcpt = "RCPT TO:" ( "<Postmaster@" Domain ">" / "<Postmaster>" / Forward-path ) [SP Rcpt-parameters] CRLF
    //                                                                  RFC 5321 §4.1.1.3
    // "<Postmaster@domain>" parses as an ordinary mailbox; ForwardPath.isPostmaster covers both forms.
    static func parseRcpt(_ cursor: inout ByteCursor) throws(SMTPSyntaxError) -> RcptTo {
        guard cursor.takeCaseInsensitive("TO:") else { throw .invalidArguments("expected TO:<address>") }
        _ = cursor.skipSpaces()  // Quirk: "RCPT TO: <a@b>".
        var rcpt = RcptTo(path: .postmaster)
        if !cursor.takeCaseInsensitive("<Postmaster>") {
            if cursor.hasPrefix("<>") { throw .badRecipientAddress("the null path is not a recipient") }
            do {
                rcpt.path = .mailbox(try Grammar.parsePath(&cursor))
            } catch {
                throw .badRecipientAddress(error.detail)
            }
        }
        var seen: Set<String> = []
        for parameter in try parseParameters(&cursor) {
            guard seen.insert(parameter.keyword).inserted else {
                throw .invalidArguments("duplicate parameter \(parameter.keyword)")
            }
            switch parameter.keyword {
            case "NOTIFY":
                rcpt.notify = try parseNotify(parameter.value)
            case "ORCPT":
                rcpt.orcpt = try parseOriginalRecipient(parameter.value)
            default:
                throw .unknownParameter(String(parameter.keyword.prefix(32)))
            }
        }
        return rcpt
    }

    // notify-esmtp-value = "NEVER" / 1#notify-list-element
    // notify-list-element = "SUCCESS" / "FAILURE" / "DELAY"      RFC 3461 §4.1
    static func parseNotify(_ value: ArraySlice<UInt8>?) throws(SMTPSyntaxError) -> DSNNotify {
        guard let value else { throw .invalidArguments("NOTIFY needs a value") }
        let words = value.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).map(upperString)
        if words == ["NEVER"] { return .never }
        var notify: DSNNotify = []
        for word in words {
            switch word {
            case "SUCCESS": notify.insert(.success)
            case "FAILURE": notify.insert(.failure)
            case "DELAY": notify.insert(.delay)
            default: throw .invalidArguments("NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY")
            }
        }
        return notify
    }

    // orcpt-parameter = "ORCPT=" original-recipient-address
    // original-recipient-address = addr-type ";" xtext              RFC 3461 §4.2
    // addr-type = atom
    static func parseOriginalRecipient(_ value: ArraySlice<UInt8>?) throws(SMTPSyntaxError) -> OriginalRecipient {
        guard let value, value.count <= SMTPLimits.orcptOctets,
            let semicolon = value.firstIndex(of: UInt8(ascii: ";"))
        else { throw .invalidArguments("ORCPT must be addr-type;xtext of at most 500 characters") }
        let addressType = value[..<semicolon]
        guard !addressType.isEmpty, addressType.allSatisfy({ $0 < 0x80 && Grammar.isAtext($0) }) else {
            throw .invalidArguments("ORCPT address type must be an atom")
        }
        guard let decoded = XText.decode(value[(semicolon + 1)...]),
            let address = String(validating: decoded, as: UTF8.self)
        else { throw .invalidArguments("ORCPT address is not valid xtext") }
        return OriginalRecipient(addressType: String(decoding: addressType, as: UTF8.self), address: address)
    }

    // bdat-cmd = "BDAT" SP chunk-size [ SP end-marker ] CRLF
    // chunk-size = 1*DIGIT ; end-marker = "LAST"                      RFC 3030 §2
    static func parseBDAT(_ cursor: inout ByteCursor) throws(SMTPSyntaxError) -> SMTPCommand {
        let digits = cursor.take(while: isDigit)
        guard !digits.isEmpty else { throw .invalidArguments("BDAT needs a chunk size") }
        guard digits.count <= SMTPLimits.bdatSizeDigits else { throw .invalidArguments("BDAT chunk size too large") }
        let size = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        if cursor.isAtEnd { return .bdat(size: size, last: false) }
        guard cursor.skipSpaces() > 0, cursor.takeCaseInsensitive("LAST"), cursor.isAtEnd else {
            throw .invalidArguments("expected BDAT <size> [LAST]")
        }
        return .bdat(size: size, last: true)
    }

    // auth-command = "AUTH" SP sasl-mech [SP initial-response]       RFC 4954 §4
    // initial-response = base64 / "="
    // sasl-mech = 1*20mech-char ; mech-char = UPPER-ALPHA / DIGIT / HYPHEN / UNDERSCORE   RFC 4422 §3.1
    // Lower-case mechanism names are accepted and upper-cased.
    static func parseAuth(_ cursor: inout ByteCursor) throws(SMTPSyntaxError) -> SMTPCommand {
        let mechanism = cursor.take { isAlpha($0) || isDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
        guard (1...SMTPLimits.saslMechanismOctets).contains(mechanism.count) else {
            throw .invalidArguments("AUTH needs a mechanism name")
        }
        let name = upperString(mechanism)
        if cursor.isAtEnd { return .auth(mechanism: name, initialResponse: nil) }
        guard cursor.skipSpaces() > 0 else { throw .invalidArguments("invalid mechanism name") }
        let response = cursor.take { $0 != .space }
        guard cursor.isAtEnd else { throw .invalidArguments("AUTH takes a mechanism and one initial response") }
        if response.elementsEqual("=".utf8) { return .auth(mechanism: name, initialResponse: .empty) }
        guard let bytes = Base64.decode(response) else { throw .invalidBase64 }
        return .auth(mechanism: name, initialResponse: .bytes(bytes))
    }

    // MARK: Parameters

    // Mail-parameters = esmtp-param *(SP esmtp-param)                 RFC 5321 §4.1.2
    // esmtp-param = esmtp-keyword ["=" esmtp-value]
    // esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
    // esmtp-value = 1*(%d33-60 / %d62-126)        ; RFC 6531 §3.3 adds UTF8-non-ascii
    static func parseParameters(
        _ cursor: inout ByteCursor
    ) throws(SMTPSyntaxError) -> [(keyword: String, value: ArraySlice<UInt8>?)] {
        var parameters: [(keyword: String, value: ArraySlice<UInt8>?)] = []
        while !cursor.isAtEnd {
            guard cursor.skipSpaces() > 0 else { throw .invalidArguments("expected a space before a parameter") }
            let keyword = cursor.take { isAlpha($0) || isDigit($0) || $0 == UInt8(ascii: "-") }
            guard let first = keyword.first, first != UInt8(ascii: "-") else {
                throw .invalidArguments("malformed parameter")
            }
            var value: ArraySlice<UInt8>? = nil
            if cursor.take(UInt8(ascii: "=")) {
                let taken = cursor.take { ($0 >= 33 && $0 != UInt8(ascii: "=") && $0 != 0x7F) }
                guard !taken.isEmpty else { throw .invalidArguments("empty parameter value") }
                value = taken
            }
            if let next = cursor.peek, next != .space { throw .invalidArguments("malformed parameter") }
            parameters.append((upperString(keyword), value))
        }
        return parameters
    }

    static func decodeXText(
        _ value: ArraySlice<UInt8>?, maxOctets: Int, name: String
    ) throws(SMTPSyntaxError) -> String {
        guard let value, value.count <= maxOctets, let decoded = XText.decode(value),
            let text = String(validating: decoded, as: UTF8.self)
        else { throw .invalidArguments("\(name) must be xtext of at most \(maxOctets) characters") }
        return text
    }

    // MARK: Small helpers

    static func expectNoArguments(_ cursor: ByteCursor) throws(SMTPSyntaxError) {
        guard cursor.isAtEnd else { throw .invalidArguments("no arguments allowed") }
    }

    // vrfy = "VRFY" SP String ; expn = "EXPN" SP String      RFC 5321 §4.1.1.6, §4.1.1.7
    // Any printable text is taken: clients send names, mailboxes with and without brackets.
    static func requiredText(_ cursor: ByteCursor) throws(SMTPSyntaxError) -> String {
        guard !cursor.isAtEnd, let text = printableText(cursor.remaining) else {
            throw .invalidArguments("an argument is required")
        }
        return text
    }

    // noop = "NOOP" [ SP String ] ; help = "HELP" [ SP String ]   RFC 5321 §4.1.1.8, §4.1.1.9
    // The argument has no meaning to us, so it is taken as it comes (invalid UTF-8 replaced).
    static func optionalText(_ cursor: ByteCursor) -> String? {
        cursor.isAtEnd ? nil : String(decoding: cursor.remaining, as: UTF8.self)
    }

    /// Valid UTF-8 without control characters, else nil.
    static func printableText(_ bytes: ArraySlice<UInt8>) -> String? {
        guard !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }
}

// MARK: - Address grammar

struct GrammarError: Error {
    let detail: String
    init(_ detail: String) { self.detail = detail }
}

/// RFC 5321 §4.1.2 / §4.1.3 address grammar, with RFC 6531 §3.3's UTF-8 additions.
enum Grammar {
    // Path = "<" [ A-d-l ":" ] Mailbox ">"                            RFC 5321 §4.1.2
    static func parsePath(_ cursor: inout ByteCursor) throws(GrammarError) -> SMTPMailbox {
        let start = cursor.index
        guard cursor.take(UInt8(ascii: "<")) else { throw GrammarError("expected '<'") }
        if cursor.peek == UInt8(ascii: "@") {
            try parseSourceRoute(&cursor)
            guard cursor.take(UInt8(ascii: ":")) else { throw GrammarError("expected ':' after source route") }
        }
        let mailbox = try parseMailbox(&cursor)
        guard cursor.take(UInt8(ascii: ">")) else { throw GrammarError("expected '>'") }
        // RFC 5321 §4.5.3.1.3: at most 256 octets including the punctuation.
        guard cursor.index - start <= SMTPLimits.pathOctets else { throw GrammarError("path longer than 256 octets") }
        return mailbox
    }

    // A-d-l = At-domain *( "," At-domain ) ; At-domain = "@" Domain   RFC 5321 §4.1.2
    // Source routes are accepted and ignored (RFC 5321 §4.1.1.3, Appendix C).
    static func parseSourceRoute(_ cursor: inout ByteCursor) throws(GrammarError) {
        repeat {
            guard cursor.take(UInt8(ascii: "@")) else { throw GrammarError("malformed source route") }
            _ = try parseDomain(&cursor)
        } while cursor.take(UInt8(ascii: ","))
    }

    // Mailbox = Local-part "@" ( Domain / address-literal )           RFC 5321 §4.1.2
    static func parseMailbox(_ cursor: inout ByteCursor) throws(GrammarError) -> SMTPMailbox {
        let localPart = try parseLocalPart(&cursor)
        guard cursor.take(UInt8(ascii: "@")) else { throw GrammarError("expected '@'") }
        return SMTPMailbox(localPart: localPart, host: try parseHost(&cursor))
    }

    // Local-part = Dot-string / Quoted-string                         RFC 5321 §4.1.2
    // Dot-string = Atom *("." Atom) ; Atom = 1*atext
    static func parseLocalPart(_ cursor: inout ByteCursor) throws(GrammarError) -> String {
        var bytes: [UInt8]
        if cursor.peek == UInt8(ascii: "\"") {
            bytes = try parseQuotedString(&cursor)
        } else {
            bytes = []
            repeat {
                let atom = cursor.take(while: isAtext)
                guard !atom.isEmpty else { throw GrammarError("malformed local part") }
                if !bytes.isEmpty { bytes.append(UInt8(ascii: ".")) }
                bytes += atom
            } while cursor.take(UInt8(ascii: "."))
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw GrammarError("invalid UTF-8") }
        return text
    }

    // Quoted-string = DQUOTE *QcontentSMTP DQUOTE                     RFC 5321 §4.1.2
    // QcontentSMTP = qtextSMTP / quoted-pairSMTP
    // quoted-pairSMTP = %d92 %d32-126
    // qtextSMTP = %d32-33 / %d35-91 / %d93-126      ; RFC 6531 §3.3 adds UTF8-non-ascii
    static func parseQuotedString(_ cursor: inout ByteCursor) throws(GrammarError) -> [UInt8] {
        guard cursor.take(UInt8(ascii: "\"")) else { throw GrammarError("expected '\"'") }
        var content: [UInt8] = []
        while let byte = cursor.next() {
            switch byte {
            case UInt8(ascii: "\""):
                return content
            case UInt8(ascii: "\\"):
                guard let escaped = cursor.next(), (32...126).contains(escaped) else {
                    throw GrammarError("bad quoted pair")
                }
                content.append(escaped)
            case 32...126, 0x80...:
                content.append(byte)
            default:
                throw GrammarError("control character in quoted string")
            }
        }
        throw GrammarError("unterminated quoted string")
    }

    // Domain / address-literal                                        RFC 5321 §4.1.2
    static func parseHost(_ cursor: inout ByteCursor) throws(GrammarError) -> SMTPHost {
        if cursor.peek == UInt8(ascii: "[") { return .addressLiteral(try parseAddressLiteral(&cursor)) }
        return .domain(try parseDomain(&cursor))
    }

    // Domain = sub-domain *("." sub-domain)                           RFC 5321 §4.1.2
    // sub-domain = Let-dig [Ldh-str] ; Ldh-str = *( ALPHA / DIGIT / "-" ) Let-dig
    // RFC 6531 §3.3: sub-domain =/ U-label (here: UTF-8 bytes inside a label).
    static func parseDomain(_ cursor: inout ByteCursor) throws(GrammarError) -> String {
        var bytes: [UInt8] = []
        repeat {
            let label = cursor.take { isAlpha($0) || isDigit($0) || $0 == UInt8(ascii: "-") || $0 >= 0x80 }
            guard let first = label.first, let last = label.last, first != UInt8(ascii: "-"),
                last != UInt8(ascii: "-")
            else { throw GrammarError("malformed domain") }
            // RFC 1035 §2.3.4.
            guard label.count <= SMTPLimits.domainLabelOctets else { throw GrammarError("domain label too long") }
            if !bytes.isEmpty { bytes.append(UInt8(ascii: ".")) }
            bytes += label
        } while cursor.take(UInt8(ascii: "."))
        // RFC 5321 §4.5.3.1.2.
        guard bytes.count <= SMTPLimits.domainOctets else { throw GrammarError("domain longer than 255 octets") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw GrammarError("invalid UTF-8") }
        return text
    }

    // address-literal = "[" ( IPv4-address-literal / IPv6-address-literal / General-address-literal ) "]"
    // IPv6-address-literal = "IPv6:" IPv6-addr                        RFC 5321 §4.1.3
    // General-address-literal = Standardized-tag ":" 1*dcontent — refused: no tag but IPv6 is registered.
    static func parseAddressLiteral(_ cursor: inout ByteCursor) throws(GrammarError) -> AddressLiteral {
        guard cursor.take(UInt8(ascii: "[")) else { throw GrammarError("expected '['") }
        let content = cursor.take { $0 != UInt8(ascii: "]") && $0 >= 33 && $0 <= 126 }
        guard cursor.take(UInt8(ascii: "]")) else { throw GrammarError("malformed address literal") }
        if let first = content.first, isDigit(first) {
            guard let octets = parseIPv4(content) else { throw GrammarError("malformed IPv4 address literal") }
            return .ipv4(octets)
        }
        let tag = Array("IPV6:".utf8)
        guard content.count > tag.count, content.prefix(tag.count).map(upperASCII) == tag else {
            throw GrammarError("unsupported address literal")
        }
        guard let octets = parseIPv6(content.dropFirst(tag.count)) else {
            throw GrammarError("malformed IPv6 address literal")
        }
        return .ipv6(octets)
    }

    // IPv4-address-literal = Snum 3("." Snum) ; Snum = 1*3DIGIT (0-255)   RFC 5321 §4.1.3
    static func parseIPv4(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        let parts = text.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(isDigit) else { return nil }
            let value = part.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            guard value <= 255 else { return nil }
            octets.append(UInt8(value))
        }
        return octets
    }

    // IPv6-addr = IPv6-full / IPv6-comp / IPv6v4-full / IPv6v4-comp    RFC 5321 §4.1.3
    // IPv6-hex = 1*4HEXDIG ; "::" stands for one or more zero groups (RFC 4291 §2.2 is more liberal than
    // RFC 5321's "at least two", and RFC 5952 senders compress a single group too).
    static func parseIPv6(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        let bytes = Array(text)
        var compression: Int? = nil
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == UInt8(ascii: ":") && bytes[index + 1] == UInt8(ascii: ":") {
                guard compression == nil else { return nil }
                compression = index
                index += 2
            } else {
                index += 1
            }
        }
        func groups(_ part: ArraySlice<UInt8>, allowIPv4: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            let pieces = part.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
            var result: [UInt16] = []
            for (position, piece) in pieces.enumerated() {
                if allowIPv4 && position == pieces.count - 1 && piece.contains(UInt8(ascii: ".")) {
                    guard let v4 = parseIPv4(piece) else { return nil }
                    result += [UInt16(v4[0]) << 8 | UInt16(v4[1]), UInt16(v4[2]) << 8 | UInt16(v4[3])]
                    continue
                }
                guard (1...4).contains(piece.count) else { return nil }
                var value: UInt16 = 0
                for byte in piece {
                    guard let digit = hexValue(byte) else { return nil }
                    value = value << 4 | UInt16(digit)
                }
                result.append(value)
            }
            return result
        }
        var all: [UInt16]
        if let compression {
            guard let head = groups(bytes[..<compression], allowIPv4: false),
                let tail = groups(bytes[(compression + 2)...], allowIPv4: true), head.count + tail.count <= 7
            else { return nil }
            all = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let full = groups(bytes[...], allowIPv4: true), full.count == 8 else { return nil }
            all = full
        }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    // atext = ALPHA / DIGIT / "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "/" / "=" / "?" / "^" / "_" /
    //         "`" / "{" / "|" / "}" / "~"            RFC 5322 §3.2.3; RFC 6531 §3.3 adds UTF8-non-ascii
    static func isAtext(_ byte: UInt8) -> Bool {
        if isAlpha(byte) || isDigit(byte) || byte >= 0x80 { return true }
        return atextSpecials.contains(byte)
    }

    private static let atextSpecials: Set<UInt8> = Set("!#$%&'*+-/=?^_`{|}~".utf8)

    /// True when `bytes` is a Dot-string (RFC 5321 §4.1.2), i.e. a local part needing no quotes.
    static func isDotString(_ bytes: [UInt8]) -> Bool {
        let atoms = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return atoms.allSatisfy { !$0.isEmpty && $0.allSatisfy(isAtext) }
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

// MARK: - Byte cursor

/// A read position in a command line.
struct ByteCursor {
    let bytes: [UInt8]
    private(set) var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { index >= bytes.count }
    var peek: UInt8? { isAtEnd ? nil : bytes[index] }
    var remaining: ArraySlice<UInt8> { bytes[index...] }

    mutating func next() -> UInt8? {
        guard let byte = peek else { return nil }
        index += 1
        return byte
    }

    mutating func take(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        index += 1
        return true
    }

    mutating func take(while predicate: (UInt8) -> Bool) -> ArraySlice<UInt8> {
        let start = index
        while index < bytes.count && predicate(bytes[index]) { index += 1 }
        return bytes[start..<index]
    }

    func hasPrefix(_ ascii: String) -> Bool {
        let pattern = Array(ascii.utf8)
        return bytes.count - index >= pattern.count && bytes[index..<(index + pattern.count)].elementsEqual(pattern)
    }

    /// Takes `ascii` ignoring ASCII case.
    mutating func takeCaseInsensitive(_ ascii: String) -> Bool {
        let pattern = Array(ascii.utf8).map(upperASCII)
        guard bytes.count - index >= pattern.count,
            bytes[index..<(index + pattern.count)].map(upperASCII) == pattern
        else { return false }
        index += pattern.count
        return true
    }

    /// Skips spaces; returns how many.
    mutating func skipSpaces() -> Int { take { $0 == .space }.count }
}

extension UInt8 {
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let dot = UInt8(ascii: ".")
}

@inline(__always) func isAlpha(_ byte: UInt8) -> Bool {
    (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
}

@inline(__always) func upperASCII(_ byte: UInt8) -> UInt8 {
    byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 32 : byte
}

func upperString(_ bytes: some Sequence<UInt8>) -> String { String(decoding: bytes.map(upperASCII), as: UTF8.self) }
