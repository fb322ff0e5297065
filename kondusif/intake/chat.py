"""Split a WhatsApp group export or an SMS dump into messages.

WhatsApp (Indonesian locale, "Ekspor chat" without media):

- Android: ``20/06/18 14.32 - Pak Rahman RT 03: ada amplop beredar``
- iPhone:  ``[20/06/18 14.32.10] Pak Rahman RT 03: ada amplop beredar``

Also tolerated: 4-digit years, ``:`` as the time separator, an AM/PM suffix,
a comma after the date, and the invisible U+200E marks iPhone puts before
system lines and attachments. A line that does not start with a timestamp
continues the message above it. Times are the phone's local time, WIB.

SMS, one message per line (the layout the README documents)::

    2018-06-20 14:32;+6281234567890;LAPOR uang berat RT 3 Air Kuti: amplop Rp50rb

(any date form `parse_datetime` reads; ``;`` or a tab between the three parts).

Every message keeps its line number; lines that are not messages become
``invalid`` messages with a reason, so nothing in the file goes unaccounted.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from kondusif.config import settings
from kondusif.intake.files import FileRefused, decode_text
from kondusif.intake.validate import DateProblem, parse_datetime
from kondusif.timeutil import WIB

CHANNELS = ("whatsapp", "sms")

_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060\ufeff]")
_STAMP = (r"(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4}|\d{2}),?\s+"
          r"(?P<H>\d{1,2})[.:](?P<M>\d{2})(?:[.:](?P<S>\d{2}))?(?:\s*(?P<ap>[AaPp]\.?\s?[Mm]\.?))?")
ANDROID = re.compile(r"^" + _STAMP + r"\s+[-–]\s+(?P<rest>.*)$")
IPHONE = re.compile(r"^\[" + _STAMP + r"\]\s*(?P<rest>.*)$")
SMS = re.compile(r"^(?P<ts>[^;\t]{8,40})[;\t]\s*(?P<num>\+?[\d\s\-().]{0,24})[;\t](?P<text>.*)$")
_SMS_HEADER = re.compile(r"^\s*(waktu|tanggal|date|time)\s*[;\t]", re.IGNORECASE)
_PHONE_LIKE = re.compile(r"^\+?[\d\s\-()]{8,20}$")

MEDIA_MARKERS = re.compile(
    r"^(?:<?\s*(?:media|gambar|foto|video|audio|stiker|sticker|dokumen|document|gif|image|kontak|contact|"
    r"pesan suara|voice message)\s+(?:tidak\s+disertakan|omitted|dihilangkan)\s*>?|<\s*(?:lampiran|attached)\s*:"
    r"[^>]*>|.*\((?:file|berkas)\s+(?:terlampir|attached)\)|null)$",
    re.IGNORECASE,
)
DELETED = re.compile(r"^(?:pesan ini (?:telah )?dihapus|anda menghapus pesan ini|this message was deleted|"
                     r"you deleted this message)\.?$", re.IGNORECASE)
SYSTEM_WORDS = re.compile(
    r"(?:pesan dan panggilan (?:terenkripsi|dienkripsi)|messages and calls are end-to-end|terenkripsi secara "
    r"end-to-end|\bmenambahkan\b|\bmengeluarkan\b|\bkeluar\b\s*$|\btelah keluar\b|\bbergabung\b|"
    r"\bmembuat grup\b|\bmengubah (?:subjek|ikon|deskripsi|nomor|pengaturan|foto)|\bsekarang admin\b|"
    r"\bbukan lagi admin\b|\bdikeluarkan\b|\bmenghapus ikon grup\b|\bcreated group\b|\badded\b|\bleft$|"
    r"\bremoved\b|\bchanged the (?:subject|group)|\bjoined using\b|\bmenggunakan tautan undangan\b)",
    re.IGNORECASE,
)


@dataclass
class ChatMessage:
    """One message (or one unusable piece of the file) with where it came from."""

    number: int  # 1-based order in the file
    line: int  # line number of its first line
    channel: str
    sent_at: datetime | None  # aware UTC
    sender: str | None
    text: str
    kind: str = "message"  # message, system, media, invalid
    reason: str = ""

    @property
    def phone(self) -> str | None:
        s = (self.sender or "").strip()
        return s if _PHONE_LIKE.match(s) else None

    def fingerprint(self) -> str:
        """Same message, same fingerprint - whichever phone exported it (minutes only: Android has no seconds)."""
        cached = self.__dict__.get("_fp")
        if cached and cached[0] == self.text:
            return cached[1]
        minute = self.sent_at.strftime("%Y-%m-%dT%H:%M") if self.sent_at else "-"
        sender = re.sub(r"\s+", " ", (self.sender or "")).strip().lower()
        text = re.sub(r"\s+", " ", self.text).strip()
        payload = "\x1f".join((self.channel, minute, sender, text))
        fp = hashlib.sha256(payload.encode("utf-8")).hexdigest()
        self.__dict__["_fp"] = (self.text, fp)
        return fp


@dataclass
class ChatFile:
    channel: str
    messages: list[ChatMessage]
    layout: str  # android, iphone, sms
    encoding: str
    subject: str | None = None  # the WhatsApp group's name (latest create/rename line, or the iPhone chat name)

    def describe(self) -> str:
        return {"android": "WhatsApp (Android)", "iphone": "WhatsApp (iPhone)", "sms": "SMS satu per baris"}[
            self.layout] + f", {self.encoding}"


def _clean_line(line: str) -> str:
    return line.replace("\u00a0", " ").replace("\u202f", " ").rstrip("\r")


def _date_order(matches: list[re.Match[str]]) -> str:
    """'dmy' unless the file proves month-first (a second field above 12 and no first field above 12)."""
    first_big = any(int(m.group("d")) > 12 for m in matches)
    second_big = any(int(m.group("m")) > 12 for m in matches)
    return "mdy" if second_big and not first_big else "dmy"


def _stamp(m: re.Match[str], order: str) -> datetime:
    d, mo = int(m.group("d")), int(m.group("m"))
    if order == "mdy":
        d, mo = mo, d
    y = int(m.group("y"))
    y += 2000 if y < 100 else 0
    h = int(m.group("H"))
    ap = (m.group("ap") or "").lower().replace(".", "").replace(" ", "")
    if ap == "pm" and h < 12:
        h += 12
    elif ap == "am" and h == 12:
        h = 0
    local = datetime(y, mo, d, h, int(m.group("M")), int(m.group("S") or 0), tzinfo=WIB)
    return local.astimezone(UTC)


def parse_whatsapp(text: str) -> tuple[list[ChatMessage], str]:
    """Messages of a WhatsApp export, and which layout it was (android or iphone)."""
    lines = [_clean_line(x) for x in text.split("\n")]
    stripped = [_INVISIBLE.sub("", x) for x in lines]
    android = [m for x in stripped if (m := ANDROID.match(x))]
    iphone = [m for x in stripped if (m := IPHONE.match(x))]
    layout, rx = ("iphone", IPHONE) if len(iphone) > len(android) else ("android", ANDROID)
    order = _date_order(iphone if layout == "iphone" else android)
    messages: list[ChatMessage] = []
    preamble: list[str] = []
    preamble_line = 0
    for lineno, (orig, line) in enumerate(zip(lines, stripped, strict=True), start=1):
        m = rx.match(line)
        if m is None:
            if messages and messages[-1].kind != "invalid":
                messages[-1].text += "\n" + line
            elif line.strip():
                if not preamble:
                    preamble_line = lineno
                preamble.append(line)
            continue
        if preamble:
            messages.append(_invalid(len(messages) + 1, preamble_line, "whatsapp", "\n".join(preamble)))
            preamble = []
        rest = m.group("rest")
        orig_rest = orig[orig.find("]") + 1:] if layout == "iphone" else orig.split(" - ", 1)[-1]
        try:
            sent = _stamp(m, order)
        except ValueError:
            messages.append(_invalid(len(messages) + 1, lineno, "whatsapp", line,
                                     "tanggal/jam pesan tidak ada di kalender"))
            continue
        sender, body, kind = _split_sender(rest, orig_rest)
        messages.append(ChatMessage(len(messages) + 1, lineno, "whatsapp", sent, sender, body, kind))
    if preamble:
        messages.append(_invalid(len(messages) + 1, preamble_line, "whatsapp", "\n".join(preamble)))
    for msg in messages:
        msg.text = msg.text.strip("\n")
        if msg.kind == "message":
            _classify_body(msg)
    return messages, layout


def _invalid(number: int, line: int, channel: str, text: str,
             reason: str = "baris tanpa cap waktu WhatsApp (bukan pesan)") -> ChatMessage:
    return ChatMessage(number, line, channel, None, None, text, "invalid", reason)


def _split_sender(rest: str, orig_rest: str) -> tuple[str | None, str, str]:
    """(sender, text, kind) of the part after the timestamp."""
    if ": " not in rest and not rest.endswith(":"):
        return None, rest, "system"
    sender, _, body = rest.partition(": ")
    # iPhone marks system lines and attachments with U+200E right after "Sender: "
    orig_body = orig_rest.partition(": ")[2]
    if orig_body.startswith("\u200e") and not MEDIA_MARKERS.match(body.strip()) and not DELETED.match(body.strip()):
        return sender.strip(), body, "system"
    if SYSTEM_WORDS.match(body.strip()) and "terenkripsi" in body.lower():
        return sender.strip(), body, "system"
    if len(sender) > 80:  # not a name: a system sentence that happens to contain ": "
        return None, rest, "system"
    return sender.strip(), body, "message"


def _classify_body(msg: ChatMessage) -> None:
    body = msg.text.strip()
    if DELETED.match(body):
        msg.kind, msg.reason = "media", "pesan dihapus pengirim"
        return
    lines = [x for x in body.split("\n") if x.strip()]
    kept = [x for x in lines if not MEDIA_MARKERS.match(x.strip())]
    if not kept:
        msg.kind, msg.reason = "media", "media tanpa teks (foto/video/stiker tidak ikut diekspor)"
        return
    msg.text = "\n".join(kept) if len(kept) != len(lines) else body


_SUBJECT_LINES = (
    re.compile(r"\bmembuat grup [\"“](?P<s>.+?)[\"”]\s*$", re.IGNORECASE),
    re.compile(r"\bmengubah (?:subjek|nama grup)\b.*?\bke [\"“](?P<s>.+?)[\"”]\s*$", re.IGNORECASE),
    re.compile(r"\bcreated group [\"“](?P<s>.+?)[\"”]\s*$", re.IGNORECASE),
    re.compile(r"\bchanged the (?:subject|group name)\b.*?\bto [\"“](?P<s>.+?)[\"”]\s*$", re.IGNORECASE),
)


def group_subject(messages: list[ChatMessage], layout: str) -> str | None:
    """The group's name: the last "membuat grup"/"mengubah subjek … ke" line, else (iPhone) the name
    the export puts on its system lines (the chat's own name)."""
    subject = None
    for m in messages:
        if m.kind != "system":
            continue
        body = m.text if m.sender is None else f"{m.sender}: {m.text}"
        for rx in _SUBJECT_LINES:
            found = rx.search(body.strip())
            if found:
                subject = found.group("s").strip()
                break
    if subject is None and layout == "iphone":
        names = [m.sender for m in messages if m.kind == "system" and m.sender]
        subject = names[0] if names else None
    return subject[:200] if subject else None


def parse_sms(text: str) -> list[ChatMessage]:
    """Messages of an SMS dump, one per line: waktu;nomor;pesan. Blank lines are not messages."""
    messages: list[ChatMessage] = []
    for lineno, raw in enumerate(text.split("\n"), start=1):
        line = _INVISIBLE.sub("", _clean_line(raw))
        if not line.strip():
            continue
        if lineno == 1 and _SMS_HEADER.match(line):
            continue  # a header row: waktu;nomor;pesan
        m = SMS.match(line)
        number = len(messages) + 1
        if m is None:
            messages.append(_invalid(number, lineno, "sms", line,
                                     "baris tidak sesuai format SMS (waktu;nomor;pesan)"))
            continue
        try:
            sent, has_time = parse_datetime(m.group("ts").strip())
        except DateProblem as exc:
            messages.append(_invalid(number, lineno, "sms", line, f"waktu SMS tidak terbaca: {exc}"))
            continue
        body = m.group("text").strip()
        msg = ChatMessage(number, lineno, "sms", sent, m.group("num").strip() or None, body)
        if not body:
            msg.kind, msg.reason = "invalid", "SMS tanpa isi"
        messages.append(msg)
    return messages


def detect_channel(text: str) -> str | None:
    """whatsapp, sms, or None when the first lines look like neither."""
    head = [_INVISIBLE.sub("", _clean_line(x)) for x in text.split("\n")[:200] if x.strip()]
    wa = sum(1 for x in head if ANDROID.match(x) or IPHONE.match(x))
    sms = 0
    for x in head:
        m = SMS.match(x)
        if m:
            try:
                parse_datetime(m.group("ts").strip())
                sms += 1
            except DateProblem:
                pass
    if wa == 0 and sms == 0:
        return None
    return "whatsapp" if wa >= sms else "sms"


def read_chat(data: bytes, channel: str | None = None, max_bytes: int | None = None) -> ChatFile:
    """Parse an uploaded chat export; raises FileRefused with an Indonesian message."""
    limit = settings().max_upload_bytes if max_bytes is None else max_bytes
    if len(data) > limit:
        raise FileRefused(f"Berkas terlalu besar ({len(data) / 1024 / 1024:.0f} MB); batasnya "
                          f"{limit / 1024 / 1024:.0f} MB.")
    if not data or not data.strip():
        raise FileRefused("Berkas kosong.")
    if data[:4] == b"PK\x03\x04":
        raise FileRefused("Ini berkas ZIP. Ekstrak dulu, lalu unggah berkas _chat.txt / .txt di dalamnya.")
    text, encoding = decode_text(data)
    found = detect_channel(text)
    if channel is None:
        channel = found
    if channel is None:
        raise FileRefused("Isi berkas tidak dikenali sebagai ekspor chat WhatsApp maupun daftar SMS "
                          "(waktu;nomor;pesan per baris).")
    if channel not in CHANNELS:
        raise FileRefused(f"Saluran {channel!r} tidak dikenal (pilih whatsapp atau sms).")
    if channel == "whatsapp":
        if found != "whatsapp":
            raise FileRefused("Tidak ada satu pun baris berformat pesan WhatsApp "
                              "(contoh: 20/06/18 14.32 - Nama: pesan).")
        messages, layout = parse_whatsapp(text)
        return ChatFile(channel, messages, layout, encoding, group_subject(messages, layout))
    if found != "sms":
        raise FileRefused("Tidak ada satu pun baris berformat SMS (waktu;nomor;pesan).")
    return ChatFile(channel, parse_sms(text), "sms", encoding)
