"""Report photos: JPEG/PNG only, size-limited, location metadata gone."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image, PngImagePlugin

from kondusif.intake.photos import PhotoRejected, clean_photo

GPS = {1: "S", 2: (3.0, 17.0, 0.0), 3: "E", 4: (102.0, 54.0, 0.0)}


def photo(fmt: str = "JPEG", size=(64, 48)) -> bytes:
    img = Image.new("RGB", size, "red")
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Orientation] = 6  # rotated: the cleaned photo must be turned upright
    exif[ExifTags.Base.GPSInfo] = GPS
    buf = io.BytesIO()
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", "rumah Pak RT di -3.28, 102.91")
        img.save(buf, format="PNG", exif=exif, pnginfo=info)
    else:
        img.save(buf, format="JPEG", exif=exif, comment=b"rumah Pak RT")
    return buf.getvalue()


@pytest.mark.parametrize("fmt, mime", [("JPEG", "image/jpeg"), ("PNG", "image/png")])
def test_location_and_other_metadata_are_stripped(fmt, mime):
    raw = photo(fmt)
    with Image.open(io.BytesIO(raw)) as before:
        assert before.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo really has GPS
    clean = clean_photo(raw, "IMG_2018.jpg")
    assert clean.mime == mime and clean.filename.startswith("IMG_2018")
    with Image.open(io.BytesIO(clean.data)) as after:
        assert len(after.getexif()) == 0
        assert "comment" not in after.info and "Comment" not in after.info
        assert after.size == (48, 64)  # orientation applied
    assert b"PhoneMaker" not in clean.data and b"rumah" not in clean.data


@pytest.mark.parametrize("data, words", [
    (b"", "kosong"),
    (b"<svg onload=alert(1)></svg>", "bukan foto"),
    (b"GIF89a" + b"\x00" * 50, "bukan foto"),
])
def test_non_images_refused(data, words):
    with pytest.raises(PhotoRejected, match=words):
        clean_photo(data)


def test_other_image_formats_refused():
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, format="GIF")
    with pytest.raises(PhotoRejected, match="JPEG atau PNG"):
        clean_photo(buf.getvalue())


def test_truncated_photo_refused():
    with pytest.raises(PhotoRejected):
        clean_photo(photo()[:200])


def test_size_limit():
    with pytest.raises(PhotoRejected, match="terlalu besar"):
        clean_photo(photo(), max_bytes=100)
