"""Issue 24: the review queue screen records a queued "AMAN" as a check-in (AppTest, signed in through
the real login route); discarding stays possible; another kecamatan's Panwascam never sees the item."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import signin
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from kondusif import store
from kondusif.intake import review
from kondusif.model import SYSTEM, Role, Viewer
from kondusif.sms import InboundSms, receive_sms
from kondusif.timeutil import WIB

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sms"))
from sms_helpers import STRANGER, register_rt  # noqa: E402

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")
PANWASLU = Viewer("panwaslu-kota", Role.PANWASLU, "Panwaslu Kota")
PANWASCAM_01 = Viewer("panwascam-timur1", Role.PANWASLU, "Panwascam Timur I", kecamatan="16.73.01")
KAYU_ARA = "16.73.02.1001"  # Kel. Kayu Ara, Kec. Lubuk Linggau Barat I
VOTING_DAY = datetime(2018, 6, 27, 7, 20, tzinfo=WIB)


def open_queue(viewer: Viewer) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    signin.sign_in(at, viewer)
    at.run()
    at.switch_page("screens/antrean.py")  # issue 30.1: the queue has its own screen
    at.run()
    assert not at.exception
    return at


def checkins(engine):
    c = store.checkins.c
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(c.kode_kelurahan, c.rt, c.channel, c.phone))]


def test_a_queued_aman_is_recorded_as_a_checkin_from_the_queue(engine):
    register_rt(engine)
    receive_sms(InboundSms("smssync", "q1", STRANGER, "Alhamdulillah RT 004 Kayu Ara aman", VOTING_DAY),
                engine=engine)
    (item,) = review.queue_frame(engine, SYSTEM).to_dict("records")
    at = open_queue(PANWASLU)
    assert "Catat laporan aman" in {b.label for b in at.button}
    next(b for b in at.button if b.label == "Catat laporan aman").click()
    at.run()
    assert not at.exception
    assert at.success[0].value == (f"Pesan #{item['id']} dicatat sebagai laporan aman RT 04 "
                                   "Kelurahan Kayu Ara (Lubuk Linggau Barat I).")
    assert checkins(engine) == [(KAYU_ARA, 4, "smssync", STRANGER)]
    assert review.queue_counts(engine, SYSTEM) == {"antri": 0, "diklasifikasi": 0, "dibuang": 0, "dicatat_aman": 1}
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.incidents)).scalar() == 0


def test_a_checkin_candidate_can_still_be_discarded_and_is_scoped(engine):
    register_rt(engine)
    receive_sms(InboundSms("gammu", "q2", STRANGER, "aman RT 4 Kayu Ara", VOTING_DAY), engine=engine)
    other = open_queue(PANWASCAM_01)  # Kayu Ara lies in another kecamatan: nothing to accept there
    assert "Catat laporan aman" not in {b.label for b in other.button}
    at = open_queue(PANWASLU)
    next(t for t in at.text_input if t.label.startswith("Alasan")).input("nomor tidak dikenal, dicek lewat telepon")
    next(b for b in at.button if b.label == "Buang pesan").click()
    at.run()
    assert not at.exception and "dibuang" in at.success[0].value
    assert checkins(engine) == []
    assert review.queue_counts(engine, SYSTEM)["dibuang"] == 1
