"""Reading one message: the LAPOR format, free text, chatter."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kondusif.intake.chat import ChatMessage
from kondusif.intake.messages import read_message
from kondusif.model import Category, Severity

WHEN = datetime(2018, 6, 20, 7, 32, tzinfo=UTC)


def msg(text: str, sender: str = "Pak Rahman", kind: str = "message") -> ChatMessage:
    return ChatMessage(1, 1, "whatsapp", WHEN, sender, text, kind)


@pytest.mark.parametrize("text, cat, sev, rt, kel", [
    ("LAPOR politik uang berat RT 03 Air Kuti: amplop Rp50rb", "politik uang", "berat", 3, "Air Kuti"),
    ("lapor APK ringan rt 2 kel. majapahit: spanduk dicopot", "APK", "ringan", 2, "kel. majapahit"),
    ("#LAPOR bentrok sedang RT.5 Cereme Taba : ribut pendukung", "bentrok", "sedang", 5, "Cereme Taba"),
    ("Laporan: hoaks berat RT 1 Kenanga: selebaran fitnah", "hoaks", "berat", 1, "Kenanga"),
])
def test_documented_format(text, cat, sev, rt, kel):
    r = read_message(msg(text))
    assert r.outcome == "report" and r.via == "format"
    assert (r.raw["category"], r.raw["severity"], r.raw["rt"], r.raw["kelurahan"]) == (cat, sev, rt, kel)
    assert r.raw["occurred_at"] == WHEN and r.raw["reporter_name"] == "Pak Rahman"


def test_free_text_read_confidently():
    r = read_message(msg("Ada warga ribut bentrok di simpang Kel. Kenanga RT 2, dua orang luka"))
    assert r.outcome == "report" and r.via == "teks"
    assert r.raw["category"] == Category.BENTROKAN and r.raw["severity"] == Severity.BERAT
    assert (r.raw["kelurahan"], r.raw["rt"]) == ("16.73.08.1003", 2)


def test_rt_and_kelurahan_from_the_sender_name():
    r = read_message(msg("ada amplop beredar malam ini", sender="Pak Rahman RT 03 Air Kuti"))
    assert r.outcome == "report" and (r.raw["kelurahan"], r.raw["rt"]) == ("16.73.01.1001", 3)
    assert r.raw["severity"] == Severity.SEDANG  # unstated -> sedang


def test_group_kelurahan_used_when_none_named():
    r = read_message(msg("baliho paslon dirusak", sender="Bu Siti RT 05"), default_kelurahan="16.73.01.1001")
    assert r.outcome == "report" and (r.raw["kelurahan"], r.raw["rt"]) == ("16.73.01.1001", 5)


@pytest.mark.parametrize("text, reason_part", [
    ("baliho paslon dirusak orang", "kelurahan tidak disebut"),
    ("Di RT 3 Air Kuti ada kejadian mencurigakan malam ini, mohon dicek bapak", "kategori tidak terbaca"),
    ("amplop dibagi dan warga diancam di RT 3 Air Kuti", "kategori tidak jelas"),
    ("LAPOR amplop di Air Kuti", "format LAPOR tidak lengkap"),
])
def test_unclear_messages_go_to_review(text, reason_part):
    r = read_message(msg(text))
    assert r.outcome == "review" and reason_part in r.reason


@pytest.mark.parametrize("text", ["ok", "Siap pak", "Terima kasih bapak ibu semua", "👍🙏", "Selamat pagi",
                                  "Assalamualaikum wr wb", "wkwkwk"])
def test_chatter_is_rejected_with_a_reason(text):
    r = read_message(msg(text, sender="Pak Rahman RT 03"))
    assert r.outcome == "rejected" and "obrolan" in r.reason


def test_system_and_media_are_rejected():
    assert read_message(msg("x menambahkan y", kind="system")).reason.startswith("pesan sistem")
    media = ChatMessage(1, 1, "whatsapp", WHEN, "A", "<Media tidak disertakan>", "media", "media tanpa teks")
    assert read_message(media).outcome == "rejected"
