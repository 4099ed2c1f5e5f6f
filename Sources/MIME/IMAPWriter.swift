// Writes IMAP values (RFC 9051 §4.3 strings, §4.5 NIL, parenthesised lists) for ENVELOPE and
// BODYSTRUCTURE.
//
// Invariants:
// - A string is written quoted when it is short and only has 7-bit characters other than CR, LF
//   and NUL (backslash and double quote escaped, RFC 9051 §4.3); otherwise as a synchronising
//   literal `{n}\r\n...` whose n counts UTF-8 bytes. NUL cannot appear in either form and is dropped.
import Foundation

struct IMAPWriter {
    /// Strings longer than this many bytes are written as literals.
    static let maxQuotedLength = 1024

    var out = ""

    mutating func raw(_ s: String) { out += s }

    mutating func number(_ n: Int) { out += String(n) }

    mutating func nilValue() { out += "NIL" }

    mutating func nstring(_ s: String?) {
        if let s { string(s) } else { nilValue() }
    }

    mutating func string(_ s: String) {
        var value = s
        if value.utf8.contains(0) {
            value = String(String.UnicodeScalarView(value.unicodeScalars.filter { $0 != "\0" }))
        }
        let utf8 = value.utf8
        let quotable =
            utf8.count <= IMAPWriter.maxQuotedLength
            && utf8.allSatisfy { $0 >= 0x01 && $0 < 0x80 && $0 != ASCII.cr && $0 != ASCII.lf }
        if quotable {
            out += "\""
            if utf8.contains(where: { $0 == ASCII.backslash || $0 == ASCII.quote }) {
                for scalar in value.unicodeScalars {
                    if scalar == "\\" || scalar == "\"" { out += "\\" }
                    out.unicodeScalars.append(scalar)
                }
            } else {
                out += value
            }
            out += "\""
        } else {
            out += "{\(utf8.count)}\r\n"
            out += value
        }
    }

    /// "(" a SP b ... ")" or NIL for an empty list.
    mutating func stringList(_ items: [String]?) {
        guard let items, !items.isEmpty else { return nilValue() }
        out += "("
        for (k, item) in items.enumerated() {
            if k > 0 { out += " " }
            string(item)
        }
        out += ")"
    }

    /// body-fld-param = "(" string SP string *(SP string SP string) ")" / nil
    mutating func parameters(_ params: [MIMEParameter]) {
        guard !params.isEmpty else { return nilValue() }
        out += "("
        for (k, p) in params.enumerated() {
            if k > 0 { out += " " }
            string(p.imapName)
            out += " "
            string(p.rawValue)
        }
        out += ")"
    }
}
