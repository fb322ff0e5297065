"""Fault points for the kill tests, installed from outside the app (issue 28: no test hooks in production).

A test puts this folder first on PYTHONPATH of the child process it means to kill (see
`polling.fault_env`), so Python imports this module at start-up. It acts only when one of these
variables is set, and only in that process:

- FAULT_PAUSE_BEFORE_COMMIT=MARKER: a transaction that inserted incidents stops just before its
  COMMIT (SQLAlchemy events on every Engine), writes MARKER and waits to be killed (issue 18);
- FAULT_SMS_PAUSE_AFTER_STORE=MARKER: the worker's Gammu round stops after the store committed a report
  and before its Gammu transaction runs (before `UPDATE inbox`), writes MARKER and waits;
- FAULT_WORKER_PAUSE_BEFORE_SEND=MARKER: the background worker (`-m kondusif worker`) stops in the
  middle of delivering an alert (outbox event claimed, alert marked 'sending', webhook not yet
  called), writes MARKER and waits to be killed (issue 28);
- FAULT_WORKER_GATE=PATH: an import worker (`-m kondusif.intake.worker JOBDIR`) reports stage
  "mulai", writes its pid to JOBDIR/waiting and waits until PATH exists (at most 300 s).
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path


def _hold(marker: str) -> None:
    Path(marker).write_text(str(os.getpid()), encoding="utf-8")
    while True:
        time.sleep(0.05)


def _install_engine_points(before_commit: str | None, after_store: str | None) -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    stored = {"incidents": False}

    @event.listens_for(Engine, "after_cursor_execute")
    def seen(conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO INCIDENTS"):
            conn.info["fault_inserted"] = True

    @event.listens_for(Engine, "commit")
    def commit(conn) -> None:
        if conn.info.pop("fault_inserted", False):
            if before_commit:
                _hold(before_commit)
            stored["incidents"] = True  # committed once this event returns

    if after_store:
        @event.listens_for(Engine, "before_cursor_execute")
        def gammu_transaction(_conn, _cursor, statement, *_args) -> None:
            if stored["incidents"] and statement.lstrip().upper().startswith("UPDATE INBOX"):
                _hold(after_store)


def _worker_gate(gate: str) -> None:
    argv = sys.orig_argv
    if "kondusif.intake.worker" not in argv:
        return
    folder = Path(argv[-1])
    (folder / "progress.tmp").write_text("mulai 0", encoding="utf-8")
    (folder / "progress.tmp").replace(folder / "progress")
    (folder / "waiting").write_text(str(os.getpid()), encoding="utf-8")  # the check's pid, for kill tests
    deadline = time.monotonic() + 300  # never left behind by a test that died
    while not Path(gate).exists() and time.monotonic() < deadline:
        time.sleep(0.05)


class _AfterImport(importlib.abc.MetaPathFinder):
    """Patch module `name` right after it is first imported (the app is not importable yet at start-up)."""

    def __init__(self, name: str, patch: Callable) -> None:
        self.name, self.patch = name, patch

    def find_spec(self, fullname, path, target=None):
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        run = spec.loader.exec_module

        def exec_module(module) -> None:
            run(module)
            self.patch(module)

        spec.loader.exec_module = exec_module
        return spec


def _pause_before_send(marker: str) -> None:
    def patch(delivery) -> None:
        def send_webhook(*_args, **_kwargs) -> None:
            _hold(marker)

        delivery.send_webhook = send_webhook

    sys.meta_path.insert(0, _AfterImport("kondusif.alerts.delivery", patch))


_before_commit = os.environ.get("FAULT_PAUSE_BEFORE_COMMIT")
_after_store = os.environ.get("FAULT_SMS_PAUSE_AFTER_STORE")
if _before_commit or _after_store:
    _install_engine_points(_before_commit, _after_store)
if os.environ.get("FAULT_WORKER_PAUSE_BEFORE_SEND"):
    _pause_before_send(os.environ["FAULT_WORKER_PAUSE_BEFORE_SEND"])
if os.environ.get("FAULT_WORKER_GATE"):
    _worker_gate(os.environ["FAULT_WORKER_GATE"])
