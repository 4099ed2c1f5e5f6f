"""The admin command line (DESIGN §6.1) against a real data directory, also while `serve` runs."""

import re
import subprocess

import pytest

from conftest import BIN, Mailroom


def test_init_prints_a_config_that_loads(tmp_path):
    res = subprocess.run([BIN, "init", "--hostname", "mail.example.com"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert 'hostname = "mail.example.com"' in res.stdout
    cfg = tmp_path / "mailroom.toml"
    cfg.write_text(res.stdout)
    out = subprocess.run([BIN, "domain", "list", "--config", str(cfg)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "data" / "mailroom.sqlite").exists()


def test_domains(mailroom):
    mailroom.cli("domain", "add", "Example.COM")
    mailroom.cli("domain", "add", "example.org")
    assert mailroom.cli("domain", "list").stdout.split() == ["example.com", "example.org"]
    dup = mailroom.cli("domain", "add", "example.com", check=False)
    assert dup.returncode != 0 and "already exists" in dup.stderr
    mailroom.cli("domain", "remove", "example.org")
    assert mailroom.cli("domain", "list").stdout.split() == ["example.com"]
    missing = mailroom.cli("domain", "remove", "nowhere.example", check=False)
    assert missing.returncode != 0 and "nowhere.example" in missing.stderr
    bad = mailroom.cli("domain", "add", "not a domain", check=False)
    assert bad.returncode != 0 and "not a valid domain" in bad.stderr


def test_users(mailroom):
    mailroom.cli("domain", "add", "example.com")
    out = mailroom.cli("user", "add", "Alice@Example.com", "--password", "s3cret-pass", "--name", "Alice Liddell")
    assert "alice@example.com" in out.stdout
    assert "Password:" not in out.stdout  # a given password is never echoed
    gen = mailroom.cli("user", "add", "bob@example.com")
    m = re.search(r"Password: (\S+)", gen.stdout)
    assert m and len(m.group(1)) >= 12
    piped = mailroom.cli("user", "add", "carol@example.com", "--password-stdin", input="from stdin pw\n")
    assert "carol@example.com" in piped.stdout

    listing = mailroom.cli("user", "list").stdout
    assert "alice@example.com\tAlice Liddell" in listing
    assert "bob@example.com" in listing and "carol@example.com" in listing

    show = mailroom.cli("user", "show", "alice@example.com").stdout
    for mailbox in ("INBOX", "Drafts", "Sent", "Trash", "Junk", "Archive"):
        assert mailbox in show
    assert "Alice Liddell" in show

    for args, needle in [
        (("user", "add", "dave@unknown.example", "--password", "long enough"), "domain add"),
        (("user", "add", "alice@example.com", "--password", "long enough"), "already exists"),
        (("user", "add", "erin@example.com", "--password", "short"), "too short"),
        (("user", "add", "no-at-sign", "--password", "long enough"), "not a mail address"),
        (("user", "show", "zed@example.com"), "no account"),
        (("user", "add", "f@example.com", "--password", "x" * 80), "too long"),
        (("user", "add", "g@example.com", "--quota", "lots", "--password", "long enough"), "quota"),
    ]:
        res = mailroom.cli(*args, check=False)
        assert res.returncode != 0, args
        assert needle in res.stderr, (args, res.stderr)

    mailroom.cli("user", "passwd", "alice@example.com", "--password", "another-secret")
    mailroom.cli("user", "remove", "bob@example.com")
    assert "bob@example.com" not in mailroom.cli("user", "list").stdout
    # The domain cannot go while accounts remain.
    res = mailroom.cli("domain", "remove", "example.com", check=False)
    assert res.returncode != 0


def test_quota_is_shown(mailroom):
    mailroom.cli("domain", "add", "example.com")
    mailroom.cli("user", "add", "q@example.com", "--password", "long enough", "--quota", "2GB")
    assert "2GB" in mailroom.cli("user", "show", "q@example.com").stdout


def test_aliases(mailroom):
    mailroom.cli("domain", "add", "example.com")
    mailroom.cli("user", "add", "alice@example.com", "--password", "long enough")
    mailroom.cli("user", "add", "bob@example.com", "--password", "long enough")
    mailroom.cli("alias", "add", "sales@example.com", "alice@example.com", "bob@example.com")
    mailroom.cli("alias", "add", "@example.com", "alice@example.com")
    listing = mailroom.cli("alias", "list").stdout
    assert "sales@example.com\talice@example.com,bob@example.com" in listing
    assert "@example.com\talice@example.com" in listing
    for args, needle in [
        (("alias", "add", "x@elsewhere.example", "alice@example.com"), "domain add"),
        (("alias", "add", "alice@example.com", "bob@example.com"), "already exists"),
        (("alias", "add", "loop@example.com", "loop@example.com"), "itself"),
    ]:
        res = mailroom.cli(*args, check=False)
        assert res.returncode != 0 and needle in res.stderr, (args, res.stderr)
    mailroom.cli("alias", "remove", "sales@example.com")
    assert "sales@" not in mailroom.cli("alias", "list").stdout


def test_app_passwords(mailroom):
    mailroom.cli("domain", "add", "example.com")
    mailroom.cli("user", "add", "alice@example.com", "--password", "long enough")
    out = mailroom.cli("app-password", "add", "alice@example.com", "--label", "Alice's phone").stdout
    m = re.search(r": ([a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4})", out)
    assert m, out
    secret = m.group(1)
    listing = mailroom.cli("app-password", "list", "alice@example.com").stdout
    assert "Alice's phone" in listing and "never" in listing
    assert secret not in listing  # shown once only
    dup = mailroom.cli("app-password", "add", "alice@example.com", "--label", "Alice's phone", check=False)
    assert dup.returncode != 0
    mailroom.cli("app-password", "revoke", "alice@example.com", "Alice's phone")
    assert "Alice's phone" not in mailroom.cli("app-password", "list", "alice@example.com").stdout
    res = mailroom.cli("app-password", "revoke", "alice@example.com", "Alice's phone", check=False)
    assert res.returncode != 0


def test_admin_commands_while_serving(tmp_path):
    m = Mailroom(tmp_path)
    m.start()
    try:
        m.cli("domain", "add", "example.com")
        m.add_user("live@example.com")
        assert "live@example.com" in m.cli("user", "list").stdout
        m.cli("alias", "add", "team@example.com", "live@example.com")
        m.cli("app-password", "add", "live@example.com", "--label", "laptop")
        m.cli("user", "remove", "live@example.com")
        assert "live@example.com" not in m.cli("user", "list").stdout
    finally:
        assert m.stop() == 0, "".join(m.lines)


@pytest.mark.parametrize(
    "config,line,key",
    [
        ('hostname = "h.example"\nbogus = 1\n', 2, "bogus"),
        ('hostname = "h.example"\n[listen]\nimap = "127.0.0.1:99999"\n', 3, "listen.imap"),
        ('hostname = "h.example"\n[limits]\nmessage_size = "huge"\n', 3, "limits.message_size"),
        ('hostname = "h.example"\n[pop3]\ndeletes = "shred"\n', 3, "pop3.deletes"),
    ],
)
def test_bad_config_names_file_line_and_key(tmp_path, config, line, key):
    cfg = tmp_path / "mailroom.toml"
    cfg.write_text(config)
    for cmd in (["serve"], ["domain", "list"]):
        res = subprocess.run([BIN, *cmd, "--config", str(cfg)], capture_output=True, text=True, timeout=30)
        assert res.returncode != 0
        assert f"mailroom.toml:{line}" in res.stderr, res.stderr
        assert key in res.stderr, res.stderr


def test_missing_config_says_what_to_do(tmp_path):
    res = subprocess.run(
        [BIN, "domain", "list", "--config", str(tmp_path / "absent.toml")], capture_output=True, text=True
    )
    assert res.returncode != 0
    assert "absent.toml" in res.stderr and "init" in res.stderr
