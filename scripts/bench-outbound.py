#!/usr/bin/env python3
"""Outbound relay benchmark against Postfix (not a test; scripts/bench outbound runs it).

Both servers relay every message to the same local sink (Postfix's smtp-sink, which accepts and discards)
on the same machine, in alternating rounds:
  - Postfix: a private instance (own config_directory, queue and data directories in a temporary
    directory, high ports on 127.0.0.1; the system's Postfix, if any, is never touched), accepting from
    127.0.0.1 (mynetworks) with STARTTLS offered, relayhost = the sink.
  - Mailroom: `serve` with a submission listener (STARTTLS and AUTH, as Mailroom requires), relay = the sink.
The client is mailroom-load (SwiftNIO, one process): C connections, N messages of about 4 KB, STARTTLS on
both, AUTH on Mailroom only (once per connection). Figures: accepted per second (client side, each 250 is
durable on both servers), and relayed end to end per second (first byte sent until the sink has counted
all N), with the client's CPU time.
"""

import argparse
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

from bench_compare import free_port  # scripts/, this file's directory, is on sys.path


class SinkCounter:
    """smtp-sink with a running counter ("mesg=N"), read from its stdout."""

    def __init__(self, port):
        self.count = 0
        self.proc = subprocess.Popen(
            ["smtp-sink", "-u", "postfix", "-c", f"127.0.0.1:{port}", "256"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        buf = b""
        while True:
            chunk = self.proc.stdout.read1(4096)
            if not chunk:
                return
            buf = (buf + chunk)[-256:]
            for part in buf.replace(b"\r", b"\n").split(b"\n"):
                if b"mesg=" in part:
                    try:
                        self.count = int(part.split(b"mesg=")[1].split()[0])
                    except (ValueError, IndexError):
                        pass

    def wait_for(self, target, timeout=600):
        deadline = time.monotonic() + timeout
        while self.count < target:
            if time.monotonic() > deadline:
                raise RuntimeError(f"sink saw {self.count} of {target}")
            time.sleep(0.005)
        return time.monotonic()

    def stop(self):
        self.proc.kill()


def certificate(directory):
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=relay.bench.test"], check=True, capture_output=True)
    return cert, key


class PrivatePostfix:
    def __init__(self, base, port, sink_port, cert, key):
        self.dir = base / "postfix"
        etc, queue, data = self.dir / "etc", self.dir / "queue", self.dir / "data"
        for d in (etc, queue, data):
            d.mkdir(parents=True)
        shutil.chown(data, "postfix")
        master = pathlib.Path("/etc/postfix/master.cf").read_text().splitlines()
        lines = [f"127.0.0.1:{port} inet n - n - - smtpd"]
        lines += [l for l in master if not l.startswith("smtp ") or "unix" in l]
        (etc / "master.cf").write_text("\n".join(lines) + "\n")
        (etc / "main.cf").write_text(
            f"compatibility_level = 3.6\nqueue_directory = {queue}\ndata_directory = {data}\n"
            "mail_owner = postfix\nsetgid_group = postdrop\ninet_interfaces = 127.0.0.1\ninet_protocols = ipv4\n"
            f"myhostname = relay.bench.test\nmydestination =\nrelayhost = [127.0.0.1]:{sink_port}\n"
            "mynetworks = 127.0.0.0/8\nsmtpd_relay_restrictions = permit_mynetworks, reject\n"
            f"smtpd_tls_cert_file = {cert}\nsmtpd_tls_key_file = {key}\nsmtpd_tls_security_level = may\n"
            "smtp_tls_security_level = may\n"
            f"maillog_file = {self.dir}/maillog\nmaillog_file_prefixes = {self.dir}\n"
        )
        os.chmod(base, 0o755)
        self.etc = etc
        res = subprocess.run(["postfix", "-c", str(etc), "start"], capture_output=True, text=True)
        if res.returncode != 0:
            log = (self.dir / "maillog").read_text() if (self.dir / "maillog").exists() else ""
            raise RuntimeError(f"postfix did not start: {res.stdout}{res.stderr}{log[-2000:]}")
        wait_port(port)

    def stop(self):
        subprocess.run(["postfix", "-c", str(self.etc), "stop"], capture_output=True)


def wait_port(port, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


class Mailroom:
    def __init__(self, bin_dir, base, sink_port, concurrency):
        self.bin = str(bin_dir / "mailroom")
        self.dir = base / "mailroom"
        self.dir.mkdir()
        self.port = free_port()
        self.config = self.dir / "mailroom.toml"
        self.config.write_text(
            f'hostname = "relay.bench.test"\ndata_dir = "data"\n[listen]\nsubmission = "127.0.0.1:{self.port}"\n'
            f'[delivery]\nrelay = "127.0.0.1:{sink_port}"\nconcurrency = {concurrency}\n'
            f"concurrency_per_domain = {concurrency}\n"
        )
        self.cli("domain", "add", "bench.test")
        self.cli("user", "add", "load@bench.test", "--password", "benchmark-password")
        self.log = open(self.dir / "server.log", "w")
        self.proc = subprocess.Popen(
            [self.bin, "serve", "--config", str(self.config)], stdout=subprocess.PIPE, stderr=self.log, text=True)
        for line in self.proc.stdout:
            if "ready" in line:
                break
        threading.Thread(target=lambda: [None for _ in self.proc.stdout], daemon=True).start()

    def cli(self, *args):
        subprocess.run([self.bin, *args, "--config", str(self.config)], check=True, capture_output=True)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def load(bin_dir, port, messages, connections, auth):
    cmd = [str(bin_dir / "mailroom-load"), "smtp-submit", "--port", str(port), "--messages", str(messages),
           "--connections", str(connections), "--starttls", "--from", "load@bench.test", "--to", "someone@sink.test"]
    if auth:
        cmd += ["--auth", "load@bench.test:benchmark-password"]
    start = time.monotonic()
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(res.stderr)
    fields = dict(kv.split("=", 1) for kv in res.stdout.split())
    return start, fields


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", default=".build/release")
    ap.add_argument("--messages", type=int, default=4000)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=20, help="outbound sessions at once (Postfix's default)")
    args = ap.parse_args()
    bin_dir = pathlib.Path(args.bin_dir).resolve()
    for tool in ("postfix", "smtp-sink"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: install Debian's postfix (scripts/bench installs it without starting it)")

    base = pathlib.Path(tempfile.mkdtemp(prefix="mailroom-bench-outbound-"))
    # ext4 without a journal (as on the benchmark machines) skips inodes deleted in the last minutes when it makes a
    # new file, scanning past each one: Postfix deletes a queue file per message, and a round that follows it in the
    # same block group pays for those deletions. With the "top directory" hint, each server's directory lands in its
    # own block group, so each pays only for its own deletions.
    subprocess.run(["chattr", "+T", str(base)], capture_output=True)
    sink_port, postfix_port = free_port(), free_port()
    sink = SinkCounter(sink_port)
    wait_port(sink_port)
    cert, key = certificate(base)
    postfix = mailroom = None
    results = {"postfix": [], "mailroom": []}
    try:
        postfix = PrivatePostfix(base, postfix_port, sink_port, cert, key)
        mailroom = Mailroom(bin_dir, base, sink_port, args.concurrency)
        for _ in range(args.rounds):
            for name in ("postfix", "mailroom"):
                before = sink.count
                port = postfix_port if name == "postfix" else mailroom.port
                start, fields = load(bin_dir, port, args.messages, args.connections, auth=(name == "mailroom"))
                end = sink.wait_for(before + args.messages)
                relayed = args.messages / (end - start)
                results[name].append((float(fields["per_second"]), relayed, fields))
                print(f"{name:9s} accepted {float(fields['per_second']):7.1f}/s  relayed end to end {relayed:7.1f}/s  "
                      f"p50 {fields['p50_ms']} ms  p99 {fields['p99_ms']} ms  client CPU {fields['client_cpu_s']} s",
                      flush=True)
    finally:
        if mailroom:
            mailroom.stop()
        if postfix:
            postfix.stop()
        sink.stop()
        shutil.rmtree(base, ignore_errors=True)

    best = {k: max(v, key=lambda r: r[1]) for k, v in results.items()}
    print()
    print(f"| scenario ({args.messages} msgs, {args.connections} conns) | Mailroom | Postfix | ratio |")
    print("| --- | --- | --- | --- |")
    for label, i in (("accepted/s (submission)", 0), ("relayed end to end/s", 1)):
        m, p = best["mailroom"][i], best["postfix"][i]
        print(f"| {label} | {m:.1f} | {p:.1f} | {m / p:.2f} |")


if __name__ == "__main__":
    main()
