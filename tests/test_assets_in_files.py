"""Issue 28.4: every JS/CSS/HTML program lives in a static file, not in a Python string.

Heuristics over every string literal of the app's Python (docstrings excepted; an
f-string is checked piece by piece): an inline <script> or <style> with a body, a JS
`function (`, a CSS rule block `selector { property: value; }`, or HTML spread over
several lines. The wrappers "<style>" / "<script>" alone around a file's text are fine.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from kondusif.ui import static_files
from kondusif.web import middleware, page_scripts

ROOT = Path(__file__).resolve().parent.parent
PATTERNS = {
    "inline script": re.compile(r"<script[^>]*>[^<]*[;{]", re.I),
    "inline style": re.compile(r"<style[^>]*>[^<]*\{", re.I),
    "JS function": re.compile(r"\bfunction\s*\w*\s*\("),
    "CSS rule": re.compile(r"[\w\])\"'*-]\s*\{[^{}]*\b[a-z-]+\s*:[^{}]*;[^{}]*\}"),
}
HTML_TAG = re.compile(r"<(div|span|p|form|input|table|tr|td|ul|li|h[1-6]|a|button|label|section|br)\b", re.I)


def _sources() -> list[Path]:
    return sorted([*ROOT.glob("kondusif/**/*.py"), *ROOT.glob("screens/*.py"), ROOT / "dashboard.py",
                   ROOT / "app.py"])


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def programs_in(source: str) -> list[str]:
    """What looks like a JS/CSS/HTML program in the string literals of `source`."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)) or id(node) in skip:
            continue
        text = node.value
        for kind, pattern in PATTERNS.items():
            if pattern.search(text):
                found.append(f"{kind}: {text[:60]!r}")
        if text.count("\n") >= 2 and len(HTML_TAG.findall(text)) >= 3:
            found.append(f"multi-line HTML: {text[:60]!r}")
    return found


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_program_in_a_python_string(path: Path):
    assert programs_in(path.read_text(encoding="utf-8")) == []


def test_the_heuristics_find_each_kind_of_program():
    """Each kind the code once held is found; plain text, SQL, format strings and wrappers are not."""
    held = {
        "script": 'H = """<script>(function () {\n  var w = window;\n})();</script>"""',
        "style": 'CSS = """<style>\n.skw-title { font-size: 2.5rem; }\n</style>"""',
        "css only": 'CSS = """\n[data-testid="stMetricValue"] > div { white-space: normal !important; }\n"""',
        "js only": 'JS = "(function () { var map = m; })();"',
        "template": 'T = """\n<div class="a">\n<span>x</span>\n<p>y</p>\n</div>"""',
    }
    for name, source in held.items():
        assert programs_in(source), name
    fine = ('x = "<style>\\n" + css + "</style>"\ny = f"<script>{body}</script>"\n'
            'z = "SELECT * FROM t WHERE a = :a"\nw = "{:,}".format(3)\nv = f"{n:02d} {{x}}"\n'
            're_ = r"<script>(.*?)</script>"\nmsg = "Laporan {no}: tersimpan; lihat riwayat."\n')
    assert programs_in(fine) == []


def test_assets_are_read_from_files_and_the_csp_still_names_the_scripts():
    assert static_files.style("wall.css").startswith("<style>\n/* The wall display")
    for html, name in ((page_scripts.SCREEN_SCRIPT_HTML, "screen.js"), (page_scripts.RENEW_SCRIPT_HTML, "renew.js")):
        assert html == "<script>" + (page_scripts.ASSETS / name).read_text(encoding="utf-8") + "</script>"
    policy = middleware.content_security_policy("/")
    assert policy.count("'sha256-") >= 2
