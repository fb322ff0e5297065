"""Gerbang SMS: the gateways' state, the SMSsync phone, the Ketua RT numbers (kondusif/ui/sms_gateways.py)."""

from __future__ import annotations

from kondusif.ui import guard, sms_gateways

sms_gateways.render(guard.require_page("gerbang_sms"))
