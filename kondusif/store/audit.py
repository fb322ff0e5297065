"""The audit log's one writer: who, when, what, from, to, note, in the caller's transaction.

Only the write modules (tests/test_store_boundary.py names them) call it: a module that
changes a table records the change where it makes it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection

from kondusif.store.schema import audit_log
from kondusif.timeutil import now

KEYS = ("actor", "entity", "entity_id", "action", "note", "from_status", "to_status")


def record(
    conn: Connection,
    actor: str,
    entity: str,
    entity_id: str | None,
    action: str,
    note: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one audit row."""
    record_rows(conn, [{"actor": actor, "entity": entity, "entity_id": entity_id, "action": action, "note": note,
                        "from_status": from_status, "to_status": to_status, "details": details}])


def record_rows(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Append many audit rows (keys as `record`'s arguments) in one statement, one time stamp."""
    from kondusif.store.writes import (
        executemany,  # the bulk writer (100,000 imported rows); imports this module
    )

    stamp = now()
    executemany(conn, audit_log, [
        {"at": stamp, **{k: r.get(k) for k in KEYS},
         "details": json.dumps(r["details"], ensure_ascii=False, default=str) if r.get("details") else None}
        for r in rows
    ])
