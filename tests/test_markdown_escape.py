"""Issue 11/19: user-written text reaches Streamlit's Markdown only through the one escaper.

A display name, title, description or queue text `![x](http://127.0.0.1:9/x.png)`
must render as typed on every path: no image, no link, nothing fetched. The
browser check for the same text is tests/browser/test_escape_browser.py.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import signin
from streamlit.testing.v1 import AppTest

from kondusif import accounts, registry, store
from kondusif.intake import pipeline
from kondusif.model import Category, Incident, Role, Severity, Viewer
from kondusif.safe import escape_markdown
from kondusif.ui.mapview import reasons_markdown

DASHBOARD = str(Path(__file__).resolve().parent.parent / "dashboard.py")
HOSTILE = "![x](http://127.0.0.1:9/x.png)"
# Written by hand: every ASCII punctuation character backslash-escaped, and a word joiner
# (U+2060) after "http" so GFM cannot turn the bare URL into a link.
ESCAPED = r"\!\[x\]\(http" + "\u2060" + r"\:\/\/127\.0\.0\.1\:9\/x\.png\)"
LIVE = re.compile(r"(?<!\\)!\[|(?<!\\)\]\(|(?<!\\)<(?=[a-z/])|(?<![\\/])https?(?<!\\):")


def markdown_bodies(at: AppTest) -> list[str]:
    """Every Markdown string the page sent: markdown, captions, alerts, in the page and the sidebar."""
    out = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success"):
        out += [str(e.value) for e in getattr(at, kind)]
        out += [str(e.value) for e in getattr(at.sidebar, kind)]
    return out


def assert_inert(at: AppTest, must_show: int = 1) -> None:
    assert not at.exception, at.exception
    bodies = markdown_bodies(at)
    shown = [b for b in bodies if ESCAPED in b]
    assert len(shown) >= must_show, f"the hostile text is not shown escaped: {bodies}"
    live = [b for b in bodies if LIVE.search(b.replace(ESCAPED, ""))]
    assert not live, f"live Markdown in: {live}"


def open_as(viewer: Viewer, page: str | None = None) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    signin.sign_in(at, viewer)
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


def test_the_escaper_escapes_every_markdown_character_and_flattens_lines():
    assert escape_markdown(HOSTILE) == ESCAPED
    assert escape_markdown("# Judul\n- butir\n\n1. satu") == r"\# Judul \- butir 1\. satu"
    assert escape_markdown(":material/home: $x$ <b>&amp;</b> `c` *e* _u_ ~s~ |t|") == (
        r"\:material\/home\: \$x\$ \<b\>\&amp\;\<\/b\> \`c\` \*e\* \_u\_ \~s\~ \|t\|")
    assert escape_markdown(None) == "" and escape_markdown("Air Kuti RT 03") == "Air Kuti RT 03"
    assert escape_markdown("www.contoh.id a@b.id") == "www\u2060\\.contoh\\.id a\u2060\\@b\\.id"


def test_sidebar_display_name(engine):
    at = open_as(Viewer("uji-pejabat", Role.PEJABAT, HOSTILE))
    assert_inert(at)
    assert any(ESCAPED in str(m.value) for m in at.sidebar.markdown)


def test_account_admin_page_display_name(engine):
    admin = Viewer("uji-admin", Role.ADMIN, "Admin Uji")
    accounts.create_account(engine, admin, "budi", Role.PEJABAT, "Rahasia-kota-9", display_name=HOSTILE)
    at = open_as(admin, "screens/admin_akun.py")
    at.selectbox(key="akun_pilih").set_value("budi")
    at.run()
    assert_inert(at)


def test_report_title_and_description_on_the_incident_page(engine):
    registry.ensure_rt_registry(engine)
    inc = Incident(kode_kelurahan="16.73.01.1001", rt=3, category=Category.POLITIK_UANG, severity=Severity.SEDANG,
                   title=HOSTILE, description=f"Baris satu\n{HOSTILE}\n# bukan judul",
                   occurred_at=datetime(2018, 6, 20, 7, 0, tzinfo=UTC))
    with store.write(engine) as conn:
        (row,) = store.insert_incidents(conn, [inc], actor="uji")
    at = open_as(Viewer("uji-panwaslu", Role.PANWASLU, "Panwaslu Uji"), "screens/insiden.py")
    at.query_params.update({"periode": "rentang", "dari": "2018-06-01", "sampai": "2018-06-30"})
    at.run()
    at.selectbox(key="wb_open").set_value(row["report_no"])
    at.run()
    assert_inert(at, must_show=2)


def test_review_queue_reason_built_from_message_text(engine):
    registry.ensure_rt_registry(engine)
    # The reader rejects a code with "[" or "<" as a format explanation (issue 25), so the hostile
    # Markdown of the code that lands in the reason is bold text and a bare URL; HOSTILE is in the text.
    # (at most five different words, or the reader takes the head for a sentence and reads its words)
    code = "**x** (http://9/x.png)"
    sms = f"waktu;nomor;pesan\n2018-06-20 14:32;081200000011;LAPOR {code} sedang RT 2 Air Kuti: {HOSTILE}\n"
    panwaslu = Viewer("uji-panwaslu", Role.PANWASLU, "Panwaslu Uji")
    p = pipeline.preview_chat(engine, sms.encode(), "sms.txt", panwaslu)
    assert p.queued == 1
    pipeline.commit_chat(engine, p, panwaslu)
    at = open_as(panwaslu, "screens/antrean.py")  # the review queue's own screen (issue 30.1)
    assert_inert(at, must_show=0)  # HOSTILE itself stays in the text, not in Markdown
    code_escaped = r"\*\*x\*\* \(http" + "\u2060" + r"\:\/\/9\/x\.png\)"  # by hand
    # The caption names the message's origin first (issue 30.1: file and group), then the reason.
    reason = f"Alasan masuk antrean: kategori “{code_escaped}” tidak dikenal"
    assert any(b.endswith(reason) for b in markdown_bodies(at)), markdown_bodies(at)


@pytest.mark.parametrize("reason", [HOSTILE, f"Skor naik\n# {HOSTILE}"])
def test_kelurahan_panel_reasons(reason):
    out = reasons_markdown([reason, "Skor 18,0"])
    assert out.split("\n")[0] in (f"- {ESCAPED}", rf"- Skor naik \# {ESCAPED}")
    assert out.split("\n")[1] == r"- Skor 18\,0"  # renders as "Skor 18,0"
    assert len(out.split("\n")) == 2


def test_every_user_text_path_uses_the_one_escaper():
    """grep: one Markdown escaper in the code (kondusif/safe.py), none copied into pages."""
    root = Path(DASHBOARD).parent
    sources = [*root.glob("screens/*.py"), *root.glob("kondusif/**/*.py"), root / "dashboard.py"]
    escapers = [f"{p.relative_to(root)}:{n}" for p in sources for n, line in
                enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                if re.search(r'"\\\\" \+ (c|ch)\b|\\\\\\\\\\1', line)]
    assert len(escapers) == 1 and escapers[0].startswith("kondusif/safe.py:"), escapers
