#!/usr/bin/env python3
"""Writes the seed corpora Fuzz/corpus/<Target>/ from the test suites' own examples (string literals of
Tests/...), RFC examples, and a few hand-written inputs. DNS seeds are built with dnslib (pip install dnslib).
Run from the package root: python3 Fuzz/make_seeds.py. Existing files are kept (crash inputs stay)."""
import hashlib, os, re, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "Fuzz", "corpus")

def swift_literals(path):
    """Single-line and multi-line string literals of a Swift file, unescaped (interpolations skipped)."""
    text = open(os.path.join(ROOT, path), encoding="utf-8").read()
    out = []
    for m in re.finditer(r'"""\n(.*?)\n([ \t]*)"""', text, re.S):
        indent = m.group(2)
        lines = [l[len(indent):] if l.startswith(indent) else l.lstrip() for l in m.group(1).split("\n")]
        out.append(unescape("\n".join(lines)))
    single = re.sub(r'"""\n.*?\n[ \t]*"""', "", text, flags=re.S)
    for m in re.finditer(r'"((?:[^"\\\n]|\\.)*)"', single):
        if "\\(" in m.group(1):
            continue
        out.append(unescape(m.group(1)))
    return out

def unescape(s):
    s = re.sub(r"\\u\{([0-9a-fA-F]+)\}", lambda m: chr(int(m.group(1), 16)), s)
    return (s.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t").replace("\\0", "\0")
             .replace('\\"', '"').replace("\\\\", "\\"))

def crlf(s):
    return s.replace("\r\n", "\n").replace("\n", "\r\n")

def write(target, items, limit=120):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    seen = set()
    count = 0
    for item in items:
        data = item.encode("utf-8") if isinstance(item, str) else bytes(item)
        if not data or data in seen or len(data) > 16384:
            continue
        seen.add(data)
        name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        count += 1
        if count >= limit:
            break
    print(target, count)

# IMAP: command lines of the parser and RFC example tests, plus framing cases.
imap = []
for path in ["Tests/IMAPProtocolTests/CommandParserTests.swift", "Tests/IMAPProtocolTests/RFCExampleTests.swift",
             "Tests/IMAPProtocolTests/CommandDecoderTests.swift"]:
    for s in swift_literals(path):
        if re.match(r"^[A-Za-z0-9.]+ [A-Za-z]", s):
            imap.append(s if s.endswith("\r\n") else s + "\r\n")
imap += [
    "a1 LOGIN {3}\r\njoe {6}\r\nsecret\r\n",
    "a2 LOGIN {3+}\r\njoe {6+}\r\nsecret\r\n",
    "a3 APPEND INBOX (\\Seen) \"17-Jul-1996 02:44:25 -0700\" {23}\r\nSubject: hi\r\n\r\nhello\r\n\r\n",
    "a4 APPEND Drafts {5+}\r\nhello {5+}\r\nworld\r\n",
    "a5 APPEND INBOX UTF8 (~{9}\r\nhi\x00there)\r\n",
    "a6 IDLE\r\nDONE\r\na7 NOOP\r\n",
    "a8 AUTHENTICATE PLAIN\r\nAHVzZXIAcGFzcw==\r\na9 NOOP\r\n",
    "b1 AUTHENTICATE PLAIN\r\n*\r\n",
    "b2 FETCH 1:* (BODY.PEEK[1.2.HEADER.FIELDS (FROM TO)]<0.100> BINARY[1] UID)\r\n",
    "b3 UID SEARCH RETURN (MIN MAX COUNT) CHARSET UTF-8 OR SUBJECT {3}\r\nfoo NOT SEEN\r\n",
    "b4 SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))\r\n",
    "b5 LIST (SUBSCRIBED) \"\" (\"INBOX\" \"Drafts/%\") RETURN (CHILDREN STATUS (MESSAGES UIDNEXT))\r\n",
    "b6 STORE 1:3 (UNCHANGEDSINCE 12345) +FLAGS.SILENT (\\Deleted $Junk)\r\n",
    "b7 CREATE &ZeVnLIqe- (USE (\\Drafts))\r\n",
]
write("FuzzIMAPCommand", imap)

# SMTP: command lines of the parser tests, DATA content and replies.
smtp = []
verbs = ("EHLO", "HELO", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "NOOP", "QUIT", "VRFY", "EXPN", "HELP", "STARTTLS",
         "AUTH", "ehlo", "mail", "rcpt")
for path in ["Tests/SMTPProtocolTests/CommandParserTests.swift", "Tests/SMTPProtocolTests/FramingTests.swift",
             "Tests/SMTPProtocolTests/DataTests.swift", "Tests/SMTPProtocolTests/ReplyTests.swift"]:
    for s in swift_literals(path):
        if s.startswith(verbs):
            smtp.append(s if "\n" in s else s + "\r\n")
        elif re.match(r"^[2-5][0-9][0-9][ -]", s) or "\r\n.\r\n" in s or s.startswith("."):
            smtp.append(s)
smtp += [
    "EHLO client.example\r\nMAIL FROM:<a@b.example> SIZE=1000 BODY=8BITMIME SMTPUTF8\r\nRCPT TO:<c@d.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;c+2Bx@d.example\r\nDATA\r\n",
    "Subject: hi\r\n\r\n..leading dot\r\nline\r\n.\r\nQUIT\r\n",
    "a\n.\r\nb\r\n.\r\n",
    "x\r\n.\n.\r\n",
    "250-mail.example Hello\r\n250-SIZE 35882577\r\n250-8BITMIME\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250 SMTPUTF8\r\n",
    "550 5.1.1 <x@y.example>: Recipient address rejected\r\n",
    "334 VXNlcm5hbWU6\r\n",
    "MAIL FROM:<> RET=HDRS ENVID=QQ+2B\r\n",
    "RCPT TO:<\"quoted local\"@[192.0.2.1]>\r\n",
    "RCPT TO:<@relay.example:user@host.example>\r\n",
    "AUTH PLAIN AGZvbwBiYXI=\r\n",
    "BDAT 10 LAST\r\n0123456789",
]
write("FuzzSMTPCommand", smtp)

# POP3
pop3 = [s + ("\r\n" if "\n" not in s else "") for s in swift_literals("Tests/POP3ProtocolTests/POP3CommandTests.swift")
        if re.match(r"^[A-Za-z]{3,4}( |$)", s)]
pop3 += ["USER joe\r\nPASS secret with spaces\r\nSTAT\r\nLIST\r\nRETR 1\r\nTOP 1 10\r\nUIDL 2\r\nDELE 1\r\nQUIT\r\n",
         "AUTH PLAIN AGpvZQBzZWNyZXQ=\r\n", "AUTH PLAIN =\r\n", "CAPA\r\nSTLS\r\nUTF8\r\n",
         "Subject: x\r\n\r\n.leading\r\n..two\r\n.\r\nend", "From: a\n\nbody\n.\n", "a\rb\r\r\n.\r\r\n"]
write("FuzzPOP3Command", pop3)

# MIME: RFC example messages and the test suites' messages.
mime = []
for path in ["Tests/MIMETests/RFCExamples.swift", "Tests/MIMETests/RFCTests.swift", "Tests/MIMETests/DecodingTests.swift",
             "Tests/MIMETests/RobustnessTests.swift", "Tests/MIMETests/SectionTests.swift",
             "Tests/MIMETests/CharsetTests.swift", "Tests/DKIMTests/DKIMTests.swift"]:
    if not os.path.exists(os.path.join(ROOT, path)):
        continue
    for s in swift_literals(path):
        if re.search(r"^[A-Za-z-]+:", s, re.M) and "\n" in s:
            mime.append(crlf(s))
mime += [crlf("""From: a@b.example
To: c@d.example
Subject: =?UTF-8?B?w6l0w6k=?=
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

caf=E9 =
soft break
--outer
Content-Type: message/rfc822

From: inner@x.example
Subject: inner
Content-Type: multipart/alternative; boundary=inner

--inner
Content-Type: text/html
Content-Transfer-Encoding: base64

PGI+aGk8L2I+
--inner--
--outer
Content-Type: application/pdf; name*0*=UTF-8''%E2%82%AC; name*1=".pdf"
Content-Disposition: attachment; filename="x.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--outer--
""")]
write("FuzzMIME", mime)

# DKIM: the same messages (header sections with folding) plus canonicalization edge cases.
dkim = mime[:40] + [
    "From: a@b.example\r\nSubject:  folded\r\n\t value  \r\n  more\r\nX-Empty:\r\n\r\n  body  with   spaces \r\n\r\n\r\n",
    "From : a\r\nTo:b\n\nbare LF body\n\n",
    "From: a\r\n\r\n\r\n",
    "From: a\r\n\r\nno final line end",
    "x\r\ny \t \r\n\r\n \r\n",
]
write("FuzzDKIMHeader", dkim)

# iCalendar / vCard
ics = [crlf(s) for path in ["Tests/CalendarFormatsTests/ParserTests.swift", "Tests/CalendarFormatsTests/RecurrenceTests.swift",
                            "Tests/CalendarFormatsTests/Support.swift"]
       if os.path.exists(os.path.join(ROOT, path)) for s in swift_literals(path) if "BEGIN:" in s]
ics += [s for path in ["Tests/CalendarFormatsTests/RecurrenceTests.swift"] for s in swift_literals(path)
        if s.startswith("FREQ=")]
ics += [crlf("""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Example//EN
BEGIN:VTIMEZONE
TZID:America/New_York
BEGIN:STANDARD
DTSTART:20071104T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:20070311T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:19970901T130000Z-123401@example.com
DTSTAMP:19970901T130000Z
DTSTART;TZID=America/New_York:19970902T090000
DURATION:PT1H
RRULE:FREQ=MONTHLY;BYDAY=-1MO,2TU;BYSETPOS=1,-1;COUNT=20
EXDATE;TZID=America/New_York:19970909T090000
SUMMARY:Annual Employee Review\\, with a comma
DESCRIPTION:Folded line that is long enough to be folded at seventy-five octets by the wr
 iter\\nsecond line
END:VEVENT
BEGIN:VEVENT
UID:19970901T130000Z-123401@example.com
RECURRENCE-ID;TZID=America/New_York;RANGE=THISANDFUTURE:19971007T090000
DTSTART;TZID=America/New_York:19971007T100000
DTEND;TZID=America/New_York:19971007T110000
END:VEVENT
BEGIN:VTODO
UID:t1
DUE;VALUE=DATE:20250101
RDATE;VALUE=PERIOD:19960403T020000Z/19960403T040000Z,19960404T010000Z/PT3H
STATUS:NEEDS-ACTION
END:VTODO
END:VCALENDAR
"""), crlf("""BEGIN:VCARD
VERSION:4.0
FN:Simon Perreault
N:Perreault;Simon;;;ing. jr,M.Sc.
BDAY:--0203
item1.EMAIL;TYPE="work,pref":simon.perreault@viagenie.ca
TEL;VALUE=uri;TYPE="work,voice";PREF=1:tel:+1-418-656-9254;ext=102
GEO:geo:46.772673,-71.282945
END:VCARD
""")]
write("FuzzICalendar", ics)

# DNS: queries and replies built with dnslib.
try:
    from dnslib import DNSRecord, RR, QTYPE, A, AAAA, MX, TXT, CNAME, DNSHeader, DNSQuestion, RCODE
except ImportError:
    sys.exit("dnslib missing: pip install dnslib")
dns = []
for name, qtype in [("example.com", "A"), ("mail.example.org", "AAAA"), ("example.net", "MX"),
                    ("sel._domainkey.example.com", "TXT"), ("xn--bcher-kva.example", "A"), ("", "NS")]:
    q = DNSRecord.question(name, qtype)
    dns.append(q.pack())
    r = q.reply()
    if qtype == "A":
        r.add_answer(RR(name, QTYPE.A, rdata=A("192.0.2.1"), ttl=300))
        r.add_answer(RR(name, QTYPE.A, rdata=A("192.0.2.2"), ttl=300))
    elif qtype == "AAAA":
        r.add_answer(RR(name, QTYPE.CNAME, rdata=CNAME("host.example.org"), ttl=60))
        r.add_answer(RR("host.example.org", QTYPE.AAAA, rdata=AAAA("2001:db8::1"), ttl=60))
    elif qtype == "MX":
        r.add_answer(RR(name, QTYPE.MX, rdata=MX("mx1.example.net", 10), ttl=3600))
        r.add_answer(RR(name, QTYPE.MX, rdata=MX("mx2.example.net", 20), ttl=3600))
        r.add_answer(RR(name, QTYPE.MX, rdata=MX(".", 0), ttl=3600))
    elif qtype == "TXT":
        r.add_answer(RR(name, QTYPE.TXT, rdata=TXT(["v=DKIM1; k=ed25519; p=", "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="]), ttl=300))
    dns.append(r.pack())
nx = DNSRecord.question("nope.example", "A").reply()
nx.header.rcode = RCODE.NXDOMAIN
dns.append(nx.pack())
tc = DNSRecord.question("big.example", "TXT").reply()
tc.header.tc = 1
dns.append(tc.pack())
write("FuzzDNSMessage", dns)
