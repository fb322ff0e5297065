"""Kelola akun: account administration, admin only (kondusif/ui/accounts.py)."""

from __future__ import annotations

from kondusif.ui import accounts, guard

accounts.render(guard.require_page("admin_akun"))
