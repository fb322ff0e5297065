"""The audit log's one writer, in the caller's transaction; only write modules call it
(tests/test_store_boundary.py names them): a module records a change where it makes it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection

from kondusif.store.schema import audit_log
from kondusif.timeutil import now


def record(conn: Connection, actor: str, entity: str, entity_id: str | None, action: str, note: str | None = None,
           from_status: str | None = None, to_status: str | None = None, details: dict[str, Any] | None = None,
           ) -> None:
    """Append one audit row: who, what, from, to, note."""
    record_rows(conn, [{"actor": actor, "entity": entity, "entity_id": entity_id, "action": action, "note": note,
                        "from_status": from_status, "to_status": to_status, "details": details}])


def record_rows(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Append many audit rows (keys as `record`'s arguments) in one statement with one time stamp."""
    from kondusif.store.writes import executemany  # the bulk writer; writes.py imports this module

    keys, stamp = ("actor", "entity", "entity_id", "action", "note", "from_status", "to_status"), now()
    executemany(conn, audit_log, [{"at": stamp, **{k: r.get(k) for k in keys}, "details": json.dumps(
        r["details"], ensure_ascii=False, default=str) if r.get("details") else None} for r in rows])
