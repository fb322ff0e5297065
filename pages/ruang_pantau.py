"""Ruang pantau: the command post's wall display (issue 16). Kiosk URL: /ruang_pantau?segar=30&periode=hari-ini."""

from __future__ import annotations

import streamlit as st

from kondusif import wall
from kondusif.ui import guard
from kondusif.ui import wall as wall_ui

viewer = guard.require_page("ruang_pantau")
params, notices = wall.parse_params(st.query_params.to_dict())
wall_ui.render(viewer, params, notices)
