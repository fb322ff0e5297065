"""What the report form (kondusif/ui/report_form.py) decides, as plain functions tests call without Streamlit.

The form has fewer fields than the validator: one map for the point, one picker for
the kelurahan. Errors are shown under the field the person can change; a tapped point
outside the chosen kelurahan is a warning (the report can still be sent).
"""

from __future__ import annotations

from collections.abc import Iterable

from kondusif.intake.validate import FieldError
from lubuklinggau_geo import gazetteer
from lubuklinggau_geo.boundaries import geo_dir
from lubuklinggau_geo.locate import locate

# validator field -> the form field it is shown under
FORM_FIELD_OF = {"lat": "location", "lon": "location", "kecamatan": "kel", "kelurahan": "kel"}
# form field -> its name in a message under it («Judul: wajib diisi»)
FIELD_LABELS = {"kel": "Kelurahan", "rt": "RT", "category": "Kategori", "severity": "Tingkat",
                "occurred_at": "Waktu kejadian", "title": "Judul", "description": "Uraian", "photo": "Foto",
                "location": "Lokasi", "reporter_name": "Nama", "reporter_phone": "Nomor HP", "row": "Laporan"}


def errors_by_form_field(errors: Iterable[FieldError]) -> dict[str, list[str]]:
    """Validation messages grouped under the form's own fields, in the order they came."""
    out: dict[str, list[str]] = {}
    for e in errors:
        out.setdefault(FORM_FIELD_OF.get(e.field, e.field), []).append(e.message)
    return out


def point_warning(lat: float, lon: float, kelurahan: str | None) -> str | None:
    """The warning for a point outside the chosen kelurahan; None when inside, or nothing to check against.

    Without a chosen kelurahan or without installed boundaries the point is not checked.
    """
    if not kelurahan or geo_dir() is None:
        return None
    where = locate(lat, lon)
    if where == kelurahan:
        return None
    inside = f"masuk Kelurahan {gazetteer.kelurahan_name(where)}" if where else "di luar Kota Lubuklinggau"
    return (f"Titik ini di luar Kelurahan {gazetteer.kelurahan_name(kelurahan)} ({inside}). "
            "Laporan tetap bisa dikirim; periksa lagi titiknya.")
