"""Issue 28: settings are declared once, documented, and read only through kondusif.config.

In the style of datasette's tests/test_docs.py: the README table and the deploy env example
must name every declared setting, and an AST scan fails when any module other than
config.py reads the environment.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

from kondusif import config
from kondusif.__main__ import main
from kondusif.config import SETTINGS, SPECS, ConfigError, load_settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
ENV_EXAMPLE = (ROOT / "deploy" / "sikondusif.env.example").read_text(encoding="utf-8")
# Rows of the «Konfigurasi» table: | `key` ... | `KONDUSIF_X` or — | default | help |
TABLE_ROW = re.compile(r"^\| `([a-z_.]+)`(?: \(hanya lingkungan\))? \| (?:`(KONDUSIF_[A-Z_]+)`|—) \|", re.M)
DOCUMENTED = {m.group(1): m.group(2) for m in TABLE_ROW.finditer(README)}

# Production code: every Python file outside tests/ and benchmarks/ (app package, screens, entry
# points, deploy/). lubuklinggau_geo is left out on purpose: it is a package of its own (it never
# imports kondusif), and its LUBUKLINGGAU_GEO_* variables are its own concern, documented with it.
NOT_PRODUCTION = {"tests", "benchmarks", "lubuklinggau_geo", "node_modules", "static"}
PRODUCTION = sorted(p for p in ROOT.rglob("*.py") if not ({p.relative_to(ROOT).parts[0]} & NOT_PRODUCTION)
                    and not p.relative_to(ROOT).parts[0].startswith("."))


def test_the_readme_table_documents_every_setting_and_nothing_else():
    assert set(DOCUMENTED) == set(SPECS)
    for spec in SETTINGS:
        assert DOCUMENTED[spec.key] == spec.env, spec.key


def test_every_environment_variable_is_in_the_deploy_env_example():
    missing = [s.env for s in SETTINGS if s.env and not re.search(rf"^#?{s.env}\b|\({s.env}\)", ENV_EXAMPLE, re.M)]
    assert missing == []


def _example(spec: config.SettingSpec):
    """A value of the declared type that differs from the default, and what reading it must give."""
    examples = {str: ("contoh", "contoh"), int: (7, 7), float: (1.5, 1.5), bool: (True, True),
                list: (["10.0.0.7"], ("10.0.0.7",))}
    if spec.type is config.Calendar:
        return {"name": "Pilkada contoh"}, "Pilkada contoh"
    if spec.type is config.LevelConfig:
        return {"rawan_threshold": 20.0}, 20.0
    return examples[spec.type]


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def test_a_toml_with_every_documented_key_loads(tmp_path):
    top, tables = [], {}
    expected = {}
    for key in DOCUMENTED:
        spec = SPECS[key]
        if not spec.file:
            continue
        value, read = _example(spec)
        expected[key] = read
        table, _, name = key.rpartition(".")
        if isinstance(value, dict):
            tables.setdefault(key, []).extend(f"{k} = {_toml(v)}" for k, v in value.items())
        elif table:
            tables.setdefault(table, []).append(f"{name} = {_toml(value)}")
        else:
            top.append(f"{key} = {_toml(value)}")
    text = "\n".join(top) + "\n" + "".join(f"[{t}]\n" + "\n".join(lines) + "\n" for t, lines in tables.items())
    path = tmp_path / "kondusif.toml"
    path.write_text(text, encoding="utf-8")
    s = load_settings({"KONDUSIF_CONFIG": str(path), "KONDUSIF_DATA_DIR": str(tmp_path)})
    for key, read in expected.items():
        value = s
        for part in key.split("."):
            value = getattr(value, part)
        if key == "calendar":
            value = value.name
        elif key == "levels":
            value = value.rawan_threshold
        assert value == read, key


def test_documented_trusted_proxies_and_min_free_mb_keys_are_read(tmp_path, monkeypatch):
    """Regression: these two documented kondusif.toml keys made load_settings() refuse to start."""
    from kondusif import health
    from kondusif.web import edge

    path = tmp_path / "kondusif.toml"
    path.write_text('trusted_proxies = ["127.0.0.1", "::1"]\nmin_free_mb = 800\n', encoding="utf-8")
    monkeypatch.setenv("KONDUSIF_CONFIG", str(path))
    monkeypatch.delenv("KONDUSIF_TRUSTED_PROXIES", raising=False)
    monkeypatch.delenv("KONDUSIF_MIN_FREE_MB", raising=False)
    assert edge.trusted_proxies() == {"127.0.0.1", "::1"}
    assert health.min_free_bytes() == 800 * 1024 * 1024
    monkeypatch.setenv("KONDUSIF_TRUSTED_PROXIES", "10.1.2.3, 10.1.2.4")  # the environment wins
    assert edge.trusted_proxies() == {"10.1.2.3", "10.1.2.4"}


def test_environment_only_settings_are_refused_in_the_file_naming_the_variable(tmp_path):
    path = tmp_path / "kondusif.toml"
    path.write_text('data_dir = "/tmp/lain"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="«data_dir».*KONDUSIF_DATA_DIR"):
        load_settings({"KONDUSIF_CONFIG": str(path)})


def _reads_environment(tree: ast.AST) -> list[int]:
    """Lines that touch os.environ / os.getenv / os.putenv, however imported."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv", "putenv", "environb", "unsetenv"}:
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "os" and any(
                a.name in {"environ", "getenv", "putenv", "environb", "unsetenv"} for a in node.names):
            lines.append(node.lineno)
    return lines


def test_no_module_outside_config_reads_the_environment():
    offenders = {}
    for path in PRODUCTION:
        if path == ROOT / "kondusif" / "config.py":
            continue
        lines = _reads_environment(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            offenders[str(path.relative_to(ROOT))] = lines
    assert offenders == {}


def test_the_scan_sees_each_way_of_reading_the_environment():
    for code in ("import os\nos.environ['A']", "import os\nos.getenv('A')", "from os import environ",
                 "import os\nos.environ.get('A')", "from os import getenv as g"):
        assert _reads_environment(ast.parse(code)), code


def test_every_kondusif_variable_named_in_production_code_is_declared():
    declared = {s.env for s in SETTINGS if s.env}
    named = set()
    for path in PRODUCTION:
        named |= set(re.findall(r"\bKONDUSIF_[A-Z_]+[A-Z]\b", path.read_text(encoding="utf-8")))
    assert named - declared == set()


def test_the_db_url_option_is_an_override_not_an_environment_change(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("KONDUSIF_DB_URL", raising=False)
    url = f"sqlite:///{tmp_path / 'opsi.db'}"
    before = dict(os.environ)
    assert main(["--db-url", url, "info"]) == 0
    assert str(tmp_path / "opsi.db") in capsys.readouterr().out
    assert dict(os.environ) == before
    assert config.settings().db_url != url  # the option lasted for that command only
