"""Browser-test fixtures (`browser`, one Debian chromium per session, is in tests/conftest.py): `page` (screenshot to
test-artifacts/ on failure) and `app` (a factory that starts the app on a free port).

Plain helpers (run_app, app_env, free_port, wait_until, wait_for_text, wait_idle) live in
browser_helpers.py: `from browser_helpers import run_app, app_env, wait_for_text`.
Mark browser tests with `@pytest.mark.browser`.
"""

from __future__ import annotations

from contextlib import ExitStack

import pytest
from browser_helpers import app_env, page_in, run_app

# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def app():
    """Factory: `app(db_url, **env)` starts the app for this test and returns its RunningApp."""
    with ExitStack() as stack:
        yield lambda db_url, **extra: stack.enter_context(run_app(app_env(db_url, **extra)))





@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


@pytest.fixture
def page(browser, request, app):
    """A fresh browser context + page (Indonesian locale); screenshot on failure.

    Depends on `app` so an app started through it is still running for the screenshot.
    """
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="id-ID")
    yield from page_in(context, request)
