"""Impor laporan: file and chat imports and the review queue (kondusif/ui/imports.py)."""

from __future__ import annotations

from kondusif.ui import guard, imports

imports.render(guard.require_page("impor"))
