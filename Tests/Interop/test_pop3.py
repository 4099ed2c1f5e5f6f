"""POP3 (STLS on the pop3 listener, implicit TLS on pop3s) against real clients: Python poplib, raw
sockets for AUTH, fetchmail, mpop and curl.

Messages are delivered end to end through the SMTP (MX) listener with smtplib. What POP3 deletes is
checked in the data directory (`stored_messages`): IMAP is not built yet, so "an IMAP session sees the
expunge" is checked as "the message is gone from / still in INBOX in the store".
"""

import base64
import poplib
import shutil
import smtplib
import socket
import ssl
import subprocess
import time

import pytest

from conftest import Mailroom, stored_messages, tls_context

PASSWORD = "correct horse battery"
ALICE = "alice@example.test"


def make_server(tmp_path, policy=None):
    extra = f'[pop3]\ndeletes = "{policy}"\n' if policy else ""
    m = Mailroom(tmp_path, listeners=("smtp", "pop3", "pop3s"), extra_config=extra)
    m.cli("domain", "add", "example.test")
    m.cli("user", "add", ALICE, "--password", PASSWORD)
    m.cli("user", "add", "bob@example.test", "--password", PASSWORD)
    m.start()
    return m


@pytest.fixture
def server(tmp_path):
    m = make_server(tmp_path)
    yield m
    assert m.stop() == 0, "".join(m.lines)


def message(n, body=b"Hello\r\n"):
    return (
        b"From: Sender <sender@example.org>\r\n"
        b"To: alice@example.test\r\n"
        b"Subject: Message %d\r\n"
        b"Message-ID: <m%d@example.org>\r\n"
        b"\r\n" % (n, n)
    ) + body


MULTIPART = (
    b"From: Sender <sender@example.org>\r\n"
    b"To: alice@example.test\r\n"
    b"Subject: Parts\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b1"\r\n'
    b"\r\n"
    b"--b1\r\n"
    b"Content-Type: text/plain\r\n"
    b"\r\n"
    b".leading dot line\r\n"
    b"second line\r\n"
    b"--b1--\r\n"
)


def deliver(m, *bodies, to=ALICE):
    with smtplib.SMTP("127.0.0.1", m.ports["smtp"]) as s:
        for b in bodies:
            s.sendmail("sender@example.org", [to], b)


def pop3s(m):
    return poplib.POP3_SSL("127.0.0.1", m.ports["pop3s"], context=tls_context(), timeout=30)


def login(m):
    p = pop3s(m)
    p.user(ALICE)
    p.pass_(PASSWORD)
    return p


def test_plaintext_refuses_credentials_until_stls(server):
    p = poplib.POP3("127.0.0.1", server.ports["pop3"], timeout=30)
    assert p.getwelcome().startswith(b"+OK")
    caps = p.capa()
    assert "STLS" in caps and "USER" not in caps and "SASL" not in caps
    for name in ("TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "EXPIRE", "IMPLEMENTATION", "UTF8"):
        assert name in caps, caps
    with pytest.raises(poplib.error_proto, match=r"\[AUTH\]"):
        p.user(ALICE)
    with pytest.raises(poplib.error_proto, match=r"\[AUTH\]"):
        p._shortcmd("AUTH PLAIN " + base64.b64encode(f"\0{ALICE}\0{PASSWORD}".encode()).decode())
    p.stls(tls_context())
    caps = p.capa()
    assert "USER" in caps and caps["SASL"] == ["PLAIN", "LOGIN"] and "STLS" not in caps
    p.user(ALICE)
    assert p.pass_(PASSWORD).startswith(b"+OK")
    assert p.stat() == (0, 0)
    p.quit()


def test_every_command_over_pop3s(server):
    deliver(server, message(1), message(2, b".starts with a dot\r\n..two dots\r\nend\r\n"), MULTIPART)
    stored = [b for _, b in stored_messages(server, ALICE)]
    assert len(stored) == 3
    p = login(server)
    assert p.noop().startswith(b"+OK")
    count, total = p.stat()
    assert count == 3 and total == sum(len(b) for b in stored)
    resp, listing, _ = p.list()
    sizes = [int(line.split()[1]) for line in listing]
    assert sizes == [len(b) for b in stored]
    assert p.list(2) == b"+OK 2 %d" % len(stored[1])
    resp, uidls, _ = p.uidl()
    uids = [line.split()[1] for line in uidls]
    assert len(set(uids)) == 3 and all(b"." in u for u in uids)
    assert p.uidl(3).split()[2] == uids[2]
    for i, b in enumerate(stored, 1):
        resp, lines, octets = p.retr(i)
        assert b"\r\n".join(lines) + b"\r\n" == b  # poplib undoes the byte-stuffing
        assert octets == len(b) == sizes[i - 1]  # RFC 1939: LIST size is exactly what RETR sends
    # TOP 0: the header and the blank line; TOP 3 on the multipart message: three body lines.
    _, top0, _ = p.top(3, 0)
    assert b"\r\n".join(top0) + b"\r\n" == stored[2][: stored[2].index(b"\r\n\r\n") + 4]
    _, top3, _ = p.top(3, 3)
    assert top3[-3:] == [b"--b1", b"Content-Type: text/plain", b""]
    _, top4, _ = p.top(3, 4)
    assert top4[-1] == b".leading dot line"
    assert p.dele(1).startswith(b"+OK")
    with pytest.raises(poplib.error_proto, match="No such message"):
        p.retr(1)
    with pytest.raises(poplib.error_proto):
        p.dele(1)
    with pytest.raises(poplib.error_proto):
        p.list(9)
    assert p.stat() == (2, total - len(stored[0]))
    assert p.rset().startswith(b"+OK")
    assert p.stat() == (3, total)
    p.dele(2)
    assert p.quit().startswith(b"+OK")
    # Default policy "expunge": the message is gone from INBOX for everyone.
    left = stored_messages(server, ALICE)
    assert [b for _, b in left] == [stored[0], stored[2]]
    # UIDLs are stable across sessions; numbers are renumbered.
    p = login(server)
    _, uidls2, _ = p.uidl()
    assert [line.split()[1] for line in uidls2] == [uids[0], uids[2]]
    p.quit()


def test_dropped_connection_deletes_nothing(server):
    deliver(server, message(1), message(2))
    p = login(server)
    p.dele(1)
    p.dele(2)
    p.file.close()  # no QUIT: RFC 1939 §6, no UPDATE state
    p.sock.close()
    deadline = time.monotonic() + 10
    while True:  # the maildrop lock goes when the server notices the close
        q = pop3s(server)
        q.user(ALICE)
        try:
            q.pass_(PASSWORD)
            break
        except poplib.error_proto as e:
            assert b"IN-USE" in e.args[0]
            q.quit()
            assert time.monotonic() < deadline
    assert q.stat()[0] == 2
    q.quit()
    assert len(stored_messages(server, ALICE)) == 2


def test_second_login_gets_in_use(server):
    deliver(server, message(1))
    p = login(server)
    q = pop3s(server)
    q.user(ALICE)
    with pytest.raises(poplib.error_proto, match=r"\[IN-USE\]"):
        q.pass_(PASSWORD)
    # Bob is not affected.
    r = pop3s(server)
    r.user("bob@example.test")
    r.pass_(PASSWORD)
    r.quit()
    assert p.stat()[0] == 1
    p.quit()
    q.user(ALICE)
    q.pass_(PASSWORD)
    q.quit()


@pytest.mark.parametrize("policy", ["expunge", "keep"])
def test_delete_policy_and_what_other_clients_see(tmp_path, policy):
    m = make_server(tmp_path, policy)
    try:
        deliver(m, message(1), message(2), message(3))
        before = stored_messages(m, ALICE)
        p = login(m)
        p.dele(2)
        # While the POP3 session holds the marks, INBOX (what IMAP sees) is unchanged.
        assert stored_messages(m, ALICE) == before
        p.quit()
        after = stored_messages(m, ALICE)
        if policy == "expunge":
            assert after == [before[0], before[2]]
        else:
            assert after == before  # IMAP/webmail/phones still have it
        p = login(m)
        assert p.stat()[0] == 2  # hidden or gone, POP3 never shows it again
        _, lines, _ = p.retr(2)
        assert b"Subject: Message 3" in lines
        p.quit()
    finally:
        assert m.stop() == 0


def raw_pop3s(m):
    s = tls_context().wrap_socket(socket.create_connection(("127.0.0.1", m.ports["pop3s"]), timeout=30))
    f = s.makefile("rwb")
    assert f.readline().startswith(b"+OK")

    def cmd(line):
        f.write(line.encode() + b"\r\n")
        f.flush()
        return f.readline()

    return s, f, cmd


def test_auth_plain_and_login_with_and_without_initial_response(server):
    plain = base64.b64encode(f"\0{ALICE}\0{PASSWORD}".encode()).decode()
    s, f, cmd = raw_pop3s(server)
    assert cmd("AUTH PLAIN " + plain).startswith(b"+OK")
    assert cmd("QUIT").startswith(b"+OK")
    s.close()
    s, f, cmd = raw_pop3s(server)
    assert cmd("AUTH PLAIN").startswith(b"+ ")
    assert cmd(plain).startswith(b"+OK")
    cmd("QUIT")
    s.close()
    s, f, cmd = raw_pop3s(server)
    assert cmd("AUTH LOGIN").strip() == b"+ " + base64.b64encode(b"Username:")
    assert cmd(base64.b64encode(ALICE.encode()).decode()).strip() == b"+ " + base64.b64encode(b"Password:")
    assert cmd(base64.b64encode(PASSWORD.encode()).decode()).startswith(b"+OK")
    cmd("QUIT")
    s.close()
    s, f, cmd = raw_pop3s(server)
    bad = base64.b64encode(f"\0{ALICE}\0wrong".encode()).decode()
    assert cmd("AUTH PLAIN " + bad).startswith(b"-ERR [AUTH]")
    assert cmd("AUTH PLAIN").startswith(b"+ ")
    assert cmd("*").startswith(b"-ERR")
    s.close()


def test_bad_input_gets_errors_and_disturbs_nobody(server):
    deliver(server, message(1))
    other = login(server)
    s, f, cmd = raw_pop3s(server)
    assert cmd("X" * 1000).startswith(b"-ERR")
    assert cmd("FROB").startswith(b"-ERR")
    assert cmd("RETR 1").startswith(b"-ERR")  # not logged in
    assert cmd("LIST abc").startswith(b"-ERR")
    assert cmd("NOOP").startswith(b"-ERR")
    assert cmd("CAPA").startswith(b"+OK")
    s.close()
    # Pipelined commands all get answers in order.
    s, f, cmd = raw_pop3s(server)
    f.write(b"USER bob@example.test\r\nPASS " + PASSWORD.encode() + b"\r\nSTAT\r\nQUIT\r\n")
    f.flush()
    replies = [f.readline() for _ in range(4)]
    assert [r[:3] for r in replies] == [b"+OK"] * 4, replies
    s.close()
    assert other.stat()[0] == 1
    other.quit()


def test_curl_lists_and_retrieves(server):
    if not shutil.which("curl"):
        pytest.skip("curl missing")
    deliver(server, message(1), MULTIPART)
    stored = [b for _, b in stored_messages(server, ALICE)]
    base = f"pop3://127.0.0.1:{server.ports['pop3']}"
    auth = ["--ssl-reqd", "-k", "-s", "-S", "--user", f"{ALICE}:{PASSWORD}"]
    out = subprocess.run(["curl", *auth, base + "/"], capture_output=True, check=True, timeout=60).stdout
    assert out.split(b"\r\n")[:2] == [b"1 %d" % len(stored[0]), b"2 %d" % len(stored[1])]
    out = subprocess.run(["curl", *auth, base + "/2"], capture_output=True, check=True, timeout=60).stdout
    assert out == stored[1]
    # Implicit TLS with AUTH PLAIN.
    out = subprocess.run(
        ["curl", *auth, "--login-options", "AUTH=PLAIN", f"pop3s://127.0.0.1:{server.ports['pop3s']}/1"],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    assert out == stored[0]
    assert len(stored_messages(server, ALICE)) == 2  # curl never deletes


def fetchmail(m, tmp_path, keep, ssl_mode):
    out = tmp_path / ("fetched-keep" if keep else "fetched")
    rc = tmp_path / "fetchmailrc"
    port = m.ports["pop3s"] if ssl_mode == "ssl" else m.ports["pop3"]
    tls = "ssl" if ssl_mode == "ssl" else "sslproto 'tls1.2+'"
    rc.write_text(
        f"poll 127.0.0.1 protocol pop3 port {port} uidl\n"
        f"  user '{ALICE}' password '{PASSWORD}' is 'localuser' here\n"
        f"  {tls} no sslcertck {'keep' if keep else 'nokeep'} fetchall\n"
        f"  mda \"sh -c 'cat >> {out}; echo ===END=== >> {out}'\"\n"
    )
    rc.chmod(0o600)
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "FETCHMAILHOME": str(tmp_path)}
    res = subprocess.run(
        ["fetchmail", "-f", str(rc), "-N", "--nosyslog", "-v", "-i", str(tmp_path / "fetchids")],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert res.returncode in (0, 1), res.stdout + res.stderr  # 1: no new mail
    return out.read_bytes().split(b"===END===\n")[:-1] if out.exists() else []


@pytest.mark.skipif(not shutil.which("fetchmail"), reason="fetchmail missing")
def test_fetchmail_keep_then_delete(server, tmp_path):
    deliver(server, message(1), message(2, b".dot line\r\nbody\r\n"))
    got = fetchmail(server, tmp_path, keep=True, ssl_mode="stls")
    assert len(got) == 2 and b"Subject: Message 1" in got[0] and b"\n.dot line\n" in got[1].replace(b"\r\n", b"\n")
    assert len(stored_messages(server, ALICE)) == 2  # --keep
    got = fetchmail(server, tmp_path, keep=False, ssl_mode="ssl")
    # With the uidl cache from the first run, fetchall still fetches both, then deletes them.
    assert len(got) == 2
    assert stored_messages(server, ALICE) == []


@pytest.mark.skipif(not shutil.which("mpop"), reason="mpop missing")
def test_mpop_delivers_to_mbox_and_keeps(server, tmp_path):
    deliver(server, message(1), MULTIPART)
    mbox = tmp_path / "mbox"
    conf = tmp_path / "mpoprc"
    conf.write_text(
        "account default\n"
        "host 127.0.0.1\n"
        f"port {server.ports['pop3s']}\n"
        "tls on\ntls_starttls off\ntls_certcheck off\n"
        f"user {ALICE}\npassword {PASSWORD}\n"
        "auth user\n"
        f"delivery mbox {mbox}\n"
        f"uidls_file {tmp_path / 'uidls'}\n"
        "keep on\n"
    )
    conf.chmod(0o600)
    res = subprocess.run(
        ["mpop", "-C", str(conf), "-q"], capture_output=True, text=True, timeout=120, env={"HOME": str(tmp_path)}
    )
    assert res.returncode == 0, res.stdout + res.stderr
    text = mbox.read_bytes()
    assert b"Subject: Message 1" in text and b"Subject: Parts" in text
    assert len(stored_messages(server, ALICE)) == 2
    # Second run with "only new": nothing new is fetched (UIDLs are stable).
    res = subprocess.run(
        ["mpop", "-C", str(conf), "-q", "--only-new=on"],
        capture_output=True, text=True, timeout=120, env={"HOME": str(tmp_path)},
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert mbox.read_bytes() == text


def test_utf8_and_unauthenticated_limits(server):
    s, f, cmd = raw_pop3s(server)
    assert cmd("UTF8").startswith(b"+OK")  # RFC 6856 §3.1
    assert cmd("USER " + ALICE).startswith(b"+OK")
    assert cmd("PASS " + PASSWORD).startswith(b"+OK")
    assert cmd("UTF8").startswith(b"-ERR")  # only in the AUTHORIZATION state
    assert cmd("STLS").startswith(b"-ERR")
    assert cmd("QUIT").startswith(b"+OK")
    s.close()
    # A client that never logs in is cut off after a bounded number of commands.
    s, f, cmd = raw_pop3s(server)
    replies = [cmd("UTF8") for _ in range(31)]
    assert replies[:30] == [b"+OK UTF8 enabled\r\n"] * 30
    assert replies[30].startswith(b"-ERR [AUTH] Too many commands")
    assert f.readline() == b""  # closed
    s.close()


def test_large_message_streams_exactly(server):
    # 12 MB with a dot-leading line every 100 lines: RETR streams it from the blob file, stuffed.
    lines = [(b"." if i % 100 == 0 else b"") + b"%08d " % i + b"x" * 110 for i in range(100_000)]
    big = message(1, b"\r\n".join(lines) + b"\r\n")
    deliver(server, big)
    stored = stored_messages(server, ALICE)[0][1]
    p = login(server)
    size = int(p.list(1).split()[2])
    assert size == len(stored)
    _, got, octets = p.retr(1)
    assert octets == size and b"\r\n".join(got) + b"\r\n" == stored
    _, top, _ = p.top(1, 2)
    assert top[-2:] == [lines[0], lines[1]]
    p.quit()


def test_sequential_retrs_read_ahead_and_send_exactly_what_is_stored(server):
    # RETRs in order read the following small messages ahead in one trip; a deleted message is skipped, a message
    # above the read-ahead size (256 KB) is streamed, and a jump in the order starts over. Every RETR must still
    # send exactly the stored bytes, dot-stuffed on the wire and unstuffed by poplib.
    bodies = [message(i, b".dot first\r\nline %d\r\n..two dots\r\n" % i) for i in range(1, 10)]
    bodies[4] = message(5, b"".join(b"%06d %s\r\n" % (i, b"y" * 90) for i in range(4000)))  # about 400 KB
    deliver(server, *bodies)
    stored = [b for _, b in stored_messages(server, ALICE)]
    assert len(stored) == 9

    def retr(p, n):
        _, lines, octets = p.retr(n)
        assert octets == len(stored[n - 1]), n
        assert b"\r\n".join(lines) + b"\r\n" == stored[n - 1], n

    p = login(server)
    retr(p, 1)
    p.dele(3)
    for n in (2, 4, 5, 6, 7):  # 2 reads 2 and 4 ahead (3 is deleted, 5 is too large); 6 reads 6..9
        retr(p, n)
    with pytest.raises(poplib.error_proto):
        p.retr(3)
    for n in (9, 8, 1, 2):  # 9 and 8 were read ahead; 1 is read on its own, then 2 reads ahead again
        retr(p, n)
    p.rset()
    retr(p, 3)
    p.quit()


def test_plaintext_pipelined_behind_stls_is_discarded(server):
    # RFC 2595 §4 / CVE-2011-0411: a command injected behind STLS must never run inside TLS.
    raw = socket.create_connection(("127.0.0.1", server.ports["pop3"]), timeout=30)
    f = raw.makefile("rb")
    assert f.readline().startswith(b"+OK")
    raw.sendall(b"STLS\r\nUSER " + ALICE.encode() + b"\r\n")
    assert f.readline().startswith(b"+OK")
    s = tls_context().wrap_socket(raw)
    tf = s.makefile("rwb")
    tf.write(b"PASS " + PASSWORD.encode() + b"\r\nQUIT\r\n")
    tf.flush()
    assert tf.readline().startswith(b"-ERR Send USER first")  # the injected USER was dropped
    assert tf.readline().startswith(b"+OK")
    s.close()


@pytest.mark.parametrize("policy", ["expunge", "keep"])
def test_imap_session_on_inbox_while_pop3_deletes(tmp_path, policy):
    """An IMAP client (imaplib) has INBOX selected while an old POP3 desktop deletes: with
    `expunge` the IMAP session is told at once (EXPUNGE on its next NOOP); with `keep` it keeps
    the message and hears nothing."""
    import imaplib

    extra = f'[pop3]\ndeletes = "{policy}"\n'
    m = Mailroom(tmp_path, listeners=("smtp", "pop3s", "imaps"), extra_config=extra)
    m.cli("domain", "add", "example.test")
    m.cli("user", "add", ALICE, "--password", PASSWORD)
    m.start()
    try:
        deliver(m, message(1), message(2), message(3))
        imap = imaplib.IMAP4_SSL("127.0.0.1", m.ports["imaps"], ssl_context=tls_context())
        imap.login(ALICE, PASSWORD)
        typ, data = imap.select("INBOX")
        assert typ == "OK" and data == [b"3"]
        p = login(m)
        p.dele(2)
        p.quit()
        typ, _ = imap.noop()
        assert typ == "OK"
        expunges = imap.untagged_responses.pop("EXPUNGE", [])
        if policy == "expunge":
            assert expunges == [b"2"]
            typ, data = imap.uid("SEARCH", None, "ALL")
            assert data[0].split() == [b"1", b"3"]
        else:
            assert expunges == []
            typ, data = imap.uid("SEARCH", None, "ALL")
            assert data[0].split() == [b"1", b"2", b"3"]
        imap.logout()
    finally:
        assert m.stop() == 0
