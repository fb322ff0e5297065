"""Issue 15: the gateways' state for the admin, and the alert when SMS stop arriving on election day."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from kondusif import alerts, store
from kondusif.config import settings
from kondusif.errors import NotPermitted
from kondusif.model import Role, Viewer
from kondusif.sms import InboundSms, gateways, receive_sms, smssync
from kondusif.timeutil import now

WIB = ZoneInfo("Asia/Jakarta")
ADMIN = Viewer("uji-admin", Role.ADMIN, "Admin Uji")
PEJABAT = Viewer("uji-pejabat", Role.PEJABAT, "Pejabat Uji")
PANWASLU = Viewer("uji-panwaslu", Role.PANWASLU, "Panwaslu Kota")
PANWASCAM = Viewer("uji-panwascam", Role.PANWASLU, "Panwascam", kecamatan="16.73.01")
RT = Viewer("uji-rt", Role.RT, "RT Uji", kelurahan="16.73.01.1001", rt=3)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2018, 6, day, hour, minute, tzinfo=WIB)


def stored(engine, when: datetime, channel: str = "gammu", mid: str = "1") -> None:
    """An SMS row as a gateway left it at `when` (receive_sms stamps the real clock; the calendar is 2018)."""
    with store.write(engine) as conn:
        conn.execute(store.sms_messages.insert().values(
            channel=channel, message_id=mid, sender="+6281234567890", text="LAPOR …", received_at=when,
            stored_at=when, status="antrean"))


@pytest.mark.parametrize("viewer", [PEJABAT, PANWASLU, PANWASCAM, RT], ids=lambda v: v.username)
def test_gateway_figures_are_the_admins_only(engine, viewer):
    for call in (lambda: gateways.gateway_states(engine, viewer), lambda: gateways.recent_messages(engine, viewer),
                 lambda: gateways.silence(engine, viewer), lambda: smssync.devices(engine, viewer),
                 lambda: smssync.outbox_counts(engine, viewer), lambda: smssync.last_failure(engine, viewer)):
        with pytest.raises(NotPermitted):
            call()


def test_state_per_channel_messages_outbox_heartbeat_and_errors(engine):
    moment = now()
    for i, channel in enumerate(["gammu", "smssync", "smssync"]):
        receive_sms(InboundSms(channel, f"m{i}", "+6285200000001", "ok", moment - timedelta(minutes=5)), engine=engine)
    with store.write(engine) as conn:
        conn.execute(store.sms_gateways.insert().values(
            channel="gammu", seen_at=moment - timedelta(seconds=30), outbox_waiting=4,
            last_error="Modem tidak menjawab (ERR_TIMEOUT)", last_error_at=moment - timedelta(minutes=2)))
    msg = smssync.SyncMessage("m1", "+6285200000001", "ok", moment, "hp-1", "")
    smssync.queue_reply(engine, msg, "balasan", hand_over=False)
    smssync.note_device(engine, "hp-1", "10.0.0.9")

    gammu, phone = gateways.gateway_states(engine, ADMIN, as_of=moment + timedelta(minutes=1))
    assert (gammu.channel, gammu.last_hour, gammu.outbox_waiting, gammu.last_error) == \
        ("gammu", 1, 4, "Modem tidak menjawab (ERR_TIMEOUT)")
    assert gammu.seen_at == moment - timedelta(seconds=30)
    assert (phone.channel, phone.last_hour, phone.outbox_waiting, phone.last_error) == ("smssync", 2, 1, None)
    assert phone.last_received_at is not None and phone.seen_at is not None
    assert not gammu.stale  # its heartbeat is 90 seconds old at as_of
    later = gateways.gateway_states(engine, ADMIN, as_of=moment + timedelta(hours=2))
    assert [s.last_hour for s in later] == [0, 0]
    assert [s.stale for s in later] == [True, False]  # the reader has not beaten for two hours
    assert later[0].last_received_at == gammu.last_received_at  # the newest SMS stays shown
    rows = gateways.recent_messages(engine, ADMIN)
    assert [(r["channel"], r["status"]) for r in rows] == [("smssync", "diabaikan"), ("smssync", "diabaikan"),
                                                           ("gammu", "diabaikan")]


def test_an_empty_store_has_no_figures_but_both_channels(engine):
    states = gateways.gateway_states(engine, ADMIN)
    assert [(s.label, s.last_received_at, s.last_hour, s.outbox_waiting, s.seen_at) for s in states] == [
        ("Modem USB (Gammu)", None, 0, None, None), ("Ponsel Android (SMSsync)", None, 0, 0, None)]


def test_silence_on_voting_day_alerts_once_per_silence(engine):
    # 27 June 2018 is the voting day of the shipped calendar; the watch starts 06:00 WIB, 30 minutes of silence.
    assert gateways.silence(engine, ADMIN, at(27, 5, 59)) is None
    assert gateways.silence(engine, ADMIN, at(27, 6, 29)) is None
    quiet = gateways.silence(engine, ADMIN, at(27, 6, 31))
    assert quiet is not None and quiet.minutes == 31
    first = gateways.check_silence(engine, at(27, 6, 31))
    assert first["kind"] == "sms_senyap" and first["kode_kecamatan"] is None
    assert first["message"] == (
        "Tidak ada SMS masuk selama 31 menit pada hari pemungutan suara (belum ada SMS masuk sejak "
        "27/06/2018 06:00 WIB). Periksa modem dan ponsel gerbang SMS: sinyal, pulsa, daya, kabel USB.")
    assert gateways.check_silence(engine, at(27, 6, 45)) is None  # the same silence: one alert

    stored(engine, at(27, 7, 0))
    assert gateways.check_silence(engine, at(27, 7, 20)) is None
    second = gateways.check_silence(engine, at(27, 7, 30))
    assert second["message"].startswith("Tidak ada SMS masuk selama 30 menit pada hari pemungutan suara "
                                         "(SMS terakhir 27/06/2018 07:00 WIB lewat Modem USB (Gammu)).")

    # City-wide: pejabat and a city-wide panwaslu see it on every page; the admin sees it on the gateway page.
    for viewer in (PEJABAT, PANWASLU):
        assert [a["message"] for a in alerts.visible_alerts(engine, viewer)] == [second["message"], first["message"]]
    assert alerts.visible_alerts(engine, PANWASCAM) == []


def test_no_alert_outside_election_days(engine):
    assert gateways.check_silence(engine, at(26, 12, 0)) is None  # masa tenang
    assert gateways.check_silence(engine, at(28, 12, 0)) is None  # rekapitulasi
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.alerts)).scalar() == 0


def test_the_watch_follows_the_configured_calendar_and_can_be_switched_off(engine, tmp_path, monkeypatch):
    config = tmp_path / "kondusif.toml"
    config.write_text('[alerts]\nsms_silent_minutes = 45\nsms_watch_start_hour = 7\n\n[calendar]\n'
                      'phases = [{key = "pemungutan", label = "Hari pemungutan suara", start = "2024-11-27", '
                      'end = "2024-11-27"}]\n', encoding="utf-8")
    monkeypatch.setenv("KONDUSIF_CONFIG", str(config))
    settings.cache_clear()
    nov = datetime(2024, 11, 27, 7, 44, tzinfo=WIB)
    assert gateways.silence(engine, ADMIN, nov) is None
    assert gateways.silence(engine, ADMIN, nov + timedelta(minutes=1)).minutes == 45
    assert gateways.silence(engine, ADMIN, at(27, 12, 0)) is None  # 2018 is no longer an election day
    config.write_text("[alerts]\nsms_silent_minutes = 0\n", encoding="utf-8")
    settings.cache_clear()
    assert gateways.silence(engine, ADMIN, at(27, 12, 0)) is None


def test_the_cron_check_raises_it_too(engine):
    import subprocess
    import sys
    from pathlib import Path

    done = subprocess.run([sys.executable, "-m", "kondusif", "alerts", "check", "--per", "2018-06-27T09:00:00+07:00"],
                          cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()  # other checks (e.g. RT coverage, issue 24) may raise theirs beside it
    assert ("Tidak ada SMS masuk selama 180 menit pada hari pemungutan suara (belum ada SMS masuk sejak 27/06/2018 "
            "06:00 WIB). Periksa modem dan ponsel gerbang SMS: sinyal, pulsa, daya, kabel USB.") in lines
    assert lines[-1].endswith(" peringatan baru.")
