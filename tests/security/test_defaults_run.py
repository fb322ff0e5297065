"""Defaults run (issue 18 item 11, issue 11): no secret set, fresh data dir, README's commands.

The autouse fixture of tests/conftest.py sets a secret for every other test; here it is
removed again, so what ships is what is attacked.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from browser_helpers import ROOT, run_app

from kondusif.accounts import auth_tokens
from kondusif.config import settings
from kondusif.secrets_file import KEY_FILE_NAME

# The key that earlier versions shipped in kondusif/config.py and printed in the docs.
OLD_PUBLISHED_KEY = "sikondusif-demo-secret-change-me"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def shipped_env(tmp_path, monkeypatch) -> dict[str, str]:
    """The environment of a fresh `make run`: no secret, no DB URL, an empty data dir."""
    data = tmp_path / "data"
    monkeypatch.delenv("KONDUSIF_SECRET_KEY", raising=False)
    monkeypatch.delenv("KONDUSIF_DB_URL", raising=False)
    monkeypatch.setenv("KONDUSIF_DATA_DIR", str(data))
    settings.cache_clear()
    env = {k: v for k, v in os.environ.items() if k not in ("KONDUSIF_SECRET_KEY", "KONDUSIF_DB_URL")}
    env["PYTHONUNBUFFERED"] = "1"
    yield env
    settings.cache_clear()


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kondusif", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=600, check=True)


@pytest.fixture
def prepared(shipped_env) -> tuple[dict[str, str], str]:
    """`python -m kondusif prepare` on the fresh data dir; returns (env, the demo admin's password)."""
    out = cli(shipped_env, "prepare", "--n", "40").stdout
    password = re.search(r"^\s+admin\s+admin\s+(\S+)", out, flags=re.M).group(1)
    return shipped_env, password


def request(url: str, *, cookie: str | None = None, data: dict | None = None,
            headers: dict | None = None) -> tuple[int, dict[str, list[str]], bytes]:
    """One HTTP request without following redirects: (status, headers (lower-case, all values), body)."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    req = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode() if data else None,
                                 headers=dict(headers or {}))
    if cookie:
        req.add_header("Cookie", f"{auth_tokens.COOKIE_NAME}={cookie}")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        resp = opener.open(req, timeout=30)
    except urllib.error.HTTPError as err:
        resp = err
    found: dict[str, list[str]] = {}
    for k, v in resp.headers.items():
        found.setdefault(k.lower(), []).append(v)
    return resp.status, found, resp.read()


def login_cookie(base: str, username: str, password: str) -> str:
    status, headers, _ = request(f"{base}/sesi/masuk", data={"username": username, "password": password,
                                                                "next": "/"}, headers={"Origin": base})
    assert status == 303
    (set_cookie,) = [c for c in headers.get("set-cookie", []) if c.startswith(auth_tokens.COOKIE_NAME + "=")]
    return set_cookie.split(";", 1)[0].split("=", 1)[1]


def test_no_signing_key_literal_in_the_code():
    offenders = []
    for path in (ROOT / "kondusif").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assigned = re.search(r"(?i)\b\w*(secret|signing)\w*\s*[=:]\s*[\"'][^\"']{12,}[\"']", text)
        signer = re.search(r"Serializer\(\s*[\"']|Signer\(\s*[\"']|hmac\.new\(\s*b?[\"']", text)
        if OLD_PUBLISHED_KEY in text or assigned or signer:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_forged_admin_tokens_with_the_old_key_are_refused(prepared):
    env, _ = prepared
    data = Path(env["KONDUSIF_DATA_DIR"])
    key_file = data / KEY_FILE_NAME
    assert key_file.exists() and mode(key_file) == 0o600
    assert OLD_PUBLISHED_KEY not in key_file.read_text()
    assert len(key_file.read_text().strip()) >= 64
    for epoch in range(21):
        forged = auth_tokens.issue("admin", epoch, secret=OLD_PUBLISHED_KEY)
        assert auth_tokens.read(forged) is None, epoch
    # The installation's own key does sign valid tokens (the check above can fail).
    assert auth_tokens.read(auth_tokens.issue("admin", 0)).username == "admin"


def test_the_running_app_refuses_forged_cookies_and_hides_metrics(prepared):
    env, admin_password = prepared
    data = Path(env["KONDUSIF_DATA_DIR"])
    with run_app(env) as running:
        base = running.url
        # What an outsider tries first: the old key, every epoch, on the page and on metrics.
        for epoch in range(21):
            forged = auth_tokens.issue("admin", epoch, secret=OLD_PUBLISHED_KEY)
            status, headers, _ = request(base + "/", cookie=forged)
            assert status == 200
            deleted = [c for c in headers.get("set-cookie", []) if c.startswith(auth_tokens.COOKIE_NAME + "=")]
            assert deleted and "Max-Age=0" in deleted[0], epoch  # refused: the server deletes it
            assert request(base + "/_stcore/metrics", cookie=forged)[0] == 404, epoch
        assert request(base + "/_stcore/metrics")[0] == 404

        # Security headers on the page itself.
        _, headers, _ = request(base + "/")
        assert "frame-ancestors 'self'" in headers["content-security-policy"][0]
        assert headers["x-content-type-options"] == ["nosniff"]
        assert headers["referrer-policy"] == ["same-origin"]

        # A real admin login: the cookie opens metrics, and is HttpOnly + SameSite=Strict.
        status, headers, _ = request(f"{base}/sesi/masuk", headers={"Origin": base},
                                     data={"username": "admin", "password": admin_password, "next": "/"})
        (set_cookie,) = [c for c in headers["set-cookie"] if c.startswith(auth_tokens.COOKIE_NAME + "=")]
        assert "HttpOnly" in set_cookie and "SameSite=strict" in set_cookie and "Path=/" in set_cookie
        token = set_cookie.split(";", 1)[0].split("=", 1)[1]
        assert request(base + "/_stcore/metrics", cookie=token)[0] == 200

        # Every file the app and the CLI keep in the data dir is the owner's only.
        files = [p for p in data.iterdir() if p.is_file()]
        names = {p.name for p in files}
        assert {"kondusif.db", "kondusif.db-wal", "kondusif.db-shm", KEY_FILE_NAME} <= names
        assert {p.name: oct(mode(p)) for p in files} == {p.name: oct(0o600) for p in files}

        # A second app process on the same data accepts the first one's login (one key).
        with run_app(env) as second:
            assert request(second.url + "/_stcore/metrics", cookie=token)[0] == 200
            forged = auth_tokens.issue("admin", 0, secret=OLD_PUBLISHED_KEY)
            assert request(second.url + "/_stcore/metrics", cookie=forged)[0] == 404


def test_backups_and_cli_exports_are_private(prepared, tmp_path):
    env, _ = prepared
    out = tmp_path / "keluar"
    cli(env, "backup", "--out", str(out / "cadangan.db"))
    bad = tmp_path / "masuk.csv"
    bad.write_text("kategori,kelurahan,waktu,judul\nbukan-kategori,Kelurahan Khayalan,kemarin,Uji\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "kondusif", "import", str(bad), "--dry-run", "--as", "admin",
                    "--rejects", str(out / "ditolak.csv")], cwd=ROOT, env=env, capture_output=True, timeout=300)
    cli(env, "weekly-report", "--week", "2018-W26", "--out", str(out / "laporan.pdf"))
    written = sorted(p for p in out.iterdir() if p.is_file())
    assert {p.name for p in written} >= {"cadangan.db", "ditolak.csv", "laporan.pdf"}
    assert {p.name: oct(mode(p)) for p in written} == {p.name: oct(0o600) for p in written}


def test_two_processes_starting_at_once_agree_on_one_key(shipped_env):
    code = "from kondusif.secrets_file import signing_key; print(signing_key())"
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=shipped_env, stdout=subprocess.PIPE,
                              text=True) for _ in range(4)]
    keys = {p.communicate(timeout=120)[0].strip() for p in procs}
    assert len(keys) == 1 and len(next(iter(keys))) >= 64
    key_file = Path(shipped_env["KONDUSIF_DATA_DIR"]) / KEY_FILE_NAME
    assert key_file.read_text().strip() in keys and mode(key_file) == 0o600
    # no temporary left behind (geo-bawaan is the test session's boundaries, linked in by conftest)
    assert sorted(p.name for p in key_file.parent.iterdir() if p.name != "geo-bawaan") == [KEY_FILE_NAME]


def test_a_key_from_the_environment_still_wins(shipped_env, monkeypatch):
    monkeypatch.setenv("KONDUSIF_SECRET_KEY", "kunci-dari-lingkungan-" + "q" * 30)
    settings.cache_clear()
    token = auth_tokens.issue("admin", 0)
    assert auth_tokens.read(token, secret="kunci-dari-lingkungan-" + "q" * 30) is not None
    assert not (Path(shipped_env["KONDUSIF_DATA_DIR"]) / KEY_FILE_NAME).exists()
