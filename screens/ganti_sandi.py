"""Change one's own password (every role; the only page while a one-time password is in use)."""

from __future__ import annotations

from kondusif.ui import guard, login

login.render_change_password(guard.require_page("ganti_sandi"))
