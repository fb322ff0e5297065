"""Photos attached to a report: JPEG or PNG only, size-limited, location metadata removed.

Phones write the GPS position, the phone model and the time into a photo's
EXIF block. A report photo is evidence of what happened, not of where the RT
head lives, so it is re-encoded from its pixels with Pillow: nothing but the
picture survives (orientation is applied first so it still looks right).
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.engine import Connection

from kondusif import store
from kondusif.config import settings
from kondusif.model import new_id
from kondusif.timeutil import now

MAX_PIXELS = 40_000_000  # a 40 MP photo is plenty; more is a decompression bomb
MAX_EDGE = 2560  # longer edge after re-encoding, keeps the store small
FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png")}


class PhotoRejected(ValueError):
    """The upload is not an acceptable photo; message in Indonesian."""


@dataclass(frozen=True)
class CleanPhoto:
    data: bytes
    mime: str
    filename: str
    sha256: str
    width: int
    height: int

    @property
    def size(self) -> int:
        return len(self.data)


def _safe_name(name: str, ext: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", (name or "foto").rsplit(".", 1)[0]).strip("_")[:60] or "foto"
    return stem + ext


def clean_photo(data: bytes, filename: str = "foto", max_bytes: int | None = None) -> CleanPhoto:
    """Check and re-encode a photo; raises PhotoRejected with the reason."""
    limit = settings().max_photo_bytes if max_bytes is None else max_bytes
    if not data:
        raise PhotoRejected("Berkas foto kosong.")
    if len(data) > limit:
        raise PhotoRejected(f"Foto terlalu besar ({len(data) / 1024 / 1024:.1f} MB); batasnya "
                            f"{limit / 1024 / 1024:.0f} MB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = "JPEG" if probe.format == "MPO" else probe.format  # MPO: multi-frame phone JPEG
                w, h = probe.size
                probe.verify()
            if fmt not in FORMATS:
                raise PhotoRejected("Hanya foto JPEG atau PNG yang diterima.")
            if w * h > MAX_PIXELS:
                raise PhotoRejected("Ukuran gambar terlalu besar (piksel).")
            with Image.open(io.BytesIO(data)) as opened:
                opened.load()
                img: Image.Image = ImageOps.exif_transpose(opened)
                img.thumbnail((MAX_EDGE, MAX_EDGE))
                img.info = {}  # no comment, exif, xmp or text chunk may ride along
                out = io.BytesIO()
                if fmt == "JPEG":
                    img = img.convert("RGB")
                    img.save(out, format="JPEG", quality=85, optimize=True)  # no exif= -> none written
                else:
                    if img.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                        img = img.convert("RGBA")
                    img.save(out, format="PNG", optimize=True)  # text chunks are not copied
                width, height = img.size
    except PhotoRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoRejected("Berkas ini bukan foto JPEG/PNG yang bisa dibaca.") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise PhotoRejected("Foto rusak atau terpotong; coba ambil ulang.") from exc
    clean = out.getvalue()
    mime, ext = FORMATS[fmt]
    return CleanPhoto(clean, mime, _safe_name(filename, ext), hashlib.sha256(clean).hexdigest(), width, height)


def add_attachment(conn: Connection, incident_id: str, photo: CleanPhoto) -> str:
    """Store a cleaned photo for an incident inside the caller's transaction; returns its id."""
    att_id = new_id()
    conn.execute(store.attachments.insert().values(
        id=att_id, incident_id=incident_id, filename=photo.filename, mime=photo.mime,
        size=photo.size, sha256=photo.sha256, data=photo.data, created_at=now(),
    ))
    return att_id
