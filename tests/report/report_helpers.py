"""Helpers of the weekly report tests: reading a PDF back, counting in the store."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import sqlalchemy as sa
from pypdf import PdfReader

from kondusif import store

WEEK = "2018-W26"  # the busiest week of the simulated season
GENERATED_AT = datetime(2018, 7, 2, 1, 30, tzinfo=UTC)  # Senin, 2 Juli 2018 08.30 WIB
# A real-looking identity the report must never print.
SECRET_NAME = "Siti Rahmawati Hasibuan"
SECRET_PHONE = "081273645512"


def pdf_pages(pdf: bytes) -> list[str]:
    """Text of every page, whitespace collapsed (names may wrap inside a table cell)."""
    reader = PdfReader(io.BytesIO(pdf))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def pdf_text(pdf: bytes) -> str:
    return " ".join(pdf_pages(pdf))


def fmt(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def sql_count(engine, start: datetime, end: datetime, *extra) -> int:
    """An independent count over [start, end) of occurred_at."""
    c = store.incidents.c
    stmt = sa.select(sa.func.count()).select_from(store.incidents).where(
        c.occurred_at >= start, c.occurred_at < end, *extra)
    with engine.connect() as conn:
        return int(conn.execute(stmt).scalar())


def identities(engine, start: datetime, end: datetime) -> list[tuple[str | None, str | None]]:
    c = store.incidents.c
    stmt = sa.select(c.reporter_name, c.reporter_phone).where(c.occurred_at >= start, c.occurred_at < end)
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(stmt)]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)
