"""/masuk on a fresh server (issue 12.12).

A server process's first run starts in Streamlit's pages-folder mode, which only knows
the files in pages/: without this file /masuk showed "Page not found" over the login
form. This file hands the run to dashboard.py, whose navigation serves /masuk.
"""

from __future__ import annotations

from kondusif.ui import guard, login, session

guard._route_through_dashboard()  # reruns through dashboard.py; returns only under AppTest
if session.current_session() is None:
    login.render_login()
