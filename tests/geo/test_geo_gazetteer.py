from __future__ import annotations

import pandas as pd
import pytest
from geo_helpers import REFERENCE_REQUIRED, REPO, SHARED_GEO, shared_copy_present

from lubuklinggau_geo import gazetteer as gz
from lubuklinggau_geo.errors import UnknownCode


def test_kelurahan_table_matches_shared_gazetteer() -> None:
    kel = gz.kelurahan()
    assert list(kel.columns) == ["kode", "nama", "kecamatan", "kode_kecamatan", "lat", "lon", "area_km2"]
    assert len(kel) == 72 and kel["kode"].is_unique
    # the shared copy when it is beside the checkout (CI), else its frozen copy (tests/geo/reference/)
    assert shared_copy_present() or not REFERENCE_REQUIRED, f"reference copy missing at {SHARED_GEO}"
    ref_dir = SHARED_GEO if shared_copy_present() else REPO / "tests" / "geo" / "reference"
    ref_name = "gazetteer.csv" if shared_copy_present() else "shared_gazetteer.csv"
    shared = pd.read_csv(ref_dir / ref_name, dtype={"kode": str, "kode_kecamatan": str})
    pd.testing.assert_frame_equal(kel, shared.sort_values("kode").reset_index(drop=True))
    assert kel["kode"].str.fullmatch(r"16\.73\.0[1-8]\.1\d{3}").all()


def test_kecamatan_table() -> None:
    kec = gz.kecamatan()
    assert list(kec["kode"]) == [f"16.73.0{i}" for i in range(1, 9)]
    assert kec["jumlah_kelurahan"].sum() == 72
    assert dict(zip(kec["nama"], kec["jumlah_kelurahan"], strict=True))["Lubuk Linggau Barat I"] == 11
    assert kec["area_km2"].sum() == pytest.approx(368.0, abs=0.1)


def test_lookups_and_copies() -> None:
    rec = gz.kelurahan_by_code("1673051009")
    assert rec["nama"] == "Cereme Taba" and rec["kode_kecamatan"] == "16.73.05"
    assert gz.kelurahan_name("16.73.01.1016") == "Watervang"
    assert gz.kecamatan_by_code("167304")["nama"] == "Lubuk Linggau Utara I"
    assert gz.kecamatan_name("16.73.06") == "Lubuk Linggau Barat II"
    with pytest.raises(UnknownCode, match="tidak dikenal"):
        gz.kelurahan_by_code("16.73.01.1006")
    with pytest.raises(KeyError):
        gz.kecamatan_by_code("16.73.09")
    df = gz.kelurahan()
    df.loc[0, "nama"] = "rusak"
    assert gz.kelurahan()["nama"].iloc[0] == "Air Kuti"


def test_area_constants() -> None:
    assert gz.STATUTORY_AREA_KM2 == 401.5
    assert gz.POLYGON_AREA_KM2 == pytest.approx(gz.kelurahan()["area_km2"].sum(), abs=0.1)


def test_package_data_and_license() -> None:
    data = REPO / "lubuklinggau_geo" / "data"
    for name in ("gazetteer.csv", "kecamatan.csv", "UPSTREAM_LICENSE.txt", "rt_contoh.csv"):
        assert (data / name).is_file()
    text = gz.upstream_license_text()
    assert "MIT License" in text and "Copyright (c) 2024 Cahya DSN" in text
    assert "THE SOFTWARE IS PROVIDED \"AS IS\"" in text


def test_never_imports_kondusif() -> None:
    for path in (REPO / "lubuklinggau_geo").rglob("*.py"):
        src = path.read_text(encoding="utf-8")
        assert "import kondusif" not in src and "from kondusif" not in src, path


def test_labels_show_the_name_or_the_code_when_unknown():
    """The one "name, or the code if unknown" helper every table, alert and PDF uses."""
    assert gz.kelurahan_label("16.73.01.1002") == "Majapahit"
    assert gz.kelurahan_label("1673011002") == "Majapahit"  # the city's spelling of the same code
    assert gz.kecamatan_label("16.73.01") == "Lubuk Linggau Timur I"
    assert gz.kelurahan_label("16.73.09.9999") == "16.73.09.9999"  # an archive's retired code
    assert gz.kecamatan_label("16.99.01") == "16.99.01"
    assert gz.kelurahan_label(None) == "-"
    assert gz.kecamatan_label("", blank="") == ""
