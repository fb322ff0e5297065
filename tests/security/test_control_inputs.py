"""Issue 27 item 7: control characters and bidi overrides are stripped at every non-SMS input.

The hostile text repaints a terminal (ESC[2J clears it, ESC[31m turns it red) and, through
U+202E, shows "0812...1234" reversed on screen. Every path stores the same text without them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from kondusif import accounts, registry, store, workflow
from kondusif.intake import pipeline, review
from kondusif.model import Role, Viewer, new_id

ESC = "\x1b[2J\x1b[31m"
RLO = "\u202e"
ISOLATE = "\u2066"
HOSTILE = f"Spanduk{ESC} dirusak{RLO} di{ISOLATE} pasar\x07\x00"
CLEANED = "Spanduk[2J[31m dirusak di pasar"
ADMIN = Viewer("uji-admin", Role.ADMIN, "Admin Uji")
PANWASLU = Viewer("uji-panwaslu", Role.PANWASLU, "Panwaslu Uji")
FORM = {"category": "politik_uang", "severity": "berat", "occurred_at": datetime(2018, 6, 20, 7, 32, tzinfo=UTC),
        "kelurahan": "16.73.01.1001", "rt": 1}


def _no_controls(text: str | None) -> bool:
    return text is not None and not any(c in text for c in ("\x1b", "\x07", "\x00", RLO, ISOLATE))


def _incident(engine, incident_id: str) -> dict:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(store.incidents).where(store.incidents.c.id == incident_id))
                    .mappings().one())


def _file(engine) -> dict:
    out = pipeline.submit_form(engine, PANWASLU, {**FORM, "title": HOSTILE, "description": f"Uraian{ESC}\nbaris 2",
                                                 "reporter_name": f"Budi{RLO}", "reporter_phone": f"0812{RLO}34567890"},
                               new_id())
    assert not out.errors, out.errors
    with engine.connect() as conn:
        row = conn.execute(sa.select(store.incidents.c.id).where(store.incidents.c.report_no == out.report_no)).one()
    return _incident(engine, row.id)


def test_the_form_stores_text_without_controls(engine):
    registry.ensure_rt_registry(engine)
    row = _file(engine)
    assert row["title"] == CLEANED
    assert row["description"] == "Uraian[2J[31m\nbaris 2"  # the line break stays
    assert row["reporter_name"] == "Budi"
    assert row["reporter_phone"] == "+6281234567890"


def test_workflow_notes_and_follow_up_fields_are_cleaned(engine):
    registry.ensure_rt_registry(engine)
    row = _file(engine)
    after = workflow.reject(engine, PANWASLU, row["id"], row["version"], f"Hoaks{ESC}{RLO}")
    with engine.connect() as conn:
        notes = conn.execute(sa.select(store.audit_log.c.note).where(store.audit_log.c.entity_id == row["id"],
                                                                      store.audit_log.c.action != "create")).scalars()
        notes = [n for n in notes if n]
    assert notes and all(_no_controls(n) for n in notes), notes
    assert any("Hoaks[2J[31m" in n for n in notes)
    assert after["status"] == "ditolak"


def test_queued_chat_messages_and_discard_reasons_are_cleaned(engine):
    registry.ensure_rt_registry(engine)
    # A file with C0 bytes is refused whole as binary; what a text export can carry is the bidi marks.
    sms = f"waktu;nomor;pesan\n2018-06-20 14:32;0812{RLO}00000011;halo Spanduk dirusak{RLO} di{ISOLATE} pasar\n"
    preview = pipeline.preview_chat(engine, sms.encode(), "sms.txt", PANWASLU)
    assert preview.queued == 1
    pipeline.commit_chat(engine, preview, PANWASLU)
    with engine.connect() as conn:
        item = conn.execute(sa.select(store.review_queue)).mappings().one()
    assert _no_controls(item["text"]) and "Spanduk dirusak di pasar" in item["text"]
    assert item["sender"] is None or _no_controls(item["sender"])
    review.discard(engine, item["id"], f"Bukan laporan{ESC}{RLO}", PANWASLU)
    with engine.connect() as conn:
        note = conn.execute(sa.select(store.review_queue.c.resolution_note)).scalar_one()
    assert note == "Bukan laporan[2J[31m"


def test_account_names_and_notes_are_cleaned(engine):
    registry.ensure_rt_registry(engine)
    accounts.create_account(engine, ADMIN, "ani", Role.PEJABAT, "Rahasia-kota-9", display_name=f"Ani{ESC}{RLO} Lestari",
                            note=f"dibuat{ESC}")
    assert accounts.get_account(engine, ADMIN, "ani")["display_name"] == "Ani[2J[31m Lestari"
    accounts.update_account(engine, ADMIN, "ani", Role.PEJABAT, display_name=f"Ani{ISOLATE} L.\x1b]0;judul\x07")
    assert accounts.get_account(engine, ADMIN, "ani")["display_name"] == "Ani L.]0;judul"
    with engine.connect() as conn:
        notes = [n for n in conn.execute(sa.select(store.audit_log.c.note)).scalars() if n]
    assert all(_no_controls(n) for n in notes), notes
