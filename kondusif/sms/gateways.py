"""Gateway heartbeats: when each SMS gateway last ran, its replies waiting, its last error.

Stored in the `sms_gateways` table (not in one process's memory) so the admin
page of any app process can show the state of a reader running elsewhere.
`channel` names the gateway ("gammu"; an SMSsync phone may use "smssync:<device_id>").
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from kondusif import store
from kondusif.timeutil import now


def record_state(engine: Engine, channel: str, outbox_waiting: int | None, error: str | None = None) -> None:
    """Upsert a gateway's heartbeat (and last error) for the admin page. System job: no viewer."""
    t = store.sms_gateways
    stamp = now()
    values: dict[str, Any] = {"seen_at": stamp}
    if outbox_waiting is not None:
        values["outbox_waiting"] = outbox_waiting
    if error is not None:
        values.update(last_error=error, last_error_at=stamp)
    with store.write(engine) as conn:
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        stmt = dialect_insert(t).values(channel=channel, **values)  # one statement: two processes never collide
        conn.execute(stmt.on_conflict_do_update(index_elements=[t.c.channel], set_=values))


__all__ = ["record_state"]
