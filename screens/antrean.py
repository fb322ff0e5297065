"""Antrean periksa: messages and rows a person must read before they become reports (kondusif/ui/imports.py)."""

from __future__ import annotations

from kondusif.ui import guard, imports

imports.render_queue(guard.require_page("antrean"))
