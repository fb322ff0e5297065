"""Voting-day check-in rounds (issue 24): who is silent after each round, and the low-coverage alert.

Rounds are declared in settings (`[rounds] times`, default 07:00, 12:00 and 18:00 WIB on
the calendar's voting day) with a grace period (`grace_minutes`, 60). After a round's
deadline (its time + grace) an RT not heard from (a check-in or a report) since the round
began is *senyap*: the command post's call list. A kelurahan whose share of RT heard
from is below `coverage_threshold` (0.75) raises one alert per round (kind ``cakupan``,
deduplicated by round and kelurahan), checked every minute by the worker
(kondusif/worker.py) and by `python -m kondusif alerts check`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from kondusif import access, alerts, store
from kondusif.config import ConfigError, settings
from kondusif.coverage import Coverage, contact_sentence, coverage, kelurahan_label
from kondusif.model import SYSTEM, Viewer
from kondusif.timeutil import WIB, as_utc, now, to_wib

log = logging.getLogger(__name__)

KIND_COVERAGE = "cakupan"


@dataclass(frozen=True)
class Round:
    """One round: it begins at `starts`; after `deadline` the RT not heard from since `starts` are silent."""

    number: int
    starts: datetime  # UTC
    deadline: datetime  # UTC

    @property
    def label(self) -> str:
        """'Putaran 2 (12.00 WIB)'."""
        return f"Putaran {self.number} ({to_wib(self.starts):%H.%M} WIB)"


def _clock(text: str) -> time:
    try:
        hour, minute = str(text).strip().split(":")
        return time(int(hour), int(minute))
    except ValueError:
        raise ConfigError(f"Pengaturan «rounds.times»: {text!r} bukan jam JJ:MM (contoh: 07:00).") from None


def voting_day_rounds(day: date | None = None) -> list[Round]:
    """The rounds of `day` (default: the calendar's voting day), in time order."""
    cfg = settings()
    day = day or cfg.calendar.voting_day
    grace = timedelta(minutes=int(cfg.rounds.grace_minutes))
    starts = sorted(datetime.combine(day, _clock(t), tzinfo=WIB) for t in cfg.rounds.times)
    return [Round(i + 1, as_utc(s), as_utc(s) + grace) for i, s in enumerate(starts)]


def current_round(at: datetime | None = None) -> Round | None:
    """The latest round whose deadline has passed at `at`, on the voting day (None before the first, or
    on another day)."""
    at = as_utc(at or now())
    if to_wib(at).date() != settings().calendar.voting_day:
        return None
    done = [r for r in voting_day_rounds() if r.deadline <= at]
    return done[-1] if done else None


@dataclass(frozen=True)
class RoundView:
    """A round and the coverage since it began (per RT: identity only for roles allowed to see it)."""

    round: Round
    at: datetime
    coverage: Coverage

    def below(self, threshold: float | None = None) -> list[dict[str, Any]]:
        """Kelurahan under the threshold, lowest share first."""
        threshold = settings().rounds.coverage_threshold if threshold is None else threshold
        kel = self.coverage.kelurahan
        rows = kel[(kel["rt_total"] > 0) & (kel["share"] < threshold)]
        return rows.sort_values(["share", "kode_kelurahan"]).to_dict("records")


def round_view(engine: Engine, viewer: Viewer, at: datetime | None = None) -> RoundView | None:
    """The current round's silent list in the viewer's scope (coverage.read), or None outside the rounds."""
    access.require(viewer, "coverage.read")
    at = as_utc(at or now())
    r = current_round(at)
    if r is None:
        return None
    return RoundView(r, at, coverage(engine, viewer, r.starts, at))


def alert_message(r: Round, row: dict[str, Any]) -> str:
    """'Cakupan kabar RT Kel. Air Kuti sesudah Putaran 1 (07.00 WIB): 3 dari 7 RT memberi kabar (43%); senyap: …'."""
    share = f"{row['share']:.0%}"
    return (f"Cakupan kabar RT Kel. {kelurahan_label(row['kode_kelurahan'])} sesudah {r.label}: "
            f"{contact_sentence(int(row['rt_heard']), int(row['rt_total']), list(row['senyap']))} ({share})")


def check_rounds(engine: Engine, at: datetime | None = None) -> list[dict[str, Any]]:
    """Raise the low-coverage alerts of the current round (once per round and kelurahan); returns those created."""
    view = round_view(engine, SYSTEM, at)
    if view is None:
        return []
    state = alerts.PENDING if alerts.delivery_config().enabled else alerts.NONE
    stamp = now()
    made: list[dict[str, Any]] = []
    with store.write(engine) as conn:
        for row in view.below():
            kel = str(row["kode_kelurahan"])
            values = {"created_at": stamp, "kind": KIND_COVERAGE, "kode_kecamatan": kel[:8], "kode_kelurahan": kel,
                      "incident_id": None, "message": alert_message(view.round, row),
                      "dedupe_key": f"{KIND_COVERAGE}:{view.round.starts:%Y%m%dT%H%M}:{kel}",
                      "delivery_state": state, "delivery_attempts": 0}
            made.extend(alerts.create_alerts(conn, [values]))  # their delivery recorded there
    return made


__all__ = ["KIND_COVERAGE", "Round", "RoundView", "alert_message", "check_rounds", "current_round", "round_view",
           "voting_day_rounds"]
