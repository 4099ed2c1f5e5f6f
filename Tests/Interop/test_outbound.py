"""Outbound delivery: the queue runner against real peers on loopback.

The remote MX and the smarthost are aiosmtpd servers (with STARTTLS from an openssl-made certificate);
DNS is a dnslib server that `[dns] servers` points at; DKIM signatures are checked with dkimpy.
Everything synchronises by polling with deadlines.
"""

import email
import imaplib
import re
import signal
import smtplib
import ssl
import subprocess
import threading
import time

import dkim
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from dnslib import QTYPE, RR, DNSRecord
from dnslib.server import BaseResolver, DNSServer

from conftest import Mailroom, free_port, tls_context

PASSWORD = "correct horse battery"


# --- peers -------------------------------------------------------------------------------------


class ZoneResolver(BaseResolver):
    """Answers from a table of zone-file lines; unknown names are NXDOMAIN."""

    def __init__(self):
        self.records = {}  # name (lowercase, trailing dot) -> [RR]
        self.lock = threading.Lock()

    def add(self, zone_line):
        for rr in RR.fromZone(zone_line):
            with self.lock:
                self.records.setdefault(str(rr.rname).lower(), []).append(rr)

    def resolve(self, request, handler):
        reply = request.reply()
        name = str(request.q.qname).lower()
        with self.lock:
            rrs = list(self.records.get(name, []))
        if not rrs:
            reply.header.rcode = 3  # NXDOMAIN
            return reply
        for rr in rrs:
            if rr.rtype == request.q.qtype:
                reply.add_answer(rr)
        return reply


class Sink:
    """An aiosmtpd handler that records every transaction and can refuse chosen recipients."""

    def __init__(self, refuse=()):
        self.refuse = set(refuse)
        self.transactions = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 <%s>: no such user here" % address
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.append(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.transactions.append(
                {
                    "mail_from": envelope.mail_from,
                    "rcpts": list(envelope.rcpt_tos),
                    "data": envelope.original_content,
                    "tls": session.ssl is not None,
                    "login": getattr(session, "login_data", None),
                    "authenticated": session.authenticated,
                    "mail_options": list(envelope.mail_options),
                    "peer": session.peer,
                }
            )
        return "250 2.0.0 queued as sink"

    def wait(self, count, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.transactions) >= count:
                    return list(self.transactions)
            time.sleep(0.05)
        raise AssertionError(f"sink saw {len(self.transactions)} transactions, wanted {count}")


def make_certificate(directory, name):
    cert, key = directory / f"{name}.crt", directory / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}"],
        check=True, capture_output=True,
    )
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert), str(key))
    return ctx


def start_sink(handler, port, tls=None, **kwargs):
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, tls_context=tls, require_starttls=False,
        enable_SMTPUTF8=kwargs.pop("smtputf8", True), **kwargs,
    )
    controller.start()
    return controller


class World:
    """DNS for remote.test (MX at 127.0.0.1) and a Mailroom sending to it."""

    def __init__(self, tmp_path, delivery_extra=""):
        self.tmp = tmp_path
        self.dns = ZoneResolver()
        self.dns_port = free_port()
        self.dns_server = DNSServer(self.dns, port=self.dns_port, address="127.0.0.1")
        self.dns_server.start_thread()
        self.mx_port = free_port()
        self.dns.add("remote.test. 60 MX 10 mx.remote.test.")
        self.dns.add("mx.remote.test. 60 A 127.0.0.1")
        self.dns.add("nomail.test. 60 MX 0 .")
        self.mailroom = Mailroom(
            tmp_path,
            listeners=("smtp", "submission", "imaps"),
            extra_config=(
                f"[delivery]\nmx_port = {self.mx_port}\n{delivery_extra}\n"
                f'[dns]\nservers = ["127.0.0.1:{self.dns_port}"]\n'
            ),
        )
        self.mailroom.add_user("alice@example.test", PASSWORD)
        self.tls = make_certificate(tmp_path, "mx.remote.test")

    def close(self):
        self.mailroom.stop()
        self.dns_server.stop()

    def submit(self, rcpts, subject="hello", body="Hello from Mailroom.\r\n", mail_options=(), extra_headers=""):
        msg = (
            f"From: Alice <alice@example.test>\r\nTo: {', '.join(rcpts)}\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject.replace(' ', '-')}-{time.monotonic_ns()}@example.test>\r\n"
            f"Date: Fri, 27 Nov 2026 10:00:00 +0000\r\n{extra_headers}\r\n{body}"
        ).encode()
        with smtplib.SMTP("127.0.0.1", self.mailroom.ports["submission"], timeout=30) as s:
            s.starttls(context=tls_context())
            s.login("alice@example.test", PASSWORD)
            refused = s.sendmail("alice@example.test", rcpts, msg, mail_options=list(mail_options))
            assert refused == {}
        return msg

    def inbox(self, address="alice@example.test"):
        """[email.message.Message] of INBOX over IMAPS."""
        with imaplib.IMAP4_SSL("127.0.0.1", self.mailroom.ports["imaps"], ssl_context=tls_context()) as c:
            c.login(address, PASSWORD)
            c.select("INBOX")
            _, data = c.uid("SEARCH", None, "ALL")
            out = []
            for uid in data[0].split():
                _, parts = c.uid("FETCH", uid, "(BODY.PEEK[])")
                out.append(email.message_from_bytes(parts[0][1]))
            return out

    def wait_for_inbox(self, count, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.inbox()
            if len(messages) >= count:
                return messages
            time.sleep(0.1)
        raise AssertionError(f"INBOX has fewer than {count} messages")

    def queue(self):
        return self.mailroom.cli("queue", "list").stdout

    def wait_for_queue(self, predicate, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.queue()
            if predicate(text):
                return text
            time.sleep(0.1)
        raise AssertionError("queue never reached the expected state:\n" + self.queue())


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path)
    yield w
    w.close()


def dkim_records(output):
    """{record name: TXT value} from `mailroom dkim generate` output."""
    records = {}
    for match in re.finditer(r"(\S+\._domainkey\.\S+?)\.?\s+IN\s+TXT\s+\(?((?:\s*\"[^\"]*\")+)", output):
        records[match.group(1).rstrip(".").lower()] = "".join(re.findall(r"\"([^\"]*)\"", match.group(2)))
    return records


# --- tests ---------------------------------------------------------------------------------------


def test_delivery_over_starttls_with_all_recipients_in_one_transaction(world):
    sink = Sink()
    controller = start_sink(sink, world.mx_port, tls=world.tls)
    try:
        world.mailroom.start()
        sent = world.submit(["bob@remote.test", "carol@remote.test", "dave@remote.test"], subject="three")
        [t] = sink.wait(1)
        assert sorted(t["rcpts"]) == ["bob@remote.test", "carol@remote.test", "dave@remote.test"]
        assert t["mail_from"] == "alice@example.test"
        assert t["tls"], "STARTTLS was offered, so the client must use it"
        # The message arrives as submitted, below our Received: trace field.
        assert t["data"].endswith(sent.split(b"\r\n\r\n", 1)[1])
        assert b"Subject: three" in t["data"] and b"Received: from" in t["data"]
        assert b"Return-Path:" not in t["data"]  # RFC 5321 §4.4: added only at final delivery
        world.wait_for_queue(lambda q: "empty" in q)
        assert len(sink.transactions) == 1
    finally:
        controller.stop()


def test_remote_down_then_up_is_delivered_after_retry(world):
    world.mailroom.start()
    world.submit(["bob@remote.test"], subject="retry me")
    text = world.wait_for_queue(lambda q: "last error" in q)
    assert "bob@remote.test" in text and "attempts 1" in text
    sink = Sink()
    controller = start_sink(sink, world.mx_port, tls=world.tls)
    try:
        out = world.mailroom.cli("queue", "retry").stdout
        assert "1 recipient" in out
        [t] = sink.wait(1)
        assert t["rcpts"] == ["bob@remote.test"]
        world.wait_for_queue(lambda q: "empty" in q)
    finally:
        controller.stop()


def test_permanent_refusal_bounces_with_dsn_and_others_are_delivered(world):
    sink = Sink(refuse={"nobody@remote.test"})
    controller = start_sink(sink, world.mx_port, tls=world.tls)
    try:
        world.mailroom.start()
        world.submit(["bob@remote.test", "nobody@remote.test"], subject="partly")
        [t] = sink.wait(1)
        assert t["rcpts"] == ["bob@remote.test"]
        [dsn] = world.wait_for_inbox(1)
        assert dsn.get_content_type() == "multipart/report"
        assert dsn.get_param("report-type") == "delivery-status"
        assert dsn["From"].startswith("Mail Delivery System <MAILER-DAEMON@mail.example.test>")
        assert "Undelivered" in dsn["Subject"]
        human, status, original = dsn.get_payload()
        assert "nobody@remote.test" in human.get_payload()
        assert status.get_content_type() == "message/delivery-status"
        per_message, per_recipient = status.get_payload()[0], status.get_payload()[1]
        assert per_message["Reporting-MTA"] == "dns; mail.example.test"
        assert per_recipient["Final-Recipient"] == "rfc822; nobody@remote.test"
        assert per_recipient["Action"] == "failed"
        assert per_recipient["Status"] == "5.1.1"
        assert per_recipient["Remote-MTA"] == "dns; mx.remote.test"
        assert "550 5.1.1" in per_recipient["Diagnostic-Code"]
        assert original.get_content_type() == "message/rfc822"
        assert original.get_payload()[0]["Subject"] == "partly"
        world.wait_for_queue(lambda q: "empty" in q)
    finally:
        controller.stop()


def test_null_mx_and_unknown_domain_bounce_at_once(world):
    world.mailroom.start()
    world.submit(["someone@nomail.test"], subject="null mx")
    world.submit(["someone@does-not-exist.test"], subject="nxdomain")
    dsns = world.wait_for_inbox(2)
    statuses = sorted(d.get_payload()[1].get_payload()[1]["Status"] for d in dsns)
    assert statuses == ["5.1.10", "5.1.2"]  # RFC 7505 §4.2 null MX; RFC 3463 bad destination system
    world.wait_for_queue(lambda q: "empty" in q)


def test_queue_survives_sigkill_and_restart_and_reuses_connections(world):
    world.mailroom.start()
    count = 8
    for i in range(count):
        world.submit([f"user{i}@remote.test"], subject=f"survivor {i}")
    world.wait_for_queue(lambda q: q.count("last error") == count)
    world.mailroom.stop(sig=signal.SIGKILL)
    sink = Sink()
    controller = start_sink(sink, world.mx_port, tls=world.tls)
    try:
        world.mailroom.start()
        world.mailroom.cli("queue", "retry")
        sink.wait(count)
        world.wait_for_queue(lambda q: "empty" in q)
        rcpts = sorted(r for t in sink.transactions for r in t["rcpts"])
        assert rcpts == sorted(f"user{i}@remote.test" for i in range(count))
        # One connection carries several messages: at most concurrency_per_domain (4) sessions.
        sessions = {t["peer"] for t in sink.transactions}
        assert 1 <= len(sessions) <= 4, sessions
    finally:
        controller.stop()


def test_an_idle_connection_carries_the_next_message_and_a_dropped_one_is_replaced(world):
    """After its last message a connection waits (2 s) for more mail to the same domain; when the server dropped
    it meanwhile, the next message goes over a new connection at once instead of being deferred."""
    world.mailroom.start()
    sink = Sink()
    controller = start_sink(sink, world.mx_port, tls=world.tls)
    try:
        for i in range(3):
            world.submit([f"user{i}@remote.test"], subject=f"one by one {i}")
            sink.wait(i + 1)
        assert len({t["peer"] for t in sink.transactions}) == 1, sink.transactions
    finally:
        controller.stop()
    # A server that closes idle connections after 0.3 s (with 421, RFC 5321 §3.8).
    sink = Sink()
    controller = start_sink(sink, world.mx_port, tls=world.tls, timeout=0.3)
    try:
        world.submit(["first@remote.test"], subject="before the drop")
        sink.wait(1)
        time.sleep(1)  # the server's idle timeout passes while Mailroom's connection waits
        world.submit(["second@remote.test"], subject="after the drop")
        transactions = sink.wait(2, timeout=10)
        assert [t["rcpts"] for t in transactions] == [["first@remote.test"], ["second@remote.test"]]
        assert transactions[0]["peer"] != transactions[1]["peer"]
        world.wait_for_queue(lambda q: "empty" in q)
    finally:
        controller.stop()


def test_an_idle_connection_gives_its_slot_to_another_domain(tmp_path):
    """With one outbound slot, a connection waiting for more mail to remote.test quits at once when mail for
    another domain needs the slot, instead of holding it for its 2 s."""
    w = World(tmp_path, delivery_extra="concurrency = 1")
    w.dns.add("other.test. 60 MX 10 mx.remote.test.")
    sink = Sink()
    controller = start_sink(sink, w.mx_port, tls=w.tls)
    try:
        w.mailroom.start()
        w.submit(["a@remote.test"], subject="first domain")
        sink.wait(1)
        start = time.monotonic()
        w.submit(["b@other.test"], subject="second domain")
        sink.wait(2)
        assert time.monotonic() - start < 1.5
    finally:
        controller.stop()
        w.close()


def test_queue_show_and_remove(world):
    world.mailroom.start()
    world.submit(["bob@remote.test"], subject="to be removed")
    text = world.wait_for_queue(lambda q: "last error" in q)
    queue_id = text.split()[0]
    shown = world.mailroom.cli("queue", "show", queue_id).stdout
    assert "Sender:     <alice@example.test>" in shown and "<bob@remote.test>" in shown
    assert "last error" in shown
    assert "Removed queued message" in world.mailroom.cli("queue", "remove", queue_id).stdout
    assert "empty" in world.queue()
    res = world.mailroom.cli("queue", "show", queue_id, check=False)
    assert res.returncode != 0 and "no queued message" in res.stderr


def test_required_tls_refuses_an_untrusted_certificate(tmp_path):
    w = World(tmp_path, delivery_extra='tls = "required"')
    sink = Sink()
    controller = start_sink(sink, w.mx_port, tls=w.tls)
    try:
        w.mailroom.start()
        w.submit(["bob@remote.test"], subject="must be private")
        text = w.wait_for_queue(lambda q: "last error" in q)
        assert "certificate" in text
        assert sink.transactions == []
    finally:
        controller.stop()
        w.close()


def test_smtputf8_message_to_a_server_without_it_bounces(world):
    sink = Sink()
    controller = start_sink(sink, world.mx_port, tls=world.tls, smtputf8=False)
    try:
        world.mailroom.start()
        world.submit(["bob@remote.test"], subject="utf8", mail_options=["SMTPUTF8"])
        [dsn] = world.wait_for_inbox(1)
        assert dsn.get_payload()[1].get_payload()[1]["Status"] == "5.6.7"
        assert sink.transactions == []
    finally:
        controller.stop()


def test_smarthost_with_auth_over_tls(tmp_path):
    relay_port = free_port()
    (tmp_path / "relay-password").write_text("s3cret relay\n")
    w = World(
        tmp_path,
        delivery_extra=(
            f'relay = "127.0.0.1:{relay_port}"\nrelay_username = "relayuser"\n'
            f'relay_password_file = "relay-password"\n'
        ),
    )
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        seen.append((mechanism, auth_data.login, auth_data.password, session.ssl is not None))
        return AuthResult(success=auth_data.login == b"relayuser" and auth_data.password == b"s3cret relay")

    sink = Sink()
    controller = start_sink(
        sink, relay_port, tls=w.tls, authenticator=authenticator, auth_required=True, auth_require_tls=True
    )
    try:
        w.mailroom.start()
        w.submit(["someone@elsewhere.example"], subject="via smarthost")
        [t] = sink.wait(1)
        assert t["rcpts"] == ["someone@elsewhere.example"] and t["tls"] and t["authenticated"]
        assert seen == [("PLAIN", b"relayuser", b"s3cret relay", True)]
    finally:
        controller.stop()
        w.close()


@pytest.mark.parametrize("algorithms", [("rsa",), ("ed25519",), ("rsa", "ed25519")])
def test_dkim_signatures_verify_with_dkimpy(world, algorithms):
    records = {}
    for algorithm in algorithms:
        out = world.mailroom.cli("dkim", "generate", "example.test", "--algorithm", algorithm).stdout
        records.update(dkim_records(out))
    assert len(records) == len(algorithms), records
    for name, value in records.items():
        # Published as printed: strings of at most 255 octets (RFC 1035 §3.3.14), joined by verifiers.
        chunks = " ".join(f'"{value[i:i + 255]}"' for i in range(0, len(value), 255))
        world.dns.add(f"{name}. 60 TXT {chunks}")
    sink = Sink()
    controller = start_sink(sink, world.mx_port, tls=world.tls)
    try:
        world.mailroom.start()
        world.submit(["bob@remote.test"], subject="signed", body="Line one.\r\n\r\n.leading dot\r\n\r\n\r\n")
        [t] = sink.wait(1)
        data = t["data"]
        assert data.count(b"DKIM-Signature:") == len(algorithms)

        def dnsfunc(name, timeout=5):
            # Ask the test DNS server, as a receiving MTA would.
            q = DNSRecord.question(name.decode().rstrip("."), "TXT")
            answer = DNSRecord.parse(q.send("127.0.0.1", world.dns_port, timeout=timeout))
            return b"".join(b"".join(rr.rdata.data) for rr in answer.rr if rr.rtype == QTYPE.TXT)

        verifier = dkim.DKIM(data)
        for index in range(len(algorithms)):
            assert verifier.verify(idx=index, dnsfunc=dnsfunc), f"signature {index} did not verify"
        # A modified message must not verify.
        tampered = data.replace(b"Line one.", b"Line 1.")
        try:
            verified = dkim.DKIM(tampered).verify(idx=0, dnsfunc=dnsfunc)
        except dkim.ValidationError:  # dkimpy raises on a body hash mismatch
            verified = False
        assert not verified
    finally:
        controller.stop()


def test_dsn_parameters_from_submission_are_honoured(world):
    sink = Sink(refuse={"nobody@remote.test", "silent@remote.test"})
    controller = start_sink(sink, world.mx_port, tls=world.tls)
    try:
        world.mailroom.start()
        msg = (b"From: alice@example.test\r\nTo: x@remote.test\r\nSubject: dsn options\r\n"
               b"Message-ID: <dsn-options@example.test>\r\n\r\nThe body must not come back.\r\n")
        with smtplib.SMTP("127.0.0.1", world.mailroom.ports["submission"], timeout=30) as s:
            s.starttls(context=tls_context())
            s.login("alice@example.test", PASSWORD)
            assert s.has_extn("dsn")
            # RFC 3461: RET=HDRS and ENVID for the message, NOTIFY per recipient.
            s.mail("alice@example.test", ["RET=HDRS", "ENVID=QQ314159"])
            assert s.rcpt("nobody@remote.test", ["NOTIFY=FAILURE", "ORCPT=rfc822;nobody@remote.test"])[0] == 250
            assert s.rcpt("silent@remote.test", ["NOTIFY=NEVER"])[0] == 250
            assert s.rcpt("bob@remote.test", ["NOTIFY=SUCCESS"])[0] == 250
            assert s.data(msg)[0] == 250
        [t] = sink.wait(1)
        assert t["rcpts"] == ["bob@remote.test"]
        # One report covers every recipient of the message at that domain (RFC 3464 §2.3).
        [report] = world.wait_for_inbox(1)
        world.wait_for_queue(lambda q: "empty" in q)
        assert len(world.inbox()) == 1
        per_message, *per_recipient = report.get_payload()[1].get_payload()
        assert per_message["Original-Envelope-Id"] == "QQ314159"
        fields = {r["Final-Recipient"]: r for r in per_recipient}
        assert set(fields) == {"rfc822; nobody@remote.test", "rfc822; bob@remote.test"}  # nothing for NEVER
        failed = fields["rfc822; nobody@remote.test"]
        assert failed["Action"] == "failed" and failed["Original-Recipient"] == "rfc822; nobody@remote.test"
        # aiosmtpd does not offer DSN, so success is reported by us as "relayed" (RFC 3461 §6.2.1).
        assert fields["rfc822; bob@remote.test"]["Action"] == "relayed"
        returned = report.get_payload()[2]
        assert returned.get_content_type() == "text/rfc822-headers"
        assert b"The body must not come back" not in returned.as_bytes()
        assert b"Subject: dsn options" in returned.as_bytes()
    finally:
        controller.stop()


def test_ipv6_only_mx(world):
    world.dns.add("v6only.test. 60 MX 10 mx6.v6only.test.")
    world.dns.add("mx6.v6only.test. 60 AAAA ::1")
    sink = Sink()
    controller = Controller(sink, hostname="::1", port=world.mx_port, tls_context=world.tls, require_starttls=False)
    controller.start()
    try:
        world.mailroom.start()
        world.submit(["someone@v6only.test"], subject="over ipv6")
        [t] = sink.wait(1)
        assert t["rcpts"] == ["someone@v6only.test"] and t["peer"][0] == "::1" and t["tls"]
    finally:
        controller.stop()


def test_message_larger_than_the_remote_size_limit_bounces_before_sending(world):
    sink = Sink()
    controller = start_sink(sink, world.mx_port, tls=world.tls, data_size_limit=2000)  # EHLO says SIZE 2000
    try:
        world.mailroom.start()
        world.submit(["bob@remote.test"], subject="too big", body="x" * 70 + "\r\n" * 1 + ("y" * 76 + "\r\n") * 40)
        [dsn] = world.wait_for_inbox(1)
        fields = dsn.get_payload()[1].get_payload()[1]
        assert fields["Status"] == "5.3.4" and fields["Action"] == "failed"
        assert sink.transactions == []  # RFC 1870 §6: not even attempted
    finally:
        controller.stop()
