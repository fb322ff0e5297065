"""Issue 12 item 14: the group's subject says which kelurahan; the sender's name says which RT; the
keyword vocabulary covers the words RT heads actually write."""

from __future__ import annotations

import pytest
from intake_helpers import PANWASLU

from kondusif.intake import chat, pipeline, vocab
from kondusif.model import Category

ANDROID = """20/06/18 07.00 - Pak Lurah membuat grup "Info Warga"
20/06/18 07.01 - Pak Lurah mengubah subjek dari "Info Warga" ke "RT se-Kel Taba Jemekeh"
20/06/18 08.15 - Bu Sari RT 02: spanduk paslon di simpang dirobek orang semalam
20/06/18 09.30 - Pak Amin RT 05: ada serangan fajar, warga dikasih uang transport
20/06/18 10.00 - Pak Amin RT 05: terima kasih bu
"""
ANDROID_EN = """6/20/18, 7:00 AM - Pak Lurah created group "RT se-Kel Majapahit"
6/20/18, 8:15 AM - Bu Sari RT 02: baliho dicopot orang tak dikenal
"""
IPHONE = ("[20/06/18 07.00.00] RT se-Kel Taba Jemekeh: \u200ePesan dan panggilan terenkripsi secara end-to-end.\n"
          "[20/06/18 08.15.00] Bu Sari RT 02: poster calon disobek di pos ronda\n")


def test_subject_from_create_and_rename_lines_and_from_the_iphone_chat_name():
    assert chat.read_chat(ANDROID.encode()).subject == "RT se-Kel Taba Jemekeh"  # the latest rename wins
    assert chat.read_chat(ANDROID_EN.encode()).subject == "RT se-Kel Majapahit"
    assert chat.read_chat(IPHONE.encode()).subject == "RT se-Kel Taba Jemekeh"
    assert chat.read_chat(b"2018-06-20 14:32;+6281234567890;LAPOR uang berat RT 3 Air Kuti: amplop\n").subject is None


def test_group_subject_is_the_default_kelurahan_and_sender_names_give_the_rt(store_engine):
    p = pipeline.preview_chat(store_engine, ANDROID.encode(), "chat.txt", PANWASLU)
    assert (p.group_subject, p.group_kelurahan) == ("RT se-Kel Taba Jemekeh", "16.73.01.1003")
    assert "Kelurahan dari nama grup «RT se-Kel Taba Jemekeh»: Taba Jemekeh" in p.describe_group()
    good = {r.row: (r.record["kode_kelurahan"], r.record["rt"], r.record["category"]) for r in p.results
            if r.status == "baik"}
    assert good == {3: ("16.73.01.1003", 2, "perusakan_apk"), 4: ("16.73.01.1003", 5, "politik_uang")}
    assert p.queued == 0


def test_kelurahan_given_by_the_user_overrides_the_subject(store_engine):
    p = pipeline.preview_chat(store_engine, ANDROID.encode(), "chat.txt", PANWASLU, default_kelurahan="16.73.01.1001")
    assert p.group_kelurahan == "16.73.01.1001"
    assert {r.record["kode_kelurahan"] for r in p.results if r.status == "baik"} == {"16.73.01.1001"}


def test_cli_prints_the_group_kelurahan_and_takes_an_override(store_engine, db_url, tmp_path, capsys):
    from kondusif.__main__ import main

    path = tmp_path / "chat.txt"
    path.write_text(ANDROID, encoding="utf-8")
    assert main(["--db-url", db_url, "import-chat", str(path), "--dry-run"]) == 0
    assert "Grup       : «RT se-Kel Taba Jemekeh» -> Kelurahan Taba Jemekeh" in capsys.readouterr().out
    assert main(["--db-url", db_url, "import-chat", str(path), "--dry-run", "--kelurahan", "Air Kuti"]) == 0
    assert "Kelurahan  : Air Kuti (dari --kelurahan)" in capsys.readouterr().out


@pytest.mark.parametrize("text, expected", [
    ("spanduk paslon disobek", Category.PERUSAKAN_APK),
    ("baliho dirobek orang", Category.PERUSAKAN_APK),
    ("poster calon dicopot", Category.PERUSAKAN_APK),
    ("stiker di angkot dirusak", Category.PERUSAKAN_APK),
    ("baliho besar dibakar", Category.PERUSAKAN_APK),
    ("ada amplop beredar", Category.POLITIK_UANG),
    ("warga dapat sembako dari tim", Category.POLITIK_UANG),
    ("awas serangan fajar", Category.POLITIK_UANG),
    ("dikasih uang transport", Category.POLITIK_UANG),
    ("pemilih diancam preman", Category.INTIMIDASI),
    ("warga diintimidasi", Category.INTIMIDASI),
    ("warga dipaksa ikut", Category.INTIMIDASI),
    ("beredar hoaks", Category.KAMPANYE_HITAM),
    ("itu fitnah", Category.KAMPANYE_HITAM),
    ("berita bohong di grup", Category.KAMPANYE_HITAM),
    ("ada pesan berantai soal calon", Category.KAMPANYE_HITAM),
])
def test_common_words_are_in_the_vocabulary(text, expected):
    assert list(vocab.categories_in_text(text)) == [expected]
