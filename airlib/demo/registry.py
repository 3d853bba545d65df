"""Embedded registry of the demo district 门头沟区 (Mentougou, district code 110109).

The 13 towns/streets (镇/街道) are those named in the district's 2017-18 autumn-winter plan
(门大气办〔2017〕4号): 大峪、城子、东辛房、大台 街道; 王平、永定、龙泉 (镇 in 2017, 地区 in the 2023
code list); 潭柘寺、军庄、雁翅、斋堂、清水、妙峰山 镇. Codes and current names are those of the NBS
2023 township list (``geo/beijing-townships-nbs2023.csv``, codes 110109001-110109108);
``tests/demo/test_demo.py`` checks them against that file.

Town-seat coordinates are approximate WGS84 positions (±1-2 km) of each seat, good enough for a
schematic map; they are not survey data. The stations are SYNTHETIC: ids ``SYN-MTG-NN`` and names
``<town>N号站(合成)`` do not exist in any real network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import pandas as pd

__all__ = [
    "DISTRICT_CODE",
    "DISTRICT_NAME",
    "Town",
    "TOWNS",
    "towns_frame",
    "stations_frame",
    "STATION_SOURCE",
]

DISTRICT_CODE: Final = "110109"
DISTRICT_NAME: Final = "门头沟区"
STATION_SOURCE: Final = "synthetic-demo"

SiteClass = Literal["valley", "foothill", "mountain"]


@dataclass(frozen=True)
class Town:
    """One town/street of the demo district.

    Attributes
    ----------
    code : 9-digit NBS statistical code (2023 list).
    name : current official name (2023 list).
    kind : 街道, 镇 or 地区.
    aliases : other names: the 2017 plan's name, the short name, 街道办事处 forms.
    lon, lat : approximate WGS84 position of the town seat, degrees.
    elevation_m : approximate height of the seat above sea level, m.
    site : valley (urban valley streets), foothill, mountain; sets the pollution level.
    n_stations : synthetic stations placed in the town.
    """

    code: str
    name: str
    kind: str
    aliases: tuple[str, ...]
    lon: float
    lat: float
    elevation_m: float
    site: SiteClass
    n_stations: int


TOWNS: Final[tuple[Town, ...]] = (
    Town("110109001", "大峪街道", "街道", ("大峪", "大峪街道办事处"), 116.102, 39.940, 110, "valley", 3),
    Town("110109002", "城子街道", "街道", ("城子", "城子街道办事处"), 116.113, 39.918, 120, "valley", 2),
    Town("110109003", "东辛房街道", "街道", ("东辛房", "东辛房街道办事处"), 116.078, 39.934, 150, "valley", 1),
    Town("110109004", "大台街道", "街道", ("大台", "大台街道办事处"), 115.977, 39.966, 420, "foothill", 1),
    Town("110109005", "王平地区", "地区", ("王平镇", "王平"), 116.007, 39.996, 250, "foothill", 1),
    Town("110109006", "永定地区", "地区", ("永定镇", "永定"), 116.118, 39.897, 90, "valley", 2),
    Town("110109007", "龙泉地区", "地区", ("龙泉镇", "龙泉"), 116.110, 39.962, 110, "valley", 2),
    Town("110109101", "潭柘寺镇", "镇", ("潭柘寺",), 116.045, 39.903, 250, "foothill", 1),
    Town("110109104", "军庄镇", "镇", ("军庄",), 116.128, 40.000, 150, "foothill", 1),
    Town("110109105", "雁翅镇", "镇", ("雁翅",), 115.897, 40.028, 350, "mountain", 1),
    Town("110109106", "斋堂镇", "镇", ("斋堂",), 115.680, 39.970, 420, "mountain", 2),
    Town("110109107", "清水镇", "镇", ("清水",), 115.548, 39.948, 600, "mountain", 1),
    Town("110109108", "妙峰山镇", "镇", ("妙峰山",), 116.058, 40.040, 250, "foothill", 1),
)

# Offsets (degrees) of the k-th station of a town from the seat: a small fixed pattern.
_OFFSETS: Final = ((0.0, 0.0), (-0.006, 0.006), (0.004, 0.008))


def towns_frame() -> pd.DataFrame:
    """The demo towns as the ``towns`` registry frame of docs/architecture.md.

    Returns
    -------
    DataFrame
        ``town_code, town_name, district_code, district_name, kind, aliases`` (``|``-joined),
        plus ``lon, lat`` (approximate seat, WGS84), ``elevation_m`` and ``site``.
    """
    return pd.DataFrame(
        {
            "town_code": [t.code for t in TOWNS],
            "town_name": [t.name for t in TOWNS],
            "district_code": DISTRICT_CODE,
            "district_name": DISTRICT_NAME,
            "kind": [t.kind for t in TOWNS],
            "aliases": ["|".join(t.aliases) for t in TOWNS],
            "lon": [t.lon for t in TOWNS],
            "lat": [t.lat for t in TOWNS],
            "elevation_m": [float(t.elevation_m) for t in TOWNS],
            "site": [t.site for t in TOWNS],
        }
    ).astype({"town_code": "string", "town_name": "string", "district_code": "string",
              "district_name": "string", "kind": "string", "aliases": "string", "site": "string"})


def stations_frame() -> pd.DataFrame:
    """The synthetic demo stations as the ``stations`` registry frame.

    Returns
    -------
    DataFrame
        ``station`` (``SYN-MTG-01`` …), ``station_name`` (e.g. ``大峪1号站(合成)``),
        ``town_code``, ``lon``, ``lat`` (WGS84, degrees), ``source`` (= ``synthetic-demo``).
    """
    rows = []
    n = 0
    for t in TOWNS:
        short = t.aliases[0] if t.kind == "街道" else t.name[:-1] if t.kind == "镇" else t.name[:-2]
        for k in range(t.n_stations):
            n += 1
            dx, dy = _OFFSETS[k]
            rows.append(
                {
                    "station": f"SYN-MTG-{n:02d}",
                    "station_name": f"{short}{k + 1}号站(合成)",
                    "town_code": t.code,
                    "lon": round(t.lon + dx, 3),
                    "lat": round(t.lat + dy, 3),
                    "source": STATION_SOURCE,
                }
            )
    return pd.DataFrame(rows).astype(
        {"station": "string", "station_name": "string", "town_code": "string", "source": "string"}
    )
