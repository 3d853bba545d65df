"""Views analysts expect: calendar heat map of daily AQI, diurnal/weekday/monthly profiles with
confidence bands, heating season (采暖季) against the rest of the year.

Confidence bands: ``ci="t"`` is mean ± t_{n−1}·s/√n of the values in each bin; ``ci="bootstrap"``
is the percentile interval of the bin mean over seeded resamples of the bin's values. Both treat
the values of a bin as independent; consecutive days are correlated, so in a season of strong
day-to-day persistence the bands are somewhat narrow (as in openair's ``timeVariation``).

The heating season of Beijing runs from 15 November to 15 March (both days included) — a
parameter (``start``, ``end`` as ``"MM-DD"``) because other cities and years differ.

References
----------
[OPENAIR-2012] (``timeVariation``, ``calendarPlot``); AQI categories [HJ633-2012] (docs/references.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from airlib.errors import InputDataError

__all__ = [
    "HEATING_START",
    "HEATING_END",
    "WEEKDAY_ZH",
    "heating_season_mask",
    "heating_season_label",
    "profile",
    "diurnal_profile",
    "weekday_profile",
    "monthly_profile",
    "heating_season_comparison",
    "plot_profiles",
    "plot_heating_season",
    "calendar_heatmap",
    "area_mean",
    "category_counts",
    "heating_records",
    "heating_display",
]

#: Beijing heating season start and end (MM-DD, inclusive).
HEATING_START = "11-15"
HEATING_END = "03-15"
WEEKDAY_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
_KEYS = {"hour": "小时", "weekday": "星期", "month": "月份"}


def _mmdd(s: str, name: str) -> int:
    try:
        m, d = (int(x) for x in str(s).split("-"))
        pd.Timestamp(year=2000, month=m, day=d)
    except (ValueError, TypeError):
        raise InputDataError(f"{name} must be 'MM-DD', got {s!r}") from None
    return 100 * m + d


def heating_season_mask(times, start: str = HEATING_START, end: str = HEATING_END) -> np.ndarray:
    """True for times whose calendar day lies in the heating season (``start``..``end`` inclusive,
    wrapping over the new year when ``start`` > ``end``).

    Parameters
    ----------
    times : array-like of datetime64
        Times or dates.
    start, end : str, default "11-15", "03-15"
        Heating season bounds ``"MM-DD"`` (inclusive; Beijing's by default).

    Returns
    -------
    numpy.ndarray of bool
    """
    t = pd.DatetimeIndex(times)
    md = t.month.to_numpy() * 100 + t.day.to_numpy()
    a, b = _mmdd(start, "start"), _mmdd(end, "end")
    if a <= b:
        return (md >= a) & (md <= b)
    return (md >= a) | (md <= b)


def heating_season_label(times, start: str = HEATING_START, end: str = HEATING_END) -> pd.Series:
    """Season label per time: ``"2015–16采暖季"`` (from ``start`` of 2015 to ``end`` of 2016) or
    ``"2016年非采暖季"`` (between the end of one heating season and the start of the next).

    Parameters
    ----------
    times : array-like of datetime64
        Times or dates.
    start, end : str, default "11-15", "03-15"
        Heating season bounds ``"MM-DD"`` (inclusive; Beijing's by default).

    Returns
    -------
    pandas.Series of string
        One label per time, indexed 0 … n − 1.
    """
    t = pd.DatetimeIndex(times)
    heat = heating_season_mask(t, start, end)
    md = t.month.to_numpy() * 100 + t.day.to_numpy()
    a = _mmdd(start, "start")
    first_year = np.where(md >= a, t.year.to_numpy(), t.year.to_numpy() - 1)
    lab = np.where(
        heat,
        pd.Series(first_year).astype(str) + "–" + pd.Series((first_year + 1) % 100).map("{:02d}".format) + "采暖季",
        pd.Series(t.year.to_numpy()).astype(str) + "年非采暖季",
    )
    return pd.Series(lab, index=range(len(t)), dtype="string")


def _bin_key(times: pd.DatetimeIndex, by: str) -> np.ndarray:
    if by == "hour":
        return times.hour.to_numpy()
    if by == "weekday":
        return times.day_of_week.to_numpy()
    if by == "month":
        return times.month.to_numpy()
    raise InputDataError(f"by must be 'hour', 'weekday' or 'month', not {by!r}")


def profile(
    frame: pd.DataFrame,
    *,
    value: str = "pm25",
    by: str = "hour",
    time: str = "time",
    group: str | None = None,
    ci: str = "t",
    alpha: float = 0.05,
    n_boot: int = 1000,
    seed: int = 20170228,
) -> pd.DataFrame:
    """Mean of ``value`` per hour of day, weekday or calendar month, with a confidence band.

    Parameters
    ----------
    frame : pandas.DataFrame
        Hourly (for ``by="hour"``) or daily values with a ``time`` column.
    value : str, default "pm25"
        Column [µg/m³ for PM2.5].
    by : {"hour", "weekday", "month"}
        Bin. Weekday 0 = Monday.
    time : str, default "time"
        Time column (hour-beginning, Beijing time).
    group : str, optional
        Extra grouping column (e.g. a season label); one profile per group.
    ci : {"t", "bootstrap"}
        Band: t interval of the mean, or percentile bootstrap (module docstring).
    alpha : float, default 0.05
        1 − confidence level of the band.
    n_boot, seed : int, int
        Bootstrap replicates and ``numpy.random.Generator`` seed.

    Returns
    -------
    pandas.DataFrame
        ``[group,] by, mean, ci_low, ci_high, n`` (NaN band for bins with < 2 values).
    """
    for c in (time, value) + ((group,) if group else ()):
        if c not in frame.columns:
            raise InputDataError(f"missing column {c!r}", column=c)
    if ci not in ("t", "bootstrap"):
        raise InputDataError(f"ci must be 't' or 'bootstrap', not {ci!r}")
    times = pd.DatetimeIndex(frame[time])
    df = pd.DataFrame({by: _bin_key(times, by), "v": pd.to_numeric(frame[value], errors="coerce").to_numpy(dtype=float)})
    keys = [by]
    if group:
        df.insert(0, group, frame[group].to_numpy())
        keys = [group, by]
    df = df.dropna(subset=["v"])
    g = df.groupby(keys, sort=True)["v"]
    out = g.agg(mean="mean", sd="std", n="count").reset_index()
    if ci == "t":
        tq = stats.t.ppf(1 - alpha / 2, np.maximum(out["n"] - 1, 1))
        half = tq * out["sd"] / np.sqrt(out["n"])
        out["ci_low"] = out["mean"] - half
        out["ci_high"] = out["mean"] + half
    else:
        rng = np.random.default_rng(seed)
        lows, highs = [], []
        for _, vals in g:
            x = vals.to_numpy()
            if x.size < 2:
                lows.append(np.nan)
                highs.append(np.nan)
                continue
            means = x[rng.integers(0, x.size, size=(n_boot, x.size))].mean(axis=1)
            lo, hi = np.quantile(means, [alpha / 2, 1 - alpha / 2])
            lows.append(lo)
            highs.append(hi)
        out["ci_low"] = lows
        out["ci_high"] = highs
    out.loc[out["n"] < 2, ["ci_low", "ci_high"]] = np.nan
    return out[[*keys, "mean", "ci_low", "ci_high", "n"]]


def diurnal_profile(hourly: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """Hour-of-day profile (hour-beginning labels, Beijing time); see :func:`profile`.

    Parameters
    ----------
    hourly : pandas.DataFrame
        Hourly values [µg/m³ for PM2.5] with a time column.
    **kwargs
        Passed to :func:`profile` (``value``, ``time``, ``group``, ``ci``, ``alpha`` …).

    Returns
    -------
    pandas.DataFrame
        As :func:`profile` with ``by="hour"``.
    """
    return profile(hourly, by="hour", **kwargs)


def weekday_profile(frame: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """Weekday profile (0 = Monday); see :func:`profile`.

    Parameters
    ----------
    frame : pandas.DataFrame
        Hourly or daily values [µg/m³ for PM2.5] with a time column.
    **kwargs
        Passed to :func:`profile` (``value``, ``time``, ``group``, ``ci``, ``alpha`` …).

    Returns
    -------
    pandas.DataFrame
        As :func:`profile` with ``by="weekday"``.
    """
    return profile(frame, by="weekday", **kwargs)


def monthly_profile(frame: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """Calendar-month profile; see :func:`profile`.

    Parameters
    ----------
    frame : pandas.DataFrame
        Hourly or daily values [µg/m³ for PM2.5] with a time column.
    **kwargs
        Passed to :func:`profile` (``value``, ``time``, ``group``, ``ci``, ``alpha`` …).

    Returns
    -------
    pandas.DataFrame
        As :func:`profile` with ``by="month"``.
    """
    return profile(frame, by="month", **kwargs)


def heating_season_comparison(
    daily: pd.DataFrame,
    *,
    value: str = "pm25",
    time: str = "date",
    start: str = HEATING_START,
    end: str = HEATING_END,
    alpha: float = 0.05,
    min_days: int = 0,
) -> pd.DataFrame:
    """Mean of daily values per heating season and per non-heating season, with t intervals.

    Parameters
    ----------
    daily : pandas.DataFrame
        Daily values (e.g. valid daily PM2.5 means of :func:`airlib.standards.validity.daily_statistics`,
        averaged over stations if wanted) with a date column ``time``.
    value : str, default "pm25"
        Value column [µg/m³ for PM2.5].
    time : str, default "date"
        Date column.
    start, end : str
        Heating season bounds ``"MM-DD"`` (inclusive); Beijing: 11-15 to 03-15.
    alpha : float, default 0.05
        1 − confidence level of the t intervals.
    min_days : int, default 0
        Seasons with fewer valid days are dropped (partial seasons at the ends of a record).

    Returns
    -------
    pandas.DataFrame
        ``season`` (label), ``heating`` (bool), ``first``, ``last`` (dates), ``mean``,
        ``ci_low``, ``ci_high``, ``n`` (days with a value), ``days_in_season`` (calendar days
        of the full season), ``coverage`` (= n / days_in_season; < 1 for partial seasons at the
        ends of a record or with invalid days), plus for heating seasons
        ``ratio_to_previous_non`` (heating mean / mean of the preceding non-heating season).
    """
    for c in (time, value):
        if c not in daily.columns:
            raise InputDataError(f"missing column {c!r}", column=c)
    t = pd.DatetimeIndex(daily[time])
    df = pd.DataFrame({"season": heating_season_label(t, start, end).to_numpy(),
                       "heating": heating_season_mask(t, start, end), "date": t,
                       "v": pd.to_numeric(daily[value], errors="coerce").to_numpy(dtype=float)})
    df = df.dropna(subset=["v"])
    g = df.groupby("season", sort=False)
    out = g.agg(heating=("heating", "first"), first=("date", "min"), last=("date", "max"),
                mean=("v", "mean"), sd=("v", "std"), n=("v", "count")).reset_index()
    out = out[out["n"] >= max(min_days, 1)].sort_values("first").reset_index(drop=True)
    tq = stats.t.ppf(1 - alpha / 2, np.maximum(out["n"] - 1, 1))
    half = tq * out["sd"] / np.sqrt(out["n"])
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    prev_non = out["mean"].where(~out["heating"]).ffill().shift(1)
    out["ratio_to_previous_non"] = (out["mean"] / prev_non).where(out["heating"])
    # nominal length of each season, to show partial seasons at the ends of a record
    year = out["season"].str.slice(0, 4).astype(int).to_numpy()
    a_m, a_d = divmod(_mmdd(start, "start"), 100)
    b_m, b_d = divmod(_mmdd(end, "end"), 100)
    wraps = _mmdd(start, "start") > _mmdd(end, "end")
    s0 = pd.to_datetime({"year": year, "month": a_m, "day": a_d})
    e1 = pd.to_datetime({"year": year + (1 if wraps else 0), "month": b_m, "day": b_d})
    heat_len = (e1 - s0).dt.days + 1
    # a non-heating season is labelled by its calendar year: the days of that year outside heating
    non_len = np.array([int((~heating_season_mask(pd.date_range(f"{y}-01-01", f"{y}-12-31"), start, end)).sum())
                        for y in year])
    out["days_in_season"] = np.where(out["heating"], heat_len.to_numpy(), non_len)
    out["coverage"] = out["n"] / out["days_in_season"]
    return out[["season", "heating", "first", "last", "mean", "ci_low", "ci_high", "n", "days_in_season",
                "coverage", "ratio_to_previous_non"]]


def plot_profiles(
    hourly: pd.DataFrame,
    *,
    value: str = "pm25",
    split_heating: bool = True,
    start: str = HEATING_START,
    end: str = HEATING_END,
    ci: str = "t",
    title: str = "",
    unit_label: str = "µg/m³",
    seed: int = 20170228,
):
    """Diurnal, weekday and monthly profiles with bands (openair ``timeVariation`` style).

    With ``split_heating`` the diurnal and weekday panels show the heating season and the rest
    of the year as two lines (the monthly panel shows the whole year, heating months shaded).

    Parameters
    ----------
    hourly : pandas.DataFrame
        Hourly values with a ``time`` column.
    value : str, default "pm25"
        Value column [µg/m³ for PM2.5].
    split_heating : bool, default True
        Heating season and the rest as two lines.
    start, end : str, default "11-15", "03-15"
        Heating season bounds ``"MM-DD"`` (inclusive; Beijing's by default).
    ci : {"t", "bootstrap"}
        Band, as in :func:`profile`.
    title : str, optional
        Figure title.
    unit_label : str, default "µg/m³"
        Unit on the y axes.
    seed : int
        Bootstrap seed.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from airlib.plotting import use_chinese_fonts

    use_chinese_fonts()
    df = hourly[["time", value]].copy()
    df["季节"] = np.where(heating_season_mask(df["time"], start, end), "采暖季", "非采暖季")
    grp = "季节" if split_heating else None
    fig, axes = plt.subplots(1, 3, figsize=(14, 4), gridspec_kw={"width_ratios": [1.4, 1, 1.2]})
    colours = {"采暖季": "tab:red", "非采暖季": "tab:blue", None: "tab:blue"}
    for ax, by, xt in ((axes[0], "hour", None), (axes[1], "weekday", WEEKDAY_ZH)):
        pr = profile(df, value=value, by=by, group=grp, ci=ci, seed=seed)
        for key, d in (pr.groupby(grp) if grp else [(None, pr)]):
            ax.plot(d[by], d["mean"], color=colours[key], lw=2, label=key or "全年")
            ax.fill_between(d[by], d["ci_low"], d["ci_high"], color=colours[key], alpha=0.25)
        ax.set_xlabel(_KEYS[by])
        if xt:
            ax.set_xticks(range(7), xt)
        else:
            ax.set_xticks(range(0, 24, 3))
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(f"{value.upper().replace('PM25', 'PM2.5')}（{unit_label}）")
    axes[0].legend(fontsize=8)
    pr = profile(df, value=value, by="month", ci=ci, seed=seed)
    heat_months = [m for m in range(1, 13) if heating_season_mask(pd.DatetimeIndex([f"2001-{m:02d}-15"]), start, end)[0]]
    for m in heat_months:
        axes[2].axvspan(m - 0.5, m + 0.5, color="tab:red", alpha=0.08, lw=0)
    axes[2].plot(pr["month"], pr["mean"], "o-", color="k", lw=2, label="月均值")
    axes[2].fill_between(pr["month"], pr["ci_low"], pr["ci_high"], color="k", alpha=0.2)
    axes[2].set_xticks(range(1, 13), [f"{m}月" for m in range(1, 13)], fontsize=8)
    axes[2].set_xlabel("月份（浅红底：含采暖季日期的月份）")
    axes[2].grid(alpha=0.3)
    band = "t 分布 95% 置信区间" if ci == "t" else "自助法 95% 置信区间"
    fig.suptitle(title or f"日变化、周变化和月变化（阴影：{band}）")
    fig.tight_layout()
    return fig


def plot_heating_season(table: pd.DataFrame, *, title: str = "", unit_label: str = "µg/m³", ax=None):
    """Bar chart of :func:`heating_season_comparison` (heating seasons red, others blue).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`heating_season_comparison`.
    title : str, optional
        Axes title.
    unit_label : str, default "µg/m³"
        Unit on the y axis.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure otherwise.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from airlib.plotting import use_chinese_fonts

    use_chinese_fonts()
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 4))
    else:
        fig = ax.figure
    x = np.arange(len(table))
    col = np.where(table["heating"], "tab:red", "tab:blue")
    ax.bar(x, table["mean"], color=col, alpha=0.8,
           yerr=[table["mean"] - table["ci_low"], table["ci_high"] - table["mean"]], capsize=3)
    ax.set_xticks(x, table["season"], rotation=30, ha="right", fontsize=8)
    ax.set_ylabel(f"PM2.5 日均值的平均（{unit_label}）")
    ax.set_title(title or "采暖季与非采暖季对比（误差线：95% 置信区间）")
    ax.grid(axis="y", alpha=0.3)
    return fig


def calendar_heatmap(
    daily: pd.DataFrame,
    year: int,
    *,
    date: str = "date",
    category: str = "category",
    aqi: str = "aqi",
    title: str = "",
):
    """Calendar heat map of daily AQI categories for one year, in the official colours.

    Parameters
    ----------
    daily : pandas.DataFrame
        One row per day (one station or an area) with ``date``, ``category`` (优 … 严重污染, as
        from :func:`airlib.standards.aqi.daily_aqi`) and ``aqi`` (printed in each cell). Missing days are
        grey ("无数据").
    year : int
        Calendar year drawn (12 month panels, weeks as rows, Monday first).
    date, category, aqi : str, default "date", "category", "aqi"
        Column names.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Colours: :data:`airlib.standards.aqi.CATEGORY_COLOURS` (HJ 633—2012 Appendix A).
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, Rectangle

    from airlib.standards.aqi import CATEGORY_COLOURS
    from airlib.plotting import use_chinese_fonts

    for c in (date, category):
        if c not in daily.columns:
            raise InputDataError(f"missing column {c!r}", column=c)
    use_chinese_fonts()
    d = daily.copy()
    d[date] = pd.DatetimeIndex(d[date]).floor("D")
    if d[date].duplicated().any():
        raise InputDataError("more than one row per day: pass one station or one area", column=date)
    d = d.set_index(date)
    unknown = set(d[category].dropna().unique()) - set(CATEGORY_COLOURS)
    if unknown:
        raise InputDataError(f"unknown AQI categories {sorted(unknown)}", column=category)
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
    d = d.reindex(days)
    missing_colour = "#D9D9D9"
    fig, axes = plt.subplots(3, 4, figsize=(14, 9.5))
    for m, ax in zip(range(1, 13), axes.ravel()):
        md = d[d.index.month == m]
        first_wd = md.index[0].day_of_week
        for day, row in md.iterrows():
            pos = first_wd + day.day - 1
            wk, wd = divmod(pos, 7)
            cat = row[category] if isinstance(row[category], str) else None  # NaN / pd.NA → no data
            colour = CATEGORY_COLOURS.get(cat, missing_colour) if cat else missing_colour
            ax.add_patch(Rectangle((wd, -wk), 0.95, 0.95, facecolor=colour, edgecolor="white"))
            txt = str(day.day)
            if aqi in md.columns and pd.notna(row[aqi]):
                txt += f"\n{int(row[aqi])}"
            dark = cat in ("重度污染", "严重污染", "中度污染")
            ax.text(wd + 0.475, -wk + 0.475, txt, ha="center", va="center", fontsize=6,
                    color="white" if dark else "black")
        ax.set_xlim(0, 7)
        ax.set_ylim(-5.05, 1)
        ax.set_xticks(np.arange(7) + 0.475, ["一", "二", "三", "四", "五", "六", "日"], fontsize=7)
        ax.set_yticks([])
        ax.tick_params(length=0)
        for s in ax.spines.values():
            s.set_visible(False)
        ax.set_title(f"{m}月", fontsize=10)
    handles = [Patch(facecolor=c, edgecolor="0.6", label=k) for k, c in CATEGORY_COLOURS.items()]
    handles.append(Patch(facecolor=missing_colour, label="无数据"))
    fig.legend(handles=handles, loc="lower center", ncol=7, fontsize=9, frameon=False)
    fig.suptitle(title or f"{year}年逐日空气质量指数（AQI）日历图", fontsize=13)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    return fig


def area_mean(frame: pd.DataFrame, *, time: str = "time", value: str = "pm25") -> pd.DataFrame:
    """Mean of ``value`` over all units (stations, towns) at each ``time``; NaN values are skipped.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long frame of units' values.
    time, value : str, default "time", "pm25"
        Column names [µg/m³ for PM2.5].

    Returns
    -------
    pandas.DataFrame
        ``time``, ``value`` sorted by time (NaN where no unit has a value).
    """
    for c in (time, value):
        if c not in frame.columns:
            raise InputDataError(f"missing column {c!r}", column=c)
    return frame.groupby(time, as_index=False, sort=True)[value].mean()


def category_counts(daily_aqi: pd.DataFrame, year: int, *, date: str = "date",
                    category: str = "category") -> dict[str, int]:
    """Days per AQI category in calendar ``year`` (days without a category are not counted).

    Parameters
    ----------
    daily_aqi : pandas.DataFrame
        Daily AQI frame (:func:`airlib.standards.aqi.daily_aqi`).
    year : int
        Calendar year.
    date, category : str, default "date", "category"
        Column names.

    Returns
    -------
    dict of str to int [days]
    """
    for c in (date, category):
        if c not in daily_aqi.columns:
            raise InputDataError(f"missing column {c!r}", column=c)
    d = daily_aqi[pd.DatetimeIndex(daily_aqi[date]).year == year]
    return {str(k): int(v) for k, v in d[category].value_counts().items()}


def heating_records(table: pd.DataFrame) -> dict[str, dict]:
    """Key numbers of :func:`heating_season_comparison`: ``{season: {mean, n, coverage}}``.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`heating_season_comparison`.

    Returns
    -------
    dict of str to dict
        JSON-able; ``mean`` in the unit of the values [µg/m³ for PM2.5], ``n`` [days].
    """
    for c in ("season", "mean", "n", "coverage"):
        if c not in table.columns:
            raise InputDataError(f"heating table: missing column {c!r}", column=c)
    return {str(r["season"]): {"mean": float(r["mean"]), "n": int(r["n"]), "coverage": float(r["coverage"])}
            for r in table.to_dict("records")}


def heating_display(table: pd.DataFrame, decimals: int = 2) -> pd.DataFrame:
    """Chinese display version of :func:`heating_season_comparison` (dates and flag dropped, rounded).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`heating_season_comparison`.
    decimals : int, default 2
        Decimals of the displayed numbers.

    Returns
    -------
    pandas.DataFrame
        Chinese headers.
    """
    return table.drop(columns=["first", "last", "heating"]).rename(columns={
        "season": "时段", "mean": "平均（µg/m³）", "ci_low": "下限", "ci_high": "上限", "n": "有效天数",
        "days_in_season": "应有天数", "coverage": "覆盖率", "ratio_to_previous_non": "与前一非采暖季之比"}).round(decimals)
