// DeliveryStatusNotification: the report a sender gets when mail fails, is delayed, or (on request) was
// delivered or relayed (RFC 3464 message/delivery-status inside RFC 6522 multipart/report).
//
// Invariants:
// - Pure: values in, message bytes out; the queue runner decides when to send and where.
// - Sent from the null reverse-path (RFC 5321 §4.5.5) so that it never bounces back; never generated for
//   a message whose own sender is null (the runner checks).
// - Per-message fields then one block per recipient (RFC 3464 §2.2, §2.3); Status is an RFC 3463 code.
// - The returned content follows RET (RFC 3461 §4.3): HDRS → text/rfc822-headers; FULL, or absent and
//   small enough → message/rfc822; a message too large comes back as headers only.
// - CRLF line ends; the human-readable part is plain ASCII (addresses are ASCII unless SMTPUTF8, in which
//   case the part is labelled UTF-8).

import Foundation
import MIME

public struct DeliveryStatusNotification: Sendable {
    /// RFC 3464 §2.3.3 Action.
    public enum Action: String, Sendable {
        case failed, delayed, delivered, relayed, expanded
    }

    public struct Recipient: Sendable {
        /// RFC 3464 §2.3.1 Original-Recipient, from ORCPT ("rfc822;addr").
        public var originalRecipient: String?
        public var finalRecipient: String
        public var action: Action
        /// RFC 3463 "5.1.1".
        public var status: String
        /// The server that answered, "dns; mx.example.net".
        public var remoteMTA: String?
        /// The server's reply, e.g. "550 5.1.1 No such user".
        public var diagnostic: String?
        public var lastAttempt: Date?
        public var willRetryUntil: Date?

        public init(
            originalRecipient: String? = nil, finalRecipient: String, action: Action, status: String,
            remoteMTA: String? = nil, diagnostic: String? = nil, lastAttempt: Date? = nil, willRetryUntil: Date? = nil
        ) {
            self.originalRecipient = originalRecipient
            self.finalRecipient = finalRecipient
            self.action = action
            self.status = status
            self.remoteMTA = remoteMTA
            self.diagnostic = diagnostic
            self.lastAttempt = lastAttempt
            self.willRetryUntil = willRetryUntil
        }
    }

    /// Our host name: Reporting-MTA and the From: address's domain.
    public var reportingMTA: String
    /// Who gets the report (the original envelope sender).
    public var to: String
    public var envid: String?
    public var arrivalDate: Date
    public var recipients: [Recipient]
    /// RET=HDRS asks for headers only.
    public var returnHeadersOnly: Bool
    public var date: Date

    public init(
        reportingMTA: String, to: String, envid: String? = nil, arrivalDate: Date, recipients: [Recipient],
        returnHeadersOnly: Bool, date: Date = Date()
    ) {
        self.reportingMTA = reportingMTA
        self.to = to
        self.envid = envid
        self.arrivalDate = arrivalDate
        self.recipients = recipients
        self.returnHeadersOnly = returnHeadersOnly
        self.date = date
    }

    /// The whole report. `original` is the returned message (or its header section when `originalIsHeaders`).
    public func message(original: [UInt8], originalIsHeaders: Bool) -> [UInt8] {
        let boundary = "=_mailroom_report_\(UUID().uuidString.lowercased())"
        let actions = Set(recipients.map(\.action))
        let subject: String
        if actions.contains(.failed) {
            subject = "Undelivered Mail Returned to Sender"
        } else if actions.contains(.delayed) {
            subject = "Delayed Mail (still being retried)"
        } else {
            subject = "Successful Mail Delivery Report"
        }
        var out = ""
        out += "From: Mail Delivery System <MAILER-DAEMON@\(reportingMTA)>\r\n"
        out += "To: <\(to)>\r\n"
        out += "Subject: \(subject)\r\n"
        out += "Date: \(MessageDate.rfc5322(date))\r\n"
        out += "Message-ID: <\(UUID().uuidString.lowercased())@\(reportingMTA)>\r\n"
        out += "Auto-Submitted: auto-replied\r\n"  // RFC 3834 §5
        out += "MIME-Version: 1.0\r\n"
        // RFC 6522 §3: multipart/report; report-type=delivery-status.
        out += "Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"\(boundary)\"\r\n"
        out += "\r\n"
        out += "This is a MIME-encapsulated message.\r\n\r\n"
        // 1. Human-readable explanation.
        out += "--\(boundary)\r\n"
        out += "Content-Type: text/plain; charset=utf-8\r\n"
        out += "Content-Transfer-Encoding: 8bit\r\n\r\n"
        out += humanReadable()
        // 2. Machine-readable status (RFC 3464 §2).
        out += "--\(boundary)\r\n"
        out += "Content-Type: message/delivery-status\r\n\r\n"
        out += deliveryStatus()
        // 3. The original message or its headers.
        out += "--\(boundary)\r\n"
        out += originalIsHeaders ? "Content-Type: text/rfc822-headers\r\n" : "Content-Type: message/rfc822\r\n"
        out += "\r\n"
        var bytes = Array(out.utf8)
        bytes += original
        if !(bytes.suffix(2) == [0x0d, 0x0a]) { bytes += Array("\r\n".utf8) }
        bytes += Array("--\(boundary)--\r\n".utf8)
        return bytes
    }

    func humanReadable() -> String {
        var t = "This is the mail system at \(reportingMTA).\r\n\r\n"
        let failed = recipients.filter { $0.action == .failed }
        let delayed = recipients.filter { $0.action == .delayed }
        let done = recipients.filter { $0.action == .delivered || $0.action == .relayed }
        if !failed.isEmpty {
            t +=
                "Your message could not be delivered to the following recipients; no further attempts will be made:\r\n\r\n"
            for r in failed { t += Self.line(r) }
        }
        if !delayed.isEmpty {
            t += "Your message has not been delivered yet to the following recipients. It is still being retried"
            if let until = delayed.compactMap(\.willRetryUntil).max() { t += " until \(MessageDate.rfc5322(until))" }
            t += "; you do not need to send it again:\r\n\r\n"
            for r in delayed { t += Self.line(r) }
        }
        if !done.isEmpty {
            t += "Your message was delivered (or handed to a system that does not report back) for:\r\n\r\n"
            for r in done { t += Self.line(r) }
        }
        return t + "\r\n"
    }

    static func line(_ r: Recipient) -> String {
        var s = "  <\(r.finalRecipient)>"
        if let d = r.diagnostic { s += ": \(d)" }
        return s + "\r\n"
    }

    func deliveryStatus() -> String {
        var t = ""
        t += "Reporting-MTA: dns; \(reportingMTA)\r\n"
        if let envid { t += "Original-Envelope-Id: \(Self.clean(envid))\r\n" }
        t += "Arrival-Date: \(MessageDate.rfc5322(arrivalDate))\r\n"
        for r in recipients {
            t += "\r\n"
            if let o = r.originalRecipient { t += "Original-Recipient: \(Self.clean(o))\r\n" }
            t += "Final-Recipient: rfc822; \(r.finalRecipient)\r\n"
            t += "Action: \(r.action.rawValue)\r\n"
            t += "Status: \(r.status)\r\n"
            if let m = r.remoteMTA { t += "Remote-MTA: dns; \(m)\r\n" }
            if let d = r.diagnostic { t += "Diagnostic-Code: smtp; \(Self.clean(d))\r\n" }
            if let a = r.lastAttempt { t += "Last-Attempt-Date: \(MessageDate.rfc5322(a))\r\n" }
            if let u = r.willRetryUntil { t += "Will-Retry-Until: \(MessageDate.rfc5322(u))\r\n" }
        }
        return t + "\r\n"
    }

    /// One header line: no CR/LF, bounded length.
    static func clean(_ text: String) -> String {
        // By scalar: "\r\n" is one Character in Swift, so a Character comparison would miss it.
        var flat = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            flat.append(scalar == "\r" || scalar == "\n" ? " " : scalar)
        }
        return String(String(flat).prefix(OutboundLimits.maxDiagnosticLength))
    }
}
