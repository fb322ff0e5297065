"""Issue 15: the sample deploy/gammu-smsdrc the README tells an operator to copy works with this Gammu.

Its [smsd] section runs as shipped (SQL service, native_pgsql, frequencies, multipart wait);
only what is specific to one machine is replaced: the modem by Gammu's dummy phone, the
database by a test database holding Gammu's own schema, the log by a file.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sms"))
from gammu_helpers import (  # noqa: E402
    DummyPhone,
    ThrowawayPostgres,
    create_gammu_db,
    drop_db,
    gammu_rows,
    suite_postgres_url,
    wait_until,
)

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "deploy" / "gammu-smsdrc"


def local_copy(sample: str, phone: Path, url: str, log: Path) -> str:
    """The sample with this machine's modem, database and log filled in (every other line as shipped)."""
    u = sa.engine.make_url(url)
    swaps = {"device": f"model = dummy\nport = {phone}", "connection": "connection = none",
             "host": f"host = {u.host}:{u.port}", "user": f"user = {u.username}",
             "password": f"password = {u.password or ''}", "database": f"database = {u.database}",
             "logfile": f"logfile = {log}"}
    out = []
    for line in sample.splitlines():
        key = re.match(r"^\s*([a-z]+)\s*=", line)
        out.append(swaps.pop(key.group(1)) if key and key.group(1) in swaps else line)
    assert swaps == {}, f"the sample lost its {sorted(swaps)} line(s)"
    return "\n".join(out) + "\n"


@pytest.fixture
def gammu_url():
    server = None if suite_postgres_url() else ThrowawayPostgres()
    base = suite_postgres_url() or server.url
    url = create_gammu_db(base)
    try:
        yield url
    finally:
        drop_db(base, url)
        if server is not None:
            server.stop()


def test_the_shipped_sample_runs_gammu_smsd_and_stores_a_received_sms(tmp_path, gammu_url):
    text = SAMPLE.read_text(encoding="utf-8")
    assert "driver = native_pgsql" in text and "service = sql" in text
    phone = DummyPhone(tmp_path / "phone")
    config = tmp_path / "smsdrc"
    log = tmp_path / "smsd.log"
    config.write_text(local_copy(text, phone.root, gammu_url, log), encoding="utf-8")
    proc = subprocess.Popen(["gammu-smsd", "-c", str(config), "-p", str(tmp_path / "smsd.pid")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: proc.poll() is not None or (log.exists() and "Starting phone communication"
                                                       in log.read_text()), timeout=30, message="gammu-smsd start")
        assert proc.poll() is None, log.read_text() if log.exists() else "gammu-smsd exited"
        phone.receive("+6281234567801", "LAPOR uang berat RT 3 Air Kuti: amplop dibagikan")
        rows = wait_until(lambda: gammu_rows(gammu_url, 'SELECT "SenderNumber", "TextDecoded", "Processed" '
                                             "FROM inbox"), timeout=30, message="the SMS in Gammu's inbox")
        assert rows == [("+6281234567801", "LAPOR uang berat RT 3 Air Kuti: amplop dibagikan", False)]
        assert gammu_rows(gammu_url, 'SELECT "ID" FROM phones WHERE "ID" = :id', id="modem1")  # phoneid as shipped
    finally:
        proc.terminate()
        proc.wait(timeout=20)
