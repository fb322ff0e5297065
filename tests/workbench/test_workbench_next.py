"""After every action, what the Insiden page offers next is valid and safe.

Parametrised over every status and every action allowed from it: after the save,
no action is pre-selected, every note/field of the action area is empty, no
confirmation box is ticked and the save button cannot be pressed. (A second click
on the same spot used to reject a just-verified report for good.)
"""

from __future__ import annotations

import pytest
from test_workbench_page import action_radio, keyed, open_page, open_report
from wb_helpers import PANWASLU

from kondusif import store
from kondusif.model import SYSTEM, Status
from kondusif.workflow import Action

# (status before, action, status after): written by hand from the workflow of the brief.
CASES = [
    ("baru", Action.VERIFY, "diverifikasi"),
    ("baru", Action.REJECT, "ditolak"),
    ("baru", Action.MARK_DUPLICATE, "duplikat"),
    ("diverifikasi", Action.REJECT, "ditolak"),
    ("diverifikasi", Action.MARK_DUPLICATE, "duplikat"),
    ("diverifikasi", Action.FOLLOW_UP, "ditindaklanjuti"),
    ("diverifikasi", Action.CLOSE, "selesai"),
    ("ditindaklanjuti", Action.FOLLOW_UP, "ditindaklanjuti"),
    ("ditindaklanjuti", Action.CLOSE, "selesai"),
    ("selesai", Action.REOPEN, "diverifikasi"),
    ("ditolak", Action.REOPEN, "baru"),
    ("duplikat", Action.REOPEN, "baru"),
]
# What each status offers next (labels as the page shows them), by hand.
NEXT_OPTIONS = {
    "baru": ["Verifikasi", "Tolak", "Tandai duplikat"],
    "diverifikasi": ["Tolak", "Tandai duplikat", "Tindak lanjut", "Tutup dengan hasil"],
    "ditindaklanjuti": ["Tindak lanjut", "Tutup dengan hasil"],
    "selesai": ["Buka kembali"],
    "ditolak": ["Buka kembali"],
    "duplikat": ["Buka kembali"],
}
ACTION_WIDGETS = ("wb_note", "wb_original", "wb_outcome", "wb_to", "wb_due", "wb_confirm")


def test_cases_cover_every_status_and_action():
    from kondusif import workflow

    assert {(s, a) for s, a, _ in CASES} == {(s.value, a) for s in Status for a in workflow.allowed_actions(s, PANWASLU)}


def fill_and_save(at, action: Action, original_no: str) -> None:
    action_radio(at).set_value(action)
    at.run()
    assert not at.exception, at.exception
    if action == Action.MARK_DUPLICATE:
        keyed(at.selectbox, "wb_original").set_value(original_no)
        at.run()
    if action == Action.FOLLOW_UP:
        keyed(at.selectbox, "wb_to").set_value("Polres Lubuklinggau")
    if action == Action.CLOSE:
        keyed(at.text_area, "wb_outcome").input("Pelaku diberi teguran")
    keyed(at.text_area, "wb_note").input("Catatan uji **tebal** <b>x</b>")
    if action in (Action.REJECT, Action.MARK_DUPLICATE, Action.CLOSE):
        keyed(at.checkbox, "wb_confirm").check()
    keyed(at.button, "wb_submit").click()
    at.run()
    assert not at.exception, at.exception


def action_area(at) -> list:
    """Every widget of the action area present on the page now."""
    found = []
    for group in (at.text_area, at.text_input, at.selectbox, at.checkbox, at.date_input):
        found += [w for w in group if any(str(w.key).startswith(p + "_") for p in ACTION_WIDGETS)]
    return found


@pytest.mark.parametrize(("before", "action", "after"), CASES,
                         ids=[f"{b}-{a.value}" for b, a, _ in CASES])
def test_after_every_action_nothing_is_armed(engine, add_incident, before, action, after):
    original = add_incident(rt=2, title="Laporan asli")
    extra = {"duplicate_of": original["id"]} if before == "duplikat" else {}
    if before == "selesai":
        extra["outcome"] = "Sudah ditangani"
    inc = add_incident(status=before, **extra)
    at = open_page(PANWASLU)
    open_report(at, inc["report_no"])
    # On opening too: nothing pre-selected, nothing to press.
    assert action_radio(at).value is None and keyed(at.button, "wb_submit").disabled
    fill_and_save(at, action, original["report_no"])

    row = store.get_incident(engine, inc["id"], viewer=SYSTEM)
    assert (row["status"], row["version"]) == (after, 2), [e.value for e in at.error]
    radio = action_radio(at)
    assert radio.options == NEXT_OPTIONS[after]
    assert radio.value is None
    note = keyed(at.text_area, "wb_note")
    assert note.value == "" and note.disabled
    button = keyed(at.button, "wb_submit")
    assert button.disabled and button.label == "Simpan"
    # No field of any action (original, outcome, recipient, due date, confirmation) is left over.
    assert [w.key for w in action_area(at)] == [note.key]
    assert [c for c in at.checkbox if str(c.key).startswith("wb_") and c.value] == []
