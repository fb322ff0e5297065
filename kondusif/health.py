"""Health you can watch (issue 13): store size, free disk, last backup, WAL, intake, alert and worker figures.

`check()` gathers the figures from the store and the disk; `lines()` says them in
Indonesian for `python -m kondusif health` and the admin page. The free-disk
threshold (KONDUSIF_MIN_FREE_MB or `min_free_mb` in the config file, default
500 MB) is what the app warns below, before writes start failing.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import cast

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kondusif import store
from kondusif.config import settings
from kondusif.safe import clean_text
from kondusif.store import outbox
from kondusif.timeutil import format_wib, now


def min_free_bytes() -> int:
    """The free-space threshold in bytes."""
    return int(settings().min_free_mb) * 1024 * 1024


@dataclass(frozen=True)
class Health:
    backend: str
    store_bytes: int
    wal_bytes: int | None  # SQLite only
    disk_path: Path
    free_bytes: int
    total_bytes: int
    min_free_bytes: int
    last_backup_at: datetime | None
    last_backup_path: str | None
    reports_last_hour: int
    queue_length: int
    alerts_failing: int
    worker_seen_at: datetime | None = None  # issue 28: the last heartbeat of any `kondusif worker`
    events_waiting: int = 0  # outbox events not yet handled
    events_given_up: int = 0  # outbox events that failed every attempt
    imports_waiting: int = 0  # uploaded files waiting for a worker's check (none taken without a worker)
    imports_running: int = 0  # checks a worker runs now
    gammu_seen_at: datetime | None = None  # the modem reader's last good contact with Gammu's database
    gammu_error: str | None = None  # its last error, and when
    gammu_error_at: datetime | None = None

    @property
    def low_disk(self) -> bool:
        return self.free_bytes < self.min_free_bytes

    @property
    def worker_stale(self) -> bool:
        """No heartbeat for five poll intervals (at least a minute): alerts are not being delivered."""
        if self.worker_seen_at is None:
            return False
        return now() - self.worker_seen_at > timedelta(seconds=outbox.silent_seconds())

    @property
    def gammu_down(self) -> bool:
        """The modem reader failed since its last good contact, or has not been in contact for a while."""
        from kondusif.sms.gateways import READER_STALE

        if self.gammu_seen_at is None:
            return False
        failing = self.gammu_error_at is not None and self.gammu_error_at >= self.gammu_seen_at
        return failing or now() - self.gammu_seen_at > READER_STALE


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.1f} MB".replace(",", "_").replace(".", ",").replace("_", ".")


def disk_of(engine: Engine) -> Path:
    """The folder whose filesystem matters: the SQLite file's, else the data dir."""
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        return Path(engine.url.database).resolve().parent
    return settings().data_dir


def free_space(engine: Engine) -> tuple[int, int]:
    """(free bytes, total bytes) of the store's filesystem."""
    path = disk_of(engine)
    while not path.exists() and path != path.parent:
        path = path.parent
    usage = shutil.disk_usage(path)
    return usage.free, usage.total


def _last_backup_file() -> Path:
    return settings().data_dir / "cadangan" / "terakhir.json"


def record_backup(path: Path, size: int) -> None:
    """Remember when and where the last backup was written (shown by `health`); the store is not touched."""
    target = _last_backup_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    try:
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"at": now().isoformat(), "path": str(path), "bytes": size}, fh)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def _last_backup() -> dict | None:
    try:
        return json.loads(_last_backup_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def check(engine: Engine) -> Health:
    """All figures at once (a few cheap queries)."""
    wal: int | None = None
    if engine.dialect.name == "sqlite":
        db = Path(engine.url.database or "")
        size = sum(p.stat().st_size for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists())
        wal_path = Path(f"{db}-wal")
        wal = wal_path.stat().st_size if wal_path.exists() else 0
    else:
        with engine.connect() as conn:
            size = int(cast(int, conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar()))
    free, total = free_space(engine)
    last = _last_backup()
    since = now() - timedelta(hours=1)
    with engine.connect() as conn:
        recent = conn.execute(sa.select(sa.func.count()).select_from(store.incidents)
                              .where(store.incidents.c.reported_at >= since)).scalar()
        queue = conn.execute(sa.select(sa.func.count()).select_from(store.review_queue)
                             .where(store.review_queue.c.state == "antri")).scalar()
        failing = conn.execute(sa.select(sa.func.count()).select_from(store.alerts)
                               .where(store.alerts.c.delivery_state == "failed")).scalar()
        g = store.sms_gateways.c
        modem = conn.execute(sa.select(g.seen_at, g.last_error, g.last_error_at).where(g.channel.startswith("gammu"))
                             .order_by(g.seen_at.desc()).limit(1)).first()
    at = datetime.fromisoformat(last["at"]) if last and last.get("at") else None
    events = outbox.state(engine)
    return Health(engine.dialect.name, size, wal, disk_of(engine), free, total, min_free_bytes(), at,
                  last.get("path") if last else None, int(cast(int, recent)), int(cast(int, queue)),
                  int(cast(int, failing)), events.last_seen, events.waiting, events.given_up,
                  events.imports_waiting, events.imports_running, *(tuple(modem) if modem else ()))


def low_disk_warning(engine: Engine) -> str | None:
    """The warning the app shows when free space is under the threshold, else None."""
    free, _ = free_space(engine)
    limit = min_free_bytes()
    if free >= limit:
        return None
    return (f"Ruang disk server tinggal {_mb(free)} (batas peringatan {_mb(limit)}). Kosongkan ruang atau "
            "pindahkan cadangan lama sebelum penyimpanan laporan gagal.")


def lines(h: Health) -> list[str]:
    """The figures as Indonesian lines."""
    out = [
        f"Basis data       : {h.backend}, {_mb(h.store_bytes)}",
        f"Ruang disk bebas : {_mb(h.free_bytes)} dari {_mb(h.total_bytes)} ({h.disk_path})"
        + (f" — DI BAWAH BATAS {_mb(h.min_free_bytes)}" if h.low_disk else ""),
        "Berkas WAL       : " + (_mb(h.wal_bytes) if h.wal_bytes is not None else "tidak ada (PostgreSQL)"),
        "Cadangan terakhir: " + (f"{format_wib(h.last_backup_at)} ({h.last_backup_path})" if h.last_backup_at
                                 else "belum pernah dicatat"),
        f"Laporan 1 jam    : {h.reports_last_hour}",
        f"Antrean tinjauan : {h.queue_length} pesan menunggu",
        f"Peringatan gagal : {h.alerts_failing} pengiriman gagal",
        "Pekerja latar    : " + (f"terakhir terlihat {format_wib(h.worker_seen_at)}" if h.worker_seen_at
                                 else "belum pernah berjalan (`python -m kondusif worker`)")
        + (" — TIDAK BERJALAN?" if h.worker_stale else ""),
        f"Peristiwa        : {h.events_waiting} menunggu, {h.events_given_up} gagal terus (lihat log pekerja)",
        f"Pemeriksaan impor: {h.imports_waiting} berkas menunggu, {h.imports_running} sedang diperiksa"
        + (" — TIDAK ADA PEKERJA YANG MENGAMBILNYA?"
           if h.imports_waiting and (h.worker_stale or h.worker_seen_at is None) else ""),
    ]
    if h.gammu_seen_at is not None:  # a modem reader ran here (gammu.db_url)
        out.append(f"Gerbang SMS Gammu: kontak terakhir {format_wib(h.gammu_seen_at)}"
                   + (f", galat: {clean_text(h.gammu_error)} ({format_wib(h.gammu_error_at)})" if h.gammu_error else "")
                   + (" — TIDAK TERHUBUNG?" if h.gammu_down else ""))
    return out
