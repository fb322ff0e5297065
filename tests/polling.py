"""What every test folder shares: waiting by polling a condition with a deadline (never sleep and
hope), and the environment for running `python -m kondusif` as a child process."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path


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


FAULT_POINTS = Path(__file__).resolve().parent / "fault_points"


def fault_env(**points: str | Path) -> dict[str, str]:
    """Variables that arm fault points in a child process (tests/fault_points/sitecustomize.py).

    `fault_env(pause_before_commit=marker)` -> FAULT_PAUSE_BEFORE_COMMIT plus PYTHONPATH with that
    folder first; add them to the child's environment (or monkeypatch.setenv each one).
    """
    rest = os.environ.get("PYTHONPATH")
    env = {"PYTHONPATH": os.pathsep.join([str(FAULT_POINTS), *([rest] if rest else [])])}
    env.update({f"FAULT_{name.upper()}": str(value) for name, value in points.items()})
    return env
