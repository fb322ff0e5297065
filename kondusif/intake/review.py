"""The review queue: chat messages that could not be read confidently, waiting for Panwaslu.

File rows join it (channel ``impor``) when their only problem is an RT missing
from the official registry: a person decides (issue 12).

An item is classified (Panwaslu fill in what was missing; an incident is
created through the same validation and linked to the item) or discarded with
a reason. Both are audited, both only from state ``antri`` (so two people
resolving the same item at once cannot create two reports).

Scope (issue 12 #6): an item carries the kelurahan/kecamatan it was parsed to,
when known. A kecamatan-scoped panwaslu sees its kecamatan's items and the
unplaced ones, and can place or discard only inside its own kecamatan.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kondusif import access, safe, store
from kondusif.errors import KondusifError
from kondusif.intake.validate import Checked, FieldError, check_record, make_rules, title_from_text
from kondusif.model import Source, Viewer, new_id
from kondusif.timeutil import now

STATES = {"antri": "Menunggu", "diklasifikasi": "Dijadikan laporan", "dicatat_aman": "Dicatat sebagai laporan aman",
          "dibuang": "Dibuang"}
QUEUE_COLUMNS = ["id", "channel", "sent_at", "sender", "text", "guess", "reason", "state", "resolved_by",
                 "resolved_at", "resolution_note", "incident_id", "created_at", "fingerprint",
                 "kode_kelurahan", "kode_kecamatan"]


class ReviewError(KondusifError, ValueError):
    """The item cannot be resolved (gone, already resolved, not allowed); message in Indonesian."""


def _scope(viewer: Viewer) -> sa.ColumnElement[bool] | None:
    """The viewer's scope on queue items: its kecamatan plus the unplaced items (rt: nothing)."""
    q = store.review_queue.c
    return access.scope_clause(viewer, q.kode_kecamatan, unplaced_ok=True)


def queue_place(kode_kelurahan: str | None) -> dict[str, str | None]:
    """The place columns of a queue row for a parsed kelurahan code (None when unknown)."""
    kel = str(kode_kelurahan) if kode_kelurahan else None
    return {"kode_kelurahan": kel, "kode_kecamatan": kel.rsplit(".", 1)[0] if kel else None}


def enqueue(conn: Connection, rows: Sequence[dict[str, Any]]) -> int | None:
    """Queue rows a person must judge, text and sender cleaned (issue 27); returns the id when one row."""
    q = store.review_queue
    clean = [{**r, "text": safe.clean_text(r.get("text")), "sender": safe.clean_text(r.get("sender"))} for r in rows]
    if len(clean) == 1:
        return int(conn.execute(q.insert().values(**clean[0]).returning(q.c.id)).scalar_one())
    if clean:
        conn.execute(q.insert(), clean)
    return None


def queue_frame(engine: Engine, viewer: Viewer, state: str | None = "antri", limit: int = 200,
                offset: int = 0) -> pd.DataFrame:
    """Queue items within the viewer's scope (oldest first), ``state`` None for all; ``guess`` decoded."""
    access.require(viewer, "review.read")
    q = store.review_queue.c
    stmt = sa.select(*[q[c] for c in QUEUE_COLUMNS]).order_by(q.sent_at, q.id).limit(limit).offset(offset)
    if state:
        stmt = stmt.where(q.state == state)
    scope = _scope(viewer)
    if scope is not None:
        stmt = stmt.where(scope)
    with engine.connect() as conn:
        rows = conn.execute(stmt).fetchall()
    df = pd.DataFrame(rows, columns=QUEUE_COLUMNS)
    if not df.empty:
        df["guess"] = df["guess"].map(lambda g: json.loads(g) if g else {})
    return df


def queue_counts(engine: Engine, viewer: Viewer) -> dict[str, int]:
    """Items per state within the viewer's scope."""
    access.require(viewer, "review.read")
    q = store.review_queue.c
    stmt = sa.select(q.state, sa.func.count()).group_by(q.state)
    scope = _scope(viewer)
    if scope is not None:
        stmt = stmt.where(scope)
    with engine.connect() as conn:
        rows = conn.execute(stmt).fetchall()
    counts = {s: 0 for s in STATES}
    counts.update({s: int(n) for s, n in rows})
    return counts


def get_item(engine: Engine, viewer: Viewer, item_id: int) -> dict[str, Any] | None:
    """One item, or None when it does not exist or lies outside the viewer's scope."""
    access.require(viewer, "review.read")
    q = store.review_queue.c
    stmt = sa.select(*[q[c] for c in QUEUE_COLUMNS]).where(q.id == int(item_id))
    scope = _scope(viewer)
    if scope is not None:
        stmt = stmt.where(scope)
    with engine.connect() as conn:
        row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None


@dataclass
class ClassifyOutcome:
    report_no: str | None
    checked: Checked

    @property
    def ok(self) -> bool:
        return self.report_no is not None


def classify(engine: Engine, item_id: int, values: dict[str, Any], viewer: Viewer) -> ClassifyOutcome:
    """Turn a queued message into a report with the fields Panwaslu filled in.

    ``values`` are raw form fields (kelurahan, rt, category, severity, title,
    description, occurred_at, ...). Field errors come back in ``checked``.
    """
    access.require(viewer, "review.place")
    item = get_item(engine, viewer, item_id)
    if item is None:
        raise ReviewError("Pesan tidak ditemukan di antrean.")
    if item["state"] != "antri":
        raise ReviewError(f"Pesan ini sudah ditangani ({STATES.get(item['state'], item['state'])}).")
    raw = dict(values)
    raw.setdefault("occurred_at", item["sent_at"])
    raw.setdefault("description", item["text"])
    if not str(raw.get("title") or "").strip():
        raw["title"] = title_from_text(str(raw.get("description") or item["text"]))
    phone_like = item["sender"] and sum(ch.isdigit() for ch in item["sender"]) >= 8
    raw.setdefault("reporter_name", None if phone_like else item["sender"])
    raw.setdefault("reporter_phone", item["sender"] if phone_like else None)
    from_file = item["channel"] == "impor"  # a file row held back for its RT (issue 12): the person confirms it
    rules = make_rules(engine, viewer, check_rt_registry=False) if from_file else make_rules(engine, viewer)
    checked = check_record(raw, rules)
    if not checked.ok:
        return ClassifyOutcome(None, checked)
    rec = cast(dict[str, Any], checked.record)  # checked.ok: a record
    access.require(viewer, "review.place", access.Place(rec["kode_kelurahan"]))
    if from_file:
        guess = item.get("guess")
        guess = json.loads(guess) if isinstance(guess, str) else (guess or {})
        source, ref = Source.IMPORT.value, guess.get("source_ref") or "impor:" + item["fingerprint"]
    else:
        guess = item.get("guess")
        guess = json.loads(guess) if isinstance(guess, str) else (guess or {})
        live = guess.get("gateway") is not None  # issue 15: an SMS a gateway received stays source sms
        source = Source.SMS.value if live else Source.CHAT.value
        ref = ("sms-antrean:" if live else "wa:" if item["channel"] == "whatsapp" else "sms:") + item["fingerprint"]
    rec.update(source=source, source_ref=ref, created_by=viewer.username, id=new_id())
    from kondusif.intake.pipeline import insert_records  # the one insert path

    q = store.review_queue.c
    with store.write(engine) as conn:
        rows, _ = insert_records(conn, [rec], viewer.username,
                                     [{"antrean": int(item_id), **({"peringatan": [str(w) for w in checked.warnings]}
                                                                   if checked.warnings else {})}], engine)
        done = conn.execute(store.review_queue.update()
                            .where(q.id == int(item_id), q.state == "antri")
                            .values(**queue_place(rows[0]["kode_kelurahan"]), state="diklasifikasi", resolved_by=viewer.username, resolved_at=now(),
                                    incident_id=rows[0]["id"],
                                    resolution_note=f"Dijadikan laporan {rows[0]['report_no']}"))
        if done.rowcount != 1:
            raise ReviewError("Pesan ini baru saja ditangani orang lain.")
        store.audit.record(conn, viewer.username, "review", str(item_id), "classify",
                           from_status="antri", to_status="diklasifikasi",
                           note=f"Pesan antrean dijadikan laporan {rows[0]['report_no']}",
                           details={"incident_id": rows[0]["id"]})
    return ClassifyOutcome(rows[0]["report_no"], checked)


def is_checkin_candidate(guess: dict[str, Any] | None, reason: object = "") -> bool:
    """A queued calm message ("AMAN" from an unregistered number, or a chat "aman" naming no place):
    the queue offers to record it as a check-in rather than an incident."""
    if (guess or {}).get("laporan_aman"):
        return True
    return str(reason or "").startswith(("laporan aman", "calon laporan aman"))  # rows queued before the flag


def accept_checkin(engine: Engine, item_id: int, viewer: Viewer, kelurahan: str | None = None,
                   rt: int | None = None) -> Any:
    """Record a queued calm message as a check-in (issue 24: an "AMAN" from a number not yet registered).

    The place is the one given, else the one the reader found; the time is the message's own.
    One transaction: the check-in (kondusif.checkins, audited) and the item's state, only from ``antri``.
    """
    from kondusif import checkins

    access.require(viewer, "review.place")
    item = get_item(engine, viewer, item_id)
    if item is None:
        raise ReviewError("Pesan tidak ditemukan di antrean.")
    if item["state"] != "antri":
        raise ReviewError(f"Pesan ini sudah ditangani ({STATES.get(item['state'], item['state'])}).")
    guess = item.get("guess")
    guess = json.loads(guess) if isinstance(guess, str) else (guess or {})
    kel = kelurahan or guess.get("kelurahan")
    number = rt if rt is not None else guess.get("rt")
    if not kel or number is None:
        raise ReviewError("Isi kelurahan dan nomor RT untuk mencatat laporan aman ini.")
    gateway = guess.get("gateway")
    channel = {"gammu": "sms-gammu", "smssync": "smssync"}.get(str(gateway), "chat")
    phone_like = item["sender"] and sum(ch.isdigit() for ch in item["sender"]) >= 8
    q = store.review_queue.c
    with store.write(engine) as conn:
        got = checkins.insert_checkin(
            conn, engine, viewer, kelurahan=kel, rt=number, at=item["sent_at"] or item["created_at"],
            channel=channel, source_ref="antrean:" + item["fingerprint"], sent_at=item["sent_at"] or item["created_at"],
            phone=item["sender"] if phone_like else None, sender_name=None if phone_like else item["sender"])
        done = conn.execute(store.review_queue.update().where(q.id == int(item_id), q.state == "antri").values(
            **queue_place(got.kode_kelurahan), state="dicatat_aman", resolved_by=viewer.username, resolved_at=now(),
            resolution_note=f"Dicatat sebagai laporan aman {got.place_label}"))
        if done.rowcount != 1:
            raise ReviewError("Pesan ini baru saja ditangani orang lain.")
        store.audit.record(conn, viewer.username, "review", str(item_id), "checkin", from_status="antri",
                           to_status="dicatat_aman", note=f"Pesan antrean dicatat sebagai laporan aman {got.place_label}",
                           details={"checkin_id": got.id})
    return got


def discard(engine: Engine, item_id: int, reason: str, viewer: Viewer) -> None:
    """Discard a queued message with a reason (required), audited; only inside the viewer's scope."""
    access.require(viewer, "review.discard")
    reason = (safe.clean_text(reason) or "").strip()
    if not reason:
        raise ReviewError("Alasan wajib diisi untuk membuang pesan.")
    item = get_item(engine, viewer, item_id)
    if item is None:
        raise ReviewError("Pesan tidak ada di antrean atau sudah ditangani.")
    access.require(viewer, "review.discard", access.Place(item["kode_kelurahan"], item["kode_kecamatan"]))
    q = store.review_queue.c
    scope = _scope(viewer)
    with store.write(engine) as conn:
        done = conn.execute(store.review_queue.update()
                            .where(q.id == int(item_id), q.state == "antri",
                                   *([scope] if scope is not None else []))
                            .values(state="dibuang", resolved_by=viewer.username, resolved_at=now(),
                                    resolution_note=reason[:1000]))
        if done.rowcount != 1:
            raise ReviewError("Pesan tidak ada di antrean atau sudah ditangani.")
        store.audit.record(conn, viewer.username, "review", str(item_id), "discard",
                           from_status="antri", to_status="dibuang", note=reason[:1000])


__all__ = ["ClassifyOutcome", "FieldError", "ReviewError", "accept_checkin", "classify", "discard", "get_item", "queue_counts",
           "queue_frame", "queue_place"]
