"""Issue 31.2: an upload this process refused is remembered for the browser that sent it, once."""

from __future__ import annotations

import asyncio
import threading

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from kondusif.accounts import auth_tokens
from kondusif.ui import taps
from kondusif.web import lost_uploads


def _upload(request: Request) -> PlainTextResponse:
    # like Streamlit's handler: a session this process does not know is refused
    if request.path_params["session"] != "sesi-di-sini":
        return PlainTextResponse("Invalid session_id", status_code=400)
    return PlainTextResponse("", status_code=204)


APP = Starlette(routes=[Route("/_stcore/upload_file/{session}/{file}", _upload, methods=["PUT", "DELETE"])],
                middleware=[Middleware(lost_uploads.LostUploadMiddleware)])


def _put(path: str, token: str | None, method: str = "PUT") -> int:
    cookie = [(b"cookie", f"{auth_tokens.COOKIE_NAME}={token}".encode())] if token else []
    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": cookie, "http_version": "1.1", "scheme": "http", "server": ("127.0.0.1", 8501),
             "client": ("127.0.0.1", 5000), "root_path": ""}
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    # A thread of its own: a browser test earlier in the same run may leave Playwright's loop running here.
    runner = threading.Thread(target=lambda: asyncio.run(APP(scope, receive, send)))
    runner.start()
    runner.join()
    return sent[0]["status"]


@pytest.fixture(autouse=True)
def _clean():
    lost_uploads._notes.clear()
    yield
    lost_uploads._notes.clear()


def test_a_refused_upload_makes_the_form_ask_for_the_photo_once():
    assert _put("/_stcore/upload_file/sesi-proses-mati/f1", "kuki-rt-03") == 400
    assert taps.photo_lost(None, "kuki-rt-05") is False  # another browser's form is not held up
    assert taps.photo_lost(None, "kuki-rt-03") is True   # this one is asked for the photo
    assert taps.photo_lost(None, "kuki-rt-03") is False  # once: a tap without a photo then files


def test_an_accepted_upload_or_a_photo_that_arrived_asks_nothing():
    assert _put("/_stcore/upload_file/sesi-di-sini/f1", "kuki-rt-03") == 204
    assert taps.photo_lost(None, "kuki-rt-03") is False
    assert _put("/_stcore/upload_file/sesi-proses-mati/f2", "kuki-rt-03") == 400

    class Photo:  # an UploadedFile: it has its bytes
        def getvalue(self) -> bytes:
            return b"\xff\xd8"

    assert taps.photo_lost(Photo(), "kuki-rt-03") is False  # chosen again and arrived: the note goes
    assert taps.photo_lost(None, "kuki-rt-03") is False


def test_a_refused_upload_without_a_sign_in_cookie_or_other_requests_note_nothing():
    assert _put("/_stcore/upload_file/sesi-proses-mati/f1", None) == 400
    assert _put("/_stcore/upload_file/sesi-proses-mati/f1", "kuki-rt-03", method="DELETE") == 400
    assert lost_uploads._notes == {}
    assert taps.photo_lost(None, None) is False
