from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lubuklinggau_geo import gazetteer as gz
from lubuklinggau_geo.names import (
    AmbiguousName,
    GeoNameError,
    NameNotFound,
    find_kecamatan,
    find_kelurahan,
    find_kelurahan_in_text,
    match_kelurahan,
)

KEL = gz.kelurahan()


@pytest.mark.parametrize("kode,nama", list(zip(KEL["kode"], KEL["nama"], strict=True)))
def test_every_official_name_resolves(kode: str, nama: str) -> None:
    for text in (nama, nama.upper(), nama.lower(), f"Kel. {nama}", f"kelurahan  {nama} ",
                 f"KEL.{nama.lower()}", kode, kode.replace(".", "")):
        assert find_kelurahan(text) == kode, text
    assert find_kelurahan(nama, kecamatan=kode[:8]) == kode
    assert match_kelurahan(nama).score == 1.0


@pytest.mark.parametrize("text,kode", [
    ("Ceremeh Tabah", "16.73.05.1009"),
    ("Cereme Tabah", "16.73.05.1009"),
    ("Waterfang", "16.73.01.1016"),
    ("Water Vang", "16.73.01.1016"),
    ("Jawa Kanan S.S.", "16.73.05.1002"),
    ("jawa kanan s.s", "16.73.05.1002"),
    ("Jawa Kanan SS", "16.73.05.1002"),
    ("Jawa Kanan", "16.73.05.1001"),
    ("Jawa Kanann", "16.73.05.1001"),
    ("Jawa Kiri", "16.73.05.1005"),
    ("Jawa Kirri", "16.73.05.1005"),
    ("kel. air kuti", "16.73.01.1001"),
    ("Desa Sukajadi", "16.73.02.1009"),
    ("Lubuk Linggau Ilir", "16.73.06.1006"),
    ("Lubuklinggau Ilir", "16.73.06.1006"),
    ("Lubuk-Linggau Ilir", "16.73.06.1006"),
    ("LLG Ulu", "16.73.06.1007"),
    ("Belalau 1", "16.73.04.1005"),
    ("Belalau I", "16.73.04.1005"),
    ("Belalau Satu", "16.73.04.1005"),
    ("Belalau 2", "16.73.04.1006"),
    ("Belalau II", "16.73.04.1006"),
    ("belalau dua", "16.73.04.1006"),
    ("Rahmah", "16.73.03.1003"),
    ("Perumnas Rahmah", "16.73.03.1011"),
    ("Prumnas Rahma", "16.73.03.1011"),
    ("Batu Urip", "16.73.08.1001"),
    ("Batu Urip Taba", "16.73.01.1007"),
    ("Air Kuti, Kec. Lubuk Linggau Timur I", "16.73.01.1001"),
    ("Tanjung Aman Kota Lubuklinggau", "16.73.02.1018"),
])
def test_variants(text: str, kode: str) -> None:
    assert find_kelurahan(text) == kode


@pytest.mark.parametrize("text,expected", [
    ("Jawa", {"Jawa Kanan", "Jawa Kanan SS", "Jawa Kiri"}),
    ("Petanang", {"Petanang Ulu", "Petanang Ilir"}),
    ("Belalau", {"Belalau I", "Belalau II"}),
    ("Air Kti", {"Air Kuti", "Air Kati"}),
])
def test_ambiguous(text: str, expected: set[str]) -> None:
    with pytest.raises(AmbiguousName) as ei:
        find_kelurahan(text)
    assert set(ei.value.candidates) == expected
    assert "tidak jelas" in str(ei.value)
    assert isinstance(ei.value, ValueError) and isinstance(ei.value, GeoNameError)
    assert match_kelurahan(text).code is None and match_kelurahan(text).kind == "ambiguous"


def test_unknown_lists_close_names() -> None:
    with pytest.raises(NameNotFound) as ei:
        find_kelurahan("Air Kuta Baru Sekali")
    msg = str(ei.value)
    assert msg.startswith('Kelurahan "Air Kuta Baru Sekali" tidak dikenal. Mungkin maksud Anda: ')
    assert "Air Kuti" in ei.value.candidates and len(ei.value.candidates) == 3
    assert all(c in set(KEL["nama"]) for c in ei.value.candidates)
    with pytest.raises(NameNotFound) as ei:
        find_kelurahan("Belalau 3")
    assert {"Belalau I", "Belalau II"} <= set(ei.value.candidates)


def test_kecamatan_restricts_candidates() -> None:
    assert find_kelurahan("Sukajadi", kecamatan="Lubuk Linggau Barat I") == "16.73.02.1009"
    assert find_kelurahan("Ilir", kecamatan="16.73.06") == "16.73.06.1006"
    assert find_kelurahan("Ilir", kecamatan="Utara 1") == "16.73.04.1010"
    with pytest.raises(NameNotFound, match="Selatan I"):
        find_kelurahan("Air Kuti", kecamatan="Lubuk Linggau Selatan I")  # never guesses Air Kati
    with pytest.raises(NameNotFound):
        find_kelurahan("Air Kuti", kecamatan="Kecamatan Entah")


@pytest.mark.parametrize("text,kode", [
    ("Lubuk Linggau Timur I", "16.73.01"), ("lubuklinggau timur 1", "16.73.01"),
    ("Kec. LLG Timur Satu", "16.73.01"), ("Kecamatan Lubuk-Linggau Selatan II", "16.73.07"),
    ("Utara II", "16.73.08"), ("16.73.05", "16.73.05"), ("167302", "16.73.02"),
    ("Lubuk Linggau Barat Dua", "16.73.06"), ("Lubuklinggau Selatn 1", "16.73.03"),
])
def test_find_kecamatan(text: str, kode: str) -> None:
    assert find_kecamatan(text) == kode


def test_find_kecamatan_errors() -> None:
    with pytest.raises(AmbiguousName):
        find_kecamatan("Timur")
    with pytest.raises(NameNotFound, match="Mungkin maksud Anda"):
        find_kecamatan("Lubuk Linggau Barat 3")
    for name in gz.kecamatan()["nama"]:
        assert gz.kecamatan_name(find_kecamatan(name.upper())) == name


GARBAGE = [None, "", "   ", "\x00", "a" * 10_000, 123, 1.5, float("nan"), b"\xff\xfe", "🙂🙂",
           "...", "kel.", "Kecamatan", "16.73", "16.73.99.9999", "RT 03", "'; DROP TABLE x;--", "Ⅱ", [1]]


@pytest.mark.parametrize("text", GARBAGE)
def test_garbage_raises_only_name_errors(text: object) -> None:
    with pytest.raises(GeoNameError):
        find_kelurahan(text)
    with pytest.raises(GeoNameError):
        find_kecamatan(text)
    assert match_kelurahan(text).code is None
    find_kelurahan_in_text(text)  # must not raise


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_fuzz_names(text: str) -> None:
    try:
        code = find_kelurahan(text)
    except GeoNameError as exc:
        assert str(exc)
    else:
        assert gz.kelurahan_by_code(code)
    try:
        find_kecamatan(text)
    except GeoNameError:
        pass
    res = find_kelurahan_in_text(text)
    assert res is None or gz.kelurahan_by_code(res[0])


@pytest.mark.parametrize("text,kode,span_text", [
    ("LAPOR politik uang berat RT 3 Ceremeh Tabah: ada bagi amplop", "16.73.05.1009", "Ceremeh Tabah"),
    ("kemarin di kel. Air Kuti tadi malam ada keributan", "16.73.01.1001", "Air Kuti"),
    ("Bentrok di Batu Urip Taba dekat pasar", "16.73.01.1007", "Batu Urip Taba"),
    ("rt 2 Jawa Kanan S.S. ramai", "16.73.05.1002", "Jawa Kanan S.S."),
    ("Spanduk dirusak di Jawa Kanan, RT 04", "16.73.05.1001", "Jawa Kanan"),
    ("posko Perumnas Rahmah", "16.73.03.1011", "Perumnas Rahmah"),
    ("warga Lubuk Linggau Ilir melapor", "16.73.06.1006", "Lubuk Linggau Ilir"),
    ("RT 1 Belalau 2", "16.73.04.1006", "Belalau 2"),
    ("kel waterfang rt 7", "16.73.01.1016", "waterfang"),
])
def test_find_in_text(text: str, kode: str, span_text: str) -> None:
    res = find_kelurahan_in_text(text)
    assert res is not None
    code, (a, b) = res
    assert code == kode and text[a:b] == span_text


@pytest.mark.parametrize("text", [
    "kenangan buruk saat air kali meluap", "masa tenang dimulai besok", "Kecamatan Lubuk Linggau Timur I",
    "Dempoin", "jawaban tim sukses", "",
])
def test_find_in_text_no_false_positive(text: str) -> None:
    assert find_kelurahan_in_text(text) is None
