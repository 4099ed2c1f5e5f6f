#!/usr/bin/env python3
"""Inbound SMTP delivery benchmark (not a test).

Starts a private `mailroom serve` on a free loopback port with N mailboxes, sends messages of about
4 KB over C parallel connections (each acknowledged 250 only after the message is durable), and
prints messages per second, the latency of each DATA..250 exchange (p50/p99), and the client's own
CPU use so that it is visible whether the client was the bottleneck.
"""

import argparse
import os
import pathlib
import random
import resource
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--messages", type=int, default=4000)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--mailboxes", type=int, default=20)
    args = ap.parse_args()

    base = pathlib.Path(tempfile.mkdtemp(prefix="mailroom-bench-smtp-"))
    port = free_port()
    cfg = base / "mailroom.toml"
    cfg.write_text(f'hostname = "bench.test"\ndata_dir = "data"\n[listen]\nsmtp = "127.0.0.1:{port}"\n')
    run = lambda *a: subprocess.run([args.bin, *a, "--config", str(cfg)], check=True, capture_output=True)
    run("domain", "add", "bench.test")
    users = [f"user{i}@bench.test" for i in range(args.mailboxes)]
    for u in users:
        run("user", "add", u, "--password", "benchmark-password")
    log = open(base / "server.log", "w")
    server = subprocess.Popen(
        [args.bin, "serve", "--config", str(cfg)], stdout=subprocess.PIPE, stderr=log, text=True)
    for line in server.stdout:
        if "ready" in line:
            break
    threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()

    body_line = "The quick brown fox jumps over the lazy dog, and the dog does not mind at all.\r\n"
    latencies = []
    lock = threading.Lock()
    per_conn = args.messages // args.connections

    def worker(n):
        rnd = random.Random(n)
        local = []
        with smtplib.SMTP("127.0.0.1", port) as s:
            s.ehlo("bench.client")
            for i in range(per_conn):
                rcpt = rnd.choice(users)
                msg = (
                    f"From: sender{n}@example.org\r\nTo: {rcpt}\r\nSubject: message {n}-{i}\r\n"
                    f"Message-ID: <{n}-{i}@example.org>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\n"
                    + body_line * 48
                ).encode()
                t = time.perf_counter()
                s.sendmail(f"sender{n}@example.org", [rcpt], msg)
                local.append(time.perf_counter() - t)
        with lock:
            latencies.extend(local)

    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    server.terminate()
    server.wait()
    latencies.sort()
    n = len(latencies)
    print(f"messages          {n} (about 4 KB each)")
    print(f"accepted/s        {n / elapsed:.0f}  (every 250 after fsync + commit)")
    print(f"latency p50/p99   {latencies[n // 2] * 1000:.1f} ms / {latencies[int(n * 0.99)] * 1000:.1f} ms")
    print(f"client CPU        {client_cpu:.1f} s of {elapsed:.1f} s wall ({client_cpu / elapsed * 100:.0f}% of one core)")
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
