import Foundation
import Testing

/// One message shape with its expected IMAP ENVELOPE and BODYSTRUCTURE.
struct Shape: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let envelope: String
    let bodyStructure: String

    var testDescription: String { name }
}

private let std = """
    From: Alice Example <alice@example.com>
    To: Bob Example <bob@example.org>
    Subject: Test
    Date: Mon, 2 Jan 2023 10:00:00 +0000
    Message-ID: <m1@example.com>

    """

private let stdEnvelope =
    #"("Mon, 2 Jan 2023 10:00:00 +0000" "Test" (("Alice Example" NIL "alice" "example.com")) "#
    + #"(("Alice Example" NIL "alice" "example.com")) (("Alice Example" NIL "alice" "example.com")) "#
    + #"(("Bob Example" NIL "bob" "example.org")) NIL NIL NIL "<m1@example.com>")"#

/// The corpus: at least 30 shapes of real-world messages.
enum Corpus {
    static let shapes: [Shape] = [
        Shape(
            name: "plain text",
            bytes: crlf(
                std + """
                    MIME-Version: 1.0
                    Content-Type: text/plain; charset=utf-8
                    Content-Transfer-Encoding: 7bit

                    Hello Bob,
                    this is plain text.
                    """),
            envelope: stdEnvelope,
            bodyStructure: #"("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 31 1 NIL NIL NIL NIL)"#
        ),
        Shape(
            name: "multipart/alternative text+html",
            bytes: crlf(
                std + """
                    MIME-Version: 1.0
                    Content-Type: multipart/alternative; boundary="alt-1"

                    --alt-1
                    Content-Type: text/plain; charset="UTF-8"
                    Content-Transfer-Encoding: quoted-printable

                    Caf=C3=A9 au lait
                    --alt-1
                    Content-Type: text/html; charset="UTF-8"
                    Content-Transfer-Encoding: quoted-printable

                    <html><body><p>Caf=C3=A9 <b>au</b> lait</p></body></html>
                    --alt-1--
                    """),
            envelope: stdEnvelope,
            bodyStructure:
                #"(("text" "plain" ("charset" "UTF-8") NIL NIL "quoted-printable" 17 0 NIL NIL NIL NIL)("text" "html" "#
                + #"("charset" "UTF-8") NIL NIL "quoted-printable" 57 0 NIL NIL NIL NIL) "alternative" ("boundary" "#
                + #""alt-1") NIL NIL NIL)"#
        ),
        Shape(
            name: "multipart/related with inline images",
            bytes: crlf(
                std + """
                    MIME-Version: 1.0
                    Content-Type: multipart/related; boundary="rel"; type="text/html"

                    --rel
                    Content-Type: text/html; charset=us-ascii

                    <html><body><img src="cid:logo@x"><img src="cid:pic@x"></body></html>
                    --rel
                    Content-Type: image/png; name="logo.png"
                    Content-Transfer-Encoding: base64
                    Content-ID: <logo@x>
                    Content-Disposition: inline; filename="logo.png"

                    iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA
                    --rel
                    Content-Type: image/jpeg
                    Content-Transfer-Encoding: base64
                    Content-ID: <pic@x>
                    Content-Disposition: inline

                    /9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//
                    --rel--
                    """),
            envelope: stdEnvelope,
            bodyStructure:
                #"(("text" "html" ("charset" "us-ascii") NIL NIL "7bit" 69 0 NIL NIL NIL NIL)("image" "png" ("name" "#
                + #""logo.png") "<logo@x>" NIL "base64" 72 NIL ("inline" ("filename" "logo.png")) NIL NIL)("image" "#
                + #""jpeg" NIL "<pic@x>" NIL "base64" 36 NIL ("inline" NIL) NIL NIL) "related" ("boundary" "rel" "type" "#
                + #""text/html") NIL NIL NIL)"#
        ),
        Shape(
            name: "multipart/mixed with RFC 2231 filenames",
            bytes: crlf(
                std + """
                    MIME-Version: 1.0
                    Content-Type: multipart/mixed; boundary=mix

                    --mix
                    Content-Type: text/plain; charset=us-ascii

                    See attached.
                    --mix
                    Content-Type: application/pdf
                    Content-Transfer-Encoding: base64
                    Content-Disposition: attachment; filename*=UTF-8''R%C3%A9sum%C3%A9.pdf

                    JVBERi0xLjQK
                    --mix
                    Content-Type: text/plain; charset=us-ascii
                    Content-Disposition: attachment;
                     filename*0*=utf-8'en'long%20;
                     filename*1="name.txt"

                    text file
                    --mix--
                    """),
            envelope: stdEnvelope,
            bodyStructure:
                #"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 13 0 NIL NIL NIL NIL)("application" "pdf" "#
                + #"NIL NIL NIL "base64" 12 NIL ("attachment" ("filename*" "UTF-8''R%C3%A9sum%C3%A9.pdf")) NIL "#
                + #"NIL)("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 9 0 NIL ("attachment" ("filename*" "#
                + #""utf-8'en'long%20name.txt")) NIL NIL) "mixed" ("boundary" "mix") NIL NIL NIL)"#
        ),
        Shape(
            name: "attachment with encoded-word filename",
            bytes: crlf(
                std + """
                    MIME-Version: 1.0
                    Content-Type: multipart/mixed; boundary="b1"

                    --b1
                    Content-Type: text/plain

                    body
                    --b1
                    Content-Type: application/octet-stream; name="=?UTF-8?B?w6TDtsO8LmJpbg==?="
                    Content-Disposition: attachment; filename="=?UTF-8?B?w6TDtsO8LmJpbg==?="
                    Content-Transfer-Encoding: base64

                    AAECAw==
                    --b1--
                    """),
            envelope: stdEnvelope,
            bodyStructure:
                #"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 4 0 NIL NIL NIL NIL)("application" "#
                + #""octet-stream" ("name" "=?UTF-8?B?w6TDtsO8LmJpbg==?=") NIL NIL "base64" 8 NIL ("attachment" "#
                + #"("filename" "=?UTF-8?B?w6TDtsO8LmJpbg==?=")) NIL NIL) "mixed" ("boundary" "b1") NIL NIL NIL)"#
        ),
        Shape(
            name: "nested message/rfc822",
            bytes: crlf(
                std + """
                    MIME-Version: 1.0
                    Content-Type: multipart/mixed; boundary="outer"

                    --outer
                    Content-Type: text/plain

                    Forwarded message below.
                    --outer
                    Content-Type: message/rfc822

                    From: Carol <carol@example.net>
                    To: Alice Example <alice@example.com>
                    Subject: Original
                    Date: Sun, 1 Jan 2023 09:00:00 -0500
                    Message-ID: <orig@example.net>

                    Original text.
                    --outer--
                    """),
            envelope: stdEnvelope,
            bodyStructure:
                #"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 24 0 NIL NIL NIL NIL)("message" "rfc822" NIL "#
                + #"NIL NIL "7bit" 177 ("Sun, 1 Jan 2023 09:00:00 -0500" "Original" (("Carol" NIL "carol" "#
                + #""example.net")) (("Carol" NIL "carol" "example.net")) (("Carol" NIL "carol" "example.net")) "#
                + #"(("Alice Example" NIL "alice" "example.com")) NIL NIL NIL "<orig@example.net>") ("text" "plain" "#
                + #"("charset" "us-ascii") NIL NIL "7bit" 14 0 NIL NIL NIL NIL) 6 NIL NIL NIL NIL) "mixed" ("boundary" "#
                + #""outer") NIL NIL NIL)"#
        ),
        Shape(
            name: "message/rfc822 containing a multipart containing message/rfc822",
            bytes: crlf(
                std + """
                    MIME-Version: 1.0
                    Content-Type: message/rfc822

                    From: Dave <dave@example.net>
                    Subject: Level 1
                    MIME-Version: 1.0
                    Content-Type: multipart/mixed; boundary="L1"

                    --L1
                    Content-Type: text/plain

                    Level 1 text
                    --L1
                    Content-Type: message/rfc822

                    From: Erin <erin@example.net>
                    Subject: Level 2

                    Level 2 text
                    --L1--
                    """),
            envelope: stdEnvelope,
            bodyStructure:
                #"("message" "rfc822" NIL NIL NIL "7bit" 273 (NIL "Level 1" (("Dave" NIL "dave" "example.net")) "#
                + #"(("Dave" NIL "dave" "example.net")) (("Dave" NIL "dave" "example.net")) NIL NIL NIL NIL NIL) "#
                + #"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 12 0 NIL NIL NIL NIL)("message" "rfc822" NIL "#
                + #"NIL NIL "7bit" 63 (NIL "Level 2" (("Erin" NIL "erin" "example.net")) (("Erin" NIL "erin" "#
                + #""example.net")) (("Erin" NIL "erin" "example.net")) NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "#
                + #""us-ascii") NIL NIL "7bit" 12 0 NIL NIL NIL NIL) 3 NIL NIL NIL NIL) "mixed" ("boundary" "L1") NIL "#
                + #"NIL NIL) 16 NIL NIL NIL NIL)"#
        ),
        Shape(
            name: "multipart/digest",
            bytes: crlf(
                std + """
                    MIME-Version: 1.0
                    Content-Type: multipart/digest; boundary="dig"

                    --dig

                    From: One <one@example.net>
                    Subject: First

                    First body
                    --dig

                    From: Two <two@example.net>
                    Subject: Second

                    Second body
                    --dig--
                    """),
            envelope: stdEnvelope,
            bodyStructure:
                #"(("message" "rfc822" NIL NIL NIL "7bit" 57 (NIL "First" (("One" NIL "one" "example.net")) (("One" "#
                + #"NIL "one" "example.net")) (("One" NIL "one" "example.net")) NIL NIL NIL NIL NIL) ("text" "plain" "#
                + #"("charset" "us-ascii") NIL NIL "7bit" 10 0 NIL NIL NIL NIL) 3 NIL NIL NIL NIL)("message" "rfc822" "#
                + #"NIL NIL NIL "7bit" 59 (NIL "Second" (("Two" NIL "two" "example.net")) (("Two" NIL "two" "#
                + #""example.net")) (("Two" NIL "two" "example.net")) NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "#
                + #""us-ascii") NIL NIL "7bit" 11 0 NIL NIL NIL NIL) 3 NIL NIL NIL NIL) "digest" ("boundary" "dig") NIL "#
                + #"NIL NIL)"#
        ),
        Shape(
            name: "missing closing boundary",
            bytes: crlf(
                std + """
                    MIME-Version: 1.0
                    Content-Type: multipart/mixed; boundary="open"

                    --open
                    Content-Type: text/plain

                    first
                    --open
                    Content-Type: text/plain

                    second, never closed

                    """),
            envelope: stdEnvelope,
            bodyStructure:
                #"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 5 0 NIL NIL NIL NIL)("text" "plain" "#
                + #"("charset" "us-ascii") NIL NIL "7bit" 22 1 NIL NIL NIL NIL) "mixed" ("boundary" "open") NIL NIL NIL)"#
        ),
        Shape(
            name: "boundary never present in body",
            bytes: crlf(
                std + """
                    MIME-Version: 1.0
                    Content-Type: multipart/mixed; boundary="absent"

                    --other
                    Content-Type: text/plain

                    hello
                    --other--
                    """),
            envelope: stdEnvelope,
            bodyStructure: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 53 4 NIL NIL NIL NIL)"#
        ),
        Shape(
            name: "empty multipart",
            bytes: crlf(
                std + """
                    MIME-Version: 1.0
                    Content-Type: multipart/mixed; boundary="empty"

                    --empty--
                    """),
            envelope: stdEnvelope,
            bodyStructure:
                #"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL) "mixed" ("boundary" "#
                + #""empty") NIL NIL NIL)"#
        ),
        Shape(
            name: "boundary with quotes, spaces and trailing whitespace",
            bytes: crlf(
                std + """
                    MIME-Version: 1.0
                    Content-Type: multipart/mixed;
                      boundary="=_Part 1 (of 2) =_"

                    preamble
                    --=_Part 1 (of 2) =_  \t
                    Content-Type: text/plain

                    one
                    --=_Part 1 (of 2) =_
                    Content-Type: text/plain

                    two
                    --=_Part 1 (of 2) =_-- \t
                    epilogue
                    """),
            envelope: stdEnvelope,
            bodyStructure:
                #"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 3 0 NIL NIL NIL NIL)("text" "plain" "#
                + #"("charset" "us-ascii") NIL NIL "7bit" 3 0 NIL NIL NIL NIL) "mixed" ("boundary" "=_Part 1 (of 2) "#
                + #"=_") NIL NIL NIL)"#
        ),
        Shape(
            name: "8-bit raw UTF-8 headers",
            bytes: crlf(
                """
                From: Jürgen Müller <jürgen@bücher.example>
                To: Zoë <zoe@example.org>
                Subject: Grüße aus Köln
                Date: Tue, 3 Jan 2023 12:00:00 +0100
                Message-ID: <utf8@example.com>
                MIME-Version: 1.0
                Content-Type: text/plain; charset=utf-8
                Content-Transfer-Encoding: 8bit

                Schöne Grüße!
                """),
            envelope: #"("Tue, 3 Jan 2023 12:00:00 +0100" {17}\#r\#nGrüße aus Köln (({15}\#r\#nJürgen Müller NIL "#
                + #"{7}\#r\#njürgen {15}\#r\#nbücher.example)) (({15}\#r\#nJürgen Müller NIL {7}\#r\#njürgen "#
                + #"{15}\#r\#nbücher.example)) (({15}\#r\#nJürgen Müller NIL {7}\#r\#njürgen {15}\#r\#nbücher.example)) "#
                + #"(({4}\#r\#nZoë NIL "zoe" "example.org")) NIL NIL NIL "<utf8@example.com>")"#,
            bodyStructure: #"("text" "plain" ("charset" "utf-8") NIL NIL "8bit" 16 0 NIL NIL NIL NIL)"#
        ),
        Shape(
            name: "Latin-1 raw headers",
            bytes: Array(
                "From: Ren".utf8) + [0xE9] + Array(" <rene@example.fr>\r\nTo: bob@example.org\r\nSubject: Caf".utf8)
                + [0xE9]
                + Array(
                    " cr\r\nDate: Wed, 4 Jan 2023 08:00:00 +0100\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\nCaf"
                        .utf8) + [0xE9, 0x0D, 0x0A],
            envelope: #"("Wed, 4 Jan 2023 08:00:00 +0100" {8}\#r\#nCafé cr (({5}\#r\#nRené NIL "rene" "example.fr")) "#
                + #"(({5}\#r\#nRené NIL "rene" "example.fr")) (({5}\#r\#nRené NIL "rene" "example.fr")) ((NIL NIL "bob" "#
                + #""example.org")) NIL NIL NIL NIL)"#,
            bodyStructure: #"("text" "plain" ("charset" "iso-8859-1") NIL NIL "8bit" 6 1 NIL NIL NIL NIL)"#
        ),
        Shape(
            name: "multipart without MIME-Version",
            bytes: crlf(
                std + """
                    Content-Type: multipart/mixed; boundary="nv"

                    --nv
                    Content-Type: text/plain

                    no version header
                    --nv--
                    """),
            envelope: stdEnvelope,
            bodyStructure:
                #"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 17 0 NIL NIL NIL NIL) "mixed" ("boundary" "#
                + #""nv") NIL NIL NIL)"#
        ),
        Shape(
            name: "no Content-Type",
            bytes: crlf(std + "\nJust text, no MIME headers at all.\n"),
            envelope: stdEnvelope,
            bodyStructure: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 36 1 NIL NIL NIL NIL)"#
        ),
        Shape(
            name: "Content-Type without charset",
            bytes: crlf(
                std + """
                    MIME-Version: 1.0
                    Content-Type: text/html

                    <p>hi</p>
                    """),
            envelope: stdEnvelope,
            bodyStructure: #"("text" "html" ("charset" "us-ascii") NIL NIL "7bit" 9 0 NIL NIL NIL NIL)"#
        ),
        Shape(
            name: "invalid Content-Transfer-Encoding",
            bytes: crlf(
                std + """
                    MIME-Version: 1.0
                    Content-Type: text/plain; charset=us-ascii
                    Content-Transfer-Encoding: x-bogus (really)

                    body
                    """),
            envelope: stdEnvelope,
            bodyStructure: #"("text" "plain" ("charset" "us-ascii") NIL NIL "x-bogus" 4 0 NIL NIL NIL NIL)"#
        ),
        Shape(
            name: "base64 with junk",
            bytes: crlf(
                std + """
                    MIME-Version: 1.0
                    Content-Type: text/plain; charset=utf-8
                    Content-Transfer-Encoding: base64

                    SGVs bG8s*IHdv
                    cmxk!IQ==
                    ???
                    """),
            envelope: stdEnvelope,
            bodyStructure: #"("text" "plain" ("charset" "utf-8") NIL NIL "base64" 30 2 NIL NIL NIL NIL)"#
        ),
        Shape(
            name: "quoted-printable soft line breaks",
            bytes: crlf(
                std + """
                    MIME-Version: 1.0
                    Content-Type: text/plain; charset=utf-8
                    Content-Transfer-Encoding: quoted-printable

                    This is a long line that has been wrapped by the quoted-printable enc=
                    oder, with a bad escape =ZZ and an equals =3D sign.=20
                    Second line=\t
                    joined.
                    """),
            envelope: stdEnvelope,
            bodyStructure: #"("text" "plain" ("charset" "utf-8") NIL NIL "quoted-printable" 150 3 NIL NIL NIL NIL)"#
        ),
        Shape(
            name: "2000-character lines",
            bytes: crlf(
                std + "MIME-Version: 1.0\nContent-Type: text/plain\n\n" + String(repeating: "x", count: 2000) + "\n"
                    + String(repeating: "y", count: 2000) + "\n"),
            envelope: stdEnvelope,
            bodyStructure: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 4004 2 NIL NIL NIL NIL)"#
        ),
        Shape(
            name: "empty body",
            bytes: crlf(std),
            envelope: stdEnvelope,
            bodyStructure: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL)"#
        ),
        Shape(
            name: "missing blank line before the body",
            bytes: crlf(std + "Content-Type: text/plain\nThis line has no colon, so the body starts here.\n"),
            envelope: stdEnvelope,
            bodyStructure: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 50 1 NIL NIL NIL NIL)"#
        ),
        Shape(
            name: "header only, no blank line",
            bytes: crlf("From: alice@example.com\nSubject: header only\n"),
            envelope:
                #"(NIL "header only" ((NIL NIL "alice" "example.com")) ((NIL NIL "alice" "example.com")) ((NIL NIL "#
                + #""alice" "example.com")) NIL NIL NIL NIL NIL)"#,
            bodyStructure: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL)"#
        ),
        Shape(
            name: "bare LF line ends",
            bytes: lf(
                std + """
                    MIME-Version: 1.0
                    Content-Type: multipart/alternative; boundary="lf"

                    --lf
                    Content-Type: text/plain

                    unix line ends
                    --lf
                    Content-Type: text/html

                    <p>unix</p>
                    --lf--

                    """),
            envelope: stdEnvelope,
            bodyStructure:
                #"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 14 0 NIL NIL NIL NIL)("text" "html" "#
                + #"("charset" "us-ascii") NIL NIL "7bit" 11 0 NIL NIL NIL NIL) "alternative" ("boundary" "lf") NIL NIL "#
                + #"NIL)"#
        ),
        Shape(
            name: "mixed CRLF and LF",
            bytes: Array(
                "From: alice@example.com\r\nTo: bob@example.org\nSubject: mixed\r\nContent-Type: multipart/mixed; boundary=m\n\r\n--m\r\nContent-Type: text/plain\n\nline one\r\nline two\n--m\nContent-Type: text/plain\r\n\r\nthree\r\n--m--\n"
                    .utf8),
            envelope:
                #"(NIL "mixed" ((NIL NIL "alice" "example.com")) ((NIL NIL "alice" "example.com")) ((NIL NIL "alice" "#
                + #""example.com")) ((NIL NIL "bob" "example.org")) NIL NIL NIL NIL)"#,
            bodyStructure:
                #"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 18 1 NIL NIL NIL NIL)("text" "plain" "#
                + #"("charset" "us-ascii") NIL NIL "7bit" 5 0 NIL NIL NIL NIL) "mixed" ("boundary" "m") NIL NIL NIL)"#
        ),
        Shape(
            name: "groups in To",
            bytes: crlf(
                """
                From: Alice Example <alice@example.com>
                To: Team: Bob <bob@example.org>, carol@example.org;, Other Group:;
                Cc: undisclosed-recipients:;
                Subject: groups

                body
                """),
            envelope: #"(NIL "groups" (("Alice Example" NIL "alice" "example.com")) (("Alice Example" NIL "alice" "#
                + #""example.com")) (("Alice Example" NIL "alice" "example.com")) ((NIL NIL "Team" NIL)("Bob" NIL "bob" "#
                + #""example.org")(NIL NIL "carol" "example.org")(NIL NIL NIL NIL)(NIL NIL "Other Group" NIL)(NIL NIL "#
                + #"NIL NIL)) ((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL)) NIL NIL NIL)"#,
            bodyStructure: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 4 0 NIL NIL NIL NIL)"#
        ),
        Shape(
            name: "broken address forms",
            bytes: crlf(
                """
                From: "Broken <alice@example.com
                To: Doe, John <john@example.org>, bare@example.org, <angle@example.org>, justaname
                Cc: =?UTF-8?Q?J=C3=B6rg?= <joerg@example.de>, "Last, First" <lf@example.com>
                Reply-To: reply@example.com (Reply Desk)
                Subject: broken addresses

                body
                """),
            envelope: #"(NIL "broken addresses" (("Broken" NIL "alice" "example.com")) (("Broken" NIL "alice" "#
                + #""example.com")) (("Reply Desk" NIL "reply" "example.com")) (("Doe, John" NIL "john" "#
                + #""example.org")(NIL NIL "bare" "example.org")(NIL NIL "angle" "example.org")(NIL NIL "justaname" "#
                + #""MISSING_DOMAIN")) (("=?UTF-8?Q?J=C3=B6rg?=" NIL "joerg" "example.de")("Last, First" NIL "lf" "#
                + #""example.com")) NIL NIL NIL)"#,
            bodyStructure: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 4 0 NIL NIL NIL NIL)"#
        ),
        Shape(
            name: "encoded-word subject ISO-2022-JP",
            bytes: crlf(
                """
                From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.jp>
                To: bob@example.org
                Subject: =?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=
                Content-Type: text/plain; charset=ISO-2022-JP
                Content-Transfer-Encoding: 7bit

                hello
                """),
            envelope: #"(NIL "=?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=" (("=?ISO-2022-JP?B?GyRCOzNFRBsoQg==?=" NIL "#
                + #""yamada" "example.jp")) (("=?ISO-2022-JP?B?GyRCOzNFRBsoQg==?=" NIL "yamada" "example.jp")) "#
                + #"(("=?ISO-2022-JP?B?GyRCOzNFRBsoQg==?=" NIL "yamada" "example.jp")) ((NIL NIL "bob" "example.org")) "#
                + #"NIL NIL NIL NIL)"#,
            bodyStructure: #"("text" "plain" ("charset" "ISO-2022-JP") NIL NIL "7bit" 5 0 NIL NIL NIL NIL)"#
        ),
        Shape(
            name: "encoded-word subject KOI8-R",
            bytes: crlf(
                """
                From: =?KOI8-R?B?6dfBzg==?= <ivan@example.ru>
                To: bob@example.org
                Subject: =?koi8-r?Q?=F0=D2=C9=D7=C5=D4?=
                Content-Type: text/plain; charset=koi8-r

                body
                """),
            envelope: #"(NIL "=?koi8-r?Q?=F0=D2=C9=D7=C5=D4?=" (("=?KOI8-R?B?6dfBzg==?=" NIL "ivan" "example.ru")) "#
                + #"(("=?KOI8-R?B?6dfBzg==?=" NIL "ivan" "example.ru")) (("=?KOI8-R?B?6dfBzg==?=" NIL "ivan" "#
                + #""example.ru")) ((NIL NIL "bob" "example.org")) NIL NIL NIL NIL)"#,
            bodyStructure: #"("text" "plain" ("charset" "koi8-r") NIL NIL "7bit" 4 0 NIL NIL NIL NIL)"#
        ),
        Shape(
            name: "encoded-word subject Windows-1252 and GB18030",
            bytes: crlf(
                """
                From: bob@example.org
                To: =?windows-1252?Q?Fran=E7ois_=93Quote=94?= <francois@example.fr>
                Subject: =?windows-1252?Q?caf=E9_=80?= =?GB18030?B?xOO6ww==?=
                Content-Type: text/plain; charset=gb18030

                body
                """),
            envelope:
                #"(NIL "=?windows-1252?Q?caf=E9_=80?= =?GB18030?B?xOO6ww==?=" ((NIL NIL "bob" "example.org")) ((NIL "#
                + #"NIL "bob" "example.org")) ((NIL NIL "bob" "example.org")) "#
                + #"(("=?windows-1252?Q?Fran=E7ois_=93Quote=94?=" NIL "francois" "example.fr")) NIL NIL NIL NIL)"#,
            bodyStructure: #"("text" "plain" ("charset" "gb18030") NIL NIL "7bit" 4 0 NIL NIL NIL NIL)"#
        ),
        Shape(
            name: "very long folded subject",
            bytes: crlf(
                "From: alice@example.com\nSubject: "
                    + (1...40).map { "word\($0)" }.joined(separator: "\n ") + "\n\nbody\n"),
            envelope:
                #"(NIL "word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12 word13 word14 "#
                + #"word15 word16 word17 word18 word19 word20 word21 word22 word23 word24 word25 word26 word27 word28 "#
                + #"word29 word30 word31 word32 word33 word34 word35 word36 word37 word38 word39 word40" ((NIL NIL "#
                + #""alice" "example.com")) ((NIL NIL "alice" "example.com")) ((NIL NIL "alice" "example.com")) NIL NIL "#
                + #"NIL NIL NIL)"#,
            bodyStructure: #"("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 6 1 NIL NIL NIL NIL)"#
        ),
        Shape(
            name: "duplicate headers",
            bytes: crlf(
                """
                From: First <first@example.com>
                From: Second <second@example.com>
                Subject: first subject
                Subject: second subject
                Content-Type: text/plain; charset=utf-8
                Content-Type: text/html

                body
                """),
            envelope:
                #"(NIL "first subject" (("First" NIL "first" "example.com")) (("First" NIL "first" "example.com")) "#
                + #"(("First" NIL "first" "example.com")) NIL NIL NIL NIL NIL)"#,
            bodyStructure: #"("text" "plain" ("charset" "utf-8") NIL NIL "7bit" 4 0 NIL NIL NIL NIL)"#
        ),
        Shape(
            name: "calendar invite",
            bytes: crlf(
                std + """
                    MIME-Version: 1.0
                    Content-Type: multipart/alternative; boundary="cal"

                    --cal
                    Content-Type: text/plain; charset=UTF-8

                    You are invited.
                    --cal
                    Content-Type: text/calendar; charset=UTF-8; method=REQUEST
                    Content-Transfer-Encoding: 7bit

                    BEGIN:VCALENDAR
                    METHOD:REQUEST
                    BEGIN:VEVENT
                    UID:1@example.com
                    DTSTART:20230110T100000Z
                    SUMMARY:Meeting
                    END:VEVENT
                    END:VCALENDAR
                    --cal--
                    """),
            envelope: stdEnvelope,
            bodyStructure:
                #"(("text" "plain" ("charset" "UTF-8") NIL NIL "7bit" 16 0 NIL NIL NIL NIL)("text" "calendar" "#
                + #"("charset" "UTF-8" "method" "REQUEST") NIL NIL "7bit" 134 7 NIL NIL NIL NIL) "alternative" "#
                + #"("boundary" "cal") NIL NIL NIL)"#
        ),
        Shape(
            name: "S/MIME multipart/signed",
            bytes: crlf(
                std + """
                    MIME-Version: 1.0
                    Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256;
                     boundary="sig"

                    This is an S/MIME signed message
                    --sig
                    Content-Type: text/plain; charset=us-ascii

                    Signed text.
                    --sig
                    Content-Type: application/pkcs7-signature; name="smime.p7s"
                    Content-Transfer-Encoding: base64
                    Content-Disposition: attachment; filename="smime.p7s"
                    Content-Description: S/MIME Cryptographic Signature

                    MIAGCSqGSIb3DQEHAqCAMIACAQExDzANBglghkgBZQMEAgEFADCABgkqhkiG9w0BBwEAAKCC
                    --sig--
                    """),
            envelope: stdEnvelope,
            bodyStructure:
                #"(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 12 0 NIL NIL NIL NIL)("application" "#
                + #""pkcs7-signature" ("name" "smime.p7s") NIL "S/MIME Cryptographic Signature" "base64" 72 NIL "#
                + #"("attachment" ("filename" "smime.p7s")) NIL NIL) "signed" ("protocol" "application/pkcs7-signature" "#
                + #""micalg" "sha-256" "boundary" "sig") NIL NIL NIL)"#
        ),
        Shape(
            name: "DSN multipart/report",
            bytes: crlf(
                """
                From: Mail Delivery System <MAILER-DAEMON@mx.example.org>
                To: alice@example.com
                Subject: Undelivered Mail Returned to Sender
                Date: Thu, 5 Jan 2023 10:00:00 +0000
                MIME-Version: 1.0
                Content-Type: multipart/report; report-type=delivery-status;
                	boundary="dsn"

                --dsn
                Content-Description: Notification
                Content-Type: text/plain; charset=us-ascii

                Your message could not be delivered.
                --dsn
                Content-Description: Delivery report
                Content-Type: message/delivery-status

                Reporting-MTA: dns; mx.example.org

                Final-Recipient: rfc822; nobody@example.org
                Action: failed
                Status: 5.1.1
                --dsn
                Content-Description: Undelivered Message Headers
                Content-Type: text/rfc822-headers

                From: alice@example.com
                Subject: hello
                --dsn--
                """),
            envelope:
                #"("Thu, 5 Jan 2023 10:00:00 +0000" "Undelivered Mail Returned to Sender" (("Mail Delivery System" "#
                + #"NIL "MAILER-DAEMON" "mx.example.org")) (("Mail Delivery System" NIL "MAILER-DAEMON" "#
                + #""mx.example.org")) (("Mail Delivery System" NIL "MAILER-DAEMON" "mx.example.org")) ((NIL NIL "#
                + #""alice" "example.com")) NIL NIL NIL NIL)"#,
            bodyStructure:
                #"(("text" "plain" ("charset" "us-ascii") NIL "Notification" "7bit" 36 0 NIL NIL NIL NIL)("message" "#
                + #""delivery-status" NIL NIL "Delivery report" "7bit" 112 NIL NIL NIL NIL)("text" "rfc822-headers" "#
                + #"("charset" "us-ascii") NIL "Undelivered Message Headers" "7bit" 39 1 NIL NIL NIL NIL) "report" "#
                + #"("report-type" "delivery-status" "boundary" "dsn") NIL NIL NIL)"#
        ),
        Shape(
            name: "extension fields: md5, language, location, description, id",
            bytes: crlf(
                std + """
                    MIME-Version: 1.0
                    Content-Type: multipart/mixed; boundary="ext"
                    Content-Language: en
                    Content-Location: http://example.com/
                     whole

                    --ext
                    Content-Type: text/plain; charset=us-ascii; format=flowed
                    Content-ID: <part1@example.com>
                    Content-Description: =?UTF-8?Q?Beschreibung_=C3=A4?=
                    Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==
                    Content-Language: de, en-US (comment)
                    Content-Location: part1.txt
                    Content-Disposition: inline; creation-date="Mon, 2 Jan 2023 10:00:00 +0000"

                    text
                    --ext--
                    """),
            envelope: stdEnvelope,
            bodyStructure: #"(("text" "plain" ("charset" "us-ascii" "format" "flowed") "<part1@example.com>" "#
                + #""=?UTF-8?Q?Beschreibung_=C3=A4?=" "7bit" 4 0 "Q2hlY2sgSW50ZWdyaXR5IQ==" ("inline" ("creation-date" "#
                + #""Mon, 2 Jan 2023 10:00:00 +0000")) ("de" "en-US") "part1.txt") "mixed" ("boundary" "ext") NIL "#
                + #"("en") "http://example.com/whole")"#
        ),
        Shape(
            name: "message/global",
            bytes: crlf(
                std + """
                    MIME-Version: 1.0
                    Content-Type: message/global

                    From: Zoë <zoë@exämple.org>
                    Subject: Grüße

                    Global text.
                    """),
            envelope: stdEnvelope,
            bodyStructure:
                #"("message" "global" NIL NIL NIL "7bit" 64 (NIL {7}\#r\#nGrüße (({4}\#r\#nZoë NIL {4}\#r\#nzoë "#
                + #"{12}\#r\#nexämple.org)) (({4}\#r\#nZoë NIL {4}\#r\#nzoë {12}\#r\#nexämple.org)) (({4}\#r\#nZoë NIL "#
                + #"{4}\#r\#nzoë {12}\#r\#nexämple.org)) NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") "#
                + #"NIL NIL "7bit" 12 0 NIL NIL NIL NIL) 3 NIL NIL NIL NIL)"#
        ),
    ]
}
