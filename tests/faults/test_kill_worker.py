"""SIGKILL a worker in the middle of delivering an alert: a new worker delivers it at once, once.

The alert's write recorded an `AlertsCreated` outbox event. Worker 1 claims it, marks the alert
'sending' and stops just before the webhook call (fault point worker_pause_before_send, installed
from outside: tests/fault_points); the test kills it there. Worker 2 sees worker 1's process gone and
delivers it without waiting for the 10-minute lease: the local webhook counts exactly one hit.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from fault_helpers import LineWatcher, cli_env, fault_env, start_cli, wait_until

from kondusif import alerts, store
from kondusif.config import settings
from kondusif.model import Category, Incident, Severity
from kondusif.store.schema import outbox as outbox_table
from kondusif.timeutil import now


class _Hook(BaseHTTPRequestHandler):
    hits: list[dict] = []
    at: list[datetime] = []  # when each hit arrived (this machine's clock, as the store's leases)

    def do_POST(self):  # noqa: N802 - http.server API
        type(self).at.append(now())
        type(self).hits.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hook():
    _Hook.hits, _Hook.at = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()
    thread.join(5)


def _berat_alert(engine) -> int:
    report = Incident(kode_kelurahan="16.73.01.1001", rt=2, category=Category.BENTROKAN, severity=Severity.BERAT,
                      title="Bentrok pendukung", occurred_at=now(), reporter_name="Pak Rahman")
    with store.write(engine) as conn:
        rows = store.insert_incidents(conn, [report])
        (alert,) = alerts.check_new_incidents(conn, rows, levels=False)
    return int(alert["id"])


def _alert_state(engine, alert_id: int) -> str:
    with engine.connect() as conn:
        return conn.execute(sa.select(store.alerts.c.delivery_state).where(store.alerts.c.id == alert_id)).scalar()


def _event(engine):
    with engine.connect() as conn:
        return conn.execute(sa.select(outbox_table).where(outbox_table.c.kind == "alerts_created")).one()


def test_a_worker_killed_mid_delivery_leaves_the_alert_to_the_next_worker_which_sends_it_once(
        engine, db_url, hook, monkeypatch, tmp_path):
    monkeypatch.setenv("KONDUSIF_WEBHOOK_URL", hook)
    settings.cache_clear()
    alert_id = _berat_alert(engine)
    assert _alert_state(engine, alert_id) == "pending" and _Hook.hits == []  # the write only recorded it
    env = cli_env(db_url, KONDUSIF_WEBHOOK_URL=hook, KONDUSIF_WORKER_POLL_SECONDS="0.1")  # lease: 600 s
    marker = tmp_path / "sebelum-kirim"

    first = start_cli(["worker"], {**env, **fault_env(worker_pause_before_send=marker)})
    first_out = LineWatcher(first)
    try:
        wait_until(lambda: marker.exists() or first.poll() is not None, timeout=60,
                   message="the worker's pause before the webhook call")
        assert first.poll() is None, first_out.text()
        assert _alert_state(engine, alert_id) == "sending"
        claimed = _event(engine)
        assert claimed.attempts == 1 and claimed.done_at is None and claimed.claimed_by.startswith("pekerja:")
        lease_end = claimed.claimed_until
        os.killpg(first.pid, signal.SIGKILL)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL and _Hook.hits == []

    second = start_cli(["worker"], env)
    second_out = LineWatcher(second)
    try:
        wait_until(lambda: _Hook.hits, timeout=60, message="the second worker's delivery")
        assert _Hook.at[0] < lease_end  # worker 1 is gone: its lease is not waited for
        wait_until(lambda: _event(engine).done_at is not None, timeout=30, message="the event marked done")
        time.sleep(1.0)  # ten more polls of the second worker: nothing is sent again
        assert len(_Hook.hits) == 1 and _Hook.hits[0]["id"] == alert_id
        assert "Pak Rahman" not in json.dumps(_Hook.hits)
        assert _alert_state(engine, alert_id) == "sent"
        assert _event(engine).attempts == 2
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0, second_out.text()
    finally:
        if second.poll() is None:
            os.killpg(second.pid, signal.SIGKILL)
            second.wait(timeout=30)
    assert "Pekerja latar berhenti" in second_out.text()
