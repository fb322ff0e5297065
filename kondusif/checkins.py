"""Check-ins ("laporan aman"): an RT head saying the area is calm. The one write path for them.

A check-in is contact, never an incident: it makes an RT *heard from* for coverage
(kondusif.coverage) and never changes a level's score. Every channel (the RT page,
SMS through either gateway, chat import, the operator's CLI, the demo) calls
`record_checkin` (its own transaction) or `insert_checkin` (inside the caller's,
e.g. the SMS intake that also records the message). Rules, the same on each:

- the place: a kelurahan code and an RT number; an RT missing from the registry is
  refused, except while the registry is the shipped sample (then accepted and
  flagged `unlisted_rt`, as reports are: intake.validate.MAX_UNLISTED_RT);
- the time: not in the future (5 minutes of clock drift allowed) and not older than
  one day before the WIB day it is sent in; refusals are `CheckinRefused` with an
  Indonesian message naming the field;
- idempotent per (channel, source_ref): sending or importing again adds nothing and
  returns the first row (`created=False`);
- audited: one audit row (entity ``checkin``) per new check-in;
- identity (account, phone, sender name) is stored, and read back only by roles
  holding ``checkin.read_identity`` (never pejabat).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kondusif import access, store
from kondusif.errors import KondusifError
from kondusif.model import Viewer, new_id
from kondusif.timeutil import as_utc, format_wib, now, to_wib, wib_day_start
from lubuklinggau_geo import gazetteer

CHANNELS: dict[str, str] = {
    "form": "Formulir RT",
    "sms-gammu": "SMS (modem Gammu)",
    "smssync": "SMS (ponsel SMSsync)",
    "chat": "Impor chat/SMS",
    "cli": "Operator (telepon)",
    "simulasi": "Simulasi",
}
FUTURE_TOLERANCE = timedelta(minutes=5)
MAX_LATE = timedelta(days=1)
IDENTITY_COLUMNS = ("account", "phone", "sender_name")


class CheckinRefused(KondusifError, ValueError):
    """A check-in that cannot be recorded (bad place or time); the message names the field, in Indonesian."""


@dataclass(frozen=True)
class Checkin:
    """One recorded check-in; `created` is False when the same (channel, source_ref) was already stored."""

    id: str
    kode_kelurahan: str
    rt: int
    at: datetime
    channel: str
    created: bool
    unlisted_rt: bool = False

    @property
    def place_label(self) -> str:
        """'RT 03 Air Kuti'."""
        return f"RT {self.rt:02d} {gazetteer.kelurahan_name(self.kode_kelurahan)}"

    @property
    def time_label(self) -> str:
        """'07.05 WIB' (the SMS reply's form)."""
        return to_wib(self.at).strftime("%H.%M WIB")


def _registry_rts(engine: Engine) -> tuple[dict[str, set[int]], bool]:
    from kondusif.registry import registry_is_sample, rt_registry

    frame = rt_registry(engine)
    index: dict[str, set[int]] = {}
    for kel, rt in zip(frame["kode_kelurahan"].tolist(), frame["rt"].tolist(), strict=True):
        index.setdefault(str(kel), set()).add(int(rt))
    return index, registry_is_sample(frame)


def check_place(engine: Engine, kelurahan: object, rt: object) -> tuple[str, int, bool]:
    """(kelurahan code, RT, unlisted) or CheckinRefused: the same registry rule as reports."""
    from kondusif.intake.validate import MAX_UNLISTED_RT

    code = gazetteer.normalize_kelurahan_code(kelurahan) if kelurahan else None
    if code is None or not gazetteer.is_kelurahan_code(code):
        raise CheckinRefused(f"Kelurahan {str(kelurahan or '')[:40]!r} tidak dikenal: isi kode kelurahan "
                             "Kota Lubuklinggau (mis. 16.73.01.1001).")
    try:
        number = int(str(rt).strip())
    except (TypeError, ValueError):
        raise CheckinRefused(f"RT {str(rt)[:10]!r} bukan nomor RT (isi angka, mis. 3).") from None
    if number <= 0 or number > 999:
        raise CheckinRefused(f"RT {number} bukan nomor RT yang sah (1 sampai 999).")
    index, sample = _registry_rts(engine)
    known = index.get(code)
    if known and number not in known:
        name = gazetteer.kelurahan_name(code)
        if sample and number <= MAX_UNLISTED_RT:
            return code, number, True
        raise CheckinRefused(f"RT {number} tidak ada di daftar RT Kelurahan {name}.")
    return code, number, False


def check_time(at: datetime, sent_at: datetime | None = None, clock: datetime | None = None) -> datetime:
    """The check-in time in UTC, or CheckinRefused: not in the future, not older than the day before it is sent.

    `sent_at` (default: now) is when the check-in reached the system; "the period it is sent
    in" is that WIB day, and a check-in may be at most one day older than its start.
    """
    if not isinstance(at, datetime):
        raise CheckinRefused("Waktu laporan aman tidak terbaca (contoh: 2018-06-27T07:05).")
    current = as_utc(clock or now())
    at_utc = as_utc(at)
    sent = as_utc(sent_at) if sent_at is not None else current
    if at_utc > current + FUTURE_TOLERANCE:
        raise CheckinRefused(f"Waktu laporan aman {format_wib(at_utc)} belum terjadi (di masa depan); "
                             "periksa tanggal dan jam.")
    earliest = wib_day_start(to_wib(sent).date()) - MAX_LATE
    if at_utc < earliest:
        raise CheckinRefused(f"Waktu laporan aman {format_wib(at_utc)} terlalu lama: paling awal "
                             f"{format_wib(earliest)} (sehari sebelum hari pengiriman).")
    return at_utc


def insert_checkin(conn: Connection, engine: Engine, viewer: Viewer, *, kelurahan: object, rt: object,
                   at: datetime, channel: str, source_ref: str, sent_at: datetime | None = None,
                   account: str | None = None, phone: str | None = None, sender_name: str | None = None,
                   clock: datetime | None = None) -> Checkin:
    """Record one check-in inside the caller's `store.write` transaction (see the module docstring).

    `viewer` must hold ``checkin.file`` for the place (an RT account only for its own RT).
    """
    if channel not in CHANNELS:
        raise CheckinRefused(f"Saluran laporan aman {channel!r} tidak dikenal ({', '.join(CHANNELS)}).")
    ref = str(source_ref or "").strip()
    if not ref or len(ref) > 128:
        raise CheckinRefused("Rujukan sumber laporan aman kosong atau lebih dari 128 karakter.")
    code, number, unlisted = check_place(engine, kelurahan, rt)
    access.require(viewer, "checkin.file", access.Place(code, rt=number))
    prior = _find(conn, channel, ref)
    if prior is not None:
        return prior
    at_utc = check_time(at, sent_at, clock)
    checkin_id = new_id()
    row = {"id": checkin_id, "kode_kecamatan": code[:8], "kode_kelurahan": code, "rt": number, "at": at_utc,
           "stored_at": now(), "channel": channel, "source_ref": ref, "account": account, "phone": phone,
           "sender_name": sender_name, "unlisted_rt": unlisted, "created_by": viewer.username}
    stmt = store.insert_on_conflict(conn, store.checkins).values(**row).on_conflict_do_nothing(
        index_elements=["channel", "source_ref"]).returning(store.checkins.c.id)
    if conn.execute(stmt).first() is None:  # another writer stored this very check-in a moment ago
        again = _find(conn, channel, ref)
        assert again is not None  # noqa: S101 - the conflict row exists in this transaction's view
        return again
    note = f"Laporan aman RT {number:02d} {gazetteer.kelurahan_name(code)} ({CHANNELS[channel]})"
    if unlisted:
        note += "; RT tidak ada di daftar contoh, tetap diterima"
    store.audit.record(conn, viewer.username, "checkin", checkin_id, "create", note=note,
                       details={"channel": channel, "at": at_utc.isoformat()})
    return Checkin(checkin_id, code, number, at_utc, channel, True, unlisted)


def load_simulated(conn: Connection, records: list[dict[str, Any]], seed: int) -> None:
    """Bulk-load simulated check-ins (`demo_checkins`), recorded once in the audit."""
    for i in range(0, len(records), 50_000):
        store.executemany(conn, store.checkins, records[i:i + 50_000])
    if records:
        store.audit.record(conn, "simulasi", "checkin", None, "seed_demo",
                           note=f"{len(records)} laporan aman SIMULASI ditambahkan (seed {seed})")


def record_checkin(engine: Engine, viewer: Viewer, *, kelurahan: object, rt: object, at: datetime | None = None,
                   channel: str, source_ref: str, sent_at: datetime | None = None, account: str | None = None,
                   phone: str | None = None, sender_name: str | None = None,
                   clock: datetime | None = None) -> Checkin:
    """Record one check-in in its own transaction; `at` defaults to now."""
    stamp = clock or now()
    with store.write(engine) as conn:
        return insert_checkin(conn, engine, viewer, kelurahan=kelurahan, rt=rt, at=at or stamp, channel=channel,
                              source_ref=source_ref, sent_at=sent_at, account=account, phone=phone,
                              sender_name=sender_name, clock=clock)


def _find(conn: Connection, channel: str, ref: str) -> Checkin | None:
    c = store.checkins.c
    row = conn.execute(sa.select(c.id, c.kode_kelurahan, c.rt, c.at, c.channel, c.unlisted_rt)
                       .where(c.channel == channel, c.source_ref == ref)).first()
    if row is None:
        return None
    return Checkin(row.id, row.kode_kelurahan, int(row.rt), row.at, row.channel, False, bool(row.unlisted_rt))


def last_checkin(engine: Engine, viewer: Viewer, kelurahan: str, rt: int) -> datetime | None:
    """When this RT last checked in (any channel), for the RT page; scoped like reports."""
    access.require(viewer, "checkin.file", access.Place(kelurahan, rt=int(rt)))
    c = store.checkins.c
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.max(c.at)).where(c.kode_kelurahan == kelurahan,
                                                                c.rt == int(rt))).scalar()


def list_checkins(engine: Engine, viewer: Viewer, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Check-ins in [start, end) inside the viewer's scope, newest first; identity only with checkin.read_identity."""
    access.require(viewer, "coverage.read")
    c = store.checkins.c
    cols = [c.id, c.kode_kecamatan, c.kode_kelurahan, c.rt, c.at, c.channel, c.unlisted_rt]
    if access.allows(viewer, "checkin.read_identity"):
        cols += [c[name] for name in IDENTITY_COLUMNS]
    q = sa.select(*cols).where(c.at >= as_utc(start), c.at < as_utc(end)).order_by(c.at.desc())
    clause = access.scope_clause(viewer, c.kode_kecamatan, c.kode_kelurahan, c.rt)
    if clause is not None:
        q = q.where(clause)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def reply_text(checkin: Checkin) -> str:
    """The one-SMS reply: 'Terima kasih. Laporan AMAN RT 03 Air Kuti pukul 07.05 WIB tercatat.'"""
    from kondusif.sms.gsm7 import to_gsm7

    return to_gsm7(f"Terima kasih. Laporan AMAN {checkin.place_label} pukul {checkin.time_label} tercatat.")


__all__ = ["CHANNELS", "Checkin", "CheckinRefused", "check_place", "check_time", "insert_checkin",
           "last_checkin", "list_checkins", "record_checkin", "reply_text"]
