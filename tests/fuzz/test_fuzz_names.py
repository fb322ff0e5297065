"""Any text given to the name matcher ends as a code or a clear GeoNameError, never a crash."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lubuklinggau_geo import gazetteer, names

OFFICIAL = gazetteer.kelurahan()["nama"].tolist()
CODES = set(gazetteer.kelurahan_codes())

# Text near real names (the hard cases) as well as arbitrary unicode.
near_names = st.builds(
    lambda name, prefix, junk, upper: (prefix + (name.upper() if upper else name) + junk),
    st.sampled_from(OFFICIAL),
    st.sampled_from(["", "Kel. ", "kelurahan ", "  ", "desa "]),
    st.text(max_size=4),
    st.booleans(),
)
texts = st.one_of(st.text(max_size=200), near_names, st.none(), st.integers(), st.binary(max_size=20))

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(texts)
def test_find_kelurahan_returns_a_code_or_a_clear_error(text):
    try:
        code = names.find_kelurahan(text)
    except names.GeoNameError as exc:
        assert str(exc).strip()
        assert isinstance(exc.candidates, list)
    else:
        assert code in CODES


@FUZZ
@given(texts)
def test_find_kecamatan_returns_a_code_or_a_clear_error(text):
    try:
        code = names.find_kecamatan(text)
    except names.GeoNameError as exc:
        assert str(exc).strip()
    else:
        assert code in set(gazetteer.kecamatan_codes())


@FUZZ
@given(st.text(max_size=500))
def test_match_and_search_in_text_never_raise(text):
    m = names.match_kelurahan(text)
    assert m.code is None or m.code in CODES
    found = names.find_kelurahan_in_text(text)
    assert found is None or found[0] in CODES
