"""Fixtures of the geography tests (helpers live in geo_helpers.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from geo_helpers import SHARED_GEO, UPSTREAM_SQL, run_cli


@pytest.fixture(scope="session")
def shared_geo() -> Path:
    return SHARED_GEO


@pytest.fixture(scope="session")
def fetched(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One CLI fetch --from of the upstream copy, shared by the session."""
    dest = tmp_path_factory.mktemp("fetch") / "geo"
    proc = run_cli("fetch", "--from", str(UPSTREAM_SQL), "--dest", str(dest))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return dest, proc


@pytest.fixture
def no_boundaries(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No LUBUKLINGGAU_GEO_DIR and an empty project data dir."""
    monkeypatch.delenv("LUBUKLINGGAU_GEO_DIR", raising=False)
    monkeypatch.setenv("KONDUSIF_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"
