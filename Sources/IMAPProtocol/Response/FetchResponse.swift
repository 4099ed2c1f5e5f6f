// FetchResponse: a `* n FETCH (...)` response as a stream of parts (RFC 9051 §7.5.2).
//
// Invariants:
// - A FETCH response is: `.start`, any mix of `.simpleAttribute` and streamed attributes
//   (`.streamingBegin`, the body bytes, `.streamingEnd`), then `.finish`.
// - After `.streamingBegin(kind:size:)` exactly `size` octets must follow, written by the caller
//   (straight from a file) or through `.streamingBytes`; the encoder does not buffer or count them.
// - ENVELOPE and BODYSTRUCTURE values are already-encoded bytes supplied by the server.

import NIOCore

/// One part of a streamed FETCH response.
public enum FetchResponse: Sendable, Hashable {
    /// `* <sequenceNumber> FETCH (`
    case start(sequenceNumber: UInt32)
    case simpleAttribute(MessageAttribute)
    /// The attribute name and literal header: `BODY[1]<0> {size}` CRLF (or `~{size}` when `literal8`).
    case streamingBegin(kind: StreamingKind, size: Int, literal8: Bool = false)
    /// Raw body bytes, written unchanged.
    case streamingBytes(ByteBuffer)
    case streamingEnd
    /// `)` CRLF
    case finish
}

/// The attribute a streamed literal belongs to.
public enum StreamingKind: Sendable, Hashable {
    /// `BODY[section]<origin>` (origin only when the client asked for a partial).
    case body(section: SectionSpecifier, origin: UInt64?)
    /// `BINARY[part]<origin>` (RFC 3516 §4.2).
    case binary(part: [UInt32], origin: UInt64?)
    case rfc822
    case rfc822Header
    case rfc822Text
}

/// `msg-att-dynamic / msg-att-static` values that are small enough to be one value.
public enum MessageAttribute: Sendable, Hashable {
    case flags([Flag])
    case uid(UInt32)
    case internalDate(IMAPDateTime)
    case rfc822Size(UInt64)
    /// The encoded `envelope` (from the MIME target), written as-is.
    case envelope(raw: ByteBuffer)
    /// The encoded `body`: `BODYSTRUCTURE` when `extended`, else `BODY`.
    case bodyStructure(raw: ByteBuffer, extended: Bool)
    /// A small body section sent as a literal (or NIL).
    case body(section: SectionSpecifier, origin: UInt64?, data: ByteBuffer?)
    case binary(part: [UInt32], origin: UInt64?, data: ByteBuffer?)
    case binarySize(part: [UInt32], size: UInt64)
    case rfc822(ByteBuffer?)
    case rfc822Header(ByteBuffer?)
    case rfc822Text(ByteBuffer?)
    /// RFC 7162 §3.1.4.1
    case modSeq(UInt64)
    /// RFC 8474 §5.1
    case emailID(String)
    case threadID(String?)
    /// RFC 8514 §4
    case saveDate(IMAPDateTime?)
    /// RFC 8970 §3
    case preview(String?)
}

extension StreamingKind {
    func write(into buffer: inout ByteBuffer) {
        switch self {
        case .body(let section, let origin):
            buffer.writeString("BODY")
            section.write(into: &buffer)
            if let origin { buffer.writeString("<\(origin)>") }
        case .binary(let part, let origin):
            buffer.writeString("BINARY")
            SectionSpecifier.writeBinaryPart(part, into: &buffer)
            if let origin { buffer.writeString("<\(origin)>") }
        case .rfc822: buffer.writeString("RFC822")
        case .rfc822Header: buffer.writeString("RFC822.HEADER")
        case .rfc822Text: buffer.writeString("RFC822.TEXT")
        }
    }
}

extension MessageAttribute {
    func write(into buffer: inout ByteBuffer, options: ResponseEncodingOptions) {
        switch self {
        case .flags(let flags):
            buffer.writeString("FLAGS (")
            for (i, flag) in flags.enumerated() {
                if i > 0 { buffer.writeInteger(UInt8.space) }
                buffer.writeString(flag.wireForm)
            }
            buffer.writeString(")")
        case .uid(let uid):
            buffer.writeString("UID ")
            buffer.writeDecimal(uid)
        case .internalDate(let date):
            buffer.writeString("INTERNALDATE \"\(date)\"")
        case .rfc822Size(let size):
            buffer.writeString("RFC822.SIZE ")
            buffer.writeDecimal(size)
        case .envelope(let raw):
            buffer.writeString("ENVELOPE ")
            buffer.writeImmutableBuffer(raw)
        case .bodyStructure(let raw, let extended):
            buffer.writeString(extended ? "BODYSTRUCTURE " : "BODY ")
            buffer.writeImmutableBuffer(raw)
        case .body(let section, let origin, let data):
            StreamingKind.body(section: section, origin: origin).write(into: &buffer)
            buffer.writeInteger(UInt8.space)
            IMAPString.writeNLiteral(data, into: &buffer)
        case .binary(let part, let origin, let data):
            StreamingKind.binary(part: part, origin: origin).write(into: &buffer)
            buffer.writeInteger(UInt8.space)
            // RFC 3516 §4.2: literal8 when the content contains NUL.
            let binary = data.map { $0.readableBytesView.contains(0) } ?? false
            IMAPString.writeNLiteral(data, into: &buffer, literal8: binary)
        case .binarySize(let part, let size):
            buffer.writeString("BINARY.SIZE")
            SectionSpecifier.writeBinaryPart(part, into: &buffer)
            buffer.writeString(" \(size)")
        case .rfc822(let data):
            buffer.writeString("RFC822 ")
            IMAPString.writeNLiteral(data, into: &buffer)
        case .rfc822Header(let data):
            buffer.writeString("RFC822.HEADER ")
            IMAPString.writeNLiteral(data, into: &buffer)
        case .rfc822Text(let data):
            buffer.writeString("RFC822.TEXT ")
            IMAPString.writeNLiteral(data, into: &buffer)
        case .modSeq(let value):
            buffer.writeString("MODSEQ (")
            buffer.writeDecimal(value)
            buffer.writeString(")")
        case .emailID(let id):
            buffer.writeString("EMAILID (\(id))")
        case .threadID(let id):
            buffer.writeString(id.map { "THREADID (\($0))" } ?? "THREADID NIL")
        case .saveDate(let date):
            buffer.writeString(date.map { "SAVEDATE \"\($0)\"" } ?? "SAVEDATE NIL")
        case .preview(let text):
            buffer.writeString("PREVIEW ")
            IMAPString.writeNString(text.map { Array($0.utf8) }, into: &buffer, options: options)
        }
    }
}
