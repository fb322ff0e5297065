"""The one worker (issue 28): outbox events handled by kind, and the election-day watches.

`python -m kondusif worker` runs `Worker.run`: it claims open events from the outbox
(kondusif/store/outbox.py) by conditional UPDATE, runs the handler of their kind with every
claimed event of that kind at once (one Rawan re-check for a burst of reports), and marks them
done; a handler that raises leaves its events open with the error, retried after a backoff,
while the other kinds go on. Every `worker.watch_seconds` it also runs the SMS-silence and
voting-day rounds checks (their alerts are deduplicated in the store, so two workers are harmless).

What runs where:
- the app process (and every CLI writer) only records events in its write's transaction;
- the worker: every event -- the Rawan re-check (an idle worker looks every 0.2 s, so the banner
  follows a write within a second), alert delivery (webhook/e-mail) -- the watches, and every
  event left open by a worker killed while handling or a failed handler, once its lease passed;
- the worker: import checks the app queued (kondusif/intake/worker.py `ImportRunner`), each in a
  child process with CPU, memory and row limits; the app only enqueues and reads their state;
- the worker, with ``gammu.db_url`` set: the modem's SMS (`Worker.sms`: Gammu's inbox read, replies
  and round reminders queued in Gammu's outbox, kondusif/sms/gammu.py); two workers never store an
  SMS or send a receipt or reminder twice.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kondusif.config import settings
from kondusif.errors import KondusifError
from kondusif.store import outbox
from kondusif.store.outbox import AlertsCreated, Claimed, ReportsChanged
from kondusif.timeutil import now

log = logging.getLogger(__name__)

BATCH = 200
CHECK_POLL_SECONDS = 0.2  # while import checks run: how soon an end or a cancel is seen
HEARTBEAT_SECONDS = 2.0  # at most this long between signs of life while busy
SMS_POLL_SECONDS = 1.0  # at most this long between two looks at Gammu's inbox
REMIND_SECONDS = 30.0  # how often the modem's round looks for silent RT to remind (rounds.sms_reminder)
Sleep = Callable[[float], object]


def _reports_changed(engine: Engine, claimed: Sequence[Claimed], sleep: Sleep) -> None:
    """Re-check Rawan for every kelurahan the claimed events name, in one check."""
    from kondusif import alerts

    codes = sorted({k for c in claimed if isinstance(c.event, ReportsChanged) for k in c.event.kelurahan})
    if codes:
        alerts.check_levels(engine, kelurahan=codes)


def _alerts_created(engine: Engine, claimed: Sequence[Claimed], sleep: Sleep) -> None:
    """Deliver the new alerts; a retry also takes the alerts a killed worker left 'sending'."""
    from kondusif import alerts

    for retry in (False, True):
        ids = sorted({i for c in claimed if isinstance(c.event, AlertsCreated) and (c.attempts > 1) == retry
                      for i in c.event.ids})
        if ids:
            alerts.deliver_ids(engine, ids, retry=retry, sleep=sleep)


HANDLERS: dict[str, Callable[[Engine, Sequence[Claimed], Sleep], None]] = {
    ReportsChanged.KIND: _reports_changed,
    AlertsCreated.KIND: _alerts_created,
}


def handle(engine: Engine, worker_id: str, claimed: Sequence[Claimed], sleep: Sleep = time.sleep) -> int:
    """Run the handler of each kind on its claimed events; returns how many were done."""
    done = 0
    for kind in sorted({c.event.KIND for c in claimed}):
        batch = [c for c in claimed if c.event.KIND == kind]
        try:
            HANDLERS[kind](engine, batch, sleep)
        except Exception as exc:  # noqa: BLE001 - recorded on the events, retried later; other kinds go on
            log.exception("Peristiwa %s %s gagal ditangani", kind, [c.id for c in batch])
            outbox.fail(engine, worker_id, batch, f"{type(exc).__name__}: {exc}")
            continue
        outbox.finish(engine, worker_id, [c.id for c in batch])
        done += len(batch)
    return done


def process_id(prefix: str) -> str:
    return f"{prefix}:{socket.gethostname()}:{os.getpid()}"


class Worker:
    """One worker process's loop: claim, handle, heartbeat, watch; `stop()` ends it after the current event."""

    def __init__(self, engine: Engine, worker_id: str | None = None):
        self.engine = engine
        self.worker_id = worker_id or process_id("pekerja")
        self.started_at: datetime = now()
        self.handled = 0
        self._stop = threading.Event()
        from kondusif.intake.worker import ImportRunner
        from kondusif.sms import gammu

        self.imports = ImportRunner(engine, self.worker_id)
        self.gammu = gammu.from_settings(engine)  # None: no modem
        self._sms_next = self._sms_pause = self._remind_next = 0.0

    def stop(self) -> None:
        self._stop.set()

    def run_once(self) -> int:
        """Claim and handle one batch of open events; returns how many were done."""
        claimed = outbox.claim(self.engine, self.worker_id, limit=BATCH)
        done = handle(self.engine, self.worker_id, claimed, sleep=self._stop.wait) if claimed else 0
        self.handled += done
        return done

    def sms(self, at: datetime | None = None) -> int:
        """The modem's round: read Gammu's inbox, beat, and with ``rounds.sms_reminder`` queue the due
        reminders every 30 s (as of `at`, default now); returns how many SMS were handled. A failure
        (Gammu's database down) is recorded on the gateway state and retried after a growing pause
        (at most 30 s) without holding up the other kinds."""
        gw, clock = self.gammu, time.monotonic()
        if gw is None or clock < self._sms_next:
            return 0
        try:
            n = gw.poll()
            gw.heartbeat(force=n > 0)
            if settings().rounds.sms_reminder and clock >= self._remind_next:
                gw.remind(at)
                self._remind_next = clock + REMIND_SECONDS
        except Exception as exc:  # noqa: BLE001 - the other kinds go on; retried after the pause
            down = isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError | KondusifError)
            if not down:
                log.exception("Putaran SMS Gammu gagal")
            gw.note_error(f"{'Basis data tidak terjangkau' if down else 'Putaran SMS Gammu gagal'}: "
                          f"{type(exc).__name__}")
            self._sms_pause = min(max(self._sms_pause * 2, 1.0), 30.0)
            self._sms_next = time.monotonic() + self._sms_pause
            return 0
        self._sms_pause = 0.0
        return n

    def run_until_idle(self) -> tuple[int, int, int]:
        """`worker --sekali`: handle every waiting event and SMS and run every queued import check to its
        end, then return (events done, checks ended, SMS handled). Checks held by another live worker are
        left to it."""
        events = checks = texts = 0
        try:
            with self._beating():
                while not self._stop.is_set():
                    read = self.sms()
                    done = self.run_once()
                    ended = self.imports.step()
                    events, checks, texts = events + done, checks + ended, texts + read
                    if not (read or done or ended or self.imports.running):
                        break
                    if not (read or done or ended):
                        self._stop.wait(CHECK_POLL_SECONDS)
        finally:
            self.imports.stop()
        return events, checks, texts

    def watch(self) -> None:
        """The SMS-silence and voting-day rounds checks (each deduplicated by its alert key)."""
        from kondusif.rounds import check_rounds
        from kondusif.sms.gateways import check_silence

        for name, check in (("gerbang SMS senyap", check_silence), ("putaran laporan aman", check_rounds)):
            try:
                made = check(self.engine)
                if made:
                    log.warning("Peringatan baru dari pemeriksaan %s", name)
            except Exception:  # noqa: BLE001 - keep watching
                log.exception("Pemeriksaan %s gagal", name)

    def _idle(self, seconds: float) -> None:
        """Wait for the next round; sooner while checks run or an event or a check waits (a write, an upload)."""
        end = time.monotonic() + seconds
        while not self._stop.wait(max(0.0, min(end - time.monotonic(), CHECK_POLL_SECONDS))):
            if time.monotonic() >= end or self.imports.running:
                return
            try:
                if outbox.work_waiting(self.engine):
                    return
            except Exception:  # noqa: BLE001 - keep waiting; the next round reports a database outage
                continue

    @contextmanager
    def _beating(self) -> Iterator[None]:
        """The heartbeat and the import leases, on a thread of their own while the block runs: a round
        held up by a slow alert delivery (a webhook down: minutes of timeouts and backoff) must not
        make this live worker look gone, or let its import checks' leases run out, so another worker
        took them."""
        every = min(float(settings().worker.poll_seconds), HEARTBEAT_SECONDS)
        done = threading.Event()

        def beat() -> None:
            while True:
                try:
                    outbox.heartbeat(self.engine, self.worker_id, self.started_at, self.handled)
                    self.imports.renew()
                except Exception:  # noqa: BLE001 - a database outage: the next beat tries again
                    log.exception("Tanda hidup pekerja latar tidak tersimpan")
                if done.wait(every):
                    return

        thread = threading.Thread(target=beat, name="detak-pekerja", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join(timeout=30)

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """The modem's rounds on a thread of their own while the block runs: an alert delivery held up
        by a webhook that is down (minutes of timeouts and backoff) must not leave the RT's SMS unread.
        After a round that handled messages the next starts at once, so a burst drains."""
        if self.gammu is None:
            yield
            return
        every = min(float(settings().worker.poll_seconds), SMS_POLL_SECONDS)

        def read() -> None:
            while not self._stop.is_set():
                if not self.sms():
                    self._stop.wait(every)

        thread = threading.Thread(target=read, name="sms-gammu", daemon=True)
        thread.start()
        try:
            yield
        finally:
            self._stop.set()
            thread.join(timeout=120)  # the batch under way is finished (each SMS is stored once anyway)

    def run(self) -> None:
        """Until `stop()`: heartbeat and the modem's SMS (threads of their own), watches, events, import
        checks; running checks are looked at often."""
        cfg = settings().worker
        next_watch = 0.0
        try:
            with self._beating(), self._reading():
                while not self._stop.is_set():
                    done = 0
                    try:
                        if time.monotonic() >= next_watch:
                            self.watch()
                            next_watch = time.monotonic() + float(cfg.watch_seconds)
                        done = self.run_once() + self.imports.step()
                    except Exception:  # noqa: BLE001 - a database outage must not end the worker
                        log.exception("Putaran pekerja latar gagal; dicoba lagi")
                    if not done:
                        self._idle(float(cfg.poll_seconds))
        finally:
            try:
                self.imports.stop()
            except Exception:  # noqa: BLE001 - the checks are killed; their jobs come back after the lease
                log.exception("Pemeriksaan impor tidak dapat dikembalikan ke antrean")
