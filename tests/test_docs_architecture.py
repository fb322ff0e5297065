"""docs/architecture.md stays true to the tree: every path it names exists, every module is named.

Rule for modules: every screen file (screens/*.py) is named by its path, and every .py file
under kondusif/ except `__init__.py` is named either by its
full path (`kondusif/intake/files.py`) or, for a module of a subpackage, by its file name
(`week.py`) in the same paragraph or table row as its package folder (`kondusif/report/`).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"

# A repository path as the doc writes it: a known top folder, then path characters.
PATH = re.compile(r"(?<![\w./-])((?:kondusif|screens|tests|deploy|benchmarks|docs|lubuklinggau_geo)/[\w./*<>|@-]*)")


def named_paths(text: str) -> set[str]:
    """Every concrete path the text names; templates (`<feature>`) and globs are skipped."""
    found = set()
    for match in PATH.finditer(text):
        path = match.group(1).split("::")[0].rstrip(".")
        if any(ch in path for ch in "*<>|"):
            continue
        found.add(path)
    return found


def missing_paths(text: str, root: Path) -> list[str]:
    return sorted(p for p in named_paths(text) if not (root / p).exists())


def blocks(text: str) -> list[str]:
    """Paragraphs (split at blank lines), except that each table row is a block of its own."""
    out: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        rows = [line for line in paragraph.splitlines() if line.lstrip().startswith("|")]
        rest = [line for line in paragraph.splitlines() if not line.lstrip().startswith("|")]
        out.extend(rows)
        out.append("\n".join(rest))
    return out


def unnamed_modules(text: str, root: Path) -> list[str]:
    parts = blocks(text)
    missing = []
    files = sorted((root / "kondusif").rglob("*.py")) + sorted((root / "screens").glob("*.py"))
    for file in files:
        if file.name == "__init__.py":
            continue
        rel = file.relative_to(root).as_posix()
        if rel in text:
            continue
        package = file.parent.relative_to(root).as_posix() + "/"
        if package not in ("kondusif/", "screens/") and any(
            package in part and re.search(rf"(?<![\w/]){re.escape(file.name)}", part) for part in parts
        ):
            continue
        missing.append(rel)
    return missing


def test_every_named_path_exists() -> None:
    assert missing_paths(DOC.read_text(encoding="utf-8"), ROOT) == []


def test_every_kondusif_module_is_named() -> None:
    assert unnamed_modules(DOC.read_text(encoding="utf-8"), ROOT) == []


def test_the_checks_can_fail(tmp_path: Path) -> None:
    """A made-up path is reported, and so is a module nobody names (hand-made tree)."""
    (tmp_path / "kondusif" / "report").mkdir(parents=True)
    (tmp_path / "screens").mkdir()
    for name in ("kondusif/model.py", "kondusif/report/week.py", "kondusif/report/pdf.py",
                 "kondusif/report/__init__.py", "kondusif/orphan.py", "screens/peta.py"):
        (tmp_path / name).write_text("", encoding="utf-8")
    text = ("`kondusif/model.py`, `screens/peta.py` and `kondusif/nowhere.py`; `kondusif/ui/<feature>.py` is a template.\n"
            "`kondusif/report/`: `week.py`, `pdf.py`. See `screens/gone.py` and "
            "`kondusif/intake/pipeline.py::insert_records`.\n")
    assert missing_paths(text, tmp_path) == [
        "kondusif/intake/pipeline.py", "kondusif/nowhere.py", "screens/gone.py"]
    assert unnamed_modules(text, tmp_path) == ["kondusif/orphan.py"]
    # a subpackage module named away from its package (another paragraph, another row) does not count
    assert unnamed_modules("`kondusif/model.py`, `kondusif/orphan.py`, `kondusif/report/`\n\n"
                           "| `week.py` |\n| `kondusif/report/` | `pdf.py` |\n", tmp_path) == [
        "kondusif/report/week.py", "screens/peta.py"]
