"""SiKondusif Lubuklinggau: the domain package (no Streamlit here).

Modules that moved into a package keep their old import names: ``kondusif.auth``
is ``kondusif.accounts.auth`` (the same module object, so a test that patches one
patches the other), and so on for the names in `MOVED`. Callers written before
the move (and other branches) keep working unchanged.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Any

# old module name -> where it lives now (issue 19: kondusif/accounts/ groups them)
MOVED = {
    "kondusif.auth": "kondusif.accounts.auth",
    "kondusif.auth_tokens": "kondusif.accounts.auth_tokens",
    "kondusif.auth_oidc": "kondusif.accounts.auth_oidc",
    "kondusif.cards": "kondusif.accounts.cards",
}


class _MovedModuleAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Import an old name as the moved module itself, never a second copy of it."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None  # a throw-away placeholder; exec_module swaps in the real module

    def exec_module(self, module: ModuleType) -> None:
        # The import system returns whatever sys.modules holds under the old name
        # once this returns, so `import kondusif.auth` yields the moved module.
        sys.modules[module.__name__] = importlib.import_module(MOVED[module.__name__])


if not any(isinstance(f, _MovedModuleAlias) for f in sys.meta_path):
    sys.meta_path.insert(0, _MovedModuleAlias())


def __getattr__(name: str) -> ModuleType:
    """`from kondusif import auth` (attribute access before any import of it)."""
    if f"{__name__}.{name}" in MOVED:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
