"""Alerts: a berat report arrived or a kelurahan turned Rawan.

An alert is one row of `alerts`, created once per event (`dedupe_key` is
unique: ``berat:<incident id>``, ``rawan:<kelurahan>:<WIB date>``). Every
`panwaslu` and `pejabat` user in scope sees it as a banner on every page until
they acknowledge it (an `alert_acks` row); a panwaslu scoped to a kecamatan sees
only that kecamatan's alerts.

When do checks run?

- `check_new_incidents(conn_or_engine, rows)`: on every path that inserts
  incidents, right after `store.insert_incidents` in the same transaction
  (pass the connection) so the alert lands with the report or not at all.
  It also re-checks the levels of the kelurahan the new rows fall in.
- `check_levels(conn_or_engine)`: for a `ReportsChanged` outbox event (a report
  stored or its status changed; kondusif/worker.py), and from
  `python -m kondusif alerts check` (cron).

Both alert only on what is current: a berat report counts when it occurred
within the level window (default 14 days) before the check, so importing last
season's archive or seeding simulated data raises no flood of alerts.

Optional delivery: with `webhook_url` and/or `alert_email` (+ an SMTP host in
``[alerts]`` of kondusif.toml) configured, new alerts start as ``pending``, their
write records an outbox event, and the worker (`python -m kondusif worker`, or
`python -m kondusif alerts deliver` by hand) sends them,
retrying with backoff and logging every failure in `delivery_attempts` /
`delivery_error`. Delivery never raises into the caller and never blocks a page.

A package split by concept, re-exported here so callers keep writing
`alerts.check_new_incidents(...)`, `alerts.visible_alerts(...)`:
`checks` (what raises an alert), `inbox` (who sees it, acknowledging),
`delivery` (webhook/e-mail), `writes` (every change to the alert tables: the
one write module) and `common` (kinds, states, helpers).
"""

from __future__ import annotations

from kondusif.alerts.checks import (
    berat_message,
    check_levels,
    check_new_incidents,
    rawan_message,
    recent_kelurahan,
)
from kondusif.alerts.common import (
    COUNTED_OUT,
    FAILED,
    KIND_BERAT,
    KIND_LABELS,
    KIND_RAWAN,
    NONE,
    PENDING,
    SENDING,
    SENT,
)
from kondusif.alerts.delivery import (
    DeliveryConfig,
    deliver_alert,
    deliver_ids,
    deliver_pending,
    delivery_config,
    payload,
    send_email,
    send_webhook,
)
from kondusif.alerts.inbox import (
    acknowledge,
    count_unacknowledged,
    list_alerts,
    sees_alerts,
    visible_alerts,
)
from kondusif.alerts.writes import announce, create_alerts

__all__ = [
    "acknowledge",
    "announce",
    "berat_message",
    "check_levels",
    "check_new_incidents",
    "create_alerts",
    "count_unacknowledged",
    "COUNTED_OUT",
    "deliver_alert",
    "deliver_ids",
    "deliver_pending",
    "delivery_config",
    "DeliveryConfig",
    "FAILED",
    "KIND_BERAT",
    "KIND_LABELS",
    "KIND_RAWAN",
    "list_alerts",
    "NONE",
    "payload",
    "PENDING",
    "rawan_message",
    "recent_kelurahan",
    "sees_alerts",
    "send_email",
    "send_webhook",
    "SENDING",
    "SENT",
    "visible_alerts",
]
