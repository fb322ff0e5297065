"""GSM-7: the 7-bit alphabet an ordinary SMS is written in (3GPP TS 23.038).

A reply must fit ONE SMS: at most 160 septets of the default alphabet, where the
extension characters (``^{}\\[~]|€`` and form feed) take two septets each. A
single character outside the alphabet (an emoji, a curly quote) would switch the
whole message to UCS-2 and its limit to 70 characters, so replies are folded to
the alphabet before they are measured.
"""

from __future__ import annotations

import unicodedata

# The default alphabet (basic character set), in table order; \x1b is the escape to the extension table.
BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENSION = "\f^{}\\[~]|€"
_BASIC = frozenset(BASIC) - {"\x1b"}
_EXTENSION = frozenset(EXTENSION)

SINGLE_SMS_SEPTETS = 160

# Common look-alikes people (and word processors) type, folded to the alphabet.
_FOLD = {"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-", "…": "...",
         "\u00a0": " ", "\t": " ", "`": "'", "´": "'"}


def is_gsm7(text: str) -> bool:
    """True when every character is in the default alphabet or its extension table."""
    return all(ch in _BASIC or ch in _EXTENSION for ch in text)


def septets(text: str) -> int:
    """Length in septets (extension characters count two); ValueError for a character outside GSM-7."""
    n = 0
    for ch in text:
        if ch in _BASIC:
            n += 1
        elif ch in _EXTENSION:
            n += 2
        else:
            raise ValueError(f"karakter {ch!r} tidak ada di alfabet GSM-7")
    return n


def fits_one_sms(text: str) -> bool:
    """GSM-7 and at most 160 septets: one SMS, no UCS-2 switch, no second part to pay for."""
    return is_gsm7(text) and septets(text) <= SINGLE_SMS_SEPTETS


def to_gsm7(text: str) -> str:
    """Fold `text` into GSM-7: look-alikes replaced, accents dropped where the alphabet lacks them, rest '?'."""
    out = []
    for ch in text:
        ch = _FOLD.get(ch, ch)
        if all(c in _BASIC or c in _EXTENSION for c in ch):
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        out.append(base if base and all(c in _BASIC or c in _EXTENSION for c in base) else "?")
    return "".join(out)


__all__ = ["SINGLE_SMS_SEPTETS", "fits_one_sms", "is_gsm7", "septets", "to_gsm7"]
