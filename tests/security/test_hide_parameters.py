"""SQLAlchemy runs with hide_parameters=True: a failing statement names no reporter data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from kondusif import store


def test_a_database_error_does_not_carry_the_values(engine):
    secret_phone, secret_name = "081299887766", "Pelapor Rahasia Sekali"
    row = {"username": "dobel", "role": "admin", "display_name": secret_name, "password_hash": secret_phone,
           "active": True, "must_change": False, "failed_attempts": 0, "session_epoch": 0,
           "created_at": datetime(2018, 6, 27, 8, 0, tzinfo=UTC)}
    with engine.begin() as conn:
        conn.execute(store.users.insert().values(**row))
    with pytest.raises(sa.exc.IntegrityError) as caught:
        with engine.begin() as conn:
            conn.execute(store.users.insert().values(**row))
    text = str(caught.value)
    assert "hidden due to hide_parameters" in text
    assert secret_phone not in text and secret_name not in text
