"""The sand-dust exclusion (扣沙) of 环办监测〔2016〕120号 and the screening of suspected dust hours.

From 2017-01-01 the Ministry's assessment (考核) and monthly city ranking remove the particulate
data of published sand-dust periods (《受沙尘天气过程影响城市空气质量评价补充规定》,
[MEE-SANDDUST-2016], docs/dust.md "扣沙"). This module holds the rules:

- :func:`dust_mask`: which station-hours a period list covers;
- :func:`exclude_sand_dust`: a copy of the hourly frame with the covered pollutants removed
  (NaN) in those hours; every statistic computed from it (daily means under HJ 663, monthly
  means, rankings, targets) is then "扣沙后";
- :func:`screen_dust_hours`: flags of SUSPECTED dust hours for an analyst to confirm (never
  applied by itself), and :func:`periods_from_flags`, which turns confirmed flags into a period
  list.

Time convention: hourly labels are hour-beginning Beijing time; a period's ``start`` is
inclusive and ``end`` exclusive. An hour labelled ``t`` is inside when ``start <= t`` and
``t + 1 h <= end``; an hour only partly inside counts as covered by default
(``Settings.sand_dust_partial_hour``, UNVERIFIED).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from airlib.settings import DEFAULT, Settings

__all__ = [
    "periods_for_area",
    "dust_mask",
    "exclude_sand_dust",
    "screen_dust_hours",
    "periods_from_flags",
]

_HOUR = pd.Timedelta(hours=1)


def periods_for_area(periods: pd.DataFrame, area: str | None, settings: Settings | None = None) -> pd.DataFrame:
    """The periods that apply to ``area``: its own and the city-wide ones.

    Parameters
    ----------
    periods : DataFrame
        ``start``, ``end``, ``area`` (:func:`airlib.io.sand_dust.read_sand_dust_periods`).
    area : str or None
        A district name (e.g. ``"门头沟区"``); None = every period applies.
    settings : Settings, optional
        ``sand_dust_citywide_areas`` names the areas that mean the whole city.

    Returns
    -------
    DataFrame
        The selected rows, same columns.
    """
    if area is None:
        return periods
    s = DEFAULT if settings is None else settings
    names = {area, *s.sand_dust_citywide_areas}
    return periods[periods["area"].astype(str).isin(names)]


def _hour_bounds(periods: pd.DataFrame, settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """First and one-past-last affected hour label of each period, sorted by first hour."""
    start = pd.to_datetime(periods["start"])
    end = pd.to_datetime(periods["end"])
    if settings.sand_dust_partial_hour == "covered":
        lo, hi = start.dt.floor("h"), end.dt.ceil("h")
    else:
        lo, hi = start.dt.ceil("h"), end.dt.floor("h")
    order = np.argsort(lo.to_numpy(), kind="stable")
    return lo.to_numpy()[order].astype("datetime64[us]"), hi.to_numpy()[order].astype("datetime64[us]")


def dust_mask(hourly: pd.DataFrame, periods: pd.DataFrame, *, area: str | None = None,
              settings: Settings | None = None) -> pd.Series:
    """Which station-hours a sand-dust period list covers ([MEE-SANDDUST-2016]).

    Parameters
    ----------
    hourly : DataFrame
        The hourly frame (``time``: hour-beginning Beijing time); every station is taken to lie
        in ``area``.
    periods : DataFrame
        ``start`` (inclusive), ``end`` (exclusive), ``area``.
    area : str, optional
        The district of the stations; only its periods and the city-wide ones apply. None: all.
    settings : Settings, optional
        ``sand_dust_partial_hour``: whether an hour partly inside a period is covered
        (default, UNVERIFIED) or not; ``sand_dust_citywide_areas``.

    Returns
    -------
    Series of bool
        Aligned with ``hourly``'s index: True where the hour is inside a period.
    """
    s = DEFAULT if settings is None else settings
    sel = periods_for_area(periods, area, s)
    t = pd.to_datetime(hourly["time"]).to_numpy().astype("datetime64[us]")
    if sel.empty or len(t) == 0:
        return pd.Series(False, index=hourly.index, name="sand_dust")
    lo, hi = _hour_bounds(sel, s)
    reach = np.maximum.accumulate(hi)  # union of intervals: latest end among periods started so far
    i = np.searchsorted(lo, t, side="right") - 1
    inside = (i >= 0) & (t < reach[np.clip(i, 0, None)])
    return pd.Series(inside, index=hourly.index, name="sand_dust")


def exclude_sand_dust(hourly: pd.DataFrame, periods: pd.DataFrame, *, area: str | None = None,
                      settings: Settings | None = None) -> pd.DataFrame:
    """A copy of ``hourly`` with the sand-dust-affected values removed (扣沙, [MEE-SANDDUST-2016]).

    The pollutants ``Settings.sand_dust_pollutants`` (PM10 and PM2.5 by default, UNVERIFIED)
    become NaN in the hours :func:`dust_mask` covers; with ``sand_dust_whole_day`` (UNVERIFIED,
    default False) in every hour of a station's day that has a covered hour. The daily,
    monthly and annual statistics computed from the result then follow the usual validity
    rules (HJ 663: a daily mean needs 20 valid hours), so a day mostly inside a period
    has no valid PM daily mean. The input is never altered.

    Parameters
    ----------
    hourly : DataFrame
        The hourly frame.
    periods : DataFrame
        The period list (``start``, ``end``, ``area``).
    area : str, optional
        District of the stations (see :func:`dust_mask`).
    settings : Settings, optional

    Returns
    -------
    DataFrame
        The copy; ``attrs["sand_dust"]`` holds ``periods`` (number of periods applying that
        cover at least one hour of the data), ``hours`` (distinct hour labels removed),
        ``station_hours`` (station-hours removed), ``values`` (non-missing values removed)
        and ``pollutants``.
    """
    s = DEFAULT if settings is None else settings
    mask = dust_mask(hourly, periods, area=area, settings=s)
    if s.sand_dust_whole_day and mask.any():
        day = pd.to_datetime(hourly["time"]).dt.floor("D")
        mask = mask.groupby([hourly["station"], day]).transform("any")
    out = hourly.copy()
    cols = [c for c in s.sand_dust_pollutants if c in out.columns]
    m = mask.to_numpy()
    removed = int(out.loc[m, cols].notna().to_numpy().sum()) if cols else 0
    for c in cols:
        out.loc[m, c] = np.nan
    sel = periods_for_area(periods, area, s)
    t = pd.to_datetime(hourly["time"])
    used = 0
    if len(t) and not sel.empty:
        lo, hi = _hour_bounds(sel, s)
        tmin, tmax = t.min().to_datetime64(), t.max().to_datetime64()
        used = int(((lo <= tmax) & (hi > tmin) & (hi > lo)).sum())
    out.attrs = dict(hourly.attrs)
    out.attrs["sand_dust"] = {
        "periods": used,
        "hours": int(t[m].nunique()),
        "station_hours": int(m.sum()),
        "values": removed,
        "pollutants": tuple(cols),
    }
    return out


def _lookup(values: pd.Series, station: pd.Series, time: pd.Series) -> np.ndarray:
    """``values`` (indexed by station, time) at the given (station, time) pairs; NaN if absent."""
    key = pd.MultiIndex.from_arrays([station.to_numpy(), time.to_numpy()])
    return values.reindex(key).to_numpy(dtype=float)


def screen_dust_hours(hourly: pd.DataFrame, *, settings: Settings | None = None) -> pd.DataFrame:
    """Flag SUSPECTED sand-dust station-hours for an analyst to confirm (never applied by itself).

    A station-hour is a *candidate* when PM10 ≥ ``dust_screen_pm10_min`` [µg/m³] and
    PM2.5/PM10 ≤ ``dust_screen_ratio_max`` [1]; a run of consecutive candidate hours of a
    station is *suspected* when at one of its hours PM10 rose by ≥ ``dust_screen_rise``
    [µg/m³] over the lowest PM10 of the previous ``dust_screen_rise_hours`` hours (the arrival
    of the dust front). All four thresholds are UNVERIFIED settings (docs/dust.md: the
    regulation leaves the judgement to CNEMC's review of satellite and weather evidence).

    Parameters
    ----------
    hourly : DataFrame
        ``station``, ``time`` (hour-beginning), ``pm10``, ``pm25`` [µg/m³]; one row per
        station-hour.
    settings : Settings, optional

    Returns
    -------
    DataFrame
        In ``hourly``'s row order: ``station``, ``time``, ``pm10``, ``pm25``, ``ratio``
        (PM2.5/PM10), ``pm10_rise`` [µg/m³], ``pm10_high``, ``ratio_low``, ``rise``
        (bools), ``suspected`` (bool).
    """
    s = DEFAULT if settings is None else settings
    st = hourly["station"].astype(str)
    t = pd.to_datetime(hourly["time"]).astype("datetime64[us]")
    pm10 = pd.to_numeric(hourly["pm10"], errors="coerce").astype(float)
    pm25 = pd.to_numeric(hourly["pm25"], errors="coerce").astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = pd.Series(np.where(pm10.to_numpy() > 0, pm25.to_numpy() / pm10.to_numpy(), np.nan),
                          index=hourly.index)
    keyed = pd.Series(pm10.to_numpy(), index=pd.MultiIndex.from_arrays([st.to_numpy(), t.to_numpy()]))
    keyed = keyed[~keyed.index.duplicated()]
    prev = np.full(len(hourly), np.nan)
    for k in range(1, int(s.dust_screen_rise_hours) + 1):
        before = _lookup(keyed, st, t - k * _HOUR)
        prev = np.fmin(prev, before)
    rise_val = pm10.to_numpy() - prev
    high = (pm10 >= s.dust_screen_pm10_min).to_numpy()
    low = (ratio <= s.dust_screen_ratio_max).to_numpy()
    rise = np.nan_to_num(rise_val, nan=-np.inf) >= s.dust_screen_rise
    cand = high & low
    frame = pd.DataFrame({"station": st.to_numpy(), "time": t.to_numpy(), "cand": cand,
                          "trigger": cand & rise, "pos": np.arange(len(hourly))})
    frame = frame.sort_values(["station", "time"], kind="stable")
    same = (frame["station"].eq(frame["station"].shift()) & frame["time"].sub(frame["time"].shift()).eq(_HOUR)
            & frame["cand"].shift(fill_value=False))
    run = (frame["cand"] & ~same).cumsum()
    has_trigger = frame["trigger"].groupby(run).transform("any")
    suspected = np.zeros(len(hourly), dtype=bool)
    suspected[frame["pos"].to_numpy()] = (frame["cand"] & has_trigger).to_numpy()
    return pd.DataFrame({
        "station": hourly["station"].to_numpy(), "time": t.to_numpy(), "pm10": pm10.to_numpy(),
        "pm25": pm25.to_numpy(), "ratio": ratio.to_numpy(), "pm10_rise": rise_val, "pm10_high": high,
        "ratio_low": low, "rise": rise, "suspected": suspected,
    }, index=hourly.index)


def periods_from_flags(flags: pd.DataFrame, *, area: str, column: str = "suspected",
                       min_stations: int = 1, source: str = "screening") -> pd.DataFrame:
    """Turn confirmed dust-hour flags into a period list (the frame the reader returns).

    The hours at which at least ``min_stations`` stations are flagged (column ``column``,
    e.g. ``suspected`` after the analyst's review, or a ``confirmed`` column the analyst adds)
    are joined into runs of consecutive hours; each run becomes a period ``start`` = its first
    hour, ``end`` = its last hour + 1 h (exclusive).

    Parameters
    ----------
    flags : DataFrame
        ``station``, ``time`` and the bool column ``column``.
    area : str
        Area written on every period.
    column : str
        The flag column to use.
    min_stations : int
        Stations that must be flagged at an hour for the hour to count.
    source : str
        Written to ``source``.

    Returns
    -------
    DataFrame
        ``start``, ``end``, ``area``, ``source``, ``row`` (1…; the period number).
    """
    hit = flags[flags[column].astype(bool)]
    counts = hit.groupby(pd.to_datetime(hit["time"]))["station"].nunique()
    hours = np.sort(counts[counts >= min_stations].index.to_numpy().astype("datetime64[us]"))
    if len(hours) == 0:
        return pd.DataFrame({"start": pd.Series(dtype="datetime64[us]"), "end": pd.Series(dtype="datetime64[us]"),
                             "area": pd.Series(dtype=str), "source": pd.Series(dtype=str),
                             "row": pd.Series(dtype=int)})
    new = np.r_[True, np.diff(hours) != np.timedelta64(1, "h")]
    run = np.cumsum(new)
    starts = hours[new]
    ends = pd.Series(hours).groupby(run).max().to_numpy().astype("datetime64[us]") + np.timedelta64(1, "h")
    return pd.DataFrame({"start": starts, "end": ends, "area": area, "source": source,
                         "row": np.arange(1, len(starts) + 1)})
