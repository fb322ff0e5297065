"""The shared Filter: periods, URL round trip, bad parameters, scope, store query."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from kondusif import demo, store
from kondusif.config import Calendar, Phase
from kondusif.filters import (
    CUSTOM,
    DEFAULT_PERIOD,
    Filter,
    as_of_moment,
    default_as_of,
    format_moment,
    period_options,
)
from kondusif.model import SYSTEM, Category, Role, Severity, Source, Status, Viewer
from kondusif.timeutil import WIB
from lubuklinggau_geo import gazetteer

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # 17:00 WIB
KEC = gazetteer.kecamatan_codes()
KEL = gazetteer.kelurahan_codes()


def wib(y, m, d, h=0, mi=0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=WIB).astimezone(UTC)


# ------------------------------------------------------------------ periods


def test_rolling_period_ends_now_when_live():
    p = Filter(period="24j").resolve(NOW)
    assert (p.start, p.end, p.replay) == (NOW - timedelta(hours=24), NOW, False)
    assert p.label == "24 jam terakhir"


def test_rolling_period_ends_at_end_of_as_of_day_in_wib():
    p = Filter(period="7h", as_of=date(2018, 6, 27)).resolve(NOW)
    assert p.end == wib(2018, 6, 28)  # 27 June 24:00 WIB == 17:00 UTC
    assert p.end == datetime(2018, 6, 27, 17, 0, tzinfo=UTC)
    assert p.start == wib(2018, 6, 21)
    assert p.replay
    assert format_moment(p.end) == "akhir 27/06/2018"


def test_as_of_today_is_live():
    today = NOW.astimezone(WIB).date()
    assert as_of_moment(today, NOW) == NOW
    assert not Filter(as_of=today).resolve(NOW).replay


def test_phase_presets_come_from_the_calendar():
    options = period_options()
    for key in ("24j", "7h", "30h", "kampanye", "masa_tenang", "pemungutan", CUSTOM):
        assert key in options
    tenang = Filter(period="masa_tenang").resolve(NOW)
    assert (tenang.start, tenang.end) == (wib(2018, 6, 24), wib(2018, 6, 27))
    voting = Filter(period="pemungutan").resolve(NOW)
    assert (voting.start, voting.end) == (wib(2018, 6, 27), wib(2018, 6, 28))
    assert voting.label == "Hari pemungutan suara"


def test_phase_is_cut_at_the_as_of_day():
    p = Filter(period="kampanye", as_of=date(2018, 3, 1)).resolve(NOW)
    assert (p.start, p.end) == (wib(2018, 2, 15), wib(2018, 3, 2))
    before = Filter(period="pemungutan", as_of=date(2018, 6, 1)).resolve(NOW)
    assert before.start == before.end  # not yet happened: an empty period, not an error


def test_open_ended_phase_runs_to_the_as_of_moment():
    p = Filter(period="rekapitulasi", as_of=date(2018, 7, 5)).resolve(NOW)
    assert (p.start, p.end) == (wib(2018, 6, 28), wib(2018, 7, 6))


def test_configured_calendar_gives_other_presets():
    cal = Calendar(name="Pilkada 2024", season_start=date(2024, 9, 25), season_end=date(2024, 12, 31),
                   phases=(Phase("kampanye", "Masa kampanye", date(2024, 9, 25), date(2024, 11, 23)),
                           Phase("masa_tenang", "Masa tenang", date(2024, 11, 24), date(2024, 11, 26)),
                           Phase("pemungutan", "Hari pemungutan suara", date(2024, 11, 27), date(2024, 11, 27))))
    p = Filter(period="pemungutan").resolve(NOW, cal)
    assert (p.start, p.end) == (wib(2024, 11, 27), wib(2024, 11, 28))
    assert "rekapitulasi" not in period_options(cal)


def test_custom_range_in_wib_days():
    f = Filter(period=CUSTOM, start=date(2018, 6, 20), end=date(2018, 6, 22))
    p = f.resolve(NOW)
    assert (p.start, p.end) == (wib(2018, 6, 20), wib(2018, 6, 23))
    assert p.days() == [date(2018, 6, 20), date(2018, 6, 21), date(2018, 6, 22)]
    q = f.to_query(NOW)
    assert q.start == datetime(2018, 6, 19, 17, 0, tzinfo=UTC)
    assert q.end == datetime(2018, 6, 22, 17, 0, tzinfo=UTC)


def test_previous_window_has_the_same_length():
    p = Filter(period="7h", as_of=date(2018, 6, 27)).resolve(NOW)
    prev = p.previous()
    assert prev.end == p.start and prev.duration == p.duration


def test_default_as_of_replays_old_data_only():
    assert default_as_of(None, NOW) is None
    assert default_as_of(wib(2018, 7, 7, 23, 30), NOW) == date(2018, 7, 7)
    assert default_as_of(NOW - timedelta(hours=1), NOW) is None


# ------------------------------------------------------------------ query


def test_to_query_carries_every_filter():
    f = Filter(kecamatan=(KEC[0],), kelurahan=(KEL[0],), rt=(3,), category=("politik_uang",),
               severity=("berat",), status=("baru",), source=("form",))
    q = f.to_query(NOW)
    assert q.kecamatan == (KEC[0],) and q.kelurahan == (KEL[0],) and q.rt == (3,)
    assert q.category == ("politik_uang",) and q.severity == ("berat",)
    assert q.status == ("baru",) and q.source == ("form",)
    empty = Filter().to_query(NOW)
    assert empty.kecamatan is None and empty.category is None


def test_filter_query_selects_from_the_store(engine):
    from kondusif.registry import ensure_rt_registry

    ensure_rt_registry(engine)
    demo.seed_demo(engine, 400, seed=3)
    f = Filter(period="masa_tenang", category=("politik_uang",), severity=("berat", "sedang"))
    df = store.query_incidents(engine, f.to_query(NOW), SYSTEM)
    assert len(df)
    assert set(df["category"]) == {"politik_uang"}
    assert set(df["severity"]) <= {"berat", "sedang"}
    local = df["occurred_at"].dt.tz_convert("Asia/Jakarta").dt.date
    assert local.min() >= date(2018, 6, 24) and local.max() <= date(2018, 6, 26)


# ------------------------------------------------------------------ URL round trip


def test_defaults_make_an_empty_url():
    assert Filter().to_params() == {}
    assert Filter.from_params({}) == (Filter(), [])


def test_round_trip_example():
    f = Filter(period=CUSTOM, start=date(2018, 6, 1), end=date(2018, 6, 30), as_of=date(2018, 7, 1),
               kecamatan=(KEC[1],), kelurahan=(KEL[12],) if KEL[12].startswith(KEC[1]) else (),
               category=("politik_uang", "intimidasi"), severity=("berat",), status=("baru", "diverifikasi"),
               source=("form",))
    params = f.to_params()
    assert params["periode"] == CUSTOM and params["dari"] == "2018-06-01" and params["per"] == "2018-07-01"
    assert params["kat"] == "intimidasi,politik_uang"
    back, notices = Filter.from_params(params, now=NOW)
    assert back == f and notices == []


def filters() -> st.SearchStrategy[Filter]:
    dates = st.dates(min_value=date(2017, 1, 1), max_value=date(2026, 11, 26))

    @st.composite
    def build(draw):
        period = draw(st.sampled_from([*period_options(), CUSTOM]))
        start = end = None
        if period == CUSTOM:
            a, b = sorted([draw(dates), draw(dates)])
            start, end = a, b
        kec = draw(st.lists(st.sampled_from(KEC), max_size=3, unique=True))
        pool = [k for k in KEL if not kec or k[:8] in kec]
        kel = draw(st.lists(st.sampled_from(pool), max_size=3, unique=True))
        rt = draw(st.lists(st.integers(1, 60), max_size=3, unique=True)) if len(kel) == 1 else []
        return Filter(
            period=period, start=start, end=end, as_of=draw(st.none() | dates),
            kecamatan=tuple(kec), kelurahan=tuple(kel), rt=tuple(rt),
            category=tuple(draw(st.lists(st.sampled_from([c.value for c in Category]), unique=True))),
            severity=tuple(draw(st.lists(st.sampled_from([s.value for s in Severity]), unique=True))),
            status=tuple(draw(st.lists(st.sampled_from([s.value for s in Status]), unique=True))),
            source=tuple(draw(st.lists(st.sampled_from([s.value for s in Source]), unique=True))),
        )

    return build()


@settings(max_examples=150, deadline=None)
@given(filters())
def test_round_trip_through_url_params(f):
    back, notices = Filter.from_params(f.to_params(), now=NOW)
    assert notices == []
    assert back == f


PARAM_NAMES = ["periode", "dari", "sampai", "per", "kec", "kel", "rt", "kat", "tingkat", "status", "sumber", "x"]


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(PARAM_NAMES), st.text(max_size=60) | st.lists(st.text(max_size=20))))
def test_any_params_never_crash(params):
    f, notices = Filter.from_params(params, now=NOW)
    assert isinstance(f, Filter)
    assert all(isinstance(n, str) and n for n in notices)
    f.resolve(NOW)  # whatever was accepted resolves to a period
    f.to_query(NOW)


def test_invalid_params_are_dropped_with_notices():
    f, notices = Filter.from_params({
        "periode": "minggu-depan", "per": "kemarin", "kat": "politik_uang,xyz", "tingkat": "BERAT",
        "kec": "16.73.99", "kel": "1673011001", "rt": "abc", "status": "hilang", "sumber": "form",
    }, now=NOW)
    assert f.period == DEFAULT_PERIOD and f.as_of is None
    assert f.category == ("politik_uang",) and f.severity == ("berat",) and f.source == ("form",)
    assert f.kecamatan == () and f.kelurahan == ("16.73.01.1001",) and f.status == ()
    text = "\n".join(notices)
    for name in ("«periode»", "«per»", "«kat»", "«kec»", "«rt»", "«status»"):
        assert name in text
    assert "`xyz`" in text


def test_future_as_of_and_swapped_range():
    f, notices = Filter.from_params({"per": "2099-01-01"}, now=NOW)
    assert f.as_of is None and "belum terjadi" in notices[0]
    f, notices = Filter.from_params({"periode": CUSTOM, "dari": "2018-06-30", "sampai": "2018-06-01"}, now=NOW)
    assert (f.start, f.end) == (date(2018, 6, 1), date(2018, 6, 30)) and "ditukar" in notices[0]
    f, notices = Filter.from_params({"periode": CUSTOM, "dari": "2018-06-30"}, now=NOW)
    assert f.period == DEFAULT_PERIOD and notices


def test_kelurahan_outside_chosen_kecamatan_and_rt_rules():
    f, notices = Filter.from_params({"kec": "16.73.01", "kel": "16.73.01.1001,16.73.02.1001"}, now=NOW)
    assert f.kelurahan == ("16.73.01.1001",) and notices
    f, notices = Filter.from_params({"rt": "3"}, now=NOW)
    assert f.rt == () and "tepat satu kelurahan" in notices[0]
    f, notices = Filter.from_params({"kel": "16.73.01.1001", "rt": "03,7"}, now=NOW)
    assert f.rt == (3, 7) and notices == []


def test_notice_cannot_carry_a_link():
    """Notices are Markdown: a value is shown inside one code span, never as a link."""
    _, notices = Filter.from_params({"kat": "[a](http://x.io)"}, now=NOW)
    assert "`[a](http://x.io)`" in notices[0]
    _, notices = Filter.from_params({"kat": "`a`](http://x)\n"}, now=NOW)
    assert notices[0].count("`") == 2


def test_overlong_and_repeated_values():
    f, notices = Filter.from_params({"kat": "politik_uang," * 5000}, now=NOW)
    assert f.category == () and "terlalu panjang" in notices[0]
    f, notices = Filter.from_params({"kat": ["politik_uang", "intimidasi", "politik_uang"]}, now=NOW)
    assert f.category == ("intimidasi", "politik_uang") and notices == []


# ------------------------------------------------------------------ scope


def test_panwaslu_scope_forces_kecamatan():
    viewer = Viewer("pw", Role.PANWASLU, kecamatan="16.73.02")
    f, notices = Filter(kecamatan=("16.73.01",), kelurahan=("16.73.01.1001", "16.73.02.1001")).scoped(viewer)
    assert f.kecamatan == ("16.73.02",) and f.kelurahan == ("16.73.02.1001",)
    assert len(notices) == 2
    free = Viewer("pw2", Role.PANWASLU)
    assert Filter(kecamatan=("16.73.01",)).scoped(free) == (Filter(kecamatan=("16.73.01",)), [])


def test_rt_scope_and_unscoped_roles():
    viewer = Viewer("rt", Role.RT, kelurahan="16.73.01.1001", rt=4)
    f, _ = Filter(kecamatan=("16.73.05",)).scoped(viewer)
    assert (f.kecamatan, f.kelurahan, f.rt) == (("16.73.01",), ("16.73.01.1001",), (4,))
    for role in (Role.ADMIN, Role.PEJABAT):
        g = Filter(kecamatan=("16.73.05",))
        assert g.scoped(Viewer("x", role)) == (g, [])


def test_describe_in_indonesian():
    text = Filter(period="masa_tenang", kecamatan=("16.73.01",), category=("politik_uang",),
                  as_of=date(2018, 7, 1)).describe(NOW)
    assert text.startswith("Masa tenang")
    assert "Politik uang" in text and "Kecamatan Lubuk Linggau Timur I" in text and "1 Juli 2018" in text
