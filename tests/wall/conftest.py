"""Fixtures of the wall display tests (its browser test is tests/browser/test_wall_browser.py, which
shares that folder's one Playwright session): a store around voting day 2018 whose reports
carry reporter identity that must never reach the wall."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # wall_fixtures

from wall_fixtures import make_wall_store  # noqa: E402


@pytest.fixture
def wall_store(engine):
    return make_wall_store(engine)
