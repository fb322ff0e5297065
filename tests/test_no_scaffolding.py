"""Issue 28: production code carries no test scaffolding and no import alias.

Fault points for the kill tests are armed from outside (tests/fault_points/sitecustomize.py,
SQLAlchemy events on every engine of the child process), so no app module mentions them.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOT_PRODUCTION = {"tests", "benchmarks", "node_modules", "static"}
PRODUCTION = sorted(p for p in ROOT.rglob("*.py") if not ({p.relative_to(ROOT).parts[0]} & NOT_PRODUCTION)
                    and not p.relative_to(ROOT).parts[0].startswith("."))


def test_no_production_module_mentions_a_test_hook():
    hooks = {str(p.relative_to(ROOT)) for p in PRODUCTION
             if re.search(r"\bKONDUSIF_TEST_|\bFAULT_[A-Z]", p.read_text(encoding="utf-8"))}
    assert hooks == set()


@pytest.mark.parametrize("old", ["kondusif.auth", "kondusif.auth_tokens", "kondusif.auth_oidc", "kondusif.cards"])
def test_the_old_module_names_no_longer_import(old):
    """The meta-path alias is gone: every import names kondusif.accounts.* itself."""
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(old)
