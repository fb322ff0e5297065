"""In Chromium: a verification saved in another session shows on this session's map at its next click.

The map and the kelurahan panel are a fragment (issue 29.2): a click reruns only them, with the view of
the page's last run. A Panwaslu watching the map while a colleague verifies a report must see it on the
next click in the panel, headline included, not only after changing a filter.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from browser_helpers import log_in, wait_for_text, wait_idle, wait_until
from journey_data import PANWASLU_PASSWORD, PANWASLU_USER, file_as_rt, kel_name, seed_store, verify

from kondusif import store
from kondusif.timeutil import now

pytestmark = pytest.mark.browser


def _unverified(page) -> str:
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Belum diverifikasi")
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_a_verification_saved_elsewhere_shows_on_the_next_click_in_the_map_panel(app, page, db_url):
    seed_store(db_url)
    report_no = file_as_rt(db_url, now() - timedelta(hours=1))  # the one Baru report
    store.dispose_engines()
    running = app(db_url)
    page.goto(running.url)
    log_in(page, PANWASLU_USER, PANWASLU_PASSWORD)
    wait_for_text(page, "Rincian kelurahan", timeout=60)
    wait_idle(page, timeout=60)
    assert _unverified(page) == "1"

    verify(db_url, report_no)  # a colleague's save, through the write path, in another process
    store.dispose_engines()

    box = page.get_by_role("combobox", name="Rincian kelurahan")
    box.click()
    box.fill(kel_name())
    box.press("Enter")
    wait_until(lambda: _unverified(page) == "0", timeout=60, interval=0.5,
               message="the headline to count the report verified elsewhere")
    wait_idle(page)
    assert page.locator('[data-testid="stMetric"]').filter(has_text="Belum diverifikasi").count() == 1
