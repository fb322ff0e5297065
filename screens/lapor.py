"""Kirim laporan: the report form for Ketua RT and for Panwaslu filing for an RT (kondusif/ui/report_form.py)."""

from __future__ import annotations

from kondusif.ui import guard, report_form

report_form.render(guard.require_page("lapor"))
