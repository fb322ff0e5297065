"""Accounts: who may sign in, and how.

A package grouping what was five modules, each kept whole:

- `admin`: account administration (create, list, deactivate, reset, change
  role/scope, bulk RT accounts, demo accounts), re-exported here so callers keep
  writing `accounts.create_account(...)`;
- `auth`: argon2id hashes, login with lockout, sessions;
- `auth_tokens`: the signed login cookie and one-time tickets;
- `auth_oidc`: single sign-on (OIDC) mapped onto local accounts;
- `cards`: printable RT login cards (PDF/CSV).
"""

from __future__ import annotations

from kondusif.accounts.admin import (
    DEMO_SETTING,
    PUBLIC_COLUMNS,
    DemoAccount,
    RtCredential,
    RtPlan,
    Scope,
    active_demo_accounts,
    apply_rt_accounts,
    count_accounts,
    create_account,
    ensure_demo_accounts,
    generate_password,
    get_account,
    history,
    link_oidc,
    list_accounts,
    normalize_scope,
    plan_rt_accounts,
    reset_password,
    scope_label,
    set_active,
    set_password,
    update_account,
)

__all__ = [
    "generate_password",
    "active_demo_accounts",
    "apply_rt_accounts",
    "count_accounts",
    "create_account",
    "DEMO_SETTING",
    "DemoAccount",
    "ensure_demo_accounts",
    "get_account",
    "history",
    "link_oidc",
    "list_accounts",
    "normalize_scope",
    "plan_rt_accounts",
    "PUBLIC_COLUMNS",
    "reset_password",
    "RtCredential",
    "RtPlan",
    "Scope",
    "scope_label",
    "set_active",
    "set_password",
    "update_account",
]
