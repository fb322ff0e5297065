"""Fixtures of the weekly report tests."""

from __future__ import annotations

from datetime import datetime

import pytest
from report_helpers import SECRET_NAME, SECRET_PHONE

from kondusif import store
from kondusif.model import Category, Incident, Severity, Source, Status
from kondusif.report.week import parse_week
from kondusif.timeutil import as_utc


@pytest.fixture
def week_engine(demo_engine):
    """The demo store plus one real-looking report of 2018-W26 (name, phone, emoji, long title)."""
    long_title = "Warga 🙂 melaporkan " + "pembagian amplop berulang kali di gang sempit " * 12
    wk = parse_week("2018-W26")
    inc = Incident(
        kode_kelurahan="16.73.01.1001", rt=3, category=Category.POLITIK_UANG, severity=Severity.BERAT,
        title=long_title + "\x07<b>tebal</b> 🧨 akhir", occurred_at=datetime(2018, 6, 26, 20, 15),
        reporter_name=SECRET_NAME, reporter_phone=SECRET_PHONE, source=Source.FORM,
        source_ref="test-identity-1", status=Status.DIVERIFIKASI,
    )
    with store.write(demo_engine) as conn:
        store.insert_incidents(conn, [inc], actor="uji")
    assert wk.start <= as_utc(inc.occurred_at) < wk.end
    return demo_engine
