// ResponseCode: the bracketed codes of `resp-text-code` (RFC 9051 §7.1, RFC 5530, RFC 4315 UIDPLUS,
// RFC 7162 CONDSTORE/QRESYNC, RFC 8474 OBJECTID, RFC 3516 BINARY, RFC 4469 TOOBIG), and their encoder.

import NIOCore

/// `resp-text-code`.
public enum ResponseCode: Sendable, Hashable {
    case alert
    case badCharset([String])
    case capability([Capability])
    case parse
    case permanentFlags([PermanentFlag])
    case readOnly
    case readWrite
    case tryCreate
    case uidNext(UInt32)
    case uidValidity(UInt32)
    /// rev1 only (RFC 3501 §7.1).
    case unseen(UInt32)
    /// RFC 4315 §3 (a UID set for MULTIAPPEND).
    case appendUID(uidValidity: UInt32, uids: SequenceSet)
    /// RFC 4315 §3
    case copyUID(uidValidity: UInt32, source: SequenceSet, destination: SequenceSet)
    case uidNotSticky
    /// RFC 7162 §3.1.2.1
    case highestModSeq(UInt64)
    /// RFC 7162 §3.1.2.2
    case noModSeq
    /// RFC 7162 §3.1.3
    case modified(SequenceSet)
    /// RFC 7162 §3.2.11
    case closed
    // RFC 5530 §3 (and RFC 9051 §7.1)
    case unavailable
    case authenticationFailed
    case authorizationFailed
    case expired
    case privacyRequired
    case contactAdmin
    case noPerm
    case inUse
    case expungeIssued
    case corruption
    case serverBug
    case clientBug
    case cannot
    case limit
    case overQuota
    case alreadyExists
    case nonExistent
    /// RFC 4469 §5.2, RFC 7888 §4
    case tooBig
    case notSaved
    case hasChildren
    /// RFC 3516 §4.3
    case unknownCTE
    /// RFC 8474 §4.1
    case mailboxID(String)
    /// Any other code: `atom [SP 1*<any TEXT-CHAR except "]">]`.
    case other(String, String?)
}

extension ResponseCode {
    func write(into buffer: inout ByteBuffer) {
        func simple(_ name: String) { buffer.writeString(name) }
        switch self {
        case .alert: simple("ALERT")
        case .badCharset(let charsets):
            simple("BADCHARSET")
            if !charsets.isEmpty { buffer.writeString(" (" + charsets.joined(separator: " ") + ")") }
        case .capability(let capabilities):
            simple("CAPABILITY")
            for capability in capabilities { buffer.writeString(" " + capability.name) }
        case .parse: simple("PARSE")
        case .permanentFlags(let flags):
            buffer.writeString("PERMANENTFLAGS (")
            let names = flags.map { flag -> String in
                switch flag {
                case .flag(let flag): return flag.wireForm
                case .wildcard: return "\\*"
                }
            }
            buffer.writeString(names.joined(separator: " ") + ")")
        case .readOnly: simple("READ-ONLY")
        case .readWrite: simple("READ-WRITE")
        case .tryCreate: simple("TRYCREATE")
        case .uidNext(let value): simple("UIDNEXT \(value)")
        case .uidValidity(let value): simple("UIDVALIDITY \(value)")
        case .unseen(let value): simple("UNSEEN \(value)")
        case .appendUID(let validity, let uids): simple("APPENDUID \(validity) \(uids.wireForm)")
        case .copyUID(let validity, let source, let destination):
            simple("COPYUID \(validity) \(source.wireForm) \(destination.wireForm)")
        case .uidNotSticky: simple("UIDNOTSTICKY")
        case .highestModSeq(let value): simple("HIGHESTMODSEQ \(value)")
        case .noModSeq: simple("NOMODSEQ")
        case .modified(let set): simple("MODIFIED \(set.wireForm)")
        case .closed: simple("CLOSED")
        case .unavailable: simple("UNAVAILABLE")
        case .authenticationFailed: simple("AUTHENTICATIONFAILED")
        case .authorizationFailed: simple("AUTHORIZATIONFAILED")
        case .expired: simple("EXPIRED")
        case .privacyRequired: simple("PRIVACYREQUIRED")
        case .contactAdmin: simple("CONTACTADMIN")
        case .noPerm: simple("NOPERM")
        case .inUse: simple("INUSE")
        case .expungeIssued: simple("EXPUNGEISSUED")
        case .corruption: simple("CORRUPTION")
        case .serverBug: simple("SERVERBUG")
        case .clientBug: simple("CLIENTBUG")
        case .cannot: simple("CANNOT")
        case .limit: simple("LIMIT")
        case .overQuota: simple("OVERQUOTA")
        case .alreadyExists: simple("ALREADYEXISTS")
        case .nonExistent: simple("NONEXISTENT")
        case .tooBig: simple("TOOBIG")
        case .notSaved: simple("NOTSAVED")
        case .hasChildren: simple("HASCHILDREN")
        case .unknownCTE: simple("UNKNOWN-CTE")
        case .mailboxID(let id): simple("MAILBOXID (\(id))")
        case .other(let name, let text):
            simple(name)
            if let text {
                buffer.writeString(" ")
                // 1*<any TEXT-CHAR except "]">
                buffer.writeString(IMAPString.sanitizedText(text).replacingBytes(.closeBracket, with: .space))
            }
        }
    }
}

extension String {
    fileprivate func replacingBytes(_ old: UInt8, with new: UInt8) -> String {
        String(decoding: self.utf8.map { $0 == old ? new : $0 }, as: UTF8.self)
    }
}
