"""Issue 16: state that several app processes on one database must share (no per-process memory)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa

from kondusif import accounts, alerts, login_throttle, store
from kondusif.accounts import auth
from kondusif.config import settings
from kondusif.model import Role, Viewer

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Lubuklinggau-2018!"
ATTACKER = "203.0.113.66"


def _fail_in_another_process(db_url: str, address: str, times: int) -> None:
    """Record `times` failed logins for `address` from a separate Python process (another app process)."""
    code = (
        "import sys\n"
        "from kondusif import store\n"
        "from kondusif.accounts import auth\n"
        "from kondusif.login_throttle import StoreAddressThrottle\n"
        "t = StoreAddressThrottle(max_failures=3)\n"
        f"for _ in range({times}):\n"
        f"    r = auth.authenticate_from(store.get_engine(), t, {address!r}, 'budi', 'salah-sekali')\n"
        "    assert not r.ok\n"
    )
    env = {**os.environ, "KONDUSIF_DB_URL": db_url}
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_failures_counted_by_one_process_block_the_address_on_another(engine, db_url):
    accounts.create_account(engine, Viewer("t", Role.ADMIN), "budi", Role.ADMIN, PASSWORD, must_change=False)
    _fail_in_another_process(db_url, ATTACKER, 3)
    here = login_throttle.StoreAddressThrottle(engine, max_failures=3)
    blocked = auth.authenticate_from(engine, here, ATTACKER, "budi", PASSWORD)
    assert not blocked.ok and blocked.message == auth.THROTTLED
    # Another address is not affected, and the right password still works from it.
    assert auth.authenticate_from(engine, here, "198.51.100.7", "budi", PASSWORD).ok


def test_the_window_slides_and_old_failures_are_deleted(engine):
    t0 = datetime(2018, 6, 27, 1, 0, tzinfo=UTC)  # 08:00 WIB on election day
    throttle = login_throttle.StoreAddressThrottle(engine, max_failures=2, window=timedelta(minutes=15))
    throttle.record_failure(ATTACKER, clock=lambda: t0)
    throttle.record_failure(ATTACKER, clock=lambda: t0 + timedelta(minutes=1))
    assert throttle.blocked(ATTACKER, clock=lambda: t0 + timedelta(minutes=14))
    # 08:16 WIB: the 08:00 failure left the window, one remains.
    assert not throttle.blocked(ATTACKER, clock=lambda: t0 + timedelta(minutes=16))
    throttle.record_failure("198.51.100.7", clock=lambda: t0 + timedelta(minutes=40))
    with engine.connect() as conn:
        left = conn.exec_driver_sql("SELECT address FROM login_failures ORDER BY id").scalars().all()
    assert left == ["198.51.100.7"]


def test_the_login_route_uses_the_store_backed_throttle():
    from kondusif.web import routes

    assert isinstance(routes.THROTTLE, login_throttle.StoreAddressThrottle)


class _Hook(BaseHTTPRequestHandler):
    received: list[int] = []
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with type(self).lock:
            type(self).received.append(int(body["id"]))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hook():
    _Hook.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def _pending_alerts(engine, n: int) -> list[int]:
    with store.write(engine) as conn:
        for i in range(n):
            conn.execute(store.alerts.insert().values(
                created_at=datetime(2018, 6, 27, 3, i, tzinfo=UTC), kind=alerts.KIND_BERAT,
                dedupe_key=f"uji-{i}", message=f"Laporan berat {i}", delivery_state=alerts.PENDING))
        return list(conn.execute(sa.select(store.alerts.c.id).order_by(store.alerts.c.id)).scalars())


# Each delivering process waits at its first send until the other one is at its first send too
# (a barrier of files: both have read the pending list and are about to send), so the two truly
# overlap; without the claim step both would then send every alert (issue 27).
_BARRIER_SEND = """
import os, sys, time
from kondusif import alerts, store
from kondusif.alerts import delivery
gate, real_send = sys.argv[1], delivery.send_webhook
def send_at_the_same_moment(*args, **kwargs):
    if not os.path.exists(os.path.join(gate, str(os.getpid()))):
        open(os.path.join(gate, str(os.getpid())), "w").close()
        deadline = time.monotonic() + 60
        while len(os.listdir(gate)) < 2 and time.monotonic() < deadline:
            time.sleep(0.005)
    return real_send(*args, **kwargs)
delivery.send_webhook = send_at_the_same_moment
print(alerts.deliver_pending(store.get_engine())["sent"])
"""


def test_two_processes_delivering_at_once_send_each_alert_exactly_once(engine, db_url, hook, tmp_path):
    ids = _pending_alerts(engine, 12)
    gate = tmp_path / "gerbang"
    gate.mkdir()
    code = [_BARRIER_SEND, str(gate)]
    env = {**os.environ, "KONDUSIF_DB_URL": db_url, "KONDUSIF_WEBHOOK_URL": hook}
    procs = [subprocess.Popen([sys.executable, "-c", *code], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outs]
    assert len(os.listdir(gate)) == 2  # both processes reached a send: they overlapped
    assert sorted(_Hook.received) == ids  # every alert once: none lost, none twice
    assert sum(int(o[0].strip()) for o in outs) == 12
    with engine.connect() as conn:
        states = set(conn.execute(sa.select(store.alerts.c.delivery_state)).scalars())
    assert states == {alerts.SENT}


def test_an_app_process_starts_no_background_work_and_the_worker_delivers(engine, hook, monkeypatch):
    """Issue 28: the lifespan starts no thread or task; delivery is the worker's (one per installation)."""
    from kondusif.web import lifespan
    from kondusif.worker import Worker

    monkeypatch.setenv("KONDUSIF_WEBHOOK_URL", hook)
    settings.cache_clear()
    before = set(threading.enumerate())
    lifespan.start_process()
    assert set(threading.enumerate()) == before
    ids = _pending_alerts(engine, 2)
    with store.write(engine) as conn:
        alerts.announce(conn, [{"id": i, "delivery_state": alerts.PENDING} for i in ids])
    assert _Hook.received == []
    assert Worker(engine, "pekerja-uji").run_once() == 1  # one event naming both alerts
    assert sorted(_Hook.received) == ids


def test_an_rt_list_imported_on_another_process_is_used_here_at_once(engine, db_url):
    from kondusif import registry

    registry.ensure_rt_registry(engine)
    before = registry.rt_registry(engine)
    assert len(before) == 522 and registry.registry_is_sample(before)  # the shipped sample, now cached here
    code = ("from kondusif import registry, store\n"
            "from kondusif.model import Role, Viewer\n"
            "listed = registry.read_official(b'Kelurahan;RT;Nama Ketua RT\\nAir Kuti;1;Pak Harun\\n'\n"
            "                                b'Air Kuti;2;Bu Sari\\n', 'rt.csv')\n"
            "registry.apply_official(store.get_engine(), Viewer('operator', Role.ADMIN), listed)\n")
    env = {**os.environ, "KONDUSIF_DB_URL": db_url}
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    after = registry.rt_registry(engine)
    assert list(after["nama_ketua"]) == ["Pak Harun", "Bu Sari"] and not registry.registry_is_sample(after)


def _in_another_process(db_url: str, code: str) -> str:
    env = {**os.environ, "KONDUSIF_DB_URL": db_url}
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_the_page_cache_key_changes_when_another_process_files_or_verifies(engine, db_url):
    """The map page's caches are keyed on overview.data_version, read from the store: a report
    filed, or only verified, on another process gives every process a new key."""
    from kondusif import overview, registry

    registry.ensure_rt_registry(engine)
    accounts.create_account(engine, Viewer("t", Role.ADMIN), "rt-airkuti-03", Role.RT, "482915",
                            kelurahan="16.73.01.1001", rt=3, must_change=False)
    before = overview.data_version(engine)
    report_no = _in_another_process(db_url, (
        "from datetime import datetime\n"
        "from zoneinfo import ZoneInfo\n"
        "from kondusif import store\n"
        "from kondusif.intake import pipeline\n"
        "from kondusif.model import Role, Viewer, new_id\n"
        "rt = Viewer('rt-airkuti-03', Role.RT, kelurahan='16.73.01.1001', rt=3)\n"
        "when = datetime.now(ZoneInfo('Asia/Jakarta')).replace(second=0, microsecond=0)\n"
        "out = pipeline.submit_form(store.get_engine(), rt, {'category': 'politik_uang', 'severity': 'berat',\n"
        "    'occurred_at': when, 'title': 'Amplop dibagikan', 'description': 'Dua orang membagikan amplop.'},\n"
        "    new_id())\n"
        "assert out.ok, out.errors\n"
        "print(out.report_no)\n"))
    filed = overview.data_version(engine)
    assert filed[0] > before[0]  # the report's audit row
    _in_another_process(db_url, (
        "from kondusif import store, workflow\n"
        "from kondusif.model import SYSTEM, Role, Viewer\n"
        "e = store.get_engine()\n"
        f"row = store.get_incident(e, {report_no!r}, viewer=SYSTEM)\n"
        "workflow.verify(e, Viewer('panwaslu-posko', Role.PANWASLU), row['id'], int(row['version']))\n"))
    verified = overview.data_version(engine)
    assert verified[0] > filed[0]  # same reports, only a status: a new key all the same


def test_wrong_smssync_secrets_are_counted_in_the_store_apart_from_logins(engine):
    """The SMSsync door's guess counter is the login throttle's table under its own kind: another
    app process sees the same count, and an address's wrong secrets never block its logins."""
    from kondusif.login_throttle import StoreAddressThrottle
    from kondusif.web import smssync as smssync_route

    here = StoreAddressThrottle(engine, max_failures=2, kind="smssync")
    other_process = StoreAddressThrottle(engine, max_failures=2, kind="smssync")
    logins = StoreAddressThrottle(engine, max_failures=2)
    here.record_failure("10.9.9.9")
    here.record_failure("10.9.9.9")
    assert other_process.blocked("10.9.9.9")
    assert not logins.blocked("10.9.9.9")
    assert isinstance(smssync_route.REFUSED, StoreAddressThrottle)
