"""The pinned upstream kelurahan file: download, verify and parse it.

The project commits no built polygons; every machine builds them from one
pinned upstream file (cahyadsn/wilayah_boundaries, MIT), which ships in
``data/upstream/`` (see packaged.py) and can be downloaded again by ``fetch``.
Pinning the commit and the sha256 makes the build reproducible and detects tampering.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass

import shapely
from shapely.geometry import MultiPolygon, Polygon

from .errors import FetchError

UPSTREAM_REPO = "cahyadsn/wilayah_boundaries"
UPSTREAM_COMMIT = "3c5a7960f4d227a38489094d84252bdbb3f978a5"
UPSTREAM_PATH = "db/kel/16/wilayah_boundaries_kel_16.73.sql"
UPSTREAM_URL = f"https://raw.githubusercontent.com/{UPSTREAM_REPO}/{UPSTREAM_COMMIT}/{UPSTREAM_PATH}"
UPSTREAM_SHA256 = "fbcfe45b3aa3d0ad3ca9c03950c26a145eb3e945e6f62a46e6321d4a14c3d7ed"
URL_ENV = "LUBUKLINGGAU_GEO_URL"  # override (tests point it at a closed local port)
TIMEOUT_S = 20.0
MAX_BYTES = 50_000_000

_ROW = re.compile(
    r"\(\s*'(?P<kode>16\.73\.\d{2}\.\d{4})'\s*,\s*'(?P<nama>(?:[^']|'')*)'\s*,"
    r"\s*(?P<lat>[-+0-9.eE]+|NULL)\s*,\s*(?P<lng>[-+0-9.eE]+|NULL)\s*,"
    r"\s*'(?P<path>\[[^']*\])'\s*\)"
)


def upstream_url() -> str:
    """The URL fetch downloads ($LUBUKLINGGAU_GEO_URL overrides the pinned one)."""
    return os.environ.get(URL_ENV, "").strip() or UPSTREAM_URL


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def download(url: str | None = None, timeout: float = TIMEOUT_S) -> bytes:
    """Download the upstream file; raises FetchError (in Indonesian) on any failure."""
    url = url or upstream_url()
    hint = " Gunakan --from FILE untuk memakai salinan lokal."
    try:
        req = urllib.request.Request(url, headers={"User-Agent": "lubuklinggau_geo"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - pinned https URL
            data = resp.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise FetchError(f"Tidak dapat mengunduh batas wilayah dari {url}: HTTP {exc.code}.{hint}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(
            "Tidak dapat mengunduh batas wilayah (tidak ada koneksi internet?): "
            f"{url}: {reason}.{hint}") from exc
    if len(data) > MAX_BYTES:
        raise FetchError(f"Berkas dari {url} terlalu besar (> {MAX_BYTES} byte).{hint}")
    return data


@dataclass(frozen=True)
class UpstreamRow:
    kode: str
    nama: str
    geometry: Polygon | MultiPolygon


def _depth(x: object) -> int:
    d = 0
    while isinstance(x, list) and x:
        d += 1
        x = x[0]
    return d


def _ring(points: list[list[float]]) -> list[tuple[float, float]]:
    # upstream stores [lat, lng]; GeoJSON wants (lon, lat)
    return [(float(p[1]), float(p[0])) for p in points]


def _rings_to_geometry(rings: list[list[list[float]]]) -> Polygon | MultiPolygon:
    """Rings of one polygon: later rings inside the first are holes, others extra parts."""
    polys = [Polygon(_ring(r)) for r in rings if len(r) >= 4]
    if not polys:
        raise ValueError("tidak ada ring yang sah")
    outer = polys[0]
    parts: list = []
    holes: list = []
    for p in polys[1:]:
        (holes if outer.contains(p.representative_point()) and p.area < outer.area else parts).append(p)
    shell = Polygon(outer.exterior.coords, [h.exterior.coords for h in holes])
    return shell if not parts else MultiPolygon([shell, *parts])


def path_to_geometry(path: str) -> Polygon | MultiPolygon:
    """Turn the upstream ``path`` JSON ([lat, lng] rings) into a lon/lat geometry."""
    data = json.loads(path)
    depth = _depth(data)
    if depth == 3:
        return _rings_to_geometry(data)
    if depth == 4:
        geoms = [_rings_to_geometry(poly) for poly in data]
        parts = [g for geom in geoms for g in getattr(geom, "geoms", [geom])]
        return MultiPolygon(parts) if len(parts) > 1 else parts[0]
    raise ValueError(f"struktur path tidak dikenal (kedalaman {depth})")


def parse_sql(text: str) -> list[UpstreamRow]:
    """Rows ``16.73.KK.NNNN`` of the upstream SQL dump with their geometry.

    Raises FetchError when a row's path cannot be parsed, naming the code.
    """
    rows = []
    for m in _ROW.finditer(text):
        try:
            geom = path_to_geometry(m.group("path"))
        except (ValueError, TypeError, IndexError, shapely.errors.GEOSException) as exc:
            raise FetchError(f"Baris {m.group('kode')} pada berkas sumber tidak dapat dibaca: {exc}") from exc
        rows.append(UpstreamRow(m.group("kode"), m.group("nama").replace("''", "'"), geom))
    return rows
