"""Category and severity words, in Indonesian and English, fields and free text."""

from __future__ import annotations

import pytest

from kondusif.intake import vocab
from kondusif.model import Category, Severity


@pytest.mark.parametrize("text, expected", [
    ("politik_uang", Category.POLITIK_UANG),
    ("Politik Uang", Category.POLITIK_UANG),
    ("  MONEY POLITICS ", Category.POLITIK_UANG),
    ("Intimidasi/ancaman", Category.INTIMIDASI),
    ("threat", Category.INTIMIDASI),
    ("Hoaks", Category.KAMPANYE_HITAM),
    ("kampanye-hitam", Category.KAMPANYE_HITAM),
    ("APK", Category.PERUSAKAN_APK),
    ("perusakan_apk", Category.PERUSAKAN_APK),
    ("bentrok", Category.BENTROKAN),
    ("Clash", Category.BENTROKAN),
    ("Pelanggaran netralitas (ASN, aparat, RT)", Category.NETRALITAS),
    ("gangguan di TPS", Category.GANGGUAN_TPS),
    ("Unjuk rasa", Category.PENGERAHAN_MASSA),
    ("lain-lain", Category.LAINNYA),
    ("uang", Category.POLITIK_UANG),  # SMS short code
])
def test_match_category_is_tolerant(text, expected):
    assert vocab.match_category(text) == expected


@pytest.mark.parametrize("text", ["", None, "gempa bumi", "xyz", "politik uang kampanye hitam lagi"])
def test_match_category_refuses_nonsense(text):
    assert vocab.match_category(text) is None


def test_match_categories_reads_multi_value_fields():
    assert vocab.match_categories("Perusakan APK,Lainnya") == [Category.PERUSAKAN_APK, Category.LAINNYA]
    assert vocab.match_categories("politik_uang intimidasi") == [Category.POLITIK_UANG, Category.INTIMIDASI]
    assert vocab.match_categories("gempa") == []


@pytest.mark.parametrize("text, expected", [
    ("berat", Severity.BERAT), ("BERAT", Severity.BERAT), ("high", Severity.BERAT), ("3", Severity.BERAT),
    (3.0, Severity.BERAT), ("Sedang", Severity.SEDANG), ("medium", Severity.SEDANG), ("ringan", Severity.RINGAN),
    ("low", Severity.RINGAN), ("1", Severity.RINGAN), ("kritis", None), ("", None),
])
def test_match_severity(text, expected):
    assert vocab.match_severity(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("ada amplop beredar di gang", Category.POLITIK_UANG),
    ("awas serangan fajar besok subuh", Category.POLITIK_UANG),
    ("baliho paslon 2 dirusak orang", Category.PERUSAKAN_APK),
    ("spanduk dicopot tadi malam", Category.PERUSAKAN_APK),
    ("warga ribut di simpang", Category.BENTROKAN),
    ("pendukung bentrok", Category.BENTROKAN),
    ("warga diancam kalau tidak memilih", Category.INTIMIDASI),
    ("beredar hoax soal paslon", Category.KAMPANYE_HITAM),
    ("ASN ikut kampanye di lapangan", Category.NETRALITAS),
    ("keributan di TPS 05", Category.GANGGUAN_TPS),
    ("unjuk rasa di kantor lurah", Category.PENGERAHAN_MASSA),
])
def test_keywords_in_free_text(text, expected):
    assert list(vocab.categories_in_text(text)) == [expected]


def test_no_keywords_in_chatter():
    assert vocab.categories_in_text("selamat pagi bapak ibu, rapat nanti malam") == {}


def test_severity_words_in_free_text():
    assert vocab.severity_in_text("dua orang luka kena golok") == Severity.BERAT
    assert vocab.severity_in_text("kejadian kecil saja") == Severity.RINGAN
    assert vocab.severity_in_text("ada amplop") is None
