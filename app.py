"""SiKondusif Lubuklinggau: the server entry point (`make run`, `streamlit run app.py`).

An `st.App` (Streamlit's ASGI app, served by uvicorn) around dashboard.py, adding the
HTTP edge from kondusif.web: the login/logout routes that set the HttpOnly session
cookie, security headers on every response and /_stcore/metrics for admins only.
`uvicorn app:app` serves the same object.
"""

from __future__ import annotations

import os

import streamlit as st
from starlette.middleware import Middleware

from kondusif.ui.errors import on_script_error
from kondusif.web.compression import StaticGZipMiddleware
from kondusif.web.lifespan import lifespan
from kondusif.web.lost_uploads import LostUploadMiddleware
from kondusif.web.middleware import SecurityMiddleware
from kondusif.web.routes import routes

os.umask(0o077)  # every file this process creates (store, WAL/SHM, key, exports) is 0600


app = st.App(
    "dashboard.py",
    routes=routes(),
    # issue 26: gzip for Streamlit's bundle, the map files and /rt/ (Streamlit skips its static files)
    middleware=[Middleware(StaticGZipMiddleware), Middleware(SecurityMiddleware),
                Middleware(LostUploadMiddleware)],  # issue 31: a photo refused after a failover
    on_script_error=on_script_error,
    lifespan=lifespan,  # the signing key (background work runs in `python -m kondusif worker`)
)

if __name__ == "__main__":
    app.run()
