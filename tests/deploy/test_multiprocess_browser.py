"""Issue 16, the proof: two app processes behind nginx (TLS, sticky sessions) on one PostgreSQL.

Everything runs as in production, on loopback ports: deploy/postgres-setup.sh makes the
roles, `kondusif init` runs as the owner (sikondusif-migrate.service), the two `streamlit run
app.py` processes use the least-privileged app role and share one data folder (the session
key file), nginx serves the site deploy/render.py writes, with a throw-away self-signed cert.

In Chromium through nginx: a Ketua RT pinned to process A files a berat report; a Panwaslu
pinned to process B finds it and its alert. Then process A is killed with SIGKILL: the RT's
page reconnects through nginx to B (signed in again by the cookie, or asked to sign in),
the report filed on A is still there and a new one gets the next number; the Panwaslu's
websocket to B never dropped and their page keeps its state.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import urllib.parse
import urllib.request
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parents[2]
HOLD_UPLOADS = Path(__file__).with_name("hold_uploads.js")
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(ROOT / "deploy"))
import render  # noqa: E402
from browser_helpers import (  # noqa: E402
    ARTIFACTS,
    free_port,
    run_app,
    submit_login,
    wait_for_text,
    wait_idle,
    wait_until,
)
from test_deploy_files import self_signed  # noqa: E402
from test_postgres_setup import kondusif, setup_database  # noqa: E402

from kondusif import accounts  # noqa: E402
from kondusif.model import Role, Viewer  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.deploy]

KEL = "16.73.01.1001"  # Air Kuti
RT_USER, RT_PIN = "rt-airkuti-03", "482915"
PANWASLU_USER, PANWASLU_PASSWORD = "panwaslu-posko", "Posko-pilkada-2018"
REPORT_NO = re.compile(r"LLG-\d{4}-\d{6}")
ROUTE_COOKIE = "sikondusif_rute"
PROCESS_COOKIE = "sikondusif_proses"  # issue 31: the process that answered last


def nginx_binary() -> str:
    """Debian's nginx; installed with apt-get when missing (as root), as the issue asks."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if found:
        return found
    assert os.geteuid() == 0 and shutil.which("apt-get"), "nginx belum terpasang: sudo apt-get install -y nginx"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=True, timeout=900)
    subprocess.run(["apt-get", "install", "-y", "-qq", "nginx"], env=env, check=True, timeout=900)
    return shutil.which("nginx") or "/usr/sbin/nginx"


def _insecure() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the throw-away self-signed certificate of this test
    return ctx


def _headers(message) -> dict[str, str]:
    """Lower-case names; several Set-Cookie headers (route and process) joined with ", " in order."""
    out: dict[str, str] = {}
    for k, v in message.items():
        out[k.lower()] = f"{out[k.lower()]}, {v}" if k.lower() in out else v
    return out


def _set_cookie(headers: dict[str, str], name: str) -> str | None:
    """The Set-Cookie of `name` ("name=value; Path=/; …") among the joined Set-Cookie headers."""
    found = re.search(rf"(?:^|, ){re.escape(name)}=[^,]*", headers.get("set-cookie", ""))
    return found.group().removeprefix(", ") if found else None


def fetch(url: str, cookie: str | None = None) -> tuple[int, dict[str, str]]:
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(req, timeout=10, context=_insecure()) as resp:  # noqa: S310 - loopback
            return resp.status, _headers(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, _headers(exc.headers)
    except OSError:
        return 0, {}


@contextmanager
def run_nginx(tmp: Path, app_ports: list[int]):
    """nginx in the foreground with the generated site on free loopback ports; yields the https URL."""
    cert, key = self_signed(tmp)
    https_port, http_port = free_port(), free_port()
    prefix = tmp / "nginx"
    (prefix / "logs").mkdir(parents=True)
    site = render.render("127.0.0.1", app_ports, str(cert), str(key), https_port=https_port, http_port=http_port,
                         log_dir=str(prefix / "logs"), show_upstream=True)
    site = site.replace("listen [::]:", "# listen [::]:")  # loopback IPv4 only in the test
    (prefix / "sikondusif.conf").write_text(site, encoding="utf-8")
    user = "user root;\n" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/logs/error.log;\n"
        f"events {{ worker_connections 256; }}\nhttp {{\n  include {prefix}/sikondusif.conf;\n}}\n", encoding="utf-8")
    proc = subprocess.Popen([nginx_binary(), "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    url = f"https://127.0.0.1:{https_port}"
    try:
        wait_until(lambda: proc.poll() is not None or fetch(f"{url}/_stcore/health")[0] == 200, timeout=60,
                   message="nginx in front of the app")
        assert proc.poll() is None, proc.stderr.read().decode(errors="replace")
        yield url, http_port
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGQUIT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def route_to(url: str, port: int) -> str:
    """A route-cookie value that nginx's consistent hash sends to the app process on `port`."""
    for n in range(200):
        value = f"uji-{n}"
        status, headers = fetch(f"{url}/_stcore/health", cookie=f"{ROUTE_COOKIE}={value}")
        if status == 200 and headers.get("x-sikondusif-proses") == f"127.0.0.1:{port}":
            return value
    raise AssertionError(f"no route value maps to port {port}")


@pytest.fixture
def cluster(pg_server, tmp_path):
    """PostgreSQL roles + schema, two app processes on one data folder, nginx in front."""
    # one database per test: the server (and the set-up's roles) serve every test of the session
    urls = setup_database(pg_server, tmp_path / "etc", f"sk_cluster_{uuid.uuid4().hex[:8]}")
    data = tmp_path / "data"
    init = kondusif(urls["db-admin.env"], data, "init")
    assert init.returncode == 0, init.stderr
    from kondusif import store

    engine = store.make_engine(urls["db.env"])
    admin = Viewer("operator", Role.ADMIN)
    accounts.create_account(engine, admin, RT_USER, Role.RT, RT_PIN, display_name="Ketua RT 03 Air Kuti",
                            kelurahan=KEL, rt=3, must_change=False)
    accounts.create_account(engine, admin, PANWASLU_USER, Role.PANWASLU, PANWASLU_PASSWORD,
                            display_name="Panwaslu Posko", must_change=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KONDUSIF_", "STREAMLIT_"))}
    env.update(KONDUSIF_DB_URL=urls["db.env"], KONDUSIF_DATA_DIR=str(data), KONDUSIF_TRUSTED_PROXIES="127.0.0.1",
               STREAMLIT_SERVER_COOKIE_SECRET="uji-" + "r" * 40, PYTHONUNBUFFERED="1")
    if os.environ.get("LUBUKLINGGAU_GEO_DIR"):
        env["LUBUKLINGGAU_GEO_DIR"] = os.environ["LUBUKLINGGAU_GEO_DIR"]
    with ExitStack() as stack:
        apps = [stack.enter_context(run_app(env, log_dir=tmp_path / "logs")) for _ in range(2)]
        ports = [int(a.url.rsplit(":", 1)[1]) for a in apps]
        url, http_port = stack.enter_context(run_nginx(tmp_path, ports))
        try:
            yield {"url": url, "http_port": http_port, "apps": apps, "ports": ports, "engine": engine,
                   "env": env, "logs": tmp_path / "logs", "stack": stack, "nginx_logs": tmp_path / "nginx" / "logs"}
        finally:
            engine.dispose()


def _context(browser, url: str, route: str, **options):
    context = browser.new_context(ignore_https_errors=True, locale="id-ID", timezone_id="Asia/Jakarta", **options)
    context.add_cookies([{"name": ROUTE_COOKIE, "value": route, "url": url, "secure": True, "httpOnly": True}])
    page = context.new_page()
    page.set_default_timeout(60_000)
    return context, page


def _served_by(page, url: str) -> str:
    """The app process nginx sends this browser's requests to (its route and process cookies)."""
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies(url)
                        if c["name"] in (ROUTE_COOKIE, PROCESS_COOKIE))
    tried = fetch(f"{url}/_stcore/health", cookie=cookies)[1]["x-sikondusif-proses"]
    return tried.split(", ")[-1]  # "A, B" when nginx found A dead and went on to B


def _file_report(page, title: str) -> str:
    _fill_form(page, title)
    page.get_by_role("button", name="Kirim laporan").click()
    found = REPORT_NO.search(wait_for_text(page, "Nomor laporan Anda").inner_text())
    assert found
    return found.group()


def _fill_form(page, title: str, photo: Path | None = None) -> None:
    wait_for_text(page, "RT 03, Kelurahan Air Kuti")
    box = page.get_by_role("combobox", name="Kategori")
    box.click()
    box.press_sequentially("Politik uang")
    page.get_by_role("option", name="Politik uang", exact=True).first.click()
    page.locator('[data-testid="stRadio"]').get_by_text("Berat", exact=True).click()
    page.get_by_label("Judul singkat").fill(title)
    page.get_by_label("Uraian").fill("Amplop dibagikan ke rumah warga oleh dua orang berboncengan.")
    if photo is not None:
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(photo))
        wait_for_text(page, photo.name)
    wait_idle(page)


def _search(page, text: str) -> None:
    box = page.get_by_role("textbox", name="Cari judul, uraian atau no. laporan")
    box.fill(text)
    box.press("Enter")


def _login_post(url: str, route: str, password: str, forwarded_for: str) -> str:
    """POST the login form through nginx, not following the 303; its Location."""
    host = url.removeprefix("https://")
    conn = http.client.HTTPSConnection(host, timeout=30, context=_insecure())
    body = urllib.parse.urlencode({"username": RT_USER, "password": password, "next": "/"})
    conn.request("POST", "/sesi/masuk", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Origin": url, "Cookie": f"{ROUTE_COOKIE}={route}",
        "X-Forwarded-For": forwarded_for})
    answer = conn.getresponse()
    location = answer.getheader("location") or ""
    conn.close()
    assert answer.status == 303, answer.status
    return location


def _attack_the_login_through_nginx(cluster, url: str) -> None:
    """Ten wrong passwords, alternately on each process, each claiming another X-Forwarded-For: the one
    throttle in the store counts them all for the real address, so the right PIN is refused next."""
    from kondusif.login_throttle import StoreAddressThrottle

    routes = [route_to(url, port) for port in cluster["ports"]]
    limit = StoreAddressThrottle().max_failures
    for n in range(limit):
        assert _login_post(url, routes[n % 2], "000000", f"198.51.100.{n}").endswith("masuk=gagal")
    for route in routes:  # neither process lets the right PIN in now
        assert _login_post(url, route, RT_PIN, "203.0.113.5").endswith("masuk=dibatasi")
    with cluster["engine"].connect() as conn:
        addresses = conn.execute(sa.text("SELECT DISTINCT address FROM login_failures")).scalars().all()
    assert addresses == ["127.0.0.1"]  # nginx's $remote_addr, never the client's own header


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def test_two_processes_behind_nginx_share_reports_alerts_and_survive_a_killed_process(cluster, browser):
    url, (app_a, app_b), (port_a, port_b) = cluster["url"], cluster["apps"], cluster["ports"]
    # A browser's first request gets a route cookie from nginx; with it, every request goes to one process.
    status, headers = fetch(f"{url}/_stcore/health")
    set_route = _set_cookie(headers, ROUTE_COOKIE)
    assert status == 200 and set_route is not None
    assert "Secure" in set_route and "HttpOnly" in set_route
    route = set_route.split(";")[0]
    served = {fetch(f"{url}/_stcore/health", cookie=route)[1]["x-sikondusif-proses"] for _ in range(8)}
    assert served == {headers["x-sikondusif-proses"]}
    again = fetch(f"{url}/_stcore/health", cookie=route)[1].get("set-cookie", "")
    assert ROUTE_COOKIE not in again, again  # (the app may set its own cookies)
    # Plain HTTP is sent to HTTPS.
    plain = http.client.HTTPConnection("127.0.0.1", cluster["http_port"], timeout=10)
    plain.request("GET", "/insiden?periode=7h")
    answer = plain.getresponse()
    assert answer.status == 301 and answer.getheader("location") == f"{url}/insiden?periode=7h"
    plain.close()
    rt_ctx, rt = _context(browser, url, route_to(url, port_a), viewport={"width": 360, "height": 740},
                          is_mobile=True, has_touch=False)
    pw_ctx, pw = _context(browser, url, route_to(url, port_b), viewport={"width": 1366, "height": 900})
    sockets: list[str] = []
    pw.on("websocket", lambda ws: sockets.append(ws.url))
    try:
        assert _served_by(rt, url) == f"127.0.0.1:{port_a}" and _served_by(pw, url) == f"127.0.0.1:{port_b}"

        # Panwaslu signs in on B and opens the incident list; RT signs in on A and files a berat report.
        pw.goto(f"{url}/insiden")
        assert submit_login(pw, PANWASLU_USER, PANWASLU_PASSWORD).status == 303
        wait_for_text(pw, "Cari judul, uraian atau no. laporan")
        signed_in_sockets = len(sockets)  # the login's 303 loaded the page once more: a new websocket
        rt.goto(f"{url}/lapor")  # the Streamlit form; "/" sends an RT to /rt/ (issue 26)
        answer = submit_login(rt, RT_USER, RT_PIN)
        assert answer.status == 303 and answer.headers.get("x-sikondusif-proses") == f"127.0.0.1:{port_a}"
        first = _file_report(rt, "Amplop dibagikan di RT 03")

        # B (a different process) shows A's report and its alert, without reloading the page.
        _search(pw, first)
        wait_for_text(pw, "Menampilkan 1–1 dari 1 laporan")
        banner = wait_for_text(pw, f"Laporan BERAT {first}").inner_text()
        assert "Kel. Air Kuti" in banner
        _shot(pw, "deploy_panwaslu_on_b_sees_report_from_a.png")
        assert len(sockets) == signed_in_sockets

        _attack_the_login_through_nginx(cluster, url)  # (from here on 127.0.0.1 cannot sign in)

        # SIGKILL process A: no goodbye, no cleanup. The RT's page reconnects by itself, through nginx, to B.
        with rt.expect_event("websocket", timeout=90_000) as reconnect:
            os.kill(app_a.process.pid, signal.SIGKILL)
        app_a.process.wait(timeout=30)
        assert reconnect.value.url.endswith("/_stcore/stream")
        assert _served_by(rt, url) == f"127.0.0.1:{port_b}"
        _shot(rt, "deploy_rt_page_after_its_process_was_killed.png")
        # The RT goes on: a new report. B signs them in from the cookie A signed (one key file for
        # both processes), so they are moved without being asked to sign in again.
        rt.get_by_role("button", name="Buat laporan baru").click()
        wait_until(lambda: rt.get_by_text("Masuk ke SiKondusif").count() or rt.get_by_label("Judul singkat").count(),
                   timeout=60, message="the form or the login form on B")
        assert rt.get_by_text("Masuk ke SiKondusif").count() == 0, "B did not accept the cookie signed by A"
        second = _file_report(rt, "Spanduk dirusak di RT 03")
        _shot(rt, "deploy_rt_moved_to_b_files_again.png")

        # Nothing filed is lost and the counter shared by both processes gave the next number.
        assert int(second[-6:]) == int(first[-6:]) + 1 and second[:9] == first[:9]
        with cluster["engine"].connect() as conn:
            rows = conn.execute(sa.text("SELECT report_no FROM incidents WHERE created_by = :u ORDER BY report_no"),
                                {"u": RT_USER}).scalars().all()
        assert rows == [first, second]

        # The Panwaslu on B noticed nothing: same websocket, still signed in, the search still typed.
        box = pw.get_by_role("textbox", name="Cari judul, uraian atau no. laporan")
        assert box.input_value() == first
        _search(pw, second)
        wait_for_text(pw, "Menampilkan 1–1 dari 1 laporan")
        wait_for_text(pw, second)
        assert pw.get_by_role("button", name="Keluar").count() == 1
        assert len(sockets) == signed_in_sockets, sockets
        assert app_b.process.poll() is None
    except BaseException:
        for name, page in (("rt", rt), ("panwaslu", pw)):
            try:
                _shot(page, f"deploy_failed_{name}.png")
            except Exception as exc:  # noqa: BLE001 - keep the real failure
                print(f"screenshot failed: {exc}")
        raise
    finally:
        for ctx in (rt_ctx, pw_ctx):
            ctx.close()


def _photo(tmp: Path, name: str) -> Path:
    from PIL import Image

    path = tmp / name
    Image.new("RGB", (64, 48), (183, 28, 28)).save(path, "JPEG")
    return path


def _kill_and_wait_for_reconnect(page, app) -> None:
    with page.expect_event("websocket", timeout=90_000) as reconnect:
        os.kill(app.process.pid, signal.SIGKILL)
    app.process.wait(timeout=30)
    assert reconnect.value.url.endswith("/_stcore/stream")
    wait_idle(page)


def _filed(engine, title: str) -> list[tuple[str, int]]:
    """(report number, attachments) of the reports with this title."""
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT i.report_no, (SELECT count(*) FROM attachments a WHERE a.incident_id = i.id) "
            "FROM incidents i WHERE i.title = :t ORDER BY i.report_no"), {"t": title})]


def _one_tap_outcome(page) -> str:
    """After ONE tap on «Kirim laporan»: the report number, or the form's own clear message. Never silence."""
    page.get_by_role("button", name="Kirim laporan").click()
    wait_until(lambda: page.get_by_text("Nomor laporan Anda").count() or page.get_by_text("Ketuk lagi").count()
               or page.get_by_text("pilih fotonya lagi").count(),
               timeout=60, message="a report number or a message after one tap")
    wait_idle(page)
    return page.locator('[data-testid="stMain"]').inner_text()


def test_failover_files_what_was_typed_with_one_tap_and_uploads_follow_the_session(
        cluster, browser, tmp_path):
    """Issue 31.2: the RT types a report on A, A dies, ONE tap on B files it; A comes back on its port
    and the RT's upload still goes to B (where its websocket is)."""
    url, (app_a, _app_b), (port_a, port_b) = cluster["url"], cluster["apps"], cluster["ports"]
    engine = cluster["engine"]
    rt_ctx, rt = _context(browser, url, route_to(url, port_a), viewport={"width": 360, "height": 740},
                          is_mobile=True, has_touch=False)
    try:
        rt.goto(f"{url}/lapor")  # the Streamlit form; "/" sends an RT to /rt/ (issue 26)
        assert submit_login(rt, RT_USER, RT_PIN).status == 303
        assert _served_by(rt, url) == f"127.0.0.1:{port_a}"

        # 1. Typed on A (not sent), A killed: the text is still on screen and ONE tap files it on B.
        title1 = "Amplop diketik sebelum proses mati"
        _fill_form(rt, title1)
        _kill_and_wait_for_reconnect(rt, app_a)
        assert rt.get_by_label("Judul singkat").input_value() == title1
        text = _one_tap_outcome(rt)
        _shot(rt, "deploy_failover_one_tap.png")
        assert "Nomor laporan Anda" in text, text
        assert [n for n, _ in _filed(engine, title1)] == [REPORT_NO.search(text).group()]
        assert _served_by(rt, url) == f"127.0.0.1:{port_b}"

        # 2. A restarts in its place. The RT stays on B: the photo upload goes to B, the report has it.
        restarted = cluster["stack"].enter_context(run_app(cluster["env"], log_dir=cluster["logs"], port=port_a))
        rt.get_by_role("button", name="Buat laporan baru").click()
        title2 = "Spanduk dirobek sesudah proses kembali"
        _fill_form(rt, title2, photo=_photo(tmp_path, "spanduk.jpg"))
        text = _one_tap_outcome(rt)
        _shot(rt, "deploy_upload_after_restart.png")
        assert "Nomor laporan Anda" in text, text
        assert _filed(engine, title2) == [(REPORT_NO.search(text).group(), 1)]
        access_log = (cluster["nginx_logs"] / "sikondusif.access.log").read_text(encoding="utf-8")
        uploads = [line for line in access_log.splitlines() if "/_stcore/upload_file/" in line]
        assert uploads and all(f"upstream=127.0.0.1:{port_b}" in line for line in uploads), uploads

        assert restarted.process.poll() is None
    except BaseException:
        try:
            _shot(rt, "deploy_failover_failed_rt.png")
        except Exception as exc:  # noqa: BLE001 - keep the real failure
            print(f"screenshot failed: {exc}")
        access = cluster["nginx_logs"] / "sikondusif.access.log"
        if access.exists():  # which process each upload and page went to
            print("\n".join(line for line in access.read_text(encoding="utf-8").splitlines()
                            if "upload_file" in line or "_stcore/stream" in line))
        for log in sorted(cluster["logs"].glob("*.log")):  # the app's own account of a server error
            text = log.read_text(encoding="utf-8", errors="replace")
            if "Traceback" in text:
                print(f"--- {log.name}\n{text[text.index('Traceback') - 300:][:4000]}")
        raise
    finally:
        rt_ctx.close()


@pytest.mark.parametrize("cut_upload", [False, True], ids=["uploaded", "upload-cut-off"])
def test_a_photo_chosen_before_a_failover_is_filed_or_asked_for_again(cluster, browser, tmp_path, cut_upload):
    """Issue 31.2: a photo chosen on A before A dies is filed on B, or the form asks for it again with the typed
    text kept and one more tap files both. Never a report silently without its photo.

    `upload-cut-off` is the race that once filed reports without their photo: A dies while the photo is still
    uploading (held here until A is dead), nginx sends the upload on to B, which refuses it (unknown session),
    and Streamlit's uploader leaves the file out of the form. B must still ask for the photo."""
    url, (app_a, _app_b), (port_a, _port_b) = cluster["url"], cluster["apps"], cluster["ports"]
    engine = cluster["engine"]
    rt_ctx, rt = _context(browser, url, route_to(url, port_a), viewport={"width": 360, "height": 740},
                          is_mobile=True, has_touch=False)
    if cut_upload:  # the photo's upload waits in the page until A is dead, then goes through nginx
        rt.add_init_script(path=str(HOLD_UPLOADS))
    try:
        rt.goto(f"{url}/lapor")  # the Streamlit form; "/" sends an RT to /rt/ (issue 26)
        assert submit_login(rt, RT_USER, RT_PIN).status == 303
        # A photo chosen on A, then A killed: on B the report is filed with its photo, or the
        #    form asks for the photo again and keeps the typed text; a tap after that files both.
        title3 = "Foto dipilih sebelum proses mati"
        _fill_form(rt, title3, photo=_photo(tmp_path, "amplop.jpg"))
        if cut_upload:
            try:
                rt.wait_for_function("() => window.__heldUploads.count() > 0", timeout=30_000)
            except PlaywrightTimeout:
                uploader = rt.locator('[data-testid="stFileUploader"]').inner_text()
                raise AssertionError(f"the photo's upload never started; the photo field says: {uploader!r}"
                                     ) from None
        _kill_and_wait_for_reconnect(rt, app_a)
        if cut_upload:
            assert rt.evaluate("() => window.__heldUploads.release()") == 1
            wait_until(lambda: "upload_file" in (cluster["nginx_logs"] / "sikondusif.access.log").read_text(),
                       timeout=30, message="the held upload answered")
            wait_idle(rt)
        text = _one_tap_outcome(rt)
        _shot(rt, "deploy_photo_after_failover.png")
        if "Nomor laporan Anda" in text:
            assert _filed(engine, title3) == [(REPORT_NO.search(text).group(), 1)]
        else:
            assert "pilih fotonya lagi" in text and _filed(engine, title3) == []
            assert rt.get_by_label("Judul singkat").input_value() == title3
            wait_until(lambda: rt.get_by_text("amplop.jpg").count() == 0, timeout=30,  # (the old field may
                       message="an empty photo field")                              # linger for a moment)
            rt.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
                str(_photo(tmp_path, "amplop.jpg")))
            wait_for_text(rt, "amplop.jpg")
            wait_idle(rt)
            rt.get_by_role("button", name="Kirim laporan").click()
            text = wait_for_text(rt, "Nomor laporan Anda", timeout=60).inner_text()
            assert _filed(engine, title3) == [(REPORT_NO.search(text).group(), 1)]
    finally:
        rt_ctx.close()
