from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from geo_helpers import run_cli

from lubuklinggau_geo import build
from lubuklinggau_geo.errors import ImportFailed
from lubuklinggau_geo.importer import import_official

METRIC = "EPSG:32748"


@pytest.fixture(scope="module")
def kel(geo_dir: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(geo_dir / "kelurahan.geojson")


def _snapshot(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


def _misspelt(kel: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    m = kel.to_crs(METRIC).rename(columns={"nama": "NAMOBJ", "kecamatan": "WADMKC"})
    m = m.drop(columns=["kode", "kode_kecamatan"])
    fixes = {"Cereme Taba": "Ceremeh Tabah", "Watervang": "WATERFANG", "Air Kuti": "Kel. Air Kuti",
             "Jawa Kanan SS": "Jawa Kanan S.S.", "Belalau I": "Belalau 1", "Lubuklinggau Ilir": "Lubuk Linggau Ilir"}
    m["NAMOBJ"] = m["NAMOBJ"].replace(fixes)
    return m


def _zip_shapefile(gdf: gpd.GeoDataFrame, tmp: Path, drop_prj: bool = False) -> Path:
    shp_dir = tmp / "shp"
    shp_dir.mkdir()
    gdf.to_file(shp_dir / "batas_kel.shp")
    if drop_prj:
        (shp_dir / "batas_kel.prj").unlink()
    out = tmp / "batas_kel.zip"
    with zipfile.ZipFile(out, "w") as z:
        for f in shp_dir.iterdir():
            z.write(f, f.name)
    return out


def _same_polygons(dest: Path, kel: gpd.GeoDataFrame, tol_m2: float = 1.0) -> None:
    got = gpd.read_file(dest / "kelurahan.geojson").set_index("kode").to_crs(METRIC)
    ref = kel.set_index("kode").to_crs(METRIC)
    assert set(got.index) == set(ref.index)
    for code in ref.index:
        assert got.geometry[code].symmetric_difference(ref.geometry[code]).area < tol_m2, code


def test_geojson_in_utm_with_misspelt_name_field(tmp_path: Path, kel: gpd.GeoDataFrame) -> None:
    src = tmp_path / "batas.geojson"
    _misspelt(kel).to_file(src, driver="GeoJSON")
    rep = import_official(src, tmp_path / "geo", name_field="namobj", kecamatan_field="WADMKC")
    assert rep.written and rep.complete and len(rep.mapped) == 72
    assert rep.source_crs == "EPSG:32748"
    _same_polygons(tmp_path / "geo", kel)
    assert build.check(tmp_path / "geo").ok
    assert gpd.read_file(tmp_path / "geo" / "kelurahan.geojson").crs.equals("EPSG:4326")


def test_zipped_shapefile_via_cli(tmp_path: Path, kel: gpd.GeoDataFrame) -> None:
    src = _zip_shapefile(_misspelt(kel), tmp_path)
    proc = run_cli("import", str(src), "--dest", str(tmp_path / "geo"), "--name-field", "NAMOBJ")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Terpetakan: 72 dari 72 kelurahan." in proc.stdout
    _same_polygons(tmp_path / "geo", kel)


def test_shapefile_without_crs_in_metres_is_refused(tmp_path: Path, kel: gpd.GeoDataFrame) -> None:
    src = _zip_shapefile(_misspelt(kel), tmp_path, drop_prj=True)
    with pytest.raises(ImportFailed, match="tidak menyebut CRS"):
        import_official(src, tmp_path / "geo", name_field="NAMOBJ")
    assert not (tmp_path / "geo").exists()


def test_gpkg_by_code_missing_kelurahan_reported(tmp_path: Path, kel: gpd.GeoDataFrame) -> None:
    g = kel.assign(KDEPUM=kel["kode"].str.replace(".", "", regex=False)).drop(columns=["kode"])
    g = g[~g["KDEPUM"].isin(["1673051009", "1673011001"])]
    extra = g.iloc[[0]].assign(KDEPUM="1673099999")
    split = g[g["KDEPUM"] == "1673021015"].copy()
    g = gpd.GeoDataFrame(gpd.pd.concat([g, extra, split], ignore_index=True), crs=kel.crs)
    src = tmp_path / "batas.gpkg"
    g.to_file(src, driver="GPKG")
    rep = import_official(src, tmp_path / "geo", code_field="KDEPUM")
    assert rep.written and not rep.complete
    assert rep.missing == ["16.73.01.1001", "16.73.05.1009"]
    assert [u.value for u in rep.unmapped] == ["1673099999"]
    assert rep.merged == ["16.73.02.1015"]  # two parts of one kelurahan are unioned
    text = "\n".join(rep.lines())
    assert "Air Kuti (16.73.01.1001)" in text and "Cereme Taba (16.73.05.1009)" in text
    assert len(gpd.read_file(tmp_path / "geo" / "kelurahan.geojson")) == 70
    proc = run_cli("import", str(src), "--dest", str(tmp_path / "geo2"), "--code-field", "KDEPUM")
    assert proc.returncode == 1 and "Kelurahan tidak ada dalam berkas (2)" in proc.stdout
    assert "belum lengkap" in proc.stdout


def test_failed_import_leaves_dest_as_it_was(tmp_path: Path, kel: gpd.GeoDataFrame) -> None:
    dest = tmp_path / "geo"
    good = tmp_path / "good.geojson"
    kel.to_file(good, driver="GeoJSON")
    import_official(good, dest, code_field="kode")
    before = _snapshot(dest)
    junk = tmp_path / "junk.geojson"
    kel.assign(nama="Antah Berantah").to_file(junk, driver="GeoJSON")
    with pytest.raises(ImportFailed, match="Tidak ada satu pun fitur"):
        import_official(junk, dest, name_field="nama")
    with pytest.raises(ImportFailed, match="Kolom nama 'NAMA_DESA' tidak ada"):
        import_official(good, dest, name_field="NAMA_DESA")
    proc = run_cli("import", str(junk), "--dest", str(dest), "--name-field", "nama")
    assert proc.returncode == 1 and "Fitur #0" in proc.stdout
    assert _snapshot(dest) == before


def test_crash_while_writing_is_atomic(tmp_path: Path, kel: gpd.GeoDataFrame,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    dest = tmp_path / "geo"
    good = tmp_path / "good.geojson"
    kel.to_file(good, driver="GeoJSON")
    import_official(good, dest, code_field="kode")
    before = _snapshot(dest)
    calls = {"n": 0}
    real = build._write_file

    def flaky(path: Path, text: str) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk penuh")
        real(path, text)

    monkeypatch.setattr(build, "_write_file", flaky)
    with pytest.raises(OSError, match="disk penuh"):
        import_official(good, dest, code_field="kode")
    assert _snapshot(dest) == before
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # temp dir removed


def test_usage(tmp_path: Path) -> None:
    assert run_cli("import", str(tmp_path / "x.geojson")).returncode == 2
    with pytest.raises(ImportFailed):
        import_official(tmp_path / "x.geojson", tmp_path / "geo", code_field="kode", name_field="nama")
    with pytest.raises(ImportFailed, match="tidak ada"):
        import_official(tmp_path / "x.geojson", tmp_path / "geo", code_field="kode")
