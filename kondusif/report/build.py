"""Build, archive and reproduce the weekly snapshot.

`ReportParams` is everything a build depends on besides the store's state:
the week, the generation time and author, the archive version printed inside,
the list length and the level configuration. They are saved with the
snapshot, so `reproduce()` can rebuild a filed week and compare bytes.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine

from kondusif.config import LevelConfig, settings
from kondusif.report import archive, charts, static_map
from kondusif.report import data as report_data
from kondusif.report import pdf as report_pdf
from kondusif.report.week import IsoWeek, parse_week
from kondusif.timeutil import as_utc, now
from lubuklinggau_geo import boundaries as geo_boundaries

PARAMS_FORMAT = 1
UPSTREAM_MARK = "cahyadsn/wilayah_boundaries"


@dataclass(frozen=True)
class ReportParams:
    week: str
    generated_at: datetime  # aware UTC, whole seconds
    generated_by: str
    version: int | None = None
    max_rows: int = report_data.DEFAULT_MAX_ROWS
    levels: LevelConfig = field(default_factory=LevelConfig)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": PARAMS_FORMAT,
            "week": self.week,
            "generated_at": self.generated_at.isoformat(),
            "generated_by": self.generated_by,
            "version": self.version,
            "max_rows": self.max_rows,
            "levels": asdict(self.levels),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ReportParams:
        return cls(
            week=parse_week(d["week"]).key,
            generated_at=as_utc(datetime.fromisoformat(d["generated_at"])),
            generated_by=str(d["generated_by"]),
            version=d.get("version"),
            max_rows=int(d.get("max_rows", report_data.DEFAULT_MAX_ROWS)),
            levels=_level_config(d.get("levels")),
        )


def _level_config(values: dict[str, Any] | None) -> LevelConfig:
    if not values:
        return settings().levels
    known = LevelConfig.__dataclass_fields__
    return LevelConfig(**{k: v for k, v in values.items() if k in known})


def make_params(
    week: IsoWeek | str,
    generated_by: str,
    generated_at: datetime | None = None,
    version: int | None = None,
    max_rows: int = report_data.DEFAULT_MAX_ROWS,
    cfg: LevelConfig | None = None,
) -> ReportParams:
    """Parameters for a new build; the generation time is cut to whole seconds."""
    if max_rows < 1:
        raise ValueError("Batas baris daftar harus 1 atau lebih.")
    at = as_utc(generated_at or now()).replace(microsecond=0).astimezone(UTC)
    return ReportParams(parse_week(week).key, at, generated_by, version, max_rows, cfg or settings().levels)


@dataclass
class BuiltReport:
    pdf: bytes
    params: ReportParams
    data: report_data.WeekData
    context: dict[str, Any]
    timings: dict[str, float]

    def archive_params(self) -> dict[str, Any]:
        """What the archive records: the inputs, plus context that explains a differing rebuild."""
        return {**self.params.to_dict(), "context": self.context}


def _boundary_texts() -> tuple[bool, str, str]:
    """(available, note when missing, source sentence for the method note)."""
    state = geo_boundaries.status()
    if not state.available:
        return False, state.message, ""
    if state.source and UPSTREAM_MARK in state.source:
        source = ("poligon kelurahan dari repositori publik cahyadsn/wilayah_boundaries (lisensi MIT); "
                  "batas kecamatan hasil penggabungan poligon kelurahan.")
    else:
        source = "berkas batas wilayah yang dipasang operator."
    return True, "", source



def build_report(engine: Engine, params: ReportParams) -> BuiltReport:
    """Gather the week from the store and render the PDF (no writes)."""
    t: dict[str, float] = {}
    t0 = time.perf_counter()
    week = parse_week(params.week)
    data = report_data.gather(engine, week, params.levels, params.max_rows, at=params.generated_at)
    t["data"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    available, note, source = _boundary_texts()
    levels = dict(zip(data.kelurahan["kode"], data.kelurahan["level"], strict=True))
    map_image = static_map.render_level_map(levels, width_mm=135, inset_width_mm=80) if available else None
    t["map"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    daily_png = charts.daily_trend_png(data.daily)
    category_png = charts.category_png(data.categories)
    t["charts"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    opts = report_pdf.RenderOptions(
        generated_at=params.generated_at,
        generated_by=params.generated_by,
        version=params.version,
        calendar=settings().calendar,
        boundary_note=note if map_image is None else "",
        boundary_source=source,
    )
    pdf = report_pdf.render_pdf(data, opts, map_image, daily_png, category_png)
    t["pdf"] = time.perf_counter() - t0
    context = {
        "store": data.fingerprint,
        "boundaries": bool(map_image is not None),
        "calendar": settings().calendar.name,
        "counts": {"week": data.n_week, "previous": data.n_prev, "rawan": data.n_rawan,
                   "waspada": data.n_waspada},
    }
    return BuiltReport(pdf, params, data, context, t)


def generate_snapshot(
    engine: Engine,
    week: IsoWeek | str,
    actor: str,
    generated_at: datetime | None = None,
    max_rows: int = report_data.DEFAULT_MAX_ROWS,
    attempts: int = 3,
) -> tuple[archive.SnapshotInfo, BuiltReport]:
    """Build the week's PDF and file it as the next version (printed inside the PDF)."""
    key = parse_week(week).key
    last_error: Exception | None = None
    for _ in range(attempts):
        version = archive.next_version(engine, key)
        params = make_params(key, actor, generated_at, version, max_rows)
        built = build_report(engine, params)
        try:
            info = archive.save_snapshot(engine, key, built.pdf, built.archive_params(), actor,
                                         params.generated_at, version=version)
        except archive.VersionTaken as exc:
            last_error = exc
            continue
        return info, built
    raise RuntimeError(f"Laporan {key} tidak dapat diarsipkan: {last_error}")


@dataclass(frozen=True)
class Reproduction:
    info: archive.SnapshotInfo
    identical: bool
    archived_sha256: str
    rebuilt_sha256: str


def reproduce(engine: Engine, week: IsoWeek | str, version: int | None = None) -> Reproduction:
    """Rebuild an archived snapshot from its recorded parameters and compare the bytes."""
    info, original = archive.load_snapshot(engine, week, version)
    params = ReportParams.from_dict(info.params)
    rebuilt = build_report(engine, params).pdf
    return Reproduction(info, rebuilt == original, info.sha256, archive.sha256_hex(rebuilt))
