"""Station → town (街乡镇) → district (区) daily values.

Rules
-----
* **Town** daily value of a pollutant statistic = arithmetic mean of the **valid** daily
  values of the town's stations on that day (invalid station values are never used). The town
  value is valid iff at least one station value is valid. (Decision: no source defines a
  township rule; a single valid station is enough because most towns have one or two
  stations.)
* **District** daily value = arithmetic mean of the valid daily values of **all stations in
  the district** (``district_method="stations"``, default), following HJ 663's rule that a
  city's concentration is the mean over its assessment stations [S]
  ([HJ663-2013]; docs/references.md). The alternative,
  ``district_method="towns"``, averages the valid town values (each town weighted equally
  whatever its number of stations).
* The same rule applies to every statistic of the daily-statistics layout: 24-hour means,
  O3 MDA8 (``o3_8h``) and the daily maximum 1-hour O3 (``o3_1h``): the unit's MDA8 is the
  mean of the stations' MDA8 values, as for a city in HJ 663 (not the MDA8 of averaged hours).

The output keeps the daily-statistics layout (``<c>`` value, NaN unless valid, and
``<c>_valid``), keyed by ``town_code`` or ``district_code`` and ``date``, so that
:func:`airlib.standards.validity.monthly_statistics`, :func:`airlib.standards.validity.period_statistics` and
:func:`airlib.standards.aqi.daily_aqi` work on it unchanged.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.standards.validity import DAILY_VALUE_COLUMNS

__all__ = ["aggregate_daily"]


def _codes(series: pd.Series) -> pd.Series:
    return series.astype("string").str.strip()


def _map(keys: pd.Series, table: pd.DataFrame, src: str, dst: str, what: str) -> pd.Series:
    """Map ``keys`` through ``table[src] -> table[dst]``; unknown keys raise."""
    t = table[[src, dst]].copy()
    t[src] = _codes(t[src])
    t[dst] = _codes(t[dst])
    dup = t[src].duplicated(keep=False) & ~t.duplicated(keep=False)
    if dup.any():
        raise InputDataError(
            f"{what} lists {src} {sorted(set(t.loc[dup, src]))[:5]} with conflicting {dst}",
            column=src,
        )
    lut = pd.Series(t[dst].to_numpy(), index=t[src].to_numpy()).groupby(level=0).first()
    out = _codes(keys).map(lut)
    bad = out.isna()
    if bad.any():
        missing = sorted(set(_codes(keys)[bad].dropna()))[:10]
        raise InputDataError(
            f"{len(set(_codes(keys)[bad]))} value(s) of {src} not in the {what} "
            f"(or without {dst}): {missing}",
            column=src,
        )
    return out.astype("string")


def _mean_valid(frame: pd.DataFrame, key: str, values: list[str]) -> pd.DataFrame:
    """Mean of the valid values per (key, date), with the number of valid inputs."""
    g = frame.groupby([key, "date"], sort=True)
    sums = g[values].sum(min_count=1)
    counts = g[values].count()
    keys = sums.index.to_frame(index=False)
    cols: dict[str, object] = {k: keys[k] for k in keys.columns}
    for c in values:
        n = counts[c].to_numpy(np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            cols[c] = np.where(n > 0, sums[c].to_numpy(np.float64) / np.maximum(n, 1), np.nan)
        cols[f"{c}_n_valid_stations"] = n
        cols[f"{c}_valid"] = n > 0
    return pd.DataFrame(cols, copy=False)  # one construction, not three inserts per column


def aggregate_daily(
    daily: pd.DataFrame,
    stations: pd.DataFrame,
    level: Literal["town", "district"] = "town",
    towns: pd.DataFrame | None = None,
    district_method: Literal["stations", "towns"] = "stations",
) -> pd.DataFrame:
    """Town or district daily values from station daily statistics.

    Parameters
    ----------
    daily : pandas.DataFrame [µg/m³; CO mg/m³]
        Output of :func:`airlib.standards.validity.daily_statistics` (``station``, ``date``, value
        columns ``pm25 … o3_1h`` with ``<c>_valid`` flags; µg/m³, CO mg/m³).
    stations : pandas.DataFrame
        Station registry with ``station`` and ``town_code`` (docs/architecture.md).
    level : {"town", "district"}, default "town"
        ``"town"`` (key ``town_code``) or ``"district"`` (key ``district_code``).
    towns : pandas.DataFrame, optional
        Town registry with ``town_code`` and ``district_code``; required for
        ``level="district"``.
    district_method : {"stations", "towns"}, default "stations"
        ``"stations"`` (default): mean over all valid station values in the district;
        ``"towns"``: mean over the valid town values.

    Returns
    -------
    pandas.DataFrame [µg/m³; CO mg/m³; counts]
        One row per unit and date with any station row: ``town_code``/``district_code``,
        ``date``, ``n_stations`` (stations of the unit in the registry), and per value column
        ``c``: ``c`` (mean of valid station values, NaN if none), ``c_n_valid_stations``,
        ``c_valid`` (≥ 1 valid station value; for ``district_method="towns"`` ≥ 1 valid town
        value, and the count column is ``c_n_valid_towns``).

    Raises
    ------
    InputDataError
        A station missing from the registry, a town missing from the town registry, missing
        columns.
    """
    if level not in ("town", "district"):
        raise InputDataError(f"level must be 'town' or 'district', got {level!r}")
    if district_method not in ("stations", "towns"):
        raise InputDataError(
            f"district_method must be 'stations' or 'towns', got {district_method!r}"
        )
    for frame, cols, what in (
        (daily, ("station", "date"), "daily frame"),
        (stations, ("station", "town_code"), "station registry"),
    ):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise InputDataError(f"{what} lacks column(s) {missing}", column=missing[0])
    values = [c for c in DAILY_VALUE_COLUMNS if c in daily.columns]
    if not values:
        raise InputDataError(f"daily frame has none of {DAILY_VALUE_COLUMNS}")

    reg = stations[["station", "town_code"]].copy()
    reg["station"] = _codes(reg["station"])
    reg = reg.drop_duplicates()
    town = _map(daily["station"], reg, "station", "town_code", "station registry")
    reg_key = reg["town_code"].astype("string")

    vals: dict[str, np.ndarray] = {"date": daily["date"].to_numpy()}
    key = "town_code"
    if level == "district":
        if towns is None:
            raise InputDataError("level='district' needs the town registry (towns=...)")
        for c in ("town_code", "district_code"):
            if c not in towns.columns:
                raise InputDataError(f"town registry lacks column {c!r}", column=c)
        key = "district_code"
        unit = _map(town, towns, "town_code", "district_code", "town registry")
        reg_key = _map(reg["town_code"], towns, "town_code", "district_code", "town registry")
    else:
        unit = town
    for c in values:
        v = daily[c].to_numpy(dtype=np.float64, na_value=np.nan)
        flag = f"{c}_valid"
        if flag in daily.columns:
            v = np.where(daily[flag].to_numpy(dtype=bool, na_value=False), v, np.nan)
        vals[c] = v
    work = pd.DataFrame(vals, copy=False)

    if level == "district" and district_method == "towns":
        work.insert(0, "town_code", town.to_numpy())
        per_town = _mean_valid(work, "town_code", values)
        per_town["district_code"] = _map(
            per_town["town_code"], towns, "town_code", "district_code", "town registry"
        ).to_numpy()
        tw = per_town[["district_code", "date", *values]]
        out = _mean_valid(tw, "district_code", values)
        out = out.rename(columns={f"{c}_n_valid_stations": f"{c}_n_valid_towns" for c in values})
    else:
        work.insert(0, key, unit.to_numpy())
        out = _mean_valid(work, key, values)

    n_st = reg_key.value_counts()
    out.insert(2, "n_stations", out[key].map(n_st).fillna(0).astype(np.int64).to_numpy())
    out[key] = out[key].astype("string")
    return out
