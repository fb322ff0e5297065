"""A survey form's own choice names in the category/severity columns (issue 25 item 2)."""

from __future__ import annotations

from intake_helpers import PANWASLU

from kondusif.intake import pipeline
from kondusif.model import Category, Severity

SHEET = """Tanggal,Kelurahan,RT,Jenis,Tingkat,Judul,Uraian
26/06/2018 19.10,Kenanga,4,spanduk_dicopot,berat_sekali,Spanduk hilang,Tiga spanduk dicopot di jalan utama
26/06/2018 20.00,Kenanga,5,money_politik,agak_ringan,Amplop,Amplop 50 ribu dari tim
26/06/2018 21.30,Kenanga,6,ancaman_warga,tidak_parah,Ancaman,Warga diancam pindah kalau beda pilihan
26/06/2018 22.00,Kenanga,7,opsi_4,sedang,Tidak jelas,Pilihan formulir tanpa makna
26/06/2018 22.30,Kenanga,2,hoaks_medsos,darurat_sekali_kah,Hoaks,Kabar bohong di grup
"""


def test_choice_names_with_a_clear_meaning_are_read_and_others_refused_naming_them(store_engine):
    p = pipeline.preview_file(store_engine, SHEET.encode(), "survei.csv", PANWASLU)
    by_row = {r.row: r for r in p.results}
    assert [by_row[i].status for i in (2, 3, 4, 5, 6)] == ["baik", "baik", "baik", "ditolak", "ditolak"]
    assert (by_row[2].record["category"], by_row[2].record["severity"]) == (Category.PERUSAKAN_APK, Severity.BERAT)
    assert (by_row[3].record["category"], by_row[3].record["severity"]) == (Category.POLITIK_UANG, Severity.RINGAN)
    assert (by_row[4].record["category"], by_row[4].record["severity"]) == (Category.INTIMIDASI, Severity.RINGAN)
    refused = str(by_row[5].errors[0])
    assert "opsi_4" in refused and "politik uang" in refused and "perusakan apk" in refused
    refused = str(by_row[6].errors[0])
    assert "darurat_sekali_kah" in refused and "ringan, sedang, atau berat" in refused
