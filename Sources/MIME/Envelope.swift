// IMAP ENVELOPE (RFC 9051 §7.5.2, RFC 3501 §7.4.2) built from a message header.
//
// Invariants:
// - Every string is the raw header text, unfolded and trimmed, encoded words NOT decoded (clients
//   decode them); NIL where the header is absent.
// - Sender and Reply-To default to From when absent or empty (RFC 9051 §7.5.2).
// - Only the first occurrence of each header field is used.
import Foundation

public struct Envelope: Sendable, Codable, Equatable, Hashable {
    public var date: String?
    public var subject: String?
    public var from: [Address]?
    public var sender: [Address]?
    public var replyTo: [Address]?
    public var to: [Address]?
    public var cc: [Address]?
    public var bcc: [Address]?
    public var inReplyTo: String?
    public var messageID: String?

    public init(
        date: String? = nil, subject: String? = nil, from: [Address]? = nil, sender: [Address]? = nil,
        replyTo: [Address]? = nil, to: [Address]? = nil, cc: [Address]? = nil, bcc: [Address]? = nil,
        inReplyTo: String? = nil, messageID: String? = nil
    ) {
        self.date = date
        self.subject = subject
        self.from = from
        self.sender = sender
        self.replyTo = replyTo
        self.to = to
        self.cc = cc
        self.bcc = bcc
        self.inReplyTo = inReplyTo
        self.messageID = messageID
    }

    /// The envelope of a message whose header is `header`.
    public init(header: HeaderBlock) {
        func addresses(_ name: String) -> [Address]? {
            guard let v = header.value(name) else { return nil }
            let list = Address.parseList(v)
            return list.isEmpty ? nil : list
        }
        date = header.value("Date")
        subject = header.value("Subject")
        from = addresses("From")
        sender = addresses("Sender") ?? from
        replyTo = addresses("Reply-To") ?? from
        to = addresses("To")
        cc = addresses("Cc")
        bcc = addresses("Bcc")
        inReplyTo = header.value("In-Reply-To")
        messageID = header.value("Message-ID")
    }

    /// The subject with encoded words decoded (for display and search).
    public var decodedSubject: String? { subject.map(EncodedWords.decode) }

    /// The envelope in IMAP syntax: "(" date SP subject SP from ... message-id ")".
    public func imapString() -> String {
        var w = IMAPWriter()
        write(to: &w)
        return w.out
    }

    func write(to w: inout IMAPWriter) {
        w.raw("(")
        w.nstring(date)
        w.raw(" ")
        w.nstring(subject)
        for list in [from, sender, replyTo, to, cc, bcc] {
            w.raw(" ")
            Envelope.writeAddresses(list, to: &w)
        }
        w.raw(" ")
        w.nstring(inReplyTo)
        w.raw(" ")
        w.nstring(messageID)
        w.raw(")")
    }

    /// env-from etc.: "(" 1*address ")" / nil
    static func writeAddresses(_ list: [Address]?, to w: inout IMAPWriter) {
        guard let list, !list.isEmpty else { return w.nilValue() }
        w.raw("(")
        for a in list {
            w.raw("(")
            w.nstring(a.name)
            w.raw(" ")
            w.nstring(a.adl)
            w.raw(" ")
            w.nstring(a.mailbox)
            w.raw(" ")
            w.nstring(a.host)
            w.raw(")")
        }
        w.raw(")")
    }
}
