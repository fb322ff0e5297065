"""AppTest (issue 17): the import page names the detected layout and shows the proposed mapping, with one
click to accept the proposed free-text column, before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest
import signin
import sqlalchemy as sa
from intake_helpers import PANWASLU
from streamlit.testing.v1 import AppTest
from test_import_ushahidi2_gforms import (
    GFORMS_ID_HEADER,
    GFORMS_ID_ROWS,
    USHAHIDI2_HEADER,
    USHAHIDI2_ROWS,
    csv_bytes,
)

from kondusif import store

pytestmark = pytest.mark.usefixtures("import_worker")  # the screen queues its checks for the worker
DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")


def count(engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(store.incidents)).scalar())


def open_with(name: str, data: bytes) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    signin.sign_in(at, PANWASLU)
    at.run()
    at.switch_page("screens/impor.py")
    at.run()
    at.file_uploader(key="impor_file").upload(name, data, "text/csv")
    at.run()
    assert not at.exception, at.exception
    return at


def markdown(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown]


def mapping_rows(at: AppTest) -> list[tuple[str, str]]:
    frame = next(d.value for d in at.dataframe if list(d.value.columns) == ["Isian", "Kolom di berkas"])
    return list(zip(frame["Isian"], frame["Kolom di berkas"], strict=True))


def test_google_form_layout_named_proposal_accepted_with_one_click_then_imported(store_engine):
    at = open_with("Laporan RT (Jawaban).csv", csv_bytes(GFORMS_ID_HEADER, GFORMS_ID_ROWS))
    assert "**Tata letak terdeteksi: Google Forms**" in markdown(at)
    assert any("kolom «Ceritakan kejadiannya» \\(isian teks terpanjang\\) sebagai Uraian" in m for m in markdown(at))
    rows = mapping_rows(at)
    assert ("Waktu laporan dikirim", "Stempel waktu") in rows and ("Telepon pelapor", "Nomor HP") in rows
    assert not [b for b in at.button if b.label.startswith("Impor ")]  # nothing importable, nothing written
    assert count(store_engine) == 0

    next(b for b in at.button if b.label == "Terima usulan").click()
    at.run()
    assert not at.exception, at.exception
    assert ("Uraian", "Ceritakan kejadiannya") in mapping_rows(at)
    assert count(store_engine) == 0  # accepting the proposal writes nothing either
    go = next(b for b in at.button if b.label.startswith("Impor "))
    assert go.label == "Impor 2 laporan"
    go.click()
    at.run()
    assert not at.exception, at.exception
    assert count(store_engine) == 2
    assert any("2 diimpor" in s.value for s in at.success)


def test_ushahidi2_layout_named_with_its_mapping_before_import(store_engine):
    at = open_with("uchaguzi.csv", csv_bytes(USHAHIDI2_HEADER, USHAHIDI2_ROWS))
    assert "**Tata letak terdeteksi: Ushahidi 2\\.x**" in markdown(at)
    rows = mapping_rows(at)
    assert ("Judul", "INCIDENT TITLE") in rows and ("Titik lokasi (\"lat lon\")", "LOCATION") in rows
    assert ("Identitas pelapor (hanya admin/Panwaslu)", "FIRST NAME, LAST NAME, EMAIL") in rows
    assert ("Disimpan di akhir uraian", "Nomor TPS, Saksi") in rows
    assert count(store_engine) == 0
    assert next(b for b in at.button if b.label.startswith("Impor ")).label == "Impor 4 laporan"


def test_hostile_file_is_shown_as_text_and_refused_or_kept_safely(store_engine):
    header = ["Stempel waktu", "Kelurahan", "RT", "Jenis kejadian", "=cmd|' /C calc'!A0 <script>alert(1)</script>"]
    rows = [["20/06/2018 8:15:42", "Air Kuti", "3", "Politik uang",
             "<script>alert('x')</script> =HYPERLINK(\"http://contoh.invalid\") " + "panjang " * 1200],  # 9,600 characters: long, under the 10,000 limit
            ["20/06/2018 9:15:42", "<img src=x onerror=alert(1)>", "3", "=1+1", "@SUM(9) uraian yang cukup panjang"]]
    at = open_with("jahat.csv", csv_bytes(header, rows))
    assert "**Tata letak terdeteksi: Google Forms**" in markdown(at)
    for m in markdown(at):
        assert "<script>" not in m and "<img" not in m  # escaped or not rendered as markdown at all
    next(b for b in at.button if b.label == "Terima usulan").click()
    at.run()
    assert not at.exception, at.exception
    assert next(b for b in at.button if b.label.startswith("Impor ")).label == "Impor 1 laporan"
    rejected = next(d.value for d in at.dataframe if list(d.value.columns) == ["baris", "kolom", "alasan"])
    assert rejected["baris"].tolist() == [3, 3] and set(rejected["kolom"]) == {"Kelurahan", "Kategori"}


def test_chat_preview_says_the_group_kelurahan_before_anything_is_written(store_engine):
    from test_chat_group import ANDROID

    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    signin.sign_in(at, PANWASLU)
    at.run()
    at.switch_page("screens/impor.py")
    at.run()
    at.file_uploader(key="impor_chat").upload("chat.txt", ANDROID.encode(), "text/plain")
    at.run()
    assert not at.exception, at.exception
    captions = [c.value for c in at.caption]
    assert any("Kelurahan dari nama grup «RT se\\-Kel Taba Jemekeh»\\: Taba Jemekeh \\(bisa diganti\\)" in c
               for c in captions), captions
    assert count(store_engine) == 0
    assert next(b for b in at.button if b.label.startswith("Simpan ")).label == (
        "Simpan 2 laporan dan 0 pesan antrean")
