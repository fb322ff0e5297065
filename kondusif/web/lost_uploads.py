"""Photos a browser chose whose upload this process refused (issue 31, failover of the RT form).

When the process a browser was on dies while a chosen photo is still uploading, nginx sends
the upload on to the process that takes over. That process does not know the old session and
answers 400, and Streamlit's uploader then leaves the file out of the form's value: the next
tap would file the report WITHOUT the photo and without a word. The browser's new session
lands on the same process (nginx routes both by the process cookie), so this process notes
the refused upload under the browser's sign-in cookie and the report form asks for the photo
again instead of filing. Kept in memory: a note older than NOTE_SECONDS is forgotten.
"""

from __future__ import annotations

import threading
import time

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kondusif.accounts import auth_tokens

UPLOAD_PREFIX = "/_stcore/upload_file/"
NOTE_SECONDS = 30 * 60  # long enough for an RT to come back to the form, short enough to forget

_lock = threading.Lock()
_notes: dict[str, float] = {}  # sign-in cookie -> monotonic time of the last refused upload


def note_refused(token: str) -> None:
    """Remember that this browser's photo upload did not arrive."""
    with _lock:
        now = time.monotonic()
        for old in [t for t, at in _notes.items() if now - at > NOTE_SECONDS]:
            del _notes[old]
        _notes[token] = now


def take_refused(token: str | None) -> bool:
    """True (once) when an upload of this browser was refused recently; the note is then gone."""
    if not token:
        return False
    with _lock:
        at = _notes.pop(token, None)
    return at is not None and time.monotonic() - at <= NOTE_SECONDS


def forget(token: str | None) -> None:
    """A photo arrived after all: drop any older note of this browser."""
    if token:
        with _lock:
            _notes.pop(token, None)


class LostUploadMiddleware:
    """Notes every upload of a signed-in browser that this process answered with an error."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "PUT" or not scope["path"].startswith(UPLOAD_PREFIX):
            await self.app(scope, receive, send)
            return
        token = HTTPConnection(scope).cookies.get(auth_tokens.COOKIE_NAME)

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 400 and token:
                note_refused(token)
            await send(message)

        await self.app(scope, receive, watch)
