"""Fixtures of the wall display tests: a store around voting day 2018 whose reports carry
reporter identity that must never reach the wall; Playwright fixtures for its browser test."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # wall_fixtures
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "browser"))  # browser_helpers

from wall_fixtures import make_wall_store  # noqa: E402


@pytest.fixture
def wall_store(engine):
    return make_wall_store(engine)


@pytest.fixture(scope="session")
def browser():
    from browser_helpers import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)
