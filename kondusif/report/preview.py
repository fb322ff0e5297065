"""Page images of a PDF for the on-screen preview (PDFium, offline, no browser plug-in)."""

from __future__ import annotations

import io


def preview_available() -> bool:
    try:
        import pypdfium2  # noqa: F401
    except ImportError:
        return False
    return True


def page_count(pdf: bytes) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return len(doc)
    finally:
        doc.close()


def page_images(pdf: bytes, pages: int = 2, scale: float = 1.4) -> list[bytes]:
    """PNG bytes of the first `pages` pages (scale 1 = 72 dpi); [] when PDFium is missing."""
    if not preview_available():
        return []
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        out = []
        for i in range(min(pages, len(doc))):
            page = doc[i]
            image = page.render(scale=scale).to_pil()
            buf = io.BytesIO()
            image.save(buf, format="PNG")
            out.append(buf.getvalue())
            page.close()
        return out
    finally:
        doc.close()
