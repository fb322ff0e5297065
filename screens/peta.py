"""Peta kondusivitas, the home page: the city map by kelurahan and RT (kondusif/ui/city_map.py)."""

from __future__ import annotations

from kondusif.ui import city_map, guard

city_map.render(guard.require_page("peta"))
