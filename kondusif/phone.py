"""One written form for phone numbers (+62…), so one Ketua RT is one number on every intake path.

People write the same mobile as 0812-3456-7890, 62 812 3456 7890, +62 (812)…,
or 812… (the form's "+62" box). The form, file imports, chat senders and SMS
lines all store `normalise_phone` of what was typed, so reports of one person
match whichever way they came in.
"""

from __future__ import annotations

import re

_KEEP = re.compile(r"[^\d+]")
_PHONE_CHARS = re.compile(r"\+?[\d ()./-]+")


def normalise_phone(text: object) -> str | None:
    """'0812-3456-7890', '62 812…', '+62 (812)…', '812…' -> '+6281234567890'; None if no number.

    A number with another country code keeps it (+65…); a leading trunk 0 after
    +62 ("+620812…", a common slip) is dropped. No check of length beyond 6 digits:
    `validate.check_phone` says whether it is a phone number at all.
    """
    if text is None:
        return None
    raw = str(text).strip()
    plus = raw.startswith("+")
    digits = _KEEP.sub("", raw).replace("+", "")
    if len(digits) < 6:
        return None
    if plus and not digits.startswith("62"):
        return "+" + digits  # another country
    if digits.startswith("00"):
        return "+" + digits[2:]
    if digits.startswith("62"):
        rest = digits[2:]
    elif digits.startswith("0"):
        rest = digits[1:]
    elif digits.startswith("8"):
        rest = digits  # typed after a "+62" prefix box
    else:
        return ("+" if plus else "") + digits
    rest = rest.lstrip("0")
    return "+62" + rest


def national_form(phone: object) -> str | None:
    """'+6281234567890' -> '0812-3456-7890': the way people write it, for spreadsheet cells.

    Excel turns a CSV field of digits into a number and drops its leading 0 (and
    reads a leading "+" as a formula); grouped with hyphens the number stays text
    in every locale, with no apostrophe or formula around it (issue 30). Only
    text made of phone characters that is an Indonesian number is rewritten
    ('081234567890' too); anything else is returned as it is.
    """
    if not isinstance(phone, str):
        return None
    canonical = normalise_phone(phone) if _PHONE_CHARS.fullmatch(phone) else None
    m = re.fullmatch(r"\+62(\d{3})(\d{1,4})(\d*)", canonical or "")
    if m is None:
        return phone
    return "-".join(p for p in ("0" + m.group(1), m.group(2), m.group(3)) if p)
