"""Write the nginx site for SiKondusif from deploy/nginx-sikondusif.conf.in (issue 16).

    /opt/sikondusif/.venv/bin/python deploy/render.py --server-name sikondusif.example.go.id \
        --ports 8501,8502 --out /etc/nginx/sites-available/sikondusif

The upload limit comes from the app's own settings (kondusif.config: max_upload_bytes,
max_photo_bytes) and .streamlit/config.toml (server.maxUploadSize), so nginx never refuses
a file the app would accept, nor lets through one much larger.
"""

from __future__ import annotations

import argparse
import math
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name("nginx-sikondusif.conf.in")
MULTIPART_MARGIN_MIB = 1  # the multipart envelope around the largest file


def app_upload_limit_bytes() -> int:
    """The largest file the app accepts: its settings and Streamlit's own upload cap."""
    sys.path.insert(0, str(ROOT))
    from kondusif.config import settings

    conf = settings()
    limit = max(conf.max_upload_bytes, conf.max_photo_bytes)
    st_conf = ROOT / ".streamlit" / "config.toml"
    if st_conf.exists():
        mb = tomllib.loads(st_conf.read_text(encoding="utf-8")).get("server", {}).get("maxUploadSize")
        if mb:
            limit = min(limit, int(mb) * 1024 * 1024)  # Streamlit refuses anything larger anyway
    return limit


def body_limit(limit_bytes: int) -> str:
    return f"{math.ceil(limit_bytes / (1024 * 1024)) + MULTIPART_MARGIN_MIB}m"


UPSTREAM_MAX_FAILS = 3  # one refused or reset connection must not take a healthy process out
UPSTREAM_FAIL_TIMEOUT = "10s"


def app_idle_close_seconds() -> int:
    """How long the app keeps an idle HTTP/1.1 connection open: uvicorn's timeout_keep_alive.

    Streamlit's server passes no value, so uvicorn's default applies; read it from uvicorn
    itself so an upgrade that changes it changes the site too.
    """
    import inspect

    import uvicorn

    return int(inspect.signature(uvicorn.Config.__init__).parameters["timeout_keep_alive"].default)


def upstream_keepalive(idle_close: int) -> str:
    """nginx must drop an idle connection before the app does, or it reuses one the app just closed."""
    return f"{max(1, idle_close - 1)}s"


def render(server_name: str, ports: list[int], cert: str, key: str, https_port: int = 443,
           http_port: int = 80, log_dir: str = "/var/log/nginx", limit_bytes: int | None = None,
           show_upstream: bool = False) -> str:
    """The site text. `show_upstream` (tests only) names the serving app process in a response header."""
    if len(ports) < 1 or len(set(ports)) != len(ports):
        raise ValueError("Port proses aplikasi harus berbeda satu sama lain.")
    fails = f"max_fails={UPSTREAM_MAX_FAILS} fail_timeout={UPSTREAM_FAIL_TIMEOUT}"
    servers = "\n".join(f"    server 127.0.0.1:{p} {fails};" for p in ports)
    idle = app_idle_close_seconds()
    keepalive = upstream_keepalive(idle)
    groups = []
    for p in ports:
        backups = "".join(f"    server 127.0.0.1:{o} backup;\n" for o in ports if o != p)
        groups.append(f"upstream sikondusif_p{p} {{\n    server 127.0.0.1:{p} {fails};\n{backups}"
                      f"    keepalive 16;\n    keepalive_timeout {keepalive};\n}}\n")
    values = {
        "SERVERS": servers,
        "KEEPALIVE": keepalive,
        "APP_IDLE": str(idle),
        "MAX_FAILS": str(UPSTREAM_MAX_FAILS),
        "FAIL_TIMEOUT": UPSTREAM_FAIL_TIMEOUT,
        "PER_PROCESS": "".join(groups),
        "PROCESS_MAP": "".join(f'    "127.0.0.1:{p}" sikondusif_p{p};\n' for p in ports),
        "SERVER_NAME": server_name,
        "HTTP_PORT": str(http_port),
        "HTTPS_PORT": str(https_port),
        "HTTPS_SUFFIX": "" if https_port == 443 else f":{https_port}",
        "CERT": cert,
        "KEY": key,
        "LOG_DIR": log_dir,
        "BODY_LIMIT": body_limit(app_upload_limit_bytes() if limit_bytes is None else limit_bytes),
        "EXTRA": "        add_header X-SiKondusif-Proses $upstream_addr always;\n" if show_upstream else "",
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace(f"@@{name}@@", value)
    if "@@" in text:
        raise ValueError("Templat nginx memuat penanda yang tidak dikenal.")
    return text


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Buat berkas situs nginx SiKondusif.")
    p.add_argument("--server-name", required=True, help="nama host, mis. sikondusif.lubuklinggaukota.go.id")
    p.add_argument("--ports", default="8501,8502", help="port proses aplikasi (sama dengan sikondusif@PORT)")
    p.add_argument("--cert", default=None, help="sertifikat TLS (bawaan: Let's Encrypt untuk --server-name)")
    p.add_argument("--key", default=None, help="kunci sertifikat TLS")
    p.add_argument("--https-port", type=int, default=443)
    p.add_argument("--http-port", type=int, default=80)
    p.add_argument("--log-dir", default="/var/log/nginx")
    p.add_argument("--out", type=Path, required=True, help="berkas tujuan")
    args = p.parse_args(argv)
    le = Path("/etc/letsencrypt/live") / args.server_name
    try:
        ports = [int(x) for x in args.ports.split(",") if x.strip()]
        text = render(args.server_name, ports, args.cert or str(le / "fullchain.pem"),
                      args.key or str(le / "privkey.pem"), args.https_port, args.http_port, args.log_dir)
    except ValueError as exc:
        print(f"Galat: {exc}", file=sys.stderr)
        return 2
    args.out.write_text(text, encoding="utf-8")
    print(f"Situs nginx ditulis ke {args.out} ({len(ports)} proses aplikasi).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
