"""Gammu's database down: the Gerbang SMS page and `health` must say the modem is not reached.

Found by attack8: every failed round wrote its error through the gateway heartbeat, which also
moved «Kontak terakhir gerbang» (seen_at) to the time of the failure, so a modem database down
for an hour looked freshly in contact and the page's «tidak memberi kabar» warning never came;
`health` did not name the SMS gateway at all (kondusif/sms/gammu.py promises it does).
"""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import signin
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from kondusif import store
from kondusif.model import SYSTEM, Role, Viewer
from kondusif.sms import gammu, gateways
from kondusif.timeutil import format_wib
from kondusif.worker import Worker

ROOT = Path(__file__).resolve().parents[2]
ADMIN = Viewer("uji-admin", Role.ADMIN, "Admin Uji")
T0 = datetime(2018, 6, 27, 3, 0, tzinfo=UTC)  # 10.00 WIB on voting day: the last good contact


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


def _worker_with_gammu_down(engine) -> Worker:
    worker = Worker(engine, "pekerja:uji:1")
    url = f"postgresql://smsd:sandi@127.0.0.1:{_closed_port()}/smsd"
    worker.gammu = gammu.Gateway(gammu.gammu_engine(url), engine)
    return worker


def test_gammu_down_keeps_the_last_contact_and_the_page_says_the_reader_is_silent(engine, monkeypatch):
    gateways.record_state(engine, "gammu", 0)  # a good round at T0 ...
    with store.write(engine) as conn:
        conn.execute(store.sms_gateways.update().values(seen_at=T0))
    later = T0 + timedelta(minutes=30)  # ... then Gammu's database goes down; the worker tries at 10.30 WIB
    monkeypatch.setattr(gateways, "now", lambda: later)
    worker = _worker_with_gammu_down(engine)
    assert worker.sms() == 0

    state = gateways.gateway_states(engine, SYSTEM, as_of=later + timedelta(seconds=1))[0]
    assert state.last_error == "Basis data tidak terjangkau: OperationalError"
    assert state.last_error_at == later
    assert state.seen_at == T0  # no contact with the modem's database since 10.00 WIB
    assert state.stale  # the page's «Pembaca SMS tidak memberi kabar sejak 10.00 WIB» shows


def test_health_names_the_gammu_gateway_and_its_error(engine):
    gateways.record_state(engine, "gammu", 2)
    with store.write(engine) as conn:
        conn.execute(store.sms_gateways.update().values(seen_at=T0))
    gateways.record_state(engine, "gammu", None, error="Basis data tidak terjangkau: OperationalError")
    out = subprocess.run([sys.executable, "-m", "kondusif", "health"], capture_output=True, text=True, check=True,
                         cwd=ROOT).stdout
    line = next((x for x in out.splitlines() if x.startswith("Gerbang SMS Gammu")), "")
    assert "kontak terakhir 27/06/2018 10:00 WIB" in line
    assert "galat: Basis data tidak terjangkau: OperationalError" in line
    assert line.endswith("TIDAK TERHUBUNG?")
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.sms_gateways)).scalar() == 1


def test_health_says_nothing_of_gammu_where_no_modem_ever_ran(engine):
    out = subprocess.run([sys.executable, "-m", "kondusif", "health"], capture_output=True, text=True, check=True,
                         cwd=ROOT).stdout
    assert "Gerbang SMS Gammu" not in out


def _gateway_page():
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    signin.sign_in(at, ADMIN)
    at.run()
    at.switch_page("screens/gerbang_sms.py").run()
    assert not at.exception, at.exception
    return at


def test_the_gateway_page_tells_a_gammu_database_down_from_an_error_it_recovered_from(engine):
    gateways.record_state(engine, "gammu", 0)
    with store.write(engine) as conn:  # last good contact ten minutes ago, then every round fails
        conn.execute(store.sms_gateways.update().values(seen_at=datetime.now(UTC) - timedelta(minutes=10)))
    worker = _worker_with_gammu_down(engine)
    assert worker.sms() == 0
    at = _gateway_page()
    shown = [e.value for e in at.error]
    assert any(x.startswith("Pembaca SMS tidak memberi kabar sejak ") for x in shown), shown
    assert [w.value for w in at.warning if w.value.startswith("Galat terakhir")] == [
        f"Galat terakhir ({format_wib(gateways.gateway_states(engine, SYSTEM)[0].last_error_at)}): "
        "Basis data tidak terjangkau\\: OperationalError"]  # Markdown source: the colon escaped

    gateways.record_state(engine, "gammu", 0)  # Gammu back: a good round after the error
    at = _gateway_page()
    assert not [e.value for e in at.error if e.value.startswith("Pembaca SMS")]
    assert not [w.value for w in at.warning if w.value.startswith("Galat terakhir")]
    assert any("sesudahnya gerbang tersambung lagi" in c.value for c in at.caption)
