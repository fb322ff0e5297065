"""Issue 24.5: the optional SMS reminder to silent RT numbers, at most once per round (kondusif/sms/reminders.py).

Rounds by default 07:00, 12:00, 18:00 WIB on 27 June 2018, grace 60 minutes: round 1 is over at 08:00 WIB.
Gammu's outbox here is a SQLite file with the columns the worker's modem round writes;
tests/sms/test_gammu_reminders.py sends through the real gammu-smsd.
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from kondusif import accounts, registry, store
from kondusif.accounts import admin
from kondusif.config import settings
from kondusif.model import SYSTEM, Role, rt_username
from kondusif.sms import gammu, senders
from kondusif.sms.reminders import due
from kondusif.worker import Worker

from .test_checkins import AIR_KUTI, MAJAPAHIT, aman, wib

R1_AK01 = "SiKondusif: RT 01 Kel. Air Kuti belum memberi kabar sejak 07.00 WIB. Balas AMAN bila aman, atau LAPOR " \
          "bila ada kejadian."
R1_AK06 = R1_AK01.replace("RT 01", "RT 06")
R1_MJ05 = "SiKondusif: RT 05 Kel. Majapahit belum memberi kabar sejak 07.00 WIB. Balas AMAN bila aman, atau LAPOR " \
          "bila ada kejadian."
R2_AK01 = R1_AK01.replace("07.00", "12.00")


def _rt(engine, kel: str, rt: int, phone: str | None) -> str:
    name = rt_username(kel, rt)
    accounts.create_account(engine, SYSTEM, name, Role.RT, "482915", kelurahan=kel, rt=rt, must_change=False)
    if phone:
        senders.set_phone(engine, SYSTEM, name, phone)
    return name


@pytest.fixture
def morning(engine):
    """Round 1 of voting day. Air Kuti: RT 1 silent with a number; RT 2 answered at 07:10; RT 3 silent, no
    number; RT 4 silent, account deactivated; RT 6 answered at 06:50, before the round (silent). Majapahit:
    RT 5 silent with a number."""
    registry.ensure_rt_registry(engine)
    _rt(engine, AIR_KUTI, 1, "0811-1000-0001")
    _rt(engine, AIR_KUTI, 2, "0811-1000-0002")
    _rt(engine, AIR_KUTI, 3, None)
    admin.set_active(engine, SYSTEM, _rt(engine, AIR_KUTI, 4, "0811-1000-0004"), False)
    _rt(engine, AIR_KUTI, 6, "0811-1000-0006")
    _rt(engine, MAJAPAHIT, 5, "0811-1000-0005")
    aman(engine, AIR_KUTI, 2, wib(27, 7, 10), "ak2", clock=wib(27, 7, 10))
    aman(engine, AIR_KUTI, 6, wib(27, 6, 50), "ak6", clock=wib(27, 6, 50))
    return engine


@pytest.fixture
def gammu_db(tmp_path):
    """Gammu's outbox and sentitems (the columns the reader reads and writes), in a SQLite file."""
    eng = sa.create_engine(f"sqlite:///{tmp_path / 'smsd.db'}")
    gammu.outbox.metadata.create_all(eng)
    yield eng
    eng.dispose()


def queued(gammu_db) -> list[tuple[str, str]]:
    with gammu_db.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            'SELECT "DestinationNumber", "TextDecoded" FROM outbox ORDER BY "DestinationNumber", "ID"'))]


def test_silent_registered_numbers_get_one_reminder_per_round(morning, gammu_db):
    gw = gammu.Gateway(gammu_db, morning)
    assert gw.remind(wib(27, 7, 59)) == 0  # grace not over yet
    assert gw.remind(wib(27, 8, 0)) == 3
    assert queued(gammu_db) == [("+6281110000001", R1_AK01), ("+6281110000005", R1_MJ05),
                                ("+6281110000006", R1_AK06)]
    assert gw.remind(wib(27, 8, 30)) == 0  # once per round
    assert len(queued(gammu_db)) == 3
    # Round 2 (12:00, over at 13:00): RT 6 and Majapahit RT 5 answered after the reminder; RT 1 did not.
    aman(morning, AIR_KUTI, 6, wib(27, 12, 5), "ak6b", clock=wib(27, 12, 5))
    aman(morning, MAJAPAHIT, 5, wib(27, 12, 20), "mj5", clock=wib(27, 12, 20))
    aman(morning, AIR_KUTI, 2, wib(27, 12, 30), "ak2b", clock=wib(27, 12, 30))
    assert gw.remind(wib(27, 13, 0)) == 1
    assert queued(gammu_db)[1] == ("+6281110000001", R2_AK01)
    with morning.connect() as conn:
        audit = conn.execute(sa.select(store.audit_log.c.entity, store.audit_log.c.entity_id, store.audit_log.c.note)
                             .where(store.audit_log.c.entity == "sms_reminder").order_by(store.audit_log.c.id)).all()
    assert [tuple(a) for a in audit] == [
        ("sms_reminder", "Putaran 1 (07.00 WIB)", "3 SMS pengingat ke RT senyap lewat gammu"),
        ("sms_reminder", "Putaran 2 (12.00 WIB)", "1 SMS pengingat ke RT senyap lewat gammu")]


def test_no_reminder_outside_voting_day_rounds(morning, gammu_db):
    gw = gammu.Gateway(gammu_db, morning)
    assert gw.remind(wib(26, 9, 0)) == 0
    assert gw.remind(wib(28, 9, 0)) == 0
    assert queued(gammu_db) == []


@pytest.fixture
def reminding(gammu_db, tmp_path, monkeypatch):
    """The worker's settings: this Gammu database, and `rounds.sms_reminder` on."""
    conf = tmp_path / "kondusif.toml"
    conf.write_text("[rounds]\nsms_reminder = true\n", encoding="utf-8")
    monkeypatch.setenv("KONDUSIF_CONFIG", str(conf))
    monkeypatch.setenv("KONDUSIF_GAMMU_DB", str(gammu_db.url))
    settings.cache_clear()
    yield
    settings.cache_clear()


def test_two_workers_at_once_remind_each_number_once(morning, gammu_db, reminding):
    """Both workers' modem rounds find the same three reminders due, then meet at a barrier and claim
    together: each number is reminded once, in Gammu's outbox and in sms_reminders."""
    workers = [Worker(morning, f"pekerja-{n}") for n in (1, 2)]
    barrier = threading.Barrier(2)
    from kondusif.sms import reminders

    found: list[int] = []

    def due_then_meet(engine, at=None):
        listed = due(engine, at)
        found.append(len(listed))
        barrier.wait(timeout=60)
        return listed

    threads = [threading.Thread(target=w.sms, args=(wib(27, 8, 0),)) for w in workers]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(reminders, "due", due_then_meet)
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert found == [3, 3]  # both really raced for the same reminders
    assert [n for n, _ in queued(gammu_db)] == ["+6281110000001", "+6281110000005", "+6281110000006"]
    with morning.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.sms_reminders)).scalar() == 3


def test_a_store_commit_lost_after_gammu_queued_does_not_send_twice(morning, gammu_db):
    """The Gammu transaction commits inside the store's: if the store's commit fails after it, the
    reminders are in Gammu's outbox but not claimed; the next pass claims them and queues nothing again."""
    gw = gammu.Gateway(gammu_db, morning)

    def fail(conn) -> None:
        raise RuntimeError("disk penuh")

    sa.event.listen(morning, "commit", fail)
    try:
        with pytest.raises(RuntimeError):
            gw.remind(wib(27, 8, 0))
    finally:
        sa.event.remove(morning, "commit", fail)
    assert len(queued(gammu_db)) == 3
    with morning.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.sms_reminders)).scalar() == 0
    assert gw.remind(wib(27, 8, 5)) == 3  # claimed now
    assert len(queued(gammu_db)) == 3  # and not queued twice
    assert gw.remind(wib(27, 8, 10)) == 0


def test_the_worker_reminds_only_when_the_setting_is_on_and_once_per_round(morning, gammu_db, tmp_path,
                                                                          monkeypatch):
    monkeypatch.setenv("KONDUSIF_GAMMU_DB", str(gammu_db.url))
    Worker(morning, "pekerja-uji").sms(wib(27, 8, 0))
    assert queued(gammu_db) == []  # off by default
    conf = tmp_path / "kondusif.toml"
    conf.write_text("[rounds]\nsms_reminder = true\n", encoding="utf-8")
    monkeypatch.setenv("KONDUSIF_CONFIG", str(conf))
    settings.cache_clear()
    try:
        worker = Worker(morning, "pekerja-uji")
        worker.sms(wib(27, 8, 0))
        assert len(queued(gammu_db)) == 3
        worker._remind_next = 0.0  # the next 30-s look, later in the same round
        worker.sms(wib(27, 8, 30))
        assert len(queued(gammu_db)) == 3
    finally:
        settings.cache_clear()


def test_every_reminder_is_one_gsm7_sms(engine):
    """The longest kelurahan name still fits one SMS (else the short form without the name)."""
    from kondusif.rounds import voting_day_rounds
    from kondusif.sms.gsm7 import fits_one_sms
    from kondusif.sms.reminders import reminder_text
    from lubuklinggau_geo import gazetteer

    r = voting_day_rounds()[2]
    for code in gazetteer.kelurahan()["kode"]:
        text = reminder_text(r, code, 12)
        assert fits_one_sms(text) and "RT 12" in text and "18.00 WIB" in text, (code, text)


def test_due_lists_nothing_when_everyone_answered(engine, gammu_db):
    registry.ensure_rt_registry(engine)
    _rt(engine, AIR_KUTI, 1, "0811-1000-0001")
    for kel, n in ((AIR_KUTI, 7), (MAJAPAHIT, 5)):
        for rt in range(1, n + 1):
            aman(engine, kel, rt, wib(27, 7, 30), f"{kel}-{rt}", clock=wib(27, 7, 30))
    assert [r.phone for r in due(engine, wib(27, 8, 0))] == []


def test_a_reminder_forwarded_into_a_chat_is_neither_a_checkin_nor_a_report():
    """RT heads forward such messages into their WhatsApp group; the chat import must not count them."""
    from datetime import UTC, datetime

    from kondusif.intake.chat import ChatMessage
    from kondusif.intake.messages import read_message

    for text in (R1_AK01, "SiKondusif: RT 03 belum memberi kabar sejak 12.00 WIB. Balas AMAN bila aman, atau LAPOR."):
        got = read_message(ChatMessage(1, 1, "whatsapp", datetime(2018, 6, 27, 1, 5, tzinfo=UTC), "Posko", text))
        assert got.outcome == "rejected", (text, got)
