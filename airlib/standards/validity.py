"""Valid statistics per GB 3095 Table 4 and HJ 663: daily means, O3 8-hour, MDA8, monthly,
period and annual statistics, and the percentile method.

Conventions (docs/architecture.md)
----------------------------------
* Input is the canonical hourly frame: ``station``, ``time`` (naive Beijing time,
  **hour-beginning** labels: the row for 08:00 is the mean over 08:00–09:00) and pollutant
  columns (µg/m³; CO in mg/m³).
* **A missing row counts exactly like a row of NaN.** Every count is taken against the
  calendar: the hourly values are first laid out on a complete grid (every station, every day,
  24 hours), so a day whose rows are absent altogether is a day with 0 valid hours.
* Value columns hold a statistic **only when it is valid** (NaN otherwise), so an invalid value
  can never be used silently. Counts (``<p>_n``) and flags (``<p>_valid``) are always present;
  the aggregate functions also return ``<stat>_provisional`` (the statistic computed from
  whatever valid inputs there are, regardless of the completeness rule) for inspection.

Rules implemented ([GB3095-2012], [GB3095-2026], [HJ663-2013]; docs/references.md)
----------------------------------------------------------------------------------
* Daily (24 h) mean of SO2, NO2, CO, PM10, PM2.5: mean of the valid hourly values of the
  natural day, valid iff ≥ 20 valid hours (GB 3095—2026 Table 4 [P]; 2012 same [S]).
* O3 8-hour mean: mean of 8 consecutive hourly values, valid iff ≥ 6 of them are valid
  (GB 3095 Table 4 [P]).
* O3 MDA8 of natural day D: the largest valid 8-hour mean among the **17 windows lying wholly in
  D**. In HJ 663's hour-ending labels these are the windows labelled 08:00 … 24:00 (08:00 = mean
  of the hours ending 01:00 … 08:00); with airlib's hour-beginning labels they cover hours
  00–07, 01–08, …, 16–23. Source certainty: [S] (a blog describing HJ 663 §6.1.2; the HJ 663
  text itself could not be read). MDA8 is valid iff ≥ ``settings.mda8_min_windows`` (14) of the
  17 windows are valid, **or** fewer windows are valid but the MDA8 exceeds (>) the O3 8-hour
  limit in force on that date (HJ 663—2013 §6.1.2 as quoted [S]).
* Daily maximum 1-hour O3 (``o3_1h``, HJ 633—2012 daily report): the largest valid hourly value
  of the day, valid iff ≥ ``settings.o3_1h_min_hours`` (default 20) valid hours. No source
  states a rule for this statistic (UNVERIFIED); 20 is the daily-mean rule of GB 3095 Table 4.
* Monthly statistic: ≥ 27 valid daily values in the month, ≥ 25 in February (leap or not).
  This is the per-month condition of the annual-mean row of GB 3095—2026 Table 4 [P], applied
  on its own to every statistic of a month (mean, CO 95th and O3 90th percentile)
  (decision: Table 4 states it only as part of the annual rule; [GB3095-2026]).
* Annual statistic: ≥ 324 valid daily values in the year **and** the monthly rule in every one
  of its 12 months (GB 3095 Table 4 [P]). The same rule is applied to the percentile
  statistics (98th/95th/90th), which Table 4 does not list separately (decision).
* Percentiles: Hyndman–Fan type 7 / linear interpolation on the sorted valid daily values
  (HJ 663 as quoted [HJ663-2013] [S]; [HYNDMAN-1996]): k = 1 + (n − 1)·p/100, m_p = X(s) + (X(s+1) − X(s))·(k − s).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from airlib.standards import kernels as K
from airlib.standards.kernels import (  # noqa: F401  (re-exported constants of the rules)
    DAILY_MIN_HOURS,
    FEBRUARY_MIN_DAYS,
    MONTH_MIN_DAYS,
    WINDOW_MIN_HOURS,
    WINDOWS_PER_DAY,
)
from airlib.errors import InputDataError
from airlib.periods import parse_month
from airlib.pollutants import POLLUTANTS
from airlib.settings import DEFAULT, Settings

__all__ = [
    "DAILY_MIN_HOURS",
    "WINDOW_MIN_HOURS",
    "DAILY_VALUE_COLUMNS",
    "daily_statistics",
    "rolling_8h",
    "rolling_24h",
    "percentile",
    "group_percentile",
    "monthly_statistics",
    "period_statistics",
    "annual_statistics",
    "monthly_min_days",
    "o3_8h_limit",
]

# DAILY_MIN_HOURS (20), WINDOW_MIN_HOURS (6), WINDOWS_PER_DAY (17), MONTH_MIN_DAYS (27) and
# FEBRUARY_MIN_DAYS (25) and the array kernels of the rules live in airlib.standards.kernels, shared
# with the streamed city-wide path (airlib.engine.citywide).
#: Valid daily values needed in a year (GB 3095 Table 4).
ANNUAL_MIN_DAYS = 324

#: Pollutants whose daily statistic is the 24-hour mean.
MEAN_POLLUTANTS: tuple[str, ...] = ("pm25", "pm10", "so2", "no2", "co")
#: Value columns of a daily-statistics frame, in order.
DAILY_VALUE_COLUMNS: tuple[str, ...] = ("pm25", "pm10", "so2", "no2", "co", "o3_8h", "o3_1h")

#: Percentile statistics of the monthly table (CNEMC monthly reports [O]).
MONTHLY_PERCENTILES: dict[str, float] = {"co": 95.0, "o3_8h": 90.0}
#: Percentile statistics of annual and period tables (HJ 663 as quoted [S]).
ANNUAL_PERCENTILES: dict[str, float] = {
    "so2": 98.0,
    "no2": 98.0,
    "pm10": 95.0,
    "pm25": 95.0,
    "co": 95.0,
    "o3_8h": 90.0,
}

_UNIT_KEYS = ("station", "town_code", "district_code")
_NS_PER_HOUR = 3_600_000_000_000


# --------------------------------------------------------------------------------------------
# The complete station-hour grid
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Grid:
    """Layout of a complete station × day × 24-hour grid.

    Station s occupies grid days ``offset[s] .. offset[s] + ndays[s] - 1``; the grid day
    ``offset[s] + k`` is the natural day ``first[s] + k`` (days since 1970-01-01). The hourly
    row ``i`` of the input sits at flat position ``pos[i]`` (= grid day × 24 + hour).
    """

    stations: pd.Index
    first: np.ndarray
    ndays: np.ndarray
    offset: np.ndarray
    pos: np.ndarray  # flat grid position of each kept input row
    tpos: np.ndarray  # hour-major position: hour × n_days + grid day
    keep: np.ndarray | None  # boolean mask of the input rows kept (None = all)

    @property
    def n_days(self) -> int:
        return int(self.ndays.sum())

    def day_station(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.stations)), self.ndays)

    def day_number(self) -> np.ndarray:
        st = self.day_station()
        return self.first[st] + (np.arange(self.n_days) - self.offset[st])

    def matrix(self, values: np.ndarray) -> np.ndarray:
        """Scatter one column onto the grid: an ``(n_days, 24)`` float array, NaN = missing."""
        if self.keep is not None:
            values = values[self.keep]
        out = np.full(self.n_days * 24, np.nan)
        out[self.pos] = values
        return out.reshape(-1, 24)

    def hour_rows(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scatter one column hour-major: ``(24, n_days)`` values with 0 for missing, and the
        ``(24, n_days)`` uint8 mask of valid hours. Row h holds hour h of every grid day, so
        reductions over the hours of a day are element-wise operations on long rows."""
        if self.keep is not None:
            values = values[self.keep]
        return K.hour_major(self.tpos, values, self.n_days)


def _to_day(value, name: str) -> int:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise InputDataError(f"{name}={value!r} is not a date: {exc}") from None
    if ts.tzinfo is not None:
        raise InputDataError(f"{name}={value!r} must be a naive (Beijing time) date")
    return int(np.datetime64(ts.normalize().to_datetime64(), "D").astype(np.int64))


def _check_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputDataError(
            f"{what} lacks column(s) {', '.join(missing)}; has {', '.join(map(str, frame.columns))}",
            column=missing[0],
        )


def _station_codes(station: pd.Series) -> tuple[np.ndarray, pd.Index, np.ndarray | None]:
    """Integer code of each row's station, the sorted station ids, and (fast path) the start
    row of each station's run when the rows are grouped by station in sorted order (as the
    readers and the store deliver them)."""
    n = len(station)
    if n > 1 and hasattr(station.array, "__arrow_array__"):
        try:
            import pyarrow as pa
            import pyarrow.compute as pc

            arr = station.array.__arrow_array__()
            if isinstance(arr, pa.ChunkedArray):
                arr = arr.combine_chunks()
            is_str = pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)
            if arr.null_count == 0 and is_str:
                change = pc.not_equal(arr[1:], arr[:-1]).to_numpy(zero_copy_only=False)
                starts = np.concatenate([[0], np.flatnonzero(change) + 1])
                heads = arr.take(pa.array(starts)).to_pylist()
                if all(a < b for a, b in zip(heads, heads[1:])):  # sorted, each run unique
                    sizes = np.diff(np.append(starts, n))
                    codes = np.repeat(np.arange(len(starts)), sizes)
                    return codes, pd.Index(heads, dtype="string", name="station"), starts
        except (TypeError, ValueError, AttributeError, ImportError):  # pragma: no cover
            pass
    codes, uniques = pd.factorize(station, sort=True)
    return codes, pd.Index(uniques, name="station"), None


def _build_grid(hourly: pd.DataFrame, start=None, end=None) -> _Grid:
    _check_columns(hourly, ("station", "time"), "hourly frame")
    time = hourly["time"]
    if not pd.api.types.is_datetime64_dtype(time.dtype):
        if isinstance(time.dtype, pd.DatetimeTZDtype):
            raise InputDataError(
                "time must be naive Beijing time (UTC+8, hour-beginning), not timezone-aware",
                column="time",
            )
        raise InputDataError(f"time must be datetime64, got {time.dtype}", column="time")
    t = time.to_numpy()
    if np.isnat(t).any():
        rows = np.flatnonzero(np.isnat(t))[:10].tolist()
        raise InputDataError(f"time is missing (NaT) at positions {rows}", column="time")
    per_hour = int(np.timedelta64(1, "h") / np.timedelta64(1, np.datetime_data(t.dtype)[0]))
    ticks = t.view(np.int64)
    hours = ticks // per_hour
    rem = ticks - hours * per_hour  # = np.divmod(ticks, per_hour)[1], in half the time
    if rem.any():
        bad = np.flatnonzero(rem)[:5]
        raise InputDataError(
            f"time must be on whole hours; e.g. {[str(t[i]) for i in bad]}", column="time"
        )
    day = hours // 24
    hour = hours - day * 24

    station = hourly["station"]
    if station.isna().any():
        rows = np.flatnonzero(station.isna().to_numpy())[:10].tolist()
        raise InputDataError(f"station id is missing at positions {rows}", column="station")
    codes, stations, run_starts = _station_codes(station)
    n_st = len(stations)

    keep = None
    if start is not None or end is not None:
        lo = _to_day(start, "start") if start is not None else None
        hi = _to_day(end, "end") if end is not None else None
        if lo is None or hi is None:
            # one bound given: the other is taken from the data, common to all stations
            lo = int(day.min()) if lo is None else lo
            hi = int(day.max()) if hi is None else hi
        if hi < lo:
            raise InputDataError(f"end {end!r} is before start {start!r}")
        keep = (day >= lo) & (day <= hi)
        if keep.all():  # the usual case (data read for exactly the period): no copies
            keep = None
        else:
            codes, day, hour = codes[keep], day[keep], hour[keep]
        first = np.full(n_st, lo, dtype=np.int64)
        last = np.full(n_st, hi, dtype=np.int64)
    elif len(day) == 0:
        first = last = np.zeros(0, dtype=np.int64)
    elif run_starts is not None:  # rows grouped by station: one pass per run
        first = np.minimum.reduceat(day, run_starts).astype(np.int64)
        last = np.maximum.reduceat(day, run_starts).astype(np.int64)
    else:
        mm = pd.Series(day).groupby(codes, sort=True).agg(["min", "max"])
        first = mm["min"].to_numpy(np.int64)
        last = mm["max"].to_numpy(np.int64)
    ndays = last - first + 1
    offset = np.concatenate([[0], np.cumsum(ndays)[:-1]]).astype(np.int64)
    shift = offset - first  # grid day of a station's row = its day number + shift
    if run_starts is not None and keep is None:  # rows grouped by station: no gather
        shift_row = np.repeat(shift, np.diff(np.append(run_starts, len(day))))
    else:
        shift_row = shift[codes]
    rowday = day + shift_row
    pos = rowday * 24 + hour

    dup = K.duplicates(pos, int(ndays.sum()) * 24)[:5]
    if len(dup):
        examples = [
            f"{stations[codes[i]]} {np.datetime64(int(day[i] * 24 + hour[i]), 'h')}" for i in dup
        ]
        raise InputDataError(
            f"duplicate station-hour rows (each station and hour must appear once), e.g. {examples}",
            column="time",
        )
    tpos = hour * int(ndays.sum()) + rowday
    return _Grid(stations, first, ndays, offset, pos, tpos, keep)


def _float_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    try:
        out = frame[column].to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise InputDataError(f"values must be numeric: {exc}", column=column) from None
    if np.isinf(out).any():
        bad = np.flatnonzero(np.isinf(out))[:10].tolist()
        raise InputDataError(f"infinite values at positions {bad}", column=column)
    return out


def _day_frame(grid: _Grid, key: str = "station") -> pd.DataFrame:
    st = grid.day_station()
    dates = grid.day_number().astype("datetime64[D]").astype("datetime64[ns]")
    names = pd.Series(grid.stations.astype(str), dtype="string")
    return pd.DataFrame({key: names.take(st).reset_index(drop=True), "date": dates}, copy=False)


# --------------------------------------------------------------------------------------------
# Limits used by the MDA8 exceedance exception
# --------------------------------------------------------------------------------------------
def o3_8h_limit(dates: pd.Series | np.ndarray) -> np.ndarray:
    """Grade-II O3 8-hour (MDA8) limit in µg/m³ in force on each date (:mod:`airlib.standards.limits`).

    GB 3095—2012 and both stages of GB 3095—2026 give 160 µg/m³ ([GB3095-2012] Table 1,
    [GB3095-2026] Table 1).

    Parameters
    ----------
    dates : pandas.Series or numpy.ndarray of dates
        Dates of the MDA8 values (the edition of the limits is chosen per date).

    Returns
    -------
    numpy.ndarray of float64 [µg/m³]
        The limit in force on each date.
    """
    from airlib.standards.limits import limits_for

    return np.asarray(limits_for(np.asarray(dates), "o3", "8h", grade=2), dtype=np.float64)


# --------------------------------------------------------------------------------------------
# Daily statistics
# --------------------------------------------------------------------------------------------
def daily_statistics(
    hourly: pd.DataFrame,
    pollutants: Sequence[str] = POLLUTANTS,
    start=None,
    end=None,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """Daily statistics of each station and natural day, with counts and validity flags.

    Parameters
    ----------
    hourly : pandas.DataFrame [µg/m³; CO mg/m³]
        Canonical hourly frame (``station``, ``time`` hour-beginning naive Beijing time, and the
        pollutant columns in µg/m³, CO in mg/m³). Missing rows count as missing hours.
    pollutants : sequence of str, optional
        Pollutant columns to evaluate (subset of ``POLLUTANTS``); ``"o3"`` yields the MDA8
        (``o3_8h``) and daily maximum 1-hour (``o3_1h``) statistics.
    start, end : date-like, optional
        First and last natural day of the output (inclusive). If given, **every** station of
        ``hourly`` gets one row per day of ``start..end`` (days outside are dropped; a station
        without data in the period gets invalid rows). If not given, each station spans its
        own first to last day with data. If only one is given, the other bound is the earliest
        / latest day in the data, common to all stations.
    settings : Settings, optional
        ``mda8_min_windows`` and ``o3_1h_min_hours`` are used (see :mod:`airlib.settings`).

    Returns
    -------
    pandas.DataFrame [µg/m³; CO mg/m³; counts]
        One row per station and day: ``station``, ``date`` (datetime64, midnight), and per
        pollutant ``<p>`` (µg/m³, CO mg/m³; NaN unless valid), ``<p>_n`` (valid hours),
        ``<p>_valid`` (≥ 20 valid hours). For O3: ``o3_8h`` (MDA8), ``o3_8h_n`` (valid 8-hour
        windows of the 17 lying in the day), ``o3_8h_valid`` (≥ 14 windows, or fewer but MDA8 >
        the 8-hour limit of the date), ``o3_1h``, ``o3_1h_n``, ``o3_1h_valid``.

    Notes
    -----
    GB 3095 Table 4 (daily ≥ 20 h, 8-hour ≥ 6 h); HJ 663 §6.1.2 ([S], MDA8 windows and the
    14-window rule). See the module docstring for the window layout.
    """
    settings = DEFAULT if settings is None else settings
    unknown = [p for p in pollutants if p not in POLLUTANTS]
    if unknown:
        raise InputDataError(f"unknown pollutant(s) {unknown}; known: {list(POLLUTANTS)}")
    _check_columns(hourly, ("station", "time", *pollutants), "hourly frame")
    grid = _build_grid(hourly, start, end)
    out = _day_frame(grid)
    cols: dict[str, np.ndarray] = {}
    for p in (q for q in DAILY_VALUE_COLUMNS if q in MEAN_POLLUTANTS and q in pollutants):
        value, n, valid = K.daily_mean(*grid.hour_rows(_float_column(hourly, p)))
        cols[p] = value
        cols[f"{p}_n"] = n
        cols[f"{p}_valid"] = valid
    if "o3" in pollutants:
        z, mask = grid.hour_rows(_float_column(hourly, "o3"))
        mda8, n8, valid8 = K.mda8(z, mask, settings.mda8_min_windows, o3_8h_limit(out["date"]))
        cols["o3_8h"] = mda8
        cols["o3_8h_n"] = n8
        cols["o3_8h_valid"] = valid8
        n1 = np.add.reduce(mask, axis=0, dtype=np.int64)
        mx = np.where(n1 > 0, np.where(mask > 0, z, -np.inf).max(axis=0), np.nan)
        valid1 = n1 >= settings.o3_1h_min_hours
        cols["o3_1h"] = np.where(valid1, mx, np.nan)
        cols["o3_1h_n"] = n1.astype(np.int64)
        cols["o3_1h_valid"] = valid1
    # copy=False: no consolidation of the fresh arrays into one 2-D block (a full copy)
    return pd.DataFrame({**{c: out[c] for c in out.columns}, **cols}, copy=False)


# --------------------------------------------------------------------------------------------
# Rolling means for the hourly (real-time) AQI
# --------------------------------------------------------------------------------------------
def _rolling(grid: _Grid, values: np.ndarray, width: int, min_valid: int):
    """Trailing ``width``-hour mean at every grid hour, not reaching before a station's grid.

    Direct shifted sums over the flat station-contiguous grid (no cumulative-sum round-off);
    the first ``width - 1`` hours of each station, whose shifted sums reached into the
    previous station, are then recomputed from that station's own hours only.
    """
    x = grid.matrix(values).ravel()
    ok = ~np.isnan(x)
    xz = np.where(ok, x, 0.0)
    okn = ok.astype(np.int16)
    s = xz.copy()
    n = okn.copy()
    for k in range(1, width):
        s[k:] += xz[:-k]
        n[k:] += okn[:-k]
    starts = grid.offset * 24
    head = min(width - 1, int(grid.ndays.min()) * 24) if len(starts) else 0
    if head > 0:
        idx = starts[:, None] + np.arange(head)[None, :]
        s[idx] = np.cumsum(xz[idx], axis=1)
        n[idx] = np.cumsum(okn[idx], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n >= min_valid, s / n, np.nan)
    return n.astype(np.int64), mean


def _hour_frame(grid: _Grid, hourly: pd.DataFrame) -> pd.DataFrame:
    names = pd.Series(grid.stations.astype(str), dtype="string")
    st = names.take(np.repeat(grid.day_station(), 24)).reset_index(drop=True)
    t = (np.repeat(grid.day_number() * 24, 24) + np.tile(np.arange(24), grid.n_days)).astype(
        "datetime64[h]"
    ).astype("datetime64[ns]")
    out = {"station": st, "time": t}
    numeric = [
        c for c in hourly.columns
        if c not in ("station", "time") and pd.api.types.is_numeric_dtype(hourly[c].dtype)
        and not pd.api.types.is_bool_dtype(hourly[c].dtype)
    ]
    extra = {c: grid.matrix(_float_column(hourly, c)).ravel() for c in numeric}
    return pd.DataFrame({**out, **extra}, copy=False)


def rolling_8h(hourly: pd.DataFrame, start=None, end=None) -> pd.DataFrame:
    """O3 8-hour rolling mean at every hour (HJ 633 real-time report input).

    The value at hour-beginning label ``t`` is the mean of the valid hourly O3 values of hours
    ``t − 7 h … t`` (the 8 hours ending at the end of hour ``t``; in hour-ending labels, the
    value labelled ``t + 1 h``), valid iff ≥ 6 of the 8 are valid (GB 3095 Table 4). Windows
    cross midnight; hours before a station's first grid day count as missing.

    Parameters
    ----------
    hourly : pandas.DataFrame [µg/m³]
        Canonical hourly frame with ``station``, ``time`` (hour-beginning) and ``o3``.
    start, end : date-like, optional
        First and last natural day of the grid, as in :func:`daily_statistics`.

    Returns
    -------
    pandas.DataFrame [µg/m³; counts]
        The complete station-hour grid (``station``, ``time`` and every numeric column of
        ``hourly`` as float, NaN where a row was absent; non-numeric columns such as ``wd``
        are dropped) plus ``o3_8h`` (µg/m³, NaN unless valid) and ``o3_8h_n`` (valid hours in
        the window). ``start``/``end`` as in :func:`daily_statistics`. Chain with
        :func:`rolling_24h` to build the input of the standard-text rule of
        :func:`airlib.standards.aqi.hourly_aqi`:
        ``hourly_aqi(rolling_24h(rolling_8h(hourly)), rule="standard")`` (the platform rule,
        the default, needs only the 1-h values).
    """
    _check_columns(hourly, ("station", "time", "o3"), "hourly frame")
    grid = _build_grid(hourly, start, end)
    out = _hour_frame(grid, hourly)
    n, mean = _rolling(grid, _float_column(hourly, "o3"), 8, WINDOW_MIN_HOURS)
    out["o3_8h"] = mean
    out["o3_8h_n"] = n
    return out


def rolling_24h(
    hourly: pd.DataFrame,
    columns: Sequence[str] = ("pm25", "pm10"),
    start=None,
    end=None,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """24-hour rolling means (PM10/PM2.5, HJ 633—2012 real-time report).

    The value at hour-beginning label ``t`` is the mean of the valid values of hours
    ``t − 23 h … t``. Validity: ≥ ``settings.rolling_24h_min_hours`` (default 20) valid hours
    in the window — the daily-mean rule of GB 3095 Table 4 applied to a sliding day, because no
    source states a rule for the rolling value (UNVERIFIED).

    Parameters
    ----------
    hourly : pandas.DataFrame [µg/m³]
        Canonical hourly frame with ``station``, ``time`` (hour-beginning) and ``columns``.
    columns : sequence of str, default ("pm25", "pm10")
        Columns to average.
    start, end : date-like, optional
        First and last natural day of the grid, as in :func:`daily_statistics`.
    settings : Settings, optional
        ``rolling_24h_min_hours`` is used (default 20).

    Returns
    -------
    pandas.DataFrame [µg/m³; counts]
        Complete station-hour grid as in :func:`rolling_8h`, plus ``<c>_24h`` and ``<c>_24h_n``
        for each of ``columns``.
    """
    settings = DEFAULT if settings is None else settings
    _check_columns(hourly, ("station", "time", *columns), "hourly frame")
    grid = _build_grid(hourly, start, end)
    out = _hour_frame(grid, hourly)
    for c in columns:
        n, mean = _rolling(grid, _float_column(hourly, c), 24, settings.rolling_24h_min_hours)
        out[f"{c}_24h"] = mean
        out[f"{c}_24h_n"] = n
    return out


# --------------------------------------------------------------------------------------------
# Percentiles
# --------------------------------------------------------------------------------------------
def percentile(values, p: float) -> float:
    """The p-th percentile of the non-NaN values, type 7 / linear ([HJ663-2013] as quoted
    [S]; [HYNDMAN-1996]).

    k = 1 + (n − 1)·p/100, s = ⌊k⌋, m_p = X(s) + (X(s+1) − X(s))·(k − s), with X sorted
    ascending. NaN if there is no valid value. ``percentile([3, 4, 8, 2, 5, 4], 90) == 6.5``.

    Parameters
    ----------
    values : array-like of float [µg/m³; CO mg/m³]
        Values (any shape, flattened); NaN values are ignored.
    p : float [%]
        Percentile in [0, 100].

    Returns
    -------
    float [unit of ``values``]
        The percentile, NaN without a valid value.
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    return float(group_percentile(v, np.zeros(len(v), dtype=np.int64), p, ngroups=1)[0])


def group_percentile(values, groups, p, ngroups: int | None = None) -> np.ndarray:
    """Vectorised type-7 percentile of ``values`` within each group, NaN-aware.

    Parameters
    ----------
    values : array-like of float [µg/m³; CO mg/m³]
        Float array; NaN values are ignored.
    groups : array-like of int
        Non-negative integer group code of each value (e.g. ``groupby.ngroup()``).
    p : float or sequence of float [%]
        Percentile in [0, 100], scalar or sequence.
    ngroups : int, optional
        Number of groups (default ``groups.max() + 1``).

    Returns
    -------
    numpy.ndarray of float64 [unit of ``values``]
        Shape ``(ngroups,)`` for scalar ``p``, ``(ngroups, len(p))`` otherwise; NaN for a group
        without valid values.
    """
    v = np.asarray(values, dtype=np.float64)
    g = np.asarray(groups, dtype=np.int64)
    if v.shape != g.shape:
        raise InputDataError("values and groups must have the same length")
    if ngroups is None:
        ngroups = int(g.max()) + 1 if len(g) else 0
    ps = np.atleast_1d(np.asarray(p, dtype=np.float64))
    if ((ps < 0) | (ps > 100)).any():
        raise InputDataError(f"percentile must be within 0..100, got {p}")
    out = K.group_percentile_sorted(v, g, ps, ngroups)
    return out[:, 0] if np.ndim(p) == 0 else out


# --------------------------------------------------------------------------------------------
# Monthly, period and annual statistics
# --------------------------------------------------------------------------------------------
def monthly_min_days(month: np.ndarray | pd.Series) -> np.ndarray:
    """Valid days needed for a valid monthly statistic: 25 in February, else 27.

    GB 3095—2026 Table 4 [GB3095-2026] (the per-month condition of the annual mean).

    Parameters
    ----------
    month : numpy.ndarray or pandas.Series of int [1–12]
        Calendar month numbers.

    Returns
    -------
    numpy.ndarray of int [days]
    """
    return K.month_min_days(month)


def _unit_keys(daily: pd.DataFrame, by) -> list[str]:
    if by is None:
        for k in _UNIT_KEYS:
            if k in daily.columns:
                return [k]
        raise InputDataError(
            f"cannot tell the unit column; pass by=..., expected one of {_UNIT_KEYS}"
        )
    keys = [by] if isinstance(by, str) else list(by)
    _check_columns(daily, keys, "daily frame")
    return keys


def _prepare_daily(daily: pd.DataFrame, by) -> tuple[pd.DataFrame, list[str], list[str]]:
    keys = _unit_keys(daily, by)
    _check_columns(daily, ("date",), "daily frame")
    if not pd.api.types.is_datetime64_dtype(daily["date"].dtype):
        raise InputDataError(f"date must be datetime64, got {daily['date'].dtype}", column="date")
    values = [c for c in DAILY_VALUE_COLUMNS if c in daily.columns]
    if not values:
        raise InputDataError(
            f"daily frame has none of the value columns {DAILY_VALUE_COLUMNS}", column="date"
        )
    d = daily["date"].to_numpy().astype("datetime64[D]")
    if d.size and pd.Series(d).isna().any():
        raise InputDataError("date is missing (NaT)", column="date")
    for k in keys:
        if daily[k].isna().any():
            raise InputDataError(f"unit key {k} is missing in some rows", column=k)
    dup = daily.duplicated([*keys, "date"])
    if dup.any():
        first = daily.loc[dup, [*keys, "date"]].head(3).to_dict("records")
        raise InputDataError(f"duplicate unit-day rows, e.g. {first}", column="date")
    cols = {k: daily[k].to_numpy() for k in keys}
    cols["_day"] = d
    for c in values:
        v = _float_column(daily, c)
        flag = f"{c}_valid"
        if flag in daily.columns:
            ok = daily[flag].to_numpy(dtype=bool, na_value=False)
            v = np.where(ok, v, np.nan)
        cols[c] = v
    return pd.DataFrame(cols, copy=False), keys, values


def _aggregate(
    df: pd.DataFrame, group_cols: list[str], values: list[str], pcts: dict[str, float]
) -> pd.DataFrame:
    """Provisional means, valid-day counts and percentiles of each group."""
    fast = _group_codes(df, group_cols)
    if fast is None:
        g = df.groupby(group_cols, sort=True, dropna=False)
        codes = g.ngroup().to_numpy()
        keys = g.size().index.to_frame(index=False)
    else:
        codes, keys = fast
    ng = len(keys)
    cols: dict[str, object] = {}
    for c in values:
        v = df[c].to_numpy()
        ok = ~np.isnan(v)
        n = np.bincount(codes, weights=ok, minlength=ng)
        s = np.bincount(codes, weights=np.where(ok, v, 0.0), minlength=ng)
        with np.errstate(invalid="ignore", divide="ignore"):
            cols[c] = np.where(n > 0, s / np.maximum(n, 1), np.nan)
        cols[f"{c}_n"] = n.astype(np.int64)
        if c in pcts:
            cols[f"{c}_p{pcts[c]:g}"] = group_percentile(v, codes, pcts[c], ngroups=ng)
    # the group keys, then all statistics in one construction (no column-by-column inserts)
    return pd.DataFrame({**{k: keys[k] for k in keys.columns}, **cols}, copy=False)


def _group_codes(df: pd.DataFrame, group_cols: list[str]) -> tuple[np.ndarray, pd.DataFrame] | None:
    """Group number of each row and the frame of group keys, as ``groupby(group_cols,
    sort=True).ngroup()`` and ``.size().index.to_frame(index=False)`` give them, from one
    sorted factorisation per key and integer arithmetic (no hashing of key tuples).
    ``None`` when a key has missing values (left to groupby)."""
    codes = np.zeros(len(df), dtype=np.int64)
    uniques = []
    space = 1
    for c in group_cols:
        k, u = pd.factorize(df[c], sort=True)
        if len(k) and k.min() < 0:
            return None
        space *= max(len(u), 1)
        if space > 2**62:  # pragma: no cover - absurd number of key combinations
            return None
        codes = codes * max(len(u), 1) + k
        uniques.append(u)
    if space <= 4 * len(df) + 1024:
        present = np.zeros(space, dtype=bool)
        present[codes] = True
        groups = np.flatnonzero(present)
        codes = (np.cumsum(present) - 1)[codes]
    else:
        groups, codes = np.unique(codes, return_inverse=True)
    parts = {}
    for c, u in zip(reversed(group_cols), reversed(uniques)):
        n = max(len(u), 1)
        parts[c] = u.take(groups % n)
        groups = groups // n
    keys = pd.DataFrame({c: parts[c] for c in group_cols})
    return codes.astype(np.int64), keys


def _stat_columns(values: list[str], pcts: dict[str, float]) -> dict[str, list[str]]:
    """Statistic columns belonging to each value column."""
    return {c: [c] + ([f"{c}_p{pcts[c]:g}"] if c in pcts else []) for c in values}


def _apply_validity(out: pd.DataFrame, values, pcts, valid: dict[str, np.ndarray]):
    # columns gathered in a dict (same order as inserting them one by one), one construction
    cols: dict[str, object] = {c: out[c] for c in out.columns}
    for c, stats in _stat_columns(values, pcts).items():
        ok = valid[c]
        cols[f"{c}_valid"] = ok
        for s in stats:
            cols[f"{s}_provisional"] = cols[s]
            cols[s] = np.where(ok, out[s].to_numpy(), np.nan)
    return pd.DataFrame(cols, index=out.index, copy=False)


def _order(out: pd.DataFrame, head: list[str], values, pcts) -> pd.DataFrame:
    cols = list(head)
    for c, stats in _stat_columns(values, pcts).items():
        nvm = [f"{c}_n_valid_months"] if f"{c}_n_valid_months" in out.columns else []
        cols += stats + [f"{c}_n", *nvm, f"{c}_valid"] + [f"{s}_provisional" for s in stats]
    cols += [c for c in out.columns if c not in cols]
    return out[cols]


def _month_table(df: pd.DataFrame, keys: list[str], values: list[str], pcts) -> pd.DataFrame:
    df = df.assign(month=df["_day"].to_numpy().astype("datetime64[M]"))
    out = _aggregate(df, [*keys, "month"], values, pcts)
    month = out["month"].to_numpy().astype("datetime64[M]")
    days = (month + 1).astype("datetime64[D]") - month.astype("datetime64[D]")
    out["days_in_month"] = days.astype(np.int64)
    calendar_month = month.astype(np.int64) % 12 + 1
    valid = {c: K.month_valid(out[f"{c}_n"].to_numpy(), calendar_month) for c in values}
    out = _apply_validity(out, values, pcts, valid)
    out["month"] = month.astype("datetime64[ns]")
    return _order(out, [*keys, "month", "days_in_month"], values, pcts)


def monthly_statistics(
    daily: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    percentiles: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Monthly statistics of each unit and calendar month (GB 3095 Table 4, HJ 663).

    Parameters
    ----------
    daily : pandas.DataFrame [µg/m³; CO mg/m³]
        Output of :func:`daily_statistics` or :func:`airlib.tracking.aggregation.aggregate_daily`: unit
        key(s), ``date`` and value columns with ``<c>_valid`` flags (a value with a false flag
        is ignored; without a flag column, any non-NaN value counts as valid). Days absent from
        the frame count as missing days.
    by : str or sequence of str, optional
        Unit key column(s); default: the first of ``station``, ``town_code``, ``district_code``.
    percentiles : dict of str to float [%], optional
        Percentile statistics, ``{value column: p}``; default CO 95th percentile of daily means
        and O3 90th percentile of MDA8 (CNEMC monthly statistics [O]).

    Returns
    -------
    pandas.DataFrame [µg/m³; CO mg/m³; days]
        Per unit and month (``month`` = first day of the month, datetime64) with
        ``days_in_month`` and, per value column ``c``: ``c`` (mean of the valid daily values,
        NaN unless the month is valid), percentile columns such as ``co_p95``/``o3_8h_p90``,
        ``c_n`` (valid days), ``c_valid`` (≥ 27 valid days, ≥ 25 in February), and
        ``c_provisional``/``co_p95_provisional``…: the same statistics regardless of validity.
    """
    pcts = MONTHLY_PERCENTILES if percentiles is None else dict(percentiles)
    df, keys, values = _prepare_daily(daily, by)
    return _month_table(df, keys, values, pcts).reset_index(drop=True)


def _month_bound(value, name: str, end: bool) -> np.datetime64:
    """Parse a period bound: a month (``"2016-10"``, Period) or a date on a month boundary."""
    if isinstance(value, pd.Period):
        return np.datetime64(parse_month(value, name).start_time.to_datetime64(), "M")
    if isinstance(value, str) and len(value.strip()) <= 7:
        try:
            return np.datetime64(parse_month(value, name).start_time.to_datetime64(), "M")
        except InputDataError:
            pass  # e.g. "2016": read below as a date
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise InputDataError(f"{name}={value!r} is not a month or date: {exc}") from None
    m = np.datetime64(ts.to_datetime64(), "M")
    d = np.datetime64(ts.to_datetime64(), "D")
    boundary = (m + 1).astype("datetime64[D]") - 1 if end else m.astype("datetime64[D]")
    if d != boundary or ts != ts.normalize():
        which = "last" if end else "first"
        raise InputDataError(
            f"{name}={value!r}: a period must consist of whole months; give a month "
            f"('YYYY-MM') or the {which} day of a month"
        )
    return m


def period_statistics(
    daily: pd.DataFrame,
    start,
    end,
    by: str | Sequence[str] | None = None,
    percentiles: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Statistics over a period of whole months (season-to-date, year-to-date, quarter…).

    Parameters
    ----------
    daily : pandas.DataFrame [µg/m³; CO mg/m³]
        As for :func:`monthly_statistics`.
    start, end : str, pandas.Period or date-like
        First and last month of the period (inclusive): ``"2016-10"``, a ``pd.Period``, or the
        first day (``start``) / last day (``end``) of a month. Other dates raise
        :class:`~airlib.errors.InputDataError`.
    by : str or sequence of str, optional
        Unit key column(s), as for :func:`monthly_statistics`.
    percentiles : dict of str to float [%], optional
        Default: SO2/NO2 98th, PM10/PM2.5/CO 95th percentile of daily means, O3 90th
        percentile of MDA8.

    Returns
    -------
    pandas.DataFrame [µg/m³; CO mg/m³; days]
        One row per unit with ``start``, ``end`` (first and last day), ``n_months``,
        ``days_in_period``; per value column ``c``: ``c`` (mean of valid daily values), the
        percentile columns, ``c_n`` (valid days), ``c_n_valid_months``, ``c_valid`` and
        ``*_provisional``.

    Notes
    -----
    Validity rule (decision, GB 3095 Table 4 states rules for months and years only): the
    period is valid iff **every** month of it satisfies the monthly rule (≥ 27 valid days,
    ≥ 25 in February). A full calendar year therefore also needs ≥ 324 days to satisfy
    :func:`annual_statistics`; ``period_statistics`` does not apply the 324-day count.
    """
    pcts = ANNUAL_PERCENTILES if percentiles is None else dict(percentiles)
    m0, m1 = _month_bound(start, "start", False), _month_bound(end, "end", True)
    if m1 < m0:
        raise InputDataError(f"end {end!r} is before start {start!r}")
    df, keys, values = _prepare_daily(daily, by)
    d0, d1 = m0.astype("datetime64[D]"), (m1 + 1).astype("datetime64[D]")
    sel = (df["_day"].to_numpy() >= d0) & (df["_day"].to_numpy() < d1)
    units = df[keys].drop_duplicates().sort_values(keys).reset_index(drop=True)
    df = df[sel]
    n_months = int((m1 - m0).astype(np.int64)) + 1
    monthly = _month_table(df, keys, values, {})
    vm = monthly.groupby(keys, sort=True)[[f"{c}_valid" for c in values]].sum()
    out = _aggregate(df, keys, values, pcts)
    # a unit of the frame without any row in the period is reported, with 0 valid days
    out = units.merge(out, on=keys, how="left")
    for c in values:
        out[f"{c}_n"] = out[f"{c}_n"].fillna(0).astype(np.int64)
    vm = vm.reindex(pd.MultiIndex.from_frame(out[keys]) if len(keys) > 1 else out[keys[0]])
    valid = {}
    for c in values:
        nvm = vm[f"{c}_valid"].fillna(0).to_numpy(dtype=np.int64)
        out[f"{c}_n_valid_months"] = nvm
        valid[c] = nvm == n_months
    out = _apply_validity(out, values, pcts, valid)
    out["start"] = np.datetime64(d0, "ns")
    out["end"] = np.datetime64(d1 - 1, "ns")
    out["n_months"] = n_months
    out["days_in_period"] = int((d1 - d0).astype(np.int64))
    out = _order(out, [*keys, "start", "end", "n_months", "days_in_period"], values, pcts)
    return out.reset_index(drop=True)


def annual_statistics(
    daily: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    percentiles: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Annual statistics of each unit and calendar year (GB 3095 Table 4, HJ 663).

    Valid iff ≥ 324 valid daily values in the year **and** every one of the 12 months has
    ≥ 27 (February ≥ 25) valid daily values. Statistics: annual mean of the valid daily values
    of each value column; SO2/NO2 98th, PM10/PM2.5/CO 95th percentile of daily means; O3 90th
    percentile of MDA8 (``so2_p98`` … ``o3_8h_p90``), all NaN unless valid, with ``c_n``,
    ``c_n_valid_months``, ``c_valid`` and ``*_provisional`` columns. ``year`` is an integer;
    ``days_in_year`` is 365 or 366.

    Parameters
    ----------
    daily : pandas.DataFrame [µg/m³; CO mg/m³]
        Daily statistics with ``<c>_valid`` flags, as for :func:`monthly_statistics`.
    by : str or sequence of str, optional
        Unit key column(s); default the first of ``station``, ``town_code``, ``district_code``.
    percentiles : dict of str to float [%], optional
        ``{value column: p}``; default :data:`ANNUAL_PERCENTILES` (SO2/NO2 98th, PM10/PM2.5/CO
        95th, O3 MDA8 90th; [HJ663-2013] as quoted [S]).

    Returns
    -------
    pandas.DataFrame [µg/m³; CO mg/m³; days]
        One row per unit and year, columns as described above.
    """
    pcts = ANNUAL_PERCENTILES if percentiles is None else dict(percentiles)
    df, keys, values = _prepare_daily(daily, by)
    df = df.assign(year=df["_day"].to_numpy().astype("datetime64[Y]").astype(np.int64) + 1970)
    monthly = _month_table(df, [*keys, "year"], values, {})
    vm = monthly.groupby([*keys, "year"], sort=True)[[f"{c}_valid" for c in values]].sum()
    out = _aggregate(df, [*keys, "year"], values, pcts)
    vm = vm.reindex(pd.MultiIndex.from_frame(out[[*keys, "year"]]))
    year = out["year"].to_numpy(np.int64)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    out["days_in_year"] = np.where(leap, 366, 365)
    valid = {}
    for c in values:
        nvm = vm[f"{c}_valid"].fillna(0).to_numpy(dtype=np.int64)
        out[f"{c}_n_valid_months"] = nvm
        valid[c] = (out[f"{c}_n"].to_numpy() >= ANNUAL_MIN_DAYS) & (nvm == 12)
    out = _apply_validity(out, values, pcts, valid)
    out = _order(out, [*keys, "year", "days_in_year"], values, pcts)
    return out.reset_index(drop=True)
