"""What every test folder shares: waiting by polling a condition with a deadline (never sleep and
hope), and the environment for running `python -m kondusif` as a child process."""

from __future__ import annotations

import os
import time
from collections.abc import Callable


def wait_until(predicate: Callable[[], object], timeout: float = 30.0, interval: float = 0.05,
               message: str = "condition") -> object:
    """Poll `predicate` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {message}")
        time.sleep(interval)


def cli_env(db_url: str, **extra: str) -> dict[str, str]:
    """The environment for `python -m kondusif` against `db_url` (this test's data dir, geo dir)."""
    env = dict(os.environ)
    env["KONDUSIF_DB_URL"] = db_url
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env
