"""Login sessions in Streamlit: restore from the signed cookie, sign in and out, the sidebar.

How a login survives a refresh: after a successful login the server issues a signed,
expiring token (kondusif.auth_tokens: username + session epoch) and the next run
writes it into the cookie `sikondusif_sesi` with a tiny script (Path=/,
SameSite=Strict, Max-Age = session length, Secure on https). A new browser session
(refresh, new tab) reads it from `st.context.cookies`, checks signature, age and
epoch, and rebuilds the Viewer from the users table. Every later run re-checks the
account (active, epoch), so deactivation or a role change applies at once.

Logout bumps the account's epoch (every copy of the cookie dies server-side),
clears the session and deletes the cookie.

A Viewer put into `st.session_state["viewer"]` by code (the AppTest page tests) is
used as is; only sessions established here are re-validated against the store.
"""

from __future__ import annotations

import importlib.util
import json
import time

import streamlit as st

from kondusif import auth, auth_tokens, store
from kondusif.accounts import scope_label
from kondusif.config import settings
from kondusif.model import Viewer

VIEWER_KEY = "viewer"  # a kondusif.model.Viewer; AppTest page tests set it directly
MUST_CHANGE_KEY = "must_change"  # the account still uses a one-time password/PIN
AUTH_KEY = "_auth"  # {"username": str, "epoch": int, "sso": bool}
COOKIE_OP_KEY = "_auth_cookie_op"  # wanted cookie state: ("set", token) | ("delete", None)
COOKIE_READ_KEY = "_auth_cookie_read"
NOTICE_KEY = "_auth_notice"
JUST_SIGNED_IN_KEY = "_auth_just_signed_in"
GO_HOME_KEY = "_auth_go_home"


# --------------------------------------------------------------------------- state


def _store_session(sess: auth.Session, sso: bool = False, expires: float | None = None) -> Viewer:
    """Remember the session; it ends at `expires` (default: a full session length from now)."""
    state = st.session_state.get(AUTH_KEY) or {}
    if expires is None:
        expires = state.get("expires") or time.time() + auth_tokens.max_age_seconds()
    st.session_state[VIEWER_KEY] = sess.viewer
    st.session_state[MUST_CHANGE_KEY] = sess.must_change
    st.session_state[AUTH_KEY] = {"username": sess.viewer.username, "epoch": sess.epoch, "sso": sso,
                                  "expires": expires}
    return sess.viewer


def _clear(notice: str | None = None) -> None:
    for key in (VIEWER_KEY, MUST_CHANGE_KEY, AUTH_KEY):
        st.session_state.pop(key, None)
    if notice:
        st.session_state[NOTICE_KEY] = notice


def must_change() -> bool:
    return bool(st.session_state.get(MUST_CHANGE_KEY))


def viewer_in_state() -> Viewer | None:
    viewer = st.session_state.get(VIEWER_KEY)
    return viewer if isinstance(viewer, Viewer) else None


def current_session() -> Viewer | None:
    """The signed-in viewer, re-checked against the store; restored from the cookie or SSO
    when the browser session is new. Called by dashboard.py and again by every page guard
    (a page can run without dashboard.py: Streamlit's pages/ folder mode on a first run).
    """
    viewer = viewer_in_state()
    state = st.session_state.get(AUTH_KEY)
    if viewer is not None and state is None:
        return viewer  # set directly by code (tests), not by a login
    engine = store.get_engine()
    if state is not None:
        if time.time() > state.get("expires", 0):
            _clear("Sesi Anda sudah kedaluwarsa. Silakan masuk lagi.")
            queue_cookie_delete()
            return None
        sess = auth.restore_session(engine, state["username"], state["epoch"])
        if sess is None:
            _clear("Sesi Anda berakhir (keluar di perangkat lain, atau akun diubah operator). Silakan masuk lagi.")
            queue_cookie_delete()
            return None
        return _store_session(sess, state.get("sso", False))

    if not st.session_state.get(COOKIE_READ_KEY):
        # Cookies are those of the page load; read them once per browser session so a
        # logout in this session is not undone by the (stale) copy in st.context.
        st.session_state[COOKIE_READ_KEY] = True
        token = st.context.cookies.get(auth_tokens.COOKIE_NAME)
        if isinstance(token, str) and token:
            claims = auth_tokens.read(token)
            sess = auth.restore_session(engine, claims.username, claims.epoch) if claims else None
            if sess is not None:
                return _store_session(sess, expires=claims.issued_at + auth_tokens.max_age_seconds())
            queue_cookie_delete()

    if sso_available() and _sso_logged_in():
        from kondusif.auth_oidc import resolve_sso

        try:
            conf = settings()
            claim = str(conf.extra.get("oidc_role_claim") or conf.oidc_role_claim)  # kondusif.toml wins
            sess = resolve_sso(engine, st.user.to_dict(), claim)
        except auth.AuthError as exc:
            st.session_state[NOTICE_KEY] = str(exc)
            return None
        return _store_session(sess, sso=True)
    return None


def sign_in(result: auth.LoginResult) -> None:
    """Start a session after a successful password login and queue the cookie."""
    assert result.ok and result.viewer is not None
    st.session_state.pop(AUTH_KEY, None)
    _store_session(auth.Session(result.viewer, result.epoch, result.must_change))
    queue_cookie_set(result.viewer.username, result.epoch)
    st.session_state[JUST_SIGNED_IN_KEY] = True


def pop_go_home() -> bool:
    """True once after a forced password change (dashboard.py then opens the home page)."""
    return bool(st.session_state.pop(GO_HOME_KEY, False))


def pop_just_signed_in() -> bool:
    """True once after a login (dashboard.py then leaves a page the new role may not open)."""
    return bool(st.session_state.pop(JUST_SIGNED_IN_KEY, False))


def password_changed(new_epoch: int) -> None:
    """Keep this session (and a fresh cookie) after the user's own password change.

    After a forced change (one-time password/PIN) the next run opens the home page
    (issue 12.12): the empty form has nothing more to offer.
    """
    state = st.session_state.get(AUTH_KEY)
    if must_change():
        st.session_state[GO_HOME_KEY] = True
    st.session_state[MUST_CHANGE_KEY] = False
    if state is not None:
        state["epoch"] = new_epoch
        if not state.get("sso"):
            state["expires"] = time.time() + auth_tokens.max_age_seconds()
            queue_cookie_set(state["username"], new_epoch)


def sign_out() -> None:
    """One click: end every session of the account (server-side), clear this one, drop the cookie."""
    state = st.session_state.get(AUTH_KEY)
    if state is not None:
        auth.end_sessions(store.get_engine(), state["username"])
    _clear("Anda telah keluar.")
    queue_cookie_delete()
    if state is not None and state.get("sso") and _sso_logged_in():
        st.logout()


# --------------------------------------------------------------------------- cookie


def queue_cookie_set(username: str, epoch: int) -> None:
    st.session_state[COOKIE_OP_KEY] = ("set", auth_tokens.issue(username, epoch))


def queue_cookie_delete() -> None:
    st.session_state[COOKIE_OP_KEY] = ("delete", None)


def cookie_script(op: str, token: str | None, max_age: int) -> str:
    """The script that writes or deletes the login cookie in the browser."""
    name = auth_tokens.COOKIE_NAME
    if op == "set":
        value, age = json.dumps(token), int(max_age)
    else:
        value, age = '""', 0
    return (
        "<script>(function(){"
        "var secure = window.location.protocol === 'https:' ? '; Secure' : '';"
        f"document.cookie = '{name}=' + {value} + '; Path=/; Max-Age={age}; SameSite=Strict' + secure;"
        "})();</script>"
    )


def flush_cookie() -> None:
    """Emit the wanted cookie write/delete, first in the page and identical on every run.

    Re-sending the same element on each run is a no-op in the browser, yet it makes the
    write happen even when a quick rerun replaces a run before the browser drew it.
    """
    op = st.session_state.get(COOKIE_OP_KEY)
    if op is None:
        return
    st.html(cookie_script(op[0], op[1], auth_tokens.max_age_seconds()), unsafe_allow_javascript=True,
            width="content")


# --------------------------------------------------------------------------- SSO


def sso_available() -> bool:
    """True when secrets.toml has an [auth] section and Authlib (needed by st.login) is installed."""
    if importlib.util.find_spec("authlib") is None:
        return False
    try:
        return bool(st.secrets.load_if_toml_exists() and st.secrets.get("auth"))
    except Exception:  # noqa: BLE001 - a broken secrets file must not block password logins
        return False


def _sso_logged_in() -> bool:
    try:
        return bool(st.user.is_logged_in)
    except Exception:  # noqa: BLE001
        return False


# --------------------------------------------------------------------------- sidebar


def pop_notice() -> str | None:
    return st.session_state.pop(NOTICE_KEY, None)


def render_sidebar(viewer: Viewer) -> None:
    """Who is signed in (name, role, scope) and the one-click logout."""
    with st.sidebar:
        st.markdown(f"**{viewer.display_name or viewer.username}**")
        st.caption(f"{viewer.role.label} · {scope_label(viewer.role, viewer.kecamatan, viewer.kelurahan, viewer.rt)}"
                   f"  \n`{viewer.username}`")
        if st.button("Keluar", icon=":material/logout:", key="_auth_logout", width="stretch"):
            sign_out()
            st.rerun()
        if viewer.role == "admin" and settings().secret_is_default:
            st.warning("KONDUSIF_SECRET_KEY belum diatur: sesi masuk memakai kunci bawaan demo.")
