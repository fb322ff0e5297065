"""Geography of Kota Lubuklinggau: gazetteer, name matching, boundaries, locating, RT registry.

This package knows nothing about incidents (it never imports kondusif).
Heavy modules (geopandas) load only when boundary functions are used.
"""

from .errors import (
    AmbiguousName,
    BoundariesUnavailable,
    FetchError,
    GeoError,
    GeoNameError,
    ImportFailed,
    NameNotFound,
    UnknownCode,
)
from .gazetteer import (
    POLYGON_AREA_KM2,
    STATUTORY_AREA_KM2,
    kecamatan,
    kecamatan_by_code,
    kecamatan_name,
    kelurahan,
    kelurahan_by_code,
    kelurahan_name,
)
from .names import (
    Match,
    find_kecamatan,
    find_kelurahan,
    find_kelurahan_in_text,
    match_kecamatan,
    match_kelurahan,
)

__all__ = [
    "POLYGON_AREA_KM2",
    "STATUTORY_AREA_KM2",
    "AmbiguousName",
    "BoundariesUnavailable",
    "FetchError",
    "GeoError",
    "GeoNameError",
    "ImportFailed",
    "Match",
    "NameNotFound",
    "UnknownCode",
    "find_kecamatan",
    "find_kelurahan",
    "find_kelurahan_in_text",
    "kecamatan",
    "kecamatan_by_code",
    "kecamatan_name",
    "kelurahan",
    "kelurahan_by_code",
    "kelurahan_name",
    "match_kecamatan",
    "match_kelurahan",
]
