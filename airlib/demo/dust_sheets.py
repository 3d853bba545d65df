"""SYNTHETIC dustfall (降尘) and road-dust (道路尘土残存量) sheets of the demo district (docs/dust.md).

``airlib generate-demo`` writes ``data/raw/demo/dust/dustfall.csv`` and ``road_dust.csv``, in
the bureau's sheet layout read by :func:`airlib.io.dust.read_dustfall` /
:func:`airlib.io.dust.read_road_dust`, first line a ``# SYNTHETIC`` comment:

* dustfall: 2–3 sampling points per town (``<town>-1`` …), one jar a month changed within a day
  of the 1st, so periods last 26–33 days; the value is the period's deposit in t/km² (the reader
  normalises it to 30 days); monthly levels 3–9 t/km²·30 d: a town level (valley towns higher
  than mountain towns), ×1.45 in March–May (spring), a decline of 3 % a year, log-normal noise;
* road dust: 3 roads per town, samples on the 5th and the 20th of each month, 2–12 g/m²,
  higher in spring.

Both cover every month of the demo's hourly data (from 2015-10, so the base year 2017 is there)
up to its last month. Deterministic: a pure function of ``(end, seed)``. Not linked to the
hourly data's sand-dust episode (D1): the sheets are independent synthetic series.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from airlib.demo.registry import towns_frame
from airlib.files import atomic_write_bytes

__all__ = ["DUST_FOLDER", "SYNTHETIC_LINE", "dustfall_sheet", "road_dust_sheet", "write_dust_sheets"]

#: Folder of the sheets inside the demo folder.
DUST_FOLDER: Final = "dust"
#: First line of each sheet.
SYNTHETIC_LINE: Final = "# 合成演示数据（SYNTHETIC），非真实监测数据 / synthetic demo data, not real measurements"
#: ASSUMED town levels [t/km²·30 d] by site type (valley towns are the urban ones).
_DUSTFALL_LEVEL: Final = {"valley": 5.6, "foothill": 4.8, "mountain": 4.0}
#: ASSUMED road-dust levels [g/m²] by site type.
_ROAD_LEVEL: Final = {"valley": 6.0, "foothill": 5.0, "mountain": 4.2}
_SPRING: Final = (3, 4, 5)
_ROAD_SUFFIXES: Final = ("大街", "路", "西路")


def _months(start: pd.Period, end: pd.Period) -> pd.PeriodIndex:
    return pd.period_range(start, end, freq="M")


def _factor(months: pd.PeriodIndex, first_year: int) -> np.ndarray:
    spring = np.isin(np.asarray(months.month), _SPRING)
    return np.where(spring, 1.45, 1.0) * 0.97 ** (np.asarray(months.year, dtype="float64") - first_year)


def dustfall_sheet(start: pd.Period, end: pd.Period, seed: int) -> pd.DataFrame:
    """The synthetic dustfall sheet (columns 点位, 街道, 开始日期, 结束日期, 降尘量, 单位) for the
    months ``start`` … ``end``; per-period deposits in t/km²."""
    rng = np.random.default_rng([seed, 1221])
    towns = towns_frame()
    months = _months(start, end)
    n_points = rng.integers(2, 4, size=len(towns))
    town_idx = np.repeat(np.arange(len(towns)), n_points)
    point_no = np.concatenate([np.arange(1, k + 1) for k in n_points])
    n_p, n_m = len(town_idx), len(months)
    # jar changes: one per month boundary (n_m + 1), within a day of the 1st, per point
    shift = rng.integers(-1, 2, size=(n_p, n_m + 1))
    bounds = pd.period_range(start, end + 1, freq="M").to_timestamp().to_numpy(dtype="datetime64[D]")
    change = bounds[None, :] + shift.astype("timedelta64[D]")
    s, e = change[:, :-1], change[:, 1:]
    days = (e - s).astype(int)
    site = towns["site"].to_numpy()[town_idx]
    level = np.array([_DUSTFALL_LEVEL[x] for x in site])[:, None] * rng.lognormal(0, 0.08, size=(n_p, 1))
    v30 = level * _factor(months, start.year)[None, :] * rng.lognormal(0, 0.15, size=(n_p, n_m))
    v30 = np.clip(v30, 3.0, 9.0)
    deposit = np.round(v30 * days / 30.0, 2)
    names = towns["town_name"].to_numpy()[town_idx]
    return pd.DataFrame({
        "点位": np.repeat([f"{n}-{k}" for n, k in zip(names, point_no, strict=True)], n_m),
        "街道": np.repeat(names, n_m),
        "开始日期": pd.to_datetime(s.ravel()).strftime("%Y-%m-%d"),
        "结束日期": pd.to_datetime(e.ravel()).strftime("%Y-%m-%d"),
        "降尘量": deposit.ravel(),
        "单位": "t/km²",
    })


def road_dust_sheet(start: pd.Period, end: pd.Period, seed: int) -> pd.DataFrame:
    """The synthetic road-dust sheet (道路, 街道, 日期, 尘土残存量（g/m²）) for ``start`` … ``end``."""
    rng = np.random.default_rng([seed, 6])
    towns = towns_frame()
    months = _months(start, end)
    short = towns["aliases"].str.split("|").str[0].to_numpy()
    road = np.array([f"{a}{suf}" for a in short for suf in _ROAD_SUFFIXES])
    town_idx = np.repeat(np.arange(len(towns)), len(_ROAD_SUFFIXES))
    n_r, n_m = len(road), len(months)
    level = np.array([_ROAD_LEVEL[x] for x in towns["site"].to_numpy()[town_idx]])[:, None]
    level = level * rng.lognormal(0, 0.12, size=(n_r, 1))
    f = _factor(months, start.year)[None, :, None]
    load = np.clip(level[:, :, None] * f * rng.lognormal(0, 0.2, size=(n_r, n_m, 2)), 2.0, 12.0)
    day0 = months.to_timestamp().to_numpy(dtype="datetime64[D]")
    dates = np.stack([day0 + np.timedelta64(4, "D"), day0 + np.timedelta64(19, "D")], axis=1)  # 5th, 20th
    return pd.DataFrame({
        "道路": np.repeat(road, n_m * 2),
        "街道": np.repeat(towns["town_name"].to_numpy()[town_idx], n_m * 2),
        "日期": pd.to_datetime(np.tile(dates.ravel(), n_r)).strftime("%Y-%m-%d"),
        "尘土残存量（g/m²）": np.round(load.ravel(), 1),
    })


def write_dust_sheets(folder: str | os.PathLike[str], start: pd.Period, end: pd.Period, seed: int) -> list[Path]:
    """Write ``<folder>/dust/dustfall.csv`` and ``road_dust.csv`` (UTF-8, SYNTHETIC line first) atomically."""
    out = Path(folder) / DUST_FOLDER
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for name, frame in (("dustfall.csv", dustfall_sheet(start, end, seed)),
                        ("road_dust.csv", road_dust_sheet(start, end, seed))):
        p = out / name
        atomic_write_bytes(p, (SYNTHETIC_LINE + "\n" + frame.to_csv(index=False, lineterminator="\n")).encode("utf-8"))
        files.append(p)
    return files
