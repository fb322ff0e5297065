from __future__ import annotations

import io
from pathlib import Path

import pytest
from geo_helpers import run_cli

from lubuklinggau_geo import rt
from lubuklinggau_geo.gazetteer import kelurahan
from lubuklinggau_geo.locate import locate_many

HEADER = "kode_kelurahan,rt,nama_ketua,telepon,lat,lon\n"


def _load(body: str, **kw: object) -> rt.RegistryResult:
    return rt.load_registry(io.StringIO(HEADER + body), **kw)


def test_errors_by_row_and_good_rows_kept() -> None:
    res = _load(
        "16.73.05.1009,1,Ketua A,0812,-3.29386,102.88042\n"      # row 2 ok
        "Xyz Baru,2,,,,\n"                                       # row 3 unknown kelurahan
        "Ceremeh Tabah,01,,,,\n"                                 # row 4 duplicate of row 2 via name
        "1673011001,abc,,,,\n"                                   # row 5 bad rt
        "16.73.01.1001,0,,,,\n"                                  # row 6 rt not positive
        "16.73.01.1001,3,,,-3.30,102.80\n"                       # row 7 point outside its kelurahan
        "16.73.01.1001,4,,,satu,102.91\n"                        # row 8 lat not a number
        "16.73.01.1001,5,,,-3.2819,\n"                           # row 9 lon missing
        ",6,,,,\n"                                               # row 10 kelurahan missing
        "Kel. Air Kuti,RT 07,Ketua B,,\"-3,2819\",\"102,9147\"\n"  # row 11 ok (name, decimal comma)
        "Jawa,1,,,,\n"                                           # row 12 ambiguous
        "16.73.01.1001,8,,,102.9147,-3.2819\n"                   # row 13 swapped
    )
    by_row = {(e.baris, e.kolom) for e in res.errors}
    assert by_row == {(3, "kode_kelurahan"), (4, "rt"), (5, "rt"), (6, "rt"), (7, "lat"), (8, "lat"),
                      (9, "lon"), (10, "kode_kelurahan"), (12, "kode_kelurahan"), (13, "lat")}
    msgs = {e.baris: e.pesan for e in res.errors}
    assert "sudah ada di baris 2" in msgs[4]
    assert "di luar Kelurahan Air Kuti" in msgs[7] and "Watas Lubuk Durian" in msgs[7]
    assert "tidak dikenal" in msgs[3] and "tidak jelas" in msgs[12] and "tertukar" in msgs[13]
    assert str(res.errors[0]).startswith("Baris 3, kolom kode_kelurahan:")
    assert list(res.df["kode_kelurahan"]) == ["16.73.05.1009", "16.73.01.1001"]
    assert list(res.df["rt"]) == [1, 7]
    assert res.df["lat"].iloc[1] == pytest.approx(-3.2819)
    assert not rt.is_sample(res.df) and res.rows_read == 12
    assert list(res.errors_frame().columns) == ["baris", "kolom", "pesan"]


def test_an_rt_number_too_long_is_named_as_such() -> None:
    res = _load("16.73.01.1001,99999,,,,\n16.73.01.1001,RT 0012,,,,\n")
    assert [str(e) for e in res.errors] == ["Baris 2, kolom rt: nomor RT 99999 terlalu besar (paling besar 9999)"]
    assert list(res.df["rt"]) == [12]


def test_missing_columns_and_separators(tmp_path: Path) -> None:
    res = rt.load_registry(io.StringIO("kelurahan,nomor\nAir Kuti,1\n"))
    assert {(e.baris, e.kolom) for e in res.errors} == {(1, "kode_kelurahan"), (1, "rt")} and res.df.empty
    p = tmp_path / "rt.csv"
    p.write_bytes("\ufeffkode_kelurahan;rt;nama_ketua\r\nMajapahit;2;Ketua\r\n".encode())
    res = rt.load_registry(p)
    assert res.ok and res.df["kode_kelurahan"].tolist() == ["16.73.01.1002"]
    assert rt.load_registry(io.StringIO("")).errors[0].baris == 1


def test_point_check_skipped_without_boundaries(broken_install: Path) -> None:
    res = _load("16.73.01.1001,3,,,-3.30,102.80\n")
    assert res.ok and len(res.df) == 1


def test_sample_registry() -> None:
    df = rt.sample_registry()
    assert len(df) == 522
    assert set(df["kode_kelurahan"]) == set(kelurahan()["kode"])
    counts = df.groupby("kode_kelurahan").size()
    assert counts.min() >= 3
    for _, grp in df.groupby("kode_kelurahan"):
        assert list(grp["rt"]) == list(range(1, len(grp) + 1))
    assert df["contoh"].all() and rt.is_sample(df)
    assert df["nama_ketua"].str.fullmatch(r"Ketua RT \d{2} \(contoh\)").all()
    assert (df["telepon"] == "").all()
    assert (locate_many(df["lat"], df["lon"]) == df["kode_kelurahan"].to_numpy()).all()
    assert rt.load_registry(Path(rt.__file__).parent / "data" / "rt_contoh.csv").ok  # points inside too
    assert "CONTOH" in rt.SAMPLE_NOTICE and "bukan data resmi Setda" in rt.SAMPLE_NOTICE
    # larger kelurahan get more RT
    area = kelurahan().set_index("kode")["area_km2"]
    assert counts[area.idxmax()] > counts[area.idxmin()]


def test_sample_generator_is_deterministic(geo_dir: Path) -> None:
    from lubuklinggau_geo.tools.make_rt_sample import allocate

    alloc = allocate(kelurahan()["area_km2"].to_numpy())
    assert alloc.sum() == 522 and alloc.min() >= 3
    assert list(alloc) == list(rt.sample_registry().groupby("kode_kelurahan").size())


def test_rt_check_cli(tmp_path: Path) -> None:
    p = tmp_path / "rt.csv"
    p.write_text(HEADER + "Air Kuti,1,,,,\nAir Kuti,1,,,,\n")
    proc = run_cli("rt-check", str(p))
    assert proc.returncode == 1 and "Baris 3, kolom rt: RT 1 di Air Kuti sudah ada di baris 2" in proc.stdout
    proc = run_cli("rt-check", str(Path(rt.__file__).parent / "data" / "rt_contoh.csv"))
    assert proc.returncode == 0 and "522 baris sah" in proc.stdout and "CONTOH" in proc.stdout
