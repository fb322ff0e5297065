"""Laporan mingguan: the weekly PDF, its preview and archive (kondusif/ui/weekly_report.py)."""

from __future__ import annotations

from kondusif.ui import guard, weekly_report

weekly_report.render(guard.require_page("laporan_mingguan"))
