"""Many people at once (issue 14): N real sessions against one running server, officials on the map and
Ketua RT on the report form, in real pages of one Debian Chromium (Playwright).

A store of --reports simulated reports (SQLite, seed 1) gets one account per session; the app runs
as `streamlit run app.py` on a free port. For each N (default 10, 25, 50) N browser contexts sign
in through the login form (every second one a pejabat on /peta, the others an RT on /lapor), then
all of them reload their page --rounds times at once. One page run = from the reload until the
page's own content is there and Streamlit shows no running indicator. Prints p50/p95 of those
runs per N, the N where p95 passes 3 s, and what limits it: the server's CPU seconds per page run
(from /proc) and its resident memory per open session.

The machine is shared (2 cores, other sessions, Chromium on the same cores): figures are indicative.

--browserless (issue 29.4): no Chromium. Each official signs in by POST /sesi/masuk and opens one
websocket with that cookie, speaking Streamlit's protocol (streamlit.proto BackMsg / ForwardMsg); an
interaction is the rerun a period change sends (30 hari <-> masa kampanye), timed until script_finished.
Each of N sessions clicks every --interval s (5), --rounds times; prints p50/p95 per N and the server's
CPU seconds per interaction. --processes 2 starts two app processes behind the shipped nginx site.

Usage: python benchmarks/bench_sessions.py [--sessions 10,25,50] [--rounds 3] [--reports 100000]
       [--db-dir /tmp/bench-sessions-100000] [--map-params periode=kampanye]
       python benchmarks/bench_sessions.py --browserless --sessions 10,50,100,200 [--processes 1|2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
                 "--disable-backgrounding-occluded-windows"]
P95_LIMIT = 3.0
SKIP_FACTOR = 4  # a level whose p95 is past 4 x the limit ends the climb
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
IDLE_JS = ("() => !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')"
           " && !document.querySelector('[data-testid=\"stSkeleton\"]')")


def _python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(data_dir: Path, n: int) -> str:
    url = f"sqlite:///{data_dir / 'kondusif.db'}"
    if not (data_dir / ".seeded").exists():
        env = {**os.environ, "KONDUSIF_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
        env.pop("KONDUSIF_DB_URL", None)
        subprocess.run([_python(), "-m", "kondusif", "demo", "--n", str(n), "--seed", "1"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        (data_dir / ".seeded").write_text(str(n))
    return url


def make_accounts(db_url: str, n: int) -> list[tuple[str, str, str]]:
    """(role, username, password) for n sessions: even ones pejabat, odd ones RT (one RT each).
    Passwords are made here, at random, for this run only."""
    os.environ["KONDUSIF_DB_URL"] = db_url
    from kondusif import accounts, registry, store
    from kondusif.accounts import auth
    from kondusif.config import settings
    from kondusif.model import Role, Viewer

    settings.cache_clear()
    store.dispose_engines()
    engine = store.get_engine(db_url)
    registry.ensure_rt_registry(engine)
    reg = registry.rt_registry(engine)
    admin = Viewer("bench", Role.ADMIN)
    run = secrets.token_hex(3)
    out = []
    for i in range(n):
        if i % 2 == 0:
            name, role = f"pejabat-bench-{run}-{i:03d}", Role.PEJABAT
            password = f"Kota-{secrets.token_urlsafe(12)}-9"
            accounts.create_account(engine, admin, name, role, password, display_name=f"Pejabat {i}",
                                    must_change=False)
        else:
            row = reg.iloc[(i * 7) % len(reg)]
            name, role = f"rt-bench-{run}-{i:03d}", Role.RT
            while True:
                password = f"{secrets.randbelow(10**6):06d}"
                if auth.password_problem(password, role, name) is None:
                    break
            accounts.create_account(engine, admin, name, role, password, display_name=f"RT {i}",
                                    kelurahan=str(row["kode_kelurahan"]), rt=int(row["rt"]), must_change=False)
        out.append((role.value, name, password))
    store.dispose_engines()
    return out


class Server:
    def __init__(self, data_dir: Path, db_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "KONDUSIF_DATA_DIR": str(data_dir), "KONDUSIF_DB_URL": db_url,
               "PYTHONUNBUFFERED": "1"}
        env.setdefault("KONDUSIF_SECRET_KEY", secrets.token_urlsafe(32))  # this run only
        self.log = open(data_dir / f"streamlit-{self.port}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [_python(), "-m", "streamlit", "run", "app.py", "--server.port", str(self.port), "--server.address",
             "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited: see {self.log.name}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:  # noqa: S310 - localhost
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise SystemExit("server not healthy after 120 s")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.log.close()


async def page_ready(page, role: str, timeout_s: float) -> None:
    """The page's own content is there and the script run is over."""
    if role == "pejabat":
        await page.locator(MAP_FRAME).first.wait_for(state="attached", timeout=timeout_s * 1000)
        await page.get_by_text("Per kecamatan").first.wait_for(state="attached", timeout=timeout_s * 1000)
    else:
        await page.get_by_role("button", name="Kirim laporan").first.wait_for(state="attached",
                                                                              timeout=timeout_s * 1000)
    await page.wait_for_function(IDLE_JS, timeout=timeout_s * 1000)


async def open_session(browser, base: str, account: tuple[str, str, str], map_params: str, timeout_s: float):
    role, username, password = account
    context = await browser.new_context(viewport={"width": 1366, "height": 900}, locale="id-ID")
    page = await context.new_page()
    await page.goto(f"{base}/masuk", timeout=timeout_s * 1000)
    await page.get_by_label("Nama pengguna").fill(username)
    await page.get_by_label("Kata sandi atau PIN").fill(password)
    await page.get_by_role("button", name="Masuk", exact=True).click()
    await page.get_by_role("button", name="Keluar").wait_for(state="attached", timeout=timeout_s * 1000)
    target = f"{base}/peta" + (f"?{map_params}" if map_params else "") if role == "pejabat" else f"{base}/lapor"
    await page.goto(target, timeout=timeout_s * 1000)
    await page_ready(page, role, timeout_s)
    return context, page, role


async def one_level(browser, server: Server, accounts: list, n: int, rounds: int, map_params: str,
                    timeout_s: float) -> dict:
    rss0 = server.rss_mib()
    sem = asyncio.Semaphore(5)  # sign in a few at a time (argon2 per login)

    async def opened(acc):
        async with sem:
            return await open_session(browser, server.url, acc, map_params, timeout_s)

    sessions = await asyncio.gather(*(opened(acc) for acc in accounts[:n]))
    rss_open = server.rss_mib()
    times: dict[str, list[float]] = {"pejabat": [], "rt": []}
    failures = 0
    cpu0 = server.cpu_seconds()
    t_all = time.perf_counter()

    async def rerun(page, role):
        nonlocal failures
        for _ in range(rounds):
            t0 = time.perf_counter()
            try:
                await page.reload(timeout=timeout_s * 1000)
                await page_ready(page, role, timeout_s)
                times[role].append(time.perf_counter() - t0)
            except Exception:  # noqa: BLE001 - a run that never finished counts as a failure, not a time
                failures += 1

    await asyncio.gather(*(rerun(page, role) for _, page, role in sessions))
    wall = time.perf_counter() - t_all
    cpu = server.cpu_seconds() - cpu0
    rss_end = server.rss_mib()
    for context, _, _ in sessions:
        await context.close()
    runs = times["pejabat"] + times["rt"]
    return {"n": n, "runs": len(runs), "failures": failures, "wall": wall, "cpu": cpu,
            "p50": percentile(runs, 50) if runs else float("nan"),
            "p95": percentile(runs, 95) if runs else float("nan"),
            "map_p50": statistics.median(times["pejabat"]) if times["pejabat"] else float("nan"),
            "form_p50": statistics.median(times["rt"]) if times["rt"] else float("nan"),
            "rss0": rss0, "rss_open": rss_open, "rss_end": rss_end}


async def drive(server: Server, accounts: list, levels: list[int], rounds: int, map_params: str,
                timeout_s: float) -> list[dict]:
    from playwright.async_api import async_playwright

    out = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            # Warm-up (not measured): imports, boundaries and the data caches of both pages.
            for acc in (accounts[0], accounts[1]):
                context, _, _ = await open_session(browser, server.url, acc, map_params, timeout_s)
                await context.close()
            for n in levels:
                if out and out[-1]["p95"] > SKIP_FACTOR * P95_LIMIT:
                    print(f"N={n:3d}: skipped (p95 was already {out[-1]['p95']:.1f} s at N={out[-1]['n']}; more "
                          "sessions would only load the shared machine)", flush=True)
                    continue
                row = await one_level(browser, server, accounts, n, rounds, map_params, timeout_s)
                out.append(row)
                per_session = (row["rss_open"] - row["rss0"]) / n
                print(f"N={n:3d}: {row['runs']:4d} page runs ({row['failures']} unfinished in {timeout_s:.0f} s) "
                      f"p50 {row['p50']:5.2f} s  p95 {row['p95']:5.2f} s  (map p50 {row['map_p50']:.2f} s, "
                      f"form p50 {row['form_p50']:.2f} s) | server CPU {row['cpu'] / max(row['runs'], 1):.2f} s "
                      f"per page run, {row['cpu'] / row['wall'] * 100:3.0f}% of one core | RSS "
                      f"{row['rss0']:.0f} -> {row['rss_open']:.0f} MiB with N open ({per_session:+.1f} MiB per "
                      f"session), {row['rss_end']:.0f} after the runs [load {os.getloadavg()[0]:.1f}]", flush=True)
        finally:
            await browser.close()
    return out


# --------------------------------------------------------------------------- browserless mode (issue 29.4)
# Streamlit's own wire format (the protobuf messages of the installed streamlit package): a session is
# one websocket carrying the signed-in cookie; an interaction is the BackMsg rerun_script a browser sends
# when a filter changes (here the period, through the query string the filter sidebar reads), timed until
# the server's script_finished. Large elements the session already holds travel as references to their
# hash, as for a browser: the session reports the hashes it has, like the browser does.

MAP_TITLE = b"Peta kondusivitas Kota Lubuklinggau"
PERIOD_CYCLE = ("periode=30h", "periode=kampanye")


def sign_in_cookie(base: str, username: str, password: str) -> str:
    """POST /sesi/masuk like the login form; the Cookie header value of the session it sets."""
    import http.client
    from urllib.parse import urlencode, urlsplit

    parts = urlsplit(base)
    if parts.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=120,
                                                                       context=_loopback_tls())
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    body = urlencode({"username": username, "password": password, "next": "/peta"})
    conn.request("POST", "/sesi/masuk", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Origin": base, "Referer": f"{base}/"})
    answer = conn.getresponse()
    cookies = [h.split(";", 1)[0] for k, h in answer.getheaders() if k.lower() == "set-cookie"]
    conn.close()
    if answer.status != 303 or not cookies:
        raise SystemExit(f"sign-in of {username} failed: HTTP {answer.status}")
    return "; ".join(cookies)


def _loopback_tls():
    """TLS to the throw-away self-signed nginx of this run, on loopback only."""
    import ssl

    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # noqa: S501 - the certificate was made by this run, for 127.0.0.1
    return ctx


class Nginx:
    """The shipped nginx site (deploy/render.py) in front of `ports`, TLS with a throw-away certificate."""

    def __init__(self, data_dir: Path, ports: list[int]) -> None:
        sys.path.insert(0, str(ROOT / "deploy"))
        import render

        prefix = data_dir / f"nginx-{secrets.token_hex(3)}"
        (prefix / "logs").mkdir(parents=True)
        cert, key = prefix / "site.crt", prefix / "site.key"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                        "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
        https_port, http_port = free_port(), free_port()
        site = render.render("127.0.0.1", ports, str(cert), str(key), https_port=https_port, http_port=http_port,
                             log_dir=str(prefix / "logs"))
        (prefix / "site.conf").write_text(site.replace("listen [::]:", "# listen [::]:"), encoding="utf-8")
        user = "user root;\n" if os.geteuid() == 0 else ""
        (prefix / "nginx.conf").write_text(
            f"{user}daemon off;\nworker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/logs/error.log;\n"
            f"events {{ worker_connections 1024; }}\nhttp {{\n  include {prefix}/site.conf;\n}}\n", encoding="utf-8")
        self.proc = subprocess.Popen([shutil.which("nginx") or "/usr/sbin/nginx", "-p", str(prefix), "-c",
                                      str(prefix / "nginx.conf")], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        self.url = f"https://127.0.0.1:{https_port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"nginx exited: see {prefix / 'logs'}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2,  # noqa: S310 - loopback
                                            context=_loopback_tls()) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise SystemExit("nginx not healthy after 60 s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGQUIT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)


class WsSession:
    """One signed-in Streamlit session on the map page, spoken to without a browser."""

    def __init__(self, base: str, cookie: str) -> None:
        self.base, self.cookie = base, cookie
        self.cached: set[str] = set()
        self.ws = None
        self.saw_map = False

    async def __aenter__(self) -> WsSession:
        from websockets.asyncio.client import connect

        secure = self.base.startswith("https://")
        uri = ("wss://" + self.base[len("https://"):] if secure else "ws://" + self.base[len("http://"):]) \
            + "/_stcore/stream"
        self.ws = await connect(uri, additional_headers={"Cookie": self.cookie}, origin=self.base,
                                subprotocols=["streamlit"], max_size=None, open_timeout=120,
                                ssl=_loopback_tls() if secure else None)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.ws.close()

    async def run(self, query: str, timeout_s: float) -> float:
        """Seconds from sending the rerun until the script run finished (a rerun it asked for itself counts)."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = "peta"
        msg.rerun_script.cached_message_hashes.extend(sorted(self.cached))
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        async with asyncio.timeout(timeout_s):
            while True:
                data = await self.ws.recv()
                if MAP_TITLE in data:
                    self.saw_map = True
                fm = ForwardMsg.FromString(data)
                if fm.metadata.cacheable:
                    self.cached.add(fm.hash)
                if fm.WhichOneof("type") != "script_finished":
                    continue
                if fm.script_finished in (ForwardMsg.FINISHED_SUCCESSFULLY,
                                          ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
                    return time.perf_counter() - t0
                if fm.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    raise RuntimeError(f"script run ended with {fm.script_finished}")


async def ws_level(servers: list[Server], base: str, cookies: list[str], n: int, rounds: int, interval: float,
                   timeout_s: float) -> dict:
    """n sessions open (first run not timed), then each one interaction every `interval` s, `rounds` times."""
    import random

    sessions = [WsSession(base, c) for c in cookies[:n]]
    sem = asyncio.Semaphore(10)

    async def opened(sess: WsSession) -> None:
        async with sem:
            await sess.__aenter__()
            await sess.run(PERIOD_CYCLE[0], timeout_s)

    await asyncio.gather(*(opened(s) for s in sessions))
    if not all(s.saw_map for s in sessions):
        raise SystemExit("a session did not get the map page (sign-in or role?)")
    times: list[float] = []
    failures = 0
    cpu0 = sum(sv.cpu_seconds() for sv in servers)
    t_all = time.perf_counter()

    async def drive_one(i: int, sess: WsSession) -> None:
        nonlocal failures
        await asyncio.sleep(random.uniform(0, interval))  # noqa: S311 - spread the starts, not a secret
        for r in range(rounds):
            started = time.perf_counter()
            try:
                times.append(await sess.run(PERIOD_CYCLE[(r + 1) % 2], timeout_s))
            except (TimeoutError, RuntimeError):
                failures += 1
            await asyncio.sleep(max(0.0, interval - (time.perf_counter() - started)))

    await asyncio.gather(*(drive_one(i, s) for i, s in enumerate(sessions)))
    wall = time.perf_counter() - t_all
    cpu = sum(sv.cpu_seconds() for sv in servers) - cpu0
    for s in sessions:
        await s.__aexit__(None, None, None)
    return {"n": n, "runs": len(times), "failures": failures, "wall": wall, "cpu": cpu,
            "p50": percentile(times, 50) if times else float("nan"),
            "p95": percentile(times, 95) if times else float("nan")}


def browserless(servers: list[Server], base: str, accounts: list, levels: list[int], rounds: int, interval: float,
                timeout_s: float) -> None:
    officials = [a for a in accounts if a[0] == "pejabat"]
    cookies = [sign_in_cookie(base, u, p) for _, u, p in officials[:max(levels)]]
    where = f"{len(servers)} app processes behind nginx" if len(servers) > 1 else "1 app process, direct"
    print(f"browserless, {where}: {len(cookies)} officials signed in by POST /sesi/masuk; each session changes "
          f"the period of /peta (30 hari <-> masa kampanye) every {interval:.0f} s, {rounds} times", flush=True)
    for n in levels:
        row = asyncio.run(ws_level(servers, base, cookies, n, rounds, interval, timeout_s))
        print(f"N={n:3d}: {row['runs']:4d} interactions ({row['failures']} unfinished in {timeout_s:.0f} s) "
              f"p50 {row['p50']:5.2f} s  p95 {row['p95']:5.2f} s | server CPU "
              f"{row['cpu'] / max(row['runs'], 1):.3f} s per interaction, {row['cpu'] / row['wall'] * 100:3.0f}% "
              f"of one core [load {os.getloadavg()[0]:.1f}]", flush=True)
        if row["p95"] > SKIP_FACTOR * P95_LIMIT:
            print(f"  (p95 past {SKIP_FACTOR * P95_LIMIT:.0f} s: larger N skipped)")
            break


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", default="10,25,50")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reports", type=int, default=100_000)
    ap.add_argument("--db-dir", type=Path)
    ap.add_argument("--map-params", default="", help="query of the officials' map page, e.g. periode=kampanye")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds before a page run counts as unfinished")
    ap.add_argument("--browserless", action="store_true",
                    help="speak Streamlit's websocket protocol instead of driving Chromium (officials on /peta)")
    ap.add_argument("--interval", type=float, default=5.0, help="browserless: seconds between one session's clicks")
    ap.add_argument("--processes", type=int, default=1, choices=(1, 2),
                    help="browserless: 2 = two app processes behind the shipped nginx site (deploy/render.py)")
    args = ap.parse_args()
    levels = [int(x) for x in args.sessions.split(",") if x]
    tmp = None
    if args.db_dir is None:
        tmp = tempfile.mkdtemp(prefix="bench-sessions-")
        data_dir = Path(tmp)
    else:
        data_dir = args.db_dir
        data_dir.mkdir(parents=True, exist_ok=True)
    server = None
    proxy: Nginx | None = None
    extra: list = []  # more app processes and nginx, stopped at the end
    try:
        db_url = seed(data_dir, args.reports)
        accounts = make_accounts(db_url, max(*levels, 2) * (2 if args.browserless else 1))
        os.environ.setdefault("KONDUSIF_SECRET_KEY", secrets.token_urlsafe(32))  # one key for every process
        server = Server(data_dir, db_url)
        if args.browserless:
            servers = [server] + [Server(data_dir, db_url) for _ in range(args.processes - 1)]
            extra.extend(servers[1:])
            if len(servers) > 1:
                proxy = Nginx(data_dir, [sv.port for sv in servers])
                extra.append(proxy)
            browserless(servers, proxy.url if proxy else server.url, accounts, levels, args.rounds, args.interval,
                        args.timeout)
            return
        print(f"{args.reports:,} simulated reports (SQLite); sessions: every second one a pejabat on /peta"
              f"{'?' + args.map_params if args.map_params else ''}, the others an RT on /lapor; each reloads "
              f"its page {args.rounds}x, all at once; one Chromium, {os.cpu_count()} cores (shared: indicative)",
              flush=True)
        rows = asyncio.run(drive(server, accounts, levels, args.rounds, args.map_params, args.timeout))
        over = next((r["n"] for r in rows if r["p95"] > P95_LIMIT), None)
        print(f"p95 passes {P95_LIMIT:.0f} s at N = {over}" if over is not None else
              f"p95 stays under {P95_LIMIT:.0f} s up to N = {levels[-1]}")
        if rows:
            last = rows[-1]
            cpu_per_run = last["cpu"] / max(last["runs"], 1)
            share = last["cpu"] / last["wall"]
            per_session = (last["rss_open"] - last["rss0"]) / last["n"]
            print(f"server: ~{cpu_per_run:.2f} CPU s per page run in one Python process (script threads share "
                  f"one GIL: at most ~{1 / max(cpu_per_run, 1e-3):.1f} page runs/s whatever the cores); it used "
                  f"{share * 100:.0f}% of one core at N = {last['n']}; ~{per_session:.1f} MiB per open session.")
            if share > 0.8:
                print("limit: the server's CPU (one process, one GIL): more processes behind a proxy, or less "
                      "Python per run")
            else:
                print("limit: not the server's CPU nor its memory here: the browser pages themselves (one Chromium "
                      "drawing N maps on the same cores) and the machine's other load; the server idles between")

    finally:
        for other in reversed(extra):
            other.stop()
        if server is not None:
            server.stop()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
