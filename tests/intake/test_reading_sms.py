"""The SMS gateways read text with the same reader as chat import (docs/reading.md)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from kondusif import accounts, registry, store
from kondusif.model import SYSTEM, Role, rt_username
from kondusif.sms import InboundSms, receive_sms, senders

WIB = ZoneInfo("Asia/Jakarta")
AT = datetime(2018, 6, 26, 20, 40, tzinfo=WIB)
PETANANG_ULU = "16.73.04.1009"
PHONE = "+6282176543210"


def _register(engine) -> None:
    registry.ensure_rt_registry(engine)
    username = rt_username(PETANANG_ULU, 12)
    accounts.create_account(engine, SYSTEM, username, Role.RT, "730418", display_name="Pak Sarbini",
                            kelurahan=PETANANG_ULU, rt=12, must_change=False)
    senders.set_phone(engine, SYSTEM, username, "0821-7654-3210")


def _sms(text: str, mid: str, channel: str = "gammu") -> InboundSms:
    return InboundSms(channel, mid, PHONE, text, AT)


def test_card_form_without_colon_from_a_registered_number_is_filed(engine):
    _register(engine)
    out = receive_sms(_sms("lapor APK brat RT.12 Petanang Ulu baliho paslon 3 dirobohkan, pelaku bawa parang", "a1"),
                      engine=engine)
    assert out.status == "laporan" and out.incident_number == "LLG-2018-000001"
    row = store.query_incidents(engine, None, SYSTEM).iloc[0]
    assert (row["category"], row["severity"], int(row["rt"]), row["kode_kelurahan"]) == (
        "perusakan_apk", "berat", 12, PETANANG_ULU)


def test_smssync_reads_the_same_way(engine):
    _register(engine)
    out = receive_sms(_sms("LAPOR uang sdg rt 012 Petanang Ulu ada yg bagi beras 5kg", "s1", "smssync"),
                      engine=engine)
    assert out.status == "laporan"
    row = store.query_incidents(engine, None, SYSTEM).iloc[0]
    assert (row["category"], row["severity"]) == ("politik_uang", "sedang")


def test_calm_and_instruction_sms_make_no_incident(engine):
    _register(engine)
    for i, text in enumerate(["AMAN", "situasi aman terkendali, TPS 07 lancar",
                              "Mohon bapak ibu RT membalas AMAN tiap jam 12 siang"]):
        out = receive_sms(_sms(text, f"c{i}"), engine=engine)
        assert out.status != "laporan" and out.incident_number is None
    assert len(store.query_incidents(engine, None, SYSTEM)) == 0


def test_questions_and_doubts_from_a_registered_number_are_not_filed(engine):
    _register(engine)
    texts = ["Pak, apakah bagi sembako di RT 12 Petanang Ulu tadi sore termasuk politik uang?",
             "sepertinya ada amplop dibagi di RT 12, belum pasti dari siapa"]
    for i, text in enumerate(texts):
        out = receive_sms(_sms(text, f"q{i}"), engine=engine)
        assert out.status == "antrean" and out.incident_number is None
    assert len(store.query_incidents(engine, None, SYSTEM)) == 0


def test_a_report_naming_no_place_is_filed_for_the_registered_rt(engine):
    _register(engine)
    out = receive_sms(_sms("ado wong bagi2 duit ke warga malam ini", "p1"), engine=engine)
    assert out.status == "laporan"
    row = store.query_incidents(engine, None, SYSTEM).iloc[0]
    assert (row["category"], int(row["rt"]), row["kode_kelurahan"]) == ("politik_uang", 12, PETANANG_ULU)


def test_lapor_without_kelurahan_from_a_registered_number_is_filed_for_its_rt(engine):
    _register(engine)
    out = receive_sms(_sms("LAPOR hoaks ringan RT 12: ada selebaran fitnah di pos ronda", "k1"), engine=engine)
    assert out.status == "laporan"
    row = store.query_incidents(engine, None, SYSTEM).iloc[0]
    assert (row["category"], row["severity"], row["kode_kelurahan"]) == ("kampanye_hitam", "ringan", PETANANG_ULU)
