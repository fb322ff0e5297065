"""Every page of the app and the roles that may open it: the one place roles are declared.

dashboard.py builds the navigation from this list for the signed-in role, and
each page calls `guard.require_page(key)` itself, so opening a page by URL
without the right role is refused on the server side.
"""

from __future__ import annotations

from dataclasses import dataclass

from kondusif.model import Role


@dataclass(frozen=True)
class PageSpec:
    key: str
    path: str
    title: str
    icon: str
    roles: frozenset[Role]
    url_path: str


ALL = frozenset(Role)

PAGES: tuple[PageSpec, ...] = (
    PageSpec("peta", "pages/peta.py", "Peta kondusivitas", ":material/map:",
             frozenset({Role.ADMIN, Role.PEJABAT, Role.PANWASLU}), "peta"),
)


def page(key: str) -> PageSpec:
    for spec in PAGES:
        if spec.key == key:
            return spec
    raise KeyError(key)


def pages_for(role: Role | str) -> list[PageSpec]:
    return [p for p in PAGES if Role(role) in p.roles]
