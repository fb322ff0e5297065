"""Helpers of the geography tests (a uniquely named module: ``conftest`` is ambiguous
when several test folders have one).

The real boundary files come from ``../shared/geo`` (CI sets
LUBUKLINGGAU_GEO_DIR); without them the suite fails loudly instead of skipping.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def _shared_geo() -> Path:
    env = os.environ.get("LUBUKLINGGAU_GEO_DIR", "").strip()
    p = Path(env) if env else REPO.parent / "shared" / "geo"
    if not p.is_absolute():
        p = (REPO / p).resolve() if not p.exists() else p.resolve()
    return p


SHARED_GEO = _shared_geo()
UPSTREAM_SQL = SHARED_GEO / "upstream" / "wilayah_boundaries_kel_16.73.sql"
if not (SHARED_GEO / "kelurahan.geojson").is_file() or not UPSTREAM_SQL.is_file():
    raise pytest.UsageError(
        f"Shared geo data not found at {SHARED_GEO} (set LUBUKLINGGAU_GEO_DIR to ../shared/geo); "
        "the geography tests need the real polygons and do not skip.")
os.environ["LUBUKLINGGAU_GEO_DIR"] = str(SHARED_GEO)


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m lubuklinggau_geo`` from the repository root."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "lubuklinggau_geo", *args], cwd=REPO, env=full_env,
                          capture_output=True, text=True, timeout=120)
