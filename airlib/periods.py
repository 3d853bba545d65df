"""One vocabulary for months and dates (core layer: imports only :mod:`airlib.errors`).

What a "month" is in airlib's public API
----------------------------------------
A calendar month is typed ``pd.Period`` with frequency ``"M"`` (``pd.Period("2018-01", "M")``).
Every public function that takes a month accepts ``str | pd.Period | pd.Timestamp |
datetime.date`` and turns it into that type with :func:`parse_month`:

* ``"YYYY-MM"`` (``"2018-1"`` accepted, surrounding blanks ignored) — the form users type;
* a ``pd.Period`` of any frequency: the month containing its start (``asfreq("M")``);
* a ``pd.Timestamp``/``datetime.datetime``/``datetime.date``/``numpy.datetime64``: the month
  containing it.

Anything else (``"2018"``, ``"2018-13"``, ``"2018-01-15"``, ``None``, NaT) raises
:class:`~airlib.errors.InputDataError` naming the value and the expected form. Functions
return months as ``pd.Period[M]``; tables store them as ``datetime64`` month starts (column
``month`` of :func:`airlib.standards.validity.monthly_statistics`) or as integer ``year`` and
``month`` columns (:mod:`airlib.engine.citywide`); :func:`month_start` converts either.

Times are Beijing time (UTC+8, no daylight saving), naive, hour-beginning labels
(``docs/architecture.md``). "Today" is the Beijing date (:func:`beijing_today`), so a report
run at 07:00 UTC on the 1st already sees the new month.

Functions
---------
:func:`parse_month`, :func:`last_complete_month`, :func:`check_complete_month`,
:func:`month_start`, :func:`month_end`, :func:`month_end_time`, :func:`months_between`,
:func:`to_datetimes` (the date parser of :mod:`airlib.standards.aqi` and
:mod:`airlib.standards.limits`).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np
import pandas as pd

from airlib.errors import InputDataError

__all__ = [
    "BEIJING_UTC_OFFSET",
    "MonthLike",
    "beijing_today",
    "parse_month",
    "last_complete_month",
    "check_complete_month",
    "month_start",
    "month_end",
    "month_end_time",
    "months_between",
    "to_datetimes",
]

#: Beijing time is UTC+8 all year (no daylight saving since 1991).
BEIJING_UTC_OFFSET = dt.timedelta(hours=8)

#: What :func:`parse_month` accepts.
MonthLike = str | pd.Period | pd.Timestamp | dt.date | np.datetime64

_MONTH_RE = re.compile(r"\s*(\d{4})-(\d{1,2})\s*")


def beijing_today(now: dt.datetime | None = None) -> dt.date:
    """The current date in Beijing (UTC+8).

    Parameters
    ----------
    now : datetime.datetime, optional
        An aware instant (default: now). A naive value is taken as UTC.

    Returns
    -------
    datetime.date
    """
    now = dt.datetime.now(dt.UTC) if now is None else now
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    return (now.astimezone(dt.UTC) + BEIJING_UTC_OFFSET).date()


def parse_month(value: Any, name: str = "month") -> pd.Period:
    """A month as ``pd.Period[M]`` from ``"YYYY-MM"``, a Period, a Timestamp or a date.

    Parameters
    ----------
    value : str, pandas.Period, pandas.Timestamp, datetime.date or numpy.datetime64
        See the module docstring for the accepted forms.
    name : str
        What the value is called in the error message (e.g. ``"--month"``, ``"end"``).

    Returns
    -------
    pandas.Period
        Monthly period.

    Raises
    ------
    InputDataError
        For a value that is not one of the accepted forms, or a missing value, naming
        ``name``, the value and the expected form ``YYYY-MM``.

    Examples
    --------
    >>> parse_month("2018-1"), parse_month(pd.Timestamp("2024-02-29 23:00"))
    (Period('2018-01', 'M'), Period('2024-02', 'M'))
    """
    if isinstance(value, pd.Period):
        if pd.isna(value):
            raise InputDataError(f"{name} is missing; give a month as YYYY-MM (e.g. 2018-01)")
        return value.asfreq("M", how="start")
    if isinstance(value, str):
        m = _MONTH_RE.fullmatch(value)
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise InputDataError(f"{name} {value!r} is not a month of the form YYYY-MM (e.g. 2018-01)")
        return pd.Period(year=int(m.group(1)), month=int(m.group(2)), freq="M")
    if isinstance(value, (pd.Timestamp, dt.date, np.datetime64)):  # dt.datetime is a dt.date
        ts = pd.Timestamp(value)
        if pd.isna(ts):
            raise InputDataError(f"{name} is missing; give a month as YYYY-MM (e.g. 2018-01)")
        return pd.Period(year=ts.year, month=ts.month, freq="M")
    raise InputDataError(
        f"{name} {value!r} ({type(value).__name__}) is not a month; give YYYY-MM (e.g. 2018-01)"
    )


def last_complete_month(today: dt.date | None = None) -> pd.Period:
    """The last calendar month that has ended before ``today``.

    Parameters
    ----------
    today : datetime.date, optional
        Default: the Beijing date (:func:`beijing_today`).

    Returns
    -------
    pandas.Period
        Monthly period: on 2026-03-01 (Beijing) it is 2026-02.
    """
    today = beijing_today() if today is None else today
    return pd.Period(year=today.year, month=today.month, freq="M") - 1


def check_complete_month(month: Any, today: dt.date | None = None, name: str = "month") -> pd.Period:
    """:func:`parse_month`, refusing a month that has not ended yet.

    Parameters
    ----------
    month : month-like or None
        None gives :func:`last_complete_month`.
    today : datetime.date, optional
        Default: the Beijing date.
    name : str
        What the value is called in error messages.

    Returns
    -------
    pandas.Period

    Raises
    ------
    InputDataError
        A malformed month, or one that is in the future / not complete yet (naming the latest
        complete month).
    """
    last = last_complete_month(today)
    if month is None:
        return last
    p = parse_month(month, name)
    if p > last:
        what = "in the future" if p > last + 1 else "not complete yet"
        raise InputDataError(f"{name} {p} is {what}; the latest complete month is {last}")
    return p


def month_start(month: Any, name: str = "month") -> pd.Timestamp:
    """First instant of a month, 00:00 of its first day (Beijing time, naive).

    Parameters
    ----------
    month : month-like
        See :func:`parse_month`.
    name : str
        For error messages.

    Returns
    -------
    pandas.Timestamp
    """
    return parse_month(month, name).start_time


def month_end(month: Any, name: str = "month") -> pd.Timestamp:
    """Last calendar day of a month, at midnight (``"2018-02"`` → 2018-02-28 00:00).

    Parameters
    ----------
    month : month-like
        See :func:`parse_month`.
    name : str
        For error messages.

    Returns
    -------
    pandas.Timestamp
        The date of the month's last day (use it with inclusive date comparisons).
    """
    return parse_month(month, name).end_time.normalize()


def month_end_time(month: Any, name: str = "month") -> pd.Timestamp:
    """Start of the month's last hour (23:00 of its last day): the last hour-beginning label.

    Parameters
    ----------
    month : month-like
        See :func:`parse_month`.
    name : str
        For error messages.

    Returns
    -------
    pandas.Timestamp
        For inclusive bounds on hourly data (``airlib.io.store.read_hourly(..., start, end)``).
    """
    return month_end(month, name) + pd.Timedelta(hours=23)


def months_between(start: Any, end: Any) -> pd.PeriodIndex:
    """Every month from ``start`` to ``end``, both included.

    Parameters
    ----------
    start, end : month-like
        See :func:`parse_month`.

    Returns
    -------
    pandas.PeriodIndex
        Monthly; empty when ``end`` is before ``start``.
    """
    a, b = parse_month(start, "start"), parse_month(end, "end")
    return pd.period_range(a, b, freq="M") if b >= a else pd.PeriodIndex([], freq="M")


def to_datetimes(dates: Any, column: str = "date", missing: str | None = None) -> pd.Series:
    """Dates/times as a ``datetime64`` Series (format inferred, then ISO 8601).

    Parameters
    ----------
    dates : array-like or pandas.Series
        Dates, datetimes, Periods or text. A Series keeps its index.
    column : str
        Column named in errors.
    missing : str, optional
        Message of the error raised when a date is missing; default a generic one.

    Returns
    -------
    pandas.Series
        ``datetime64`` (a Period becomes its start).

    Raises
    ------
    InputDataError
        Unreadable or missing dates, naming ``column``.
    """
    ts = dates if isinstance(dates, pd.Series) else pd.Series(np.asarray(dates) if not isinstance(dates, pd.Index) else dates)
    if isinstance(ts.dtype, pd.PeriodDtype):
        ts = ts.dt.start_time
    try:
        ts = pd.to_datetime(ts)
    except (ValueError, TypeError):
        try:
            ts = pd.to_datetime(ts, format="ISO8601")
        except (ValueError, TypeError) as exc:
            raise InputDataError(f"unreadable dates: {exc}", column=column) from None
    if ts.isna().any():
        raise InputDataError(missing or f"missing date in column {column!r}", column=column)
    return ts
