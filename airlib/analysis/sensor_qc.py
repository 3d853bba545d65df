"""Sensor QC of micro-stations (小微站): flags beside the values, a summary per station and month.

Issue #17 item 2. Every hour of a micro-station gets, per pollutant ``p``, the boolean flags

``p_qc_range``     value outside the sensor's plausible range ``(low, high)``
                   (``Settings.micro_qc_range``; values below zero are left to the next check);
``p_qc_negative``  value below zero;
``p_qc_stuck``     part of a run of ≥ ``micro_qc_stuck_hours`` consecutive equal values
                   (within ``micro_qc_stuck_tolerance``): a frozen sensor / flat line;
``p_qc_spike``     robust z-score of the deviation from the expected value (the reference
                   times the sensor's centred rolling median ratio to it; Hampel filter with
                   a rolling MAD) above ``micro_qc_spike_z`` and more than
                   ``micro_qc_spike_min_abs`` [µg/m³], and standing out from the mean of the
                   two neighbouring hours by at least half that deviation (short);
``p_qc_step``      the change point of a persistent level shift of the ratio to the reference:
                   the medians of log(value / reference) over the ``micro_qc_step_window_h``
                   hours before and after differ by more than
                   ``log(1 + micro_qc_step_min_ratio)``, flagged at the hour where that
                   difference peaks;
``p_qc_drift``     the rolling ``micro_qc_drift_window_h`` median of log(value / nearest reference
                   station) has moved more than ``log(1 + micro_qc_drift_tolerance)`` from the
                   baseline, the median of the station's first ``window // 2`` usable hours;
``p_qc_missing``   the value is missing (NaN);
``p_qc_ok``        none of the above.

In both ratio checks, hours with RH above ``micro_qc_max_rh`` or either value below
``micro_qc_min_conc`` are left out (the humidity response of optical sensors is calibration's
business, not a fault). Values are never changed, rows never dropped or reordered. The reference of
the spike, step and drift checks is the nearest reference station (``reference_hourly``, within
``micro_qc_reference_max_km``) when there is one, else against the **network median** (the median
of all micro-stations of the input at that hour; not for drift), the spatial consensus that
separates a sensor's fault from a change of the air mass. Every threshold is a setting marked
UNVERIFIED (docs/micro_stations.md, "Sensor QC"); the checks follow the low-cost sensor
literature [GIORDANO-2021] [BEAN-2021]; no Chinese specification for them was found.

**Co-location windows** (比对期, ``qc_flags(..., colocation=)``; issue #17): a sensor first stands
beside a reference analyser, then at its deployed site. A series crossing that move shows a level
change that is no fault, so with ``colocation`` each window and each deployed stretch between
windows is QC-ed as a series of its own (a segment): no stuck run, rolling window, neighbour or
difference crosses a segment boundary, the drift baseline is the segment's first usable hours,
and inside a window the spike, step and drift checks compare with the window's reference
station (named in the co-location table) instead of the nearest one.

Computation is on a segment × hour grid (one row per station, or per station segment with
``colocation``; numpy, pandas' rolling kernels run over the columns of the hour × row frame), no
per-row Python loops.
"""

from __future__ import annotations

from collections.abc import Sequence

import warnings

import numpy as np
import pandas as pd

from airlib.analysis.attribution import relative_humidity
from airlib.analysis.calibration import _colocation_windows, nearest_reference
from airlib.errors import InputDataError
from airlib.settings import DEFAULT, Settings

__all__ = ["FLAGS", "MIN_NETWORK_STATIONS", "qc_flags", "qc_summary", "network_median"]

#: The flag names, in column order (``<pollutant>_qc_<flag>``), ``ok`` last.
FLAGS = ("range", "negative", "stuck", "spike", "step", "drift", "missing")

#: Fewest stations with a value for the network median to be a reference (fixed: below three
#: the median is the sensor itself or the mean of two).
MIN_NETWORK_STATIONS = 3


def _check_columns(frame: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise InputDataError(
            f"{what}: column(s) {', '.join(missing)} missing; the frame has "
            f"{', '.join(map(str, frame.columns))}. Pass the canonical hourly frame / station registry "
            "(docs/architecture.md)."
        )


def _grid(codes: np.ndarray, hour: np.ndarray, values: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    g = np.full(shape, np.nan)
    g[codes, hour] = values
    return g


def _runs_at_least(v: np.ndarray, n: int, tol: float) -> np.ndarray:
    """True where a value belongs to a run of ≥ n consecutive equal (|Δ| ≤ tol) non-NaN values
    along axis 1 of the station × hour grid."""
    ns, nh = v.shape
    if nh == 0:
        return np.zeros(v.shape, bool)
    same = np.zeros(v.shape, bool)
    same[:, 1:] = np.abs(v[:, 1:] - v[:, :-1]) <= tol  # NaN compares False: a gap ends a run
    start = ~same
    run_id = np.cumsum(start.ravel())  # each station starts a run at hour 0 (same[:, 0] False)
    length = np.bincount(run_id)
    out = (length[run_id] >= n).reshape(v.shape)
    return out & ~np.isnan(v)


def _rolling(frame: pd.DataFrame, window: int, how: str, *, center: bool = False,
             min_periods: int | None = None) -> np.ndarray:
    r = frame.rolling(window, center=center, min_periods=min_periods or 1)
    return getattr(r, how)().to_numpy()


def _spike(v: np.ndarray, ref: np.ndarray, window: int, z: float, min_abs: float) -> np.ndarray:
    """Hampel test of the deviation from the expected value (station × hour grid).

    Expected value: the reference times the sensor's rolling median ratio to it (centred
    ``window``), so that a rise the reference sees too is no spike; where that is undefined
    (no reference value), the sensor's own rolling median. Spike: the value exceeds the
    expected one by more than ``min_abs`` [µg/m³], its log deviation exceeds ``z`` · 1.4826 ·
    the rolling median of the absolute log deviations (the MAD; on the log scale because sensor
    noise grows with the level), and the hour stands out from the mean of its neighbours by at
    least half its deviation (a ramp is no spike). Dips are not spikes (a low reading is
    judged by the step, stuck and missing checks)."""
    mp = window // 2 + 1
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where((ref > 0) & (v > 0), v / ref, np.nan)
    k = _rolling(pd.DataFrame(ratio.T), window, "median", center=True, min_periods=mp).T
    expected = k * ref
    need = (np.isnan(expected) & ~np.isnan(v)).any(axis=1)  # the own median only where used
    if need.any():
        own = _rolling(pd.DataFrame(v[need].T), window, "median", center=True, min_periods=mp).T
        expected[need] = np.where(np.isnan(expected[need]), own, expected[need])
    dev = v - expected
    with np.errstate(invalid="ignore", divide="ignore"):
        logdev = np.abs(np.log(np.where(v > 0, v, np.nan)) - np.log(np.where(expected > 0, expected, np.nan)))
    mad = _rolling(pd.DataFrame(logdev.T), window, "median", center=True, min_periods=mp).T
    nb = np.full((2, *v.shape), np.nan)
    nb[0, :, 1:] = v[:, :-1]
    nb[1, :, :-1] = v[:, 1:]
    n_nb = (~np.isnan(nb)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        local = v - np.where(n_nb > 0, np.nansum(nb, axis=0) / np.maximum(n_nb, 1), np.nan)
        robust_z = logdev / (1.4826 * mad)
        return ((dev > min_abs) & ((robust_z > z) | ((mad == 0) & (logdev > 0)))
                & ~(local < 0.5 * dev))


def _log_ratio(v: np.ndarray, ref: np.ndarray, rh: np.ndarray | None, max_rh: float,
               min_conc: float) -> np.ndarray:
    """log(value / reference) on hours usable for the step and drift checks, else NaN.

    Left out: hours where either value is below ``min_conc`` [µg/m³] or RH is above ``max_rh``
    [%] (the humidity response of optical sensors is not a fault)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        usable = (v >= min_conc) & (ref >= min_conc)
        if rh is not None:
            usable &= ~(rh > max_rh)
        return np.where(usable, np.log(np.where(usable, v, 1.0)) - np.log(np.where(usable, ref, 1.0)), np.nan)


def _step(logratio: np.ndarray, window: int, min_ratio: float) -> np.ndarray:
    """Change points of a persistent level shift of the log ratio (station × hour grid).

    For hour h: the median of the ``window`` hours before h against that of h and the
    ``window - 1`` hours after (each needs half its hours usable); a shift above
    log(1 + min_ratio) is a step, flagged at the hour where the shift peaks within ±window."""
    frame = pd.DataFrame(logratio.T)
    mp = max(window // 2, 1)
    before = _rolling(frame, window, "median", min_periods=mp).T  # hours h-window+1 .. h
    after = _rolling(frame.iloc[::-1], window, "median", min_periods=mp)[::-1].T  # h .. h+window-1
    stat = np.full(logratio.shape, np.nan)
    stat[:, 1:] = np.abs(after[:, 1:] - before[:, :-1])
    peak = _rolling(pd.DataFrame(stat.T), 2 * window + 1, "max", center=True, min_periods=1).T
    with np.errstate(invalid="ignore"):
        return (stat > np.log1p(min_ratio)) & (stat >= peak)


def _drift(v: np.ndarray, logratio: np.ndarray, window: int, tolerance: float) -> np.ndarray:
    """Hours whose rolling ``window`` median log ratio (a quarter of its hours usable) is more
    than log(1 + tolerance) away from the baseline: the median of the station's first
    ``window // 2`` usable hours."""
    usable = ~np.isnan(logratio)
    rank = np.cumsum(usable, axis=1)
    first = np.where(usable & (rank <= max(window // 2, 1)), logratio, np.nan)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a station without usable hours
        base = np.nanmedian(first, axis=1)
    stat = _rolling(pd.DataFrame(logratio.T), window, "median", min_periods=max(window // 4, 1)).T
    with np.errstate(invalid="ignore"):
        return (np.abs(stat - base[:, None]) > np.log1p(tolerance)) & ~np.isnan(v)


def _segments(colocation: pd.DataFrame, names: pd.Index, codes: np.ndarray, hour: np.ndarray,
              t0: np.datetime64, nh: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.DataFrame]:
    """The QC series (segments) of the stations: each co-location window and each stretch between.

    Returns ``row`` (the grid row of every input row), ``row_station`` (station code of each
    grid row), ``row_window`` (row of ``windows`` of each grid row, −1 for a deployed stretch)
    and ``windows`` (:func:`airlib.analysis.calibration._colocation_windows`, checked: end ≥
    start, no overlap). Without windows of these stations the grid rows are the stations."""
    windows = _colocation_windows(colocation, pd.DataFrame({"station": np.asarray(names, dtype=str)}))
    ns = len(names)
    label = np.zeros((ns, nh + 1), np.int64)  # window number + 1 at each station hour, 0 outside
    if len(windows):
        st = names.get_indexer(windows["station"].astype(str))
        h_start = (windows["start"].to_numpy("datetime64[ns]") - t0) / np.timedelta64(1, "h")
        h_end = (windows["end"].to_numpy("datetime64[ns]") - t0) / np.timedelta64(1, "h")
        h0 = np.clip(np.ceil(h_start), 0, nh).astype(np.int64)  # first grid hour ≥ start
        h1 = np.clip(np.floor(h_end), -1, nh - 1).astype(np.int64)  # last grid hour ≤ end (inclusive)
        keep = h0 <= h1
        number = np.arange(1, len(windows) + 1)
        np.add.at(label, (st[keep], h0[keep]), number[keep])  # windows do not overlap: the cumulative
        np.add.at(label, (st[keep], h1[keep] + 1), -number[keep])  # sum is the number inside, 0 outside
        label = np.cumsum(label, axis=1)
    label = label[:, :nh]
    change = np.zeros((ns, nh), np.int64)
    change[:, 1:] = label[:, 1:] != label[:, :-1]
    local = np.cumsum(change, axis=1)  # segment number within the station
    n_seg = local[:, -1] + 1 if nh else np.ones(ns, np.int64)
    first = np.cumsum(n_seg) - n_seg
    grid_row = first[:, None] + local
    row_station = np.repeat(np.arange(ns), n_seg)
    row_window = np.full(int(n_seg.sum()), -1, np.int64)
    row_window[grid_row.ravel()] = label.ravel() - 1  # every hour of a segment has its label
    return grid_row[codes, hour], row_station, row_window, windows


def network_median(hourly: pd.DataFrame, pollutants: Sequence[str] = ("pm25",)) -> pd.DataFrame:
    """Median over all stations of ``hourly`` at each hour (the network consensus).

    The fallback reference of the step check for micro-stations without a reference station
    (docs/micro_stations.md, "Sensor QC"). Computed once over the whole network and passed to
    :func:`qc_flags` (``consensus=``) when the stations are QC-ed in partitions (the Dask path),
    so that partitioning does not change a flag.

    Parameters
    ----------
    hourly : DataFrame
        ``time`` and the pollutant columns [µg/m³].
    pollutants : sequence of str

    Returns
    -------
    DataFrame
        Index ``time`` (sorted), one column per pollutant [µg/m³]; NaN at hours with fewer than
        ``MIN_NETWORK_STATIONS`` (3) values (a median of one or two sensors is mostly the sensor
        itself; those hours fall back to the sensor's own rolling median).
    """
    _check_columns(hourly, ["time", *pollutants], "micro-station hourly frame")
    g = hourly.groupby("time")[list(pollutants)]
    med = g.median().sort_index()
    return med.where(g.count().sort_index() >= MIN_NETWORK_STATIONS)


def qc_flags(
    hourly: pd.DataFrame,
    stations: pd.DataFrame,
    reference_hourly: pd.DataFrame | None = None,
    reference_stations: pd.DataFrame | None = None,
    pollutants: Sequence[str] = ("pm25",),
    settings: Settings | None = None,
    *,
    consensus: pd.DataFrame | None = None,
    colocation: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """QC flags of every micro-station hour, kept beside the values (issue #17 item 2).

    Parameters
    ----------
    hourly : DataFrame
        Micro-station hourly frame: ``station``, ``time`` (hour-beginning, Beijing), the
        pollutant columns [µg/m³]; optional ``rh`` [%] or ``temp`` and ``dewp`` [°C] (RH then from
        :func:`airlib.analysis.attribution.relative_humidity`) for the drift check.
    stations : DataFrame
        Registry of the micro-stations (``station``, ``lon``, ``lat``); needed only with a
        reference.
    reference_hourly, reference_stations : DataFrame, optional
        Hourly frame and registry of the reference stations (国控/市控/街乡镇站, chosen by the
        caller). Without them the drift check flags nothing and the step check uses the network
        median.
    pollutants : sequence of str
        Columns checked (default ``("pm25",)``).
    settings : Settings, optional
        Thresholds ``micro_qc_*`` (UNVERIFIED, docs/micro_stations.md); None = ``DEFAULT``.
    consensus : DataFrame, optional
        The network median (:func:`network_median`) of the whole network; default: computed
        from ``hourly``. Pass it when ``hourly`` is a partition of the network.
    colocation : DataFrame, optional
        Co-location windows (比对期) ``station``, ``reference``, ``start``, ``end`` (hour labels,
        end inclusive; :func:`airlib.io.micro_stations.read_colocation`). When given, each
        window and each stretch between a station's windows is QC-ed as a separate series (the
        stuck, spike, step and drift checks do not look across its boundaries; the drift
        baseline is the segment's own first usable hours), and inside a window the spike, step
        and drift checks use the window's reference station from ``reference_hourly`` (no
        distance limit; when that station has no data there, the network median and no drift
        check). None (default) or no window of these stations: one series per station.

    Returns
    -------
    DataFrame
        ``hourly`` (same rows, index and order, values untouched) with, per pollutant ``p``,
        bool columns ``p_qc_range``, ``p_qc_negative``, ``p_qc_stuck``, ``p_qc_spike``,
        ``p_qc_step``, ``p_qc_drift``, ``p_qc_missing`` and ``p_qc_ok``.

    Raises
    ------
    InputDataError
        A column is missing, ``time`` is not on whole hours, a station-hour occurs twice, or a
        co-location window has no id, no readable start/end, ends before it starts or overlaps
        another window of its station.
    """
    s = settings or DEFAULT
    pollutants = tuple(pollutants)
    _check_columns(hourly, ["station", "time", *pollutants], "micro-station hourly frame")
    out = hourly.copy()
    n = len(hourly)
    if n == 0:
        for p in pollutants:
            for f in (*FLAGS, "ok"):
                out[f"{p}_qc_{f}"] = np.zeros(0, bool)
        return out
    time = pd.to_datetime(hourly["time"]).to_numpy("datetime64[ns]")
    if np.isnat(time).any():
        i = int(np.flatnonzero(np.isnat(time))[0])
        raise InputDataError(f"micro-station hourly frame, row {i}, column time: missing time; "
                             "every row needs its hour-beginning time.")
    numeric = {}
    for p in pollutants:
        col = hourly[p]
        num = pd.to_numeric(col, errors="coerce")
        bad = np.flatnonzero(num.isna().to_numpy() & col.notna().to_numpy())
        if len(bad):
            raise InputDataError(f"micro-station hourly frame, row {int(bad[0])}, column {p}: "
                                 f"{col.iloc[bad[0]]!r} is not a number; convert the column to "
                                 "numbers [µg/m³] (empty for missing) before QC.")
        numeric[p] = num.to_numpy(float, na_value=np.nan)
    t0 = time.min()
    offset = (time - t0) / np.timedelta64(1, "h")
    hour = offset.astype(np.int64)
    if not np.array_equal(hour, offset):
        i = int(np.flatnonzero(hour != offset)[0])
        raise InputDataError(f"micro-station hourly frame, row {i}, column time: {time[i]} is not a whole "
                             "hour; pass hour-beginning labels (docs/architecture.md).")
    codes, names = pd.factorize(hourly["station"].astype(str), sort=True)
    nh = int(hour.max()) + 1
    key = codes.astype(np.int64) * nh + hour
    dup = pd.Series(key).duplicated().to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise InputDataError(f"micro-station hourly frame, row {i}: station {names[codes[i]]} at {time[i]} "
                             "occurs twice; keep one row per station and hour.")
    hours = t0 + np.arange(nh) * np.timedelta64(1, "h")
    if colocation is not None:  # one grid row per station segment
        row, row_station, row_window, windows = _segments(colocation, pd.Index(names), codes, hour, t0, nh)
    else:  # one grid row per station
        row, row_station, row_window, windows = codes, np.arange(len(names)), np.full(len(names), -1), None
    shape = (len(row_station), nh)

    rh = None
    if "rh" in hourly.columns:
        rh = _grid(row, hour, hourly["rh"].to_numpy(float), shape)
    elif "temp" in hourly.columns and "dewp" in hourly.columns:
        rh = _grid(row, hour, relative_humidity(hourly["temp"].to_numpy(float),
                                                 hourly["dewp"].to_numpy(float)), shape)

    # the reference station of each grid row: the nearest one (within the distance limit) for a
    # station's deployed stretch, the window's named one for a co-location window
    row_ref = np.full(shape[0], None, dtype=object)
    if reference_hourly is not None and reference_stations is not None:
        _check_columns(reference_hourly, ["station", "time", *pollutants], "reference hourly frame")
        micro = stations[stations["station"].astype(str).isin(names)]
        pairs = nearest_reference(micro, reference_stations, s.micro_qc_reference_max_km)
        pairs = pairs[pairs["reference"].notna()]  # drift needs a reference
        station_ref = np.full(len(names), None, dtype=object)
        station_ref[pd.Index(names).get_indexer(pairs["station"].astype(str))] = pairs["reference"].astype(str).to_numpy()
        row_ref = station_ref[row_station]
    if windows is not None and reference_hourly is not None and (row_window >= 0).any():
        _check_columns(reference_hourly, ["station", "time", *pollutants], "reference hourly frame")
        inside = row_window >= 0
        row_ref[inside] = windows["reference"].astype(str).to_numpy()[row_window[inside]]
    if consensus is None:
        consensus = network_median(pd.DataFrame({"time": time, **numeric}), pollutants)

    for p in pollutants:
        vals = numeric[p]
        v = _grid(row, hour, vals, shape)
        cons = consensus[p].reindex(pd.DatetimeIndex(hours)).to_numpy(float)
        ref = np.broadcast_to(cons, shape).copy()
        has_ref = np.zeros(shape[0], bool)
        if reference_hourly is not None and pd.notna(row_ref).any():
            rv = reference_hourly.assign(time=pd.to_datetime(reference_hourly["time"])).pivot_table(
                index="time", columns="station", values=p, aggfunc="first", dropna=False)
            rv.columns = rv.columns.astype(str)
            rv = rv.reindex(pd.DatetimeIndex(hours))
            has_ref = pd.notna(row_ref) & np.isin(row_ref.astype(str), rv.columns)
            ref[has_ref] = rv[row_ref[has_ref].astype(str)].to_numpy(float).T
        lo, hi = s.micro_qc_range.get(p, (0.0, np.inf))
        with np.errstate(invalid="ignore"):
            flags = {
                "range": (vals > hi) | ((vals >= 0) & (vals < lo)),  # below 0: the negative check
                "negative": vals < 0,
            }
        flags["stuck"] = _runs_at_least(v, s.micro_qc_stuck_hours, s.micro_qc_stuck_tolerance)[row, hour]
        flags["spike"] = _spike(v, ref, s.micro_qc_spike_window_h, s.micro_qc_spike_z,
                                s.micro_qc_spike_min_abs)[row, hour]
        logratio = _log_ratio(v, ref, rh, s.micro_qc_max_rh, s.micro_qc_min_conc)
        flags["step"] = _step(logratio, s.micro_qc_step_window_h, s.micro_qc_step_min_ratio)[row, hour]
        drift = np.zeros(shape, bool)
        if has_ref.any():
            drift[has_ref] = _drift(v[has_ref], logratio[has_ref], s.micro_qc_drift_window_h,
                                    s.micro_qc_drift_tolerance)
        flags["drift"] = drift[row, hour]
        flags["missing"] = np.isnan(vals)
        bad = np.zeros(n, bool)
        for f in FLAGS:
            col = np.asarray(flags[f], bool)
            out[f"{p}_qc_{f}"] = col
            bad |= col
        out[f"{p}_qc_ok"] = ~bad
    return out


def qc_summary(flags: pd.DataFrame) -> pd.DataFrame:
    """QC summary per station and month of a :func:`qc_flags` frame.

    Parameters
    ----------
    flags : DataFrame
        Output of :func:`qc_flags` (``station``, ``time`` and the ``<p>_qc_<flag>`` columns).

    Returns
    -------
    DataFrame
        One row per station and month: ``station``, ``month`` (datetime64 month start),
        ``n_calendar_hours`` (hours of the calendar month), and per pollutant ``p``:
        ``p_n_values`` (hours with a value), ``p_<flag>_n`` for each flag and ``ok``,
        ``p_missing_share`` = 1 − values / calendar hours (absent rows count as missing) and
        ``p_<flag>_share`` = flagged hours / hours with a value for the other flags and ``ok``
        [0–1; NaN when the month has no value].
    """
    pollutants = [c[: -len("_qc_ok")] for c in flags.columns if str(c).endswith("_qc_ok")]
    _check_columns(flags, ["station", "time"], "QC flag frame")
    if not pollutants:
        raise InputDataError("QC flag frame: no <pollutant>_qc_ok column; pass the output of qc_flags.")
    month = pd.to_datetime(flags["time"]).dt.to_period("M").dt.start_time
    cols = {}
    for p in pollutants:
        cols[f"{p}_n_values"] = ~flags[f"{p}_qc_missing"].to_numpy(bool)
        for f in (*FLAGS, "ok"):
            if f != "missing":
                cols[f"{p}_{f}_n"] = flags[f"{p}_qc_{f}"].to_numpy(bool)
    work = pd.DataFrame(cols, index=flags.index).astype("int64")
    work["station"] = flags["station"].astype("string").to_numpy()
    work["month"] = month.to_numpy()
    out = work.groupby(["station", "month"], sort=True).sum().reset_index()
    out["n_calendar_hours"] = (pd.DatetimeIndex(out["month"]).days_in_month * 24).to_numpy(np.int64)
    ordered = ["station", "month", "n_calendar_hours"]
    for p in pollutants:
        nv = out[f"{p}_n_values"].to_numpy(float)
        out[f"{p}_missing_n"] = out["n_calendar_hours"] - out[f"{p}_n_values"]
        out[f"{p}_missing_share"] = out[f"{p}_missing_n"] / out["n_calendar_hours"]
        ordered += [f"{p}_n_values", f"{p}_missing_n", f"{p}_missing_share"]
        for f in (*FLAGS, "ok"):
            if f == "missing":
                continue
            with np.errstate(invalid="ignore", divide="ignore"):
                out[f"{p}_{f}_share"] = np.where(nv > 0, out[f"{p}_{f}_n"].to_numpy(float) / np.where(nv > 0, nv, 1), np.nan)
            ordered += [f"{p}_{f}_n", f"{p}_{f}_share"]
    return out[ordered]
