"""Model evaluation and air-quality summary statistics: openair's ``modStats`` and ``aqStats``.

* :func:`model_stats` — openair ``modStats`` (R/modStats.R, functions ``N``, ``FAC2``, ``MB``,
  ``MGE``, ``NMB``, ``NMGE``, ``RMSE``, ``r``, ``COE``, ``IOA``; openair 2.19–3.1 source read,
  the definitions are unchanged between them). Same definitions, same missing-pair rule
  (``na.omit`` on the two columns), same sort order of the groups.
* :func:`aq_stats` — openair ``aqStats`` (R/aqStats.R, ``calcStats``) per pollutant, year and
  group: data capture over the whole calendar year, mean, min, max, median, percentiles of the
  hourly values (type 7), maximum daily mean (``timeAverage(avg.time = "day", data.thresh)``,
  here :func:`airlib.analysis.averaging.time_average`). openair's exceedance counts are the UK
  objectives (NO2 hours > 200, PM10 days > 50, O3 8-h > 100/120, AOT40); airlib counts instead
  the days and hours over the **GB 3095 limits in force on each date**
  (:func:`airlib.standards.limits.limits_for`), on the daily values that are valid under
  GB 3095 Table 4 / HJ 663 (:func:`airlib.standards.validity.daily_statistics`: ≥ 20 hours;
  O3 MDA8 ≥ 14 of 17 windows or over the limit). See docs/analysis.md (O4) for the mapping.

Calculations only; the figure is :func:`plot_exceedances`.

References
----------
[OPENAIR-2012] (openair source github.com/openair-project/openair, R/modStats.R,
R/aqStats.R, R/timeAverage.R, R/rollingMean.R, src/rolling.cpp); [WILLMOTT-2012] (openair's
IOA); [LEGATES-1999] (openair's COE); [GB3095-2012], [GB3095-2026] (limits);
[HYNDMAN-1996] (type-7 percentiles). docs/references.md.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from airlib.analysis.averaging import openair_rolling_mean, time_average
from airlib.errors import InputDataError
from airlib.escaping import mpl_text
from airlib.plotting import use_chinese_fonts
from airlib.pollutants import POLLUTANTS
from airlib.standards.limits import EDITIONS, LIMITS, limits_for
from airlib.standards.validity import daily_statistics, group_percentile

__all__ = ["MODEL_STATISTICS", "model_stats", "aq_stats", "plot_exceedances"]

#: The statistics of :func:`model_stats`, in openair's order (``P`` follows ``r``).
MODEL_STATISTICS: tuple[str, ...] = ("n", "FAC2", "MB", "MGE", "NMB", "NMGE", "RMSE", "r", "P", "COE", "IOA")


def _type_columns(frame: pd.DataFrame, type) -> list[str]:
    if type is None or type == "default":
        return []
    cols = [type] if isinstance(type, str) else list(type)
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise InputDataError(
            f"grouping column(s) {missing} not in the frame (columns: {list(frame.columns)}); "
            "add the column first (e.g. a year or season column) or pass type=None",
            column=missing[0],
        )
    return cols


def _numeric(frame: pd.DataFrame, column: str) -> np.ndarray:
    if column not in frame.columns:
        raise InputDataError(f"column {column!r} not in the frame (columns: {list(frame.columns)})",
                             column=column)
    try:
        return pd.to_numeric(frame[column], errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
    except (ValueError, TypeError) as exc:
        raise InputDataError(f"column {column!r} must be numeric: {exc}", column=column) from None


def model_stats(frame: pd.DataFrame, obs: str = "obs", mod: str = "mod",
                type: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Model evaluation statistics of ``mod`` against ``obs``, openair's ``modStats``.

    Rows where ``obs`` or ``mod`` is missing are dropped first (openair: ``na.omit`` of the two
    columns), then per group (``type``), with Mᵢ the modelled and Oᵢ the observed values:

    * ``n`` — number of pairs;
    * ``FAC2`` — share of pairs with 0.5 ≤ Mᵢ/Oᵢ ≤ 2; ratios 0/0 are dropped from the
      denominator, ratios x/0 (±inf) kept (openair ``FAC2``: ``na.omit(ratio)``);
    * ``MB`` = mean(M − O); ``MGE`` = mean|M − O|;
    * ``NMB`` = Σ(M − O)/ΣO; ``NMGE`` = Σ|M − O|/ΣO (fractions, not %);
    * ``RMSE`` = √mean((M − O)²);
    * ``r`` — Pearson correlation; ``P`` — its two-sided p-value (t test with n − 2 degrees
      of freedom, as R's ``cor.test``); NaN when n < 3 or either series is constant;
    * ``COE`` = 1 − Σ|M − O| / Σ|O − Ō| (Legates & McCabe, openair ``COE``);
    * ``IOA`` — Willmott et al. (2012) refined index d_r (c = 2): with A = Σ|M − O| and
      B = 2 Σ|O − Ō|, d_r = 1 − A/B if A ≤ B, else B/A − 1 (openair ``IOA``).

    Parameters
    ----------
    frame : pandas.DataFrame
        Paired values, any unit (the same for both columns).
    obs, mod : str, default "obs", "mod"
        Column names of the observed and modelled values [unit of the data].
    type : str or sequence of str, optional
        Grouping column(s) (openair ``type``); ``None`` or ``"default"``: the whole frame.
        Rows whose group value is missing are left out.

    Returns
    -------
    pandas.DataFrame
        One row per group, sorted by the group columns (openair ``sortDataFrame``): the group
        columns then :data:`MODEL_STATISTICS`. ``MB``, ``MGE``, ``RMSE`` in the unit of the
        data; ``NMB``, ``NMGE``, ``FAC2`` fractions; ``r``, ``COE``, ``IOA`` dimensionless.
        A group whose pairs are all missing has ``n`` = 0 and NaN statistics.
    """
    cols = _type_columns(frame, type)
    o, m = _numeric(frame, obs), _numeric(frame, mod)
    if cols:
        codes, keys = _group_codes(frame, cols)
    else:
        codes, keys = np.zeros(len(frame), dtype=np.int64), pd.DataFrame(index=[0])
    keep = ~np.isnan(o) & ~np.isnan(m) & (codes >= 0)
    o, m, g = o[keep], m[keep], codes[keep]
    k = len(keys)

    def s(x):
        return np.bincount(g, weights=x, minlength=k)

    n = np.bincount(g, minlength=k).astype(np.float64)
    d = m - o
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = m / o
        ok_ratio = ~np.isnan(ratio)
        fac = ok_ratio & (ratio >= 0.5) & (ratio <= 2)
        n_ratio = s(ok_ratio.astype(np.float64))
        fac2 = np.where(n_ratio > 0, s(fac.astype(np.float64)) / n_ratio, np.nan)
        mb = s(d) / n
        mge = s(np.abs(d)) / n
        nmb = s(d) / s(o)
        nmge = s(np.abs(d)) / s(o)
        rmse = np.sqrt(s(d * d) / n)
        om = (s(o) / n)[g]
        mm = (s(m) / n)[g]
        do, dm = o - om, m - mm
        sxy, sxx, syy = s(do * dm), s(do * do), s(dm * dm)
        r = sxy / np.sqrt(sxx * syy)
        r = np.where((n >= 3) & (sxx > 0) & (syy > 0), np.clip(r, -1.0, 1.0), np.nan)
        df = n - 2
        t = r * np.sqrt(df / (1.0 - r * r))
        p = np.where(np.isnan(r), np.nan, 2.0 * stats.t.sf(np.abs(t), np.maximum(df, 1)))
        lhs = s(np.abs(d))
        rhs0 = s(np.abs(do))
        coe = 1.0 - lhs / rhs0
        rhs = 2.0 * rhs0
        ioa = np.where(lhs <= rhs, 1.0 - lhs / rhs, rhs / lhs - 1.0)
    empty = n == 0
    values = {"n": n, "FAC2": fac2, "MB": mb, "MGE": mge, "NMB": nmb, "NMGE": nmge, "RMSE": rmse,
              "r": r, "P": p, "COE": coe, "IOA": ioa}
    out = keys.reset_index(drop=True).copy()
    for name, v in values.items():
        v = np.where(empty, np.nan, v) if name != "n" else v
        out[name] = v
    out["n"] = out["n"].astype(np.int64)
    if cols:
        out = out.sort_values(cols, kind="stable").reset_index(drop=True)
    return out


def _group_codes(frame: pd.DataFrame, cols: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Integer code per row (−1 where a key is missing) and the key table, sorted."""
    grouped = frame[cols].groupby(cols, sort=True, dropna=True, observed=True)
    codes = grouped.ngroup().to_numpy(dtype=np.float64)
    codes = np.where(np.isnan(codes), -1, codes).astype(np.int64)
    keys = grouped.size().index.to_frame(index=False)[cols]
    return codes, keys


# --------------------------------------------------------------------------------------------
# aq_stats
# --------------------------------------------------------------------------------------------
def _limit_averagings(pollutant: str) -> list[str]:
    """Short-term GB 3095 averagings that have a limit for ``pollutant`` (from the limits table)."""
    return [a for a in ("24h", "8h", "1h") if (pollutant, a) in LIMITS[EDITIONS[0]]]


def aq_stats(frame: pd.DataFrame, pollutants: str | Sequence[str] = ("pm25",), *,
             type: str | Sequence[str] | None = "station", data_thresh: float = 0.0,
             percentile: Sequence[float] = (95.0, 99.0), grade: int = 2) -> pd.DataFrame:
    """Annual air-quality statistics per group, pollutant and year (openair ``aqStats``), with
    the days and hours over the GB 3095 limits of the date.

    openair part (R/aqStats.R ``calcStats``; hourly data padded to whole calendar years):

    * ``dat_cap`` [%] — non-missing hours / hours of the calendar year × 100 (the year is
      padded from 1 January 00:00 to 31 December 23:00, so a part-year has a low capture);
    * ``mean``, ``min``, ``max``, ``median`` of the hourly values;
    * ``percentile_<p>`` — type-7 percentiles of the hourly values (``stats::quantile``;
      here :func:`airlib.standards.validity.group_percentile`);
    * ``roll_8_max``, ``roll_24_max`` — largest 8-hour and 24-hour rolling mean of the year,
      openair ``rollingMean`` (centred window, ends included, ``data.thresh``;
      :func:`airlib.analysis.averaging.openair_rolling_mean`) on the padded year; NaN (openair:
      −Inf) for a year without values;
    * ``max_daily`` — largest daily mean, daily means by ``timeAverage(avg.time = "day",
      data.thresh)`` (:func:`airlib.analysis.averaging.time_average` with ``data_thresh``);
    * all of these (not the counts) are NaN when ``dat_cap`` < ``data_thresh``.

    GB 3095 part (replaces openair's UK objective counts; docs/analysis.md O4):

    * ``days_valid`` — valid daily values of the year (GB 3095 Table 4 / HJ 663, for O3 the
      MDA8), from :func:`airlib.standards.validity.daily_statistics`;
    * ``days_over_24h`` — valid daily means > the 24-hour limit in force on that day (PM2.5,
      PM10, SO2, NO2, CO); ``days_over_8h`` — valid MDA8 > the O3 8-hour limit;
    * ``hours_over_1h`` — hourly values > the 1-hour limit in force (SO2, NO2, CO, O3).
    * Columns that do not apply to a pollutant are NaN (e.g. PM2.5 has no 1-hour limit).

    "Over" is strictly greater (a daily mean of exactly 75 µg/m³ meets the PM2.5 limit).

    Parameters
    ----------
    frame : pandas.DataFrame [µg/m³; CO mg/m³]
        Canonical hourly frame: ``station``, ``time`` (hour-beginning, Beijing time) and the
        pollutant columns.
    pollutants : str or sequence of str, default ("pm25",)
        Pollutant columns (of ``airlib.pollutants.POLLUTANTS``).
    type : str or sequence of str or None, default "station"
        Grouping column(s) besides pollutant and year; ``None`` pools all rows (only sensible
        for one station: the GB daily values are still computed per station).
    data_thresh : float [%], default 0
        openair's ``data.thresh`` (0–100).
    percentile : sequence of float [%], default (95, 99)
        openair's ``percentile``.
    grade : {1, 2}, default 2
        GB 3095 grade of the limits (二级 for Beijing's urban and rural areas).

    Returns
    -------
    pandas.DataFrame [µg/m³; CO mg/m³; %; days; hours]
        One row per group, pollutant and year with data: group columns, ``pollutant``,
        ``year``, ``date`` (1 January), ``dat_cap``, ``mean``, ``min``, ``max``, ``median``,
        ``max_daily``, ``roll_8_max``, ``roll_24_max``, ``percentile_<p>`` …, ``days_valid``, ``days_over_24h``,
        ``days_over_8h``, ``hours_over_1h``.
    """
    pols = [pollutants] if isinstance(pollutants, str) else list(pollutants)
    unknown = [p for p in pols if p not in POLLUTANTS]
    if unknown:
        raise InputDataError(f"unknown pollutant(s) {unknown}; known: {list(POLLUTANTS)}")
    for c in ("station", "time", *pols):
        if c not in frame.columns:
            raise InputDataError(f"column {c!r} not in the hourly frame (columns: {list(frame.columns)})",
                                 column=c)
    try:
        in_range = 0 <= float(data_thresh) <= 100
    except (TypeError, ValueError):
        in_range = False
    if not in_range:
        raise InputDataError(f"data_thresh must be a percentage within 0..100, got {data_thresh!r}")
    cols = _type_columns(frame, type)
    # time_average needs a grouping column: pool all rows under one constant key for type=None
    gcols = cols if cols else ["_all"]
    work = frame.assign(_all=0) if not cols else frame
    t = pd.to_datetime(frame["time"]).reset_index(drop=True)
    year = t.to_numpy("datetime64[ns]").astype("datetime64[Y]").astype(np.int64) + 1970
    base = frame[cols].reset_index(drop=True).copy() if cols else pd.DataFrame(index=range(len(frame)))
    base["year"] = year
    codes, keys = _group_codes(base, [*cols, "year"])
    k = len(keys)
    yk = keys["year"].to_numpy(np.int64)
    leap = ((yk % 4 == 0) & (yk % 100 != 0)) | (yk % 400 == 0)
    hours_in_year = np.where(leap, 8784, 8760)
    pcts = [float(p) for p in percentile]
    # each group-year padded to its whole calendar year (openair calcStats: datePad)
    rows = codes >= 0
    gcode = np.where(rows, codes, 0)
    ystart = t.to_numpy("datetime64[ns]").astype("datetime64[Y]").astype("datetime64[ns]")
    hour = ((t.to_numpy("datetime64[ns]") - ystart) // np.timedelta64(1, "h")).astype(np.int64)
    position = (np.cumsum(hours_in_year) - hours_in_year)[codes[rows]] + hour[rows]
    if len(np.unique(position)) != len(position):
        dup = int(np.flatnonzero(pd.Series(position).duplicated().to_numpy())[0])
        raise InputDataError(f"duplicate hour in one group ({[*cols, 'year']}) at time "
                             f"{t[rows].iloc[dup]}; aq_stats needs one row per group and hour",
                             row=int(np.flatnonzero(rows)[dup]), column="time")
    daily_all = daily_statistics(frame, pollutants=pols)
    tables = []
    for p in pols:
        x = np.where(rows, _numeric(frame, p), np.nan)  # rows with a missing group key left out
        ok = ~np.isnan(x)
        nvalid = np.bincount(gcode[ok], minlength=k)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.bincount(gcode[ok], weights=x[ok], minlength=k) / nvalid
        xs = pd.Series(x)
        gb = xs.groupby(gcode)
        mn = gb.min().reindex(range(k)).to_numpy()
        mx = gb.max().reindex(range(k)).to_numpy()
        pc = group_percentile(x, gcode, [50.0, *pcts], ngroups=k)
        out = keys.copy()
        out.insert(len(cols), "pollutant", p)
        out["date"] = pd.to_datetime(out["year"].astype(str) + "-01-01")
        out["dat_cap"] = 100.0 * nvalid / hours_in_year
        out["mean"], out["min"], out["max"], out["median"] = mean, mn, mx, pc[:, 0]
        # largest daily mean, daily means by openair's timeAverage rule
        day = time_average(work, "day", data_thresh=data_thresh, pollutants=[p], type=gcols, pad="period")
        day["year"] = day["time"].dt.year
        md = day.groupby([*gcols, "year"], dropna=True)[p].max().rename("max_daily").reset_index()
        out = out.merge(md.drop(columns=[c for c in gcols if c not in cols]), on=[*cols, "year"], how="left")
        padded = np.full(int(hours_in_year.sum()), np.nan)
        padded[position] = x[rows]
        for width in (8, 24):
            roll = openair_rolling_mean(padded, width, data_thresh, "centre", segments=hours_in_year)
            seg = np.repeat(np.arange(k), hours_in_year)
            out[f"roll_{width}_max"] = pd.Series(roll).groupby(seg).max().reindex(range(k)).to_numpy()
        for j, q in enumerate(pcts):
            out[f"percentile_{q:g}"] = pc[:, j + 1]
        masked = out["dat_cap"].to_numpy() < float(data_thresh)
        for c in ("mean", "min", "max", "median", "max_daily", "roll_8_max", "roll_24_max",
                  *[f"percentile_{q:g}" for q in pcts]):
            out.loc[masked, c] = np.nan
        out = out.join(_gb_counts(frame, daily_all, p, cols, grade, keys), how="left")
        tables.append(out)
    res = pd.concat(tables, ignore_index=True)
    res = res.sort_values([*cols, "pollutant", "year"], kind="stable").reset_index(drop=True)
    for c in ("days_valid", "days_over_24h", "days_over_8h", "hours_over_1h"):
        res[c] = res[c].astype("Float64").astype(np.float64)
    return res


def _gb_counts(frame: pd.DataFrame, daily: pd.DataFrame, p: str, cols: list[str], grade: int,
               keys: pd.DataFrame) -> pd.DataFrame:
    """Valid days and days/hours over the GB 3095 limits of the date, aligned with ``keys``."""
    avgs = _limit_averagings(p)
    dcol = "o3_8h" if p == "o3" else p
    # group columns of the daily frame: station-level columns carried from the hourly frame
    extra = [c for c in cols if c != "station"]
    d = daily[["station", "date", dcol, f"{dcol}_valid"]]
    if extra:
        lut = frame[["station", *extra]].drop_duplicates("station")
        if len(lut) != frame[["station", *extra]].drop_duplicates().shape[0]:
            raise InputDataError(f"grouping column(s) {extra} vary within a station; the GB daily values "
                                 "are per station, so aq_stats can group only by station-level columns",
                                 column=extra[0])
        d = d.merge(lut, on="station", how="left")
    d = d.assign(year=d["date"].dt.year)
    valid = d[f"{dcol}_valid"].to_numpy(dtype=bool)
    res = pd.DataFrame(index=keys.index)
    key_cols = [*cols, "year"]
    dv = d.loc[valid].groupby(key_cols).size().rename("days_valid")
    counts = [dv]
    if "24h" in avgs or "8h" in avgs:
        avg = "24h" if "24h" in avgs else "8h"
        lim = limits_for(d["date"], p, avg, grade=grade).to_numpy()
        over = valid & (d[dcol].to_numpy() > lim)
        counts.append(d.loc[over].groupby(key_cols).size().rename(f"days_over_{avg}"))
    if "1h" in avgs:
        x = _numeric(frame, p)
        lim1 = limits_for(pd.to_datetime(frame["time"]), p, "1h", grade=grade).to_numpy()
        over1 = ~np.isnan(x) & (x > lim1)
        h = frame.loc[over1, cols].copy() if cols else pd.DataFrame(index=frame.index[over1])
        h["year"] = pd.to_datetime(frame.loc[over1, "time"]).dt.year.to_numpy()
        counts.append(h.groupby(key_cols).size().rename("hours_over_1h"))
    merged = keys.copy()
    for c in counts:
        merged = merged.merge(c.reset_index(), on=key_cols, how="left")
        merged[c.name] = merged[c.name].fillna(0)
    for c in ("days_valid", "days_over_24h", "days_over_8h", "hours_over_1h"):
        res[c] = merged[c].to_numpy() if c in merged.columns else np.nan
    return res


def plot_exceedances(table: pd.DataFrame, *, column: str = "days_over_24h", unit: str = "station",
                     title: str = "", ax=None):
    """Bar chart of GB 3095 exceedance counts per unit and year from :func:`aq_stats`.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`aq_stats` for one pollutant.
    column : str, default "days_over_24h"
        Count column to draw [days or hours].
    unit : str, default "station"
        Unit column (bars grouped by year within each unit).
    title : str
        Figure title (escaped with :func:`airlib.escaping.mpl_text`).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    use_chinese_fonts()
    if table["pollutant"].nunique() > 1:
        raise InputDataError("plot_exceedances draws one pollutant; filter the aq_stats table first",
                             column="pollutant")
    wide = table.pivot(index=unit, columns="year", values=column)
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 4))
    else:
        fig = ax.figure
    width = 0.8 / max(len(wide.columns), 1)
    xs = np.arange(len(wide.index))
    for j, y in enumerate(wide.columns):
        ax.bar(xs + j * width, wide[y].to_numpy(dtype=float), width, label=mpl_text(f"{y}年"))
    ax.set_xticks(xs + 0.4 - width / 2)
    ax.set_xticklabels([mpl_text(v) for v in wide.index], rotation=45, ha="right")
    label = {"days_over_24h": "超标天数（日均值）", "days_over_8h": "超标天数（8小时）",
             "hours_over_1h": "超标小时数（1小时）"}.get(column, column)
    ax.set_ylabel(mpl_text(label))
    ax.set_title(mpl_text(title))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig
