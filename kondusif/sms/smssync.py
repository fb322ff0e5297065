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
the client; both are read. The secret is generated per installation (never in code),
kept in `settings_kv`, shown to the admin, and compared in constant time.

Replies (the receipt) are rows of `smssync_outbox`, one per incoming SMS (`in_message_id`
unique), so a phone that re-sends an SMS gets the same receipt and never a second report.
States: menunggu (waiting for ?task=send) → diserahkan (handed to a phone) → diantre
(the phone confirmed it queued it) → terkirim / gagal (its delivery report).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from kondusif import access, store
from kondusif.config import settings
from kondusif.errors import KondusifError
from kondusif.model import Viewer
from kondusif.timeutil import as_utc, now

CHANNEL = "smssync"
SYNC_PATH = "/sms/smssync"  # the Sync URL's path on the app's own server (kondusif/web/smssync.py)
KV_KEY = "smssync_secret"
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
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ProtocolError(KondusifError, ValueError):
    """A request that is not a well-formed SMSsync message; the message says which field."""


# --------------------------------------------------------------------------- the secret


def generate_secret() -> str:
    """A fresh secret, e.g. 'k7mpx-2qrst-…' (typeable on a phone keyboard)."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(_GROUP_LEN)) for _ in range(_GROUPS))


def _insert(conn: Connection, table: sa.Table):
    return (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)


def _read_secret(conn: Connection) -> str | None:
    kv = store.settings_kv
    raw = conn.execute(sa.select(kv.c.value).where(kv.c.key == KV_KEY)).scalar()
    value = json.loads(raw) if raw is not None else None
    return value if isinstance(value, str) and value else None


def ensure_secret(engine: Engine) -> str:
    """This installation's secret, created on first use (concurrent first calls agree on one).

    Written to settings_kv directly, never through store.set_setting, whose audit row
    would copy the value into the audit log.
    """
    with engine.connect() as conn:
        found = _read_secret(conn)
    if found:
        return found
    with store.write(engine) as conn:
        stmt = _insert(conn, store.settings_kv).values(
            key=KV_KEY, value=json.dumps(generate_secret()), updated_at=now(), updated_by="sistem")
        done = conn.execute(stmt.on_conflict_do_nothing(index_elements=["key"]))
        if done.rowcount:
            store.add_audit(conn, "sistem", "setting", KV_KEY, "create", note="rahasia SMSsync dibuat")
        value = _read_secret(conn)
    if not value:  # pragma: no cover - the row was just written in this transaction
        raise RuntimeError("rahasia SMSsync tidak tersimpan")
    return value


def show_secret(engine: Engine, viewer: Viewer) -> str:
    """The secret for the admin to type into the phone (gateway.manage)."""
    access.require(viewer, "gateway.manage")
    return ensure_secret(engine)


def rotate_secret(engine: Engine, viewer: Viewer) -> str:
    """Replace the secret (a lost phone); every phone must be given the new one. Audited, value not logged."""
    access.require(viewer, "gateway.manage")
    ensure_secret(engine)
    fresh = generate_secret()
    kv = store.settings_kv
    with store.write(engine) as conn:
        conn.execute(kv.update().where(kv.c.key == KV_KEY)
                     .values(value=json.dumps(fresh), updated_at=now(), updated_by=viewer.username))
        store.add_audit(conn, viewer.username, "setting", KV_KEY, "rotate", note="rahasia SMSsync diganti")
    return fresh


def secret_ok(given: object, expected: str) -> bool:
    """Constant-time comparison; a missing or non-text secret is simply wrong."""
    if not isinstance(given, str) or not given or not expected:
        return False
    return hmac.compare_digest(given.strip().encode("utf-8"), expected.encode("utf-8"))


# --------------------------------------------------------------------------- reading a request


@dataclass(frozen=True)
class SyncMessage:
    """One incoming SMS as the phone reported it."""

    message_id: str
    sender: str
    text: str
    received_at: datetime
    device_id: str
    sent_to: str


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
    return _CONTROL.sub("", str(value or "")).strip()[:limit]


def clean_device_id(value: object) -> str:
    """The phone's own name for itself, without control characters, at most MAX_DEVICE_ID long."""
    return _clean(value, MAX_DEVICE_ID)


def read_message(fields: Mapping[str, Any], moment: datetime | None = None) -> SyncMessage:
    """The SMS in a sync POST's fields; ProtocolError naming the field when it is not one."""
    sender = _clean(fields.get("from"), 200)
    if not sender:
        raise ProtocolError("Kolom «from» (nomor pengirim) kosong.")
    if len(sender) > MAX_SENDER:
        raise ProtocolError(f"Kolom «from» terlalu panjang (paling banyak {MAX_SENDER} karakter).")
    if "message" not in fields or not isinstance(fields.get("message"), str):
        raise ProtocolError("Kolom «message» (isi SMS) tidak ada.")
    text = str(fields["message"]).replace("\r\n", "\n").replace("\x00", "")
    message_id = _clean(fields.get("message_id"), 200)
    if len(message_id) > MAX_MESSAGE_ID:
        raise ProtocolError(f"Kolom «message_id» terlalu panjang (paling banyak {MAX_MESSAGE_ID} karakter).")
    if not message_id:  # SMSsync before 2.5 sent none: the same SMS re-sent gives the same key
        digest = hashlib.sha256(f"{sender}\x1f{fields.get('sent_timestamp', '')}\x1f{text}".encode()).hexdigest()
        message_id = "fp:" + digest[:40]
    device_id = _clean(fields.get("device_id"), 200)
    if len(device_id) > MAX_DEVICE_ID:
        raise ProtocolError(f"Kolom «device_id» terlalu panjang (paling banyak {MAX_DEVICE_ID} karakter).")
    return SyncMessage(message_id=message_id, sender=sender, text=text,
                       received_at=parse_timestamp(fields.get("sent_timestamp"), moment),
                       device_id=device_id, sent_to=_clean(fields.get("sent_to"), MAX_SENDER))


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
        conn.execute(_insert(conn, o).values(
            uuid=str(uuid.uuid4()), in_message_id=msg.message_id, device_id=msg.device_id or None,
            to_number=msg.sender, message=reply, state=WAITING, created_at=stamp,
        ).on_conflict_do_nothing(index_elements=["in_message_id"]))
        row = conn.execute(sa.select(o).where(o.c.in_message_id == msg.message_id)).mappings().one()
        if not hand_over or row["state"] not in (WAITING, HANDED):
            return None
        conn.execute(o.update().where(o.c.uuid == row["uuid"]).values(state=HANDED, handed_at=stamp))
    return Outgoing(row["uuid"], row["to_number"], row["message"])


def take_waiting(engine: Engine, limit: int = 20) -> list[Outgoing]:
    """Replies waiting for a phone's ?task=send, oldest first, marked handed over (each given once)."""
    o = store.smssync_outbox
    with store.write(engine) as conn:
        rows = conn.execute(sa.select(o.c.uuid, o.c.to_number, o.c.message).where(o.c.state == WAITING)
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


def awaiting_result(engine: Engine, limit: int = 200) -> list[str]:
    """?task=result (GET): replies handed over in the last two days without a delivery report."""
    o = store.smssync_outbox
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(
            sa.select(o.c.uuid).where(o.c.state.in_([HANDED, QUEUED]), o.c.handed_at >= now() - timedelta(days=2))
            .order_by(o.c.handed_at).limit(limit))]


def record_results(engine: Engine, results: object) -> int:
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
                               .where(o.c.uuid == item["uuid"])).first()
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
    stmt = _insert(conn, d).values(**values)
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

    Idempotent by (channel 'smssync', message_id): a phone re-sending the same SMS gets
    status 'ganda' and the same reply, and no second report.
    """
    from kondusif.sms.inbound import InboundSms, receive_sms

    inbound = InboundSms(channel=CHANNEL, message_id=msg.message_id, sender=msg.sender, text=msg.text,
                         received_at=msg.received_at)
    return receive_sms(inbound, engine=engine)
