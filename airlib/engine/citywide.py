"""Citywide town statistics streamed month by month from the processed store.

Rank every town (街乡镇) of a city for a month, compute the comprehensive index, year-on-year
change and year-to-date values for every town, from years of hourly data, reading the
hive-partitioned store (``<root>/<dataset>/hourly/year=YYYY/month=M/``) one month at a time.
Memory is bounded by one month of hourly data, whatever the length of the record.

The per-month kernel lays each pollutant out on a dense hour-major ``hour × station-day``
grid (numpy) and applies the validity rules with the array kernels that
:func:`airlib.standards.validity.daily_statistics` and :func:`airlib.standards.validity.monthly_statistics` use
(``airlib.standards.kernels``): one implementation of the rules, two ways of reading the data.

Rules implemented (the same as :mod:`airlib.standards.validity` and the benchmark references):

* daily mean of PM2.5, PM10, SO2, NO2 (µg/m³) and CO (mg/m³): mean of the valid hourly values
  of the natural day, valid with ≥ 20 valid hours; a missing row counts as a missing hour
  (GB 3095 Table 4);
* O3 MDA8: the 17 eight-hour windows that lie inside the natural day (start hours 00–16,
  hour-beginning labels); a window is valid with ≥ 6 valid hours; MDA8 is the largest valid
  window mean, valid with ≥ ``settings.mda8_min_windows`` (14) valid windows, or with fewer
  when it exceeds the grade II MDA8 limit 160 µg/m³ (HJ 663—2013 §6.1.2 as quoted, [HJ663-2013]);
* town daily value: mean of the valid station daily values of the town's stations
  (a town-day is valid when at least one station is valid);
* monthly mean: mean of the valid town daily values, valid with ≥ 27 valid days (≥ 25 in
  February) (GB 3095 Table 4); CO 95th and O3 90th percentiles (linear, [HJ663-2013], [HYNDMAN-1996]) use
  the same day-count rule;
* ranking on published-precision values (GB/T 8170, PM2.5 integers to 2023 and 1 decimal
  from 2024), ascending, ties share the smallest rank (``min``) ([BJ-MONTHLY-2021]):
  :func:`airlib.standards.rounding.round_published` and
  :func:`airlib.standards.ranking_rules.competition_rank`, as in :mod:`airlib.tracking.ranking`;
* comprehensive index: :func:`airlib.standards.composite_index.composite_index` itself
  (C_i at published precision, S_i of the edition chosen by the month as
  ``settings.composite_limits_edition`` says, weights and GB/T 8170 rounding);
* year-to-date PM2.5 (:func:`airlib.standards.ranking_rules.year_to_date`): mean of the valid
  town daily values from 1 January to the end of the month, valid when every month so far is
  valid; year-on-year change (:func:`airlib.standards.ranking_rules.yoy_percent`)
  ``(cur − last) / last × 100`` on published values, rounded to ``settings.yoy_decimals``.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from airlib.standards import kernels as K
from airlib.standards import validity as _validity
from airlib.errors import InputDataError
from airlib.pollutants import POLLUTANTS
from airlib.standards.ranking_rules import competition_rank, year_to_date, yoy_percent
from airlib.standards.rounding import round_published
from airlib.settings import DEFAULT, Settings
from airlib.tracking.station_sets import is_dated, stations_for

__all__ = [
    "MEAN_POLLUTANTS",
    "MIN_DAILY_HOURS",
    "MIN_WINDOW_HOURS",
    "O3_MDA8_LIMIT",
    "min_valid_days",
    "station_daily_month",
    "percentile_rows",
    "town_month_statistics",
    "read_month",
    "store_months",
    "town_monthly_table",
    "monthly_ranking",
    "composite_ranking",
    "yoy_ytd",
    "rank_month",
]

#: Pollutants summarised by a daily mean (O3 is summarised by MDA8); as in :mod:`airlib.standards.validity`.
MEAN_POLLUTANTS: tuple[str, ...] = _validity.MEAN_POLLUTANTS
#: GB 3095 Table 4: valid hourly values needed for a daily mean (:data:`airlib.standards.validity.DAILY_MIN_HOURS`).
MIN_DAILY_HOURS = K.DAILY_MIN_HOURS
#: GB 3095 Table 4: valid hourly values needed in an 8-hour O3 window (:data:`airlib.standards.validity.WINDOW_MIN_HOURS`).
MIN_WINDOW_HOURS = K.WINDOW_MIN_HOURS
#: Grade II MDA8 limit (µg/m³), unchanged in GB 3095—2012 and —2026.
O3_MDA8_LIMIT = 160.0



def min_valid_days(month: int) -> int:
    """Valid daily values needed for a valid monthly value: 27, or 25 in February (GB 3095 Table 4)."""
    return int(K.month_min_days(month))


class _Workspace:
    """Reusable scratch arrays of one worker thread.

    Freshly allocated multi-megabyte numpy arrays are page-faulted in on first touch, which
    cost about a third of the per-month CPU time on the city store; a month job that reuses
    these buffers (and ``out=`` arguments) avoids that. Results never point into them.
    """

    def __init__(self) -> None:
        self._bufs: dict[str, np.ndarray] = {}

    def get(self, name: str, n: int, dtype) -> np.ndarray:
        """A 1-D scratch array of ``n`` elements (contents undefined)."""
        buf = self._bufs.get(name)
        if buf is None or buf.dtype != dtype or len(buf) < n:
            buf = self._bufs[name] = np.empty(max(n, 1), dtype=dtype)
        return buf[:n]


def _daily_from_positions(
    tpos: np.ndarray,
    values: dict[str, np.ndarray],
    n_stations: int,
    n_days: int,
    settings: Settings | None,
    ws: _Workspace | None = None,
    nulls: dict[str, tuple[np.ndarray, int]] | None = None,
) -> dict[str, np.ndarray]:
    """:func:`station_daily_month` from unique hour-major positions ``hour-of-day × n_rows +
    station × n_days + day`` (``n_rows = n_stations × n_days``); ``nulls[p]``: the Arrow
    validity bitmap and bit offset of pollutant ``p`` (its null rows are missing, whatever
    ``values[p]`` holds there; see :func:`_raw_value_arrays`)."""
    from airlib.engine import _grid  # numba: imported on first use (~0.2 s, ~120 MiB)

    nulls = {} if nulls is None else nulls
    settings = DEFAULT if settings is None else settings
    ws = _Workspace() if ws is None else ws
    n_rows = n_stations * n_days
    out: dict[str, np.ndarray] = {}
    z, valid = ws.get("z", 24 * n_rows, np.float64), ws.get("valid", 24 * n_rows, np.uint8)
    tpos = np.ascontiguousarray(tpos, dtype=np.int64)
    for name in (*MEAN_POLLUTANTS, "o3"):
        if name not in values:
            continue
        bitmap, offset = nulls.get(name, (_grid.NO_NULLS, 0))
        _grid.scatter(tpos, np.ascontiguousarray(values[name], dtype=np.float64), bitmap, offset, z, valid)
        zg, mask = z.reshape(24, n_rows), valid.reshape(24, n_rows)
        if name == "o3":
            nw = K.WINDOWS_PER_DAY * n_rows
            value, _, _ = K._mda8_into(
                zg,
                mask,
                settings.mda8_min_windows,
                O3_MDA8_LIMIT,
                ws.get("win_s", nw, np.float64),
                ws.get("win_n", nw, np.int16),
                ws.get("win_low", nw, np.bool_),
            )
        else:
            value, _, _ = K.daily_mean(zg, mask)
        out[name] = value.reshape(n_stations, n_days)
    return out


def _grid_positions(
    ticks: np.ndarray,
    codes: np.ndarray,
    station_part: np.ndarray,
    n_rows: int,
    n_days: int,
    first_hour: int,
    ticks_per_hour: int,
    ws: _Workspace,
) -> tuple[np.ndarray, int, int]:
    """Hour-major grid position ``hour-of-day × n_rows + station × n_days + day`` of each row,
    with the month checks (:func:`airlib.engine._grid.positions`; the hour part is tabled once per hour
    of the month, the station part per station code). Returns ``tpos, status, row`` (``tpos``
    lives in ``ws``; ``status``/``row`` as for :func:`airlib.engine._grid.positions`)."""
    from airlib.engine import _grid  # numba: imported on first use (~0.2 s, ~120 MiB)

    h = np.arange(n_days * 24, dtype=np.int64)
    hour_part = (h % 24) * n_rows + h // 24
    tpos = ws.get("tpos", len(ticks), np.int64)
    present = ws.get("present", 24 * n_rows, np.bool_)
    codes = np.ascontiguousarray(codes, dtype=np.int32)
    status, row = _grid.positions(ticks, codes, station_part, hour_part, first_hour, ticks_per_hour, tpos, present)
    return tpos, int(status), int(row)


def station_daily_month(
    station_idx: np.ndarray,
    hour_idx: np.ndarray,
    values: dict[str, np.ndarray],
    n_stations: int,
    n_days: int,
    settings: Settings | None = None,
) -> dict[str, np.ndarray]:
    """Valid station daily values for one month, as dense ``(station, day)`` arrays.

    Parameters
    ----------
    station_idx, hour_idx : numpy.ndarray of int
        Per hourly row: station number (0 … n_stations−1) and hour of the month
        (0 … 24·n_days−1, hour-beginning labels). A station-hour may occur once only.
    values : dict of numpy.ndarray
        Per pollutant (``pm25, pm10, so2, no2, co, o3``), the hourly values (NaN = invalid).
    n_stations, n_days : int
        Shape of the month.
    settings : Settings, optional
        ``mda8_min_windows``.

    Returns
    -------
    dict of numpy.ndarray
        ``pm25, pm10, so2, no2, co`` daily means (µg/m³; CO mg/m³) and ``o3`` MDA8 (µg/m³),
        each ``(n_stations, n_days)`` with NaN where the day is not valid.

    Raises
    ------
    InputDataError
        If a station-hour occurs twice, or an hour lies outside the month.
    """
    from airlib.engine import _grid

    ws = _Workspace()
    hour = np.ascontiguousarray(hour_idx, dtype=np.int64)
    station = np.asarray(station_idx)
    station_part = np.arange(n_stations, dtype=np.int64) * n_days
    tpos, status, row = _grid_positions(hour, station, station_part, n_stations * n_days, n_days, 0, 1, ws)
    if status == _grid.OFF_GRID:
        raise InputDataError(f"hour {hour[row]} outside the month of {n_days} days (row {row})", column="time")
    if status == _grid.DUPLICATE:
        raise InputDataError(
            f"duplicate station-hour (station #{station[row]}, hour {hour[row]} of the month)", column="time"
        )
    return _daily_from_positions(tpos, values, n_stations, n_days, settings, ws)


def percentile_rows(x: np.ndarray, q: float) -> np.ndarray:
    """Row-wise percentile of the non-NaN values, linear method (Hyndman–Fan type 7).

    [HJ663-2013] as quoted, [HYNDMAN-1996]: sort the n valid values, k = 1 + (n − 1)·p, s = ⌊k⌋,
    m = X(s) + (X(s+1) − X(s))·(k − s). Rows without valid values give NaN.

    Parameters
    ----------
    x : numpy.ndarray, shape (rows, n)
    q : float
        Percentile in [0, 100].
    """
    return K.percentile_rows(x, q)


def town_month_statistics(
    daily: dict[str, np.ndarray], town_starts: np.ndarray, month: int
) -> dict[str, np.ndarray]:
    """Town monthly statistics from station daily arrays of one month.

    Parameters
    ----------
    daily : dict of numpy.ndarray
        Output of :func:`station_daily_month`, stations ordered by town.
    town_starts : numpy.ndarray of int
        Index of the first station of each town in that order (as for ``numpy.add.reduceat``).
    month : int
        Calendar month (for the February rule).

    Returns
    -------
    dict of numpy.ndarray, each of length ``len(town_starts)``
        ``<p>`` monthly mean (NaN if invalid) and ``<p>_days`` valid days for the five mean
        pollutants; ``co_p95`` and ``o3_p90`` percentiles; ``o3_days``; ``pm25_sum`` (sum of
        valid town daily PM2.5, for year-to-date).
    """
    out: dict[str, np.ndarray] = {}
    for name, arr in daily.items():
        ok = ~np.isnan(arr)
        tsum = np.add.reduceat(np.where(ok, arr, 0.0), town_starts, axis=0)
        tcnt = np.add.reduceat(ok.astype(np.int64), town_starts, axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            town_daily = np.where(tcnt > 0, tsum / tcnt, np.nan)
        tok = tcnt > 0
        days = tok.sum(axis=1)
        total = np.where(tok, town_daily, 0.0).sum(axis=1)
        valid = K.month_valid(days, month)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(valid, total / np.maximum(days, 1), np.nan)
        out[f"{name}_days"] = days
        if name != "o3":
            out[name] = mean
        if name == "pm25":
            out["pm25_sum"] = total
        if name in ("co", "o3"):
            q = 95 if name == "co" else 90
            out[f"{name}_p{q}"] = np.where(valid, percentile_rows(town_daily, q), np.nan)
    return out


def read_month(
    root: str | Path,
    dataset: str,
    year: int,
    month: int,
    columns: Iterable[str] = POLLUTANTS,
    station_ids: Iterable[str] | None = None,
    use_threads: bool = True,
) -> pa.Table:
    """Read one month partition of the hourly store as an Arrow table.

    Parameters
    ----------
    root, dataset, year, month
        The partition ``<root>/<dataset>/hourly/year=<year>/month=<month>/``.
    columns : iterable of str
        Value columns to read besides ``station`` and ``time``.
    station_ids : iterable of str, optional
        Read only these stations (a row filter pushed down to the Parquet reader).
    use_threads : bool, default True
        Decode the columns in parallel on Arrow's thread pool. Callers that already read
        several months in parallel threads pass False (measured faster on 2 cores).
    """
    from airlib.io.store import partition_path

    folder = partition_path(root, dataset, year, month).parent  # the store's layout, current version
    files = sorted(folder.glob("*.parquet"))
    if not files:
        raise InputDataError(f"no hourly data for {year}-{month:02d}", file=folder)
    cols = ["station", "time", *columns]
    if station_ids is None:  # ParquetFile.read avoids the dataset machinery (about 2x faster here)
        tables = [pq.ParquetFile(f, read_dictionary=["station"]).read(columns=cols, use_threads=use_threads) for f in files]
    else:
        filters = [("station", "in", [str(s) for s in station_ids])]
        tables = [
            pq.read_table(f, columns=cols, filters=filters, read_dictionary=["station"], use_threads=use_threads)
            for f in files
        ]
    return tables[0] if len(tables) == 1 else pa.concat_tables(tables, promote_options="permissive")


def store_months(root: str | Path, dataset: str) -> list[tuple[int, int]]:
    """Sorted ``(year, month)`` partitions present in the hourly store (:func:`airlib.io.store.store_months`)."""
    from airlib.io.store import store_months as months_of

    return months_of(root, dataset)


_LOOKUPS: dict[int, tuple[pd.Index, dict[str, int]]] = {}


def _lookup(codes: pd.Index) -> dict[str, int]:
    """``{station: position}`` for a registry index (cached per index object)."""
    hit = _LOOKUPS.get(id(codes))
    if hit is None or hit[0] is not codes:
        hit = (codes, {str(c): i for i, c in enumerate(codes)})
        _LOOKUPS.clear()
        _LOOKUPS[id(codes)] = hit
    return hit[1]


def _station_codes(
    table: pa.Table, station_codes: pd.Index, file: object, drop_unknown: bool
) -> tuple[pa.Table, np.ndarray, np.ndarray]:
    """Dictionary indices of the ``station`` column and the registry position of each
    dictionary entry (−1 for none); with ``drop_unknown``, rows of other stations are dropped."""
    col = table.column("station")
    if not pa.types.is_dictionary(col.type):
        col = pc.dictionary_encode(col)
    if isinstance(col, pa.ChunkedArray):
        col = col.chunk(0) if col.num_chunks == 1 else col.unify_dictionaries().combine_chunks()
    if col.null_count:
        raise InputDataError("missing station id", file=file, column="station")
    dictionary = col.dictionary.to_pylist()
    codes = col.indices.to_numpy(zero_copy_only=False)
    lookup = _lookup(station_codes)
    mapping = np.fromiter((lookup.get(x, -1) for x in dictionary), dtype=np.int64, count=len(dictionary))
    if (mapping < 0).any():  # only then: is an unknown dictionary entry actually used?
        unknown = (mapping < 0) & (np.bincount(codes, minlength=len(dictionary)) > 0)
        if unknown.any() and drop_unknown:  # read only the registry's stations
            keep = mapping[codes] >= 0
            table = table.filter(pa.array(keep))
            codes = codes[keep]
        elif unknown.any():
            names = [dictionary[i] for i in np.flatnonzero(unknown)[:5]]
            raise InputDataError(f"stations not in the station registry: {names}", file=file, column="station")
    return table, codes, mapping


def _time_ticks(table: pa.Table, file: object) -> tuple[np.ndarray, int, int]:
    """The ``time`` column as int64 ticks in its stored unit (zero-copy), ticks per hour and
    per second; raises on nulls or a type other than a naive timestamp."""
    tcol = table.column("time")
    if tcol.null_count:
        raise InputDataError("missing time", file=file, column="time")
    if not pa.types.is_timestamp(tcol.type) or tcol.type.tz is not None:
        raise InputDataError(f"time must be a naive timestamp, got {tcol.type}", file=file, column="time")
    per_second = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[tcol.type.unit]
    arr = tcol.chunk(0) if tcol.num_chunks == 1 else tcol.combine_chunks()
    return arr.view(pa.int64()).to_numpy(), 3600 * per_second, per_second


def _hours_of_month(table: pa.Table, year: int, month: int, n_days: int, file: object) -> np.ndarray:
    """Hour of the month (int64, 0 … 24·n_days−1) of each row, from the ``time`` column,
    checked to lie in the month and on the hour. Works in the stored unit, without a cast."""
    t, hour, per_second = _time_ticks(table, file)
    rel = t - pd.Timestamp(year, month, 1).value // (1_000_000_000 // per_second)
    hour_idx = rel // hour
    if (
        len(rel)
        and (hour_idx.min() < 0 or hour_idx.max() >= n_days * 24 or not np.array_equal(hour_idx * hour, rel))
    ):
        raise InputDataError(f"times outside {year}-{month:02d} or not on the hour", file=file, column="time")
    return hour_idx


def _value_arrays(table: pa.Table) -> dict[str, np.ndarray]:
    """float64 numpy arrays of the pollutant columns, null → NaN (zero-copy where possible)."""
    values, nulls = _raw_value_arrays(table, raw=False)
    return values


def _raw_value_arrays(
    table: pa.Table, raw: bool = True
) -> tuple[dict[str, np.ndarray], dict[str, tuple[np.ndarray, int]]]:
    """Value arrays and, per float64 column with nulls, its validity bitmap and bit offset.

    With ``raw``, such a column's data buffer is used as is (zero-copy; **its values at the
    null rows are undefined**) and the caller treats the null rows as missing from the bitmap
    (:func:`airlib.engine._grid.scatter`), instead of ``fill_null`` writing a new column (about 0.4 ms
    per column and city month)."""
    values, nulls = {}, {}
    for name in table.column_names:
        if name not in POLLUTANTS:
            continue
        col = table.column(name)
        col = col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()
        if col.null_count and raw and col.type == pa.float64():
            validity, data = col.buffers()
            n, off = len(col), col.offset
            nulls[name] = (np.frombuffer(validity, np.uint8), off)
            values[name] = np.frombuffer(data, np.float64, n + off)[off:]
            continue
        if col.null_count:
            col = pc.fill_null(col, np.nan)
        values[name] = col.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
    return values, nulls


def _month_arrays(
    table: pa.Table, station_codes: pd.Index, year: int, month: int, file: object = None, drop_unknown: bool = False
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], int]:
    """Registry position and hour of the month of each row, and the value arrays."""
    n_days = pd.Timestamp(year, month, 1).days_in_month
    table, codes, mapping = _station_codes(table, station_codes, file, drop_unknown)
    station_idx = mapping[codes]
    hour_idx = _hours_of_month(table, year, month, n_days, file)
    return station_idx, hour_idx, _value_arrays(table), n_days


def _month_grid(
    table: pa.Table,
    station_codes: pd.Index,
    year: int,
    month: int,
    file: object = None,
    drop_unknown: bool = False,
    ws: _Workspace | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, tuple[np.ndarray, int]], int]:
    """As :func:`_month_arrays`, but straight to the unique hour-major grid position
    ``hour-of-day × n_rows + station × n_days + day`` of each row, in one compiled pass
    (:func:`airlib.engine._grid.positions`; the station part is computed once per dictionary entry,
    the hour part once per hour of the month). The positions live in ``ws`` (when given).

    Returns ``tpos, values, nulls, n_days``: ``nulls[p]`` is the validity bitmap and offset of
    pollutant ``p`` when it has null rows (whose entries in ``values[p]`` are undefined, see
    :func:`_raw_value_arrays`); pass both to :func:`_daily_from_positions`.

    Raises
    ------
    InputDataError
        A time not on the hour or outside the month, or a station-hour twice (naming the
        station and the time).
    """
    from airlib.engine import _grid  # numba: imported on first use

    ws = _Workspace() if ws is None else ws
    n_days = pd.Timestamp(year, month, 1).days_in_month
    n_rows = len(station_codes) * n_days
    table, codes, mapping = _station_codes(table, station_codes, file, drop_unknown)
    t, hour, per_second = _time_ticks(table, file)
    # hours since the epoch of the month's first hour (a month starts on the hour)
    first = pd.Timestamp(year, month, 1).value // (1_000_000_000 // per_second) // hour
    station_part = mapping.astype(np.int64) * n_days  # −1 entries are never used by a kept row
    tpos, status, row = _grid_positions(t, codes, station_part, n_rows, n_days, first, hour, ws)
    if status != _grid.OK:
        when = pd.Timestamp(int(t[row]), unit=table.column("time").type.unit)
        station = str(station_codes[mapping[codes[row]]])
        if status == _grid.OFF_GRID:
            raise InputDataError(
                f"times outside {year}-{month:02d} or not on the hour (station {station}, time {when})",
                file=file,
                column="time",
            )
        raise InputDataError(
            f"duplicate station-hour (station #{mapping[codes[row]]}, hour "
            f"{(when - pd.Timestamp(year, month, 1)) // pd.Timedelta(hours=1)} of the month): "
            f"station {station} at {when} occurs twice",
            file=file,
            column="time",
        )
    values, nulls = _raw_value_arrays(table)
    return tpos, values, nulls, n_days


def _registry_arrays(stations: pd.DataFrame) -> tuple[pd.Index, np.ndarray, pd.Index]:
    """Station codes ordered by town, the first-station index of each town, the town codes."""
    for col in ("station", "town_code"):
        if col not in stations.columns:
            raise InputDataError(f"station registry lacks column {col!r}", column=col)
    reg = pd.DataFrame(
        {"station": stations["station"].astype("string"), "town_code": stations["town_code"].astype("string")}
    )
    if reg.isna().any().any():
        raise InputDataError("station registry has a station without id or town_code", column="town_code")
    if reg["station"].duplicated().any():
        dup = reg.loc[reg["station"].duplicated(), "station"].tolist()[:5]
        raise InputDataError(f"station registry lists stations twice: {dup}", column="station")
    reg = reg.sort_values(["town_code", "station"], kind="stable").reset_index(drop=True)
    codes = pd.Index(reg["station"].to_numpy(dtype=object))
    towns = reg["town_code"].to_numpy(dtype=object)
    starts = np.flatnonzero(np.r_[True, towns[1:] != towns[:-1]])
    return codes, starts, pd.Index(towns[starts], name="town_code")


@dataclass(frozen=True)
class _MonthJob:
    """Town statistics of one month of the store (the unit of work of the threaded and the
    Dask path); picklable, so it can be shipped to Dask workers."""

    root: str | Path
    dataset: str
    codes: pd.Index
    starts: np.ndarray
    town_index: pd.Index
    settings: Settings | None
    pollutants: tuple[str, ...]
    only_registry: bool
    #: Parallel column decoding inside one month; False when months already run in parallel.
    read_threads: bool = True

    def __call__(self, ym: tuple[int, int], ws: _Workspace | None = None) -> dict:
        ws = _Workspace() if ws is None else ws
        year, month = ym
        table = read_month(self.root, self.dataset, year, month, columns=self.pollutants, use_threads=self.read_threads)
        file = Path(self.root) / self.dataset
        tpos, values, nulls, n_days = _month_grid(table, self.codes, year, month, file, self.only_registry, ws)
        daily = _daily_from_positions(tpos, values, len(self.codes), n_days, self.settings, ws, nulls)
        del table
        del tpos, values
        stats = town_month_statistics(daily, self.starts, month)
        stats["year"] = np.full(len(self.town_index), year, dtype=np.int64)
        stats["month"] = np.full(len(self.town_index), month, dtype=np.int64)
        return stats


def _plan(root, dataset, stations, months, settings, pollutants, only_registry) -> tuple[_MonthJob, list[tuple[int, int]]]:
    """The per-month job and the months to run it on (default: every month in the store)."""
    codes, starts, town_index = _registry_arrays(stations)
    todo = list(store_months(root, dataset) if months is None else months)
    if not todo:
        raise InputDataError("no months to compute", file=Path(root) / dataset)
    job = _MonthJob(root, dataset, codes, starts, town_index, settings, tuple(pollutants), only_registry)
    return job, todo


def _assemble(parts: list[dict], town_index: pd.Index) -> pd.DataFrame:
    """One frame from the per-month arrays (columns: town_code, year, month, statistics)."""
    names = [k for k in parts[0] if k not in ("year", "month")]
    cols: dict[str, object] = {
        "town_code": pd.array(np.tile(town_index.to_numpy(dtype=object), len(parts)), dtype="string"),
        "year": np.concatenate([p["year"] for p in parts]),
        "month": np.concatenate([p["month"] for p in parts]),
    }
    for k in names:
        cols[k] = np.concatenate([p[k] for p in parts])
    return pd.DataFrame(cols)


def town_monthly_table(
    root: str | Path,
    dataset: str,
    stations: pd.DataFrame,
    months: Iterable[tuple[int, int]] | None = None,
    settings: Settings | None = None,
    pollutants: Iterable[str] = POLLUTANTS,
    only_registry: bool = False,
    workers: int | None = None,
    backend: str = "pandas",
) -> pd.DataFrame:
    """Town monthly statistics for every month of the store, streamed one month at a time.

    Parameters
    ----------
    root, dataset : str or Path, str
        The processed store and dataset name.
    stations : pandas.DataFrame
        Station registry with ``station`` and ``town_code``. A dated registry (any of
        ``station_class``, ``valid_from``, ``valid_to``; docs/stations.md) runs each month with
        the stations serving the town ranking in that month
        (:func:`airlib.tracking.station_sets.stations_for`); ``only_registry`` is then implied.
    months : iterable of (year, month), optional
        Months to compute (default: every partition in the store).
    settings : Settings, optional
        ``mda8_min_windows``.
    pollutants : iterable of str
        Pollutants to read and summarise (default all six; ``("pm25",)`` for a PM2.5 ranking
        reads a sixth of the data).
    only_registry : bool, default False
        Read only the stations of ``stations`` (e.g. one district, or a sample). When False, a
        station in the store that is missing from the registry is an error.
    workers : int, optional
        Months processed at the same time in threads (Parquet decoding and numpy release the
        GIL). Default ``min(2, cpu_count)``; peak memory is about ``workers`` months of hourly
        data.
    backend : {"pandas", "dask"}
        ``"dask"`` runs one task per month on the active ``dask.distributed`` client (or
        Dask's local scheduler) via :mod:`airlib.engine.backends`; the result is identical.

    Returns
    -------
    pandas.DataFrame
        One row per town and month: ``town_code, year, month``, the monthly means
        ``pm25, pm10, so2, no2, co`` (NaN when fewer than 27/25 valid days), their valid-day
        counts ``<p>_days``, ``co_p95``, ``o3_p90``, ``o3_days`` and ``pm25_sum``.
    """
    if backend not in ("pandas", "dask"):
        raise InputDataError(f"unknown backend {backend!r}; use 'pandas' or 'dask'")
    if is_dated(stations):
        return _dated_town_monthly_table(root, dataset, stations, months, settings, pollutants, workers, backend)
    if backend == "dask":
        return _dask_town_monthly_table(root, dataset, stations, months, settings, pollutants, only_registry)
    if backend != "pandas":
        raise InputDataError(f"unknown backend {backend!r}; use 'pandas' or 'dask'")
    from airlib.io.store import snapshot

    with snapshot(root, dataset) as version:  # every month from one store version, kept while we read
        return _town_monthly_table(version.parent, version.name, stations, months, settings, pollutants,
                                   only_registry, workers)


def _dated_town_monthly_table(root, dataset, stations, months, settings, pollutants, workers, backend) -> pd.DataFrame:
    """:func:`town_monthly_table` for a dated registry (``station_class``/``valid_from``/``valid_to``):
    each month with the stations serving the town ranking in that month
    (:func:`airlib.tracking.station_sets.stations_for`, the rule of the report path; docs/stations.md).
    Months with the same station set run together; only those stations are read (rows of
    stations not in force that month are left out, not an error)."""
    from airlib.io.store import snapshot

    with snapshot(root, dataset) as version:
        todo = list(store_months(version.parent, version.name) if months is None else months)
        groups: dict[tuple[str, ...], tuple[pd.DataFrame, list[tuple[int, int]]]] = {}
        for y, m in todo:
            sel = stations_for(stations, "town_ranking", pd.Period(year=int(y), month=int(m), freq="M"))
            key = tuple(sel["station"].astype(str) + "@" + sel["town_code"].astype(str))
            groups.setdefault(key, (sel[["station", "town_code"]], []))[1].append((y, m))
        parts = []
        for sel, group in groups.values():
            if sel.empty:
                continue
            if backend == "dask":
                parts.append(_dask_town_monthly_table(version.parent, version.name, sel, group, settings, pollutants,
                                                      True))
            else:
                parts.append(_town_monthly_table(version.parent, version.name, sel, group, settings, pollutants,
                                                 True, workers))
    if not parts:
        raise InputDataError("no station serves the town ranking in the months asked", column="station_class")
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["year", "month", "town_code"], kind="stable").reset_index(drop=True)


def _town_monthly_table(root, dataset, stations, months, settings, pollutants, only_registry, workers) -> pd.DataFrame:
    job, todo = _plan(root, dataset, stations, months, settings, pollutants, only_registry)
    workers = max(1, min(len(todo), workers if workers is not None else min(2, os.cpu_count() or 1)))
    if workers > 1:  # months in parallel: decode each month's columns in its own thread
        job = dataclasses.replace(job, read_threads=False)
    if workers == 1:
        ws = _Workspace()
        parts = [job(ym, ws) for ym in todo]
    else:
        local = threading.local()  # one workspace per worker thread, dropped with the pool

        def run(ym: tuple[int, int]) -> dict:
            if not hasattr(local, "ws"):
                local.ws = _Workspace()
            return job(ym, local.ws)

        with ThreadPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(run, todo))
    return _assemble(parts, job.town_index)


def _dask_month(ym: tuple[int, int], job: _MonthJob) -> pd.DataFrame:
    return _assemble([job(ym)], job.town_index)


def _dask_town_monthly_table(root, dataset, stations, months, settings, pollutants, only_registry) -> pd.DataFrame:
    """The ``backend="dask"`` path: one Dask task per month (the same :class:`_MonthJob`).

    Each task reads its own month partition on a worker and returns the small town-month
    table; only those come back to the client. Kept here, not in :mod:`airlib.engine.backends`,
    so that the engine's imports go one way (backends uses citywide, never the reverse)."""
    try:
        import dask.dataframe as dd
    except ImportError as exc:
        from airlib.errors import AirlibError

        raise AirlibError("backend='dask' needs Dask, which is not installed: pip install 'airlib[dask]' "
                          "(or use backend='pandas')") from exc
    from airlib.io.store import snapshot

    with snapshot(root, dataset) as version:  # every task reads this store version, kept meanwhile
        job, todo = _plan(str(version.parent), version.name, stations, months, settings, pollutants, only_registry)
        meta = _dask_month(todo[0], job).iloc[:0]
        ddf = dd.from_map(_dask_month, todo, job=job, meta=meta, enforce_metadata=False)
        out = ddf.compute()
    return out.sort_values(["year", "month", "town_code"], kind="stable").reset_index(drop=True)


def _period_dates(table: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(pd.DataFrame({"year": table["year"], "month": table["month"], "day": 1}))


def monthly_ranking(table: pd.DataFrame, settings: Settings | None = None) -> pd.DataFrame:
    """Monthly PM2.5 town ranking from :func:`town_monthly_table`.

    The rules are those of the general path (:func:`airlib.tracking.ranking.ranking_table`):
    :func:`airlib.standards.rounding.round_published` then
    :func:`airlib.standards.ranking_rules.competition_rank` within each month.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`town_monthly_table` output (``town_code, year, month, pm25`` [µg/m³]).
    settings : Settings, optional
        ``pm25_decimals_before_2024``, ``pm25_decimals_from_2024``.

    Returns
    -------
    pandas.DataFrame
        ``town_code, year, month, pm25, pm25_published, rank``: published value per GB/T 8170
        at Beijing's published precision; ``rank`` ascending within each month, ties share the
        smallest rank (``min``); invalid months have NaN value and no rank (``<NA>``).
    """
    out = table[["town_code", "year", "month", "pm25"]].reset_index(drop=True)
    out["pm25_published"] = round_published(out["pm25"], "pm25", _period_dates(out), settings)
    out["rank"] = competition_rank(out["pm25_published"], by=out[["year", "month"]])
    return out


def composite_ranking(table: pd.DataFrame, settings: Settings | None = None) -> pd.DataFrame:
    """Monthly comprehensive index (综合指数) and its town ranking.

    Calls :func:`airlib.standards.composite_index.composite_index` (one implementation of the
    index: concentrations rounded to their published precision, S_i of the limits edition
    chosen by the month as ``settings.composite_limits_edition`` says, weights, GB/T 8170
    rounding, competition rank within each month).

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`town_monthly_table` output: ``pm25, pm10, so2, no2`` monthly means [µg/m³],
        ``co_p95`` [mg/m³], ``o3_p90`` (90th percentile of MDA8) [µg/m³].
    settings : Settings, optional
        ``composite_weights``, ``composite_decimals``, ``composite_limits_edition``.

    Returns
    -------
    pandas.DataFrame
        ``town_code, year, month, index, index_published, rank``: ``index`` = Σ w_i I_i with
        I_i = C_i/S_i (unrounded, C_i at published precision; NaN if a statistic is invalid),
        ``index_published`` = ``index`` rounded to ``settings.composite_decimals`` (GB/T
        8170), ``rank`` ascending within each month with ``min`` ties.
    """
    from airlib.standards.composite_index import composite_index

    cols = ["town_code", "year", "month", "so2", "no2", "pm10", "pm25", "co_p95", "o3_p90"]
    missing = [c for c in cols if c not in table.columns]
    if missing:
        raise InputDataError(f"town monthly table lacks column(s) {missing} for the comprehensive index", column=missing[0])
    stats = table[cols].rename(columns={"o3_p90": "o3_8h_p90"})
    ci = composite_index(stats, settings=settings, by="town_code", sub_indices=False)
    out = ci[["town_code", "year", "month", "i_sum_exact", "i_sum", "rank"]]
    return out.rename(columns={"i_sum_exact": "index", "i_sum": "index_published"})


def yoy_ytd(table: pd.DataFrame, settings: Settings | None = None) -> pd.DataFrame:
    """Year-on-year change and year-to-date PM2.5 for every town and month.

    Returns
    -------
    pandas.DataFrame
        ``town_code, year, month, pm25_published, yoy_pct, ytd_pm25, ytd_published,
        ytd_yoy_pct``. YTD = mean of the valid town daily PM2.5 values from 1 January to the
        month end, valid only if every month so far is valid; changes are
        ``(cur − last)/last × 100`` on published values, rounded to ``settings.yoy_decimals``.
    """
    settings = DEFAULT if settings is None else settings
    t = table.sort_values(["town_code", "year", "month"]).reset_index(drop=True)
    dates = _period_dates(t)
    out = t[["town_code", "year", "month"]].copy()
    out["pm25_published"] = round_published(t["pm25"], "pm25", dates, settings)
    monthly = pd.DataFrame({
        "town_code": t["town_code"], "year": t["year"], "month": t["month"],
        "sum": t["pm25_sum"], "n": t["pm25_days"], "valid": t["pm25"].notna(),
    })
    out["ytd_pm25"] = year_to_date(monthly, "town_code").to_numpy(dtype="float64")
    out["ytd_published"] = round_published(out["ytd_pm25"], "pm25", dates, settings)
    last = out[["town_code", "year", "month", "pm25_published", "ytd_published"]].copy()
    last["year"] = last["year"] + 1
    merged = out.merge(last, on=["town_code", "year", "month"], how="left", suffixes=("", "_last"))
    out["yoy_pct"] = yoy_percent(merged["pm25_published"], merged["pm25_published_last"], settings=settings).to_numpy()
    out["ytd_yoy_pct"] = yoy_percent(merged["ytd_published"], merged["ytd_published_last"], settings=settings).to_numpy()
    return out


def rank_month(
    root: str | Path,
    dataset: str,
    stations: pd.DataFrame,
    year: int,
    month: int,
    settings: Settings | None = None,
    backend: str = "pandas",
) -> pd.DataFrame:
    """Rank every town for one month, reading only that month's partition of the store.

    ``backend="dask"`` runs the month as a task on the active Dask client.

    Returns
    -------
    pandas.DataFrame
        As :func:`monthly_ranking` for the one month, sorted by rank (invalid towns last).
    """
    table = town_monthly_table(root, dataset, stations, [(year, month)], settings, pollutants=("pm25",), backend=backend)
    out = monthly_ranking(table, settings)
    return out.sort_values(["rank", "town_code"], na_position="last").reset_index(drop=True)
