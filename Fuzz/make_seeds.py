#!/usr/bin/env python3
"""Writes the seed corpora Fuzz/corpus/<Target>/ from the test suites' own examples (string literals of
Tests/...), RFC examples, and a few hand-written inputs. DNS seeds are built with dnslib (pip install dnslib).
Run from the package root: python3 Fuzz/make_seeds.py [TARGET...] (only the targets named, when any are).
Existing files are kept (crash inputs stay)."""
import glob, hashlib, os, re, subprocess, sys

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

ONLY = set(sys.argv[1:])

def write(target, items, limit=120):
    if ONLY and target not in ONLY:
        return
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

# WebDAV: the request and multistatus bodies of the WebDAV and DAV server tests (RFC 4918, 4791, 6352, 6578
# examples among them), header values and hrefs of the header tests, and bodies for the XML limits.
dav = []
for path in sorted(glob.glob(os.path.join(ROOT, "Tests/WebDAVTests/*.swift"))) + [
        os.path.join(ROOT, "Tests/DAVServerTests/DAVServiceTests.swift")]:
    for s in swift_literals(os.path.relpath(path, ROOT)):
        if "<" in s and ">" in s and ("xmlns" in s or s.lstrip().startswith("<")):
            dav.append(s)
for s in swift_literals("Tests/WebDAVTests/HeaderTests.swift"):
    if "<" not in s and 0 < len(s) <= 200:
        dav.append(s + "\n")
dav += [
    # RFC 6578 §3.8: initial and later sync-collection with a limit.
    """<?xml version="1.0" encoding="utf-8" ?>
<D:sync-collection xmlns:D="DAV:">
  <D:sync-token/>
  <D:sync-level>1</D:sync-level>
  <D:prop xmlns:R="urn:ns.example.com:boxschema">
    <D:getetag/>
    <R:bigbox/>
  </D:prop>
</D:sync-collection>
""",
    """<?xml version="1.0" encoding="utf-8" ?>
<D:sync-collection xmlns:D="DAV:">
  <D:sync-token>http://example.com/ns/sync/1233</D:sync-token>
  <D:sync-level>infinite</D:sync-level>
  <D:limit><D:nresults>100</D:nresults></D:limit>
  <D:prop><D:getetag/></D:prop>
</D:sync-collection>
""",
    # RFC 6578 §3.8: the multistatus answer with a removed member and the new token.
    """<?xml version="1.0" encoding="utf-8" ?>
<D:multistatus xmlns:D="DAV:">
  <D:response>
    <D:href>http://www.example.com/home/cyrusdaboo/test.doc</D:href>
    <D:propstat>
      <D:prop><D:getetag>"00001-abcd1"</D:getetag></D:prop>
      <D:status>HTTP/1.1 200 OK</D:status>
    </D:propstat>
  </D:response>
  <D:response>
    <D:href>http://www.example.com/home/cyrusdaboo/vcard.vcf</D:href>
    <D:status>HTTP/1.1 404 Not Found</D:status>
  </D:response>
  <D:response>
    <D:href>/home/x/</D:href>
    <D:propstat>
      <D:prop><D:displayname/></D:prop>
      <D:status>HTTP/1.1 403 Forbidden</D:status>
      <D:error><D:cannot-modify-protected-property/></D:error>
      <D:responsedescription>protected</D:responsedescription>
    </D:propstat>
  </D:response>
  <D:responsedescription>done</D:responsedescription>
  <D:sync-token>http://example.com/ns/sync/1234</D:sync-token>
</D:multistatus>
""",
    # RFC 6352 §8.6.4: addressbook-query with address-data selection and a limit.
    """<?xml version="1.0" encoding="utf-8" ?>
<C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
  <D:prop>
    <D:getetag/>
    <C:address-data content-type="text/vcard" version="4.0">
      <C:prop name="VERSION"/>
      <C:prop name="UID"/>
      <C:prop name="EMAIL" novalue="yes"/>
      <C:prop name="FN"/>
    </C:address-data>
  </D:prop>
  <C:filter test="anyof">
    <C:prop-filter name="FN" test="allof">
      <C:text-match collation="i;unicode-casemap" match-type="contains">daboo</C:text-match>
      <C:param-filter name="TYPE"><C:text-match match-type="equals">work</C:text-match></C:param-filter>
    </C:prop-filter>
    <C:prop-filter name="EMAIL"><C:is-not-defined/></C:prop-filter>
  </C:filter>
  <C:limit><C:nresults>2</C:nresults></C:limit>
</C:addressbook-query>
""",
    # RFC 4791 §7.8.3: calendar-query with expand; §7.10.1: free-busy-query.
    """<?xml version="1.0" encoding="utf-8" ?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop>
    <C:calendar-data>
      <C:comp name="VCALENDAR"><C:allprop/><C:comp name="VEVENT"><C:prop name="SUMMARY" novalue="no"/><C:allcomp/></C:comp></C:comp>
      <C:expand start="20060103T000000Z" end="20060105T000000Z"/>
      <C:limit-freebusy-set start="20060102T000000Z" end="20060106T000000Z"/>
    </C:calendar-data>
  </D:prop>
  <C:filter>
    <C:comp-filter name="VCALENDAR">
      <C:comp-filter name="VEVENT">
        <C:time-range start="20060104T000000Z" end="20060105T000000Z"/>
        <C:prop-filter name="ATTENDEE">
          <C:text-match collation="i;ascii-casemap" negate-condition="yes">mailto:lisa@example.com</C:text-match>
          <C:param-filter name="PARTSTAT"><C:text-match collation="i;octet">NEEDS-ACTION</C:text-match></C:param-filter>
        </C:prop-filter>
        <C:comp-filter name="VALARM"><C:is-not-defined/></C:comp-filter>
      </C:comp-filter>
    </C:comp-filter>
  </C:filter>
  <C:timezone>BEGIN:VCALENDAR&#13;
END:VCALENDAR&#13;
</C:timezone>
</C:calendar-query>
""",
    """<?xml version="1.0" encoding="utf-8" ?>
<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav">
  <C:time-range start="20060104T140000Z" end="20060105T220000Z"/>
</C:free-busy-query>
""",
    # RFC 5689 §5.1 extended MKCOL with typed and dead properties.
    """<?xml version="1.0" encoding="utf-8" ?>
<D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:I="http://apple.com/ns/ical/">
  <D:set>
    <D:prop>
      <D:resourcetype><D:collection/><C:calendar/></D:resourcetype>
      <D:displayname>Lisa's Events</D:displayname>
      <C:supported-calendar-component-set><C:comp name="VEVENT"/><C:comp name="VTODO"/></C:supported-calendar-component-set>
      <I:calendar-color>#FF2968FF</I:calendar-color>
      <I:calendar-order>-3</I:calendar-order>
      <X:dead xmlns:X="urn:example:dead" a="1" xml:lang="en">mixed <X:b>bold</X:b> text</X:dead>
    </D:prop>
  </D:set>
</D:mkcol>
""",
    # RFC 4918 §9.2.2 PROPPATCH: set and remove in document order.
    """<?xml version="1.0" encoding="utf-8" ?>
<D:propertyupdate xmlns:D="DAV:" xmlns:Z="http://ns.example.com/standards/z39.50/">
  <D:set><D:prop><Z:Authors><Z:Author>Jim Whitehead</Z:Author><Z:Author>Roy Fielding</Z:Author></Z:Authors></D:prop></D:set>
  <D:remove><D:prop><Z:Copyright-Owner/></D:prop></D:remove>
</D:propertyupdate>
""",
    # XML edge cases: the limits, DOCTYPE / entities (refused), encodings, CDATA, namespaces, references.
    "<a>" * 7 + "x" + "</a>" * 7,
    "<D:propfind xmlns:D=\"DAV:\"><D:prop>" + "<D:getetag/>" * 45 + "</D:prop></D:propfind>",
    "<!DOCTYPE foo [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><foo>&xxe;</foo>",
    "<?xml version=\"1.0\"?><!ENTITY a \"b\"><a/>",
    "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>",
    "\ufeff<?xml version='1.0' encoding='utf-8'?><a/>",
    "<a xmlns=\"urn:x\"><b xmlns=\"\">t<![CDATA[<raw> & ]]>u</b><c>&lt;&amp;&#65;&#x1F600;</c></a>",
    "<p:a xmlns:p=\"urn:p\" xmlns:q=\"urn:q\" q:x=\"1\" y=\"a&#9;b&#10;c\"><p:b q:z=\"\"/><!-- c --><?pi x?></p:a>",
    "<a>&undefined;</a>",
    "<a><b></a></b>",
    "\r\n \t",
    "/dav/calendars/alice%40example.com/Calendar%20Work/ev%201.ics\n",
    "http://cal.example.com:8443/dav/x/\nhttps://h.example\n/a/%2e%2e/b\n/a//b\n/caf%C3%A9/%F0%9F%98%80\n",
    "0\n1\ninfinity\n Infinity \nT\nF\n*\n\"a\", W/\"b\" ,\"c\"\n,,\"x\",\n",
]
write("FuzzWebDAV", dav, limit=200)

# Config: the test suites' config texts, the TOML blocks of docs/CONFIG.md, the starter template (printed by a
# built mailroom binary, when one exists, as is and with its commented-out keys set) and hand-written files.
conf = []
for path in ["Tests/ConfigTests/ConfigLoadTests.swift", "Tests/ConfigTests/ConfigErrorTests.swift",
             "Tests/ConfigTests/ConfigValueTests.swift"]:
    for s in swift_literals(path):
        if "=" in s or s.startswith("["):
            conf.append(s if s.endswith("\n") else s + "\n")
doc = open(os.path.join(ROOT, "docs/CONFIG.md"), encoding="utf-8").read()
conf += re.findall(r"```toml\n(.*?)```", doc, re.S)
for exe in [".build/debug/mailroom", "/tmp/mailroom-bin/mailroom"]:
    exe = os.path.join(ROOT, exe)
    if os.path.exists(exe):
        template = subprocess.run([exe, "init", "--hostname", "mail.example.com"], capture_output=True,
                                  text=True).stdout
        if template.startswith("#"):
            conf.append(template)
            conf.append("\n".join(l[2:] if l.startswith("# ") and " = " in l else l for l in template.split("\n")))
            break
conf += [
    'hostname = "mx.example.org"\n[listen]\nsmtp = "*:25"\nimaps = "[::]:993"\nhttp = "[2001:db8::1]:80"\n'
    '[tls]\ncert = "../certs/../tls/fullchain.pem"\nkey = "/etc/ssl/./key.pem"\n'
    '[delivery]\nrelay = "::1"\nrelay_username = "a\\"b\\\\c\\u00e9"\nrelay_password_file = "pw"\n'
    'delay_notice = "0s"\nlifetime = "1d2h3m4s"\n[delivery.routes]\n"Partner.Example" = "192.0.2.10"\n'
    '[dns]\nservers = ["127.0.0.1", "[::1]:5353", "::1"]\n',
    'limits = { message_size = 1048576, smtp_line_length = "1MB", login_timeout = "30m" }\n'
    'imap.idle_keepalive = "10s"\npop3.deletes = "keep"\n',
    "hostname = 'literal.example'\ndata_dir = " + "'" * 3 + "multi\nline" + "'" * 3 + "\n",
    '[[listen]]\nsmtp = 1\n[limits]\nrecipients = 0x10\nmessage_size = 1e3\nlogin_timeout = 1979-05-27T07:32:00Z\n',
    "1h30m\n25MB\n512kib\n10k\n999999d\n127.0.0.1:25\n[::ffff:1.2.3.4]:993\nmail.example.com\n/a/./b/../c\n",
]
write("FuzzConfig", conf, limit=200)

# DNS: queries and replies built with dnslib.
if ONLY and "FuzzDNSMessage" not in ONLY:
    sys.exit(0)
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
