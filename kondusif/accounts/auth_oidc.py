"""Optional single sign-on (OIDC, e.g. the city's Keycloak through Streamlit's st.login).

Policy (README "Masuk dengan SSO"):
- An identity is recognised by its `sub` claim stored in users.oidc_subject.
- A linked account signs in with the role and scope stored in SiKondusif (the
  operator manages them on the admin page); inactive accounts are refused.
- An unknown identity is created automatically only when the role claim
  (settings().oidc_role_claim, default "sikondusif_role") maps to exactly one valid
  role: "admin", "pejabat", "panwaslu" or "panwaslu:<kecamatan code or name>".
  Ketua RT accounts are never created through SSO (they come from the RT registry).
  Anything else is refused and the operator must create/link the account.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kondusif import access, store
from kondusif.accounts import writes
from kondusif.accounts.auth import AuthError, Session, viewer_from_row
from kondusif.model import Role
from kondusif.timeutil import now
from lubuklinggau_geo import names
from lubuklinggau_geo.errors import GeoNameError

NOT_REGISTERED = (
    "Akun SSO Anda belum terdaftar di SiKondusif atau tidak membawa peran yang sah. "
    "Hubungi operator (admin) untuk menautkan akun Anda."
)


@dataclass(frozen=True)
class RoleClaim:
    role: Role
    kecamatan: str | None = None


def _one(value: str) -> RoleClaim | None:
    text = value.strip()
    role_text, _, scope = text.partition(":")
    try:
        role = Role(role_text.strip().lower())
    except ValueError:
        return None
    if role not in access.roles_for("account.sso"):
        return None
    scope = scope.strip()
    if not scope:
        return RoleClaim(role)
    if access.scope_kind(role) != access.SCOPE_KECAMATAN:  # only a kecamatan scope comes with a claim
        return None
    try:
        return RoleClaim(role, names.find_kecamatan(scope))
    except GeoNameError:
        return None


def role_from_claim(value: Any) -> RoleClaim | None:
    """Map the role claim (a string or a list of strings) to one role, or None.

    Entries that are not valid roles are ignored (IdPs add their own); when the valid
    entries disagree the claim is refused rather than guessed.
    """
    if value is None:
        return None
    items = [value] if isinstance(value, str) else list(value) if isinstance(value, list | tuple) else []
    found = {m for v in items if isinstance(v, str) and (m := _one(v)) is not None}
    return found.pop() if len(found) == 1 else None


def _username_base(claims: dict[str, Any]) -> str:
    raw = str(claims.get("preferred_username") or str(claims.get("email") or "").split("@")[0] or "sso")
    base = re.sub(r"[^a-z0-9._-]+", "-", raw.lower()).strip("-._")[:56]
    return base if len(base) >= 3 else f"sso-{base}".strip("-")


def resolve_sso(engine: Engine, claims: dict[str, Any], claim_name: str) -> Session:
    """The session for a signed-in OIDC identity; raises AuthError with NOT_REGISTERED otherwise."""
    subject = str(claims.get("sub") or "").strip()
    if not subject:
        raise AuthError(NOT_REGISTERED)
    u = store.users
    with engine.connect() as conn:
        row = conn.execute(sa.select(u).where(u.c.oidc_subject == subject)).mappings().first()
    if row is not None:
        if not row["active"]:
            raise AuthError(NOT_REGISTERED)
        with store.write(engine) as conn:
            writes.sign_in_sso(conn, row["id"], row["username"])
        return Session(viewer_from_row(row), int(row["session_epoch"]), False)

    mapped = role_from_claim(claims.get(claim_name))
    if mapped is None:
        raise AuthError(NOT_REGISTERED)
    base = _username_base(claims)
    display = str(claims.get("name") or base)[:120]
    with store.write(engine) as conn:
        taken = {r[0] for r in conn.execute(sa.select(u.c.username).where(u.c.username.like(f"{base}%")))}
        username = base
        n = 2
        while username in taken:
            username = f"{base}-{n}"
            n += 1
        writes.add_account(conn, "sso", {
            "username": username, "display_name": display, "role": mapped.role.value,
            "kecamatan": mapped.kecamatan, "password_hash": None, "must_change": False, "oidc_subject": subject,
            "last_login": now(),
        }, note=f"Dibuat otomatis dari SSO (klaim {claim_name})",
            details={"role": mapped.role.value, "kecamatan": mapped.kecamatan})
        row = conn.execute(sa.select(u).where(u.c.username == username)).mappings().one()
    return Session(viewer_from_row(row), 0, False)
