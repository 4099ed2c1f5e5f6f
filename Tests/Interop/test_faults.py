"""Load and fault interop tests: many sessions under delivery, hostile clients, a full disk.

Everything runs on loopback against a private server ($MAILROOM_BIN) and is bounded in time: every
size, duration and bound is a named constant below. CI (scripts/test) runs this file with these values
against the debug build on a 2-core machine; the whole file is meant to take about three minutes there
(the 500 logins, one bcrypt each, and the 60 s load are most of it). Synchronisation is by polling with
deadlines; the only sleeps pace deliberately slow clients and senders.

Timeouts: `[limits] login_timeout` (the deadline for logging in to IMAP and POP3, counted from connecting)
and `http_idle_timeout` (idle HTTP connections, request heads and HTTPS handshakes that do not complete)
and `smtp_command_timeout` (the deadline for one SMTP command line, 5 minutes by default as RFC 5321
§4.5.3.2.7 asks) are configurable, and this file sets them short; the TLS handshake timeout of the mail
listeners is a fixed 15 s (Sources/ServerSupport/ProtocolLimits.swift). The slow clients of all cases share
one server and one time window (a module fixture).

Cases marked xfail(strict=True) are server faults observed when the test was written (the reason says
what happens); they stay as they are until the server is fixed, and then fail as XPASS.
"""

import asyncio
import concurrent.futures
import errno
import imaplib
import os
import poplib
import random
import re
import smtplib
import socket
import ssl
import subprocess
import threading
import time
import uuid

import pytest

from conftest import Mailroom, tls_context

# --- sizes, durations and bounds ------------------------------------------------------------------

PASSWORD = "correct horse battery"
DOMAIN = "example.test"

# test_many_sessions_while_delivering
N_SESSIONS = 500  # concurrent IMAP sessions (the figure)
N_USERS = 10  # sessions are spread over this many accounts
LOAD_SECONDS = 60  # the figure; CI runs it as is
WARMUP_SECONDS = 8  # load before the "warm" RSS sample
SEED_MESSAGES = 5  # messages per user before the sessions start
THINK_SECONDS = (1.0, 3.0)  # each session pauses this long (uniform) between operations
IDLE_SECONDS = (0.5, 2.0)  # an IDLE lasts until an EXISTS or this long (uniform)
SMTP_SENDERS = 2  # parallel SMTP connections delivering during the load
DELIVERY_PAUSE = 0.1  # each sender pauses this long between messages (at most ~20 messages/s in all)
LOGIN_CONCURRENCY = 25  # logins in flight at once (each costs one bcrypt on the server)
OP_TIMEOUT = 60  # one IMAP command taking longer counts as a failure
# RSS after the run (sessions closed) may exceed the warm sample by this much, or by this much per
# command run after the warm-up, whichever is larger. Measured (release build, 500 sessions, 60 s):
# about 2.5 KB per command (~16,000 commands, ~800 deliveries: +41 MB; debug build: ~13,500 commands,
# +27 MB), so 5 KB per command does not flake and still catches a leak of ~10 KB per session and command.
RSS_GROWTH_BOUND_KB = 30 * 1024
RSS_GROWTH_PER_COMMAND_KB = 5

# test_huge_literal_stall
HUGE_LITERAL = 2 * 1024**3  # announced, never sent
STALL_SEND_BYTES = 16 * 1024**2  # sent of the non-synchronising literal before stalling
STALL_SECONDS = 5  # how long the staller holds its connection while others work
REPLY_DEADLINE = 10  # a rejection must arrive within this many seconds
OP_LATENCY_BOUND = 1.0  # seconds per operation for a bystander client

# test_no_line_end
FLOOD_BYTES = 40 * 1024**2  # sent without a line end: well above the few MB a busy server's allocator may add
# whatever it is sent (IMAP measured +5-7 MB after 10 MB and after 40 MB alike), so buffering would show
FLOOD_CHUNK = 64 * 1024
FLOOD_SEND_TIMEOUT = 5  # a send blocked this long means the server stopped reading
FLOOD_WARMUP_BYTES = 1024**2  # a small flood first, outside the RSS measurement

# test_slowloris
TRICKLE_INTERVAL = 1.0  # the slow client sends one byte this often
TLS_HANDSHAKE_TIMEOUT = 15  # ProtocolLimits.tlsHandshakeTimeout (fixed)
LOGIN_TIMEOUT = 12  # [limits] login_timeout set for the slowloris server (IMAP and POP3 before login)
HTTP_IDLE_TIMEOUT = 12  # [limits] http_idle_timeout set for the slowloris server
SMTP_COMMAND_TIMEOUT = 12  # [limits] smtp_command_timeout set for the slowloris server
TIMEOUT_MARGIN = 5  # seconds allowed past a timer before a connection counts as not cut
BYSTANDER_INTERVAL = 3.0  # a normal client of each protocol runs this often meanwhile
PER_IP_LIMIT = 5  # [limits] connections_per_ip for test_connection_limit_per_ip
PER_IP_EXTRA = 3  # connections opened beyond it
PER_IP_DEADLINE = 3  # the extra connections must be refused within this many seconds

# test_disk_full_during_delivery
TMPFS_SIZE_MB = 32
FREE_AFTER_FILLER = 2 * 1024**2  # the filler file leaves this much free space
DISK_MESSAGE_BYTES = 96 * 1024  # body size of each message delivered until the disk is full
DISK_SMALL_MESSAGE_BYTES = 1024  # then this size, until they are refused too
DISK_MAX_MESSAGES = 300  # give up (fail) if no 452 arrives by then, for each size


# --- helpers --------------------------------------------------------------------------------------


def user(i):
    return f"user{i}@{DOMAIN}"


def make_server(base, listeners, users=(), extra_config=""):
    m = Mailroom(base, listeners=listeners, extra_config=extra_config)
    m.cli("domain", "add", DOMAIN)
    for address in users:
        m.cli("user", "add", address, "--password", PASSWORD)
    return m


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def settled_rss_kb(pid, deadline_seconds=15, tolerance=0.01):
    """RSS once two samples half a second apart agree within `tolerance` (or at the deadline)."""
    deadline = time.monotonic() + deadline_seconds
    last = rss_kb(pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = rss_kb(pid)
        if abs(now - last) <= last * tolerance:
            return now
        last = now
    return last


def poll(predicate, timeout, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def mail(msgid, to, subject="Load", body="Hello.\r\n", sender="sender@elsewhere.test"):
    return (
        f"From: Sender <{sender}>\r\nTo: <{to}>\r\nSubject: {subject}\r\n"
        f"Date: Fri, 27 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{msgid}>\r\n\r\n{body}"
    ).encode()


def imaps_login(m, address, timeout=30):
    c = imaplib.IMAP4_SSL("127.0.0.1", m.ports["imaps"], ssl_context=tls_context(), timeout=timeout)
    c.login(address, PASSWORD)
    return c


def message_ids(c, mailbox="INBOX"):
    """[Message-ID] of every message in `mailbox`, in order, with duplicates (read-only)."""
    typ, data = c.select(mailbox, readonly=True)
    assert typ == "OK", data
    if data == [b"0"]:
        return []
    typ, data = c.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    assert typ == "OK", data
    ids = []
    for item in data:
        if isinstance(item, tuple):
            found = re.search(rb"<([^>]+)>", item[1])
            ids.append(found.group(1).decode() if found else None)
    return ids


class LineReader:
    """Reads CRLF lines from a blocking socket in a thread and notes when the peer closes."""

    def __init__(self, sock):
        self.sock = sock
        self.lines = []
        self.closed_at = None
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        buf = b""
        try:
            while True:
                try:
                    chunk = self.sock.recv(65536)
                except socket.timeout:  # the socket's timeout is for sends; keep reading
                    continue
                if not chunk:
                    break
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    self.lines.append(line + b"\n")
        except OSError as e:
            self.error = e
        if buf:
            self.lines.append(buf)
        self.closed_at = time.monotonic()

    def wait_line(self, predicate, timeout):
        def found():
            return next((l for l in self.lines if predicate(l)), None)

        return poll(lambda: found() or self.closed_at is not None, timeout) and found()

    def wait_closed(self, timeout):
        return poll(lambda: self.closed_at is not None, timeout)


# --- normal clients that must not notice ----------------------------------------------------------


def normal_smtp(m, to, port_name="smtp"):
    """One delivery over plain SMTP (the MX listener); returns seconds taken."""
    start = time.monotonic()
    msgid = f"bystander-{uuid.uuid4().hex}@{DOMAIN}"
    with smtplib.SMTP("127.0.0.1", m.ports[port_name], timeout=30) as s:
        s.sendmail("sender@elsewhere.test", [to], mail(msgid, to, "Bystander"))
    return time.monotonic() - start


def normal_imap(m, address, append=True, port_name="imaps"):
    """Login, SELECT, APPEND, FETCH of the appended message over IMAPS (or the imap listener with
    STARTTLS); returns the slowest step."""
    steps = []
    t = time.monotonic()
    if port_name == "imaps":
        c = imaps_login(m, address)
    else:
        c = imaplib.IMAP4("127.0.0.1", m.ports[port_name], timeout=30)
        c.starttls(ssl_context=tls_context())
        c.login(address, PASSWORD)
    steps.append(time.monotonic() - t)
    t = time.monotonic()
    typ, _ = c.select("INBOX")
    assert typ == "OK"
    steps.append(time.monotonic() - t)
    if append:
        msgid = f"append-{uuid.uuid4().hex}@{DOMAIN}"
        t = time.monotonic()
        typ, data = c.append("INBOX", None, None, mail(msgid, address, "Appended"))
        assert typ == "OK", data
        uid = re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1).decode()
        steps.append(time.monotonic() - t)
        t = time.monotonic()
        typ, data = c.uid("FETCH", uid, "(BODY.PEEK[])")
        assert typ == "OK" and msgid.encode() in data[0][1], data
        steps.append(time.monotonic() - t)
    c.logout()
    return max(steps)


def normal_pop3(m, address, port_name="pop3s"):
    start = time.monotonic()
    if port_name == "pop3s":
        p = poplib.POP3_SSL("127.0.0.1", m.ports["pop3s"], context=tls_context(), timeout=30)
    else:
        p = poplib.POP3("127.0.0.1", m.ports[port_name], timeout=30)
        p.stls(tls_context())
    p.user(address)
    p.pass_(PASSWORD)
    p.stat()
    p.quit()
    return time.monotonic() - start


def normal_http(m):
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", m.ports["http"]), timeout=30) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 200") and reply.endswith(b"ok\n"), reply
    return time.monotonic() - start


# --- 3. a line that never ends ----------------------------------------------------------------------

# What each plain listener is sent after its greeting: the start of a command that never gets its CRLF,
# and a command that ends the session once the line is finally ended.
FLOOD_PREFIX = {"smtp": b"EHLO ", "imap": b"a1 LOGIN ", "pop3": b"USER "}
FLOOD_QUIT = {"smtp": b"QUIT\r\n", "imap": b"a2 LOGOUT\r\n", "pop3": b"QUIT\r\n"}
FLOOD_ERROR = {"smtp": rb"^500 5\.5\.2 ", "imap": rb"^(a1 BAD|\* BYE)", "pop3": rb"^-ERR"}
FLOOD_GOODBYE = {"smtp": rb"^221 ", "imap": rb"^a2 OK", "pop3": rb"^\+OK"}


def flood(port, prefix, total=FLOOD_BYTES):
    """Sends `total` bytes without a line end; returns (socket, bytes sent, reader, how sending ended)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=FLOOD_SEND_TIMEOUT)
    reader = LineReader(sock)
    assert reader.wait_line(lambda l: True, REPLY_DEADLINE), "no greeting"
    sent, ended = 0, "all sent"
    chunk = prefix + b"A" * (FLOOD_CHUNK - len(prefix))
    try:
        while sent < total:
            sock.sendall(chunk)
            sent += len(chunk)
            chunk = b"A" * FLOOD_CHUNK
    except socket.timeout:
        ended = "send blocked"
    except OSError as e:
        ended = f"send failed: {errno.errorcode.get(e.errno, e)}"
    return sock, sent, reader, ended


@pytest.mark.parametrize("protocol", ["smtp", "imap", "pop3"])
def test_no_line_end(tmp_path, protocol):
    m = make_server(tmp_path, ("smtp", "imap", "imaps", "pop3", "pop3s"), users=[user(0), user(1)])
    m.start()
    try:
        bystander = {
            "smtp": lambda: normal_smtp(m, user(1)),
            "imap": lambda: normal_imap(m, user(1)),
            "pop3": lambda: normal_pop3(m, user(1)),
        }[protocol]
        # Warm up first, a session and a small flood beside it, so that RSS measures the big flood and not the
        # first session's or the first concurrent reads' one-time allocations (seen as 6 MB on a busy machine).
        bystander()
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            warm = pool.submit(flood, m.ports[protocol], FLOOD_PREFIX[protocol], FLOOD_WARMUP_BYTES)
            bystander()
            warm.result()[0].close()
        rss_before = rss_kb(m.proc.pid)
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            started = time.monotonic()
            flooding = pool.submit(flood, m.ports[protocol], FLOOD_PREFIX[protocol])
            latencies = []
            while not flooding.done() or not latencies:
                latencies.append(bystander())
            sock, sent, reader, ended = flooding.result()
            elapsed = time.monotonic() - started
        error = reader.wait_line(lambda l: re.match(FLOOD_ERROR[protocol], l), REPLY_DEADLINE)
        rss_after = rss_kb(m.proc.pid)
        print(
            f"{protocol}: {sent} bytes taken ({ended}) in {elapsed:.2f} s; lines {reader.lines!r}; "
            f"closed {reader.closed_at is not None}; RSS {rss_before} -> {rss_after} kB; "
            f"bystander worst {max(latencies):.3f} s over {len(latencies)} runs"
        )
        # The server answers at its line limit and never buffers the line: it either closes or keeps
        # discarding to the line end and then goes on with the session (Mailroom does the latter).
        assert error, f"no error reply after {sent} bytes without a line end: {reader.lines!r}"
        # Holding the line would cost at least FLOOD_BYTES; allocator noise of a busy server stays well under 3/4 of it
        # (IMAP's RSS grows by a constant 4-10 MB on a busy machine, the same after a flood of 10 MB as of 40 MB).
        assert rss_after - rss_before < FLOOD_BYTES * 3 // 4 // 1024, "the server buffered the flood"
        if reader.closed_at is None:
            try:
                sock.sendall(b"\r\n" + FLOOD_QUIT[protocol])
            except OSError:
                pass
            goodbye = reader.wait_line(lambda l: re.match(FLOOD_GOODBYE[protocol], l), REPLY_DEADLINE)
            assert goodbye or reader.closed_at is not None, reader.lines
        sock.close()
        # A normal session of the same protocol meanwhile: each run has a few steps, each < the bound.
        assert max(latencies) < OP_LATENCY_BOUND * 4, latencies
        assert bystander() < OP_LATENCY_BOUND * 4
    finally:
        assert m.stop() == 0, "".join(m.lines)


# --- 2. a 2 GB literal that stalls ------------------------------------------------------------------


def imaps_raw_login(m, address):
    """A logged-in IMAPS socket with a LineReader on it."""
    sock = tls_context().wrap_socket(socket.create_connection(("127.0.0.1", m.ports["imaps"]), timeout=30))
    reader = LineReader(sock)
    assert reader.wait_line(lambda l: l.startswith(b"* OK"), REPLY_DEADLINE)
    sock.sendall(f'l1 LOGIN {address} "{PASSWORD}"\r\n'.encode())
    assert reader.wait_line(lambda l: l.startswith(b"l1 OK"), 30), reader.lines
    return sock, reader


def test_huge_literal_stall(tmp_path):
    m = make_server(tmp_path, ("smtp", "imaps"), users=[user(0), user(1)])
    m.start()
    try:
        # Warm up (so that RSS measures the literal, not first sessions) and take the unloaded latency.
        baseline = max(normal_imap(m, user(1)) for _ in range(3))
        latency_bound = max(OP_LATENCY_BOUND, 3 * baseline)  # a busy machine must not fail the test
        sock, reader = imaps_raw_login(m, user(0))
        rss_before = rss_kb(m.proc.pid)

        # Synchronising form: refused before any data, with no continuation request (RFC 7889 §4).
        sent_at = time.monotonic()
        sock.sendall(f"s1 APPEND INBOX {{{HUGE_LITERAL}}}\r\n".encode())
        reply = reader.wait_line(lambda l: l.startswith((b"s1 ", b"* BYE", b"+")), REPLY_DEADLINE)
        print(f"sync form: {reply!r} after {time.monotonic() - sent_at:.3f} s")
        assert reply and re.match(rb"s1 (NO|BAD) \[(TOOBIG|LIMIT)\]", reply), reader.lines
        sock.sendall(b"s2 NOOP\r\n")
        assert reader.wait_line(lambda l: l.startswith(b"s2 OK"), REPLY_DEADLINE), reader.lines

        # Non-synchronising form: the data comes anyway; the server refuses and discards it, never
        # holding it in memory; the client then stalls mid-literal while another client works.
        sent_at = time.monotonic()
        sock.sendall(f"n1 APPEND INBOX {{{HUGE_LITERAL}+}}\r\n".encode())
        sent, chunk = 0, b"x" * FLOOD_CHUNK
        try:
            while sent < STALL_SEND_BYTES:
                sock.sendall(chunk)
                sent += len(chunk)
        except OSError as e:
            print(f"non-sync form: send ended after {sent} bytes: {e!r}")
        reply = reader.wait_line(lambda l: l.startswith((b"n1 ", b"* BYE")), REPLY_DEADLINE)
        print(f"non-sync form: {reply!r} after {time.monotonic() - sent_at:.3f} s, {sent} bytes sent")
        assert reply and re.match(rb"(n1 (NO|BAD) \[(TOOBIG|LIMIT)\]|\* BYE)", reply), reader.lines
        rss_sent = rss_kb(m.proc.pid)
        assert rss_sent - rss_before < STALL_SEND_BYTES // 1024 // 2, "the server held the literal in memory"

        stall_end = time.monotonic() + STALL_SECONDS
        latencies = []
        while time.monotonic() < stall_end:
            latencies.append(normal_imap(m, user(1)))
        rss_stalled = rss_kb(m.proc.pid)
        cut = reader.closed_at is not None
        print(
            f"stalled {STALL_SECONDS} s: connection {'cut' if cut else 'still open'}; RSS {rss_before} -> "
            f"{rss_sent} (literal sent) -> {rss_stalled} kB (after the bystanders); "
            f"bystander worst step {max(latencies):.3f} s over {len(latencies)} sessions"
        )
        assert max(latencies) < latency_bound, (baseline, latencies)
        # The server discards the literal until it is complete or the client is logged out after the
        # 30-minute autologout (RFC 9051 §5.4; not configurable), which this test cannot wait for.
        sock.close()
        assert normal_imap(m, user(1)) < latency_bound
        assert not any(b"n1 OK" in l or b"s1 OK" in l for l in reader.lines)
        c = imaps_login(m, user(0))
        assert message_ids(c) == [], "a refused APPEND stored something"
        c.logout()
    finally:
        assert m.stop() == 0, "".join(m.lines)


# --- 5. the disk fills up during delivery -------------------------------------------------------------


def smtp_deliver(s, msgid, to, body):
    """One transaction on an open smtplib connection: (code, text) of the first reply that is not 2xx/3xx,
    or of the end of data."""
    data = mail(msgid, to, "Disk", body)
    for verb, arg in (("mail", "FROM:<sender@elsewhere.test>"), ("rcpt", f"TO:<{to}>")):
        code, text = s.docmd(verb, arg)
        if code >= 400:
            s.rset()
            return code, text.decode()
    code, text = s.docmd("data")
    if code != 354:
        s.rset()
        return code, text.decode()
    s.send(smtplib._quote_periods(data) + b".\r\n")  # data ends with CRLF
    code, text = s.getreply()
    return code, text.decode()


def disk_body(i, size):
    line = f"{i:06d} " + "disk full test line " * 3 + "\r\n"
    return line * max(1, size // len(line))


def test_disk_full_during_delivery(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs as the data directory")
    data = tmp_path / "data"
    data.mkdir()
    res = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE_MB}m", "tmpfs", str(data)], capture_output=True, text=True
    )
    if res.returncode != 0:
        pytest.skip(f"mount -t tmpfs is not permitted here: {res.stderr.strip()}")
    m = None
    try:
        m = make_server(tmp_path, ("smtp", "imaps"), users=[user(0)])
        m.start()
        # Fill most of the file system with a file of our own, so that the messages fill the rest quickly.
        filler = data / "filler"
        st = os.statvfs(data)
        with open(filler, "wb") as f:
            f.write(b"\0" * (st.f_bavail * st.f_frsize - FREE_AFTER_FILLER))
        # Large messages until the first refusals, then small ones: the last bytes run out at a
        # different step (spool, message file, database) depending on the size.
        accepted, refused, replies = {}, [], []
        with smtplib.SMTP("127.0.0.1", m.ports["smtp"], timeout=60) as s:
            s.ehlo("client.elsewhere.test")
            for size in (DISK_MESSAGE_BYTES, DISK_SMALL_MESSAGE_BYTES):
                refusals = 0
                for i in range(len(replies), len(replies) + DISK_MAX_MESSAGES):
                    msgid = f"disk-{i}@{DOMAIN}"
                    code, text = smtp_deliver(s, msgid, user(0), disk_body(i, size))
                    replies.append((i, size, code, text))
                    if code == 250:
                        accepted[msgid] = (i, size)
                    else:
                        refused.append((msgid, code, text))
                        refusals += 1
                        if refusals >= 3:
                            break
        print(f"replies {[(i, size, code) for i, size, code, _ in replies]}; refusals {set(t for *_, t in refused)}")
        print("".join(l for l in m.lines if " error " in l))
        assert refused, f"no refusal after {DISK_MAX_MESSAGES} messages on a full disk"
        assert all(code == 452 and text.startswith("4.3.1") for _, code, text in refused), refused
        assert not any(500 <= code for _, _, code, _ in replies), replies

        # Everything that got 250 is there once and intact; nothing refused was stored.
        c = imaps_login(m, user(0))
        ids = message_ids(c)
        assert sorted(ids) == sorted(accepted), (ids, accepted)
        for msgid, (i, size) in accepted.items():
            typ, found = c.uid("SEARCH", None, "HEADER", "Message-ID", f"<{msgid}>")
            assert typ == "OK" and len(found[0].split()) == 1, (msgid, found)
            typ, got = c.uid("FETCH", found[0].decode(), "(BODY.PEEK[TEXT])")
            assert typ == "OK" and got[0][1] == disk_body(i, size).encode(), f"{msgid} damaged"
        c.logout()

        # Space returns: the next delivery is accepted and readable.
        filler.unlink()
        msgid = f"after-{uuid.uuid4().hex}@{DOMAIN}"
        with smtplib.SMTP("127.0.0.1", m.ports["smtp"], timeout=60) as s:
            s.ehlo("client.elsewhere.test")
            code, text = smtp_deliver(s, msgid, user(0), disk_body(999, DISK_MESSAGE_BYTES))
        assert code == 250, (code, text)
        c = imaps_login(m, user(0))
        assert sorted(message_ids(c)) == sorted([*accepted, msgid])
        c.logout()
    finally:
        try:
            if m is not None:
                m.stop()
        finally:
            subprocess.run(["umount", str(data)], check=True)


# --- 4. slowloris: clients that say nothing, or one byte a second -------------------------------------

# A never-finished command for each plain listener; the TLS listeners get a real ClientHello instead.
TRICKLE_TEXT = {
    "smtp": b"EHLO " + b"a" * 10_000,
    "submission": b"EHLO " + b"a" * 10_000,
    "imap": b"a1 LOGIN " + b"a" * 10_000,
    "pop3": b"USER " + b"a" * 10_000,
    "http": b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 10_000,
}
TLS_LISTENERS = ("submissions", "imaps", "pop3s", "https")
# Where a slow client must be cut off (seconds after connecting), or why this test cannot check it.
SLOW_CUT_BOUND = {
    **{name: TLS_HANDSHAKE_TIMEOUT for name in TLS_LISTENERS},
    "https": HTTP_IDLE_TIMEOUT,  # the HTTP idle timer also covers a TLS handshake that does not finish
    "imap": LOGIN_TIMEOUT,
    "pop3": LOGIN_TIMEOUT,
    "http": HTTP_IDLE_TIMEOUT,
    "smtp": SMTP_COMMAND_TIMEOUT,  # a deadline per command line: the greeting, then nothing or one byte a second
    "submission": SMTP_COMMAND_TIMEOUT,
}
# Listeners this test cannot check, with the reason (none at the moment).
SLOW_NOT_CHECKED = {}
# Server faults still open (none at the moment); each stays xfail(strict=True) until fixed.
SLOW_XFAIL = {}


def client_hello():
    """The bytes of a TLS ClientHello, to be trickled."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = tls_context().wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:  # it waits for the ServerHello; the ClientHello is written
        return outgoing.read()
    raise AssertionError("a TLS handshake completed without a server")


class SlowClient:
    """A connection that sends nothing (`idle`) or one byte per TRICKLE_INTERVAL (`trickle`)."""

    def __init__(self, port, kind, text, stop):
        self.opened_at = time.monotonic()
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.reader = LineReader(self.sock)
        self.sent = 0
        if kind == "trickle":
            threading.Thread(target=self._trickle, args=(text, stop), daemon=True).start()

    def _trickle(self, text, stop):
        for byte in text:
            if stop.is_set() or self.reader.closed_at is not None:
                return
            try:
                self.sock.sendall(bytes([byte]))
            except OSError:
                return
            self.sent += 1
            stop.wait(TRICKLE_INTERVAL)  # pacing the slow client is the behaviour under test

    @property
    def lifetime(self):
        return None if self.reader.closed_at is None else self.reader.closed_at - self.opened_at


class Slowloris:
    """A server with every listener, slow clients on each, and normal clients running meanwhile."""

    def __init__(self, base):
        listeners = (*SLOW_CUT_BOUND, *SLOW_NOT_CHECKED)
        self.m = make_server(
            base,
            listeners,
            users=[user(0), user(1), user(2)],
            extra_config=(
                f'[limits]\nlogin_timeout = "{LOGIN_TIMEOUT}s"\nhttp_idle_timeout = "{HTTP_IDLE_TIMEOUT}s"\n'
                f'smtp_command_timeout = "{SMTP_COMMAND_TIMEOUT}s"\n'
            ),
        )
        self.m.start()
        self.stop = threading.Event()
        hello = client_hello()
        self.bystander_runs, self.bystander_failures = [], []
        self.baseline = max(self.bystanders_once())  # also warms the server up
        self.clients = {}
        for name in self.m.ports:
            text = hello if name in TLS_LISTENERS else TRICKLE_TEXT[name]
            for kind in ("idle", "trickle"):
                self.clients[name, kind] = SlowClient(self.m.ports[name], kind, text, self.stop)
        self.started = time.monotonic()
        self.thread = threading.Thread(target=self._bystanders, daemon=True)
        self.thread.start()

    def bystanders_once(self):
        m = self.m
        return [
            normal_smtp(m, user(0)),
            normal_submission(m, user(0)),
            normal_imap(m, user(1), port_name="imap"),
            normal_imap(m, user(1)),
            normal_pop3(m, user(2), port_name="pop3"),
            normal_pop3(m, user(2)),
            normal_http(m),
        ]

    def _bystanders(self):
        while not self.stop.is_set():
            try:
                self.bystander_runs.append(max(self.bystanders_once()))
            except Exception as e:  # recorded, asserted by test_slowloris_bystanders
                self.bystander_failures.append(repr(e))
            self.stop.wait(BYSTANDER_INTERVAL)

    def wait_cut(self, client, bound):
        """Waits until the client is cut or `bound` + TIMEOUT_MARGIN seconds after the start."""
        end = self.started + bound + TIMEOUT_MARGIN
        client.reader.wait_closed(max(0, end - time.monotonic()))
        return client.lifetime

    def close(self):
        self.stop.set()
        self.thread.join(60)
        for c in self.clients.values():
            c.sock.close()
        assert self.m.stop() == 0, "".join(self.m.lines)


def normal_submission(m, address):
    start = time.monotonic()
    with smtplib.SMTP("127.0.0.1", m.ports["submission"], timeout=30) as s:
        s.starttls(context=tls_context())
        s.login(address, PASSWORD)
        msgid = f"submitted-{uuid.uuid4().hex}@{DOMAIN}"
        s.sendmail(address, [address], mail(msgid, address, "Submitted", sender=address))
    return time.monotonic() - start


@pytest.fixture(scope="module")
def slowloris(tmp_path_factory):
    s = Slowloris(tmp_path_factory.mktemp("slowloris"))
    yield s
    s.close()


SLOW_CASES = [(name, kind) for name in (*SLOW_CUT_BOUND, *SLOW_NOT_CHECKED) for kind in ("idle", "trickle")]


@pytest.mark.parametrize(
    "listener,kind",
    [
        pytest.param(*case, marks=[pytest.mark.xfail(strict=True, reason=SLOW_XFAIL[case])])
        if case in SLOW_XFAIL
        else case
        for case in SLOW_CASES
    ],
)
def test_slowloris(slowloris, listener, kind):
    if listener in SLOW_NOT_CHECKED:
        pytest.skip(SLOW_NOT_CHECKED[listener])
    client = slowloris.clients[listener, kind]
    bound = SLOW_CUT_BOUND[listener]
    lifetime = slowloris.wait_cut(client, bound)
    print(f"{listener} {kind}: {'cut after %.1f s' % lifetime if lifetime else 'still open'}; sent {client.sent} B; "
          f"got {client.reader.lines!r}")
    assert lifetime is not None, f"{listener} {kind} client still connected {bound + TIMEOUT_MARGIN} s after connecting"
    assert lifetime <= bound + TIMEOUT_MARGIN


def test_slowloris_bystanders(slowloris):
    """Normal clients of every protocol kept working while the slow clients were connected."""
    end = slowloris.started + max(SLOW_CUT_BOUND.values()) + TIMEOUT_MARGIN
    poll(lambda: time.monotonic() >= end, max(0, end - time.monotonic()) + 1, interval=0.5)
    runs, failures = list(slowloris.bystander_runs), list(slowloris.bystander_failures)
    print(f"bystander rounds {len(runs)}, worst step {max(runs):.3f} s (baseline {slowloris.baseline:.3f} s)")
    assert not failures, failures
    assert runs and max(runs) < max(OP_LATENCY_BOUND, 3 * slowloris.baseline), runs


# --- 1. many IMAP sessions while SMTP delivers -------------------------------------------------------

LITERAL_AT_END = re.compile(rb"\{(\d+)\}\r\n$")


class SessionFailure(Exception):
    pass


class LoadStats:
    def __init__(self):
        self.errors = []  # (session, what)
        self.ops = 0
        self.exists_seen_in_idle = 0
        self.logged_in = 0

    def error(self, session, what):
        if len(self.errors) < 100:
            self.errors.append((session, what))


class LoadSession:
    """One IMAPS session looping a random mix of commands; every BAD/NO/BYE or drop is an error."""

    OPS = ("select", "select", "examine", "fetch", "fetch", "fetch", "store", "store", "search", "search",
           "idle", "idle")

    def __init__(self, index, address, port, stats, stop, rng):
        self.index, self.address, self.port = index, address, port
        self.stats, self.stop, self.rng = stats, stop, rng
        self.tag = 0
        self.read_write = False
        self.highest_uid = 1

    async def connect(self, login_slots):
        async with login_slots:
            self.reader, self.writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", self.port, ssl=tls_context(), limit=1 << 20), OP_TIMEOUT
            )
            greeting = await self.line()
            if not greeting.startswith(b"* OK"):
                raise SessionFailure(f"greeting {greeting!r}")
            await self.command(f'LOGIN {self.address} "{PASSWORD}"')
        self.stats.logged_in += 1

    async def line(self):
        """One response line with its literals inlined."""
        line = await self.reader.readline()
        if not line.endswith(b"\n"):
            raise SessionFailure("connection closed by the server")
        parts = [line]
        while found := LITERAL_AT_END.search(parts[-1]):
            parts.append(await self.reader.readexactly(int(found.group(1))))
            parts.append(await self.reader.readline())
        return b"".join(parts)

    def untagged(self, line):
        if line.startswith((b"* BYE", b"* BAD", b"* NO", b"+")):
            raise SessionFailure(f"unexpected {line[:200]!r}")
        if line.endswith(b" EXISTS\r\n"):
            self.highest_uid = max(self.highest_uid, int(line.split()[1]))
        return line

    async def response(self, tag, timeout=OP_TIMEOUT):
        lines = []
        while True:
            line = await asyncio.wait_for(self.line(), timeout)
            if line.startswith(tag + b" "):
                if not line.startswith(tag + b" OK"):
                    raise SessionFailure(f"{line[:200]!r}")
                return lines
            lines.append(self.untagged(line))

    async def command(self, text):
        self.tag += 1
        tag = b"t%d" % self.tag
        self.writer.write(tag + b" " + text.encode() + b"\r\n")
        await self.writer.drain()
        lines = await self.response(tag)
        self.stats.ops += 1
        return lines

    async def select(self, read_write):
        lines = await self.command(("SELECT" if read_write else "EXAMINE") + " INBOX")
        self.read_write = read_write
        for l in lines:
            if found := re.search(rb"UIDNEXT (\d+)", l):
                self.highest_uid = max(self.highest_uid, int(found.group(1)) - 1)

    async def idle(self):
        self.tag += 1
        tag = b"t%d" % self.tag
        self.writer.write(tag + b" IDLE\r\n")
        await self.writer.drain()
        first = await asyncio.wait_for(self.line(), OP_TIMEOUT)
        if not first.startswith(b"+"):
            raise SessionFailure(f"IDLE answered {first[:200]!r}")
        end = time.monotonic() + self.rng.uniform(*IDLE_SECONDS)
        pending = None
        while True:
            pending = pending or asyncio.ensure_future(self.line())
            done, _ = await asyncio.wait({pending}, timeout=max(0, end - time.monotonic()))
            if not done:
                break  # the pending read stays alive across DONE, so no byte is lost
            line, pending = pending.result(), None
            if line.startswith(tag + b" "):
                raise SessionFailure(f"IDLE ended by the server: {line[:200]!r}")
            if self.untagged(line).endswith(b" EXISTS\r\n"):
                self.stats.exists_seen_in_idle += 1
                break
        self.writer.write(b"DONE\r\n")
        await self.writer.drain()
        while True:
            line = await asyncio.wait_for(pending or self.line(), OP_TIMEOUT)
            pending = None
            if line.startswith(tag + b" "):
                if not line.startswith(tag + b" OK"):
                    raise SessionFailure(f"IDLE {line[:200]!r}")
                self.stats.ops += 1
                return
            self.untagged(line)

    async def one_op(self, known_ids):
        op = self.rng.choice(self.OPS)
        uid = self.rng.randint(1, self.highest_uid)
        if op == "select":
            await self.select(True)
        elif op == "examine":
            await self.select(False)
        elif op == "fetch":
            await self.command(f"UID FETCH {max(1, uid - 10)}:{uid} (FLAGS)")
            part = self.rng.choice(("BODY.PEEK[]", "BODY.PEEK[TEXT]", "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"))
            await self.command(f"UID FETCH {uid} (UID {part})")
        elif op == "store":
            if not self.read_write:
                await self.select(True)
            change = self.rng.choice(
                ("+FLAGS (\\Flagged)", "-FLAGS (\\Flagged)", "+FLAGS (\\Seen $Load)", "-FLAGS (\\Seen)")
            )
            await self.command(f"UID STORE {uid} {change}")
        elif op == "search":
            criteria = self.rng.choice(("UNSEEN", "FLAGGED", 'SUBJECT "Load"', "HEADER Message-ID"))
            if criteria == "HEADER Message-ID":
                criteria += f' "<{self.rng.choice(known_ids)}>"'
            await self.command(f"UID SEARCH {criteria}")
        else:
            await self.idle()

    async def run(self, login_slots, known_ids):
        try:
            await self.connect(login_slots)
            await self.select(True)
            while not self.stop.is_set():
                await self.one_op(known_ids)
                try:  # pacing: a user thinks between commands
                    await asyncio.wait_for(self.stop.wait(), self.rng.uniform(*THINK_SECONDS))
                except asyncio.TimeoutError:
                    pass
            self.tag += 1
            tag = b"t%d" % self.tag
            self.writer.write(tag + b" LOGOUT\r\n")
            await self.writer.drain()
            while not (line := await asyncio.wait_for(self.line(), OP_TIMEOUT)).startswith(tag + b" "):
                if not line.startswith(b"* BYE"):
                    self.untagged(line)
            if not line.startswith(tag + b" OK"):
                raise SessionFailure(f"LOGOUT {line!r}")
        except (SessionFailure, OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ssl.SSLError) as e:
            self.stats.error(self.index, repr(e))
        finally:
            if hasattr(self, "writer"):
                self.writer.close()


def deliver_load(m, users, stop_at, delivered, failures, seq):
    """Delivers over one SMTP connection until `stop_at`; records {Message-ID: user} on 250."""
    rng = random.Random()
    try:
        with smtplib.SMTP("127.0.0.1", m.ports["smtp"], timeout=OP_TIMEOUT) as s:
            s.ehlo("load.elsewhere.test")
            while time.monotonic() < stop_at:
                to = rng.choice(users)
                msgid = f"load-{next(seq)}-{uuid.uuid4().hex[:8]}@{DOMAIN}"
                code, text = smtp_deliver(s, msgid, to, f"Load message {msgid}.\r\n" * rng.randint(1, 40))
                if code == 250:
                    delivered[msgid] = to
                else:
                    failures.append((msgid, code, text))
                time.sleep(DELIVERY_PAUSE)  # pacing the sender
    except (smtplib.SMTPException, OSError) as e:
        failures.append(("connection", repr(e)))


def test_many_sessions_while_delivering(tmp_path):
    users = [user(i) for i in range(N_USERS)]
    m = make_server(
        tmp_path, ("smtp", "imaps"), users=users,
        extra_config=f"[limits]\nconnections_per_ip = {N_SESSIONS + 50}\n",
    )
    m.start()
    try:
        seeded = {}
        with smtplib.SMTP("127.0.0.1", m.ports["smtp"], timeout=OP_TIMEOUT) as s:
            s.ehlo("seed.elsewhere.test")
            for to in users:
                for i in range(SEED_MESSAGES):
                    msgid = f"seed-{i}-{to}"
                    assert smtp_deliver(s, msgid, to, "Seed.\r\n")[0] == 250
                    seeded[msgid] = to
        rss_start = rss_kb(m.proc.pid)
        stats = LoadStats()
        delivered, delivery_failures = {}, []
        samples = {}

        async def main():
            stop = asyncio.Event()
            login_slots = asyncio.Semaphore(LOGIN_CONCURRENCY)
            known_ids = list(seeded)
            sessions = [
                LoadSession(i, users[i % N_USERS], m.ports["imaps"], stats, stop, random.Random(i))
                for i in range(N_SESSIONS)
            ]
            tasks = [asyncio.ensure_future(s.run(login_slots, known_ids)) for s in sessions]
            started = time.monotonic()
            while stats.logged_in + len(stats.errors) < N_SESSIONS and time.monotonic() - started < 10 * OP_TIMEOUT:
                await asyncio.sleep(0.2)  # polling the login count
            samples["login_seconds"] = time.monotonic() - started
            load_start = time.monotonic()
            seq = iter(range(1 << 30))
            loop = asyncio.get_running_loop()
            senders = [
                loop.run_in_executor(
                    None, deliver_load, m, users, load_start + LOAD_SECONDS, delivered, delivery_failures, seq
                )
                for _ in range(SMTP_SENDERS)
            ]
            await asyncio.sleep(WARMUP_SECONDS)  # the load runs; then the warm sample
            samples["rss_warm"] = rss_kb(m.proc.pid)
            samples["ops_warm"] = stats.ops
            await asyncio.gather(*senders)
            samples["load_seconds"] = time.monotonic() - load_start
            stop.set()
            await asyncio.gather(*tasks)

        asyncio.run(main())
        rss_after = settled_rss_kb(m.proc.pid)
        growth_bound = max(RSS_GROWTH_BOUND_KB, RSS_GROWTH_PER_COMMAND_KB * (stats.ops - samples["ops_warm"]))
        print(
            f"{N_SESSIONS} sessions logged in within {samples['login_seconds']:.1f} s; "
            f"{stats.ops} commands ({stats.ops - samples['ops_warm']} after warm-up) "
            f"in {samples['load_seconds']:.1f} s; "
            f"{len(delivered)} deliveries; {stats.exists_seen_in_idle} EXISTS seen in IDLE; "
            f"RSS start {rss_start} kB, warm {samples['rss_warm']} kB, after {rss_after} kB (bound +{growth_bound} kB)"
        )
        assert not stats.errors, stats.errors[:20]
        assert not delivery_failures, delivery_failures[:20]
        assert delivered, "no delivery during the load"

        # Every delivered message is in its user's INBOX exactly once, and nothing else is.
        expected = {**seeded, **delivered}
        for address in users:
            c = imaps_login(m, address)
            ids = message_ids(c)
            c.logout()
            mine = sorted(msgid for msgid, to in expected.items() if to == address)
            assert sorted(ids) == mine, f"{address}: {len(ids)} messages, {len(mine)} delivered"

        assert rss_after <= samples["rss_warm"] + growth_bound
        assert normal_imap(m, users[0]) < OP_LATENCY_BOUND * 4
    finally:
        assert m.stop() == 0, "".join(m.lines[-50:])


# The per-IP connection limit ([limits] connections_per_ip) is what bounds how many slow clients one
# address can hold open: each listener keeps exactly that many and refuses the rest.
PER_IP_XFAIL = {}  # listeners where the limit is known not to hold (none at the moment)


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory):
    from conftest import LISTENERS

    m = make_server(
        tmp_path_factory.mktemp("per-ip"), LISTENERS, extra_config=f"[limits]\nconnections_per_ip = {PER_IP_LIMIT}\n"
    )
    m.start()
    yield m
    assert m.stop() == 0, "".join(m.lines)


def open_connection(m, listener):
    """A connection as a client opens it (TLS handshake done on the implicit-TLS listeners), or None
    if the server refused it during the handshake."""
    sock = socket.create_connection(("127.0.0.1", m.ports[listener]), timeout=30)
    if listener in ("submissions", "imaps", "pop3s", "https"):
        try:
            sock = tls_context().wrap_socket(sock)
        except (ssl.SSLError, OSError):
            return None
    return LineReader(sock)


@pytest.mark.parametrize(
    "listener",
    [
        pytest.param(name, marks=[pytest.mark.xfail(strict=True, reason=PER_IP_XFAIL[name])])
        if name in PER_IP_XFAIL
        else name
        for name in ("smtp", "submission", "submissions", "imap", "imaps", "pop3", "pop3s", "http", "https")
    ],
)
def test_connection_limit_per_ip(limited_server, listener):
    m = limited_server
    readers = [open_connection(m, listener) for _ in range(PER_IP_LIMIT + PER_IP_EXTRA)]
    try:
        refused = lambda: [r for r in readers if r is None or r.closed_at is not None]
        poll(lambda: len(refused()) >= PER_IP_EXTRA, PER_IP_DEADLINE)
        poll(lambda: len(refused()) > PER_IP_EXTRA, 0.5)  # a short look for too many refusals
        lines = [r.lines[-1][:40] if r and r.lines else None for r in readers]
        print(f"{listener}: {len(refused())} of {len(readers)} refused: {lines}")
        assert len(refused()) == PER_IP_EXTRA, lines
    finally:
        for r in readers:
            if r:
                r.sock.close()  # the next test uses another listener, whose count is its own
