"""Read one chat or SMS message as a report, or say why it cannot be read confidently.

The documented format for RT heads (README, "Format pesan laporan")::

    LAPOR <kategori> <tingkat> RT <n> <kelurahan>: <uraian>
    LAPOR politik uang berat RT 03 Air Kuti: amplop Rp50rb dibagikan malam ini

Free text is read tolerantly: the kelurahan through the gazetteer's name
matcher (in the text, else in the sender's name "Pak Rahman RT 03 Air Kuti"),
the RT number from "RT 3"/"RT.03" (text, else sender), the category from
keywords (vocab.KEYWORD_RULES), the severity from words like "berat"/"luka";
a message that names no severity is **sedang**. The time is the message's own
timestamp (WIB).

Outcome per message: ``report`` (a candidate for validate.check_records),
``review`` (a possible report something is missing from: goes to the review
queue with the reason) or ``rejected`` (system lines, media without text,
chatter such as greetings and "ok"), each with a reason in Indonesian.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from kondusif.intake import vocab
from kondusif.intake.chat import ChatMessage
from kondusif.intake.validate import resolve_kelurahan, title_from_text
from kondusif.model import Severity
from lubuklinggau_geo import gazetteer
from lubuklinggau_geo.names import find_kelurahan_in_text

DEFAULT_SEVERITY = Severity.SEDANG

LAPOR = re.compile(r"^\W*#?\s*lapor(?:an)?\b[\s:,.\-]*(?P<body>.*)$", re.IGNORECASE | re.DOTALL)
LAPOR_FULL = re.compile(
    r"^(?P<cat>.+?)\s+(?P<sev>ringan|sedang|berat)\s+rt\.?\s*0*(?P<rt>\d{1,4})\b\s*(?:/\s*rw\.?\s*\d+\s*)?"
    r"(?P<kel>[^:\n]+?)\s*:\s*(?P<desc>.+)$",
    re.IGNORECASE | re.DOTALL,
)
RT_IN_TEXT = re.compile(r"\bRT[\s.:\-]*0*(\d{1,3})\b", re.IGNORECASE)
CHATTER = re.compile(
    r"^(?:ok(?:e|ey|ay)?|oke+|sip+|siap+|siyap|baik|iya+|ya+|y|tidak|nggak|gak|enggak|noted|mantap|"
    r"terima ?kasih|makasih|trims|thx|thanks|tq|ty|amin+|aamiin+|alhamdulillah|insya ?allah|"
    r"selamat (?:pagi|siang|sore|malam)|pagi|siang|sore|malam|halo|hai|assalamu'?alaikum.*|"
    r"wa'?alaikum ?salam.*|salam|permisi|mohon izin|izin|ditunggu|betul|benar|setuju|hadir|"
    r"(?:wk)+w?|(?:ha){2,}h?|(?:he){2,}h?|:\)|:d)"
    r"(?:[\s,.!]+(?:pak|bu|bapak|ibu|pk|bpk|semua|sekalian|rekan|kawan|admin|bos|ya|yo|juga|nggih|"
    r"ok|siap|terima ?kasih|makasih|banyak|\w+))*[\s.!?]*$",
    re.IGNORECASE,
)
CHATTER_MAX = 80


@dataclass
class Reading:
    """What a message is: report / review / rejected, the candidate, and why."""

    outcome: str
    raw: dict[str, Any] | None = None
    reason: str = ""
    guess: dict[str, Any] = field(default_factory=dict)
    via: str = ""  # format (LAPOR) or teks (free text)


def _rt(text: str) -> int | None:
    m = RT_IN_TEXT.search(text or "")
    return int(m.group(1)) if m and int(m.group(1)) > 0 else None


def _kelurahan(text: str) -> str | None:
    found = find_kelurahan_in_text(text or "")
    return found[0] if found else None


@lru_cache(maxsize=4096)
def _sender_kelurahan(sender: str) -> str | None:
    return _kelurahan(sender)  # senders repeat: "Pak Rahman RT 03 Air Kuti"


def _named_kelurahan(text: str) -> str | None:
    """The kelurahan a LAPOR message's place part names (exact or tolerant), for the guess shown to Panwaslu."""
    code, _ = resolve_kelurahan(text, None)
    return code


def _base_raw(msg: ChatMessage, text: str) -> dict[str, Any]:
    phone = msg.phone
    return {
        "occurred_at": msg.sent_at,
        "description": text,
        "title": title_from_text(text),
        "reporter_name": None if phone else msg.sender,
        "reporter_phone": phone,
    }


def _guess(kel: str | None, rt: int | None, cats: list[Any], sev: Severity | None) -> dict[str, Any]:
    return {
        "kelurahan": kel,
        "kelurahan_nama": gazetteer.kelurahan_name(kel) if kel else None,
        "rt": rt,
        "kategori": [c.value for c in cats],
        "tingkat": sev.value if sev else None,
    }


def is_chatter(text: str) -> bool:
    """Greetings, thanks, 'ok', emoji or stickers: short text with no report in it."""
    t = text.strip()
    if not re.search(r"[^\W_]", t):
        return True  # emoji or punctuation only
    return len(t) <= CHATTER_MAX and bool(CHATTER.match(t))


def read_message(msg: ChatMessage, default_kelurahan: str | None = None) -> Reading:
    """Read one parsed message (see module docstring).

    ``default_kelurahan`` (a code) is used when neither the text nor the sender
    names one: the WhatsApp group of one kelurahan.
    """
    if msg.kind == "system":
        return Reading("rejected", reason="pesan sistem WhatsApp (bukan laporan)")
    if msg.kind in ("media", "invalid"):
        return Reading("rejected", reason=msg.reason or "bukan pesan teks")
    text = msg.text.strip()
    if not text:
        return Reading("rejected", reason="pesan kosong")
    if msg.sent_at is None:
        return Reading("rejected", reason="pesan tanpa waktu")

    lapor = LAPOR.match(text)
    if lapor:
        full = LAPOR_FULL.match(lapor.group("body").strip())
        if full:
            raw = _base_raw(msg, full.group("desc").strip())
            raw.update(category=full.group("cat").strip(), severity=full.group("sev"),
                       rt=int(full.group("rt")), kelurahan=full.group("kel").strip())
            cat = vocab.match_category(raw["category"])
            guess = _guess(_named_kelurahan(raw["kelurahan"]), raw["rt"], [cat] if cat else [],
                           vocab.match_severity(raw["severity"]))
            return Reading("report", raw, guess=guess, via="format")
    return _read_free_text(msg, text, lapor is not None, default_kelurahan)


def _read_free_text(msg: ChatMessage, text: str, said_lapor: bool, default_kel: str | None) -> Reading:
    found = vocab.categories_in_text(text)
    cats = list(found)
    kel_text, rt_text = _kelurahan(text), _rt(text)
    kel = kel_text or _sender_kelurahan(msg.sender or "") or default_kel
    rt = rt_text or _rt(msg.sender or "")
    sev = vocab.severity_in_text(text)
    guess = _guess(kel, rt, cats, sev)
    if not cats and not said_lapor and kel_text is None and rt_text is None:
        if is_chatter(text):
            return Reading("rejected", reason="obrolan, bukan laporan", guess=guess)
        if len(text) <= 40:
            return Reading("rejected", reason="pesan pendek tanpa isi laporan", guess=guess)
    missing = []
    if len(cats) == 0:
        missing.append("kategori tidak terbaca dari kata kunci")
    elif len(cats) > 1:
        names = " atau ".join(c.label.lower() for c in cats)
        missing.append(f"kategori tidak jelas ({names})")
    if kel is None:
        missing.append("kelurahan tidak disebut")
    if rt is None:
        missing.append("nomor RT tidak disebut")
    if said_lapor:
        missing.insert(0, "format LAPOR tidak lengkap")
    if missing and not (said_lapor and len(missing) == 1 and len(cats) == 1 and kel and rt):
        return Reading("review", reason="; ".join(missing), guess=guess, via="teks")
    raw = _base_raw(msg, text)
    raw.update(category=cats[0], severity=sev or DEFAULT_SEVERITY, rt=rt, kelurahan=kel)
    return Reading("report", raw, guess=guess, via="teks")
