// IMAP BODY / BODYSTRUCTURE (RFC 9051 §7.5.2 "body", RFC 3501 §7.4.2) built from the part tree.
//
// Invariants and choices (documented because clients see them):
// - Type, subtype, disposition type and encoding are written in their original case; defaults are
//   lowercase ("text" "plain", "7bit"), like Dovecot. Parameter names and values are
//   sent as written (RFC 2231 extended parameters as `"name*" "charset'lang'%XX"`, Dovecot's form).
// - text/* parts without a charset get ("charset" "us-ascii") (RFC 2045 §5.2), like Dovecot.
// - size is the octet count of the encoded body as stored; lines counts its LF characters.
// - A multipart with no body parts gets Dovecot's placeholder child
//   ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 [NIL NIL NIL NIL]), since RFC 9051
//   needs 1*body.
// - message/rfc822 or message/global that could not be parsed as a message (base64/QP encoded, or
//   past a limit) is reported as "application" "octet-stream" so that clients never expect an
//   envelope that is not there; a multipart past the nesting limit likewise.
import Foundation

public indirect enum BodyStructure: Sendable, Codable, Equatable {
    case single(SinglePart)
    case multipart(Multipart)

    /// body-type-1part fields.
    public struct SinglePart: Sendable, Codable, Equatable {
        public var type: String
        public var subtype: String
        public var parameters: [MIMEParameter]
        public var id: String?
        public var description: String?
        public var encoding: String
        public var size: Int
        /// Lines of the encoded body, for text/* and message/rfc822 parts.
        public var lines: Int?
        /// Envelope and structure of an encapsulated message (body-type-msg).
        public var message: EncapsulatedMessage?
        // body-ext-1part
        public var md5: String?
        public var disposition: ContentDisposition?
        public var language: [String]?
        public var location: String?

        public init(
            type: String, subtype: String, parameters: [MIMEParameter] = [], id: String? = nil,
            description: String? = nil, encoding: String = "7bit", size: Int, lines: Int? = nil,
            message: EncapsulatedMessage? = nil, md5: String? = nil, disposition: ContentDisposition? = nil,
            language: [String]? = nil, location: String? = nil
        ) {
            self.type = type
            self.subtype = subtype
            self.parameters = parameters
            self.id = id
            self.description = description
            self.encoding = encoding
            self.size = size
            self.lines = lines
            self.message = message
            self.md5 = md5
            self.disposition = disposition
            self.language = language
            self.location = location
        }
    }

    public struct EncapsulatedMessage: Sendable, Codable, Equatable {
        public var envelope: Envelope
        public var body: BodyStructure

        public init(envelope: Envelope, body: BodyStructure) {
            self.envelope = envelope
            self.body = body
        }
    }

    /// body-type-mpart fields.
    public struct Multipart: Sendable, Codable, Equatable {
        public var parts: [BodyStructure]
        public var subtype: String
        // body-ext-mpart
        public var parameters: [MIMEParameter]
        public var disposition: ContentDisposition?
        public var language: [String]?
        public var location: String?

        public init(
            parts: [BodyStructure], subtype: String, parameters: [MIMEParameter] = [],
            disposition: ContentDisposition? = nil, language: [String]? = nil, location: String? = nil
        ) {
            self.parts = parts
            self.subtype = subtype
            self.parameters = parameters
            self.disposition = disposition
            self.language = language
            self.location = location
        }
    }

    /// Dovecot's stand-in for the missing body part of an empty multipart.
    public static let emptyPart = BodyStructure.single(
        SinglePart(
            type: "text", subtype: "plain", parameters: [MIMEParameter(name: "charset", value: "us-ascii")], size: 0,
            lines: 0))

    /// BODYSTRUCTURE (extended: true) or BODY (extended: false) in IMAP syntax.
    public func imapString(extended: Bool) -> String {
        var w = IMAPWriter()
        write(to: &w, extended: extended)
        return w.out
    }

    func write(to w: inout IMAPWriter, extended: Bool) {
        switch self {
        case .single(let p):
            w.raw("(")
            w.string(p.type)
            w.raw(" ")
            w.string(p.subtype)
            w.raw(" ")
            w.parameters(p.parameters)
            w.raw(" ")
            w.nstring(p.id)
            w.raw(" ")
            w.nstring(p.description)
            w.raw(" ")
            w.string(p.encoding)
            w.raw(" ")
            w.number(p.size)
            if let m = p.message {
                // body-type-msg = media-message SP body-fields SP envelope SP body SP body-fld-lines
                w.raw(" ")
                m.envelope.write(to: &w)
                w.raw(" ")
                m.body.write(to: &w, extended: extended)
                w.raw(" ")
                w.number(p.lines ?? 0)
            } else if let lines = p.lines {
                // body-type-text = media-text SP body-fields SP body-fld-lines
                w.raw(" ")
                w.number(lines)
            }
            if extended {
                // body-ext-1part = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
                w.raw(" ")
                w.nstring(p.md5)
                w.raw(" ")
                BodyStructure.writeDisposition(p.disposition, to: &w)
                w.raw(" ")
                w.stringList(p.language)
                w.raw(" ")
                w.nstring(p.location)
            }
            w.raw(")")
        case .multipart(let m):
            // body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]
            w.raw("(")
            if m.parts.isEmpty {
                BodyStructure.emptyPart.write(to: &w, extended: extended)
            }
            for part in m.parts { part.write(to: &w, extended: extended) }
            w.raw(" ")
            w.string(m.subtype)
            if extended {
                // body-ext-mpart = body-fld-param [SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc]]]
                w.raw(" ")
                w.parameters(m.parameters)
                w.raw(" ")
                BodyStructure.writeDisposition(m.disposition, to: &w)
                w.raw(" ")
                w.stringList(m.language)
                w.raw(" ")
                w.nstring(m.location)
            }
            w.raw(")")
        }
    }

    /// body-fld-dsp = "(" string SP body-fld-param ")" / nil
    static func writeDisposition(_ d: ContentDisposition?, to w: inout IMAPWriter) {
        guard let d else { return w.nilValue() }
        w.raw("(")
        w.string(d.type)
        w.raw(" ")
        w.parameters(d.parameters)
        w.raw(")")
    }
}

extension Part {
    /// The BODYSTRUCTURE of this part (and everything below it).
    public var bodyStructure: BodyStructure {
        switch kind {
        case .multipart:
            return .multipart(
                BodyStructure.Multipart(
                    parts: children.map(\.bodyStructure), subtype: contentType.subtype,
                    parameters: contentType.parameters, disposition: disposition, language: languages,
                    location: contentLocation))
        case .single, .message:
            var type = contentType.type
            var subtype = contentType.subtype
            var params = contentType.parameters
            var message: BodyStructure.EncapsulatedMessage? = nil
            var lines: Int? = nil
            if kind == .message, let inner = children.first {
                message = BodyStructure.EncapsulatedMessage(
                    envelope: Envelope(header: inner.header), body: inner.bodyStructure)
                lines = bodyLines ?? 0
            } else if contentType.isEncapsulatedMessage || contentType.isMultipart {
                type = "application"
                subtype = "octet-stream"
            } else if contentType.isText {
                lines = bodyLines ?? 0
                if !params.contains(where: { $0.name == "charset" }) {
                    params.append(MIMEParameter(name: "charset", value: "us-ascii"))
                }
            }
            let token = transferEncodingToken
            return .single(
                BodyStructure.SinglePart(
                    type: type, subtype: subtype, parameters: params, id: contentID, description: contentDescription,
                    encoding: token.isEmpty ? "7bit" : token, size: bodySize, lines: lines, message: message,
                    md5: contentMD5, disposition: disposition, language: languages, location: contentLocation))
        }
    }
}
