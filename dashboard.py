"""SiKondusif Lubuklinggau: entry point. Builds the navigation from the signed-in role.

- Not signed in: only the login page. Every other page URL is registered too, but
  hidden and showing the login form, so a deep link lands on its page after login.
- Must change a one-time password: only the change-password page (other URLs show
  the same form).
- Signed in: the pages of `pages_for(role)` in the menu; all other pages are
  registered hidden, so opening one by URL runs its own `guard.require_page`,
  which refuses before any data is read. "/" runs the home screen directly (one run).

Every screen is a file in screens/ registered here through st.navigation, the only
router (no pages/ folder, so Streamlit never enters its legacy pages-folder mode).
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from kondusif import store
from kondusif.ui import guard, login, screen, session
from kondusif.ui.alerts import render_alert_banner
from kondusif.ui.db_unavailable import stop_when_unavailable
from kondusif.ui.health import render_low_disk_warning
from kondusif.ui.pages import PAGES, PageSpec, pages_for

# Streamlit's static folder, not /media: the sign-in page has no session yet and /media needs one.
FAVICON = "/app/static/favicon.png"
st.set_page_config(page_title="SiKondusif Lubuklinggau", page_icon=FAVICON, layout="wide")
screen.apply()  # issue 12: phone layout, no cut-off text, Streamlit's own strings in Indonesian

ACCOUNT_PAGES = ("ganti_sandi", "admin_akun")  # listed last, under "Akun"
LOGIN_URL = "masuk"
HOME_URL = "beranda"  # the default page's url_path: Streamlit serves it at "/"
WALL_PAGES = ("ruang_pantau",)  # issue 16: full-screen pages without the alert banner


def _real(spec: PageSpec, visible: bool) -> st.Page:
    return st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path,
                   visibility="visible" if visible else "hidden")


def _stand_ins(render, skip: set[str]) -> list[st.Page]:
    """Hidden pages at every other page's URL that show `render` instead."""
    return [st.Page(render, title=p.title, icon=p.icon, url_path=p.url_path, visibility="hidden")
            for p in PAGES if p.key not in skip]


def _change_password_here() -> None:
    login.render_change_password(guard.require_page(guard.CHANGE_PASSWORD_PAGE))


with stop_when_unavailable(before_navigation=True):  # issue 8: a message, not a traceback
    viewer = session.current_session()

if viewer is None:
    # Issue 12.12: Streamlit serves the default page at "/" only, so /masuk is a page of its own.
    nav = st.navigation(
        [st.Page(login.render_login, title="Masuk", icon=":material/login:", url_path=HOME_URL, default=True),
         st.Page(login.render_login, title="Masuk", icon=":material/login:", url_path=LOGIN_URL,
                 visibility="hidden"),
         *_stand_ins(login.render_login, skip=set())],
        position="hidden",
    )
    # The login form returns to this address (a deep link opens its page after login).
    query = {k: v for k, v in st.query_params.to_dict().items() if k not in ("masuk", "keluar")}
    here = "" if nav.url_path == LOGIN_URL else (nav.url_path or "")
    st.session_state[session.LOGIN_NEXT_KEY] = "/" + here + ("?" + urlencode(query) if query else "")
else:
    session.render_sidebar(viewer)
    notice = session.pop_notice()
    if notice:
        st.toast(notice)
    if session.must_change():
        change = next(p for p in PAGES if p.key == guard.CHANGE_PASSWORD_PAGE)
        nav = st.navigation([st.Page(_change_password_here, title=change.title, icon=change.icon, url_path=HOME_URL,
                                     default=True, visibility="hidden"),
                             _real(change, True), *_stand_ins(_change_password_here, skip={change.key})])
        if nav.url_path and nav.url_path != change.url_path:  # issue 31: a kiosk's wall opens again afterwards
            asked = {k: v for k, v in st.query_params.to_dict().items() if k not in ("masuk", "keluar")}
            session.remember_return("/" + nav.url_path + ("?" + urlencode(asked) if asked else ""))
    else:
        allowed = pages_for(viewer.role)
        allowed_keys = {p.key for p in allowed}
        work = [p for p in allowed if p.key not in ACCOUNT_PAGES]
        account = [p for key in ACCOUNT_PAGES for p in allowed if p.key == key]
        home = (work or account)[0]
        # "/" and the login URL (a bookmark, the address after login) run the home screen
        # itself, once: the screen also keeps its own URL (/peta, /lapor) in the menu.
        root = st.Page(home.path, title=home.title, icon=home.icon, url_path=HOME_URL, default=True,
                       visibility="hidden")
        back = st.Page(home.path, title=home.title, icon=home.icon, url_path=LOGIN_URL, visibility="hidden")
        rest = [_real(p, True) for p in account] + [_real(p, False) for p in PAGES if p.key not in allowed_keys]
        menu = [_real(p, True) for p in work]
        sections = {"Menu": menu, "Akun": [*rest, back, root]} if menu else {"Akun": [*rest, back, root]}
        nav = st.navigation(sections)
        if session.pop_go_home():
            st.switch_page(_real(home, True))  # after a forced password change (the renewal runs on the home page)
    session.render_renewal()
if nav.url_path not in WALL_PAGES:  # the wall display shows (and refreshes) its own alerts
    render_alert_banner(None if viewer is None or session.must_change() else viewer)  # issue 6
with stop_when_unavailable():  # issue 13: warn before a full disk makes writes fail
    render_low_disk_warning(store.get_engine(), viewer)
with stop_when_unavailable():  # issue 8
    nav.run()
