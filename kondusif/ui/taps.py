"""A submit tap that must never be lost across a failover (issue 31).

Streamlit runs a widget's `on_click` callback only for widgets the session has already
drawn. When nginx moves a browser to another app process (its process died), the first
message there belongs to a brand-new session: the form's values and the tap arrive, but
the callback is skipped because nothing has been drawn yet, and the tap did nothing. The
button's return value still says it was tapped, so the page handles that tap itself.
"""

from __future__ import annotations

import streamlit as st

from kondusif.web import lost_uploads


def note_handled(flag_key: str) -> None:
    """Call first thing in the submit callback: this tap was handled by it."""
    st.session_state[flag_key] = True


def missed_tap(clicked: bool, flag_key: str) -> bool:
    """True when the submit button was tapped in this run but its callback did not run."""
    handled = bool(st.session_state.pop(flag_key, False))
    return bool(clicked) and not handled


LOST_PHOTO = ("Foto yang Anda pilih tidak sampai ke server (sambungan sempat terputus) dan laporan BELUM "
              "terkirim. Isian Anda tetap ada: pilih fotonya lagi, lalu ketuk «Kirim laporan».")


def photo_lost(upload: object, token: str | None = None) -> bool:
    """True when the RT chose a photo that this process never received.

    Either the file went to the process that died (Streamlit then hands the session a
    placeholder without content instead of the file, in session_state as here), or its
    upload was cut off by the failover and refused here, so the form carries no file at
    all (noted by kondusif.web.lost_uploads under the browser's sign-in cookie `token`).
    """
    if upload is not None:
        if not hasattr(upload, "getvalue"):
            return True
        lost_uploads.forget(token)  # the photo is here after all
        return False
    return lost_uploads.take_refused(token)
