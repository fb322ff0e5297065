"""Weekly PDF snapshot: week bounds, data gathering, map and charts, PDF, archive.

Heavy modules (matplotlib, fpdf2) load only when `build` / `pdf` are imported.
Who may generate them: capability ``report.weekly`` in kondusif.access.
"""
