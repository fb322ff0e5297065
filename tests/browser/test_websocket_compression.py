"""Issue 26: the app's server offers permessage-deflate on /_stcore/stream, so a Ketua RT on a slow
phone link gets the Streamlit deltas compressed (`server.enableWebsocketCompression` in
.streamlit/config.toml; Streamlit passes it to uvicorn's `ws_per_message_deflate`)."""

from __future__ import annotations

import base64
import os
import socket
from urllib.parse import urlsplit

from browser_helpers import app_env, run_app


def handshake(url: str, extensions: str | None) -> str:
    """The raw HTTP answer to a WebSocket upgrade of /_stcore/stream, headers only."""
    parts = urlsplit(url)
    lines = [
        "GET /_stcore/stream HTTP/1.1",
        f"Host: {parts.netloc}",
        f"Origin: {url}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}",
        "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Protocol: streamlit",
    ]
    if extensions:
        lines.append(f"Sec-WebSocket-Extensions: {extensions}")
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer.split(b"\r\n\r\n")[0].decode("latin-1")


def header(answer: str, name: str) -> str:
    for line in answer.split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return ""


def test_the_stream_offers_permessage_deflate_to_a_browser_that_asks(db_url):
    with run_app(app_env(db_url)) as running:
        asked = handshake(running.url, "permessage-deflate; client_max_window_bits")
        plain = handshake(running.url, None)
    assert asked.startswith("HTTP/1.1 101"), asked
    assert header(asked, "Sec-WebSocket-Extensions").startswith("permessage-deflate"), asked
    assert plain.startswith("HTTP/1.1 101") and header(plain, "Sec-WebSocket-Extensions") == "", plain
