"""Plain helpers for browser tests (Playwright + Debian chromium); fixtures are in conftest.py.

- `run_app(env)`: `streamlit run app.py` (the st.App entry) on a free port in its own process
  group, waits for /_stcore/health, and always stops it.
- `app_env(db_url)`: the environment for that process (this test's data dir, geo dir,
  secret) pointing at `db_url`.
- fixtures (conftest.py): `browser` (session), `page` (screenshot to
  test-artifacts/<test>.png on failure), `app` (factory around run_app).
- `log_in(page, username, password)`: fill the login form (a plain HTML form that POSTs
  to /sesi/masuk; the server sets the HttpOnly cookie) and wait for the signed-in page.
- `wait_until(predicate)`, `wait_for_text(page, text)`, `wait_idle(page)`: wait on
  conditions with timeouts, never fixed sleeps.

Mark browser tests with `@pytest.mark.browser`.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from polling import wait_until  # noqa: F401  (one copy for every test folder)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])




@dataclass
class RunningApp:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def app_env(db_url: str, **extra: str) -> dict[str, str]:
    """Environment for the app process: this test's env (data dir, geo, secret) + `db_url`."""
    env = dict(os.environ)
    env["KONDUSIF_DB_URL"] = db_url
    env.setdefault("KONDUSIF_SECRET_KEY", "browser-test-secret-" + "z" * 20)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:  # noqa: S310 - localhost
            return resp.status == 200
    except OSError:
        return False


@contextmanager
def run_app(env: dict[str, str], script: str = "app.py", timeout: float = 90.0,
            log_dir: Path | None = None, port: int | None = None) -> Iterator[RunningApp]:
    """Start `streamlit run <script>` on a free port (or `port`, to restart a process in its
    place); yield once healthy; always stop it."""
    port = port or free_port()
    log_path = (log_dir or ARTIFACTS) / f"streamlit-{port}.log"
    n = 1
    while log_path.exists():  # a restart in the same place keeps the first run's log
        n += 1
        log_path = log_path.with_name(f"streamlit-{port}-{n}.log")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable, "-m", "streamlit", "run", script,
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
    ]
    with log_path.open("w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    app = RunningApp(f"http://127.0.0.1:{port}", proc, log_path)
    try:
        wait_until(lambda: proc.poll() is not None or _healthy(app.url), timeout=timeout,
                   message=f"streamlit health on port {port}")
        if proc.poll() is not None:
            raise AssertionError(f"streamlit exited with {proc.returncode}:\n{app.log()[-3000:]}")
        yield app
    finally:
        _stop(proc)
        if log_dir is None and log_path.exists():
            log_path.unlink()


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=5)


def wait_idle(page, timeout: float = 30.0) -> None:
    """Wait until Streamlit has finished the current script run (no 'running' indicator)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout * 1000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]')",
        timeout=timeout * 1000,
    )


def wait_for_text(page, text: str, timeout: float = 30.0):
    """The first visible element containing `text`, waiting for it to appear."""
    loc = page.get_by_text(text).first
    loc.wait_for(state="visible", timeout=timeout * 1000)
    return loc


def page_in(context, request):
    """Yield a new page of `context`; a screenshot goes to test-artifacts/ when the test failed."""
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        try:
            pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        except Exception as exc:  # noqa: BLE001 - the page may be gone; keep the real failure
            print(f"screenshot failed: {exc}")
    context.close()


LOGIN_TITLE = "Masuk ke SiKondusif"


def submit_login(page, username: str, password: str, timeout: float = 60.0):
    """Fill and send the login form; return the server's answer to the POST (the 303)."""
    wait_for_text(page, LOGIN_TITLE, timeout=timeout)
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi atau PIN").fill(password)
    with page.expect_response(lambda r: r.url.endswith("/sesi/masuk") and r.request.method == "POST",
                              timeout=timeout * 1000) as answer:
        page.get_by_role("button", name="Masuk", exact=True).click()
    return answer.value


def log_in(page, username: str, password: str, timeout: float = 60.0) -> None:
    """Sign in through the form and wait until the signed-in page shows its logout button."""
    submit_login(page, username, password, timeout)
    page.get_by_role("button", name="Keluar").wait_for(state="attached", timeout=timeout * 1000)
