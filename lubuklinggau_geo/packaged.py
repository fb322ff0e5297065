"""The boundary extract that ships inside this package, and its built cache.

A single-city app carries its city: ``data/upstream/`` holds the pinned
upstream SQL file (cahyadsn/wilayah_boundaries, MIT; see
``data/upstream/SOURCE.md``). On first use it is checked against the pinned
sha256 and built into the three GeoJSON files in ``<data>/geo-bawaan``
(the same build as ``fetch``). A file whose sha256 differs is refused: it
was damaged or altered, and the app says so instead of drawing from it.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from . import upstream
from .errors import BoundariesUnavailable

CACHE_NAME = "geo-bawaan"
PACKAGED_NAME = "wilayah_boundaries_kel_16.73.sql"
PACKAGED_MARK = "Jenis: batas bawaan paket lubuklinggau_geo"
REINSTALL_HINT = ("Pasang ulang aplikasi dari repositori, atau jalankan `python -m lubuklinggau_geo fetch` "
                  "(butuh internet) atau `import` (berkas resmi Pemkot).")


class PackagedDataRefused(BoundariesUnavailable):
    """The packaged extract is missing or its sha256 differs from the pinned one."""


def packaged_sql() -> Path:
    """Path of the packaged upstream SQL file (it may be missing in a broken install)."""
    return Path(str(resources.files(__package__).joinpath("data", "upstream", PACKAGED_NAME)))


@dataclass(frozen=True)
class _Verified:
    path: str
    digest: str


@lru_cache(maxsize=4)
def _verify_cached(path: str, mtime_ns: int, size: int) -> _Verified:
    data = Path(path).read_bytes()
    digest = upstream.sha256_hex(data)
    if digest != upstream.UPSTREAM_SHA256:
        raise PackagedDataRefused(
            f"Berkas batas wilayah bawaan {path} ditolak: sha256-nya {digest} tidak sama dengan yang "
            f"dipatok ({upstream.UPSTREAM_SHA256}); berkas itu rusak atau telah diubah.")
    return _Verified(path, digest)


def verify(path: Path | None = None) -> Path:
    """Check the packaged file against the pinned sha256; raises PackagedDataRefused (Indonesian).

    Cached per path, size and modification time, so a file changed later is checked again.
    """
    p = path or packaged_sql()
    try:
        st = p.stat()
    except OSError as exc:
        raise PackagedDataRefused(f"Berkas batas wilayah bawaan {p} tidak ada ({exc.strerror or exc}); "
                                  "instalasi aplikasi tidak lengkap.") from exc
    _verify_cached(str(p), st.st_mtime_ns, st.st_size)
    return p


def is_built(directory: Path) -> bool:
    """True when ``directory`` holds a complete build of the pinned packaged extract."""
    from .boundaries import is_geo_dir

    src = directory / "SOURCE.txt"
    if not is_geo_dir(directory) or not src.is_file():
        return False
    try:
        text = src.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return PACKAGED_MARK in text and f"sha256: {upstream.UPSTREAM_SHA256} (sesuai" in text


def _build(dest: Path, sql: Path) -> None:
    from .build import build_from_upstream

    rel = f"lubuklinggau_geo/data/upstream/{PACKAGED_NAME}"
    build_from_upstream(sql.read_bytes(), dest, source_label=f"berkas bawaan paket ({rel})",
                        made_by="lubuklinggau_geo pada pemakaian pertama", strict=True,
                        extra_source=(PACKAGED_MARK,))


def ensure_built(root: Path) -> Path:
    """``root/geo-bawaan`` built from the verified packaged extract (built once, then reused).

    A lock file serialises concurrent first uses (app processes, CLI). Raises
    PackagedDataRefused when the packaged file is missing or altered, OSError
    when ``root`` is not writable.
    """
    sql = verify()
    dest = root / CACHE_NAME
    if is_built(dest):
        return dest.resolve()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / f".{CACHE_NAME}.lock", "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            if not is_built(dest):
                _build(dest, sql)
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
    return dest.resolve()


def fallback_root() -> Path:
    """Where the build goes when the data folder is not writable (per user, in the temp dir)."""
    return Path(tempfile.gettempdir()) / f"lubuklinggau_geo-{os.getuid()}"
