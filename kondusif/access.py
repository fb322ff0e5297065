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
    "system.metrics": (frozenset({A}), "membaca metrik server (/_stcore/metrics)"),
    "account.pin": (frozenset({R}), "masuk dengan PIN 6 angka sebagai ganti kata sandi"),
    "sms.file": (frozenset({R}), "melapor lewat SMS dari nomor HP yang terdaftar pada akunnya"),
    # Issue 24: check-ins ("laporan aman") and coverage (who has been heard from).
    "checkin.file": (frozenset({A, P, R}), "mencatat laporan aman (lingkungan aman) untuk RT"),
    "checkin.read_identity": (frozenset({A, P}),
                              "melihat pengirim laporan aman serta nama dan nomor Ketua RT yang senyap"),
    "coverage.read": (frozenset({A, J, P}), "melihat cakupan kabar RT (RT yang memberi kabar dan yang senyap)"),
    "gateway.manage": (frozenset({A}), "mengelola gerbang SMS (rahasia SMSsync, nomor telepon Ketua RT)"),
    # Issue 26: the light RT page (/rt/, kondusif.web.rtpage); an account holding it lands there after login.
    "rtpage.use": (frozenset({R}), "memakai halaman ringan Ketua RT (/rt/)"),
    # One capability per page: kondusif.ui.pages.PAGES takes its roles from here.
    "page.peta": (frozenset({A, J, P}), "halaman Peta kondusivitas"),
    "page.insiden": (frozenset({A, P}), "halaman Insiden"),
    "page.lapor": (frozenset({A, P, R}), "halaman Kirim laporan"),
    "page.impor": (frozenset({A, P}), "halaman Impor laporan"),
    "page.antrean": (frozenset({A, P}), "halaman Antrean periksa (pesan yang belum terbaca)"),
    "page.laporan_mingguan": (frozenset({A, J, P}), "halaman Laporan mingguan"),
    "page.ruang_pantau": (frozenset({A, J, P}), "halaman Ruang pantau (layar dinding posko)"),
    "page.admin_akun": (frozenset({A}), "halaman Kelola akun"),
    "page.gerbang_sms": (frozenset({A}), "halaman Gerbang SMS"),
    "page.ganti_sandi": (frozenset({A, J, P, R}), "halaman Ganti kata sandi"),
}

# role -> the scope an account of that role carries: "kota" (none: the whole city),
# "kecamatan" (optionally one kecamatan) or "rt" (one kelurahan + RT, which it files for).
SCOPE_CITY, SCOPE_KECAMATAN, SCOPE_RT = "kota", "kecamatan", "rt"
SCOPE_KINDS: dict[Role, str] = {A: SCOPE_CITY, J: SCOPE_CITY, P: SCOPE_KECAMATAN, R: SCOPE_RT}

SYSTEM_VIEWER = SYSTEM  # the CLI and background jobs act as this explicit viewer


def roles_for(capability: str) -> frozenset[Role]:
    """The roles holding `capability` (KeyError for an unknown name: a typo must not open anything)."""
    return CAPABILITIES[capability][0]


def role_holds(role: Role | str, capability: str) -> bool:
    """Whether accounts of `role` hold `capability` (for rules about a role, not a signed-in viewer)."""
    return Role(role) in roles_for(capability)


def scope_kind(role: Role | str) -> str:
    """The scope an account of `role` carries: SCOPE_CITY, SCOPE_KECAMATAN or SCOPE_RT."""
    return SCOPE_KINDS[Role(role)]


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


@dataclass(frozen=True)
class Area:
    """Where a viewer may see and act: the whole city, one kecamatan, or one kelurahan + RT."""

    level: str  # SCOPE_CITY, SCOPE_KECAMATAN or SCOPE_RT
    kecamatan: str | None = None
    kelurahan: str | None = None  # and rt: only for SCOPE_RT
    rt: int | None = None

    @property
    def linked(self) -> bool:
        """False for an rt account not yet linked to its kelurahan and RT (it may file and see nothing)."""
        return self.level != SCOPE_RT or (bool(self.kelurahan) and self.rt is not None)

    def contains_kelurahan(self, code: str) -> bool:
        """Whether kelurahan `code` lies in this area (for an rt area: is its kelurahan)."""
        if self.level == SCOPE_KECAMATAN:
            return code[:8] == self.kecamatan
        if self.level == SCOPE_RT:
            return bool(self.kelurahan) and code == self.kelurahan
        return True


def area_of(viewer: Viewer) -> Area:
    """The viewer's area, from its role's scope kind and the account's kecamatan / kelurahan + RT."""
    kind = scope_kind(require_viewer(viewer).role)
    if kind == SCOPE_KECAMATAN and viewer.kecamatan:
        return Area(SCOPE_KECAMATAN, kecamatan=viewer.kecamatan)
    if kind == SCOPE_RT:
        return Area(SCOPE_RT, kelurahan=viewer.kelurahan or None, rt=None if viewer.rt is None else int(viewer.rt))
    return Area(SCOPE_CITY)


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
    area = area_of(viewer)
    if area.level == SCOPE_KECAMATAN:
        kec = p.kecamatan_code
        return kec is None or kec == area.kecamatan
    if area.level == SCOPE_RT:
        return (area.linked and p.kelurahan == area.kelurahan and p.rt is not None and int(p.rt) == area.rt)
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

    area = area_of(viewer)
    if area.level == SCOPE_KECAMATAN:
        cond = kecamatan_col == area.kecamatan
        return sa.or_(cond, kecamatan_col.is_(None)) if unplaced_ok else cond
    if area.level == SCOPE_RT:
        if kelurahan_col is None or rt_col is None or not area.linked:
            return sa.false()
        return sa.and_(kelurahan_col == area.kelurahan, rt_col == area.rt)
    return None


def capability_table() -> list[tuple[str, list[str], str]]:
    """(capability, role keys, description) rows, for docs and tests."""
    return [(name, sorted(r.value for r in roles), what) for name, (roles, what) in CAPABILITIES.items()]


def names(prefix: str = "") -> Iterable[str]:
    return [n for n in CAPABILITIES if n.startswith(prefix)]


__all__ = ["CAPABILITIES", "SCOPE_CITY", "SCOPE_KECAMATAN", "SCOPE_KINDS", "SCOPE_RT", "Area", "NotPermitted", "Place",
           "SYSTEM_VIEWER", "allows", "area_of", "capability_table", "in_scope", "names", "place_of", "require",
           "require_viewer", "role_holds", "roles_for", "scope_clause", "scope_kind"]
