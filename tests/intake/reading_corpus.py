"""Load the hand-labelled corpus (tests/fixtures/corpus) and score the reader on it.

Shared by tests/intake/test_reading_corpus.py (tuning part only) and
benchmarks/bench_intake_accuracy.py (both parts). Each message goes the way it
does in production: a WhatsApp message rendered as one line of an export in the
row's `layout` (Android by default, Android 12-hour, Android 4-digit year, iPhone) and
split by `chat.read_chat` (media, deleted and system lines included), then read by
`messages.read_message` with the group's kelurahan as the default; an SMS is handed
to the reader as the gateways hand it, or (layout `dump`) as one `waktu;nomor;pesan`
line of an imported SMS list.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from kondusif.intake import chat, vocab
from kondusif.intake.messages import read_message
from lubuklinggau_geo import gazetteer

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"
OUTCOMES = ("R", "C", "V", "N")
NAMES = {"R": "laporan", "C": "aman", "V": "tinjau", "N": "bukan"}
_READ_AS = {"report": "R", "checkin": "C", "review": "V", "rejected": "N"}


@dataclass
class Labelled:
    id: str
    channel: str
    sender: str
    group: str
    text: str
    outcome: str
    category: str
    severity: str
    rt: int | None
    kelurahan: str | None  # code
    layout: str = ""  # wa: android (default), android12, android4y, iphone; sms: gateway (default), dump


@dataclass
class Read:
    outcome: str
    category: str = ""
    severity: str = ""
    rt: int | None = None
    kelurahan: str | None = None
    reason: str = ""


def _code(name: str) -> str | None:
    if not name:
        return None
    df = gazetteer.kelurahan()
    hit = df[df["nama"] == name]
    if len(hit) != 1:
        raise ValueError(f"corpus names an unknown kelurahan: {name!r}")
    return str(hit.iloc[0]["kode"])


# The files of each part (README in the corpus folder: the first held-out part became tuning in session 5).
PARTS = {"tuning": ("tuning", "tuning2"), "heldout": ("heldout2",)}


def _rows(kind: str, part: str) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for name in PARTS.get(part, (part,)):
        with open(CORPUS / f"{kind}_{name}.tsv", encoding="utf-8", newline="") as f:
            rows += csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
    return rows


def _unescape(text: str) -> str:
    return text.replace("\\n", "\n").replace("\\u200e", "\u200e")


def load_messages(part: str) -> list[Labelled]:
    """`part` is "tuning" or "heldout" (or one file's own name, e.g. "heldout2")."""
    return [Labelled(r["id"], r["channel"], r["sender"], r["group"], _unescape(r["text"]), r["outcome"],
                     r["category"], r["severity"], int(r["rt"]) if r["rt"] else None, _code(r["kelurahan"]),
                     r.get("layout") or "")
            for r in _rows("messages", part)]


def load_forms(part: str) -> list[dict[str, str]]:
    return _rows("forms", part)


WHEN = datetime(2018, 6, 27, 0, 15, tzinfo=UTC)


def _message(m: Labelled) -> chat.ChatMessage:
    """SMS as the gateways hand it to the reader (kondusif/sms/inbound.py); WhatsApp as one export line."""
    if m.channel == "sms":
        if m.layout != "dump":
            return chat.ChatMessage(1, 1, "sms", WHEN, m.sender, m.text)
        parsed = chat.read_chat(f"2018-06-27 07:15;{m.sender};{m.text}\n".encode(), "sms")
    else:
        head = _HEADS[m.layout or "android"]
        line = head + m.text if m.sender == "-" else f"{head}{m.sender}: {m.text}"
        parsed = chat.read_chat((line + "\n").encode(), "whatsapp")
    assert len(parsed.messages) == 1 and parsed.messages[0].sent_at == WHEN, m.id
    return parsed.messages[0]


# 27 June 2018 07.15 WIB as each WhatsApp export layout writes it
_HEADS = {"android": "27/06/18 07.15 - ", "android12": "6/27/18, 7:15 AM - ",
          "android4y": "27/06/2018 07.15 - ", "iphone": "[27/06/18 07.15.00] "}


def read_one(m: Labelled) -> Read:
    """What the reader makes of one corpus message."""
    reading = read_message(_message(m), _code(m.group))
    out = Read(_READ_AS[reading.outcome], reason=reading.reason)
    if reading.raw is not None:
        raw = reading.raw
        if reading.outcome == "report":
            cat = raw["category"]
            out.category = (vocab.match_category(cat) or cat).value if not hasattr(cat, "value") else cat.value
            sev = raw["severity"]
            out.severity = sev.value if hasattr(sev, "value") else str(sev)
        out.rt = raw.get("rt")
        out.kelurahan = reading.guess.get("kelurahan")
    return out


def exact(m: Labelled, r: Read) -> bool:
    """(outcome, category, RT) as labelled: category and RT for reports, RT for check-ins."""
    if m.outcome != r.outcome:
        return False
    if m.outcome == "R":
        return (m.category, m.rt) == (r.category, r.rt)
    if m.outcome == "C":
        return m.rt == r.rt
    return True


@dataclass
class Score:
    total: int = 0
    exact: int = 0
    false_incidents: list[str] = field(default_factory=list)  # labelled check-in/nothing, read as report
    review_filed: list[str] = field(default_factory=list)  # labelled review, read as report
    lapor_total: int = 0
    lapor_filed: int = 0
    lapor_missed: list[str] = field(default_factory=list)
    confusion: dict[str, Counter[tuple[str, str]]] = field(default_factory=dict)
    wrong: list[tuple[Labelled, Read]] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.exact / self.total if self.total else 0.0


def _explicit_lapor(m: Labelled) -> bool:
    return m.outcome == "R" and m.text.lstrip(" 🚨#*").lower().startswith("lapor") and bool(m.category)


def score(messages: list[Labelled]) -> Score:
    s = Score()
    for m in messages:
        r = read_one(m)
        s.total += 1
        s.confusion.setdefault(m.channel, Counter())[(m.outcome, r.outcome)] += 1
        if exact(m, r):
            s.exact += 1
        else:
            s.wrong.append((m, r))
        if r.outcome == "R" and m.outcome in ("C", "N"):
            s.false_incidents.append(m.id)
        if r.outcome == "R" and m.outcome == "V":
            s.review_filed.append(m.id)
        if _explicit_lapor(m):
            s.lapor_total += 1
            if r.outcome == "R" and r.category == m.category:
                s.lapor_filed += 1
            else:
                s.lapor_missed.append(m.id)
    return s


def form_result(row: dict[str, str]) -> str:
    """The app's code a form value is read as, or "tolak" (the row would be refused)."""
    if row["field"] == "kategori":
        found = vocab.match_categories(row["value"])
        return found[0].value if len(found) == 1 else "tolak"
    sev = vocab.match_severity(row["value"])
    return sev.value if sev else "tolak"
