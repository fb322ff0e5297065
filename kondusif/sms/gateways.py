"""The gateways' state for the admin (issue 15), and the alert when SMS stop arriving on election day.

What an operator needs on voting day: did SMS arrive lately, through which gateway, are
receipts piling up unsent, what went wrong last. Figures come from the store, so every app
process and the Gammu reader agree: `sms_messages` (every SMS a gateway handed over),
`sms_gateways` (heartbeats and errors the Gammu reader writes), `smssync_outbox` and
`smssync_devices` (the Android phones).

`record_state` is the heartbeat the Gammu reader writes (upsert: processes never collide).
`check_silence` raises one alert (kind ``sms_senyap``) when no SMS has been stored for
`alerts.sms_silent_minutes` on a day of the calendar's voting phase, from
`alerts.sms_watch_start_hour` WIB on: a dead modem or a phone out of credit is the usual
cause, and nobody notices silence otherwise. One alert per silence (the key names the
last SMS before it); the worker (kondusif/worker.py) runs the check every minute, `alerts check` too.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kondusif import access, alerts, store
from kondusif.config import settings
from kondusif.model import SYSTEM, Viewer
from kondusif.sms import smssync
from kondusif.timeutil import WIB, as_utc, format_wib, now, to_wib

log = logging.getLogger(__name__)

CHANNEL_LABELS = {"gammu": "Modem USB (Gammu)", "smssync": "Ponsel Android (SMSsync)"}
KIND_SILENT = "sms_senyap"
# The Gammu reader writes its heartbeat every few seconds; this long without one, it is not running.
READER_STALE = timedelta(minutes=2)


@dataclass(frozen=True)
class GatewayState:
    """One channel as the admin page shows it."""

    channel: str
    label: str
    last_received_at: datetime | None  # newest SMS stored through this channel
    last_hour: int  # SMS stored in the hour before `as_of`
    outbox_waiting: int | None  # replies not yet handed to the modem/phone (None: unknown)
    seen_at: datetime | None  # the gateway's own last sign of life (reader heartbeat, phone poll)
    last_error: str | None
    last_error_at: datetime | None
    stale: bool = False  # a reader that should beat (Gammu) has not for READER_STALE


def _messages(conn, as_of: datetime) -> dict[str, tuple[datetime | None, int]]:
    m = store.sms_messages.c
    newest = dict(conn.execute(sa.select(m.channel, sa.func.max(m.stored_at)).where(m.stored_at <= as_of)
                               .group_by(m.channel)).fetchall())
    recent = dict(conn.execute(sa.select(m.channel, sa.func.count()).where(
        m.stored_at > as_of - timedelta(hours=1), m.stored_at <= as_of).group_by(m.channel)).fetchall())
    return {ch: (newest.get(ch), int(recent.get(ch, 0))) for ch in set(newest) | set(recent)}


def gateway_states(engine: Engine, viewer: Viewer, as_of: datetime | None = None) -> list[GatewayState]:
    """Both channels: Gammu (heartbeat rows `gammu…` of sms_gateways) and SMSsync (its phones and outbox)."""
    access.require(viewer, "gateway.manage")
    as_of = as_utc(as_of) if as_of is not None else now()
    with engine.connect() as conn:
        seen = _messages(conn, as_of)
        beats = [dict(r) for r in conn.execute(sa.select(store.sms_gateways)).mappings()]
    gammu = [b for b in beats if str(b["channel"]).startswith("gammu")]
    gammu_err = max((b for b in gammu if b.get("last_error_at")), key=lambda b: b["last_error_at"], default=None)
    waiting = [b["outbox_waiting"] for b in gammu if b.get("outbox_waiting") is not None]
    states = [GatewayState(
        "gammu", CHANNEL_LABELS["gammu"], *seen.get("gammu", (None, 0)),
        outbox_waiting=sum(waiting) if waiting else None,
        seen_at=max((b["seen_at"] for b in gammu if b.get("seen_at")), default=None),
        last_error=gammu_err["last_error"] if gammu_err else None,
        last_error_at=gammu_err["last_error_at"] if gammu_err else None,
    )]
    beat = states[0].seen_at
    if beat is not None and as_of - beat > READER_STALE:
        states[0] = dataclasses.replace(states[0], stale=True)
    phones = smssync.devices(engine, viewer)
    counts = smssync.outbox_counts(engine, viewer)
    failure = smssync.last_failure(engine, viewer)
    states.append(GatewayState(
        "smssync", CHANNEL_LABELS["smssync"], *seen.get("smssync", (None, 0)),
        outbox_waiting=counts[smssync.WAITING],  # handed over = with the phone, which sends at once
        seen_at=max((p["last_seen_at"] for p in phones if p.get("last_seen_at")), default=None),
        last_error=failure["error"] if failure else None,
        last_error_at=failure["at"] if failure else None,
    ))
    return states


STATUS_LABELS = {"laporan": "jadi laporan", "aman": "laporan aman", "antrean": "antrean tinjauan",
                 "diabaikan": "diabaikan"}


def recent_messages(engine: Engine, viewer: Viewer, limit: int = 50) -> list[dict[str, Any]]:
    """The newest SMS the gateways handed over, with what became of them (gateway.manage; numbers are identity)."""
    access.require(viewer, "gateway.manage")
    access.require(viewer, "incident.read_identity")
    m, i = store.sms_messages.c, store.incidents.c
    stmt = (sa.select(m.stored_at, m.received_at, m.channel, m.sender, m.text, m.status, m.username, m.reply,
                      m.gateway_phone, i.report_no)
            .select_from(store.sms_messages.outerjoin(store.incidents, store.incidents.c.id == m.incident_id))
            .order_by(m.stored_at.desc(), m.id.desc()).limit(max(1, int(limit))))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def record_state(engine: Engine, channel: str, outbox_waiting: int | None, error: str | None = None) -> None:
    """Upsert a gateway's heartbeat (and last error) for the admin page. System job: no viewer.

    Written by the Gammu reader (kondusif.sms.gammu) as channel "gammu"; any row whose
    channel starts with "gammu" counts as the modem in `gateway_states`. An error is no contact:
    it keeps seen_at (set only by a first row), so a Gammu database that stays down shows its
    last good contact and turns the reader stale instead of looking freshly in touch.
    """
    t = store.sms_gateways
    stamp = now()
    values: dict[str, Any] = {} if error is not None else {"seen_at": stamp}
    if outbox_waiting is not None:
        values["outbox_waiting"] = outbox_waiting
    if error is not None:
        values.update(last_error=error, last_error_at=stamp)
    with store.write(engine) as conn:
        stmt = store.insert_on_conflict(conn, t).values(channel=channel, **{"seen_at": stamp, **values})  # one statement: two processes never collide
        conn.execute(stmt.on_conflict_do_update(index_elements=[t.c.channel], set_=values))


# --------------------------------------------------------------------------- the silence alert


@dataclass(frozen=True)
class Silence:
    """SMS have not arrived for `minutes` since `since` (the last SMS, or the watch's start that day)."""

    since: datetime
    minutes: int
    last_sms: datetime | None
    last_channel: str | None

    def message(self) -> str:
        if self.last_sms is None:
            what = f"belum ada SMS masuk sejak {format_wib(self.since)}"
        else:
            via = CHANNEL_LABELS.get(self.last_channel or "", self.last_channel or "")
            what = f"SMS terakhir {format_wib(self.last_sms)} lewat {via}"
        return (f"Tidak ada SMS masuk selama {self.minutes} menit pada hari pemungutan suara ({what}). "
                "Periksa modem dan ponsel gerbang SMS: sinyal, pulsa, daya, kabel USB.")

    def dedupe_key(self) -> str:
        return f"{KIND_SILENT}:{as_utc(self.since).isoformat(timespec='seconds')}"


def election_days() -> tuple[date, ...]:
    """The watched days: every day of the calendar's voting phase ('pemungutan')."""
    cal = settings().calendar
    try:
        phase = cal.phase("pemungutan")
    except KeyError:
        return ()
    last = phase.end or phase.start
    return tuple(phase.start + timedelta(days=i) for i in range((last - phase.start).days + 1))


def silence(engine: Engine, viewer: Viewer, as_of: datetime | None = None) -> Silence | None:
    """The current silence, if SMS stopped for the configured time on an election day (gateway.manage)."""
    access.require(viewer, "gateway.manage")
    minutes = int(settings().alerts.sms_silent_minutes)
    if minutes <= 0:
        return None
    as_of = as_utc(as_of) if as_of is not None else now()
    local = to_wib(as_of)
    if local.date() not in election_days():
        return None
    watch_from = datetime.combine(local.date(), time(int(settings().alerts.sms_watch_start_hour) % 24),
                                  tzinfo=WIB)
    if local < watch_from:
        return None
    m = store.sms_messages.c
    with engine.connect() as conn:
        row = conn.execute(sa.select(m.stored_at, m.channel).where(m.stored_at <= as_of)
                           .order_by(m.stored_at.desc()).limit(1)).first()
    last, channel = (row[0], row[1]) if row else (None, None)
    since = max(as_utc(watch_from), last) if last is not None else as_utc(watch_from)
    quiet = as_of - since
    if quiet < timedelta(minutes=minutes):
        return None
    return Silence(since=since, minutes=int(quiet.total_seconds() // 60), last_sms=last, last_channel=channel)


def check_silence(engine: Engine, as_of: datetime | None = None) -> dict[str, Any] | None:
    """Raise the silence alert once per silence; returns the alert created (None: none or already raised)."""
    found = silence(engine, SYSTEM, as_of)
    if found is None:
        return None
    row = {"created_at": now(), "kind": KIND_SILENT, "kode_kecamatan": None, "kode_kelurahan": None,
           "incident_id": None, "dedupe_key": found.dedupe_key(), "message": found.message(),
           "delivery_state": alerts.PENDING if alerts.delivery_config().enabled else alerts.NONE,
           "delivery_attempts": 0}
    with store.write(engine) as conn:
        made = alerts.create_alerts(conn, [row])  # its delivery recorded there
    return made[0] if made else None
