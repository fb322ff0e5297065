"""What the Panwaslu incident page reads: sorted pages of reports, headline figures,
history, attachments, duplicate candidates and a small detail map.

Everything takes the Viewer and goes through `store.incidents_select` /
`store.scope_clause`, so scope and private columns are applied in SQL. Follow-ups
past their due date come first in every listing and are counted in the headline.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import folium
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kondusif import duplicates, safe, store
from kondusif.model import (
    CATEGORY_LABELS,
    OPEN_STATUSES,
    SOURCE_LABELS,
    STATUS_LABELS,
    Category,
    Severity,
    Source,
    Status,
    Viewer,
)
from kondusif.safe import escape_html
from kondusif.timeutil import as_utc, format_wib, now, to_wib
from lubuklinggau_geo import gazetteer

c = store.incidents.c

_SEVERITY_RANK = sa.case({"berat": 0, "sedang": 1, "ringan": 2}, value=c.severity, else_=3)
_STATUS_RANK = sa.case({s.value: i for i, s in enumerate(Status)}, value=c.status, else_=len(Status))

# key -> (label, ORDER BY terms after "overdue first")
SORTS: dict[str, tuple[str, tuple]] = {
    "terbaru": ("Waktu kejadian, terbaru dulu", (c.occurred_at.desc(), c.report_no)),
    "terlama": ("Waktu kejadian, terlama dulu", (c.occurred_at, c.report_no)),
    "tingkat": ("Tingkat, berat dulu", (_SEVERITY_RANK, c.occurred_at.desc(), c.report_no)),
    "status": ("Status (urutan alur kerja)", (_STATUS_RANK, c.occurred_at.desc(), c.report_no)),
    "tenggat": ("Tenggat tindak lanjut, terdekat dulu", (c.followup_due.is_(None), c.followup_due, c.report_no)),
    "kelurahan": ("Kelurahan, lalu RT", (c.kode_kelurahan, c.rt, c.occurred_at.desc(), c.report_no)),
    "nomor": ("Nomor laporan", (c.report_no,)),
    "diubah": ("Terakhir diubah", (c.updated_at.desc(), c.report_no)),
}
DEFAULT_SORT = "terbaru"

LIST_COLUMNS = ("id", "report_no", "version", "kode_kelurahan", "rt", "category", "severity", "status", "title",
                "occurred_at", "followup_to", "followup_due", "possible_duplicate", "source", "duplicate_of")

ACTION_LABELS_ID = {
    "create": "Dibuat",
    "verify": "Diverifikasi",
    "reject": "Ditolak",
    "mark_duplicate": "Ditandai duplikat",
    "follow_up": "Tindak lanjut",
    "close": "Ditutup",
    "duplicate_linked": "Duplikat ditautkan",
    "reopen": "Dibuka kembali",
}


def overdue_clause(as_of: datetime | None = None) -> sa.ColumnElement[bool]:
    """A follow-up past its due date: still ditindaklanjuti and the due time has passed."""
    return sa.and_(c.status == Status.DITINDAKLANJUTI.value, c.followup_due.is_not(None),
                   c.followup_due < as_utc(as_of or now()))


def _where(q: store.IncidentQuery | None, viewer: Viewer) -> list[sa.ColumnElement[bool]]:
    clauses = store.where_clauses(q or store.IncidentQuery())
    scope = store.scope_clause(viewer)
    if scope is not None:
        clauses.append(scope)
    return clauses


def page_rows(
    engine: Engine,
    q: store.IncidentQuery | None,
    viewer: Viewer,
    sort: str = DEFAULT_SORT,
    limit: int = 50,
    offset: int = 0,
    as_of: datetime | None = None,
) -> pd.DataFrame:
    """One page of the filtered view, overdue follow-ups first, then by `sort`; adds column `overdue`."""
    overdue = overdue_clause(as_of)
    stmt = store.incidents_select(q or store.IncidentQuery(), viewer, LIST_COLUMNS)
    stmt = stmt.add_columns(sa.case((overdue, True), else_=False).label("overdue"))
    terms = SORTS.get(sort, SORTS[DEFAULT_SORT])[1]
    stmt = stmt.order_by(sa.case((overdue, 0), else_=1), *terms).limit(limit).offset(max(0, offset))
    with engine.connect() as conn:
        result = conn.execute(stmt)
        df = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    for col in ("occurred_at", "followup_due"):
        df[col] = pd.to_datetime(df[col], utc=True)
    df["overdue"] = df["overdue"].astype(bool)
    return df


@dataclass(frozen=True)
class Headline:
    total: int
    by_status: dict[str, int]
    overdue: int
    berat_open: int
    possible_duplicates: int

    @property
    def unverified(self) -> int:
        return self.by_status.get(Status.BARU.value, 0)


def headline(engine: Engine, q: store.IncidentQuery | None, viewer: Viewer,
             as_of: datetime | None = None) -> Headline:
    """The figures above the table, for the same filtered view (one query)."""
    open_values = [s.value for s in OPEN_STATUSES]
    where = _where(q, viewer)
    stmt = sa.select(
        c.status,
        sa.func.count().label("n"),
        sa.func.sum(sa.case((overdue_clause(as_of), 1), else_=0)).label("overdue"),
        sa.func.sum(sa.case((sa.and_(c.severity == "berat", c.status.in_(open_values)), 1), else_=0)).label("berat"),
        sa.func.sum(sa.case((sa.and_(c.possible_duplicate.is_(True), c.status.in_(open_values)), 1),
                            else_=0)).label("dup"),
    ).select_from(store.incidents)
    if where:
        stmt = stmt.where(*where)
    stmt = stmt.group_by(c.status)
    with engine.connect() as conn:
        rows = conn.execute(stmt).fetchall()
    by_status = {r.status: int(r.n) for r in rows}
    return Headline(
        total=sum(by_status.values()),
        by_status=by_status,
        overdue=sum(int(r.overdue or 0) for r in rows),
        berat_open=sum(int(r.berat or 0) for r in rows),
        possible_duplicates=sum(int(r.dup or 0) for r in rows),
    )


# --------------------------------------------------------------------------- labels


kelurahan_label = gazetteer.kelurahan_label  # the name, or the code when unknown; "-" when none
kecamatan_label = gazetteer.kecamatan_label


def _enum_label(enum, labels: dict | None, value: Any) -> str:
    if value is None:
        return "-"
    try:
        member = enum(value)
    except ValueError:
        return str(value)
    return labels[member] if labels else member.label


def category_label(value: Any) -> str:
    return _enum_label(Category, CATEGORY_LABELS, value)


def severity_label(value: Any) -> str:
    return _enum_label(Severity, None, value)


def status_label(value: Any) -> str:
    return _enum_label(Status, STATUS_LABELS, value)


def source_label(value: Any) -> str:
    return _enum_label(Source, SOURCE_LABELS, value)


def table_view(rows: pd.DataFrame) -> pd.DataFrame:
    """The page's rows as the table shows them (labels, WIB)."""
    out = pd.DataFrame(index=rows.index)
    out["Terlambat"] = rows["overdue"].map(lambda v: "⚠ ya" if v else "")
    out["No. laporan"] = rows["report_no"]
    out["Waktu kejadian (WIB)"] = rows["occurred_at"].map(lambda v: format_wib(v.to_pydatetime()))
    out["Kelurahan"] = rows["kode_kelurahan"].map(kelurahan_label)
    out["RT"] = rows["rt"].map(lambda v: "-" if pd.isna(v) else f"{int(v):02d}")
    out["Kategori"] = rows["category"].map(category_label)
    out["Tingkat"] = rows["severity"].map(severity_label)
    out["Status"] = rows["status"].map(status_label)
    out["Judul"] = rows["title"]
    out["Ditangani oleh"] = rows["followup_to"].fillna("")
    out["Tenggat (WIB)"] = rows["followup_due"].map(lambda v: "" if pd.isna(v) else format_wib(v.to_pydatetime()))
    out["Duplikat?"] = rows["possible_duplicate"].map(lambda v: "mungkin" if v else "")
    return out.reset_index(drop=True)


def compact_view(rows: pd.DataFrame) -> pd.DataFrame:
    """The page's rows for a phone (issue 30.7): one cell per report, wrapped by the table over two
    or three lines — number (and a late follow-up), short WIB time, kelurahan/RT, category,
    severity, status — so a 360 px screen shows what the wide table spreads over twelve columns."""
    def cell(r: Any) -> str:
        rt = "" if pd.isna(r.rt) else f" RT {int(r.rt):02d}"
        late = " · ⚠ terlambat" if r.overdue else ""
        return (f"{r.report_no}{late} · {to_wib(r.occurred_at.to_pydatetime()):%d/%m %H:%M} · "
                f"{kelurahan_label(r.kode_kelurahan)}{rt} · "
                f"{category_label(r.category)} · {severity_label(r.severity)} · {status_label(r.status)}")

    return pd.DataFrame({"Laporan": [cell(r) for r in rows.itertuples()]})


# --------------------------------------------------------------------------- one report


def history(engine: Engine, viewer: Viewer, incident_id: str) -> pd.DataFrame:
    """The full audit history of a report the viewer may see (empty if not visible), oldest first."""
    row = store.get_incident(engine, incident_id, viewer)
    if row is None:
        return pd.DataFrame(columns=["Waktu (WIB)", "Oleh", "Tindakan", "Dari", "Menjadi", "Catatan"])
    audit = store.audit_for(engine, "incident", row["id"])
    out = pd.DataFrame({
        "Waktu (WIB)": audit["at"].map(lambda v: format_wib(v) if v is not None else "-"),
        "Oleh": audit["actor"],
        "Tindakan": audit["action"].map(lambda a: ACTION_LABELS_ID.get(a, a)),
        "Dari": audit["from_status"].map(lambda v: status_label(v) if isinstance(v, str) and v else ""),
        "Menjadi": audit["to_status"].map(lambda v: status_label(v) if isinstance(v, str) and v else ""),
        "Catatan": audit["note"].fillna(""),
    })
    return out


def attachments_for(engine: Engine, viewer: Viewer, incident_id: str) -> list[dict[str, Any]]:
    """Attachments of a report the viewer may see (with their bytes), oldest first."""
    row = store.get_incident(engine, incident_id, viewer)
    if row is None:
        return []
    a = store.attachments
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            sa.select(a).where(a.c.incident_id == row["id"]).order_by(a.c.created_at, a.c.id)).mappings()]


def report_numbers(engine: Engine, ids: list[str]) -> dict[str, str]:
    ids = [i for i in ids if i]
    if not ids:
        return {}
    with engine.connect() as conn:
        return {r.id: r.report_no for r in conn.execute(sa.select(c.id, c.report_no).where(c.id.in_(ids)))}


def duplicates_of(engine: Engine, viewer: Viewer, incident_id: str) -> pd.DataFrame:
    """Reports already marked as duplicates of this one (within scope)."""
    stmt = store.incidents_select(store.IncidentQuery(), viewer, ["id", "report_no", "status", "title",
                                                                 "occurred_at"])
    stmt = stmt.where(c.duplicate_of == incident_id).order_by(c.occurred_at)
    with engine.connect() as conn:
        result = conn.execute(stmt)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def duplicate_candidates(engine: Engine, row: dict[str, Any], viewer: Viewer,
                         window_hours: float | None = None, limit: int = 10) -> pd.DataFrame:
    """Reports that may be the same event as `row`, most similar first.

    Same or neighbouring RT, same category, close in time (kondusif.duplicates),
    ranked by text similarity of title and description, then by time apart.
    Reports already merged (duplikat) are left out; scope applies.
    """
    found = duplicates.candidates_for(engine, row, viewer, window=window_hours)
    if found.empty:
        return found.assign(similarity=pd.Series(dtype=float), version=pd.Series(dtype=int))
    found = found[found["status"] != Status.DUPLIKAT.value]
    ids = found["id"].tolist()
    with engine.connect() as conn:
        extra = {r.id: (r.description or "", int(r.version)) for r in conn.execute(
            sa.select(c.id, c.description, c.version).where(c.id.in_(ids)))} if ids else {}
    mine = f"{row.get('title') or ''} {row.get('description') or ''}"
    found = found.assign(
        description=found["id"].map(lambda i: extra.get(i, ("", 1))[0]),
        version=found["id"].map(lambda i: extra.get(i, ("", 1))[1]),
    )
    found["similarity"] = [
        duplicates.text_similarity(mine, f"{t or ''} {d or ''}")
        for t, d in zip(found["title"], found["description"], strict=True)
    ]
    found = found.sort_values(["similarity", "hours_apart"], ascending=[False, True], ignore_index=True)
    return found.head(limit)


ORIGINAL_CHOICE_COLUMNS = ["id", "report_no", "occurred_at", "kode_kelurahan", "rt", "category", "title", "status"]


def original_choices(engine: Engine, viewer: Viewer, row: dict[str, Any], twins: pd.DataFrame,
                     limit: int = 30) -> pd.DataFrame:
    """The reports offered as the original of `row` (issue 30.4): suspected twins first, then the
    other reports of its kelurahan nearest in time. Only what `viewer` may see; never `row` itself
    and never a report that is already a duplikat (an original is a report that stands)."""
    cols = ORIGINAL_CHOICE_COLUMNS
    stmt = store.incidents_select(store.IncidentQuery(), viewer, cols).where(
        c.kode_kelurahan == row["kode_kelurahan"], c.id != row["id"], c.status != Status.DUPLIKAT.value)
    moment = as_utc(pd.Timestamp(row["occurred_at"]).to_pydatetime(warn=False))
    # nearest in time first: the absolute gap is ordered in Python (portable across SQLite and PostgreSQL)
    with engine.connect() as conn:
        before = conn.execute(stmt.where(c.occurred_at <= moment).order_by(c.occurred_at.desc()).limit(limit))
        after = conn.execute(stmt.where(c.occurred_at > moment).order_by(c.occurred_at).limit(limit))
        near = pd.DataFrame([*before.mappings(), *after.mappings()], columns=cols)
    if not near.empty:
        near["occurred_at"] = pd.to_datetime(near["occurred_at"], utc=True)
        near["gap"] = (near["occurred_at"] - pd.Timestamp(moment)).abs()
        near = near.sort_values(["gap", "report_no"]).drop(columns="gap")
    twins = twins[twins["id"] != row["id"]] if len(twins) else twins
    first = twins[[col for col in cols if col in twins.columns]] if len(twins) else pd.DataFrame(columns=cols)
    rest = near[~near["id"].isin(first["id"])] if len(near) else near
    out = pd.concat([first.assign(twin=True), rest.assign(twin=False)], ignore_index=True)
    return out.head(max(limit, len(first)))


def first_words(text: Any, n: int = 6, width: int = 48) -> str:
    """The first words of a report's text for a one-line label: control characters gone, spaces
    collapsed, cut at a word with an ellipsis."""
    words = " ".join((safe.clean_text(str(text or "")) or "").split()).split(" ")
    short = " ".join(words[:n])
    if len(short) > width:
        short = short[:width].rsplit(" ", 1)[0] or short[:width]
    return short + ("…" if short != " ".join(words) else "")


def choice_label(choice: Mapping[str, Any]) -> str:
    """One line naming a report in a picker: number, time WIB, kelurahan/RT, category, first words.

    Plain text (a select box shows it as such); user text is cleaned and shortened by `first_words`."""
    rt = choice.get("rt")
    place = kelurahan_label(choice.get("kode_kelurahan")) + ("" if rt is None or pd.isna(rt) else f" RT {int(rt):02d}")
    when = format_wib(pd.Timestamp(choice["occurred_at"]).to_pydatetime(warn=False))
    twin = "kembar? · " if choice.get("twin") else ""
    return (f"{twin}{choice['report_no']} · {when} · {place} · {category_label(choice.get('category'))} · "
            f"{first_words(choice.get('title'))}")


_IMPORT_NOTE = re.compile(r"impor ([0-9a-f-]{36})(?:, berkas «[^»]*»)?(?:, baris (\d+))?")


def source_text(engine: Engine, viewer: Viewer, incident_id: str) -> str:
    """How a report came in, in words (issue 30.5: the «Sumber» field showed a raw key, often a UUID):
    the channel, plus the SMSsync phone's name, or the imported file's name and row. The file's
    name is read from the import's own audit row, found through the report's "create" row.
    "-" for a report the viewer may not see."""
    row = store.get_incident(engine, incident_id, viewer)
    if row is None:
        return "-"
    source = str(row.get("source") or "")
    ref = str(row.get("source_ref") or "")
    if source == Source.FORM.value:
        return "Formulir" + (" (halaman ringan Ketua RT)" if ref.startswith("rt1.") else " di aplikasi")
    if source == Source.SIMULASI.value:
        return "Simulasi (dibuat program untuk demo)"
    if source == Source.SMS.value:
        sms = store.sms_messages.c
        with engine.connect() as conn:
            got = conn.execute(sa.select(sms.channel, sms.gateway_phone).where(sms.incident_id == row["id"])
                               .limit(1)).first()
        if got is None:
            return source_label(source)
        if got.channel == "smssync":
            return "SMS langsung lewat ponsel SMSsync" + (f" «{got.gateway_phone}»" if got.gateway_phone else "")
        return "SMS langsung lewat modem (Gammu)"
    if source in (Source.IMPORT.value, Source.CHAT.value):
        a = store.audit_log.c
        with engine.connect() as conn:
            note = conn.execute(sa.select(a.note).where(a.entity == "incident", a.entity_id == row["id"],
                                                        a.action == "create").limit(1)).scalar()
            found = _IMPORT_NOTE.search(note or "")
            details = conn.execute(sa.select(a.details).where(a.entity == "import", a.entity_id == found.group(1))
                                   .limit(1)).scalar() if found else None
        name = json.loads(details).get("berkas") if details else None
        where = (f" «{name}»" if name else "") + (f", baris {found.group(2)}" if found and found.group(2) else "")
        return source_label(source) + where
    return source_label(source)


def detail_fields(row: dict[str, Any], viewer: Viewer, dup_no: str | None = None,
                  source: str | None = None) -> list[tuple[str, str]]:
    """Every field of a report as (label, text) pairs; identity only for roles allowed.

    `source`: the channel in words (`source_text`); never the raw dedupe key."""
    rt = row.get("rt")
    fields = [
        ("No. laporan", row["report_no"]),
        ("Status", status_label(row["status"])),
        ("Kategori", category_label(row["category"])),
        ("Tingkat", severity_label(row["severity"])),
        ("Judul", row.get("title") or ""),
        ("Uraian", row.get("description") or ""),
        ("Waktu kejadian", format_wib(row["occurred_at"])),
        ("Dilaporkan", format_wib(row.get("reported_at"))),
        ("Kecamatan", kecamatan_label(row.get("kode_kecamatan"))),
        ("Kelurahan", f"{kelurahan_label(row['kode_kelurahan'])} ({row['kode_kelurahan']})"),
        ("RT", "-" if rt is None else f"{int(rt):02d}"),
        ("Lokasi", "-" if row.get("lat") is None else
         f"{row['lat']:.5f}, {row['lon']:.5f}" + (" (perkiraan)" if row.get("location_approx") else "")),
        ("Sumber", source or source_label(row.get("source"))),
    ]
    if viewer.sees_identity:
        fields += [("Nama pelapor", row.get("reporter_name") or "-"),
                   ("Telepon pelapor", row.get("reporter_phone") or "-")]
    fields += [
        ("Dibuat oleh", row.get("created_by") or "-"),
        ("Diserahkan kepada", row.get("followup_to") or "-"),
        ("Tenggat tindak lanjut", format_wib(row.get("followup_due"))),
        ("Hasil", row.get("outcome") or "-"),
        ("Duplikat dari", dup_no or (row.get("duplicate_of") or "-")),
        ("Kemungkinan duplikat", "ya" if row.get("possible_duplicate") else "tidak"),
        ("Versi", str(row["version"])),
        ("Terakhir diubah", format_wib(row.get("updated_at"))),
    ]
    return fields


# --------------------------------------------------------------------------- map


def location_note(row: dict[str, Any]) -> str | None:
    """What the map cannot say by itself: no point at all, or a point outside the report's kelurahan."""
    from lubuklinggau_geo import locate

    if row.get("lat") is None or row.get("lon") is None:
        return "Laporan tanpa titik lokasi: ditandai di pusat kelurahan."
    found = locate.locate(float(row["lat"]), float(row["lon"]))
    if found is None:
        return "Titik lokasi berada di luar batas kelurahan yang terpasang (atau batas wilayah belum terpasang)."
    if found != row["kode_kelurahan"]:
        return f"Titik lokasi berada di luar kelurahan laporan (jatuh di Kel. {kelurahan_label(found)})."
    return None


def detail_map(row: dict[str, Any], base_url_path: str = "", height: int = 280) -> folium.Map:
    """A small map of one report: its kelurahan outline and its point (or the kelurahan centre).

    Leaflet comes from the app's static folder (maps.offline_map), no tiles needed.
    """
    from kondusif import maps
    from lubuklinggau_geo import boundaries as geo_boundaries

    kel = gazetteer.kelurahan_by_code(row["kode_kelurahan"])
    has_point = row.get("lat") is not None and row.get("lon") is not None
    lat, lon = (float(row["lat"]), float(row["lon"])) if has_point else (float(kel["lat"]), float(kel["lon"]))
    fmap = maps.offline_map((lat, lon), 15, base_url_path=base_url_path, height=height)
    if geo_boundaries.status().available:
        gdf = geo_boundaries.boundaries("kelurahan")
        shape = gdf[gdf["kode"] == row["kode_kelurahan"]]
        if len(shape):
            folium.GeoJson(
                json.loads(shape[["kode", "geometry"]].to_json()),
                style_function=lambda f: {"color": "#444", "weight": 2, "fillColor": "#fee08b", "fillOpacity": 0.25},
            ).add_to(fmap)
            (minx, miny, maxx, maxy) = shape.total_bounds
            fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    tip = (f"{escape_html(row['report_no'])}<br>{escape_html(kel['nama'])}"
           + ("" if row.get("rt") is None else f", RT {int(row['rt']):02d}")
           + ("" if has_point else "<br>(tanpa titik: pusat kelurahan)"))
    folium.CircleMarker([lat, lon], radius=8, color="#b71c1c", weight=2, fill=True,
                        fill_color="#d73027" if has_point else "#ffffff", fill_opacity=0.9,
                        tooltip=tip).add_to(fmap)
    return fmap

