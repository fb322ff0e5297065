"""Ruang pantau: the command post's wall display (issue 16; kondusif/ui/wall.py). Kiosk URL: /ruang_pantau?segar=30."""

from __future__ import annotations

from kondusif.ui import guard, wall

wall.render_page(guard.require_page("ruang_pantau"))
