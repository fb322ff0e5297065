"""Domain vocabulary: enums and records shared by every layer.

Keys are stable identifiers stored in the database; labels are what the UI shows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Category(StrEnum):
    POLITIK_UANG = "politik_uang"
    INTIMIDASI = "intimidasi"
    KAMPANYE_HITAM = "kampanye_hitam"
    PERUSAKAN_APK = "perusakan_apk"
    BENTROKAN = "bentrokan"
    NETRALITAS = "netralitas"
    KAMPANYE_LUAR_JADWAL = "kampanye_luar_jadwal"
    GANGGUAN_TPS = "gangguan_tps"
    PENGERAHAN_MASSA = "pengerahan_massa"
    LAINNYA = "lainnya"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS: dict[Category, str] = {
    Category.POLITIK_UANG: "Politik uang",
    Category.INTIMIDASI: "Intimidasi/ancaman",
    Category.KAMPANYE_HITAM: "Kampanye hitam, hoaks, SARA",
    Category.PERUSAKAN_APK: "Perusakan APK",
    Category.BENTROKAN: "Bentrokan/keributan massa",
    Category.NETRALITAS: "Pelanggaran netralitas (ASN, aparat, RT)",
    Category.KAMPANYE_LUAR_JADWAL: "Kampanye di luar jadwal/tempat terlarang",
    Category.GANGGUAN_TPS: "Gangguan di TPS",
    Category.PENGERAHAN_MASSA: "Pengerahan massa/unjuk rasa",
    Category.LAINNYA: "Lainnya",
}


class Severity(StrEnum):
    RINGAN = "ringan"
    SEDANG = "sedang"
    BERAT = "berat"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Status(StrEnum):
    BARU = "baru"
    DIVERIFIKASI = "diverifikasi"
    DITINDAKLANJUTI = "ditindaklanjuti"
    SELESAI = "selesai"
    DITOLAK = "ditolak"
    DUPLIKAT = "duplikat"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS: dict[Status, str] = {
    Status.BARU: "Baru",
    Status.DIVERIFIKASI: "Diverifikasi",
    Status.DITINDAKLANJUTI: "Ditindaklanjuti",
    Status.SELESAI: "Selesai",
    Status.DITOLAK: "Ditolak",
    Status.DUPLIKAT: "Duplikat",
}

# The workflow: baru -> diverifikasi -> ditindaklanjuti -> selesai, with the side
# exits ditolak and duplikat. A follow-up may be recorded again while in progress.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.BARU: frozenset({Status.DIVERIFIKASI, Status.DITOLAK, Status.DUPLIKAT}),
    Status.DIVERIFIKASI: frozenset(
        {Status.DITINDAKLANJUTI, Status.SELESAI, Status.DITOLAK, Status.DUPLIKAT}
    ),
    Status.DITINDAKLANJUTI: frozenset({Status.DITINDAKLANJUTI, Status.SELESAI}),
    Status.SELESAI: frozenset(),
    Status.DITOLAK: frozenset(),
    Status.DUPLIKAT: frozenset(),
}

OPEN_STATUSES = frozenset({Status.BARU, Status.DIVERIFIKASI, Status.DITINDAKLANJUTI})

# Final states are final for the ordinary actions, but people misclick: an admin or
# panwaslu may reopen one with a mandatory reason (audited). A rejected or duplicate
# report goes back to baru (to be checked again), a closed case back to diverifikasi.
REOPEN_TARGETS: dict[Status, Status] = {
    Status.DITOLAK: Status.BARU,
    Status.DUPLIKAT: Status.BARU,
    Status.SELESAI: Status.DIVERIFIKASI,
}


class Role(StrEnum):
    ADMIN = "admin"
    PEJABAT = "pejabat"
    PANWASLU = "panwaslu"
    RT = "rt"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: "Operator (admin)",
    Role.PEJABAT: "Pejabat Pemkot",
    Role.PANWASLU: "Panwaslu",
    Role.RT: "Ketua RT",
}


class Source(StrEnum):
    FORM = "form"
    IMPORT = "import"
    CHAT = "chat"
    SMS = "sms"  # issue 15: live SMS through a gateway (Gammu modem, SMSsync phone)
    SIMULASI = "simulasi"

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self]


SOURCE_LABELS: dict[Source, str] = {
    Source.FORM: "Formulir",
    Source.IMPORT: "Impor berkas",
    Source.CHAT: "Impor chat/SMS",
    Source.SMS: "SMS langsung",
    Source.SIMULASI: "Simulasi",
}

# How a report came in, as the history's "dibuat" line says it (issue 30.5: not "(sumber: form)").
SOURCE_WORDS: dict[str, str] = {
    "form": "lewat formulir",
    "import": "lewat impor berkas",
    "chat": "lewat impor chat/SMS",
    "sms": "lewat SMS",
    "simulasi": "oleh program simulasi",
}


def created_note(report_no: str, source: str, where: str = "") -> str:
    """The note of a report's "create" audit row: 'Laporan LLG-2018-000123 dibuat lewat formulir'."""
    return f"Laporan {report_no} dibuat {SOURCE_WORDS.get(str(source), f'(sumber: {source})')}{where}"


PRIVATE_FIELDS = ("reporter_name", "reporter_phone")


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Incident:
    """One report as stored. Times are timezone-aware (stored in UTC, shown in WIB)."""

    kode_kelurahan: str
    rt: int | None
    category: Category
    severity: Severity
    title: str
    occurred_at: datetime
    description: str = ""
    reported_at: datetime | None = None
    lat: float | None = None
    lon: float | None = None
    location_approx: bool = False
    source: Source = Source.FORM
    source_ref: str | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    status: Status = Status.BARU
    version: int = 1
    created_by: str | None = None
    duplicate_of: str | None = None
    possible_duplicate: bool = False
    id: str = field(default_factory=new_id)
    report_no: str | None = None
    kode_kecamatan: str | None = None


@dataclass(frozen=True)
class Viewer:
    """Who is asking. Data functions take one and apply its role and scope in SQL.

    `kecamatan` scopes a panwaslu account; `kelurahan` + `rt` fix an rt account.
    """

    username: str
    role: Role
    display_name: str = ""
    kecamatan: str | None = None
    kelurahan: str | None = None
    rt: int | None = None

    @property
    def sees_identity(self) -> bool:
        from kondusif import access  # the policy lives there (capability incident.read_identity)

        return access.allows(self, "incident.read_identity")


SYSTEM = Viewer(username="sistem", role=Role.ADMIN, display_name="Sistem")


def rt_username(kode_kelurahan: str, rt: int) -> str:
    """The account name of an RT head: rt-1673051009-003."""
    return f"rt-{kode_kelurahan.replace('.', '')}-{int(rt):03d}"
