"""Access control through the real app (AppTest): navigation per role, refusals, scope, identity.

The refusal tests are driven by PAGES, so every page a later issue adds is covered:
for each page and each role not allowed on it, opening it directly shows a refusal
and runs no SQL at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import signin
import sqlalchemy as sa
import streamlit
from sqlalchemy import event
from streamlit.testing.v1 import AppTest

from kondusif import accounts, store
from kondusif.accounts import auth, auth_tokens
from kondusif.model import SYSTEM, Role, Viewer
from kondusif.ui import guard, session
from kondusif.ui.pages import PAGES, pages_for
from lubuklinggau_geo import gazetteer

VIEWERS = {
    Role.ADMIN: Viewer("uji-admin", Role.ADMIN, "Admin Uji"),
    Role.PEJABAT: Viewer("uji-pejabat", Role.PEJABAT, "Pejabat Uji"),
    Role.PANWASLU: Viewer("uji-panwaslu", Role.PANWASLU, "Panwaslu Uji"),
    Role.RT: Viewer("uji-rt", Role.RT, "RT Uji", kelurahan="16.73.01.1001", rt=1),
}
SCOPED = Viewer("uji-panwascam", Role.PANWASLU, "Panwascam Uji", kecamatan="16.73.01")
ROOT = Path(__file__).resolve().parent.parent
NAME_RE = re.compile(r"Pelapor simulasi \d+")
PHONE_RE = re.compile(r"0800\d{7}")


def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)


def signed_in(viewer: Viewer) -> AppTest:
    """`viewer`'s account signed in through POST /sesi/masuk and the cookie (tests/signin.py)."""
    at = signin.sign_in(app(), viewer)
    at.run()
    assert not at.exception, at.exception
    return at


def walk(node) -> Iterator:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from walk(child)


def rendered_text(at: AppTest) -> str:
    """Everything the browser would receive: element protos (incl. map HTML/JS) and table cells."""
    parts = []
    for root in (at.main, at.sidebar):
        for el in walk(root):
            if type(el).__name__ in ("Dataframe", "Table"):
                parts.append(el.value.to_csv())
            proto = getattr(el, "proto", None)
            if proto is not None:
                parts.append(str(proto))
    return "\n".join(parts)


def data_elements(at: AppTest) -> list:
    kinds = {"Dataframe", "Table", "Metric", "UnknownElement", "Json", "Map", "PlotlyChart", "ArrowVegaLiteChart"}
    return [el for root in (at.main, at.sidebar) for el in walk(root) if type(el).__name__ in kinds]


@pytest.fixture
def nav_log(monkeypatch):
    """Records the pages dashboard.py hands to st.navigation (title, url, visibility)."""
    calls: list[list[tuple[str, str, str]]] = []
    real = streamlit.navigation

    def recording(pages, *args, **kwargs):
        flat = [p for group in pages.values() for p in group] if isinstance(pages, dict) else list(pages)
        calls.append([(p.title, p.url_path, p.visibility) for p in flat])
        return real(pages, *args, **kwargs)

    monkeypatch.setattr(streamlit, "navigation", recording)
    return calls


@pytest.fixture
def sql_log(demo_engine, monkeypatch):
    """SQL the store receives while a screen file (screens/*.py) is running, apart from the
    guard's re-check of the login itself (the users row)."""
    from streamlit.navigation.page import StreamlitPage

    class Log(list):
        in_page = False
        in_session_check = False

        def reset(self) -> None:
            self.clear()
            self.in_page = False

    log = Log()
    real_run = StreamlitPage.run

    def run(self):
        if isinstance(self._page, Path) and self._page.parent.name == "screens":
            log.in_page = True
        return real_run(self)

    real_navigation = streamlit.navigation

    def navigation(*args, **kwargs):  # dashboard.py routing a run: not the page yet
        log.in_page = False
        return real_navigation(*args, **kwargs)

    def record(conn, cursor, statement, params, context, executemany):
        if log.in_page and not log.in_session_check:
            log.append(statement)

    real_session = session.current_session

    def current_session():  # the guard re-checks the login (users row): not data of the page
        log.in_session_check = True
        try:
            return real_session()
        finally:
            log.in_session_check = False

    monkeypatch.setattr(StreamlitPage, "run", run)
    monkeypatch.setattr(session, "current_session", current_session)
    monkeypatch.setattr(streamlit, "navigation", navigation)
    event.listen(demo_engine, "before_cursor_execute", record)
    yield log
    event.remove(demo_engine, "before_cursor_execute", record)


# --------------------------------------------------------------------------- navigation


@pytest.mark.parametrize("role", list(Role))
def test_navigation_shows_exactly_the_pages_of_the_role(role, demo_engine, nav_log):
    signed_in(VIEWERS[role])
    pages = nav_log[-1]
    visible = {url for _, url, vis in pages if vis == "visible"}
    assert visible == {p.url_path for p in pages_for(role)}
    # Every other page is registered hidden, so a direct URL reaches its own guard.
    assert {p.url_path for p in PAGES} <= {url for _, url, _ in pages}


def test_signed_out_sees_only_the_login_page(engine, nav_log):
    at = app()
    at.run()
    assert not at.exception
    assert [t for t, _, vis in nav_log[-1] if vis == "visible"] == ["Masuk"]
    assert at.title[0].value == "Masuk ke SiKondusif"
    assert not at.text_input  # the login form is plain HTML posting to the server
    assert not data_elements(at)


REFUSALS = [(spec, role) for spec in PAGES for role in Role if role not in spec.roles]


@pytest.mark.parametrize(("spec", "role"), REFUSALS, ids=[f"{s.key}-{r.value}" for s, r in REFUSALS])
def test_direct_switch_to_a_forbidden_page_is_refused_without_data(spec, role, demo_engine, sql_log):
    at = signed_in(VIEWERS[role])
    sql_log.reset()
    at.switch_page(spec.path).run()
    assert not at.exception, at.exception
    assert any("Akses ditolak" in e.value for e in at.error), [e.value for e in at.error]
    assert not data_elements(at)
    assert sql_log == [], f"{spec.path} read the store before refusing: {sql_log[:2]}"
    text = rendered_text(at)
    assert not NAME_RE.search(text) and not PHONE_RE.search(text)


@pytest.mark.parametrize("spec", PAGES, ids=[s.key for s in PAGES])
def test_every_page_is_a_screen_file_at_todays_url(spec):
    # st.navigation is the only router: the file lives in screens/, the URL is the one links use.
    assert (ROOT / spec.path).is_file() and Path(spec.path).parent.name == "screens"
    assert spec.url_path == spec.key


def test_refusal_tests_cover_the_admin_and_map_pages():
    keys = {(s.key, r) for s, r in REFUSALS}
    assert {("peta", Role.RT), ("admin_akun", Role.PEJABAT), ("admin_akun", Role.PANWASLU),
            ("admin_akun", Role.RT)} <= keys


MAP_VIEWERS = {"admin": VIEWERS[Role.ADMIN], "pejabat": VIEWERS[Role.PEJABAT],
               "panwaslu": VIEWERS[Role.PANWASLU], "panwaslu_kecamatan": SCOPED}


@pytest.mark.parametrize("who", list(MAP_VIEWERS))
def test_map_page_opens_for_allowed_roles_with_their_own_count(who, demo_engine):
    """Issue 18 #9: not just "something rendered" — the headline counts exactly the viewer's reports.

    Expected: June 2018 (WIB) rows the system reads, counted in pandas; a kecamatan
    panwaslu only those of Lubuk Linggau Timur I (16.73.01).
    """
    rows = store.query_incidents(demo_engine, None, SYSTEM, columns=["kode_kecamatan", "occurred_at"])
    wib = rows["occurred_at"].dt.tz_convert("Asia/Jakarta")
    june = rows[(wib >= "2018-06-01") & (wib < "2018-07-01")]
    if who == "panwaslu_kecamatan":
        june = june[june["kode_kecamatan"] == "16.73.01"]
    expected = f"{len(june):,}".replace(",", ".")
    at = signed_in(MAP_VIEWERS[who])
    at.switch_page("screens/peta.py").run()
    at.query_params.update({"periode": "rentang", "dari": "2018-06-01", "sampai": "2018-06-30"})
    at.run()
    assert not at.exception, at.exception
    assert not at.error
    assert data_elements(at)
    headline = next(m for m in at.metric if str(m.label).startswith("Laporan ·"))
    assert headline.value == expected and len(june) > 0


# --------------------------------------------------------------------------- scope and identity


def test_scoped_panwaslu_sees_no_incident_of_another_kecamatan(demo_engine):
    theirs = store.count_incidents(demo_engine, store.IncidentQuery.make(kecamatan="16.73.01"), viewer=SYSTEM)
    assert 0 < theirs < store.count_incidents(demo_engine, q=None, viewer=SYSTEM)
    # The store applies the scope in SQL.
    df = store.query_incidents(demo_engine, viewer=SCOPED, q=None)
    assert len(df) == theirs and set(df["kode_kecamatan"]) == {"16.73.01"}
    own = set(df["report_no"])
    others = set(store.query_incidents(demo_engine, store.IncidentQuery.make(
        kecamatan=[f"16.73.0{i}" for i in range(2, 9)]), columns=["report_no"], viewer=SYSTEM)["report_no"])
    other_kec_names = {k["nama"] for k in gazetteer.kecamatan().to_dict("records")} - {"Lubuk Linggau Timur I"}

    at = signed_in(SCOPED)
    shown_own = 0
    for spec in pages_for(Role.PANWASLU):
        at.switch_page(spec.path).run()
        assert not at.exception, (spec.key, at.exception)
        text = rendered_text(at)
        leaked = [r for r in others if r in text]
        assert not leaked, (spec.key, leaked[:3])
        shown_own += sum(r in text for r in own)
        # Tables by kecamatan list no other kecamatan with reports.
        for el in walk(at.main):
            if type(el).__name__ == "Dataframe" and "Kecamatan" in el.value.columns:
                t = el.value
                other_rows = t[t["Kecamatan"].isin(other_kec_names)]
                numeric = other_rows.select_dtypes("number")
                assert numeric.empty or not numeric.to_numpy().any(), (spec.key, other_rows)
    # Their own report numbers do appear, so the leak check above can fail.
    assert shown_own > 0


def test_pejabat_pages_and_map_never_show_reporter_identity(demo_engine):
    # The demo data does name reporters, so the checks below can fail.
    full = store.query_incidents(demo_engine, viewer=VIEWERS[Role.ADMIN], limit=50, q=None)
    assert full["reporter_name"].str.match(NAME_RE).any()
    assert full["reporter_phone"].str.match(PHONE_RE).any()
    assert "reporter_name" not in store.query_incidents(demo_engine, viewer=VIEWERS[Role.PEJABAT], limit=5, q=None)

    at = signed_in(VIEWERS[Role.PEJABAT])
    for spec in pages_for(Role.PEJABAT):
        at.switch_page(spec.path).run()
        assert not at.exception, (spec.key, at.exception)
        text = rendered_text(at)
        assert not NAME_RE.search(text), spec.key
        assert not PHONE_RE.search(text), spec.key


# --------------------------------------------------------------------------- the real login flow


def form_login(at: AppTest, username: str, password: str) -> AppTest:
    """What the browser does: POST the form to the real /sesi/masuk route, then load the page
    the answer redirects to, carrying the cookie it set (or ?masuk=gagal and no new cookie)."""
    status, location, token = signin.post_login(username, password)
    assert status == 303
    if token:
        signin.carry_cookie(at, token)
    at.query_params.clear()
    at.query_params.update(dict(parse_qsl(urlsplit(location).query)))
    for key in (session.VIEWER_KEY, session.MUST_CHANGE_KEY, session.AUTH_KEY, session.COOKIE_READ_KEY):
        if key in at.session_state:
            del at.session_state[key]  # a new page load is a new Streamlit session
    return at.run()


def browser_cookie(at: AppTest) -> str:
    return at.session_state[signin.BROWSER_COOKIES][auth_tokens.COOKIE_NAME]


def logout_forms(at: AppTest) -> list[str]:
    return [el.proto.body for el in walk(at.sidebar) if type(el).__name__ == "Html"
            and "/sesi/keluar" in el.proto.body]


def test_login_form_is_a_plain_post_to_the_server(engine):
    at = app().run()
    (form,) = [el.proto.body for el in walk(at.main) if type(el).__name__ == "Html" and "<form" in el.proto.body]
    assert 'method="post" action="/sesi/masuk"' in form
    assert 'name="username"' in form and 'name="password"' in form and 'type="password"' in form
    assert 'name="next" value="/"' in form


def test_login_form_wrong_password_shows_the_generic_message(engine):
    accounts.create_account(engine, Viewer("t", Role.ADMIN), "budi", Role.PEJABAT, "Rahasia-kota-9", must_change=False)
    at = app().run()
    form_login(at, "budi", "salah-salah")
    assert [e.value for e in at.error] == [auth.LOGIN_FAILED]
    assert guard.VIEWER_KEY not in at.session_state
    form_login(at, "tidak-ada", "salah-salah")
    assert [e.value for e in at.error] == [auth.LOGIN_FAILED]


def test_the_cookie_signs_in_and_the_logout_form_carries_its_csrf(demo_engine, nav_log):
    accounts.create_account(demo_engine, Viewer("t", Role.ADMIN), "budi", Role.PEJABAT, "Rahasia-kota-9", must_change=False)
    at = app().run()
    form_login(at, "budi", "Rahasia-kota-9")
    assert not at.exception, at.exception
    assert at.session_state[guard.VIEWER_KEY].username == "budi"
    assert {u for _, u, v in nav_log[-1] if v == "visible"} == {p.url_path for p in pages_for(Role.PEJABAT)}
    token = browser_cookie(at)
    (form,) = logout_forms(at)
    assert 'method="post"' in form and f'value="{auth_tokens.csrf_for(token)}"' in form
    assert token not in form  # the HttpOnly token itself never reaches the page
    assert any("Pejabat Pemkot" in c.value for c in at.sidebar.caption)

    # The logout route bumps the epoch: this session's next run ends, the cookie is dead.
    auth.end_sessions(demo_engine, "budi")
    at.run()
    assert guard.VIEWER_KEY not in at.session_state
    assert at.title[0].value == "Masuk ke SiKondusif"
    claims = auth_tokens.read(token)
    assert auth.restore_session(demo_engine, "budi", claims.epoch) is None


def test_a_forged_cookie_signs_nobody_in(demo_engine):
    accounts.create_account(demo_engine, Viewer("t", Role.ADMIN), "budi", Role.ADMIN, "Rahasia-kota-9", must_change=False)
    forged = auth_tokens.issue("budi", 0, secret="bukan-kunci-instalasi-ini-" + "x" * 20)
    at = signin.carry_cookie(app(), forged).run()
    assert guard.VIEWER_KEY not in at.session_state
    assert at.title[0].value == "Masuk ke SiKondusif"


def test_a_viewer_placed_in_session_state_by_code_is_not_trusted(demo_engine, sql_log):
    """No seam: a Viewer put into session state without a login (even of a real, active
    admin account) shows the login form and reads nothing; only the cookie signs in."""
    signin.ensure_account(VIEWERS[Role.ADMIN])
    at = app()
    at.session_state[guard.VIEWER_KEY] = VIEWERS[Role.ADMIN]
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Masuk ke SiKondusif"
    assert guard.VIEWER_KEY not in at.session_state
    assert not data_elements(at)
    # Straight to a screen's address: its guard refuses too.
    at = app()
    at.session_state[guard.VIEWER_KEY] = VIEWERS[Role.ADMIN]
    sql_log.reset()
    at.switch_page("screens/insiden.py").run()
    assert not at.exception, at.exception
    assert guard.VIEWER_KEY not in at.session_state
    assert not data_elements(at) and sql_log == []
    assert "Admin Uji" not in rendered_text(at)


def test_an_epoch_bump_signs_a_cookie_session_out_on_its_next_run(demo_engine):
    at = signed_in(VIEWERS[Role.PANWASLU])
    assert at.session_state[guard.VIEWER_KEY].username == "uji-panwaslu"
    accounts.reset_password(demo_engine, SYSTEM, "uji-panwaslu")  # moves the session epoch
    at.run()
    assert guard.VIEWER_KEY not in at.session_state
    assert "Sesi Anda berakhir" in rendered_text(at)
    assert not data_elements(at)
    # The same cookie in a new tab is dead too.
    again = signin.carry_cookie(app(), browser_cookie(at)).run()
    assert guard.VIEWER_KEY not in again.session_state
    assert again.title[0].value == "Masuk ke SiKondusif"


def test_first_login_with_a_pin_must_change_it_first(demo_engine, nav_log):
    accounts.create_account(demo_engine, Viewer("t", Role.ADMIN), "rt-1673011001-001", Role.RT, "482913",
                            kelurahan="16.73.01.1001", rt=1, must_change=True)
    at = app().run()
    form_login(at, "rt-1673011001-001", "482913")
    assert not at.exception
    assert at.title[0].value == "Ganti kata sandi"
    assert [t for t, _, v in nav_log[-1] if v == "visible"] == ["Ganti kata sandi"]
    # Every other page URL shows the same form: nothing else is reachable.
    assert all(v == "hidden" for t, _, v in nav_log[-1] if t != "Ganti kata sandi")
    with pytest.raises(ValueError):
        at.switch_page("screens/lapor.py")
    inputs = {ti.label: ti for ti in at.text_input}
    inputs["Kata sandi/PIN saat ini"].input("482913")
    inputs["Kata sandi/PIN baru"].input("739164")
    inputs["Ulangi yang baru"].input("739164")
    next(b for b in at.button if b.label == "Simpan").click()
    at.run()
    assert not at.exception, at.exception
    assert {u for _, u, v in nav_log[-1] if v == "visible"} == {p.url_path for p in pages_for(Role.RT)}
    assert not at.session_state[guard.MUST_CHANGE_KEY]
    # The page trades the old cookie for one with the new epoch (a ticket POSTed to /sesi/perbarui).
    renew = [el.proto.body for el in walk(at.main) if type(el).__name__ == "Html" and "/sesi/perbarui" in el.proto.body]
    (form,) = renew
    ticket = re.search(r'name="ticket" value="([^"]+)"', form).group(1)
    assert auth_tokens.read_ticket(ticket).epoch == 1
    assert auth.authenticate(demo_engine, "rt-1673011001-001", "739164").ok


def test_a_live_session_ends_after_the_session_length(demo_engine, monkeypatch):
    import time as real_time
    from types import SimpleNamespace

    accounts.create_account(demo_engine, Viewer("t", Role.ADMIN), "siti", Role.PANWASLU, "Rahasia-kota-9", must_change=False)
    at = app().run()
    form_login(at, "siti", "Rahasia-kota-9")
    assert at.session_state[guard.VIEWER_KEY].username == "siti"
    later = real_time.time() + auth_tokens.max_age_seconds() + 1
    monkeypatch.setattr(session, "time", SimpleNamespace(time=lambda: later))
    at.run()
    assert guard.VIEWER_KEY not in at.session_state
    assert "kedaluwarsa" in rendered_text(at)


def test_deactivation_ends_a_live_session(demo_engine):
    accounts.create_account(demo_engine, Viewer("t", Role.ADMIN), "admin1", Role.ADMIN, "Rahasia-kota-9", must_change=False)
    accounts.create_account(demo_engine, Viewer("t", Role.ADMIN), "siti", Role.PANWASLU, "Rahasia-kota-9", must_change=False)
    at = app().run()
    form_login(at, "siti", "Rahasia-kota-9")
    assert at.session_state[guard.VIEWER_KEY].username == "siti"
    accounts.set_active(demo_engine, Viewer("admin1", Role.ADMIN), "siti", False)
    at.run()
    assert guard.VIEWER_KEY not in at.session_state
    assert "Sesi Anda berakhir" in rendered_text(at)
    assert not data_elements(at)


def test_role_change_applies_to_a_live_session(demo_engine):
    accounts.create_account(demo_engine, Viewer("t", Role.ADMIN), "admin1", Role.ADMIN, "Rahasia-kota-9", must_change=False)
    accounts.create_account(demo_engine, Viewer("t", Role.ADMIN), "siti", Role.PANWASLU, "Rahasia-kota-9", must_change=False)
    at = app().run()
    form_login(at, "siti", "Rahasia-kota-9")
    accounts.update_account(demo_engine, Viewer("admin1", Role.ADMIN), "siti", Role.PANWASLU, kecamatan="16.73.02")
    at.run()
    # The epoch moved: the old session ends and a fresh login gets the new scope.
    assert guard.VIEWER_KEY not in at.session_state
    form_login(at, "siti", "Rahasia-kota-9")
    assert at.session_state[guard.VIEWER_KEY].kecamatan == "16.73.02"


# --------------------------------------------------------------------------- admin page


def test_admin_page_creates_an_account_and_shows_the_password_once(demo_engine):
    demo_accounts = accounts.ensure_demo_accounts(demo_engine)
    at = signed_in(VIEWERS[Role.ADMIN])
    at.switch_page("screens/admin_akun.py").run()
    assert not at.exception, at.exception
    listing = next(el.value for el in walk(at.main) if type(el).__name__ == "Dataframe")
    assert set(listing["Nama pengguna"]) == {a.username for a in demo_accounts} | {"uji-admin"}  # + the signed-in one
    assert "Kec. Lubuk Linggau Timur I" in set(listing["Lingkup"])
    assert not any(a.password in rendered_text(at) for a in demo_accounts)
    assert "$argon2" not in rendered_text(at)
    assert any("Akun DEMO masih aktif" in w.value for w in at.warning)

    at.text_input(key="baru_username").input("Panwascam-Barat1")
    at.text_input(key="baru_nama").input("Panwascam Barat I")
    at.selectbox(key="baru_peran").set_value(Role.PANWASLU)
    at.selectbox(key="baru_kecamatan").set_value("16.73.02")
    next(b for b in at.button if b.label == "Buat akun").click()
    at.run()
    assert not at.exception, at.exception
    (code,) = [c for c in at.code if not c.value.startswith("Basis data")]  # not the health block
    secret = code.value
    acc = accounts.get_account(demo_engine, SYSTEM, "panwascam-barat1")
    assert acc["role"] == "panwaslu" and acc["kecamatan"] == "16.73.02" and acc["must_change"]
    assert auth.authenticate(demo_engine, "panwascam-barat1", secret).must_change
    hist = store.audit_for(demo_engine, "user", "panwascam-barat1")
    assert hist.iloc[0]["action"] == "create" and hist.iloc[0]["actor"] == "uji-admin"
    # Shown once: the next run no longer carries it.
    at.run()
    assert not at.code
    assert secret not in rendered_text(at)


def test_admin_page_reports_bad_input_and_writes_nothing(demo_engine):
    accounts.ensure_demo_accounts(demo_engine)
    at = signed_in(VIEWERS[Role.ADMIN])
    at.switch_page("screens/admin_akun.py").run()
    at.text_input(key="baru_username").input("rt-salah")
    at.selectbox(key="baru_peran").set_value(Role.RT)
    next(b for b in at.button if b.label == "Buat akun").click()
    at.run()
    assert any("kelurahan dan nomor RT" in e.value for e in at.error)
    with demo_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.users)).scalar() == 5 + 1  # demo + uji-admin


def test_admin_page_resets_and_deactivates_with_audit(demo_engine):
    accounts.ensure_demo_accounts(demo_engine)
    at = signed_in(VIEWERS[Role.ADMIN])
    at.switch_page("screens/admin_akun.py").run()
    at.selectbox(key="akun_pilih").set_value("pejabat").run()
    at.checkbox(key="reset_ok_pejabat").check().run()
    next(b for b in at.button if b.label == "Reset kata sandi").click().run()
    assert not at.exception, at.exception
    (code,) = [c for c in at.code if not c.value.startswith("Basis data")]  # not the health block
    res = auth.authenticate(demo_engine, "pejabat", code.value)
    assert res.ok and res.must_change

    at.selectbox(key="akun_pilih").set_value("pejabat").run()
    next(b for b in at.button if b.label == "Nonaktifkan akun").click().run()
    assert not accounts.get_account(demo_engine, SYSTEM, "pejabat")["active"]
    assert not auth.authenticate(demo_engine, "pejabat", code.value).ok
    actions = [a for a in store.audit_for(demo_engine, "user", "pejabat")["action"] if a != "login"]
    assert actions[-2:] == ["reset_password", "deactivate"]
    assert code.value not in store.audit_for(demo_engine, "user", "pejabat").astype(str).to_string()
