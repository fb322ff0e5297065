"""Every page of the app; the roles that may open one come from kondusif.access ("page.<key>").

dashboard.py builds the navigation from this list for the signed-in role, and
each screen (screens/<key>.py) calls `guard.require_page(key)` itself, so opening a page by URL
without the right role is refused on the server side.
"""

from __future__ import annotations

from dataclasses import dataclass

from kondusif import access
from kondusif.model import Role


@dataclass(frozen=True)
class PageSpec:
    key: str
    path: str
    title: str
    icon: str
    url_path: str

    @property
    def capability(self) -> str:
        return f"page.{self.key}"

    @property
    def roles(self) -> frozenset[Role]:
        """Who may open the page: declared once, in access.CAPABILITIES."""
        return access.roles_for(self.capability)

# Screens live in screens/ (not pages/, which would put Streamlit in its legacy
# pages-folder mode); st.navigation is the only router, so a URL is whatever url_path
# says. Today's URLs are kept: deep links and kiosk addresses use them.

PAGES: tuple[PageSpec, ...] = (
    PageSpec("peta", "screens/peta.py", "Peta kondusivitas", ":material/map:", "peta"),
    # issue 6: the Panwaslu workbench
    PageSpec("insiden", "screens/insiden.py", "Insiden", ":material/fact_check:", "insiden"),
    # issue 5: report intake (the RT form; file/chat imports and the review queue)
    PageSpec("lapor", "screens/lapor.py", "Kirim laporan", ":material/campaign:", "lapor"),
    PageSpec("impor", "screens/impor.py", "Impor laporan", ":material/upload_file:", "impor"),
    # issue 30: the review queue on its own screen (messages a person must read)
    PageSpec("antrean", "screens/antrean.py", "Antrean periksa", ":material/inbox:", "antrean"),
    # issue 15: the SMS gateways (Gammu modem, SMSsync phone) and the Ketua RT numbers
    PageSpec("gerbang_sms", "screens/gerbang_sms.py", "Gerbang SMS", ":material/sms:", "gerbang_sms"),
    # issue 7: the weekly PDF snapshot and its archive
    PageSpec("laporan_mingguan", "screens/laporan_mingguan.py", "Laporan mingguan", ":material/picture_as_pdf:", "laporan_mingguan"),
    # issue 16: the command post's wall display (kiosk URL /ruang_pantau?segar=30&periode=hari-ini)
    PageSpec("ruang_pantau", "screens/ruang_pantau.py", "Ruang pantau", ":material/tv:", "ruang_pantau"),
    # issue 3: accounts (dashboard.py lists these last, under "Akun")
    PageSpec("admin_akun", "screens/admin_akun.py", "Kelola akun", ":material/manage_accounts:", "admin_akun"),
    PageSpec("ganti_sandi", "screens/ganti_sandi.py", "Ganti kata sandi", ":material/password:", "ganti_sandi"),
)


def page(key: str) -> PageSpec:
    for spec in PAGES:
        if spec.key == key:
            return spec
    raise KeyError(key)


def pages_for(role: Role | str) -> list[PageSpec]:
    return [p for p in PAGES if Role(role) in p.roles]
