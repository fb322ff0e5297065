"""The one access policy: named capabilities, the roles that hold them, and scope.

Every page list, domain function and (later) HTTP route asks `require(viewer,
capability, place)`; a refusal is one `NotPermitted` with an Indonesian message.
Roles are declared here and nowhere else: the page table (kondusif.ui.pages), the
identity roles (model.IDENTITY_ROLES) and the role × scope test table derive from
`CAPABILITIES`.

Scope: a panwaslu account with a kecamatan sees and changes only that kecamatan;
an rt account only its own kelurahan and RT. Admin, pejabat and a city-wide
panwaslu are not scoped. `place` is anything with a kelurahan and/or kecamatan
code (see `Place`); a place with no kelurahan (an unplaced queue item) is inside
every scope except an rt's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kondusif.errors import NotPermitted
from kondusif.model import SYSTEM, Role, Viewer

A, J, P, R = Role.ADMIN, Role.PEJABAT, Role.PANWASLU, Role.RT

# capability -> (roles holding it, what it lets them do). Pages are "page.<key>".
CAPABILITIES: dict[str, tuple[frozenset[Role], str]] = {
    "incident.read": (frozenset({A, J, P, R}), "membaca laporan dalam cakupannya"),
    "incident.read_identity": (frozenset({A, P}), "melihat nama dan nomor telepon pelapor"),
    "incident.transition": (frozenset({A, P}), "mengubah status laporan"),
    "incident.reopen": (frozenset({A, P}), "membuka kembali laporan berstatus akhir"),
    "incident.export": (frozenset({A, J, P}), "mengunduh laporan (CSV/XLSX/GeoJSON)"),
    "form.submit": (frozenset({A, P, R}), "mengirim laporan lewat formulir"),
    "import.run": (frozenset({A, P}), "mengimpor laporan dari berkas atau chat"),
    "review.read": (frozenset({A, P}), "membaca antrean tinjauan"),
    "review.place": (frozenset({A, P}), "menjadikan pesan antrean laporan"),
    "review.discard": (frozenset({A, P}), "membuang pesan antrean"),
    "report.weekly": (frozenset({A, J, P}), "membuat dan mengunduh laporan mingguan"),
    "map.read": (frozenset({A, J, P}), "membuka peta kondusivitas"),
    "alert.read": (frozenset({J, P}), "menerima peringatan"),
    "alert.ack": (frozenset({J, P}), "menandai peringatan sudah dibaca"),
    "account.manage": (frozenset({A}), "mengelola akun pengguna"),
    "registry.manage": (frozenset({A}), "memuat daftar RT dan membuat akun RT massal"),
    "account.sso": (frozenset({A, J, P}), "masuk lewat SSO instansi"),
    "account.own_password": (frozenset({A, J, P, R}), "mengganti kata sandi sendiri"),
    "system.health": (frozenset({A, P}), "melihat kesehatan sistem (ruang disk, cadangan, antrean)"),
    # One capability per page: kondusif.ui.pages.PAGES takes its roles from here.
    "page.peta": (frozenset({A, J, P}), "halaman Peta kondusivitas"),
    "page.insiden": (frozenset({A, P}), "halaman Insiden"),
    "page.lapor": (frozenset({A, P, R}), "halaman Kirim laporan"),
    "page.impor": (frozenset({A, P}), "halaman Impor laporan"),
    "page.laporan_mingguan": (frozenset({A, J, P}), "halaman Laporan mingguan"),
    "page.ruang_pantau": (frozenset({A, J, P}), "halaman Ruang pantau (layar dinding posko)"),
    "page.admin_akun": (frozenset({A}), "halaman Kelola akun"),
    "page.ganti_sandi": (frozenset({A, J, P, R}), "halaman Ganti kata sandi"),
}

SYSTEM_VIEWER = SYSTEM  # the CLI and background jobs act as this explicit viewer


def roles_for(capability: str) -> frozenset[Role]:
    """The roles holding `capability` (KeyError for an unknown name: a typo must not open anything)."""
    return CAPABILITIES[capability][0]


@dataclass(frozen=True)
class Place:
    """Where a row lies: kelurahan code (with kecamatan derived), or only a kecamatan."""

    kelurahan: str | None = None
    kecamatan: str | None = None
    rt: int | None = None

    @property
    def kecamatan_code(self) -> str | None:
        if self.kecamatan:
            return self.kecamatan
        return self.kelurahan.rsplit(".", 1)[0] if self.kelurahan else None


def place_of(row: object) -> Place:
    """A Place from a row dict (kode_kelurahan/kode_kecamatan/rt, or kelurahan/kecamatan keys)."""
    if isinstance(row, Place):
        return row
    get = row.get if isinstance(row, dict) else (lambda k, d=None: getattr(row, k, d))
    kel = get("kode_kelurahan") or get("kelurahan")
    kec = get("kode_kecamatan") or get("kecamatan")
    rt = get("rt")
    return Place(str(kel) if kel else None, str(kec) if kec else None,
                 int(rt) if rt is not None and str(rt) != "" and rt == rt else None)


def in_scope(viewer: Viewer, place: Place | dict | None) -> bool:
    """Whether `place` lies inside the viewer's scope (None: no place given, always True)."""
    if place is None:
        return True
    p = place_of(place)
    role = Role(viewer.role)
    if role == Role.PANWASLU and viewer.kecamatan:
        kec = p.kecamatan_code
        return kec is None or kec == viewer.kecamatan
    if role == Role.RT:
        return (viewer.kelurahan is not None and viewer.rt is not None and p.kelurahan == viewer.kelurahan
                and p.rt is not None and int(p.rt) == int(viewer.rt))
    return True


def allows(viewer: Viewer | None, capability: str, place: Place | dict | None = None) -> bool:
    """True when `viewer` holds `capability` (and `place`, if given, is in scope). For menus."""
    if not isinstance(viewer, Viewer):
        return False
    return Role(viewer.role) in roles_for(capability) and in_scope(viewer, place)


def require(viewer: Viewer | None, capability: str, place: Place | dict | None = None) -> Viewer:
    """Return `viewer` when it holds `capability` for `place`; raise NotPermitted otherwise."""
    if not isinstance(viewer, Viewer):
        raise NotPermitted("Silakan masuk terlebih dahulu.", capability=capability)
    roles, what = CAPABILITIES[capability]
    role = Role(viewer.role)
    if role not in roles:
        raise NotPermitted(f"Peran Anda ({role.label}) tidak berhak {what}.", capability=capability)
    if not in_scope(viewer, place):
        raise NotPermitted(f"Di luar cakupan wilayah akun Anda: Anda tidak berhak {what} di sana.",
                           capability=capability)
    return viewer


def require_viewer(viewer: object) -> Viewer:
    """A data function's guard: a Viewer is required (None no longer means 'unrestricted')."""
    if not isinstance(viewer, Viewer):
        raise TypeError("viewer wajib diisi: gunakan access.SYSTEM_VIEWER untuk baris perintah dan tugas latar")
    return viewer


def scope_clause(viewer: Viewer, kecamatan_col, kelurahan_col=None, rt_col=None, *, unplaced_ok: bool = False):
    """The SQL condition the viewer's scope imposes on a table with these columns (None: no limit).

    `unplaced_ok`: rows whose kecamatan is NULL (a queue item not yet placed) stay
    visible to a scoped panwaslu, never to an rt.
    """
    import sqlalchemy as sa

    role = Role(require_viewer(viewer).role)
    if role == Role.PANWASLU and viewer.kecamatan:
        cond = kecamatan_col == viewer.kecamatan
        return sa.or_(cond, kecamatan_col.is_(None)) if unplaced_ok else cond
    if role == Role.RT:
        if kelurahan_col is None or rt_col is None or not viewer.kelurahan or viewer.rt is None:
            return sa.false()
        return sa.and_(kelurahan_col == viewer.kelurahan, rt_col == int(viewer.rt))
    if role in (Role.ADMIN, Role.PEJABAT, Role.PANWASLU):
        return None
    return sa.false()


def capability_table() -> list[tuple[str, list[str], str]]:
    """(capability, role keys, description) rows, for docs and tests."""
    return [(name, sorted(r.value for r in roles), what) for name, (roles, what) in CAPABILITIES.items()]


def names(prefix: str = "") -> Iterable[str]:
    return [n for n in CAPABILITIES if n.startswith(prefix)]


__all__ = ["CAPABILITIES", "NotPermitted", "Place", "SYSTEM_VIEWER", "allows", "capability_table", "in_scope",
           "names", "place_of", "require", "require_viewer", "roles_for", "scope_clause"]
