"""Signed, expiring login tokens kept in the browser cookie.

A token carries only the username and the account's session epoch, signed with
the installation's key (kondusif.secrets_file.signing_key: KONDUSIF_SECRET_KEY, else the
random key kept in the data dir; itsdangerous, HMAC-SHA1 over a timestamped payload), so
every app process on the same data can read it and nobody else can forge one. The viewer itself is always
rebuilt from the users table; bumping `users.session_epoch` (logout, deactivate,
role change, password reset) kills every token issued before.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from kondusif.config import settings
from kondusif.secrets_file import signing_key

COOKIE_NAME = "sikondusif_sesi"
_SALT = "sikondusif-login-v1"

EpochClock = Callable[[], float]


@dataclass(frozen=True)
class TokenClaims:
    username: str
    epoch: int
    issued_at: float = 0.0  # seconds since the epoch (the login this token came from)


def _serializer(secret: str, clock: EpochClock, salt: str = _SALT) -> URLSafeTimedSerializer:
    # itsdangerous reads the time through the signer's get_timestamp(); a subclass
    # bound to `clock` lets tests move time without sleeping.
    signer = type("_ClockSigner", (TimestampSigner,), {"get_timestamp": lambda self: int(clock())})
    return URLSafeTimedSerializer(secret, salt=salt, signer=signer)


def max_age_seconds() -> int:
    """How long a login lasts (settings().session_hours), also the cookie's Max-Age."""
    return int(settings().session_hours * 3600)


def issue(username: str, epoch: int, *, secret: str | None = None, clock: EpochClock = time.time) -> str:
    """A URL-safe token for `username` at session epoch `epoch`."""
    return _serializer(secret or signing_key(), clock).dumps({"u": username, "e": int(epoch)})


def read(
    token: str | None,
    *,
    secret: str | None = None,
    max_age: int | None = None,
    clock: EpochClock = time.time,
) -> TokenClaims | None:
    """The claims of a valid, unexpired token; None for anything forged, expired or malformed."""
    if not token or len(token) > 4096:
        return None
    ser = _serializer(secret or signing_key(), clock)
    try:
        data, stamp = ser.loads(token, max_age=max_age if max_age is not None else max_age_seconds(),
                                return_timestamp=True)
    except (SignatureExpired, BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    username, epoch = data.get("u"), data.get("e")
    if not isinstance(username, str) or not isinstance(epoch, int) or isinstance(epoch, bool):
        return None
    return TokenClaims(username=username, epoch=epoch, issued_at=stamp.timestamp())


# --------------------------------------------------------------------------- forms

_TICKET_SALT = "sikondusif-renew-v1"
TICKET_MAX_AGE = 300


def csrf_for(token: str) -> str:
    """The logout form's anti-forgery value: an HMAC of the session cookie, which a
    cross-site page can neither read (HttpOnly) nor compute (the key never leaves the server)."""
    import hashlib
    import hmac

    return hmac.new(signing_key().encode(), b"csrf|" + token.encode(), hashlib.sha256).hexdigest()


def issue_ticket(username: str, epoch: int, *, clock: EpochClock = time.time) -> str:
    """A short-lived ticket the browser trades for a fresh cookie after a password change."""
    return _serializer(signing_key(), clock, _TICKET_SALT).dumps({"u": username, "e": int(epoch)})


def read_ticket(ticket: str | None, *, clock: EpochClock = time.time) -> TokenClaims | None:
    """The claims of a valid ticket not older than TICKET_MAX_AGE; None otherwise."""
    if not ticket or len(ticket) > 4096:
        return None
    signer = _serializer(signing_key(), clock, _TICKET_SALT)
    try:
        data = signer.loads(ticket, max_age=TICKET_MAX_AGE)
    except (SignatureExpired, BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), str) or type(data.get("e")) is not int:
        return None
    return TokenClaims(username=data["u"], epoch=data["e"])
