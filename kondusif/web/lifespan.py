"""What each app process does once at start (the st.App lifespan in app.py).

The installation's signing key first (0600, before any login). App processes start no
threads or watch tasks: alert delivery and the SMS-silence and voting-day rounds watches run
in the worker (`python -m kondusif worker`, kondusif/worker.py), and so does the Rawan re-check;
an app process only records outbox events in its writes (issue 28).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from kondusif.secrets_file import signing_key


def start_process() -> None:
    signing_key()


@asynccontextmanager
async def lifespan(_app) -> AsyncIterator[None]:
    start_process()
    yield
