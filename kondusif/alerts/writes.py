"""The alerts' write module: every change to `alerts`, `alert_acks` and `alert_level_state`.

Each function is one change inside the caller's transaction; `checks` (and rounds, SMS
silence) decide when an alert is raised, `delivery` when it is sent, `inbox` who read it.
Alerts carry no audit row: the alert row itself is the record of the event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from kondusif.alerts.common import FAILED, PENDING, SENDING
from kondusif.store import outbox
from kondusif.store.schema import alert_acks, alert_level_state, alerts
from kondusif.store.writes import insert_on_conflict


def create_alerts(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert alert rows, skipping events already alerted (dedupe_key); returns those created.

    The one way to raise an alert of any kind (berat, rawan, cakupan, sms_senyap); their
    delivery is recorded in the same transaction (an outbox event for the worker).
    """
    created = []
    for row in rows:
        stmt = insert_on_conflict(conn, alerts).values(**row).on_conflict_do_nothing(index_elements=["dedupe_key"])
        new_id = conn.execute(stmt.returning(alerts.c.id)).scalar()
        if new_id is not None:
            created.append({**row, "id": int(new_id)})
    announce(conn, created)
    return created


def announce(conn: Connection, created: Sequence[dict[str, Any]]) -> None:
    """Inside the write that created alerts: record their delivery (an outbox event) when it is pending."""
    ids = tuple(int(r["id"]) for r in created if r.get("delivery_state") == PENDING)
    if ids:
        outbox.record(conn, outbox.AlertsCreated(ids))


def record_levels(conn: Connection, rows: Iterable[dict[str, Any]]) -> None:
    """The level last seen per kelurahan (kode_kelurahan, level, since, checked_at), one upsert each."""
    for values in rows:
        stmt = insert_on_conflict(conn, alert_level_state).values(**values)
        conn.execute(stmt.on_conflict_do_update(
            index_elements=["kode_kelurahan"],
            set_={"level": stmt.excluded.level, "since": stmt.excluded.since, "checked_at": stmt.excluded.checked_at},
        ))


def acknowledge_alerts(conn: Connection, alert_ids: Iterable[int], username: str, at: datetime) -> None:
    """`username` read these alerts; acknowledging twice is harmless."""
    for alert_id in alert_ids:
        conn.execute(insert_on_conflict(conn, alert_acks).values(alert_id=alert_id, username=username, at=at)
                     .on_conflict_do_nothing(index_elements=["alert_id", "username"]))


def take_for_delivery(conn: Connection, alert_id: int, retry: bool = False) -> bool:
    """Mark a pending alert 'sending' (one conditional UPDATE); False when another sender got it first.

    `retry`: also an alert left 'sending' by a worker killed mid-delivery (its outbox event's
    lease passed, so no live worker holds it).
    """
    states = [PENDING, SENDING] if retry else [PENDING]
    return conn.execute(alerts.update().where(alerts.c.id == alert_id, alerts.c.delivery_state.in_(states))
                        .values(delivery_state=SENDING)).rowcount == 1


def count_delivery_attempt(conn: Connection, alert_id: int, error: str | None) -> None:
    """One more attempt on one channel, with its error (None: it went through)."""
    conn.execute(alerts.update().where(alerts.c.id == alert_id).values(
        delivery_attempts=alerts.c.delivery_attempts + 1, delivery_error=error))


def finish_delivery(conn: Connection, alert_id: int, state: str, error: str | None) -> None:
    """The alert's final delivery state (sent or failed) and the errors that made it fail."""
    conn.execute(alerts.update().where(alerts.c.id == alert_id).values(delivery_state=state, delivery_error=error))


def requeue_undelivered(conn: Connection) -> None:
    """Failed alerts, and those left 'sending', become pending again (`alerts deliver --ulang-gagal`)."""
    conn.execute(alerts.update().where(alerts.c.delivery_state.in_([FAILED, SENDING]))
                 .values(delivery_state=PENDING))
