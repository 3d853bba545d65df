"""Conditioning of the canonical hourly frame into panels, as openair's ``cutData`` does.

One implementation (:func:`cut_data`) shared by the rose plots (``airlib.analysis.wind``) and the
time-structure views (``airlib.analysis.time_structure``): a ``type`` names either a built-in time
grouping of the ``time`` column or a column of the frame.

Definition followed: openair 2.18-2, ``R/cutData.R``, ``cutData()`` (inner ``makeCond``):

* ``"default"`` — one panel for all data;
* ``"year"``, ``"month"``, ``"hour"``, ``"weekday"``, ``"weekend"``, ``"monthyear"`` — from the date;
* ``"season"`` — northern hemisphere: spring MAM, summer JJA, autumn SON, winter DJF (southern:
  shifted by six months); December belongs to the winter of its own calendar year's label (openair
  groups by month only, not by season-year);
* any other name is a column: text/categorical columns are used as they are; numeric columns are
  cut into ``n_levels`` (4) quantile classes (``quantile(type = 7)``, ``include.lowest = TRUE``), the
  labels ``"<col> a to b"``. Rows whose grouping column is missing are removed (openair does the
  same with a warning) — the rows are dropped from that panel view only, never from the data.

Labels are Chinese (春季 …, 星期一 …, 工作日/周末) and ordered as openair orders its factors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd

from airlib.errors import InputDataError

__all__ = ["TIME_TYPES", "SEASONS_ZH", "WEEKDAYS_ZH", "cut_data", "cut_labels", "frame_times", "type_columns"]

#: The built-in groupings computed from ``time`` (openair ``cutData``'s date conditions).
TIME_TYPES: Final[tuple[str, ...]] = ("default", "year", "month", "hour", "season", "weekday", "weekend", "monthyear")

#: Season labels in openair's order (spring, summer, autumn, winter), northern hemisphere.
SEASONS_ZH: Final[tuple[str, ...]] = ("春季(3-5月)", "夏季(6-8月)", "秋季(9-11月)", "冬季(12-2月)")
_SEASONS_SOUTH: Final[tuple[str, ...]] = ("春季(9-11月)", "夏季(12-2月)", "秋季(3-5月)", "冬季(6-8月)")

#: Weekday labels Monday … Sunday (openair orders weekdays from Monday).
WEEKDAYS_ZH: Final[tuple[str, ...]] = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")

_DEFAULT_LABEL: Final[str] = "全部数据"


def type_columns(type: str | Sequence[str]) -> list[str]:  # noqa: A002 - openair's name
    """The grouping column names a ``type`` argument makes (one per type).

    Parameters
    ----------
    type : str or sequence of str
        As for :func:`cut_data`.

    Returns
    -------
    list of str
        The column names, in order.
    """
    return [type] if isinstance(type, str) else list(type)


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


def _time(frame: pd.DataFrame, type_: str) -> pd.Series:
    if "time" not in frame.columns:
        raise InputDataError(f"type={type_!r} needs the column 'time' (hour-beginning Beijing time); "
                             "pass the canonical hourly frame", column="time")
    return pd.Series(frame_times(frame), index=frame.index, name="time")


def cut_labels(frame: pd.DataFrame, type: str = "default", *, time: str = "time",  # noqa: A002
               n_levels: int = 4) -> pd.Series:
    """The labels :func:`cut_data` gives ``type`` as one Series aligned with ``frame``, for views
    that condition row by row.

    Parameters
    ----------
    frame : pandas.DataFrame
        Canonical hourly frame, or any frame with the column named by ``type``.
    type : str
        One openair type (:data:`TIME_TYPES`) or a column name.
    time : str
        The time column when it is not ``"time"``.
    n_levels : int
        Quantile classes for a numeric column.

    Returns
    -------
    pandas.Series
        ``cut_data``'s labels, same index as ``frame``; missing where the grouping column is.
    """
    f = frame if time == "time" else frame.rename(columns={time: "time"})
    return cut_data(f, type, n_levels=n_levels)[type].reindex(frame.index)


def _ordered(values: pd.Series | np.ndarray, levels: Sequence[str], index: pd.Index) -> pd.Series:
    present = set(pd.unique(np.asarray(values, dtype=object)))
    cats = [lv for lv in levels if lv in present]
    return pd.Series(pd.Categorical(values, categories=cats, ordered=True), index=index)


def _one(frame: pd.DataFrame, type_: str, hemisphere: str, n_levels: int) -> tuple[pd.DataFrame, pd.Series]:
    idx = frame.index
    if type_ == "default":
        return frame, pd.Series(pd.Categorical([_DEFAULT_LABEL] * len(frame)), index=idx)
    if type_ in TIME_TYPES:
        t = _time(frame, type_)
        month = t.dt.month.to_numpy()
        if type_ == "year":
            years = t.dt.year
            return frame, _ordered(years.astype(str).to_numpy(), [str(y) for y in sorted(years.dropna().unique())], idx)
        if type_ == "month":
            labels = [f"{m}月" for m in range(1, 13)]
            return frame, _ordered(np.array(labels, dtype=object)[month - 1], labels, idx)
        if type_ == "hour":
            labels = [f"{h:02d}" for h in range(24)]
            return frame, _ordered(np.array(labels, dtype=object)[t.dt.hour.to_numpy()], labels, idx)
        if type_ == "season":
            if hemisphere not in ("northern", "southern"):
                raise InputDataError(f"hemisphere must be 'northern' or 'southern', got {hemisphere!r}")
            order = SEASONS_ZH if hemisphere == "northern" else _SEASONS_SOUTH
            # month -> index into openair's (MAM, JJA, SON, DJF) groups
            group = np.array([3, 3, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3])[month - 1]
            names = (SEASONS_ZH if hemisphere == "northern"
                     else (_SEASONS_SOUTH[2], _SEASONS_SOUTH[3], _SEASONS_SOUTH[0], _SEASONS_SOUTH[1]))
            return frame, _ordered(np.array(names, dtype=object)[group], order, idx)
        if type_ == "weekday":
            return frame, _ordered(np.array(WEEKDAYS_ZH, dtype=object)[t.dt.day_of_week.to_numpy()], WEEKDAYS_ZH, idx)
        if type_ == "weekend":
            lab = np.where(t.dt.day_of_week.to_numpy() >= 5, "周末", "工作日")
            return frame, _ordered(lab, ("工作日", "周末"), idx)
        # monthyear: in time order
        lab = (t.dt.year.astype(str) + "年" + t.dt.month.astype(str) + "月").to_numpy()
        order = list(dict.fromkeys(lab[np.argsort(t.to_numpy(), kind="stable")]))
        return frame, _ordered(lab, order, idx)
    if type_ not in frame.columns:
        raise InputDataError(f"type={type_!r} is neither a built-in grouping ({', '.join(TIME_TYPES)}) nor a column "
                             f"of the frame (columns: {', '.join(map(str, frame.columns))})", column=type_)
    col = frame[type_]
    keep = col.notna().to_numpy()
    if not keep.all():
        frame = frame.loc[keep]
        col = col.loc[keep]
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        v = col.to_numpy(dtype=float)
        edges = np.unique(np.quantile(v, np.linspace(0, 1, n_levels + 1))) if len(v) else np.array([0.0])
        if len(edges) < 2:
            labels = [f"{type_} {_fmt(edges[0])}"] if len(v) else []
            return frame, pd.Series(pd.Categorical([labels[0]] * len(v) if labels else [], categories=labels),
                                    index=frame.index)
        # R cut(include.lowest = TRUE): (a, b] except the first class [a, b]
        k = np.searchsorted(edges, v, side="left")
        k = np.clip(k, 1, len(edges) - 1) - 1
        labels = [f"{type_} {_fmt(edges[i])} to {_fmt(edges[i + 1])}" for i in range(len(edges) - 1)]
        return frame, pd.Series(pd.Categorical.from_codes(k, categories=labels, ordered=True), index=frame.index)
    if isinstance(col.dtype, pd.CategoricalDtype):
        return frame, col.cat.remove_unused_categories()
    return frame, pd.Series(pd.Categorical(col.astype(str)), index=frame.index)


def _fmt(x: float) -> str:
    """R's ``formatC(x, digits = 3, width = 1)`` as ``cut``'s default labels use (``%.3g``)."""
    return f"{x:.3g}"


def cut_data(frame: pd.DataFrame, type: str | Sequence[str] = "default", *,  # noqa: A002 - openair's name
             hemisphere: str = "northern", n_levels: int = 4) -> pd.DataFrame:
    """Add one ordered categorical column per ``type`` (openair ``cutData``).

    Parameters
    ----------
    frame : pandas.DataFrame
        Canonical hourly frame (``time`` hour-beginning Beijing time) or any frame with the
        columns named in ``type``.
    type : str or sequence of str
        ``"default"``, ``"year"``, ``"month"``, ``"hour"``, ``"season"``, ``"weekday"``,
        ``"weekend"``, ``"monthyear"`` or a column name (e.g. ``"station"``).
    hemisphere : {"northern", "southern"}
        Season convention (openair's ``hemisphere``); Beijing is northern.
    n_levels : int
        Quantile classes for a numeric column (openair's ``n.levels``, 4).

    Returns
    -------
    pandas.DataFrame
        A copy of ``frame`` (rows with a missing grouping column removed) with a column named
        after each type holding its label; a column of the same name is replaced by its labels.

    Raises
    ------
    InputDataError
        An unknown type, or a time type without a ``time`` column.
    """
    out = frame.copy()
    for t in type_columns(type):
        out, labels = _one(out, t, hemisphere, n_levels)
        out = out.copy()
        out[t] = labels
    return out
