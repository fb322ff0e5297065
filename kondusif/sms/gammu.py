"""The Gammu channel: read Gammu SMSD's own `inbox` table, answer through its `outbox`.

Gammu SMSD (Debian `gammu-smsd`) talks to the USB modem and keeps its SQL tables
with the schema it ships (/usr/share/doc/gammu-smsd/examples/pgsql.sql, created
by the operator; this module never changes it). With ``gammu.db_url`` set
(KONDUSIF_GAMMU_DB), every round of the one worker (kondusif/worker.py `Worker.sms`) runs
`Gateway.poll` on the Gateway it keeps (its multipart memory lives across rounds):

1. take the unprocessed inbox rows in ID order;
2. join the parts of a concatenated SMS (same sender and UDH reference); a group
   still missing parts waits up to `multipart_wait` seconds, then goes as it is;
3. hand each message to `kondusif.sms.receive_sms`, idempotent by its identity
   (`message_id`): sender, SMSC time, text and multipart reference, never Gammu's
   row ID (issue 25.4), so the same SMS handed over again is stored once;
4. in ONE Gammu transaction mark its rows ``Processed`` (only if still
   unprocessed) and put the reply into ``outbox``, unless this very reply to
   this number is already in ``outbox`` or ``sentitems``;
5. with ``rounds.sms_reminder`` on, every 30 s: one reminder per voting-day round to each
   registered number of a silent RT (`Gateway.remind`, kondusif/sms/reminders.py).
A database that is down is recorded (`note_error`, shown on the Gerbang SMS screen and by
`health`) and retried by the worker after a growing pause; its other kinds go on.

A crash or `kill -9` between 3 and 4 loses nothing: the rows are still
unprocessed, the next run gets status ``ganda`` with the same reply and does 4.
A crash inside 4 leaves neither the mark nor the reply. A second reader racing
on the same row finds it already processed and sends nothing: no doubled receipt.
Gammu handing the same SMS over again (a failed delete on the modem, a restart
between its insert and its delete) makes a new inbox row with the same content:
status ``ganda``, the row is marked, and the receipt already queued or sent is
not queued again.

Gammu stores times without a zone, in the local time of the machine gammu-smsd
runs on (its TZ, else /etc/localtime); the reader reads them in ``gammu.tz``, by default
this machine's own zone, which is right when both run on one machine.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kondusif import store
from kondusif.config import ConfigError, settings
from kondusif.sms.gateways import record_state
from kondusif.sms.inbound import InboundSms, SmsOutcome, SmsRefused, receive_sms
from kondusif.timeutil import now

log = logging.getLogger(__name__)

CHANNEL = "gammu"
CREATOR_ID = "SiKondusif"
BATCH = 500
HEARTBEAT_SECONDS = 5.0

# The columns of Gammu's own tables (schema version 17) this reader touches.
_gammu = sa.MetaData()
inbox = sa.Table(
    "inbox", _gammu,
    sa.Column("ID", sa.Integer, primary_key=True),
    sa.Column("ReceivingDateTime", sa.DateTime),
    sa.Column("SenderNumber", sa.String(20)),
    sa.Column("Coding", sa.String(255)),
    sa.Column("UDH", sa.Text),
    sa.Column("TextDecoded", sa.Text),
    sa.Column("Processed", sa.Boolean),  # PostgreSQL boolean; SQLite text 'false'/'true' (see _flag)
)
outbox = sa.Table(
    "outbox", _gammu,
    sa.Column("ID", sa.Integer, primary_key=True),
    sa.Column("DestinationNumber", sa.String(20)),
    sa.Column("TextDecoded", sa.Text),
    sa.Column("Coding", sa.String(255)),
    sa.Column("CreatorID", sa.Text),
    sa.Column("MultiPart", sa.Boolean),
)

sentitems = sa.Table(
    "sentitems", _gammu,
    sa.Column("ID", sa.Integer, primary_key=True),
    sa.Column("SequencePosition", sa.Integer, primary_key=True),
    sa.Column("DestinationNumber", sa.String(20)),
    sa.Column("TextDecoded", sa.Text),
    sa.Column("CreatorID", sa.Text),
)


def gammu_engine(url: str) -> Engine:
    """An engine on Gammu's database (postgresql://… gets the psycopg driver the app uses)."""
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    args = {"connect_timeout": 10} if url.startswith("postgresql") else {}
    return sa.create_engine(url, pool_pre_ping=True, hide_parameters=True, connect_args=args)


def from_settings(engine: Engine) -> Gateway | None:
    """The worker's reader when ``gammu.db_url`` is set (None: no modem); a malformed URL or zone is a
    ConfigError naming the setting, so the worker refuses to start instead of failing every round."""
    cfg = settings().gammu
    if not cfg.db_url:
        return None
    try:
        tz = ZoneInfo(cfg.tz) if cfg.tz else None
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"Pengaturan «gammu.tz»: zona waktu «{cfg.tz}» tidak dikenal (contoh: Asia/Jakarta).") \
            from None
    try:
        gammu = gammu_engine(cfg.db_url)
    except sa.exc.ArgumentError:
        raise ConfigError("Pengaturan «gammu.db_url» (KONDUSIF_GAMMU_DB) bukan URL basis data (contoh: "
                          "postgresql://smsd:SANDI@127.0.0.1/smsd).") from None
    moment = datetime.now(UTC)
    if tz is not None and moment.astimezone(tz).utcoffset() != moment.astimezone().utcoffset():
        log.warning("gammu.tz %s berbeda dari zona komputer ini: benar hanya bila gammu-smsd berjalan di komputer "
                    "lain; bila di komputer ini, kosongkan gammu.tz, atau waktu laporan SMS bergeser.", cfg.tz)
    log.info("Gerbang SMS Gammu: %s", gammu.url.render_as_string(hide_password=True))
    return Gateway(gammu, engine, tz=tz)


def _flag(conn: Connection, value: bool) -> Any:
    """Gammu's Processed/MultiPart value: boolean on PostgreSQL, 'true'/'false' text in its SQLite schema."""
    if conn.dialect.name == "sqlite":
        return sa.literal("true" if value else "false")
    return sa.true() if value else sa.false()


# --------------------------------------------------------------------------- joining parts


@dataclass(frozen=True)
class Part:
    """One inbox row."""

    id: int
    sender: str
    text: str
    received: datetime | None
    udh: str


def concat_info(udh: str | None) -> tuple[int, int, int] | None:
    """(reference, total, sequence) of a concatenated-SMS UDH, hex as Gammu stores it; None otherwise.

    8-bit reference: IE 00 (``050003RRTTSS``); 16-bit: IE 08 (``060804RRRRTTSS``).
    """
    try:
        raw = bytes.fromhex((udh or "").strip())
    except ValueError:
        return None
    if len(raw) < 2:
        return None
    i, end = 1, 1 + raw[0]
    while i + 1 < len(raw) and i < end:
        ie, length = raw[i], raw[i + 1]
        data = raw[i + 2:i + 2 + length]
        if ie == 0x00 and length == 3 and len(data) == 3:
            return data[0], data[1], data[2]
        if ie == 0x08 and length == 4 and len(data) == 4:
            return (data[0] << 8) | data[1], data[2], data[3]
        i += 2 + length
    return None


@dataclass
class Group:
    """The parts of one message, in sequence order once complete (`again`: the same part delivered twice)."""

    key: tuple
    total: int
    parts: dict[int, Part] = field(default_factory=dict)
    again: list[Part] = field(default_factory=list)

    @property
    def first_id(self) -> int:
        return min(p.id for p in self.parts.values())

    @property
    def complete(self) -> bool:
        return len(self.parts) >= self.total

    def ids(self) -> list[int]:
        return sorted(p.id for p in [*self.parts.values(), *self.again])

    def text(self) -> str:
        return "".join(self.parts[k].text for k in sorted(self.parts))

    def first(self) -> Part:
        return self.parts[min(self.parts)]


def group_parts(parts: Sequence[Part]) -> list[Group]:
    """Messages from inbox rows: single rows alone, concatenated parts joined by (sender, reference, total)."""
    groups: dict[tuple, Group] = {}
    for p in parts:
        info = concat_info(p.udh)
        if info is None or info[1] <= 1:
            groups[("id", p.id)] = Group(("id", p.id), 1, {1: p})
            continue
        ref, total, seq = info
        key = ("udh", p.sender, ref, total)
        g = groups.setdefault(key, Group(key, total))
        if seq in g.parts:
            if g.parts[seq].text == p.text:  # the same part handed over twice: marked with its group
                g.again.append(p)
            else:  # a different text under a taken sequence number: read on its own, never dropped
                groups[("id", p.id)] = Group(("id", p.id), 1, {1: p})
            continue
        g.parts[seq] = p
    return sorted(groups.values(), key=lambda g: g.first_id)


def message_id(group: Group) -> str:
    """The identity of an SMS: sender, SMSC time of its first part, whole text and multipart reference.

    Never Gammu's row ID: the same SMS handed over again gets a new row (issue 25.4) and must
    stay one SMS. Two SMS a person sends with the same text get different SMSC times.
    """
    first = group.first()
    stamp = first.received.isoformat(timespec="seconds") if first.received else "-"
    ref = "-" if group.key[0] != "udh" else f"{group.key[2]}/{group.key[3]}"
    digest = hashlib.sha256("\x1f".join((first.sender, stamp, ref, group.text())).encode("utf-8")).hexdigest()
    return "gm:" + digest[:40]


# --------------------------------------------------------------------------- the reader


@dataclass
class Gateway:
    """One reader: Gammu's engine, the store's engine and what it has seen of incomplete groups."""

    gammu: Engine
    engine: Engine
    tz: tzinfo | None = None
    multipart_wait: float = 60.0
    first_seen: dict[tuple, float] = field(default_factory=dict)
    last_error: str | None = None
    _heartbeat_at: float = 0.0

    def unprocessed(self, limit: int = BATCH) -> list[Part]:
        c = inbox.c
        with self.gammu.connect() as conn:
            rows = conn.execute(sa.select(c.ID, c.SenderNumber, c.TextDecoded, c.ReceivingDateTime, c.UDH, c.Coding)
                                .where(c.Processed == _flag(conn, False)).order_by(c.ID).limit(limit)).fetchall()
        parts = []
        for rid, sender, text, received, udh, coding in rows:
            if isinstance(received, str):  # Gammu's SQLite schema keeps text
                received = datetime.fromisoformat(received)
            text = "" if coding == "8bit" else (text or "")
            parts.append(Part(int(rid), (sender or "").strip(), text, received, udh or ""))
        return parts

    def _aware(self, value: datetime | None) -> datetime:
        if value is None:
            return now()
        if value.tzinfo is not None:
            return value
        return value.replace(tzinfo=self.tz) if self.tz is not None else value.astimezone()

    def ready(self, groups: list[Group], clock: float) -> list[Group]:
        """Complete groups, and incomplete ones that waited `multipart_wait` seconds (in ID order)."""
        out = []
        live = set()
        for g in groups:
            if g.complete:
                self.first_seen.pop(g.key, None)
                out.append(g)
                continue
            live.add(g.key)
            seen = self.first_seen.setdefault(g.key, clock)
            if clock - seen >= self.multipart_wait:
                log.warning("SMS bersambung dari %s belum lengkap (%d dari %d bagian): diproses apa adanya",
                            g.first().sender, len(g.parts), g.total)
                self.first_seen.pop(g.key, None)
                out.append(g)
        for key in list(self.first_seen):
            if key not in live:
                self.first_seen.pop(key, None)
        return out

    def handle(self, group: Group) -> SmsOutcome | None:
        """Store one message, then mark its rows and queue its reply in one Gammu transaction."""
        first = group.first()
        msg = InboundSms(CHANNEL, message_id(group), first.sender, group.text(), self._aware(first.received))
        try:
            outcome: SmsOutcome | None = receive_sms(msg, engine=self.engine)
        except SmsRefused as exc:
            self.note_error(f"Pesan Gammu ID {group.ids()} dilewati: {exc}")
            outcome = None
        reply = outcome.reply if outcome is not None else None
        c = inbox.c
        with self.gammu.begin() as conn:
            done = conn.execute(inbox.update().where(c.ID.in_(group.ids()), c.Processed == _flag(conn, False))
                                .values(Processed=_flag(conn, True)))
            if done.rowcount != len(group.ids()):
                conn.rollback()  # another reader took these rows: it sends the reply, not us
                return outcome
            if reply and first.sender and not (outcome is not None and outcome.status == "ganda"
                                               and _already_replied(conn, first.sender, reply)):
                conn.execute(outbox.insert().values(DestinationNumber=first.sender, TextDecoded=reply,
                                                    Coding="Default_No_Compression", CreatorID=CREATOR_ID,
                                                    MultiPart=_flag(conn, False)))
        return outcome

    def poll(self, clock: float | None = None, limit: int | None = None) -> int:
        """One pass over the inbox; returns how many messages were handled."""
        clock = time.monotonic() if clock is None else clock
        ready = self.ready(group_parts(self.unprocessed()), clock)[:limit]
        for group in ready:  # a burst's Rawan re-checks: the worker takes all their events at once
            self.handle(group)
        return len(ready)

    def remind(self, at: datetime | None = None) -> int:
        """Queue the due reminders to silent RT numbers (kondusif/sms/reminders.py); returns how many.

        The claim rows and Gammu's outbox rows go in one pass: the Gammu transaction commits
        inside the store's, so a crash between the two leaves the claim unrecorded and the next
        pass finds the reminder already in Gammu's outbox or sentitems and does not queue it again.
        """
        from kondusif.sms import reminders

        due = reminders.due(self.engine, at)
        if not due:
            return 0
        with store.write(self.engine) as conn:
            mine = reminders.claim(conn, due, CHANNEL)
            with self.gammu.begin() as gconn:
                for r in mine:
                    if not _already_replied(gconn, r.phone, r.text):
                        gconn.execute(outbox.insert().values(
                            DestinationNumber=r.phone, TextDecoded=r.text, Coding="Default_No_Compression",
                            CreatorID=CREATOR_ID, MultiPart=_flag(gconn, False)))
        if mine:
            log.info("%d SMS pengingat putaran ke RT senyap diantrekan", len(mine))
        return len(mine)

    def note_error(self, text: str) -> None:
        log.error("%s", text)
        self.last_error = text[:1000]
        try:
            record_state(self.engine, CHANNEL, None, error=self.last_error)
        except Exception:  # noqa: BLE001 - the store may be what failed; the log line stays
            log.exception("Status gateway tidak tersimpan")

    def heartbeat(self, force: bool = False) -> None:
        clock = time.monotonic()
        if not force and clock - self._heartbeat_at < HEARTBEAT_SECONDS:
            return
        self._heartbeat_at = clock
        with self.gammu.connect() as conn:
            waiting = int(conn.execute(sa.select(sa.func.count()).select_from(outbox)).scalar() or 0)
        record_state(self.engine, CHANNEL, waiting)


def _already_replied(conn: Connection, number: str, reply: str) -> bool:
    """This reply to this number is already waiting in Gammu's outbox or was sent (sentitems).

    Asked only for a repeat (status ``ganda``): after a crash between the store and Gammu's
    transaction nothing is there yet and the reply goes; for a redelivered SMS it is there.
    """
    for table in (outbox, sentitems):
        c = table.c
        found = conn.execute(sa.select(c.ID).where(c.CreatorID == CREATOR_ID, c.DestinationNumber == number,
                                                   c.TextDecoded == reply).limit(1)).first()
        if found is not None:
            return True
    return False


__all__ = ["CHANNEL", "CREATOR_ID", "Gateway", "Group", "Part", "concat_info", "from_settings", "gammu_engine",
           "group_parts", "message_id"]
