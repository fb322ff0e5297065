"""What each app process starts once and stops on shutdown (the st.App lifespan in app.py).

Behind nginx there are several app processes (issue 16): each runs its own alert delivery
thread, started here once per process, not by a page run. They never send an alert twice:
a worker claims an alert with a conditional UPDATE (pending -> sending) in the shared
store, and only the process whose UPDATE changed the row sends it (kondusif.alerts._claim).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from kondusif import alerts, store
from kondusif.secrets_file import signing_key

log = logging.getLogger(__name__)


def start_process() -> None:
    """The installation's key first (0600, before any login), then this process's alert delivery."""
    signing_key()
    try:
        alerts.start_delivery_worker(store.get_engine())
    except Exception:  # noqa: BLE001 - delivery failing to start must not keep the app down
        log.exception("Pengiriman peringatan tidak dapat dimulai")


def stop_process() -> None:
    alerts.stop_delivery_workers()


@asynccontextmanager
async def lifespan(_app) -> AsyncIterator[None]:
    start_process()
    # issue 15: an alert when SMS stop arriving on election day (one check per process is
    # harmless: the alert row is deduplicated by when the silence began)
    from kondusif.rounds import watch_rounds
    from kondusif.sms.gateways import watch_silence

    # issue 24: low coverage after a voting-day round (deduplicated per round and kelurahan)
    watches = [asyncio.create_task(watch_silence()), asyncio.create_task(watch_rounds())]
    try:
        yield
    finally:
        for watch in watches:
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch
        stop_process()
