"""Import-check progress on a screen: the one place that polls a worker job (sleep + rerun).

The file and chat imports queue their check for the background worker (`python -m kondusif
worker`, which runs it in a limited child process; kondusif/intake/worker.py); this module
shows its progress, offers a cancel button, says when no worker has taken it, and polls,
keeping the job and its outcome in this session's state under a prefix, so a rerun never
queues the same check twice. The app process itself runs no check.
"""

from __future__ import annotations

from collections.abc import Callable
from time import sleep
from typing import Any

import streamlit as st

from kondusif.intake.files import FileRefused
from kondusif.intake.worker import UNATTENDED
from kondusif.safe import escape_markdown

POLL_SECONDS = 0.4  # one short wait per rerun; this session's thread only


def job_result(prefix: str, cache_key: tuple, data: bytes, start: Callable[[], Any]) -> Any:
    """The preview for `cache_key`, from this session's cache or a worker job (queued here if needed).

    While the job runs the screen shows its progress and a cancel button and polls; other
    sessions are not held up (the work is in another process). None while running or when refused.
    """
    ss = st.session_state
    cached = ss.get(f"{prefix}_preview")
    if cached and cached[0] == cache_key:
        return cached[1]
    refused = ss.get(f"{prefix}_refused")
    if refused and refused[0] == cache_key:
        st.error(escape_markdown(refused[1]))
        return None
    entry = ss.get(f"{prefix}_job")
    if entry and entry[0] != cache_key:  # another file or mapping now: the old job is not wanted
        entry[1].cancel()
        entry = None
    if entry is None:
        try:
            entry = (cache_key, start())
        except FileRefused as exc:  # over the upload limit: refused before anything is queued
            ss[f"{prefix}_refused"] = (cache_key, str(exc))
            st.error(escape_markdown(str(exc)))
            return None
        ss[f"{prefix}_job"] = entry
    job = entry[1]
    if job.running():
        _show_progress(prefix, job, data)
    status, value = job.outcome()
    ss.pop(f"{prefix}_job", None)
    if status != "ok":
        ss[f"{prefix}_refused"] = (cache_key, value)
        st.error(escape_markdown(value))
        return None
    ss[f"{prefix}_preview"] = (cache_key, value)
    return value


def _show_progress(prefix: str, job: Any, data: bytes) -> None:
    """Progress bar and cancel button (and a warning while no worker runs); reruns after a short wait unless
    cancelled."""
    progress = job.progress()
    lines = data.count(b"\n") if not data.startswith(b"PK") else 0
    slot = st.empty()
    with slot.container():
        st.progress(min(progress.rows / lines, 1.0) if lines and progress.stage == "membaca" else 0.0,
                    text=progress.label())
        if job.unattended():
            st.warning(UNATTENDED, icon=":material/hourglass_empty:")
        cancel = st.button("Batalkan pemeriksaan", key=f"{prefix}_cancel", icon=":material/cancel:")
    if cancel:
        job.cancel()
        slot.empty()  # no progress bar beside the "dibatalkan" message
    else:
        sleep(POLL_SECONDS)
        st.rerun()


def forget(prefix: str) -> None:
    """The file was removed: stop its check and forget a refusal, so uploading it again checks it again."""
    entry = st.session_state.pop(f"{prefix}_job", None)
    if entry:
        entry[1].cancel()
    st.session_state.pop(f"{prefix}_refused", None)
