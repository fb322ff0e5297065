"""Issue 24: a calm message wrapped in thanks, "amin" or a wish is a check-in, never dropped as chatter,
on chat import and through both SMS gateways (the reader decides before the chatter filter does)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from kondusif import store
from kondusif.intake.chat import ChatMessage
from kondusif.intake.messages import read_message
from kondusif.sms import InboundSms, receive_sms
from kondusif.timeutil import WIB

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sms"))
from sms_helpers import AIR_KUTI, RT_PHONE, register_rt  # noqa: E402

MORNING = datetime(2018, 6, 27, 8, 10, tzinfo=WIB)

# Hand-written the way Ketua RT answer in the groups: courtesy first or last, the all-clear in between.
CALM_WRAPPED = [
    "Makasih pak lurah, RT 06 aman",
    "Aamiin. Di sini aman pak",
    "Alhamdulillah kondisi kondusif, semoga sampai penghitungan",
    "Alhamdulillah aman2 saja bu",
    "Tq bu, aman terkendali",
    "Aman pak, terima kasih atas perhatiannya",
    "Terimakasih, alhamdulillah wilayah kami tertib",
]
# Courtesy without an all-clear, or an appeal/wish about calm: still not a check-in.
NOT_CALM = [
    "Makasih infonya pak, semoga aman",
    "Terima kasih bu, mohon tetap aman ya",
    "Aamiin ya Allah",
    "Terima kasih pak, sudah saya sampaikan ke warga",
    "Alhamdulillah aman, tapi semalam ada amplop beredar",
    # a closing thanks or wish that goes on to tell of trouble is not courtesy
    "RT 6 aman, makasih, tapi tadi subuh ada amplop",
    "Aman bu, terima kasih. Semalam baliho paslon dirobek orang",
    "Kondusif pak, insya allah nanti sore warga ribut soal DPT",
]


def chat(text: str) -> ChatMessage:
    return ChatMessage(1, 1, "whatsapp", MORNING, "Pak Yusuf RT 06 Air Kuti", text)


@pytest.mark.parametrize("text", CALM_WRAPPED)
def test_a_calm_message_with_courtesy_is_a_checkin_in_chat(text):
    got = read_message(chat(text))
    assert got.outcome == "checkin", got.reason
    assert got.raw is not None and (got.raw["rt"], got.raw["kelurahan"]) == (6, AIR_KUTI)


@pytest.mark.parametrize("text", NOT_CALM)
def test_courtesy_or_an_appeal_without_an_all_clear_is_no_checkin(text):
    assert read_message(chat(text)).outcome != "checkin"


@pytest.mark.parametrize("channel", ["gammu", "smssync"])
@pytest.mark.parametrize("text", ["Terima kasih pak, aman", "Alhamdulillah nihil, semoga tetap begini"])
def test_a_calm_sms_with_courtesy_is_a_checkin_on_both_gateways(engine, channel, text):
    register_rt(engine)
    out = receive_sms(InboundSms(channel, "c1", RT_PHONE, text, MORNING), engine=engine)
    assert out.status == "aman"
    c = store.checkins.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(c.kode_kelurahan, c.rt, c.channel)).all()
        incidents = conn.execute(sa.select(sa.func.count()).select_from(store.incidents)).scalar()
    assert [tuple(r) for r in rows] == [(AIR_KUTI, 3, f"sms-{channel}" if channel == "gammu" else "smssync")]
    assert incidents == 0
