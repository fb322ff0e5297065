"""Any URL query string ends as a Filter plus notices, never an exception.

`Filter.from_params` gets arbitrary dicts of str -> str / list[str] (what
Streamlit's st.query_params hands over), with keys and values near the real
parameters. Whatever it returns must be usable by every page: it resolves to a
period, turns into a store query, describes itself, and survives a round trip
through the URL unchanged.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fuzz_helpers import fuzz_settings
from hypothesis import example, given
from hypothesis import strategies as st

from kondusif.filters import PARAMS, Filter, period_options
from kondusif.model import Category, Severity, Source, Status
from kondusif.store import IncidentQuery
from lubuklinggau_geo import gazetteer

NOW = datetime(2018, 6, 28, 5, 0, tzinfo=UTC)  # fixed, so "future" dates mean the same in every run
FUZZ = fuzz_settings(200)

KNOWN = [
    *period_options(),
    *gazetteer.kecamatan_codes(), *gazetteer.kelurahan_codes(),
    *(c.value for c in Category), *(s.value for s in Severity), *(s.value for s in Status),
    *(s.value for s in Source),
    "2018-06-27", "2018-02-15", "2018-13-01", "0001-01-01", "9999-12-31", "2999-01-01", "2030-01-01",
    "1", "03", "0", "-1", "99999", "RT 3", "1673011001", "16.73.01", "16.73.01.1001", "16.73.1", "Air Kuti",
    "", " ", ",", ",,", "BERAT", "Politik_Uang", "`x`", "[a](http://contoh.invalid)", "\x00", "\n",
]
value = st.one_of(st.sampled_from(KNOWN), st.text(max_size=30),
                  st.lists(st.sampled_from(KNOWN), max_size=6).map(",".join),
                  st.text(min_size=4001, max_size=4100))
values = st.one_of(value, st.lists(value, max_size=4))
keys = st.one_of(st.sampled_from(sorted(PARAMS.values())), st.text(max_size=10))
params = st.dictionaries(keys, values, max_size=12)


@FUZZ
@given(params)
@example({"periode": "rentang", "dari": "2018-06-30", "sampai": "2018-06-01"})
@example({"kel": ["16.73.01.1001", "16.73.02.1001"], "kec": "16.73.01", "rt": "3"})
@example({"per": "9999-12-31", "periode": "rekapitulasi"})
def test_from_params_gives_a_usable_filter_and_notices(p):
    f, notices = Filter.from_params(p, now=NOW)
    assert isinstance(f, Filter)
    assert all(isinstance(n, str) and n.strip() for n in notices)
    period = f.resolve(NOW)
    assert period.start <= period.end
    assert period.end <= datetime(2018, 6, 28, 5, 1, tzinfo=UTC)  # never past "now" (rounded up)
    q = f.to_query(NOW)
    assert isinstance(q, IncidentQuery)
    assert f.describe(NOW)
    # every value kept is a real one
    assert set(f.kecamatan) <= set(gazetteer.kecamatan_codes())
    assert set(f.kelurahan) <= set(gazetteer.kelurahan_codes())
    assert all(r > 0 for r in f.rt)
    assert not f.rt or len(f.kelurahan) == 1
    # the URL the page writes back reads as the same filter, silently
    again, notes = Filter.from_params(f.to_params(), now=NOW)
    assert (again, notes) == (f, [])


@FUZZ
@given(st.dictionaries(keys, st.one_of(st.none(), st.integers(), st.binary(max_size=8),
                                                       st.lists(st.integers(), max_size=3)), max_size=5))
def test_from_params_tolerates_non_string_values(p):
    """Callers other than st.query_params may pass odd values; still a filter, never a crash."""
    f, notices = Filter.from_params(p, now=NOW)
    assert isinstance(f, Filter)
    assert all(isinstance(n, str) for n in notices)
