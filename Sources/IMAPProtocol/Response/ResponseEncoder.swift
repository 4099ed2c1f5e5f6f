// ResponseEncoder: the one writer of server responses.
//
// Invariants:
// - Every line it writes ends with CRLF; response text never contains CR or LF (they become spaces).
// - Strings are written as quoted strings when they are short and contain only TEXT-CHARs (8-bit only
//   when the session accepts UTF-8), otherwise as literals (RFC 9051 §4.3).
// - Mailbox names are written in modified UTF-7 for rev1 sessions, in UTF-8 once the client enabled
//   IMAP4rev2 or UTF8=ACCEPT (RFC 9051 §5.1, RFC 6855 §3).
// - The only state is whether a FETCH attribute needs a separating space; it is reset by `.start`.

import NIOCore

/// How the session wants its responses written.
public struct ResponseEncodingOptions: Sendable, Hashable {
    /// IMAP4rev2 or UTF8=ACCEPT is enabled: mailbox names and quoted strings may carry UTF-8.
    public var utf8Accepted: Bool
    /// Longest string written as a quoted string; longer strings become literals.
    public var maxQuotedLength: Int

    public static let defaultMaxQuotedLength = 1024

    public init(utf8Accepted: Bool = false, maxQuotedLength: Int = ResponseEncodingOptions.defaultMaxQuotedLength) {
        self.utf8Accepted = utf8Accepted
        self.maxQuotedLength = maxQuotedLength
    }
}

/// Writes Response values as bytes.
public struct ResponseEncoder: Sendable {
    public var options: ResponseEncodingOptions
    private var fetchNeedsSeparator = false

    public init(options: ResponseEncodingOptions = ResponseEncodingOptions()) {
        self.options = options
    }

    /// Encodes `response` into a new buffer.
    public mutating func encode(_ response: Response) -> ByteBuffer {
        var buffer = ByteBuffer()
        encode(response, into: &buffer)
        return buffer
    }

    public mutating func encode(_ response: Response, into buffer: inout ByteBuffer) {
        switch response {
        case .tagged(let tagged):
            buffer.writeString(tagged.tag)
            buffer.writeInteger(UInt8.space)
            buffer.writeString(tagged.status.rawValue)
            writeResponseText(tagged.text, into: &buffer)
            buffer.writeCRLF()
        case .continuation(let request):
            // continue-req = "+" SP (resp-text / base64) CRLF
            buffer.writeString("+ ")
            switch request {
            case .text(let text): buffer.writeString(IMAPString.sanitizedText(text))
            case .data(let data): buffer.writeBytes(Base64.encode(data.readableBytesView))
            }
            buffer.writeCRLF()
        case .untagged(let untagged):
            buffer.writeString("* ")
            writeUntagged(untagged, into: &buffer)
            buffer.writeCRLF()
        case .fetch(let part):
            writeFetchPart(part, into: &buffer)
        }
    }

    // resp-text = ["[" resp-text-code "]" SP] [text]   (preceded by the SP after the status)
    private func writeResponseText(_ text: ResponseText, into buffer: inout ByteBuffer) {
        if let code = text.code {
            buffer.writeString(" [")
            code.write(into: &buffer)
            buffer.writeString("]")
        }
        if !text.text.isEmpty {
            buffer.writeInteger(UInt8.space)
            buffer.writeString(IMAPString.sanitizedText(text.text))
        }
    }

    private func writeUntagged(_ response: UntaggedResponse, into buffer: inout ByteBuffer) {
        switch response {
        case .ok(let text):
            buffer.writeString("OK")
            writeResponseText(text, into: &buffer)
        case .no(let text):
            buffer.writeString("NO")
            writeResponseText(text, into: &buffer)
        case .bad(let text):
            buffer.writeString("BAD")
            writeResponseText(text, into: &buffer)
        case .preauth(let text):
            buffer.writeString("PREAUTH")
            writeResponseText(text, into: &buffer)
        case .bye(let text):
            buffer.writeString("BYE")
            writeResponseText(text, into: &buffer)
        case .capability(let capabilities):
            // capability-data = "CAPABILITY" *(SP capability) SP "IMAP4rev2" *(SP capability)
            buffer.writeString("CAPABILITY")
            for capability in capabilities { buffer.writeString(" " + capability.name) }
        case .enabled(let capabilities):
            // enable-data = "ENABLED" *(SP capability)
            buffer.writeString("ENABLED")
            for capability in capabilities { buffer.writeString(" " + capability.name) }
        case .list(let item):
            buffer.writeString("LIST ")
            writeMailboxList(item, into: &buffer)
        case .lsub(let item):
            buffer.writeString("LSUB ")
            writeMailboxList(item, into: &buffer)
        case .status(let mailbox, let values):
            // "STATUS" SP mailbox SP "(" [status-att-list] ")"
            buffer.writeString("STATUS ")
            IMAPString.writeMailbox(mailbox, into: &buffer, options: options)
            buffer.writeString(" (")
            buffer.writeString(values.map(\.wireForm).joined(separator: " "))
            buffer.writeString(")")
        case .flags(let flags):
            buffer.writeString("FLAGS (" + flags.map(\.wireForm).joined(separator: " ") + ")")
        case .exists(let count):
            buffer.writeString("\(count) EXISTS")
        case .recent(let count):
            buffer.writeString("\(count) RECENT")
        case .expunge(let number):
            buffer.writeString("\(number) EXPUNGE")
        case .search(let numbers, let modSeq):
            // mailbox-data =/ "SEARCH" [1*(SP nz-number) SP search-sort-mod-seq]    ; RFC 7162 §7
            buffer.writeString("SEARCH")
            for number in numbers { buffer.writeString(" \(number)") }
            if let modSeq, !numbers.isEmpty { buffer.writeString(" (MODSEQ \(modSeq))") }
        case .esearch(let response):
            buffer.writeString("ESEARCH")
            if let tag = response.tag {
                // search-correlator = SP "(" "TAG" SP tag-string ")"
                buffer.writeString(" (TAG ")
                IMAPString.writeString(Array(tag.utf8), into: &buffer, options: options)
                buffer.writeString(")")
            }
            if response.uid { buffer.writeString(" UID") }
            for item in response.returnData {
                switch item {
                case .min(let value): buffer.writeString(" MIN \(value)")
                case .max(let value): buffer.writeString(" MAX \(value)")
                case .all(let set): buffer.writeString(" ALL \(set.wireForm)")
                case .count(let value): buffer.writeString(" COUNT \(value)")
                case .modSeq(let value): buffer.writeString(" MODSEQ \(value)")
                }
            }
        case .vanished(let earlier, let uids):
            // expunged-resp = "VANISHED" [SP "(EARLIER)"] SP known-uids     ; RFC 7162 §7
            buffer.writeString(earlier ? "VANISHED (EARLIER) " : "VANISHED ")
            uids.write(into: &buffer)
        case .namespace(let namespace):
            // namespace-response = "NAMESPACE" SP namespace SP namespace SP namespace
            buffer.writeString("NAMESPACE")
            for group in [namespace.personal, namespace.otherUsers, namespace.shared] {
                buffer.writeInteger(UInt8.space)
                writeNamespace(group, into: &buffer)
            }
        case .id(let parameters):
            // id-response = "ID" SP id-params-list          ; RFC 2971 §4
            buffer.writeString("ID ")
            guard let parameters else {
                buffer.writeString("NIL")
                return
            }
            buffer.writeString("(")
            for (index, parameter) in parameters.enumerated() {
                if index > 0 { buffer.writeInteger(UInt8.space) }
                IMAPString.writeString(Array(parameter.key.utf8), into: &buffer, options: options)
                buffer.writeInteger(UInt8.space)
                IMAPString.writeNString(parameter.value.map { Array($0.utf8) }, into: &buffer, options: options)
            }
            buffer.writeString(")")
        }
    }

    // mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox
    //                [SP mbx-list-extended]
    private func writeMailboxList(_ item: MailboxListItem, into buffer: inout ByteBuffer) {
        buffer.writeString("(" + item.attributes.map(\.description).joined(separator: " ") + ") ")
        IMAPString.writeDelimiter(item.delimiter, into: &buffer)
        buffer.writeInteger(UInt8.space)
        IMAPString.writeMailbox(item.mailbox, into: &buffer, options: options)
        guard !item.extendedItems.isEmpty else { return }
        // mbx-list-extended = "(" [mbox-list-extended-item *(SP mbox-list-extended-item)] ")"
        buffer.writeString(" (")
        for (index, extended) in item.extendedItems.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8.space) }
            switch extended {
            case .childInfo(let options):
                // childinfo-extended-item = "CHILDINFO" SP "(" list-select-base-opt-quoted
                //                           *(SP list-select-base-opt-quoted) ")"
                buffer.writeString("\"CHILDINFO\" (")
                buffer.writeString(options.map { "\"\($0.rawValue)\"" }.joined(separator: " "))
                buffer.writeString(")")
            case .oldName(let name):
                // oldname-extended-item = "OLDNAME" SP "(" mailbox ")"
                buffer.writeString("\"OLDNAME\" (")
                IMAPString.writeMailbox(name, into: &buffer, options: self.options)
                buffer.writeString(")")
            }
        }
        buffer.writeString(")")
    }

    // namespace = nil / "(" 1*namespace-descr ")"
    private func writeNamespace(_ descriptions: [NamespaceDescription], into buffer: inout ByteBuffer) {
        guard !descriptions.isEmpty else {
            buffer.writeString("NIL")
            return
        }
        buffer.writeString("(")
        for description in descriptions {
            buffer.writeString("(")
            IMAPString.writeString(
                MailboxName.encode(description.prefix, utf8Accepted: options.utf8Accepted), into: &buffer,
                options: options)
            buffer.writeInteger(UInt8.space)
            IMAPString.writeDelimiter(description.delimiter, into: &buffer)
            buffer.writeString(")")
        }
        buffer.writeString(")")
    }

    // message-data = nz-number SP "FETCH" SP msg-att
    // msg-att = "(" (msg-att-dynamic / msg-att-static) *(SP (msg-att-dynamic / msg-att-static)) ")"
    private mutating func writeFetchPart(_ part: FetchResponse, into buffer: inout ByteBuffer) {
        switch part {
        case .start(let sequenceNumber):
            buffer.writeString("* ")
            buffer.writeDecimal(sequenceNumber)
            buffer.writeString(" FETCH (")
            fetchNeedsSeparator = false
        case .simpleAttribute(let attribute):
            if fetchNeedsSeparator { buffer.writeInteger(UInt8.space) }
            attribute.write(into: &buffer, options: options)
            fetchNeedsSeparator = true
        case .streamingBegin(let kind, let size, let literal8):
            if fetchNeedsSeparator { buffer.writeInteger(UInt8.space) }
            kind.write(into: &buffer)
            buffer.writeString(literal8 ? " ~{\(size)}\r\n" : " {\(size)}\r\n")
            fetchNeedsSeparator = true
        case .streamingBytes(let bytes):
            buffer.writeImmutableBuffer(bytes)
        case .streamingEnd:
            break
        case .finish:
            buffer.writeString(")\r\n")
            fetchNeedsSeparator = false
        }
    }
}

extension StatusValue {
    var wireForm: String {
        switch self {
        case .messages(let value): return "MESSAGES \(value)"
        case .uidNext(let value): return "UIDNEXT \(value)"
        case .uidValidity(let value): return "UIDVALIDITY \(value)"
        case .unseen(let value): return "UNSEEN \(value)"
        case .deleted(let value): return "DELETED \(value)"
        case .size(let value): return "SIZE \(value)"
        case .recent(let value): return "RECENT \(value)"
        case .highestModSeq(let value): return "HIGHESTMODSEQ \(value)"
        case .appendLimit(let value): return "APPENDLIMIT " + (value.map(String.init) ?? "NIL")
        case .mailboxID(let id): return "MAILBOXID (\(id))"
        }
    }
}

/// How strings are written (RFC 9051 §4.3).
enum IMAPString {
    /// A quoted string can carry these bytes: TEXT-CHARs, 8-bit only when UTF-8 is accepted.
    static func canQuote(_ bytes: [UInt8], options: ResponseEncodingOptions) -> Bool {
        bytes.count <= options.maxQuotedLength
            && bytes.allSatisfy { $0.isTextChar && ($0 < 0x80 || options.utf8Accepted) }
    }

    // string = quoted / literal
    static func writeString(_ bytes: [UInt8], into buffer: inout ByteBuffer, options: ResponseEncodingOptions) {
        if canQuote(bytes, options: options) {
            writeQuoted(bytes, into: &buffer)
        } else {
            buffer.writeString("{\(bytes.count)}\r\n")
            buffer.writeBytes(bytes)
        }
    }

    // nstring = string / nil
    static func writeNString(_ bytes: [UInt8]?, into buffer: inout ByteBuffer, options: ResponseEncodingOptions) {
        guard let bytes else {
            buffer.writeString("NIL")
            return
        }
        writeString(bytes, into: &buffer, options: options)
    }

    // astring = 1*ASTRING-CHAR / string
    static func writeAString(_ bytes: [UInt8], into buffer: inout ByteBuffer, utf8Accepted: Bool) {
        if !bytes.isEmpty && bytes.allSatisfy(\.isAStringChar) {
            buffer.writeBytes(bytes)
        } else {
            writeString(bytes, into: &buffer, options: ResponseEncodingOptions(utf8Accepted: utf8Accepted))
        }
    }

    // quoted = DQUOTE *QUOTED-CHAR DQUOTE
    static func writeQuoted(_ bytes: [UInt8], into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8.quote)
        for byte in bytes {
            if byte == .quote || byte == .backslash { buffer.writeInteger(UInt8.backslash) }
            buffer.writeInteger(byte)
        }
        buffer.writeInteger(UInt8.quote)
    }

    /// A literal (or NIL) for message content.
    static func writeNLiteral(_ data: ByteBuffer?, into buffer: inout ByteBuffer, literal8: Bool = false) {
        guard let data else {
            buffer.writeString("NIL")
            return
        }
        buffer.writeString(literal8 ? "~{\(data.readableBytes)}\r\n" : "{\(data.readableBytes)}\r\n")
        buffer.writeImmutableBuffer(data)
    }

    /// A mailbox path in the session's encoding, always quoted (or a literal when it must be).
    static func writeMailbox(_ path: String, into buffer: inout ByteBuffer, options: ResponseEncodingOptions) {
        writeString(MailboxName.encode(path, utf8Accepted: options.utf8Accepted), into: &buffer, options: options)
    }

    // (DQUOTE QUOTED-CHAR DQUOTE / nil)
    static func writeDelimiter(_ delimiter: Character?, into buffer: inout ByteBuffer) {
        guard let delimiter else {
            buffer.writeString("NIL")
            return
        }
        writeQuoted(Array(String(delimiter).utf8), into: &buffer)
    }

    /// `text` with CR, LF and NUL replaced by spaces.
    static func sanitizedText(_ text: String) -> String {
        guard text.utf8.contains(where: { !$0.isTextChar }) else { return text }
        return String(decoding: text.utf8.map { $0.isTextChar ? $0 : .space }, as: UTF8.self)
    }
}

extension ByteBuffer {
    mutating func writeCRLF() {
        writeInteger(UInt8.cr)
        writeInteger(UInt8.lf)
    }

    /// `value` in decimal ASCII, without building a String: FETCH writes several numbers per message.
    mutating func writeDecimal<T: BinaryInteger>(_ value: T) {
        guard value != 0 else {
            writeInteger(UInt8(ascii: "0"))
            return
        }
        if value < 0 { writeInteger(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { digits in
            var start = digits.count
            while magnitude != 0 {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            }
            writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(digits)[start...]))
        }
    }
}
