"""SMS reminders to silent RT (issue 24.5): one SMS per round and registered number, through the gateway.

After a voting-day round's deadline (kondusif/rounds.py) an RT not heard from since the round
began is *senyap*. With ``rounds.sms_reminder = true`` the worker's modem round (`Worker.sms`,
through kondusif/sms/gammu.py `Gateway.remind`) sends each active Ketua RT account of a silent RT
that has a registered number one reminder, at most once per round: the row in
``sms_reminders`` (unique per round and number) is the claim, so two workers never remind a
number twice, and an RT that answered in the meantime is no longer silent and gets nothing.
The RT's answer ("AMAN" or a report) is read like any other SMS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kondusif import access, store
from kondusif.model import SYSTEM
from kondusif.rounds import Round, round_view
from kondusif.sms.gsm7 import fits_one_sms, to_gsm7
from kondusif.timeutil import now, to_wib
from lubuklinggau_geo import gazetteer


@dataclass(frozen=True)
class Reminder:
    """One reminder due: the round, the number and the RT it is for, and its one-SMS text."""

    round: Round
    phone: str
    kode_kelurahan: str
    rt: int
    text: str


def reminder_text(r: Round, kode_kelurahan: str, rt: int) -> str:
    """'SiKondusif: RT 03 Kel. Air Kuti belum memberi kabar sejak 07.00 WIB. Balas AMAN bila aman, …' (one SMS)."""
    since = f"{to_wib(r.starts):%H.%M} WIB"
    kel = gazetteer.kelurahan_name(kode_kelurahan) or kode_kelurahan
    for text in (f"SiKondusif: RT {rt:02d} Kel. {kel} belum memberi kabar sejak {since}. "
                 "Balas AMAN bila aman, atau LAPOR bila ada kejadian.",
                 f"SiKondusif: RT {rt:02d} belum memberi kabar sejak {since}. Balas AMAN bila aman, atau LAPOR."):
        text = to_gsm7(text)
        if fits_one_sms(text):
            return text
    raise AssertionError("reminder text longer than one SMS")  # the short form is ~100 characters


def due(engine: Engine, at: datetime | None = None) -> list[Reminder]:
    """The reminders of the current round not sent yet (empty outside the rounds or before a deadline)."""
    view = round_view(engine, SYSTEM, at)
    if view is None:
        return []
    silent = {(str(row["kode_kelurahan"]), int(rt)) for row in view.coverage.kelurahan.to_dict("records")
              for rt in row["senyap"]}
    if not silent:
        return []
    u, s = store.users.c, store.sms_reminders.c
    with engine.connect() as conn:
        sent = {str(p) for (p,) in conn.execute(sa.select(s.phone).where(s.round_starts == view.round.starts))}
        rows = conn.execute(sa.select(u.phone, u.kelurahan, u.rt).where(
            u.phone.is_not(None), u.active.is_(True), u.kelurahan.is_not(None), u.rt.is_not(None),
            u.role.in_(sorted(r.value for r in access.roles_for("sms.file")))).order_by(u.kelurahan, u.rt, u.phone))
        numbers = [(str(p), str(k), int(rt)) for p, k, rt in rows]
    seen: set[str] = set()
    out = []
    for phone, kel, rt in numbers:
        if (kel, rt) in silent and phone not in sent and phone not in seen:
            seen.add(phone)
            out.append(Reminder(view.round, phone, kel, rt, reminder_text(view.round, kel, rt)))
    return out


def claim(conn: Connection, reminders: list[Reminder], channel: str) -> list[Reminder]:
    """Record the reminders this process may send (inside the caller's write); those another took are left out.

    One audit row per round and batch. The caller sends the claimed ones before its transaction
    commits, so a failed send leaves no claim and is tried again.
    """
    t = store.sms_reminders
    stamp = now()
    mine = []
    for r in reminders:
        stmt = store.insert_on_conflict(conn, t).values(
            round_starts=r.round.starts, phone=r.phone, kode_kelurahan=r.kode_kelurahan, rt=r.rt, channel=channel,
            text=r.text, sent_at=stamp)
        if conn.execute(stmt.on_conflict_do_nothing(index_elements=[t.c.round_starts, t.c.phone])
                        .returning(t.c.id)).first() is not None:
            mine.append(r)
    if mine:
        store.audit.record(conn, SYSTEM.username, "sms_reminder", mine[0].round.label, "send",
                           note=f"{len(mine)} SMS pengingat ke RT senyap lewat {channel}")
    return mine


__all__ = ["Reminder", "claim", "due", "reminder_text"]
