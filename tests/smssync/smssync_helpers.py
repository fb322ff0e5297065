"""Helpers of the SMSsync tests (fixture in conftest.py).

The tests run the real app (`streamlit run app.py`, the st.App entry) once per module and
talk to it over a socket with requests recorded the way SMSsync sends them (tests/smssync/recorded/).

`gateway` (module): the running app with its own data dir and store (SQLite, or a fresh PostgreSQL
database when the suite runs on PostgreSQL), KONDUSIF_TRUSTED_PROXIES=127.0.0.1 so each test can
speak from its own client address (X-Forwarded-For), and a kondusif.toml with a small rate limit.
"""

from __future__ import annotations

import http.client
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa

# Read at collection, before any test changes the environment (as tests/conftest.py does).
BASE_DB_URL = os.environ.get("KONDUSIF_DB_URL", "")
RECORDED = Path(__file__).resolve().parent / "recorded"
RATE_PER_MINUTE = 30


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Gateway:
    url: str
    db_url: str
    data_dir: Path
    secrets: dict[str, str] = field(default_factory=dict)  # phone label -> its secret (shown once at registration)

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    def engine(self):
        from kondusif import store

        return store.get_engine(self.db_url)

    def secret(self, label: str = "uji-posko") -> str:
        """The secret of the gateway phone `label`, registered by the admin on first use (as on Gerbang SMS)."""
        from kondusif.model import Role, Viewer
        from kondusif.sms import smssync

        if label not in self.secrets:
            _, self.secrets[label] = smssync.register_phone(self.engine(), Viewer("uji-admin", Role.ADMIN, "Admin"),
                                                            label)
        return self.secrets[label]

    def phone(self, label: str = "uji-posko"):
        from kondusif.sms import smssync

        return smssync.phone_for_secret(self.engine(), self.secret(label))

    def raw(self, request: bytes) -> Answer:
        """Send these exact bytes; read one HTTP response."""
        parts = urlsplit(self.url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        conn.connect()
        try:
            conn.sock.sendall(request)
            resp = http.client.HTTPResponse(conn.sock, method=request.split(b" ", 1)[0].decode())
            resp.begin()
            body = resp.read()
            return Answer(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
        finally:
            conn.close()

    def recorded(self, name: str, address: str | None = None, **values: str) -> Answer:
        """A recorded request with its {{PLACEHOLDERS}} filled (Content-Length recomputed)."""
        text = (RECORDED / name).read_text(encoding="utf-8").replace("\r\n", "\n")
        head, _, body = text.partition("\n\n")
        values = {"SECRET": self.secret(), "HOST": self.host, **values}
        for key, value in values.items():
            head, body = head.replace("{{" + key + "}}", value), body.replace("{{" + key + "}}", value)
        body_bytes = body.encode("utf-8")
        head = head.replace("{{LENGTH}}", str(len(body_bytes)))
        lines = head.split("\n")
        if address:
            lines.insert(1, f"X-Forwarded-For: {address}")
        assert "{{" not in head + body, f"unfilled placeholder in {name}"
        return self.raw(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body_bytes)

    def post_form(self, fields: dict[str, str], address: str | None = None, path: str = "/sms/smssync") -> Answer:
        from urllib.parse import urlencode

        body = urlencode(fields).encode()
        head = [f"POST {path} HTTP/1.1", f"Host: {self.host}", "Connection: close",
                "Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        if address:
            head.append(f"X-Forwarded-For: {address}")
        return self.raw(("\r\n".join(head) + "\r\n\r\n").encode() + body)


def new_message_id() -> str:
    return str(uuid.uuid4())


def _pg_url(base: str, name: str) -> str:
    return sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)


def is_postgres() -> bool:
    return BASE_DB_URL.startswith("postgresql")
