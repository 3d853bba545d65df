"""Ambient-air comprehensive index (环境空气质量综合指数), ranking and change rate.

Formula (2018 MEE city-ranking rule [MEE-RANK-2018] as published on provincial notes
[ANHUI-RANK-2019] [S]; docs/references.md):

    I_i = C_i / S_i,    I_sum = Σ_i w_i · I_i

* C_i: period mean of SO2, NO2, PM10, PM2.5; 95th percentile of CO daily means; 90th
  percentile of O3 MDA8 (the statistics of :func:`airlib.standards.validity.period_statistics` /
  :func:`airlib.standards.validity.annual_statistics` / :func:`airlib.standards.validity.monthly_statistics`,
  columns ``so2, no2, pm10, pm25, co_p95, o3_8h_p90``).
* S_i: grade-II **annual** limits of SO2, NO2, PM10, PM2.5; the grade-II **24-hour** CO limit
  and the **MDA8** O3 limit (:data:`airlib.standards.limits.LIMITS`), **by the period's date**
  (:func:`limits_edition_for`): periods that start before 2026-03-01 use GB 3095—2012 (the
  only edition in force); which edition's S_i applies from 2026-03-01 is UNVERIFIED, so it is
  the setting ``settings.composite_limits_edition`` (default ``"GB3095-2012"``, the edition the
  2018 rule cites; ``"in_force"`` = the edition in force at the period's start,
  :func:`airlib.standards.limits.edition_for`). A period that spans 2026-03-01 (the year
  2026, a winter season) takes the edition of its first day. An explicit ``limits_edition=``
  applies to every period.
* Weights w_i: ``settings.composite_weights`` (default all 1; UNVERIFIED).
* Rounding (GB/T 8170, :func:`airlib.standards.rounding.round_gbt8170`): I_i and I_sum are published to
  ``settings.composite_decimals`` (default 2). I_sum is the sum of the **unrounded** I_i,
  rounded once: the worked example 21/35 + 39/70 + 9/60 + 15/40 + 192/160 + 0.7/4 = 3.057 →
  3.06 (summing rounded sub-indices would give 3.07).
* Concentrations C_i are first rounded to their published precision (integers, CO one
  decimal; decision, UNVERIFIED: the rule cites GB/T 8170 and published C_i are shown at that
  precision); ``concentration_decimals=None`` uses them unrounded.
* Ranking: ascending published I_sum, ties share the smallest rank ("指数相同的城市以并列计";
  competition ranking 1, 2, 2, 4; :func:`airlib.standards.ranking_rules.competition_rank`).
* Change rate: (I_sum − I_sum,last year) / I_sum,last year × 100 on the published I_sum values,
  rounded to ``settings.yoy_decimals`` (1) decimals; > 0 worse, < 0 improved
  (:func:`airlib.standards.ranking_rules.yoy_percent`).

This is the only implementation of the index: :func:`airlib.engine.citywide.composite_ranking`
(every town of the city) calls :func:`composite_index`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.periods import to_datetimes
from airlib.settings import DEFAULT, Settings
from airlib.standards.ranking_rules import competition_rank, yoy_percent
from airlib.standards.rounding import round_gbt8170

__all__ = [
    "COMPOSITE_POLLUTANTS",
    "CONCENTRATION_COLUMNS",
    "CONCENTRATION_DECIMALS",
    "IN_FORCE",
    "LIMIT_AVERAGING",
    "composite_limits",
    "composite_limits_by_date",
    "limits_edition_for",
    "composite_index",
]

#: Value of ``settings.composite_limits_edition``: from 2026-03-01, the GB 3095 edition in
#: force at the period's start (transitional limits to 2030, final limits from 2031).
IN_FORCE = "in_force"

#: Pollutants of the index, in published order.
COMPOSITE_POLLUTANTS: tuple[str, ...] = ("so2", "no2", "pm10", "pm25", "co", "o3")
#: Statistic column providing C_i for each pollutant.
CONCENTRATION_COLUMNS: dict[str, str] = {
    "so2": "so2",
    "no2": "no2",
    "pm10": "pm10",
    "pm25": "pm25",
    "co": "co_p95",
    "o3": "o3_8h_p90",
}
#: Averaging time of S_i per pollutant (keys of :data:`airlib.standards.limits.LIMITS`).
LIMIT_AVERAGING: dict[str, str] = {
    "so2": "annual",
    "no2": "annual",
    "pm10": "annual",
    "pm25": "annual",
    "co": "24h",
    "o3": "8h",
}
#: Published precision of C_i (decision, see module docstring).
CONCENTRATION_DECIMALS: dict[str, int] = {
    "so2": 0, "no2": 0, "pm10": 0, "pm25": 0, "co": 1, "o3": 0,
}

_UNIT_KEYS = ("station", "town_code", "district_code", "city", "unit")
_PERIOD_KEYS = ("year", "month", "start", "end", "period")


def composite_limits(edition: str | Mapping[str, float] | None = None,
                     settings: Settings | None = None) -> dict[str, float]:
    """S_i of the comprehensive index per pollutant (grade II).

    Parameters
    ----------
    edition : str, mapping of str to float, or None, optional
        ``"GB3095-2012"``, ``"GB3095-2026-transitional"``, ``"GB3095-2026-final"`` (see
        :mod:`airlib.standards.limits`), or a mapping ``{pollutant: S_i}`` of custom values. Default
        ``settings.composite_limits_edition`` (the edition for periods from 2026-03-01; for
        S_i by date use :func:`composite_limits_by_date`).
    settings : Settings, optional
        ``composite_limits_edition``.

    Returns
    -------
    dict of str to float [µg/m³; CO mg/m³]
        ``{"so2": 60.0, "no2": 40.0, "pm10": 70.0, "pm25": 35.0, "co": 4.0, "o3": 160.0}`` for
        GB 3095—2012 (µg/m³, CO mg/m³).
    """
    from airlib.standards.limits import EDITIONS, LIMITS

    settings = DEFAULT if settings is None else settings
    edition = settings.composite_limits_edition if edition is None else edition
    if isinstance(edition, Mapping):
        missing = [p for p in COMPOSITE_POLLUTANTS if p not in edition]
        if missing:
            raise InputDataError(f"custom limits lack {missing}")
        return {p: float(edition[p]) for p in COMPOSITE_POLLUTANTS}
    if edition == IN_FORCE:
        raise InputDataError(
            "the limits edition 'in_force' depends on the date; use composite_limits_by_date(dates)"
        )
    if edition not in LIMITS:
        raise InputDataError(f"unknown limits edition {edition!r}; known: {list(EDITIONS)}")
    return {p: float(LIMITS[edition][(p, LIMIT_AVERAGING[p])][1]) for p in COMPOSITE_POLLUTANTS}


def limits_edition_for(dates, settings: Settings | None = None) -> np.ndarray:
    """GB 3095 edition of the S_i for periods starting at ``dates`` (the setting's rule).

    Parameters
    ----------
    dates : date-like or array-like of dates
        First day of each period (Beijing date).
    settings : Settings, optional
        ``composite_limits_edition``: the edition for periods from 2026-03-01 (an edition
        name of :data:`airlib.standards.limits.EDITIONS`, or ``"in_force"``).

    Returns
    -------
    numpy.ndarray of str
        ``"GB3095-2012"`` before 2026-03-01 (the only edition in force then); from 2026-03-01
        ``settings.composite_limits_edition``, or :func:`airlib.standards.limits.edition_for`
        of the date when the setting is ``"in_force"``.

    Raises
    ------
    InputDataError
        An unknown edition in the setting, or a missing/unreadable date.
    """
    from airlib.standards.limits import EDITIONS, GB3095_2012, TRANSITION_START, edition_for

    settings = DEFAULT if settings is None else settings
    chosen = settings.composite_limits_edition
    if chosen not in (*EDITIONS, IN_FORCE):
        raise InputDataError(
            f"settings.composite_limits_edition={chosen!r} is not a GB 3095 edition; "
            f"use one of {[*EDITIONS, IN_FORCE]}"
        )
    if np.ndim(dates) == 0:
        dates = [dates]
    t = to_datetimes(dates if isinstance(dates, pd.Series) else pd.Series(list(dates) if isinstance(dates, list) else dates),
                     "date", "missing period date: cannot choose the limits edition of the comprehensive index")
    later = (t >= TRANSITION_START).to_numpy()
    if chosen == IN_FORCE:
        after = np.asarray(edition_for(t), dtype=object)
    else:
        after = np.full(len(t), chosen, dtype=object)
    return np.where(later, after, GB3095_2012)


def composite_limits_by_date(dates, settings: Settings | None = None) -> dict[str, np.ndarray]:
    """S_i per pollutant for periods starting at ``dates`` (:func:`limits_edition_for`).

    Parameters
    ----------
    dates : array-like of dates
        First day of each period.
    settings : Settings, optional
        ``composite_limits_edition``.

    Returns
    -------
    dict of numpy.ndarray
        ``{pollutant: S_i per period}`` [µg/m³; CO mg/m³].
    """
    editions = limits_edition_for(dates, settings)
    out = {p: np.empty(len(editions), dtype=np.float64) for p in COMPOSITE_POLLUTANTS}
    for e in np.unique(editions):
        sel = editions == e
        lim = composite_limits(str(e), settings)
        for p in COMPOSITE_POLLUTANTS:
            out[p][sel] = lim[p]
    return out


def _period_starts(stats: pd.DataFrame) -> pd.Series | None:
    """First day of each row's period, from ``start``, ``period``, ``month`` (datetime or
    Period, or integer with ``year``) or ``year``; None when the frame has none."""
    cols = stats.columns
    if "start" in cols:
        return to_datetimes(stats["start"], "start")
    if "period" in cols and isinstance(stats["period"].dtype, pd.PeriodDtype):
        return stats["period"].dt.start_time
    if "month" in cols:
        m = stats["month"]
        if isinstance(m.dtype, pd.PeriodDtype) or pd.api.types.is_datetime64_any_dtype(m.dtype):
            return to_datetimes(m, "month")
        if pd.api.types.is_integer_dtype(m.dtype):
            if "year" not in cols:
                raise InputDataError("statistics have an integer month column but no year", column="month")
            return _month_starts(stats["year"], m)
        return to_datetimes(m, "month")
    if "year" in cols and pd.api.types.is_integer_dtype(stats["year"].dtype):
        return _month_starts(stats["year"], pd.Series(1, index=stats.index))
    return None


def _month_starts(year: pd.Series, month: pd.Series) -> pd.Series:
    """First day of integer (year, month) pairs, without parsing (vectorised)."""
    m = month.to_numpy(dtype=np.int64)
    if ((m < 1) | (m > 12)).any():
        raise InputDataError("month must be 1-12", column="month")
    months = (year.to_numpy(dtype=np.int64) - 1970) * 12 + (m - 1)
    return pd.Series(months.astype("datetime64[M]").astype("datetime64[ns]"), index=year.index)


def _limits_for(stats: pd.DataFrame, limits_edition, settings: Settings) -> dict[str, np.ndarray | float]:
    """S_i for each row: an explicit edition or mapping for all rows, else by period date."""
    if limits_edition is not None:
        return dict(composite_limits(limits_edition, settings))
    starts = _period_starts(stats)
    if starts is None:
        if settings.composite_limits_edition == "GB3095-2012":
            return dict(composite_limits("GB3095-2012", settings))
        raise InputDataError(
            "statistics have no period column (start, month, year or period), so the limits "
            f"edition cannot be chosen by date (settings.composite_limits_edition="
            f"{settings.composite_limits_edition!r}); add the period column or pass limits_edition="
        )
    # one edition per distinct period start (a city table has few months and many rows)
    codes, uniques = pd.factorize(starts.to_numpy())
    if (codes < 0).any():
        raise InputDataError("missing period date: cannot choose the limits edition of the comprehensive index")
    by_start = composite_limits_by_date(np.asarray(uniques), settings)
    return {p: v[codes] for p, v in by_start.items()}


def _keys(stats: pd.DataFrame, by) -> tuple[list[str], list[str]]:
    if by is None:
        units = [k for k in _UNIT_KEYS if k in stats.columns][:1]
    else:
        units = [by] if isinstance(by, str) else list(by)
        missing = [k for k in units if k not in stats.columns]
        if missing:
            raise InputDataError(f"statistics lack unit column(s) {missing}", column=missing[0])
    periods = [k for k in _PERIOD_KEYS if k in stats.columns and k not in units]
    return units, periods


def _index_table(stats, weights, limits_edition, settings, concentration_decimals, sub_indices=True):
    missing = [c for c in CONCENTRATION_COLUMNS.values() if c not in stats.columns]
    if missing:
        raise InputDataError(
            f"statistics lack column(s) {missing} needed for the comprehensive index "
            "(use airlib.standards.validity.period_statistics / annual_statistics)",
            column=missing[0],
        )
    w = dict(settings.composite_weights if weights is None else weights)
    unknown = set(w) - set(COMPOSITE_POLLUTANTS)
    if unknown:
        raise InputDataError(f"weights for unknown pollutant(s) {sorted(unknown)}")
    d = settings.composite_decimals
    limits = _limits_for(stats, limits_edition, settings)
    out = {}
    total = np.zeros(len(stats))
    for p in COMPOSITE_POLLUTANTS:
        c = stats[CONCENTRATION_COLUMNS[p]].to_numpy(dtype=np.float64, na_value=np.nan)
        if concentration_decimals is not None:
            c = round_gbt8170(c, concentration_decimals.get(p, CONCENTRATION_DECIMALS[p]))
        i = c / limits[p]
        if sub_indices:
            out[f"c_{p}"] = c
            out[f"i_{p}"] = round_gbt8170(i, d)
        total = total + w.get(p, 1.0) * i
    out["i_sum_exact"] = total
    out["i_sum"] = round_gbt8170(total, d)
    return out


def _rank(values: pd.Series, groups: pd.DataFrame | None) -> pd.Series:
    if groups is None or groups.shape[1] == 0:
        return competition_rank(values)
    return competition_rank(values, by=groups)


def composite_index(
    stats: pd.DataFrame,
    weights: Mapping[str, float] | None = None,
    limits_edition: str | Mapping[str, float] | None = None,
    settings: Settings | None = None,
    *,
    by: str | Sequence[str] | None = None,
    previous: pd.DataFrame | None = None,
    concentration_decimals: Mapping[str, int] | None = CONCENTRATION_DECIMALS,
    sub_indices: bool = True,
) -> pd.DataFrame:
    """Comprehensive index, rank and change rate of each unit.

    Parameters
    ----------
    stats : pandas.DataFrame [µg/m³; CO mg/m³]
        Statistics per unit (and period): columns ``so2, no2, pm10, pm25`` (period means,
        µg/m³), ``co_p95`` (mg/m³) and ``o3_8h_p90`` (µg/m³); NaN (an invalid statistic) gives
        NaN sub-index, index and rank.
    weights : mapping of str to float, optional [dimensionless]
        ``{pollutant: w_i}``; default ``settings.composite_weights`` (all 1, UNVERIFIED).
        Pollutants not listed get weight 1.
    limits_edition : str, mapping of str to float, or None, optional
        Edition of S_i or custom ``{pollutant: S_i}``, applied to every period. Default
        None: by each period's start (:func:`limits_edition_for`): GB 3095—2012 before
        2026-03-01, ``settings.composite_limits_edition`` from then (UNVERIFIED for 2026+
        data). The period's start is read from ``start``, ``period``, ``month`` (datetime,
        Period, or integer with ``year``) or ``year``.
    settings : Settings, optional
        ``composite_decimals``, ``composite_weights``, ``composite_limits_edition``,
        ``yoy_decimals``.
    by : str or sequence of str, optional
        Unit key column(s); default the first of ``station``, ``town_code``,
        ``district_code``, ``city``, ``unit`` present. Ranks are computed within each period
        (columns ``year``, ``month``, ``start``, ``end``, ``period`` present in ``stats``).
    previous : pandas.DataFrame, optional [µg/m³; CO mg/m³]
        The same statistics for the same period of the previous year (same unit keys); adds
        ``i_sum_previous``, ``change_pct`` and ``change_rank``.
    concentration_decimals : mapping of str to int, or None
        Published precision applied to C_i before dividing (GB/T 8170); ``None`` = unrounded.
    sub_indices : bool
        Include ``c_<p>`` and the published ``i_<p>`` columns (default). False leaves them out
        (the same I_sum and ranks, less work: the city-scale ranking uses it).

    Returns
    -------
    pandas.DataFrame
        Unit and period keys, ``c_<p>`` (C_i used), ``i_<p>`` (I_i, published precision;
        both only with ``sub_indices``),
        ``i_sum_exact``, ``i_sum`` (published), ``rank`` (ascending, min ties), and with
        ``previous``: ``i_sum_previous``, ``change_pct`` (%, 1 decimal), ``change_rank``
        (ascending: largest fall ranked 1, min ties).
    """
    settings = DEFAULT if settings is None else settings
    units, periods = _keys(stats, by)
    out = stats[units + periods].reset_index(drop=True).copy()
    for k, v in _index_table(stats, weights, limits_edition, settings, concentration_decimals, sub_indices).items():
        out[k] = v
    group = out[periods] if periods else None
    out["rank"] = _rank(out["i_sum"], group)
    if previous is not None:
        if not units:
            raise InputDataError("previous= needs a unit key column to match units")
        prev_units = [k for k in units if k in previous.columns]
        if prev_units != units:
            raise InputDataError(f"previous statistics lack unit column(s) {units}")
        prev = _index_table(previous, weights, limits_edition, settings, concentration_decimals)
        pk = previous[units].reset_index(drop=True).copy()
        pk["i_sum_previous"] = prev["i_sum"]
        if pk.duplicated(units).any():
            raise InputDataError("previous statistics have several rows per unit")
        out = out.merge(pk, on=units, how="left", validate="many_to_one")
        out["change_pct"] = yoy_percent(out["i_sum"], out["i_sum_previous"], settings=settings).to_numpy()
        out["change_rank"] = _rank(out["change_pct"], out[periods] if periods else None)
    return out
