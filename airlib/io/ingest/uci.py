"""Readers for the UCI PRSA Beijing data sets (real data in ``shared/data``).

* Multi-site (Zhang et al. 2017): 12 stations, 2013-03-01 … 2017-02-28, hourly, CO in µg/m³
  (divided by 1000 here → mg/m³).
* US Embassy PM2.5 (Liang et al. 2015): 2010–2014, ``pm2.5`` + weather; ``cbwd`` and ``Iws``
  are kept as extra columns (see :func:`read_uci_embassy`).

Hour label: the files give ``year, month, day, hour`` with ``hour`` 0–23 and do not state the
convention. airlib treats them as **hour-beginning** Beijing time by default (hours run 0–23,
the usual form of a beginning label); pass ``hour_label="ending"`` to shift −1 h instead.

References
----------
[ZHANG-2017], [LIANG-2015] (docs/references.md).
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from airlib.errors import InputDataError, UnknownNameError
from airlib.io.ingest.columns import file_errors, row_arg
from airlib.io.schema import canonical_hourly
from airlib.io.ingest.table import apply_hour_label
from airlib.paths import shared_data_dir

__all__ = ["UCI_COLUMNS", "UCI_TOWN_ASSIGNMENT", "read_uci_multisite", "read_uci_embassy", "uci_stations",
           "uci_files"]

#: UCI multi-site header → canonical column.
UCI_COLUMNS: dict[str, str] = {
    "PM2.5": "pm25", "PM10": "pm10", "SO2": "so2", "NO2": "no2", "CO": "co", "O3": "o3",
    "TEMP": "temp", "PRES": "pres", "DEWP": "dewp", "RAIN": "rain", "wd": "wd", "WSPM": "wspm",
}
_TIME_PARTS = ("year", "month", "day", "hour")

#: Approximate township (NBS 2023 code) of each UCI station, assigned by the station's name and
#: known location (no township polygons are available). ``by name``: the station is named after
#: the unit (or its former 镇 name); ``by location``: the unit believed to contain the coordinates.
UCI_TOWN_ASSIGNMENT: dict[str, tuple[str, str]] = {
    "Aotizhongxin": ("110105009", "approximate, by location (亚运村街道, Olympic Sports Center)"),
    "Changping": ("110114001", "approximate, by location (昌平镇 old town; 城北街道)"),
    "Dingling": ("110114119", "approximate, by name/location (十三陵镇, Ming tombs)"),
    "Dongsi": ("110101006", "approximate, by name (东四街道)"),
    "Guanyuan": ("110102009", "approximate, by location (展览路街道 west of 官园)"),
    "Gucheng": ("110107004", "approximate, by name (古城街道)"),
    "Huairou": ("110116003", "approximate, by name (怀柔镇 → 怀柔地区)"),
    "Nongzhanguan": ("110105012", "approximate, by location (麦子店街道, Agricultural Exhibition Center)"),
    "Shunyi": ("110113001", "approximate, by location (顺义新城 centre; 胜利街道)"),
    "Tiantan": ("110101016", "approximate, by name (天坛街道)"),
    "Wanliu": ("110108023", "approximate, by name (万柳地区)"),
    "Wanshouxigong": ("110102019", "approximate, by location (白纸坊街道, 万寿公园 area)"),
}


def uci_files(path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None) -> list[Path]:
    """The multi-site CSV files: a folder (``PRSA_Data_*.csv`` inside), one file, or a list."""
    if path is None:
        path = shared_data_dir() / "uci-beijing-multisite"
    if isinstance(path, (str, os.PathLike)):
        p = Path(path)
        if p.is_dir():
            files = sorted(p.glob("PRSA_Data_*.csv"))
            if not files:
                raise InputDataError("no PRSA_Data_*.csv files in the folder", file=p)
            return files
        if not p.exists():
            raise InputDataError("file or folder not found", file=p)
        return [p]
    return [Path(x) for x in path]


def _read_uci_csv(p: Path, expected: Sequence[str]) -> pd.DataFrame:
    if p.stat().st_size == 0:
        raise InputDataError("the file is empty", file=p)
    try:
        df = pd.read_csv(p, na_values=["NA", ""], keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputDataError(f"cannot parse as UCI PRSA CSV: {exc}", file=p) from None
    if df.empty:
        raise InputDataError("the file has a header but no data rows", file=p)
    missing = [c for c in expected if c not in df.columns]
    if missing:
        hints = {m: difflib.get_close_matches(m, [str(c) for c in df.columns], n=1, cutoff=0.5) for m in missing}
        desc = "; ".join(f"{m!r}" + (f" (found {h[0]!r})" if h else "") for m, h in hints.items())
        raise InputDataError(f"missing UCI column(s) {desc}", file=p, column=missing[0])
    for c in expected:
        if c in ("wd", "station", "cbwd"):
            continue
        if not pd.api.types.is_numeric_dtype(df[c]):
            num = pd.to_numeric(df[c], errors="coerce")
            bad = (num.isna() & df[c].notna()).to_numpy()
            raise InputDataError(f"text in a numeric column: {df[c][bad].head(3).tolist()}", file=p,
                                 row=row_arg((np.flatnonzero(bad) + 2)), column=c)
    return df


def _times(df: pd.DataFrame, p: Path, hour_label: str) -> pd.Series:
    t = pd.to_datetime(df[list(_TIME_PARTS)], errors="coerce")
    hour = df["hour"].to_numpy()
    bad = t.isna().to_numpy() | (hour < 0) | (hour > 23)  # UCI hours run 0–23
    if bad.any():
        raise InputDataError("invalid year/month/day/hour", file=p, row=row_arg((np.flatnonzero(bad) + 2)),
                             column="hour")
    return apply_hour_label(t.astype("datetime64[us]"), hour_label, file=p)


def read_uci_multisite(
    path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    hour_label: str = "beginning",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the UCI Beijing Multi-Site Air-Quality files into the canonical hourly frame.

    Parameters
    ----------
    path
        Folder with ``PRSA_Data_<Station>_20130301-20170228.csv`` (default
        ``shared_data_dir()/uci-beijing-multisite``), one file, or a list of files.
    hour_label
        ``"beginning"`` (default; see module docstring) or ``"ending"`` (−1 h).

    Returns
    -------
    (hourly, stations)
        Hourly frame (µg/m³; **CO divided by 1000 → mg/m³**; NA preserved as NaN, no QC
        applied) sorted by station, time; station registry from
        ``geo/uci12_station_coords.csv`` (see :func:`uci_stations`).
    """
    files = uci_files(path)
    frames = []
    for p in files:
        df = _read_uci_csv(p, [*_TIME_PARTS, *UCI_COLUMNS, "station"])
        out = df[list(UCI_COLUMNS)].rename(columns=UCI_COLUMNS)
        out["co"] = out["co"] / 1000.0
        out["station"] = df["station"].astype("string")
        out["time"] = _times(df, p, hour_label)
        frames.append(out)
    hourly = canonical_hourly(pd.concat(frames, ignore_index=True))
    dup = hourly.duplicated(["station", "time"]).to_numpy()
    if dup.any():
        raise InputDataError(f"{int(dup.sum())} duplicate station-hours across the UCI files "
                             f"(e.g. {hourly.loc[dup, 'station'].iloc[0]})", file=str(files[0].parent))
    stations = uci_stations()
    known = set(stations["station"])
    unknown = sorted(set(hourly["station"].unique()) - known)
    if unknown:
        raise UnknownNameError(unknown[0], difflib.get_close_matches(unknown[0], sorted(known), n=3, cutoff=0.3),
                               kind="station", file=str(files[0].parent), column="station")
    return hourly, stations[stations["station"].isin(hourly["station"].unique())].reset_index(drop=True)


@file_errors
def uci_stations(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Registry of the 12 UCI stations from ``geo/uci12_station_coords.csv``.

    Columns: ``station, station_name`` (Chinese), ``town_code`` (NBS 2023, 9 digits),
    ``town_name``, ``town_assignment`` (how the town was chosen — **approximate**, by name or
    known location; there are no town polygons), ``lon, lat`` (WGS84, 0.001°),
    ``district_code, district_name, aliases`` (KDD id and Chinese name), ``source``.
    """
    p = Path(path) if path is not None else shared_data_dir() / "geo" / "uci12_station_coords.csv"
    if not p.exists():
        raise InputDataError("UCI station coordinates not found", file=p)
    raw = pd.read_csv(p, dtype={"district_adcode": "string"})
    out = pd.DataFrame({
        "station": raw["station"].astype("string"),
        "station_name": raw["name_cn"].astype("string"),
    })
    codes = out["station"].map({k: v[0] for k, v in UCI_TOWN_ASSIGNMENT.items()}).astype("string")
    out["town_code"] = codes
    from airlib.io.ingest.registries import beijing_townships

    try:
        towns = beijing_townships(p.parent / "beijing-townships-nbs2023.csv")
        out["town_name"] = codes.map(dict(zip(towns["town_code"], towns["town_name"]))).astype("string")
    except InputDataError:
        out["town_name"] = pd.Series(pd.NA, index=out.index, dtype="string")
    out["town_assignment"] = out["station"].map({k: v[1] for k, v in UCI_TOWN_ASSIGNMENT.items()}).astype("string")
    out["lon"] = raw["lon"].astype("float64")
    out["lat"] = raw["lat"].astype("float64")
    out["district_code"] = raw["district_adcode"].astype("string")
    out["district_name"] = raw["district_cn"].astype("string")
    out["aliases"] = (raw["kdd_id"].astype("string") + "|" + raw["name_cn"].astype("string")).astype("string")
    out["source"] = pd.Series("UCI PRSA multi-site (Zhang et al. 2017)", index=out.index, dtype="string")
    return out.sort_values("station").reset_index(drop=True)


@file_errors
def read_uci_embassy(path: str | os.PathLike[str] | None = None, hour_label: str = "beginning") -> pd.DataFrame:
    """Read the UCI Beijing PM2.5 (US Embassy) file, 2010-01-01 … 2014-12-31.

    Returns the canonical hourly frame for station ``"USEmbassy"``: ``pm25`` (µg/m³),
    ``dewp`` (°C), ``temp`` (°C), ``pres`` (hPa); other pollutants, ``rain`` and ``wspm`` are NaN.
    ``wd`` is the combined direction ``cbwd`` mapped NW/NE/SE → same, ``cv`` (calm/variable) → NA;
    a 4-class direction, not the 16-point compass. Extra columns after the canonical ones:
    ``cbwd`` (string, as in the file), ``iws`` (cumulated wind speed, m/s — a running sum
    over hours of the same direction, **not** an hourly wind speed, hence not ``wspm``),
    ``is_hours`` / ``ir_hours`` (cumulated hours of snow / rain).
    """
    p = Path(path) if path is not None else (
        shared_data_dir() / "uci-beijing-pm25-2010-2014" / "PRSA_data_2010.1.1-2014.12.31.csv")
    if not p.exists():
        raise InputDataError("file not found", file=p)
    df = _read_uci_csv(p, [*_TIME_PARTS, "pm2.5", "DEWP", "TEMP", "PRES", "cbwd", "Iws", "Is", "Ir"])
    out = pd.DataFrame({
        "station": pd.Series("USEmbassy", index=df.index, dtype="string"),
        "time": _times(df, p, hour_label),
        "pm25": df["pm2.5"].astype("float64"),
        "dewp": df["DEWP"].astype("float64"),
        "temp": df["TEMP"].astype("float64"),
        "pres": df["PRES"].astype("float64"),
    })
    cb = df["cbwd"].astype("string")
    out["wd"] = cb.where(cb.isin(["NW", "NE", "SE", "SW"]))
    out["cbwd"] = cb
    out["iws"] = df["Iws"].astype("float64")
    out["is_hours"] = df["Is"].astype("float64")
    out["ir_hours"] = df["Ir"].astype("float64")
    return canonical_hourly(out, extra=("cbwd", "iws", "is_hours", "ir_hours"))
