"""Call the RT page's routes as ASGI, the way uvicorn does (multipart bodies, cookies, Origin)."""

from __future__ import annotations

import asyncio
import secrets
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.middleware import Middleware

from kondusif.accounts import auth_tokens
from kondusif.web import routes
from kondusif.web.middleware import SecurityMiddleware

HOST = "sikondusif.lubuklinggau.test"
ORIGIN = f"http://{HOST}"


def build_app() -> Starlette:
    return Starlette(routes=routes.routes(), middleware=[Middleware(SecurityMiddleware)])


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]] | None = None) -> tuple[bytes, str]:
    boundary = "----uji" + secrets.token_hex(8)
    out = b""
    for name, value in fields.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").encode()
    for name, (filename, data, ctype) in (files or {}).items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n"
                f"Content-Type: {ctype}\r\n\r\n").encode() + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


class Browser:
    """One phone: a cookie jar, this site's Origin on every POST."""

    def __init__(self, app: Starlette, peer: str = "10.2.2.2") -> None:
        self.app, self.peer, self.cookie = app, peer, None

    def request(self, method: str, path: str, *, body: bytes = b"", ctype: str | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, list[str]], bytes]:
        raw = [(b"host", HOST.encode())]
        if ctype:
            raw.append((b"content-type", ctype.encode()))
        if self.cookie:
            raw.append((b"cookie", f"{auth_tokens.COOKIE_NAME}={self.cookie}".encode()))
        raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        path, _, query = path.partition("?")
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
                 "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
                 "headers": raw, "client": (self.peer, 50000), "server": (HOST, 80), "root_path": ""}
        sent: list[dict] = []
        chunks = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive():
            if chunks:
                return chunks.pop(0)
            await asyncio.Event().wait()  # the client stays connected until the answer is sent
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)

        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(asyncio.run, self.app(scope, receive, send)).result()
        start = next(m for m in sent if m["type"] == "http.response.start")
        found: dict[str, list[str]] = {}
        for k, v in start["headers"]:
            found.setdefault(k.decode().lower(), []).append(v.decode())
        for value in found.get("set-cookie", []):
            if value.startswith(auth_tokens.COOKIE_NAME + "="):
                token = value.split(";")[0].split("=", 1)[1].strip('"')
                self.cookie = token or None
        body_out = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return start["status"], found, body_out

    def login(self, username: str, password: str, next_path: str = "/rt/") -> tuple[int, str]:
        status, headers, _ = self.request(
            "POST", routes.LOGIN_PATH, body=urlencode({"username": username, "password": password,
                                                       "next": next_path}).encode(),
            ctype="application/x-www-form-urlencoded", headers={"Origin": ORIGIN})
        return status, headers.get("location", [""])[0]

    def get_json(self, path: str) -> tuple[int, dict]:
        import json

        status, _, body = self.request("GET", path)
        return status, json.loads(body)

    def post(self, path: str, fields: dict[str, str], *, csrf: str | None, origin: str | None = ORIGIN,
             files: dict[str, tuple[str, bytes, str]] | None = None) -> tuple[int, dict]:
        import json

        body, ctype = multipart(fields, files)
        headers = {}
        if origin:
            headers["Origin"] = origin
        if csrf is not None:
            headers["X-CSRF"] = csrf
        status, _, out = self.request("POST", path, body=body, ctype=ctype, headers=headers)
        return status, json.loads(out)
