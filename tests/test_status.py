"""Kondusivitas levels: decay, status credibility, thresholds, window edges, reasons, RT levels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from kondusif import status
from kondusif.config import LevelConfig, settings
from kondusif.status import Level, compute_levels, incident_scores, level_for

AS_OF = datetime(2018, 6, 27, 12, 0, tzinfo=UTC)
KEL = "16.73.01.1001"
KEL2 = "16.73.02.1001"


def frame(*rows: tuple) -> pd.DataFrame:
    """rows: (hours before AS_OF, severity, status[, kelurahan[, rt[, category]]])."""
    recs = []
    for row in rows:
        hours, sev, st = row[:3]
        recs.append({
            "kode_kelurahan": row[3] if len(row) > 3 else KEL,
            "rt": row[4] if len(row) > 4 else 1,
            "category": row[5] if len(row) > 5 else "politik_uang",
            "occurred_at": AS_OF - timedelta(hours=hours),
            "severity": sev,
            "status": st,
        })
    return pd.DataFrame(recs)


CFG = LevelConfig(
    severity_weight={"ringan": 1.0, "sedang": 2.0, "berat": 4.0},
    status_credibility={"baru": 0.5, "diverifikasi": 1.0, "ditindaklanjuti": 1.0, "selesai": 0.5,
                        "ditolak": 0.0, "duplikat": 0.0},
    half_life_hours=72.0,
    window_hours=14 * 24.0,
    waspada_threshold=3.0,
    rawan_threshold=8.0,
    rt_waspada_threshold=2.0,
    rt_rawan_threshold=4.0,
)


def score_of(df: pd.DataFrame, cfg: LevelConfig = CFG) -> float:
    return float(incident_scores(df, AS_OF, cfg).sum())


# ------------------------------------------------------------------ decay


def test_decay_halves_every_half_life():
    assert score_of(frame((0, "berat", "diverifikasi"))) == pytest.approx(4.0)
    assert score_of(frame((72, "berat", "diverifikasi"))) == pytest.approx(2.0)
    assert score_of(frame((144, "berat", "diverifikasi"))) == pytest.approx(1.0)
    assert score_of(frame((36, "berat", "diverifikasi"))) == pytest.approx(4.0 * 0.5 ** 0.5)


def test_half_life_is_configuration():
    cfg = LevelConfig(**{**CFG.__dict__, "half_life_hours": 24.0})
    assert score_of(frame((24, "sedang", "diverifikasi")), cfg) == pytest.approx(1.0)


def test_severity_weights_scale_the_score():
    df = frame((0, "ringan", "diverifikasi"), (0, "sedang", "diverifikasi"), (0, "berat", "diverifikasi"))
    assert list(incident_scores(df, AS_OF, CFG)) == pytest.approx([1.0, 2.0, 4.0])


# ------------------------------------------------------------------ credibility


def test_status_credibility_rejected_and_duplicate_count_zero():
    assert score_of(frame((1, "berat", "ditolak"))) == 0.0
    assert score_of(frame((1, "berat", "duplikat"))) == 0.0


def test_unverified_counts_less_than_verified():
    baru = score_of(frame((0, "berat", "baru")))
    verified = score_of(frame((0, "berat", "diverifikasi")))
    assert 0 < baru < verified
    assert baru == pytest.approx(2.0)


def test_default_credibility_orders_statuses():
    cred = LevelConfig().status_credibility
    assert cred["ditolak"] == cred["duplikat"] == 0
    assert 0 < cred["baru"] < cred["diverifikasi"]


# ------------------------------------------------------------------ window edges


def test_window_edges():
    cfg = CFG
    at_as_of = frame((0, "ringan", "diverifikasi"))
    just_inside = frame((cfg.window_hours - 0.01, "ringan", "diverifikasi"))
    at_edge = frame((cfg.window_hours, "ringan", "diverifikasi"))
    future = frame((-1, "berat", "diverifikasi"))
    assert score_of(at_as_of) == pytest.approx(1.0)
    assert score_of(just_inside) > 0
    assert score_of(at_edge) == 0.0
    assert score_of(future) == 0.0


def test_window_start_matches_the_window():
    assert status.window_start(AS_OF, CFG) == AS_OF - timedelta(days=14)


def test_levels_ignore_reports_outside_the_window():
    df = frame((CFG.window_hours + 1, "berat", "diverifikasi"), (-2, "berat", "diverifikasi"))
    out = compute_levels(df, AS_OF, CFG, units=[KEL])
    assert out.loc[0, "n"] == 0
    assert out.loc[0, "score"] == 0
    assert out.loc[0, "level"] == Level.KONDUSIF


# ------------------------------------------------------------------ thresholds


def test_thresholds_are_inclusive():
    assert level_for(2.999, 3, 8) == Level.KONDUSIF
    assert level_for(3.0, 3, 8) == Level.WASPADA
    assert level_for(7.999, 3, 8) == Level.WASPADA
    assert level_for(8.0, 3, 8) == Level.RAWAN


def test_levels_per_kelurahan_by_threshold():
    df = frame(
        (0, "berat", "diverifikasi"), (0, "berat", "diverifikasi"),  # KEL: 8 -> Rawan
        (0, "sedang", "diverifikasi", KEL2), (0, "ringan", "diverifikasi", KEL2),  # KEL2: 3 -> Waspada
    )
    out = compute_levels(df, AS_OF, CFG, units=[KEL, KEL2, "16.73.03.1001"]).set_index("kode_kelurahan")
    assert out.loc[KEL, "level"] == Level.RAWAN
    assert out.loc[KEL2, "level"] == Level.WASPADA
    assert out.loc["16.73.03.1001", "level"] == Level.KONDUSIF
    assert out.loc["16.73.03.1001", "n"] == 0
    assert out.loc[KEL, "score"] == pytest.approx(8.0)


def test_units_none_lists_only_places_with_reports():
    out = compute_levels(frame((1, "ringan", "baru")), AS_OF, CFG)
    assert list(out["kode_kelurahan"]) == [KEL]


def test_empty_frame_gives_kondusif_for_every_unit():
    empty = frame()
    out = compute_levels(empty, AS_OF, CFG, units=[KEL, KEL2])
    assert list(out["level"]) == [Level.KONDUSIF, Level.KONDUSIF]
    assert out["reasons"].map(len).min() >= 1


# ------------------------------------------------------------------ reasons


def test_reasons_in_plain_indonesian():
    df = frame(
        (2, "berat", "diverifikasi"), (5, "berat", "ditindaklanjuti"), (10, "berat", "baru"),
        (100, "sedang", "diverifikasi"), (3, "ringan", "ditolak"), (4, "ringan", "duplikat"),
    )
    reasons = compute_levels(df, AS_OF, CFG, units=[KEL]).loc[0, "reasons"]
    assert reasons[0].startswith("Skor ")
    assert "ambang Rawan (8,0)" in reasons[0]
    assert "2 laporan berat terverifikasi dalam 72 jam terakhir" in reasons
    assert "1 laporan berat belum diverifikasi dalam 72 jam terakhir" in reasons
    assert "1 laporan lebih lama dalam 14 hari terakhir (bobotnya menurun seiring waktu)" in reasons
    assert "2 laporan ditolak/duplikat tidak dihitung" in reasons
    assert "Kategori terbanyak: Politik uang (4 laporan)" in reasons


def test_reason_when_nothing_counts():
    reasons = compute_levels(frame((1, "berat", "ditolak")), AS_OF, CFG, units=[KEL]).loc[0, "reasons"]
    assert reasons[0] == "Tidak ada laporan yang dihitung dalam 14 hari terakhir"
    assert "1 laporan ditolak/duplikat tidak dihitung" in reasons


def test_reason_for_waspada_names_both_thresholds():
    reasons = compute_levels(frame((0, "sedang", "diverifikasi"), (0, "ringan", "diverifikasi")), AS_OF, CFG,
                             units=[KEL]).loc[0, "reasons"]
    assert reasons[0] == "Skor 3,0 mencapai ambang Waspada (3,0), di bawah Rawan (8,0)"


def test_reason_below_threshold():
    reasons = compute_levels(frame((0, "ringan", "diverifikasi")), AS_OF, CFG, units=[KEL]).loc[0, "reasons"]
    assert reasons[0] == "Skor 1,0 di bawah ambang Waspada (3,0)"


# ------------------------------------------------------------------ RT


def test_rt_levels_use_rt_thresholds_and_skip_reports_without_rt():
    df = frame(
        (0, "berat", "diverifikasi", KEL, 3),  # RT 3: 4 -> Rawan (RT thresholds 2/4)
        (0, "sedang", "diverifikasi", KEL, 5),  # RT 5: 2 -> Waspada
        (0, "berat", "diverifikasi", KEL, None),  # no RT: not in any RT level
    )
    out = compute_levels(df, AS_OF, CFG, by="rt", units=[(KEL, 3), (KEL, 5), (KEL, 7)])
    levels = {(k, r): lv for k, r, lv in zip(out["kode_kelurahan"], out["rt"], out["level"], strict=True)}
    assert levels == {(KEL, 3): Level.RAWAN, (KEL, 5): Level.WASPADA, (KEL, 7): Level.KONDUSIF}
    kel = compute_levels(df, AS_OF, CFG, units=[KEL])
    assert kel.loc[0, "score"] == pytest.approx(10.0)  # the kelurahan counts the report without RT


def test_rt_same_number_in_two_kelurahan_is_two_places():
    df = frame((0, "berat", "diverifikasi", KEL, 1), (0, "ringan", "diverifikasi", KEL2, 1))
    out = compute_levels(df, AS_OF, CFG, by="rt").set_index(["kode_kelurahan", "rt"])
    assert out.loc[(KEL, 1), "score"] == pytest.approx(4.0)
    assert out.loc[(KEL2, 1), "score"] == pytest.approx(1.0)


def test_bad_by_is_refused():
    with pytest.raises(ValueError):
        compute_levels(frame(), AS_OF, CFG, by="kota")


def test_level_counts_has_every_level():
    out = compute_levels(frame((0, "berat", "diverifikasi")), AS_OF, CFG, units=[KEL, KEL2])
    assert status.level_counts(out) == {Level.KONDUSIF: 1, Level.WASPADA: 1, Level.RAWAN: 0,
                                        Level.TIDAK_ADA_KABAR: 0}


def test_level_labels_and_colours():
    assert [lv.label for lv in Level] == ["Kondusif", "Waspada", "Rawan", "Tidak ada kabar"]
    assert len({lv.color for lv in Level}) == 4
    assert "bukan Indeks Kerawanan Pemilu" in status.MEASURE_NOTICE


# ------------------------------------------------------------------ configuration


def test_levels_read_from_kondusif_toml(tmp_path, monkeypatch):
    conf = tmp_path / "kondusif.toml"
    conf.write_text(
        "[levels]\nwaspada_threshold = 1.5\nrawan_threshold = 2.5\nhalf_life_hours = 24\n"
        "[levels.severity_weight]\nberat = 10\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("KONDUSIF_CONFIG", str(conf))
    settings.cache_clear()
    cfg = settings().levels
    assert (cfg.waspada_threshold, cfg.rawan_threshold, cfg.half_life_hours) == (1.5, 2.5, 24)
    assert cfg.severity_weight == {"ringan": 1.0, "sedang": 2.0, "berat": 10.0}
    out = compute_levels(frame((0, "ringan", "diverifikasi"), (0, "ringan", "baru")), AS_OF, units=[KEL])
    assert out.loc[0, "level"] == Level.WASPADA  # 1 + 0.5 with the configured thresholds


# ------------------------------------------------------------------ calibration


def test_default_calibration_gives_a_believable_simulated_season():
    """Mostly Kondusif early in the campaign; some Waspada and a few Rawan at voting time."""
    from kondusif import demo
    from kondusif.timeutil import WIB
    from lubuklinggau_geo import gazetteer

    df = demo.simulate(3_000, 1)
    units = gazetteer.kelurahan_codes()
    cfg = LevelConfig()

    def counts(day: str) -> dict:
        as_of = datetime.fromisoformat(day + "T23:59").replace(tzinfo=WIB)
        return status.level_counts(compute_levels(df, as_of, cfg, units=units))

    early = counts("2018-03-15")
    assert early[Level.KONDUSIF] >= 65 and early[Level.RAWAN] == 0
    peak = counts("2018-06-27")
    assert 1 <= peak[Level.RAWAN] <= 15
    assert 5 <= peak[Level.WASPADA] <= 35
    assert peak[Level.KONDUSIF] >= 30  # not all red


def test_every_level_setting_is_documented():
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "levels.md").read_text(encoding="utf-8")
    for name in LevelConfig.__dataclass_fields__:
        assert f"`{name}`" in doc, name
    defaults = LevelConfig()
    assert f"waspada_threshold = {defaults.waspada_threshold:g}" in doc
    assert f"rawan_threshold = {defaults.rawan_threshold:g}" in doc
