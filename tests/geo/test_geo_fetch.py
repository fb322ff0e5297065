from __future__ import annotations

import filecmp
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
from geo_helpers import UPSTREAM_SQL, run_cli

from lubuklinggau_geo import build, upstream
from lubuklinggau_geo.errors import FetchError

METRIC = "EPSG:32748"


def _snapshot(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


def test_fetch_from_local_copy(fetched: tuple[Path, object]) -> None:
    dest, proc = fetched
    assert "kelurahan 72, kecamatan 8, kota 1 fitur" in proc.stdout
    expected = {"kelurahan": 72, "kecamatan": 8, "kota": 1}
    for level, n in expected.items():
        gdf = gpd.read_file(dest / f"{level}.geojson")
        assert len(gdf) == n
        assert gdf.crs.equals("EPSG:4326")
        assert gdf.is_valid.all()
        assert gdf.to_crs(METRIC).area.sum() / 1e6 == pytest.approx(367.9, abs=0.5)
    kec = gpd.read_file(dest / "kecamatan.geojson")
    assert {"area_km2", "jumlah_kelurahan"} <= set(kec.columns) and kec["jumlah_kelurahan"].sum() == 72
    kel = gpd.read_file(dest / "kelurahan.geojson")
    assert {"kode", "nama", "kecamatan", "kode_kecamatan"} <= set(kel.columns)
    assert "MIT License" in (dest / "UPSTREAM_LICENSE.txt").read_text()
    source = (dest / "SOURCE.txt").read_text()
    assert upstream.UPSTREAM_SHA256 in source and upstream.UPSTREAM_COMMIT in source and "sesuai" in source
    assert not [p for p in dest.parent.iterdir() if p.name.startswith(".")]  # no temp dirs left


def test_fetch_and_packaged_build_are_the_same_files(fetched: tuple[Path, object], packaged_geo: Path) -> None:
    """fetch --from and the packaged first-use build share one builder: same bytes.

    (That both equal ../shared/geo is test_geo_packaged.py's cross-check.)
    """
    dest, _ = fetched
    for level in ("kelurahan", "kecamatan", "kota"):
        assert filecmp.cmp(dest / f"{level}.geojson", packaged_geo / f"{level}.geojson", shallow=False)


def test_check_cli_reports_counts_and_area(fetched: tuple[Path, object]) -> None:
    dest, _ = fetched
    proc = run_cli("check", "--dir", str(dest))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert ("kelurahan: 72 fitur, kecamatan: 8 fitur, kota: 1 fitur; luas total 367,9 km² "
            "(poligon; angka statutori 401,5 km²); tidak ada masalah") in proc.stdout
    rep = build.check(dest)
    assert rep.ok and rep.total_area_km2 == pytest.approx(367.9, abs=0.05)


def test_check_reports_problems(tmp_path: Path, fetched: tuple[Path, object]) -> None:
    dest, _ = fetched
    bad = tmp_path / "geo"
    shutil.copytree(dest, bad)
    kel = gpd.read_file(bad / "kelurahan.geojson")
    kel = kel[kel["kode"] != "16.73.05.1009"]
    kel.loc[kel.index[0], "kode"] = "16.73.09.9999"
    kel.to_file(bad / "kelurahan.geojson", driver="GeoJSON")
    (bad / "kota.geojson").unlink()
    proc = run_cli("check", "--dir", str(bad))
    assert proc.returncode == 1
    assert "Cereme Taba (16.73.05.1009)" in proc.stdout
    assert "kode tidak dikenal 16.73.09.9999" in proc.stdout
    assert "kota.geojson tidak ada" in proc.stdout
    assert run_cli("check", "--dir", str(tmp_path / "nope")).returncode == 1


def test_fetch_offline_leaves_dest_untouched(tmp_path: Path, fetched: tuple[Path, object]) -> None:
    dest, _ = fetched
    d = tmp_path / "geo"
    shutil.copytree(dest, d)
    before = _snapshot(d)
    offline = {"LUBUKLINGGAU_GEO_URL": "http://127.0.0.1:9/wilayah.sql"}  # closed local port
    proc = run_cli("fetch", "--dest", str(d), env=offline)
    assert proc.returncode == 1
    assert "Tidak dapat mengunduh batas wilayah (tidak ada koneksi internet?)" in proc.stderr
    assert "--from FILE" in proc.stderr
    assert _snapshot(d) == before
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp dirs left
    fresh = tmp_path / "fresh"
    assert run_cli("fetch", "--dest", str(fresh), env=offline).returncode == 1
    assert not fresh.exists()


def test_fetch_usage_errors() -> None:
    assert run_cli().returncode == 2
    assert run_cli("fetch", "--bogus").returncode == 2


class _Handler(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("H", (_Handler,), {})
    srv = http.server.HTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/x.sql", handler
    srv.shutdown()
    srv.server_close()


def test_download_path_verifies_sha256(tmp_path: Path, local_server: tuple[str, type[_Handler]]) -> None:
    url, handler = local_server
    handler.body = UPSTREAM_SQL.read_bytes()
    res = build.fetch(tmp_path / "ok", url=url)
    assert res.sha256_ok and res.counts == {"kelurahan": 72, "kecamatan": 8, "kota": 1}
    handler.body = handler.body.replace(b"cahya dsn", b"someone else")
    with pytest.raises(FetchError, match="sha256"):
        build.fetch(tmp_path / "bad", url=url)
    assert not (tmp_path / "bad").exists()


def test_from_file_sha_mismatch_warns_but_missing_codes_fail(tmp_path: Path) -> None:
    text = UPSTREAM_SQL.read_text()
    modified = tmp_path / "modified.sql"
    modified.write_text(text.replace("cahya dsn", "someone else"))
    proc = run_cli("fetch", "--from", str(modified), "--dest", str(tmp_path / "a"))
    assert proc.returncode == 0 and "Peringatan: sha256" in proc.stdout
    truncated = tmp_path / "truncated.sql"
    truncated.write_text(text[: text.index("('16.73.08.1010'")])
    proc = run_cli("fetch", "--from", str(truncated), "--dest", str(tmp_path / "b"))
    assert proc.returncode == 1 and "Kali Serayu (16.73.08.1010)" in proc.stderr
    assert not (tmp_path / "b").exists()
    assert run_cli("fetch", "--from", str(tmp_path / "missing.sql"), "--dest", str(tmp_path / "c")).returncode == 1


def test_parse_sql_swaps_lat_lng() -> None:
    rows = upstream.parse_sql(UPSTREAM_SQL.read_text())
    assert len(rows) == 72
    minx, miny, maxx, maxy = rows[0].geometry.bounds
    assert 102 < minx < maxx < 103 and -4 < miny < maxy < -3
    multi = "[[[[-3.0,102.0],[-3.0,102.1],[-3.1,102.1],[-3.0,102.0]]],[[[-3.2,102.2],[-3.2,102.3],[-3.3,102.3],[-3.2,102.2]]]]"
    assert upstream.path_to_geometry(multi).geom_type == "MultiPolygon"


def test_write_set_refuses_foreign_folder(tmp_path: Path, fetched: tuple[Path, object]) -> None:
    (tmp_path / "skripsi.docx").write_text("jangan dihapus")
    with pytest.raises(build.BuildError, match="berkas lain"):
        build.fetch(tmp_path, from_file=UPSTREAM_SQL)
    assert (tmp_path / "skripsi.docx").exists()
