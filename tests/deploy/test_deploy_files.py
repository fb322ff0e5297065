"""Issue 16: the files in deploy/ are checked by the tools that will read them in production."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"
sys.path.insert(0, str(DEPLOY))
import render  # noqa: E402  (deploy/render.py is a script, not a package)


def self_signed(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "sikondusif.crt", tmp / "sikondusif.key"
    proc = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                           "-subj", "/CN=sikondusif.test", "-keyout", str(key), "-out", str(cert)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return cert, key


def nginx_prefix(tmp: Path, site: str) -> Path:
    """A throw-away nginx prefix whose main config includes only the site (as Debian's sites-enabled)."""
    prefix = tmp / "nginx"
    (prefix / "logs").mkdir(parents=True)
    (prefix / "sikondusif.conf").write_text(site, encoding="utf-8")
    (prefix / "nginx.conf").write_text(
        f"pid {prefix}/nginx.pid;\nerror_log {prefix}/logs/error.log;\nevents {{}}\n"
        f"http {{\n  include {prefix}/sikondusif.conf;\n}}\n", encoding="utf-8")
    return prefix


def nginx_test(prefix: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["nginx", "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                          capture_output=True, text=True, timeout=60)


def test_the_generated_nginx_site_passes_nginx_t(tmp_path):
    cert, key = self_signed(tmp_path)
    site = render.render("sikondusif.test", [8501, 8502], str(cert), str(key), https_port=8443,
                         http_port=8080, log_dir=str(tmp_path))
    proc = nginx_test(nginx_prefix(tmp_path, site))
    assert proc.returncode == 0, proc.stderr
    assert "syntax is ok" in proc.stderr and "test is successful" in proc.stderr


def test_nginx_t_refuses_a_site_with_a_missing_certificate(tmp_path):
    site = render.render("sikondusif.test", [8501], str(tmp_path / "tidak-ada.crt"), str(tmp_path / "x.key"),
                         https_port=8443, http_port=8080, log_dir=str(tmp_path))
    proc = nginx_test(nginx_prefix(tmp_path, site))
    assert proc.returncode != 0 and "tidak-ada.crt" in proc.stderr


def test_the_site_has_sticky_sessions_websockets_long_timeouts_and_the_apps_upload_limit(tmp_path):
    site = render.render("sikondusif.test", [8501, 8502, 8503], "/c.pem", "/k.pem")
    lines = [line.strip() for line in site.splitlines()]
    assert "hash $sikondusif_rute consistent;" in lines
    for port in (8501, 8502, 8503):
        assert f"server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;" in lines
    assert "proxy_set_header Upgrade $http_upgrade;" in lines
    assert "proxy_set_header Connection $sikondusif_connection;" in lines
    assert "proxy_read_timeout 1h;" in lines and "proxy_send_timeout 1h;" in lines
    assert "listen 443 ssl http2;" in lines and "return 301 https://$host$request_uri;" in lines
    # The app takes files up to 50 MiB (max_upload_bytes, server.maxUploadSize = 50): 50 + 1 MiB envelope.
    assert "client_max_body_size 51m;" in lines
    assert render.render("x", [8501], "/c", "/k", limit_bytes=5 * 1024 * 1024).count("client_max_body_size 6m;") == 1
    with pytest.raises(ValueError):
        render.render("x", [8501, 8501], "/c", "/k")


def test_the_render_command_writes_the_site(tmp_path):
    out = tmp_path / "sikondusif"
    proc = subprocess.run([sys.executable, str(DEPLOY / "render.py"), "--server-name", "sikondusif.test",
                           "--ports", "8601,8602", "--out", str(out)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    assert "ssl_certificate     /etc/letsencrypt/live/sikondusif.test/fullchain.pem;" in text
    assert "server 127.0.0.1:8602 max_fails=3 fail_timeout=10s;" in text


def test_nginx_drops_idle_app_connections_before_the_app_and_tolerates_one_error():
    """Issue 31.5: uvicorn (under Streamlit) closes an idle connection after 5 s; nginx kept it 60 s and
    then sent a request down a closed socket, and max_fails=1 marked the healthy process down for 10 s."""
    assert render.app_idle_close_seconds() == 5  # uvicorn's timeout_keep_alive; Streamlit sets none
    site = render.render("sikondusif.test", [8501, 8502], "/c.pem", "/k.pem")
    lines = [line.strip() for line in site.splitlines()]
    assert lines.count("keepalive_timeout 4s;") == 3  # the shared group and one per process
    assert "max_fails=1" not in site
    assert "server 127.0.0.1:8501 max_fails=3 fail_timeout=10s;" in lines


def test_a_browser_stays_on_the_process_that_served_it_last():
    """Issue 31.4: each process has its own group (it first, the others backup) chosen by the cookie
    nginx sets to the last upstream that answered, so after a failover uploads follow the websocket."""
    site = render.render("sikondusif.test", [8501, 8502], "/c.pem", "/k.pem")
    lines = [line.strip() for line in site.splitlines()]
    assert "proxy_pass http://$sikondusif_tujuan;" in lines
    assert '"127.0.0.1:8501" sikondusif_p8501;' in lines and '"127.0.0.1:8502" sikondusif_p8502;' in lines
    group = site[site.index("upstream sikondusif_p8502 {"):]
    group = group[:group.index("}")]
    assert "server 127.0.0.1:8502 max_fails=3 fail_timeout=10s;" in group
    assert "server 127.0.0.1:8501 backup;" in group
    assert "add_header Set-Cookie $sikondusif_proses_kuki always;" in lines


def test_the_access_log_names_the_process_that_served(tmp_path):
    site = render.render("sikondusif.test", [8501, 8502], "/c.pem", "/k.pem", log_dir="/var/log/nginx")
    assert "upstream=$upstream_addr" in site
    lines = [line.strip() for line in site.splitlines()]
    assert "access_log /var/log/nginx/sikondusif.access.log sikondusif_proses;" in lines


@pytest.mark.parametrize("worker_running", [True, False], ids=["worker-running", "no-worker"])
def test_upgrade_restarts_the_app_processes_one_after_the_other(tmp_path, worker_running):
    """Issue 31.7: schema first, then each process, the next only once the previous answers healthy.
    Issue 28: a server upgraded from the separate Gammu reader gets that unit disabled and its
    SIKONDUSIF_GAMMU_DB renamed to the worker's KONDUSIF_GAMMU_DB before the worker restarts. The
    closing line says the worker runs only when it does (try-restart starts nothing that was stopped)."""
    log = tmp_path / "systemctl.log"
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "sikondusif.env").write_text("KONDUSIF_DATA_DIR=/var/lib/sikondusif\n"
                                        "SIKONDUSIF_GAMMU_DB=postgresql://smsd:rahasia@127.0.0.1/smsd\n")
    served = tmp_path / "www"
    (served / "_stcore").mkdir(parents=True)
    (served / "_stcore" / "health").write_text("ok", encoding="utf-8")
    ports = [_free_port(), _free_port()]
    fake = tmp_path / "systemctl"
    # restart of a process = its health answers from now on; each call notes which processes answer
    fake.write_text(f"""#!/usr/bin/env bash
up() {{ for p in {' '.join(map(str, ports))}; do
  python3 -c "import sys,urllib.request; urllib.request.urlopen('http://127.0.0.1:'+sys.argv[1]+'/_stcore/health', timeout=2)" $p 2>/dev/null && printf ' %s' $p; done; }}
echo "$* | answering:$(up)" >> {log}
[ "$1" = list-unit-files ] && echo "sikondusif-sms-gateway.service enabled enabled"
[ "$1" = is-active ] && exit {0 if worker_running else 3}
case "$2" in sikondusif@*.service)
  port=${{2#sikondusif@}}; port=${{port%.service}}
  setsid python3 -m http.server "$port" --bind 127.0.0.1 --directory {served} >/dev/null 2>&1 &
  echo $! >> {tmp_path}/pids;;
esac
""", encoding="utf-8")
    fake.chmod(0o755)
    env = {**os.environ, "SYSTEMCTL": str(fake), "SIKONDUSIF_PORTS": f"{ports[0]} {ports[1]}",
           "SIKONDUSIF_UPGRADE_WAIT": "60", "SIKONDUSIF_ETC": str(etc)}
    try:
        proc = subprocess.run(["bash", str(DEPLOY / "sikondusif-upgrade.sh")], env=env, capture_output=True,
                              text=True, timeout=180)
    finally:
        for pid in (tmp_path / "pids").read_text().split() if (tmp_path / "pids").exists() else []:
            subprocess.run(["kill", pid], capture_output=True)
    assert proc.returncode == 0, proc.stderr
    calls = log.read_text(encoding="utf-8").splitlines()
    assert calls == [
        "restart sikondusif-migrate.service | answering:",
        f"restart sikondusif@{ports[0]}.service | answering:",
        f"restart sikondusif@{ports[1]}.service | answering: {ports[0]}",  # the first one is back first
        f"list-unit-files --no-legend sikondusif-sms-gateway.service | answering: {ports[0]} {ports[1]}",
        f"disable --now sikondusif-sms-gateway.service | answering: {ports[0]} {ports[1]}",  # the old reader
        f"try-restart sikondusif-worker.service | answering: {ports[0]} {ports[1]}",  # issue 28: new code last
        f"is-active --quiet sikondusif-worker.service | answering: {ports[0]} {ports[1]}",
    ]
    assert "Selesai" in proc.stdout
    assert ("dan pekerja latar berjalan" in proc.stdout) is worker_running
    assert ("pekerja latar (sikondusif-worker) TIDAK berjalan" in proc.stderr) is not worker_running
    assert (etc / "sikondusif.env").read_text().splitlines() == [
        "KONDUSIF_DATA_DIR=/var/lib/sikondusif", "KONDUSIF_GAMMU_DB=postgresql://smsd:rahasia@127.0.0.1/smsd"]


def test_upgrade_stops_at_a_process_that_does_not_come_back(tmp_path):
    fake = tmp_path / "systemctl"
    fake.write_text(f'#!/usr/bin/env bash\necho "$*" >> {tmp_path}/log\n', encoding="utf-8")
    fake.chmod(0o755)
    port = _free_port()  # nothing will answer there
    env = {**os.environ, "SYSTEMCTL": str(fake), "SIKONDUSIF_PORTS": f"{port} 1", "SIKONDUSIF_UPGRADE_WAIT": "2"}
    proc = subprocess.run(["bash", str(DEPLOY / "sikondusif-upgrade.sh")], env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 1
    assert f"proses {port} tidak sehat" in proc.stderr
    assert (tmp_path / "log").read_text().splitlines() == ["restart sikondusif-migrate.service",
                                                           f"restart sikondusif@{port}.service"]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _units_for_this_checkout(tmp: Path) -> list[Path]:
    """The units with /opt/sikondusif pointed at this checkout (so ExecStart paths exist)."""
    out = []
    for unit in sorted(UNITS.iterdir()):
        text = unit.read_text(encoding="utf-8").replace("/opt/sikondusif", str(ROOT))
        name = unit.name.replace("@.service", "@8501.service")
        (tmp / name).write_text(text, encoding="utf-8")
        out.append(tmp / name)
    return out


def _parse_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None and "=" in line, f"{path.name}:{n}: {raw!r}"
        key, value = line.split("=", 1)
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_systemd_units_verify(tmp_path):
    units = _units_for_this_checkout(tmp_path)
    assert {u.name for u in units} == {
        "sikondusif@8501.service", "sikondusif-migrate.service",
        "sikondusif-backup.service", "sikondusif-backup.timer", "sikondusif-worker.service"}
    for unit in units:  # the parse check every machine can do
        sections = _parse_unit(unit)
        assert "Unit" in sections and ("Service" in sections or "Timer" in sections), unit.name
    app = _parse_unit(tmp_path / "sikondusif@8501.service")["Service"]
    assert "--server.port %i" in app["ExecStart"][0] and "--server.address 127.0.0.1" in app["ExecStart"][0]
    assert app["EnvironmentFile"] == ["/etc/sikondusif/sikondusif.env", "/etc/sikondusif/db.env",
                                      "-/etc/sikondusif/streamlit.env"]
    worker = _parse_unit(tmp_path / "sikondusif-worker.service")["Service"]  # issue 28: same user and env files
    assert worker["ExecStart"] == [f"{ROOT}/.venv/bin/python -m kondusif worker"]
    assert (worker["User"], worker["EnvironmentFile"]) == (app["User"], app["EnvironmentFile"][:2])
    timer = _parse_unit(tmp_path / "sikondusif-backup.timer")["Timer"]
    assert timer["OnCalendar"] == ["*-*-* 01:30:00 Asia/Jakarta"] and timer["Persistent"] == ["true"]
    tool = shutil.which("systemd-analyze")
    if tool:  # the full check where systemd is installed (Debian): unknown keys and bad values are errors here
        proc = subprocess.run([tool, "verify", "--man=no", *map(str, units)], capture_output=True, text=True,
                              timeout=120, cwd=tmp_path)
        assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr


def test_systemd_analyze_reports_a_broken_unit(tmp_path):
    """The check above can fail: an unknown key and a bad value are reported."""
    tool = shutil.which("systemd-analyze")
    broken = tmp_path / "rusak.service"
    broken.write_text("[Unit]\nDescription=x\n[Service]\nExecStart=/bin/true\nRestart=kadang\n", encoding="utf-8")
    if tool:
        proc = subprocess.run([tool, "verify", "--man=no", str(broken)], capture_output=True, text=True, timeout=60)
        assert "rusak.service:5" in proc.stderr and "kadang" in proc.stderr
    else:
        assert _parse_unit(broken)["Service"]["Restart"] == ["kadang"]


def test_logrotate_config_parses(tmp_path):
    tool = shutil.which("logrotate") or "/usr/sbin/logrotate"
    text = (DEPLOY / "logrotate-sikondusif").read_text(encoding="utf-8")
    assert "/var/log/sikondusif/*.log {" in text and "copytruncate" in text
    if os.path.exists(tool):
        conf = tmp_path / "lr.conf"
        conf.write_text(text.replace("/var/log/sikondusif", str(tmp_path)).replace("    su sikondusif sikondusif\n", ""),
                        encoding="utf-8")
        (tmp_path / "aplikasi-8501.log").write_text("baris\n", encoding="utf-8")
        proc = subprocess.run([tool, "-d", "-s", str(tmp_path / "state"), str(conf)], capture_output=True,
                              text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert "error" not in proc.stderr.lower(), proc.stderr


def _backup(dir_: Path, db_url: str, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, "KONDUSIF_DB_URL": db_url, "SIKONDUSIF_BACKUP_DIR": str(dir_),
            "SIKONDUSIF_PYTHON": sys.executable, **env}
    return subprocess.run(["bash", str(DEPLOY / "sikondusif-backup.sh")], capture_output=True, text=True,
                          env=full, timeout=300)


def test_nightly_backup_keeps_recent_ones_and_deletes_old_ones_only_after_success(tmp_path, engine, db_url):
    backups = tmp_path / "cadangan"
    backups.mkdir()
    ext = "dump" if db_url.startswith("postgresql") else "db"
    twenty_days_ago = time.time() - 20 * 86400
    old = [backups / f"sikondusif-201806{d}T183000Z.{ext}" for d in (20, 21, 22, 23)]
    other = backups / "catatan-operator.txt"
    for f in [*old, other]:
        f.write_text("lama", encoding="utf-8")
        os.utime(f, (twenty_days_ago, twenty_days_ago))
    # A failed backup (database unreachable) deletes nothing.
    (tmp_path / "bukan-folder").write_text("x", encoding="utf-8")
    failed = _backup(backups, "postgresql+psycopg://x@127.0.0.1:1/tidakada" if ext == "dump"
                     else f"sqlite:///{tmp_path}/bukan-folder/kondusif.db",
                     SIKONDUSIF_BACKUP_KEEP_DAYS="14", SIKONDUSIF_BACKUP_KEEP_MIN="3")
    assert failed.returncode != 0
    assert all(f.exists() for f in old)
    proc = _backup(backups, db_url, SIKONDUSIF_BACKUP_KEEP_DAYS="14", SIKONDUSIF_BACKUP_KEEP_MIN="3")
    assert proc.returncode == 0, proc.stderr
    new = sorted(backups.glob(f"sikondusif-2*Z.{ext}"))
    # Kept: today's backup and the two newest old ones (3 newest always kept); the older two are gone.
    assert [f.name for f in new[:-1]] == [f"sikondusif-20180622T183000Z.{ext}", f"sikondusif-20180623T183000Z.{ext}"]
    assert new[-1].stat().st_size > 0 and other.exists()
    if ext == "db":
        with sqlite3.connect(new[-1]) as conn:
            assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    assert "2 dihapus" in proc.stdout


def test_the_server_cli_wrapper_reads_the_env_files(tmp_path, db_url):
    etc = tmp_path / "etc"
    etc.mkdir()
    data = tmp_path / "data-server"
    example = (DEPLOY / "sikondusif.env.example").read_text(encoding="utf-8")
    (etc / "sikondusif.env").write_text(example.replace("/var/lib/sikondusif", str(data)), encoding="utf-8")
    (etc / "db.env").write_text(f"KONDUSIF_DB_URL={db_url}\n", encoding="utf-8")
    (etc / "db-admin.env").write_text("KONDUSIF_DB_URL=postgresql+psycopg://pemilik@127.0.0.1:1/tidakada\n",
                                      encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KONDUSIF_")}
    env.update(SIKONDUSIF_ETC=str(etc), SIKONDUSIF_USER="root" if os.geteuid() == 0 else "")
    proc = subprocess.run(["bash", str(DEPLOY / "sikondusif-cli.sh"), "init"], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Basis data siap" in proc.stdout and (data / "kunci-sesi.key").exists()
    owner = subprocess.run(["bash", str(DEPLOY / "sikondusif-cli.sh"), "--pemilik", "info"], env=env,
                           capture_output=True, text=True, timeout=300)
    assert owner.returncode != 0  # the owner URL (a closed port here) is the one used


def test_the_site_gzips_text_files_for_weak_phone_signals(tmp_path):
    """Issue 26: nginx compresses the app's CSS/JS, /rt/ and its JSON; nginx -t accepts it."""
    site = render.render("sikondusif.test", [8501], "/c.pem", "/k.pem")
    lines = [line.strip() for line in site.splitlines()]
    assert "gzip on;" in lines and "gzip_proxied any;" in lines
    types = " ".join(lines[lines.index(next(x for x in lines if x.startswith("gzip_types"))):][:2])
    for kind in ("text/css", "application/javascript", "text/javascript", "application/json",
                 "application/manifest+json"):
        assert kind in types
