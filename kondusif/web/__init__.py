"""The HTTP edge of the app (Starlette, mounted through Streamlit's `st.App` in app.py).

- routes.py: POST /sesi/masuk (login form), /sesi/keluar (logout), /sesi/perbarui
  (fresh cookie after a password change). The session cookie is set and deleted
  here, in the HTTP response: HttpOnly, SameSite=Strict, Path=/, Secure behind HTTPS.
- middleware.py: security headers on every response, /_stcore/metrics for admins
  only, and a dead session cookie (forged, expired, old epoch) deleted on page load.
- edge.py: the client address and scheme, honouring proxy headers only from the
  configured trusted proxies; the same-origin check for POSTs.

No Streamlit import here: plain Starlette so tests call it with its TestClient.
"""
