"""Turn kelurahan and kecamatan names as people type them into official codes.

RT heads write "kel. air kuti", "Lubuklinggau Timur 1", "Ceremeh Tabah" or
"Jawa Kanan S.S."; the store only ever keeps codes. Matching goes in steps,
the first that succeeds wins:

1. the text is a code ("16.73.01.1001", "1673011001");
2. exact match of the normalised key (case, accents, punctuation, spacing,
   "Kel."/"Kelurahan"/"Desa" and "Kec."/"Kecamatan" prefixes,
   "Lubuklinggau"/"Lubuk Linggau"/"Lubuk-Linggau"/"Llg", 1/I/Satu and
   2/II/Dua, "S.S." -> "SS"), with or without spaces;
3. a trailing kecamatan name ("Air Kuti Lubuk Linggau Timur I") is split off
   and used to restrict the candidates;
4. the words typed are all words of exactly one official name ("Indah" ->
   Tanjung Indah); several such names make the text ambiguous ("Jawa");
5. fuzzy match (difflib ratio on the key without spaces) above
   ``FUZZY_THRESHOLD``; numerals must agree (Belalau 3 is not Belalau II),
   and two names scoring within ``AMBIGUITY_MARGIN`` make the text ambiguous.

``match_kelurahan`` never raises and returns a ``Match`` a caller can judge;
``find_kelurahan`` raises ``NameNotFound`` / ``AmbiguousName`` with a message
in Bahasa Indonesia naming the closest official names.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from .errors import AmbiguousName, GeoNameError, NameNotFound
from .gazetteer import (
    _kec_index,
    _kel_index,
    normalize_kecamatan_code,
    normalize_kelurahan_code,
)

__all__ = [
    "AmbiguousName",
    "GeoNameError",
    "Match",
    "NameNotFound",
    "find_kecamatan",
    "find_kelurahan",
    "find_kelurahan_in_text",
    "match_kecamatan",
    "match_kelurahan",
    "normalize_name",
]

FUZZY_THRESHOLD = 0.8
AMBIGUITY_MARGIN = 0.04
MAX_NAME_LENGTH = 120  # longer text is not a name; find_kelurahan_in_text handles messages
MAX_MESSAGE_LENGTH = 20_000

_CITY = "lubuklinggau"
_NUMERALS = {"1": "1", "01": "1", "i": "1", "satu": "1",
             "2": "2", "02": "2", "ii": "2", "dua": "2"}
_KEL_PREFIXES = {"kel", "kelurahan", "kelurhan", "kelurahn", "desa", "ds", "kelu"}
_KEC_PREFIXES = {"kec", "kecamatan", "kecamtan", "kcmtn", "kecmatan"}
_CITY_WORDS = {"llg", "lubuklinggau", "lubuklingau", "lubuklinggu"}
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])")


@dataclass(frozen=True)
class Match:
    """Outcome of matching one piece of text.

    ``code`` is None when the text is unknown or ambiguous; ``score`` is 1.0
    for exact matches and the fuzzy ratio otherwise; ``candidates`` are
    official names (the ambiguous ones, or the closest ones), best first.
    ``kind`` is one of exact, words, fuzzy, ambiguous, unknown, empty.
    """

    code: str | None
    score: float
    candidates: list[str] = field(default_factory=list)
    kind: str = "unknown"

    @property
    def ok(self) -> bool:
        return self.code is not None


def _tokens(text: str) -> list[str]:
    s = unicodedata.normalize("NFKD", text)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    s = _NON_ALNUM.sub(" ", s)
    s = _LETTER_DIGIT.sub(" ", s)
    raw = s.split()
    out: list[str] = []
    i = 0
    while i < len(raw):
        t = raw[i]
        nxt = raw[i + 1] if i + 1 < len(raw) else ""
        if t == "lubuk" and nxt in ("linggau", "lingau"):
            out.append(_CITY)
            i += 2
            continue
        if t in _CITY_WORDS:
            out.append(_CITY)
        elif t in _NUMERALS:
            out.append(_NUMERALS[t])
        elif t.isdigit():
            out.append(str(int(t)))
        else:
            out.append(t)
        i += 1
    # "s s" (from "S.S.") -> "ss": merge runs of single letters into one token
    merged: list[str] = []
    run = ""
    for t in out:
        if len(t) == 1 and t.isalpha():
            run += t
            continue
        if run:
            merged.append(run)
            run = ""
        merged.append(t)
    if run:
        merged.append(run)
    return merged


def _strip_prefixes(tokens: list[str], prefixes: set[str]) -> list[str]:
    while len(tokens) > 1 and tokens[0] in prefixes:
        tokens = tokens[1:]
    if tokens and tokens[0] in prefixes:
        return []
    return tokens


def normalize_name(text: str) -> str:
    """Normalised key of a place name (lower case, canonical city word and numerals)."""
    return " ".join(_tokens(text))


@dataclass(frozen=True)
class _Entry:
    code: str
    name: str
    tokens: tuple[str, ...]
    key: str
    compact: str
    numerals: frozenset[str]
    parent: str | None


def _entry(code: str, name: str, tokens: list[str], parent: str | None) -> _Entry:
    return _Entry(code, name, tuple(tokens), " ".join(tokens), "".join(tokens),
                  frozenset(t for t in tokens if t.isdigit()), parent)


class _Matcher:
    """Precomputed keys for one level (kelurahan or kecamatan)."""

    def __init__(self, level: str, entries: list[_Entry], aliases: dict[str, str]) -> None:
        self.level = level
        self.entries = entries
        self.by_code = {e.code: e for e in entries}
        self.exact: dict[str, str] = {}
        for e in entries:
            for k in (e.key, e.compact):
                self._add(k, e.code)
        for k, code in aliases.items():
            self._add(k, code)
            self._add(k.replace(" ", ""), code)

    def _add(self, key: str, code: str) -> None:
        if self.exact.get(key, code) != code:
            raise RuntimeError(f"duplicate name key {key!r}")  # pragma: no cover - data bug
        self.exact[key] = code

    def closest(self, compact: str, pool: list[_Entry], n: int = 3) -> list[str]:
        scored = sorted(pool, key=lambda e: (-_ratio(compact, e.compact), e.code))
        return [e.name for e in scored[:n]]

    def match(self, tokens: list[str], parent: str | None = None) -> Match:
        pool = [e for e in self.entries if parent is None or e.parent == parent]
        if not tokens:
            return Match(None, 0.0, [], "empty")
        key = " ".join(tokens)
        compact = "".join(tokens)
        for k in (key, compact):
            code = self.exact.get(k)
            if code is None:
                continue
            if parent is None or self.by_code[code].parent == parent:
                return Match(code, 1.0, [self.by_code[code].name], "exact")
            # an official name of another kecamatan: say so, never guess a neighbour
            return Match(None, 0.0, self.closest(compact, pool), "unknown")
        # every word typed belongs to the official name
        wanted = set(tokens)
        if any(len(t) >= 3 and not t.isdigit() and t != _CITY for t in tokens):
            hits = [e for e in pool if wanted <= set(e.tokens)]
            if len(hits) == 1:
                return Match(hits[0].code, 0.9, [hits[0].name], "words")
            if len(hits) > 1:
                hits.sort(key=lambda e: (-_ratio(compact, e.compact), e.code))
                return Match(None, 0.0, [e.name for e in hits], "ambiguous")
        nums = frozenset(t for t in tokens if t.isdigit())
        scored = sorted(((_ratio(compact, e.compact), e) for e in pool),
                        key=lambda se: (-se[0], se[1].code))
        closest = [e.name for _, e in scored[:3]]
        eligible = [(s, e) for s, e in scored if s >= FUZZY_THRESHOLD and e.numerals == nums]
        if not eligible:
            return Match(None, scored[0][0] if scored else 0.0, closest, "unknown")
        best_score, best = eligible[0]
        rivals = [e for s, e in eligible[1:] if best_score - s < AMBIGUITY_MARGIN]
        if rivals:
            return Match(None, best_score, [best.name] + [e.name for e in rivals], "ambiguous")
        return Match(best.code, best_score, [best.name], "fuzzy")


def _ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


@lru_cache(maxsize=1)
def _kecamatan_matcher() -> _Matcher:
    entries = []
    aliases: dict[str, str] = {}
    for code, rec in _kec_index().items():
        toks = _tokens(rec["nama"])
        entries.append(_entry(code, rec["nama"], toks, None))
        short = [t for t in toks if t != _CITY]  # "Timur I" alone names the kecamatan
        aliases[" ".join(short)] = code
    return _Matcher("kecamatan", entries, aliases)


@lru_cache(maxsize=1)
def _kelurahan_matcher() -> _Matcher:
    entries = [_entry(code, rec["nama"], _tokens(rec["nama"]), rec["kode_kecamatan"])
               for code, rec in _kel_index().items()]
    return _Matcher("kelurahan", entries, {})


def _show(text: object) -> str:
    s = " ".join(str(text).split()) if text is not None else ""
    return s if len(s) <= 60 else s[:57] + "..."


def _as_text(text: object) -> str | None:
    if text is None:
        return None
    if isinstance(text, float) and text != text:  # NaN from pandas
        return None
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return str(text)


def match_kecamatan(text: object) -> Match:
    """Match free text (or a code) to a kecamatan without raising."""
    s = _as_text(text)
    if s is None or not s.strip():
        return Match(None, 0.0, [], "empty")
    code = normalize_kecamatan_code(s)
    if code is not None:
        if code in _kec_index():
            return Match(code, 1.0, [_kec_index()[code]["nama"]], "exact")
        return Match(None, 0.0, [], "unknown")
    m = _kecamatan_matcher()
    if len(s) > MAX_NAME_LENGTH:
        return Match(None, 0.0, [], "unknown")
    return m.match(_strip_prefixes(_tokens(s), _KEC_PREFIXES))


def _split_trailing_kecamatan(tokens: list[str]) -> tuple[list[str], str | None]:
    """["air", "kuti", "kec", "lubuklinggau", "timur", "1"] -> (["air", "kuti"], "16.73.01")."""
    exact = _kecamatan_matcher().exact
    for start in range(1, len(tokens)):
        tail = _strip_prefixes(tokens[start:], _KEC_PREFIXES)
        code = exact.get(" ".join(tail)) if len(tail) >= 2 else None
        if code is None:
            continue
        head = tokens[:start]
        while head and head[-1] in _KEC_PREFIXES:
            head = head[:-1]
        if head:
            return head, code
    return tokens, None


def _resolve_parent(kecamatan: object) -> str | None:
    if kecamatan is None or (isinstance(kecamatan, str) and not kecamatan.strip()):
        return None
    return find_kecamatan(kecamatan)


def match_kelurahan(text: object, kecamatan: object = None) -> Match:
    """Match free text (or a code) to a kelurahan without raising.

    ``kecamatan`` (name or code) restricts the candidates; an unknown
    kecamatan gives an "unknown" Match rather than an exception.
    """
    try:
        parent = _resolve_parent(kecamatan)
    except GeoNameError:
        return Match(None, 0.0, [], "unknown")
    s = _as_text(text)
    if s is None or not s.strip():
        return Match(None, 0.0, [], "empty")
    code = normalize_kelurahan_code(s)
    if code is not None:
        rec = _kel_index().get(code)
        if rec is not None and (parent is None or rec["kode_kecamatan"] == parent):
            return Match(code, 1.0, [rec["nama"]], "exact")
        return Match(None, 0.0, [], "unknown")
    if len(s) > MAX_NAME_LENGTH:
        return Match(None, 0.0, [], "unknown")
    km = _kelurahan_matcher()
    tokens = _strip_prefixes(_tokens(s), _KEL_PREFIXES)
    # "... Kota Lubuklinggau" at the end says nothing about the kelurahan
    while len(tokens) > 1 and tokens[-1] == _CITY and " ".join(tokens) not in km.exact:
        tokens = tokens[:-1]
        if tokens and tokens[-1] == "kota":
            tokens = tokens[:-1]
    result = km.match(tokens, parent)
    if result.code is None and parent is None:
        head, kec_code = _split_trailing_kecamatan(tokens)
        if kec_code is not None:
            sub = km.match(_strip_prefixes(head, _KEL_PREFIXES), kec_code)
            if sub.code is not None:
                return sub
    return result


def _raise(level: str, text: object, m: Match, parent: str | None = None) -> None:
    shown = _show(text)
    where = ""
    if parent is not None:
        where = f" di Kecamatan {_kec_index()[parent]['nama']}"
    label = level.capitalize()
    if m.kind == "empty":
        raise NameNotFound(f"Nama {level} kosong.", text=text, level=level)
    if m.kind == "ambiguous":
        raise AmbiguousName(
            f'{label} "{shown}"{where} tidak jelas: bisa berarti {_join(m.candidates)}. '
            "Tuliskan nama lengkapnya.",
            text=text, level=level, candidates=m.candidates)
    hint = f" Mungkin maksud Anda: {', '.join(m.candidates)}?" if m.candidates else ""
    raise NameNotFound(f'{label} "{shown}" tidak dikenal{where}.{hint}',
                       text=text, level=level, candidates=m.candidates)


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " atau " + names[-1]


def find_kecamatan(text: object) -> str:
    """Official kecamatan code for a name or code; raises NameNotFound/AmbiguousName."""
    m = match_kecamatan(text)
    if m.code is None:
        if m.kind == "unknown" and not m.candidates:
            s = _as_text(text)
            if s and len(s) <= MAX_NAME_LENGTH:
                comp = "".join(_tokens(s))
                m = Match(None, 0.0, _kecamatan_matcher().closest(comp, _kecamatan_matcher().entries),
                          "unknown")
        _raise("kecamatan", text, m)
    return m.code  # type: ignore[return-value]


def find_kelurahan(text: object, kecamatan: object = None) -> str:
    """Official kelurahan code for free text; raises NameNotFound/AmbiguousName.

    The error message names the closest official names, e.g.
    ``Kelurahan "Xyz" tidak dikenal. Mungkin maksud Anda: Air Kuti, ...?``.
    """
    parent = _resolve_parent(kecamatan)
    m = match_kelurahan(text, parent)
    if m.code is None:
        if m.kind == "unknown" and not m.candidates:
            s = _as_text(text)
            if s is not None and len(s) <= MAX_NAME_LENGTH:
                km = _kelurahan_matcher()
                pool = [e for e in km.entries if parent is None or e.parent == parent]
                m = Match(None, 0.0, km.closest("".join(_tokens(s)), pool), "unknown")
        _raise("kelurahan", text, m, parent)
    return m.code  # type: ignore[return-value]


# --- names inside longer messages -------------------------------------------

_SEP = r"[\s.\-_/]*"


def _token_pattern(tok: str) -> str:
    if tok == _CITY:
        return r"(?:lubuk" + _SEP + r"lingg?au|llg)"
    if tok == "1":
        return r"(?:1|01|i|satu)"
    if tok == "2":
        return r"(?:2|02|ii|dua)"
    if len(tok) <= 3 and tok.isalpha() and tok == tok[0] * len(tok):  # "ss" also as "S.S."
        return (r"\.?" + _SEP).join(re.escape(c) for c in tok) + r"\.?"
    return re.escape(tok)


@lru_cache(maxsize=1)
def _text_regex() -> tuple[re.Pattern[str], dict[str, str]]:
    km = _kelurahan_matcher()
    entries = sorted(km.entries, key=lambda e: (-len(e.compact), e.code))
    groups: dict[str, str] = {}
    parts = []
    for i, e in enumerate(entries):
        g = f"k{i}"
        groups[g] = e.code
        parts.append(f"(?P<{g}>" + _SEP.join(_token_pattern(t) for t in e.tokens) + ")")
    pattern = r"(?<![a-z0-9])(?:" + "|".join(parts) + r")(?![a-z0-9])"
    return re.compile(pattern, re.IGNORECASE), groups


_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _token_close(typed: str, official: str) -> bool:
    if typed == official:
        return True
    if len(official) <= 4 or official.isdigit() or typed.isdigit():
        # short words ("air", "kali", "taba") only tolerate a trailing extra letter
        return typed.startswith(official) and len(typed) - len(official) == 1 and len(official) >= 4
    return abs(len(typed) - len(official)) <= 2 and _ratio(typed, official) >= 0.8


def find_kelurahan_in_text(text: object) -> tuple[str, tuple[int, int]] | None:
    """Find a kelurahan mentioned inside a longer message.

    Returns ``(code, (start, end))`` with the span in ``text``, or None.
    Exact spellings (with the usual variants) are found first, leftmost,
    longest name first ("Batu Urip Taba" before "Batu Urip"); then small
    typos in names of two words or more ("RT 3 Ceremeh Tabah"), and in
    single-word names only right after "Kel."/"Kelurahan"/"Desa", so ordinary
    words ("kenangan", "air kali") are not taken for names.
    """
    s = _as_text(text)
    if not s:
        return None
    s = s[:MAX_MESSAGE_LENGTH]
    rx, groups = _text_regex()
    m = rx.search(s)
    if m is not None:
        return groups[m.lastgroup or ""], m.span()
    return _fuzzy_in_text(s)


def _words_with_spans(s: str) -> list[tuple[str, int, int]]:
    """Normalised tokens of a message with the span of text each comes from."""
    raw: list[tuple[str, int, int]] = []
    for wm in _WORD.finditer(s):
        for tok in _tokens(wm.group()):
            raw.append((tok, wm.start(), wm.end()))
    out: list[tuple[str, int, int]] = []
    for tok, a, b in raw:
        prev = out[-1] if out else None
        if prev and prev[0] == "lubuk" and tok in ("linggau", "lingau"):
            out[-1] = (_CITY, prev[1], b)
        elif prev and len(tok) == 1 and tok.isalpha() and prev[0].isalpha() and (
                len(prev[0]) == 1 or set(prev[0]) == {tok}) and a - prev[2] <= 2:
            out[-1] = (prev[0] + tok, prev[1], b)  # "S.S." -> "ss"
        else:
            out.append((tok, a, b))
    return out


def _fuzzy_in_text(s: str) -> tuple[str, tuple[int, int]] | None:
    words = _words_with_spans(s)
    starts = _entries_by_first_token()
    best: tuple[float, int, str, tuple[int, int]] | None = None
    for i, (word, a, _) in enumerate(words):
        if word in _KEL_PREFIXES or word in _KEC_PREFIXES:
            continue
        after_prefix = i > 0 and words[i - 1][0] in _KEL_PREFIXES
        for first in _close_tokens(word):
            for e in starts[first]:
                n = len(e.tokens)
                if i + n > len(words) or (n == 1 and not after_prefix):
                    continue
                window = [w[0] for w in words[i:i + n]]
                if not all(_token_close(t, o) for t, o in zip(window[1:], e.tokens[1:], strict=True)):
                    continue
                score = _ratio("".join(window), e.compact)
                if score < 0.85:
                    continue
                cand = (score, -a, e.code, (a, words[i + n - 1][2]))
                if best is None or cand[:2] > best[:2]:
                    best = cand
    return (best[2], best[3]) if best else None


@lru_cache(maxsize=1)
def _entries_by_first_token() -> dict[str, list[_Entry]]:
    starts: dict[str, list[_Entry]] = {}
    for e in _kelurahan_matcher().entries:
        starts.setdefault(e.tokens[0], []).append(e)
    return starts


@lru_cache(maxsize=8192)
def _close_tokens(word: str) -> tuple[str, ...]:
    """First words of official names that ``word`` could be a typo of."""
    return tuple(t for t in _entries_by_first_token()
                 if abs(len(t) - len(word)) <= 2 and _token_close(word, t))
