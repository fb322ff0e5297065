"""Words people use for categories and severities, in Indonesian and English.

Two jobs: `match_category` / `match_severity` read a *field* that is meant to
hold a category ("Politik Uang", "politik_uang", "money politics", "APK"), and
`categories_in_text` / `severity_in_text` find *keywords* inside free text
("ada amplop beredar", "baliho dirusak", "warga bentrok"). The field readers are
strict enough to refuse nonsense and tolerant of case, punctuation and spacing.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from kondusif.model import CATEGORY_LABELS, Category, Severity

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def norm(text: object) -> str:
    """Lower case, accents and punctuation removed, single spaces: 'Politik-Uang!' -> 'politik uang'."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    return " ".join(_NON_ALNUM.sub(" ", s).split())


# Whole-field synonyms (normalised). Keys, labels and short SMS codes are added below.
_CATEGORY_WORDS: dict[Category, tuple[str, ...]] = {
    Category.POLITIK_UANG: (
        "politik uang", "money politics", "money politic", "vote buying", "uang", "amplop",
        "serangan fajar", "bagi bagi uang", "suap", "pembelian suara", "jual beli suara", "politikuang",
    ),
    Category.INTIMIDASI: (
        "intimidasi", "ancaman", "intimidasi ancaman", "intimidation", "threat", "threats",
        "intimidation threat", "pengancaman", "teror",
    ),
    Category.KAMPANYE_HITAM: (
        "kampanye hitam", "hoaks", "hoax", "sara", "black campaign", "fitnah", "ujaran kebencian",
        "hate speech", "disinformasi", "disinformation", "kampanye hitam hoaks sara", "hoaks sara",
        "hitam",
    ),
    Category.PERUSAKAN_APK: (
        "perusakan apk", "apk", "pengrusakan apk", "perusakan alat peraga kampanye", "alat peraga",
        "vandalism", "vandalisme", "campaign material damage", "baliho", "perusakan baliho",
        "perusakan", "pengrusakan",
    ),
    Category.BENTROKAN: (
        "bentrokan", "bentrok", "keributan", "keributan massa", "bentrokan keributan massa", "ribut",
        "perkelahian", "tawuran", "clash", "clashes", "riot", "fight", "violence", "kekerasan",
    ),
    Category.NETRALITAS: (
        "netralitas", "pelanggaran netralitas", "netral", "neutrality", "asn", "pns", "aparat",
        "asn tidak netral", "netralitas asn", "pelanggaran netralitas asn aparat rt",
    ),
    Category.KAMPANYE_LUAR_JADWAL: (
        "kampanye di luar jadwal", "kampanye luar jadwal", "luar jadwal", "kampanye",
        "kampanye di luar jadwal tempat terlarang", "kampanye terlarang", "curi start",
        "kampanye masa tenang", "out of schedule campaign", "illegal campaign", "campaign",
    ),
    Category.GANGGUAN_TPS: (
        "gangguan di tps", "gangguan tps", "tps", "polling station", "polling station disruption",
        "gangguan pemungutan suara",
    ),
    Category.PENGERAHAN_MASSA: (
        "pengerahan massa", "unjuk rasa", "demo", "demonstrasi", "massa", "pengerahan massa unjuk rasa",
        "mobilisasi massa", "protest", "demonstration", "mass mobilisation", "mass mobilization",
    ),
    Category.LAINNYA: ("lainnya", "lain lain", "lain", "other", "others", "misc", "dll"),
}

# Short codes an RT head may type in an SMS (documented in the README).
SMS_CODES: dict[str, Category] = {
    "uang": Category.POLITIK_UANG,
    "intimidasi": Category.INTIMIDASI,
    "hoaks": Category.KAMPANYE_HITAM,
    "apk": Category.PERUSAKAN_APK,
    "bentrok": Category.BENTROKAN,
    "netral": Category.NETRALITAS,
    "kampanye": Category.KAMPANYE_LUAR_JADWAL,
    "tps": Category.GANGGUAN_TPS,
    "massa": Category.PENGERAHAN_MASSA,
    "lain": Category.LAINNYA,
}

_SEVERITY_WORDS: dict[Severity, tuple[str, ...]] = {
    Severity.RINGAN: ("ringan", "rendah", "kecil", "low", "minor", "light", "1"),
    Severity.SEDANG: ("sedang", "menengah", "medium", "moderate", "2"),
    Severity.BERAT: ("berat", "tinggi", "parah", "serius", "high", "severe", "serious", "major", "3"),
}


@lru_cache(maxsize=1)
def _category_index() -> dict[str, Category]:
    index: dict[str, Category] = {}
    for cat in Category:
        for word in (cat.value, CATEGORY_LABELS[cat], *_CATEGORY_WORDS[cat]):
            index[norm(word)] = cat
            index[norm(word).replace(" ", "")] = cat
    for code, cat in SMS_CODES.items():
        index.setdefault(code, cat)
    return index


@lru_cache(maxsize=4096)
def match_category(value: object) -> Category | None:
    """The category a field value names, or None. Any case, Indonesian or English, key or label."""
    key = norm(value)
    if not key:
        return None
    index = _category_index()
    return index.get(key) or index.get(key.replace(" ", ""))


def match_categories(value: object) -> list[Category]:
    """Categories named in a multi-value field ("Politik uang, Intimidasi" or Kobo's space list)."""
    text = "" if value is None else str(value)
    whole = match_category(text)
    if whole is not None:
        return [whole]
    parts = [p for p in re.split(r"[,;|\n]+", text) if p.strip()]
    if len(parts) == 1:
        parts = parts[0].split()  # KoboToolbox select_multiple: "politik_uang intimidasi"
    out: list[Category] = []
    for part in parts:
        cat = match_category(part)
        if cat is not None and cat not in out:
            out.append(cat)
    return out


@lru_cache(maxsize=1)
def _severity_index() -> dict[str, Severity]:
    return {norm(w): sev for sev, words in _SEVERITY_WORDS.items() for w in (sev.value, *words)}


@lru_cache(maxsize=1024)
def match_severity(value: object) -> Severity | None:
    """The severity a field value names (ringan/sedang/berat, low/medium/high, 1-3), or None."""
    key = norm(value)
    if key.endswith(" 0") or key.endswith(".0"):
        key = key[:-2]
    return _severity_index().get(key) if key else None


def category_options_text() -> str:
    """'politik uang, intimidasi/ancaman, ...' for error messages."""
    return ", ".join(label.lower() for label in CATEGORY_LABELS.values())


# --------------------------------------------------------------------------- keywords in free text

# Keyword rules for free text: (pattern, category). Patterns are regexes on the
# normalised text (lower case, punctuation -> spaces); \b marks word edges.
KEYWORD_RULES: tuple[tuple[str, Category], ...] = (
    (r"\bpolitik uang\b", Category.POLITIK_UANG),
    (r"\bmoney politic", Category.POLITIK_UANG),
    (r"\bserangan fajar\b", Category.POLITIK_UANG),
    (r"\bamplop\b", Category.POLITIK_UANG),
    (r"\bbagi(?: |-)?bagi (?:uang|duit|sembako|beras)\b", Category.POLITIK_UANG),
    (r"\b(?:dibagikan|membagikan|membagi|bagikan) (?:uang|duit|sembako|beras)\b", Category.POLITIK_UANG),
    (r"\bsembako\b", Category.POLITIK_UANG),
    (r"\buang (?:transport|transportasi|bensin|rokok|saku|lelah)\b", Category.POLITIK_UANG),
    (r"\b(?:uang|duit) (?:rp )?\d", Category.POLITIK_UANG),
    (r"\brp ?\d", Category.POLITIK_UANG),
    (r"\bsuap\b|\bdisuap\b|\bmenyuap\b", Category.POLITIK_UANG),
    (r"\bbeli suara\b|\bjual beli suara\b", Category.POLITIK_UANG),
    (r"\bintimidasi\b|\bdiintimidasi\b|\bmengintimidasi\b", Category.INTIMIDASI),
    (r"\bancam\w*\b|\bdiancam\b", Category.INTIMIDASI),
    (r"\bteror\w*\b", Category.INTIMIDASI),
    (r"\bdipaksa\b|\bmemaksa\b", Category.INTIMIDASI),
    (r"\bhoaks\b|\bhoax\b|\bhoaxs\b", Category.KAMPANYE_HITAM),
    (r"\bkampanye hitam\b|\bblack campaign\b", Category.KAMPANYE_HITAM),
    (r"\bsara\b", Category.KAMPANYE_HITAM),
    (r"\bfitnah\w*\b", Category.KAMPANYE_HITAM),
    (r"\bujaran kebencian\b", Category.KAMPANYE_HITAM),
    (r"\bberita bohong\b", Category.KAMPANYE_HITAM),
    (r"\bpesan berantai\b|\bpesan berante\b", Category.KAMPANYE_HITAM),
    (r"\bselebaran\b", Category.KAMPANYE_HITAM),
    (r"\bapk\b", Category.PERUSAKAN_APK),
    (r"\b(?:baliho|spanduk|poster|stiker|bendera paslon|umbul umbul|alat peraga)\b.{0,40}"
     r"\b(?:dirusak|rusak|dicopot|dicabut|dibakar|dirobek|robek|disobek|sobek|dicoret|ditebang|hilang|"
     r"diturunkan|dirobohkan)\b",
     Category.PERUSAKAN_APK),
    (r"\b(?:merusak|perusakan|pengrusakan|mencopot|membakar|merobek|menyobek)\b.{0,20}"
     r"\b(?:baliho|spanduk|poster|stiker|apk)\b", Category.PERUSAKAN_APK),
    (r"\bbentrok\w*\b", Category.BENTROKAN),
    (r"\bribut\w*\b|\bkeributan\b", Category.BENTROKAN),
    (r"\bperkelahian\b|\bberkelahi\b|\btawuran\b|\bbaku hantam\b|\bpukul\w*\b|\bdikeroyok\b",
     Category.BENTROKAN),
    (r"\bricuh\b|\bkericuhan\b|\brusuh\b|\bkerusuhan\b", Category.BENTROKAN),
    (r"\b(?:asn|pns|lurah|camat|aparat|polisi|tni|kepala dinas|guru honor)\b.{0,40}"
     r"\b(?:kampanye|ikut|mendukung|dukung|atribut|mengarahkan|tidak netral)\b", Category.NETRALITAS),
    (r"\btidak netral\b|\bnetralitas\b", Category.NETRALITAS),
    (r"\bketua rt\b.{0,30}\b(?:mengarahkan|kampanye|mendukung)\b", Category.NETRALITAS),
    (r"\bkampanye\b.{0,40}\b(?:masa tenang|luar jadwal|di masjid|di sekolah|rumah ibadah|tempat ibadah|"
     r"di gereja|di kantor|malam hari)\b", Category.KAMPANYE_LUAR_JADWAL),
    (r"\bcuri start\b|\bcuri curi kampanye\b", Category.KAMPANYE_LUAR_JADWAL),
    (r"\btps\b", Category.GANGGUAN_TPS),
    (r"\bkotak suara\b|\bsurat suara\b|\bbilik suara\b", Category.GANGGUAN_TPS),
    (r"\bpengerahan massa\b|\bmobilisasi\b|\bmassa bayaran\b", Category.PENGERAHAN_MASSA),
    (r"\bunjuk rasa\b|\bdemo\b|\bdemonstrasi\b|\bkonvoi\b", Category.PENGERAHAN_MASSA),
)

# Severity words in free text. "Berat" signals win over "ringan" ones.
SEVERITY_RULES: tuple[tuple[str, Severity], ...] = (
    (r"\bberat\b|\bparah\b|\bgawat\b|\bdarurat\b", Severity.BERAT),
    (r"\bluka\w*\b|\bkorban\b|\bberdarah\b|\bdarah\b|\bsenjata\b|\bsajam\b|\bgolok\b|\bparang\b|"
     r"\bpisau\b|\bbacok\w*\b|\btembak\w*\b|\bdibakar\b|\bterbakar\b|\brumah sakit\b|\bmeninggal\b",
     Severity.BERAT),
    (r"\bsedang\b", Severity.SEDANG),
    (r"\bringan\b|\bkecil\b|\bsedikit\b", Severity.RINGAN),
)


@lru_cache(maxsize=1)
def _compiled_rules() -> tuple[list[tuple[re.Pattern[str], Category]], list[tuple[re.Pattern[str], Severity]]]:
    return ([(re.compile(p), c) for p, c in KEYWORD_RULES],
            [(re.compile(p), s) for p, s in SEVERITY_RULES])


def categories_in_text(text: str) -> dict[Category, list[str]]:
    """Categories whose keywords occur in free text, each with the words that matched (in order)."""
    normed = norm(text)
    found: dict[Category, list[str]] = {}
    for rx, cat in _compiled_rules()[0]:
        m = rx.search(normed)
        if m:
            found.setdefault(cat, []).append(m.group(0).strip())
    # "baliho dirusak" is also a word "rusak"; "kampanye di TPS" is TPS trouble, not a schedule breach
    # Trouble at a polling station is "gangguan di TPS", whether a campaign or a brawl.
    if Category.GANGGUAN_TPS in found:
        for other in (Category.KAMPANYE_LUAR_JADWAL, Category.BENTROKAN):
            found.pop(other, None)
    return found


def severity_in_text(text: str) -> Severity | None:
    """The severity words in free text say (berat beats sedang beats ringan), or None."""
    normed = norm(text)
    hits = {sev for rx, sev in _compiled_rules()[1] if rx.search(normed)}
    for sev in (Severity.BERAT, Severity.SEDANG, Severity.RINGAN):
        if sev in hits:
            return sev
    return None
