"""The reader against the tuning part of the hand-labelled corpus (the held-out part is the benchmark's)."""

from __future__ import annotations

import pytest
import reading_corpus as rc

TUNING = rc.load_messages("tuning")
FORMS = rc.load_forms("tuning")


def test_corpus_is_as_large_and_varied_as_promised():
    held = rc.load_messages("heldout")
    assert len(TUNING) + len(held) >= 300 and len(FORMS) + len(rc.load_forms("heldout")) >= 60
    assert not {m.id for m in TUNING} & {m.id for m in held}
    assert {m.outcome for m in TUNING} == set(rc.OUTCOMES) and {m.channel for m in TUNING} == {"wa", "sms"}


@pytest.mark.parametrize("m", [m for m in TUNING if m.outcome in ("C", "N")], ids=lambda m: m.id)
def test_no_incident_from_a_message_that_is_not_a_report(m):
    assert rc.read_one(m).outcome != "R"


@pytest.mark.parametrize("m", [m for m in TUNING if rc._explicit_lapor(m)], ids=lambda m: m.id)
def test_every_explicit_lapor_with_a_known_code_is_filed(m):
    r = rc.read_one(m)
    assert (r.outcome, r.category, r.severity, r.rt, r.kelurahan) == ("R", m.category, m.severity, m.rt, m.kelurahan)


@pytest.mark.parametrize("m", [m for m in TUNING if m.outcome == "C"], ids=lambda m: m.id)
def test_checkins_count_for_the_labelled_rt(m):
    r = rc.read_one(m)
    assert (r.outcome, r.rt, r.kelurahan) == ("C", m.rt, m.kelurahan)


def test_at_least_95_percent_exact_on_the_tuning_part():
    s = rc.score(TUNING)
    assert s.exact / s.total >= 0.95, [(m.id, r.outcome, r.reason) for m, r in s.wrong]


@pytest.mark.parametrize("row", FORMS, ids=lambda r: r["id"])
def test_form_choice_values(row):
    assert rc.form_result(row) == row["expected"]
