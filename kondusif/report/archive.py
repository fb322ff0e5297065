"""The snapshot archive: every generated weekly PDF, filed as a new version, never overwritten.

A row holds the PDF bytes, their sha256, the ISO week, the generation
parameters (JSON), who generated it and when. Reading a snapshot back checks
the sha256, so a download is the exact document that was filed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from kondusif import store
from kondusif.report.week import IsoWeek, parse_week

snapshots = store.snapshots


class SnapshotNotFound(LookupError):
    """No archived snapshot for that week/version; the message is for the user."""


class SnapshotCorrupt(RuntimeError):
    """The stored bytes no longer match their recorded sha256."""


class VersionTaken(RuntimeError):
    """Another generation filed this week's version first; build again with the next one."""


@dataclass(frozen=True)
class SnapshotInfo:
    id: int
    week: str
    version: int
    created_at: datetime
    created_by: str
    sha256: str
    size: int
    params: dict[str, Any]

    @property
    def filename(self) -> str:
        return snapshot_filename(self.week, self.version)


def snapshot_filename(week: str, version: int) -> str:
    return f"laporan-mingguan-{week}-v{version}.pdf"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def params_json(params: dict[str, Any]) -> str:
    """Canonical JSON (sorted keys) so equal parameters are equal text."""
    return json.dumps(params, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def next_version(engine: Engine, week: IsoWeek | str) -> int:
    key = parse_week(week).key
    with engine.connect() as conn:
        current = conn.execute(
            sa.select(sa.func.max(snapshots.c.version)).where(snapshots.c.week == key)
        ).scalar()
    return int(current or 0) + 1


def save_snapshot(
    engine: Engine,
    week: IsoWeek | str,
    pdf: bytes,
    params: dict[str, Any],
    actor: str,
    created_at: datetime,
    version: int | None = None,
) -> SnapshotInfo:
    """File `pdf` as a new version of `week` (one transaction, audited).

    With `version` given (the number printed inside the PDF), raises VersionTaken
    when that number is no longer the next one, so the caller can rebuild.
    """
    key = parse_week(week).key
    digest = sha256_hex(pdf)
    try:
        with store.write(engine) as conn:
            current = conn.execute(
                sa.select(sa.func.max(snapshots.c.version)).where(snapshots.c.week == key)
            ).scalar()
            expected = int(current or 0) + 1
            if version is not None and version != expected:
                raise VersionTaken(f"Versi {version} minggu {key} sudah dipakai; versi berikutnya {expected}.")
            new_id = conn.execute(
                snapshots.insert()
                .values(week=key, version=expected, created_at=created_at, created_by=actor,
                        params=params_json(params), sha256=digest, pdf=pdf)
                .returning(snapshots.c.id)
            ).scalar_one()
            store.audit.record(
                conn, actor, "snapshot", f"{key}/v{expected}", "generate",
                note=f"Laporan mingguan {key} versi {expected} dibuat ({len(pdf):,} byte)".replace(",", "."),
                details={"sha256": digest, "week": key, "version": expected},
            )
    except IntegrityError as exc:  # a concurrent writer took the same (week, version)
        raise VersionTaken(f"Versi minggu {key} baru saja dipakai pembuatan lain.") from exc
    return SnapshotInfo(int(new_id), key, expected, created_at, actor, digest, len(pdf), params)


def _info(row) -> SnapshotInfo:
    return SnapshotInfo(
        id=int(row.id), week=row.week, version=int(row.version), created_at=row.created_at,
        created_by=row.created_by, sha256=row.sha256, size=int(row.size or 0),
        params=json.loads(row.params) if row.params else {},
    )


def _info_columns() -> list:
    c = snapshots.c
    return [c.id, c.week, c.version, c.created_at, c.created_by, c.sha256, c.params,
            sa.func.length(c.pdf).label("size")]


def list_snapshots(engine: Engine, week: IsoWeek | str | None = None) -> list[SnapshotInfo]:
    """Archived snapshots (without their bytes), newest week and version first."""
    stmt = sa.select(*_info_columns())
    if week is not None:
        stmt = stmt.where(snapshots.c.week == parse_week(week).key)
    stmt = stmt.order_by(snapshots.c.week.desc(), snapshots.c.version.desc())
    with engine.connect() as conn:
        return [_info(r) for r in conn.execute(stmt)]


def load_snapshot(engine: Engine, week: IsoWeek | str, version: int | None = None) -> tuple[SnapshotInfo, bytes]:
    """One archived snapshot and its exact bytes (latest version unless `version`)."""
    key = parse_week(week).key
    stmt = sa.select(*_info_columns(), snapshots.c.pdf).where(snapshots.c.week == key)
    if version is not None:
        stmt = stmt.where(snapshots.c.version == int(version))
    stmt = stmt.order_by(snapshots.c.version.desc()).limit(1)
    with engine.connect() as conn:
        row = conn.execute(stmt).first()
    if row is None:
        which = f"versi {version} " if version is not None else ""
        raise SnapshotNotFound(f"Arsip laporan mingguan {which}untuk minggu {key} tidak ada.")
    data = bytes(row.pdf)
    info = _info(row)
    if sha256_hex(data) != info.sha256:
        raise SnapshotCorrupt(
            f"Isi arsip {key} versi {info.version} tidak cocok dengan sidik SHA-256 yang tercatat."
        )
    return info, data
