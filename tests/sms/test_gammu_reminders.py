"""Issue 24.5: the round reminder goes out through the real gammu-smsd (dummy phone), once per round.

The reader's `Gateway.remind` queues into Gammu's own outbox; SMSD sends it and moves it to
sentitems (the dummy phone's outbox). Round 1 (07:00 WIB, grace 60 minutes) is over at 08:00.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from gammu_helpers import wait_until
from sms_helpers import RT_PHONE, register_rt
from test_gammu_gateway import gammu, gammu_pg, sent  # noqa: F401 - the fixtures of the Gammu tests

from kondusif.sms.gammu import Gateway, gammu_engine

WIB = ZoneInfo("Asia/Jakarta")
REMINDER = ("SiKondusif: RT 03 Kel. Air Kuti belum memberi kabar sejak 07.00 WIB. Balas AMAN bila aman, atau LAPOR "
            "bila ada kejadian.")


def test_a_silent_rt_gets_its_reminder_sent_by_the_phone_once(engine, gammu):  # noqa: F811 - fixtures
    register_rt(engine)  # Air Kuti RT 03, heard from by nobody this morning
    gw = Gateway(gammu_engine(gammu.url), engine)
    try:
        assert gw.remind(datetime(2018, 6, 27, 8, 0, tzinfo=WIB)) == 1
        assert wait_until(lambda: sent(gammu), timeout=30, message="the reminder sent") == [(RT_PHONE, REMINDER)]
        assert gw.remind(datetime(2018, 6, 27, 9, 0, tzinfo=WIB)) == 0  # sent already this round
        assert sent(gammu) == [(RT_PHONE, REMINDER)]
    finally:
        gw.gammu.dispose()
