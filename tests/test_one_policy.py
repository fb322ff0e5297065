"""One access policy, one escaper (issue 19): roles are decided in kondusif/access.py only.

A role *decision* is a comparison with a role (`viewer.role == Role.RT`, `row["role"] == "admin"`,
`role in (Role.ADMIN, Role.PEJABAT)`) or a literal list of roles. Outside access.py (and
model.py, which declares the enum) code asks access: `allows`, `require`, `role_holds`,
`scope_kind`, `area_of`. Naming a role as data (a demo account, the CLI's viewer) is fine.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kondusif import access, overview
from kondusif.model import Role, Viewer

ROOT = Path(__file__).resolve().parent.parent
POLICY_FILES = {"kondusif/access.py", "kondusif/model.py"}
ROLE_VALUES = {r.value for r in Role}
# (file, comparison) that compare with a role as data, not to decide what someone may do
NOT_DECISIONS = {
    ("kondusif/ui/accounts.py", "df['role'] == 'rt'"): "counts the RT accounts for a figure on the admin page",
}


def _sources() -> list[Path]:
    files = [*ROOT.glob("kondusif/**/*.py"), *ROOT.glob("screens/*.py"), ROOT / "dashboard.py", ROOT / "app.py"]
    return sorted(p for p in files if str(p.relative_to(ROOT)) not in POLICY_FILES)


def _is_role_member(node: ast.AST) -> bool:
    """`Role.X` or `Role.X.value`."""
    if isinstance(node, ast.Attribute) and node.attr == "value":
        node = node.value
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Role"


def role_decisions(source: str) -> list[str]:
    """Lines of `source` that decide on a role themselves instead of asking access.py."""
    tree = ast.parse(source)
    found: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            text = ast.unparse(node)
            for i, op in enumerate(operands):
                others = " ".join(ast.unparse(o) for j, o in enumerate(operands) if j != i)
                literal_role = isinstance(op, ast.Constant) and op.value in ROLE_VALUES and "role" in others.lower()
                collection = isinstance(op, ast.Tuple | ast.List | ast.Set) and any(map(_is_role_member, op.elts))
                if _is_role_member(op) or literal_role or collection:
                    found.setdefault(node.lineno, text)
                    break
        elif isinstance(node, ast.Tuple | ast.List | ast.Set):
            if sum(map(_is_role_member, node.elts)) >= 2 and all(map(_is_role_member, node.elts)):
                found.setdefault(node.lineno, ast.unparse(node))
    return [f"{line}: {text}" for line, text in sorted(found.items())]


def test_the_detector_finds_each_kind_of_role_decision():
    samples = {
        "if viewer.role == Role.RT: pass": 1,
        "if Role(viewer.role) in (Role.PANWASLU, Role.RT): pass": 1,
        "ok = row['role'] == 'admin'": 1,
        "ok = row['role'] != Role.RT.value": 1,
        "EDITORS = frozenset({Role.ADMIN, Role.PANWASLU})": 1,
        # naming a role as data is not a decision
        "v = Viewer('cli', Role.ADMIN)": 0,
        "specs = [('admin', Role.ADMIN, 'Operator'), ('rt', Role.RT, 'Ketua RT')]": 0,
        "same = kind == 'admin'": 0,
        "ok = access.role_holds(role, 'account.pin')": 0,
    }
    for source, expected in samples.items():
        assert len(role_decisions(source)) == expected, source


def test_no_role_decision_outside_access_py():
    bad = [f"{p.relative_to(ROOT)}:{hit}" for p in _sources()
           for hit in role_decisions(p.read_text(encoding="utf-8"))
           if (str(p.relative_to(ROOT)), hit.split(": ", 1)[1]) not in NOT_DECISIONS]
    assert not bad, "ask kondusif/access.py (allows/require/role_holds/scope_kind/area_of) instead:\n" + "\n".join(bad)


def test_one_escaper_module():
    """Markdown and HTML escaping live in kondusif/safe.py; no other module defines or imports an escaper."""
    bad = []
    for path in _sources():
        rel = str(path.relative_to(ROOT))
        if rel == "kondusif/safe.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and "escape" in node.name.lower():
                bad.append(f"{rel}:{node.lineno} defines {node.name}")
            if isinstance(node, ast.Import) and any(a.name in ("html", "markupsafe") for a in node.names):
                bad.append(f"{rel}:{node.lineno} imports an escaper")
            if isinstance(node, ast.ImportFrom) and node.module in ("html", "markupsafe"):
                bad.append(f"{rel}:{node.lineno} imports from {node.module}")
    assert not bad, bad
    safe_src = (ROOT / "kondusif" / "safe.py").read_text(encoding="utf-8")
    assert "def escape_markdown(" in safe_src and "def escape_html(" in safe_src


def test_every_role_has_one_scope_kind():
    assert set(access.SCOPE_KINDS) == set(Role)
    assert access.scope_kind("admin") == "kota" and access.scope_kind("pejabat") == "kota"
    assert access.scope_kind("panwaslu") == "kecamatan" and access.scope_kind("rt") == "rt"


def test_area_of_each_kind_of_account():
    assert access.area_of(Viewer("a", Role.ADMIN)) == access.Area("kota")
    assert access.area_of(Viewer("p", Role.PANWASLU)) == access.Area("kota")
    assert access.area_of(Viewer("pc", Role.PANWASLU, kecamatan="16.73.01")) == access.Area("kecamatan", "16.73.01")
    rt = access.area_of(Viewer("r", Role.RT, kelurahan="16.73.01.1002", rt=3))
    assert rt == access.Area("rt", kelurahan="16.73.01.1002", rt=3) and rt.linked
    assert rt.contains_kelurahan("16.73.01.1002") and not rt.contains_kelurahan("16.73.01.1001")
    unlinked = access.area_of(Viewer("r0", Role.RT))
    assert not unlinked.linked and not unlinked.contains_kelurahan("16.73.01.1002")
    with pytest.raises(TypeError, match="viewer wajib"):
        access.area_of(None)


def test_kelurahan_choices_follow_the_viewers_area():
    """The kelurahan a form or import offers: the city's 72 by name, or only the viewer's area."""
    city = overview.kelurahan_choices(Viewer("p", Role.PANWASLU))
    assert len(city) == 72 and city[:2] == ["16.73.03.1009", "16.73.01.1001"]  # Air Kati, Air Kuti
    timur1 = overview.kelurahan_choices(Viewer("pc", Role.PANWASLU, kecamatan="16.73.01"))
    assert timur1 == ["16.73.01.1001", "16.73.01.1007", "16.73.01.1002", "16.73.01.1004",  # Air Kuti, Batu
                      "16.73.01.1003", "16.73.01.1015", "16.73.01.1005", "16.73.01.1016"]  # Urip Taba, ... Watervang
    assert overview.kelurahan_choices(Viewer("r", Role.RT, kelurahan="16.73.01.1004", rt=2)) == ["16.73.01.1004"]


def test_every_not_decision_entry_is_still_there():
    for (rel, text), why in NOT_DECISIONS.items():
        hits = [h.split(": ", 1)[1] for h in role_decisions((ROOT / rel).read_text(encoding="utf-8"))]
        assert text in hits, f"stale entry ({why}): {rel}: {text}"


def test_the_documented_capability_table_is_access_py():
    """docs/architecture.md shows the capability table exactly as kondusif/access.py declares it."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    start = text.index("| Capability | Roles | Lets them |")
    rows = text[start:text.index("\n\n", start)].splitlines()[2:]
    documented = [tuple(cell.strip() for cell in row.strip("|").split("|")) for row in rows]
    declared = [(f"`{name}`", ", ".join(roles), what) for name, roles, what in access.capability_table()]
    assert documented == declared
