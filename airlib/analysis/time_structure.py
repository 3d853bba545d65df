"""Time structure of the hourly data, as openair draws it: ``time_variation``, ``trend_level``,
``smooth_trend`` and ``summary_plot`` (issue 16, part O3).

Each view is a calculation returning tidy numbers (``time_variation``, ``trend_level``,
``smooth_trend``, ``summary_table``) and a ``plot_*`` function taking those numbers. All work on
the canonical hourly frame (``time`` hour-beginning Beijing time, ``station``, pollutants
[µg/m³; CO mg/m³]). The definitions are openair 2.18's (R sources read at the release before
2.19.0, commit ``50e59690^`` of openair-project/openair); they are cited per function and in
``docs/analysis.md``.

References
----------
[OPENAIR-2012], [EILERS-1996] (docs/references.md); openair R/timeVariation.R ``timeVariation``, ``proc``;
R/bootMeans.R ``bootMean``; R/trendLevel.R ``trendLevel``; R/smoothTrend.R ``smoothTrend``;
R/utilities.R ``fitGam``; R/summaryPlot.R ``summaryPlot``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.interpolate import BSpline

from airlib.analysis.grouping import WEEKDAYS_ZH as WEEKDAY_LEVELS, cut_labels as cut_data, frame_times
from airlib.analysis.profiles import profile
from airlib.analysis.trends import decimal_year, stl_decompose
from airlib.errors import InputDataError
from airlib.escaping import mpl_text

__all__ = [
    "PANELS",
    "time_variation",
    "plot_time_variation",
    "trend_level",
    "plot_trend_level",
    "monthly_means",
    "penalised_spline",
    "smooth_trend",
    "plot_smooth_trend",
    "summary_table",
    "monthly_capture",
    "plot_summary",
]

#: The four panels of openair's ``timeVariation`` (its names: ``day.hour``, ``hour``, ``month``, ``day``).
PANELS = ("hour_weekday", "hour", "month", "weekday")
_X = {"hour_weekday": "hour", "hour": "hour", "month": "month", "weekday": "weekday"}
_LABEL = {"pm25": "PM2.5", "pm10": "PM10", "so2": "SO2", "no2": "NO2", "co": "CO", "o3": "O3",
          "temp": "气温", "pres": "气压", "dewp": "露点", "wspm": "风速", "rain": "降水"}


def _label(v: str) -> str:
    return _LABEL.get(str(v), str(v))


def _check(frame: pd.DataFrame, cols) -> None:
    for c in cols:
        if c not in frame.columns:
            raise InputDataError(f"missing column {c!r}; the hourly frame needs it for this analysis", column=c)


def _level(frame: pd.DataFrame, type: str, time: str) -> pd.Series:  # noqa: A002 - openair's name
    """Heat-map and panel levels: the calendar year, month and hour as numbers (they order the
    axes and the panels), anything else as :func:`airlib.analysis.grouping.cut_data` labels it."""
    if type in ("year", "month", "hour"):
        t = frame_times(frame, time)
        return pd.Series(getattr(t, type).to_numpy(), index=frame.index, name=type)
    return cut_data(frame, type, time=time)


def _long(frame: pd.DataFrame, pollutant, group: str | None, type: str, time: str) -> pd.DataFrame:
    """One row per (time, variable[, group]) value: columns time, variable, group, type, value."""
    pols = [pollutant] if isinstance(pollutant, str) else list(pollutant)
    if not pols:
        raise InputDataError("pollutant is empty; name at least one column")
    _check(frame, [time, *pols] + ([group] if group else []))
    base = pd.DataFrame({"time": frame_times(frame, time),
                         "group": frame[group].astype(str).to_numpy() if group else "全部",
                         "type": _level(frame, type, time).astype(str).to_numpy()},
                        index=frame.index)
    parts = []
    for p in pols:
        d = base.copy()
        d["variable"] = p
        d["value"] = pd.to_numeric(frame[p], errors="coerce").to_numpy(dtype=float)
        parts.append(d)
    return pd.concat(parts, ignore_index=True)


def time_variation(
    frame: pd.DataFrame,
    pollutant: str | list[str] = "pm25",
    *,
    group: str | None = None,
    type: str = "default",
    statistic: str = "mean",
    conf_int: float | None = None,
    B: int = 100,
    normalise: bool = False,
    switch_point: int | None = None,
    time: str = "time",
    seed: int = 20170228,
) -> dict[str, pd.DataFrame]:
    """openair's ``timeVariation``: hour × weekday, hour, month and weekday profiles with intervals.

    Definitions (openair 2.18 R/timeVariation.R ``timeVariation`` and ``proc``; R/bootMeans.R
    ``bootMean``):

    - ``statistic="mean"``: the mean of the non-missing values in each bin, and the percentile
      bootstrap interval of that mean: ``B`` resamples (openair's default ``B = 100``) of the
      bin's values with replacement, interval = the ``(1 − conf_int)/2`` and ``(1 + conf_int)/2``
      quantiles of the resample means (R ``quantile`` type 7 = numpy's linear rule). Bins with
      fewer than 2 values have no interval. The bootstrap itself is
      :func:`airlib.analysis.profiles.profile` with ``ci="bootstrap"`` (one implementation),
      seeded with ``seed`` (openair uses R's random stream, so the interval ends differ from R's
      by Monte-Carlo noise only; the means are identical).
    - ``statistic="median"``: the median and the ``(1 − conf_int)/2``, ``(1 + conf_int)/2``
      quantiles of the bin's values (openair's ``median_hilow``; openair's default for the median
      is two bands, 0.75 and 0.95 — here one band per call, default 0.75).
    - ``normalise=True``: each line (variable × group) of each panel divided by the mean of its
      bin means over the panel (openair ``divide.by.mean``), so the line averages 1.
    - Weekday: Monday first (openair ``start.day = 1``); hours 0–23 hour-beginning Beijing time;
      months 1–12.

    Parameters
    ----------
    frame : pandas.DataFrame
        Canonical hourly frame.
    pollutant : str or list of str, default "pm25"
        Column(s) [µg/m³; CO mg/m³]; several are overlaid as lines.
    group : str, optional
        Column whose values are overlaid as lines (e.g. ``"station"``; openair ``group``).
    type : str, default "default"
        Conditioning (one set of panels per level), :func:`airlib.analysis.grouping.cut_data`.
    statistic : {"mean", "median"}
    conf_int : float, optional
        Interval level; default 0.95 for the mean, 0.75 for the median.
    B : int, default 100
        Bootstrap resamples (openair 2.18 ``B = 100``).
    normalise : bool, default False
        Divide by the line's mean over the panel.
    switch_point : int, optional
        openair ≥ 2.19's ``bootMean``: bins with at least this many values get the t interval of
        the mean (mean ± t₀.₉₇₅,ₙ₋₁·s/√n, :func:`airlib.analysis.profiles.profile` with
        ``ci="t"``) instead of the bootstrap (2.19 uses 1000). Default None: openair 2.18, the
        bootstrap in every bin. Much faster on years of pooled stations.
    time : str, default "time"
    seed : int
        ``numpy.random.Generator`` seed of the bootstrap.

    Returns
    -------
    dict of str to pandas.DataFrame
        Keys :data:`PANELS`; each frame has ``variable, group, type, [weekday,] x, mean, lower,
        upper, n``, lines in the order given (pollutants) or first met in the data (groups) (``x`` = hour 0–23, month 1–12 or weekday 0–6 with 0 = Monday; the hour ×
        weekday panel has both ``weekday`` and ``x`` = hour). ``mean`` is the median when
        ``statistic="median"``. ``attrs["band"]`` of each frame describes the band in Chinese
        (used as the default figure title).
    """
    if statistic not in ("mean", "median"):
        raise InputDataError(f"statistic must be 'mean' or 'median', not {statistic!r}")
    level = conf_int if conf_int is not None else (0.95 if statistic == "mean" else 0.75)
    if not 0 < level < 1:
        raise InputDataError(f"conf_int must lie between 0 and 1, got {level!r}")
    if int(B) < 1:
        raise InputDataError(f"B (bootstrap resamples) must be at least 1, got {B!r}")
    if switch_point is not None and int(switch_point) < 2:
        raise InputDataError(f"switch_point must be at least 2 values, got {switch_point!r}")
    d = _long(frame, pollutant, group, type, time).dropna(subset=["value"])
    if d.empty:
        raise InputDataError(f"no valid values of {pollutant!r} to profile")
    lines = d[["variable", "group", "type"]].drop_duplicates().reset_index(drop=True)
    codes = d.merge(lines.reset_index().rename(columns={"index": "line"}), on=["variable", "group", "type"],
                    how="left")["line"].to_numpy()
    t = pd.DatetimeIndex(d["time"])
    out: dict[str, pd.DataFrame] = {}
    for k, panel in enumerate(PANELS):
        by = _X[panel]
        key = codes * 7 + t.day_of_week.to_numpy() if panel == "hour_weekday" else codes
        work = pd.DataFrame({"time": t, "value": d["value"].to_numpy(), "key": key})
        if statistic == "mean":
            big = np.zeros(len(work), dtype=bool)
            if switch_point is not None:
                tt = pd.DatetimeIndex(work["time"])
                xkey = tt.hour if by == "hour" else (tt.month if by == "month" else tt.day_of_week)
                big = work.groupby([work["key"].to_numpy(), xkey.to_numpy()])["value"].transform("size").to_numpy() \
                    >= switch_point
            parts = []
            if (~big).any():
                parts.append(profile(work[~big], value="value", by=by, group="key", ci="bootstrap", alpha=1 - level,
                                     n_boot=int(B), seed=seed + k))
            if big.any():
                parts.append(profile(work[big], value="value", by=by, group="key", ci="t", alpha=1 - level))
            r = pd.concat(parts, ignore_index=True)
            r = r.rename(columns={by: "x", "ci_low": "lower", "ci_high": "upper"})
        else:
            tt = pd.DatetimeIndex(work["time"])
            xkey = tt.hour if by == "hour" else (tt.month if by == "month" else tt.day_of_week)
            g = work.groupby([work["key"].to_numpy(), xkey.to_numpy()])["value"]
            r = pd.concat({"mean": g.median(), "lower": g.quantile((1 - level) / 2),
                           "upper": g.quantile((1 + level) / 2), "n": g.count()}, axis=1)
            r.index.names = ["key", "x"]
            r = r.reset_index()
        if panel == "hour_weekday":
            r["weekday"] = r["key"] % 7
            r["line"] = r["key"] // 7
        else:
            r["line"] = r["key"]
        r = r.join(lines, on="line")
        if normalise:
            scale = r.groupby(["variable", "group"])["mean"].transform("mean")
            for c in ("mean", "lower", "upper"):
                r[c] = r[c] / scale
        cols = ["variable", "group", "type"] + (["weekday"] if panel == "hour_weekday" else []) + \
               ["x", "mean", "lower", "upper", "n"]
        order = ["line"] + (["weekday"] if panel == "hour_weekday" else []) + ["x"]
        out[panel] = r.sort_values(order)[cols].reset_index(drop=True)
    pct = f"{100 * level:g}%"
    if statistic == "median":
        band = f"中位数的 {100 * (1 - level) / 2:g}%–{100 * (1 + level) / 2:g}% 分位数区间"
    elif switch_point is None:
        band = f"均值的自助法 {pct} 置信区间"
    else:
        band = f"均值的 {pct} 置信区间（自助法；不少于 {switch_point} 个值的格子用 t 分布）"
    for r in out.values():
        r.attrs["band"] = band
    return out


def plot_time_variation(result: dict[str, pd.DataFrame], *, title: str = "", unit_label: str = "µg/m³",
                        normalised: bool = False, names: dict | None = None):
    """Four panels as openair's ``timeVariation``: hour × weekday on top, hour, month, weekday below.

    Parameters
    ----------
    result : dict
        Output of :func:`time_variation` (type levels other than the first are not drawn; plot one
        ``type`` level at a time).
    title : str, optional
    unit_label : str, default "µg/m³"
    normalised : bool, default False
        Label the y axes "标准化浓度" (the result was computed with ``normalise=True``).
    names : dict, optional
        Display names of the groups (e.g. station code → Chinese station name).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from airlib.plotting import use_chinese_fonts

    use_chinese_fonts()
    fig = plt.figure(figsize=(13, 8))
    gs = fig.add_gridspec(2, 3, height_ratios=[1, 1])
    top = fig.add_subplot(gs[0, :])
    axes = {"hour": fig.add_subplot(gs[1, 0]), "month": fig.add_subplot(gs[1, 1]),
            "weekday": fig.add_subplot(gs[1, 2])}
    ylabel = "标准化浓度" if normalised else f"浓度（{mpl_text(unit_label)}）"
    first_type = result["hour"]["type"].iloc[0]
    lines = result["hour"][["variable", "group"]].drop_duplicates().to_numpy().tolist()
    colours = plt.get_cmap("tab10")
    for i, (v, g) in enumerate(lines):
        gname = (names or {}).get(g, g)
        name = _label(v) if g == "全部" else (f"{_label(v)} {gname}" if len({x[0] for x in lines}) > 1 else str(gname))
        c = colours(i % 10)
        hw = result["hour_weekday"]
        hw = hw[(hw["variable"] == v) & (hw["group"] == g) & (hw["type"] == first_type)]
        xpos = hw["weekday"].to_numpy() * 24 + hw["x"].to_numpy()
        for wd in range(7):
            m = hw["weekday"].to_numpy() == wd
            top.plot(xpos[m], hw["mean"].to_numpy()[m], color=c, lw=1.5, label=mpl_text(name) if wd == 0 else None)
            top.fill_between(xpos[m], hw["lower"].to_numpy()[m], hw["upper"].to_numpy()[m], color=c, alpha=0.2, lw=0)
        for panel, ax in axes.items():
            r = result[panel]
            r = r[(r["variable"] == v) & (r["group"] == g) & (r["type"] == first_type)]
            ax.plot(r["x"], r["mean"], color=c, lw=2, marker="o" if panel != "hour" else None, ms=3)
            ax.fill_between(r["x"], r["lower"], r["upper"], color=c, alpha=0.2, lw=0)
    top.set_xticks([wd * 24 + 12 for wd in range(7)], list(WEEKDAY_LEVELS))
    for wd in range(1, 7):
        top.axvline(wd * 24 - 0.5, color="grey", lw=0.5)
    top.set_xlim(-0.5, 7 * 24 - 0.5)
    top.set_ylabel(ylabel)
    top.legend(fontsize=8, ncol=min(6, len(lines)))
    axes["hour"].set_xticks([0, 6, 12, 18, 23], ["0时", "6时", "12时", "18时", "23时"])
    axes["hour"].set_xlabel("小时（北京时间，时段起始）")
    axes["month"].set_xticks(range(1, 13), [f"{m}月" for m in range(1, 13)], fontsize=7)
    axes["month"].set_xlabel("月份")
    axes["weekday"].set_xticks(range(7), list(WEEKDAY_LEVELS))
    axes["weekday"].set_xlabel("星期")
    axes["hour"].set_ylabel(ylabel)
    for ax in (top, *axes.values()):
        ax.grid(alpha=0.3)
    band = result["hour"].attrs.get("band", "区间")
    fig.suptitle(mpl_text(title) if title else f"时间变化（阴影：{band}）")
    fig.tight_layout()
    return fig


_TREND_STATS = ("mean", "max", "min", "median", "frequency", "sum", "sd", "percentile")


def trend_level(
    frame: pd.DataFrame,
    pollutant: str = "pm25",
    *,
    x: str = "month",
    y: str = "hour",
    type: str = "year",
    statistic: str = "mean",
    percentile: float = 95,
    time: str = "time",
) -> pd.DataFrame:
    """openair's ``trendLevel``: a statistic of ``pollutant`` per (type, x, y) bin — by default
    month (x) × hour (y) per year (panels).

    Definitions (openair 2.18 R/trendLevel.R ``trendLevel``): the statistic of the non-missing
    values of each bin (``na.rm = TRUE``); a bin whose values are all missing is NaN for every
    statistic (also ``max``, ``min``, ``sum``, ``frequency``); ``frequency`` is the number of
    valid values; ``sd`` the sample standard deviation (n − 1); ``percentile`` R's type-7
    quantile (numpy linear). Bins with no rows at all do not appear. x, y and type are
    :func:`airlib.analysis.grouping.cut_data` types.

    Parameters
    ----------
    frame : pandas.DataFrame
        Canonical hourly frame.
    pollutant : str, default "pm25"
        Column [µg/m³; CO mg/m³].
    x, y, type : str, default "month", "hour", "year"
    statistic : {"mean", "max", "min", "median", "frequency", "sum", "sd", "percentile"}
    percentile : float, default 95
        Percentile [%] for ``statistic="percentile"``.
    time : str, default "time"

    Returns
    -------
    pandas.DataFrame
        ``type, x, y, value, n`` (``n`` valid values in the bin), one row per occupied bin.
    """
    if statistic not in _TREND_STATS:
        raise InputDataError(f"statistic must be one of {', '.join(_TREND_STATS)}, not {statistic!r}")
    if statistic == "percentile" and not 0 <= percentile <= 100:
        raise InputDataError(f"percentile must lie in 0–100, got {percentile!r}")
    _check(frame, [time, pollutant])
    d = pd.DataFrame({"type": _level(frame, type, time), "x": _level(frame, x, time),
                      "y": _level(frame, y, time),
                      "v": pd.to_numeric(frame[pollutant], errors="coerce").astype(float)})
    g = d.groupby(["type", "x", "y"], observed=True, sort=True)["v"]
    n = g.count()
    if statistic == "percentile":
        val = g.quantile(percentile / 100)
    elif statistic == "frequency":
        val = n.astype(float)
    elif statistic == "sum":
        val = g.sum(min_count=1)
    else:
        val = g.agg(statistic if statistic != "sd" else "std")
    val = val.where(n > 0)
    out = pd.DataFrame({"value": val, "n": n}).reset_index()
    for c in ("type", "x", "y"):
        out[c] = out[c].astype(object)
    return out


def plot_trend_level(table: pd.DataFrame, *, pollutant: str = "pm25", statistic: str = "mean",
                     unit_label: str = "µg/m³", title: str = "", cmap: str = "YlOrRd"):
    """Heat map of :func:`trend_level`: month (x) × hour (y) per type level (one panel each).

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`trend_level`.
    pollutant, statistic : str
        For the colour-bar label.
    unit_label : str, default "µg/m³"
    title : str, optional
    cmap : str, default "YlOrRd"

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from airlib.plotting import use_chinese_fonts

    use_chinese_fonts()
    levels = list(dict.fromkeys(table["type"]))
    xs = sorted(set(table["x"]), key=str) if table["x"].map(type).eq(str).any() else sorted(set(table["x"]))
    ys = sorted(set(table["y"]), key=str) if table["y"].map(type).eq(str).any() else sorted(set(table["y"]))
    vmin, vmax = np.nanmin(table["value"]), np.nanmax(table["value"])
    ncol = min(4, len(levels))
    nrow = int(np.ceil(len(levels) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.4 * ncol + 1, 3.4 * nrow), squeeze=False, sharey=True,
                             layout="constrained")
    im = None
    for ax, lev in zip(axes.flat, levels):
        t = table[table["type"] == lev].pivot(index="y", columns="x", values="value").reindex(index=ys, columns=xs)
        im = ax.pcolormesh(np.arange(len(xs) + 1) - 0.5, np.arange(len(ys) + 1) - 0.5, t.to_numpy(dtype=float),
                           cmap=cmap, vmin=vmin, vmax=vmax)
        ax.set_title(mpl_text(f"{lev}年" if isinstance(lev, (int, np.integer)) else lev))
        ax.set_xticks(range(len(xs)), [f"{v}月" if isinstance(v, (int, np.integer)) else mpl_text(v) for v in xs],
                      fontsize=6, rotation=90)
        ax.set_yticks(range(0, len(ys), 3), [mpl_text(ys[i]) for i in range(0, len(ys), 3)], fontsize=7)
        ax.set_xlabel("月份")
    for ax in axes.flat[len(levels):]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("小时")
    names = {"mean": "均值", "max": "最大值", "min": "最小值", "median": "中位数", "frequency": "有效小时数",
             "sum": "合计", "sd": "标准差", "percentile": "百分位数"}
    cb = fig.colorbar(im, ax=axes.ravel().tolist(), shrink=0.8)
    cb.set_label(mpl_text(f"{_label(pollutant)} {names.get(statistic, statistic)}"
                          + ("" if statistic == "frequency" else f"（{unit_label}）")))
    fig.suptitle(mpl_text(title) if title else "逐年 月份 × 小时 浓度热图")
    return fig


def monthly_means(frame: pd.DataFrame, pollutant: str = "pm25", *, data_thresh: float = 0, time: str = "time",
                  group: str | None = None) -> pd.DataFrame:
    """Calendar-month means of all hours (openair ``timeAverage(avg.time = "month")``).

    openair's rule (R/timeAverage.R): the mean of the non-missing values of the month; with
    ``data.thresh`` > 0 a month is NaN when its data capture — valid hours / hours in the
    month × 100 — is below ``data_thresh``. openair's default in ``smoothTrend`` is 0 (every
    month with at least one value). This is **not** the HJ 663 validity rule of the bureau
    statistics (daily means first, ≥ 27 / 25 valid days), see ``docs/analysis.md``.

    Parameters
    ----------
    frame : pandas.DataFrame
        Canonical hourly frame (one row per hour and station).
    pollutant : str
    data_thresh : float, default 0
        Minimum data capture [%] of a month.
    time : str, default "time"
    group : str, optional
        Column (e.g. ``"station"``): one series per value.

    Returns
    -------
    pandas.DataFrame
        ``[group,] month`` (month start), ``mean``, ``n`` (valid hours), ``capture`` [%].
    """
    _check(frame, [time, pollutant] + ([group] if group else []))
    if not 0 <= data_thresh <= 100:
        raise InputDataError(f"data_thresh must lie in 0–100 [%], got {data_thresh!r}")
    t = frame_times(frame, time)
    d = pd.DataFrame({"month": t.to_period("M").to_timestamp(),
                      "v": pd.to_numeric(frame[pollutant], errors="coerce").to_numpy(dtype=float)})
    keys = ["month"]
    if group:
        d.insert(0, group, frame[group].to_numpy())
        keys = [group, "month"]
    out = d.groupby(keys, sort=True)["v"].agg(mean="mean", n="count").reset_index()
    hours = pd.DatetimeIndex(out["month"]).days_in_month.to_numpy() * 24
    out["capture"] = 100.0 * out["n"].to_numpy() / hours
    out.loc[(out["capture"] < data_thresh) | (out["n"] == 0), "mean"] = np.nan
    return out


def penalised_spline(x: np.ndarray, y: np.ndarray, *, n_knots: int = 20, degree: int = 3,
                     lam: float | None = None) -> dict:
    """Penalised regression spline (P-spline, [EILERS-1996]) with the penalty chosen by GCV.

    A cubic B-spline basis on ``n_knots`` equal intervals over the range of ``x`` and a
    second-difference penalty λ·‖D₂β‖²; λ minimises the generalised cross-validation score
    n·RSS/(n − edf)² over a log grid (10⁻⁴ … 10⁶) unless given. This is the same kind of
    smoother as openair's ``fitGam`` (mgcv ``gam(y ~ s(x))``: a penalised thin-plate regression
    spline, smoothness by GCV) — a straight line is never penalised in either.

    Parameters
    ----------
    x, y : numpy.ndarray
        Abscissa (e.g. decimal year) and values; NaN ``y`` are dropped.
    n_knots : int, default 20
    degree : int, default 3
    lam : float, optional
        Fixed penalty.

    Returns
    -------
    dict
        ``fitted`` (at the valid x), ``x``, ``hat`` (n × n smoother matrix H, fitted = H y),
        ``edf`` (trace H), ``lam``, ``resid``, ``basis`` (function x → design matrix),
        ``coef_map`` (matrix giving coefficients from y).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if x.size < 5:
        raise InputDataError(f"a smooth trend needs at least 5 values, got {x.size}")
    lo, hi = x.min(), x.max()
    step = (hi - lo) / n_knots
    knots = lo + step * np.arange(-degree, n_knots + degree + 1)

    def basis(xx):
        xx = np.clip(np.asarray(xx, dtype=float), lo, hi)
        return BSpline.design_matrix(xx, knots, degree, extrapolate=True).toarray()

    X = basis(x)
    D = np.diff(np.eye(X.shape[1]), n=2, axis=0)
    P = D.T @ D
    XtX, Xty = X.T @ X, X.T @ y
    n = y.size

    def fit(lmb):
        A = np.linalg.solve(XtX + lmb * P, X.T)
        H = X @ A
        return A, H

    if lam is None:
        best = None
        for lmb in 10.0 ** np.arange(-4, 6.01, 0.25):
            A, H = fit(lmb)
            edf = np.trace(H)
            rss = float(np.sum((y - H @ y) ** 2))
            gcv = n * rss / (n - edf) ** 2
            if best is None or gcv < best[0]:
                best = (gcv, lmb)
        lam = best[1]
    A, H = fit(lam)
    fitted = H @ y
    return {"x": x, "y": y, "fitted": fitted, "hat": H, "edf": float(np.trace(H)), "lam": float(lam),
            "resid": y - fitted, "basis": basis, "coef_map": A}


def smooth_trend(
    frame: pd.DataFrame,
    pollutant: str = "pm25",
    *,
    deseason: bool = False,
    data_thresh: float = 0,
    group: str | None = None,
    conf_int: float = 0.95,
    n_boot: int = 200,
    n_knots: int = 20,
    time: str = "time",
    seed: int = 20170228,
) -> pd.DataFrame:
    """openair's ``smoothTrend``: monthly means, optionally deseasonalised, a smooth trend and
    a bootstrap band.

    Steps (openair 2.18 R/smoothTrend.R ``smoothTrend``, R/utilities.R ``fitGam``):

    1. monthly means of all hours, ``data_thresh = 0`` by default (:func:`monthly_means`);
    2. ``deseason=True``: observed − seasonal of :func:`airlib.analysis.trends.stl_decompose`
       with openair's STL settings (``s.window = 11``, ``s.degree = 1``, robust). Missing months
       are filled for the decomposition by airlib's documented rule (climatology + interpolated
       anomaly), not openair's structural time-series smoother (``StructTS``/``tsSmooth``);
       at filled months the deseasonalised value is NaN;
    3. a penalised regression spline of the monthly values on decimal year, smoothness by GCV
       (:func:`penalised_spline`) — openair fits mgcv ``gam(y ~ s(x), select = TRUE)``; the
       P-spline is the same kind of penalised-likelihood smoother available without R/mgcv
       (LOWESS was not chosen: its span is not chosen from the data and it has no hat matrix for
       the band);
    4. band: residual bootstrap with the penalty fixed — ``n_boot`` (default 200, openair's
       ``n.sim``) resamples of the residuals, rescaled by √(n/(n − edf)) for the fitting shrinkage,
       added to the fit and smoothed again; the band is the percentile interval of the refits at
       each month (openair's default band is mgcv's ±1.96 SE; its ``simulate = TRUE`` is a
       bootstrap). The residuals are resampled as independent (openair's ``autocor = FALSE``).
       Coverage at the middle month, 200 simulated linear series with white noise: 91.5–95 %
       (tests/analysis/test_time_structure.py pins 90–99 %); with AR(1) noise (φ = 0.5) only
       63 % — the band is too narrow for autocorrelated monthly anomalies (docs/analysis.md).

    Parameters
    ----------
    frame : pandas.DataFrame
        Canonical hourly frame.
    pollutant : str, default "pm25"
    deseason : bool, default False
    data_thresh : float, default 0
        Minimum monthly data capture [%].
    group : str, optional
        One trend per value of this column (e.g. ``"station"``).
    conf_int : float, default 0.95
    n_boot : int, default 200
    n_knots : int, default 20
    time : str, default "time"
    seed : int

    Returns
    -------
    pandas.DataFrame
        ``[group,] month, value`` (the monthly value fitted: mean or deseasonalised),
        ``fit, lower, upper`` (NaN where ``value`` is NaN is kept for the fit: the fit is given
        at every month in the range).
    """
    if not 0 < conf_int < 1:
        raise InputDataError(f"conf_int must lie between 0 and 1, got {conf_int!r}")
    mm = monthly_means(frame, pollutant, data_thresh=data_thresh, time=time, group=group)
    rng = np.random.default_rng(seed)
    parts = []
    for key, d in (mm.groupby(group, sort=True) if group else [(None, mm)]):
        s = d.set_index("month")["mean"]
        s = s.reindex(pd.date_range(s.index.min(), s.index.max(), freq="MS"))
        if deseason:
            if s.notna().sum() < 24:
                raise InputDataError(f"deseasonalising needs at least two years of monthly means"
                                     f"{'' if key is None else f' (group {key!r})'}; got {int(s.notna().sum())}")
            s = stl_decompose(s, seasonal=11, robust=True, seasonal_deg=1)["deseasonalised"]
        xx = decimal_year(s.index)
        if s.notna().sum() < 5:
            raise InputDataError(f"a smooth trend of {pollutant!r} needs at least 5 monthly means"
                                 f"{'' if key is None else f' (group {key!r})'}; got {int(s.notna().sum())}",
                                 column=pollutant)
        ps = penalised_spline(np.asarray(xx), s.to_numpy(), n_knots=n_knots)
        n, edf = ps["y"].size, ps["edf"]
        res = ps["resid"] * np.sqrt(n / max(n - edf, 1.0))
        res = res - res.mean()
        Xall = ps["basis"](np.asarray(xx))
        fit_all = Xall @ (ps["coef_map"] @ ps["y"])
        star = res[rng.integers(0, n, size=(int(n_boot), n))]          # (B, n) resampled residuals
        boot = (ps["fitted"][None, :] + star) @ (Xall @ ps["coef_map"]).T  # refit: (B, months)
        lo, hi = np.quantile(boot, [(1 - conf_int) / 2, (1 + conf_int) / 2], axis=0)
        part = pd.DataFrame({"month": s.index, "value": s.to_numpy(), "fit": fit_all, "lower": lo, "upper": hi})
        if group:
            part.insert(0, group, key)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def plot_smooth_trend(result: pd.DataFrame, *, group: str | None = None, pollutant: str = "pm25",
                      unit_label: str = "µg/m³", title: str = "", names: dict | None = None):
    """Monthly values, smooth trend and band of :func:`smooth_trend` (one panel per group).

    Parameters
    ----------
    result : pandas.DataFrame
    group : str, optional
        The ``group`` column used in :func:`smooth_trend`.
    pollutant, unit_label, title : str
    names : dict, optional
        Display names of the groups (e.g. station code → Chinese name).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    from airlib.plotting import use_chinese_fonts

    use_chinese_fonts()
    items = list(result.groupby(group, sort=True)) if group else [(None, result)]
    ncol = min(3, len(items))
    nrow = int(np.ceil(len(items) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.6 * ncol, 3.0 * nrow), squeeze=False, sharex=True)
    for ax, (key, d) in zip(axes.flat, items):
        ax.plot(d["month"], d["value"], "o", ms=2.5, color="tab:blue", alpha=0.7)
        ax.plot(d["month"], d["fit"], color="tab:red", lw=2)
        ax.fill_between(d["month"], d["lower"], d["upper"], color="tab:red", alpha=0.2, lw=0)
        if key is not None:
            ax.set_title(mpl_text((names or {}).get(key, key)), fontsize=9)
        ax.grid(alpha=0.3)
        ax.xaxis.set_major_locator(mdates.YearLocator())
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y年"))
    for ax in axes.flat[len(items):]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel(mpl_text(f"{_label(pollutant)}（{unit_label}）"))
    fig.suptitle(mpl_text(title) if title else "月均值的平滑趋势（阴影：自助法 95% 区间）")
    fig.tight_layout()
    return fig


def summary_table(frame: pd.DataFrame, variables: list[str] | None = None, *, time: str = "time") -> pd.DataFrame:
    """Per variable: openair ``summaryPlot``'s statistics — valid and missing count, % missing,
    min, max, mean, median and 95th percentile (R type-7 quantile = numpy linear).

    Parameters
    ----------
    frame : pandas.DataFrame
        Canonical hourly frame (a single station, or all stations pooled).
    variables : list of str, optional
        Numeric columns; default every numeric column except ``time``.
    time : str, default "time"

    Returns
    -------
    pandas.DataFrame
        Indexed by variable: ``n, missing, missing_pct`` [%], ``min, max, mean, median, p95``
        [unit of the variable].
    """
    if variables is None:
        variables = [c for c in frame.columns if c != time and pd.api.types.is_numeric_dtype(frame[c])]
    _check(frame, variables)
    if not variables:
        raise InputDataError("no numeric variables to summarise")
    v = frame[variables].apply(pd.to_numeric, errors="coerce").astype(float)
    n_total = len(v)
    out = pd.DataFrame({"n": v.count(), "missing": v.isna().sum()})
    out["missing_pct"] = 100.0 * out["missing"] / n_total if n_total else np.nan
    out["min"], out["max"], out["mean"] = v.min(), v.max(), v.mean()
    out["median"], out["p95"] = v.median(), v.quantile(0.95)
    out.index.name = "variable"
    return out


def monthly_capture(frame: pd.DataFrame, variables: list[str], *, time: str = "time") -> pd.DataFrame:
    """Data capture [%] per variable and calendar month (openair ``summaryPlot``'s top panel,
    ``period = "months"``): valid values / rows expected in the month × 100, where the rows
    expected are the hours of the month times the number of stations present in the frame.

    Parameters
    ----------
    frame : pandas.DataFrame
    variables : list of str
    time : str, default "time"

    Returns
    -------
    pandas.DataFrame
        ``variable, month`` (month start), ``valid``, ``expected``, ``capture`` [%].
    """
    _check(frame, [time, *variables])
    t = frame_times(frame, time)
    n_st = frame["station"].nunique() if "station" in frame.columns else 1
    month = t.to_period("M").to_timestamp()
    valid = frame[variables].notna().groupby(month).sum()
    full = pd.date_range(month.min(), month.max(), freq="MS")
    valid = valid.reindex(full, fill_value=0)
    valid.index.name = "month"
    out = valid.reset_index().melt(id_vars="month", var_name="variable", value_name="valid")
    out["expected"] = pd.DatetimeIndex(out["month"]).days_in_month.to_numpy() * 24 * n_st
    out["capture"] = 100.0 * out["valid"] / out["expected"]
    return out[["variable", "month", "valid", "expected", "capture"]]


def plot_summary(frame: pd.DataFrame, variables: list[str], *, time: str = "time", title: str = "", bins: int = 40,
                 clip_percentile: float = 0.99, capture_threshold: float = 75.0):
    """Two-column figure as openair's ``summaryPlot``: left, monthly data capture strip per
    variable with its summary statistics; right, the histogram of each variable.

    openair draws the hourly series with missing stretches in red and prints the capture per
    year (``period = "years"``, its default); here the capture is drawn per month (openair's
    ``period = "months"``) as bars, red below 75 % (a display threshold only).

    Parameters
    ----------
    frame : pandas.DataFrame
    variables : list of str
    time : str, default "time"
    title : str, optional
    bins : int, default 40
    clip_percentile : float, default 0.99
        The histogram leaves out values above this quantile (openair ``summaryPlot``'s
        ``percentile = 0.99``); the statistics use every value.
    capture_threshold : float, default 75
        Months below this capture [%] are drawn red — a display choice only (openair marks
        missing stretches, not a threshold); it is not a validity rule (HJ 663 rules are in
        ``airlib.standards.validity``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    from airlib.plotting import use_chinese_fonts

    use_chinese_fonts()
    stats_ = summary_table(frame, variables, time=time)
    cap = monthly_capture(frame, variables, time=time)
    fig, axes = plt.subplots(len(variables), 2, figsize=(13, 1.6 * len(variables) + 0.8), squeeze=False,
                             gridspec_kw={"width_ratios": [2.2, 1]})
    for i, v in enumerate(variables):
        c = cap[cap["variable"] == v]
        ax = axes[i, 0]
        ax.bar(c["month"], c["capture"], width=25, color=np.where(c["capture"] >= capture_threshold, "tab:green", "tab:red"))
        ax.set_ylim(0, 105)
        ax.set_ylabel(mpl_text(_label(v)), rotation=0, ha="right", va="center")
        s = stats_.loc[v]
        ax.text(0.005, 0.05, mpl_text(f"缺测 {s['missing_pct']:.1f}%  最小 {s['min']:.1f}  最大 {s['max']:.1f}  "
                                      f"均值 {s['mean']:.1f}  中位数 {s['median']:.1f}  95百分位 {s['p95']:.1f}"),
                transform=ax.transAxes, fontsize=7, bbox={"facecolor": "white", "alpha": 0.8, "lw": 0})
        h = axes[i, 1]
        vals = pd.to_numeric(frame[v], errors="coerce").dropna()
        if len(vals):
            vals = vals[vals <= vals.quantile(clip_percentile)]
        h.hist(vals, bins=bins, color="tab:blue")
        h.set_yticks([])
    axes[-1, 0].set_xlabel(f"月份（柱高：当月数据获取率 %，红色 < {capture_threshold:g}%）")
    axes[-1, 1].set_xlabel("数值分布")
    fig.suptitle(mpl_text(title) if title else "数据概况：逐月数据获取率与分布")
    fig.tight_layout()
    return fig
