"""The per-installation signing key: from the environment/TOML, else one random key kept in the data dir.

No key is ever written in the code. When neither KONDUSIF_SECRET_KEY nor `secret_key`
in kondusif.toml is set, the first process that needs a key generates one
(`secrets.token_urlsafe(64)`) and publishes it as `<data_dir>/kunci-sesi.key`, mode
0600. Publishing is a hard link of a fully written temporary file, which fails when
the name already exists: two processes starting at once both end up reading the one
file that won, so every app process on the same data signs and checks with one key.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

KEY_FILE_NAME = "kunci-sesi.key"
_MIN_LENGTH = 32


class SecretFileError(RuntimeError):
    """The key file exists but cannot be used (too short or unreadable)."""


def key_path(data_dir: Path) -> Path:
    return Path(data_dir) / KEY_FILE_NAME


def _read(path: Path) -> str:
    key = path.read_text(encoding="ascii").strip()
    if len(key) < _MIN_LENGTH:
        raise SecretFileError(f"Berkas kunci sesi {path} rusak (terlalu pendek); hapus agar dibuat ulang.")
    return key


def load_or_create(data_dir: Path) -> str:
    """The key kept in `data_dir`, created (0600, atomically) when there is none yet."""
    path = key_path(data_dir)
    if path.exists():
        return _read(path)
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{KEY_FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_urlsafe(64) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)  # atomic publish; loses cleanly to a process that was faster
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)
    return _read(path)


def signing_key() -> str:
    """The key every login token is signed with: configured key first, else the data-dir key.

    Read from the file each time (a few bytes): a replaced key file takes effect at once.
    """
    from kondusif.config import settings

    conf = settings()
    return conf.secret_key or load_or_create(conf.data_dir)
