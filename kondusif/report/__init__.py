"""Weekly PDF snapshot: week bounds, data gathering, map and charts, PDF, archive.

Heavy modules (matplotlib, fpdf2) load only when `build` / `pdf` are imported.
"""

from kondusif.model import Role

# Who may generate and download weekly snapshots. kondusif.ui.pages.PAGES declares the
# page's roles; a test keeps the two equal (the CLI's --as check uses this one).
REPORT_ROLES = frozenset({Role.ADMIN, Role.PEJABAT, Role.PANWASLU})
