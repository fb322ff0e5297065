"""Any uploaded file ends as a table / a preview or a clear FileRefused, never a crash.

`read_table` gets arbitrary bytes (and near-CSV / near-XLSX bytes); `preview_file`
gets arbitrary CSV text whose header words and cells are close to what Excel,
KoboToolbox and Ushahidi exports hold, read by a Panwaslu viewer against a real
store. A preview accounts for every row: rows in = good + rejected + already there.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from fuzz_helpers import fuzz_settings
from hypothesis import example, given
from hypothesis import strategies as st

from kondusif.intake import pipeline
from kondusif.intake.files import FileRefused, read_table
from kondusif.intake.validate import make_rules
from kondusif.model import Role, Viewer
from lubuklinggau_geo import gazetteer

PANWASLU = Viewer("panwaslu-fuzz", Role.PANWASLU, "Panwaslu Fuzz")
KEL_NAMES = gazetteer.kelurahan()["nama"].tolist()
STATUSES = {"baik", "ditolak", "sudah_ada"}

HEADER_WORDS = ["Tanggal", "Waktu", "Jam", "Kelurahan", "Kecamatan", "RT", "Jenis", "Kategori", "Tingkat",
                "Judul", "Uraian", "Nama Pelapor", "No HP", "Lat", "Lon", "Lokasi", "_uuid",
                "_submission_time", "Post ID", "Title", "Description", "Post date", "Location.lat",
                "Location.lon", "", "kolom", "=cmd|' /C calc'!A0", "Tanggal"]
CELLS = st.one_of(
    st.sampled_from(KEL_NAMES),
    st.sampled_from(["20/06/2018 14.32", "2018-06-21 09:00", "31/02/2018", "0001-01-01", "9999-12-31 23:59",
                     "43271.5", "1e308", "nan", "-3.29,102.87", "-3.2,999", "RT 03", "0", "-1", "99999",
                     "politik uang", "money politics", "APK", "bentrok", "berat", "3", "medium", "",
                     "=HYPERLINK(\"x\")", "@SUM(A1)", "\t", "\"", "#meta +id", "kel. majapahit"]),
    st.text(max_size=30),
)
EXCEL_NAMES = st.sampled_from(["laporan.csv", "LAPORAN.CSV", "data.xlsx", "data.xlsm", "data.xls", "chat.txt",
                               "", "tanpa-akhiran"])

FUZZ = fuzz_settings(150)


def _csv_text(header: list[str], rows: list[list[str]], delimiter: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


# Columns of a plain export with values that are mostly valid, so rows get all the way through
# validation, fingerprinting and the "already imported" lookup.
COLUMN_VALUES = {
    "Tanggal": st.one_of(st.sampled_from(["20/06/2018 14.32", "2018-06-21 09:00", "22/06/2018 20:15", "21/6/18"]),
                         st.datetimes().map(lambda d: d.strftime("%d/%m/%Y %H.%M"))),
    "Kelurahan": st.one_of(st.sampled_from(KEL_NAMES), st.sampled_from(KEL_NAMES).map(str.upper),
                           st.sampled_from(KEL_NAMES).map(lambda n: "kel. " + n)),
    "RT": st.one_of(st.integers(min_value=0, max_value=30).map(str), st.sampled_from(["RT 03", "02", ""])),
    "Jenis": st.sampled_from(["Politik Uang", "money politics", "APK", "bentrok", "intimidasi", "hoaks", "x"]),
    "Tingkat": st.sampled_from(["Berat", "sedang", "ringan", "3", "medium", ""]),
    "Judul": st.text(max_size=40),
    "Uraian": st.text(max_size=80),
    "Lokasi": st.sampled_from(["", "", "", "-3.29,102.87", "-3.2950 102.8600", "0,0", "91,200", "x"]),
}


@st.composite
def csv_files(draw) -> str:
    if draw(st.booleans()):  # a plain export: known columns in any order, a few left out
        header = draw(st.permutations(list(COLUMN_VALUES)))[:draw(st.integers(min_value=5, max_value=8))]
        junky = draw(st.booleans())  # some columns also get arbitrary cells
        columns = [st.one_of(COLUMN_VALUES[h], CELLS) if junky else COLUMN_VALUES[h] for h in header]
        rows = draw(st.lists(st.tuples(*columns).map(list), max_size=12))
    else:
        header = draw(st.lists(st.sampled_from(HEADER_WORDS), min_size=1, max_size=10))
        width = st.integers(min_value=0, max_value=len(header) + 2)
        rows = draw(st.lists(st.builds(lambda n, cells: cells[:n], width,
                                       st.lists(CELLS, min_size=len(header) + 2, max_size=len(header) + 2)),
                             max_size=12))
    text = _csv_text(header, rows, draw(st.sampled_from([",", ";", "\t"])))
    if draw(st.booleans()):  # hand-edited files: a cut, a stray quote, junk at the end
        cut = draw(st.integers(min_value=0, max_value=len(text)))
        text = text[:cut] + draw(st.sampled_from(["", '"', "\n\n", '"a""b', "\x00", "\r"])) + text[cut:]
    return text


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


near_xlsx = st.builds(
    lambda content, cut: _zip_bytes({"xl/workbook.xml": content, "[Content_Types].xml": b"<Types/>"})[:cut],
    st.binary(max_size=200), st.integers(min_value=4, max_value=600),
)
file_bytes = st.one_of(
    st.binary(max_size=600),
    csv_files().flatmap(lambda t: st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]).map(
        lambda enc: t.encode(enc, errors="replace"))),
    near_xlsx,
    st.binary(max_size=200).map(lambda b: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b),
)


@FUZZ
@given(file_bytes, EXCEL_NAMES)
@example(b'"', "laporan.csv")  # found by this test: an unclosed quote in the header row
@example(b"Tanggal;Kelurahan\r\n0001-01-01;Air Kuti", "laporan.csv")
def test_read_table_gives_a_table_or_a_clear_refusal(data, name):
    try:
        table = read_table(data, name)
    except FileRefused as exc:
        assert str(exc).strip()
        return
    assert table.header and all(isinstance(h, str) and h for h in table.header)
    assert len(set(table.header)) == len(table.header)  # duplicates were renamed
    assert len(table.rows) == len(table.row_numbers) >= 1
    assert table.row_numbers == sorted(table.row_numbers) and table.row_numbers[0] >= 2
    assert table.describe()


@pytest.fixture
def rules_engine(engine):
    from kondusif import registry

    registry.ensure_rt_registry(engine)
    return engine, make_rules(engine, PANWASLU)


@FUZZ
@given(text=csv_files())
def test_preview_file_accounts_for_every_row_or_refuses_clearly(rules_engine, text):
    engine, rules = rules_engine
    try:
        preview = pipeline.preview_file(engine, text.encode("utf-8"), "fuzz.csv", PANWASLU, rules=rules)
    except FileRefused as exc:
        assert str(exc).strip()
        return
    assert {r.status for r in preview.results} <= STATUSES
    assert preview.rows_in == preview.good + preview.rejected + preview.existing == len(preview.table.rows)
    for r in preview.results:
        if r.status == "ditolak":
            assert r.reason().strip()
        if r.status == "baik":
            assert r.record["kode_kelurahan"] in gazetteer.kelurahan_codes()
            assert r.record["source_ref"]
    if not preview.ready:
        assert all(p.strip() for p in preview.problems)
    # the rejects download is always producible and neutralised
    data = preview.rejects_csv()
    assert data.startswith(b"\xef\xbb\xbf")


@fuzz_settings(60)
@given(text=csv_files())
def test_reimporting_any_file_adds_nothing(rules_engine, text):
    """Commit whatever a file holds, preview it again: every row stored is now 'sudah ada'."""
    engine, rules = rules_engine
    data = text.encode("utf-8")
    try:
        first = pipeline.preview_file(engine, data, "fuzz.csv", PANWASLU, rules=rules)
    except FileRefused:
        return
    if not first.ready:
        return
    result = pipeline.commit_file(engine, first, PANWASLU)
    assert result.rows_in == result.imported + result.rejected + result.existing
    again = pipeline.preview_file(engine, data, "fuzz.csv", PANWASLU, rules=rules)
    assert again.good == 0
    assert again.existing == first.good + first.existing
    assert again.rejected == first.rejected
