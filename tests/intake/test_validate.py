"""The one validation every intake path shares."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from kondusif.intake.validate import (
    Rules,
    check_record,
    check_records,
    make_rules,
    parse_datetime,
    parse_location,
    parse_rt,
    rt_range_text,
)
from kondusif.model import SYSTEM, Severity
from kondusif.timeutil import WIB

GOOD = {
    "kelurahan": "Air Kuti", "rt": "3", "category": "politik uang", "severity": "berat",
    "title": "Amplop dibagikan", "description": "Warga menerima amplop", "occurred_at": "20/06/2018 14.32",
}
AIR_KUTI_POINT = (-3.28307, 102.91408)  # inside Air Kuti
KENANGA_POINT = (-3.28545, 102.86995)  # inside Kenanga


@pytest.fixture
def rules(store_engine) -> Rules:
    return make_rules(store_engine, SYSTEM)


def errors(checked) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for e in checked.errors:
        out.setdefault(e.field, []).append(e.message)
    return out


def test_good_record_becomes_clean_incident(rules):
    c = check_record(GOOD, rules)
    assert c.ok, c.errors
    r = c.record
    assert r["kode_kelurahan"] == "16.73.01.1001" and r["kode_kecamatan"] == "16.73.01"
    assert r["rt"] == 3 and r["category"] == "politik_uang" and r["severity"] == "berat"
    assert r["occurred_at"] == datetime(2018, 6, 20, 7, 32, tzinfo=UTC)  # 14:32 WIB


@pytest.mark.parametrize("kel", ["kel. air kuti", "AIR KUTI", "Kelurahan Air Kuti", "16.73.01.1001", "1673011001",
                                 "Lubuklinggau Timur 1 Kel. Air Kuti"])
def test_kelurahan_spellings_resolve_to_the_code(rules, kel):
    assert check_record({**GOOD, "kelurahan": kel}, rules).record["kode_kelurahan"] == "16.73.01.1001"


def test_unknown_and_ambiguous_kelurahan_explained(rules):
    e = errors(check_record({**GOOD, "kelurahan": "Antah Berantah"}, rules))
    assert "tidak dikenal" in e["kelurahan"][0]
    e = errors(check_record({**GOOD, "kelurahan": "Jawa"}, rules))
    assert "tidak jelas" in e["kelurahan"][0] and "Jawa Kanan" in e["kelurahan"][0]


def test_rt_must_be_positive_integer_in_the_registry(rules):
    assert "bukan nomor RT" in errors(check_record({**GOOD, "rt": "abc"}, rules))["rt"][0]
    assert "bukan nomor RT" in errors(check_record({**GOOD, "rt": "0"}, rules))["rt"][0]
    # five digits is a typo or another column, not "not a positive number"; an int cell the same as its text
    assert errors(check_record({**GOOD, "rt": "99999"}, rules))["rt"] == [
        "“99999” bukan nomor RT (bilangan bulat 1–9999, misalnya 3)"]
    assert "bukan nomor RT" in errors(check_record({**GOOD, "rt": 99999}, rules))["rt"][0]
    assert "wajib" in errors(check_record({**GOOD, "rt": ""}, rules))["rt"][0]
    official = replace(rules, registry_sample=False)
    out = check_record({**GOOD, "rt": "15"}, official)
    assert errors(out)["rt"] == ["RT 15 tidak ada di daftar RT Kelurahan Air Kuti (RT 1–7)"]
    assert out.review == "RT: RT 15 tidak ada di daftar RT Kelurahan Air Kuti (RT 1–7)"  # a person decides
    assert check_record({**GOOD, "rt": "15"}, replace(rules, check_rt_registry=False)).ok


def test_unknown_rt_while_the_registry_is_the_sample_is_accepted_with_a_flag(rules):
    """Issue 12 item 13: the shipped registry is a sample (RT 1-7 here); a real RT 11 is no error."""
    assert rules.registry_sample
    out = check_record({**GOOD, "rt": "11"}, rules)
    assert out.ok and out.unlisted_rt and out.record["rt"] == 11
    assert [str(w) for w in out.warnings if w.field == "rt"] == [
        "RT: RT 11 tidak ada di daftar contoh Kelurahan Air Kuti (RT 1–7); tetap diterima "
        "(daftar RT resmi belum dimuat)"]
    assert not check_record({**GOOD, "rt": "3"}, rules).unlisted_rt
    far = check_record({**GOOD, "rt": "61"}, rules)  # beyond any RT number of the city: refused
    assert not far.ok and far.review is None and "RT 61 tidak ada" in errors(far)["rt"][0]


@pytest.mark.parametrize("value, expected", [("3", 3), ("03", 3), ("RT 03", 3), ("rt.3", 3), (3.0, 3), (7, 7),
                                             ("0", None), ("-2", None), ("3.5", None), ("", None), (True, None)])
def test_parse_rt(value, expected):
    assert parse_rt(value) == expected


def test_time_between_season_start_and_now(rules):
    future = datetime.now(UTC) + timedelta(days=1)
    assert "masa depan" in errors(check_record({**GOOD, "occurred_at": future}, rules))["occurred_at"][0]
    assert "sebelum awal" in errors(check_record({**GOOD, "occurred_at": "31/12/2017 10:00"}, rules))["occurred_at"][0]
    assert check_record({**GOOD, "occurred_at": datetime(2018, 2, 15, 0, 1, tzinfo=WIB)}, rules).ok
    # "now" is years after the 2018 season: anything up to now is accepted
    assert check_record({**GOOD, "occurred_at": datetime.now(UTC) - timedelta(minutes=1)}, rules).ok


@pytest.mark.parametrize("text, expected", [
    ("20/06/2018 14.32", datetime(2018, 6, 20, 7, 32, tzinfo=UTC)),
    ("20-06-18 14:32", datetime(2018, 6, 20, 7, 32, tzinfo=UTC)),
    ("2018-06-20 14:32:10", datetime(2018, 6, 20, 7, 32, 10, tzinfo=UTC)),
    ("2018-06-20T07:32:10Z", datetime(2018, 6, 20, 7, 32, 10, tzinfo=UTC)),
    ("2018-06-20T14:32:10.000+07:00", datetime(2018, 6, 20, 7, 32, 10, tzinfo=UTC)),
    ("20 Juni 2018 14.32", datetime(2018, 6, 20, 7, 32, tzinfo=UTC)),
    ("Rabu, 20 Juni 2018 pukul 14.32 WIB", datetime(2018, 6, 20, 7, 32, tzinfo=UTC)),
])
def test_date_formats_are_read_as_wib(text, expected):
    assert parse_datetime(text)[0] == expected


def test_naive_utc_columns_and_excel_serials():
    assert parse_datetime("2018-06-20 07:32:00", utc=True)[0] == datetime(2018, 6, 20, 7, 32, tzinfo=UTC)
    dt, has_time = parse_datetime(43271.5)  # Excel serial: 2018-06-20 12:00 WIB
    assert dt == datetime(2018, 6, 20, 5, 0, tzinfo=UTC) and has_time
    assert parse_datetime(date(2018, 6, 20))[1] is False


def test_date_only_is_accepted_with_a_warning(rules):
    c = check_record({**GOOD, "occurred_at": "20/06/2018"}, rules)
    assert c.ok and any(w.field == "occurred_at" for w in c.warnings)


def test_required_fields_each_named(rules):
    e = errors(check_record({}, rules))
    assert {"kelurahan", "rt", "category", "severity", "title", "occurred_at"} <= set(e)


def test_point_fills_kelurahan_and_outside_point_warns(rules):
    only_point = {**GOOD, "kelurahan": "", "lat": str(AIR_KUTI_POINT[0]), "lon": str(AIR_KUTI_POINT[1])}
    c = check_record(only_point, rules)
    assert c.ok and c.record["kode_kelurahan"] == "16.73.01.1001"
    c = check_record({**GOOD, "lat": KENANGA_POINT[0], "lon": KENANGA_POINT[1]}, rules)
    assert c.ok and c.record["lat"] == KENANGA_POINT[0]
    assert any("di luar Kelurahan Air Kuti" in w.message and "Kenanga" in w.message for w in c.warnings)


def test_bad_points(rules):
    assert "tertukar" in errors(check_record({**GOOD, "lat": "102.9", "lon": "-3.28"}, rules))["location"][0]
    assert "berdua" in errors(check_record({**GOOD, "lat": "-3.28"}, rules))["location"][0]
    assert "bukan angka" in errors(check_record({**GOOD, "lat": "x", "lon": "102.9"}, rules))["lat"][0]
    outside = {**GOOD, "kelurahan": "", "lat": -2.99, "lon": 104.75}  # Palembang
    assert "di luar Kota" in errors(check_record(outside, rules))["location"][0]


def test_geopoint_text():
    assert parse_location("-3.28307 102.91408 0 5") == (-3.28307, 102.91408)
    assert parse_location("-3.28307,102.91408") == (-3.28307, 102.91408)
    assert parse_location("-3.28307, 102.91408") == (-3.28307, 102.91408)
    assert parse_location("di dekat masjid") is None


def test_text_is_stored_as_typed_except_control_characters(rules):
    html = '<script>alert(1)</script><img src=x onerror=alert(1)>'
    formula = '=HYPERLINK("http://x","klik")'
    c = check_record({**GOOD, "title": formula, "description": html + "\x00\x07\u200e"}, rules)
    assert c.record["title"] == formula and c.record["description"] == html


def test_phone_and_lengths(rules):
    assert "bukan nomor telepon" in errors(check_record({**GOOD, "reporter_phone": "hubungi saya"}, rules))[
        "reporter_phone"][0]
    assert check_record({**GOOD, "reporter_phone": "+62 812-3456-7890"}, rules).ok
    assert "terlalu panjang" in errors(check_record({**GOOD, "title": "x" * 201}, rules))["title"][0]


def test_defaults_for_files_without_such_column(rules):
    lax = replace(rules, require_rt=False, default_severity=Severity.SEDANG, derive_title=True)
    c = check_record({**GOOD, "rt": None, "severity": None, "title": "", "description": "Baliho dirusak. Lalu..."},
                     lax)
    assert c.ok and c.record["rt"] is None and c.record["severity"] == "sedang"
    assert c.record["title"] == "Baliho dirusak."


def test_scoped_panwaslu_cannot_file_outside_its_kecamatan(rules):
    scoped = replace(rules, allowed_kecamatan="16.73.08")
    assert "di luar wilayah Anda" in errors(check_record(GOOD, scoped))["kelurahan"][0]


def test_many_records_keep_their_order(rules):
    out = check_records([GOOD, {**GOOD, "rt": "x"}, {**GOOD, "kelurahan": "Kenanga", "rt": "2"}], rules)
    assert [c.ok for c in out] == [True, False, True]
    assert out[2].record["kode_kelurahan"] == "16.73.08.1003"


def test_rt_range_text():
    assert rt_range_text((1, 2, 3, 5, 7, 8, 9)) == "RT 1–3, 5, 7–9"
