"""The monthly bulletin (月通报) tables: six pollutants, 综合指数, 优良天数 and 重污染天数
for a district and each of its towns, month and year to date, with year-on-year changes and
improvement ranks.

Rules (each one is implemented once elsewhere; this module only assembles):

* **Statistics** (GB 3095 Table 4 / HJ 663): PM2.5, PM10, NO2, SO2 means of the valid daily
  values, CO 95th percentile of daily means, O3 90th percentile of the daily maximum 8-h means
  (:func:`airlib.standards.validity.monthly_statistics`; year to date
  :func:`airlib.standards.validity.period_statistics` with the same percentiles). A month is
  valid with ≥ 27 valid days (≥ 25 in February); the **year to date is valid only when every
  month from January on is valid** (the period rule of ``period_statistics``).
* **Towns and district** daily values: :func:`airlib.tracking.aggregation.aggregate_daily`
  (the caller passes the town and district daily frames).
* **Published precision** by the period's first day
  (:func:`airlib.standards.rounding.round_published`): PM2.5 integers through 2023 and one
  decimal from 2024, CO one decimal, the others integers.
* **综合指数** and its rank: :func:`airlib.standards.composite_index.composite_index` (limits
  edition by date); towns are ranked among themselves (ascending, competition ties), the
  district row has no rank.
* **Year-on-year change** [%] on published values and its **improvement rank** (改善幅度:
  ascending change, the largest fall ranked 1, competition ties):
  :func:`airlib.standards.ranking_rules.yoy_percent` / ``competition_rank``.
* **优良天数**: days with daily AQI ≤ 100 (:func:`airlib.standards.aqi.daily_aqi`, default
  missing-value rule) among the days with a published AQI (valid days); share = good / valid
  days × 100 [%], one decimal (GB/T 8170). **重污染天数**: AQI > 200
  (:func:`airlib.standards.pollution_days.heavy_pollution_days`). The day counts of a month
  are published only when the month has enough valid AQI days (same monthly rule: ≥ 27, ≥ 25
  in February; decision: a count over a short month would look like an improvement); year to
  date only when every month is. Their change is the difference in days (share: percentage
  points); improvement rank: good days descending change, heavy days ascending change.

Every missing value is NaN with a **reason code** in the ``<column>_reason`` column (empty
string when the value is present), so a report can explain each "—" (:data:`REASONS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.periods import parse_month
from airlib.settings import DEFAULT, Settings
from airlib.standards.aqi import daily_aqi
from airlib.standards.composite_index import composite_index
from airlib.standards.pollution_days import HEAVY_AQI, heavy_pollution_days
from airlib.standards.ranking_rules import competition_rank, yoy_percent
from airlib.standards.rounding import round_gbt8170, round_published
from airlib.standards.validity import monthly_min_days, monthly_statistics, period_statistics

__all__ = [
    "BULLETIN_POLLUTANTS",
    "GOOD_AQI",
    "REASONS",
    "Bulletin",
    "bulletin",
    "valid_daily_aqi",
]

#: Bulletin pollutants in published order: output column → (statistic column, pollutant of
#: the published-precision rule).
BULLETIN_POLLUTANTS: Final[dict[str, tuple[str, str]]] = {
    "pm25": ("pm25", "pm25"),
    "pm10": ("pm10", "pm10"),
    "no2": ("no2", "no2"),
    "so2": ("so2", "so2"),
    "co": ("co_p95", "co"),
    "o3": ("o3_8h_p90", "o3"),
}
_PERCENTILES: Final[dict[str, float]] = {"co": 95.0, "o3_8h": 90.0}
#: Highest daily AQI of a good (优良) day (HJ 633: 优 0–50, 良 51–100).
GOOD_AQI: Final[int] = 100

#: Reason codes of a missing value (keys of the report's footnotes).
REASONS: Final[tuple[str, ...]] = (
    "no_data",          # no valid daily value in the period
    "invalid_month",    # the month has too few valid days (< 27, < 25 in February)
    "ytd_incomplete",   # a month from January to the report month is missing or invalid
    "no_last_year",     # the same period of last year has no valid value (no change)
)


@dataclass(frozen=True)
class Bulletin:
    """The bulletin tables of one district and month (:func:`bulletin`).

    Attributes
    ----------
    month : Period
        Report month.
    monthly, ytd : DataFrame
        One row per unit, the district first (``level`` = ``"district"``) then the towns in
        order of their composite-index rank (no rank last, then by code): ``level``, ``code``,
        ``name``; per pollutant ``p`` of :data:`BULLETIN_POLLUTANTS` (µg/m³, CO mg/m³):
        ``p`` (published), ``p_last_year``, ``p_change_pct`` [%], ``p_change_rank``,
        ``p_reason``, ``p_change_reason``; ``composite`` (综合指数), ``composite_rank``,
        ``composite_last_year``, ``composite_change_pct``, ``composite_change_rank``,
        ``composite_reason``, ``composite_change_reason``.
    days : DataFrame
        Same rows and order as ``monthly``: for prefix ``""`` (month) and ``"ytd_"`` (year to
        date): ``valid_days``, ``good_days``, ``good_share`` [%], ``heavy_days`` and their
        ``*_last_year``, ``*_change`` [days; share: percentage points], ``good_days_change_rank``,
        ``heavy_days_change_rank``, and ``days_reason``/``days_change_reason`` (prefixed).
    """

    month: pd.Period
    monthly: pd.DataFrame
    ytd: pd.DataFrame
    days: pd.DataFrame


def _units(town_daily: pd.DataFrame, district_daily: pd.DataFrame,
           towns: pd.DataFrame | None, district_code: str | None, district_name: str) -> pd.DataFrame:
    """Unit list: the district, then every town of the registry (or of the daily frame)."""
    if towns is not None:
        for c in ("town_code", "town_name"):
            if c not in towns.columns:
                raise InputDataError(f"town registry lacks column {c!r}", column=c)
        t = pd.DataFrame({"code": towns["town_code"].astype("string").str.strip().to_numpy(),
                          "name": towns["town_name"].astype("string").to_numpy()})
    else:
        codes = pd.unique(town_daily["town_code"].astype("string").str.strip())
        t = pd.DataFrame({"code": codes, "name": codes})
    t = t.drop_duplicates("code").sort_values("code", kind="stable")
    t.insert(0, "level", "town")
    if district_code is None:
        dc = pd.unique(district_daily["district_code"].astype("string"))
        if len(dc) != 1:
            raise InputDataError(
                f"district daily frame holds {len(dc)} districts; pass district_code=",
                column="district_code")
        district_code = str(dc[0])
    d = pd.DataFrame({"level": ["district"], "code": [str(district_code)], "name": [district_name]})
    out = pd.concat([d, t], ignore_index=True)
    out["code"] = out["code"].astype("string")
    out["name"] = out["name"].astype("string")
    return out


def _daily(town_daily: pd.DataFrame, district_daily: pd.DataFrame, district_code: str) -> pd.DataFrame:
    """One daily frame keyed by ``code`` (towns and the district)."""
    for frame, key, what in ((town_daily, "town_code", "town"), (district_daily, "district_code", "district")):
        for c in (key, "date"):
            if c not in frame.columns:
                raise InputDataError(f"{what} daily frame lacks column {c!r}", column=c)
    t = town_daily.rename(columns={"town_code": "code"})
    d = district_daily[district_daily["district_code"].astype("string") == district_code]
    d = d.rename(columns={"district_code": "code"})
    cols = [c for c in t.columns if c in d.columns]
    both = pd.concat([t[cols], d[cols]], ignore_index=True)
    both["code"] = both["code"].astype("string").str.strip()
    return both


def _stats(daily: pd.DataFrame, start: pd.Period, end: pd.Period, units: pd.Series) -> pd.DataFrame:
    """Statistics of ``start … end`` per unit (indexed by code), with ``n`` of valid days."""
    d = daily["date"].dt.to_period("M")
    sub = daily[((d >= start) & (d <= end)).to_numpy(dtype=bool)]
    if start == end:
        st = monthly_statistics(sub, by="code", percentiles=_PERCENTILES) if len(sub) else None
    else:
        st = period_statistics(sub, start, end, by="code", percentiles=_PERCENTILES) if len(sub) else None
    if st is None or st.empty:
        st = pd.DataFrame({"code": pd.Series([], dtype="string")})
    return st.set_index(st["code"].astype("string")).reindex(units)


def _column(st: pd.DataFrame, col: str) -> np.ndarray:
    return st[col].to_numpy(dtype=np.float64, na_value=np.nan) if col in st.columns else np.full(len(st), np.nan)


def _value_reason(st: pd.DataFrame, base: str, ytd: bool) -> np.ndarray:
    """Reason of each missing statistic: no valid day at all, else an invalid month/period."""
    n = _column(st, f"{base}_n")
    n = np.where(np.isnan(n), 0, n)
    return np.where(n == 0, "no_data", "ytd_incomplete" if ytd else "invalid_month")


def _rank_towns(values: pd.Series, is_town: np.ndarray, ascending: bool = True) -> pd.Series:
    v = values.where(pd.Series(is_town, index=values.index))
    return competition_rank(v, ascending=ascending)


def _change_reason(cur: np.ndarray, cur_reason: np.ndarray, prev: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(cur), cur_reason, np.where(np.isnan(prev) | ~(prev > 0), "no_last_year", ""))


def _pollutant_table(daily: pd.DataFrame, units: pd.DataFrame, start: pd.Period, end: pd.Period,
                     settings: Settings) -> pd.DataFrame:
    ytd = start != end
    codes = units["code"]
    cur = _stats(daily, start, end, codes)
    prev = _stats(daily, start - 12, end - 12, codes)
    is_town = (units["level"] == "town").to_numpy()
    out = units.reset_index(drop=True).copy()
    idx = out.index
    for p, (col, rule) in BULLETIN_POLLUTANTS.items():
        base = col.split("_p")[0] if col != "pm25" else col
        c = round_published(_column(cur, col), rule, start.start_time, settings)
        last = round_published(_column(prev, col), rule, (start - 12).start_time, settings)
        reason = np.where(np.isnan(c), _value_reason(cur, base, ytd), "")
        change = yoy_percent(pd.Series(c, index=idx), pd.Series(last, index=idx), settings=settings)
        out[p] = c
        out[f"{p}_last_year"] = last
        out[f"{p}_change_pct"] = change.to_numpy()
        out[f"{p}_change_rank"] = _rank_towns(change, is_town).array
        out[f"{p}_reason"] = reason
        out[f"{p}_change_reason"] = _change_reason(c, reason, last)
    # 综合指数: the one implementation, from the (unrounded) valid statistics of the period
    def stats_frame(st: pd.DataFrame, first: pd.Period) -> pd.DataFrame:
        f = pd.DataFrame({"code": codes.to_numpy()})
        for col, _ in BULLETIN_POLLUTANTS.values():
            f[col] = _column(st, col)
        f["start"] = first.start_time
        return f
    ci_cur = composite_index(stats_frame(cur, start), settings=settings, by="code", sub_indices=False)
    ci_prev = composite_index(stats_frame(prev, start - 12), settings=settings, by="code", sub_indices=False)
    comp = ci_cur["i_sum"].to_numpy(dtype=np.float64)
    comp_last = ci_prev["i_sum"].to_numpy(dtype=np.float64)
    # the first missing pollutant explains a missing index
    reasons = np.column_stack([out[f"{p}_reason"].to_numpy(dtype=object) for p in BULLETIN_POLLUTANTS])
    first_reason = np.array([next((r for r in row if r), "no_data") for row in reasons], dtype=object) \
        if len(reasons) else np.array([], dtype=object)
    comp_reason = np.where(np.isnan(comp), first_reason, "")
    comp_change = yoy_percent(pd.Series(comp, index=idx), pd.Series(comp_last, index=idx), settings=settings)
    out["composite"] = comp
    out["composite_rank"] = _rank_towns(pd.Series(comp, index=idx), is_town).array
    out["composite_last_year"] = comp_last
    out["composite_change_pct"] = comp_change.to_numpy()
    out["composite_change_rank"] = _rank_towns(comp_change, is_town).array
    out["composite_reason"] = comp_reason
    out["composite_change_reason"] = _change_reason(comp, comp_reason, comp_last)
    return out


def valid_daily_aqi(daily: pd.DataFrame, key: str = "code", settings: Settings | None = None, *,
                    full: bool = False) -> pd.DataFrame:
    """Daily AQI (HJ 633, :func:`airlib.standards.aqi.daily_aqi`) of every unit-day from its
    valid daily values only (a value whose ``<pollutant>_valid`` flag is false is left out).

    Parameters
    ----------
    daily : DataFrame [µg/m³; CO mg/m³]
        ``key``, ``date`` and daily pollutant columns (with their ``_valid`` flags when present),
        e.g. :func:`airlib.tracking.aggregation.aggregate_daily` of all pollutants.
    key : str
        The unit column (``code`` in the bulletin, ``district_code`` …).

    full : bool
        Return every column of :func:`airlib.standards.aqi.daily_aqi` (``primary_pollutant``,
        ``level``, ``category`` …; the daily report shows them), not only the three below.

    Returns
    -------
    DataFrame
        ``key``, ``date``, ``aqi``: the AQI the bulletin counts good and heavy days on.
    """
    settings = DEFAULT if settings is None else settings
    value_cols = [c for c in ("pm25", "pm10", "so2", "no2", "co", "o3_8h", "o3_1h") if c in daily.columns]
    frame = daily[[key, "date", *value_cols]].copy()
    for c in value_cols:
        flag = f"{c}_valid"
        if flag in daily.columns:
            frame[c] = frame[c].where(daily[flag].astype("boolean").fillna(False).to_numpy(dtype=bool))
    out = daily_aqi(frame, settings=settings)
    return out if full else out[[key, "date", "aqi"]]


def _day_counts(aqi: pd.DataFrame, start: pd.Period, end: pd.Period, codes: pd.Series) -> pd.DataFrame:
    """Valid/good/heavy days per unit over ``start … end``; NaN unless every month is valid."""
    d = aqi["date"].dt.to_period("M")
    aqi = aqi[((d >= start) & (d <= end)).to_numpy(dtype=bool)]
    n_months = (end - start).n + 1
    cols = ["valid_days", "good_days", "heavy_days", "n_valid_months", "n_any"]
    if aqi.empty:
        return pd.DataFrame(0.0, index=codes, columns=cols)
    per = heavy_pollution_days(aqi, by="code", freq="MS")
    a = aqi["aqi"].to_numpy(dtype=np.float64, na_value=np.nan)
    good = pd.DataFrame({"code": aqi["code"].to_numpy(), "month": aqi["date"].dt.to_period("M").dt.start_time,
                         "good": (a <= GOOD_AQI)})
    g = good.groupby(["code", "month"], sort=True)["good"].sum().rename("good_days").reset_index()
    per = per.merge(g, left_on=["code", "period"], right_on=["code", "month"], how="left")
    per["good_days"] = per["good_days"].fillna(0)
    cal = per["period"].dt.month.to_numpy()
    per["month_valid"] = per["valid_aqi_days"].to_numpy() >= monthly_min_days(cal)
    agg = per.groupby("code", sort=False).agg(
        valid_days=("valid_aqi_days", "sum"), good_days=("good_days", "sum"),
        heavy_days=("heavy_days", "sum"), n_valid_months=("month_valid", "sum"))
    agg["n_any"] = agg["valid_days"]
    agg.index = agg.index.astype("string")
    agg = agg.reindex(codes).fillna(0.0)
    ok = agg["n_valid_months"].to_numpy() == n_months
    for c in ("valid_days", "good_days", "heavy_days"):
        agg[c] = np.where(ok, agg[c].to_numpy(dtype=np.float64), np.nan)
    return agg[cols]


def _days_table(aqi: pd.DataFrame, units: pd.DataFrame, start: pd.Period, end: pd.Period,
                prefix: str) -> dict[str, Any]:
    ytd = start != end
    codes = units["code"]
    is_town = (units["level"] == "town").to_numpy()
    cur = _day_counts(aqi, start, end, codes)
    prev = _day_counts(aqi, start - 12, end - 12, codes)
    idx = pd.RangeIndex(len(units))
    out: dict[str, Any] = {}
    reason = np.where(cur["valid_days"].isna().to_numpy(),
                      np.where(cur["n_any"].to_numpy() == 0, "no_data", "ytd_incomplete" if ytd else "invalid_month"), "")
    missing_prev = prev["valid_days"].isna().to_numpy()
    change_reason = np.where(reason != "", reason, np.where(missing_prev, "no_last_year", ""))

    def share(t: pd.DataFrame) -> np.ndarray:
        v = t["valid_days"].to_numpy(dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            return round_gbt8170(np.where(v > 0, t["good_days"].to_numpy(dtype=np.float64) / v * 100.0, np.nan), 1)

    s_cur, s_prev = share(cur), share(prev)
    out[f"{prefix}valid_days"] = cur["valid_days"].to_numpy()
    for c in ("good_days", "heavy_days"):
        v, last = cur[c].to_numpy(dtype=np.float64), prev[c].to_numpy(dtype=np.float64)
        out[f"{prefix}{c}"] = v
        out[f"{prefix}{c}_last_year"] = last
        out[f"{prefix}{c}_change"] = v - last
        # improvement: more good days, fewer heavy days
        out[f"{prefix}{c}_change_rank"] = _rank_towns(
            pd.Series(v - last, index=idx), is_town, ascending=(c == "heavy_days")).array
        if c == "good_days":
            out[f"{prefix}good_share"] = s_cur
            out[f"{prefix}good_share_last_year"] = s_prev
            out[f"{prefix}good_share_change"] = round_gbt8170(s_cur - s_prev, 1)
    out[f"{prefix}days_reason"] = reason
    out[f"{prefix}days_change_reason"] = change_reason
    return out


def bulletin(
    town_daily: pd.DataFrame,
    district_daily: pd.DataFrame,
    month: Any,
    *,
    towns: pd.DataFrame | None = None,
    district_code: str | None = None,
    district_name: str = "全区",
    settings: Settings | None = None,
) -> Bulletin:
    """Bulletin tables of a district and its towns for ``month`` (month and year to date).

    Parameters
    ----------
    town_daily, district_daily : pandas.DataFrame [µg/m³; CO mg/m³]
        :func:`airlib.tracking.aggregation.aggregate_daily` output (``level="town"`` and
        ``level="district"``) with the daily value columns ``pm25 pm10 so2 no2 co o3_8h``
        (``o3_1h`` optional) and ``<c>_valid`` flags, covering January of last year to the
        end of ``month`` (earlier or later days are ignored; absent days count as missing).
    month : str or Period
        Report month (``YYYY-MM``).
    towns : pandas.DataFrame, optional
        Town registry (``town_code``, ``town_name``): every town in it gets a row, with or
        without data. Default: the towns of ``town_daily``, named by code.
    district_code : str, optional
        The district's code in ``district_daily``; default its only code.
    district_name : str
        Name of the district row.
    settings : Settings, optional
        Precision (``pm25_decimals_*``, ``yoy_decimals``, ``composite_*``).

    Returns
    -------
    Bulletin
        See :class:`Bulletin`; missing values are NaN with a reason code of :data:`REASONS`.

    Raises
    ------
    InputDataError
        Missing key or date columns, a district frame with several districts and no
        ``district_code``, or a malformed month.
    """
    settings = DEFAULT if settings is None else settings
    m = parse_month(month, "month")
    units = _units(town_daily, district_daily, towns, district_code, district_name)
    daily = _daily(town_daily, district_daily, str(units["code"].iloc[0]))
    jan = pd.Period(year=m.year, month=1, freq="M")
    monthly = _pollutant_table(daily, units, m, m, settings)
    ytd = _pollutant_table(daily, units, jan, m, settings)
    days = units.reset_index(drop=True).copy()
    aqi = valid_daily_aqi(daily, "code", settings)
    for prefix, first in (("", m), ("ytd_", jan)):
        for k, v in _days_table(aqi, units, first, m, prefix).items():
            days[k] = v

    def order(t: pd.DataFrame) -> np.ndarray:
        key = pd.DataFrame({
            "town": (t["level"] == "town").to_numpy(),
            "rank": monthly["composite_rank"].astype("Float64").fillna(np.inf).to_numpy(dtype=np.float64),
            "code": t["code"].to_numpy(),
        })
        return key.sort_values(["town", "rank", "code"], kind="stable").index.to_numpy()

    o = order(monthly)
    return Bulletin(
        month=m,
        monthly=monthly.iloc[o].reset_index(drop=True),
        ytd=ytd.iloc[o].reset_index(drop=True),
        days=days.iloc[o].reset_index(drop=True),
    )
