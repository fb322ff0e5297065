"""store.executemany (added for bulk imports) stores exactly what conn.execute(table.insert(), rows) stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from kondusif import store
from kondusif.model import SYSTEM, new_id


def rows(n: int, tag: str) -> list[dict]:
    t0 = datetime(2018, 6, 20, 7, 32, 5, 123456, tzinfo=UTC)
    return [store.incident_row({
        "id": new_id(), "report_no": f"LLG-2018-{tag}{i:05d}", "kode_kelurahan": "16.73.01.1001", "rt": i % 7 + 1,
        "category": "politik_uang", "severity": "berat", "title": f"judul {i} 'kutip' %s %(x)s",
        "description": "<b>x</b>" if i % 2 else "", "occurred_at": t0 + timedelta(minutes=i) if i % 3 else t0,
        "lat": -3.28 if i % 2 else None, "lon": 102.91 if i % 2 else None, "location_approx": bool(i % 2),
        "source": "import", "source_ref": f"{tag}:{i}", "status": "baru", "created_by": "uji",
        "possible_duplicate": i % 4 == 0, "reported_at": t0 + timedelta(hours=1),
        "updated_at": t0 + timedelta(hours=1)}) for i in range(n)]


def test_same_stored_values_and_round_trip(engine):
    plain, fast = rows(50, "a"), rows(50, "b")
    with store.write(engine) as conn:
        conn.execute(store.incidents.insert(), plain)
        store.executemany(conn, store.incidents, fast)
    cols = [c for c in store.incidents.c.keys() if c not in ("id", "report_no", "source_ref")]
    with engine.connect() as conn:
        untyped = sa.select(*[sa.column(c) for c in cols]).select_from(sa.table("incidents"))
        raw = conn.execute(untyped.order_by(sa.column("report_no"))).fetchall()  # values as the database holds them
        typed = conn.execute(sa.select(store.incidents).order_by(store.incidents.c.report_no)).mappings().all()
    assert raw[:50] == raw[50:]  # byte-for-byte the same column values in the database
    assert typed[50]["occurred_at"] == datetime(2018, 6, 20, 7, 32, 5, 123456, tzinfo=UTC)
    assert typed[51]["title"] == "judul 1 'kutip' %s %(x)s" and typed[51]["location_approx"] is True
    # range queries see both halves alike
    q = store.IncidentQuery(start=datetime(2018, 6, 20, 7, 40, tzinfo=UTC))
    assert store.count_incidents(engine, q, viewer=SYSTEM) == 2 * sum(1 for r in plain if r["occurred_at"] >= q.start)


def test_rows_with_other_keys_fall_back_to_the_plain_insert(engine):
    with store.write(engine) as conn:
        store.executemany(conn, store.audit_log, [
            {"at": datetime(2018, 6, 20, tzinfo=UTC), "actor": "a", "entity": "x", "action": "y"},
            {"at": datetime(2018, 6, 21, tzinfo=UTC), "actor": "b", "entity": "x", "action": "y", "note": "n"},
        ])
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.audit_log)).scalar() == 2
