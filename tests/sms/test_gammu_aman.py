"""Issue 24: "AMAN" through the real gammu-smsd (dummy phone) and the worker reading it:
a check-in for the registered number's RT (never an incident), and its one-SMS reply sent by the phone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from gammu_helpers import wait_ready, wait_until
from sms_helpers import AIR_KUTI, RT_PHONE, register_rt
from test_gammu_gateway import gammu, gammu_pg, reader, sent  # noqa: F401 - the fixtures of the Gammu tests

from kondusif import store

WIB = ZoneInfo("Asia/Jakarta")
ROUND_1 = datetime(2018, 6, 27, 7, 5, tzinfo=WIB)
REPLY = "Terima kasih. Laporan AMAN RT 03 Air Kuti pukul 07.05 WIB tercatat."


def checkins(engine) -> list[tuple]:
    c = store.checkins.c
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(c.kode_kelurahan, c.rt, c.channel, c.phone))]


def test_aman_by_gammu_is_a_checkin_with_its_reply(engine, gammu, reader):  # noqa: F811 - fixtures
    register_rt(engine)
    wait_ready(reader())
    gammu.phone.receive(RT_PHONE, "AMAN", at=ROUND_1)
    wait_until(lambda: checkins(engine), timeout=20, message="the check-in")
    assert checkins(engine) == [(AIR_KUTI, 3, "sms-gammu", RT_PHONE)]
    assert wait_until(lambda: sent(gammu), timeout=30, message="the reply") == [(RT_PHONE, REPLY)]
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.incidents)).scalar() == 0
