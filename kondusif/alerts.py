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
- `check_levels(conn_or_engine)`: after a workbench status change (the
  workflow calls it), and from `python -m kondusif alerts check` (cron).

Both alert only on what is current: a berat report counts when it occurred
within the level window (default 14 days) before the check, so importing last
season's archive or seeding simulated data raises no flood of alerts.

Optional delivery: with `webhook_url` and/or `alert_email` (+ an SMTP host in
``[alerts]`` of kondusif.toml) configured, new alerts start as ``pending`` and
a background worker thread (or `python -m kondusif alerts deliver`) sends them,
retrying with backoff and logging every failure in `delivery_attempts` /
`delivery_error`. Delivery never raises into the caller and never blocks a page.
"""

from __future__ import annotations

import json
import logging
import smtplib
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from kondusif import access, store
from kondusif.config import Settings, setting, settings
from kondusif.model import Category, Viewer
from kondusif.status import Level, compute_levels, window_start
from kondusif.timeutil import as_utc, format_wib, now, to_wib
from lubuklinggau_geo import gazetteer

log = logging.getLogger(__name__)

KIND_BERAT = "berat"
KIND_RAWAN = "rawan"
KIND_LABELS = {KIND_BERAT: "Laporan berat", KIND_RAWAN: "Kelurahan rawan",
               "sms_senyap": "Gerbang SMS senyap"}  # issue 15: kondusif/sms/gateways.py
COUNTED_OUT = ("ditolak", "duplikat")

# delivery_state values
NONE, PENDING, SENDING, SENT, FAILED = "none", "pending", "sending", "sent", "failed"


# --------------------------------------------------------------------------- helpers


@contextmanager
def _in_transaction(conn_or_engine: Connection | Engine) -> Iterator[Connection]:
    """Use the caller's connection (its transaction) or open one write transaction."""
    if isinstance(conn_or_engine, Engine):
        with store.write(conn_or_engine) as conn:
            yield conn
    else:
        yield conn_or_engine


def _insert(conn: Connection, table: sa.Table):
    """INSERT that can say ON CONFLICT, on SQLite and PostgreSQL alike."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _kel_name(kode: str | None) -> str:
    try:
        return gazetteer.kelurahan_name(kode) if kode else "-"
    except KeyError:
        return str(kode)


def _kec_name(kode: str | None) -> str:
    try:
        return gazetteer.kecamatan_name(kode) if kode else "-"
    except KeyError:
        return str(kode)


def _initial_state(cfg: DeliveryConfig | None = None) -> str:
    return PENDING if (cfg or delivery_config()).enabled else NONE


def _create(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert alert rows, skipping events already alerted (dedupe_key); returns those created."""
    created = []
    for row in rows:
        stmt = _insert(conn, store.alerts).values(**row).on_conflict_do_nothing(index_elements=["dedupe_key"])
        result = conn.execute(stmt.returning(store.alerts.c.id))
        new_id = result.scalar()
        if new_id is not None:
            created.append({**row, "id": int(new_id)})
    return created


def _as_records(incident_rows: Sequence[dict[str, Any]] | pd.DataFrame) -> list[dict[str, Any]]:
    if isinstance(incident_rows, pd.DataFrame):
        return incident_rows.to_dict("records")
    return [dict(r) for r in incident_rows]


def _ts(value: Any) -> datetime | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else as_utc(value.to_pydatetime())
    return as_utc(value)


# --------------------------------------------------------------------------- checks


def berat_message(row: dict[str, Any]) -> str:
    """The banner text of a berat report (no reporter identity, no free text)."""
    try:
        cat = Category(row["category"]).label
    except (KeyError, ValueError):
        cat = str(row.get("category", ""))
    rt = f"RT {int(row['rt']):02d}, " if row.get("rt") is not None and row.get("rt") == row.get("rt") else ""
    sim = "[SIMULASI] " if row.get("source") == "simulasi" else ""
    return (
        f"{sim}Laporan BERAT {row.get('report_no', '')}: {cat} di {rt}Kel. {_kel_name(row['kode_kelurahan'])} "
        f"(Kec. {_kec_name(row['kode_kelurahan'][:8])}), {format_wib(_ts(row['occurred_at']))}."
    )


def check_new_incidents(
    conn_or_engine: Connection | Engine,
    incident_rows: Sequence[dict[str, Any]] | pd.DataFrame,
    as_of: datetime | None = None,
    levels: bool = True,
) -> list[dict[str, Any]]:
    """Create an alert for each new berat report (once per report); returns the alerts created.

    Call it on every insert path right after `store.insert_incidents`, with the
    same connection. Rows need id, report_no, kode_kelurahan, rt, category,
    severity, status, occurred_at (the dicts insert_incidents returns will do).
    With `levels`, the kelurahan of the new rows are re-checked for Rawan too.
    """
    as_of = as_utc(as_of) if as_of is not None else now()
    records = _as_records(incident_rows)
    if not records:
        return []
    earliest = window_start(as_of)
    stamp = now()
    state = _initial_state()
    new_alerts = []
    for row in records:
        occurred = _ts(row.get("occurred_at"))
        if str(row.get("severity")) != KIND_BERAT or str(row.get("status")) in COUNTED_OUT:
            continue
        if occurred is None or occurred < earliest or occurred > as_of + timedelta(hours=1):
            continue
        new_alerts.append({
            "created_at": stamp,
            "kind": KIND_BERAT,
            "kode_kecamatan": row.get("kode_kecamatan") or row["kode_kelurahan"][:8],
            "kode_kelurahan": row["kode_kelurahan"],
            "incident_id": row["id"],
            "dedupe_key": f"berat:{row['id']}",
            "message": berat_message(row),
            "delivery_state": state,
            "delivery_attempts": 0,
        })
    with _in_transaction(conn_or_engine) as conn:
        created = _create(conn, new_alerts)
        recent = recent_kelurahan(records, as_of) if levels else set()
        if recent:
            created += check_levels(conn, as_of=as_of, kelurahan=recent)
    _kick_after_commit(conn_or_engine, created)
    return created


def recent_kelurahan(incident_rows: Sequence[dict[str, Any]] | pd.DataFrame,
                     as_of: datetime | None = None) -> set[str]:
    """Kelurahan of rows recent enough to move today's level (old or replayed reports cannot)."""
    as_of = as_utc(as_of) if as_of is not None else now()
    earliest = window_start(as_of)
    out = set()
    for row in _as_records(incident_rows):
        occurred = _ts(row.get("occurred_at"))
        if occurred is not None and earliest <= occurred <= as_of + timedelta(hours=1):
            out.add(str(row["kode_kelurahan"]))
    return out


def check_levels_after_insert(engine: Engine, incident_rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Re-check Rawan for the kelurahan of just-committed rows, outside the insert's transaction.

    Best effort, like the workbench's check after a status change: an error is
    logged and never undoes the stored reports.
    """
    kelurahan = recent_kelurahan(incident_rows)
    if not kelurahan:
        return []
    try:
        created = check_levels(engine, kelurahan=kelurahan)
    except Exception:  # noqa: BLE001 - alerts must never break intake
        log.exception("Pemeriksaan tingkat Rawan sesudah laporan masuk gagal")
        return []
    if created:
        kick_delivery(engine)
    return created


def rawan_message(kode_kelurahan: str, reasons: Sequence[str], simulated: bool) -> str:
    sim = "[SIMULASI] " if simulated else ""
    why = "; ".join(list(reasons)[:3])
    return (
        f"{sim}Kel. {_kel_name(kode_kelurahan)} (Kec. {_kec_name(kode_kelurahan[:8])}) kini RAWAN"
        + (f": {why}." if why else ".")
    )


def check_levels(
    conn_or_engine: Connection | Engine,
    as_of: datetime | None = None,
    kelurahan: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """Alert for each kelurahan whose level turned Rawan since the last check; returns those alerts.

    The last level seen per kelurahan is kept in `alert_level_state`; an alert
    fires on the change into Rawan (at most once per kelurahan per WIB day, so
    a level flapping around the threshold does not spam). A check older than
    the last one recorded for a kelurahan leaves that kelurahan alone.
    """
    as_of = as_utc(as_of) if as_of is not None else now()
    units = sorted(set(kelurahan)) if kelurahan is not None else gazetteer.kelurahan_codes()
    if not units:
        return []
    c = store.incidents.c
    stmt = sa.select(c.kode_kelurahan, c.occurred_at, c.severity, c.status, c.source).where(
        c.occurred_at >= window_start(as_of), c.occurred_at <= as_of
    )
    if kelurahan is not None:
        stmt = stmt.where(c.kode_kelurahan.in_(units))
    stamp = now()
    state_value = _initial_state()
    created: list[dict[str, Any]] = []
    with _in_transaction(conn_or_engine) as conn:
        df = pd.DataFrame(conn.execute(stmt).fetchall(),
                          columns=["kode_kelurahan", "occurred_at", "severity", "status", "source"])
        if len(df):
            df["occurred_at"] = pd.to_datetime(df["occurred_at"], utc=True)
        levels = compute_levels(df, as_of, units=units)
        simulated = set(df.loc[df["source"] == "simulasi", "kode_kelurahan"]) if len(df) else set()
        st = store.alert_level_state
        previous = {
            r.kode_kelurahan: r
            for r in conn.execute(sa.select(st).where(st.c.kode_kelurahan.in_(units)))
        }
        new_alerts = []
        upserts = []
        for rec in levels.itertuples(index=False):
            kode, level = rec.kode_kelurahan, Level(rec.level)
            prev = previous.get(kode)
            if prev is not None and as_utc(prev.checked_at) > as_of:
                continue
            changed = prev is None or prev.level != level.value
            if level == Level.RAWAN and changed:
                new_alerts.append({
                    "created_at": stamp,
                    "kind": KIND_RAWAN,
                    "kode_kecamatan": kode[:8],
                    "kode_kelurahan": kode,
                    "incident_id": None,
                    "dedupe_key": f"rawan:{kode}:{to_wib(as_of).date().isoformat()}",
                    "message": rawan_message(kode, rec.reasons, kode in simulated),
                    "delivery_state": state_value,
                    "delivery_attempts": 0,
                })
            upserts.append({"kode_kelurahan": kode, "level": level.value,
                            "since": as_of if changed else prev.since, "checked_at": as_of})
        for values in upserts:
            stmt_up = _insert(conn, st).values(**values)
            conn.execute(stmt_up.on_conflict_do_update(
                index_elements=["kode_kelurahan"],
                set_={"level": stmt_up.excluded.level, "since": stmt_up.excluded.since,
                      "checked_at": stmt_up.excluded.checked_at},
            ))
        created = _create(conn, new_alerts)
    _kick_after_commit(conn_or_engine, created)
    return created


# --------------------------------------------------------------------------- who sees what


def sees_alerts(viewer: Viewer) -> bool:
    """Alerts are for panwaslu and pejabat users."""
    return access.allows(viewer, "alert.read")


def _alert_scope(viewer: Viewer) -> sa.ColumnElement[bool] | None:
    return access.scope_clause(viewer, store.alerts.c.kode_kecamatan)


def _visible_stmt(viewer: Viewer, unacked: bool) -> sa.Select:
    a, k = store.alerts, store.alert_acks
    stmt = sa.select(a.c.id, a.c.created_at, a.c.kind, a.c.kode_kecamatan, a.c.kode_kelurahan,
                     a.c.incident_id, a.c.message)
    if not sees_alerts(viewer):
        return stmt.where(sa.false())
    scope = _alert_scope(viewer)
    if scope is not None:
        stmt = stmt.where(scope)
    if unacked:
        acked = sa.select(k.c.alert_id).where(k.c.alert_id == a.c.id, k.c.username == viewer.username)
        stmt = stmt.where(~acked.exists())
    return stmt


def visible_alerts(engine: Engine, viewer: Viewer, limit: int | None = 20,
                   include_acked: bool = False) -> list[dict[str, Any]]:
    """Alerts this viewer should see (not yet acknowledged by them), newest first."""
    stmt = _visible_stmt(viewer, unacked=not include_acked).order_by(
        store.alerts.c.created_at.desc(), store.alerts.c.id.desc()
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def count_unacknowledged(engine: Engine, viewer: Viewer) -> int:
    stmt = sa.select(sa.func.count()).select_from(_visible_stmt(viewer, unacked=True).subquery())
    with engine.connect() as conn:
        return int(conn.execute(stmt).scalar())


def acknowledge(engine: Engine, viewer: Viewer, alert_ids: Iterable[int] | None = None) -> int:
    """Record that `viewer` read these alerts (all their unread ones when None); returns how many.

    Only alerts the viewer can see are acknowledged; acknowledging twice is harmless.
    """
    if not sees_alerts(viewer):
        return 0
    stamp = now()
    with store.write(engine) as conn:
        stmt = _visible_stmt(viewer, unacked=True).with_only_columns(store.alerts.c.id)
        if alert_ids is not None:
            stmt = stmt.where(store.alerts.c.id.in_([int(i) for i in alert_ids]))
        ids = [int(r[0]) for r in conn.execute(stmt)]
        for alert_id in ids:
            conn.execute(
                _insert(conn, store.alert_acks)
                .values(alert_id=alert_id, username=viewer.username, at=stamp)
                .on_conflict_do_nothing(index_elements=["alert_id", "username"])
            )
    return len(ids)


def acks_for(engine: Engine, alert_id: int) -> list[dict[str, Any]]:
    k = store.alert_acks
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(k).where(k.c.alert_id == alert_id).order_by(k.c.at))
                .mappings()]


def list_alerts(engine: Engine, limit: int = 50) -> pd.DataFrame:
    """Latest alerts with their delivery state (for the CLI and the admin)."""
    a = store.alerts
    stmt = sa.select(a.c.id, a.c.created_at, a.c.kind, a.c.kode_kelurahan, a.c.message, a.c.delivery_state,
                     a.c.delivery_attempts, a.c.delivery_error).order_by(a.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(stmt).fetchall(), columns=list(stmt.selected_columns.keys()))


# --------------------------------------------------------------------------- delivery


@dataclass(frozen=True)
class DeliveryConfig:
    """Where alerts go besides the banner. From settings: webhook_url, alert_email, [alerts] table."""

    webhook_url: str | None = None
    email_to: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "sikondusif@localhost"
    timeout: float = 10.0
    max_attempts: int = 5
    backoff: float = 2.0
    poll_seconds: float = 30.0

    @property
    def channels(self) -> list[str]:
        out = []
        if self.webhook_url:
            out.append("webhook")
        if self.email_to and self.smtp_host:
            out.append("email")
        return out

    @property
    def enabled(self) -> bool:
        return bool(self.channels)


def delivery_config(s: Settings | None = None) -> DeliveryConfig:
    s = s or settings()
    return DeliveryConfig(
        webhook_url=s.webhook_url,
        email_to=s.alert_email,
        smtp_host=setting("alerts.smtp_host", s),
        smtp_port=setting("alerts.smtp_port", s),
        smtp_from=setting("alerts.smtp_from", s),
        timeout=setting("alerts.timeout_seconds", s),
        max_attempts=max(1, setting("alerts.max_attempts", s)),
        backoff=setting("alerts.backoff_seconds", s),
        poll_seconds=setting("alerts.poll_seconds", s),
    )


def payload(alert: dict[str, Any]) -> dict[str, Any]:
    """What leaves the app: the event, never reporter identity or free text."""
    created = alert.get("created_at")
    return {
        "id": alert["id"],
        "jenis": alert["kind"],
        "pesan": alert["message"],
        "kode_kecamatan": alert.get("kode_kecamatan"),
        "kode_kelurahan": alert.get("kode_kelurahan"),
        "waktu": to_wib(created).isoformat() if created else None,
        "sumber": "SiKondusif Lubuklinggau",
    }


def send_webhook(url: str, body: dict[str, Any], timeout: float) -> None:
    """POST JSON; raises on a network error or a non-2xx answer."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"Content-Type": "application/json; charset=utf-8"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - configured URL
        if not 200 <= resp.status < 300:
            raise RuntimeError(f"HTTP {resp.status}")


def send_email(cfg: DeliveryConfig, body: dict[str, Any]) -> None:
    msg = EmailMessage()
    msg["Subject"] = f"[SiKondusif] {KIND_LABELS.get(body['jenis'], body['jenis'])}"
    msg["From"] = cfg.smtp_from
    msg["To"] = cfg.email_to
    msg.set_content(f"{body['pesan']}\n\nWaktu: {body['waktu']}\n— SiKondusif Lubuklinggau")
    with smtplib.SMTP(cfg.smtp_host or "localhost", cfg.smtp_port, timeout=cfg.timeout) as smtp:
        smtp.send_message(msg)


def _record_attempt(engine: Engine, alert_id: int, error: str | None) -> None:
    a = store.alerts
    with store.write(engine) as conn:
        conn.execute(a.update().where(a.c.id == alert_id).values(
            delivery_attempts=a.c.delivery_attempts + 1, delivery_error=error))


def _finish(engine: Engine, alert_id: int, state: str, error: str | None) -> None:
    a = store.alerts
    with store.write(engine) as conn:
        conn.execute(a.update().where(a.c.id == alert_id).values(delivery_state=state, delivery_error=error))


def _claim(engine: Engine, alert_id: int) -> bool:
    """Take a pending alert for sending; False when another worker got it first."""
    a = store.alerts
    with store.write(engine) as conn:
        res = conn.execute(a.update().where(a.c.id == alert_id, a.c.delivery_state == PENDING)
                           .values(delivery_state=SENDING))
    return res.rowcount == 1


def deliver_alert(engine: Engine, alert: dict[str, Any], cfg: DeliveryConfig,
                  sleep: Callable[[float], None] = time.sleep) -> str:
    """Send one claimed alert on every configured channel, retrying with backoff; returns the final state."""
    body = payload(alert)
    senders: dict[str, Callable[[], None]] = {
        "webhook": lambda: send_webhook(cfg.webhook_url or "", body, cfg.timeout),
        "email": lambda: send_email(cfg, body),
    }
    errors = []
    for channel in cfg.channels:
        for attempt in range(1, cfg.max_attempts + 1):
            try:
                senders[channel]()
            except Exception as exc:  # noqa: BLE001 - any failure is logged and retried
                msg = f"{channel} percobaan {attempt}/{cfg.max_attempts}: {type(exc).__name__}: {exc}"
                log.warning("Pengiriman peringatan %s gagal: %s", alert["id"], msg)
                _record_attempt(engine, alert["id"], msg)
                if attempt == cfg.max_attempts:
                    errors.append(msg)
                else:
                    sleep(cfg.backoff * 2 ** (attempt - 1))
            else:
                _record_attempt(engine, alert["id"], None)
                log.info("Peringatan %s terkirim lewat %s (percobaan %d)", alert["id"], channel, attempt)
                break
    state = FAILED if errors else SENT
    _finish(engine, alert["id"], state, "; ".join(errors) or None)
    return state


def deliver_pending(engine: Engine, cfg: DeliveryConfig | None = None,
                    sleep: Callable[[float], None] = time.sleep, retry_failed: bool = False,
                    limit: int = 200) -> dict[str, int]:
    """Send every pending alert once through all channels; never raises. Returns counts per final state."""
    cfg = cfg or delivery_config()
    counts = {SENT: 0, FAILED: 0}
    if not cfg.enabled:
        return counts
    a = store.alerts
    try:
        if retry_failed:
            with store.write(engine) as conn:
                conn.execute(a.update().where(a.c.delivery_state.in_([FAILED, SENDING]))
                             .values(delivery_state=PENDING))
        with engine.connect() as conn:
            pending = [dict(r) for r in conn.execute(
                sa.select(a).where(a.c.delivery_state == PENDING).order_by(a.c.id).limit(limit)).mappings()]
        for alert in pending:
            if not _claim(engine, alert["id"]):
                continue
            counts[deliver_alert(engine, alert, cfg, sleep)] += 1
    except Exception:  # noqa: BLE001 - delivery must never break the caller
        log.exception("Pengiriman peringatan terhenti")
    return counts


class DeliveryWorker:
    """A daemon thread that delivers pending alerts: woken by `kick()`, else every poll interval."""

    def __init__(self, engine: Engine, cfg: DeliveryConfig):
        self.engine = engine
        self.cfg = cfg
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.rounds = 0
        self.thread = threading.Thread(target=self._run, name="sikondusif-alert-delivery", daemon=True)

    def start(self) -> DeliveryWorker:
        self.thread.start()
        return self

    def kick(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        self.thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            deliver_pending(self.engine, self.cfg, sleep=self._stop.wait)
            self.rounds += 1
            self._wake.wait(self.cfg.poll_seconds)
            self._wake.clear()


_workers: dict[str, DeliveryWorker] = {}
_workers_lock = threading.Lock()


def start_delivery_worker(engine: Engine, cfg: DeliveryConfig | None = None) -> DeliveryWorker | None:
    """Start (once per database per process) the background delivery thread, if delivery is configured."""
    cfg = cfg or delivery_config()
    if not cfg.enabled:
        return None
    key = str(engine.url)
    with _workers_lock:
        worker = _workers.get(key)
        if worker is None or not worker.thread.is_alive():
            worker = DeliveryWorker(engine, cfg).start()
            _workers[key] = worker
    return worker


def _kick_after_commit(conn_or_engine: Connection | Engine, created: list) -> None:
    """Wake the delivery worker once the new alerts are committed (store.on_commit inside a write)."""
    if not created:
        return
    if isinstance(conn_or_engine, Engine):
        kick_delivery(conn_or_engine)
    else:
        engine = conn_or_engine.engine
        store.on_commit(conn_or_engine, lambda: kick_delivery(engine))


def kick_delivery(engine: Engine) -> None:
    """Wake this process's delivery worker for `engine`, if one runs (new alerts were committed)."""
    worker = _workers.get(str(engine.url))
    if worker is not None:
        worker.kick()


def stop_delivery_workers() -> None:
    with _workers_lock:
        for worker in _workers.values():
            worker.stop()
        _workers.clear()
