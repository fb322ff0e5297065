"""Helpers of the geography tests (a uniquely named module: ``conftest`` is ambiguous
when several test folders have one).

The real boundary data are the extract packaged in ``lubuklinggau_geo`` (tests build
it once per session, see tests/conftest.py). ``../shared/geo`` is only a cross-check
reference (test_geo_packaged.py); LUBUKLINGGAU_GEO_REFERENCE names another copy and
makes it mandatory (.ci/run sets it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from lubuklinggau_geo.packaged import packaged_sql  # noqa: E402 - needs the sys.path line above

UPSTREAM_SQL = packaged_sql()
REFERENCE_ENV = "LUBUKLINGGAU_GEO_REFERENCE"
REFERENCE_REQUIRED = bool(os.environ.get(REFERENCE_ENV, "").strip())
SHARED_GEO = Path(os.environ.get(REFERENCE_ENV, "").strip() or REPO.parent / "shared" / "geo").resolve()


def shared_copy_present() -> bool:
    """True when the shared reference copy (../shared/geo or $LUBUKLINGGAU_GEO_REFERENCE) is there."""
    return all((SHARED_GEO / f).is_file() for f in ("kelurahan.geojson", "kecamatan.geojson", "kota.geojson",
                                                    "gazetteer.csv"))


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m lubuklinggau_geo`` from the repository root."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "lubuklinggau_geo", *args], cwd=REPO, env=full_env,
                          capture_output=True, text=True, timeout=120)
