"""Settings changed in the app (the `settings_kv` table), each change audited."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kondusif.store import audit
from kondusif.store.schema import settings_kv
from kondusif.timeutil import now


def get_setting(engine: Engine, key: str, default: Any = None) -> Any:
    with engine.connect() as conn:
        value = conn.execute(sa.select(settings_kv.c.value).where(settings_kv.c.key == key)).scalar()
    return default if value is None else json.loads(value)


def set_setting(conn: Connection, key: str, value: Any, actor: str) -> None:
    """Upsert a setting inside the caller's transaction, audited."""
    payload = json.dumps(value, ensure_ascii=False, default=str)
    exists = conn.execute(sa.select(settings_kv.c.key).where(settings_kv.c.key == key)).first()
    if exists:
        conn.execute(
            settings_kv.update()
            .where(settings_kv.c.key == key)
            .values(value=payload, updated_at=now(), updated_by=actor)
        )
    else:
        conn.execute(settings_kv.insert().values(key=key, value=payload, updated_at=now(), updated_by=actor))
    audit.record(conn, actor, "setting", key, "set", details={"value": value})
