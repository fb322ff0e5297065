"""Fixtures of the Panwaslu workbench tests (helpers live in wb_helpers.py)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

import pytest
from wb_helpers import KEL_A, WHEN

from kondusif import store
from kondusif.model import SYSTEM, Category, Incident, Severity


@pytest.fixture
def add_incident(engine):
    """Factory: insert one report (optionally forced into a status) and return its stored row."""

    def _add(kel: str = KEL_A, rt: int | None = 1, status: str = "baru", when: datetime = WHEN, **kw):
        inc = Incident(
            kode_kelurahan=kel, rt=rt,
            category=kw.pop("category", Category.POLITIK_UANG),
            severity=kw.pop("severity", Severity.SEDANG),
            title=kw.pop("title", "Pembagian amplop"),
            occurred_at=when,
            reporter_name=kw.pop("reporter_name", "Pak Rahman"),
            reporter_phone=kw.pop("reporter_phone", "081234567890"),
            **{k: v for k, v in kw.items() if k in Incident.__dataclass_fields__},
        )
        record = {**asdict(inc), **{k: v for k, v in kw.items() if k not in Incident.__dataclass_fields__}}
        with store.write(engine) as conn:
            (row,) = store.insert_incidents(conn, [record], actor="tester")
            if status != "baru":
                conn.execute(store.incidents.update().where(store.incidents.c.id == row["id"])
                             .values(status=status))
        return store.get_incident(engine, row["id"], viewer=SYSTEM)

    return _add
