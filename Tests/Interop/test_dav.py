"""CalDAV and CardDAV over the `http` listener, with the Python caldav library and raw requests.

Plain HTTP is accepted from loopback only (the reverse-proxy case), which is where these tests run.
"""

import base64
import datetime
import http.client
import os
import re
import subprocess
import uuid

import caldav
import pytest

from conftest import Mailroom

PASSWORD = "correct horse battery"


@pytest.fixture
def dav(tmp_path):
    m = Mailroom(tmp_path, listeners=("http",))
    m.add_user("alice@example.test", PASSWORD)
    m.add_user("bob@example.test", PASSWORD)
    m.start()
    yield m
    m.stop()


def request(m, method, path, body=None, user="alice@example.test", headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", m.ports["http"], timeout=30)
    h = dict(headers or {})
    if user:
        h["Authorization"] = "Basic " + base64.b64encode(f"{user}:{PASSWORD}".encode()).decode()
    if body is not None and "Content-Type" not in h:
        h["Content-Type"] = "application/xml; charset=utf-8"
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, dict(r.getheaders()), data


def client(m, user="alice@example.test"):
    return caldav.DAVClient(url=f"http://127.0.0.1:{m.ports['http']}/", username=user, password=PASSWORD)


def event(uid, start, summary, rrule=None, minutes=60):
    end = start + datetime.timedelta(minutes=minutes)
    fmt = "%Y%m%dT%H%M%SZ"
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Mailroom tests//EN", "BEGIN:VEVENT", f"UID:{uid}",
        f"DTSTAMP:{start.strftime(fmt)}", f"DTSTART:{start.strftime(fmt)}", f"DTEND:{end.strftime(fmt)}",
        f"SUMMARY:{summary}",
    ]
    if rrule:
        lines.append(f"RRULE:{rrule}")
    lines += ["END:VEVENT", "END:VCALENDAR", ""]
    return "\r\n".join(lines)


def test_health_authentication_and_discovery(dav):
    assert request(dav, "GET", "/healthz", user=None)[0] == 200
    status, headers, _ = request(dav, "PROPFIND", "/dav/", user=None, headers={"Depth": "0"})
    assert status == 401 and headers["WWW-Authenticate"].startswith("Basic")
    status, headers, _ = request(dav, "GET", "/.well-known/caldav", user=None)
    assert status == 301 and headers["Location"] == "/dav/"
    status, headers, _ = request(dav, "OPTIONS", "/dav/")
    assert status == 200 and "calendar-access" in headers["DAV"] and "addressbook" in headers["DAV"]
    assert "2" not in [c.strip() for c in headers["DAV"].split(",")]  # no LOCK, so no class 2
    # A wrong password is refused like a missing one.
    status, _, _ = request(dav, "PROPFIND", "/dav/", user=None, headers={
        "Depth": "0", "Authorization": "Basic " + base64.b64encode(b"alice@example.test:wrong").decode()})
    assert status == 401


def test_caldav_library_calendars_events_tasks_and_sync(dav):
    principal = client(dav).principal()
    names = sorted(c.get_display_name() for c in principal.calendars())
    assert names == ["Calendar", "Tasks"]
    work = principal.make_calendar(name="Work", cal_id="office")
    assert "Work" in [c.get_display_name() for c in principal.calendars()]

    base = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.timezone.utc)
    work.save_event(event("one@example.test", base, "Kick-off"))
    work.save_event(event("two@example.test", base + datetime.timedelta(days=40), "Later"))
    work.save_event(event("weekly@example.test", base - datetime.timedelta(days=63, hours=-2), "Weekly", rrule="FREQ=WEEKLY"))
    token = work.objects_by_sync_token(load_objects=False).sync_token

    # Time-range query accounts for recurrence: the weekly series has an instance in the window.
    found = work.search(start=base - datetime.timedelta(hours=1), end=base + datetime.timedelta(days=2), event=True,
                        expand=False)
    summaries = sorted(str(e.icalendar_component["SUMMARY"]) for e in found)
    assert summaries == ["Kick-off", "Weekly"]
    # Free/busy over the same day (RFC 4791 §7.10): the kick-off and the weekly instance are busy.
    fb = work.freebusy_request(base - datetime.timedelta(hours=1), base + datetime.timedelta(days=1))
    data = fb.data.replace("\r\n", "\n").replace("\n ", "")
    assert "FREEBUSY;FBTYPE=BUSY:20261201T090000Z/20261201T100000Z" in data  # the kick-off
    assert "FREEBUSY;FBTYPE=BUSY:20261201T110000Z/20261201T120000Z" in data  # the weekly series' instance
    # A window between two instances of the series matches nothing.
    between = work.search(start=base + datetime.timedelta(days=1), end=base + datetime.timedelta(days=2), event=True,
                          expand=False)
    assert between == []

    # A second event with the same UID in the collection is refused (no-uid-conflict).
    status, _, body = request(
        dav, "PUT", "/dav/calendars/alice@example.test/office/duplicate.ics",
        body=event("one@example.test", base, "Duplicate"), headers={"Content-Type": "text/calendar"})
    assert status == 403 and b"no-uid-conflict" in body
    # Invalid data is refused with the precondition.
    status, _, body = request(
        dav, "PUT", "/dav/calendars/alice@example.test/office/broken.ics", body="BEGIN:VCALENDAR\r\nnonsense\r\n",
        headers={"Content-Type": "text/calendar"})
    assert status == 403 and b"valid-calendar-data" in body

    # Tasks: save, search, complete.
    tasks = next(c for c in principal.calendars() if c.get_display_name() == "Tasks")
    todo = tasks.save_todo(summary="Write the report", uid=str(uuid.uuid4()))
    assert [str(t.icalendar_component["SUMMARY"]) for t in tasks.todos()] == ["Write the report"]
    todo.complete()
    assert tasks.todos() == []  # completed tasks are not pending
    assert len(tasks.todos(include_completed=True)) == 1

    # Sync: one change and one deletion since the token.
    found[0].delete()
    work.save_event(event("three@example.test", base + datetime.timedelta(days=3), "New"))
    changes = work.objects_by_sync_token(sync_token=token, load_objects=False)
    changed = sorted(str(o.url).rsplit("/", 1)[1] for o in changes)
    assert len(changed) == 2  # the new event and the deleted one (as 404)

    # Deleting the calendar removes it.
    work.delete()
    assert "Work" not in [c.get_display_name() for c in principal.calendars()]


def test_another_account_cannot_read_or_write(dav):
    alice = client(dav).principal()
    cal = alice.calendars()[0]
    cal.save_event(event("private@example.test", datetime.datetime(2026, 12, 5, 9, tzinfo=datetime.timezone.utc),
                         "Private"))
    path = "/dav/calendars/alice@example.test/calendar/"
    for method, body in (("PROPFIND", None), ("REPORT", "<x/>"), ("DELETE", None)):
        status, _, data = request(dav, method, path, body=body, user="bob@example.test", headers={"Depth": "1"})
        assert status == 403, (method, status, data)
    status, _, _ = request(dav, "PUT", path + "evil.ics", user="bob@example.test",
                           body=event("evil@example.test", datetime.datetime(2026, 12, 5, tzinfo=datetime.timezone.utc),
                                      "Evil"), headers={"Content-Type": "text/calendar"})
    assert status == 403
    assert [str(e.icalendar_component["SUMMARY"]) for e in cal.events()] == ["Private"]
    # The file area too.
    files = "/dav/files/alice@example.test/"
    assert request(dav, "PUT", files + "secret.txt", body="alice only", headers={"Content-Type": "text/plain"})[0] == 201
    for method in ("GET", "PROPFIND", "DELETE", "PUT", "MKCOL"):
        status, _, _ = request(dav, method, files + "secret.txt", user="bob@example.test", body="bob",
                               headers={"Content-Type": "text/plain"})
        assert status == 403, (method, status)
    assert request(dav, "GET", files + "secret.txt")[2] == b"alice only"


# litmus's suites for the WebDAV file area, with the number of tests each runs. `locks` skips its tests:
# the server has no LOCK and does not claim DAV class 2 (RFC 4918 §18.2).
LITMUS_SUITES = {"basic": 16, "copymove": 13, "props": 30, "http": 4, "locks": 3}


def test_litmus_webdav_suites_on_the_file_area(dav, tmp_path):
    url = f"http://127.0.0.1:{dav.ports['http']}/dav/files/alice@example.test/"
    env = {"PATH": os.environ["PATH"], "TESTS": " ".join(LITMUS_SUITES)}
    # litmus writes debug.log and child.log into its working directory.
    r = subprocess.run(["litmus", url, "alice@example.test", PASSWORD], env=env, capture_output=True, text=True,
                       timeout=300, cwd=tmp_path)
    out = r.stdout
    summaries = dict(re.findall(r"<- summary for `(\w+)': of (\d+) tests run: \d+ passed, 0 failed", out))
    assert summaries == {suite: str(n) for suite, n in LITMUS_SUITES.items()}, out[-4000:]
    assert r.returncode == 0, out[-4000:]
    assert "locking tests skipped" in out
    # The only warning is the one about class 2.
    warnings = [line for line in out.splitlines() if "WARNING" in line]
    assert all("Class 2" in line for line in warnings), warnings


def test_carddav_put_query_multiget_and_sync(dav):
    book = "/dav/addressbooks/alice@example.test/contacts/"
    status, _, body = request(dav, "PROPFIND", book, headers={"Depth": "0"},
                              body='<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:sync-token/></d:prop>'
                                   '</d:propfind>')
    assert status == 207 and b"addressbook" in body
    token = body.split(b"<D:sync-token>")[1].split(b"<")[0].decode() if b"<D:sync-token>" in body else None
    cards = {
        "ada.vcf": "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:ada\r\nFN:Ada Lovelace\r\nEMAIL:ada@example.net\r\nEND:VCARD\r\n",
        "alan.vcf": "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:alan\r\nFN:Alan Turing\r\nN:Turing;Alan;;;\r\nEMAIL:alan@example.org\r\nEND:VCARD\r\n",
    }
    for name, card in cards.items():
        status, headers, _ = request(dav, "PUT", book + name, body=card, headers={"Content-Type": "text/vcard"})
        assert status == 201 and headers["ETag"].startswith('"')
    # If-None-Match: * refuses to overwrite.
    status, _, _ = request(dav, "PUT", book + "ada.vcf", body=cards["ada.vcf"],
                           headers={"Content-Type": "text/vcard", "If-None-Match": "*"})
    assert status == 412
    query = ('<C:addressbook-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
             '<D:prop><D:getetag/><C:address-data/></D:prop>'
             '<C:filter><C:prop-filter name="EMAIL"><C:text-match collation="i;unicode-casemap" '
             'match-type="ends-with">EXAMPLE.NET</C:text-match></C:prop-filter></C:filter></C:addressbook-query>')
    status, _, body = request(dav, "REPORT", book, body=query, headers={"Depth": "1"})
    assert status == 207 and b"ada.vcf" in body and b"alan.vcf" not in body and b"Ada Lovelace" in body
    multiget = ('<C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">'
                '<D:prop><D:getetag/><C:address-data/></D:prop>'
                f'<D:href>{book}alan.vcf</D:href><D:href>{book}missing.vcf</D:href></C:addressbook-multiget>')
    status, _, body = request(dav, "REPORT", book, body=multiget, headers={"Depth": "1"})
    assert status == 207 and b"Alan Turing" in body and b"404" in body
    status, _, _ = request(dav, "DELETE", book + "alan.vcf")
    assert status == 204
    sync = ('<D:sync-collection xmlns:D="DAV:"><D:sync-token>%s</D:sync-token><D:sync-level>1</D:sync-level>'
            '<D:prop><D:getetag/></D:prop></D:sync-collection>') % (token or "")
    status, _, body = request(dav, "REPORT", book, body=sync)
    assert status == 207 and b"ada.vcf" in body and b"alan.vcf" in body and b"404" in body
    bad = '<D:sync-collection xmlns:D="DAV:"><D:sync-token>http://other/token</D:sync-token>' \
          '<D:sync-level>1</D:sync-level><D:prop/></D:sync-collection>'
    status, _, body = request(dav, "REPORT", book, body=bad)
    assert status == 403 and b"valid-sync-token" in body


def test_vdirsyncer_two_way_sync_of_a_calendar_and_an_addressbook(dav, tmp_path):
    import subprocess

    local = tmp_path / "local"
    (tmp_path / "status").mkdir()
    url = f"http://127.0.0.1:{dav.ports['http']}/"
    config = tmp_path / "vdirsyncer.conf"
    config.write_text(f"""
[general]
status_path = "{tmp_path / 'status'}/"

[pair cal]
a = "cal_local"
b = "cal_remote"
collections = ["from b"]

[storage cal_local]
type = "filesystem"
path = "{local / 'cal'}/"
fileext = ".ics"

[storage cal_remote]
type = "caldav"
url = "{url}"
username = "alice@example.test"
password = "{PASSWORD}"

[pair card]
a = "card_local"
b = "card_remote"
collections = ["from b"]

[storage card_local]
type = "filesystem"
path = "{local / 'card'}/"
fileext = ".vcf"

[storage card_remote]
type = "carddav"
url = "{url}"
username = "alice@example.test"
password = "{PASSWORD}"
""")

    def vdirsyncer(*args):
        res = subprocess.run(["vdirsyncer", "-c", str(config), *args], input="y\n" * 10, capture_output=True,
                             text=True, timeout=120)
        assert res.returncode == 0, res.stdout + res.stderr
        return res.stdout + res.stderr

    out = vdirsyncer("discover")
    assert '"calendar"' in out and '"tasks"' in out and '"contacts"' in out
    vdirsyncer("sync")
    # Local additions go up.
    (local / "cal" / "calendar" / "vd-1.ics").write_text(
        event("vd-1@example.test", datetime.datetime(2026, 12, 10, 10, tzinfo=datetime.timezone.utc), "Local event"))
    for uid, name in (("vd-grace", "Grace Hopper"), ("vd-ada", "Ada Lovelace")):
        (local / "card" / "contacts" / f"{uid}.vcf").write_text(
            f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{name}\r\nN:{name.split()[1]};{name.split()[0]};;;\r\n"
            "END:VCARD\r\n")
    vdirsyncer("sync")
    calendar = client(dav).principal().calendars()[0]
    assert [str(e.icalendar_component["SUMMARY"]) for e in calendar.events()] == ["Local event"]
    # A local edit goes up.
    ics = local / "cal" / "calendar" / "vd-1.ics"
    ics.write_text(ics.read_text().replace("Local event", "Edited locally"))
    vdirsyncer("sync")
    events = [str(e.icalendar_component["SUMMARY"]) for e in client(dav).principal().calendars()[0].events()]
    assert events == ["Edited locally"]
    # A server-side delete comes down.
    status, _, body = request(
        dav, "PROPFIND", "/dav/addressbooks/alice@example.test/contacts/", headers={"Depth": "1"},
        body='<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>')
    hrefs = [h.split(b"<")[0].decode() for h in body.split(b"<D:href>")[1:]]
    grace = next(h for h in hrefs if "grace" in h)
    assert request(dav, "DELETE", grace)[0] == 204
    vdirsyncer("sync")
    assert sorted(p.name for p in (local / "card" / "contacts").iterdir()) == ["vd-ada.vcf"]


def test_https_listener_with_the_servers_certificate(tmp_path):
    import ssl

    m = Mailroom(tmp_path, listeners=("https",))
    m.add_user("alice@example.test", PASSWORD)
    m.start()
    try:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection("127.0.0.1", m.ports["https"], timeout=30, context=ctx)
        conn.request("GET", "/healthz")
        r = conn.getresponse()
        assert r.status == 200 and r.read() == b"ok\n"
        assert conn.sock.version() in ("TLSv1.2", "TLSv1.3")
        conn.close()
        principal = caldav.DAVClient(url=f"https://127.0.0.1:{m.ports['https']}/", username="alice@example.test",
                                     password=PASSWORD, ssl_verify_cert=False).principal()
        assert sorted(c.get_display_name() for c in principal.calendars()) == ["Calendar", "Tasks"]
    finally:
        m.stop()
