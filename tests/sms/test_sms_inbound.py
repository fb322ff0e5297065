"""The SMS intake core: registered and unknown senders, receipts, format replies, repeats."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sms_helpers import AIR_KUTI, RT_PHONE, STRANGER, register_rt

from kondusif import accounts, store
from kondusif.errors import NotPermitted
from kondusif.intake import review
from kondusif.model import SYSTEM, Role, Viewer
from kondusif.sms import InboundSms, SmsRefused, receive_sms, replies, senders

WIB = ZoneInfo("Asia/Jakarta")
VOTING_DAY = datetime(2018, 6, 27, 10, 15, tzinfo=WIB)
RECEIPT_1 = "Laporan LLG-2018-000001 diterima (Politik uang, berat, RT 03 Air Kuti). Terima kasih."


def sms(text: str, sender: str = RT_PHONE, mid: str = "1", at: datetime = VOTING_DAY, channel: str = "gammu"):
    return InboundSms(channel, mid, sender, text, at)


def incidents(engine):
    return store.query_incidents(engine, None, SYSTEM)


def sms_rows(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(store.sms_messages)).scalar()


def test_registered_lapor_is_stored_with_a_receipt(engine):
    register_rt(engine)
    out = receive_sms(sms("LAPOR uang berat RT 3 Air Kuti: amplop Rp50rb dibagikan malam ini"), engine=engine)
    assert (out.status, out.incident_number, out.reply) == ("laporan", "LLG-2018-000001", RECEIPT_1)
    df = incidents(engine)
    assert len(df) == 1
    row = df.iloc[0]
    assert (row["source"], row["kode_kelurahan"], int(row["rt"]), row["category"], row["severity"]) == (
        "sms", AIR_KUTI, 3, "politik_uang", "berat")
    assert row["reporter_phone"] == RT_PHONE and row["created_by"] == "rt-1673011001-003"
    assert row["occurred_at"] == datetime(2018, 6, 27, 3, 15, tzinfo=UTC)


def test_the_rt_in_the_text_cannot_move_a_registered_sender(engine):
    register_rt(engine)
    out = receive_sms(sms("LAPOR uang berat RT 7 Taba Jemekeh: amplop dibagikan"), engine=engine)
    assert out.status == "laporan"
    row = incidents(engine).iloc[0]
    assert (row["kode_kelurahan"], int(row["rt"])) == (AIR_KUTI, 3)
    assert out.reply == RECEIPT_1


def test_any_written_form_of_the_number_finds_the_account(engine):
    register_rt(engine)  # registered as 0812-3456-7890
    out = receive_sms(sms("LAPOR uang berat RT 3 Air Kuti: amplop", sender="62 812 3456 7890"), engine=engine)
    assert out.status == "laporan"


def test_free_text_from_a_registered_number_files_for_its_rt(engine):
    register_rt(engine)
    out = receive_sms(sms("Ada pembagian amplop berisi uang ke warga oleh tim sukses malam ini"), engine=engine)
    assert out.status == "laporan"
    row = incidents(engine).iloc[0]
    assert (row["kode_kelurahan"], int(row["rt"]), row["category"], row["severity"]) == (
        AIR_KUTI, 3, "politik_uang", "sedang")


def test_a_repeat_returns_the_first_reply_and_stores_nothing(engine):
    register_rt(engine)
    first = receive_sms(sms("LAPOR uang berat RT 3 Air Kuti: amplop", mid="77"), engine=engine)
    again = receive_sms(sms("LAPOR uang berat RT 3 Air Kuti: amplop", mid="77"), engine=engine)
    assert (again.status, again.incident_number, again.reply) == ("ganda", "LLG-2018-000001", first.reply)
    assert len(incidents(engine)) == 1 and sms_rows(engine) == 1
    other_channel = receive_sms(sms("LAPOR uang berat RT 3 Air Kuti: amplop", mid="77", channel="smssync"),
                                engine=engine)
    assert other_channel.status == "laporan" and other_channel.incident_number == "LLG-2018-000002"


def test_the_same_message_from_two_threads_is_stored_once(engine):
    register_rt(engine)
    outcomes = []

    def hand_over():
        outcomes.append(receive_sms(sms("LAPOR uang berat RT 3 Air Kuti: amplop", mid="race"), engine=engine))

    threads = [threading.Thread(target=hand_over) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o.status for o in outcomes) == ["ganda", "ganda", "ganda", "laporan"]
    assert {o.reply for o in outcomes} == {RECEIPT_1}
    assert len(incidents(engine)) == 1 and sms_rows(engine) == 1


def test_unknown_number_free_text_goes_to_the_queue_with_one_reply_an_hour(engine):
    text = "Tolong pak ada ribut-ribut di dekat TPS tadi malam, banyak orang datang"
    out = receive_sms(sms(text, sender="0852-9999-0000", mid="a"), engine=engine)
    assert (out.status, out.incident_number, out.reply) == ("antrean", None, replies.UNREGISTERED_REPLY)
    queue = review.queue_frame(engine, SYSTEM)
    assert len(queue) == 1
    item = queue.iloc[0]
    assert (item["channel"], item["sender"], item["text"]) == ("sms", STRANGER, text)
    assert "belum terdaftar" in item["reason"]
    # A second unreadable message within the hour: queued, no second reply (no spent credit, no loops).
    out2 = receive_sms(sms("Pak tolong dicek lagi ya kejadian yang tadi itu di tempat kami", sender=STRANGER,
                           mid="b"), engine=engine)
    assert (out2.status, out2.reply) == ("antrean", None)
    assert len(review.queue_frame(engine, SYSTEM)) == 2 and len(incidents(engine)) == 0


def test_the_format_reply_comes_again_after_an_hour(engine):
    receive_sms(sms("Tolong pak ada ribut-ribut di dekat TPS tadi malam", sender=STRANGER, mid="a"), engine=engine)
    with store.write(engine) as conn:  # the first reply was sent 61 minutes ago
        conn.execute(store.sms_senders.update().values(
            help_sent_at=datetime.now(UTC) - timedelta(minutes=61)))
    out = receive_sms(sms("Pak tolong dicek lagi kejadian tadi di tempat kami", sender=STRANGER, mid="b"),
                      engine=engine)
    assert out.reply == replies.FORMAT_REPLY


def test_unknown_number_with_a_complete_lapor_is_queued_not_stored(engine):
    out = receive_sms(sms("LAPOR uang berat RT 3 Air Kuti: amplop dibagikan", sender=STRANGER), engine=engine)
    assert (out.status, out.reply) == ("antrean", replies.UNREGISTERED_REPLY)
    item = review.queue_frame(engine, SYSTEM).iloc[0]
    assert item["kode_kelurahan"] == AIR_KUTI and item["guess"]["gateway"] == "gammu"
    assert len(incidents(engine)) == 0


def test_a_deactivated_account_is_an_unknown_number(engine):
    username = register_rt(engine)
    accounts.set_active(engine, SYSTEM, username, False)
    out = receive_sms(sms("LAPOR uang berat RT 3 Air Kuti: amplop"), engine=engine)
    assert out.status == "antrean"


def test_chatter_is_kept_and_not_answered(engine):
    register_rt(engine)
    out = receive_sms(sms("Terima kasih pak"), engine=engine)
    assert (out.status, out.incident_number, out.reply) == ("diabaikan", None, None)
    assert sms_rows(engine) == 1 and len(incidents(engine)) == 0


def test_a_short_follow_up_without_a_report_is_queued_for_a_person_not_dropped(engine):
    out = receive_sms(sms("tambahan: pelakunya tim sukses", sender=STRANGER, mid="f1"), engine=engine)
    assert (out.status, out.reply) == ("antrean", replies.FORMAT_REPLY)
    queued = review.queue_frame(engine, SYSTEM)
    assert list(queued["text"]) == ["tambahan: pelakunya tim sukses"]


def test_queued_sms_becomes_an_sms_report_when_classified(engine):
    receive_sms(sms("Tolong pak ada ribut-ribut di dekat TPS tadi malam", sender=STRANGER), engine=engine)
    item = review.queue_frame(engine, SYSTEM).iloc[0]
    done = review.classify(engine, int(item["id"]), {"kelurahan": AIR_KUTI, "rt": 3, "category": "gangguan_tps",
                                                     "severity": "sedang"}, SYSTEM)
    assert done.ok
    row = incidents(engine).iloc[0]
    assert (row["source"], row["reporter_phone"]) == ("sms", STRANGER)


@pytest.mark.parametrize("bad", [
    InboundSms("gammu", "", RT_PHONE, "x", VOTING_DAY),
    InboundSms("modem", "1", RT_PHONE, "x", VOTING_DAY),
    InboundSms("gammu", "1", "  ", "x", VOTING_DAY),
    InboundSms("gammu", "1", RT_PHONE, "x", datetime(2018, 6, 27, 10, 15)),
])
def test_what_is_not_an_sms_is_refused_and_nothing_stored(engine, bad):
    with pytest.raises(SmsRefused):
        receive_sms(bad, engine=engine)
    assert sms_rows(engine) == 0


def test_phone_registration_rules(engine):
    username = register_rt(engine)
    other = register_rt(engine, rt=4, phone=None)
    with pytest.raises(senders.AuthError, match="sudah terdaftar untuk akun «rt-1673011001-003»"):
        senders.set_phone(engine, SYSTEM, other, "+62 812-3456-7890")
    with pytest.raises(senders.AuthError, match="bukan nomor telepon"):
        senders.set_phone(engine, SYSTEM, other, "halo")
    for foreign_or_long in ("+1 555 0100", "0812999900011111111", "0812 345"):
        with pytest.raises(senders.AuthError, match="bukan nomor HP Indonesia|bukan nomor telepon"):
            senders.set_phone(engine, SYSTEM, other, foreign_or_long)
    assert senders.set_phone(engine, SYSTEM, username, "") is None
    assert senders.set_phone(engine, SYSTEM, other, "0812 3456 7890") == RT_PHONE
    with pytest.raises(NotPermitted):
        senders.set_phone(engine, Viewer("p", Role.PANWASLU), other, "0812 3456 7891")


def test_phone_numbers_only_for_roles_that_see_identity(engine):
    register_rt(engine)
    assert senders.registered_phones(engine, SYSTEM)["phone"].tolist() == [RT_PHONE]
    with pytest.raises(NotPermitted):
        senders.registered_phones(engine, Viewer("j", Role.PEJABAT))
    receive_sms(sms("LAPOR uang berat RT 3 Air Kuti: amplop"), engine=engine)
    pejabat = store.query_incidents(engine, None, Viewer("j", Role.PEJABAT))
    assert "reporter_phone" not in pejabat.columns and len(pejabat) == 1


def test_phones_from_the_rt_registry(engine):
    register_rt(engine, phone=None)
    register_rt(engine, rt=4, phone="0813-1111-2222")
    with store.write(engine) as conn:
        r = store.rt_units.c
        conn.execute(store.rt_units.update().where(r.kode_kelurahan == AIR_KUTI, r.rt == 3)
                     .values(telepon="0812-3456-7890"))
        conn.execute(store.rt_units.update().where(r.kode_kelurahan == AIR_KUTI, r.rt == 4)
                     .values(telepon="0813 1111 2222"))
        conn.execute(store.rt_units.update().where(r.kode_kelurahan == AIR_KUTI, r.rt == 5)
                     .values(telepon="0813-5555-6666"))
    with pytest.raises(NotPermitted):
        senders.phones_from_registry(engine, Viewer("p", Role.PANWASLU))
    done = senders.phones_from_registry(engine, SYSTEM)
    assert (done.registered, done.unchanged) == (1, 1)
    assert done.skipped == ["RT 005 16.73.01.1001: akun «rt-1673011001-005» belum ada (buat dulu dengan users bulk-rt)"]
    assert senders.find_sender(engine, "081234567890").username == "rt-1673011001-003"


def test_a_schema_2_store_gains_the_phone_column_and_sms_tables(db_url):
    """Schema 2 -> 3: users.phone is added (accounts keep their rows), the sms_* tables are created."""
    old = sa.MetaData()  # the schema-2 tables: users without phone, no sms_* tables
    sa.Table("users", old, *[sa.Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable,
                                       unique=c.unique) for c in store.users.c if c.name != "phone"])
    for table in store.metadata.sorted_tables:
        if not table.name.startswith("sms_") and table.name != "users":
            table.to_metadata(old)
    engine = store.make_engine(db_url)
    with engine.begin() as conn:
        old.create_all(conn)
        conn.execute(old.tables["meta"].insert().values(key="schema_version", value="2"))
    store.init_db(engine)
    assert store.schema_version(engine) == store.SCHEMA_VERSION
    register_rt(engine)
    with pytest.raises(senders.AuthError, match="sudah terdaftar"):
        register_rt(engine, rt=4)  # the unique index came with the upgrade
    assert receive_sms(sms("LAPOR uang berat RT 3 Air Kuti: amplop"), engine=engine).reply == RECEIPT_1
    engine.dispose()


def test_gateway_heartbeat_keeps_the_last_error_until_a_new_one(engine):
    from kondusif.sms.gateways import record_state

    record_state(engine, "gammu", 3, error="Basis data tidak terjangkau: OperationalError")
    record_state(engine, "gammu", 0)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(store.sms_gateways.c.channel, store.sms_gateways.c.outbox_waiting,
                                      store.sms_gateways.c.last_error)).fetchall()
    assert [tuple(r) for r in rows] == [("gammu", 0, "Basis data tidak terjangkau: OperationalError")]


def test_a_burst_rechecks_rawan_once_and_still_alerts(engine, monkeypatch):
    """Each SMS records its level event; the worker takes the burst's events at once: one Rawan check."""
    from kondusif import alerts
    from kondusif.worker import Worker

    register_rt(engine)
    calls = []
    real = alerts.check_levels

    def counting(eng, **kw):
        calls.append(kw.get("kelurahan"))
        return real(eng, **kw)

    monkeypatch.setattr(alerts, "check_levels", counting)
    now_ = datetime.now(UTC)
    for i in range(8):  # 8 berat x 4 x 0,5 (baru) = 16 >= 14: Rawan
        out = receive_sms(sms(f"LAPOR bentrok berat RT 3 Air Kuti: massa bentrok nomor {i}", mid=f"b{i}",
                              at=now_), engine=engine)
        assert out.status == "laporan"
    assert calls == []  # the gateway's process only records
    assert Worker(engine, "pekerja-uji").run_once() == 8
    assert calls == [[AIR_KUTI]]  # the eight events of the burst, handled at once
    with engine.connect() as conn:
        kinds = [r[0] for r in conn.execute(sa.select(store.alerts.c.kind).where(
            store.alerts.c.kode_kelurahan == AIR_KUTI))]
    assert "rawan" in kinds


# --------------------------------------------------------------------------- issue 25.5: replies that tell the truth

QUEUED = "Pesan Anda diterima dan akan diperiksa petugas"  # what every queued SMS is told first (written by hand)
HOW_TO = "LAPOR jenis tingkat RT no kelurahan: uraian"


def test_a_registered_rts_ambiguous_report_is_queued_and_told_so_every_time(engine):
    register_rt(engine)
    first = receive_sms(sms("Tadi ada amplop dibagikan dan baliho calon dirusak orang di ujung gang", mid="q1"),
                        engine=engine)
    second = receive_sms(sms("Ada lagi amplop dibagikan dan baliho dirobek di dekat masjid", mid="q2"),
                         engine=engine)
    assert (first.status, first.reply) == ("antrean", "Pesan Anda diterima dan akan diperiksa petugas sebelum "
                                                       "masuk peta. Terima kasih.")
    assert (second.status, second.reply) == ("antrean", first.reply)  # not rationed: the RT must know each one
    assert HOW_TO not in first.reply and len(review.queue_frame(engine, SYSTEM)) == 2


@pytest.mark.parametrize("sender", [RT_PHONE, STRANGER])
def test_the_format_comes_only_when_nothing_of_a_report_can_be_read_and_still_says_queued(engine, sender):
    register_rt(engine)
    out = receive_sms(sms("tambahan: pelakunya tim sukses", sender=sender, mid="f"), engine=engine)
    assert out.status == "antrean" and out.reply.startswith(QUEUED + ".") and HOW_TO in out.reply
    assert len(review.queue_frame(engine, SYSTEM)) == 1


def test_an_unregistered_readable_report_is_told_queued_without_the_format(engine):
    out = receive_sms(sms("Warga melihat amplop dibagikan tim sukses di pos ronda", sender=STRANGER),
                      engine=engine)
    assert out.status == "antrean" and out.reply.startswith(QUEUED + ".")
    assert "belum terdaftar" in out.reply and HOW_TO not in out.reply


def test_every_queued_reply_starts_by_saying_it_was_received():
    for text in (replies.QUEUED_REPLY, replies.FORMAT_REPLY, replies.UNREGISTERED_REPLY):
        assert text.startswith(QUEUED) and len(text) <= 160


# --------------------------------------------------------------------------- issue 27.7: control characters


def test_control_characters_and_bidi_overrides_never_reach_the_store_or_the_reply(engine):
    out = receive_sms(sms("Warga lihat amplop\x1b[31m dibagikan \u202etim sukses\u202c di pos ronda",
                          sender="+62852\u202e9999\x070000", mid="c1"), engine=engine)
    with engine.connect() as conn:
        row = conn.execute(sa.select(store.sms_messages.c.sender, store.sms_messages.c.text)).one()
    assert tuple(row) == (STRANGER, "Warga lihat amplop[31m dibagikan tim sukses di pos ronda")
    item = review.queue_frame(engine, SYSTEM).iloc[0]
    assert (item["sender"], item["text"]) == tuple(row)
    assert out.reply == replies.UNREGISTERED_REPLY


def test_an_alphanumeric_sender_keeps_no_control_characters(engine):
    receive_sms(sms("Info promo pulsa murah hari ini", sender="TELK\u202eOMSEL\x1b", mid="c2"), engine=engine)
    with engine.connect() as conn:
        assert conn.execute(sa.select(store.sms_messages.c.sender)).scalar_one() == "TELKOMSEL"


def test_the_gateway_phone_is_recorded_with_the_sms_and_named_in_the_source(engine):
    register_rt(engine)
    msg = InboundSms("smssync", "ss:abc", RT_PHONE, "LAPOR uang berat RT 3 Air Kuti: amplop", VOTING_DAY,
                     gateway_phone="posko-setda-1")
    assert receive_sms(msg, engine=engine).reply == RECEIPT_1
    with engine.connect() as conn:
        assert conn.execute(sa.select(store.sms_messages.c.gateway_phone)).scalar_one() == "posko-setda-1"
    assert incidents(engine).iloc[0]["source_ref"] == "smssync:posko-setda-1:ss:abc"
