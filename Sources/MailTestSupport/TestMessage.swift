// A small RFC 5322 message builder for tests: the bytes of a message and the MessageMetadata the
// delivery path would have parsed from it. It does not use the MIME target, so store tests do not
// depend on the parser; it only builds plain single-part text messages.

import Foundation
import MIME
import MailStore

public struct TestMessage: Sendable {
    public var from: String
    public var to: [String]
    public var cc: [String]
    public var subject: String
    public var body: String
    public var messageID: String
    public var inReplyTo: String?
    public var references: [String]
    public var date: Date
    /// Extra header lines, e.g. ("X-Priority", "1").
    public var extraHeaders: [(String, String)]

    public init(
        from: String = "Alice <alice@example.test>", to: [String] = ["bob@example.test"], cc: [String] = [],
        subject: String = "Hello", body: String = "Hello, world.\r\n",
        messageID: String = "<\(UUID().uuidString)@example.test>", inReplyTo: String? = nil,
        references: [String] = [], date: Date = Date(timeIntervalSince1970: 1_700_000_000),
        extraHeaders: [(String, String)] = []
    ) {
        self.from = from
        self.to = to
        self.cc = cc
        self.subject = subject
        self.body = body
        self.messageID = messageID
        self.inReplyTo = inReplyTo
        self.references = references
        self.date = date
        self.extraHeaders = extraHeaders
    }

    /// The header fields in order (values unencoded: tests use them as already-decoded text).
    public var headerFields: [(String, String)] {
        var fields: [(String, String)] = [
            ("From", from), ("To", to.joined(separator: ", ")),
        ]
        if !cc.isEmpty { fields.append(("Cc", cc.joined(separator: ", "))) }
        fields.append(("Subject", subject))
        fields.append(("Date", MessageDate.rfc5322(date)))
        fields.append(("Message-ID", messageID))
        if let inReplyTo { fields.append(("In-Reply-To", inReplyTo)) }
        if !references.isEmpty { fields.append(("References", references.joined(separator: " "))) }
        fields.append(("MIME-Version", "1.0"))
        fields.append(("Content-Type", "text/plain; charset=utf-8"))
        fields.append(("Content-Transfer-Encoding", "8bit"))
        fields += extraHeaders
        return fields
    }

    /// The message with CRLF line ends (RFC 5322 §2.1).
    public var bytes: [UInt8] {
        var text = ""
        for (name, value) in headerFields { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        text += body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        return Array(text.utf8)
    }

    /// What a parser would hand to the store for these bytes.
    public var metadata: MessageMetadata {
        let size = Int64(bytes.count)
        return MessageMetadata(
            size: size, headerDate: date, subject: subject, from: from, to: to.joined(separator: ", "),
            cc: cc.joined(separator: ", "), bcc: "", messageIDHeader: messageID,
            inReplyTo: inReplyTo.map { [$0] } ?? [], references: references, envelope: Data("(envelope)".utf8),
            bodyStructure: Data("(\"text\" \"plain\")".utf8),
            headerText: headerFields.map { "\($0.0): \($0.1)" }.joined(separator: "\n"), bodyText: body,
            preview: String(body.prefix(256)), hasAttachment: false)
    }
}
