"""Air-quality targets of a plan evaluated against valid daily data, for district and towns.

For every target whose metric can be computed from daily data (PM2.5/PM10 mean, heavy-
pollution days and their share) and every area (the district and its towns), for three
windows ending on the last day of the report month:

* ``month``: the report month;
* ``period``: the target's period to date (e.g. 2017-10-01 … 2017-12-31 of an
  Oct–Mar target) — only when the month falls inside the target period;
* ``ytd``: 1 January to the month end.

Each window gives the current value, the value for the same window a year earlier (or in
the base year, for ``reduction_vs_base_year``), the change in %, the target level the
current value must not exceed, the gap and a status. For the ``period`` window it also
gives the **allowance for the rest of the period**: for a mean (PM2.5) the highest mean of
the remaining days that still meets the target, assuming every remaining day is valid; for
heavy-pollution days the number still allowed. A negative allowance means the target is no
longer reachable (``outlook`` = 已无法达成).

Inputs are daily frames with ``date`` (datetime64, midnight) and the valid daily values
(NaN unless valid, e.g. from :func:`airlib.tracking.aggregation.aggregate_daily`): ``pm25``
(µg/m³), optionally ``pm10`` and ``aqi`` (HJ 633 daily AQI). A heavy-pollution day is a day
with AQI > 200 (HJ 633: 重度污染 and above). A period mean is the arithmetic mean of the
valid daily means in the window; ``n_valid`` reports how many there were (the validity
rules for a monthly/annual mean, GB 3095 Table 4, are checked by :mod:`airlib.standards.validity`).

Targets with scope ``district`` and ``each_town`` are evaluated for the district and for every
town (towns are held to the district's commitment); ``town`` targets for that town only.

Which window is assessed (status)
---------------------------------
A plan states its commitment over its own period, e.g. seed 001 (门大气办〔2017〕4号):
"2017 年 10 月至 2018 年 3 月，门头沟区 PM2.5 平均浓度同比下降 25% 以上". Only the window that
is that period to date, ``period`` (目标期累计), is judged: its status is 达标 / 未达标 (or
数据不足 when the value or its comparison is missing). The ``month`` (当月) and ``ytd`` (年初至今)
windows are context: they carry the same numbers (current, comparison, change, the level the
reduction would give) but the status :data:`CONTEXT_STATUS` = 参考（非考核口径） (数据不足 when a
value is missing). Every window/kind combination, for every target kind
(``reduction_vs_last_year``, ``reduction_vs_base_year``, ``absolute_cap``):

======================  ==========================================  =====================
window                  month inside the target period              month outside it
======================  ==========================================  =====================
当月 (month)             参考（非考核口径）                            参考（非考核口径）
目标期累计 (period)       达标 / 未达标 / 数据不足                      not produced
年初至今 (ytd)            参考（非考核口径）                            参考（非考核口径）
======================  ==========================================  =====================

The same rule holds for a calendar-year target (there the ``ytd`` window has the numbers of
the ``period`` window, which carries the status; a single month is never held to an annual
commitment). Examples for an October–March target: in October the month window and the
period window cover the same days, only the period row is judged; in January the ytd window
is January alone (context) while the period window is October–January (judged); in March
the period window is the whole period (outlook 期末已达成/期末未达成); in April no period row.

Day-count targets (heavy-pollution days)
----------------------------------------
Heavy-pollution days are counted by :func:`airlib.standards.pollution_days.heavy_pollution_days`
(daily AQI > 200, GB 3095-2012 / HJ 633-2012), the count the bulletin uses. For the ``period``
window ``comparison_full`` is the whole comparison period's count (e.g. last October–March)
and ``allowed_total`` the number of days allowed over the whole period: the largest whole
number of days that meets the target, floor(comparison_full × (1 − r/100)) — rounding up
would allow a smaller fall than promised (12 days last year, −20 %: 9.6 → 9 days, not 10) —
or for an ``absolute_cap`` floor(cap); for "力争继续下降" with no number, comparison_full − 1.
``allowance`` (days left) = allowed_total − days so far (``current``); a negative allowance
means the target is missed for good (已无法达成). 0 days last year with −20 %: 0 days allowed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.io.plans import KINDS, METRICS, Plan, PlanTarget
from airlib.periods import month_end, month_start, parse_month
from airlib.standards.pollution_days import HEAVY_AQI, heavy_pollution_days

__all__ = [
    "WINDOW_LABELS",
    "CONTEXT_STATUS",
    "COUNT_METRICS",
    "EVALUABLE_METRICS",
    "HEAVY_AQI",
    "TARGET_EVAL_LABELS",
    "evaluate_targets",
    "is_strict",
    "meets_target",
    "monthly_comparison",
    "area_daily",
    "plot_monthly_comparison",
    "plot_town_changes",
    "to_display",
    "window_values",
    "evaluable_targets",
    "data_start_month",
    "period_summary_zh",
    "plot_target_overview",
]

#: Status of a window that is context, not the target's assessed window (see the module docstring).
CONTEXT_STATUS: str = "参考（非考核口径）"

#: Metrics that count days (their allowance is a whole number of days).
COUNT_METRICS: frozenset[str] = frozenset({"heavy_pollution_days"})

#: Metrics computable from daily data → (daily column, statistic).
EVALUABLE_METRICS: dict[str, tuple[str, str]] = {
    "pm25_mean": ("pm25", "mean"),
    "pm10_mean": ("pm10", "mean"),
    "heavy_pollution_days": ("aqi", "heavy_days"),
    "heavy_pollution_day_share": ("aqi", "heavy_share"),
}

TARGET_EVAL_LABELS: dict[str, str] = {
    "target_id": "目标编号",
    "metric_label": "指标",
    "kind_label": "目标类型",
    "target_value": "目标值",
    "area_level": "层级",
    "area_code": "代码",
    "area_name": "区域",
    "window": "统计时段",
    "start": "起始日",
    "end": "截止日",
    "current": "当期值",
    "n_valid": "有效天数",
    "comparison": "对比期值",
    "change_pct": "变化率（%）",
    "target_level": "目标限值",
    "gap": "差距",
    "status": "状态",
    "remaining_days": "剩余天数",
    "target_level_full": "全期目标限值",
    "comparison_full": "对比期全期值",
    "allowed_total": "全期允许天数",
    "allowance": "剩余时段允许值",
    "outlook": "目标展望",
}

#: Window keys (``evaluate_targets(windows=…)``) → the labels its ``window`` column holds.
WINDOW_LABELS: dict[str, str] = {"month": "当月", "period": "目标期累计", "ytd": "年初至今"}
_WINDOW_ZH = WINDOW_LABELS


def _areas(daily: pd.DataFrame, id_col: str | None, default_code: str, default_name: str,
           names: dict[str, str] | None) -> pd.DataFrame:
    d = daily.copy()
    if "date" not in d:
        raise InputDataError("daily frame needs a 'date' column", column="date")
    d["date"] = pd.to_datetime(d["date"]).dt.normalize()
    if id_col is None or id_col not in d:
        d["area_code"] = pd.Series(default_code, index=d.index, dtype="string")
    else:
        c = d[id_col]
        if pd.api.types.is_numeric_dtype(c):
            c = c.astype("Int64")
        d["area_code"] = c.astype("string")
    if default_name:  # the district: one name for all rows
        d["area_name"] = pd.Series(default_name, index=d.index, dtype="string")
    else:
        d["area_name"] = d["area_code"].map(names or {}).astype("string").fillna(d["area_code"])
    return d


def window_values(daily: pd.DataFrame, column: str, stat: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Statistic of one daily column per area over [start, end] (inclusive).

    Parameters
    ----------
    daily
        ``area_code``, ``date`` and ``column``.
    stat
        ``"mean"`` (mean of valid values; also the sum), ``"heavy_days"`` (days with
        value > :data:`HEAVY_AQI`), ``"heavy_share"`` (heavy days / days with a valid AQI, %).

    Returns
    -------
    DataFrame indexed by ``area_code``: ``value``, ``n_valid``, ``total`` (sum for a mean,
    heavy-day count otherwise).
    """
    sel = daily.loc[(daily["date"] >= start) & (daily["date"] <= end), ["area_code", column]]
    x = pd.to_numeric(sel[column], errors="coerce").astype("float64")
    g = x.groupby(sel["area_code"])
    n = g.count()
    if stat == "mean":
        total = g.sum(min_count=1)
        value = total / n.where(n > 0)
    elif stat in ("heavy_days", "heavy_share"):
        # the one heavy-day rule (AQI > 200): airlib.standards.pollution_days
        days = heavy_pollution_days(pd.DataFrame({"area_code": sel["area_code"].to_numpy(),
                                                  "date": pd.to_datetime(daily.loc[sel.index, "date"]).to_numpy(),
                                                  "aqi": x.to_numpy()}), by="area_code", freq="MS")
        heavy = days.groupby("area_code")["heavy_days"].sum().astype("float64").reindex(n.index)
        total = heavy.where(n > 0)
        value = total if stat == "heavy_days" else 100.0 * total / n.where(n > 0)
    else:
        raise ValueError(f"unknown statistic {stat!r}")
    return pd.DataFrame({"value": value, "n_valid": n, "total": total})


def _shift_years(ts: pd.Timestamp, years: int) -> pd.Timestamp:
    return ts + pd.DateOffset(years=years)


def _windows(target: PlanTarget, month: str) -> list[tuple[str, pd.Timestamp, pd.Timestamp]]:
    m_end = month_end(month)
    m_start = month_start(month)
    out = [("month", m_start, m_end)]
    p_start, p_end = target.period.start_date, target.period.end_date
    if p_start <= m_end and m_start <= p_end:
        out.append(("period", p_start, min(m_end, p_end)))
    out.append(("ytd", pd.Timestamp(f"{m_end.year}-01-01"), m_end))
    return out


def evaluate_targets(
    plan: Plan,
    daily_town: pd.DataFrame | None,
    daily_district: pd.DataFrame | None,
    month: str,
    *,
    towns: pd.DataFrame | None = None,
    windows: tuple[str, ...] = ("month", "period", "ytd"),
) -> pd.DataFrame:
    """Evaluate a plan's air-quality targets for the district and its towns.

    Parameters
    ----------
    plan
        Plan with targets (targets of non-daily metrics, e.g. emission ratios, are skipped).
    daily_town
        Town daily values: ``town_code``, ``date``, ``pm25`` (µg/m³, NaN unless valid),
        optionally ``pm10``, ``aqi``. ``None`` to skip towns.
    daily_district
        District daily values: ``date``, ``pm25`` …; ``None`` to skip the district.
    month
        Report month 'YYYY-MM'; windows end on its last day.
    towns
        Town registry for names (``town_code``, ``town_name``); optional.
    windows
        Which of ``"month"``, ``"period"``, ``"ytd"`` to report.

    Returns
    -------
    DataFrame
        One row per target, area and window: ``target_id``, ``metric``, ``metric_label``,
        ``kind``, ``kind_label``, ``target_value``, ``area_level`` (区/镇街), ``area_code``,
        ``area_name``, ``window``, ``start``, ``end``, ``current``, ``n_valid``, ``comparison``
        (same window last year, or base year), ``change_pct``, ``target_level`` (the value
        ``current`` must not exceed), ``gap`` (current − target_level; > 0 = above target),
        ``status`` (达标/未达标/数据不足), ``remaining_days``, ``allowance``, ``outlook``
        (``period`` window only). Chinese headers: ``TARGET_EVAL_LABELS``.

    Notes
    -----
    Reduction targets: target level = comparison × (1 − r/100); "力争继续下降" targets with no
    number (value None) need any fall: target level = comparison. Absolute caps: target level
    = the value. Change in % = (current − comparison) / comparison × 100 on unrounded values.
    For the ``period`` window the comparison is the *whole* target period a year earlier when
    computing the allowance (the commitment is about the full period), but the same
    to-date window when computing ``change_pct`` and ``status``.
    """
    parse_month(month)  # validates
    names = None
    if towns is not None:
        names = dict(zip(towns["town_code"].astype("string"), towns["town_name"].astype("string"), strict=True))
    frames = []
    if daily_district is not None:
        frames.append(("区", _areas(daily_district, "district_code" if "district_code" in daily_district else None,
                                   plan.plan.district_code or plan.plan.district, plan.plan.district, None)))
    if daily_town is not None:
        if "town_code" not in daily_town:
            raise InputDataError("town daily frame needs a 'town_code' column", column="town_code")
        frames.append(("镇街", _areas(daily_town, "town_code", "", "", names)))
    rows: list[pd.DataFrame] = []
    for tgt in plan.targets:
        if tgt.metric not in EVALUABLE_METRICS or tgt.kind not in (
                "reduction_vs_last_year", "reduction_vs_base_year", "absolute_cap"):
            continue
        if tgt.district not in (None, plan.plan.district):
            continue
        col, stat = EVALUABLE_METRICS[tgt.metric]
        for level, d in frames:
            if tgt.scope == "town":
                if level != "镇街":
                    continue
                want = d.loc[d["area_name"] == tgt.town, "area_code"].unique()
                d = d.loc[d["area_code"].isin(want)]
            if col not in d:
                continue
            area_names = d.groupby("area_code")["area_name"].first()
            for wname, start, end in _windows(tgt, month):
                if wname not in windows:
                    continue
                rows.append(_evaluate_window(tgt, d, col, stat, level, area_names, wname, start, end))
    cols = ["target_id", "metric", "metric_label", "kind", "kind_label", "target_value", "area_level", "area_code",
            "area_name", "window", "start", "end", "current", "n_valid", "comparison", "change_pct", "target_level",
            "gap", "status", "remaining_days", "comparison_full", "target_level_full", "allowed_total", "allowance",
            "outlook"]
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.concat(rows, ignore_index=True).reindex(columns=cols)
    out["window"] = out["window"].map(_WINDOW_ZH).fillna(out["window"])
    return out


def is_strict(target: PlanTarget) -> bool:
    """Whether ``target`` must be met strictly below its level: "小于"/"低于" (``strict: true`` in the
    plan file, docs/plans.md) or "继续下降" without a figure (a reduction with no value)."""
    return bool(target.strict) or (target.kind != "absolute_cap" and target.value is None)


def meets_target(value: Any, level: Any, *, strict: bool) -> np.ndarray:
    """The one rule of "meets a target" for a value that must not exceed ``level``.

    Parameters
    ----------
    value, level : float or array-like [the metric's unit]
        The value reached and the level it is held to (a cap, or the comparison value × (1 − r)).
    strict : bool
        True for "小于"/"低于" and "继续下降": ``value < level``; False for "以内"/"不高于"/"下降X%":
        ``value <= level`` (with 1e-9 tolerance for floating point).

    Returns
    -------
    ndarray of bool
        False where either is NaN.
    """
    v = np.asarray(value, dtype="float64")
    lv = np.asarray(level, dtype="float64")
    with np.errstate(invalid="ignore"):
        return np.where(strict, v < lv, v <= lv + 1e-9)


def _evaluate_window(tgt: PlanTarget, d: pd.DataFrame, col: str, stat: str, level: str, area_names: pd.Series,
                     wname: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    cur = window_values(d, col, stat, start, end).reindex(area_names.index)
    if tgt.kind == "reduction_vs_base_year":
        shift = tgt.base_year - end.year if wname != "period" else tgt.base_year - tgt.period.end_date.year
    else:
        shift = -1
    cmp_ = window_values(d, col, stat, _shift_years(start, shift), _shift_years(end, shift)).reindex(area_names.index)
    current, comparison = cur["value"].to_numpy(float), cmp_["value"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(comparison > 0, (current - comparison) / comparison * 100.0, np.nan)
    if tgt.kind == "absolute_cap":
        level_v = np.full(len(current), float(tgt.value))
    else:
        r = 0.0 if tgt.value is None else float(tgt.value)
        level_v = comparison * (1.0 - r / 100.0)
    gap = current - level_v
    strict = is_strict(tgt)
    met = meets_target(current, level_v, strict=strict)
    judged = np.where(met, "达标", "未达标") if wname == "period" else CONTEXT_STATUS  # module docstring
    status = np.where(np.isnan(current) | np.isnan(level_v), "数据不足", judged)
    res = pd.DataFrame({
        "target_id": tgt.id, "metric": tgt.metric, "metric_label": METRICS[tgt.metric][0], "kind": tgt.kind,
        "kind_label": KINDS[tgt.kind], "target_value": np.nan if tgt.value is None else float(tgt.value),
        "area_level": level, "area_code": area_names.index.astype("string"), "area_name": area_names.to_numpy(),
        "window": wname, "start": start, "end": end, "current": current, "n_valid": cur["n_valid"].fillna(0).astype(int).to_numpy(),
        "comparison": comparison, "change_pct": change, "target_level": level_v, "gap": gap, "status": status,
        "remaining_days": np.nan, "comparison_full": np.nan, "allowed_total": np.nan, "allowance": np.nan,
        "outlook": pd.NA,
    })
    if wname == "period":
        p_end = tgt.period.end_date
        remaining = max((p_end - end).days, 0)
        full_shift = shift
        full = window_values(d, col, stat, _shift_years(tgt.period.start_date, full_shift),
                             _shift_years(p_end, full_shift)).reindex(area_names.index)
        if tgt.kind == "absolute_cap":
            full_level = np.full(len(current), float(tgt.value))
        else:
            r = 0.0 if tgt.value is None else float(tgt.value)
            full_level = full["value"].to_numpy(float) * (1.0 - r / 100.0)
        n_obs = cur["n_valid"].fillna(0).to_numpy(float)
        s_obs = cur["total"].to_numpy(float)
        if stat == "mean":
            with np.errstate(divide="ignore", invalid="ignore"):
                allowance = np.where(remaining > 0, (full_level * (n_obs + remaining) - s_obs) / remaining, np.nan)
            final_mean = s_obs / np.where(n_obs > 0, n_obs, np.nan)
            final_met = meets_target(final_mean, full_level, strict=strict)
        elif stat == "heavy_days":
            # whole days allowed over the period (module docstring): floor of the level, or one
            # fewer than last year for "继续下降"
            allowed = np.ceil(full_level - 1e-9) - 1 if strict else np.floor(full_level + 1e-9)
            allowance = allowed - s_obs
            res["allowed_total"] = allowed
            final_met = s_obs <= allowed
        else:  # share: allowance not defined without the number of remaining valid days
            allowance = np.full(len(current), np.nan)
            final_met = current <= full_level + 1e-9
        res["remaining_days"] = remaining
        res["allowance"] = allowance
        outlook = np.where(
            np.isnan(full_level) | np.isnan(s_obs), "数据不足",
            np.where(remaining == 0, np.where(final_met, "期末已达成", "期末未达成"),
                     np.where(np.nan_to_num(allowance, nan=1.0) < 0, "已无法达成", "仍可达成")))
        res["outlook"] = outlook
        res["target_level_full"] = full_level
        res["comparison_full"] = full["value"].to_numpy(float)
    return res


def monthly_comparison(daily: pd.DataFrame, start: str, end: str, column: str = "pm25",
                       id_col: str | None = None) -> pd.DataFrame:
    """Monthly mean of valid daily values for months start…end and the same months a year earlier.

    Returns
    -------
    DataFrame
        ``area_code`` (if ``id_col``), ``month`` ('YYYY-MM'), ``current``, ``last_year``,
        ``change_pct``, ``n_valid``.
    """
    d = daily.copy()
    d["date"] = pd.to_datetime(d["date"]).dt.normalize()
    keys = [id_col] if id_col else []
    d["month"] = d["date"].dt.to_period("M")
    g = d.groupby([*keys, "month"])[column]
    m = pd.DataFrame({"value": g.mean(), "n_valid": g.count()}).reset_index()
    months = pd.period_range(start, end, freq="M")
    cur = m.loc[m["month"].isin(months)].copy()
    prev = m.copy()
    prev["month"] = prev["month"] + 12
    cur = cur.merge(prev[[*keys, "month", "value"]].rename(columns={"value": "last_year"}), on=[*keys, "month"], how="left")
    cur = cur.rename(columns={"value": "current"})
    cur["change_pct"] = (cur["current"] - cur["last_year"]) / cur["last_year"] * 100.0
    cur["month"] = cur["month"].astype(str)
    return cur[[*keys, "month", "current", "last_year", "change_pct", "n_valid"]].reset_index(drop=True)


def area_daily(root, dataset: str, start, end) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Town and district daily values (valid means and daily AQI) from the processed store.

    Chains :func:`airlib.io.store.read_hourly` → :func:`airlib.standards.validity.daily_statistics` →
    :func:`airlib.tracking.aggregation.aggregate_daily` → :func:`airlib.standards.aqi.daily_aqi`,
    with the stations of each month as the report takes them
    (:func:`airlib.tracking.station_sets.report_station_sets`, the shipped class vocabulary):
    towns from the town-ranking stations, the district from the district-value stations
    (国控/市控, else the ranking's; docs/stations.md).

    Parameters
    ----------
    root, dataset
        Processed store root (``data/processed``) and dataset name (``"demo"``).
    start, end
        Inclusive bounds passed to ``read_hourly`` (e.g. ``"2016-01"``, ``"2018-03"``).

    Returns
    -------
    (daily_town, daily_district, towns)
        Daily frames with ``town_code``/``district_code``, ``date``, pollutant columns and
        ``aqi``; the town registry of the dataset.
    """
    from airlib.tracking.aggregation import aggregate_daily
    from airlib.standards.aqi import daily_aqi
    from airlib.io.store import read_hourly, read_registry
    from airlib.standards.validity import daily_statistics
    from airlib.tracking.station_sets import report_station_sets, rows_in_sets

    hourly = read_hourly(root, dataset, start, end)
    stations = read_registry(root, dataset, "stations")
    towns = read_registry(root, dataset, "towns")
    daily = daily_statistics(hourly)
    values = [c for c in ("pm25", "pm10", "so2", "no2", "co", "o3_8h", "o3_1h") if c in daily]
    months = pd.period_range(daily["date"].min(), daily["date"].max(), freq="M") if len(daily) else []
    sets = report_station_sets(stations, months)
    t = aggregate_daily(rows_in_sets(daily, sets.ranking), sets.ranking, "town")
    d = aggregate_daily(rows_in_sets(daily, sets.district), sets.district, "district", towns=towns)
    return (daily_aqi(t[["town_code", "date", *values]]), daily_aqi(d[["district_code", "date", *values]]), towns)


def plot_monthly_comparison(mc: pd.DataFrame, title: str, target_pct: float | None = None, ax=None):
    """Bar chart of monthly mean PM2.5, this season vs the same months last year (Chinese labels).

    ``mc``: output of :func:`monthly_comparison` for one area. ``target_pct``: the required fall
    in %, drawn as the target level above each month's bar pair.
    """
    import matplotlib.pyplot as plt

    from airlib.plotting import use_chinese_fonts

    use_chinese_fonts()
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    x = np.arange(len(mc))
    ax.bar(x - 0.2, mc["last_year"], width=0.4, color="#b0b0b0", label="上年同期")
    ax.bar(x + 0.2, mc["current"], width=0.4, color="#1f77b4", label="本期")
    if target_pct is not None:
        lvl = mc["last_year"] * (1 - target_pct / 100)
        ax.scatter(x + 0.2, lvl, marker="_", s=400, color="#d62728", zorder=3, label=f"目标（同比下降{target_pct:g}%）")
    for xi, c in zip(x, mc["change_pct"], strict=True):
        if np.isfinite(c):
            ax.annotate(f"{c:+.1f}%", (xi + 0.2, 0), xytext=(0, 3), textcoords="offset points", ha="center",
                        fontsize=8, color="white")
    ax.set_xticks(x, mc["month"])
    from airlib.escaping import mpl_text  # user text is never mathtext

    ax.set_ylabel("PM2.5 月均浓度（µg/m³）")
    ax.set_title(mpl_text(title))
    ax.legend(fontsize=8)
    return ax


def plot_town_changes(result: pd.DataFrame, target_id: str, window: str = "目标期累计", ax=None):
    """Horizontal bars of each area's change in % for one target and window, target line in red."""
    import matplotlib.pyplot as plt

    from airlib.plotting import use_chinese_fonts

    use_chinese_fonts()
    r = result[(result["target_id"] == target_id) & (result["window"] == window)].sort_values("change_pct")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.35 * len(r) + 1.2))
    colours = np.where(r["status"] == "达标", "#2ca02c", "#d62728")
    from airlib.escaping import mpl_text  # names are text, never mathtext

    ax.barh(r["area_name"].map(mpl_text), r["change_pct"], color=colours)
    tv = r["target_value"].dropna()
    if len(tv):
        ax.axvline(-float(tv.iloc[0]), color="black", ls="--", lw=1, label=f"目标 −{float(tv.iloc[0]):g}%")
        ax.legend(fontsize=8, loc="lower right")
    ax.axvline(0, color="grey", lw=0.8)
    ax.invert_yaxis()
    label = r["metric_label"].iloc[0] if len(r) else ""
    ax.set_xlabel(f"{label}同比变化（%）")
    ax.set_title(f"{label}：各镇街{window}同比变化（绿=达标，红=未达标）")
    return ax


def to_display(result: pd.DataFrame, decimals: int = 1) -> pd.DataFrame:
    """:func:`evaluate_targets` rows with Chinese headers, dates as text, values rounded.

    Drops the English key columns (``metric``, ``kind``); ``decimals`` applies to concentrations,
    changes, gaps and allowances (counts stay integers).
    """
    out = result.drop(columns=[c for c in ("metric", "kind") if c in result]).copy()
    for c in ("start", "end"):
        if c in out:
            out[c] = pd.to_datetime(out[c]).dt.strftime("%Y-%m-%d")
    num = [c for c in ("target_value", "current", "comparison", "change_pct", "target_level", "gap",
                       "target_level_full", "comparison_full", "allowance") if c in out]
    out[num] = out[num].astype("float64").round(decimals)
    if "metric" in result:  # day counts print as whole numbers (no '3.0')
        counts = result["metric"].isin(COUNT_METRICS).to_numpy()
        for c in ("current", "comparison", "comparison_full", "allowed_total", "allowance"):
            if c in out:
                v = out[c].astype("float64")
                out[c] = pd.Series([int(round(x)) if k and np.isfinite(x) else x for k, x in zip(counts, v, strict=True)],
                                   index=out.index, dtype="object")
    return out.rename(columns=TARGET_EVAL_LABELS)


def evaluable_targets(plan: Plan) -> list[PlanTarget]:
    """The plan's air-quality targets whose metric is computable from daily data, in plan order."""
    return [g for g in plan.targets if g.metric in EVALUABLE_METRICS]


def data_start_month(plan: Plan, month: str) -> str:
    """First month of daily data needed to evaluate ``plan`` up to ``month`` (``"YYYY-MM"``).

    One year before the earliest of: the start of every evaluable target period and 1 January
    of the report year (year-to-date window), since every window is compared with the same
    window a year earlier.
    """
    as_of = month_end(month)
    first = min([g.period.start_date for g in evaluable_targets(plan)] + [pd.Timestamp(f"{as_of.year}-01-01")])
    return (first - pd.DateOffset(years=1)).strftime("%Y-%m")


def _target_words(g: PlanTarget) -> str:
    """The target in words for :func:`period_summary_zh`: −25% (a reduction), ≤ 52 (a cap),
    继续下降 (a reduction without a figure, 力争继续下降)."""
    if g.value is None:
        return "继续下降"
    if g.kind == "absolute_cap":
        return f"≤ {g.value:g} {g.unit or ''}".rstrip()
    return f"−{g.value:g}%"


def period_summary_zh(result: pd.DataFrame, plan: Plan, *, window: str = "目标期累计") -> list[str]:
    """One Chinese sentence per evaluable district target for the period-to-date window.

    Gives the current value, the year-on-year change against the required reduction, the
    status and the outlook; for a PM2.5 mean target still reachable also the allowance: the
    highest mean of the remaining days that still meets the target (a negative allowance is
    already stated by the outlook 已无法达成). A missing change (comparison 0 or missing) is
    said in words instead of printing NaN. A day-count target (heavy-pollution days) prints
    whole days and adds the days allowed over the whole period and those left (or the days
    over the allowance).
    Targets without a district row for ``window`` (month outside the period) are skipped.
    """
    need = ("area_level", "window", "target_id", "metric_label", "current", "change_pct", "status", "outlook",
            "allowance", "remaining_days")
    missing = [c for c in need if c not in result.columns]
    if missing:
        raise InputDataError(f"target evaluation: missing columns {missing}", column=missing[0])
    d = result[(result["area_level"] == "区") & (result["window"] == window)].set_index("target_id")
    lines = []
    for g in evaluable_targets(plan):
        if g.id not in d.index:
            continue
        r = d.loc[g.id]
        change = f"同比 {r['change_pct']:+.1f}%" if pd.notna(r["change_pct"]) else "无同比变化率（对比期为 0 或缺测）"
        count = g.metric in COUNT_METRICS
        current = "—" if pd.isna(r["current"]) else (f"{int(r['current'])} 天" if count else f"{r['current']:.1f}")
        s = f"{r['metric_label']}：{window} {current}，{change}（目标 {_target_words(g)}），{r['status']}；{r['outlook']}"
        if pd.notna(r["allowance"]) and g.metric == "pm25_mean" and r["allowance"] >= 0:
            s += f"，剩余 {int(r['remaining_days'])} 天均值须不高于 {r['allowance']:.1f} µg/m³"
        if count and pd.notna(r["allowance"]) and "allowed_total" in d.columns and pd.notna(r["allowed_total"]):
            left = int(r["allowance"])
            s += f"，全期允许 {int(r['allowed_total'])} 天，" + (f"剩余可用 {left} 天" if left >= 0 else f"已超出 {-left} 天")
        lines.append(s)
    return lines


def plot_target_overview(daily_district: pd.DataFrame, result: pd.DataFrame, target: PlanTarget, month: str,
                         district: str):
    """Two panels for one target: district monthly means vs a year earlier, and town changes.

    The monthly panel covers the target period up to ``month``; the town panel shows the
    period-to-date change of every town (:func:`plot_town_changes`).
    """
    import matplotlib.pyplot as plt

    mc = monthly_comparison(daily_district, target.period.start, min(month, target.period.end))
    fig, axes = plt.subplots(1, 2, figsize=(14, 5.5))
    plot_monthly_comparison(mc, f"{district} PM2.5 月均浓度与上年同期", target_pct=target.value, ax=axes[0])
    plot_town_changes(result, target.id, ax=axes[1])
    fig.tight_layout()
    return fig
