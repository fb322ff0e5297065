"""The SMS replies a gateway sends back: always one GSM-7 SMS (at most 160 characters).

- receipt: "Laporan LLG-2018-000123 diterima (Politik uang, berat, RT 03 Air Kuti). Terima kasih."
- queued: a registered RT's message that a person must check first (it is in the review queue)
- format: nothing of a report could be read; it is still queued, so the reply says so first and
  then how to write LAPOR (at most once an hour per sender: no loops with auto-responders)
- unregistered: read, but the number is not a registered Ketua RT: a person checks it first

Every reply to a queued SMS starts with QUEUED_LEAD (issue 25.5): the sender must never
believe the message was refused when it only waits for a person.
"""

from __future__ import annotations

from kondusif.model import Category, Severity
from kondusif.sms.gsm7 import SINGLE_SMS_SEPTETS, fits_one_sms, septets, to_gsm7
from lubuklinggau_geo import gazetteer

QUEUED_LEAD = "Pesan Anda diterima dan akan diperiksa petugas"
QUEUED_REPLY = QUEUED_LEAD + " sebelum masuk peta. Terima kasih."
FORMAT_REPLY = (QUEUED_LEAD + ". Untuk laporan tulis: LAPOR jenis tingkat RT no kelurahan: uraian. "
                "Contoh: LAPOR uang berat RT 3 Air Kuti: amplop")
UNREGISTERED_REPLY = (QUEUED_LEAD + ". Nomor ini belum terdaftar sebagai "
                      "Ketua RT; hubungi operator Setda untuk mendaftarkannya.")

# Shorter category names for when the full label would push a receipt past one SMS.
SHORT_CATEGORY = {
    Category.INTIMIDASI: "Intimidasi",
    Category.KAMPANYE_HITAM: "Kampanye hitam",
    Category.BENTROKAN: "Bentrokan",
    Category.NETRALITAS: "Netralitas",
    Category.KAMPANYE_LUAR_JADWAL: "Kampanye luar jadwal",
    Category.PENGERAHAN_MASSA: "Pengerahan massa",
}


def _fit(text: str) -> str:
    text = to_gsm7(text)
    while septets(text) > SINGLE_SMS_SEPTETS:
        text = text[:-1]
    return text


def receipt(report_no: str, category: str, severity: str, rt: int | None, kode_kelurahan: str) -> str:
    """The receipt for a stored report, in one SMS (shorter names are used when the full ones do not fit)."""
    cat = Category(category)
    sev = Severity(severity).value
    kel = gazetteer.kelurahan_name(kode_kelurahan) or kode_kelurahan
    rt_part = f", RT {int(rt):02d}" if rt is not None else ""
    for cat_label in (cat.label, SHORT_CATEGORY.get(cat, cat.label)):
        text = to_gsm7(f"Laporan {report_no} diterima ({cat_label}, {sev}{rt_part} {kel}). Terima kasih.")
        if fits_one_sms(text):
            return text
    return _fit(f"Laporan {report_no} diterima ({SHORT_CATEGORY.get(cat, cat.label)}, {sev}{rt_part} {kel}).")


def queued_reply() -> str:
    return QUEUED_REPLY


def format_reply() -> str:
    return FORMAT_REPLY


def unregistered_reply() -> str:
    return UNREGISTERED_REPLY


assert all(fits_one_sms(t) for t in (QUEUED_REPLY, FORMAT_REPLY, UNREGISTERED_REPLY))  # noqa: S101 - fixed texts

__all__ = ["FORMAT_REPLY", "QUEUED_LEAD", "QUEUED_REPLY", "UNREGISTERED_REPLY", "format_reply", "queued_reply",
           "receipt", "unregistered_reply"]
