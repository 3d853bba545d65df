"""A month's air-quality summary per town (镇街月度汇总), as printed by ``airlib summary``.

Two layers:

- :func:`summary_table` is pure arithmetic on already-computed frames (town daily AQI and
  town monthly statistics) and builds the Chinese table;
- :func:`month_summary` runs the chain on a canonical hourly frame: station daily statistics
  (:func:`airlib.standards.validity.daily_statistics`, GB 3095 Table 4 / HJ 663), town daily values
  (:func:`airlib.tracking.aggregation.aggregate_daily`), town monthly statistics
  (:func:`airlib.standards.validity.monthly_statistics`), daily AQI (:func:`airlib.standards.aqi.daily_aqi`,
  HJ 633) and heavy-pollution days (:func:`airlib.standards.pollution_days.heavy_pollution_days`).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.periods import parse_month
from airlib.settings import DEFAULT, Settings

__all__ = ["CATEGORY_COLUMNS", "SUMMARY_COLUMNS", "missing_aqi_pollutants", "month_summary", "summary_table"]

#: AQI categories (HJ 633 levels 1-6) as summary column headers, in level order.
CATEGORY_COLUMNS: Final[tuple[str, ...]] = ("优", "良", "轻度污染", "中度污染", "重度污染", "严重污染")
#: Columns of the summary table, in order.
SUMMARY_COLUMNS: Final[tuple[str, ...]] = (
    "镇街代码", "镇街", "PM2.5月均值", "有效天数", *CATEGORY_COLUMNS, "重污染天数", "备注",
)


def summary_table(
    town_daily_aqi: pd.DataFrame,
    town_monthly: pd.DataFrame,
    towns: pd.DataFrame,
    month: str | pd.Period,
    heavy_days: pd.Series | None = None,
    settings: Settings | None = None,
    *,
    stations: pd.DataFrame | None = None,
    missing_pollutants: pd.Series | None = None,
) -> pd.DataFrame:
    """Build the month's summary table per town (pure; no I/O).

    Parameters
    ----------
    town_daily_aqi
        One row per town and day: ``town_code``, ``date`` (midnight), ``level`` (HJ 633 AQI
        level 1-6, NA when no AQI is published). Days outside ``month`` are ignored.
    town_monthly
        Output of :func:`airlib.standards.validity.monthly_statistics` with ``by="town_code"``:
        ``town_code``, ``month``, ``pm25`` (valid mean, NaN if the month is invalid),
        ``pm25_n`` (valid days), ``pm25_valid``.
    towns
        Towns registry (``town_code``, ``town_name``); its order sets the row order, and every
        town appears even without data.
    month
        The month (``YYYY-MM``).
    heavy_days
        Heavy-pollution days per ``town_code`` (index). Default: days with AQI level ≥ 5
        (AQI > 200, 重度污染 and above, HJ 633 Table 2).
    settings
        Published PM2.5 precision (``pm25_decimals_before_2024`` / ``_from_2024``).
    stations
        Station registry (``town_code``). When given, a town without any station gets the
        remark ``无站点`` (instead of ``有效天数不足``).
    missing_pollutants
        Per ``town_code`` (index): the AQI pollutants without a single valid day in the month,
        as display labels joined by ``/`` (e.g. ``"CO/O3"``; ``""`` none), see
        :func:`missing_aqi_pollutants`. When given, the remark says why AQI categories are
        missing or partial.

    Returns
    -------
    DataFrame
        Columns :data:`SUMMARY_COLUMNS`: PM2.5 monthly mean in µg/m³ rounded per GB/T 8170 to
        the published precision of the month (NaN when the month is invalid: fewer than 27
        valid days, 25 in February, GB 3095 Table 4), valid days, day counts per AQI category,
        heavy-pollution days, and a remark (备注), parts joined by ``；``: ``无站点`` (no
        station; nothing else said), ``本月无有效监测数据`` (stations but no valid day of any
        pollutant), else ``有效天数不足（…）`` when the month is invalid, and
        ``缺少 X，无法计算AQI类别`` (no day has an AQI category) or
        ``缺少 X，AQI类别仅按其余污染物计`` (categories computed from the other pollutants,
        HJ 633—2012 rows) when pollutants are missing.
    """
    from airlib.standards.rounding import round_published

    settings = DEFAULT if settings is None else settings
    p = parse_month(month)
    for col in ("town_code", "date", "level"):
        if col not in town_daily_aqi.columns:
            raise InputDataError(f"town daily AQI frame lacks column {col!r}")
    for col in ("town_code", "pm25", "pm25_n"):
        if col not in town_monthly.columns:
            raise InputDataError(f"town monthly frame lacks column {col!r}")

    codes = towns["town_code"].astype("string").to_numpy()
    d = town_daily_aqi[["town_code", "date", "level"]].copy()
    d["date"] = pd.to_datetime(d["date"])
    d = d[(d["date"] >= p.start_time) & (d["date"] <= p.end_time)]
    lv = pd.to_numeric(d["level"], errors="coerce")
    counts = pd.crosstab(d["town_code"].astype("string"), lv).reindex(
        index=codes, columns=range(1, 7), fill_value=0
    )
    if heavy_days is None:
        heavy = counts[5] + counts[6]
    else:
        heavy = pd.Series(heavy_days.to_numpy(), index=heavy_days.index.astype(str)).reindex(codes)
        heavy = heavy.fillna(0).astype(int)

    m = town_monthly.copy()
    if "month" in m.columns:
        m = m[pd.to_datetime(m["month"]).dt.to_period("M") == p]
    m = m.set_index(m["town_code"].astype("string"))
    m = m[~m.index.duplicated()].reindex(codes)
    valid = m["pm25_valid"].fillna(False).astype(bool) if "pm25_valid" in m else m["pm25"].notna()
    pm = m["pm25"].astype("float64").where(valid)
    rounded = round_published(pm.to_numpy(), "pm25", np.full(len(pm), p.start_time), settings)
    n_valid = m["pm25_n"].fillna(0).astype("int64")

    categorised = counts.sum(axis=1).to_numpy()
    short = f"有效天数不足（{p.month}月须≥{25 if p.month == 2 else 27}天）"
    if missing_pollutants is None:
        missing = np.full(len(codes), "", dtype=object)
    else:
        mp = pd.Series(missing_pollutants.to_numpy(), index=missing_pollutants.index.astype(str))
        missing = mp.reindex(codes).fillna("").astype(str).to_numpy(dtype=object)
    if stations is None:
        has_station = np.ones(len(codes), dtype=bool)
    else:
        has_station = pd.Index(codes).isin(pd.Index(stations["town_code"].astype("string").dropna()))
    all_missing = "/".join(_AQI_LABELS.values())
    remarks = []
    for ok, st, miss, n_cat in zip(valid.to_numpy(), has_station, missing, categorised, strict=True):
        if not st:
            remarks.append("无站点")
            continue
        if miss == all_missing:
            remarks.append("本月无有效监测数据")
            continue
        parts = [] if ok else [short]
        if miss:
            parts.append(f"缺少 {miss}，" + ("AQI类别仅按其余污染物计" if n_cat else "无法计算AQI类别"))
        remarks.append("；".join(parts))

    out = pd.DataFrame(
        {
            "镇街代码": codes,
            "镇街": towns["town_name"].astype("string").to_numpy(),
            "PM2.5月均值": np.asarray(rounded, float),
            "有效天数": n_valid.to_numpy(),
            **{name: counts[k].to_numpy() for k, name in zip(range(1, 7), CATEGORY_COLUMNS)},
            "重污染天数": heavy.to_numpy().astype(int),
            "备注": remarks,
        }
    )
    return out.astype({"镇街代码": "string", "镇街": "string", "备注": "string"})


#: Daily AQI input columns (airlib.standards.aqi.daily_aqi) → labels used in the remark.
_AQI_LABELS: Final[dict[str, str]] = {
    "pm25": "PM2.5", "pm10": "PM10", "so2": "SO2", "no2": "NO2", "co": "CO", "o3_8h": "O3",
}


def missing_aqi_pollutants(town_daily: pd.DataFrame, towns: pd.DataFrame, month: str | pd.Period) -> pd.Series:
    """AQI pollutants with no valid day in ``month``, per town.

    Parameters
    ----------
    town_daily
        Town daily frame (:func:`airlib.tracking.aggregation.aggregate_daily`): ``town_code``, ``date``
        and the daily values ``pm25, pm10, so2, no2, co, o3_8h`` (NaN when not valid); an
        absent column counts as missing everywhere.
    towns
        Towns registry (``town_code``); every town gets a row.
    month
        ``YYYY-MM``.

    Returns
    -------
    Series
        Index ``town_code``; labels joined by ``/`` in the order PM2.5, PM10, SO2, NO2, CO, O3
        (e.g. ``"CO/O3"``), ``""`` when every pollutant has at least one valid day.
    """
    p = parse_month(month)
    codes = pd.Index(towns["town_code"].astype("string").to_numpy())
    d = town_daily
    if "date" in d.columns:
        dates = pd.to_datetime(d["date"])
        d = d[(dates >= p.start_time) & (dates <= p.end_time)]
    cols = [c for c in _AQI_LABELS if c in d.columns]
    counts = (d[cols].notna().groupby(d["town_code"].astype("string")).sum() if len(d) and cols
              else pd.DataFrame(index=pd.Index([], dtype="string"), columns=cols))
    counts = counts.reindex(index=codes, columns=list(_AQI_LABELS)).fillna(0)
    absent = counts.to_numpy() == 0
    labels = np.array(list(_AQI_LABELS.values()), dtype=object)
    return pd.Series(["/".join(labels[row]) for row in absent], index=codes, dtype="string")


def month_summary(
    hourly: pd.DataFrame,
    stations: pd.DataFrame,
    towns: pd.DataFrame,
    month: str | pd.Period,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """Summary of one month per town from the canonical hourly frame.

    Parameters
    ----------
    hourly
        Canonical hourly frame (any period; only ``month`` is used).
    stations, towns
        Registries (docs/architecture.md); stations map to towns by ``town_code``.
    month
        ``YYYY-MM``.
    settings
        Passed to the validity, AQI and rounding functions.

    Returns
    -------
    DataFrame
        See :func:`summary_table`.
    """
    from airlib.tracking.aggregation import aggregate_daily
    from airlib.standards.aqi import daily_aqi
    from airlib.standards.validity import daily_statistics, monthly_statistics

    try:
        from airlib.standards.pollution_days import heavy_pollution_days
    except ImportError:  # not in this checkout: summary_table counts AQI > 200 days itself
        heavy_pollution_days = None

    p = parse_month(month)
    t = hourly["time"]
    sel = hourly[(t >= p.start_time) & (t < (p + 1).start_time)]
    if sel.empty:
        raise InputDataError(f"no hourly data in {p}")
    daily = daily_statistics(sel, start=p.start_time, end=p.end_time.normalize(), settings=settings)
    town_daily = aggregate_daily(daily, stations, level="town")
    town_monthly = monthly_statistics(town_daily, by="town_code")
    cols = [c for c in ("town_code", "date", "pm25", "pm10", "so2", "no2", "co", "o3_8h", "o3_1h")
            if c in town_daily.columns]
    aqi = daily_aqi(town_daily[cols], settings=settings)
    heavy = None
    if heavy_pollution_days is not None:
        hd = heavy_pollution_days(aqi, by="town_code", freq="MS")
        hd = hd[pd.to_datetime(hd["period"]) == p.start_time]
        heavy = pd.Series(hd["heavy_days"].to_numpy(), index=hd["town_code"].astype(str).to_numpy())
    missing = missing_aqi_pollutants(town_daily, towns, p)
    return summary_table(aqi, town_monthly, towns, p, heavy_days=heavy, settings=settings,
                         stations=stations, missing_pollutants=missing)
