"""Schematic town polygons of the demo district (示意边界，非真实行政区划).

No public town-level boundaries exist for 门头沟区, so the demo ships *schematic* polygons: the
Voronoi cells of the 13 town seats clipped to a simple hand-drawn outline of the district.
They are good for choropleth maps of the demo report and nothing else; every feature carries
``schematic: true`` and the note ``示意边界，非真实行政区划``.
"""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import shapely
from shapely.geometry import MultiPoint, Point, Polygon

from airlib.demo.registry import TOWNS

__all__ = ["DISTRICT_OUTLINE", "SCHEMATIC_NOTE", "schematic_town_polygons"]

SCHEMATIC_NOTE: Final = "示意边界，非真实行政区划"

#: A coarse schematic outline of 门头沟区 (lon, lat, WGS84), drawn by hand around the real
#: district's extent (~115.43-116.20 E, 39.83-40.15 N). Not a survey boundary.
DISTRICT_OUTLINE: Final[Polygon] = Polygon(
    [
        (115.43, 39.98), (115.50, 40.06), (115.75, 40.10), (115.95, 40.15), (116.10, 40.10),
        (116.18, 40.02), (116.20, 39.90), (116.12, 39.83), (116.00, 39.85), (115.80, 39.88),
        (115.60, 39.85), (115.45, 39.90),
    ]
)


def schematic_town_polygons() -> gpd.GeoDataFrame:
    """Voronoi cells of the town seats, clipped to :data:`DISTRICT_OUTLINE`.

    Returns
    -------
    GeoDataFrame
        One row per town: ``town_code``, ``town_name``, ``schematic`` (True), ``note``,
        geometry (Polygon, EPSG:4326). Each cell contains its town seat.
    """
    seats = [Point(t.lon, t.lat) for t in TOWNS]
    cells = shapely.voronoi_polygons(MultiPoint(seats), extend_to=DISTRICT_OUTLINE.buffer(1.0))
    geoms = list(cells.geoms)
    out = []
    for seat in seats:
        # Each seat lies in exactly one Voronoi cell; pick it (13 towns: a tiny loop).
        cell = next(g for g in geoms if g.contains(seat))
        out.append(cell.intersection(DISTRICT_OUTLINE))
    return gpd.GeoDataFrame(
        {
            "town_code": [t.code for t in TOWNS],
            "town_name": [t.name for t in TOWNS],
            "schematic": True,
            "note": SCHEMATIC_NOTE,
        },
        geometry=out,
        crs="EPSG:4326",
    )
