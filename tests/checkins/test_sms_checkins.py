"""Issue 24: "AMAN" by SMS (the intake core every gateway calls) and the queue's check-in candidates."""

from __future__ import annotations

import sys
import threading
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from kondusif import store
from kondusif.intake import review
from kondusif.model import Role, Viewer
from kondusif.sms import InboundSms, receive_sms
from kondusif.timeutil import WIB

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sms"))
from sms_helpers import AIR_KUTI, RT_PHONE, STRANGER, register_rt  # noqa: E402

VOTING_DAY = datetime(2018, 6, 27, 7, 5, tzinfo=WIB)
REPLY = "Terima kasih. Laporan AMAN RT 03 Air Kuti pukul 07.05 WIB tercatat."
PANWASLU = Viewer("panwaslu-kota", Role.PANWASLU, "Panwaslu Kota")
PANWASCAM_02 = Viewer("panwascam", Role.PANWASLU, "Panwascam", kecamatan="16.73.02")


def sms(text, sender=RT_PHONE, mid="1", channel="gammu", at=VOTING_DAY):
    return InboundSms(channel, mid, sender, text, at)


def checkin_rows(engine):
    c = store.checkins.c
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(c.kode_kelurahan, c.rt, c.channel, c.phone, c.account)
                                               .order_by(c.at, c.id))]


def n_incidents(engine):
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(store.incidents)).scalar()


@pytest.mark.parametrize("text", ["AMAN", "aman terkendali", "Situasi aman", "kondusif", "NIHIL"])
def test_aman_from_a_registered_number_counts_for_its_rt_with_one_reply(engine, text):
    username = register_rt(engine)
    out = receive_sms(sms(text), engine=engine)
    assert (out.status, out.incident_number, out.reply) == ("aman", None, REPLY)
    assert checkin_rows(engine) == [(AIR_KUTI, 3, "sms-gammu", RT_PHONE, username)]
    assert n_incidents(engine) == 0


def test_the_rt_in_the_text_cannot_move_a_registered_sender_and_a_repeat_adds_nothing(engine):
    register_rt(engine)
    out = receive_sms(sms("aman RT 7 Taba Jemekeh", channel="smssync"), engine=engine)
    assert out.reply == REPLY
    again = receive_sms(sms("aman RT 7 Taba Jemekeh", channel="smssync"), engine=engine)
    assert (again.status, again.reply) == ("ganda", REPLY)
    assert [r[:3] for r in checkin_rows(engine)] == [(AIR_KUTI, 3, "smssync")]


def test_racing_deliveries_of_one_sms_count_once(engine):
    register_rt(engine)
    barrier = threading.Barrier(4)
    replies: list[str | None] = []

    def deliver():
        barrier.wait()
        replies.append(receive_sms(sms("AMAN", mid="race"), engine=engine).reply)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert replies == [REPLY] * 4
    assert len(checkin_rows(engine)) == 1


def test_aman_from_an_unknown_number_naming_rt_waits_as_a_candidate(engine):
    register_rt(engine)
    out = receive_sms(sms("AMAN RT 004 Kayu Ara", sender=STRANGER, mid="s1"), engine=engine)
    # Since the SMS gateway work (issue 25) an unknown number is also told it is not registered (at most hourly).
    assert (out.status, out.reply) == ("antrean", "Pesan Anda diterima dan akan diperiksa petugas. Nomor ini belum "
                                       "terdaftar sebagai Ketua RT; hubungi operator Setda untuk mendaftarkannya.")
    assert checkin_rows(engine) == [] and n_incidents(engine) == 0
    (item,) = review.queue_frame(engine, PANWASLU).to_dict("records")
    assert item["reason"].startswith("calon laporan aman") and item["guess"]["laporan_aman"] is True
    assert item["kode_kelurahan"] == "16.73.02.1001"


def test_the_queue_accepts_a_checkin_candidate(engine):
    register_rt(engine)
    receive_sms(sms("AMAN RT 004 Kayu Ara", sender=STRANGER, mid="s1"), engine=engine)
    (item,) = review.queue_frame(engine, PANWASLU).to_dict("records")
    got = review.accept_checkin(engine, item["id"], PANWASCAM_02)  # Kayu Ara lies in 16.73.02
    assert (got.kode_kelurahan, got.rt, got.channel) == ("16.73.02.1001", 4, "sms-gammu")
    assert checkin_rows(engine) == [("16.73.02.1001", 4, "sms-gammu", STRANGER, None)]
    with pytest.raises(review.ReviewError, match="sudah ditangani"):
        review.accept_checkin(engine, item["id"], PANWASLU)
    receive_sms(sms("AMAN RT 2 Air Kuti", sender=STRANGER, mid="s2"), engine=engine)
    other = [i for i in review.queue_frame(engine, PANWASLU).to_dict("records")][0]
    assert review.get_item(engine, PANWASCAM_02, other["id"]) is None  # Air Kuti: another kecamatan
    with pytest.raises(review.ReviewError):
        review.accept_checkin(engine, other["id"], PANWASCAM_02)
    assert len(checkin_rows(engine)) == 1
