"""Benchmark (not a test): RETR of every message in a large POP3 maildrop.

    python3 scripts/bench-pop3.py [COUNT]

Delivers COUNT messages (default 10,000) through the SMTP listener, then times, with poplib over
POP3S: the first login (sizes computed and cached), a second login (sizes from the cache), LIST, UIDL
and RETR of every message. Uses the built binary ($MAILROOM_BIN or .build/debug/mailroom).
"""

import pathlib
import poplib
import smtplib
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "Tests" / "Interop"))
from conftest import Mailroom, tls_context  # noqa: E402

USER, PASSWORD = "alice@example.test", "correct horse battery"


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        m = Mailroom(pathlib.Path(tmp), listeners=("smtp", "pop3s"))
        m.cli("domain", "add", "example.test")
        m.cli("user", "add", USER, "--password", PASSWORD)
        m.start()
        try:
            body = b"".join(b"Line %d of a typical short message body.\r\n" % i for i in range(40))
            t0 = time.monotonic()

            def sender(start, step):
                with smtplib.SMTP("127.0.0.1", m.ports["smtp"]) as s:
                    for i in range(start, count, step):
                        s.sendmail(
                            "sender@example.org",
                            [USER],
                            b"From: sender@example.org\r\nTo: %s\r\nSubject: Message %d\r\n\r\n"
                            % (USER.encode(), i)
                            + body,
                        )

            threads = [threading.Thread(target=sender, args=(k, 8)) for k in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            print(f"delivered {count} messages over SMTP in {time.monotonic() - t0:.1f} s")

            def session(retr):
                p = poplib.POP3_SSL("127.0.0.1", m.ports["pop3s"], context=tls_context(), timeout=600)
                p.user(USER)
                t = time.monotonic()
                p.pass_(PASSWORD)
                login = time.monotonic() - t
                n, total = p.stat()
                t = time.monotonic()
                p.list()
                p.uidl()
                listing = time.monotonic() - t
                retrieved = 0
                t = time.monotonic()
                if retr:
                    for i in range(1, n + 1):
                        retrieved += p.retr(i)[2]
                elapsed = time.monotonic() - t
                p.quit()
                return n, total, login, listing, retrieved, elapsed

            n, total, login1, _, _, _ = session(False)
            print(f"first login ({n} messages, {total} octets, sizes computed): {login1:.2f} s")
            n, total, login2, listing, retrieved, elapsed = session(True)
            print(f"second login (sizes cached): {login2:.2f} s; LIST+UIDL: {listing:.2f} s")
            print(
                f"RETR of all {n} messages: {elapsed:.1f} s, {n / elapsed:.0f} messages/s, "
                f"{retrieved / elapsed / 1e6:.1f} MB/s (retrieved {retrieved} octets = STAT total: {retrieved == total})"
            )
        finally:
            m.stop()


if __name__ == "__main__":
    main()
