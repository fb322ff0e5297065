"""One app process for the login race tests: the real HTTP edge (routes + middleware) under uvicorn.

Run as `python login_server.py PORT COUNT_FILE`. Every password check against a stored
hash appends one line to COUNT_FILE (O_APPEND, one write per line, so lines from two
processes never mix): the tests count the guesses the app really evaluated. The argon2
hasher is a cheap one so a hundred parallel checks do not need 64 MiB each.
"""

from __future__ import annotations

import os
import sys

import uvicorn
from argon2 import PasswordHasher
from starlette.applications import Starlette
from starlette.middleware import Middleware

from kondusif.accounts import auth
from kondusif.web import routes as web_routes
from kondusif.web.middleware import SecurityMiddleware


def main() -> None:
    port, count_file = int(sys.argv[1]), sys.argv[2]
    real_verify = auth.verify_password
    auth.HASHER = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)

    def counting_verify(stored: str | None, password: str) -> bool:
        ok = real_verify(stored, password)
        fd = os.open(count_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, f"{os.getpid()} {'benar' if ok else 'salah'}\n".encode())
        finally:
            os.close(fd)
        return ok

    auth.verify_password = counting_verify  # type: ignore[assignment]
    app = Starlette(routes=web_routes.routes(), middleware=[Middleware(SecurityMiddleware)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", limit_concurrency=1000)


if __name__ == "__main__":
    main()
