"""Issue 15/28: the worker (`python -m kondusif worker`) watches for silent gateways, with nobody's page open."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from polling import cli_env, wait_until

from kondusif import store
from kondusif.timeutil import now, to_wib

ROOT = Path(__file__).resolve().parents[2]


def test_the_worker_raises_the_silence_alert_on_its_own(db_url, tmp_path):
    today = to_wib(now()).date()
    config = tmp_path / "kondusif.toml"
    # An election running from yesterday to tomorrow (so the WIB hour of the test run does not matter),
    # watched from midnight, one minute of silence allowed.
    config.write_text(
        "[alerts]\nsms_silent_minutes = 1\nsms_watch_start_hour = 0\n\n[calendar]\nphases = [{key = \"pemungutan\", "
        f"label = \"Hari pemungutan suara\", start = \"{today - timedelta(days=1)}\", "
        f"end = \"{today + timedelta(days=1)}\"}}]\n", encoding="utf-8")
    engine = store.get_engine(db_url)

    def silent_alerts() -> list[tuple]:
        with engine.connect() as conn:
            return conn.execute(sa.select(store.alerts.c.kind, store.alerts.c.message)
                                .where(store.alerts.c.kind == "sms_senyap")).fetchall()

    assert silent_alerts() == []
    proc = subprocess.Popen([sys.executable, "-m", "kondusif", "worker"], cwd=ROOT,
                            env=cli_env(db_url, KONDUSIF_CONFIG=str(config)),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        (alert,) = wait_until(silent_alerts, timeout=120, message="the worker's silence alert")
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert alert.message.startswith("Tidak ada SMS masuk selama ")
    assert "pada hari pemungutan suara (belum ada SMS masuk sejak " in alert.message
