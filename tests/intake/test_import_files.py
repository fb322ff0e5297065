"""Acceptance: every row of every kind of file ends imported, rejected with a reason, or already there.

Files are in tests/fixtures/intake (built by build_fixtures.py); each mixes good
and bad rows. Re-importing adds nothing; good rows land in one transaction.
"""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from intake_helpers import ADMIN, FORMULA, HTML, PANWASLU, PANWASLU_UTARA2, fixture_bytes

from kondusif import store
from kondusif.intake import pipeline
from kondusif.model import SYSTEM

PLAIN_EXPECTED = (4, {6: {"kelurahan"}, 7: {"rt"}, 8: {"occurred_at"}, 9: {"row"},
                      10: {"severity", "reporter_phone"}}, {11})
EXPECTED = {
    # file: (good, {rejected row: fields}, {already-there rows})
    # row 8 is RT 15 of Air Kuti: not in the sample registry (RT 1-7), accepted with a flag (issue 12 item 13)
    "kobo.csv": (6, {7: {"kelurahan"}, 9: {"category"}, 10: {"occurred_at"}}, {11}),
    "kobo.xlsx": (3, {5: {"location"}, 6: {"rt", "severity"}, 7: {"occurred_at"}}, set()),
    "ushahidi.csv": (3, {6: {"location"}, 7: {"title"}, 8: {"occurred_at"}}, set()),
    **{f"plain_{e}_{s}.csv": PLAIN_EXPECTED for e in ("utf8", "utf8bom", "cp1252") for s in ("comma", "semicolon")},
    "plain.xlsx": PLAIN_EXPECTED,
}


def count(engine, table=store.incidents, **where) -> int:
    stmt = sa.select(sa.func.count()).select_from(table)
    for k, v in where.items():
        stmt = stmt.where(table.c[k] == v)
    with engine.connect() as conn:
        return int(conn.execute(stmt).scalar())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_row_accounted_for_and_reimport_adds_nothing(store_engine, name):
    good, rejected, existing = EXPECTED[name]
    data = fixture_bytes(name)
    p = pipeline.preview_file(store_engine, data, name, PANWASLU)
    assert p.ready, p.problems
    assert p.rows_in == p.good + p.rejected + p.existing
    assert p.good == good
    assert {r.row: {e.field for e in r.errors} for r in p.results if r.status == "ditolak"} == rejected
    assert {r.row for r in p.results if r.status == "sudah_ada"} == existing
    assert all(e.message for r in p.results for e in r.errors)  # every rejection has a reason

    result = pipeline.commit_file(store_engine, p, PANWASLU)
    assert (result.rows_in, result.imported, result.rejected, result.existing) == (
        p.rows_in, good, len(rejected), len(existing))
    assert count(store_engine) == good
    assert count(store_engine, store.audit_log, entity="incident", action="create") == good
    assert count(store_engine, store.audit_log, entity="import", action="import_file") == 1

    again = pipeline.preview_file(store_engine, data, name, PANWASLU)
    assert again.good == 0 and again.existing == good + len(existing) and again.rejected == len(rejected)
    second = pipeline.commit_file(store_engine, again, PANWASLU)
    assert second.imported == 0 and count(store_engine) == good


def test_same_report_in_another_encoding_or_format_is_not_imported_twice(store_engine):
    first = pipeline.preview_file(store_engine, fixture_bytes("plain_utf8_comma.csv"), "a.csv", ADMIN)
    pipeline.commit_file(store_engine, first, ADMIN)
    for name in ("plain_cp1252_semicolon.csv", "plain_utf8bom_comma.csv", "plain.xlsx"):
        p = pipeline.preview_file(store_engine, fixture_bytes(name), name, ADMIN)
        assert p.good == 0 and p.existing == 5, name
    assert count(store_engine) == 4


def test_stored_values_are_clean_and_text_is_as_typed(store_engine):
    p = pipeline.preview_file(store_engine, fixture_bytes("kobo.csv"), "kobo.csv", PANWASLU)
    pipeline.commit_file(store_engine, p, PANWASLU)
    df = store.query_incidents(store_engine, viewer=PANWASLU, q=None).set_index("source_ref")
    row = df.loc["kobo:5f0c7a2e-0000-4000-8000-000000000001"]
    assert (row["kode_kelurahan"], row["rt"], row["category"], row["severity"]) == (
        "16.73.01.1001", 3, "politik_uang", "berat")
    assert row["source"] == "import" and row["created_by"] == PANWASLU.username
    assert row["occurred_at"].isoformat() == "2018-06-20T07:30:00+00:00"
    assert df.loc["kobo:5f0c7a2e-0000-4000-8000-000000000003", "description"] == HTML
    assert df.loc["kobo:5f0c7a2e-0000-4000-8000-000000000004", "title"] == FORMULA
    # no time in the form: Kobo's _submission_time (UTC) stands in
    assert df.loc["kobo:5f0c7a2e-0000-4000-8000-000000000005", "occurred_at"].isoformat() == (
        "2018-06-24T01:00:00+00:00")


def test_rejects_csv_has_row_field_reason_and_neutralised_cells(store_engine):
    p = pipeline.preview_file(store_engine, fixture_bytes("plain_utf8_comma.csv"), "p.csv", PANWASLU)
    rows = list(csv.reader(io.StringIO(p.rejects_csv().decode("utf-8-sig")), delimiter=","))
    assert rows[0][:4] == ["baris", "kolom", "alasan", "Tanggal"]
    by_row = {r[0]: r for r in rows[1:]}
    assert set(by_row) == {"6", "7", "8", "9", "10"}
    assert by_row["6"][1] == "Kelurahan" and "tidak jelas" in by_row["6"][2]
    assert by_row["10"][1] == "Tingkat, Telepon pelapor"
    # a rejected row whose text is a formula comes back neutralised
    bad = ("Tanggal,Kelurahan,RT,Jenis,Tingkat,Judul\n"
           f'20/06/2018 10:00,Air Kuti,99,uang,berat,"{FORMULA.replace(chr(34), chr(34) * 2)}"\n').encode()
    p = pipeline.preview_file(store_engine, bad, "f.csv", PANWASLU)
    out = list(csv.reader(io.StringIO(p.rejects_csv().decode("utf-8-sig"))))
    assert out[1][-1] == "'" + FORMULA


def test_good_rows_land_in_one_transaction(store_engine, monkeypatch):
    p = pipeline.preview_file(store_engine, fixture_bytes("kobo.csv"), "kobo.csv", PANWASLU)

    def boom(*args, **kwargs):
        raise RuntimeError("disk penuh")

    monkeypatch.setattr(pipeline.store.audit, "record", boom)
    with pytest.raises(RuntimeError):
        pipeline.commit_file(store_engine, p, PANWASLU)
    assert count(store_engine) == 0 and count(store_engine, store.audit_log, entity="incident") == 0


def test_rows_stored_meanwhile_count_as_already_there(store_engine):
    data = fixture_bytes("kobo.csv")
    slow = pipeline.preview_file(store_engine, data, "kobo.csv", PANWASLU)
    fast = pipeline.preview_file(store_engine, data, "kobo.csv", ADMIN)
    pipeline.commit_file(store_engine, fast, ADMIN)
    late = pipeline.commit_file(store_engine, slow, PANWASLU)
    assert late.imported == 0 and late.existing == 7 and late.rows_in == 10
    assert count(store_engine) == 6


def test_scoped_panwaslu_gets_rows_outside_its_kecamatan_rejected(store_engine):
    p = pipeline.preview_file(store_engine, fixture_bytes("plain_utf8_comma.csv"), "p.csv", PANWASLU_UTARA2)
    good_kel = {r.record["kode_kelurahan"] for r in p.results if r.status == "baik"}
    assert good_kel == {"16.73.08.1003"}  # Kenanga only
    assert any("di luar wilayah Anda" in e.message for r in p.results for e in r.errors)


def test_user_mapping_imports_an_unknown_layout(store_engine):
    from kondusif.intake import layouts

    data = fixture_bytes("unmapped.csv")
    p = pipeline.preview_file(store_engine, data, "u.csv", ADMIN)
    assert not p.ready and p.rejected == 3  # nothing importable until mapped, and said so
    with pytest.raises(ValueError):
        pipeline.commit_file(store_engine, p, ADMIN)
    m = layouts.ColumnMapping({"occurred_at": "Kapan", "kelurahan": "Dimana", "rt": "No", "category": "Apa",
                               "severity": "Seberapa", "description": "Cerita"})
    p = pipeline.preview_file(store_engine, data, "u.csv", ADMIN, m)
    assert (p.good, p.rejected, p.unlisted_rt) == (3, 0, 1)  # RT 9 of Majapahit: not in the sample, flagged
    assert "RT 9 tidak ada di daftar contoh Kelurahan Majapahit (RT 1–5)" in p.results[2].warnings[-1].message


def test_possible_duplicates_are_flagged_not_merged(store_engine):
    text = (b"Tanggal,Kelurahan,RT,Jenis,Tingkat,Judul\n"
            b"20/06/2018 10:00,Air Kuti,3,uang,berat,Amplop pertama\n"
            b"20/06/2018 12:00,Air Kuti,4,uang,sedang,Amplop kedua\n"
            b"20/06/2018 12:00,Air Kuti,6,uang,sedang,RT jauh\n"
            b"21/06/2018 12:00,Air Kuti,3,uang,sedang,Hari lain\n")
    p = pipeline.preview_file(store_engine, text, "d.csv", ADMIN)
    result = pipeline.commit_file(store_engine, p, ADMIN)
    assert result.imported == 4 and result.possible_duplicates == 2
    df = store.query_incidents(store_engine, q=None, viewer=SYSTEM).set_index("title")
    assert df["possible_duplicate"].to_dict() == {"Amplop pertama": True, "Amplop kedua": True, "RT jauh": False,
                                                  "Hari lain": False}
    assert (df["status"] == "baru").all()


@pytest.mark.parametrize("name", ["empty.csv", "header_only.csv", "garbage.csv"])
def test_hostile_files_refused_without_traceback(store_engine, name):
    with pytest.raises(pipeline.FileRefused):
        pipeline.preview_file(store_engine, fixture_bytes(name), name, ADMIN)
    assert count(store_engine) == 0


def test_rt_accounts_may_not_import(store_engine):
    from intake_helpers import RT_AIR_KUTI_3

    with pytest.raises(PermissionError):  # not even a preview: it reads the registry and the store
        pipeline.preview_file(store_engine, fixture_bytes("kobo.csv"), "kobo.csv", RT_AIR_KUTI_3)
    p = pipeline.preview_file(store_engine, fixture_bytes("kobo.csv"), "kobo.csv", ADMIN)
    with pytest.raises(PermissionError):
        pipeline.commit_file(store_engine, p, RT_AIR_KUTI_3)


def test_xlsx_formula_cells_are_stored_as_typed_text(store_engine):
    p = pipeline.preview_file(store_engine, fixture_bytes("plain.xlsx"), "plain.xlsx", ADMIN)
    pipeline.commit_file(store_engine, p, ADMIN)
    df = store.query_incidents(store_engine, q=None, viewer=SYSTEM)
    assert FORMULA in set(df["title"]) and HTML in set(df["description"])
