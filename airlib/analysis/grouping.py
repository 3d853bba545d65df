"""openair's ``type`` grouping: :func:`cut_data` adds a conditioning column to the hourly frame.

openair conditions almost every plot on ``type`` through ``cutData`` (openair R/cutData.R,
function ``cutData``). The built-in types implemented here follow its rules:

- ``"default"``: one level, ``"全部"`` (openair ``"all data"``);
- ``"year"``, ``"month"`` (1–12), ``"hour"`` (0–23), ``"monthyear"`` (``"2015-01"``);
- ``"weekday"`` (周一 … 周日, ordered Monday first as openair's ``start.day = 1``);
- ``"weekend"`` (工作日 / 周末 — Saturday and Sunday);
- ``"season"``: northern hemisphere, openair's months: 春季 MAM, 夏季 JJA, 秋季 SON, 冬季 DJF
  (openair labels ``"spring (MAM)"`` …; December belongs to the winter of its own year label as in
  openair, which does not shift December to the next year);
- any other column: a numeric column is cut into ``n_levels`` (default 4, openair's
  ``n.levels``) quantile intervals (openair ``cutData``: ``quantile(x, probs = seq(0, 1,
  length = n.levels + 1))``, ``cut(..., include.lowest = TRUE)``); a non-numeric column is used
  as it is.

Not implemented: ``"daylight"`` (needs openair's solar-position rule) and ``"dst"``; both raise
:class:`~airlib.errors.InputDataError` naming the type.

The times are hour-beginning Beijing time (the canonical frame), so no time-zone conversion is
applied (openair works in GMT unless ``local.tz`` is given).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from airlib.errors import InputDataError

__all__ = ["WEEKDAY_LEVELS", "SEASON_LEVELS", "TYPE_LABELS_ZH", "frame_times", "cut_data"]

WEEKDAY_LEVELS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
SEASON_LEVELS = ("春季", "夏季", "秋季", "冬季")
_SEASON_OF_MONTH = {3: "春季", 4: "春季", 5: "春季", 6: "夏季", 7: "夏季", 8: "夏季",
                    9: "秋季", 10: "秋季", 11: "秋季", 12: "冬季", 1: "冬季", 2: "冬季"}
#: Chinese axis/legend names of the built-in types.
TYPE_LABELS_ZH = {"default": "全部", "year": "年份", "month": "月份", "hour": "小时", "monthyear": "年月",
                  "weekday": "星期", "weekend": "工作日/周末", "season": "季节"}


def frame_times(frame: pd.DataFrame, time: str = "time") -> pd.DatetimeIndex:
    """The time column of the canonical frame, checked: present, datetime, no missing values.

    Parameters
    ----------
    frame : pandas.DataFrame
    time : str, default "time"
        Time column (hour-beginning Beijing time).

    Returns
    -------
    pandas.DatetimeIndex
        In row order.

    Raises
    ------
    InputDataError
        Naming the column and the first rows with a missing time; text times are refused with the
        advice to read the data through ``airlib.io.ingest`` (which parses and checks them).
    """
    if time not in frame.columns:
        raise InputDataError(f"missing column {time!r} (the hourly frame's time)", column=time)
    col = frame[time]
    if not pd.api.types.is_datetime64_any_dtype(col.dtype):
        raise InputDataError(f"holds {col.dtype} values, not times; read the data with "
                             "airlib.io.ingest (it parses and checks the times) or convert with pandas.to_datetime",
                             column=time)
    t = pd.DatetimeIndex(col)
    bad = np.flatnonzero(t.isna())
    if bad.size:
        raise InputDataError(f"{bad.size} missing time(s), first at row position(s) "
                             f"{bad[:5].tolist()}; drop or fill these rows first", column=time)
    return t


def cut_data(frame: pd.DataFrame, type: str = "default", *, time: str = "time", n_levels: int = 4) -> pd.Series:
    """The conditioning variable of openair's ``type`` for each row (openair R/cutData.R ``cutData``).

    Parameters
    ----------
    frame : pandas.DataFrame
        Canonical hourly frame (``time`` hour-beginning Beijing time) or any frame with the column
        named by ``type``.
    type : str, default "default"
        A built-in type (module docstring) or a column of ``frame``.
    time : str, default "time"
        Time column.
    n_levels : int, default 4
        Quantile intervals for a numeric column (openair ``n.levels``).

    Returns
    -------
    pandas.Series
        Categorical (ordered for built-in types), same index as ``frame``, named ``type``.
    """
    if type in ("daylight", "dst"):
        raise InputDataError(f"type {type!r} is not implemented in airlib (openair cutData needs the solar "
                             "position / time-zone rules); use a column of your own instead")
    builtin = {"default", "year", "month", "hour", "monthyear", "weekday", "weekend", "season"}
    if type in builtin and type != "default":
        t = frame_times(frame, time)
    if type == "default":
        vals, levels = np.full(len(frame), "全部", dtype=object), ["全部"]
    elif type == "year":
        vals = t.year.to_numpy()
        levels = sorted(set(vals.tolist()))
    elif type == "month":
        vals, levels = t.month.to_numpy(), list(range(1, 13))
    elif type == "hour":
        vals, levels = t.hour.to_numpy(), list(range(24))
    elif type == "monthyear":
        vals = np.asarray(t.strftime("%Y-%m"), dtype=object)
        levels = sorted(set(vals.tolist()))
    elif type == "weekday":
        vals, levels = np.asarray(WEEKDAY_LEVELS, dtype=object)[t.day_of_week.to_numpy()], list(WEEKDAY_LEVELS)
    elif type == "weekend":
        vals = np.where(t.day_of_week.to_numpy() >= 5, "周末", "工作日").astype(object)
        levels = ["工作日", "周末"]
    elif type == "season":
        vals, levels = pd.Series(t.month).map(_SEASON_OF_MONTH).to_numpy(dtype=object), list(SEASON_LEVELS)
    else:
        if type not in frame.columns:
            raise InputDataError(f"type {type!r} is neither a built-in type ({', '.join(sorted(builtin))}) "
                                 "nor a column of the data", column=type)
        col = frame[type]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            edges = np.unique(np.nanquantile(col.to_numpy(dtype=float), np.linspace(0, 1, n_levels + 1)))
            if edges.size < 2:
                raise InputDataError(f"column {type!r} has fewer than two distinct values; cannot cut it into "
                                     f"{n_levels} levels", column=type)
            return pd.cut(col, edges, include_lowest=True).rename(type)
        return pd.Series(pd.Categorical(col), index=frame.index, name=type)
    return pd.Series(pd.Categorical(vals, categories=levels, ordered=True), index=frame.index, name=type)
