"""Issue 27.4: the shipped nginx site (deploy/render.py) never writes an SMSsync phone's secret to its log.

SMSsync puts the secret in the task URL (`?task=send&secret=…`). The rendered site is run by the
real Debian nginx in front of a stand-in upstream; the access log is then grepped.
"""

from __future__ import annotations

import http.server
import os
import shutil
import signal
import ssl
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
sys.path.insert(0, str(ROOT / "tests" / "deploy"))
sys.path.insert(0, str(ROOT / "tests"))
import render  # noqa: E402
from polling import wait_until  # noqa: E402
from test_deploy_files import self_signed  # noqa: E402

SECRET = "k7mpx-2qrst-uvwxy-z2345-6789a"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Upstream(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = b'{"payload": {"success": true, "error": null}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:  # quiet
        pass


def _get(url: str) -> int:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the throw-away self-signed certificate of this test
    try:
        with urllib.request.urlopen(url, timeout=10, context=ctx) as resp:  # noqa: S310 - loopback
            return resp.status
    except OSError:
        return 0


def test_the_rendered_site_names_a_query_free_log_line_for_the_sync_url():
    site = render.render("sikondusif.example.go.id", [8501], "/c.pem", "/k.pem", limit_bytes=10 * 1024 * 1024)
    block = site[site.index("location = /sms/smssync {"):]
    block = block[:block.index("}")]
    assert "access_log /var/log/nginx/sikondusif.access.log sikondusif_tanpa_query;" in block
    fmt = site[site.index("log_format sikondusif_tanpa_query"):]
    fmt = fmt[:fmt.index(";")]
    for leaks in ("$request ", "$request\"", "$request_uri", "$args", "$query_string", "$is_args"):
        assert leaks not in fmt, leaks
    assert "$uri" in fmt


@pytest.mark.skipif(not os.path.exists(NGINX), reason="Debian nginx is not installed")
def test_nginx_logs_the_sync_url_without_the_secret_and_other_paths_as_before(tmp_path):
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    cert, key = self_signed(tmp_path)
    https_port, http_port = _free_port(), _free_port()
    prefix = tmp_path / "nginx"
    logs = prefix / "logs"
    logs.mkdir(parents=True)
    site = render.render("127.0.0.1", [upstream.server_address[1]], str(cert), str(key), https_port=https_port,
                         http_port=http_port, log_dir=str(logs), limit_bytes=1024 * 1024)
    (prefix / "sikondusif.conf").write_text(site.replace("listen [::]:", "# listen [::]:"), encoding="utf-8")
    user = "user root;\n" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {logs}/main-error.log;\n"
        f"events {{ worker_connections 64; }}\nhttp {{\n  include {prefix}/sikondusif.conf;\n}}\n", encoding="utf-8")
    proc = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    url = f"https://127.0.0.1:{https_port}"
    try:
        wait_until(lambda: proc.poll() is not None or _get(f"{url}/") == 200, timeout=30, message="nginx")
        assert proc.poll() is None, proc.stderr.read().decode(errors="replace")
        assert _get(f"{url}/sms/smssync?task=send&secret={SECRET}") == 200
        assert _get(f"{url}/sms/smssync?task=result&secret={SECRET}") == 200
        assert _get(f"{url}/peta?kelurahan=air-kuti") == 200
        access = logs / "sikondusif.access.log"
        # nginx writes a request's line once the response is done: wait for the last one.

        def complete() -> str | None:
            text = access.read_text(encoding="utf-8") if access.exists() else ""
            return text if "/peta?" in text else None

        log = wait_until(complete, timeout=10, message="the access log lines")
        lines = log.splitlines()
        assert sum('"GET /sms/smssync HTTP/1.1" 200' in line for line in lines) == 2, log
        assert SECRET not in log and "secret=" not in log
        assert '"GET /peta?kelurahan=air-kuti HTTP/1.1" 200' in log  # other paths keep their query string
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGQUIT)
            proc.wait(timeout=20)
        upstream.shutdown()
