"""IMAP against real clients: Python imaplib (STARTTLS and IMAPS), imapclient, curl, mbsync.

Every message enters through SMTP or APPEND, so each test is end to end.
"""

import imaplib
import re
import shutil
import smtplib
import socket
import ssl
import subprocess
import threading
import time

import pytest

from conftest import Mailroom, tls_context

PASSWORD = "correct horse battery"
ALICE = "alice@example.test"


@pytest.fixture
def server(tmp_path):
    m = Mailroom(tmp_path, listeners=("smtp", "imap", "imaps"))
    m.cli("domain", "add", "example.test")
    m.cli("user", "add", ALICE, "--password", PASSWORD)
    m.cli("user", "add", "bob@example.test", "--password", PASSWORD)
    m.start()
    yield m
    assert m.stop() == 0, "".join(m.lines)


def message(subject="Hello", body="Hello Alice.\r\nSecond line.\r\n", sender="bob@example.test", to=ALICE):
    return (
        f"From: Bob <{sender}>\r\nTo: Alice <{to}>\r\nSubject: {subject}\r\n"
        f"Date: Mon, 2 Nov 2026 10:00:00 +0000\r\nMessage-ID: <{subject.replace(' ', '.')}@example.test>\r\n"
        f"\r\n{body}"
    ).encode()


def send_smtp(m: Mailroom, data: bytes, to=ALICE):
    with smtplib.SMTP("127.0.0.1", m.ports["smtp"], timeout=30) as s:
        s.sendmail("bob@example.test", [to], data)


def imaps(m: Mailroom, user=ALICE, timeout=30):
    c = imaplib.IMAP4_SSL("127.0.0.1", m.ports["imaps"], ssl_context=tls_context(), timeout=timeout)
    c.login(user, PASSWORD)
    return c


def test_greeting_logindisabled_starttls_login(server):
    c = imaplib.IMAP4("127.0.0.1", server.ports["imap"], timeout=30)
    caps = c.capabilities
    assert "IMAP4REV1" in caps and "IMAP4REV2" in caps
    assert "LOGINDISABLED" in caps and "STARTTLS" in caps
    assert not any(cap.startswith("AUTH=") for cap in caps)
    typ, data = c._simple_command("LOGIN", ALICE, '"' + PASSWORD + '"')
    assert typ == "NO"
    c.starttls(ssl_context=tls_context())
    assert "LOGINDISABLED" not in c.capabilities and "AUTH=PLAIN" in c.capabilities
    c.login(ALICE, PASSWORD)
    assert c.noop()[0] == "OK"
    assert c.logout()[0] == "BYE"


def test_authenticate_plain_and_bad_password(server):
    c = imaplib.IMAP4_SSL("127.0.0.1", server.ports["imaps"], ssl_context=tls_context(), timeout=30)
    with pytest.raises(imaplib.IMAP4.error):
        c.login(ALICE, "wrong")
    c.authenticate("PLAIN", lambda _: f"\0{ALICE}\0{PASSWORD}".encode())
    assert c.state == "AUTH"
    c.logout()


def test_mailbox_commands(server):
    c = imaps(server)
    typ, data = c.list()
    assert typ == "OK"
    lines = [d.decode() for d in data]
    assert any('"INBOX"' in l or " INBOX" in l for l in lines)
    assert any("\\Sent" in l and "Sent" in l for l in lines)
    assert all("HasNoChildren" in l or "HasChildren" in l for l in lines)
    assert c.create("Projects/Mailroom")[0] == "OK"
    assert any("Projects" in d.decode() and "\\HasChildren" in d.decode() for d in c.list()[1])
    assert c.rename("Projects/Mailroom", "Projects/Post")[0] == "OK"
    assert c.status("Projects/Post", "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN)")[0] == "OK"
    assert c.delete("Projects/Post")[0] == "OK"
    typ, data = c.select("Nope")
    assert typ == "NO" and b"NONEXISTENT" in data[0]
    # rev1 clients name mailboxes in modified UTF-7 (RFC 3501 §5.1.3): "Café".
    assert c.create("Caf&AOk-")[0] == "OK"
    assert any(b'"Caf&AOk-"' in d for d in c.list()[1])
    assert c.subscribe("Archive")[0] == "OK"
    assert c.lsub()[0] == "OK"
    c.logout()


def test_fetch_store_search_copy_move_expunge(server):
    send_smtp(server, message("First"))
    send_smtp(server, message("Second", body="needle in a haystack\r\n"))
    c = imaps(server)
    typ, data = c.select("INBOX")
    assert typ == "OK" and data == [b"2"]
    typ, data = c.fetch("1:2", "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODYSTRUCTURE)")
    assert typ == "OK"
    text = b" ".join(d if isinstance(d, bytes) else b"".join(d) for d in data)
    assert b"ENVELOPE" in text and b'"First"' in text and b"BODYSTRUCTURE" in text
    typ, data = c.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert data[0][1] == b"Subject: First\r\n\r\n"
    typ, data = c.fetch("1", "(BODY.PEEK[TEXT]<0.5>)")
    assert data[0][1] == b"Hello"
    typ, data = c.fetch("2", "(RFC822)")
    assert b"needle in a haystack" in data[0][1] and data[0][1].startswith(b"Return-Path:")
    typ, data = c.fetch("2", "(FLAGS)")
    assert b"\\Seen" in data[0]  # RFC822 without PEEK sets \Seen
    typ, data = c.fetch("1", "(BINARY.PEEK[1] BINARY.SIZE[1] RFC822.HEADER BODY.PEEK[1.MIME])")
    assert typ == "OK" and data[0][1] == b"Hello Alice.\r\nSecond line.\r\n"
    assert b"BINARY.SIZE[1] 28" in data[1][0]
    assert c.store("1", "+FLAGS", "(\\Flagged $Label)")[0] == "OK"
    assert c.search(None, "FLAGGED")[1] == [b"1"]
    assert c.search(None, "UNSEEN")[1] == [b"1"]
    assert c.search(None, "BODY", "needle")[1] == [b"2"]
    assert c.search(None, "SUBJECT", "first")[1] == [b"1"]
    assert c.search(None, "FROM", "bob")[1] == [b"1 2"]
    assert c.search(None, "SENTON", "2-Nov-2026")[1] == [b"1 2"]
    assert c.search(None, "OR", "LARGER", "1", "NOT", "ALL")[1] == [b"1 2"]
    typ, data = c.uid("SEARCH", None, "ALL")
    assert data == [b"1 2"]
    typ, data = c.copy("1", "Archive")
    assert typ == "OK" and b"COPYUID" in data[0]
    typ, data = c._simple_command("MOVE", "2", "Trash")
    assert typ == "OK"
    assert c.select("INBOX")[1] == [b"1"]
    assert c.store("1", "+FLAGS", "\\Deleted")[0] == "OK"
    typ, data = c.expunge()
    assert typ == "OK" and data == [b"1"]
    assert c.select("Trash")[1] == [b"1"]
    assert c.select("Archive")[1] == [b"1"]
    c.logout()


def test_append_and_fetch_back(server):
    c = imaps(server)
    raw = message("Appended", body="x" * 100000 + "\r\n")
    typ, data = c.append("Drafts", "(\\Draft)", imaplib.Time2Internaldate(time.time()), raw)
    assert typ == "OK" and b"APPENDUID" in data[0]
    typ, data = c.append("Missing", None, None, raw)
    assert typ == "NO" and b"TRYCREATE" in data[0]
    c.select("Drafts")
    typ, data = c.fetch("1", "(FLAGS BODY.PEEK[])")
    assert data[0][1] == raw
    assert b"\\Draft" in data[0][0]
    c.logout()


def test_binary_of_a_large_attachment_streams_decoded_bytes(server):
    """RFC 3516: BINARY[part] is the transfer-decoded part, read and decoded from the blob chunk by chunk.

    A 3 MB base64 attachment (with NUL bytes, so literal8) and a quoted-printable part; whole, partial and
    BINARY.SIZE must match the original bytes exactly, across the server's read-chunk boundaries.
    """
    import base64
    import quopri
    import random

    payload = random.Random(3516).randbytes(3 * 1024 * 1024) + b"\x00end"
    encoded = base64.encodebytes(payload).replace(b"\n", b"\r\n")
    text = "Caf\u00e9 caf\u00e9 " * 2000 + "end"
    qp = quopri.encodestring(text.encode()).replace(b"\n", b"\r\n") + b"\r\n"
    raw = (
        b"From: Bob <bob@example.test>\r\nTo: Alice <alice@example.test>\r\nSubject: Attachment\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XYZ\r\n\r\n"
        b"--XYZ\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        + qp + b"--XYZ\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + encoded + b"--XYZ--\r\n"
    )
    c = imaps(server)
    assert c.append("INBOX", None, None, raw)[0] == "OK"
    c.select("INBOX")
    typ, data = c.fetch("1", "(BINARY.SIZE[2] BINARY.SIZE[1])")
    assert typ == "OK" and f"BINARY.SIZE[2] {len(payload)}".encode() in data[0]
    assert f"BINARY.SIZE[1] {len(text.encode())}".encode() in data[0]
    typ, data = c.fetch("1", "(BINARY.PEEK[2])")
    assert b"~{" in data[0][0] and data[0][1] == payload
    typ, data = c.fetch("1", "(BINARY.PEEK[2]<1000000.300000>)")
    assert data[0][1] == payload[1000000:1300000]
    typ, data = c.fetch("1", "(BINARY.PEEK[2]<3145000.100000>)")
    assert data[0][1] == payload[3145000:]
    typ, data = c.fetch("1", "(BINARY.PEEK[1])")
    assert data[0][1] == text.encode()
    # BINARY.SIZE and BINARY of one part in one FETCH share a pass over the part; a window without NUL is still
    # a plain literal when the part has NUL elsewhere, and the whole part is literal8.
    start = payload.index(b"\x00") + 1
    length = payload.index(b"\x00", start) - start
    assert length > 0
    typ, data = c.fetch("1", f"(BINARY.SIZE[2] BINARY.PEEK[2]<{start}.{length}> BINARY.PEEK[2] BINARY.SIZE[1])")
    assert typ == "OK" and f"BINARY.SIZE[2] {len(payload)} ".encode() in data[0][0]
    assert data[0][0].endswith(f"BINARY[2]<{start}> {{{length}}}".encode()) and data[0][1] == payload[start:][:length]
    assert data[1][0].endswith(f" BINARY[2] ~{{{len(payload)}}}".encode()) and data[1][1] == payload
    assert f"BINARY.SIZE[1] {len(text.encode())})".encode() in data[2]
    typ, data = c.fetch("1", "(BINARY.PEEK[1] BINARY.SIZE[1] BINARY.PEEK[1]<0.4>)")
    assert data[0][1] == text.encode() and data[1][1] == b"Caf\xc3"
    assert f"BINARY.SIZE[1] {len(text.encode())} BINARY[1]<0> {{4}}".encode() in data[1][0]
    # RFC 3516 §4.3: an encoding the server does not know is NO [UNKNOWN-CTE].
    odd = (b"From: Bob <bob@example.test>\r\nSubject: Odd\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n"
           b"begin 644 a\r\nend\r\n")
    assert c.append("INBOX", None, None, odd)[0] == "OK"
    for item in ("BINARY.PEEK[1]", "BINARY.SIZE[1]"):
        typ, data = c.fetch("2", f"({item})")
        assert typ == "NO" and b"UNKNOWN-CTE" in data[0], (item, typ, data)
    assert c.fetch("2", "(BODY.PEEK[1])")[0] == "OK"
    typ, data = c.fetch("1", "(BINARY.PEEK[9])")
    assert typ == "NO" and b"NONEXISTENT" in data[0]
    c.logout()


def test_multiappend_is_all_or_nothing(tmp_path):
    """RFC 3502 §6.3.11: a MULTIAPPEND whose second message does not fit the quota stores neither; one that fits
    stores both, with consecutive UIDs in one APPENDUID."""
    m = Mailroom(tmp_path, listeners=("imaps",))
    m.cli("domain", "add", "example.test")
    m.cli("user", "add", "small@example.test", "--password", PASSWORD, "--quota", "3KB")
    m.start()
    try:
        ctx = tls_context()
        with socket.create_connection(("127.0.0.1", m.ports["imaps"]), timeout=30) as raw:
            s = ctx.wrap_socket(raw, server_hostname="mail.example.test")
            f = s.makefile("rb")
            assert f.readline().startswith(b"* OK")

            def command(tag, parts):
                # parts: text pieces and byte literals, sent as synchronising literals
                for part in parts:
                    if isinstance(part, bytes):
                        s.sendall(b"{%d}\r\n" % len(part))
                        line = f.readline()
                        if not line.startswith(b"+"):
                            return [line]
                        s.sendall(part)
                    else:
                        s.sendall(part.encode())
                s.sendall(b"\r\n")
                lines = []
                while True:
                    line = f.readline()
                    assert line, "connection closed"
                    lines.append(line)
                    if line.startswith(tag.encode() + b" "):
                        return lines

            assert command("a", [f'a LOGIN small@example.test "{PASSWORD}"'])[-1].startswith(b"a OK")
            small = message("Small one", body="x" * 500 + "\r\n")
            big = message("Big one", body="y" * 2500 + "\r\n")
            reply = command("b", ["b APPEND INBOX (\\Seen) ", small, " ", big])[-1]
            assert reply.startswith(b"b NO") and b"OVERQUOTA" in reply, reply
            status = command("c", ["c STATUS INBOX (MESSAGES)"])
            assert b"(MESSAGES 0)" in b"".join(status), status
            reply = command("d", ["d APPEND INBOX ", small, " ", message("Second", body="z\r\n")])[-1]
            assert reply.startswith(b"d OK") and b"APPENDUID" in reply and b" 1:2]" in reply, reply
            status = command("e", ["e STATUS INBOX (MESSAGES)"])
            assert b"(MESSAGES 2)" in b"".join(status), status
            command("z", ["z LOGOUT"])
    finally:
        assert m.stop() == 0, "".join(m.lines)


def test_pipelined_commands(server):
    ctx = tls_context()
    with socket.create_connection(("127.0.0.1", server.ports["imaps"]), timeout=30) as raw:
        with ctx.wrap_socket(raw) as s:
            f = s.makefile("rb")
            assert f.readline().startswith(b"* OK")
            s.sendall(
                f'a LOGIN {ALICE} "{PASSWORD}"\r\nb SELECT INBOX\r\nc NOOP\r\nd LOGOUT\r\n'.encode()
            )
            tags = []
            while True:
                line = f.readline()
                if not line:
                    break
                if not line.startswith(b"*"):
                    tags.append(line.split(b" ")[0:2])
            assert tags == [[b"a", b"OK"], [b"b", b"OK"], [b"c", b"OK"], [b"d", b"OK"]]


# --- imapclient: IDLE, MOVE, UIDPLUS, CONDSTORE/QRESYNC -------------------------------------------------


def client(m: Mailroom, user=ALICE):
    from imapclient import IMAPClient

    c = IMAPClient("127.0.0.1", port=m.ports["imaps"], ssl=True, ssl_context=tls_context(), timeout=30)
    c.login(user, PASSWORD)
    return c


def test_idle_three_clients_see_smtp_delivery(server):
    clients = [client(server) for _ in range(3)]
    for c in clients:
        c.select_folder("INBOX")
        c.idle()
    started = time.monotonic()
    send_smtp(server, message("Pushed"))
    for c in clients:
        seen = []
        deadline = time.monotonic() + 10
        while not any(r[1] == b"EXISTS" for r in seen) and time.monotonic() < deadline:
            seen += c.idle_check(timeout=deadline - time.monotonic())
        assert (1, b"EXISTS") in seen, seen
        c.idle_done()
    elapsed = time.monotonic() - started
    print(f"three IDLE clients saw the SMTP delivery within {elapsed * 1000:.0f} ms")
    for c in clients:
        assert c.search("ALL") == [1]
        c.logout()


def test_idle_sees_flag_change_and_expunge_from_other_session(server):
    send_smtp(server, message("One"))
    send_smtp(server, message("Two"))
    watcher, actor = client(server), client(server)
    watcher.select_folder("INBOX")
    actor.select_folder("INBOX")
    watcher.idle()
    actor.add_flags([1], [b"\\Flagged"])
    actor.delete_messages([2])
    actor.expunge()
    got = []
    deadline = time.monotonic() + 10
    while not (any(r[1] == b"EXPUNGE" for r in got) and any(r[1] == b"FETCH" for r in got)):
        assert time.monotonic() < deadline, got
        got += watcher.idle_check(timeout=deadline - time.monotonic())
    watcher.idle_done()
    watcher.logout()
    actor.logout()


def test_imapclient_move_uidplus_condstore_qresync(server):
    for i in range(3):
        send_smtp(server, message(f"Msg {i}"))
    c = client(server)
    caps = c.capabilities()
    for cap in (b"MOVE", b"UIDPLUS", b"CONDSTORE", b"QRESYNC", b"IDLE", b"ENABLE"):
        assert cap in caps
    assert c.enable("CONDSTORE", "QRESYNC") == [b"CONDSTORE", b"QRESYNC"]
    info = c.select_folder("INBOX")
    modseq = info[b"HIGHESTMODSEQ"]
    uidvalidity = info[b"UIDVALIDITY"]
    c.add_flags([1], [b"\\Seen"])
    changed = c.fetch([1, 2, 3], ["FLAGS"], modifiers=[f"CHANGEDSINCE {modseq}"])
    assert list(changed) == [1] and changed[1][b"MODSEQ"][0] > modseq
    c.move([3], "Archive")
    assert c.search("ALL") == [1, 2]
    # A second session resynchronises with QRESYNC (RFC 7162 §3.2.5): it learns UID 3 vanished.
    d = client(server)
    d.enable("QRESYNC")
    typ, data = d._imap._simple_command("SELECT", f"INBOX (QRESYNC ({uidvalidity} {modseq}))")
    assert typ == "OK"
    untagged = d._imap.untagged_responses
    assert any(b"(EARLIER) 3" in v for v in untagged.get("VANISHED", [])), untagged
    d.logout()
    c.select_folder("Archive")
    assert c.search("ALL") == [1]
    c.logout()


# --- curl ------------------------------------------------------------------------------------------


def curl(m: Mailroom, url_path, *extra):
    res = subprocess.run(
        ["curl", "-sS", "--ssl-reqd", "-k", "--max-time", "30", "-u", f"{ALICE}:{PASSWORD}",
         f"imap://127.0.0.1:{m.ports['imap']}/{url_path}", *extra],
        capture_output=True, timeout=60,
    )
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_curl_fetch_list_search(server):
    raw = message("For curl")
    send_smtp(server, raw)
    # With -X curl prints only the untagged lines (not the literal): check the announced size.
    fetched = curl(server, "INBOX;UID=1")
    assert fetched.endswith(raw)
    head = curl(server, "INBOX", "-X", "UID FETCH 1 BODY[]")
    assert f"* 1 FETCH (UID 1 BODY[] {{{len(fetched)}}}".encode() in head, head
    listing = curl(server, "")
    assert b"INBOX" in listing and b"Sent" in listing
    assert b"SEARCH 1" in curl(server, "INBOX", "-X", "SEARCH SUBJECT curl")


# --- mbsync (isync): two-way sync of a mailbox tree with flags ------------------------------------------


def server_state(m: Mailroom):
    """{mailbox: sorted [(uid, flags, size)]} as an IMAP client sees it."""
    c = imaps(m)
    state = {}
    for line in c.list()[1]:
        name = line.decode().rsplit(' "/" ', 1)[1].strip('"')
        typ, data = c.select(f'"{name}"', readonly=True)
        assert typ == "OK", (name, data)
        items = []
        if data != [b"0"]:
            for d in c.fetch("1:*", "(UID FLAGS RFC822.SIZE)")[1]:
                items.append(d.decode())
        state[name] = sorted(items)
    c.logout()
    return state


def maildir_state(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and ".mbsync" not in p.name)


@pytest.mark.skipif(shutil.which("mbsync") is None, reason="isync (mbsync) is not installed")
def test_mbsync_two_way_sync_is_stable(server, tmp_path):
    send_smtp(server, message("Synced one"))
    send_smtp(server, message("Synced two"))
    c = imaps(server)
    c.create("Projects/Mailroom")
    c.append("Projects/Mailroom", "(\\Flagged)", None, message("In a folder"))
    c.logout()
    local = tmp_path / "mail"
    local.mkdir()
    cert = next(server.base.rglob("cert.pem"))
    config = tmp_path / "mbsyncrc"
    config.write_text(
        f"""IMAPAccount mailroom
Host 127.0.0.1
Port {server.ports['imaps']}
User {ALICE}
Pass "{PASSWORD}"
SSLType IMAPS
CertificateFile {cert}

IMAPStore remote
Account mailroom

MaildirStore local
Path {local}/
Inbox {local}/INBOX
SubFolders Verbatim

Channel sync
Far :remote:
Near :local:
Patterns *
Create Both
Expunge Both
SyncState *
"""
    )

    def run():
        res = subprocess.run(["mbsync", "-c", str(config), "-a"], capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, res.stdout + res.stderr
        return res

    run()
    files = maildir_state(local)
    assert any(f.startswith("INBOX/") for f in files) and any("Projects/Mailroom/" in f for f in files), files
    flagged = [f for f in files if "Projects/Mailroom/" in f and ",U=" in f]
    assert flagged and flagged[0].endswith("F"), files
    # Local changes: mark an INBOX message seen, add a message in a new local folder.
    inbox_msg = next((local / "INBOX").glob("*/*"))
    target = inbox_msg.parent.parent / "cur" / (inbox_msg.name.split(":2,")[0] + ":2,S")
    inbox_msg.rename(target)
    (local / "Notes" / "cur").mkdir(parents=True)
    (local / "Notes" / "new").mkdir()
    (local / "Notes" / "tmp").mkdir()
    (local / "Notes" / "cur" / "1700000000.1.host:2,").write_bytes(message("Local note"))
    run()
    state = server_state(server)
    assert "Notes" in state and len(state["Notes"]) == 1, state
    assert any("\\Seen" in item for item in state["INBOX"]), state["INBOX"]
    # A further run changes nothing on either side.
    before = (server_state(server), maildir_state(local))
    run()
    assert (server_state(server), maildir_state(local)) == before


# --- raw protocol: states, errors, STARTTLS injection, LIST-EXTENDED, large messages ------------------


class Raw:
    """A line-level IMAP client for exchanges the libraries hide."""

    def __init__(self, sock):
        self.sock = sock
        self.f = sock.makefile("rb")

    def line(self):
        return self.f.readline()

    def command(self, text: str):
        """Sends `tag text` and returns (untagged lines, tagged line)."""
        tag = "t%d" % id(text)
        self.sock.sendall(f"{tag} {text}\r\n".encode())
        untagged = []
        while True:
            line = self.line()
            assert line, "connection closed"
            if line.startswith(tag.encode() + b" "):
                return untagged, line
            untagged.append(line)
            m = re.search(rb"\{(\d+)\}\r\n$", line)
            if m:
                untagged.append(self.f.read(int(m.group(1))))


def raw_imaps(m: Mailroom):
    s = tls_context().wrap_socket(socket.create_connection(("127.0.0.1", m.ports["imaps"]), timeout=30))
    r = Raw(s)
    assert r.line().startswith(b"* OK [CAPABILITY")
    return r


def test_unauthenticated_state_and_too_many_errors(server):
    r = raw_imaps(server)
    _, tagged = r.command("SELECT INBOX")
    assert b" BAD " in tagged
    _, tagged = r.command("IDLE")
    assert b" BAD " in tagged
    untagged, tagged = r.command("CAPABILITY")
    assert b"AUTH=PLAIN" in untagged[0] and b"LOGINDISABLED" not in untagged[0]
    closed = False
    for _ in range(20):
        r.sock.sendall(b"x BOGUS\r\n")
        line = r.line()
        if line.startswith(b"* BYE"):
            closed = True
            break
    assert closed
    assert r.line() == b""


def test_starttls_discards_pipelined_plaintext(server):
    s = socket.create_connection(("127.0.0.1", server.ports["imap"]), timeout=30)
    f = s.makefile("rb")
    assert f.readline().startswith(b"* OK")
    # CVE-2011-0411: a command injected behind STARTTLS must not run inside the TLS session.
    s.sendall(b"a STARTTLS\r\nb NOOP\r\n")
    assert f.readline().startswith(b"a OK")
    tls = tls_context().wrap_socket(s)
    r = Raw(tls)
    _, tagged = r.command("NOOP")
    assert b" OK " in tagged
    tls.sendall(b"z LOGOUT\r\n")
    rest = b""
    while True:
        line = r.line()
        if not line:
            break
        rest += line
    assert b"b OK" not in rest and b"z OK" in rest


def test_list_extended_and_status(server):
    r = raw_imaps(server)
    r.command(f'LOGIN {ALICE} "{PASSWORD}"')
    r.command("CREATE Lists/Work")
    r.command("SUBSCRIBE Lists/Work")
    untagged, tagged = r.command('LIST (SUBSCRIBED RECURSIVEMATCH) "" "Lists"')
    assert b" OK " in tagged
    assert any(b'"CHILDINFO" ("SUBSCRIBED")' in l for l in untagged), untagged
    untagged, tagged = r.command('LIST "" "*" RETURN (SPECIAL-USE STATUS (MESSAGES UIDNEXT SIZE))')
    assert b" OK " in tagged
    assert any(b"\\Sent" in l for l in untagged)
    assert any(l.startswith(b'* STATUS "INBOX" (MESSAGES 0 UIDNEXT 1 SIZE 0)') for l in untagged), untagged
    untagged, tagged = r.command('CREATE "Old Stuff" (USE (\\Archive))')
    assert b" OK " in tagged
    untagged, _ = r.command('LIST (SPECIAL-USE) "" "*"')
    assert any(b'"Old Stuff"' in l and b"\\Archive" in l for l in untagged), untagged
    untagged, _ = r.command("NAMESPACE")
    assert untagged[0] == b'* NAMESPACE (("" "/")) NIL NIL\r\n'
    untagged, _ = r.command("ENABLE IMAP4rev2")
    assert untagged[0] == b"* ENABLED IMAP4rev2\r\n"
    r.command("SELECT INBOX")
    untagged, _ = r.command("SEARCH ALL")
    assert untagged[0].startswith(b"* ESEARCH (TAG ")
    r.command("LOGOUT")


def test_large_message_append_and_streamed_fetch(server):
    body = ("0123456789" * 7 + "\r\n") * 120000  # about 8.6 MB
    raw = message("Big", body=body)
    # A generous timeout: a debug build indexes the 4 MB of searchable text of this message for full-text
    # search before APPEND answers, which took over 30 s on a loaded 2-core machine.
    c = imaps(server, timeout=180)
    started = time.monotonic()
    assert c.append("INBOX", None, None, raw)[0] == "OK"
    appended = time.monotonic() - started
    c.select("INBOX")
    started = time.monotonic()
    typ, data = c.fetch("1", "(BODY.PEEK[])")
    fetched = time.monotonic() - started
    assert data[0][1] == raw
    typ, data = c.fetch("1", "(BODY.PEEK[TEXT]<1000000.20>)")
    assert data[0][1] == body.encode()[1000000:1000020]
    print(f"{len(raw) / 1e6:.1f} MB: APPEND {appended * 1000:.0f} ms, FETCH BODY[] {fetched * 1000:.0f} ms")
    c.logout()


def test_condstore_qresync_raw(server):
    for i in range(3):
        send_smtp(server, message(f"Cond {i}"))
    r = raw_imaps(server)
    r.command(f'LOGIN {ALICE} "{PASSWORD}"')
    untagged, tagged = r.command("SELECT INBOX (CONDSTORE)")
    assert any(b"[HIGHESTMODSEQ " in l for l in untagged) and b"READ-WRITE" in tagged
    modseq = int(re.search(rb"HIGHESTMODSEQ (\d+)", b"".join(untagged)).group(1))
    untagged, _ = r.command("FETCH 1 (MODSEQ)")
    assert re.search(rb"MODSEQ \((\d+)\)", untagged[0])
    r.command("STORE 1 +FLAGS (\\Seen)")
    # RFC 7162 §3.1.3: message 1 changed after `modseq`, so the conditional STORE fails for it.
    untagged, tagged = r.command(f"STORE 1:2 (UNCHANGEDSINCE {modseq}) +FLAGS (\\Flagged)")
    assert b"[MODIFIED 1]" in tagged, (untagged, tagged)
    assert any(l.startswith(b"* 2 FETCH") and b"\\Flagged" in l for l in untagged), untagged
    untagged, _ = r.command(f"UID SEARCH MODSEQ {modseq + 1}")
    assert untagged[0].startswith(b"* SEARCH 1 2 (MODSEQ "), untagged
    untagged, _ = r.command("ENABLE QRESYNC")
    assert untagged == [b"* ENABLED QRESYNC\r\n"]
    untagged, tagged = r.command("UID MOVE 3 Archive")
    assert any(b"[COPYUID " in l for l in untagged) and any(l == b"* VANISHED 3\r\n" for l in untagged), untagged
    untagged, tagged = r.command(f"UID FETCH 1:* (FLAGS) (CHANGEDSINCE {modseq} VANISHED)")
    assert b" OK " in tagged
    assert untagged[0] == b"* VANISHED (EARLIER) 3\r\n", untagged
    r.command("UID STORE 2 +FLAGS.SILENT (\\Deleted)")
    untagged, tagged = r.command("UID EXPUNGE 2")
    assert untagged == [b"* VANISHED 2\r\n"] and b" OK " in tagged
    untagged, _ = r.command("STATUS Archive (MESSAGES HIGHESTMODSEQ DELETED APPENDLIMIT MAILBOXID)")
    assert untagged[0].startswith(b'* STATUS "Archive" (MESSAGES 1 HIGHESTMODSEQ '), untagged
    r.command("LOGOUT")


def test_idle_keepalive_and_selected_mailbox_deleted(tmp_path):
    m = Mailroom(tmp_path, listeners=("smtp", "imap", "imaps"), extra_config='[imap]\nidle_keepalive = "10s"\n')
    m.cli("domain", "add", "example.test")
    m.cli("user", "add", ALICE, "--password", PASSWORD)
    m.start()
    try:
        other = imaps(m)
        other.create("Doomed")
        r = raw_imaps(m)
        r.command(f'LOGIN {ALICE} "{PASSWORD}"')
        r.command("SELECT Doomed")
        r.sock.settimeout(30)
        r.sock.sendall(b"i IDLE\r\n")
        assert r.line().startswith(b"+ ")
        started = time.monotonic()
        assert r.line() == b"* OK Still here\r\n"  # RFC 2177 keep-alive, every idle_keepalive
        waited = time.monotonic() - started
        assert 9 <= waited < 20, waited
        other.delete("Doomed")
        assert r.line().startswith(b"* BYE")
        assert r.line() == b""
        other.logout()
    finally:
        assert m.stop() == 0, "".join(m.lines)


def test_shutdown_says_bye_to_idle_client(tmp_path):
    m = Mailroom(tmp_path, listeners=("smtp", "imap", "imaps"))
    m.cli("domain", "add", "example.test")
    m.cli("user", "add", ALICE, "--password", PASSWORD)
    m.start()
    r = raw_imaps(m)
    r.command(f'LOGIN {ALICE} "{PASSWORD}"')
    r.command("SELECT INBOX")
    r.sock.sendall(b"i IDLE\r\n")
    assert r.line().startswith(b"+ ")
    assert m.stop() == 0, "".join(m.lines)
    assert r.line().startswith(b"* BYE [UNAVAILABLE]")
