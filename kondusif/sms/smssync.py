"""The Android gateway channel: Ushahidi's SMSsync protocol (the HTTP side lives in kondusif/web/smssync.py).

SMSsync turns an Android phone into an SMS gateway. What it sends and expects, from its
developer documentation (ushahidi/SMSSync, website-src/content/developers/index.md) and
its client code (PostMessage.java, MessageHttpClient.java, ProcessMessageResult.java):

- POST <sync URL>, form fields `from`, `message`, `message_id`, `sent_timestamp`,
  `sent_to`, `secret`, `device_id`; answer `{"payload": {"success": true, "error": null}}`,
  optionally with `"task": "send", "secret": …, "messages": [{"to", "message", "uuid"}]`,
  which the phone sends by SMS at once ("Get reply from server").
- GET <sync URL>?task=send&secret=S (task checking, polled): the same payload with the
  messages waiting; the phone sends them only when `payload.secret` equals its own.
- POST ?task=sent `{"queued_messages": [uuid…]}` (Message Results API): answer
  `{"message_uuids": [uuid…]}`, the ones the phone may send. The client sends no secret here.
- GET ?task=result&secret=S: `{"message_uuids": [...]}` awaiting a delivery report;
  POST ?task=result&secret=S `{"message_result": [{"uuid", "sent_result_code",
  "sent_result_message", "delivered_result_code", "delivered_result_message"}]}`.

`sent_timestamp` is UNIX seconds in the docs but Java milliseconds (`Date.getTime()`) in
the client; both are read. Each gateway phone has its own secret (issue 27.4), made when
the admin registers the phone on Gerbang SMS or with `smssync ponsel tambah`, shown once,
kept only as its SHA-256 in `smssync_phones`, and revocable on its own; every SMS and reply
records the phone that carried it. An SMS's identity is that phone, the phone's message_id,
the sender and the text (`sms_identity`), never the client's message_id alone.

Replies (the receipt) are rows of `smssync_outbox`, one per incoming SMS (`in_message_id`
unique), so a phone that re-sends an SMS gets the same receipt and never a second report;
a phone's ?task=send only ever gets the replies to SMS it carried itself.
States: menunggu (waiting for ?task=send) → diserahkan (handed to a phone) → diantre
(the phone confirmed it queued it) → terkirim / gagal (its delivery report).
"""

from __future__ import annotations

import hashlib
import math
import re
import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kondusif import access, store
from kondusif.config import settings
from kondusif.errors import KondusifError
from kondusif.model import Viewer
from kondusif.safe import clean_text
from kondusif.timeutil import as_utc, format_wib, now

CHANNEL = "smssync"
SYNC_PATH = "/sms/smssync"  # the Sync URL's path on the app's own server (kondusif/web/smssync.py)
# Typed by hand into the phone: lower case, no look-alikes (i l o 0 1); 5 groups of 5 ≈ 124 bits.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_GROUPS, _GROUP_LEN = 5, 5

WAITING, HANDED, QUEUED, SENT, FAILED = "menunggu", "diserahkan", "diantre", "terkirim", "gagal"
STATE_LABELS = {WAITING: "menunggu diambil ponsel", HANDED: "diserahkan ke ponsel", QUEUED: "diantre di ponsel",
                SENT: "terkirim", FAILED: "gagal dikirim ponsel"}
REPLY_MODES = ("langsung", "tugas")
MAX_SENDER = 40
MAX_MESSAGE_ID = 80
MAX_DEVICE_ID = 64
FUTURE_SLACK = timedelta(minutes=10)  # a phone clock this far ahead is not believed
MAX_LABEL = 40
_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]*")


class ProtocolError(KondusifError, ValueError):
    """A request that is not a well-formed SMSsync message; the message says which field."""


# --------------------------------------------------------------------------- phone credentials


class PhoneError(KondusifError, ValueError):
    """A phone name the admin typed that cannot be registered or revoked; the message says why."""


@dataclass(frozen=True)
class Phone:
    """One registered gateway phone: the credential a request proved."""

    id: int
    label: str


def generate_secret() -> str:
    """A fresh secret, e.g. 'k7mpx-2qrst-…' (typeable on a phone keyboard)."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(_GROUP_LEN)) for _ in range(_GROUPS))


def _digest(secret: str) -> str:
    """What is stored of a secret: ~124 random bits need no slow hash, only no readable copy."""
    return hashlib.sha256(secret.strip().encode("utf-8")).hexdigest()


def clean_label(value: object) -> str:
    """A phone's name as the admin typed it, checked: 1-40 letters, digits, space, dot, dash or underscore."""
    label = " ".join(clean_text(str(value or "")).split())
    if not label:
        raise PhoneError("Nama ponsel kosong. Contoh: posko-setda-1.")
    if len(label) > MAX_LABEL or not _LABEL.fullmatch(label):
        raise PhoneError(f"Nama ponsel «{label[:60]}» tidak dapat dipakai: paling banyak {MAX_LABEL} karakter, "
                         "hanya huruf, angka, spasi, titik, garis (-) dan garis bawah (_).")
    return label


def register_phone(engine: Engine, viewer: Viewer, label: object) -> tuple[Phone, str]:
    """A new gateway phone and its secret, shown this once (only its SHA-256 is kept). Audited without the value."""
    access.require(viewer, "gateway.manage")
    name = clean_label(label)
    secret = generate_secret()
    p = store.smssync_phones
    with store.write(engine) as conn:
        taken = conn.execute(sa.select(p.c.id).where(sa.func.lower(p.c.label) == name.lower())).first()
        if taken is not None:
            raise PhoneError(f"Nama ponsel «{name}» sudah dipakai (juga yang sudah dicabut); pilih nama lain.")
        new = conn.execute(p.insert().values(label=name, secret_sha256=_digest(secret), created_at=now(),
                                             created_by=viewer.username).returning(p.c.id)).scalar_one()
        store.audit.record(conn, viewer.username, "smssync_phone", str(new), "create",
                           note=f"ponsel gerbang SMSsync «{name}» didaftarkan")
    return Phone(int(new), name), secret


def revoke_phone(engine: Engine, viewer: Viewer, label: object) -> Phone:
    """Refuse this phone's secret from now on (a lost or replaced phone); its past SMS keep its name."""
    access.require(viewer, "gateway.manage")
    name = " ".join(clean_text(str(label or "")).split())
    p = store.smssync_phones
    with store.write(engine) as conn:
        row = conn.execute(sa.select(p.c.id, p.c.label, p.c.revoked_at)
                           .where(sa.func.lower(p.c.label) == name.lower())).first()
        if row is None:
            raise PhoneError(f"Tidak ada ponsel gerbang bernama «{name[:60]}».")
        if row.revoked_at is not None:
            raise PhoneError(f"Ponsel «{row.label}» sudah dicabut pada {format_wib(row.revoked_at)}.")
        conn.execute(p.update().where(p.c.id == row.id, p.c.revoked_at.is_(None))
                     .values(revoked_at=now(), revoked_by=viewer.username))
        store.audit.record(conn, viewer.username, "smssync_phone", str(row.id), "revoke",
                           note=f"ponsel gerbang SMSsync «{row.label}» dicabut")
    return Phone(int(row.id), row.label)


def list_phones(engine: Engine, viewer: Viewer) -> list[dict[str, Any]]:
    """Every registered phone, active first: label, created, revoked, last used (never the secret)."""
    access.require(viewer, "gateway.manage")
    p = store.smssync_phones
    with engine.connect() as conn:
        rows = conn.execute(sa.select(p.c.id, p.c.label, p.c.created_at, p.c.created_by, p.c.revoked_at,
                                      p.c.revoked_by, p.c.last_used_at)
                            .order_by(p.c.revoked_at.is_not(None), p.c.label)).mappings()
        return [dict(r) for r in rows]


def phone_for_secret(engine: Engine, given: object) -> Phone | None:
    """The active phone whose secret this is; None for a missing, wrong or revoked one.

    Looked up by the secret's SHA-256 (an index probe), so no comparison leaks a prefix.
    """
    if not isinstance(given, str) or not given.strip() or len(given) > 200:
        return None
    p = store.smssync_phones
    with engine.connect() as conn:
        row = conn.execute(sa.select(p.c.id, p.c.label).where(
            p.c.secret_sha256 == _digest(given), p.c.revoked_at.is_(None))).first()
    return None if row is None else Phone(int(row.id), row.label)


def touch_phone(engine: Engine, phone: Phone) -> None:
    """Record that `phone` called (at most one write a minute per phone)."""
    p = store.smssync_phones
    stamp = now()
    with store.write(engine) as conn:
        conn.execute(p.update().where(p.c.id == phone.id, sa.or_(
            p.c.last_used_at.is_(None), p.c.last_used_at < stamp - timedelta(minutes=1))).values(last_used_at=stamp))


def count_request(engine: Engine, phone: Phone | None, address: str, per_minute: int,
                  moment: datetime | None = None) -> float:
    """Count one request of (phone, client address) in the store; 0.0 when allowed, else seconds to wait.

    A fixed one-minute window per key, counted by one upsert, so every app process adds to
    the same count and racing requests cannot both take the last slot. The key is what the
    caller cannot choose: the credential it proved and the address it comes from.
    """
    per_minute = max(1, int(per_minute))
    stamp = as_utc(moment) if moment is not None else now()
    window = stamp.replace(second=0, microsecond=0)
    key = f"{phone.id if phone else '-'}|{address}"[:160]
    r = store.smssync_rate
    with store.write(engine) as conn:
        stmt = store.insert_on_conflict(conn, r).values(key=key, window_start=window, hits=1)
        stmt = stmt.on_conflict_do_update(index_elements=[r.c.key], set_={
            "hits": sa.case((r.c.window_start == window, r.c.hits + 1), else_=1),
            "window_start": window}).returning(r.c.hits)
        hits = int(conn.execute(stmt).scalar_one())
        if hits == 1 and secrets.randbelow(100) == 0:  # now and then: forget windows long gone
            conn.execute(r.delete().where(r.c.window_start < window - timedelta(hours=1)))
    if hits <= per_minute:
        return 0.0
    return max(1.0, (window + timedelta(minutes=1) - stamp).total_seconds())


# --------------------------------------------------------------------------- reading a request


@dataclass(frozen=True)
class SyncMessage:
    """One incoming SMS as the phone reported it."""

    message_id: str  # the SMS's identity here (see `sms_identity`), not the phone's own message_id
    sender: str
    text: str
    received_at: datetime
    device_id: str
    sent_to: str
    phone: Phone | None = None  # the credential that carried it
    client_id: str = ""  # the phone's own message_id, as sent


def parse_timestamp(raw: object, moment: datetime | None = None) -> datetime:
    """`sent_timestamp` → aware UTC time; the current moment when missing, unreadable or in the future.

    Values above 10^11 are Java milliseconds since 1970 (what the client sends),
    smaller ones UNIX seconds (what the documentation says).
    """
    moment = as_utc(moment) if moment is not None else now()
    try:
        value = float(str(raw).strip())
    except (TypeError, ValueError):
        return moment
    if not math.isfinite(value) or value <= 0:
        return moment
    seconds = value / 1000.0 if value > 1e11 else value
    try:
        when = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return moment
    return moment if when > moment + FUTURE_SLACK else when


def _clean(value: object, limit: int) -> str:
    return " ".join(clean_text(str(value or "")).split())[:limit]


def clean_device_id(value: object) -> str:
    """The phone's own name for itself, without control characters, at most MAX_DEVICE_ID long."""
    return _clean(value, MAX_DEVICE_ID)


def sms_identity(phone: Phone | None, client_id: str, sender: str, text: str) -> str:
    """Who an SMS is here: the phone that carried it, the phone's id for it, the sender and the text.

    The phone's `message_id` alone is not enough (issue 27.2): another phone, or one whose
    counter restarted, reuses ids. A true retry repeats all four and stays one SMS; a
    different SMS under a reused id differs in one of them and is stored on its own.
    """
    digest = hashlib.sha256("\x1f".join(
        (str(phone.id) if phone else "-", client_id, sender, text)).encode("utf-8")).hexdigest()
    return "ss:" + digest[:40]


def read_message(fields: Mapping[str, Any], moment: datetime | None = None, phone: Phone | None = None
                 ) -> SyncMessage:
    """The SMS in a sync POST's fields, carried by `phone`; ProtocolError naming the field when it is not one.

    Control characters and bidi overrides are taken out of the sender and the text
    (kondusif.safe.clean_text) before anything else sees them.
    """
    sender = _clean(fields.get("from"), 200)
    if not sender:
        raise ProtocolError("Kolom «from» (nomor pengirim) kosong.")
    if len(sender) > MAX_SENDER:
        raise ProtocolError(f"Kolom «from» terlalu panjang (paling banyak {MAX_SENDER} karakter).")
    if "message" not in fields or not isinstance(fields.get("message"), str):
        raise ProtocolError("Kolom «message» (isi SMS) tidak ada.")
    text = clean_text(fields["message"])
    client_id = _clean(fields.get("message_id"), 200)
    if len(client_id) > MAX_MESSAGE_ID:
        raise ProtocolError(f"Kolom «message_id» terlalu panjang (paling banyak {MAX_MESSAGE_ID} karakter).")
    if not client_id:  # SMSsync before 2.5 sent none: the same SMS re-sent gives the same key
        client_id = "ts:" + _clean(fields.get("sent_timestamp"), 40)
    device_id = _clean(fields.get("device_id"), 200)
    if len(device_id) > MAX_DEVICE_ID:
        raise ProtocolError(f"Kolom «device_id» terlalu panjang (paling banyak {MAX_DEVICE_ID} karakter).")
    return SyncMessage(message_id=sms_identity(phone, client_id, sender, text), sender=sender, text=text,
                       received_at=parse_timestamp(fields.get("sent_timestamp"), moment),
                       device_id=device_id, sent_to=_clean(fields.get("sent_to"), MAX_SENDER), phone=phone,
                       client_id=client_id)


# --------------------------------------------------------------------------- replies (the outbox)


@dataclass(frozen=True)
class Outgoing:
    """A reply for the phone to send: the `messages` entry of the payload."""

    uuid: str
    to: str
    message: str

    def as_payload(self) -> dict[str, str]:
        return {"to": self.to, "message": self.message, "uuid": self.uuid}


def reply_mode() -> str:
    """'langsung' (reply inside the sync answer) or 'tugas' (the phone fetches it with ?task=send)."""
    mode = str(settings().smssync.replies).strip().lower()
    return mode if mode in REPLY_MODES else "langsung"


def queue_reply(engine: Engine, msg: SyncMessage, reply: str, hand_over: bool) -> Outgoing | None:
    """Record the reply to `msg` (once per message) and, with `hand_over`, give it to the phone now.

    A repeated message (the phone did not get our first answer) gets the same reply
    again, unless the phone already confirmed queueing or sending it.
    Returns the reply to put in the answer, or None.
    """
    o = store.smssync_outbox
    stamp = now()
    with store.write(engine) as conn:
        conn.execute(store.insert_on_conflict(conn, o).values(
            uuid=str(uuid.uuid4()), in_message_id=msg.message_id, device_id=msg.device_id or None,
            to_number=msg.sender, message=reply, state=WAITING, created_at=stamp,
            phone_id=msg.phone.id if msg.phone else None,
        ).on_conflict_do_nothing(index_elements=["in_message_id"]))
        row = conn.execute(sa.select(o).where(o.c.in_message_id == msg.message_id)).mappings().one()
        if not hand_over or row["state"] not in (WAITING, HANDED):
            return None
        conn.execute(o.update().where(o.c.uuid == row["uuid"]).values(state=HANDED, handed_at=stamp))
    return Outgoing(row["uuid"], row["to_number"], row["message"])


def take_waiting(engine: Engine, phone: Phone | None, limit: int = 20) -> list[Outgoing]:
    """Replies waiting for `phone`'s ?task=send, oldest first, marked handed over (each given once).

    Only the replies to SMS this phone carried: a credential never fetches replies (and RT
    numbers) of another phone.
    """
    o = store.smssync_outbox
    with store.write(engine) as conn:
        rows = conn.execute(sa.select(o.c.uuid, o.c.to_number, o.c.message).where(o.c.state == WAITING, _of(phone))
                            .order_by(o.c.created_at, o.c.uuid).limit(limit)).fetchall()
        taken = []
        for uid, to, text in rows:
            done = conn.execute(o.update().where(o.c.uuid == uid, o.c.state == WAITING)
                                .values(state=HANDED, handed_at=now()))
            if done.rowcount == 1:
                taken.append(Outgoing(uid, to, text))
    return taken


def _uuids(values: object, limit: int = 500) -> list[str]:
    if not isinstance(values, list):
        return []
    return [v for v in values[:limit] if isinstance(v, str) and 0 < len(v) <= 64]


def confirm_queued(engine: Engine, uuids: object) -> list[str]:
    """?task=sent: of the uuids the phone queued, those it may send (ours, not sent yet), marked diantre.

    Needs no secret (the client sends none here): a uuid is random and only ever
    given to a phone that proved the secret, and this can only let it send its reply.
    """
    wanted = _uuids(uuids)
    if not wanted:
        return []
    o = store.smssync_outbox
    with store.write(engine) as conn:
        ok = [r[0] for r in conn.execute(sa.select(o.c.uuid).where(
            o.c.uuid.in_(wanted), o.c.state.in_([WAITING, HANDED, QUEUED])))]
        if ok:
            conn.execute(o.update().where(o.c.uuid.in_(ok)).values(state=QUEUED))
    return [u for u in wanted if u in set(ok)]


def _of(phone: Phone | None):
    o = store.smssync_outbox
    return o.c.phone_id == phone.id if phone is not None else o.c.phone_id.is_(None)


def awaiting_result(engine: Engine, phone: Phone | None = None, limit: int = 200) -> list[str]:
    """?task=result (GET): `phone`'s replies handed over in the last two days without a delivery report."""
    o = store.smssync_outbox
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(
            sa.select(o.c.uuid).where(o.c.state.in_([HANDED, QUEUED]), o.c.handed_at >= now() - timedelta(days=2),
                                      _of(phone))
            .order_by(o.c.handed_at).limit(limit))]


def record_results(engine: Engine, results: object, phone: Phone | None = None) -> int:
    """?task=result (POST): store the phone's send results; a failure becomes the device's last error.

    sent_result_code 0 is sent (SMSsync's "SMSSync Message Sent"); anything else failed,
    with the phone's reason (e.g. "No service"). Returns how many replies were updated.
    """
    if not isinstance(results, list):
        return 0
    o = store.smssync_outbox
    stamp = now()
    n = 0
    with store.write(engine) as conn:
        for item in results[:500]:
            if not isinstance(item, dict) or not _uuids([item.get("uuid")]):
                continue
            try:
                code = int(item.get("sent_result_code"))  # type: ignore[arg-type]  # None -> TypeError, caught
            except (TypeError, ValueError):
                continue
            text = _clean(item.get("sent_result_message"), 200) or None
            row = conn.execute(sa.select(o.c.device_id, o.c.to_number, o.c.state)
                               .where(o.c.uuid == item["uuid"], _of(phone))).first()
            if row is None or row.state == SENT:
                continue
            state = SENT if code == 0 else FAILED
            conn.execute(o.update().where(o.c.uuid == item["uuid"]).values(
                state=state, result_at=stamp, result_code=code, result_message=text))
            n += 1
            if state == FAILED:
                _note(conn, row.device_id or "", None, f"Balasan ke {row.to_number} gagal dikirim ponsel: "
                      f"{text or f'kode {code}'}", stamp)
    return n


# --------------------------------------------------------------------------- phones


def _note(conn: Connection, device_id: str, address: str | None, error: str | None, stamp: datetime) -> None:
    d = store.smssync_devices
    values: dict[str, Any] = {"device_id": device_id[:MAX_DEVICE_ID]}
    if address is not None:
        values.update(last_seen_at=stamp, last_address=address[:64])
    if error is not None:
        values.update(last_error=error[:500], last_error_at=stamp)
    stmt = store.insert_on_conflict(conn, d).values(**values)
    update = {k: getattr(stmt.excluded, k) for k in values if k != "device_id"}
    conn.execute(stmt.on_conflict_do_update(index_elements=["device_id"], set_=update) if update
                 else stmt.on_conflict_do_nothing(index_elements=["device_id"]))


def note_device(engine: Engine, device_id: str, address: str | None, error: str | None = None) -> None:
    """Record that a phone called (address) and/or what went wrong (error) for the admin page.

    device_id "" collects requests refused before the phone proved the secret.
    """
    with store.write(engine) as conn:
        _note(conn, device_id, address, error, now())


def devices(engine: Engine, viewer: Viewer) -> list[dict[str, Any]]:
    """Every phone that called, newest first (gateway.manage)."""
    access.require(viewer, "gateway.manage")
    d = store.smssync_devices
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            sa.select(d).order_by(d.c.last_seen_at.desc().nulls_last(), d.c.device_id)).mappings()]


def outbox_counts(engine: Engine, viewer: Viewer) -> dict[str, int]:
    """Replies per state (gateway.manage): 'menunggu' + 'diserahkan' are the ones still on their way."""
    access.require(viewer, "gateway.manage")
    o = store.smssync_outbox
    with engine.connect() as conn:
        found: dict[str, int] = dict(conn.execute(sa.select(o.c.state, sa.func.count()).group_by(o.c.state)).fetchall())
    return {state: int(found.get(state, 0)) for state in STATE_LABELS}


def last_failure(engine: Engine, viewer: Viewer) -> dict[str, Any] | None:
    """The newest error any phone (or a refused caller) produced: {device_id, error, at} or None."""
    access.require(viewer, "gateway.manage")
    d = store.smssync_devices
    with engine.connect() as conn:
        row = conn.execute(sa.select(d.c.device_id, d.c.last_error, d.c.last_error_at)
                           .where(d.c.last_error.is_not(None))
                           .order_by(d.c.last_error_at.desc()).limit(1)).first()
    return None if row is None else {"device_id": row[0], "error": row[1], "at": row[2]}


def payload(success: bool, error: str | None = None, messages: Iterable[Outgoing] = (),
            secret: str | None = None) -> dict[str, Any]:
    """The JSON answer SMSsync reads; `secret` only once the caller proved it knows it."""
    body: dict[str, Any] = {"success": success, "error": error}
    out = [m.as_payload() for m in messages]
    if out or secret is not None:
        body["task"] = "send"
        body["secret"] = secret
        body["messages"] = out
    return {"payload": body}


def receive(engine: Engine, msg: SyncMessage):
    """Run the SMS through the shared SMS intake (kondusif.sms.inbound): report, queue, or a repeat.

    Idempotent by (channel 'smssync', identity): a phone re-sending the same SMS gets
    status 'ganda' and the same reply, and no second report.
    """
    from kondusif.sms.inbound import InboundSms, receive_sms

    inbound = InboundSms(channel=CHANNEL, message_id=msg.message_id, sender=msg.sender, text=msg.text,
                         received_at=msg.received_at, gateway_phone=msg.phone.label if msg.phone else None)
    return receive_sms(inbound, engine=engine)
