"""Issue 24.5: the round reminder goes out through the real gammu-smsd (dummy phone), once per round.

The worker's modem round (`Worker.sms`, `rounds.sms_reminder` on) queues into Gammu's own outbox;
SMSD sends it and moves it to sentitems (the dummy phone's outbox). Round 1 (07:00 WIB, grace 60
minutes) is over at 08:00.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from gammu_helpers import wait_until
from sms_helpers import RT_PHONE, register_rt
from test_gammu_gateway import gammu, gammu_pg, reader_replies, sent  # noqa: F401 - the fixtures of the Gammu tests

from kondusif.config import settings
from kondusif.worker import Worker

WIB = ZoneInfo("Asia/Jakarta")
REMINDER = ("SiKondusif: RT 03 Kel. Air Kuti belum memberi kabar sejak 07.00 WIB. Balas AMAN bila aman, atau LAPOR "
            "bila ada kejadian.")


def test_a_silent_rt_gets_its_reminder_sent_by_the_phone_once(engine, gammu, tmp_path,  # noqa: F811 - fixture
                                                             monkeypatch):
    register_rt(engine)  # Air Kuti RT 03, heard from by nobody this morning
    conf = tmp_path / "kondusif.toml"
    conf.write_text("[rounds]\nsms_reminder = true\n", encoding="utf-8")
    monkeypatch.setenv("KONDUSIF_CONFIG", str(conf))
    monkeypatch.setenv("KONDUSIF_GAMMU_DB", gammu.url)
    settings.cache_clear()
    worker = Worker(engine, "pekerja-uji")
    try:
        worker.sms(datetime(2018, 6, 27, 8, 0, tzinfo=WIB))
        assert wait_until(lambda: sent(gammu), timeout=30, message="the reminder sent") == [(RT_PHONE, REMINDER)]
        worker._remind_next = 0.0  # the next 30-s look
        worker.sms(datetime(2018, 6, 27, 9, 0, tzinfo=WIB))  # sent already this round
        assert [text for _, text in reader_replies(gammu)] == [REMINDER]  # nothing queued again
        assert sent(gammu) == [(RT_PHONE, REMINDER)]
    finally:
        worker.gammu.gammu.dispose()
        settings.cache_clear()
