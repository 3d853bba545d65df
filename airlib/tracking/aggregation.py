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


def _map_monthly(months: pd.PeriodIndex, stations: pd.Series, reg: pd.DataFrame) -> pd.Series:
    """The town of each (month, station) through a month-keyed set (``month``, ``station``,
    ``town_code``); <NA> where the station is not in that month's set. A station listed twice
    in a month with different towns, or a station in no month of the set, raises."""
    dup = reg.duplicated(["month", "station"], keep=False)
    if dup.any():
        bad = reg.loc[dup].iloc[0]
        raise InputDataError(f"station set lists station {bad['station']!r} in {bad['month']} with several "
                             f"towns {sorted(set(reg.loc[dup & (reg['station'] == bad['station']), 'town_code']))}",
                             column="town_code")
    codes = _codes(stations)
    unknown = ~codes.isin(reg["station"])
    if unknown.any():
        missing = sorted(set(codes[unknown].dropna()))[:10]
        raise InputDataError(f"{len(set(codes[unknown]))} value(s) of station not in the station set of any "
                             f"month: {missing}", column="station")
    index = pd.MultiIndex.from_arrays([reg["month"], reg["station"]])
    pos = index.get_indexer(pd.MultiIndex.from_arrays([months, codes]))
    town = pd.array(reg["town_code"].astype("string").to_numpy()[np.maximum(pos, 0)], dtype="string")
    town[pos < 0] = pd.NA
    return pd.Series(town, index=stations.index, dtype="string")


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
        Station registry with ``station`` and ``town_code`` (docs/architecture.md); or a
        month-keyed station set with ``month`` (Period[M]) too
        (:func:`airlib.tracking.station_sets.month_station_sets`): each row then goes to the
        town of its station's set row of the row's month — a station that moved town counts
        for the town it was in that month (docs/stations.md) — and a row whose station is not
        in its month's set is left out (the set selects; a station in no month of the set
        raises, as one missing from a registry).
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
        ``date``, ``n_stations`` (stations of the unit in the registry; with a month-keyed set,
        in the set of the date's month; rows of a station outside its month's set are left
        out), and per value column
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

    monthly = "month" in stations.columns
    reg = stations[[*(["month"] if monthly else []), "station", "town_code"]].copy()
    reg["station"] = _codes(reg["station"])
    reg = reg.drop_duplicates()
    if monthly:
        reg["month"] = pd.PeriodIndex(reg["month"], freq="M")
        reg["town_code"] = _codes(reg["town_code"])
        months = pd.DatetimeIndex(daily["date"]).to_period("M")
        town = _map_monthly(months, daily["station"], reg)
        inside = town.notna().to_numpy(dtype=bool)
        if not inside.all():
            daily, town = daily.loc[inside], town.loc[inside]
    else:
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

    if monthly:
        n_st = pd.Series(1, index=pd.MultiIndex.from_arrays([reg_key.to_numpy(), reg["month"]])).groupby(level=[0, 1]).sum()
        at = pd.MultiIndex.from_arrays([out[key].astype("string").to_numpy(),
                                        pd.DatetimeIndex(out["date"]).to_period("M")])
        pos = n_st.index.get_indexer(at)
        n = np.where(pos >= 0, n_st.to_numpy()[np.maximum(pos, 0)], 0)
    else:
        n = out[key].map(reg_key.value_counts()).fillna(0).to_numpy()
    out.insert(2, "n_stations", n.astype(np.int64))
    out[key] = out[key].astype("string")
    return out
