"""Fixtures of the geography tests (helpers live in geo_helpers.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from geo_helpers import UPSTREAM_SQL, run_cli

from lubuklinggau_geo import packaged


@pytest.fixture(scope="session")
def fetched(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One CLI fetch --from of the packaged upstream copy, shared by the session."""
    dest = tmp_path_factory.mktemp("fetch") / "geo"
    proc = run_cli("fetch", "--from", str(UPSTREAM_SQL), "--dest", str(dest))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return dest, proc


@pytest.fixture
def fresh_data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No LUBUKLINGGAU_GEO_DIR and an empty data dir: the app's default lookup from scratch."""
    monkeypatch.delenv("LUBUKLINGGAU_GEO_DIR", raising=False)
    data = tmp_path / "fresh-data"
    data.mkdir()
    monkeypatch.setenv("KONDUSIF_DATA_DIR", str(data))
    return data


@pytest.fixture
def broken_install(monkeypatch: pytest.MonkeyPatch, fresh_data: Path, tmp_path: Path) -> Path:
    """A broken installation: the packaged extract is missing and nothing else is installed."""
    monkeypatch.setattr(packaged, "packaged_sql", lambda: tmp_path / "hilang" / packaged.PACKAGED_NAME)
    return fresh_data
