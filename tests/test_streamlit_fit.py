"""Issue 28.3: the Streamlit shell uses the framework as documented.

- no `pages/` folder (it would put Streamlit in its legacy pages-folder mode);
- every screen file is a guard plus one render call, at most 40 lines;
- no private Streamlit API: `streamlit.*` imports only from public modules, and no
  `_name` attribute of a Streamlit object read or written.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kondusif.ui.pages import PAGES

ROOT = Path(__file__).resolve().parent.parent
MAX_SCREEN_LINES = 40
# Public Streamlit modules (docs.streamlit.io API reference); everything else is internal.
PUBLIC_MODULES = {"streamlit", "streamlit.testing.v1", "streamlit.components.v1", "streamlit.column_config"}
SCREENS = sorted((ROOT / "screens").glob("*.py"))


def _app_sources() -> list[Path]:
    return sorted([*ROOT.glob("kondusif/**/*.py"), *SCREENS, ROOT / "dashboard.py", ROOT / "app.py"])


def _private_uses(tree: ast.AST) -> list[str]:
    """Imports of internal streamlit modules and `_attr` uses on names bound to streamlit."""
    found: list[str] = []
    st_names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "streamlit":
                    if alias.name not in PUBLIC_MODULES:
                        found.append(f"import {alias.name}")
                    st_names.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "streamlit":
            if node.module not in PUBLIC_MODULES:
                found.append(f"from {node.module} import …")
            for alias in node.names:
                if alias.name.startswith("_"):
                    found.append(f"from {node.module} import {alias.name}")
                st_names.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id in st_names:
                found.append(f"{ast.unparse(node)}")
    return found


def test_there_is_no_pages_folder():
    assert not (ROOT / "pages").exists(), "pages/ puts Streamlit in its legacy pages-folder mode"


def test_every_page_is_a_screen_and_every_screen_a_page():
    assert {Path(p.path) for p in PAGES} == {s.relative_to(ROOT) for s in SCREENS}


@pytest.mark.parametrize("path", SCREENS, ids=[p.stem for p in SCREENS])
def test_screen_is_a_guard_plus_one_render_call(path: Path):
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_SCREEN_LINES
    tree = ast.parse(text)
    body = [n for n in tree.body if not isinstance(n, (ast.Import, ast.ImportFrom))]
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    assert len(body) == 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Call), \
        f"{path.name}: one statement, a render call"
    call = body[0].value
    assert isinstance(call.func, ast.Attribute) and call.func.attr.startswith("render"), ast.unparse(call)
    assert len(call.args) == 1 and not call.keywords, ast.unparse(call)
    guard = call.args[0]
    assert isinstance(guard, ast.Call) and ast.unparse(guard.func) == "guard.require_page", ast.unparse(call)
    assert [a.value for a in guard.args if isinstance(a, ast.Constant)] == [path.stem]
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            assert node.module in ("__future__", "kondusif.ui"), f"{path.name}: imports only kondusif.ui"


@pytest.mark.parametrize("path", _app_sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_private_streamlit_api(path: Path):
    assert _private_uses(ast.parse(path.read_text(encoding="utf-8"))) == []


def test_the_private_api_check_catches_what_it_should():
    """The checker itself: each pattern the code once used is found, public use is not."""
    bad = ("from streamlit.runtime.pages_manager import PagesManager\nPagesManager.uses_pages_directory = False\n"
           "import streamlit as st\nst.session_state._state\nimport streamlit.runtime.scriptrunner\n"
           "from streamlit import _bottom\n")
    assert _private_uses(ast.parse(bad)) == [
        "from streamlit.runtime.pages_manager import …", "import streamlit.runtime.scriptrunner",
        "from streamlit import _bottom", "st.session_state._state"]
    good = "import streamlit as st\nfrom streamlit.testing.v1 import AppTest\nst.session_state.x = 1\nst.__version__\n"
    assert _private_uses(ast.parse(good)) == []


def test_root_draws_the_home_screen_in_one_run(demo_engine, monkeypatch):
    """"/" runs the home screen itself: one run of dashboard.py, no switch_page rerun.

    Signed in the way a browser is: the login route's authenticate + cookie, then a new
    page load carrying the cookie (session.request_cookie stands in for st.context.cookies).
    """
    import streamlit
    from streamlit.testing.v1 import AppTest

    from kondusif import accounts, store
    from kondusif.accounts import auth, auth_tokens
    from kondusif.model import SYSTEM, Role
    from kondusif.ui import session

    accounts.create_account(demo_engine, SYSTEM, "pejabat-uji", Role.PEJABAT, "Rahasia-kota-9", must_change=False)
    result = auth.authenticate(store.get_engine(), "pejabat-uji", "Rahasia-kota-9")
    cookie = auth_tokens.issue(result.viewer.username, result.epoch)
    monkeypatch.setattr(session, "request_cookie", lambda: cookie)
    runs: list[str] = []
    switches: list[object] = []
    real_navigation = streamlit.navigation

    def navigation(*args, **kwargs):
        page = real_navigation(*args, **kwargs)
        runs.append(page.url_path)
        return page

    monkeypatch.setattr(streamlit, "navigation", navigation)
    monkeypatch.setattr(streamlit, "switch_page", lambda *a, **k: switches.append(a))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    assert runs == [""] and switches == []  # the default page ("/"), once
    assert [t.value for t in at.title] == ["Peta kondusivitas Kota Lubuklinggau"]
