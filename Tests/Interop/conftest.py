"""Shared fixtures for the interop suite.

Each test gets its own data directory and free loopback ports, and drives the built `mailroom`
binary ($MAILROOM_BIN) with real third-party clients. Synchronisation is by reading the server's
"ready" line and by polling with deadlines, never by fixed sleeps.
"""

import os
import pathlib
import queue
import signal
import socket
import subprocess
import threading
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("MAILROOM_BIN") or str(ROOT / ".build" / "debug" / "mailroom")

LISTENERS = ("smtp", "submission", "submissions", "imap", "imaps", "pop3", "pop3s", "http", "https")


_handed_out = set()


def free_port():
    """A loopback port nothing listens on, never one this test run has handed out before.

    The kernel may give the same ephemeral port to two binds in a row once the first socket is closed,
    so a set of ports picked one after another could repeat itself."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port


class Mailroom:
    """A private Mailroom instance: config file, data directory, CLI and a `serve` process."""

    def __init__(self, base: pathlib.Path, listeners=LISTENERS, extra_config=""):
        self.base = base
        self.config = base / "mailroom.toml"
        self.ports = {name: free_port() for name in listeners}
        self.proc = None
        self.output = queue.Queue()
        self.lines = []
        listen = "\n".join(f'{k} = "127.0.0.1:{v}"' for k, v in self.ports.items())
        self.config.write_text(
            f'hostname = "mail.example.test"\n'
            f'data_dir = "data"\n\n'
            f"[listen]\n{listen}\n\n"
            f"{extra_config}\n"
        )

    # --- CLI -------------------------------------------------------------------------------
    def cli(self, *args, input=None, check=True, timeout=60):
        cmd = [BIN, *args, "--config", str(self.config)]
        res = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout)
        if check and res.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({res.returncode}): {res.stderr}{res.stdout}")
        return res

    def add_user(self, address, password="correct horse battery", domain=True):
        dom = address.split("@", 1)[1]
        if domain and dom not in self.cli("domain", "list").stdout.split():
            self.cli("domain", "add", dom)
        self.cli("user", "add", address, "--password", password)
        return password

    # --- server ----------------------------------------------------------------------------
    def start(self, timeout=60):
        self.output = queue.Queue()  # a fresh queue: a previous process's end-of-output must not leak in
        self.lines = []
        self.proc = subprocess.Popen(
            [BIN, "serve", "--config", str(self.config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        threading.Thread(target=self._pump, args=(self.proc, self.output, self.lines), daemon=True).start()
        self.wait_for_line("ready", timeout)
        return self

    @staticmethod
    def _pump(proc, output, lines):
        for line in proc.stdout:
            lines.append(line)
            output.put(line)
        output.put(None)

    def wait_for_line(self, needle, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"server did not print {needle!r}; output:\n{''.join(self.lines)}")
            try:
                line = self.output.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"server exited ({self.proc.wait()}); output:\n{''.join(self.lines)}")
            if needle in line:
                return line

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                return self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                raise AssertionError("server did not stop on " + signal.Signals(sig).name)
        return self.proc.returncode if self.proc else None


@pytest.fixture
def mailroom(tmp_path):
    m = Mailroom(tmp_path)
    yield m
    m.stop()


# --- reading the store back (until IMAP exists, the tests read the database and blob files) ---
import sqlite3


def stored_messages(m: "Mailroom", address: str, mailbox: str = "INBOX"):
    """[(uid, bytes)] of a mailbox, read straight from the data directory."""
    db = sqlite3.connect(f"file:{m.base / 'data' / 'mailroom.sqlite'}?mode=ro", uri=True)
    try:
        rows = db.execute(
            """
            SELECT mm.uid, b.hash FROM mailbox_messages mm
            JOIN mailboxes mb ON mb.id = mm.mailbox_id
            JOIN accounts a ON a.id = mb.account_id
            JOIN messages msg ON msg.id = mm.message_id
            JOIN blobs b ON b.id = msg.blob_id
            WHERE a.address_key = ? AND mb.name = ?
            ORDER BY mm.uid
            """,
            (address.lower(), mailbox),
        ).fetchall()
    finally:
        db.close()
    out = []
    for uid, h in rows:
        out.append((uid, (m.base / "data" / "blobs" / h[:2] / h[2:4] / h).read_bytes()))
    return out


def queued_recipients(m: "Mailroom"):
    db = sqlite3.connect(f"file:{m.base / 'data' / 'mailroom.sqlite'}?mode=ro", uri=True)
    try:
        return db.execute(
            "SELECT r.address, q.mail_from, q.body_offset, q.blob_hash FROM queue_recipients r "
            "JOIN queue_messages q ON q.id = r.message_id ORDER BY r.id"
        ).fetchall()
    finally:
        db.close()


def tls_context():
    import ssl

    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx
