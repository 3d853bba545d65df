"""Monthly town/street (街乡镇) PM2.5 rankings: 月排名 and the lists that trigger action.

Rules ([BJ-MONTHLY-2021] in docs/references.md, checked against Beijing's published district tables):

- values are rounded to **published precision** before anything else (GB/T 8170; integers
  through 2023, one decimal from 2024: ``Settings.pm25_decimals_before_2024`` /
  ``pm25_decimals_from_2024``);
- concentration rank: ascending, 1 = cleanest;
- year-on-year change (%) = (current − last year) / last year × 100 computed **from the
  rounded values**, rounded to ``Settings.yoy_decimals`` (1); rank ascending, so the largest
  fall is ranked 1;
- ties share the lowest rank ("competition" ranking: 1, 2, 2, 4);
- a unit without a valid value has no rank (``<NA>``) and is listed with ``valid`` False
  (displayed as 无有效数据), never ranked as if it had one.

The rounding, rank, year-on-year and year-to-date rules are those of
:mod:`airlib.standards.ranking_rules` and :mod:`airlib.standards.rounding`, the same functions
:mod:`airlib.engine.citywide` calls for every town of the city.

The worsening list follows the 2017 MEE change-degree scheme ([MEE-CHANGE-2017]): units
whose YoY change is > 0, leaving out units that already meet the standard. The Beijing
街乡镇 PM2.5 ranking itself is UNVERIFIED ([BJ-TSP-2022]): N of the bottom list, the standard used
for "already meets" and the warning procedure are parameters, not constants. The warning list
(预警) built on :func:`bottom_n` and :func:`worsening_list` is :mod:`airlib.tracking.supervision`,
its rules the rule file of :mod:`airlib.io.warning_rules`.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from airlib.periods import parse_month
from airlib.settings import DEFAULT, Settings
from airlib.standards.ranking_rules import competition_rank, year_to_date, yoy_percent
from airlib.standards.rounding import published_precision, round_gbt8170

__all__ = [
    "PM25_ANNUAL_LIMIT_2012",
    "HEADERS_ZH",
    "STATUS_VALID",
    "STATUS_INVALID",
    "status_text",
    "competition_rank",
    "yoy_percent",
    "ranking_table",
    "bottom_n",
    "worsening_list",
    "town_monthly_ranking",
]

#: GB 3095—2012 grade II annual PM2.5 limit (µg/m³), the default "already meets the
#: standard" threshold for the worsening list. Passed as ``meets_limit=`` where used.
PM25_ANNUAL_LIMIT_2012: Final[float] = 35.0

#: Chinese column headers of :func:`ranking_table` output (exports, report tables).
HEADERS_ZH: Final[dict[str, str]] = {
    "town_code": "乡镇街道代码",
    "town_name": "乡镇街道",
    "status": "数据状态",
    "pm25": "PM2.5月均浓度(µg/m³)",
    "rank": "浓度排名",
    "pm25_last_year": "去年同期(µg/m³)",
    "yoy_pct": "同比变化(%)",
    "yoy_rank": "改善排名",
    "ytd": "累计浓度(µg/m³)",
    "ytd_rank": "累计浓度排名",
    "ytd_last_year": "去年同期累计(µg/m³)",
    "ytd_yoy_pct": "累计同比(%)",
    "ytd_yoy_rank": "累计改善排名",
    "rank_last_month": "上月排名",
    "rank_change": "排名变化",
    "valid_days": "有效天数",
    "reverse_rank": "倒数名次",
    "reason": "预警原因",
    "reasons": "预警原因",
    "n_reasons": "预警原因条数",
    "valid": "数据有效",
}

#: Display text of the ``valid`` flag (column ``status``, header 数据状态). Code tests
#: ``valid``; the text is for display only.
STATUS_VALID: Final[str] = "有效"
STATUS_INVALID: Final[str] = "无有效数据"


def status_text(valid: pd.Series) -> pd.Series:
    """Display text of a validity flag: ``"有效"`` or ``"无有效数据"``.

    Parameters
    ----------
    valid : Series of bool
        True where the unit has a valid value.

    Returns
    -------
    Series of string, same index
    """
    ok = valid.astype("boolean").fillna(False).to_numpy(dtype=bool)
    return pd.Series(np.where(ok, STATUS_VALID, STATUS_INVALID), index=valid.index, dtype="string")


def _pm25_decimals(year: int, settings: Settings) -> int:
    """Published PM2.5 decimals of a data year (:func:`airlib.standards.rounding.published_precision`)."""
    return int(published_precision("pm25", pd.Timestamp(year=int(year), month=1, day=1), settings))


def _round(values: pd.Series, decimals: int) -> pd.Series:
    """GB/T 8170 rounding of a float Series, NaN kept."""
    values = pd.to_numeric(values, errors="coerce").astype("float64")
    out = round_gbt8170(values.to_numpy(), decimals)
    return pd.Series(np.asarray(out, dtype="float64"), index=values.index, name=values.name)


def ranking_table(
    current: pd.Series,
    last_year: pd.Series | None = None,
    *,
    year: int,
    ytd: pd.Series | None = None,
    ytd_last_year: pd.Series | None = None,
    last_month: pd.Series | None = None,
    last_month_year: int | None = None,
    names: pd.Series | None = None,
    decimals: int | None = None,
    settings: Settings = DEFAULT,
) -> pd.DataFrame:
    """Monthly ranking table of towns/streets (月排名).

    Parameters
    ----------
    current : Series
        Valid monthly PM2.5 mean per unit (index = town code), µg/m³; NaN = no valid
        monthly value (fewer than 27 valid daily means, 25 in February; GB 3095 Table 4).
        Every unit to be listed must be in the index, including those without data.
    last_year : Series, optional
        Same month of the previous year, same units.
    year : int
        Data year of ``current`` (chooses the published precision).
    ytd, ytd_last_year : Series, optional
        Year-to-date mean (January to this month) this year and last year.
    last_month : Series, optional
        Previous month's valid monthly mean (for the rank movement). Its ranks are
        computed by the same rules at the precision of *its* year.
    last_month_year : int, optional
        Year of ``last_month`` (``year - 1`` for a January report); default ``year``.
    names : Series, optional
        Chinese unit name per code.
    decimals : int, optional
        Override the published precision (default: the precision of ``year``,
        :func:`airlib.standards.rounding.published_precision`).
    settings : Settings

    Returns
    -------
    DataFrame
        One row per unit, sorted by ``rank`` (units without a rank last, by code), with
        columns ``town_code``, ``town_name``, ``status`` (display text of ``valid``,
        :func:`status_text`), ``pm25`` (rounded), ``rank``,
        ``pm25_last_year``, ``yoy_pct``, ``yoy_rank``, ``ytd``, ``ytd_rank``,
        ``ytd_last_year``, ``ytd_yoy_pct``, ``ytd_yoy_rank``, ``rank_last_month``,
        ``rank_change`` (last month's rank − this month's: positive = moved up), and last
        ``valid`` (bool: the unit has a valid monthly value; code tests this, never
        ``status``). Columns whose input was not given are left out. :data:`HEADERS_ZH` gives Chinese headers.
    """
    d = _pm25_decimals(year, settings) if decimals is None else decimals
    idx = pd.Index(current.index.astype("string"), name="town_code")
    cur = _round(pd.Series(current.to_numpy(), index=idx, dtype="float64"), d)

    def _aligned(s: pd.Series | None, dd: int) -> pd.Series | None:
        if s is None:
            return None
        s = pd.Series(s.to_numpy(), index=s.index.astype("string"), dtype="float64")
        return _round(s.reindex(idx), dd)

    out = pd.DataFrame(index=idx)
    if names is not None:
        nm = pd.Series(names.to_numpy(), index=names.index.astype("string"), dtype="string")
        out["town_name"] = nm.reindex(idx)
    valid = pd.Series(cur.notna().to_numpy(dtype=bool), index=idx, dtype=bool)
    out["status"] = status_text(valid)  # display text only; code tests ``valid``
    out["pm25"] = cur
    out["rank"] = competition_rank(cur)

    d_last = _pm25_decimals(year - 1, settings) if decimals is None else decimals
    if last_year is not None:
        # Same-month last year at *its* published precision (e.g. 2024 vs 2023 integers),
        # the way the published tables compare values.
        ly = _aligned(last_year, d_last)
        out["pm25_last_year"] = ly
        out["yoy_pct"] = yoy_percent(cur, ly, settings=settings)
        out["yoy_rank"] = competition_rank(out["yoy_pct"])
    if ytd is not None:
        y = _aligned(ytd, d)
        out["ytd"] = y
        out["ytd_rank"] = competition_rank(y)
        if ytd_last_year is not None:
            yl = _aligned(ytd_last_year, d_last)
            out["ytd_last_year"] = yl
            out["ytd_yoy_pct"] = yoy_percent(y, yl, settings=settings)
            out["ytd_yoy_rank"] = competition_rank(out["ytd_yoy_pct"])
    if last_month is not None:
        lm_year = year if last_month_year is None else last_month_year
        d_lm = _pm25_decimals(lm_year, settings) if decimals is None else decimals
        lm = _aligned(last_month, d_lm)
        out["rank_last_month"] = competition_rank(lm)
        out["rank_change"] = (out["rank_last_month"] - out["rank"]).astype("Int64")

    out["valid"] = valid  # last: exports show the display columns first
    out = out.reset_index()
    order = out["rank"].astype("Float64").fillna(np.inf).to_numpy(dtype="float64")
    out = out.iloc[np.lexsort((out["town_code"].to_numpy(dtype=object), order))]
    return out.reset_index(drop=True)


def bottom_n(table: pd.DataFrame, n: int, *, column: str = "rank") -> pd.DataFrame:
    """The N worst-ranked units (后N名), ties at the boundary included.

    A unit is in the bottom N when its reverse competition rank (1 = worst) is ≤ N, the
    way the published "后30名" lists count ties ([BJ-TSP-2022]). Units without a rank
    are never in the list.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`ranking_table`.
    n : int
        How many (≥ 0).
    column : str
        Rank column to use (``"rank"`` concentration; ``"yoy_rank"`` improvement).

    Returns
    -------
    DataFrame
        Rows of ``table``, worst first, with ``reverse_rank`` added.
    """
    if n < 0:
        raise ValueError(f"n must be ≥ 0, not {n}")
    ranks = table[column]
    reverse = competition_rank(ranks.astype("Float64"), ascending=False)
    keep = reverse.notna() & (reverse <= n)
    out = table.loc[keep.to_numpy(dtype=bool)].copy()
    out["reverse_rank"] = reverse[keep.to_numpy(dtype=bool)]
    return out.sort_values(["reverse_rank", "town_code"]).reset_index(drop=True)


def worsening_list(
    table: pd.DataFrame,
    *,
    meets_limit: float | None = PM25_ANNUAL_LIMIT_2012,
    meets_column: str = "pm25",
) -> pd.DataFrame:
    """Units whose PM2.5 rose year on year (YoY > 0), except those already meeting the standard.

    2017 MEE change-degree scheme ([MEE-CHANGE-2017]): units that already meet the grade II
    standard are excluded from the worsening ranking.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`ranking_table` with ``yoy_pct``.
    meets_limit : float or None
        A unit "already meets the standard" when ``table[meets_column] <= meets_limit``
        (default GB 3095—2012 annual grade II PM2.5, 35 µg/m³). None: exclude nobody.
    meets_column : str
        Column compared with ``meets_limit`` (``"pm25"`` the month; ``"ytd"`` year to date).

    Returns
    -------
    DataFrame
        Rows of ``table`` sorted by ``yoy_pct`` descending (most worsened first).
    """
    if "yoy_pct" not in table:
        raise ValueError("worsening_list needs a table with last year's values (yoy_pct)")
    yoy = table["yoy_pct"].astype("Float64")
    worse = (yoy > 0).fillna(False)
    if meets_limit is not None:
        meets = (table[meets_column].astype("Float64") <= meets_limit).fillna(False)
        worse &= ~meets
    out = table.loc[worse.to_numpy(dtype=bool)]
    return out.sort_values(["yoy_pct", "town_code"], ascending=[False, True]).reset_index(drop=True)


def _month_values(monthly: pd.DataFrame, month: pd.Period, column: str) -> pd.Series:
    sel = monthly["month"].dt.to_period("M") == month
    m = monthly.loc[sel.to_numpy(dtype=bool)]
    return pd.Series(m[column].to_numpy(dtype="float64"), index=m["town_code"].astype("string"))


def town_monthly_ranking(
    daily: pd.DataFrame,
    month: str | pd.Period,
    *,
    towns: pd.DataFrame | None = None,
    value: str = "pm25",
    settings: Settings = DEFAULT,
) -> pd.DataFrame:
    """The full monthly ranking of towns/streets from town daily means.

    Computes, with :mod:`airlib.standards.validity` (GB 3095 Table 4: a month needs ≥ 27 valid daily
    means, ≥ 25 in February; a year-to-date period needs every month valid), the valid
    monthly mean of ``month``, of the same month last year, of the previous month, and the
    year-to-date means (January–``month``) of this and last year, then ranks them with
    :func:`ranking_table`.

    Parameters
    ----------
    daily : DataFrame
        Town daily frame (``airlib.tracking.aggregation.aggregate_daily(..., level="town")``):
        ``town_code``, ``date``, ``<value>`` (µg/m³) and optionally ``<value>_valid``.
        Should cover January of last year to ``month``.
    month : str or Period
        Report month, ``"YYYY-MM"``.
    towns : DataFrame, optional
        Town registry (``town_code``, ``town_name``): every town in it is listed, with or
        without data; names are attached.
    value : str
        Value column (default ``"pm25"``).
    settings : Settings

    Returns
    -------
    DataFrame
        :func:`ranking_table` output plus ``valid_days`` (valid daily means in the month).
    """
    from airlib.standards.validity import monthly_statistics

    month = parse_month(month)
    cols = ["town_code", "date", value] + ([f"{value}_valid"] if f"{value}_valid" in daily else [])
    d = daily[cols].copy()
    d["town_code"] = d["town_code"].astype("string")
    monthly = monthly_statistics(d, by="town_code", percentiles={})
    if towns is not None:
        codes = pd.Index(towns["town_code"].astype("string"), name="town_code")
        names = pd.Series(towns["town_name"].astype("string").to_numpy(), index=codes)
    else:
        codes = pd.Index(sorted(d["town_code"].dropna().unique()), name="town_code", dtype="string")
        names = None

    def month_of(m: pd.Period) -> pd.Series:
        return _month_values(monthly, m, value).reindex(codes)

    # year to date: the one rule of airlib.standards.ranking_rules.year_to_date, on the
    # monthly sums of valid daily values (the same function the city-scale engine calls)
    mdate = pd.DatetimeIndex(monthly["month"])
    n = monthly[f"{value}_n"].to_numpy(dtype="float64")
    ytd_in = pd.DataFrame({
        "town_code": monthly["town_code"].astype("string").to_numpy(),
        "year": mdate.year.to_numpy(), "month": mdate.month.to_numpy(),
        "sum": np.where(n > 0, monthly[f"{value}_provisional"].to_numpy(dtype="float64") * n, 0.0),
        "n": n, "valid": monthly[f"{value}_valid"].to_numpy(dtype=bool),
    })
    ytd_all = year_to_date(ytd_in, "town_code")

    def ytd_of(m: pd.Period) -> pd.Series:
        sel = ((ytd_in["year"] == m.year) & (ytd_in["month"] == m.month)).to_numpy()
        s = pd.Series(ytd_all.to_numpy()[sel], index=pd.Index(ytd_in["town_code"].to_numpy()[sel], dtype="string"))
        return s.reindex(codes)

    last = month - 12
    prev = month - 1
    table = ranking_table(
        month_of(month),
        month_of(last),
        year=month.year,
        ytd=ytd_of(month),
        ytd_last_year=ytd_of(last),
        last_month=month_of(prev),
        last_month_year=prev.year,
        names=names,
        settings=settings,
    )
    n = _month_values(monthly, month, f"{value}_n").reindex(table["town_code"].astype("string"))
    table["valid_days"] = pd.array(n.fillna(0).to_numpy(), dtype="Int64")
    return table
