"""SYNTHETIC spring sand-dust episode of the demo district and its published-style period list.

The demo's hourly data (:func:`airlib.demo.generator.generate_hourly`) have no dust. So that
the demo report shows the sand-dust exclusion (扣沙, docs/dust.md), :func:`write_demo` adds one
made-up episode in late March of the demo's last year with a March (every station, the same
hours): PM10 jumps within two hours by about 1 000 µg/m³ and decays over a day, PM2.5 rises by
only 12 % of the added PM10, so PM2.5/PM10 falls far below 0.35 — the signature the screening
(:func:`airlib.standards.sand_dust.screen_dust_hours`) looks for. The period list
``dust/sand_dust_periods.csv`` covers exactly the hours the episode touches, area 全市, with a
first line saying it is synthetic. Deterministic: no random draws.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from airlib.files import atomic_write_bytes

__all__ = ["EPISODE_HOURS", "PEAK_PM10", "PM25_SHARE", "episode_start", "add_sand_dust_episode",
           "write_sand_dust_periods"]

#: Hours the episode lasts [h].
EPISODE_HOURS: Final[int] = 26
#: PM10 added at the peak [µg/m³].
PEAK_PM10: Final[float] = 1000.0
#: PM2.5 added per µg/m³ of PM10 added [1].
PM25_SHARE: Final[float] = 0.12
#: First line of the period list.
TITLE: Final[str] = "# 合成演示数据（SYNTHETIC），非中国环境监测总站发布 / synthetic demo sand-dust periods, not published"


def episode_start(end: pd.Period) -> pd.Timestamp | None:
    """Start of the episode: 28 March 18:00 of the last year whose March the data reach
    (``end`` the last month of the demo), None before the demo's first March (2016)."""
    year = end.year if end.month >= 4 else end.year - 1
    if year < 2016:
        return None
    return pd.Timestamp(year=year, month=3, day=28, hour=18)


def _profile() -> np.ndarray:
    """Added PM10 per hour of the episode [µg/m³]: 40 % and 100 % of the peak in the first two
    hours, then an exponential decay to about 5 % of the peak at the last hour."""
    decay = PEAK_PM10 * np.exp(-np.arange(EPISODE_HOURS - 1) * np.log(20.0) / (EPISODE_HOURS - 2))
    return np.r_[0.4 * PEAK_PM10, decay]


def add_sand_dust_episode(hourly: pd.DataFrame, end: pd.Period) -> pd.DataFrame:
    """A copy of the demo's hourly frame with the SYNTHETIC sand-dust episode added.

    Only finite, non-negative PM10/PM2.5 values inside the episode change (missing values and
    the demo's injected sentinels/negatives stay as they are); every other value is unchanged.

    Parameters
    ----------
    hourly : DataFrame [µg/m³]
        :func:`airlib.demo.generator.generate_hourly` output.
    end : Period
        Last month of the demo.

    Returns
    -------
    DataFrame
    """
    start = episode_start(end)
    out = hourly.copy()
    if start is None:
        return out
    offset = ((out["time"] - start) // pd.Timedelta(hours=1)).to_numpy()
    inside = (offset >= 0) & (offset < EPISODE_HOURS)
    add = np.zeros(len(out))
    add[inside] = _profile()[offset[inside]]
    for col, share in (("pm10", 1.0), ("pm25", PM25_SHARE)):
        v = out[col].to_numpy(dtype=float)
        ok = inside & np.isfinite(v) & (v >= 0)  # the -999 sentinels and small negatives stay
        v = v.copy()
        v[ok] = v[ok] + share * add[ok]
        out[col] = v
    return out


def write_sand_dust_periods(folder: str | os.PathLike[str], end: pd.Period) -> list[Path]:
    """Write ``dust/sand_dust_periods.csv`` (SYNTHETIC, published style) into the demo folder.

    Columns 开始时间, 结束时间 (exclusive: the instant the period ends), 影响区域, 备注.
    Without an episode (demo ending before April 2016) the list has a header only.
    """
    start = episode_start(end)
    lines = [TITLE, "开始时间,结束时间,影响区域,备注"]
    if start is not None:
        stop = start + pd.Timedelta(hours=EPISODE_HOURS)
        lines.append(f"{start:%Y-%m-%d %H:%M},{stop:%Y-%m-%d %H:%M},全市,合成沙尘过程（SYNTHETIC）")
    p = Path(folder) / "dust" / "sand_dust_periods.csv"
    p.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(p, ("\n".join(lines) + "\n").encode("utf-8"))
    return [p]
