"""Array kernels of the validity rules, shared by :mod:`airlib.standards.validity` and :mod:`airlib.engine.citywide`.

Public to the engine only: :mod:`airlib.standards.validity` owns the rules and documents them;
the streamed city-wide path (:mod:`airlib.engine.citywide`) calls the same functions, so the two
cannot drift. (Named ``_kernels`` before the layering rule: a module used by another
subpackage is public.)

Layout: the hourly values of ``n`` station-days are laid out **hour-major**, a ``(24, n)``
array whose row ``h`` holds hour ``h`` (hour-beginning label) of every station-day, with 0 for a
missing or invalid hour, and a ``(24, n)`` uint8 mask of the valid hours. A missing row and a
NaN value are the same thing. Reductions over the hours of a day are then element-wise
operations on long contiguous rows (faster than row sums of 24 values), and the 17 MDA8
windows are sums of 8 shifted contiguous slices.

Rules (GB 3095—2026 Table 4 [GB3095-2026], HJ 663—2013 §6.1.2 as quoted [HJ663-2013];
docs/references.md):

* daily mean: valid with ≥ :data:`DAILY_MIN_HOURS` (20) valid hours;
* 8-hour window: valid with ≥ :data:`WINDOW_MIN_HOURS` (6) valid hours; MDA8 = largest valid
  mean among the :data:`WINDOWS_PER_DAY` (17) windows lying wholly in the day, valid with
  ≥ ``min_windows`` valid windows, or with fewer when it exceeds (>) the 8-hour limit;
* month: valid with ≥ :data:`MONTH_MIN_DAYS` (27) valid days, ≥ :data:`FEBRUARY_MIN_DAYS` (25)
  in February;
* percentiles: type 7 / linear, k = 1 + (n − 1)·p/100 (HJ 663 as quoted
  [HJ663-2013]; [HYNDMAN-1996]).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "hour_major",
    "daily_mean",
    "window_means",
    "mda8",
    "month_min_days",
    "month_valid",
    "type7_sorted",
    "percentile_rows",
    "group_percentile_sorted",
    "duplicates",
]

#: Valid hourly values needed for a valid daily mean (GB 3095 Table 4).
DAILY_MIN_HOURS = 20
#: Valid hourly values needed in an 8-hour O3 window (GB 3095 Table 4).
WINDOW_MIN_HOURS = 6
#: Number of 8-hour windows lying wholly in a natural day.
WINDOWS_PER_DAY = 17
#: Valid daily values needed in a month other than February / in February.
MONTH_MIN_DAYS = 27
FEBRUARY_MIN_DAYS = 25


def hour_major(tpos: np.ndarray, values: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Scatter hourly values onto the hour-major grid of ``n`` station-days.

    Parameters
    ----------
    tpos : numpy.ndarray of int
        Flat hour-major position of each value: ``hour × n + station-day``; unique.
    values : numpy.ndarray of float
        Hourly values (NaN = invalid).
    n : int
        Number of station-days.

    Returns
    -------
    z, mask : numpy.ndarray
        ``(24, n)`` values with 0 where missing, and the ``(24, n)`` uint8 mask of valid hours.
    """
    ok = ~np.isnan(values)
    z = np.zeros(24 * n)
    z[tpos] = np.where(ok, values, 0.0)
    mask = np.zeros(24 * n, dtype=np.uint8)
    mask[tpos] = ok
    return z.reshape(24, n), mask.reshape(24, n)


def daily_mean(z: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Daily mean of each station-day (GB 3095 Table 4: ≥ 20 valid hours).

    Returns
    -------
    value, n, valid : numpy.ndarray
        Mean of the valid hours (NaN unless valid), valid-hour count (int64), validity flag.
        The hours are summed in order 00 … 23.
    """
    n = np.add.reduce(mask, axis=0, dtype=np.int64)
    s = np.add.reduce(z, axis=0)
    valid = n >= DAILY_MIN_HOURS
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(valid, s / n, np.nan)
    return value, n, valid


def window_means(z: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Valid-hour counts and means of the 17 8-hour windows lying in each day.

    Window ``w`` covers hours ``w … w+7`` (hour-beginning labels). The sums are direct sums of
    the 8 values (exact for integer concentrations; no cumulative-sum round-off).

    Returns
    -------
    n, mean : numpy.ndarray
        ``(17, n_days)`` valid-hour counts (int16) and means (NaN unless ≥ 6 valid hours).
    """
    w = WINDOWS_PER_DAY
    s = z[0:w].copy()
    n = mask[0:w].astype(np.int16)
    for k in range(1, 8):
        s += z[k : k + w]
        n += mask[k : k + w]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n >= WINDOW_MIN_HOURS, s / n, np.nan)
    return n, mean


def mda8(
    z: np.ndarray, mask: np.ndarray, min_windows: int, limit: float | np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """O3 MDA8 of each station-day with its validity (HJ 663 §6.1.2 as quoted).

    Parameters
    ----------
    z, mask
        Hour-major O3 values (µg/m³) and valid-hour mask, as from :func:`hour_major`.
    min_windows : int
        Valid windows needed (``settings.mda8_min_windows``, 14).
    limit : float or numpy.ndarray
        O3 8-hour limit (µg/m³) of each day; an MDA8 above it is valid with fewer windows.

    Returns
    -------
    value, n, valid : numpy.ndarray
        MDA8 (NaN unless valid), number of valid windows (int64), validity flag.
    """
    wn, wmean = window_means(z, mask)
    n = np.add.reduce(wn >= WINDOW_MIN_HOURS, axis=0, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        best = np.fmax.reduce(wmean, axis=0)  # NaN only when no window is valid
        valid = (n >= min_windows) | ((n > 0) & (best > limit))
    return np.where(valid, best, np.nan), n, valid


def month_min_days(month) -> np.ndarray:
    """Valid days needed for a valid monthly statistic: 25 in February, else 27 (GB 3095 T. 4)."""
    return np.where(np.asarray(month) == 2, FEBRUARY_MIN_DAYS, MONTH_MIN_DAYS)


def month_valid(n_days, month) -> np.ndarray:
    """Whether ``n_days`` valid daily values make the month ``month`` (1–12) valid."""
    return np.asarray(n_days) >= month_min_days(month)


def type7_sorted(xs: np.ndarray, start: np.ndarray, n: np.ndarray, p: float) -> np.ndarray:
    """Type-7 (linear) percentile of runs of sorted values ([HJ663-2013], [HYNDMAN-1996]).

    Parameters
    ----------
    xs : numpy.ndarray
        Flat array in which each run ``xs[start[i] : start[i] + n[i]]`` is sorted ascending.
    start, n : numpy.ndarray of int
        Start and length (> 0) of each run.
    p : float
        Percentile in [0, 100].

    Notes
    -----
    k = 1 + (n − 1)·p/100, s = ⌊k⌋, m = X(s) + (X(s+1) − X(s))·(k − s).
    """
    pos = (n - 1) * p / 100.0  # = k - 1 (0-based)
    lo = np.floor(pos).astype(np.int64)
    frac = pos - lo
    hi = np.minimum(lo + 1, n - 1)
    xlo, xhi = xs[start + lo], xs[start + hi]
    return xlo + (xhi - xlo) * frac


def percentile_rows(x: np.ndarray, p: float) -> np.ndarray:
    """Row-wise type-7 percentile of the non-NaN values of a 2-D array (NaN for an empty row)."""
    rows, cols = x.shape
    xs = np.sort(x, axis=1).ravel()  # NaN sort last
    n = (~np.isnan(x)).sum(axis=1)
    out = np.full(rows, np.nan)
    has = n > 0
    out[has] = type7_sorted(xs, np.flatnonzero(has) * cols, n[has], p)
    return out


def group_percentile_sorted(values: np.ndarray, groups: np.ndarray, ps, ngroups: int) -> np.ndarray:
    """Type-7 percentiles of the non-NaN ``values`` within each integer group.

    Returns an ``(ngroups, len(ps))`` array, NaN for a group without valid values.
    """
    ok = ~np.isnan(values)
    v, g = values[ok], groups[ok]
    order = np.lexsort((v, g))
    v, g = v[order], g[order]
    n = np.bincount(g, minlength=ngroups)
    start = np.concatenate([[0], np.cumsum(n)[:-1]]).astype(np.int64)
    out = np.full((ngroups, len(ps)), np.nan)
    has = n > 0
    for j, pj in enumerate(ps):
        out[has, j] = type7_sorted(v, start[has], n[has], pj)
    return out


def duplicates(pos: np.ndarray, size: int) -> np.ndarray:
    """Indices of the entries of ``pos`` (flat grid positions in ``0 … size−1``) that occur
    more than once; empty when every position is unique."""
    seen = np.zeros(size, dtype=np.bool_)
    seen[pos] = True
    if np.count_nonzero(seen) == len(pos):
        return np.zeros(0, dtype=np.int64)
    counts = np.bincount(pos, minlength=size)
    return np.flatnonzero(counts[pos] > 1)


def _mda8_into(
    z: np.ndarray,
    mask: np.ndarray,
    min_windows: int,
    limit: float | np.ndarray,
    s: np.ndarray,
    cnt: np.ndarray,
    low: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`mda8` with its window intermediates in caller-owned buffers (same numbers).

    ``s`` (float64), ``cnt`` (int16) and ``low`` (bool) are scratch arrays of
    ``17 × n_days`` elements; the results are fresh arrays. The window sums are formed in the
    same order as :func:`window_means` (hour ``w`` + ``w+1`` + … + ``w+7``), so they are
    bit-for-bit those of :func:`mda8`.
    """
    w = WINDOWS_PER_DAY
    m = z.shape[1]
    s = s.reshape(w, m)
    cnt = cnt.reshape(w, m)
    low = low.reshape(w, m)
    np.copyto(s, z[0:w])
    np.copyto(cnt, mask[0:w], casting="unsafe")
    for k in range(1, 8):
        np.add(s, z[k : k + w], out=s)
        np.add(cnt, mask[k : k + w], out=cnt, casting="unsafe")
    with np.errstate(invalid="ignore", divide="ignore"):
        np.divide(s, cnt, out=s)
    np.less(cnt, WINDOW_MIN_HOURS, out=low)
    np.copyto(s, np.nan, where=low)
    n = w - np.add.reduce(low, axis=0, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        best = np.fmax.reduce(s, axis=0)  # NaN only when no window is valid
        valid = (n >= min_windows) | ((n > 0) & (best > limit))
    return np.where(valid, best, np.nan), n, valid
