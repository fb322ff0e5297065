"""The store: SQLAlchemy Core schema and the queries pages share.

SQLite (WAL, busy_timeout, foreign keys) by default, PostgreSQL by URL through
the same code. Every write goes through `write()`, one transaction that either
commits whole or leaves nothing behind. Queries take a `Viewer` and apply its
scope in SQL; private columns are not even selected for roles that may not see them.

A package split by concept, re-exported here so callers keep writing
`store.incidents`, `store.write(...)`, `store.query_incidents(...)`:

- `schema`: the tables and SCHEMA_VERSION;
- `engine`: engines, `write()`, schema creation and upgrades;
- `outbox`: typed events a write records, handled after commit (kondusif/worker.py);
- `writes`: the incidents' write module (filing, transitions, simulated load), bulk inserts;
- `audit`: the audit log's one writer, `store.audit.record` (called by write modules only);
- `queries`: incident reads, each scoped by a `Viewer`;
- `stored_settings`: settings changed in the app (`settings_kv`).

Submodule names differ from every re-exported name (`store.incidents` is the table), but
`store.audit`, which is the audit submodule itself.
"""

from __future__ import annotations

from kondusif.store import audit
from kondusif.store.engine import (
    GENERATION_KEY,
    build_reference_schema,
    busy_timeout_ms,
    dispose_engines,
    get_engine,
    init_db,
    make_engine,
    new_generation,
    schema_version,
    write,
)
from kondusif.store.queries import (
    IncidentQuery,
    audit_for,
    count_incidents,
    counts_by,
    get_incident,
    has_simulated,
    incidents_select,
    query_incidents,
    scope_clause,
    visible_columns,
    where_clauses,
    wib_day_expr,
)
from kondusif.store.schema import (
    SCHEMA_VERSION,
    UTCDateTime,
    alert_acks,
    alert_level_state,
    alerts,
    attachments,
    audit_log,
    checkins,
    counters,
    import_mappings,
    incidents,
    login_failures,
    meta,
    metadata,
    review_queue,
    rt_units,
    settings_kv,
    sms_gateways,
    sms_messages,
    sms_reminders,
    sms_senders,
    smssync_devices,
    smssync_outbox,
    smssync_phones,
    smssync_rate,
    snapshots,
    users,
)
from kondusif.store.stored_settings import (
    get_setting,
    set_setting,
)
from kondusif.store.writes import (
    BULK_CACHE_KIB,
    bulk_insert,
    executemany,
    format_report_no,
    incident_row,
    insert_incidents,
    insert_on_conflict,
    load_simulated,
    reserve_numbers,
    secondary_indexes_deferred,
    update_incident,
)

__all__ = [
    "GENERATION_KEY",
    "new_generation",
    "audit",
    "alert_acks",
    "alert_level_state",
    "alerts",
    "attachments",
    "audit_for",
    "audit_log",
    "checkins",
    "BULK_CACHE_KIB",
    "bulk_insert",
    "busy_timeout_ms",
    "count_incidents",
    "counters",
    "counts_by",
    "dispose_engines",
    "executemany",
    "format_report_no",
    "get_engine",
    "get_incident",
    "get_setting",
    "has_simulated",
    "import_mappings",
    "incident_row",
    "IncidentQuery",
    "incidents",
    "incidents_select",
    "build_reference_schema",
    "init_db",
    "insert_incidents",
    "insert_on_conflict",
    "load_simulated",
    "login_failures",
    "make_engine",
    "meta",
    "metadata",
    "query_incidents",
    "reserve_numbers",
    "review_queue",
    "rt_units",
    "SCHEMA_VERSION",
    "schema_version",
    "scope_clause",
    "secondary_indexes_deferred",
    "set_setting",
    "settings_kv",
    "sms_gateways",
    "sms_messages",
    "sms_reminders",
    "sms_senders",
    "smssync_devices",
    "smssync_outbox",
    "smssync_phones",
    "smssync_rate",
    "snapshots",
    "users",
    "update_incident",
    "UTCDateTime",
    "visible_columns",
    "where_clauses",
    "wib_day_expr",
    "write",
]
