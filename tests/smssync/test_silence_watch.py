"""Issue 15: the running app itself watches for silent gateways (app.py's lifespan), with nobody's page open."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "browser"))
from browser_helpers import app_env, run_app, wait_until  # noqa: E402

from kondusif import store  # noqa: E402
from kondusif.timeutil import now, to_wib  # noqa: E402


def test_the_server_raises_the_silence_alert_on_its_own(db_url, tmp_path):
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
    with run_app(app_env(db_url, KONDUSIF_CONFIG=str(config))):
        (alert,) = wait_until(silent_alerts, timeout=150, message="the lifespan's silence alert")
    assert alert.message.startswith("Tidak ada SMS masuk selama ")
    assert "pada hari pemungutan suara (belum ada SMS masuk sejak " in alert.message
