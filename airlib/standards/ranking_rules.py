"""The rules of every ranking table: competition rank, year-on-year change, year to date.

One implementation, called by the general path (:mod:`airlib.tracking.ranking`, one month
from town daily frames) and by the city-scale path (:mod:`airlib.engine.citywide`, every month
of the store), and by :mod:`airlib.standards.composite_index`:

* **Published values first.** Values are rounded to their published precision (GB/T 8170,
  :func:`airlib.standards.rounding.round_published` /
  :func:`airlib.standards.rounding.published_precision`) before they are ranked or compared.
* **Competition rank** (:func:`competition_rank`): ascending, 1 = cleanest; ties share the
  smallest rank (1, 2, 2, 4; "指数相同的城市以并列计", 2018 MEE ranking rule [MEE-RANK-2018],
  and Beijing's published district tables [BJ-MONTHLY-2021]); a unit without a value has no rank.
* **Year-on-year change** (:func:`yoy_percent`): ``(current − last year) / last year × 100`` on
  the published values, rounded (GB/T 8170) to ``settings.yoy_decimals`` (1) decimals; no
  change when either value is missing or last year's is not > 0. The comprehensive index's
  change rate is the same formula (2017 MEE change-degree scheme, §3.1).
* **Year to date** (:func:`year_to_date`): mean of the valid daily values from 1 January to the
  end of the month, valid only when every month from January on is present and valid (≥ 27
  valid days, ≥ 25 in February; GB 3095 Table 4 states the monthly rule, the period rule is
  airlib's decision, as in :func:`airlib.standards.validity.period_statistics`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.settings import DEFAULT, Settings
from airlib.standards.rounding import round_gbt8170

__all__ = ["competition_rank", "yoy_percent", "year_to_date"]


def competition_rank(
    values: Any,
    *,
    ascending: bool = True,
    by: pd.Series | pd.DataFrame | Sequence[Any] | None = None,
) -> pd.Series:
    """Competition ("min") rank: ties share the lowest rank (1, 2, 2, 4); NaN → ``<NA>``.

    Parameters
    ----------
    values : Series or array-like of float
        Values already at the precision they are ranked on (published values).
    ascending : bool
        True: the smallest value is rank 1.
    by : Series, DataFrame or sequence of arrays, optional
        Group keys aligned with ``values`` (e.g. ``year`` and ``month``): ranks are computed
        within each group. Default: one group.

    Returns
    -------
    Series of Int64
        Same index as ``values`` (a fresh RangeIndex for an array).
    """
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values, dtype="float64"))
    s = pd.to_numeric(s, errors="coerce").astype("float64")
    if by is None:
        ranks = s.rank(method="min", ascending=ascending, na_option="keep")
    else:
        if isinstance(by, pd.DataFrame):
            keys = [by[c].to_numpy() for c in by.columns]
        elif isinstance(by, pd.Series):
            keys = [by.to_numpy()]
        else:
            keys = [np.asarray(k) for k in by]
        if any(len(k) != len(s) for k in keys):
            raise InputDataError("competition_rank: group keys are not aligned with the values")
        if not keys:
            ranks = s.rank(method="min", ascending=ascending, na_option="keep")
        else:
            ranks = s.groupby(keys, dropna=False, sort=False).rank(method="min", ascending=ascending, na_option="keep")
    return ranks.astype("Int64")


def yoy_percent(
    current: Any,
    last_year: Any,
    decimals: int | None = None,
    settings: Settings | None = None,
) -> pd.Series:
    """Year-on-year change [%] from values at published precision ([MEE-RANK-2018], [BJ-MONTHLY-2021]).

    ``(current − last_year) / last_year × 100``, rounded (GB/T 8170) to ``decimals``.

    Parameters
    ----------
    current, last_year : Series or array-like of float
        Values already rounded to published precision [µg/m³; CO mg/m³; an index is
        dimensionless]. Two Series are aligned on ``current``'s index; arrays by position.
    decimals : int, optional
        Decimals of the published change; default ``settings.yoy_decimals`` (1).
    settings : Settings, optional
        ``yoy_decimals``.

    Returns
    -------
    Series of float
        Change in %, > 0 worse; NaN when either value is missing or ``last_year`` ≤ 0.
    """
    settings = DEFAULT if settings is None else settings
    decimals = settings.yoy_decimals if decimals is None else decimals
    cur = current if isinstance(current, pd.Series) else pd.Series(np.asarray(current, dtype="float64"))
    cur = pd.to_numeric(cur, errors="coerce").astype("float64")
    if isinstance(last_year, pd.Series):
        last = pd.to_numeric(last_year, errors="coerce").astype("float64")
        last = last.reindex(cur.index) if isinstance(current, pd.Series) else pd.Series(last.to_numpy(), index=cur.index)
    else:
        last = pd.Series(np.asarray(last_year, dtype="float64"), index=cur.index)
    last = last.where(last > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = (cur - last) / last * 100.0
    return pd.Series(round_gbt8170(pct.to_numpy(dtype="float64"), decimals), index=cur.index, name=cur.name)


def year_to_date(monthly: pd.DataFrame, by: str | Sequence[str] = "town_code") -> pd.Series:
    """Year-to-date mean of each unit and month from monthly sums of valid daily values.

    Parameters
    ----------
    monthly : DataFrame
        One row per unit and month with the unit key(s) ``by``, ``year`` and ``month``
        (integers, calendar month 1–12), ``sum`` (sum of the valid daily values of the month
        [µg/m³·day; CO mg/m³·day]), ``n`` (valid days) and ``valid`` (bool: the month is valid,
        ≥ 27 valid days, ≥ 25 in February, GB 3095 Table 4). A month absent from the frame
        counts as invalid.
    by : str or sequence of str
        Unit key column(s).

    Returns
    -------
    Series of float, aligned with ``monthly``
        ``Σ sum / Σ n`` over January … this month of the same year [µg/m³; CO mg/m³]; NaN
        unless every one of those months is present and valid.

    Raises
    ------
    InputDataError
        A missing column, or a unit-month listed twice.
    """
    keys = [by] if isinstance(by, str) else list(by)
    need = [*keys, "year", "month", "sum", "n", "valid"]
    missing = [c for c in need if c not in monthly.columns]
    if missing:
        raise InputDataError(f"monthly table lacks column(s) {missing} for the year-to-date rule", column=missing[0])
    if monthly.duplicated([*keys, "year", "month"]).any():
        raise InputDataError("monthly table lists a unit-month twice", column="month")
    t = monthly[need].sort_values([*keys, "year", "month"], kind="stable")
    ok = t["valid"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    work = pd.DataFrame({
        "sum": t["sum"].to_numpy(dtype="float64"), "n": t["n"].to_numpy(dtype="float64"),
        "bad": (~ok).astype(np.int64),
    }, index=t.index)
    g = work.groupby([t[k] for k in (*keys, "year")], sort=False, dropna=False)
    cum = g.cumsum()
    # a month missing before this one also breaks the year-to-date value
    n_seen = g.cumcount().to_numpy() + 1
    complete = (cum["bad"].to_numpy() == 0) & (n_seen == t["month"].to_numpy(dtype=np.int64))
    cum_n = cum["n"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        ytd = np.where(complete & (cum_n > 0), cum["sum"].to_numpy() / cum_n, np.nan)
    return pd.Series(ytd, index=t.index, dtype="float64").reindex(monthly.index)
