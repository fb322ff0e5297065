"""The verification workflow: every transition, its audit rows, locking, scope and bulk actions."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import pytest
from wb_helpers import ADMIN, KEL_A, KEL_B, PANWASLU, PEJABAT, audit_rows, rt_viewer, scoped_panwaslu

from kondusif import store, workflow
from kondusif.model import SYSTEM, TRANSITIONS, Status
from kondusif.timeutil import WIB, now, to_wib
from kondusif.workflow import (
    Action,
    ActionInput,
    InvalidInput,
    NotFound,
    NotPermitted,  # access.NotPermitted, re-exported
    StaleEdit,
    TransitionRefused,
)

PAIRS = [(src, dst) for src in Status for dst in Status]


def full_input(original_id: str | None) -> ActionInput:
    """Every field any action needs, so only the transition rule can refuse."""
    return ActionInput(
        note="Dicek ke lokasi bersama PPL",
        duplicate_of=original_id,
        followup_to="Polres Lubuklinggau",
        followup_due=date(2018, 6, 25),
        outcome="Pelaku diberi teguran tertulis",
    )


@pytest.mark.parametrize(("src", "dst"), PAIRS, ids=[f"{s.value}->{d.value}" for s, d in PAIRS])
def test_every_transition_allowed_or_refused_with_its_audit(engine, add_incident, src, dst):
    inc = add_incident(status=src.value)
    original = add_incident(rt=2)
    before_audit = audit_rows(engine, inc["id"])
    t0 = now()
    if dst in TRANSITIONS[src]:
        row = workflow.change_status(engine, PANWASLU, inc["id"], 1, dst, full_input(original["id"]))
        t1 = now()
        stored = store.get_incident(engine, inc["id"], viewer=SYSTEM)
        assert stored["status"] == dst.value == row["status"]
        assert stored["version"] == 2
        new = audit_rows(engine, inc["id"])[len(before_audit):]
        assert len(new) == 1
        (audit,) = new
        assert audit["actor"] == PANWASLU.username
        assert t0 - timedelta(seconds=1) <= audit["at"] <= t1 + timedelta(seconds=1)
        assert (audit["from_status"], audit["to_status"]) == (src.value, dst.value)
        assert audit["action"] == workflow.TARGET_ACTION[dst].value
        if dst == Status.SELESAI:
            assert "Pelaku diberi teguran tertulis" in audit["note"]
            assert stored["outcome"] == "Pelaku diberi teguran tertulis"
        else:
            assert "Dicek ke lokasi bersama PPL" in audit["note"]
        if dst == Status.DUPLIKAT:
            assert stored["duplicate_of"] == original["id"]
            assert original["report_no"] in audit["note"]
            linked = audit_rows(engine, original["id"])[-1]
            assert linked["action"] == "duplicate_linked" and inc["report_no"] in linked["note"]
            assert store.get_incident(engine, original["id"], viewer=SYSTEM)["status"] == "baru"  # the original is kept
        if dst == Status.DITINDAKLANJUTI:
            assert stored["followup_to"] == "Polres Lubuklinggau"
            assert to_wib(stored["followup_due"]).date() == date(2018, 6, 25)
    else:
        with pytest.raises(TransitionRefused) as err:
            workflow.change_status(engine, PANWASLU, inc["id"], 1, dst, full_input(original["id"]))
        assert src.label in str(err.value)
        stored = store.get_incident(engine, inc["id"], viewer=SYSTEM)
        assert stored["status"] == src.value and stored["version"] == 1
        assert audit_rows(engine, inc["id"]) == before_audit
        assert len(audit_rows(engine, original["id"])) == 1  # only its own "create"


def test_allowed_actions_follow_transitions():
    for status in Status:
        ordinary = [a for a in workflow.allowed_actions(status, PANWASLU) if a != Action.REOPEN]
        assert {a.target for a in ordinary} == set(TRANSITIONS[status])
    assert workflow.allowed_actions(Status.BARU, PANWASLU) == [Action.VERIFY, Action.REJECT, Action.MARK_DUPLICATE]
    # A final state offers only "Buka kembali", and only to those who may reopen.
    for final in (Status.SELESAI, Status.DITOLAK, Status.DUPLIKAT):
        assert workflow.allowed_actions(final, PANWASLU) == [Action.REOPEN]
        assert workflow.allowed_actions(final, ADMIN) == [Action.REOPEN]
        assert workflow.allowed_actions(final, PEJABAT) == []
        assert workflow.allowed_actions(final, rt_viewer()) == []
    assert Action.REOPEN not in workflow.BULK_ACTIONS


@pytest.mark.parametrize(("final", "reopened"), [("ditolak", "baru"), ("duplikat", "baru"),
                                                 ("selesai", "diverifikasi")])
@pytest.mark.parametrize("actor", [PANWASLU, ADMIN, scoped_panwaslu("16.73.01")], ids=["panwaslu", "admin",
                                                                                       "kecamatan"])
def test_reopen_a_final_state_with_a_reason_is_audited(engine, add_incident, final, reopened, actor):
    original = add_incident(rt=2)
    inc = add_incident(status=final, duplicate_of=original["id"] if final == "duplikat" else None,
                       outcome="Sudah ditegur" if final == "selesai" else None)
    assert (inc["duplicate_of"] is not None) == (final == "duplikat")
    assert (inc["outcome"] is not None) == (final == "selesai")
    with pytest.raises(InvalidInput) as err:
        workflow.reopen(engine, actor, inc["id"], 1, "   ")
    assert err.value.field == "note" and "Alasan membuka kembali wajib diisi" in str(err.value)
    assert store.get_incident(engine, inc["id"], viewer=SYSTEM)["status"] == final
    row = workflow.apply_action(engine, actor, inc["report_no"], 1, Action.REOPEN,
                                ActionInput(note="Salah klik, belum dicek"))
    stored = store.get_incident(engine, inc["id"], viewer=SYSTEM)
    assert (stored["status"], stored["version"], row["status"]) == (reopened, 2, reopened)
    assert stored["duplicate_of"] is None and stored["outcome"] is None
    last = audit_rows(engine, inc["id"])[-1]
    label = {"ditolak": "Ditolak", "duplikat": "Duplikat", "selesai": "Selesai"}[final]
    assert (last["actor"], last["action"], last["from_status"], last["to_status"], last["note"]) == (
        actor.username, "reopen", final, reopened, f"Dibuka kembali dari «{label}»: Salah klik, belum dicek")
    # Reopening an open report is refused; the stale version is refused.
    with pytest.raises(TransitionRefused):
        workflow.reopen(engine, actor, inc["id"], 2, "lagi")
    with pytest.raises(StaleEdit):
        workflow.reopen(engine, actor, inc["id"], 1, "lagi")


@pytest.mark.parametrize("viewer", [PEJABAT, rt_viewer(), None], ids=["pejabat", "rt", "tamu"])
def test_reopen_refused_to_other_roles(engine, add_incident, viewer):
    inc = add_incident(status="ditolak")
    with pytest.raises(NotPermitted):
        workflow.reopen(engine, viewer, inc["id"], 1, "Saya mau membuka")
    assert store.get_incident(engine, inc["id"], viewer=SYSTEM)["status"] == "ditolak"


def test_reopen_outside_the_scope_is_not_found(engine, add_incident):
    inc = add_incident(kel=KEL_B, status="ditolak")
    with pytest.raises(NotFound):
        workflow.reopen(engine, scoped_panwaslu("16.73.01"), inc["id"], 1, "Bukan wilayah saya")
    assert store.get_incident(engine, inc["id"], viewer=SYSTEM)["status"] == "ditolak"
    assert audit_rows(engine, inc["id"])[-1]["action"] == "create"


@pytest.mark.parametrize(
    ("target", "data", "field"),
    [
        (Status.DITOLAK, ActionInput(note="   "), "note"),
        (Status.DUPLIKAT, ActionInput(note="sama", duplicate_of=None), "duplicate_of"),
        (Status.DUPLIKAT, ActionInput(note="", duplicate_of="LLG-2018-000002"), "note"),
        (Status.SELESAI, ActionInput(note="x"), "outcome"),
        (Status.DITOLAK, ActionInput(note="x" * (workflow.MAX_TEXT + 1)), "note"),
    ],
)
def test_missing_required_fields_are_named_and_nothing_is_written(engine, add_incident, target, data, field):
    inc = add_incident(status="baru" if target != Status.SELESAI else "diverifikasi")
    add_incident(rt=2)
    with pytest.raises(InvalidInput) as err:
        workflow.change_status(engine, PANWASLU, inc["id"], 1, target, data)
    assert err.value.field == field
    assert str(err.value)  # a message for the user
    assert store.get_incident(engine, inc["id"], viewer=SYSTEM)["version"] == 1
    assert len(audit_rows(engine, inc["id"])) == 1


def test_follow_up_needs_to_whom_and_a_due_date_not_before_the_incident(engine, add_incident):
    inc = add_incident(status="diverifikasi")
    with pytest.raises(InvalidInput) as err:
        workflow.follow_up(engine, PANWASLU, inc["id"], 1, "Diserahkan", "", date(2018, 6, 25))
    assert err.value.field == "followup_to"
    with pytest.raises(InvalidInput) as err:
        workflow.change_status(engine, PANWASLU, inc["id"], 1, Status.DITINDAKLANJUTI,
                               ActionInput(note="x", followup_to="Polres"))
    assert err.value.field == "followup_due"
    with pytest.raises(InvalidInput) as err:
        workflow.follow_up(engine, PANWASLU, inc["id"], 1, "Diserahkan", "Polres", date(2018, 6, 1))
    assert err.value.field == "followup_due"
    row = workflow.follow_up(engine, PANWASLU, inc["id"], 1, "Diserahkan", "Polres", date(2018, 6, 22))
    assert to_wib(row["followup_due"]) == datetime(2018, 6, 22, 23, 59, tzinfo=WIB)
    # A follow-up may be recorded again while in progress (handed on to someone else).
    again = workflow.follow_up(engine, PANWASLU, inc["id"], 2, "Dialihkan", "Kesbangpol", date(2018, 6, 24))
    assert again["version"] == 3 and store.get_incident(engine, inc["id"], viewer=SYSTEM)["followup_to"] == "Kesbangpol"


@pytest.mark.parametrize("viewer", [PEJABAT, rt_viewer(), None], ids=["pejabat", "rt", "anonymous"])
def test_only_panwaslu_and_admin_may_act(engine, add_incident, viewer):
    inc = add_incident()
    with pytest.raises(NotPermitted):
        workflow.verify(engine, viewer, inc["id"], 1)
    assert store.get_incident(engine, inc["id"], viewer=SYSTEM)["status"] == "baru"
    assert workflow.verify(engine, ADMIN, inc["id"], 1)["status"] == "diverifikasi"


def test_scoped_panwaslu_acts_only_in_their_kecamatan(engine, add_incident):
    here = add_incident(kel=KEL_A)
    there = add_incident(kel=KEL_B)
    scoped = scoped_panwaslu("16.73.01")
    with pytest.raises(NotFound):
        workflow.verify(engine, scoped, there["id"], 1)
    with pytest.raises(NotFound):
        workflow.verify(engine, scoped, there["report_no"], 1)
    assert store.get_incident(engine, there["id"], viewer=SYSTEM)["version"] == 1
    assert len(audit_rows(engine, there["id"])) == 1
    assert workflow.verify(engine, scoped, here["report_no"], 1)["status"] == "diverifikasi"
    # The original of a duplicate must be visible too.
    with pytest.raises(InvalidInput) as err:
        workflow.mark_duplicate(engine, scoped, here["id"], 2, there["report_no"], "sama")
    assert err.value.field == "duplicate_of"


def test_scope_is_enforced_in_the_update_itself(engine, add_incident, monkeypatch):
    """Even if the read were fooled, the UPDATE's WHERE carries the actor's scope."""
    there = add_incident(kel=KEL_B)
    scoped = scoped_panwaslu("16.73.01")
    real = workflow._scoped_row

    def unscoped(conn, viewer, key):
        return real(conn, ADMIN, key)

    monkeypatch.setattr(workflow, "_scoped_row", unscoped)
    with pytest.raises((NotFound, StaleEdit)):
        workflow.verify(engine, scoped, there["id"], 1)
    monkeypatch.undo()
    stored = store.get_incident(engine, there["id"], viewer=SYSTEM)
    assert stored["status"] == "baru" and stored["version"] == 1
    assert len(audit_rows(engine, there["id"])) == 1


def test_duplicate_of_itself_or_in_a_loop_is_refused(engine, add_incident):
    a = add_incident(rt=1)
    b = add_incident(rt=2)
    with pytest.raises(InvalidInput, match="dirinya sendiri"):
        workflow.mark_duplicate(engine, PANWASLU, a["id"], 1, a["report_no"], "sama")
    workflow.mark_duplicate(engine, PANWASLU, a["id"], 1, b["report_no"], "laporan yang sama")
    with pytest.raises(InvalidInput, match="lingkaran"):
        workflow.mark_duplicate(engine, PANWASLU, b["id"], 1, a["id"], "sama")
    # A longer chain: c -> a -> b; b -> c would close a loop too.
    c = add_incident(rt=3)
    workflow.mark_duplicate(engine, PANWASLU, c["id"], 1, a["id"], "sama juga")
    with pytest.raises(InvalidInput, match="lingkaran"):
        workflow.mark_duplicate(engine, PANWASLU, b["id"], 1, c["id"], "sama")
    assert store.get_incident(engine, b["id"], viewer=SYSTEM)["status"] == "baru"


def test_merge_keeps_both_records_and_their_histories(engine, add_incident):
    original = add_incident(rt=1, title="Amplop dibagikan di RT 01")
    dup = add_incident(rt=2, title="Amplop di RT 01", possible_duplicate=True)
    workflow.verify(engine, PANWASLU, original["id"], 1, "benar terjadi")
    workflow.mark_duplicate(engine, PANWASLU, dup["id"], 1, original["report_no"], "Kejadian yang sama")
    o, d = store.get_incident(engine, original["id"], viewer=SYSTEM), store.get_incident(engine, dup["id"], viewer=SYSTEM)
    assert o["status"] == "diverifikasi" and o["title"] == "Amplop dibagikan di RT 01"
    assert d["status"] == "duplikat" and d["duplicate_of"] == o["id"] and d["possible_duplicate"] is False
    assert d["title"] == "Amplop di RT 01" and d["reporter_name"] == "Pak Rahman"
    assert [r["action"] for r in audit_rows(engine, o["id"])] == ["create", "verify", "duplicate_linked"]
    assert [r["action"] for r in audit_rows(engine, d["id"])] == ["create", "mark_duplicate"]


# --------------------------------------------------------------------------- optimistic locking


def test_two_sessions_edit_the_same_report_second_save_is_refused(engine, add_incident):
    inc = add_incident()
    opened_by_ani = store.get_incident(engine, inc["id"], viewer=SYSTEM)
    opened_by_budi = store.get_incident(engine, inc["id"], viewer=SYSTEM)
    ani = scoped_panwaslu("16.73.01", name="ani")
    budi = PANWASLU

    workflow.verify(engine, ani, inc["id"], opened_by_ani["version"], "Sudah dicek PPL")
    with pytest.raises(StaleEdit) as err:
        workflow.change_status(engine, budi, inc["id"], opened_by_budi["version"], Status.DITOLAK,
                               ActionInput(note="Spam"), opened=opened_by_budi)
    stale = err.value
    # Budi is told what changed and by whom...
    assert "ani" in str(stale) and inc["report_no"] in str(stale)
    assert stale.current["status"] == "diverifikasi" and stale.current["version"] == 2
    changes = {c.field: (c.before, c.after) for c in stale.changes}
    assert changes["status"] == ("baru", "diverifikasi")
    assert [h["actor"] for h in stale.history] == ["ani"]
    assert stale.history[0]["note"] == "Sudah dicek PPL"
    # ...and Ani's edit survives untouched.
    stored = store.get_incident(engine, inc["id"], viewer=SYSTEM)
    assert stored["status"] == "diverifikasi" and stored["version"] == 2
    assert [r["action"] for r in audit_rows(engine, inc["id"])] == ["create", "verify"]


def test_stale_changes_come_from_the_audit_log_without_the_opened_row(engine, add_incident):
    inc = add_incident(status="diverifikasi")
    workflow.follow_up(engine, PANWASLU, inc["id"], 1, "Ke Polres", "Polres", date(2018, 6, 23))
    workflow.follow_up(engine, ADMIN, inc["id"], 2, "Ke Kesbangpol", "Kesbangpol", date(2018, 6, 24))
    with pytest.raises(StaleEdit) as err:
        workflow.close(engine, PANWASLU, inc["id"], 1, "Selesai")
    changes = {c.field: (c.before, c.after) for c in err.value.changes}
    assert changes["status"] == ("diverifikasi", "ditindaklanjuti")
    assert changes["followup_to"] == (None, "Kesbangpol")
    assert [h["actor"] for h in err.value.history] == [PANWASLU.username, ADMIN.username]
    assert store.get_incident(engine, inc["id"], viewer=SYSTEM)["status"] == "ditindaklanjuti"


def test_concurrent_saves_with_the_same_version_one_wins(engine, add_incident):
    inc = add_incident()
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def save(name: str, target: Status, data: ActionInput) -> None:
        barrier.wait(timeout=10)
        try:
            outcomes[name] = workflow.change_status(engine, PANWASLU, inc["id"], 1, target, data)
        except StaleEdit as exc:
            outcomes[name] = exc

    threads = [
        threading.Thread(target=save, args=("a", Status.DIVERIFIKASI, ActionInput(note="ok"))),
        threading.Thread(target=save, args=("b", Status.DITOLAK, ActionInput(note="spam"))),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    kinds = sorted(type(v).__name__ for v in outcomes.values())
    assert kinds == ["StaleEdit", "dict"]
    winner = next(v for v in outcomes.values() if isinstance(v, dict))
    stored = store.get_incident(engine, inc["id"], viewer=SYSTEM)
    assert stored["status"] == winner["status"] and stored["version"] == 2
    assert len(audit_rows(engine, inc["id"])) == 2


# --------------------------------------------------------------------------- bulk


def test_bulk_reject_is_audited_per_report_and_reports_the_refused(engine, add_incident):
    spam = [add_incident(rt=i, title=f"iklan pinjol {i}") for i in range(1, 5)]
    done_elsewhere = spam[1]
    workflow.verify(engine, ADMIN, done_elsewhere["id"], 1)  # someone else acted first
    closed = add_incident(rt=9, status="selesai")
    items = [(s["id"], 1) for s in spam] + [(closed["id"], 1)]
    result = workflow.bulk_change_status(engine, PANWASLU, items, Status.DITOLAK, ActionInput(note="Spam iklan"))
    assert {r["id"] for r in result.done} == {spam[0]["id"], spam[2]["id"], spam[3]["id"]}
    refused = dict(result.refused)
    assert set(refused) == {done_elsewhere["report_no"], closed["report_no"]}
    assert "sudah diubah" in refused[done_elsewhere["report_no"]]
    assert "tidak bisa diubah" in refused[closed["report_no"]]
    for s in (spam[0], spam[2], spam[3]):
        last = audit_rows(engine, s["id"])[-1]
        assert (last["action"], last["from_status"], last["to_status"], last["note"], last["actor"]) == (
            "reject", "baru", "ditolak", "Spam iklan", PANWASLU.username)
    assert store.get_incident(engine, done_elsewhere["id"], viewer=SYSTEM)["status"] == "diverifikasi"
    assert store.get_incident(engine, closed["id"], viewer=SYSTEM)["status"] == "selesai"


def test_bulk_without_a_reason_writes_nothing(engine, add_incident):
    rows = [add_incident(rt=i) for i in (1, 2)]
    with pytest.raises(InvalidInput):
        workflow.bulk_change_status(engine, PANWASLU, [(r["id"], 1) for r in rows], Status.DITOLAK,
                                    ActionInput(note=""))
    assert all(store.get_incident(engine, r["id"], viewer=SYSTEM)["status"] == "baru" for r in rows)


def test_bulk_respects_scope(engine, add_incident):
    here, there = add_incident(kel=KEL_A), add_incident(kel=KEL_B)
    result = workflow.bulk_change_status(engine, scoped_panwaslu("16.73.01"), [(here["id"], 1), (there["id"], 1)],
                                         Status.DITOLAK, ActionInput(note="spam"))
    assert [r["id"] for r in result.done] == [here["id"]]
    assert len(result.refused) == 1 and "tidak ditemukan" in result.refused[0][1]
    assert result.refused[0][0] == there["id"]  # its report number is not revealed out of scope
    assert store.get_incident(engine, there["id"], viewer=SYSTEM)["status"] == "baru"


def test_a_double_click_is_recognised_as_the_users_own_repeat(engine, add_incident):
    inc = add_incident()
    workflow.verify(engine, PANWASLU, inc["id"], 1, "Dicek")
    with pytest.raises(StaleEdit) as err:  # the second click still carries version 1
        workflow.verify(engine, PANWASLU, inc["id"], 1, "Dicek")
    assert workflow.is_own_repeat(err.value, PANWASLU, Action.VERIFY)
    assert not workflow.is_own_repeat(err.value, PANWASLU, Action.REJECT)
    assert not workflow.is_own_repeat(err.value, ADMIN, Action.VERIFY)
    stored = store.get_incident(engine, inc["id"], viewer=SYSTEM)
    assert (stored["status"], stored["version"]) == ("diverifikasi", 2)
    assert [r["action"] for r in audit_rows(engine, inc["id"])] == ["create", "verify"]


def test_confirmation_names_every_report_of_a_destructive_action():
    assert [a for a in Action if a.destructive] == [Action.REJECT, Action.MARK_DUPLICATE, Action.CLOSE]
    assert workflow.confirm_label(Action.REJECT, ["LLG-2018-000123"]) == "Ya, tolak laporan LLG-2018-000123"
    assert workflow.confirm_label(Action.CLOSE, ["LLG-2018-000001", "LLG-2018-000002"]) == (
        "Ya, tutup 2 laporan LLG-2018-000001, LLG-2018-000002")
    many = [f"LLG-2018-{i:06d}" for i in range(1, 13)]
    # Issue 30.4: marking a duplicate names the original, not only the report(s) that repeat it.
    assert workflow.confirm_label(Action.MARK_DUPLICATE, ["LLG-2018-000124"], "LLG-2018-000123") == (
        "Ya, laporan ini (LLG-2018-000124) duplikat dari LLG-2018-000123")
    assert workflow.confirm_label(Action.MARK_DUPLICATE, many, "LLG-2018-000099") == (
        "Ya, 12 laporan " + ", ".join(many[:10]) + " dan 2 lainnya duplikat dari LLG-2018-000099")


