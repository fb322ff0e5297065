"""One received SMS, from any gateway, through the same intake path as SMS lines of a chat import.

`receive_sms` reads the text with `intake.messages.read_message` (LAPOR format or
free text), validates with `intake.validate`, stores through
`intake.pipeline.insert_records` (numbering, possible-duplicate flag, alerts,
audit) or queues it for review, and records the message with the reply it got,
all in ONE transaction. The record is keyed by (channel, message_id): the same
message handed over again (a gateway retry, a reader restarted after a crash)
returns status ``ganda`` with the first reply and stores nothing new.

A calm message ("AMAN", "aman terkendali", "nihil"; the reader's outcome ``checkin``)
is a check-in (kondusif.checkins), never an incident: from a registered number for
that account's RT, answered "Terima kasih. Laporan AMAN RT 03 Air Kuti pukul 07.05 WIB
tercatat."; from an unknown number it waits in the review queue as a check-in
candidate (issue 24).

Who files: a number registered on an active RT account (kondusif.sms.senders)
files for that RT whatever RT the text names, as the form does. Any other number
goes to the review queue, readable or not. Replies tell the truth (issue 25.5):
a receipt for a stored report; every queued SMS is answered "Pesan Anda diterima
dan akan diperiksa petugas …" (replies.QUEUED_LEAD), with the LAPOR format added
only when nothing of a report could be read, and with the registration hint for
an unregistered number. The format and unregistered replies go at most once an
hour per sender (recorded in the store, so every gateway process shares the
limit). Chatter ("ok", "terima kasih") is kept in the message log and answered
with nothing: no reply loops with auto-responders.

Each outcome is one branch of `_plan` returning a `_Plan` (laporan, antrean,
diabaikan) that `_store` writes; a new kind of message gets a branch of its own
beside them. Sender and text are cleaned of control characters and bidi overrides
(kondusif.safe.clean_text) before they are read, stored or echoed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kondusif import access, store
from kondusif.errors import KondusifError
from kondusif.intake.chat import ChatMessage
from kondusif.intake.messages import DEFAULT_SEVERITY, is_chatter, read_message
from kondusif.intake.review import enqueue, queue_place
from kondusif.intake.validate import check_record, clean_text, make_rules, title_from_text
from kondusif.model import Source, new_id
from kondusif.phone import normalise_phone
from kondusif.safe import clean_text as safe_text
from kondusif.sms import replies
from kondusif.sms.senders import Sender, find_sender
from kondusif.timeutil import as_utc, now

log = logging.getLogger(__name__)

CHANNELS = ("gammu", "smssync")
STATUSES = ("laporan", "aman", "antrean", "ganda", "diabaikan")  # aman: a check-in (issue 24)
CHECKIN_CHANNELS = {"gammu": "sms-gammu", "smssync": "smssync"}  # gateway -> kondusif.checkins channel
HELP_INTERVAL = timedelta(hours=1)
MAX_TEXT = 2000  # a 10-part concatenated SMS is about 1,530 characters
MAX_MESSAGE_ID = 128


class SmsRefused(KondusifError, ValueError):
    """The gateway handed over something that is not an SMS (no id, no sender, unknown channel)."""


@dataclass(frozen=True)
class InboundSms:
    """One SMS as a gateway received it. `received_at` is timezone-aware."""

    channel: str  # gammu | smssync
    message_id: str  # the SMS's identity from its gateway (content-based; never a row ID or a client counter)
    sender: str
    text: str
    received_at: datetime
    gateway_phone: str | None = None  # the SMSsync phone (credential name) that carried it, shown with it


@dataclass(frozen=True)
class SmsOutcome:
    """What became of it: status laporan | antrean | ganda | diabaikan; reply None = send nothing."""

    status: str
    incident_number: str | None
    reply: str | None


def _check(msg: InboundSms) -> tuple[str, str, str]:
    if msg.channel not in CHANNELS:
        raise SmsRefused(f"Saluran SMS {msg.channel!r} tidak dikenal ({', '.join(CHANNELS)}).")
    mid = str(msg.message_id or "").strip()
    if not mid or len(mid) > MAX_MESSAGE_ID:
        raise SmsRefused(f"ID pesan SMS kosong atau lebih dari {MAX_MESSAGE_ID} karakter.")
    raw_sender = " ".join(safe_text(str(msg.sender or "")).split())
    sender = normalise_phone(raw_sender) or raw_sender[:32]  # alphanumeric senders ("TELKOMSEL") kept as sent
    if not sender:
        raise SmsRefused("Nomor pengirim SMS kosong.")
    if not isinstance(msg.received_at, datetime) or msg.received_at.tzinfo is None:
        raise SmsRefused("Waktu terima SMS harus memakai zona waktu.")
    return mid, sender, clean_text(safe_text(str(msg.text or "")))[:MAX_TEXT]


def _prior(conn: Connection, channel: str, message_id: str) -> SmsOutcome | None:
    m = store.sms_messages.c
    row = conn.execute(sa.select(m.reply, store.incidents.c.report_no)
                       .select_from(store.sms_messages.outerjoin(store.incidents,
                                                                 store.incidents.c.id == m.incident_id))
                       .where(m.channel == channel, m.message_id == message_id)).first()
    return SmsOutcome("ganda", row[1], row[0]) if row else None


def queue_fingerprint(channel: str, message_id: str) -> str:
    """The review-queue fingerprint of a gateway SMS: one queue item per message, however often handed over."""
    return hashlib.sha256(f"sms-gateway\x1f{channel}\x1f{message_id}".encode()).hexdigest()


@dataclass
class _Plan:
    status: str  # laporan, aman, antrean, diabaikan
    record: dict[str, Any] | None = None
    reason: str = ""
    guess: dict[str, Any] | None = None
    reply_kind: str | None = None  # tanda_terima, aman, antrean, format, belum_terdaftar


def _readable(reading) -> bool:
    """Something of a report was read: a LAPOR line, or at least one category in free text."""
    return reading.outcome == "report" or (reading.outcome == "review" and bool(reading.guess.get("kategori")))


def _checkin_plan(engine: Engine, reading, guess: dict[str, Any], sender: Sender | None, occurred: datetime,
                  received: datetime) -> _Plan:
    """A calm SMS (issue 24): a check-in for a registered number's own RT (whatever RT the text names);
    from an unknown number that names RT and kelurahan, a check-in candidate in the review queue."""
    from kondusif import checkins

    guess["laporan_aman"] = True
    if sender is None:
        raw = reading.raw or {}
        named = bool(raw.get("kelurahan") and raw.get("rt"))
        reason = "calon laporan aman: nomor pengirim belum terdaftar sebagai Ketua RT"
        if not named:
            reason += "; RT dan kelurahan tidak disebut"
        return _Plan("antrean", reason=reason, guess=guess, reply_kind="belum_terdaftar")
    guess.update(kelurahan=sender.kelurahan, rt=sender.rt, akun=sender.username)
    try:
        checkins.check_place(engine, sender.kelurahan, sender.rt)
        checkins.check_time(occurred, received)
        access.require(sender.viewer(), "checkin.file", access.Place(sender.kelurahan, rt=sender.rt))
    except (checkins.CheckinRefused, access.NotPermitted) as exc:
        return _Plan("antrean", reason=f"laporan aman tidak dapat dicatat: {exc}", guess=guess, reply_kind="antrean")
    return _Plan("aman", record={"kelurahan": sender.kelurahan, "rt": sender.rt, "at": occurred},
                 reply_kind="aman")


def _raw_for_sender(reading, text: str, sender: Sender, occurred: datetime, phone: str) -> dict[str, Any] | None:
    """A candidate record for a registered sender: the account's RT, whatever the text says."""
    if reading.outcome == "report":
        raw = dict(reading.raw)
    else:
        cats = reading.guess.get("kategori") or []
        if len(cats) != 1 or not reading.place_missing_only:
            return None  # no or several categories, a question, a doubt: a person decides
        raw = {"category": cats[0], "severity": reading.guess.get("tingkat") or DEFAULT_SEVERITY.value,
               "description": text, "title": title_from_text(text), "occurred_at": occurred}
    raw.update(kelurahan=sender.kelurahan, rt=sender.rt, reporter_phone=phone,
               reporter_name=sender.display_name or None, occurred_at=occurred)
    return raw


def _plan(engine: Engine, channel: str, mid: str, phone: str, text: str, occurred: datetime,
          sender: Sender | None, gateway_phone: str | None = None, received: datetime | None = None) -> _Plan:
    chat = ChatMessage(1, 1, "sms", occurred, phone, text)
    if not text or is_chatter(text):
        return _Plan("diabaikan", reason="pesan kosong" if not text else "obrolan, bukan laporan")
    reading = read_message(chat, sender.kelurahan if sender else None)
    guess = dict(reading.guess)
    guess["gateway"] = channel
    if reading.outcome == "checkin":
        return _checkin_plan(engine, reading, guess, sender, occurred, received or occurred)
    if not _readable(reading):
        # Nothing of a report could be read. A short text ("tambahan: pelakunya tim sukses") may be a
        # follow-up someone sent the city on purpose: a person reads it; only chatter is dropped.
        reason = reading.reason or "isi laporan tidak terbaca"
        if sender is None:
            reason = "nomor pengirim belum terdaftar sebagai Ketua RT; " + reason
        return _Plan("antrean", reason=reason, guess=guess, reply_kind="format")
    if sender is None:
        reason = "nomor pengirim belum terdaftar sebagai Ketua RT"
        if reading.outcome == "review":
            reason += "; " + reading.reason
        return _Plan("antrean", reason=reason, guess=guess, reply_kind="belum_terdaftar")
    guess.update(kelurahan=sender.kelurahan, rt=sender.rt, akun=sender.username)
    raw = _raw_for_sender(reading, text, sender, occurred, phone)
    if raw is None:
        reason = reading.reason or "isi laporan tidak terbaca"
        return _Plan("antrean", reason=reason, guess=guess, reply_kind="antrean")
    viewer = access.require(sender.viewer(), "form.submit", access.Place(sender.kelurahan, rt=sender.rt))
    checked = check_record(raw, make_rules(engine, viewer, check_rt_registry=False))
    if not checked.ok:
        return _Plan("antrean", reason="; ".join(str(e) for e in checked.errors), guess=guess, reply_kind="antrean")
    rec = checked.record
    assert rec is not None  # an ok check carries its record
    ref = f"{channel}:{gateway_phone}:{mid}" if gateway_phone else f"{channel}:{mid}"  # the source detail names the phone
    rec.update(source=Source.SMS.value, source_ref=ref[:128], created_by=sender.username, id=new_id())
    return _Plan("laporan", record=rec, reply_kind="tanda_terima")


def _claim_help(conn: Connection, phone: str, stamp: datetime) -> bool:
    """True when `phone` got no help reply in the last hour; records this one. One statement: races lose."""
    t = store.sms_senders
    stmt = store.insert_on_conflict(conn, t).values(sender=phone, help_sent_at=stamp)
    stmt = stmt.on_conflict_do_update(index_elements=[t.c.sender], set_={"help_sent_at": stmt.excluded.help_sent_at},
                                      where=t.c.help_sent_at <= stamp - HELP_INTERVAL).returning(t.c.sender)
    return conn.execute(stmt).first() is not None


def receive_sms(msg: InboundSms, *, engine: Engine | None = None) -> SmsOutcome:
    """File one received SMS (see the module docstring); idempotent by (channel, message_id).

    Acts as the system for the sender look-up and as the sender's RT account for
    validation. Raises SmsRefused for a message without id/sender/aware time;
    a database error propagates (the gateway retries: nothing was written).
    """
    mid, phone, text = _check(msg)
    engine = engine or store.get_engine()
    with engine.connect() as conn:
        prior = _prior(conn, msg.channel, mid)
    if prior is not None:
        return prior
    stamp = now()
    received = as_utc(msg.received_at)
    occurred = min(received, stamp)  # a phone clock ahead of time must not make a report "in the future"
    sender = find_sender(engine, phone)
    gateway_phone = " ".join(safe_text(str(msg.gateway_phone or "")).split())[:64] or None
    plan = _plan(engine, msg.channel, mid, phone, text, occurred, sender, gateway_phone, received)
    try:
        with store.write(engine) as conn:
            again = _prior(conn, msg.channel, mid)
            if again is not None:
                return again
            return _store(engine, conn, msg.channel, mid, phone, text, received, stamp, sender, plan, gateway_phone)
    except sa.exc.IntegrityError:
        with engine.connect() as conn:  # another process stored this very message a moment ago
            again = _prior(conn, msg.channel, mid)
        if again is None:
            raise
        return again


def _store(engine: Engine, conn: Connection, channel: str, mid: str, phone: str, text: str, received: datetime,
           stamp: datetime, sender: Sender | None, plan: _Plan, gateway_phone: str | None = None) -> SmsOutcome:
    from kondusif.intake.pipeline import insert_records  # the one insert path (imports alerts, duplicates)

    incident_id = report_no = queue_id = None
    reply: str | None = None
    if plan.status == "laporan":
        assert sender is not None and plan.record is not None  # a report is filed only for a registered sender
        rows, _ = insert_records(conn, [plan.record], sender.username,
                                 [{"sms": channel, "pesan": mid}], engine)
        row = rows[0]
        incident_id, report_no = row["id"], row["report_no"]
        reply = replies.receipt(report_no, row["category"], row["severity"], row.get("rt"), row["kode_kelurahan"])
    elif plan.status == "aman":
        from kondusif import checkins

        assert sender is not None and plan.record is not None  # a check-in is filed only for a registered sender
        got = checkins.insert_checkin(conn, engine, sender.viewer(), kelurahan=plan.record["kelurahan"],
                                      rt=plan.record["rt"], at=plan.record["at"], channel=CHECKIN_CHANNELS[channel],
                                      source_ref=f"{channel}:{mid}", sent_at=received, account=sender.username,
                                      phone=phone, sender_name=sender.display_name or None)
        reply = checkins.reply_text(got)
    elif plan.status == "antrean":
        guess = plan.guess or {}
        queue_id = enqueue(conn, [{
            "fingerprint": queue_fingerprint(channel, mid), "channel": "sms", "sent_at": received, "sender": phone,
            "text": text, "guess": json.dumps(guess, ensure_ascii=False, default=str), "reason": plan.reason[:1000],
            "state": "antri", "created_at": stamp, **queue_place(guess.get("kelurahan"))}])
    reply_kind = plan.reply_kind
    if reply_kind == "antrean" and phone.startswith("+"):
        reply = replies.queued_reply()  # a registered RT's own message: answered every time
    elif reply_kind in ("format", "belum_terdaftar"):
        # Only a phone number can be answered (not "TELKOMSEL"); at most once an hour per number.
        if phone.startswith("+") and _claim_help(conn, phone, stamp):
            reply = replies.format_reply() if reply_kind == "format" else replies.unregistered_reply()
        else:
            reply_kind = None
    conn.execute(store.sms_messages.insert().values(
        channel=channel, message_id=mid, sender=phone, text=text, received_at=received, stored_at=stamp,
        status=plan.status, username=sender.username if sender else None, incident_id=incident_id,
        queue_id=queue_id, reply_kind=reply_kind if reply else None, reply=reply, gateway_phone=gateway_phone))
    return SmsOutcome(plan.status, report_no, reply)


__all__ = ["CHANNELS", "InboundSms", "SmsOutcome", "SmsRefused", "queue_fingerprint", "receive_sms"]
