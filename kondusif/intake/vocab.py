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
        "politik uang", "money politics", "money politic", "money politik", "money poltik", "mony politik",
        "money politic", "politik duit", "vote buying", "uang", "amplop", "uang tunai",
        "bagi uang", "pembagian uang", "pemberian uang", "pemberian barang", "bagi barang", "pembagian sembako",
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
        "berpihak", "memihak", "keberpihakan", "tidak netral",
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
    """The category a field value names, or None. Any case, Indonesian or English, key or label,
    or a survey form's own choice name whose meaning is clear ("apk_dicopot", "intimidasi_warga")."""
    key = norm(value)
    if not key:
        return None
    index = _category_index()
    return index.get(key) or index.get(key.replace(" ", "")) or _choice_category(key)


def match_categories(value: object) -> list[Category]:
    """Categories named in a multi-value field ("Politik uang, Intimidasi" or Kobo's space list)."""
    text = "" if value is None else str(value)
    parts = [p for p in re.split(r"[,;|\n]+", text) if p.strip()]
    whole = match_category(text) if len(parts) <= 1 else _category_index().get(norm(text))
    if whole is not None:
        return [whole]
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
    """The severity a field value names (ringan/sedang/berat, low/medium/high, 1-3, misspelled 'brat',
    a choice name 'berat_sekali'), or None."""
    key = norm(value)
    if key.endswith(" 0") or key.endswith(".0"):
        key = key[:-2]
    if not key:
        return None
    return _severity_index().get(key) or _SEVERITY_TYPOS.get(key.replace(" ", "")) or _choice_severity(key)


def category_typo(word: str) -> Category | None:
    """A LAPOR code or one-word category typed with one letter wrong, missing or extra ("intimdasi",
    "bentrk", "hoaxs"), when exactly one category is that close; words under 5 letters are never guessed."""
    key = norm(word)
    if len(key) < 5 or " " in key:
        return None
    close = {cat for w, cat in _category_index().items() if len(w) >= 5 and " " not in w and _one_edit(key, w)}
    return close.pop() if len(close) == 1 else None


def _one_edit(a: str, b: str) -> bool:
    """True when a and b differ by one substituted, missing or extra letter, or two swapped neighbours."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
                                  and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return short[i:] == long_[i + 1:]


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
    (r"\bamplop(?:nya)?\b", Category.POLITIK_UANG),
    (r"\bbagi(?: |-)?bagi (?:uang|duit|sembako|beras)\b", Category.POLITIK_UANG),
    (r"\b(?:dibagikan|membagikan|membagi|bagikan) (?:uang|duit|sembako|beras)\b", Category.POLITIK_UANG),
    (r"\bsembako\b", Category.POLITIK_UANG),
    (r"\b(?:bagi(?: bagi)?|bagiin|dibagi(?: bagi)?|dibagikan|membagikan|membagi|bagikan|kasih|dikasih|diberi) "
     r"(?:\w+ ){0,2}?(?:minyak goreng|minyak|gula|beras|mie instan|mi instan|kupon|voucher|pulsa|sarung|jilbab|mukena)\b",
     Category.POLITIK_UANG),
    (r"\buang (?:transport|transportasi|bensin|rokok|saku|lelah)\b", Category.POLITIK_UANG),
    (r"\b(?:uang|duit) (?:rp )?\d", Category.POLITIK_UANG),
    (r"\brp ?\d", Category.POLITIK_UANG),
    (r"\bsuap\b|\bdisuap\b|\bmenyuap\b", Category.POLITIK_UANG),
    (r"\bbeli suara\b|\bjual beli suara\b", Category.POLITIK_UANG),
    (r"\bintimidasi\b|\bdiintimidasi\b|\bmengintimidasi\b", Category.INTIMIDASI),
    (r"\b(?:ng|di|meng)?ancam\w*\b", Category.INTIMIDASI),
    (r"\b(?:di|me)nakut\w*\b|\bditakut\w*\b", Category.INTIMIDASI),
    (r"\bteror\w*\b", Category.INTIMIDASI),
    (r"\bdipaksa\b|\bmemaksa\b", Category.INTIMIDASI),
    (r"\brumah\b.{0,40}\b(?:di|me)?lempar\w*\b|\b(?:di|me)?lempar\w* (?:\w+ ){0,2}?(?:ke )?rumah\b", Category.INTIMIDASI),
    (r"\b(?:kalau|kalo|klo|jika|bila) (?:tidak|gak|dak|idak|tdk) (?:mau|pilih|milih|memilih|dukung|mendukung|kasih|"
     r"nyoblos|mencoblos)\b", Category.INTIMIDASI),
    (r"\b(?:warga|pemilih|saksi|mereka|kami) (?:jadi |merasa |pada )?(?:takut|ketakutan)\b", Category.INTIMIDASI),
    (r"\bhoaks\b|\bhoax\b|\bhoaxs\b", Category.KAMPANYE_HITAM),
    (r"\bkampanye hitam\b|\bblack campaign\b", Category.KAMPANYE_HITAM),
    (r"\bsara\b", Category.KAMPANYE_HITAM),
    (r"\bfitnah\w*\b", Category.KAMPANYE_HITAM),
    (r"\bujaran kebencian\b", Category.KAMPANYE_HITAM),
    (r"\bberita bohong\b", Category.KAMPANYE_HITAM),
    (r"\bpesan berantai\b|\bpesan berante\b", Category.KAMPANYE_HITAM),
    (r"\bselebaran\b", Category.KAMPANYE_HITAM),
    (r"\beditan\b|\b(?:foto|video|gambar|akun|berita|surat) (?:\w+ ){0,3}?(?:palsu|rekayasa|hasil edit)\b",
     Category.KAMPANYE_HITAM),
    (r"\bpki\b|\bkomunis\b|\bkafir\b|\bantek asing\b", Category.KAMPANYE_HITAM),
    (r"\bapk\b(?!.{0,40}\b(?:dipasang|terpasang|ditempel|dipajang)\b)", Category.PERUSAKAN_APK),
    (r"\b(?:apk|baliho|spanduk|poster|stiker|bendera|atribut)\b.{0,40}\b(?:dipasang|terpasang|ditempel|dipajang)\b"
     r".{0,30}\b(?:masjid|musholla|mushola|langgar|gereja|sekolah|sd|smp|sma|smk|rumah ibadah|tempat ibadah|puskesmas|"
     r"kantor (?:lurah|kelurahan|camat|kecamatan|pemerintah|dinas))\b", Category.KAMPANYE_LUAR_JADWAL),
    (r"\b(?:baliho|spanduk|poster|stiker|banner|pamflet|bendera paslon|umbul umbul|alat peraga)\b.{0,40}"
     r"\b(?:dirusak|rusak|dicopot|dicabut|dibakar|dirobek|robek|disobek|sobek|dicoret|ditebang|hilang|"
     r"diturunkan|dirobohkan|roboh|digunting|disayat|dikelupas|dicorat|ditarik|dipotong|dilepas|ditumbangkan|"
     r"dirusakin|diinjak)\b",
     Category.PERUSAKAN_APK),
    (r"\b(?:merusak|perusakan|pengrusakan|mencopot|membakar|merobek|menyobek)\b.{0,20}"
     r"\b(?:baliho|spanduk|poster|stiker|apk)\b", Category.PERUSAKAN_APK),
    (r"\bbentrok\w*\b", Category.BENTROKAN),
    (r"\bribut\w*\b|\bkeributan\b", Category.BENTROKAN),
    (r"\bperkelahian\b|\bberkelahi\b|\btawuran\b|\bbaku hantam\b|\b(?:di|me|pe)?[mp]ukul\w*\b|\bdikeroyok\b",
     Category.BENTROKAN),
    (r"\bricuh\b|\bkericuhan\b|\brusuh\b|\bkerusuhan\b", Category.BENTROKAN),
    (r"\b(?:asn|pns|(?<!pak )(?<!bu )(?<!bapak )(?<!ibu )(?<!bpk )lurah|camat|aparat|polisi|tni|kepala dinas|"
     r"guru honor|perangkat (?:kelurahan|kecamatan|desa)|sekretaris (?:lurah|kelurahan|camat)|seklur|pegawai "
     r"(?:negeri|dinas|kelurahan|kecamatan|pemkot)|kepala sekolah|guru (?:sd |smp |sma |smk )?negeri|kades)\b.{0,60}"
     r"\b(?:kampanye|ikut (?:kampanye|deklarasi|timses|tim sukses|mengarahkan)|mendukung|dukung|atribut|mengarahkan|"
     r"ngarahkan|ngarahke|tidak netral|jadi timses|jadi tim sukses|timses|(?:ajak|ngajak|mengajak|suruh|menyuruh|"
     r"minta|meminta)\b.{0,40}\b(?:pilih|milih|memilih|coblos|nyoblos) (?:paslon|calon|nomor|no)|"
     r"pilih (?:paslon|no|nomor)|foto (?:bareng|bersama|dengan) (?:paslon|calon)|acung\w* jari|pasang (?:baliho|"
     r"spanduk|stiker|poster|bendera)|(?:baliho|spanduk|stiker|poster) paslon)\b", Category.NETRALITAS),
    (r"\b(?:mobil|motor|kendaraan|baju|seragam|pakaian) dinas\b.{0,60}\b(?:kampanye|paslon|calon|timses|"
     r"tim sukses)\b|\b(?:kampanye|paslon|calon|timses|tim sukses)\b.{0,60}\b(?:mobil|motor|kendaraan|baju|"
     r"seragam|pakaian) dinas\b", Category.NETRALITAS),
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

# Severity words in free text: only words that say how bad it is ("berat", "parah", someone hurt, a
# weapon). "Berat" signals win over "ringan" ones; a denial ("tidak parah") says ringan.
_DENIED_SEVERITY = re.compile(r"\b(?:tidak|tdk|tak|dak|idak|ndak|gak|nggak|bukan|belum|blm|katek) (?:ada |ado )?"
                              r"(?:yang |yg |korban |orang |wong )?(?:terlalu |begitu |"
                              r"seberapa |sampai )?(?:berat|parah|serius|gawat|luka\w*|berdarah)\b")
SEVERITY_RULES: tuple[tuple[str, Severity], ...] = (
    (r"\bberat\b|\bparah\b|\bgawat\b|\bdarurat\b|\bserius\b|\bbrutal\b", Severity.BERAT),
    (r"\bluka\w*\b|\bberdarah\b|\bsenjata\b|\bsajam\b|\bgolok\b|\bparang\b|\bpisau\b|\bbacok\w*\b|"
     r"\bditusuk\b|\btembak\w*\b|\bdianiaya\b|\bpenganiayaan\b|\brumah sakit\b|\bmeninggal\b|\btewas\b|"
     r"\bpingsan\b|\bdilarikan ke\b", Severity.BERAT),
    (r"\bsedang\b(?! (?:berkumpul|kumpul|rapat|ada|di|dalam|berlangsung|jalan|berjalan|antre|antri|menunggu))",
     Severity.SEDANG),
    (r"\bringan\b|\bkecil saja\b|\bkecil kecilan\b|\bskala kecil\b|\bkejadian kecil\b|\bmasalah kecil\b",
     Severity.RINGAN),
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
    # Campaigning in the quiet period ("masa tenang") when nothing else is named: a schedule breach.
    quiet = QUIET_PERIOD.search(normed) if not found else None
    if quiet is not None and _CAMPAIGN_WORDS.search(QUIET_PERIOD.sub(" ", normed)):
        found[Category.KAMPANYE_LUAR_JADWAL] = [quiet.group(0)]
    return found


# The election's quiet period is a time, not a calm word: "padahal sudah masa tenang".
QUIET_PERIOD = re.compile(r"\b(?:masa|minggu|hari) tenang\b")
_CAMPAIGN_WORDS = re.compile(r"\b(?:paslon|calon|kampanye|ceramah politik|spanduk|stiker|baliho|atribut|timses|"
                             r"tim sukses|sound system|pengeras suara)\b")


def severity_in_text(text: str) -> Severity | None:
    """The severity words in free text say (berat beats sedang beats ringan), or None."""
    normed = norm(text)
    denied = any(not m.group(0).endswith(("luka", "berdarah")) and "luka" not in m.group(0)
                 for m in _DENIED_SEVERITY.finditer(normed))  # "tidak parah" says ringan; "tidak ada luka" says nothing
    normed = _DENIED_SEVERITY.sub(" ", normed)
    hits = {sev for rx, sev in _compiled_rules()[1] if rx.search(normed)}
    if denied and Severity.BERAT not in hits:
        return Severity.RINGAN
    for sev in (Severity.BERAT, Severity.SEDANG, Severity.RINGAN):
        if sev in hits:
            return sev
    return None


# --------------------------------------------------------------------------- form choice names

# Words in a survey form's own choice names that say nothing about the category ("intimidasi_warga",
# "apk_dicopot_orang"): they neither help nor spoil a match.
_CHOICE_FILLER = frozenset(
    "warga orang di ke dari oleh yang dan atau oleh pihak tim paslon calon kandidat kasus kejadian jenis "
    "pelanggaran dugaan indikasi adanya ada lokasi wilayah rt rw kel kelurahan".split())
# Index words too vague alone in a choice name ("perusakan_rumah" is not an APK case).
_CHOICE_WEAK = frozenset({"uang", "perusakan", "pengrusakan", "lain", "massa", "hitam", "demo"})
_SEVERITY_MODIFIERS = frozenset(
    "sekali sangat amat banget nian kali agak cukup lumayan level tingkat skala saja aja doang".split())
_NEGATIONS = frozenset("tidak tdk tak dak idak ndak nggak gak enggak bukan belum blm non".split())


def _choice_category(key: str) -> Category | None:
    """A form's own choice name ("apk_dicopot", "money_politic", "intimidasi_warga") when its meaning is clear."""
    key = re.sub(r"\b(?:tidak|tdk|tak|non|bukan) netral\b", "netralitas", key)  # "aparat_tidak_netral"
    words = key.split()
    if not words or any(w in _NEGATIONS for w in words):
        return None
    index = _category_index()
    hits: set[Category] = set()
    used: set[int] = set()
    for size in (3, 2):  # phrases first: "money politic", "serangan fajar", "unjuk rasa"
        for i in range(len(words) - size + 1):
            cat = index.get(" ".join(words[i:i + size])) or index.get("".join(words[i:i + size]))
            if cat is not None and not used.intersection(range(i, i + size)):
                hits.add(cat)
                used.update(range(i, i + size))
    for i, w in enumerate(words):
        if i not in used and w not in _CHOICE_WEAK and w not in _CHOICE_FILLER and w in index:
            hits.add(index[w])
    weak = {index[w] for i, w in enumerate(words) if i not in used and w in _CHOICE_WEAK and w in index}
    if hits and weak - hits and ({"dan", "atau"} & set(words)):
        return None  # "uang_dan_ancaman": two categories joined
    if len(hits) == 1:
        return hits.pop()
    found = categories_in_text(key)  # "baliho dirusak", "asn kampanye", "kampanye di tps"
    return next(iter(found)) if len(found) == 1 and (not hits or set(found) <= hits) else None


# Misspellings and short forms people type for a severity ("brat", "sdg", "rgn").
_SEVERITY_TYPOS: dict[str, Severity] = {
    "brat": Severity.BERAT, "berad": Severity.BERAT, "brt": Severity.BERAT, "beratt": Severity.BERAT,
    "berrat": Severity.BERAT, "berta": Severity.BERAT, "beart": Severity.BERAT, "bert": Severity.BERAT,
    "sdg": Severity.SEDANG, "sedng": Severity.SEDANG, "sdang": Severity.SEDANG, "sedan": Severity.SEDANG,
    "sedag": Severity.SEDANG, "sedangg": Severity.SEDANG, "sedeng": Severity.SEDANG,
    "rgn": Severity.RINGAN, "ringn": Severity.RINGAN, "rngan": Severity.RINGAN, "ringa": Severity.RINGAN,
    "ringgan": Severity.RINGAN, "ringam": Severity.RINGAN, "ringan2": Severity.RINGAN, "rigan": Severity.RINGAN,
}


def severity_word(word: str) -> Severity | None:
    """One typed severity word, misspellings included ('brat', 'sdg', 'ringn'); None when it is not one."""
    key = re.sub(r"(?<=[a-z]{3})2$", "", norm(word).replace(" ", ""))  # "sedang2"
    if not key:
        return None
    return _severity_index().get(key) or _SEVERITY_TYPOS.get(key)


def _choice_severity(key: str) -> Severity | None:
    """'berat_sekali', 'sangat_ringan', 'tingkat_berat': one severity word among modifiers."""
    words = key.split()
    if len(words) == 2 and words[0] in _NEGATIONS and severity_word(words[1]) == Severity.BERAT:
        return Severity.RINGAN  # "tidak_berat", "tidak_parah"
    if any(w in _NEGATIONS for w in words):
        return None
    hits = {severity_word(w) for w in words if w not in _SEVERITY_MODIFIERS}
    if None in hits or len(hits) != 1:
        return None
    return hits.pop()


# --------------------------------------------------------------------------- calm messages and non-reports

# Calm ("aman") words: a message made only of these, places and times is a check-in.
_CALM_CORE = re.compile(
    r"\b(?:aman2?|amaan+|amn|kondusif|kondusip|nihil|nihel|terkendali|tenang|damai|tertib|lancar|"
    r"tidak ada (?:kejadian|gangguan|masalah|laporan|apa apa|hal)|tdk ada (?:kejadian|gangguan|masalah|apa apa)|"
    r"dak ada (?:kejadian|gangguan|masalah|apo apo)|idak ada (?:kejadian|gangguan|masalah|apo apo)|"
    r"(?:dak|idak) ado (?:kejadian|gangguan|masalah|apo apo|apo2)|(?:tidak|tdk|dak|idak) ada apa2)\b")
# Denials of trouble inside a calm message ("nihil, tidak ada politik uang") are removed before the
# category keywords are looked for.
_DENIAL = re.compile(r"\b(?:tidak|tdk|tak|dak|idak|ndak|nggak|gak|belum|blm) (?:ada|ado|terjadi|ditemukan|"
                     r"terlihat|ketemu|nampak) (?:\w+ ){0,3}\w+\b")
_NOT_CALM = re.compile(r"\b(?:tidak|tdk|tak|dak|idak|ndak|nggak|gak|kurang|belum|blm|belom|mulai|jadi|"
                       r"semakin|makin) (?:aman|kondusif|tenang|terkendali|tertib|lancar)\b|"
                       r"\b(?:tapi|tetapi|namun|cuma|kecuali|hanya saja|cuman|tp)\b|\bsempat\b")
_WISH = re.compile(r"\b(?:semoga|mohon(?! izin)|dimohon|tolong|smoga|moga moga|mudah mudahan|mudah2an|mari|ayo|yuk|jaga|menjaga|jagalah|"
                   r"wujudkan|ciptakan|agar|supaya|biar|harap|diharapkan|insya ?allah)\b")


# Courtesy around a calm message: thanks or "amin" before it, thanks or a wish after it
# ("Terima kasih pak, RT 05 aman", "Alhamdulillah aman, semoga tetap kondusif"). The calm word wins.
_COURTESY_HEAD = re.compile(
    r"^\W*(?:(?:terima ?kasih|terimakasih|makasih|makasi|mksh|trims|trimakasih|tq|thx|thanks|matur nuwun|nuwun|"
    r"amin+|aamiin+|banyak|(?:pak|bu|bapak|ibu|bpk|pk|admin|min)\b(?: [a-z]+\W)?)\W+)+", re.IGNORECASE)
_COURTESY_TAIL = re.compile(
    r"[,.;!\n]+\W*(?:terima ?kasih|terimakasih|makasih|tq|thx|thanks|semoga|smoga|moga moga|mudah mudahan|"
    r"mudah2an|insya ?allah|amin+|aamiin+)\b[^?]*$", re.IGNORECASE)


def _without_courtesy(text: str) -> str:
    """The message without thanks/amin before it and thanks/wishes after it (a clause of their own).

    A closing clause that says more ("terima kasih, tapi ada amplop") stays: it is read like the rest.
    """
    text = _COURTESY_HEAD.sub("", text)
    tail = _COURTESY_TAIL.search(text)
    if tail is None:
        return text.strip()
    said = norm(tail.group(0))
    if _NOT_CALM.search(said) or categories_in_text(_DENIAL.sub(" ", said)) or severity_in_text(said) is not None:
        return text.strip()
    return text[:tail.start()].strip()


def is_calm(text: str) -> bool:
    """True for an all-clear message ("aman", "situasi aman terkendali", "nihil", "kondusif pak").

    Not calm: a denial of calm ("tidak aman"), a "but" ("aman tapi ..."), a wish or appeal
    ("semoga aman"), a question, an instruction or reminder, or any incident keyword
    outside a denial ("aman, tidak ada amplop" is calm; "aman, ada amplop" is not).
    Kelurahan names holding the word ("Lubuk Aman", "Tanjung Aman") do not count.
    """
    from lubuklinggau_geo.names import find_kelurahan_in_text

    raw = _without_courtesy(str(text or ""))
    if "?" in raw or not _CALM_CORE.search(QUIET_PERIOD.sub(" ", norm(raw))) or not_report_reason(raw) is not None:
        return False  # the cheap tests first: most messages hold no calm word at all
    found = find_kelurahan_in_text(raw)
    while found is not None:  # drop every kelurahan name ("Lubuk Aman" is a place, not a calm word)
        start, end = found[1]
        raw = raw[:start] + " " + raw[end:]
        found = find_kelurahan_in_text(raw)
    normed = QUIET_PERIOD.sub(" ", norm(raw))
    if not _CALM_CORE.search(normed) or _NOT_CALM.search(normed) or _WISH.search(normed):
        return False
    if len(normed) > 220:
        return False  # a long story that mentions calm is a story: a person reads it
    rest = _DENIAL.sub(" ", normed)
    found_cats = categories_in_text(rest)
    found_cats.pop(Category.GANGGUAN_TPS, None)  # "TPS 04 aman" names the place, not trouble at it
    if found_cats or re.search(r"\b(?:kotak suara|surat suara) (?:rusak|hilang|kurang)\b", rest):
        return False
    return severity_in_text(rest) is None or severity_in_text(rest) == Severity.RINGAN and "sedikit" in rest


# Messages that are about reporting rather than a report (Indonesian reason for the import summary).
NOT_REPORT_RULES: tuple[tuple[str, str], ...] = (
    (r"<\s*(?:kategori|tingkat|nomor|no|kelurahan|uraian|isi)\b|\[(?:kategori|tingkat|kelurahan)\]|"
     r"\bformat(?:nya)? (?:laporan|lapor|sms|pesan|pelaporan)\b|\bcontoh(?:nya)?\s*:|\bcontoh (?:laporan|format|sms|"
     r"pesan|penulisan|pengisian)\b|\bmisal(?:nya)?\s*:|\bcara (?:melapor|lapor|kirim|mengirim|pelaporan)\b",
     "penjelasan format laporan, bukan laporan"),
    (r"\b(?:mohon|mhn|harap|dimohon|diminta|diharapkan|silakan|silahkan|(?:jangan|jgn) lupa|wajib|tolong|tlg|segera)\b"
     r"(?:\W+\w+){0,4}?\W+(?:balas|membalas|kirim|kirimkan|mengirim|melapor|melaporkan|laporkan|ketik|sampaikan|"
     r"menyampaikan|update|isi|mengisi|gunakan|pakai|ikuti|cek grup|memantau|pantau|dikirim|dikirimkan|"
     r"dilaporkan|diisi|diikuti)\b",
     "petunjuk atau permintaan kepada RT, bukan laporan"),
    (r"\b(?:wajib|harus|diwajibkan) (?:lapor|melapor)\b|\blaporkan(?:lah)? (?:dugaan|setiap|segala|semua|jika|bila|"
     r"kepada|ke)\b|\b(?:jangan|jgn) takut (?:lapor|melapor)\b|\b(?:ketik|ketikkan|balas|jawab|tulis) (?:saja |aja |kata )?"
     r"(?:aman|nihil|lapor)\b(?! (?:pak|bu|bapak|ibu)\b)",
     "petunjuk atau permintaan kepada RT, bukan laporan"),
    (r"\b(?:belum|blm|belom|lum|alum)\s+(?:ada\s+)?(?:kirim|mengirim|ngirim|lapor|melapor|memberi kabar|"
     r"kasih kabar|ngasih kabar|balas|membalas|laporan|kabar|setor|update)\b|\bpengingat\b|\breminder\b|"
     r"\bmengingatkan\b|\bdiingatkan\b|\bditunggu (?:laporan|kabar|update)",
     "pengingat kepada RT, bukan laporan"),
    (r"\b(?:pengumuman|edaran|surat edaran|siaran pers|himbauan|imbauan|menghimbau|mengimbau|maklumat|"
     r"informasi resmi|info resmi|menginformasikan|mengumumkan|disampaikan kepada|diberitahukan|"
     r"kepada (?:yth|seluruh|para|bapak)|\byth\b|bapak ibu ketua rt|bapak\W*ibu ketua rt|bpk ibu ketua rt|"
     r"rekan rekan ketua rt|dulur dulur ketua rt|sosialisasi)\b",
     "pemberitahuan resmi atau himbauan, bukan laporan"),
    (r"^\W*(?:diteruskan|forwarded|fwd|fw|teruskan|sebarkan|viralkan|copas|copy paste|dari grup sebelah)\b|"
     r"\b(?:waspada|awas|hati hati|hati2) (?:hoaks|hoax|berita bohong|penipuan)\b|\bjangan (?:mudah )?(?:percaya|"
     r"terpancing|terprovokasi)\b|\b(?:mohon|tolong) (?:disebarkan|diteruskan|dibagikan)\b",
     "pesan terusan atau peringatan hoaks, bukan laporan"),
    (r"^\W*(?:semoga|smoga|moga moga|mudah mudahan|amin|aamiin|insya ?allah)\b", "doa atau harapan, bukan laporan"),
    (r"^\W*(?:terima ?kasih|terimakasih|makasih|mksh|makasi|trims|trimakasih|tq|thx|thanks|matur nuwun|"
     r"nuwun)\b", "ucapan terima kasih, bukan laporan"),
)
QUESTION_START = re.compile(
    r"^\W*(?:apakah|apa|apo|kapan|dimana|di mana|mana|bagaimana|gimana|gmn|cakmano|cak mano|siapa|sapo|berapa|"
    r"kenapa|ngapo|mengapa|bisakah|bisa|boleh|bolehkah|sudahkah|adakah|pak|bu|min|admin)\b.{0,200}\?\s*$")


@lru_cache(maxsize=1)
def _not_report_rules() -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(p), reason) for p, reason in NOT_REPORT_RULES]


def not_report_reason(text: str) -> str | None:
    """Why a message is about reporting rather than a report (format help, reminder, notice, thanks), or None.

    Questions are read separately (`is_question`): a question that names a place
    and an incident may still deserve a person's look.
    """
    normed = norm(text)
    lowered = str(text or "").lower()
    for rx, reason in _not_report_rules():
        if rx.search(normed) or (reason.startswith("penjelasan") and rx.search(lowered)):
            return reason
    return None


def is_question(text: str) -> bool:
    """A message asking something: it ends with '?' (after emoji), starts with a question word and has one,
    or its question is followed only by a short remark ("... dipindah? Sy blm dpt info")."""
    t = re.sub(r"[\W_]+$", lambda m: "?" if "?" in m.group(0) else "", str(text or "").strip())
    if t.endswith("?") or QUESTION_START.match(t.lower()):
        return True
    head, mark, tail = t.rpartition("?")
    return bool(mark) and len(head) >= 10 and len(tail.split()) <= _QUESTION_TAIL_WORDS


_QUESTION_TAIL_WORDS = 6
