"""Alerts: who sees a banner, acknowledgement, Rawan changes, and delivery that never blocks."""

from __future__ import annotations

import json
import logging
import socketserver
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from wb_helpers import KEL_A, KEL_B, PANWASLU, PEJABAT, acks_of, rt_viewer, scoped_panwaslu

from kondusif import alerts, store, workflow
from kondusif.config import settings
from kondusif.model import Category, Incident, Role, Severity, Viewer
from kondusif.timeutil import now

AS_OF = datetime(2018, 6, 20, 9, 0, tzinfo=UTC)


def insert(engine, *incidents: Incident, check: bool = True, as_of: datetime = AS_OF) -> list[dict]:
    """An insert path as intake does it: insert and check alerts in the same transaction."""
    with store.write(engine) as conn:
        rows = store.insert_incidents(conn, list(incidents))
        if check:
            alerts.check_new_incidents(conn, rows, as_of=as_of)
    return rows


def berat(kel: str = KEL_A, when: datetime = AS_OF - timedelta(hours=1), **kw) -> Incident:
    return Incident(kode_kelurahan=kel, rt=kw.pop("rt", 2), category=kw.pop("category", Category.BENTROKAN),
                    severity=Severity.BERAT, title="Bentrok pendukung", occurred_at=when,
                    reporter_name="Pak Rahman", reporter_phone="081234567890", **kw)


def all_alerts(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(store.alerts).order_by(store.alerts.c.id)).mappings()]


# --------------------------------------------------------------------------- banner audience


def test_berat_report_alerts_users_in_scope_only(engine):
    (row,) = insert(engine, berat(kel=KEL_A))
    (alert,) = all_alerts(engine)
    assert alert["kind"] == "berat" and alert["incident_id"] == row["id"]
    assert alert["kode_kecamatan"] == "16.73.01" and row["report_no"] in alert["message"]
    assert "Pak Rahman" not in alert["message"] and "0812" not in alert["message"]

    sees = {
        "panwaslu of that kecamatan": scoped_panwaslu("16.73.01", "panwascam-01"),
        "unscoped panwaslu": PANWASLU,
        "pejabat": PEJABAT,
    }
    blind = {
        "panwaslu of another kecamatan": scoped_panwaslu("16.73.05", "panwascam-05"),
        "rt of that kelurahan": rt_viewer(KEL_A, 2),
    }
    for who, viewer in sees.items():
        assert [a["id"] for a in alerts.visible_alerts(engine, viewer)] == [alert["id"]], who
        assert alerts.count_unacknowledged(engine, viewer) == 1, who
    for who, viewer in blind.items():
        assert alerts.visible_alerts(engine, viewer) == [], who
        assert alerts.count_unacknowledged(engine, viewer) == 0, who


def test_the_same_event_alerts_once(engine):
    rows = insert(engine, berat())
    with store.write(engine) as conn:
        again = alerts.check_new_incidents(conn, rows, as_of=AS_OF)
    assert again == []
    assert len(alerts.check_new_incidents(engine, rows, as_of=AS_OF)) == 0
    assert len(all_alerts(engine)) == 1


def test_only_current_berat_reports_alert(engine):
    insert(
        engine,
        berat(kel=KEL_B, when=AS_OF - timedelta(days=60)),  # an archive import: too old
        berat(kel=KEL_B, status="ditolak"),  # already rejected
        Incident(kode_kelurahan=KEL_B, rt=1, category=Category.POLITIK_UANG, severity=Severity.SEDANG,
                 title="Amplop", occurred_at=AS_OF),
    )
    assert [a for a in all_alerts(engine) if a["kind"] == "berat"] == []


def test_acknowledging_is_recorded_and_hides_the_banner_for_that_user_only(engine):
    insert(engine, berat())
    (alert,) = all_alerts(engine)
    outsider = scoped_panwaslu("16.73.05", "panwascam-05")
    assert alerts.acknowledge(engine, outsider, [alert["id"]]) == 0  # cannot ack what they cannot see
    before = now()
    assert alerts.acknowledge(engine, PEJABAT, [alert["id"]]) == 1
    (ack,) = acks_of(engine, alert["id"])
    assert ack["username"] == PEJABAT.username and ack["alert_id"] == alert["id"]
    assert before - timedelta(seconds=1) <= ack["at"] <= now() + timedelta(seconds=1)
    assert alerts.visible_alerts(engine, PEJABAT) == []
    assert [a["id"] for a in alerts.visible_alerts(engine, PANWASLU)] == [alert["id"]]
    assert alerts.acknowledge(engine, PEJABAT, [alert["id"]]) == 0  # twice is harmless
    assert len(acks_of(engine, alert["id"])) == 1
    # Another pejabat account still sees it.
    assert len(alerts.visible_alerts(engine, Viewer("walikota", Role.PEJABAT))) == 1


# --------------------------------------------------------------------------- rawan


@pytest.fixture
def small_thresholds(tmp_path, monkeypatch):
    """Fixed thresholds so these tests do not depend on the calibrated defaults:
    3 verified berat reports (3 x 4 = 12) make a kelurahan Rawan, 3 unverified (6) only Waspada."""
    conf = tmp_path / "levels.toml"
    conf.write_text("[levels]\nwaspada_threshold = 3.0\nrawan_threshold = 8.0\n")
    monkeypatch.setenv("KONDUSIF_CONFIG", str(conf))
    settings.cache_clear()
    assert settings().levels.rawan_threshold == 8.0


def test_kelurahan_turning_rawan_alerts_once_per_change(engine, small_thresholds):
    insert(engine, *[berat(kel=KEL_B, rt=r, status="diverifikasi") for r in (1, 2, 3)], check=False)
    created = alerts.check_levels(engine, as_of=AS_OF)
    assert [(a["kind"], a["kode_kelurahan"]) for a in created] == [("rawan", KEL_B)]
    assert "RAWAN" in created[0]["message"] and "berat terverifikasi" in created[0]["message"]
    assert alerts.check_levels(engine, as_of=AS_OF + timedelta(hours=1)) == []  # still Rawan: no new alert
    # Twenty days later the window is empty: Kondusif. A new wave makes it Rawan again: a new alert.
    later = AS_OF + timedelta(days=20)
    assert alerts.check_levels(engine, as_of=later) == []
    insert(engine, *[berat(kel=KEL_B, rt=r, status="diverifikasi", when=later) for r in (4, 5, 6)], check=False)
    again = alerts.check_levels(engine, as_of=later + timedelta(hours=1))
    assert [a["kode_kelurahan"] for a in again] == [KEL_B]
    # An older, replayed check does not flip the state back.
    assert alerts.check_levels(engine, as_of=AS_OF) == []
    kinds = [a["kind"] for a in all_alerts(engine)]
    assert kinds == ["rawan", "rawan"]


def test_workbench_verification_that_makes_a_kelurahan_rawan_raises_an_alert(engine, small_thresholds):
    recent = now() - timedelta(hours=2)
    rows = insert(engine, *[berat(kel=KEL_A, rt=r, when=recent) for r in (1, 2, 3)], as_of=now())
    assert {a["kind"] for a in all_alerts(engine)} == {"berat"}  # 3 unverified berat: Waspada, not yet Rawan
    from kondusif.worker import Worker

    w = Worker(engine, "pekerja-uji")  # the level re-check is the worker's (issue 28.6)
    workflow.verify(engine, PANWASLU, rows[0]["id"], 1, "dicek")  # 4 + 2 + 2, decayed: just under 8
    w.run_once()
    assert [a for a in all_alerts(engine) if a["kind"] == "rawan"] == []
    workflow.verify(engine, PANWASLU, rows[1]["id"], 1, "dicek")  # 4 + 4 + 2: Rawan
    w.run_once()
    rawan = [a for a in all_alerts(engine) if a["kind"] == "rawan"]
    assert [a["kode_kelurahan"] for a in rawan] == [KEL_A]
    assert [a["id"] for a in alerts.visible_alerts(engine, scoped_panwaslu("16.73.01"))][0] == rawan[0]["id"]


# --------------------------------------------------------------------------- delivery


class FlakyHook(BaseHTTPRequestHandler):
    fail_first = 2
    bodies: list[dict] = []

    def do_POST(self):  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).bodies.append(body)
        status = 500 if len(type(self).bodies) <= type(self).fail_first else 200
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"ok" if status == 200 else b"down")

    def log_message(self, *args):
        pass


@pytest.fixture
def hook_server():
    FlakyHook.bodies = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FlakyHook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def wait_for(condition, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_failing_webhook_is_retried_logged_and_never_raises(engine, hook_server, monkeypatch, caplog):
    monkeypatch.setenv("KONDUSIF_WEBHOOK_URL", hook_server)
    settings.cache_clear()
    insert(engine, berat())
    (alert,) = all_alerts(engine)
    assert alert["delivery_state"] == "pending"
    waits: list[float] = []
    cfg = alerts.delivery_config()
    caplog.set_level(logging.WARNING, logger="kondusif.alerts")
    counts = alerts.deliver_pending(engine, cfg, sleep=waits.append)
    assert counts == {"sent": 1, "failed": 0}
    (after,) = all_alerts(engine)
    assert after["delivery_state"] == "sent" and after["delivery_attempts"] == 3
    assert after["delivery_error"] is None
    assert waits == [cfg.backoff, cfg.backoff * 2]  # backoff between the retries
    assert len(FlakyHook.bodies) == 3 and FlakyHook.bodies[-1]["pesan"] == alert["message"]
    assert "Pak Rahman" not in json.dumps(FlakyHook.bodies)
    assert sum("gagal" in r.getMessage() for r in caplog.records) == 2
    assert alerts.deliver_pending(engine, cfg, sleep=waits.append) == {"sent": 0, "failed": 0}


def test_unreachable_webhook_ends_failed_with_the_error_recorded(engine, monkeypatch):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("KONDUSIF_WEBHOOK_URL", f"http://127.0.0.1:{port}/hook")
    settings.cache_clear()
    insert(engine, berat())
    cfg = replace(alerts.delivery_config(), webhook_url=f"http://127.0.0.1:{port}/hook", max_attempts=3, timeout=2)
    assert alerts.deliver_pending(engine, cfg, sleep=lambda s: None) == {"sent": 0, "failed": 1}
    (after,) = all_alerts(engine)
    assert after["delivery_state"] == "failed" and after["delivery_attempts"] == 3
    assert "webhook percobaan 3/3" in after["delivery_error"]
    # The banner does not depend on delivery.
    assert len(alerts.visible_alerts(engine, PEJABAT)) == 1
    # An operator can queue failed alerts again.
    assert alerts.deliver_pending(engine, cfg, sleep=lambda s: None, retry_failed=True)["failed"] == 1


def test_the_worker_delivers_what_the_write_recorded_without_blocking_the_caller(engine, hook_server, monkeypatch):
    from kondusif.worker import Worker

    monkeypatch.setenv("KONDUSIF_WEBHOOK_URL", hook_server)
    settings.cache_clear()
    FlakyHook.fail_first = 1
    try:
        created = alerts.check_new_incidents(engine, [insert(engine, berat(), check=False)[0]], as_of=AS_OF)
        # The write only recorded the delivery: nothing was sent on the caller's time.
        assert len(created) == 1 and FlakyHook.bodies == []
        assert all_alerts(engine)[0]["delivery_state"] == "pending"
        worker = Worker(engine, "uji")
        assert worker.run_once() == 1
        (after,) = all_alerts(engine)
        assert after["delivery_state"] == "sent" and after["delivery_attempts"] == 2  # one 500, then 200
        assert len(FlakyHook.bodies) == 2
        assert worker.run_once() == 0  # the event is done: nothing sent again
        assert len(FlakyHook.bodies) == 2
    finally:
        FlakyHook.fail_first = 2


def test_no_delivery_configured_means_banner_only(engine):
    insert(engine, berat())
    assert all_alerts(engine)[0]["delivery_state"] == "none"
    from kondusif.worker import Worker

    assert Worker(engine, "uji").run_once() == 0  # no delivery event was recorded
    assert alerts.deliver_pending(engine) == {"sent": 0, "failed": 0}


class _SMTPStub(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept one message (tests only)."""

    messages: list[str] = []

    def _say(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        self._say("220 stub")
        while True:
            line = self.rfile.readline().decode(errors="replace").strip()
            if not line:
                return
            cmd = line.split(" ", 1)[0].upper()
            if cmd in ("EHLO", "HELO"):
                self._say("250 stub")
            elif cmd in ("MAIL", "RCPT", "RSET", "NOOP"):
                self._say("250 ok")
            elif cmd == "DATA":
                self._say("354 go")
                data = []
                while (chunk := self.rfile.readline().decode(errors="replace")) not in (".\r\n", ""):
                    data.append(chunk)
                type(self).messages.append("".join(data))
                self._say("250 queued")
            elif cmd == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("502 no")


def test_email_delivery_through_a_configured_smtp_host(engine, tmp_path, monkeypatch):
    _SMTPStub.messages = []
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPStub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        conf = tmp_path / "kondusif.toml"
        conf.write_text(
            'alert_email = "panwaslu@lubuklinggau.example"\n'
            f'[alerts]\nsmtp_host = "127.0.0.1"\nsmtp_port = {server.server_address[1]}\n'
        )
        monkeypatch.setenv("KONDUSIF_CONFIG", str(conf))
        settings.cache_clear()
        cfg = alerts.delivery_config()
        assert cfg.channels == ["email"]
        insert(engine, berat())
        assert alerts.deliver_pending(engine, cfg, sleep=lambda s: None) == {"sent": 1, "failed": 0}
        (msg,) = _SMTPStub.messages
        assert "panwaslu@lubuklinggau.example" in msg and "Laporan BERAT" in msg
    finally:
        server.shutdown()
        server.server_close()


# --------------------------------------------------------------------------- CLI


def test_cli_check_list_and_deliver(engine, small_thresholds, capsys, hook_server, monkeypatch):
    from kondusif.__main__ import main

    insert(engine, *[berat(kel=KEL_B, rt=r, status="diverifikasi") for r in (1, 2, 3)], check=False)
    assert main(["alerts", "check", "--per", "kemarin"]) == 2
    assert "bukan tanggal" in capsys.readouterr().err
    assert main(["alerts", "check", "--per", "2018-06-20"]) == 0
    out = capsys.readouterr().out
    assert "Jawa Kanan" in out and "RAWAN" in out and "1 peringatan baru" in out
    assert main(["alerts", "deliver"]) == 0
    assert "tidak diatur" in capsys.readouterr().out
    monkeypatch.setenv("KONDUSIF_WEBHOOK_URL", hook_server)
    settings.cache_clear()
    FlakyHook.fail_first = 0
    try:
        insert(engine, berat(kel=KEL_A))  # a new alert, now with delivery configured
        assert main(["alerts", "deliver"]) == 0
        assert "Terkirim: 1, gagal: 0" in capsys.readouterr().out
    finally:
        FlakyHook.fail_first = 2
    assert main(["alerts", "list"]) == 0
    listing = capsys.readouterr().out
    assert "[rawan] kirim: none" in listing and "[berat] kirim: sent (1x)" in listing
