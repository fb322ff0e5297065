"""Read one chat or SMS message: a report, a check-in ("aman"), a case for a person, or not a report.

The one reader of chat import and both SMS gateways; the rules, in Indonesian for
the people who agree with them, are in docs/reading.md. The documented format::

    LAPOR <kategori> <tingkat> RT <n> <kelurahan>: <uraian>
    LAPOR politik uang berat RT 03 Air Kuti: amplop Rp50rb dibagikan malam ini

(colon optional; the stated code and severity win over the description's words).
Free text is read tolerantly: the kelurahan through the gazetteer's name matcher
(in the text, else in the sender's name "Pak Rahman RT 03 Air Kuti", else the
group's), the RT number (text, else sender), the category from keywords
(vocab.KEYWORD_RULES), the severity only from words that say it, else **sedang**
with the reason given. The time is the message's own timestamp.

Outcome per message: ``report`` (a candidate for validate.check_records),
``checkin`` (a calm message: raw = occurred_at, rt, kelurahan, reporter_name,
reporter_phone, description), ``review`` (a possible report something is missing
from: the review queue, with the reason) or ``rejected`` (system lines, media,
chatter, and messages about reporting: format help, instructions, reminders,
notices, forwards, questions, thanks), each with a reason in Indonesian.
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

# A LAPOR line anywhere at the start of a line (a greeting may come first).
LAPOR = re.compile(r"^[^\w<]*#?\s*lapor(?:an)?\b[\s:,.\-]*(?P<body>.*)$", re.IGNORECASE | re.DOTALL | re.MULTILINE)
# "<head> RT <n> [/RW m] <rest>": RT.05, RT5, rt 05, RT 005, "RT:3".
LAPOR_RT = re.compile(r"^(?P<head>.*?)[\s,]*\bRT(?=[\s.:\-/]*\d)[\s.:\-/]*0*(?P<rt>\d{1,3})\b"
                      r"(?:\s*[/,]?\s*RW[\s.:\-]*\d+)?[\s,.\-]*(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)
RT_IN_TEXT = re.compile(r"\bRT(?=[\s.:\-/]*\d)[\s.:\-/]*0*(\d{1,3})\b", re.IGNORECASE)
_EDITED = re.compile(r"\s*<?\s*(?:pesan ini (?:telah )?diedit|this message was edited|diedit)\s*>?\s*$", re.IGNORECASE)
_PLACE_TAIL = re.compile(r"^[\s,.\-]*(?:(?:kec|kecamatan)\b.*)?$", re.IGNORECASE)  # "Air Kuti, Kec. Lubuklinggau Timur I"
_PLACE_PREFIX = re.compile(r"^\W*(?:(?:di|kel|kelurahan|ds|desa|wilayah)\W+)*$", re.IGNORECASE)
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
    """What a message is: report / checkin / review / rejected, the candidate, and why."""

    outcome: str
    raw: dict[str, Any] | None = None
    reason: str = ""
    guess: dict[str, Any] = field(default_factory=dict)
    via: str = ""  # format (LAPOR), teks (free text) or aman (check-in)
    # A review whose only gap is the place (kelurahan/RT): a registered RT number's account may fill it.
    # Never set for questions, doubts, unknown or several categories.
    place_missing_only: bool = False


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
    """Greetings, thanks, 'ok', emoji or stickers: short text with no report and no check-in in it
    ("Selamat pagi, RT 11 aman" is a check-in)."""
    t = text.strip()
    if not re.search(r"[^\W_]", t):
        return True  # emoji or punctuation only
    return len(t) <= CHATTER_MAX and bool(CHATTER.match(t)) and not vocab.is_calm(t)


def _own_text(text: str) -> str:
    """The sender's own words: quoted lines ("> ...") and the "edited" marker dropped."""
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith(">")]
    return _EDITED.sub("", "\n".join(lines)).strip()


_HASH_FORM = re.compile(r"^\s*#\s*(?:lapor|aman)\s*#", re.IGNORECASE)


def _hash_fields(text: str) -> str:
    """SMS-gateway style "#LAPOR#UANG#SEDANG#RT5#TABA PINGIN#uraian" as the documented LAPOR line
    (five fields or more: the last one is the description)."""
    if not _HASH_FORM.match(text):
        return text
    fields = [f.strip() for f in text.split("#") if f.strip()]
    if len(fields) >= 5:
        return " ".join(fields[:-1]) + ": " + fields[-1]
    return " ".join(fields)


def _checkin(msg: ChatMessage, text: str, default_kel: str | None) -> Reading:
    """A calm message: a check-in for the RT it (or its sender) names; never an incident."""
    kel = _kelurahan(text) or _sender_kelurahan(msg.sender or "") or default_kel
    rt = _rt(text) or _rt(msg.sender or "")
    phone = msg.phone
    raw = {"occurred_at": msg.sent_at, "rt": rt, "kelurahan": kel, "reporter_name": None if phone else msg.sender,
           "reporter_phone": phone, "description": text}
    missing = [w for w, v in (("kelurahan tidak disebut", kel), ("nomor RT tidak disebut", rt)) if v is None]
    reason = "laporan aman (bukan kejadian)" + ("; " + "; ".join(missing) if missing else "")
    return Reading("checkin", raw, reason=reason, guess=_guess(kel, rt, [], None), via="aman")


def read_message(msg: ChatMessage, default_kelurahan: str | None = None) -> Reading:
    """Read one parsed message (see module docstring and docs/reading.md).

    ``default_kelurahan`` (a code) is used when neither the text nor the sender
    names one: the WhatsApp group of one kelurahan.
    """
    if msg.kind == "system":
        return Reading("rejected", reason="pesan sistem WhatsApp (bukan laporan)")
    if msg.kind in ("media", "invalid"):
        return Reading("rejected", reason=msg.reason or "bukan pesan teks")
    if not msg.text.strip():
        return Reading("rejected", reason="pesan kosong")
    if msg.sent_at is None:
        return Reading("rejected", reason="pesan tanpa waktu")
    text = _hash_fields(_own_text(msg.text))
    if not text:
        return Reading("rejected", reason="hanya kutipan pesan lain, bukan laporan")
    if is_chatter(text):
        return Reading("rejected", reason="obrolan, bukan laporan")

    lapor = LAPOR.search(text)
    if lapor is not None:
        before = text[:lapor.start()]
        if before.strip() and not is_chatter(before):
            lapor = None  # a LAPOR line inside other words: an example or a quote, read as free text
    if lapor is not None:
        return _read_lapor(msg, text, lapor.group("body").strip(), default_kelurahan)
    return _read_free_text(msg, text, False, default_kelurahan)


def _split_place(rest: str) -> tuple[str | None, str]:
    """The kelurahan part and the description of what follows "RT n" in a LAPOR line, colon or not."""
    head, colon, tail = rest.partition(":")
    by_colon = bool(colon) and len(head) <= 60 and "\n" not in head
    in_head = find_kelurahan_in_text(head) if by_colon else None
    if in_head is not None and _PLACE_PREFIX.match(head[:in_head[1][0]]) and _PLACE_TAIL.match(head[in_head[1][1]:]):
        return head.strip(" ,.-"), tail.strip()
    found = find_kelurahan_in_text(rest)  # no colon, or a colon further on ("jam 19:30")
    if found is not None and _PLACE_PREFIX.match(rest[:found[1][0]]):
        end = found[1][1]
        return rest[:end].strip(" ,.-"), rest[end:].strip(" ,.-:")
    if by_colon:
        return (head.strip(" ,.-") or None), tail.strip()
    words = rest.split()
    for n in (3, 2, 1):  # no colon: the words right after "RT n" are the place slot ("RT 3 Majapait amplop ...")
        if len(words) > n and resolve_kelurahan(" ".join(words[:n]), None)[0] is not None:
            return " ".join(words[:n]).strip(" ,.-"), " ".join(words[n:]).strip(" ,.-:")
    return None, rest.strip(" ,.-:")


def _read_head(head: str) -> tuple[str, Severity | None]:
    """The category words and the (possibly misspelled) severity word of a LAPOR line's head."""
    words = [w for w in re.split(r"[\s#|;,]+", head) if w]  # "#LAPOR#UANG#SEDANG#RT5#..." SMS style too
    sev = None
    kept = []
    for w in words:
        found = vocab.severity_word(w)
        if found is not None and sev is None and not w.isdigit():
            sev = found
        elif vocab.norm(w) not in ("sekali", "sangat", "banget", "nian", "kategori", "tingkat", "kode"):
            kept.append(w)
    return " ".join(kept).strip(" ,.-:"), sev


def _read_lapor(msg: ChatMessage, text: str, body: str, default_kel: str | None) -> Reading:
    """A LAPOR line: the code and severity it states win over the words of its description."""
    parts = LAPOR_RT.match(body)
    if parts is None:
        if vocab.is_calm(body):
            return _checkin(msg, text, default_kel)
        return _read_free_text(msg, text, True, default_kel)
    head, sev = _read_head(parts.group("head"))
    if re.search(r"[<\[]", parts.group("head")) or vocab.not_report_reason(parts.group("head")):
        return Reading("rejected", reason="penjelasan format laporan, bukan laporan")
    said = set(vocab.norm(head).split()) - _HEAD_FILLER
    if len(said) > _HEAD_MAX_WORDS:
        return _read_free_text(msg, text, True, default_kel)  # a sentence, not a code: read its words
    cat = (vocab.match_category(head) or vocab.category_typo(head)) if head else None
    if cat is None and vocab.is_calm(body):
        return _checkin(msg, text, default_kel)
    if cat is None and not said:
        head = ""  # "lapor pak, di RT 05 ...": no code given, the words say what happened
    kel_text, desc = _split_place(parts.group("rest"))
    rt = int(parts.group("rt")) or None
    if cat is None:
        if head:
            found = vocab.categories_in_text(_everyday(head))
            cat = next(iter(found)) if len(found) == 1 else None
        if cat is None and head:
            guess = _guess(_named_kelurahan(kel_text) if kel_text else default_kel, rt, [], sev)
            return Reading("review", reason=f"kategori “{head[:40]}” tidak dikenal", guess=guess, via="format")
        if cat is None:
            return _read_free_text(msg, text, True, default_kel)
    kel_code = (_named_kelurahan(kel_text) if kel_text else None) or _sender_kelurahan(msg.sender or "") or default_kel
    raw = _base_raw(msg, desc or body)
    reason = ""
    if sev is None:
        sev = vocab.severity_in_text(_everyday(desc))
        reason = "" if sev else f"tingkat tidak disebut; dianggap {DEFAULT_SEVERITY.value}"
    raw.update(category=head if vocab.match_category(head) == cat else cat, severity=(sev or DEFAULT_SEVERITY).value,
               rt=rt, kelurahan=kel_text or kel_code)
    guess = _guess(kel_code, rt, [cat], sev or DEFAULT_SEVERITY)
    if rt is None:
        return Reading("review", reason="nomor RT tidak terbaca", guess=guess, via="format", place_missing_only=True)
    if raw["kelurahan"] is None:
        return Reading("review", reason="format LAPOR tidak lengkap; kelurahan tidak disebut", guess=guess,
                       via="format", place_missing_only=True)
    return Reading("report", raw, reason=reason, guess=guess, via="format")


_EVERYDAY = {
    "sdh": "sudah", "udah": "sudah", "dah": "sudah", "blm": "belum", "belom": "belum", "yg": "yang",
    "tdk": "tidak", "gak": "tidak", "ga": "tidak", "nggak": "tidak", "dak": "tidak", "idak": "tidak",
    "ndak": "tidak", "org": "orang", "wong": "orang", "dr": "dari", "bpk": "bapak", "pk": "bapak",
    "nian": "sekali", "galo": "semua", "kagek": "nanti", "ado": "ada", "apo": "apa", "dgn": "dengan",
    "utk": "untuk", "krn": "karena", "tp": "tapi", "kmrn": "kemarin", "mlm": "malam", "byk": "banyak",
    "duit": "uang", "jd": "jadi", "sm": "sama", "lg": "lagi", "dpn": "depan", "blkg": "belakang",
    "pnduduk": "penduduk", "dibagike": "dibagikan", "dibagi2": "dibagi bagi", "bagi2": "bagi bagi",
    "katek": "tidak ada", "ribot": "ribut", "rebut": "ribut", "becekcok": "cekcok", "tps nyo": "tps", "budak": "anak",
}


_REDUPLICATED = re.compile(r"\b([a-z]{3,})2\b")  # "dicoret2" = "dicoret coret", "bagi2" = "bagi bagi"
# Words that deny what follows: "belum ribut", "dak ado amplop" name no incident ("tidak netral" does).
# "kalau tidak pilih ..." is a condition (a threat), not a denial.
_DENIED = re.compile(r"(?<!kalau )(?<!kalo )(?<!jika )(?<!bila )\b(?:belum|tidak|tanpa|bukan) "
                     r"(?:ada |sampai |sempat |pernah |terjadi )?(?!netral)\w+")
_HEDGE = re.compile(r"\b(?:sepertinya|kayaknya|kayaknyo|mungkin|belum pasti|belum jelas|belum tentu|masih dicek|"
                    r"masih diselidiki|entah|(?:mau|ingin|pengen|akan) (?:lapor|melapor|melaporkan))\b")
# Without an incident word, a message that corrects an earlier one, says how a report is being handled,
# asks someone to check, or is about the sender is not a new report (even when it names an RT).
_FOLLOW_UP = re.compile(
    r"^\W*(?:ralat|koreksi|revisi|maaf salah|salah ketik|maaf lupa)\b|"
    r"\b(?:sudah|telah) (?:saya |sy |kami |kita )?(?:hubungi|dihubungi|teruskan|diteruskan|sampaikan|disampaikan|"
    r"laporkan|dilaporkan|koordinasikan|dikoordinasikan)\b|\bpetugas (?:meluncur|menuju|segera|sudah)\b|"
    r"\b(?:coba|tolong|mohon) (?:di)?(?:cek|periksa|pantau|foto|difoto)\b|\bkabari\b|"
    r"\bnomor (?:sy|saya) (?:yang )?baru\b|\bnomor baru (?:sy|saya)\b|"
    r"\bizin (?:tidak|dak) (?:ikut|hadir|datang)\b")
# Words that say something happened, without naming a category: such a message is read by a person.
_EVENT = re.compile(r"\b(?:kejadian|peristiwa|insiden|mencurigakan|curiga|aneh|pelaku|korban|polisi|ditangkap|"
                    r"ngamuk|mengamuk|dicuri|hilang|takut|bahaya|tolong|darurat|timses|tim sukses)\b")
# A question that names a place and asks whether something is a violation is read by a person.
_VIOLATION = re.compile(r"\b(?:pelanggaran|melanggar|dilarang|terlarang|boleh tidak|termasuk)\b")
_HEAD_FILLER = frozenset("pak bu bapak ibu di ado ada ini tadi min admin lurah mohon izin kami sy saya ke".split())
# A category code and a severity take at most a few words ("perusakan alat peraga kampanye berat"); more
# words before "RT n" are a sentence ("Lapor bu, ASN dinas PU pasang baliho ... di RT 05").
_HEAD_MAX_WORDS = 5


def _everyday(text: str) -> str:
    """Everyday Lubuklinggau writing in standard words, for the keyword rules (sdh, dak, galo, wong, bagi2 ...)."""
    words = _REDUPLICATED.sub(r"\1 \1", vocab.norm(text)).split()
    return " ".join(_EVERYDAY.get(w, w) for w in words)


def _read_free_text(msg: ChatMessage, text: str, said_lapor: bool, default_kel: str | None) -> Reading:
    everyday = _everyday(text)
    plain = _DENIED.sub(" ", everyday)  # for the category words only; severity reads denials itself
    kel_text, rt_text = _kelurahan(text), _rt(text)
    not_report = vocab.not_report_reason(text)
    if not_report is not None and not vocab.is_calm(text):  # "Terima kasih pak, RT 05 aman" is a check-in
        return Reading("rejected", reason=not_report)
    found = vocab.categories_in_text(plain)
    cats = list(found)
    if vocab.is_question(text):
        if (cats or _VIOLATION.search(plain)) and (kel_text or rt_text):
            return Reading("review", reason="pertanyaan yang menyebut kejadian; periksa apakah ini laporan",
                           guess=_guess(kel_text, rt_text, cats, None), via="teks")
        return Reading("rejected", reason="pertanyaan, bukan laporan")
    if vocab.is_calm(text):
        return _checkin(msg, text, default_kel)
    kel = kel_text or _sender_kelurahan(msg.sender or "") or default_kel
    rt = rt_text or _rt(msg.sender or "")
    sev = vocab.severity_in_text(everyday)
    guess = _guess(kel, rt, cats, sev)
    if not cats and not said_lapor and _FOLLOW_UP.search(everyday) and not _EVENT.search(_FOLLOW_UP.sub(" ", plain)):
        return Reading("rejected", reason="ralat, tindak lanjut atau urusan pengirim, bukan laporan baru", guess=guess)
    if not cats and not said_lapor and kel_text is None and rt_text is None:
        if len(text) <= 40:
            return Reading("rejected", reason="pesan pendek tanpa isi laporan", guess=guess)
        if rt is None and not _EVENT.search(plain):
            return Reading("rejected", reason="tidak ada kata kejadian maupun nomor RT; bukan laporan", guess=guess)
    missing = []
    hedge = _HEDGE.search(plain) if cats else None
    if hedge is not None:
        missing.append(f"pelapor belum yakin ({hedge.group(0)})")
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
        place_only = len(cats) == 1 and hedge is None and (kel is None or rt is None)
        return Reading("review", reason="; ".join(missing), guess=guess, via="teks", place_missing_only=place_only)
    raw = _base_raw(msg, text)
    raw.update(category=cats[0], severity=sev or DEFAULT_SEVERITY, rt=rt, kelurahan=kel)
    reason = "" if sev else f"tingkat tidak disebut; dianggap {DEFAULT_SEVERITY.value}"
    return Reading("report", raw, reason=reason, guess=guess, via="teks")
