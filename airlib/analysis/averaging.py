"""Time averages of the hourly frame: the HJ 663 validity rules (default) or openair's
``data.thresh`` capture rule.

Two rules for when a period's average exists:

* **HJ 663 / GB 3095 Table 4** (``data_thresh=None``, the bureau default): a daily mean needs
  ≥ 20 valid hours, a monthly mean ≥ 27 valid daily means (25 in February), an annual mean
  ≥ 324 valid days and every month valid; the monthly and annual means are means of the valid
  daily means; O3 is averaged as the MDA8. One implementation:
  :mod:`airlib.standards.validity` (this function only calls it).
* **openair** ``timeAverage(avg.time, data.thresh)`` (R/timeAverage.R, ``calc.mean``): the
  hourly values of the period are averaged directly, and the result is kept only when the
  share of missing hours is ≤ 1 − data.thresh/100 — exactly openair's test
  ``sum(is.na(x)) / length(x) <= 1 - data.thresh`` (so 75 % capture is kept at
  ``data_thresh=75``, 74.9 % is not). ``data_thresh=0`` keeps any period with at least one
  value. openair pads the series (``date.pad``) from the first to the last time of each group
  before counting, so the first and last period count only the hours inside the data's span;
  ``pad="period"`` counts every hour of the period instead (what ``aqStats`` does by padding to
  whole years).

The two rules give different numbers by design: a month of 20 complete days and 10 empty ones
has an openair mean at ``data_thresh ≤ 66.7`` but no HJ 663 mean (20 < 27 valid days); and the
openair monthly mean weights days by their valid hours, the HJ 663 mean weights valid days
equally. docs/analysis.md (O4).

References
----------
[OPENAIR-2012] (R/timeAverage.R, R/rollingMean.R, src/rolling.cpp); [HJ663-2013],
[GB3095-2012] (docs/references.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.pollutants import POLLUTANTS
from airlib.standards.validity import annual_statistics, daily_statistics, monthly_statistics

__all__ = ["AVG_TIMES", "STATISTICS", "time_average", "openair_rolling_mean"]

#: Averaging periods and their numpy period unit.
AVG_TIMES: dict[str, str] = {"day": "D", "month": "M", "year": "Y"}
#: Statistics of the openair rule (openair names; ``"frequency"`` = number of valid hours).
STATISTICS: tuple[str, ...] = ("mean", "median", "max", "min", "sum", "sd", "frequency")
_AGG = {"mean": "mean", "median": "median", "max": "max", "min": "min", "sum": "sum", "sd": "std",
        "frequency": "count"}
_HOUR = np.timedelta64(1, "h")


def time_average(frame: pd.DataFrame, avg_time: str = "day", data_thresh: float | None = None,
                 statistic: str = "mean", *, pollutants: Sequence[str] | None = None,
                 type: str | Sequence[str] = "station", pad: str = "data") -> pd.DataFrame:
    """Average the hourly frame to days, months or years.

    Parameters
    ----------
    frame : pandas.DataFrame [µg/m³; CO mg/m³]
        Canonical hourly frame: ``station``, ``time`` (hour-beginning naive Beijing time, one
        row per hour at most) and value columns.
    avg_time : {"day", "month", "year"}
        Averaging period (calendar day, month, year of Beijing time).
    data_thresh : float [%] or None, default None
        ``None``: the HJ 663 / GB 3095 Table 4 validity rules (see the module docstring).
        A number in 0..100: openair's ``data.thresh`` rule.
    statistic : str, default "mean"
        openair's statistic (:data:`STATISTICS`; ``sd`` with n − 1 as R's ``sd``). The HJ 663
        rule has means only.
    pollutants : sequence of str, optional
        Value columns. Default: the pollutant columns of ``frame``. With ``data_thresh`` any
        numeric column may be given (e.g. ``temp``).
    type : str or sequence of str, default "station"
        Grouping columns of the openair rule (openair ``type``); the HJ 663 rule is per station.
    pad : {"data", "period"}, default "data"
        openair rule only: which hours count as expected — those of the period within the
        group's first..last time (``"data"``, openair ``timeAverage``) or all hours of the
        period (``"period"``, openair ``aqStats``).

    Returns
    -------
    pandas.DataFrame [unit of the values]
        openair rule: group columns, ``time`` (period start), and per value column ``c`` the
        statistic (NaN where the period fails the threshold) and ``c_capture`` [%], the share
        of expected hours with a value. HJ 663 rule: the frame of
        :func:`~airlib.standards.validity.daily_statistics`, :func:`monthly_statistics` or
        :func:`annual_statistics` with its period column renamed ``time`` (annual: a ``time``
        column, 1 January, is added before ``year``).

    Raises
    ------
    InputDataError
        Unknown ``avg_time``/``statistic``/``pad``, ``data_thresh`` outside 0..100, a missing
        column, or duplicate rows of a group and hour.
    """
    if avg_time not in AVG_TIMES:
        raise InputDataError(f"avg_time must be one of {list(AVG_TIMES)}, got {avg_time!r}")
    if pollutants is None:
        pollutants = [p for p in POLLUTANTS if p in frame.columns]
    pollutants = list(pollutants)
    if data_thresh is None:
        if (type if isinstance(type, str) else list(type)) not in ("station", ["station"]):
            raise InputDataError(f"the HJ 663 rules average per station; type={type!r} needs openair's rule: "
                                 "pass data_thresh (e.g. data_thresh=75)")
        return _hj663(frame, avg_time, statistic, pollutants)
    try:
        thresh = float(data_thresh)
    except (TypeError, ValueError):
        raise InputDataError(f"data_thresh must be a percentage 0..100 or None, got {data_thresh!r}") from None
    if not 0 <= thresh <= 100:
        raise InputDataError(f"data_thresh must be within 0..100 [%], got {data_thresh}")
    if statistic not in STATISTICS:
        raise InputDataError(f"statistic must be one of {list(STATISTICS)}, got {statistic!r}")
    if pad not in ("data", "period"):
        raise InputDataError(f"pad must be 'data' or 'period', got {pad!r}")
    cols = [type] if isinstance(type, str) else list(type)
    for c in ("time", *cols, *pollutants):
        if c not in frame.columns:
            raise InputDataError(f"column {c!r} not in the hourly frame (columns: {list(frame.columns)})",
                                 column=c)
    if frame.duplicated([*cols, "time"]).any():
        row = int(np.flatnonzero(frame.duplicated([*cols, "time"]).to_numpy())[0])
        raise InputDataError(f"duplicate hour for the same {cols} (time {frame['time'].iloc[row]}); "
                             "remove duplicates before averaging", row=row, column="time")
    t = pd.to_datetime(frame["time"]).to_numpy("datetime64[ns]")
    unit = AVG_TIMES[avg_time]
    keys = frame[cols].reset_index(drop=True).copy()
    keys["time"] = t.astype(f"datetime64[{unit}]").astype("datetime64[ns]")
    grouped = keys.groupby([*cols, "time"], sort=True, dropna=True, observed=True)
    codes = grouped.ngroup().to_numpy()
    rows = codes >= 0  # rows with a missing group key are left out
    codes, t = codes[rows], t[rows]
    out = grouped.size().reset_index().drop(columns=0)
    p0 = out["time"].to_numpy("datetime64[ns]")
    p1 = (out["time"].to_numpy(f"datetime64[{unit}]") + 1).astype("datetime64[ns]")
    if pad == "data":
        # openair date.pad: the expected hours run from the group's first to its last time
        by = [keys.loc[rows, c].to_numpy() for c in cols]
        ts = pd.Series(t)
        first = np.empty(len(out), dtype="datetime64[ns]")
        last = np.empty(len(out), dtype="datetime64[ns]")
        first[codes] = ts.groupby(by).transform("min").to_numpy()
        last[codes] = ts.groupby(by).transform("max").to_numpy()
        lo, hi = np.maximum(p0, first), np.minimum(p1, last + _HOUR)
    else:
        lo, hi = p0, p1
    expected = ((hi - lo) / _HOUR).astype(np.float64)
    for p in pollutants:
        x = _values(frame, p)[rows]
        xs = pd.Series(x)
        nvalid = np.bincount(codes, weights=~np.isnan(x), minlength=len(out))
        value = xs.groupby(codes).agg(_AGG[statistic]).to_numpy(dtype=np.float64)
        if statistic == "frequency":
            value = nvalid.astype(np.float64)
        else:
            value = np.where(nvalid > 0, value, np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            missing_share = (expected - nvalid) / expected
        keep = nvalid > 0 if thresh == 0 else missing_share <= 1 - thresh / 100
        out[p] = np.where(keep, value, np.nan)
        out[f"{p}_capture"] = 100.0 * nvalid / expected
    return out


def openair_rolling_mean(values, width: int, data_thresh: float = 75.0, align: str = "centre",
                         segments=None) -> np.ndarray:
    """openair's ``rollingMean`` on an evenly spaced (padded) series, ends included.

    Transcribes the rule of openair's C++ ``rollMean`` (src/rolling.cpp, called by
    R/rollingMean.R) into array operations — not airlib's HJ 663 trailing 8-hour O3 mean
    (:func:`airlib.standards.validity.rolling_8h`), which is a different rule. With
    ``h = ⌊width/2⌋`` and local position j in a series of length n:

    * ``align="centre"`` (openair's default): window j − (width − 1 − h) … j + h; positions
      j ≤ h use the partial window 0 … j, positions j ≥ n − h the partial window j … n − 1;
    * ``"right"``: window j − width + 1 … j (partial 0 … j for j < width − 1);
    * ``"left"``: window j … j + width − 1 (partial j … n − 1 for j ≥ n − width).

    The value is the mean of the valid values of the window; it is NaN when
    ``1 − m/width < data_thresh/100``, m being the missing values of the window plus, for the
    partial windows, openair's allowance for the absent positions (``h − j + 1`` at the start,
    ``j − (n − h) + 1`` at the end for the centred window; ``width − 1 − j`` and
    ``j − (n − width) + 1`` for right and left) — openair's ``ends()``, kept as it is.

    Parameters
    ----------
    values : array-like of float [any unit]
        The series, already padded to every time step (missing = NaN).
    width : int [steps]
        Window width (openair ``width``; < 1 is taken as 1).
    data_thresh : float [%], default 75
        openair ``data.thresh``.
    align : {"centre", "center", "left", "right"}
    segments : array-like of int, optional
        Lengths of consecutive independent series in ``values`` (openair runs per group and,
        in ``aqStats``, per year); default one series. A series shorter than ``width`` gets NaN
        (openair returns it without the rolling column).

    Returns
    -------
    numpy.ndarray of float64 [unit of ``values``]
    """
    x = np.asarray(values, dtype=np.float64)
    w = max(int(width), 1)
    if align not in ("centre", "center", "left", "right"):
        raise InputDataError(f"align must be 'centre', 'left' or 'right', got {align!r}")
    if not 0 <= float(data_thresh) <= 100:
        raise InputDataError(f"data_thresh must be within 0..100 [%], got {data_thresh}")
    seg = np.array([len(x)] if segments is None else segments, dtype=np.int64)
    if seg.sum() != len(x):
        raise InputDataError(f"segments sum to {int(seg.sum())}, not the {len(x)} values")
    n = np.repeat(seg, seg)
    off = np.repeat(np.cumsum(seg) - seg, seg)
    j = np.arange(len(x)) - off
    h = w // 2
    if align in ("centre", "center"):
        start_main, end_main = j - (w - 1 - h), j + h
        head, tail = j <= h, j >= n - h
        init = np.where(head, h - j + 1, np.where(tail, j - (n - h) + 1, 0))
    elif align == "right":
        start_main, end_main = j - w + 1, j
        head, tail = j <= w - 2, np.zeros(len(x), dtype=bool)
        init = np.where(head, w - 1 - j, 0)
    else:
        start_main, end_main = j, j + w - 1
        head, tail = np.zeros(len(x), dtype=bool), j >= n - w
        init = np.where(tail, j - (n - w) + 1, 0)
    head = head & ~tail  # openair runs the end loops after the main loop, the tail one last
    a = np.where(head, 0, np.where(tail, j, start_main))
    b = np.where(tail, n - 1, np.where(head, j, end_main))
    ok = ~np.isnan(x)
    cs = np.concatenate([[0.0], np.cumsum(np.where(ok, x, 0.0))])
    cn = np.concatenate([[0], np.cumsum(ok)])
    lo, hi = off + a, off + b + 1
    total, nv = cs[hi] - cs[lo], cn[hi] - cn[lo]
    missing = init + (b - a + 1) - nv
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(nv > 0, total / nv, np.nan)
    out[1 - missing / w < float(data_thresh) / 100] = np.nan
    out[n < w] = np.nan
    return out


def _values(frame: pd.DataFrame, column: str) -> np.ndarray:
    try:
        return pd.to_numeric(frame[column], errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
    except (ValueError, TypeError) as exc:
        raise InputDataError(f"column {column!r} must be numeric: {exc}", column=column) from None


def _hj663(frame: pd.DataFrame, avg_time: str, statistic: str, pollutants: list[str]) -> pd.DataFrame:
    if statistic != "mean":
        raise InputDataError(f"the HJ 663 rules define means only; statistic={statistic!r} needs "
                             "openair's rule: pass data_thresh (e.g. data_thresh=75)")
    daily = daily_statistics(frame, pollutants=pollutants)
    if avg_time == "day":
        return daily.rename(columns={"date": "time"})
    if avg_time == "month":
        return monthly_statistics(daily).rename(columns={"month": "time"})
    out = annual_statistics(daily)
    out.insert(out.columns.get_loc("year"), "time", pd.to_datetime(out["year"].astype(str) + "-01-01"))
    return out
