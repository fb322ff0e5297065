"""The verification workflow: allowed status changes, optimistic locking, audit.

Panwaslu turn raw reports into facts: verify, reject (with a reason), mark a
duplicate of an original (with a reason), hand a case on for follow-up (to
whom, by when) and close it with an outcome. Three rules hold for every action:

- Only the transitions of `kondusif.model.TRANSITIONS` are possible.
- Optimistic locking: the caller passes the `version` of the report as the user
  opened it. The change is one ``UPDATE ... WHERE id = :id AND version =
  :expected`` (plus the actor's scope) that bumps the version; if it matches no
  row, nothing is written and `StaleEdit` says what changed since and who did it.
- One `store.write` transaction per report writes the change and its audit row
  (who, when, from, to, note) together, or neither.

Bulk actions (`bulk_change_status`) report per report: one transaction with a
savepoint per report, so a report someone else changed meanwhile is refused
(and listed with the reason) while the rest of the selection goes through,
each still audited on its own.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kondusif import access, safe, store
from kondusif.errors import KondusifError
from kondusif.errors import NotPermitted as NotPermitted  # re-exported: the one access refusal
from kondusif.model import REOPEN_TARGETS, STATUS_LABELS, TRANSITIONS, Status, Viewer
from kondusif.store import outbox
from kondusif.timeutil import WIB, as_utc, format_wib, now, to_wib

log = logging.getLogger(__name__)

MAX_TEXT = 2000


class Action(StrEnum):
    """What a user does; each action leads to exactly one target status."""

    VERIFY = "verify"
    REJECT = "reject"
    MARK_DUPLICATE = "mark_duplicate"
    FOLLOW_UP = "follow_up"
    CLOSE = "close"
    REOPEN = "reopen"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]

    @property
    def target(self) -> Status:
        """The status this action leads to (REOPEN has none fixed: see `reopen_target`)."""
        return ACTION_TARGET[self]

    @property
    def destructive(self) -> bool:
        """Ends the work on a report (a final state): the page asks for a second, explicit step."""
        return self in DESTRUCTIVE_ACTIONS


ACTION_LABELS: dict[Action, str] = {
    Action.VERIFY: "Verifikasi",
    Action.REJECT: "Tolak",
    Action.MARK_DUPLICATE: "Tandai duplikat",
    Action.FOLLOW_UP: "Tindak lanjut",
    Action.CLOSE: "Tutup dengan hasil",
    Action.REOPEN: "Buka kembali",
}
# Confirmation verbs naming the report(s): "Ya, tolak laporan LLG-2018-000123".
CONFIRM_VERBS: dict[Action, str] = {
    Action.REJECT: "tolak",
    Action.MARK_DUPLICATE: "tandai sebagai duplikat",
    Action.CLOSE: "tutup",
}
DESTRUCTIVE_ACTIONS = frozenset(CONFIRM_VERBS)

ACTION_TARGET: dict[Action, Status] = {
    Action.VERIFY: Status.DIVERIFIKASI,
    Action.REJECT: Status.DITOLAK,
    Action.MARK_DUPLICATE: Status.DUPLIKAT,
    Action.FOLLOW_UP: Status.DITINDAKLANJUTI,
    Action.CLOSE: Status.SELESAI,
}
TARGET_ACTION: dict[Status, Action] = {s: a for a, s in ACTION_TARGET.items()}
# Actions that may be applied to a selection (reopening is one report at a time, with its reason).
BULK_ACTIONS: list[Action] = [a for a in Action if a in ACTION_TARGET]
# Who a follow-up is usually handed to in Kota Lubuklinggau (the form also takes any other name).
FOLLOWUP_TARGETS: tuple[str, ...] = ("Panwaslu Kota", "Panwascam", "Polres Lubuklinggau", "Kesbangpol",
                                     "Lurah setempat")

# Columns a user may see change between opening a report and saving it.
FIELD_LABELS: dict[str, str] = {
    "status": "Status",
    "duplicate_of": "Duplikat dari",
    "possible_duplicate": "Kemungkinan duplikat",
    "followup_to": "Ditangani oleh",
    "followup_due": "Tenggat tindak lanjut",
    "outcome": "Hasil",
    "title": "Judul",
    "description": "Uraian",
    "category": "Kategori",
    "severity": "Tingkat",
    "kode_kelurahan": "Kelurahan",
    "rt": "RT",
    "occurred_at": "Waktu kejadian",
    "lat": "Lintang",
    "lon": "Bujur",
}
IGNORED_IN_DIFF = frozenset({"version", "updated_at"})


# --------------------------------------------------------------------------- errors


class WorkflowError(KondusifError):
    """An action that was refused; str() is a message in Bahasa Indonesia for the user."""



class NotFound(WorkflowError):
    """The report does not exist or lies outside the actor's scope."""


class TransitionRefused(WorkflowError):
    """The workflow does not allow this status change from the current status."""


class InvalidInput(WorkflowError):
    """A required field is missing or wrong; `field` names it."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class Change:
    """One field that changed between the version the user opened and now."""

    field: str
    label: str
    before: Any
    after: Any


class StaleEdit(WorkflowError):
    """Someone else changed the report since the user opened it; nothing was written.

    Carries the current row, the field changes since the opened version and the
    audit rows written since, so the UI can show what happened.
    """

    def __init__(self, report_no: str, expected_version: int, current: dict[str, Any],
                 changes: list[Change], history: list[dict[str, Any]]):
        who = sorted({h["actor"] for h in history if h.get("actor")})
        by = f" oleh {', '.join(who)}" if who else ""
        super().__init__(
            f"Laporan {report_no} sudah diubah{by} sejak Anda membukanya "
            f"(versi {expected_version} → {current['version']}). Perubahan Anda tidak disimpan; "
            "periksa perubahan itu lalu ulangi bila masih perlu."
        )
        self.report_no = report_no
        self.expected_version = expected_version
        self.current = current
        self.changes = changes
        self.history = history


def is_own_repeat(exc: StaleEdit, viewer: Viewer, action: Action | str) -> bool:
    """True when a stale save only repeats what this same user just saved (a double click).

    The one change since the opened version is this user's own, same action: the page
    says "already saved" instead of showing a conflict; nothing is written either way.
    """
    return (len(exc.history) == 1 and exc.history[0].get("actor") == viewer.username
            and exc.history[0].get("action") == Action(action).value)


# --------------------------------------------------------------------------- rules


def can_reopen(viewer: Viewer) -> bool:
    """Who may reopen a final state (ditolak, duplikat, selesai): `incident.reopen` in access.py.

    The scope (a kecamatan) is applied to the row itself, as for every other action.
    """
    return access.allows(viewer, "incident.reopen")


def reopen_target(status: Status | str) -> Status | None:
    """The status a final state reopens to (None when `status` is not final)."""
    return REOPEN_TARGETS.get(Status(status))


def confirm_label(action: Action, report_numbers: Sequence[str], original: str | None = None) -> str:
    """The text of the confirmation tick box, naming every report it applies to.

    Marking a duplicate names the ORIGINAL too (issue 30.4: a tick naming only this report read
    as "duplicate of itself"): "Ya, laporan ini (LLG-…-000124) duplikat dari LLG-…-000123"."""
    shown = ", ".join(report_numbers[:10]) + (f" dan {len(report_numbers) - 10} lainnya"
                                             if len(report_numbers) > 10 else "")
    if action == Action.MARK_DUPLICATE:
        target = original or "laporan asli yang dipilih"
        if len(report_numbers) == 1:
            return f"Ya, laporan ini ({shown}) duplikat dari {target}"
        return f"Ya, {len(report_numbers)} laporan {shown} duplikat dari {target}"
    verb = CONFIRM_VERBS[action]
    noun = "laporan" if len(report_numbers) == 1 else f"{len(report_numbers)} laporan"
    return f"Ya, {verb} {noun} {shown}"


def allowed_actions(status: Status | str, viewer: Viewer) -> list[Action]:
    """Actions allowed from `status`, in workflow order.

    A final state offers only REOPEN, and only to viewers who may reopen.
    """
    targets = TRANSITIONS[Status(status)]
    out = [a for a in Action if a in ACTION_TARGET and a.target in targets]
    if reopen_target(status) is not None and can_reopen(viewer):
        out.append(Action.REOPEN)
    return out


@dataclass(frozen=True)
class ActionInput:
    """What the user typed for an action; which fields are required depends on the target."""

    note: str | None = None
    duplicate_of: str | None = None  # id or report number of the original
    followup_to: str | None = None
    followup_due: date | datetime | None = None
    outcome: str | None = None


def _text(value: str | None) -> str:
    """Typed text without control characters or bidi overrides (issue 27), trimmed."""
    return (safe.clean_text(value) or "").strip()


def _require(value: str | None, field_name: str, message: str) -> str:
    text = _text(value)
    if not text:
        raise InvalidInput(field_name, message)
    if len(text) > MAX_TEXT:
        raise InvalidInput(field_name, f"Isian «{FIELD_NAMES_ID.get(field_name, field_name)}» terlalu panjang "
                                       f"({len(text)} huruf; paling banyak {MAX_TEXT}).")
    return text


FIELD_NAMES_ID = {
    "note": "Catatan/alasan",
    "duplicate_of": "Laporan asli",
    "followup_to": "Diserahkan kepada",
    "followup_due": "Tenggat",
    "outcome": "Hasil",
}


def due_datetime(value: date | datetime) -> datetime:
    """A due date means the end of that day in WIB; a datetime is taken as given (naive = WIB)."""
    if isinstance(value, datetime):
        return as_utc(value)
    return as_utc(datetime.combine(value, time(23, 59), tzinfo=WIB))


def validate_input(target: Status | str, data: ActionInput) -> ActionInput:
    """Check the fields the target status needs, before touching the store.

    Returns a cleaned copy; raises InvalidInput naming the field.
    """
    target = Status(target)
    note = _text(data.note)
    if len(note) > MAX_TEXT:
        raise InvalidInput("note", f"Catatan terlalu panjang ({len(note)} huruf; paling banyak {MAX_TEXT}).")
    if target == Status.DITOLAK:
        note = _require(data.note, "note", "Alasan penolakan wajib diisi.")
        return ActionInput(note=note)
    if target == Status.DUPLIKAT:
        original = _require(data.duplicate_of, "duplicate_of", "Pilih laporan asli untuk duplikat ini.")
        note = _require(data.note, "note", "Alasan menandai duplikat wajib diisi.")
        return ActionInput(note=note, duplicate_of=original)
    if target == Status.DITINDAKLANJUTI:
        note = _require(data.note, "note", "Catatan tindak lanjut wajib diisi.")
        to = _require(data.followup_to, "followup_to", "Isi kepada siapa laporan ini diserahkan.")
        if data.followup_due is None:
            raise InvalidInput("followup_due", "Tenggat tindak lanjut wajib diisi.")
        return ActionInput(note=note, followup_to=to, followup_due=data.followup_due)
    if target == Status.SELESAI:
        outcome = _require(data.outcome, "outcome", "Hasil penanganan wajib diisi untuk menutup laporan.")
        return ActionInput(note=note or None, outcome=outcome)
    return ActionInput(note=note or None)


# --------------------------------------------------------------------------- the write


def _scoped_row(conn: Connection, viewer: Viewer, key: str) -> dict[str, Any] | None:
    """The full row of a report (by id or report number) if it lies in the viewer's scope."""
    stmt = sa.select(store.incidents).where(
        sa.or_(store.incidents.c.id == key, store.incidents.c.report_no == key)
    )
    scope = store.scope_clause(viewer)
    if scope is not None:
        stmt = stmt.where(scope)
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None


def _audit_rows(conn: Connection, incident_id: str) -> list[dict[str, Any]]:
    a = store.audit_log
    rows = conn.execute(
        sa.select(a).where(a.c.entity == "incident", a.c.entity_id == incident_id).order_by(a.c.id)
    ).mappings().all()
    out = []
    for r in rows:
        row = dict(r)
        try:
            row["details"] = json.loads(row["details"]) if row["details"] else {}
        except ValueError:
            row["details"] = {}
        out.append(row)
    return out


def _history_since(rows: list[dict[str, Any]], version: int) -> list[dict[str, Any]]:
    """Audit rows written after the row that produced `version` (the one the user opened)."""
    marker = None
    for i, row in enumerate(rows):
        v = row["details"].get("version")
        if (v is not None and int(v) == version) or (version == 1 and row["action"] == "create"):
            marker = i
    if marker is not None:
        return rows[marker + 1:]
    return [r for r in rows if r["details"].get("version") is not None and int(r["details"]["version"]) > version]


def _diff(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    changes = []
    for key, value in after.items():
        if key in IGNORED_IN_DIFF or key not in before:
            continue
        if before[key] != value:
            changes.append(Change(key, FIELD_LABELS.get(key, key), before[key], value))
    return changes


def _changes_from_history(history: list[dict[str, Any]]) -> list[Change]:
    """Field changes reconstructed from the audit details (first 'before', last 'after')."""
    first: dict[str, Any] = {}
    last: dict[str, Any] = {}
    for row in history:
        for key, pair in (row["details"].get("changes") or {}).items():
            first.setdefault(key, pair[0])
            last[key] = pair[1]
    return [Change(k, FIELD_LABELS.get(k, k), first[k], last[k]) for k in last if first[k] != last[k]]


def _stale(conn: Connection, current: dict[str, Any], expected: int,
           opened: dict[str, Any] | None) -> StaleEdit:
    history = _history_since(_audit_rows(conn, current["id"]), expected)
    changes = _diff(opened, current) if opened else _changes_from_history(history)
    return StaleEdit(current["report_no"], expected, current, changes, history)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    return value


def _resolve_original(conn: Connection, viewer: Viewer, row: dict[str, Any], key: str) -> dict[str, Any]:
    original = _scoped_row(conn, viewer, key)
    if original is None:
        raise InvalidInput("duplicate_of", f"Laporan asli «{key}» tidak ditemukan di wilayah Anda.")
    if original["id"] == row["id"]:
        raise InvalidInput("duplicate_of", "Laporan tidak bisa menjadi duplikat dari dirinya sendiri.")
    # Follow the original's own duplicate chain: it must not lead back to this report.
    seen = {original["id"]}
    nxt = original.get("duplicate_of")
    while nxt:
        if nxt == row["id"]:
            raise InvalidInput(
                "duplicate_of",
                f"Laporan {original['report_no']} sudah tercatat sebagai duplikat (langsung atau berantai) "
                f"dari laporan {row['report_no']}; menandai sebaliknya akan membuat lingkaran.",
            )
        if nxt in seen or len(seen) > 1000:
            break  # an existing loop elsewhere is not this action's business
        seen.add(nxt)
        nxt = conn.execute(
            sa.select(store.incidents.c.duplicate_of).where(store.incidents.c.id == nxt)
        ).scalar()
    return original


def _apply(conn: Connection, viewer: Viewer, incident_id: str, expected_version: int, target: Status | None,
           data: ActionInput, opened: dict[str, Any] | None) -> dict[str, Any]:
    """Do one validated change inside the caller's transaction; raises on any refusal.

    `target` None reopens a final state (to `REOPEN_TARGETS` of its current status).
    """
    row = _scoped_row(conn, viewer, incident_id)
    if row is None:
        raise NotFound(f"Laporan «{incident_id}» tidak ditemukan di wilayah Anda.")
    if int(row["version"]) != int(expected_version):
        raise _stale(conn, row, int(expected_version), opened)
    current = Status(row["status"])
    reopening = target is None
    if reopening:
        target = reopen_target(current)
        if target is None:
            raise TransitionRefused(f"Laporan {row['report_no']} berstatus «{current.label}», belum status akhir: "
                                    "tidak ada yang perlu dibuka kembali.")
    elif target not in TRANSITIONS[current]:
        allowed = ", ".join(STATUS_LABELS[s] for s in sorted(TRANSITIONS[current], key=list(Status).index))
        raise TransitionRefused(
            f"Laporan {row['report_no']} berstatus «{cast(Status, current).label}» dan tidak bisa diubah menjadi "
            f"«{cast(Status, target).label}»" + (f" (yang boleh: {allowed})." if allowed else " (status akhir).")
        )

    values: dict[str, Any] = {}
    original = None
    if reopening:
        # No longer a duplicate or a closed case; the old values stay in the audit's changes.
        values.update({k: None for k in ("duplicate_of", "outcome") if row.get(k) is not None})
    elif target == Status.DUPLIKAT:
        original = _resolve_original(conn, viewer, row, data.duplicate_of or "")
        values.update(duplicate_of=original["id"], possible_duplicate=False)
    elif target == Status.DITINDAKLANJUTI:
        due = due_datetime(data.followup_due)  # type: ignore[arg-type]
        if to_wib(due).date() < to_wib(row["occurred_at"]).date():
            raise InvalidInput("followup_due", "Tenggat tindak lanjut tidak boleh sebelum tanggal kejadian.")
        values.update(followup_to=data.followup_to, followup_due=due)
    elif target == Status.SELESAI:
        values.update(outcome=data.outcome)

    new_version = int(expected_version) + 1
    changes = {"status": [current.value, target.value]}
    for key, value in values.items():
        if row.get(key) != value:
            changes[key] = [_plain(row.get(key)), _plain(value)]
    action = Action.REOPEN if reopening else TARGET_ACTION[target]
    details: dict[str, Any] = {"version": new_version, "expected_version": int(expected_version),
                               "changes": changes}
    note = data.note
    if reopening:
        note = f"Dibuka kembali dari «{current.label}»: {data.note}"
    if original is not None:
        details["original_report_no"] = original["report_no"]
        note = f"Duplikat dari {original['report_no']}: {data.note}"
    if target == Status.DITINDAKLANJUTI:
        note = f"{data.note} (diserahkan kepada {data.followup_to}, tenggat {format_wib(values['followup_due'])})"
    if target == Status.SELESAI and not reopening:
        note = f"Hasil: {data.outcome}" + (f" — {data.note}" if data.note else "")
    audits = [{"actor": viewer.username, "entity": "incident", "entity_id": row["id"], "action": action.value,
               "note": note, "from_status": current.value, "to_status": target.value, "details": details}]
    if original is not None:
        # The original keeps its own record; its history says what was merged into it.
        audits.append({"actor": viewer.username, "entity": "incident", "entity_id": original["id"],
                       "action": "duplicate_linked",
                       "note": f"Laporan {row['report_no']} ditandai sebagai duplikat laporan ini: {data.note}",
                       "details": {"duplicate_id": row["id"], "duplicate_report_no": row["report_no"]}})
    c = store.incidents.c
    where = [c.id == row["id"], c.version == int(expected_version), c.status == current.value]
    scope = store.scope_clause(viewer)
    if scope is not None:
        where.append(scope)
    stamp = now()
    if not store.update_incident(conn, where, {"status": target.value, "updated_at": stamp, **values}, audits):
        # Someone committed between our read and our update (possible on PostgreSQL).
        fresh = _scoped_row(conn, viewer, row["id"])
        if fresh is None:
            raise NotFound(f"Laporan «{incident_id}» tidak ditemukan di wilayah Anda.")
        raise _stale(conn, fresh, int(expected_version), opened)
    row.update(values, status=target.value, version=new_version, updated_at=stamp)
    return row


def _check_actor(viewer: Viewer | None) -> Viewer:
    return access.require(viewer, "incident.transition")


def _levels_may_move(conn: Connection, kelurahan: Iterable[str]) -> None:
    """A status change moves the level of its kelurahan: the Rawan re-check runs after commit (outbox)."""
    codes = tuple(sorted(set(kelurahan)))
    if codes:
        outbox.record(conn, outbox.ReportsChanged(codes))


def change_status(
    engine: Engine,
    viewer: Viewer,
    incident_id: str,
    expected_version: int,
    target: Status | str,
    data: ActionInput | None = None,
    opened: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Move one report to `target` (one transaction; optimistic lock on `expected_version`).

    `incident_id` may be the id or the report number. `opened` is the row as the
    user opened it (optional): when the save is stale, the field changes are
    computed against it; without it they come from the audit log. Returns the
    updated row. Raises NotPermitted, InvalidInput, NotFound, StaleEdit or
    TransitionRefused; nothing is written when it raises.
    """
    viewer = _check_actor(viewer)
    target = Status(target)
    clean = validate_input(target, data or ActionInput())
    with store.write(engine) as conn:
        row = _apply(conn, viewer, incident_id, expected_version, target, clean, opened)
        _levels_may_move(conn, [row["kode_kelurahan"]])
    return row


def apply_action(engine: Engine, viewer: Viewer, incident_id: str, expected_version: int,
                 action: Action | str, data: ActionInput | None = None,
                 opened: dict[str, Any] | None = None) -> dict[str, Any]:
    """`change_status` named by the user's action (verify, reject, ..., reopen)."""
    if Action(action) == Action.REOPEN:
        return reopen(engine, viewer, incident_id, expected_version, (data or ActionInput()).note, opened)
    return change_status(engine, viewer, incident_id, expected_version, Action(action).target, data, opened)


def reopen(engine: Engine, viewer: Viewer, incident_id: str, expected_version: int, reason: str | None,
           opened: dict[str, Any] | None = None) -> dict[str, Any]:
    """Reopen a final state (ditolak/duplikat -> baru, selesai -> diverifikasi) with a reason.

    People misclick: a final state is not a dead end. Only `can_reopen` roles, only
    inside their scope, optimistic lock and audit as for every action.
    """
    viewer = access.require(viewer, "incident.reopen")
    clean = ActionInput(note=_require(reason, "note", "Alasan membuka kembali wajib diisi."))
    with store.write(engine) as conn:
        row = _apply(conn, viewer, incident_id, expected_version, None, clean, opened)
        _levels_may_move(conn, [row["kode_kelurahan"]])
    return row


def verify(engine: Engine, viewer: Viewer, incident_id: str, version: int, note: str | None = None) -> dict:
    return change_status(engine, viewer, incident_id, version, Status.DIVERIFIKASI, ActionInput(note=note))


def reject(engine: Engine, viewer: Viewer, incident_id: str, version: int, reason: str) -> dict:
    return change_status(engine, viewer, incident_id, version, Status.DITOLAK, ActionInput(note=reason))


def mark_duplicate(engine: Engine, viewer: Viewer, incident_id: str, version: int, original: str,
                   reason: str) -> dict:
    """Merge in one step: the report becomes duplikat of `original`; both records and histories stay."""
    return change_status(engine, viewer, incident_id, version, Status.DUPLIKAT,
                         ActionInput(note=reason, duplicate_of=original))


def follow_up(engine: Engine, viewer: Viewer, incident_id: str, version: int, note: str, to: str,
              due: date | datetime) -> dict:
    return change_status(engine, viewer, incident_id, version, Status.DITINDAKLANJUTI,
                         ActionInput(note=note, followup_to=to, followup_due=due))


def close(engine: Engine, viewer: Viewer, incident_id: str, version: int, outcome: str,
          note: str | None = None) -> dict:
    return change_status(engine, viewer, incident_id, version, Status.SELESAI,
                         ActionInput(note=note, outcome=outcome))


# --------------------------------------------------------------------------- bulk


@dataclass
class BulkResult:
    """Per-report outcome of a bulk action: what was saved and what was refused (and why)."""

    done: list[dict[str, Any]] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (report number or id, message)

    @property
    def ok(self) -> bool:
        return not self.refused


def _report_no(conn: Connection, viewer: Viewer, key: str) -> str:
    row = _scoped_row(conn, viewer, key)
    return row["report_no"] if row else key


def bulk_change_status(
    engine: Engine,
    viewer: Viewer,
    items: Sequence[tuple[str, int]],
    target: Status | str,
    data: ActionInput | None = None,
) -> BulkResult:
    """Apply one action with one note/reason to a selection of (id, version) pairs.

    Per-report results: one transaction, a savepoint per report. A report that
    is stale, out of scope or not allowed the transition is rolled back to its
    savepoint and listed in `refused`; every other report is changed and
    audited on its own. Input errors (e.g. a missing reason) refuse the whole
    batch before anything is written.
    """
    viewer = _check_actor(viewer)
    target = Status(target)
    clean = validate_input(target, data or ActionInput())
    result = BulkResult()
    seen: set[str] = set()
    with store.write(engine) as conn:
        for incident_id, version in items:
            if incident_id in seen:
                continue
            seen.add(incident_id)
            try:
                with conn.begin_nested():
                    result.done.append(_apply(conn, viewer, incident_id, int(version), target, clean, None))
            except WorkflowError as exc:
                label = getattr(exc, "report_no", None) or _report_no(conn, viewer, incident_id)
                result.refused.append((label, str(exc)))
        _levels_may_move(conn, [r["kode_kelurahan"] for r in result.done])
    return result
