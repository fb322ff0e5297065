"""Insiden: the Panwaslu workbench (kondusif/ui/incidents.py)."""

from __future__ import annotations

from kondusif.ui import guard, incidents

incidents.render(guard.require_page("insiden"))
