"""SiKondusif Lubuklinggau: the server entry point (`make run`, `streamlit run app.py`).

An `st.App` (Streamlit's ASGI app, served by uvicorn) around dashboard.py, adding the
HTTP edge from kondusif.web: the login/logout routes that set the HttpOnly session
cookie, security headers on every response and /_stcore/metrics for admins only.
`uvicorn app:app` serves the same object.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from contextlib import asynccontextmanager

import streamlit as st
from starlette.middleware import Middleware

from kondusif.secrets_file import signing_key
from kondusif.sms.gateways import watch_silence
from kondusif.ui.errors import on_script_error
from kondusif.web.middleware import SecurityMiddleware
from kondusif.web.routes import routes

os.umask(0o077)  # every file this process creates (store, WAL/SHM, key, exports) is 0600


@asynccontextmanager
async def _lifespan(_app):
    signing_key()  # the first start creates the installation's key (0600) before any login
    watch = asyncio.create_task(watch_silence())  # issue 15: alert when SMS stop arriving on election day
    try:
        yield
    finally:
        watch.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watch


app = st.App(
    "dashboard.py",
    routes=routes(),
    middleware=[Middleware(SecurityMiddleware)],
    on_script_error=on_script_error,
    lifespan=_lifespan,
)

if __name__ == "__main__":
    app.run()
