#!/usr/bin/env python3
"""CalDAV benchmark (not a test): Mailroom against Radicale on the same machine.

    python3 scripts/bench-dav.py [--events N] [--repeat R] [--bin PATH] [--keep]

Starts a private `mailroom serve` (only the `http` listener, plain HTTP with Basic auth from loopback)
and a private Radicale (PyPI; installed with pip when missing, filesystem storage, htpasswd auth with
plain passwords so that both servers do Basic auth on every request), each with its data under one
temporary directory and on a free loopback port. On both it creates a calendar with MKCALENDAR and
PUTs the same N events one by one (N = 10,000 by default: spread over 2026, a tenth of them recurring,
some in Europe/Berlin with a VTIMEZONE), then times, alternating between the servers, R repetitions
of:

  1. PROPFIND Depth: 1 on the calendar (getetag, getcontenttype, resourcetype, displayname);
  2. a calendar-query REPORT for June 2026 (VCALENDAR/VEVENT time-range; getetag and calendar-data);
  3. a sync-collection REPORT (sync-level 1, getetag) with a token taken before 100 changes
     (60 modified, 20 new, 20 deleted; a fresh token and fresh changes for each repetition).

Each server gets one persistent HTTP/1.1 connection; a timing runs from sending the request until
the whole body has been read. Responses are parsed (to count DAV:response elements) outside the
timed region. The expected number of events in the June window is computed here from the generated
data, so that a count that differs between the servers shows which one is wrong. Wrong statuses or
counts are reported in the output as findings, never corrected. Prints a Markdown table.
"""

import argparse
import base64
import datetime
import http.client
import importlib
import os
import pathlib
import platform
import random
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from urllib.parse import unquote
import zoneinfo

from bench_compare import free_port  # scripts/, this file's directory, is on sys.path

USER, PASSWORD = "alice@example.test", "correct horse battery"
RADICALE_USER = "alice"
CALENDAR = "bench"
UTC = datetime.timezone.utc
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
YEAR = 2026
WINDOW = (datetime.datetime(2026, 6, 1, tzinfo=UTC), datetime.datetime(2026, 7, 1, tzinfo=UTC))
CHANGES = {"modified": 60, "new": 20, "deleted": 20}
# Radicale checks a new item's UID against every item of the collection (app/put.py: has_uid), so seeding
# by single PUTs is quadratic, and its import (one PUT of the whole calendar) took over 10 minutes for
# 10,000 events on 2 cores: above this many events, auto mode writes Radicale's storage directly.
PUT_SEED_LIMIT = 2000
READY_TIMEOUT = 60  # seconds a server gets to start listening
DAV = "{DAV:}"

# ------------------------------------------------------------------ servers


class StartFailure(Exception):
    pass


def wait_for_port(port, proc, name, log):
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = pathlib.Path(log).read_text()[-4000:]
            raise StartFailure(f"{name} exited with {proc.returncode}; log {log}:\n{tail}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)  # polling interval, not a wait for an event
    raise StartFailure(
        f"{name} did not listen on 127.0.0.1:{port} within {READY_TIMEOUT} s; log {log}:\n"
        f"{pathlib.Path(log).read_text()[-4000:]}"
    )


def start_mailroom(binary, base, procs):
    base.mkdir()
    port = free_port()
    cfg = base / "mailroom.toml"
    cfg.write_text(f'hostname = "bench.example.test"\ndata_dir = "data"\n\n[listen]\nhttp = "127.0.0.1:{port}"\n')

    def cli(*args):
        subprocess.run([binary, *args, "--config", str(cfg)], check=True, capture_output=True, timeout=60)

    cli("domain", "add", USER.split("@", 1)[1])
    cli("user", "add", USER, "--password", PASSWORD)
    log = base / "server.log"
    proc = subprocess.Popen([binary, "serve", "--config", str(cfg)], stdout=open(log, "w"), stderr=subprocess.STDOUT)
    procs.append(proc)  # stopped by main's cleanup even when it never becomes ready
    wait_for_port(port, proc, "mailroom", log)
    return proc, port


def ensure_radicale():
    try:
        return importlib.import_module("radicale")
    except ImportError:
        print("installing PyPI package radicale", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "radicale"], check=True)
        importlib.invalidate_caches()
        return importlib.import_module("radicale")


def start_radicale(base, procs):
    base.mkdir()
    port = free_port()
    (base / "users").write_text(f"{RADICALE_USER}:{PASSWORD}\n")
    cfg = base / "radicale.conf"
    cfg.write_text(
        "[server]\n"
        f"hosts = 127.0.0.1:{port}\n"
        "[auth]\n"
        "type = htpasswd\n"
        f"htpasswd_filename = {base / 'users'}\n"
        "htpasswd_encryption = plain\n"
        "[rights]\n"
        "type = owner_only\n"
        "[storage]\n"
        f"filesystem_folder = {base / 'collections'}\n"
        "[web]\n"
        "type = none\n"
        "[logging]\n"
        "level = warning\n"
    )
    log = base / "server.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", str(cfg)], stdout=open(log, "w"), stderr=subprocess.STDOUT
    )
    procs.append(proc)
    wait_for_port(port, proc, "radicale", log)
    return proc, port


# ------------------------------------------------------------------ HTTP


class Server:
    """One server: a persistent connection with Basic auth and the calendar's path."""

    def __init__(self, name, port, user, calendar_path):
        self.name = name
        self.port = port
        self.auth = "Basic " + base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()
        self.calendar = calendar_path
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.findings = {}  # kind -> [text of the first occurrence, occurrences]

    def request(self, method, path, body=None, headers=None):
        """(status, headers, body bytes, seconds from sending to the last body byte)."""
        h = {"Authorization": self.auth}
        h.update(headers or {})
        data = body.encode() if isinstance(body, str) else body
        for attempt in (0, 1):
            try:
                t = time.perf_counter()
                self.conn.request(method, path, body=data, headers=h)
                r = self.conn.getresponse()
                payload = r.read()
                elapsed = time.perf_counter() - t
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed the keep-alive connection: say so (it costs a reconnect), then retry once.
                self.note(f"{method} {path}: connection closed by the server, reconnected", kind=f"closed {method}")
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
                if attempt:
                    raise
        if r.getheader("Connection", "").lower() == "close":
            self.note(f"{method} {path}: answered with Connection: close", kind=f"close {method}")
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        return r.status, r.getheaders(), payload, elapsed

    def note(self, text, kind=None):
        """Record a finding; repeats of one kind are counted, and the first one's text is kept."""
        kind = kind or text
        if kind in self.findings:
            self.findings[kind][1] += 1
        else:
            self.findings[kind] = [text, 1]

    def expect(self, what, status, want, method, path, reqbody, payload):
        if status not in want:
            self.note(
                f"{what}: {method} {path} answered {status}, expected {sorted(want)}.\n"
                f"    request body: {(reqbody or '')[:600]!r}\n    response body: {payload[:1200]!r}",
                kind=f"{what} {method} {status}",
            )
            return False
        return True


def responses(payload):
    """[(href, status line or None, etag or None)] for each DAV:response of a multistatus."""
    out = []
    root = ET.fromstring(payload)
    for r in root.iter(DAV + "response"):
        href = (r.findtext(DAV + "href") or "").strip()
        status = r.findtext(DAV + "status")
        etag = None
        for ps in r.findall(DAV + "propstat"):
            e = ps.find(f"{DAV}prop/{DAV}getetag")
            if e is not None and e.text:
                etag = e.text
        out.append((href, status.strip() if status else None, etag))
    return out


# ------------------------------------------------------------------ data

SUBJECTS = [
    "Team stand-up", "Budget review", "1:1 with Sam", "Dentist", "Sprint planning", "Quarterly business review",
    "Lunch with Priya", "Architecture sync", "Customer call: Northwind", "Yoga", "Board meeting", "Interview",
    "Release retrospective", "Parent-teacher conference", "Code review session", "Vendor demo",
]
PLACES = [
    "Room 4.12, Building B", "https://meet.example.com/abc-defg-hij", "Café Central, Herrengasse 14, Wien",
    "Main office, 3rd floor", "Zoom", "Conference Room \"Ada\"", "Client site, 221B Baker Street, London", "Home",
]
DESCRIPTION = (
    "Agenda:\\n1. Review of the action items from last time\\n2. Status of the open issues\\n"
    "3. Planning for the next milestone\\n\\nPlease read the attached document beforehand\\, and bring "
    "questions. Dial-in: +1 555 0100\\, PIN 4242#."
)
VTIMEZONE_BERLIN = (
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"
    "BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nDTSTART:19700329T020000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nDTSTART:19701025T030000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
)


def fold(line):
    """RFC 5545 §3.1: lines longer than 75 octets are folded."""
    raw = line.encode()
    if len(raw) <= 75:
        return line
    parts, start, limit = [], 0, 75
    while start < len(raw):
        end = min(start + limit, len(raw))
        while end < len(raw) and (raw[end] & 0xC0) == 0x80:  # do not split a UTF-8 sequence
            end -= 1
        parts.append(raw[start:end].decode())
        start, limit = end, 74
    return "\r\n ".join(parts)


class Event:
    """One generated event: its parameters, its iCalendar text and its instances (for the expected count)."""

    def __init__(self, rnd, index, start_day=None):
        self.uid = f"{index:06d}-{rnd.getrandbits(48):012x}@bench.example.test"
        self.href = f"{self.uid}.ics"  # the name Radicale gives an imported item, so both servers agree
        day = start_day if start_day is not None else rnd.randrange(365)
        # Local working hours only, so that no instance straddles a midnight-UTC window boundary.
        local = datetime.datetime(YEAR, 1, 1, rnd.randrange(8, 18), rnd.choice((0, 15, 30, 45))) + datetime.timedelta(
            days=day
        )
        self.tz = BERLIN if rnd.random() < 0.3 else UTC
        self.start = local
        self.minutes = rnd.choice((15, 30, 45, 60, 60, 90, 120))
        self.summary = rnd.choice(SUBJECTS)
        self.location = rnd.choice(PLACES)
        self.sequence = 0
        self.rrule = None
        if rnd.random() < 0.1:
            self.rrule = rnd.choice(("weekly-count", "daily-until", "monthly-count", "weekly-open"))

    def instances(self):
        """Local start times of every instance (each recurrence kind is bounded or known to reach the window)."""
        s = self.start
        if self.rrule is None:
            return [s]
        if self.rrule == "weekly-count":
            return [s + datetime.timedelta(weeks=k) for k in range(10)]
        if self.rrule == "daily-until":
            return [s + datetime.timedelta(days=k) for k in range(31)]
        if self.rrule == "monthly-count":
            out, k = [], 0
            while len(out) < 6:  # RFC 5545 §3.3.10: a day that a month lacks is skipped, not counted
                m = s.month - 1 + k
                k += 1
                try:
                    out.append(s.replace(year=s.year + m // 12, month=m % 12 + 1))
                except ValueError:
                    pass
            return out
        # weekly-open: unbounded; the instances up to the end of the window decide the count.
        out, t = [], s
        while t < WINDOW[1].replace(tzinfo=None) + datetime.timedelta(days=2):
            out.append(t)
            t += datetime.timedelta(weeks=1)
        return out

    def in_window(self):
        for local in self.instances():
            begin = local.replace(tzinfo=self.tz).astimezone(UTC)
            end = begin + datetime.timedelta(minutes=self.minutes)
            if begin < WINDOW[1] and end > WINDOW[0]:  # RFC 4791 §9.9
                return True
        return False

    def ics(self):
        fmt = "%Y%m%dT%H%M%S"
        stamp = (datetime.datetime(2026, 1, 1, tzinfo=UTC) + datetime.timedelta(seconds=self.sequence)).strftime(
            fmt + "Z"
        )
        end = self.start + datetime.timedelta(minutes=self.minutes)
        if self.tz is UTC:
            when = [f"DTSTART:{self.start.strftime(fmt)}Z", f"DTEND:{end.strftime(fmt)}Z"]
        else:
            when = [
                f"DTSTART;TZID=Europe/Berlin:{self.start.strftime(fmt)}",
                f"DTEND;TZID=Europe/Berlin:{end.strftime(fmt)}",
            ]
        lines = [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Mailroom//bench-dav//EN", "CALSCALE:GREGORIAN",
        ]
        body = [
            "BEGIN:VEVENT", f"UID:{self.uid}", f"DTSTAMP:{stamp}", f"CREATED:20251201T120000Z",
            f"LAST-MODIFIED:{stamp}", f"SEQUENCE:{self.sequence}", *when,
            f"SUMMARY:{self.summary}" + (f" (rev {self.sequence})" if self.sequence else ""),
            f"LOCATION:{self.location}", f"DESCRIPTION:{DESCRIPTION}",
            "ORGANIZER;CN=Alice Example:mailto:alice@example.test",
            "ATTENDEE;CN=Bob Example;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:bob@example.test",
            "STATUS:CONFIRMED", "TRANSP:OPAQUE",
        ]
        if self.rrule:
            local = self.instances()
            if self.rrule == "weekly-count":
                body.append("RRULE:FREQ=WEEKLY;COUNT=10")
            elif self.rrule == "daily-until":
                until = local[-1].replace(tzinfo=self.tz).astimezone(UTC)  # RFC 5545 §3.3.10: UTC with a TZID
                body.append(f"RRULE:FREQ=DAILY;UNTIL={until.strftime(fmt)}Z")
            elif self.rrule == "monthly-count":
                body.append(f"RRULE:FREQ=MONTHLY;COUNT=6")
            else:
                body.append("RRULE:FREQ=WEEKLY")
        body += ["BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:Reminder", "TRIGGER:-PT15M", "END:VALARM", "END:VEVENT"]
        self.vevent = "\r\n".join(fold(x) for x in body) + "\r\n"
        tz = [VTIMEZONE_BERLIN.rstrip("\r\n")] if self.tz is not UTC else []
        return "\r\n".join(lines + tz + [fold(x) for x in body] + ["END:VCALENDAR", ""])


def whole_calendar(events):
    """One VCALENDAR with every event (and the VTIMEZONE once): what Radicale imports with a PUT on a collection."""
    for e in events:
        e.ics()
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Mailroom//bench-dav//EN\r\nCALSCALE:GREGORIAN\r\n"
        + VTIMEZONE_BERLIN
        + "".join(e.vevent for e in events)
        + "END:VCALENDAR\r\n"
    )


# ------------------------------------------------------------------ requests

PROPFIND = (
    '<?xml version="1.0" encoding="utf-8"?>\n<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/><D:getcontenttype/>'
    "<D:resourcetype/><D:displayname/></D:prop></D:propfind>"
)
TOKEN = (
    '<?xml version="1.0" encoding="utf-8"?>\n<D:propfind xmlns:D="DAV:"><D:prop><D:sync-token/></D:prop></D:propfind>'
)
QUERY = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
    "<D:prop><D:getetag/><C:calendar-data/></D:prop>"
    '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
    f'<C:time-range start="{WINDOW[0].strftime("%Y%m%dT%H%M%SZ")}" end="{WINDOW[1].strftime("%Y%m%dT%H%M%SZ")}"/>'
    "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"
)
SYNC = (
    '<?xml version="1.0" encoding="utf-8"?>\n<D:sync-collection xmlns:D="DAV:"><D:sync-token>{}</D:sync-token>'
    "<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>"
)
MKCALENDAR = (
    '<?xml version="1.0" encoding="utf-8"?>\n<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
    "<D:set><D:prop><D:displayname>Bench</D:displayname><C:supported-calendar-component-set>"
    '<C:comp name="VEVENT"/></C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>'
)
XML = {"Content-Type": "application/xml; charset=utf-8"}
ICS = {"Content-Type": "text/calendar; charset=utf-8"}


def mkcalendar(s):
    st, _, payload, _ = s.request("MKCALENDAR", s.calendar, MKCALENDAR, XML)
    if st != 201:
        sys.exit(f"{s.name}: MKCALENDAR {s.calendar} answered {st}: {payload[:800]!r}")


def put(s, ev, create):
    h = dict(ICS)
    if create:
        h["If-None-Match"] = "*"
    body = ev.ics()
    st, _, payload, elapsed = s.request("PUT", s.calendar + ev.href, body, h)
    s.expect("PUT", st, {201} if create else {200, 204}, "PUT", s.calendar + ev.href, body, payload)
    return elapsed


def delete(s, ev):
    st, _, payload, elapsed = s.request("DELETE", s.calendar + ev.href)
    s.expect("DELETE", st, {200, 204}, "DELETE", s.calendar + ev.href, None, payload)
    return elapsed


def sync_token(s):
    st, _, payload, _ = s.request("PROPFIND", s.calendar, TOKEN, {**XML, "Depth": "0"})
    if not s.expect("sync-token", st, {207}, "PROPFIND", s.calendar, TOKEN, payload):
        return None
    token = ET.fromstring(payload).findtext(f".//{DAV}sync-token")
    if not token:
        s.note(f"PROPFIND Depth 0 for DAV:sync-token on {s.calendar}: no token in {payload[:600]!r}")
    return token


# ------------------------------------------------------------------ measurement


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, max(0, round(p / 100 * len(v) + 0.5) - 1))]


def cell(ms):
    if not ms:
        return "n/a"
    return f"{statistics.median(ms):.1f} ({pct(ms, 90):.1f})"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--bin", default="/tmp/mailroom-bin/mailroom")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (data and server logs)")
    ap.add_argument(
        "--radicale-seed",
        choices=("auto", "put", "import", "files"),
        default="auto",
        help="seed Radicale with one PUT per event, with one PUT of the whole calendar on the collection "
        "(its import), or by writing one file per event into its storage directory (after MKCALENDAR); "
        f"auto: one PUT each up to {PUT_SEED_LIMIT} events, files above",
    )
    args = ap.parse_args()
    if args.events < CHANGES["modified"] + CHANGES["deleted"]:
        ap.error(f"--events must be at least {CHANGES['modified'] + CHANGES['deleted']} (the changes of a sync cycle)")
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    command = "python3 " + " ".join(shlex.quote(a) for a in sys.argv)

    radicale = ensure_radicale()
    load0 = f"{os.getloadavg()[0]:.1f}"
    started = time.perf_counter()
    base = pathlib.Path(tempfile.mkdtemp(prefix="mailroom-bench-dav-"))
    procs = []
    try:
        mproc, mport = start_mailroom(args.bin, base / "mailroom", procs)
        rproc, rport = start_radicale(base / "radicale", procs)
        mail = Server("Mailroom", mport, USER, f"/dav/calendars/{USER}/{CALENDAR}/")
        rad = Server("Radicale", rport, RADICALE_USER, f"/{RADICALE_USER}/{CALENDAR}/")
        servers = (mail, rad)
        seed_mode = args.radicale_seed
        if seed_mode == "auto":
            seed_mode = "put" if args.events <= PUT_SEED_LIMIT else "files"
        radicale_import = seed_mode == "import"
        mkcalendar(mail)
        if not radicale_import:
            mkcalendar(rad)

        rnd = random.Random(2026)
        events = [Event(rnd, i) for i in range(args.events)]
        recurring = sum(1 for e in events if e.rrule)

        # --- seeding: all of one server, then all of the other (each PUT timed, plus the total)
        put_ms, put_total = {}, {}
        for s in servers:
            t0 = time.perf_counter()
            if s is rad and seed_mode == "files":
                # Radicale's multifilesystem storage: one file per item, named by its href, in the
                # collection's directory; Radicale lists the directory on each request and builds its item
                # cache on first read (so the first, untimed, run of each operation pays for that).
                folder = base / "radicale" / "collections" / "collection-root" / RADICALE_USER / CALENDAR
                if not (folder / ".Radicale.props").is_file():
                    sys.exit(f"Radicale's calendar directory is not where expected: {folder}")
                for e in events:
                    (folder / e.href).write_bytes(e.ics().encode())
                put_ms[s.name] = []
            elif s is rad and radicale_import:
                body = whole_calendar(events)
                st, _, payload, _ = s.request("PUT", s.calendar, body, ICS)
                if st not in (200, 201, 204):
                    sys.exit(f"Radicale: import PUT {s.calendar} answered {st}: {payload[:800]!r}")
                put_ms[s.name] = []
            else:
                put_ms[s.name] = [put(s, e, True) * 1000 for e in events]
            put_total[s.name] = time.perf_counter() - t0
            print(f"{s.name}: seeded {len(events)} events in {put_total[s.name]:.1f} s", file=sys.stderr)
        if radicale_import:
            # The import creates the calendar without a display name; give it the one MKCALENDAR gave Mailroom's.
            prop = (
                '<?xml version="1.0" encoding="utf-8"?>\n<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop>'
                "<D:displayname>Bench</D:displayname></D:prop></D:set></D:propertyupdate>"
            )
            st, _, payload, _ = rad.request("PROPPATCH", rad.calendar, prop, XML)
            rad.expect("PROPPATCH displayname", st, {207}, "PROPPATCH", rad.calendar, prop, payload)

        live = list(events)
        expected = sum(1 for e in live if e.in_window())
        stats = {k: {s.name: [] for s in servers} for k in ("baseline", "propfind", "query", "sync")}
        sizes = {k: {s.name: set() for s in servers} for k in stats}
        cold = {}

        def order(i):
            return servers if i % 2 == 0 else servers[::-1]

        def timed(key, s, method, body, headers, check):
            st, _, payload, elapsed = s.request(method, s.calendar, body, headers)
            if s.expect(key, st, {207}, method, s.calendar, body, payload):
                check(s, payload)
            stats[key][s.name].append(elapsed * 1000)
            return payload

        def check_count(key, want):
            def check(s, payload):
                n = len(responses(payload))
                sizes[key][s.name].add(f"{n} / {len(payload) / 1024:.0f} KiB")
                if n != want:
                    s.note(f"{key}: {n} responses, expected {want}", kind=f"count {key}")
            return check

        # --- 0. baseline: PROPFIND Depth 0 on the calendar (request, auth and framing overhead)
        # --- 1. PROPFIND Depth 1; 2. calendar-query (one untimed, cold run of each first)
        for key, method, body, depth, want in (
            ("baseline", "PROPFIND", PROPFIND, "0", 1),
            ("propfind", "PROPFIND", PROPFIND, "1", len(live) + 1),
            ("query", "REPORT", QUERY, "1", expected),
        ):
            for s in order(0):
                st, _, payload, elapsed = s.request(method, s.calendar, body, {**XML, "Depth": depth})
                cold[(key, s.name)] = elapsed * 1000
            for i in range(args.repeat):
                for s in order(i):
                    timed(key, s, method, body, {**XML, "Depth": depth}, check_count(key, want))
            print(f"{key} done at {time.perf_counter() - started:.0f} s", file=sys.stderr)

        # --- 3. sync-collection after 100 changes, a fresh cycle per repetition
        next_index = args.events
        change_ms = {k: {s.name: [] for s in servers} for k in ("modify", "new", "delete")}
        for i in range(args.repeat):
            tokens = {s.name: sync_token(s) for s in servers}
            pick = rnd.sample(range(len(live)), CHANGES["modified"] + CHANGES["deleted"])
            modified = [live[j] for j in pick[: CHANGES["modified"]]]
            deleted = [live[j] for j in pick[CHANGES["modified"]:]]
            new = []
            for _ in range(CHANGES["new"]):
                new.append(Event(rnd, next_index))
                next_index += 1
            for e in modified:
                e.sequence += 1
            for s in order(i):
                change_ms["modify"][s.name] += [put(s, e, False) * 1000 for e in modified]
                change_ms["new"][s.name] += [put(s, e, True) * 1000 for e in new]
                change_ms["delete"][s.name] += [delete(s, e) * 1000 for e in deleted]
            gone = {id(e) for e in deleted}
            live = [e for e in live if id(e) not in gone] + new
            changed_hrefs = {e.href for e in modified + new}
            removed_hrefs = {e.href for e in deleted}
            for s in order(i):
                if tokens[s.name] is None:
                    continue
                body = SYNC.format(tokens[s.name])

                def check(s, payload):
                    rs = responses(payload)
                    names = {unquote(h.rstrip("/").rsplit("/", 1)[-1]) for h, _, _ in rs}
                    removed = {unquote(h.rstrip("/").rsplit("/", 1)[-1]) for h, st, _ in rs if st and " 404" in st}
                    sizes["sync"][s.name].add(f"{len(rs)} ({len(removed)} removed) / {len(payload) / 1024:.0f} KiB")
                    if names != changed_hrefs | removed_hrefs or removed != removed_hrefs:
                        missing = sorted((changed_hrefs | removed_hrefs) - names)[:5]
                        extra = sorted(names - changed_hrefs - removed_hrefs)[:5]
                        s.note(
                            f"sync-collection after 100 changes: {len(rs)} responses, {len(removed)} as 404; "
                            f"expected 100 (20 as 404); missing e.g. {missing}, unexpected e.g. {extra}",
                            kind="sync content",
                        )

                timed("sync", s, "REPORT", body, {**XML, "Depth": "0"}, check)
            print(f"sync cycle {i + 1} done at {time.perf_counter() - started:.0f} s", file=sys.stderr)

        # --- the same query once more after the changes: do both still agree?
        expected_after = sum(1 for e in live if e.in_window())
        after = {}
        for s in servers:
            st, _, payload, _ = s.request("REPORT", s.calendar, QUERY, {**XML, "Depth": "1"})
            after[s.name] = len(responses(payload)) if st == 207 else f"status {st}"
            if after[s.name] != expected_after:
                s.note(f"calendar-query after the changes: {after[s.name]} responses, expected {expected_after}")

        # --- report
        rv = radicale.VERSION
        print(
            f"# {datetime.datetime.now(UTC).strftime('%Y-%m-%dT%H:%MZ')}, {os.cpu_count()} cores, "
            f"Linux {platform.release()}, Python {platform.python_version()}, Radicale {rv}, "
            f"Mailroom {args.bin}, load average {load0} at the start and {os.getloadavg()[0]:.1f} at the end"
        )
        print(f"`{command}`\n")
        if seed_mode == "files":
            print(
                f"Radicale was seeded by writing one file per event into its storage directory (after "
                f"MKCALENDAR over HTTP): above {PUT_SEED_LIMIT} events one PUT per event is quadratic there (each "
                f"new item's UID is checked against every stored item, radicale/app/put.py has_uid), and its "
                f"import of 10,000 events in one PUT did not finish within 10 minutes. The per-request PUT and "
                f"DELETE rows below were measured on the full calendar on both servers.\n"
            )
        if radicale_import:
            print(
                f"Radicale was seeded by importing the whole calendar in one PUT on the collection: above "
                f"{PUT_SEED_LIMIT} events one PUT per event is quadratic there (each new item's UID is checked "
                f"against every stored item, radicale/app/put.py has_uid). The per-request PUT rows below were "
                f"measured on the full calendar on both servers.\n"
            )
        print(
            f"{args.events} events ({recurring} recurring, {sum(1 for e in events if e.tz is BERLIN)} in "
            f"Europe/Berlin), {args.repeat} repetitions per operation, alternating servers; one keep-alive "
            f"HTTP/1.1 connection per server; both fsync writes (Radicale's default _filesystem_fsync).\n"
        )
        print("| operation | Mailroom median ms (p90) | Radicale median ms (p90) | ratio (Radicale/Mailroom) "
              "| Mailroom responses / size | Radicale responses / size |")
        print("|---|---:|---:|---:|---|---|")

        def row(label, a, b, ca="", cb=""):
            ratio = f"{statistics.median(b) / statistics.median(a):.2f}" if a and b else "n/a"
            print(f"| {label} | {cell(a)} | {cell(b)} | {ratio} | {ca} | {cb} |")

        m, r = mail.name, rad.name
        n = args.events
        if seed_mode == "files":
            row(f"PUT one new event (seeding {n:,})", put_ms[m], put_ms[r], f"{n} PUTs", "files written directly")
            print(f"| PUT {n:,} events, total | {put_total[m]:.1f} s | n/a (files written directly) | | | |")
        elif radicale_import:
            row(f"PUT one new event (seeding {n:,})", put_ms[m], put_ms[r], f"{n} PUTs", "import: one PUT")
            print(
                f"| PUT {n:,} events, total (Radicale: one import PUT of the whole calendar) | {put_total[m]:.1f} s "
                f"| {put_total[r]:.1f} s | not comparable | | |"
            )
        else:
            row(f"PUT one new event (seeding {n:,})", put_ms[m], put_ms[r], f"{n} PUTs", f"{n} PUTs")
            print(
                f"| PUT {n:,} events, total | {put_total[m]:.1f} s | {put_total[r]:.1f} s | "
                f"{put_total[r] / put_total[m]:.2f} | | |"
            )
        labels = {
            "baseline": "PROPFIND Depth 0 on the calendar (overhead)",
            "propfind": f"PROPFIND Depth 1 ({n:,} events)",
            "query": f"calendar-query June 2026 (expected {expected})",
            "sync": "sync-collection after 100 changes",
        }
        for key, label in labels.items():
            row(label, stats[key][m], stats[key][r], ", ".join(sorted(sizes[key][m])), ", ".join(sorted(sizes[key][r])))
        for key, label in (
            ("modify", f"PUT modification (during the sync cycles, {n:,}-event calendar)"),
            ("new", "PUT new event (same)"),
            ("delete", "DELETE (same)"),
        ):
            a, b = change_ms[key][m], change_ms[key][r]
            row(label, a, b, f"{len(a)} requests", f"{len(b)} requests")
        print(
            f"\nFirst (cold) run, ms: "
            + "; ".join(f"{k} {cold[(k, m)]:.0f} vs {cold[(k, r)]:.0f}" for k in ("baseline", "propfind", "query"))
            + f". calendar-query after the sync cycles: Mailroom {after[m]}, Radicale {after[r]}, "
            f"expected {expected_after}."
        )
        for s in servers:
            if s.findings:
                print(f"\n**{s.name} findings:**")
                for text, times in s.findings.values():
                    print(f"- {text}" + (f" (and {times - 1} more like it)" if times > 1 else ""))
    except StartFailure as e:
        sys.exit(str(e))
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
        if args.keep:
            print(f"\nkept {base}", file=sys.stderr)
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
