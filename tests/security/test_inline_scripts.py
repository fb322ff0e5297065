"""Every inline script the app sends into its own page is named by hash in the CSP.

Found when the merged app was looked at in Chromium: the phone/Indonesian-text script
of kondusif.ui.screen was blocked by the policy (sidebar stayed open, uploader in English).
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from kondusif.web.middleware import content_security_policy

ROOT = Path(__file__).resolve().parents[2]


def _sha(body: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"


def test_every_script_sent_with_st_html_is_allowed_by_the_policy():
    from kondusif.ui import screen, session

    policy = content_security_policy("/")
    sent = [screen.SCREEN_SCRIPT_HTML, session.renew_form_html("tiket-uji")]
    bodies = [b for html in sent for b in re.findall(r"<script>(.*?)</script>", html, flags=re.S)]
    assert len(bodies) == 2
    for body in bodies:
        assert _sha(body) in policy, body[:60]


def test_no_other_module_sends_javascript_into_the_page():
    senders = sorted(str(p.relative_to(ROOT)) for p in [*ROOT.glob("kondusif/**/*.py"), *ROOT.glob("screens/*.py"),
                                                          ROOT / "dashboard.py"]
                     if "unsafe_allow_javascript=True" in p.read_text(encoding="utf-8"))
    assert senders == ["kondusif/ui/screen.py", "kondusif/ui/session.py"]
