"""Login sessions in Streamlit: restore from the server-set cookie, sign out, the sidebar.

How a login works (kondusif.web, app.py): the login form is a plain HTML form that
POSTs to /sesi/masuk; the server checks the password and answers with a redirect
that sets the signed, expiring token (kondusif.accounts.auth_tokens: username + session epoch)
as the cookie `sikondusif_sesi` (HttpOnly, SameSite=Strict, Path=/, Secure on https).
The page that loads next is a new Streamlit session: it reads the cookie from
`st.context.cookies`, checks signature, age and epoch, and rebuilds the Viewer from
the users table. Every later run re-checks the account (active, epoch), so
deactivation or a role change applies at once.

Logout is a POST form to /sesi/keluar carrying an HMAC of the cookie (CSRF): the
server bumps the account's epoch (every copy of the cookie dies) and deletes it.
After one's own password change the epoch moves too; a short-lived ticket trades
the old cookie for a new one (/sesi/perbarui).

Only a session established here counts: a Viewer found in `st.session_state["viewer"]`
without the session record beside it (put there by code, not by a login) is dropped, and
every run re-validates the account (active, epoch, expiry) against the store. Page tests
sign in through POST /sesi/masuk and the cookie like a browser (tests/signin.py).
"""

from __future__ import annotations

import importlib.util
import time

import streamlit as st

from kondusif import store
from kondusif.accounts import auth, auth_tokens, scope_label
from kondusif.config import settings
from kondusif.db_unavailable import is_unavailable
from kondusif.model import Viewer
from kondusif.safe import escape_html, escape_markdown
from kondusif.ui import static_files
from kondusif.web.page_scripts import RENEW_SCRIPT_HTML

VIEWER_KEY = "viewer"  # a kondusif.model.Viewer, written only by _store_session
MUST_CHANGE_KEY = "must_change"  # the account still uses a one-time password/PIN
AUTH_KEY = "_auth"  # {"username": str, "epoch": int, "sso": bool}
RENEW_KEY = "_auth_renew"  # a ticket for /sesi/perbarui after one's own password change
COOKIE_READ_KEY = "_auth_cookie_read"
NOTICE_KEY = "_auth_notice"
LOGIN_NEXT_KEY = "_auth_login_next"  # the page address the login form returns to
GO_HOME_KEY = "_auth_go_home"
RETURN_KEY = "_auth_return_to"  # issue 31: the page asked for while a forced password change was due


# --------------------------------------------------------------------------- state


def request_cookie() -> str | None:
    """The session cookie the browser sent with this page load (HttpOnly: only the server sees it)."""
    token = st.context.cookies.get(auth_tokens.COOKIE_NAME)
    return token if isinstance(token, str) and token else None


def _store_session(sess: auth.Session, sso: bool = False, expires: float | None = None,
                   token: str | None = None) -> Viewer:
    """Remember the session; it ends at `expires` (default: a full session length from now)."""
    state = st.session_state.get(AUTH_KEY) or {}
    if expires is None:
        expires = state.get("expires") or time.time() + auth_tokens.max_age_seconds()
    st.session_state[VIEWER_KEY] = sess.viewer
    st.session_state[MUST_CHANGE_KEY] = sess.must_change
    token = token or state.get("token")
    st.session_state[AUTH_KEY] = {"username": sess.viewer.username, "epoch": sess.epoch, "sso": sso,
                                  "expires": expires, "token": token}
    return sess.viewer


def _clear(notice: str | None = None) -> None:
    for key in (VIEWER_KEY, MUST_CHANGE_KEY, AUTH_KEY):
        st.session_state.pop(key, None)
    if notice:
        st.session_state[NOTICE_KEY] = notice


def must_change() -> bool:
    return bool(st.session_state.get(MUST_CHANGE_KEY))


def viewer_in_state() -> Viewer | None:
    """The viewer this session signed in as, or None: a Viewer without the session
    record `_store_session` writes beside it (placed by code) is not a login."""
    viewer = st.session_state.get(VIEWER_KEY)
    state = st.session_state.get(AUTH_KEY)
    if not isinstance(viewer, Viewer) or not isinstance(state, dict):
        return None
    return viewer if state.get("username") == viewer.username else None


def current_session() -> Viewer | None:
    """The signed-in viewer, re-checked against the store; restored from the cookie or SSO
    when the browser session is new. Called by dashboard.py and again by every screen's guard.
    """
    state = st.session_state.get(AUTH_KEY)
    if state is None and VIEWER_KEY in st.session_state:
        _clear()  # a Viewer without a login behind it (placed by code) is never trusted
    engine = store.get_engine()
    if state is not None:
        if time.time() > state.get("expires", 0):
            _clear("Sesi Anda sudah kedaluwarsa. Silakan masuk lagi.")
            return None
        try:
            sess = auth.restore_session(engine, state["username"], state["epoch"])
        except Exception as exc:
            checked = viewer_in_state()
            if checked is None or not is_unavailable(exc):
                raise
            # The store cannot be reached: this login was checked on an earlier run and nothing
            # can be read or written until the store is back (each access says so), so the run
            # goes on and a form keeps what was typed (issue 8) instead of losing it.
            return checked
        if sess is None:
            _clear("Sesi Anda berakhir (keluar di perangkat lain, atau akun diubah operator). Silakan masuk lagi.")
            return None
        return _store_session(sess, state.get("sso", False))

    if not st.session_state.get(COOKIE_READ_KEY):
        # Cookies are those of the page load; read them once per browser session so a
        # logout in this session is not undone by the (stale) copy in st.context.
        st.session_state[COOKIE_READ_KEY] = True
        token = request_cookie()
        if token:
            claims = auth_tokens.read(token)
            sess = auth.restore_session(engine, claims.username, claims.epoch) if claims else None
            if sess is not None and claims is not None:  # sess is None whenever claims is
                return _store_session(sess, expires=claims.issued_at + auth_tokens.max_age_seconds(),
                                      token=token)
            # A dead cookie (forged, expired, old epoch): the server deletes it on the next page load.
            st.session_state[NOTICE_KEY] = "Sesi Anda sudah berakhir. Silakan masuk lagi."

    if sso_available() and _sso_logged_in():
        from kondusif.accounts.auth_oidc import resolve_sso

        try:
            conf = settings()
            claim = conf.oidc_role_claim  # config.SETTINGS: kondusif.toml, else the default
            sess = resolve_sso(engine, st.user.to_dict(), claim)
        except auth.AuthError as exc:
            st.session_state[NOTICE_KEY] = str(exc)
            return None
        return _store_session(sess, sso=True)
    return None


def still_signed_in(viewer: Viewer) -> bool:
    """For code that runs without the page's guard first: a click callback (it runs before the
    script) or a fragment run. False when the session of `viewer` ended or changed since the page
    was drawn (account deactivated, signed out elsewhere, role changed): write nothing then; the
    run that follows shows the sign-in form."""
    return current_session() == viewer


def pop_go_home() -> bool:
    """True once after a forced password change (dashboard.py then opens the home page)."""
    return bool(st.session_state.pop(GO_HOME_KEY, False))


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
            state["token"] = None  # the cookie carries the old epoch: trade it (render_renewal)
            st.session_state[RENEW_KEY] = auth_tokens.issue_ticket(state["username"], new_epoch)


def sign_out() -> None:
    """Logout of a session without a cookie (SSO, or set up by code): end every session of
    the account server-side and clear this one. Cookie sessions log out by POST (logout_form)."""
    state = st.session_state.get(AUTH_KEY)
    if state is not None:
        auth.end_sessions(store.get_engine(), state["username"])
    _clear("Anda telah keluar.")
    if state is not None and state.get("sso") and _sso_logged_in():
        st.logout()


# --------------------------------------------------------------------------- forms

LOGOUT_PATH = "/sesi/keluar"
RENEW_PATH = "/sesi/perbarui"
LOGIN_PATH = "/sesi/masuk"

_FORM_CSS = static_files.style("forms.css")


def login_form_html(next_path: str) -> str:
    """The sign-in form: a plain POST to the server, which sets the HttpOnly cookie."""
    return (
        f'{_FORM_CSS}<form class="sk-form" method="post" action="{LOGIN_PATH}" autocomplete="on">'
        f'<input type="hidden" name="next" value="{escape_html(next_path)}">'
        '<label for="sk-user">Nama pengguna</label>'
        '<input id="sk-user" name="username" type="text" autocomplete="username" maxlength="64" required '
        'autocapitalize="none" spellcheck="false">'
        '<label for="sk-pass">Kata sandi atau PIN</label>'
        '<input id="sk-pass" name="password" type="password" autocomplete="current-password" '
        'maxlength="256" required>'
        '<button class="sk-btn" type="submit">Masuk</button></form>'
    )


def logout_form_html(token: str, top: bool = False) -> str:
    """The sign-out form; `top`: the compact one at the top of a phone's page (issue 30.7)."""
    return (
        f'{_FORM_CSS}<form class="sk-form {"sk-top" if top else "sk-side"}" method="post" action="{LOGOUT_PATH}">'
        f'<input type="hidden" name="csrf" value="{escape_html(auth_tokens.csrf_for(token))}">'
        '<button class="sk-btn sk-plain" type="submit">Keluar</button></form>'
    )


def renew_form_html(ticket: str, next_path: str = "/") -> str:
    """Trade the ticket for a fresh cookie: submitted at once by the page, or by the button."""
    return (
        f'{_FORM_CSS}<form class="sk-form" id="sk-renew" method="post" action="{RENEW_PATH}">'
        f'<input type="hidden" name="ticket" value="{escape_html(ticket)}">'
        f'<input type="hidden" name="next" value="{escape_html(next_path)}">'
        '<button class="sk-btn" type="submit">Lanjutkan</button></form>'
        + RENEW_SCRIPT_HTML
    )


def render_renewal() -> None:
    """After one's own password change: get the new cookie (else a reload would sign out)."""
    ticket = st.session_state.pop(RENEW_KEY, None)
    if not ticket:
        return
    st.success("Kata sandi baru tersimpan. Sesi di peramban ini sedang diperbarui…")
    # back to the page that was asked for (a kiosk's wall with its settings), else home
    st.html(renew_form_html(ticket, st.session_state.pop(RETURN_KEY, None) or "/"), unsafe_allow_javascript=True)


def remember_return(path: str) -> None:
    """The address (path and query) to open once the forced password change is done."""
    st.session_state[RETURN_KEY] = path


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
        st.markdown(f"**{escape_markdown(viewer.display_name or viewer.username)}**")
        st.caption(f"{viewer.role.label} · {scope_label(viewer.role, viewer.kecamatan, viewer.kelurahan, viewer.rt)}"
                   f"  \n`{viewer.username}`")
        with st.container(key="sk_keluar_sisi"):
            _logout(top=False)
    # Issue 30.7: on a phone the sidebar hides behind an icon, so «Keluar» is also at the top of the
    # page; screen.css shows exactly one of the two for the screen's width.
    with st.container(key="sk_keluar_hp"):
        _logout(top=True)


def _logout(top: bool) -> None:
    state = st.session_state.get(AUTH_KEY) or {}
    token = state.get("token")
    if token and not state.get("sso"):
        st.html(logout_form_html(token, top=top))
    elif st.button("Keluar", icon=":material/logout:", key="_auth_logout_hp" if top else "_auth_logout",
                   width="content" if top else "stretch"):
        sign_out()
        st.rerun()
