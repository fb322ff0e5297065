"""The report form's own decisions, without Streamlit (issue 19): error placement, point check."""

from __future__ import annotations

from kondusif.intake import form
from kondusif.intake.validate import FieldError

AIR_KUTI = (-3.281897, 102.914755)  # the kelurahan's centre (16.73.01.1001)


def test_errors_are_shown_under_the_field_the_person_can_change():
    errors = [FieldError("lat", "bukan angka"), FieldError("kelurahan", "tidak dikenal"),
              FieldError("title", "wajib diisi"), FieldError("lon", "bukan angka")]
    assert form.errors_by_form_field(errors) == {
        "location": ["bukan angka", "bukan angka"],  # lat and lon: one map
        "kel": ["tidak dikenal"],
        "title": ["wajib diisi"],
    }
    assert form.errors_by_form_field([]) == {}


def test_a_point_outside_the_chosen_kelurahan_is_a_warning():
    assert form.point_warning(*AIR_KUTI, "16.73.01.1001") is None
    assert form.point_warning(*AIR_KUTI, "16.73.01.1002") == (
        "Titik ini di luar Kelurahan Majapahit (masuk Kelurahan Air Kuti). "
        "Laporan tetap bisa dikirim; periksa lagi titiknya.")
    assert form.point_warning(-6.2, 106.8, "16.73.01.1002") == (  # Jakarta
        "Titik ini di luar Kelurahan Majapahit (di luar Kota Lubuklinggau). "
        "Laporan tetap bisa dikirim; periksa lagi titiknya.")
    assert form.point_warning(*AIR_KUTI, None) is None  # no kelurahan chosen yet: nothing to compare
