"""The per-address login throttle kept in the store, so every app process counts the same failures.

Behind nginx with several app processes (issue 16), an address walking usernames would
otherwise get ADDRESS_MAX_FAILURES tries on each process, and a restart would forget them.
The rule of `auth.Throttle` (failures in a sliding window, a success does not reset
them); the rows older than the window are deleted as new ones arrive. Logins go through
`reserve`/`release` (check and count in one step, issue 27); other doors may use
`blocked`/`record_failure`.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kondusif import store
from kondusif.accounts import writes
from kondusif.accounts.auth import ADDRESS_MAX_FAILURES, ADDRESS_WINDOW_MINUTES, Clock
from kondusif.timeutil import as_utc
from kondusif.timeutil import now as utc_now

_ADDRESS_WIDTH = 64  # login_failures.address; longer text (never a real address) is cut


class StoreAddressThrottle:
    """The per-address throttle (`auth.Throttle`) with its memory in login_failures (shared by processes).

    `engine` None = the configured store, looked up at each call (tests swap databases).
    `kind` keeps another door's failures apart in the same table (e.g. "smssync": wrong gateway
    secrets), so they neither count against that address's logins nor the other way round.
    """

    def __init__(self, engine: Engine | None = None, max_failures: int = ADDRESS_MAX_FAILURES,
                 window: timedelta = timedelta(minutes=ADDRESS_WINDOW_MINUTES), kind: str = "") -> None:
        self._engine = engine
        self.max_failures = max_failures
        self.window = window
        self._prefix = f"{kind}:" if kind else ""

    def _key(self, address: str) -> str:
        return (self._prefix + address)[:_ADDRESS_WIDTH]

    def engine(self) -> Engine:
        return self._engine or store.get_engine()

    def blocked(self, address: str, *, clock: Clock = utc_now) -> bool:
        lf = store.login_failures
        since = as_utc(clock()) - self.window
        with self.engine().connect() as conn:
            n = conn.execute(sa.select(sa.func.count()).select_from(lf).where(
                lf.c.address == self._key(address), lf.c.at > since)).scalar()
        return int(n or 0) >= self.max_failures

    def record_failure(self, address: str, *, clock: Clock = utc_now) -> None:
        moment = as_utc(clock())
        with store.write(self.engine()) as conn:
            writes.forget_failures(conn, moment - self.window)
            writes.add_failure(conn, self._key(address), moment)

    def reserve(self, address: str, *, clock: Clock = utc_now) -> int | None:
        """Count one attempt as a failure unless the address is blocked; None when blocked.

        Check and count are one transaction that no other process can interleave with:
        SQLite's write lock, on PostgreSQL a transaction advisory lock on the address.
        The id returned goes to `release` when the attempt turns out to be a success.
        """
        lf = store.login_failures
        key = self._key(address)
        moment = as_utc(clock())
        with store.write(self.engine()) as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(key))))
            writes.forget_failures(conn, moment - self.window)
            n = conn.execute(sa.select(sa.func.count()).select_from(lf).where(
                lf.c.address == key, lf.c.at > moment - self.window)).scalar()
            if int(n or 0) >= self.max_failures:
                return None
            return writes.add_failure(conn, key, moment)

    def release(self, token: object) -> None:
        """Take back the attempt `reserve` counted: it was a successful login."""
        if isinstance(token, int):
            with store.write(self.engine()) as conn:
                writes.take_back_failure(conn, token)
