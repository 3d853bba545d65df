"""Ambient air-quality concentration limits of GB 3095 (2012 and 2026), chosen by date.

Editions
--------
``"GB3095-2012"``
    GB 3095—2012 Tables 1–2. In force nationally 2016-01-01 to 2026-02-28. airlib also applies
    it to earlier dates: its data start in 2013 and Beijing applied GB 3095—2012 from
    2012/2013 (the national effective date was 2016-01-01).
``"GB3095-2026-transitional"``
    GB 3095—2026 Table 1 "过渡阶段浓度限值" and the Table 2 notes a/b (NOx), 2026-03-01 to
    2030-12-31 (GB 3095—2026 §4.4).
``"GB3095-2026-final"``
    GB 3095—2026 Table 1 "浓度限值" and Table 2, from 2031-01-01 (§4.4).

Averaging keys: ``annual`` (年平均), ``24h`` (24 小时/日平均), ``1h`` (1 小时平均), ``8h`` (O3
日最大 8 小时平均, MDA8), ``quarter`` (Pb 季平均). Units: µg/m³, CO mg/m³. Grades: 1 (一级,
一类区) and 2 (二级, 二类区).

References
----------
[GB3095-2012], [GB3095-2026] (docs/references.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import numpy as np
import pandas as pd

from airlib.periods import to_datetimes
from airlib.errors import InputDataError

__all__ = [
    "GB3095_2012",
    "GB3095_2026_TRANSITIONAL",
    "GB3095_2026_FINAL",
    "EDITIONS",
    "TRANSITION_START",
    "FINAL_START",
    "LIMITS",
    "edition_for",
    "limit",
    "limits_for",
    "limits_table",
]

GB3095_2012: Final = "GB3095-2012"
GB3095_2026_TRANSITIONAL: Final = "GB3095-2026-transitional"
GB3095_2026_FINAL: Final = "GB3095-2026-final"
EDITIONS: Final[tuple[str, str, str]] = (GB3095_2012, GB3095_2026_TRANSITIONAL, GB3095_2026_FINAL)

#: GB 3095—2026 in force (transitional limits) from this instant (Beijing time).
TRANSITION_START: Final = pd.Timestamp("2026-03-01")
#: GB 3095—2026 final limits from this instant (§4.4).
FINAL_START: Final = pd.Timestamp("2031-01-01")

Key = tuple[str, str]  # (pollutant, averaging)

# (grade I, grade II). GB 3095—2012 Table 1 [GB3095-2012] [S].
_2012: dict[Key, tuple[float, float]] = {
    ("so2", "annual"): (20, 60),
    ("so2", "24h"): (50, 150),
    ("so2", "1h"): (150, 500),
    ("no2", "annual"): (40, 40),
    ("no2", "24h"): (80, 80),
    ("no2", "1h"): (200, 200),
    ("co", "24h"): (4, 4),
    ("co", "1h"): (10, 10),
    ("o3", "8h"): (100, 160),
    ("o3", "1h"): (160, 200),
    ("pm10", "annual"): (40, 70),
    ("pm10", "24h"): (50, 150),
    ("pm25", "annual"): (15, 35),
    ("pm25", "24h"): (35, 75),
    # GB 3095—2012 Table 2 (other items). Not in the reprints read; values as in the 2012 text
    # and identical to the GB 3095—2026 Table 2 / transitional NOx values [P, 2026 Table 2].
    ("nox", "annual"): (50, 50),
    ("nox", "24h"): (100, 100),
    ("nox", "1h"): (250, 250),
    ("tsp", "annual"): (80, 200),
    ("tsp", "24h"): (120, 300),
    ("pb", "annual"): (0.5, 0.5),
    ("pb", "quarter"): (1.0, 1.0),
    ("bap", "annual"): (0.001, 0.001),
    ("bap", "24h"): (0.0025, 0.0025),
}

# GB 3095—2026 Table 1 "过渡阶段浓度限值" (read from the page image) and Table 2 notes a, b.
_2026_T: dict[Key, tuple[float, float]] = {
    ("so2", "annual"): (20, 60),
    ("so2", "24h"): (50, 150),
    ("so2", "1h"): (150, 500),
    ("no2", "annual"): (40, 40),
    ("no2", "24h"): (80, 80),
    ("no2", "1h"): (200, 200),
    ("co", "24h"): (4, 4),
    ("co", "1h"): (10, 10),
    ("o3", "8h"): (100, 160),
    ("o3", "1h"): (160, 200),
    ("pm10", "annual"): (40, 60),
    ("pm10", "24h"): (50, 120),
    ("pm25", "annual"): (15, 30),
    ("pm25", "24h"): (35, 60),
    ("nox", "annual"): (50, 50),
    ("nox", "24h"): (100, 100),
    ("nox", "1h"): (250, 250),
    ("tsp", "annual"): (80, 200),
    ("tsp", "24h"): (120, 300),
    ("pb", "annual"): (0.5, 0.5),
    ("pb", "quarter"): (1.0, 1.0),
    ("bap", "annual"): (0.001, 0.001),
    ("bap", "24h"): (0.0025, 0.0025),
}

# GB 3095—2026 Table 1 "浓度限值" and Table 2, from 2031-01-01.
_2026_F: dict[Key, tuple[float, float]] = {
    ("so2", "annual"): (20, 20),
    ("so2", "24h"): (50, 50),
    ("so2", "1h"): (150, 150),
    ("no2", "annual"): (30, 30),
    ("no2", "24h"): (50, 50),
    ("no2", "1h"): (200, 200),
    ("co", "24h"): (4, 4),
    ("co", "1h"): (10, 10),
    ("o3", "8h"): (100, 160),
    ("o3", "1h"): (160, 200),
    ("pm10", "annual"): (20, 50),
    ("pm10", "24h"): (50, 100),
    ("pm25", "annual"): (10, 25),
    ("pm25", "24h"): (25, 50),
    ("nox", "annual"): (40, 40),
    ("nox", "24h"): (70, 70),
    ("nox", "1h"): (250, 250),
    ("tsp", "annual"): (80, 200),
    ("tsp", "24h"): (120, 300),
    ("pb", "annual"): (0.5, 0.5),
    ("pb", "quarter"): (1.0, 1.0),
    ("bap", "annual"): (0.001, 0.001),
    ("bap", "24h"): (0.0025, 0.0025),
}

#: Limits per edition: ``LIMITS[edition][(pollutant, averaging)] = (grade I, grade II)``.
LIMITS: Final[Mapping[str, Mapping[Key, tuple[float, float]]]] = {
    GB3095_2012: _2012,
    GB3095_2026_TRANSITIONAL: _2026_T,
    GB3095_2026_FINAL: _2026_F,
}

_POLLUTANT_ZH: Final[dict[str, str]] = {
    "so2": "二氧化硫（SO2）",
    "no2": "二氧化氮（NO2）",
    "co": "一氧化碳（CO）",
    "o3": "臭氧（O3）",
    "pm10": "颗粒物（PM10）",
    "pm25": "颗粒物（PM2.5）",
    "nox": "氮氧化物（NOx）",
    "tsp": "总悬浮颗粒物（TSP）",
    "pb": "铅（Pb）",
    "bap": "苯并[a]芘（BaP）",
}
_AVERAGING_ZH: Final[dict[str, dict[str, str]]] = {
    GB3095_2012: {"annual": "年平均", "24h": "24小时平均", "1h": "1小时平均", "8h": "日最大8小时平均", "quarter": "季平均"},
    "2026": {"annual": "年平均", "24h": "日平均", "1h": "1小时平均", "8h": "日最大8小时平均", "quarter": "季平均"},
}
_EDITION_ZH: Final[dict[str, str]] = {
    GB3095_2012: "GB 3095—2012",
    GB3095_2026_TRANSITIONAL: "GB 3095—2026（过渡阶段）",
    GB3095_2026_FINAL: "GB 3095—2026",
}
_ORDER: Final[tuple[str, ...]] = ("so2", "no2", "co", "o3", "pm10", "pm25", "nox", "tsp", "pb", "bap")
_AVG_ORDER: Final[tuple[str, ...]] = ("annual", "quarter", "24h", "8h", "1h")
_AVG_ALIASES: Final[dict[str, str]] = {
    "year": "annual", "yearly": "annual", "daily": "24h", "day": "24h", "24": "24h",
    "hourly": "1h", "1": "1h", "mda8": "8h", "8": "8h", "quarterly": "quarter",
}


def _norm(pollutant: str, averaging: str) -> Key:
    p = pollutant.lower().replace(".", "").replace("_", "")
    a = averaging.lower().replace(" ", "")
    a = _AVG_ALIASES.get(a, a)
    if (p, a) not in _2012:
        raise InputDataError(
            f"GB 3095 has no {averaging!r} limit for {pollutant!r}; known: "
            + ", ".join(f"{pp} {aa}" for pp, aa in _2012)
        )
    return p, a


def _grade_index(grade: int) -> int:
    if grade not in (1, 2):
        raise InputDataError(f"grade must be 1 (一级) or 2 (二级), got {grade!r}")
    return grade - 1


def _edition_codes(dates: Any) -> np.ndarray:
    """0/1/2 per date (index into EDITIONS)."""
    t = to_datetimes(dates, "date", "missing date: cannot choose the GB 3095 edition").to_numpy()
    return (t >= TRANSITION_START.to_datetime64()).astype(np.int64) + (t >= FINAL_START.to_datetime64()).astype(np.int64)


def edition_for(date: Any) -> Any:
    """GB 3095 edition whose limits apply at a date.

    Parameters
    ----------
    date : date-like, array-like or pandas.Series

    Returns
    -------
    str, numpy.ndarray of str or pandas.Series (string)
        ``"GB3095-2012"`` before 2026-03-01 (including dates before its national effective
        date 2016-01-01, see the module docstring); ``"GB3095-2026-transitional"`` from
        2026-03-01 to 2030-12-31; ``"GB3095-2026-final"`` from 2031-01-01 (GB 3095—2026 §4.4).
    """
    if np.ndim(date) == 0 and not isinstance(date, pd.Series):
        ts = pd.Timestamp(date)
        if ts is pd.NaT:
            raise InputDataError("missing date: cannot choose the GB 3095 edition", column="date")
        if ts >= FINAL_START:
            return GB3095_2026_FINAL
        return GB3095_2026_TRANSITIONAL if ts >= TRANSITION_START else GB3095_2012
    out = np.asarray(EDITIONS, dtype=object)[_edition_codes(date)]
    if isinstance(date, pd.Series):
        return pd.Series(out, index=date.index, name="edition", dtype="string")
    return out


def limit(pollutant: str, averaging: str, date: Any, grade: int = 2) -> float:
    """One GB 3095 concentration limit.

    Parameters
    ----------
    pollutant : {"so2", "no2", "co", "o3", "pm10", "pm25", "nox", "tsp", "pb", "bap"}
    averaging : {"annual", "24h", "1h", "8h", "quarter"}
        ``8h`` is the O3 daily maximum 8-h mean (MDA8).
    date : date-like
        Date of the data (the edition is chosen with :func:`edition_for`).
    grade : {1, 2}, default 2
        一级 (class-1 areas) or 二级 (class-2 areas; Beijing's urban and rural areas).

    Returns
    -------
    float [µg/m³; CO mg/m³]
        µg/m³ (CO mg/m³). GB 3095—2012 Tables 1–2; GB 3095—2026 Tables 1–2.

    Raises
    ------
    InputDataError
        No such limit (e.g. CO annual, PM2.5 1 h), bad grade, missing date.
    """
    key = _norm(pollutant, averaging)
    return float(LIMITS[edition_for(date)][key][_grade_index(grade)])


def limits_for(dates: Any, pollutant: str, averaging: str, grade: int = 2) -> Any:
    """Vectorised :func:`limit` over dates.

    Parameters
    ----------
    dates : array-like or pandas.Series of dates
    pollutant, averaging, grade : str, str, {1, 2}
        As for :func:`limit`.

    Returns
    -------
    numpy.ndarray or pandas.Series (float64, same index) of limits in µg/m³ (CO mg/m³).
    """
    key = _norm(pollutant, averaging)
    g = _grade_index(grade)
    lut = np.array([LIMITS[e][key][g] for e in EDITIONS], dtype=np.float64)
    if np.ndim(dates) == 0 and not isinstance(dates, pd.Series):
        return float(lut[_edition_codes([dates])[0]])
    out = lut[_edition_codes(dates)]
    if isinstance(dates, pd.Series):
        return pd.Series(out, index=dates.index, name=f"limit_{key[0]}_{key[1]}")
    return out


def limits_table(date: Any, grade: int = 2) -> pd.DataFrame:
    """All limits in force at a date, as a tidy table for reports.

    Parameters
    ----------
    date : date-like
    grade : {1, 2}, default 2

    Returns
    -------
    pandas.DataFrame [µg/m³; CO mg/m³]
        One row per (pollutant, averaging), in GB 3095 table order, with columns
        ``pollutant``, ``averaging`` (codes), ``limit`` (float), ``unit``, ``edition``,
        ``grade`` and the Chinese labels ``污染物项目``, ``平均时间``, ``浓度限值``, ``单位``,
        ``标准``, ``级别``.
    """
    edition = edition_for(date)
    g = _grade_index(grade)
    table = LIMITS[edition]
    avg_zh = _AVERAGING_ZH[GB3095_2012 if edition == GB3095_2012 else "2026"]
    keys = sorted(table, key=lambda k: (_ORDER.index(k[0]), _AVG_ORDER.index(k[1])))
    rows = []
    for p, a in keys:
        unit = "mg/m³" if p == "co" else "µg/m³"
        value = float(table[(p, a)][g])
        rows.append(
            {
                "pollutant": p,
                "averaging": a,
                "limit": value,
                "unit": unit,
                "edition": edition,
                "grade": grade,
                "污染物项目": _POLLUTANT_ZH[p],
                "平均时间": avg_zh[a],
                "浓度限值": f"{value:g}",
                "单位": unit,
                "标准": _EDITION_ZH[edition],
                "级别": "一级" if grade == 1 else "二级",
            }
        )
    out = pd.DataFrame(rows)
    for c in out.columns:
        if out[c].dtype == object:
            out[c] = out[c].astype("string")
    return out
