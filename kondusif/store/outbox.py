"""Typed events recorded inside the write that caused them, claimed and handled after it (issue 28).

A write that must be followed by more work (a Rawan re-check, an alert to deliver) records an
event with `record(conn, event)` in its own transaction: the event commits with the write or
rolls back with it, and it survives the process (unlike a callback held in memory). Handlers
live in kondusif/worker.py. Who handles what:

- every event (the Rawan re-check, alert delivery) is handled by `python -m kondusif worker`:
  an idle worker looks for open events every 0.2 s (`work_waiting`), so a re-check follows a
  write within a second; app processes and CLI writers only record (issue 28.6);
- anything left over is taken again: a killed worker's rows at once (its process is gone or its
  heartbeat silent, `_gone_holders`), a failed handler's after its backoff, anything else once its
  lease passed.

A claim is one conditional UPDATE: only rows not done, not given up, and not leased (or whose
lease expired) are taken, so two processes never hold the same event. A failed handler leaves
the row with its error and a retry time (backoff doubling per attempt); after `MAX_ATTEMPTS`
it is given up (kept, with its error, for the health page).

Import checks (schema 9, `import_jobs`) are queued the same way: the app records a job for a
folder it wrote under DATA_DIR/impor (`enqueue_import`), a worker leases it with one conditional
UPDATE (`claim_imports`; a job whose holder is gone -- its process ended, or no heartbeat for
`silent_seconds` -- is taken back at once, not after the lease), renews the lease while its child
runs, and records the end
(`finish_import`: ok, refused with the message, cancelled). The app only enqueues and reads.

Only this module touches the `outbox`, `import_jobs` and `workers` tables.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kondusif.config import settings
from kondusif.store.schema import import_jobs
from kondusif.store.schema import outbox as outbox_table
from kondusif.store.schema import workers as workers_table
from kondusif.timeutil import now

MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class ReportsChanged:
    """Reports in these kelurahan were stored or changed status: their level may have moved."""

    kelurahan: tuple[str, ...]
    KIND: ClassVar[str] = "reports_changed"


@dataclass(frozen=True)
class AlertsCreated:
    """New alerts waiting for delivery (webhook, e-mail)."""

    ids: tuple[int, ...]
    KIND: ClassVar[str] = "alerts_created"


Event = ReportsChanged | AlertsCreated
EVENT_TYPES: dict[str, type[ReportsChanged] | type[AlertsCreated]] = {
    cls.KIND: cls for cls in (ReportsChanged, AlertsCreated)}


@dataclass(frozen=True)
class Claimed:
    """One claimed event: its row id, the event, and which attempt this is (1 = first)."""

    id: int
    event: Event
    attempts: int


def record(conn: Connection, event: Event) -> int:
    """Record `event` in the caller's write transaction; returns its row id."""
    payload = json.dumps({k: list(v) for k, v in asdict(event).items()}, ensure_ascii=False)
    new_id = int(conn.execute(outbox_table.insert().values(kind=event.KIND, payload=payload, created_at=now(),
                                                           attempts=0).returning(outbox_table.c.id)).scalar_one())
    return new_id


def work_waiting(engine: Engine) -> bool:
    """Whether an event or an import job waits for a worker: indexed reads, cheap to poll while idle."""
    at = now()
    with engine.connect() as conn:
        if conn.execute(sa.select(outbox_table.c.id).where(_open(at)).limit(1)).first() is not None:
            return True
        return conn.execute(sa.select(import_jobs.c.id).where(_import_open(at)).limit(1)).first() is not None


def _open(at: datetime) -> Any:
    c = outbox_table.c
    return sa.and_(c.done_at.is_(None), c.attempts < MAX_ATTEMPTS,
                   sa.or_(c.claimed_until.is_(None), c.claimed_until < at))


def _lease(conn: Connection, table: sa.Table, open_: Any, worker_id: str, at: datetime, limit: int,
           *returning: Any) -> list[Any]:
    """The one lease of events and import jobs: up to `limit` open rows, oldest first, taken by one
    conditional UPDATE (a row another process leased meanwhile is not taken again); their `returning`
    columns in id order."""
    c = table.c
    wanted = [int(i) for i in conn.execute(sa.select(c.id).where(open_).order_by(c.id).limit(limit)).scalars()]
    if not wanted:
        return []
    rows = conn.execute(table.update().where(c.id.in_(wanted), open_)
                        .values(claimed_by=worker_id, claimed_until=at + timedelta(seconds=lease_seconds()),
                                attempts=c.attempts + 1)
                        .returning(*returning)).fetchall()
    return sorted(rows, key=lambda r: int(r.id))


def claim(engine: Engine, worker_id: str, limit: int = 100) -> list[Claimed]:
    """Lease up to `limit` open events to `worker_id`; oldest first.

    The lease lasts `worker.lease_seconds`; a worker killed while handling leaves the row for the next one,
    which takes it at once when that worker is gone (`_gone_holders`), else after the lease.
    """
    from kondusif.store.engine import write

    c = outbox_table.c
    at = now()
    with write(engine) as conn:
        open_ = _open(at)
        unfinished = sa.and_(c.done_at.is_(None), c.attempts < MAX_ATTEMPTS)
        gone = [h for h in _gone_holders(conn, outbox_table, unfinished, at) if h != worker_id]
        if gone:  # a worker killed while handling: its events now, not after its lease
            open_ = sa.or_(open_, sa.and_(unfinished, c.claimed_by.in_(gone)))
        rows = _lease(conn, outbox_table, open_, worker_id, at, limit, c.id, c.kind, c.payload, c.attempts)
    out = []
    for row in rows:
        cls = EVENT_TYPES[row.kind]
        fields = {k: tuple(v) for k, v in json.loads(row.payload).items()}
        out.append(Claimed(int(row.id), cls(**fields), int(row.attempts)))
    return out


def lease_seconds() -> float:
    return float(settings().worker.lease_seconds)


def finish(engine: Engine, worker_id: str, ids: Sequence[int]) -> None:
    """Mark claimed events done (only while this worker still holds them)."""
    from kondusif.store.engine import write

    c = outbox_table.c
    with write(engine) as conn:
        conn.execute(outbox_table.update().where(c.id.in_(list(ids)), c.claimed_by == worker_id, c.done_at.is_(None))
                     .values(done_at=now(), claimed_until=None, last_error=None))


def fail(engine: Engine, worker_id: str, claimed: Sequence[Claimed], error: str) -> None:
    """Keep the events open with `error`; each may be claimed again after its backoff."""
    from kondusif.store.engine import write

    c = outbox_table.c
    base = float(settings().worker.retry_seconds)
    with write(engine) as conn:
        for item in claimed:
            retry_at = now() + timedelta(seconds=base * 2 ** (item.attempts - 1))
            conn.execute(outbox_table.update().where(c.id == item.id, c.claimed_by == worker_id,
                                                     c.done_at.is_(None))
                         .values(claimed_until=retry_at, last_error=error[:2000]))


def heartbeat(engine: Engine, worker_id: str, started_at: datetime, handled: int) -> None:
    """The worker's sign of life, one row per worker (upsert)."""
    from kondusif.store.engine import write

    w = workers_table.c
    with write(engine) as conn:
        done = conn.execute(workers_table.update().where(w.worker_id == worker_id)
                            .values(seen_at=now(), handled=handled))
        if done.rowcount == 0:
            conn.execute(workers_table.insert().values(worker_id=worker_id, started_at=started_at, seen_at=now(),
                                                       handled=handled))


@dataclass(frozen=True)
class OutboxState:
    """What the health page shows: the last worker seen, events waiting and given up."""

    last_seen: datetime | None
    waiting: int
    given_up: int
    imports_waiting: int = 0  # import checks queued (or left by a dead worker), not held by a live lease
    imports_running: int = 0  # import checks a worker holds now


def state(engine: Engine) -> OutboxState:
    c, j = outbox_table.c, import_jobs.c
    at = now()
    with engine.connect() as conn:
        unfinished = conn.execute(sa.select(sa.func.count()).select_from(import_jobs)
                                  .where(j.finished_at.is_(None))).scalar()
        running = conn.execute(sa.select(sa.func.count()).select_from(import_jobs)
                               .where(j.finished_at.is_(None), j.claimed_until >= at)).scalar()
        seen = conn.execute(sa.select(sa.func.max(workers_table.c.seen_at))).scalar()
        waiting = conn.execute(sa.select(sa.func.count()).select_from(outbox_table)
                               .where(c.done_at.is_(None), c.attempts < MAX_ATTEMPTS)).scalar()
        given_up = conn.execute(sa.select(sa.func.count()).select_from(outbox_table)
                                .where(c.done_at.is_(None), c.attempts >= MAX_ATTEMPTS)).scalar()
    return OutboxState(seen, int(waiting or 0), int(given_up or 0),
                       int(unfinished or 0) - int(running or 0), int(running or 0))


# --------------------------------------------------------------------------- import checks (schema 9)

IMPORT_ATTEMPTS = 3  # a check whose worker died this often is refused, not tried forever


@dataclass(frozen=True)
class ImportClaim:
    """One import job a worker leased: its id, folder name, attempt (1 = first) and the cancel flag."""

    id: int
    folder: str
    attempts: int
    cancel_requested: bool


@dataclass(frozen=True)
class ImportState:
    """What the screen reads of its job: who holds it, and its end once there is one."""

    claimed: bool
    finished: bool
    outcome: str | None
    message: str | None


def enqueue_import(engine: Engine, folder: str, created_by: str) -> int:
    """Queue the check of the job folder `folder` (its name under DATA_DIR/impor); returns the job id."""
    from kondusif.store.engine import write

    with write(engine) as conn:
        return int(conn.execute(import_jobs.insert().values(
            folder=folder, created_by=created_by, created_at=now(), attempts=0, cancel_requested=False)
            .returning(import_jobs.c.id)).scalar_one())


def _import_open(at: datetime) -> Any:
    j = import_jobs.c
    return sa.and_(j.finished_at.is_(None), sa.or_(j.claimed_until.is_(None), j.claimed_until < at))


BEAT_GRACE_SECONDS = 10.0  # a live worker beats every 2 s (kondusif/worker.py); a holder whose process is gone
# counts as gone only once it has also been silent this long (a same-named host in another PID namespace)


def silent_seconds() -> float:
    """How long a worker may give no sign of life before it counts as gone (the health page's «TIDAK BERJALAN?»)."""
    return max(60.0, 5 * float(settings().worker.poll_seconds))


def _process_gone(holder: str) -> bool:
    """`holder` ("pekerja:HOST:PID", kondusif.worker.process_id) names a process of this machine that no longer runs."""
    import os
    import socket

    parts = holder.rsplit(":", 2)
    if len(parts) != 3 or parts[1] != socket.gethostname() or not parts[2].isdigit():
        return False
    try:
        os.kill(int(parts[2]), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, another user's: alive as far as we can tell
        return False
    try:  # a killed worker its parent has not reaped yet is a zombie: ended too
        with open(f"/proc/{int(parts[2])}/stat", encoding="utf-8") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _gone_holders(conn: Connection, table: sa.Table, unfinished: Any, at: datetime) -> list[str]:
    """Workers leasing an unfinished event or import job whose sign of life is gone: a process of this
    machine that no longer runs (a SIGKILLed worker) and beat no more for `BEAT_GRACE_SECONDS`, or a
    heartbeat (its own thread, kondusif/worker.py) silent for `silent_seconds`. Their rows are taken back at once instead of after the lease (up to
    `worker.lease_seconds`, 10 minutes)."""
    c, w = table.c, workers_table.c
    holders = [str(h) for h in conn.execute(sa.select(c.claimed_by).distinct().where(
        unfinished, c.claimed_by.is_not(None), c.claimed_until >= at)).scalars()]
    if not holders:
        return []
    seen = {str(r.worker_id): r.seen_at for r in conn.execute(sa.select(w.worker_id, w.seen_at)
                                                                 .where(w.worker_id.in_(holders)))}
    quiet, grace = at - timedelta(seconds=silent_seconds()), at - timedelta(seconds=BEAT_GRACE_SECONDS)

    def silent_since(h: str, since: datetime) -> bool:
        return seen.get(h) is not None and seen[h] < since

    return [h for h in holders if silent_since(h, quiet)
            or ((seen.get(h) is None or silent_since(h, grace)) and _process_gone(h))]


def claim_imports(engine: Engine, worker_id: str, limit: int) -> list[ImportClaim]:
    """Lease up to `limit` queued (or abandoned: lease passed, or its worker gone) import jobs to
    `worker_id`; oldest first."""
    from kondusif.store.engine import write

    j = import_jobs.c
    at = now()
    with write(engine) as conn:
        open_ = _import_open(at)
        gone = [h for h in _gone_holders(conn, import_jobs, j.finished_at.is_(None), at) if h != worker_id]
        if gone:
            open_ = sa.or_(open_, sa.and_(j.finished_at.is_(None), j.claimed_by.in_(gone)))
        rows = _lease(conn, import_jobs, open_, worker_id, at, limit,
                      j.id, j.folder, j.attempts, j.cancel_requested)
    return [ImportClaim(int(r.id), str(r.folder), int(r.attempts), bool(r.cancel_requested)) for r in rows]


def renew_imports(engine: Engine, worker_id: str, ids: Sequence[int]) -> None:
    """Extend the lease of the jobs this worker is running (a live worker's checks are not taken)."""
    from kondusif.store.engine import write

    j = import_jobs.c
    with write(engine) as conn:
        conn.execute(import_jobs.update().where(j.id.in_(list(ids)), j.claimed_by == worker_id,
                                                j.finished_at.is_(None))
                     .values(claimed_until=now() + timedelta(seconds=lease_seconds())))


def stop_requests(engine: Engine, worker_id: str, ids: Sequence[int]) -> tuple[set[int], set[int]]:
    """Of the jobs this worker runs: (the screen asked to cancel, no longer this worker's: another
    worker took it back while this one gave no sign of life, or it was ended elsewhere)."""
    j = import_jobs.c
    cancel: set[int] = set()
    lost = {int(i) for i in ids}
    with engine.connect() as conn:
        for row in conn.execute(sa.select(j.id, j.cancel_requested).where(
                j.id.in_(list(ids)), j.claimed_by == worker_id, j.finished_at.is_(None))):
            lost.discard(int(row.id))
            if row.cancel_requested:
                cancel.add(int(row.id))
    return cancel, lost


def finish_import(engine: Engine, worker_id: str, job_id: int, outcome: str, message: str | None = None) -> bool:
    """Record the end of a job this worker holds; False when it had ended already (recorded once)."""
    from kondusif.store.engine import write

    j = import_jobs.c
    with write(engine) as conn:
        done = conn.execute(import_jobs.update().where(j.id == job_id, j.claimed_by == worker_id,
                                                       j.finished_at.is_(None))
                            .values(finished_at=now(), claimed_until=None, outcome=outcome, message=message))
    return done.rowcount == 1


def release_imports(engine: Engine, worker_id: str, ids: Sequence[int]) -> None:
    """A stopping worker gives its unfinished jobs back at once (the next worker need not wait for the lease)."""
    from kondusif.store.engine import write

    j = import_jobs.c
    with write(engine) as conn:
        conn.execute(import_jobs.update().where(j.id.in_(list(ids)), j.claimed_by == worker_id,
                                                j.finished_at.is_(None))
                     .values(claimed_by=None, claimed_until=None, attempts=j.attempts - 1))


def cancel_import(engine: Engine, job_id: int, message: str) -> bool:
    """The screen cancels its job: flagged for the worker holding it, or ended here when none does.

    True when no worker is left to act on it (ended here, or it had ended): the caller removes
    the folder; False when a worker holds it: that worker kills the check and removes the folder.
    """
    from kondusif.store.engine import write

    j = import_jobs.c
    at = now()
    with write(engine) as conn:
        conn.execute(import_jobs.update().where(j.id == job_id, j.finished_at.is_(None))
                     .values(cancel_requested=True))
        conn.execute(import_jobs.update().where(j.id == job_id, _import_open(at))
                     .values(finished_at=at, claimed_until=None, outcome="cancelled", message=message))
        finished = conn.execute(sa.select(j.finished_at).where(j.id == job_id)).scalar()
    return finished is not None


def prune_imports(engine: Engine, finished_before: datetime) -> int:
    """Forget jobs that ended before `finished_before` (their screens have long read them); returns how many."""
    from kondusif.store.engine import write

    j = import_jobs.c
    with write(engine) as conn:
        return int(conn.execute(import_jobs.delete().where(j.finished_at < finished_before)).rowcount or 0)


def import_state(engine: Engine, job_id: int) -> ImportState:
    j = import_jobs.c
    with engine.connect() as conn:
        row = conn.execute(sa.select(j.claimed_until, j.finished_at, j.outcome, j.message)
                           .where(j.id == job_id)).first()
    if row is None:  # removed with its store (a restore): nothing will answer it
        return ImportState(False, True, "refused", None)
    claimed = row.claimed_until is not None and row.claimed_until >= now()
    return ImportState(claimed, row.finished_at is not None, row.outcome, row.message)


def last_seen(engine: Engine) -> datetime | None:
    """When any worker last gave a sign of life (None: never)."""
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.max(workers_table.c.seen_at))).scalar()
