"""Widgets of the wall display ("Ruang pantau"): large type, no sidebar, refreshing itself.

Layout (1920×1080 read from 3 m; still usable at 1366 and 360 px):
- `_head` fragment: title, period, last refresh, the honest simulated-data notice, the
  four counts, and the hidden data element the map reads;
- the map (kondusif.wall_map), placed once OUTSIDE the fragments: refreshes never
  touch its iframe, so the zoom and position the room set stay and nothing flashes;
- `_side` fragment: ticker of the latest reports and the open alerts.
Both fragments rerun every `segar` seconds (st.fragment(run_every=...)); the snapshot
is cached per store fingerprint and minute, and an element whose content did not
change is left alone by the browser. Every user-written string is HTML-escaped.

Issue 29.3, the wall in seconds: a third fragment, `_watch`, draws nothing and runs every
`wall.CHECK_SECONDS`; it asks the store's data version (one small indexed query) and, only when
it differs from what the blocks show, reruns the page, so a new berat report is on the wall
within seconds while an idle wall costs one tiny run per check. The map's iframe survives the
rerun (same element, same script), and wall_live.js applies the new data in place.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import streamlit as st
from streamlit_folium import st_folium

from kondusif import alerts, maps, overview, simulated, store, wall, wall_map
from kondusif.config import settings
from kondusif.db_unavailable import is_unavailable, page_message
from kondusif.filters import Filter
from kondusif.model import Source, Viewer
from kondusif.safe import escape_html, escape_markdown
from kondusif.status import MEASURE_NOTICE
from kondusif.timeutil import format_wib, now, to_wib
from kondusif.ui import session, static_files
from lubuklinggau_geo import gazetteer

log = logging.getLogger(__name__)
MAP_HEIGHT = 700
MAP_KEY = "ruang_pantau_map"
MEMORY_KEY = "_ruang_pantau_highlights"
SHOWN_KEY = "_ruang_pantau_shown"  # fragment name -> the data version its blocks show
CACHE_TTL = 300



def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


@st.cache_data(ttl=CACHE_TTL, max_entries=16, show_spinner=False)
def cached_snapshot(db_url: str, version: tuple, viewer: Viewer, params: wall.WallParams,
                    minute: str) -> wall.WallSnapshot:
    """One read per store change and minute, shared by both fragments and every wall of this viewer."""
    return wall.snapshot(store.get_engine(db_url), viewer, params)


@dataclass(frozen=True)
class _View:
    """What one check found: the snapshot, the highlights, and the key of what the blocks show."""

    snap: wall.WallSnapshot
    marks: wall.Highlights
    active: dict[str, float]
    version: tuple
    key: tuple  # (viewer and URL, version, refresh tick, highlighted keys): blocks rebuilt when it changes
    refreshed: datetime  # when the blocks were last rebuilt


@dataclass(frozen=True)
class _Memory:
    """What this session's wall last read and showed (one per browser tab)."""

    ident: tuple  # (viewer, params): another account or URL starts afresh
    data_key: tuple  # (version, minute) of `view.snap`
    view: _View


def _current(viewer: Viewer, params: wall.WallParams) -> _View:
    """This refresh's view: the snapshot is read again only when the store's data version changed or
    its minute is over, and the HTML blocks are rebuilt only when the data, the `segar` tick or the
    highlights changed (issue 29.3: a rerun the change check asks for costs little beyond the new data)."""
    engine = store.get_engine()
    version = wall.data_version(engine)
    moment = now()
    minute = moment.strftime("%Y%m%d%H%M")
    tick = int(moment.timestamp() // params.refresh)
    memory = st.session_state.get(MEMORY_KEY)
    mine = memory if isinstance(memory, _Memory) and memory.ident == (viewer, params) else None
    prev = mine.view if mine is not None else None
    if mine is not None and prev is not None and mine.data_key == (version, minute):
        snap, marks = prev.snap, prev.marks
    else:
        db_url = engine.url.render_as_string(hide_password=False)
        snap = cached_snapshot(db_url, version, viewer, params, minute)
        marks = wall.track(prev.marks if prev else None, snap, moment)
    active = marks.active(moment)
    key = ((viewer, params), version, tick, tuple(sorted(active)))
    refreshed = prev.refreshed if prev is not None and prev.key == key else moment
    view = _View(snap, marks, active, version, key, refreshed)
    st.session_state[MEMORY_KEY] = _Memory((viewer, params), (version, minute), view)
    return view


def _blocks(name: str, view: _View, build: Callable[[], list[str]]) -> None:
    """Draw a fragment's blocks: built again only when `view.key` changed, else the same HTML again
    (Streamlit leaves an unchanged element alone in the browser; the map ignores unchanged data)."""
    st.session_state.setdefault(SHOWN_KEY, {})[name] = view.version
    memo_key = f"{MEMORY_KEY}_{name}"
    memo = st.session_state.get(memo_key)
    if memo is None or memo[0] != view.key:
        memo = (view.key, [b for b in build() if b])
        st.session_state[memo_key] = memo
    for block in memo[1]:
        st.html(block)


def _still_signed_in() -> Viewer:
    """Re-check the session on every refresh: a deactivated or expired account stops the wall."""
    viewer = session.current_session()
    if viewer is None:
        st.rerun(scope="app")  # the app shows the login form, which returns to this URL
    return viewer


# --------------------------------------------------------------------------- HTML pieces


def head_html(snap: wall.WallSnapshot, params: wall.WallParams, refreshed: datetime,
              active: dict[str, float], place: str = "Kota Lubuklinggau") -> str:
    """`place`: what the viewer's scope covers (a kecamatan's panwaslu sees only that kecamatan)."""
    clock = to_wib(refreshed).strftime("%H:%M:%S WIB")
    replay = " · MEMUTAR ULANG" if snap.period.replay else ""
    return (
        '<div class="skw"><div class="skw-top">'
        f'<div class="skw-title">Ruang pantau · {escape_html(place)}</div>'
        f'<div class="skw-meta">{escape_html(snap.period.label)}{replay} · diperbarui {clock}, '
        f'otomatis tiap {params.refresh} detik<a href="./" target="_self">Menu</a></div>'
        "</div></div>"
    )


def notices_html(snap: wall.WallSnapshot) -> str:
    parts = []
    sim = simulated.notice(snap.n_reports, snap.n_simulated, snap.n_simulated_window)
    if sim:
        parts.append(f'<div class="skw-notice">{escape_html(sim)}</div>')
    if snap.capped:
        parts.append(f'<div class="skw-notice skw-info">Peta memuat {_thousands(len(snap.reports))} laporan terbaru '
                     f"dari {_thousands(snap.n_reports)} laporan periode ini.</div>")
    if snap.period.replay:
        parts.append('<div class="skw-notice skw-info">Memutar ulang: layar ini menunjukkan keadaan per '
                     f'{escape_html(format_wib(snap.period.end))}, bukan hari ini.</div>')
    return f'<div class="skw">{"".join(parts)}</div>' if parts else ""


def _names(codes: list[str]) -> str:
    names = []
    for kode in codes:
        try:
            names.append(gazetteer.kelurahan_name(kode))
        except KeyError:
            names.append(kode)
    return ", ".join(names)


def tiles_html(snap: wall.WallSnapshot, active: dict[str, float]) -> str:
    new_rawan = sorted(k.removeprefix("kel:") for k in active if k.startswith("kel:"))
    rawan_sub = (f'<div class="skw-sub"><span class="skw-tag skw-tag-new">BARU</span>'
                 f'{escape_html(_names(new_rawan))}</div>') if new_rawan else ""
    units = len(snap.units)
    tiles = [
        ("", _thousands(snap.n_reports), "Laporan", escape_html(snap.period.label) + "; duplikat tidak dihitung",
         False),
        ("skw-rawan", str(snap.n_rawan), "Kelurahan Rawan", f"dari {units} kelurahan{rawan_sub}", bool(new_rawan)),
        ("skw-waspada", str(snap.n_waspada), "Kelurahan Waspada", f"dari {units} kelurahan", False),
        ("skw-berat", _thousands(snap.n_berat_unverified), "Berat belum diverifikasi", "status Baru, periode ini",
         False),
    ]
    cov = snap.coverage
    if cov is not None and cov.total:  # issue 24: who has been heard from
        tiles.append(("skw-cov", f"{cov.share:.0%}", "Cakupan kabar RT",
                      f"{_thousands(cov.heard)} dari {_thousands(cov.total)} RT; senyap "
                      f"{_thousands(cov.total - cov.heard)} RT", False))
    cells = "".join(
        f'<div class="skw-tile {cls}{" skw-new" if flash else ""}">'
        f'<div class="skw-n">{n}</div><div class="skw-l">{label}</div><div class="skw-sub">{sub}</div></div>'
        for cls, n, label, sub, flash in tiles
    )
    return f'<div class="skw"><div class="skw-tiles" data-testid="skw-tiles">{cells}</div></div>'


def ticker_html(snap: wall.WallSnapshot, active: dict[str, float]) -> str:
    rows = []
    for rec in snap.ticker.itertuples(index=False):
        sev = str(rec.severity)
        left = active.get(f"lap:{rec.report_no}", 0.0)
        new = ' <span class="skw-tag skw-tag-new">BARU</span>' if left > 0 else ""
        sim = '<span class="skw-tag skw-tag-sim">SIMULASI</span>' if rec.source == Source.SIMULASI.value else ""
        rows.append(
            f'<div class="skw-row skw-sev-{escape_html(sev)}{" skw-new" if left > 0 else ""}"'
            f' data-no="{escape_html(rec.report_no)}">'
            f'<div class="skw-l1"><span class="skw-when">{escape_html(wall.wib_clock(rec.occurred_at.to_pydatetime()))}'
            f'</span><span class="skw-tag skw-tag-{escape_html(sev)}">{escape_html(wall.severity_label(sev))}</span>'
            f'{sim}<span class="skw-what">{escape_html(wall.category_label(rec.category))}</span>{new}'
            f'<span class="skw-no">{escape_html(rec.report_no)} · {escape_html(wall.status_label(rec.status))}</span>'
            f'</div><div class="skw-l2"><span class="skw-ttl">{escape_html(rec.title)}</span> — '
            f'{escape_html(wall.place_label(rec.kode_kelurahan, rec.rt))}</div></div>'
        )
    body = "".join(rows) or '<div class="skw-muted">Belum ada laporan pada periode ini.</div>'
    more = (f'<div class="skw-muted">{_thousands(snap.n_reports - len(snap.ticker))} laporan lain pada periode ini.'
            "</div>") if snap.n_reports > len(snap.ticker) else ""
    return f'<div class="skw"><div class="skw-h">Laporan terbaru</div><div data-testid="skw-ticker">{body}</div>{more}</div>'


def coverage_html(snap: wall.WallSnapshot) -> str:
    """Coverage per kecamatan (issue 24): RT heard from, silent RT, kelurahan with no word at all."""
    cov = snap.coverage
    if cov is None or not len(cov.kecamatan):
        return ""
    rows = "".join(
        f"<tr><td>{escape_html(gazetteer.kecamatan_name(r.kode_kecamatan))}</td>"
        f"<td>{int(r.rt_heard)}/{int(r.rt_total)} ({r.share:.0%})</td><td>{int(r.rt_total - r.rt_heard)}</td>"
        f"<td>{int(r.kelurahan_senyap)}</td></tr>"
        for r in cov.kecamatan.itertuples(index=False))
    return ('<div class="skw" data-testid="skw-coverage"><div class="skw-h">Cakupan kabar RT per kecamatan</div>'
            '<table class="skw-cov-t"><tr><th>Kecamatan</th><th>RT memberi kabar</th><th>RT senyap</th>'
            f"<th>Kel. tanpa kabar</th></tr>{rows}</table></div>")


def alerts_html(snap: wall.WallSnapshot) -> str:
    head = '<div class="skw-h">Peringatan terbuka' + (f" ({snap.n_alerts})" if snap.n_alerts else "") + "</div>"
    if not snap.sees_alerts:
        return (f'<div class="skw" data-testid="skw-alerts">{head}'
                '<div class="skw-muted">Peringatan dikirim ke akun pejabat dan panwaslu.</div></div>')
    if not snap.alerts:
        return (f'<div class="skw" data-testid="skw-alerts">{head}'
                '<div class="skw-muted">Tidak ada peringatan yang belum dibaca.</div></div>')
    items = "".join(
        f'<div class="skw-alert{" skw-alert-rawan" if a["kind"] == alerts.KIND_RAWAN else ""}">'
        f'<b>{escape_html(alerts.KIND_LABELS.get(a["kind"], "Peringatan"))}</b> · '
        f'{escape_html(format_wib(a["created_at"]))}<br>{escape_html(a["message"])}</div>'
        for a in snap.alerts
    )
    rest = snap.n_alerts - len(snap.alerts)
    more = f'<div class="skw-muted">… dan {rest} peringatan lain.</div>' if rest > 0 else ""
    return f'<div class="skw" data-testid="skw-alerts">{head}{items}{more}</div>'


# --------------------------------------------------------------------------- the page


def _unavailable_here(body: Callable[[wall.WallParams], None], params: wall.WallParams) -> None:
    """Run a fragment body; a busy or unreachable database is one sentence, and the next refresh retries.

    The map keeps the last data it received meanwhile. Anything else (a bug) is raised.
    """
    try:
        body(params)
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        log.warning("Ruang pantau: basis data tidak tersedia: %s", exc)
        st.html(f'<div class="skw"><div class="skw-notice">{escape_html(page_message(exc))} Layar mencoba lagi '
                f"otomatis tiap {params.refresh} detik.</div></div>")


def _head(params: wall.WallParams) -> None:
    viewer = _still_signed_in()
    view = _current(viewer, params)
    snap, active = view.snap, view.active
    _blocks("head", view, lambda: [
        head_html(snap, params, view.refreshed, active, wall.place_title(viewer)),
        notices_html(snap),
        tiles_html(snap, active),
        wall_map.data_element(wall_map.live_data(snap, active, view.version)),
    ])


def _side(params: wall.WallParams) -> None:
    viewer = _still_signed_in()
    view = _current(viewer, params)
    snap, active = view.snap, view.active
    # open alerts first: they ask for action
    _blocks("side", view, lambda: [alerts_html(snap), coverage_html(snap), ticker_html(snap, active)])


def _watch(params: wall.WallParams) -> None:
    """The cheap check (issue 29.3): rerun the page when the store changed since the blocks were drawn.

    Draws nothing and reads nothing but the version; the blocks re-check the session and show a
    database outage themselves, so a failed check here just waits for the next one.
    """
    shown = st.session_state.get(SHOWN_KEY)
    if not shown:
        return
    try:
        version = wall.data_version(store.get_engine())
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        return
    if any(v != version for v in shown.values()):
        st.rerun(scope="app")


def _head_block(params: wall.WallParams) -> None:
    _unavailable_here(_head, params)


def _side_block(params: wall.WallParams) -> None:
    _unavailable_here(_side, params)


def _map(viewer: Viewer) -> None:
    missing = maps.missing_vendor_files()
    if missing:
        st.error(maps.MISSING_VENDOR_MESSAGE)
        return
    cfg = settings()
    fmap = wall_map.base_map(overview.kelurahan_units(Filter(), viewer),
                             base_url_path=st.get_option("server.baseUrlPath") or "",
                             tile_url=cfg.tile_url, tile_attribution=cfg.tile_attribution)
    st_folium(fmap, key=MAP_KEY, height=MAP_HEIGHT, use_container_width=True, returned_objects=[])
    st.html(map_note_html())


def map_note_html() -> str:
    """The note under the map, in the wall's large type (issue 30.8: >= 16 px, read from 3 m)."""
    return ('<div class="skw"><div class="skw-note" data-testid="skw-map-note">'
            f"{escape_html(MEASURE_NOTICE)} Titik: laporan periode ini (hitam = berat, di atas yang lain; "
            "duplikat tidak digambar). Yang baru berkedip selama satu menit.</div></div>")


def render(viewer: Viewer, params: wall.WallParams, notices: list[str]) -> None:
    """Draw the wall for `viewer`; `notices` are the URL problems parse_params found."""
    st.html(static_files.style("wall.css"))
    for notice in notices:
        st.warning(escape_markdown(notice), icon=":material/link_off:")
    st.fragment(_head_block, run_every=params.refresh)(params)
    map_col, side_col = st.columns([0.64, 0.36], gap="medium")
    with map_col:
        _map(viewer)
    with side_col:
        st.fragment(_side_block, run_every=params.refresh)(params)
    st.fragment(_watch, run_every=wall.CHECK_SECONDS)(params)  # last: the blocks above set what they show


def render_page(viewer: Viewer) -> None:
    """The wall screen: its settings from the URL (?segar=30&periode=hari-ini), then the wall."""
    params, notices = wall.parse_params(st.query_params.to_dict())
    render(viewer, params, notices)
