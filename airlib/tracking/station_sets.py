"""Which stations serve a statistic in a period: the dated station registry (issue #17 item 1).

A station registry may carry ``station_class`` (a code of the vocabulary
:mod:`airlib.io.station_classes`) and ``valid_from`` / ``valid_to`` (inclusive days, NaT =
open); a registry without them means: every station of the vocabulary's ``default_class``
(``town``), always in force — so existing registries keep their meaning.

**Rule (docs/stations.md, "Stations of a month").** A station serves ``use`` in a period when
one of its registry rows is in force on **at least one day** of the period and that row's
class serves ``use``. Within a month the whole month of its data counts (a station added on
the 15th has no data before it anyway; one retired on the 15th keeps its first half). Both the
report path (:func:`daily_in_force`) and the city-scale path
(:func:`airlib.engine.citywide.town_monthly_table`) apply this one rule through
:func:`stations_for`, month by month, so a ranking of a past month is computed with the
stations of that month whatever the registry says today.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.io.station_classes import StationClasses, load_station_classes
from airlib.periods import parse_month

__all__ = ["DISTRICT_BASES", "ReportStationSets", "daily_in_force", "district_station_sets", "is_dated",
           "month_station_sets", "report_station_sets", "rows_in_sets", "set_counts", "station_set_counts", "stations_for",
           "stations_for_months"]

_DATED = ("station_class", "valid_from", "valid_to")


def is_dated(stations: pd.DataFrame) -> bool:
    """True when the registry has any of ``station_class``, ``valid_from``, ``valid_to``."""
    return any(c in stations.columns for c in _DATED)


def _period_bounds(period: Any) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of ``period``: a ``pd.Period`` of daily frequency is that day; any
    other value is a month (:func:`airlib.periods.parse_month`)."""
    if isinstance(period, pd.Period) and period.freqstr == "D":
        day = period.start_time.normalize()
        return day, day
    m = parse_month(period, "period")
    return m.start_time.normalize(), m.end_time.normalize()


def stations_for(stations: pd.DataFrame, use: str, period: Any,
                 classes: StationClasses | None = None) -> pd.DataFrame:
    """The stations serving ``use`` that were in force during ``period``.

    Implements issue #17 item 1 ("a ranking of a past month uses the stations of that month");
    the rule is in the module docstring and docs/stations.md.

    Parameters
    ----------
    stations : DataFrame
        Station registry (``station``, ``town_code``, optional ``station_class``,
        ``valid_from``, ``valid_to`` [day, inclusive]); a station id may have several rows with
        disjoint validity.
    use : {"district_assessment", "town_ranking", "hotspot_screening", "reference"}
        The statistic (:data:`airlib.io.station_classes.USES`).
    period : str, Period, Timestamp or date
        A month (``"YYYY-MM"``, a monthly Period, any day of it) or one day (a daily
        ``pd.Period``).
    classes : StationClasses or None
        The vocabulary; None reads the default file.

    Returns
    -------
    DataFrame
        One row per station (the last of its rows in force during the period that serves
        ``use``), the registry's columns, ``station_class`` filled with the default class;
        sorted by station. Empty (same columns) when none.

    Raises
    ------
    InputDataError
        An unknown ``use``, a bad period, a registry without ``station``, or a class not in
        the vocabulary.
    """
    k = load_station_classes() if classes is None else classes
    serving = k.serving(use)
    if "station" not in stations.columns:
        raise InputDataError("station registry lacks column 'station'", column="station")
    first, last = _period_bounds(period)
    reg = stations.copy()
    if "station_class" in reg:
        reg["station_class"] = reg["station_class"].astype("string").fillna(k.default_class)
    else:
        reg["station_class"] = pd.Series(k.default_class, index=reg.index, dtype="string")
    unknown = ~reg["station_class"].isin(list(k.classes))
    if unknown.any():
        raise InputDataError(f"station class {sorted(set(reg.loc[unknown, 'station_class']))[:5]} is not in the "
                             f"vocabulary ({sorted(k.classes)})", column="station_class")
    lo = pd.to_datetime(reg["valid_from"]) if "valid_from" in reg else pd.Series(pd.NaT, index=reg.index)
    hi = pd.to_datetime(reg["valid_to"]) if "valid_to" in reg else pd.Series(pd.NaT, index=reg.index)
    in_force = (lo.isna() | (lo <= last)).to_numpy(dtype=bool) & (hi.isna() | (hi >= first)).to_numpy(dtype=bool)
    keep = in_force & reg["station_class"].isin(serving).to_numpy(dtype=bool)
    out = reg.loc[keep]
    if "valid_from" in out:
        out = out.sort_values(["station", "valid_from"], kind="stable", na_position="first")
    out = out.drop_duplicates("station", keep="last")
    return out.sort_values("station", kind="stable").reset_index(drop=True)


def month_station_sets(stations: pd.DataFrame, use: str, months: Iterable[Any],
                       classes: StationClasses | None = None) -> pd.DataFrame:
    """:func:`stations_for` for each month: ``month`` (Period[M]), ``station``, ``town_code``,
    ``station_class`` — one row per month and station serving ``use``."""
    k = load_station_classes() if classes is None else classes
    parts = []
    for m in months:
        p = parse_month(m, "month")
        s = stations_for(stations, use, p, k)
        cols = [c for c in ("station", "town_code", "station_class") if c in s]
        part = s[cols].copy()
        part.insert(0, "month", pd.Series([p] * len(s), index=s.index, dtype="period[M]"))
        parts.append(part)
    if not parts:
        return pd.DataFrame({"month": pd.Series(dtype="period[M]"), "station": pd.Series(dtype="string"),
                             "town_code": pd.Series(dtype="string"), "station_class": pd.Series(dtype="string")})
    return pd.concat(parts, ignore_index=True)


def stations_for_months(stations: pd.DataFrame, use: str, months: Iterable[Any],
                        classes: StationClasses | None = None) -> pd.DataFrame:
    """The stations serving ``use`` in any of ``months``: one row per station (its row of the
    latest of those months, as :func:`stations_for` gives it), sorted by station. With
    :func:`daily_in_force` on the rows, each month then counts only its own stations."""
    k = load_station_classes() if classes is None else classes
    parts = [stations_for(stations, use, m, k) for m in months]
    if not parts:
        return stations_for(stations, use, "1900-01", k).iloc[0:0]
    out = pd.concat(parts, ignore_index=True).drop_duplicates("station", keep="last")
    return out.sort_values("station", kind="stable").reset_index(drop=True)


def _row_months(frame: pd.DataFrame) -> pd.PeriodIndex:
    """The month of each row of a station frame (``date`` of a daily frame, else ``time`` of an
    hourly one); a frame without ``station`` and one of them is an error."""
    when = "date" if "date" in frame.columns else "time"
    if when not in frame.columns or "station" not in frame.columns:
        raise InputDataError(f"frame lacks 'station' and 'date'/'time' (has {list(frame.columns)[:8]})")
    return pd.DatetimeIndex(frame[when]).to_period("M")


def rows_in_sets(frame: pd.DataFrame, sets: pd.DataFrame) -> pd.DataFrame:
    """The rows of a station frame whose station is in its month's set.

    Parameters
    ----------
    frame : DataFrame
        Rows with ``station`` and ``date`` (a station daily frame) or ``time`` (an hourly frame).
    sets : DataFrame
        ``month`` (Period[M]) and ``station``: :func:`month_station_sets` or
        :func:`district_station_sets`.

    Returns
    -------
    DataFrame
        The kept rows, in their order and with their index and values unchanged.
    """
    months = _row_months(frame)
    key = pd.MultiIndex.from_arrays([months, frame["station"].astype("string")])
    allowed = pd.MultiIndex.from_arrays([pd.PeriodIndex(sets["month"], freq="M"),
                                         sets["station"].astype("string")])
    keep = np.asarray(key.isin(allowed), dtype=bool)
    return frame.loc[keep]


def daily_in_force(daily: pd.DataFrame, stations: pd.DataFrame, use: str,
                   classes: StationClasses | None = None) -> pd.DataFrame:
    """The rows of a station frame whose station served ``use`` in the row's month.

    Parameters
    ----------
    daily : DataFrame
        Rows with ``station`` and ``date`` (a station daily frame) or ``time`` (an hourly frame).
    stations : DataFrame
        The (dated) registry, as for :func:`stations_for`.
    use : str
        The statistic.
    classes : StationClasses or None
        The vocabulary; None reads the default file.

    Returns
    -------
    DataFrame
        The kept rows, in their order and with their index and values unchanged. A registry
        without dated columns keeps every row of a registered station of the default class.
    """
    months = _row_months(daily)
    return rows_in_sets(daily, month_station_sets(stations, use, pd.unique(months.dropna()), classes))


#: How a month's district values were computed (:func:`district_station_sets`, column ``basis``):
#: from the ``district_assessment`` stations, or — the month having none in force — from the
#: ``town_ranking`` stations (the fallback; docs/stations.md "District values").
DISTRICT_BASES: tuple[str, ...] = ("district_assessment", "town_ranking")


def district_station_sets(stations: pd.DataFrame, months: Iterable[Any],
                          classes: StationClasses | None = None,
                          fallback: bool = True) -> pd.DataFrame:
    """The stations behind the district values (全区数值) of each month.

    **Rule (docs/stations.md, "District values"; decided here, the plans are silent).** A
    month's district values are the mean over the stations serving ``district_assessment``
    (国控/市控 by default) in that month (the rule of :func:`stations_for`). A month with no such
    station in force — every registry without classes, the demo — takes the stations serving
    ``town_ranking`` instead, and says so (``basis``): a district without assessment stations
    reports the mean of its town stations, as airlib did before #17, rather than no value.

    Parameters
    ----------
    stations : DataFrame
        The (dated) registry, as for :func:`stations_for`.
    months : iterable
        Months (``"YYYY-MM"``, Period …).
    classes : StationClasses or None
        The vocabulary; None reads the default file.
    fallback : bool, default True
        False: a month without assessment stations has no rows (its district values are
        missing).

    Returns
    -------
    DataFrame
        :func:`month_station_sets`'s columns and ``basis`` (one of :data:`DISTRICT_BASES`).
    """
    k = load_station_classes() if classes is None else classes
    months = [parse_month(m, "month") for m in months]
    own = month_station_sets(stations, "district_assessment", months, k)
    own["basis"] = pd.Series(DISTRICT_BASES[0], index=own.index, dtype="string")
    if not fallback:
        return own
    empty = [m for m in months if not (own["month"] == m).any()]
    ranked = month_station_sets(stations, "town_ranking", empty, k)
    ranked["basis"] = pd.Series(DISTRICT_BASES[1], index=ranked.index, dtype="string")
    out = pd.concat([own, ranked], ignore_index=True) if len(ranked) else own
    return out.sort_values(["month", "station"], kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class ReportStationSets:
    """The station sets of a report's months: ``ranking`` (:func:`month_station_sets` of
    ``town_ranking``) for the towns, ``district`` (:func:`district_station_sets`) for the
    district values. Both are month-keyed, so :func:`airlib.tracking.aggregation.aggregate_daily`
    puts each station in the town of its registry row of that month (a station that moved town
    counts for its old town before the move)."""

    ranking: pd.DataFrame
    district: pd.DataFrame

    @property
    def same(self) -> bool:
        """True when the district values use exactly the ranking's stations in every month."""
        a, b = ({(str(m), str(s)) for m, s in zip(f["month"], f["station"])} for f in (self.ranking, self.district))
        return a == b

    def basis(self, month: Any) -> str | None:
        """How ``month``'s district values were computed (:data:`DISTRICT_BASES`), None when
        the month has no station."""
        m = parse_month(month, "month")
        b = self.district.loc[self.district["month"] == m, "basis"]
        return None if b.empty else str(b.iloc[0])

    def other_basis_months(self, month: Any) -> list[pd.Period]:
        """The months from January of the year before ``month`` to ``month`` (the span of its
        year-on-year and year-to-date comparisons) whose district values were computed on
        another basis than ``month``'s: the report says so (docs/stations.md)."""
        m = parse_month(month, "month")
        own = self.basis(m)
        out = []
        for p in pd.period_range(pd.Period(year=m.year - 1, month=1, freq="M"), m, freq="M"):
            b = self.basis(p)
            if b is not None and own is not None and b != own:
                out.append(p)
        return out

    def stations(self) -> pd.Series:
        """Every station id of either set (strings, sorted)."""
        ids = pd.concat([self.ranking["station"], self.district["station"]]).astype("string")
        return pd.Series(sorted(ids.unique()), dtype="string")


def report_station_sets(stations: pd.DataFrame, months: Iterable[Any],
                        classes: StationClasses | None = None) -> ReportStationSets:
    """:class:`ReportStationSets` of ``months``: the town-ranking and district-value stations of
    each month (docs/stations.md)."""
    k = load_station_classes() if classes is None else classes
    months = [parse_month(m, "month") for m in months]
    return ReportStationSets(ranking=month_station_sets(stations, "town_ranking", months, k),
                             district=district_station_sets(stations, months, k))


def set_counts(rows: pd.DataFrame, classes: StationClasses | None = None) -> pd.DataFrame:
    """How many stations of each class a set holds (the report's station-set statements):
    ``station_class``, ``name_zh``, ``n``, in vocabulary order, classes with n ≥ 1 only.

    ``rows``: one row per station with ``station_class`` (e.g. :func:`stations_for`, or one
    month of :func:`district_station_sets`)."""
    k = load_station_classes() if classes is None else classes
    counts = rows.drop_duplicates("station")["station_class"].value_counts() if len(rows) else pd.Series(dtype="int64")
    out = [(c, k.name(c), int(counts[c])) for c in k.classes if counts.get(c, 0) > 0]
    return pd.DataFrame(out, columns=["station_class", "name_zh", "n"]).astype(
        {"station_class": "string", "name_zh": "string", "n": "int64"})


def station_set_counts(stations: pd.DataFrame, use: str, period: Any,
                       classes: StationClasses | None = None) -> pd.DataFrame:
    """How many stations of each class serve ``use`` in ``period``: :func:`set_counts` of
    :func:`stations_for`."""
    k = load_station_classes() if classes is None else classes
    return set_counts(stations_for(stations, use, period, k), k)
