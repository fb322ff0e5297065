"""Optional alert delivery (webhook, e-mail): retried with backoff, never raising into the caller.

A write that creates pending alerts records an `AlertsCreated` outbox event (`writes.announce`); the
worker (kondusif/worker.py) delivers them with `deliver_ids`. `python -m kondusif alerts deliver`
sends whatever is still pending by hand.
"""

from __future__ import annotations

import json
import logging
import smtplib
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kondusif import store
from kondusif.alerts import writes
from kondusif.alerts.common import FAILED, KIND_LABELS, PENDING, SENT
from kondusif.config import settings
from kondusif.timeutil import to_wib

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryConfig:
    """Where alerts go besides the banner. From settings: webhook_url, alert_email, [alerts] table."""

    webhook_url: str | None
    email_to: str | None
    smtp_host: str | None
    smtp_port: int
    smtp_from: str
    timeout: float
    max_attempts: int
    backoff: float

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


def delivery_config(s: Any = None) -> DeliveryConfig:
    """The delivery settings of `s` (default: this process's settings)."""
    s = s or settings()
    a = s.alerts
    return DeliveryConfig(s.webhook_url, s.alert_email, a.smtp_host, a.smtp_port, a.smtp_from, a.timeout_seconds,
                          a.max_attempts, a.backoff_seconds)


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


def _claim(engine: Engine, alert_id: int, retry: bool = False) -> bool:
    """Take an alert for sending in a transaction of its own; False when another sender got it first."""
    with store.write(engine) as conn:
        return writes.take_for_delivery(conn, alert_id, retry)


def deliver_alert(engine: Engine, alert: dict[str, Any], cfg: DeliveryConfig,
                  sleep: Callable[[float], object] = time.sleep) -> str:
    """Send one claimed alert on every configured channel, retrying with backoff; returns the final state."""
    body = payload(alert)
    senders: dict[str, Callable[[], None]] = {
        "webhook": lambda: send_webhook(cfg.webhook_url or "", body, cfg.timeout),
        "email": lambda: send_email(cfg, body),
    }
    errors = []
    for channel in cfg.channels:
        for attempt in range(1, cfg.max_attempts + 1):
            error = None
            try:
                senders[channel]()
            except Exception as exc:  # noqa: BLE001 - any failure is logged and retried
                error = f"{channel} percobaan {attempt}/{cfg.max_attempts}: {type(exc).__name__}: {exc}"
                log.warning("Pengiriman peringatan %s gagal: %s", alert["id"], error)
            with store.write(engine) as conn:
                writes.count_delivery_attempt(conn, alert["id"], error)
            if error is None:
                log.info("Peringatan %s terkirim lewat %s (percobaan %d)", alert["id"], channel, attempt)
                break
            if attempt == cfg.max_attempts:
                errors.append(error)
            else:
                sleep(cfg.backoff * 2 ** (attempt - 1))
    state = FAILED if errors else SENT
    with store.write(engine) as conn:
        writes.finish_delivery(conn, alert["id"], state, "; ".join(errors) or None)
    return state


def deliver_pending(engine: Engine, cfg: DeliveryConfig | None = None,
                    sleep: Callable[[float], object] = time.sleep, retry_failed: bool = False,
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
                writes.requeue_undelivered(conn)
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


def deliver_ids(engine: Engine, ids: Sequence[int], retry: bool = False, cfg: DeliveryConfig | None = None,
                sleep: Callable[[float], object] = time.sleep) -> dict[str, int]:
    """Deliver these alerts (the worker's `AlertsCreated` handler); counts per final state."""
    cfg = cfg or delivery_config()
    counts = {SENT: 0, FAILED: 0}
    if not cfg.enabled or not ids:
        return counts
    a = store.alerts
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(sa.select(a).where(a.c.id.in_(list(ids))).order_by(a.c.id)).mappings()]
    for alert in rows:
        if _claim(engine, alert["id"], retry):
            counts[deliver_alert(engine, alert, cfg, sleep)] += 1
    return counts

