#!/usr/bin/env python3
"""Comparative benchmark: Mailroom against Dovecot (IMAP, POP3, LMTP) and Postfix (SMTP). Not a test; never
run by CI. scripts/bench-compare installs the Debian packages when missing and then runs this file.

What it does, in order:
  1. One temporary directory (TMP) holds everything: a private Dovecot (`dovecot -F -c TMP/dovecot/dovecot.conf`,
     base_dir, state_dir, logs, Maildir under TMP, default fsync settings), a private Postfix (own
     config_directory, queue_directory and data_directory, `postfix -c DIR start`, smtpd on a loopback high
     port, delivering to that Dovecot over LMTP) and a private `mailroom serve` (data_dir under TMP). All
     listen on 127.0.0.1 high ports; the system's services and /etc configs are never touched.
  2. The same users (bench1..benchN, big, pop, append @bench.test, one password) on both sides, the same
     certificate (one P-256 key made by openssl, so that TLS handshakes cost the same), the same data: big and
     pop are seeded into Mailroom by imap-append and copied from there into Dovecot's Maildir (--peer-seed
     maildir, the default; --peer-seed append APPENDs to Dovecot as well). imap-append is its own scenario,
     --append-messages per round into append's INBOX.
  3. Every scenario runs --rounds times, Mailroom and the peer alternating (and the order flips each round);
     the best round of each side is reported.
The client for every scenario is the project's load generator `mailroom-load` (one key=value line on stdout);
a scenario it does not know yet gives a "not available" row instead of aborting the run.

Invariants: every process started here is stopped at the end, on an exception and on Ctrl-C/SIGTERM; the raw
key=value lines of every run go to TMP/results.txt, which is kept (the rest of TMP only with --keep).
"""

import argparse
import datetime
import imaplib
import os
import pathlib
import pwd
import random
import resource
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

DOMAIN = "bench.test"
PASSWORD = "bench-password-2026"
BIG = f"big@{DOMAIN}"
POP = f"pop@{DOMAIN}"
APPENDER = f"append@{DOMAIN}"
RARE_WORD = "zyzzyva"
RARE_COUNT = 10
DISTINCT_SENDER = "distinct@sender.test"
DISTINCT_COUNT = 5
FROM_SINCE_QUERY = f'FROM "{DISTINCT_SENDER}" SINCE 1-Jan-2020'
POLL_INTERVAL_S = 0.1  # end-to-end visibility is polled at least this often (the brief asks for <= 0.2 s)
CONNECTION_LIMIT = 5000  # per-IP / per-user connection limits on both servers (idle-memory opens thousands)
OPEN_FILES = 65536  # RLIMIT_NOFILE given to both servers and the client
QUICK_FACTOR = 20
START_TIMEOUT_S = 120  # longest wait for a server to start listening
INTERRUPTED = threading.Event()  # set by the SIGINT/SIGTERM handler in main()

# scenario name -> metric rows: (key in mailroom-load's output, label, True if higher is better).
# The first row of a scenario is its primary metric: the best round is chosen by it.
ROWS = {
    "smtp-deliver": [
        ("per_second", "accepted/s", True),
        ("e2e_per_second", "end to end (visible in IMAP)/s", True),
        ("p99_ms", "DATA..250 p99 ms", False),
    ],
    "imap-append": [("per_second", "APPENDs/s", True), ("p99_ms", "APPEND p99 ms", False)],
    "imap-fetch-flags": [("per_second", "messages/s", True), ("p99_ms", "p99 ms", False)],
    "imap-fetch-bodies": [("mb_per_second", "MB/s", True)],
    "imap-search-text": [("p50_ms", f"TEXT {RARE_WORD} p50 ms", False), ("p99_ms", "p99 ms", False),
                         ("hits", "hits", None)],
    "imap-search-from-since": [("p50_ms", "FROM+SINCE p50 ms", False), ("p99_ms", "p99 ms", False),
                               ("hits", "hits", None)],
    "imap-idle-push": [("p50_ms", "push latency p50 ms", False), ("p99_ms", "p99 ms", False),
                       ("max_ms", "max ms", False)],
    "idle-memory": [("per_connection_kb", "PSS per idle connection KB", False),
                    ("pss_after_kb", "PSS with all open KB", False), ("process_count_after", "processes", None)],
    "imap-login": [("per_second", "logins/s", True), ("p99_ms", "p99 ms", False)],
    "pop3-retr": [("mb_per_second", "MB/s", True)],
}
# --only names: the search scenario covers both queries.
SCENARIO_GROUPS = {
    "smtp-deliver": ["smtp-deliver"],
    "imap-append": ["imap-append"],
    "imap-fetch-flags": ["imap-fetch-flags"],
    "imap-fetch-bodies": ["imap-fetch-bodies"],
    "imap-search": ["imap-search-text", "imap-search-from-since"],
    "imap-idle-push": ["imap-idle-push"],
    "idle-memory": ["idle-memory"],
    "imap-login": ["imap-login"],
    "pop3-retr": ["pop3-retr"],
}
# Memory is not a timing: the smallest growth of the rounds would only reward an allocator's luck (memory freed
# by an earlier round reused), so the table shows the round with the largest.
WORST_ROUND = {"idle-memory"}
NEEDS_BIG = {"imap-fetch-flags", "imap-fetch-bodies", "imap-search-text", "imap-search-from-since"}


def wait_or_kill(proc, timeout=30):
    """Waits for a process asked to stop; kills it if it is still there after `timeout` seconds."""
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Unavailable(Exception):
    """mailroom-load does not know this scenario (or one of its options) yet."""


class LoadFailed(Exception):
    """mailroom-load ran and failed."""


def log(text):
    print(text, file=sys.stderr, flush=True)


_handed_out = set()


def free_port():
    """A free loopback port, never one handed out before (the kernel may repeat a just-closed one)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port


def wait_port(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def certificate(directory):
    """One P-256 certificate for all servers, so that a TLS handshake costs the same on each."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN=mail.{DOMAIN}",
         "-addext", f"subjectAltName=DNS:mail.{DOMAIN},DNS:localhost,DNS:127.0.0.1,IP:127.0.0.1"],
        check=True, capture_output=True)
    os.chmod(key, 0o644)  # Postfix and Dovecot read it as root before dropping privileges; TMP is private
    return cert, key


def tail(path, n=3000):
    try:
        return pathlib.Path(path).read_text(errors="replace")[-n:]
    except OSError:
        return ""


# --- servers -----------------------------------------------------------------------------------------------

class Mailroom:
    """A private `mailroom serve`: config and data under TMP/mailroom; listeners smtp, imap, imaps, pop3, pop3s;
    the per-IP connection limit raised like Dovecot's (idle-memory opens thousands from 127.0.0.1)."""

    name = "Mailroom"

    def __init__(self, bin_dir, base, users, cert, key):
        self.bin = str(bin_dir / "mailroom")
        self.dir = base / "mailroom"
        self.dir.mkdir()
        self.ports = {k: free_port() for k in ("smtp", "imap", "imaps", "pop3", "pop3s")}
        self.config = self.dir / "mailroom.toml"
        listen = "\n".join(f'{k} = "127.0.0.1:{v}"' for k, v in self.ports.items())
        self.config.write_text(
            f'hostname = "mail.{DOMAIN}"\ndata_dir = "data"\n\n[listen]\n{listen}\n\n'
            f'[tls]\ncert = "{cert}"\nkey = "{key}"\n\n'
            f"[limits]\nconnections_per_ip = {CONNECTION_LIMIT}\n")
        self.proc = None
        self.cli("domain", "add", DOMAIN)
        for u in users:
            self.cli("user", "add", u, "--password", PASSWORD)
        self.log_path = self.dir / "server.log"
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([self.bin, "serve", "--config", str(self.config)],
                                     stdout=subprocess.PIPE, stderr=self.log, text=True)
        # The "ready" line is awaited at most START_TIMEOUT_S: a server that hangs before it is killed.
        watchdog = threading.Timer(START_TIMEOUT_S, self.proc.kill)
        watchdog.start()
        try:
            for line in self.proc.stdout:
                if "ready" in line:
                    break
            else:
                raise RuntimeError(f"mailroom serve exited ({self.proc.wait()}) before \"ready\": "
                                   f"{tail(self.log_path)}")
        finally:
            watchdog.cancel()
        threading.Thread(target=lambda: [None for _ in self.proc.stdout], daemon=True).start()
        self.pid = self.proc.pid

    def cli(self, *args):
        res = subprocess.run([self.bin, *args, "--config", str(self.config)], capture_output=True, text=True)
        if res.returncode != 0:
            raise RuntimeError(f"mailroom {' '.join(args)} failed: {res.stderr}{res.stdout}")

    def version(self):
        """The binary has no --version: its path and build time, and the checkout's commit for reference."""
        res = subprocess.run(["git", "-C", str(pathlib.Path(__file__).resolve().parent), "rev-parse", "--short",
                              "HEAD"], capture_output=True, text=True)
        built = datetime.datetime.fromtimestamp(os.stat(self.bin).st_mtime, datetime.timezone.utc)
        return f"Mailroom {self.bin} built {built:%Y-%m-%dT%H:%MZ} (checkout at {res.stdout.strip() or '?'})"

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            wait_or_kill(self.proc)


class Dovecot:
    """A private Dovecot 2.3: `dovecot -F -c TMP/dovecot/dovecot.conf`, everything under TMP/dovecot."""

    name = "Dovecot"

    def __init__(self, base, users, cert, key, scheme, login_mode):
        self.dir = base / "dovecot"
        for sub in ("run", "state", "mail"):
            (self.dir / sub).mkdir(parents=True)
        self.ports = {k: free_port() for k in ("imap", "imaps", "pop3", "pop3s", "lmtp")}
        self.conf = self.dir / "dovecot.conf"
        self.log_path = self.dir / "dovecot.log"
        passwd = self.dir / "users"
        secret = self.password_hash(scheme)
        passwd.write_text("".join(f"{u}:{secret}\n" for u in users))
        uid, gid = os.getuid(), os.getgid()
        if uid == 0:
            # Dovecot refuses mail access as root ("userdb returned 0 as uid"): Debian's `mail` user instead.
            uid, gid = pwd.getpwnam("mail").pw_uid, pwd.getpwnam("mail").pw_gid
            shutil.chown(self.dir / "mail", uid, gid)
        self.uid, self.gid = uid, gid
        self.mail_user = f"uid {uid} ({pwd.getpwuid(uid).pw_name})"
        p = self.ports
        self.conf.write_text(f"""# Private benchmark instance (scripts/bench_compare.py); nothing from /etc/dovecot is read.
base_dir = {self.dir}/run
state_dir = {self.dir}/state
log_path = {self.log_path}
info_log_path = {self.dir}/dovecot-info.log
protocols = imap pop3 lmtp
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{self.dir}/mail/%u
first_valid_uid = {min(uid, 500)}
first_valid_gid = {min(gid, 100)}
default_process_limit = {CONNECTION_LIMIT}
default_client_limit = {4 * CONNECTION_LIMIT}
passdb {{
  driver = passwd-file
  args = username_format=%u {passwd}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={self.dir}/mail/%u
}}
protocol imap {{
  mail_max_userip_connections = {CONNECTION_LIMIT}
}}
protocol pop3 {{
  mail_max_userip_connections = {CONNECTION_LIMIT}
}}
service imap-login {{
  inet_listener imap {{
    port = {p['imap']}
  }}
  inet_listener imaps {{
    port = {p['imaps']}
    ssl = yes
  }}
  process_limit = {CONNECTION_LIMIT}
{self.login_mode_settings(login_mode)}}}
service pop3-login {{
  inet_listener pop3 {{
    port = {p['pop3']}
  }}
  inet_listener pop3s {{
    port = {p['pop3s']}
    ssl = yes
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {p['lmtp']}
  }}
}}
service imap {{
  process_limit = {CONNECTION_LIMIT}
  client_limit = 1
}}
service auth {{
  client_limit = {4 * CONNECTION_LIMIT}
}}
service anvil {{
  client_limit = {4 * CONNECTION_LIMIT}
}}
""")
        res = subprocess.run(["doveconf", "-c", str(self.conf), "-n"], capture_output=True, text=True)
        if res.returncode != 0 or "Error" in res.stderr or "Fatal" in res.stderr:
            raise RuntimeError(f"doveconf -n refused {self.conf}: {res.stderr}")
        self.warnings = [l for l in res.stderr.splitlines() if l.strip()]
        self.proc = subprocess.Popen(["dovecot", "-F", "-c", str(self.conf)],
                                     stdout=subprocess.DEVNULL, stderr=open(self.dir / "stderr.log", "w"))
        for port in p.values():
            wait_port(port)
        pid_file = self.dir / "run" / "master.pid"
        deadline = time.monotonic() + 10
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.pid = int(pid_file.read_text().split()[0])
        self.check_log("start")

    @staticmethod
    def login_mode_settings(mode):
        """security: Dovecot's default, one imap-login process per connection (it stays as the TLS proxy).
        performance: Dovecot's documented high-performance mode, a few long-lived login processes."""
        if mode == "security":
            return ""
        return f"  service_count = 0\n  process_min_avail = {os.cpu_count() or 1}\n  client_limit = {CONNECTION_LIMIT}\n"

    @staticmethod
    def password_hash(scheme):
        if scheme == "PLAIN":
            return "{PLAIN}" + PASSWORD
        # The same algorithm and cost as Mailroom's own hashes (bcrypt, cost 10).
        res = subprocess.run(["doveadm", "pw", "-s", scheme, "-r", "10", "-p", PASSWORD],
                             capture_output=True, text=True, check=True)
        return res.stdout.strip()

    def check_log(self, when):
        text = tail(self.log_path, 200000)
        errors = [l for l in text.splitlines() if " Error: " in l or " Fatal: " in l or " Panic: " in l]
        if errors:
            log(f"bench-compare: Dovecot log has {len(errors)} error lines after {when}, e.g.: {errors[-1]}")
        return errors

    def warning_summary(self):
        """Distinct kinds of warnings in the log (the one logged by `doveadm stop` left out), with counts."""
        kinds = {}
        for line in tail(self.log_path, 10_000_000).splitlines():
            if " Warning: " in line and "Killed with signal 15" not in line:
                kind = line.split(" Warning: ", 1)[1][:120]
                kinds[kind] = kinds.get(kind, 0) + 1
        return [f"{n}x {kind}" for kind, n in kinds.items()]

    def mail_dir(self, user):
        """The Maildir (and home) of user: mail_location and home in the userdb above."""
        return self.dir / "mail" / user

    def version(self):
        res = subprocess.run(["dovecot", "--version"], capture_output=True, text=True)
        return f"Dovecot {res.stdout.strip()}"

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            subprocess.run(["doveadm", "-c", str(self.conf), "stop"], capture_output=True, timeout=30)
            wait_or_kill(self.proc)


class PrivatePostfix:
    """A private Postfix (the approach of scripts/bench-outbound.py): own config, queue and data directories,
    smtpd on a loopback high port, mail for bench.test handed to Dovecot over LMTP."""

    name = "Postfix"

    def __init__(self, base, lmtp_port, cert, key):
        self.dir = base / "postfix"
        etc, queue, data = self.dir / "etc", self.dir / "queue", self.dir / "data"
        for d in (etc, queue, data):
            d.mkdir(parents=True)
        shutil.chown(data, "postfix")
        self.queue = queue
        self.port = free_port()
        master_cf = pathlib.Path("/etc/postfix/master.cf")
        if not master_cf.exists():
            master_cf = pathlib.Path("/usr/share/postfix/master.cf.dist")
        master = master_cf.read_text().splitlines()
        lines = [f"127.0.0.1:{self.port} inet n - y - - smtpd"]
        lines += [l for l in master if not l.startswith("smtp ") or "unix" in l]
        (etc / "master.cf").write_text("\n".join(lines) + "\n")
        # Debian runs the daemons chrooted in the queue directory and copies these files in at start.
        (queue / "etc").mkdir()
        for name in ("hosts", "resolv.conf", "services", "nsswitch.conf", "localtime", "host.conf"):
            src = pathlib.Path("/etc") / name
            if src.exists():
                shutil.copy(src, queue / "etc" / name)
        (etc / "main.cf").write_text(
            f"compatibility_level = 3.6\nqueue_directory = {queue}\ndata_directory = {data}\n"
            "mail_owner = postfix\nsetgid_group = postdrop\ninet_interfaces = 127.0.0.1\ninet_protocols = ipv4\n"
            f"myhostname = mx.{DOMAIN}\nmydestination =\nalias_maps =\nalias_database =\n"
            "local_transport = error:no local delivery\nrelayhost =\n"
            f"virtual_mailbox_domains = {DOMAIN}\nvirtual_transport = lmtp:inet:127.0.0.1:{lmtp_port}\n"
            # Every address of bench.test is accepted and left to Dovecot's userdb (no recipient map).
            "smtpd_reject_unlisted_recipient = no\n"
            "mynetworks = 127.0.0.0/8\nsmtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n"
            f"smtpd_tls_cert_file = {cert}\nsmtpd_tls_key_file = {key}\nsmtpd_tls_security_level = may\n"
            f"maillog_file = {self.dir}/maillog\nmaillog_file_prefixes = {self.dir}\n")
        os.chmod(base, 0o755)
        self.etc = etc
        res = subprocess.run(["postfix", "-c", str(etc), "start"], capture_output=True, text=True)
        if res.returncode != 0:
            raise RuntimeError(f"postfix did not start: {res.stdout}{res.stderr}{tail(self.dir / 'maillog')}")
        self.started = True
        wait_port(self.port)

    def queued(self):
        """Files in Postfix's queues (0 when every message has been delivered)."""
        n = 0
        for sub in ("maildrop", "incoming", "active", "deferred", "hold", "corrupt"):
            d = self.queue / sub
            if d.exists():
                n += sum(len(files) for _, _, files in os.walk(d))
        return n

    def version(self):
        res = subprocess.run(["postconf", "-c", str(self.etc), "-h", "mail_version"], capture_output=True, text=True)
        return f"Postfix {res.stdout.strip()}"

    def stop(self):
        subprocess.run(["postfix", "-c", str(self.etc), "stop"], capture_output=True, timeout=60)
        pid_file = self.queue / "pid" / "master.pid"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                pid = int(pid_file.read_text().split()[0])
                os.kill(pid, 0)
            except (OSError, ValueError):
                return
            time.sleep(0.1)


class Peer:
    """Dovecot and Postfix seen as one side: IMAP/POP3 ports from Dovecot, SMTP port from Postfix."""

    name = "Dovecot/Postfix"

    def __init__(self, dovecot, postfix):
        self.dovecot, self.postfix = dovecot, postfix
        self.ports = dict(dovecot.ports, smtp=postfix.port)
        self.pid = dovecot.pid


class MailroomSide:
    name = "Mailroom"

    def __init__(self, mailroom):
        self.mailroom = mailroom
        self.ports = mailroom.ports
        self.pid = mailroom.pid


def plain_login_allowed(side, user):
    """Whether side accepts IMAP LOGIN on its plain port from loopback (decides plain vs implicit TLS)."""
    try:
        c = imaplib.IMAP4("127.0.0.1", side.ports["imap"], timeout=30)
    except OSError:
        return False
    try:
        c.login(user, PASSWORD)
        c.logout()
        return True
    except imaplib.IMAP4.error:
        return False
    finally:
        try:
            c.shutdown()
        except OSError:
            pass


# --- client ------------------------------------------------------------------------------------------------

class Load:
    """Runs mailroom-load and parses its key=value line; every raw line goes to results.txt."""

    def __init__(self, path, results, timeout):
        self.path = str(path)
        self.results = results
        self.timeout = timeout

    def run(self, label, side, scenario, args, timeout=None):
        cmd = [self.path, scenario, "--host", "127.0.0.1", *[str(a) for a in args]]
        shown, rest = [], cmd[1:]
        while rest:
            if rest[0] == "--to" and len(rest) > 1:
                rest = rest[2:]
            else:
                shown.append(rest[0])
                rest = rest[1:]
        if "--to" in cmd:
            shown.append(f"--to ... ({cmd.count('--to')} recipients)")
        log(f"  {side.name:16s} {' '.join(shown)}")
        try:
            res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout or self.timeout)
        except subprocess.TimeoutExpired:
            raise LoadFailed(f"mailroom-load {scenario} did not finish in {timeout or self.timeout} s")
        err = res.stderr.strip()
        if res.returncode != 0:
            if "unknown scenario" in err or "unknown argument" in err:
                raise Unavailable(err.splitlines()[-1] if err else "unknown scenario")
            raise LoadFailed(f"exit {res.returncode}: {err[-500:] or res.stdout[-500:]}")
        line = next((l for l in res.stdout.splitlines() if l.startswith("scenario=")), None)
        if line is None:
            raise LoadFailed(f"no scenario= line in output: {res.stdout[-300:]}")
        fields = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
        self.record(label, side, line)
        return fields

    def record(self, label, side, line):
        with open(self.results, "a") as f:
            f.write(f"bench={label} server={side.name.split('/')[0].lower()} {line}\n")


def imap_login(side, user):
    c = imaplib.IMAP4_SSL("127.0.0.1", side.ports["imaps"], ssl_context=tls_context(), timeout=120)
    c.login(user, PASSWORD)
    return c


class StatusPoller:
    """One logged-in IMAP connection per user; total() sums STATUS INBOX (MESSAGES) over all of them."""

    def __init__(self, side, users):
        self.conns = [(u, imap_login(side, u)) for u in users]

    def total(self):
        n = 0
        for _, c in self.conns:
            typ, data = c.status("INBOX", "(MESSAGES)")
            if typ != "OK":
                raise RuntimeError(f"STATUS failed: {data}")
            n += int(data[0].decode().rsplit("MESSAGES", 1)[1].strip(" )"))
        return n

    def close(self):
        for _, c in self.conns:
            try:
                c.logout()
            except (OSError, imaplib.IMAP4.error):
                pass


def special_messages():
    """The messages APPENDed identically to big on both sides: RARE_COUNT with the rare word in the body,
    DISTINCT_COUNT from the distinctive sender."""
    out = []
    date = "Fri, 27 Nov 2026 09:00:00 +0000"
    for i in range(RARE_COUNT):
        out.append(
            f"From: Someone <someone{i}@example.org>\r\nTo: {BIG}\r\nSubject: rare {i}\r\nDate: {date}\r\n"
            f"Message-ID: <rare-{i}@bench.test>\r\n\r\nA line about the {RARE_WORD} and nothing else.\r\n")
    for i in range(DISTINCT_COUNT):
        out.append(
            f"From: Distinct Sender <{DISTINCT_SENDER}>\r\nTo: {BIG}\r\nSubject: distinct {i}\r\nDate: {date}\r\n"
            f"Message-ID: <distinct-{i}@bench.test>\r\n\r\nAn ordinary body number {i}.\r\n")
    return [m.encode() for m in out]


def python_append(side, user, count, connections, size):
    """Seeding fallback while mailroom-load has no imap-append: plain imaplib APPENDs (not reported)."""
    words = ["invoice", "meeting", "quarterly", "report", "schedule", "budget", "review", "project"]
    nxt = iter(range(count))
    lock = threading.Lock()
    errors = []

    def worker(seed):
        rnd = random.Random(seed)
        try:
            c = imap_login(side, user)
            while True:
                with lock:
                    i = next(nxt, None)
                if i is None:
                    break
                body = ""
                while len(body) < size:
                    body += " ".join(rnd.choice(words) for _ in range(10)) + "\r\n"
                msg = (f"From: Load <load@example.org>\r\nTo: {user}\r\nSubject: seed {i}\r\n"
                       f"Message-ID: <seed-{i}@example.org>\r\n\r\n{body}").encode()
                c.append("INBOX", None, None, msg)
            c.logout()
        except Exception as e:  # reported below; one failed worker fails the seeding
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"seeding {user} failed: {errors[0]}")


MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}


def copy_to_maildir(source, user, dovecot, batch=500):
    """Copies every message of user's INBOX on `source` (over IMAP) into Dovecot's Maildir for user as files in
    cur/ without flags, the way Dovecot itself stores them: LF line ends, S= (file size) and W= (size with CRLF,
    the RFC822.SIZE) in the name, the INTERNALDATE as the file's modification time. Returns the count."""
    home = pathlib.Path(dovecot.mail_dir(user))
    for sub in ("cur", "new", "tmp"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    c = imap_login(source, user)
    count = 0
    try:
        typ, data = c.select("INBOX", readonly=True)
        total = int(data[0])
        host = socket.gethostname().replace("/", "_").replace(":", "_")
        for first in range(1, total + 1, batch):
            last = min(total, first + batch - 1)
            typ, data = c.fetch(f"{first}:{last}", "(INTERNALDATE BODY.PEEK[])")
            if typ != "OK":
                raise RuntimeError(f"FETCH from {source.name} failed: {data}")
            for item in data:
                if not isinstance(item, tuple):
                    continue
                head, body = item
                when = imaplib.Internaldate2tuple(head)
                if when is None:
                    raise RuntimeError(f"no INTERNALDATE in {head[:200]!r}")
                text = body.replace(b"\r\n", b"\n")
                count += 1
                name = f"{int(time.time())}.M{count}P{os.getpid()}.{host},S={len(text)},W={len(body)}:2,"
                path = home / "cur" / name
                path.write_bytes(text)
                stamp = time.mktime(when)
                os.utime(path, (stamp, stamp))
    finally:
        c.logout()
    if os.getuid() == 0:
        for root, dirs, files in os.walk(home):
            for n in dirs + files:
                os.chown(os.path.join(root, n), dovecot.uid, dovecot.gid)
        os.chown(home, dovecot.uid, dovecot.gid)
    return count


# --- benchmark ---------------------------------------------------------------------------------------------

class Bench:
    def __init__(self, args, sides, load, peer):
        self.args = args
        self.sides = sides  # [MailroomSide, Peer]
        self.load = load
        self.peer = peer
        self.results = {}  # scenario -> side name -> [fields] or Exception
        self.notes = []
        self.users = [f"bench{i}@{DOMAIN}" for i in range(1, args.users + 1)]
        self.tls = True  # set by run() after probing Mailroom's plain port
        self.transport = "no IMAP/POP3 scenario ran"

    def imap_port(self, side):
        return ["--port", side.ports["imaps"], "--tls"] if self.tls else ["--port", side.ports["imap"]]

    def pop3_port(self, side):
        return ["--port", side.ports["pop3s"], "--tls"] if self.tls else ["--port", side.ports["pop3"]]

    def auth(self, user):
        return ["--auth", f"{user}:{PASSWORD}"]

    def store(self, scenario, side, outcome):
        self.results.setdefault(scenario, {}).setdefault(side.name, []).append(outcome)

    def attempt(self, scenario, side, fn):
        """Runs one measurement; a missing scenario or a failure becomes a row, not an abort."""
        try:
            self.store(scenario, side, fn())
        except (Unavailable, LoadFailed, RuntimeError, OSError, imaplib.IMAP4.error) as e:
            if INTERRUPTED.is_set():
                raise KeyboardInterrupt() from e
            log(f"  {side.name}: {scenario}: {type(e).__name__}: {e}")
            self.load.record(scenario, side, f"error={type(e).__name__} message={shlex.quote(str(e)[:300])}")
            self.store(scenario, side, e)
            return False
        return True

    def alternate(self, scenario, fn):
        for r in range(self.args.rounds):
            order = self.sides if r % 2 == 0 else list(reversed(self.sides))
            for side in order:
                ok = self.attempt(scenario, side, lambda: fn(side))
                if not ok and isinstance(self.results[scenario][side.name][-1], Unavailable):
                    return  # the other side would hit the same missing scenario

    # --- scenarios ---
    def smtp_deliver(self, side):
        a = self.args
        poller = StatusPoller(side, self.users)
        try:
            before = poller.total()
            targets = []
            for u in self.users:
                targets += ["--to", u]
            start = time.monotonic()
            fields = self.load.run("smtp-deliver", side, "smtp-submit", [
                "--port", side.ports["smtp"], "--messages", a.smtp_messages, "--connections", a.smtp_connections,
                "--size", a.size, "--from", "loadgen@example.org", "--starttls", *targets])
            accepted = int(fields.get("accepted", fields.get("messages", 0)))
            if int(fields.get("failed", 0)):
                raise LoadFailed(f"{fields['failed']} messages refused")
            deadline = time.monotonic() + max(120, a.smtp_messages / 10)
            seen = poller.total()
            while seen < before + accepted:
                if time.monotonic() > deadline:
                    raise LoadFailed(f"only {seen - before} of {accepted} visible in IMAP")
                time.sleep(POLL_INTERVAL_S)
                seen = poller.total()
            end = time.monotonic()
        finally:
            poller.close()
        fields["e2e_seconds"] = f"{end - start:.3f}"
        fields["e2e_per_second"] = f"{accepted / (end - start):.1f}"
        if side is self.peer:
            deadline = time.monotonic() + 60
            while self.peer.postfix.queued() and time.monotonic() < deadline:
                time.sleep(0.1)
            fields["postfix_queue_after"] = str(self.peer.postfix.queued())
            if fields["postfix_queue_after"] != "0":
                raise LoadFailed(f"Postfix queue not empty: {fields['postfix_queue_after']} files")
        self.load.record("smtp-deliver-e2e", side, " ".join(f"{k}={v}" for k, v in fields.items()))
        return fields

    def seed_both(self, user, count):
        """The same `count` messages in user's INBOX on both sides. Mailroom gets them by imap-append; the peer
        by APPEND as well with --peer-seed append, or else (the default) as Maildir files copied from Mailroom,
        which is the same data without hours of Dovecot's APPEND slowing down as its Maildir grows."""
        mailroom = self.sides[0]
        log(f"seeding {user} on {mailroom.name} ({count} messages)")
        self.seed(mailroom, user, count, None)
        if self.args.peer_seed == "append":
            log(f"seeding {user} on {self.peer.name} ({count} messages)")
            self.seed(self.peer, user, count, None)
            return
        t = time.monotonic()
        copied = copy_to_maildir(mailroom, user, self.peer.dovecot)
        log(f"  copied {copied} messages of {user} from {mailroom.name} into {self.peer.name}'s Maildir "
            f"in {time.monotonic() - t:.1f} s")
        note = ("seeding (untimed): Mailroom by imap-append; Dovecot by copying the same messages (bytes, "
                "INTERNALDATE as file time) into its Maildir cur/, indexed by Dovecot at the first SELECT")
        if note not in self.notes:
            self.notes.append(note)

    def seed(self, side, user, count, scenario):
        """imap-append of `count` messages into user's INBOX; the imap-append row when scenario is given."""
        a = self.args
        try:
            return self.load.run(scenario or f"seed-{user}", side, "imap-append", [
                *self.imap_port(side), *self.auth(user), "--mailbox", "INBOX",
                "--messages", count, "--connections", a.append_connections, "--size", a.size],
                timeout=max(self.load.timeout, count // 10))
        except LoadFailed as e:
            self.load.record(scenario or f"seed-{user}", side,
                             f"error=LoadFailed message={shlex.quote(str(e)[:300])}")
            raise
        except Unavailable:
            log(f"  {side.name}: imap-append not in mailroom-load; seeding {user} with Python imaplib instead")
            note = "seeding used Python imaplib (mailroom-load has no imap-append yet)"
            if note not in self.notes:
                self.notes.append(note)
            python_append(side, user, count, a.append_connections, a.size)
            raise

    def seed_big(self):
        self.seed_both(BIG, self.args.big_messages)
        for side in self.sides:
            c = imap_login(side, BIG)
            for msg in special_messages():
                typ, data = c.append("INBOX", None, None, msg)
                if typ != "OK":
                    raise RuntimeError(f"APPEND of a special message failed: {data}")
            c.logout()
        counts = {}
        for side in self.sides:
            c = imap_login(side, BIG)
            typ, data = c.status("INBOX", "(MESSAGES)")
            c.logout()
            counts[side.name] = int(data[0].decode().rsplit("MESSAGES", 1)[1].strip(" )"))
        if len(set(counts.values())) != 1:
            self.notes.append(f"big holds different numbers of messages: {counts}")
            log(f"bench-compare: WARNING: {BIG} differs between the sides: {counts}")
        else:
            self.notes.append(f"{BIG} holds {next(iter(counts.values()))} messages on both sides "
                              f"({RARE_COUNT} with '{RARE_WORD}', {DISTINCT_COUNT} from {DISTINCT_SENDER})")

    def warm_up(self):
        """The first SELECT of big (Dovecot builds its index there) and one FLAGS fetch, on both sides."""
        for side in self.sides:
            c = imap_login(side, BIG)
            t = time.monotonic()
            typ, data = c.select("INBOX", readonly=True)
            c.fetch("1:*", "(FLAGS)")
            c.logout()
            log(f"  warm-up {side.name}: SELECT big ({data[0].decode()} messages) + FETCH 1:* FLAGS "
                f"{time.monotonic() - t:.2f} s")
        self.notes.append("warm-up before timing on both sides: SELECT of big + FETCH 1:* (FLAGS), untimed")

    def run(self, selected):
        a = self.args
        imaps = self.imap_port
        self.tls = not plain_login_allowed(self.sides[0], self.users[0])
        if self.tls:
            self.transport = ("IMAP and POP3 over implicit TLS (imaps/pop3s, --tls) on both sides: Mailroom refused "
                              "LOGIN on its plain IMAP port from loopback (tried at start)")
        else:
            self.transport = ("IMAP and POP3 in plain text on both sides: Mailroom accepted LOGIN on its plain IMAP "
                              "port from loopback (tried at start)")
        if "idle-memory" in selected:
            log("== idle-memory")
            self.notes.append("idle-memory runs first, on fresh servers (a heap grown by earlier scenarios would hide "
                              "new allocations), and shows the round with the LARGEST growth; PSS summed over the "
                              "server's process tree (Dovecot: master and every child, i.e. one imap-login TLS proxy "
                              f"and one imap process per connection in Dovecot's default login mode, "
                              f"--dovecot-login {a.dovecot_login} here)")
            self.alternate("idle-memory", lambda s: self.load.run("idle-memory", s, "idle-memory", [
                *imaps(s), *self.auth(self.users[-1]), "--mailbox", "INBOX", "--connections", a.idle_connections,
                "--server-pid", s.pid]))
        if "smtp-deliver" in selected:
            log("== smtp-deliver")
            self.alternate("smtp-deliver", self.smtp_deliver)
        if "imap-append" in selected:
            log(f"== imap-append ({a.append_messages} messages into {APPENDER}'s INBOX per round)")
            self.alternate("imap-append", lambda s: self.seed(s, APPENDER, a.append_messages, "imap-append"))
        if selected & NEEDS_BIG:
            log("== seeding big")
            try:
                self.seed_big()
                self.warm_up()
            except (LoadFailed, RuntimeError, OSError, imaplib.IMAP4.error) as e:
                if INTERRUPTED.is_set():
                    raise KeyboardInterrupt() from e
                log(f"bench-compare: seeding {BIG} failed, skipping the scenarios that read it: {e}")
                failure = LoadFailed(f"seeding {BIG} failed: {e}")
                for scenario in selected & NEEDS_BIG:
                    for side in self.sides:
                        if not self.results.get(scenario, {}).get(side.name):
                            self.store(scenario, side, failure)
                selected = selected - NEEDS_BIG
        if "imap-fetch-flags" in selected:
            log("== imap-fetch-flags")
            self.alternate("imap-fetch-flags", lambda s: self.load.run("imap-fetch-flags", s, "imap-fetch-flags", [
                *imaps(s), *self.auth(BIG), "--mailbox", "INBOX", "--repeat", a.fetch_repeat]))
        if "imap-fetch-bodies" in selected:
            log("== imap-fetch-bodies")
            self.alternate("imap-fetch-bodies", lambda s: self.load.run("imap-fetch-bodies", s, "imap-fetch-bodies", [
                *imaps(s), *self.auth(BIG), "--mailbox", "INBOX", "--connections", a.fetch_connections]))
        for scenario, query in (("imap-search-text", f"TEXT {RARE_WORD}"),
                                ("imap-search-from-since", FROM_SINCE_QUERY)):
            if scenario in selected:
                log(f"== {scenario}")
                self.alternate(scenario, lambda s, q=query, n=scenario: self.load.run(n, s, "imap-search", [
                    *imaps(s), *self.auth(BIG), "--mailbox", "INBOX", "--query", q, "--repeat", a.search_repeat]))
        if "imap-idle-push" in selected:
            log("== imap-idle-push")
            try:
                inotify = int(pathlib.Path("/proc/sys/fs/inotify/max_user_instances").read_text())
            except (OSError, ValueError):
                inotify = None
            if inotify is not None and inotify < a.idle_clients + 20:
                self.notes.append(f"imap-idle-push: fs.inotify.max_user_instances is {inotify}, fewer than Dovecot's "
                                  f"{a.idle_clients} IDLE processes need: the rest fall back to polling (not changed "
                                  "here; it is a system setting)")
            self.notes.append("imap-idle-push: Dovecot waits 500 ms after a change before telling IDLE clients, by "
                              "design (NOTIFY_DELAY_MSECS in src/lib-storage/mailbox-watch.c); Mailroom pushes at once")
            self.alternate("imap-idle-push", lambda s: self.load.run("imap-idle-push", s, "imap-idle-push", [
                *imaps(s), *self.auth(self.users[0]), "--mailbox", "INBOX", "--clients", a.idle_clients,
                "--messages", a.idle_messages]))
        if "imap-login" in selected:
            log("== imap-login")
            self.alternate("imap-login", lambda s: self.load.run("imap-login", s, "imap-login", [
                "--port", s.ports["imaps"], "--tls", *self.auth(self.users[1 % len(self.users)]), "--messages", a.logins,
                "--connections", a.login_connections]))
        if "pop3-retr" in selected:
            log(f"== seeding {POP} ({a.pop_messages} messages), then pop3-retr")
            seeded = True
            try:
                self.seed_both(POP, a.pop_messages)
            except (Unavailable, LoadFailed, RuntimeError, OSError, imaplib.IMAP4.error) as e:
                if INTERRUPTED.is_set():
                    raise KeyboardInterrupt() from e
                for side in self.sides:
                    self.store("pop3-retr", side, LoadFailed(f"seeding {POP} failed: {e}"))
                seeded = False
            if seeded:
                self.alternate("pop3-retr", lambda s: self.load.run("pop3-retr", s, "pop3-retr", [
                    *self.pop3_port(s), *self.auth(POP)]))

    # --- report ---
    def best(self, scenario, side_name):
        outcomes = self.results.get(scenario, {}).get(side_name, [])
        good = [o for o in outcomes if isinstance(o, dict)]
        if not good:
            return None, next((o for o in outcomes if isinstance(o, Exception)), None)
        key, _, higher = ROWS[scenario][0]
        if scenario in WORST_ROUND:
            higher = not higher
        pick = max if higher else min
        return pick(good, key=lambda f: float(f.get(key, "nan"))), None

    def table(self, selected):
        m, p = self.sides[0].name, self.sides[1].name
        lines = [f"| scenario | metric | {m} | {p} | ratio (>1: Mailroom ahead) |", "| --- | --- | --- | --- | --- |"]
        for scenario, rows in ROWS.items():
            if scenario not in selected:
                continue
            mb, merr = self.best(scenario, m)
            pb, perr = self.best(scenario, p)
            if mb is None and pb is None:
                err = merr or perr
                why = ("scenario not available in mailroom-load" if isinstance(err, Unavailable) or err is None
                       else f"failed: {err}")
                if isinstance(err, Unavailable):
                    why += f" ({err})"
                lines.append(f"| {scenario} | — | — | — | {why.replace('|', '/')[:160]} |")
                continue
            for key, label, higher in rows:
                mv = mb.get(key) if mb else None
                pv = pb.get(key) if pb else None
                ratio = "—"
                if higher is not None and mv is not None and pv is not None:
                    try:
                        x, y = float(mv), float(pv)
                        r = (x / y) if higher else (y / x)
                        ratio = f"{r:.2f} ({'higher' if higher else 'lower'} is better)"
                    except (ValueError, ZeroDivisionError):
                        ratio = "n/a"
                elif higher is None and mv is not None and pv is not None and mv != pv and key == "hits":
                    ratio = "hits differ!"
                cell = lambda v, err: v if v is not None else ("failed" if err else "—")
                if key == rows[0][0] and (merr or perr):
                    who, err = (m, merr) if merr else (p, perr)
                    why = "not in mailroom-load" if isinstance(err, Unavailable) else str(err)
                    ratio = f"{who} failed: {why}".replace("|", "/")[:160]
                lines.append(f"| {scenario} | {label} | {cell(mv, merr)} | {cell(pv, perr)} | {ratio} |")
        return "\n".join(lines)


# Sizes of the full run (option name with underscores -> default).
DEFAULT_SIZES = dict(smtp_messages=4000, smtp_connections=8, users=20, big_messages=100_000, append_messages=10_000,
                     append_connections=8,
                     pop_messages=10_000, fetch_repeat=3, fetch_connections=1, search_repeat=5, idle_clients=100,
                     idle_messages=50, idle_connections=2000, logins=2000, login_connections=8, size=4096)
# --quick divides these by QUICK_FACTOR, but not below the floor given (a few IDLE clients and messages still
# make a latency distribution).
QUICK_FLOORS = dict(smtp_messages=1, big_messages=1, append_messages=1, pop_messages=1, idle_clients=10, idle_messages=10,
                    idle_connections=1, logins=1)


def resolve_sizes(args):
    """Fills every size option not given: the default, or with --quick the scaled-down default."""
    for k, v in DEFAULT_SIZES.items():
        if getattr(args, k) is None:
            setattr(args, k, max(QUICK_FLOORS[k], v // QUICK_FACTOR) if args.quick and k in QUICK_FLOORS else v)


def machine_header(args, peer_versions, mailroom_version, transport):
    mem = "?"
    for line in pathlib.Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return (f"# bench-compare {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%dT%H:%MZ} · "
            f"{os.cpu_count()} cores (nproc {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()})"
            f" · {mem} · kernel {os.uname().release} · {mailroom_version} · {' · '.join(peer_versions)}\n"
            f"# command: {args.command}\n"
            f"# sizes: smtp-deliver {args.smtp_messages} messages over {args.smtp_connections} connections to "
            f"{args.users} users; imap-append {args.append_messages} per round; big {args.big_messages} + "
            f"{RARE_COUNT + DISTINCT_COUNT} messages; pop {args.pop_messages} (peer seeded by {args.peer_seed}); idle-push {args.idle_clients} clients x {args.idle_messages} messages; idle-memory "
            f"{args.idle_connections} connections; imap-login {args.logins} over {args.login_connections} connections;"
            f" {args.size}-byte messages; load average at start {args.load_average}\n"
            f"# {transport}; imap-login always over imaps; SMTP with STARTTLS on both; one P-256 certificate "
            f"for all servers\n"
            f"# client: {args.load_path}\n"
            f"# Dovecot passdb scheme {args.dovecot_scheme} (Mailroom: bcrypt cost 10); Dovecot login mode "
            f"{args.dovecot_login}; Dovecot Maildir with default "
            f"fsync (mail_fsync=optimized); Postfix -> Dovecot over LMTP; best of {args.rounds} alternating rounds")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin-dir", default=".build/release", help="directory with mailroom (and mailroom-load)")
    ap.add_argument("--load-bin", help="mailroom-load binary (default: BIN_DIR/mailroom-load)")
    ap.add_argument("--only", help="comma-separated scenarios: " + ",".join(SCENARIO_GROUPS))
    ap.add_argument("--quick", action="store_true", help=f"about {QUICK_FACTOR}x smaller sizes, for a smoke run")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--dovecot-login", default="security", choices=["security", "performance"],
                    help="Dovecot's login processes: security (its default, one per connection) or performance "
                         "(service_count = 0, a few shared processes)")
    ap.add_argument("--peer-seed", default="maildir", choices=["maildir", "append"],
                    help="how big and pop reach Dovecot: maildir (copied from Mailroom into its Maildir, untimed) "
                         "or append (imap-append, as Mailroom; hours at 100,000 messages)")
    ap.add_argument("--dovecot-scheme", default="BLF-CRYPT", choices=["PLAIN", "BLF-CRYPT"],
                    help="Dovecot's password scheme (BLF-CRYPT: bcrypt cost 10, as Mailroom stores)")
    for key, default in DEFAULT_SIZES.items():
        ap.add_argument(f"--{key.replace('_', '-')}", type=int, help=f"default {default}")
    ap.add_argument("--load-timeout", type=int, default=3600, help="seconds one mailroom-load run may take")
    args = ap.parse_args()
    # The exact command, as typed (scripts/bench-compare names itself in the environment).
    args.command = shlex.join([os.environ.get("BENCH_COMPARE_ENTRY", sys.argv[0]), *sys.argv[1:]])
    resolve_sizes(args)
    bad = [k for k in (*DEFAULT_SIZES, "rounds", "load_timeout") if getattr(args, k) < 1]
    if bad:
        sys.exit(f"these options take a positive number: {', '.join('--' + k.replace('_', '-') for k in bad)}")
    args.load_average = " ".join(f"{x:.2f}" for x in os.getloadavg())

    selected = set()
    for name in (args.only.split(",") if args.only else SCENARIO_GROUPS):
        name = name.strip()
        if name not in SCENARIO_GROUPS:
            sys.exit(f"unknown scenario {name!r}; known: {', '.join(SCENARIO_GROUPS)}")
        selected.update(SCENARIO_GROUPS[name])
    bin_dir = pathlib.Path(args.bin_dir).resolve()
    load_bin = pathlib.Path(args.load_bin or bin_dir / "mailroom-load").resolve()
    args.load_path = str(load_bin) + (" (a DEBUG build: the client may be the bottleneck, see client_cpu_s in "
                                      "results.txt)" if "/debug/" in str(load_bin) else "")
    for path in (bin_dir / "mailroom", load_bin):
        if not os.access(path, os.X_OK):
            sys.exit(f"{path} is missing (build it, or pass --bin-dir /tmp/mailroom-bin)")
    for tool in ("dovecot", "doveconf", "doveadm", "postfix", "openssl"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: run scripts/bench-compare, which installs the Debian packages")

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for limits in ((OPEN_FILES, max(hard, OPEN_FILES)), (hard, hard)):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, limits)
            break
        except (ValueError, OSError):
            continue
    files = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if files < 4 * CONNECTION_LIMIT // 2:
        log(f"bench-compare: open-file limit {files}; thousands of connections at once may fail")

    # Ctrl-C reaches the whole process group: the servers and mailroom-load may die before Python sees the
    # signal, so whatever fails after it is reported as the interruption, not as a benchmark failure.
    def on_signal(signum, frame):
        INTERRUPTED.set()
        raise KeyboardInterrupt()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    base = pathlib.Path(tempfile.mkdtemp(prefix="mailroom-bench-compare-"))
    os.chmod(base, 0o755)
    # Each server's directory in its own ext4 block group, so that Postfix's queue-file deletions do not slow the
    # file creations of the next round (see bench-outbound.py).
    subprocess.run(["chattr", "+T", str(base)], capture_output=True)
    results = base / "results.txt"
    results.touch()
    log(f"bench-compare: working in {base}")
    mailroom = dovecot = postfix = None
    table = None
    try:
        cert, key = certificate(base)
        users = [f"bench{i}@{DOMAIN}" for i in range(1, args.users + 1)] + [BIG, POP, APPENDER]
        log("starting Dovecot, Postfix and Mailroom")
        dovecot = Dovecot(base, users, cert, key, args.dovecot_scheme, args.dovecot_login)
        postfix = PrivatePostfix(base, dovecot.ports["lmtp"], cert, key)
        mailroom = Mailroom(bin_dir, base, users, cert, key)
        peer = Peer(dovecot, postfix)
        bench = Bench(args, [MailroomSide(mailroom), peer], Load(load_bin, results, args.load_timeout), peer)
        bench.run(selected)
        for server in (dovecot, mailroom):
            if not server.alive():
                bench.notes.append(f"{server.name} was no longer running at the end")
        errors = dovecot.check_log("the run")
        if errors:
            bench.notes.append(f"Dovecot log: {len(errors)} error lines (see {dovecot.log_path}), last: "
                               f"{errors[-1][-200:]}")
        bench.notes.append(f"Dovecot mail processes run as {dovecot.mail_user}; Mailroom as uid {os.getuid()}")
        for w in dovecot.warning_summary():
            bench.notes.append(f"Dovecot log warning: {w}")
        for w in dovecot.warnings:
            bench.notes.append(f"doveconf: {w}")
        header = machine_header(args, [dovecot.version(), postfix.version()], mailroom.version(),
                                bench.transport)
        table = header + "\n" + "".join(f"# note: {n}\n" for n in bench.notes) + "\n" + bench.table(selected)
    except KeyboardInterrupt:
        log("bench-compare: interrupted; stopping the servers")
    except Exception as e:
        if not INTERRUPTED.is_set():
            log(f"bench-compare: aborted: {type(e).__name__}: {e}")
            raise
        log("bench-compare: interrupted; stopping the servers")
    finally:
        for server in (mailroom, postfix, dovecot):
            if server is not None:
                try:
                    server.stop()
                except Exception as e:  # keep stopping the others
                    log(f"bench-compare: stopping {server.name}: {e}")
        if not args.keep:
            for child in base.iterdir():
                if child != results:
                    if child.is_dir():
                        shutil.rmtree(child, ignore_errors=True)
                    else:
                        child.unlink(missing_ok=True)
    if table is None:
        sys.exit(1)
    print(table)
    print(f"\nraw results: {results}" + (f" (servers' data and logs kept in {base})" if args.keep else ""))


if __name__ == "__main__":
    main()
