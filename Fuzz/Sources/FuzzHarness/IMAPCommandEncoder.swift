// IMAPCommandEncoder: writes a parsed command back as client wire bytes, for parse -> encode -> parse round
// trips (a port of Tests/IMAPProtocolTests/Support/TestCommandEncoder.swift without @testable access).
//
// Invariants: strings are written as atoms, quoted strings or synchronising literals, whichever the bytes
// allow (RFC 9051 §4.3); the output is one complete command, literals inline, ending in CRLF.

import IMAPProtocol
import NIOCore

struct IMAPCommandEncoder {
    private(set) var bytes: [UInt8] = []

    static func encode(_ command: TaggedCommand) -> ByteBuffer {
        var encoder = IMAPCommandEncoder()
        encoder.write(command.tag)
        encoder.write(" ")
        encoder.writeCommand(command.command)
        encoder.write("\r\n")
        return ByteBuffer(bytes: encoder.bytes)
    }

    mutating func write(_ text: String) { bytes.append(contentsOf: text.utf8) }

    mutating func writeAString(_ value: [UInt8]) {
        if !value.isEmpty && value.allSatisfy(IMAPChar.isAStringChar) {
            bytes.append(contentsOf: value)
        } else {
            writeString(value)
        }
    }

    mutating func writeAString(_ value: String) { writeAString(Array(value.utf8)) }

    mutating func writeString(_ value: [UInt8]) {
        if value.allSatisfy(IMAPChar.isTextChar) {
            bytes.append(UInt8(ascii: "\""))
            for byte in value {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
                bytes.append(byte)
            }
            bytes.append(UInt8(ascii: "\""))
        } else {
            write("{\(value.count)}\r\n")
            bytes.append(contentsOf: value)
        }
    }

    mutating func writeList<T>(_ items: [T], _ body: (inout IMAPCommandEncoder, T) -> Void) {
        write("(")
        for (index, item) in items.enumerated() {
            if index > 0 { write(" ") }
            body(&self, item)
        }
        write(")")
    }

    mutating func writeMailbox(_ mailbox: MailboxName) { writeAString(mailbox.bytes) }

    mutating func writePattern(_ pattern: MailboxPattern) {
        if !pattern.bytes.isEmpty && pattern.bytes.allSatisfy(IMAPChar.isListChar) {
            bytes.append(contentsOf: pattern.bytes)
        } else {
            writeString(pattern.bytes)
        }
    }

    mutating func writeSet(_ set: SequenceSet) { write(set.wireForm) }

    mutating func writeFlags(_ flags: [Flag]) { write("(" + flags.map(\.wireForm).joined(separator: " ") + ")") }

    mutating func writeCommand(_ command: Command) {
        switch command {
        case .capability: write("CAPABILITY")
        case .noop: write("NOOP")
        case .logout: write("LOGOUT")
        case .starttls: write("STARTTLS")
        case .namespace: write("NAMESPACE")
        case .idle: write("IDLE")
        case .check: write("CHECK")
        case .close: write("CLOSE")
        case .unselect: write("UNSELECT")
        case .expunge: write("EXPUNGE")
        case .id(let parameters):
            write("ID ")
            guard let parameters else { return write("NIL") }
            writeList(parameters) { encoder, parameter in
                encoder.writeString(Array(parameter.key.utf8))
                encoder.write(" ")
                if let value = parameter.value { encoder.writeString(Array(value.utf8)) } else { encoder.write("NIL") }
            }
        case .authenticate(let mechanism, let initial):
            write("AUTHENTICATE \(mechanism)")
            if let initial {
                write(" ")
                if initial.readableBytes == 0 {
                    write("=")
                } else {
                    bytes.append(contentsOf: IMAPChar.base64(Array(initial.readableBytesView)))
                }
            }
        case .login(let user, let password):
            write("LOGIN ")
            writeAString(user)
            write(" ")
            writeAString(password)
        case .enable(let capabilities):
            write("ENABLE")
            for capability in capabilities { write(" \(capability.name)") }
        case .select(let mailbox, let parameters):
            write("SELECT ")
            writeSelect(mailbox, parameters)
        case .examine(let mailbox, let parameters):
            write("EXAMINE ")
            writeSelect(mailbox, parameters)
        case .create(let mailbox, let uses):
            write("CREATE ")
            writeMailbox(mailbox)
            if !uses.isEmpty { write(" (USE (" + uses.map(\.description).joined(separator: " ") + "))") }
        case .delete(let mailbox):
            write("DELETE ")
            writeMailbox(mailbox)
        case .rename(let from, let to):
            write("RENAME ")
            writeMailbox(from)
            write(" ")
            writeMailbox(to)
        case .subscribe(let mailbox):
            write("SUBSCRIBE ")
            writeMailbox(mailbox)
        case .unsubscribe(let mailbox):
            write("UNSUBSCRIBE ")
            writeMailbox(mailbox)
        case .list(let list):
            write("LIST ")
            if list.isExtended { write("(" + list.selectOptions.map(\.rawValue).joined(separator: " ") + ") ") }
            writeMailbox(list.reference)
            write(" ")
            if list.isExtended {
                writeList(list.patterns) { $0.writePattern($1) }
                write(" RETURN ")
                writeList(list.returnOptions) { encoder, option in
                    switch option {
                    case .subscribed: encoder.write("SUBSCRIBED")
                    case .children: encoder.write("CHILDREN")
                    case .specialUse: encoder.write("SPECIAL-USE")
                    case .status(let attributes):
                        encoder.write("STATUS (" + attributes.map(\.rawValue).joined(separator: " ") + ")")
                    }
                }
            } else {
                writePattern(list.patterns[0])
            }
        case .lsub(let reference, let pattern):
            write("LSUB ")
            writeMailbox(reference)
            write(" ")
            writePattern(pattern)
        case .status(let mailbox, let attributes):
            write("STATUS ")
            writeMailbox(mailbox)
            write(" (" + attributes.map(\.rawValue).joined(separator: " ") + ")")
        case .append(let mailbox, let messages):
            write("APPEND ")
            writeMailbox(mailbox)
            for message in messages {
                if !message.metadata.flags.isEmpty {
                    write(" ")
                    writeFlags(message.metadata.flags)
                }
                if let date = message.metadata.internalDate { write(" \"\(date)\"") }
                write(message.metadata.isUTF8 ? " UTF8 (" : " ")
                write(
                    message.metadata.isBinary
                        ? "~{\(message.data.readableBytes)}\r\n" : "{\(message.data.readableBytes)}\r\n")
                bytes.append(contentsOf: message.data.readableBytesView)
                if message.metadata.isUTF8 { write(")") }
            }
        case .compress(let mechanism): write("COMPRESS \(mechanism)")
        case .uidExpunge(let set):
            write("UID EXPUNGE ")
            writeSet(set)
        case .search(let search):
            write("SEARCH")
            writeSearch(search)
        case .uidSearch(let search):
            write("UID SEARCH")
            writeSearch(search)
        case .fetch(let set, let attributes, let modifiers):
            write("FETCH ")
            writeFetch(set, attributes, modifiers)
        case .uidFetch(let set, let attributes, let modifiers):
            write("UID FETCH ")
            writeFetch(set, attributes, modifiers)
        case .store(let set, let modifiers, let flags):
            write("STORE ")
            writeStore(set, modifiers, flags)
        case .uidStore(let set, let modifiers, let flags):
            write("UID STORE ")
            writeStore(set, modifiers, flags)
        case .copy(let set, let mailbox):
            write("COPY \(set.wireForm) ")
            writeMailbox(mailbox)
        case .uidCopy(let set, let mailbox):
            write("UID COPY \(set.wireForm) ")
            writeMailbox(mailbox)
        case .move(let set, let mailbox):
            write("MOVE \(set.wireForm) ")
            writeMailbox(mailbox)
        case .uidMove(let set, let mailbox):
            write("UID MOVE \(set.wireForm) ")
            writeMailbox(mailbox)
        }
    }

    mutating func writeSelect(_ mailbox: MailboxName, _ parameters: SelectParameters) {
        writeMailbox(mailbox)
        var items: [String] = []
        if parameters.condStore { items.append("CONDSTORE") }
        if let q = parameters.qresync {
            var text = "QRESYNC (\(q.uidValidity) \(q.modSeq)"
            if let known = q.knownUIDs { text += " " + known.wireForm }
            if let match = q.sequenceMatch {
                text += " (\(match.knownSequenceSet.wireForm) \(match.knownUIDSet.wireForm))"
            }
            items.append(text + ")")
        }
        if !items.isEmpty { write(" (" + items.joined(separator: " ") + ")") }
    }

    mutating func writeStore(_ set: SequenceSet, _ modifiers: StoreModifiers, _ flags: StoreFlags) {
        writeSet(set)
        if let unchanged = modifiers.unchangedSince { write(" (UNCHANGEDSINCE \(unchanged))") }
        write(" ")
        switch flags.operation {
        case .add: write("+")
        case .remove: write("-")
        case .replace: break
        }
        write(flags.silent ? "FLAGS.SILENT " : "FLAGS ")
        writeFlags(flags.flags)
    }

    mutating func writeFetch(_ set: SequenceSet, _ attributes: [FetchAttribute], _ modifiers: FetchModifiers) {
        writeSet(set)
        write(" ")
        writeList(attributes) { $0.writeFetchAttribute($1) }
        var items: [String] = []
        if let since = modifiers.changedSince { items.append("CHANGEDSINCE \(since)") }
        if modifiers.vanished { items.append("VANISHED") }
        if !items.isEmpty { write(" (" + items.joined(separator: " ") + ")") }
    }

    // section = "[" [section-spec] "]"  (RFC 9051 §6.4.5)
    mutating func writeSection(_ section: SectionSpecifier) {
        write("[" + section.part.map(String.init).joined(separator: "."))
        let dot = section.part.isEmpty ? "" : "."
        func names(_ names: [String]) {
            write(" (")
            for (index, name) in names.enumerated() {
                if index > 0 { write(" ") }
                writeAString(name)
            }
            write(")")
        }
        switch section.kind {
        case .complete: break
        case .header: write(dot + "HEADER")
        case .text: write(dot + "TEXT")
        case .mime: write(dot + "MIME")
        case .headerFields(let list):
            write(dot + "HEADER.FIELDS")
            names(list)
        case .headerFieldsNot(let list):
            write(dot + "HEADER.FIELDS.NOT")
            names(list)
        }
        write("]")
    }

    mutating func writePartial(_ partial: Partial?) {
        if let partial { write("<\(partial.offset).\(partial.length)>") }
    }

    mutating func writeFetchAttribute(_ attribute: FetchAttribute) {
        switch attribute {
        case .envelope: write("ENVELOPE")
        case .flags: write("FLAGS")
        case .internalDate: write("INTERNALDATE")
        case .rfc822Size: write("RFC822.SIZE")
        case .body: write("BODY")
        case .bodyStructure: write("BODYSTRUCTURE")
        case .uid: write("UID")
        case .rfc822: write("RFC822")
        case .rfc822Header: write("RFC822.HEADER")
        case .rfc822Text: write("RFC822.TEXT")
        case .modSeq: write("MODSEQ")
        case .emailID: write("EMAILID")
        case .threadID: write("THREADID")
        case .saveDate: write("SAVEDATE")
        case .preview(let lazy): write(lazy ? "PREVIEW (LAZY)" : "PREVIEW")
        case .bodySection(let section, let partial, let peek):
            write(peek ? "BODY.PEEK" : "BODY")
            writeSection(section)
            writePartial(partial)
        case .binary(let part, let partial, let peek):
            write(peek ? "BINARY.PEEK" : "BINARY")
            write("[" + part.map(String.init).joined(separator: ".") + "]")
            writePartial(partial)
        case .binarySize(let part):
            write("BINARY.SIZE[" + part.map(String.init).joined(separator: ".") + "]")
        }
    }

    mutating func writeSearch(_ search: SearchCommand) {
        if let options = search.returnOptions {
            write(" RETURN (" + options.map(\.rawValue).joined(separator: " ") + ")")
        }
        if let charset = search.charset { write(" CHARSET \(charset)") }
        write(" ")
        if case .and(let keys) = search.key {
            for (index, key) in keys.enumerated() {
                if index > 0 { write(" ") }
                writeSearchKey(key)
            }
        } else {
            writeSearchKey(search.key)
        }
    }

    mutating func writeSearchKey(_ key: SearchKey) {
        func string(_ name: String, _ value: String) {
            write(name + " ")
            writeAString(value)
        }
        switch key {
        case .all: write("ALL")
        case .answered: write("ANSWERED")
        case .deleted: write("DELETED")
        case .draft: write("DRAFT")
        case .flagged: write("FLAGGED")
        case .seen: write("SEEN")
        case .unanswered: write("UNANSWERED")
        case .undeleted: write("UNDELETED")
        case .undraft: write("UNDRAFT")
        case .unflagged: write("UNFLAGGED")
        case .unseen: write("UNSEEN")
        case .new: write("NEW")
        case .old: write("OLD")
        case .recent: write("RECENT")
        case .saveDateSupported: write("SAVEDATESUPPORTED")
        case .keyword(let flag): write("KEYWORD \(flag)")
        case .unkeyword(let flag): write("UNKEYWORD \(flag)")
        case .bcc(let value): string("BCC", value)
        case .body(let value): string("BODY", value)
        case .cc(let value): string("CC", value)
        case .from(let value): string("FROM", value)
        case .subject(let value): string("SUBJECT", value)
        case .text(let value): string("TEXT", value)
        case .to(let value): string("TO", value)
        case .header(let field, let value):
            string("HEADER", field)
            write(" ")
            writeAString(value)
        case .before(let date): write("BEFORE \(date)")
        case .on(let date): write("ON \(date)")
        case .since(let date): write("SINCE \(date)")
        case .sentBefore(let date): write("SENTBEFORE \(date)")
        case .sentOn(let date): write("SENTON \(date)")
        case .sentSince(let date): write("SENTSINCE \(date)")
        case .savedBefore(let date): write("SAVEDBEFORE \(date)")
        case .savedOn(let date): write("SAVEDON \(date)")
        case .savedSince(let date): write("SAVEDSINCE \(date)")
        case .larger(let size): write("LARGER \(size)")
        case .smaller(let size): write("SMALLER \(size)")
        case .uid(let set): write("UID \(set.wireForm)")
        case .sequenceNumbers(let set): write(set.wireForm)
        case .not(let key):
            write("NOT ")
            writeSearchKey(key)
        case .or(let a, let b):
            write("OR ")
            writeSearchKey(a)
            write(" ")
            writeSearchKey(b)
        case .and(let keys):
            writeList(keys) { $0.writeSearchKey($1) }
        case .modSeq(let value, let entry):
            write("MODSEQ ")
            if let entry {
                writeString(Array(("/flags/" + entry.flag.wireForm).utf8))
                write(" \(entry.type.rawValue) ")
            }
            write("\(value)")
        case .younger(let seconds): write("YOUNGER \(seconds)")
        case .older(let seconds): write("OLDER \(seconds)")
        case .emailID(let id): write("EMAILID \(id)")
        case .threadID(let id): write("THREADID \(id)")
        }
    }
}

/// The character classes of RFC 9051 §9 the encoder needs.
enum IMAPChar {
    // ATOM-CHAR = <any CHAR except atom-specials>
    // atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials
    static func isAtomChar(_ byte: UInt8) -> Bool {
        guard byte > 0x20, byte < 0x7F else { return false }
        return !Array("(){%*\"\\]".utf8).contains(byte)
    }

    // ASTRING-CHAR = ATOM-CHAR / resp-specials
    static func isAStringChar(_ byte: UInt8) -> Bool { isAtomChar(byte) || byte == UInt8(ascii: "]") }

    // list-char = ATOM-CHAR / list-wildcards / resp-specials
    static func isListChar(_ byte: UInt8) -> Bool {
        isAStringChar(byte) || byte == UInt8(ascii: "%") || byte == UInt8(ascii: "*")
    }

    // TEXT-CHAR = <any CHAR except CR and LF>; 8-bit allowed as UTF-8
    static func isTextChar(_ byte: UInt8) -> Bool { byte != 0 && byte != 0x0D && byte != 0x0A }

    /// Base64 with padding (RFC 4648 §4), as AUTHENTICATE's initial response uses it.
    static func base64(_ bytes: [UInt8]) -> [UInt8] {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let count = min(3, bytes.count - index)
            var group: UInt32 = 0
            for k in 0..<3 { group = group << 8 | UInt32(k < count ? bytes[index + k] : 0) }
            for k in 0..<4 {
                output.append(k <= count ? alphabet[Int(group >> (18 - 6 * UInt32(k)) & 0x3F)] : UInt8(ascii: "="))
            }
            index += 3
        }
        return output
    }
}
