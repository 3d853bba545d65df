"""Hourly rows onto the hour-major station-day grid, in one compiled pass (numba, optional).

Private to :mod:`airlib.engine.citywide`. The validity rules themselves stay in
:mod:`airlib.standards.kernels` (numpy); this module only *lays the rows out* in the grid those
kernels read (``(24, n)`` values with 0 where an hour is missing or invalid, and a ``(24, n)``
uint8 mask of the valid hours; see :mod:`airlib.standards.kernels`), which is the part of the
city-wide month job that numpy needs many passes over the rows for:

* :func:`positions`: from the ``time`` ticks and the station dictionary indices of a month of
  rows, the flat grid position of each row, with the checks the rules need (every time on the
  hour and inside the month; a station-hour at most once, since a duplicate would be counted
  twice). numpy needed ~10 passes over the rows plus a scatter for this;
* :func:`scatter`: one pollutant's values onto the zeroed grid, skipping NaN values and
  Arrow null slots (read from the column's validity bitmap, so the null rows need no
  separate list). The result is bit for bit :func:`airlib.standards.kernels.hour_major` (tested).

Both functions release the GIL (``nogil``), so the months that :mod:`airlib.engine.citywide`
processes in two threads run on both cores. They are compiled on first use and cached on disk
(``cache=True``: ``__pycache__`` beside this file, or ``NUMBA_CACHE_DIR``), so only the very
first call on a machine pays the compile time (about a second).

Why numba: the work is a single pass of integer arithmetic, a table lookup, a bounds check and
a scatter per row; written with numpy it is a chain of whole-array temporaries (measured 2.1 ms
per city month for positions and 0.3–0.4 ms per pollutant for the scatter, against ~0.5 ms and
~0.2 ms compiled).

numba is an optional dependency (the ``fast`` extra). Without it, or with the environment
variable ``AIRLIB_NO_NUMBA=1`` set before airlib is imported, :func:`positions` and
:func:`scatter` are the pure-numpy versions :func:`positions_numpy` and :func:`scatter_numpy`:
the same results (tested against the compiled ones), about ten times slower for this step
(a 340-station month, 253,000 rows: positions ~5.3 ms instead of ~0.5 ms, scatter ~2.3 ms
instead of ~0.25 ms per pollutant, measured on the 2-core development machine).
:data:`USES_NUMBA` says which is in use.
"""

from __future__ import annotations

import os

import numpy as np

try:  # optional: pip install airlib[fast]
    from numba import njit as _njit
except ImportError:  # pragma: no cover - depends on the environment
    _njit = None

#: True when :func:`positions` and :func:`scatter` are the numba-compiled versions.
USES_NUMBA: bool = _njit is not None and os.environ.get("AIRLIB_NO_NUMBA", "").strip() not in ("1", "true", "yes")

#: Status codes of :func:`positions`.
OK = 0
OFF_GRID = 1  # a time not on the hour or outside the month
DUPLICATE = 2  # a station-hour seen before


def _positions_loop(ticks, codes, station_part, hour_part, first_hour, ticks_per_hour, tpos, present):  # pragma: no cover - compiled
    """Flat hour-major grid position of each row, with the checks of the month.

    Parameters
    ----------
    ticks : int64 array
        Row times as integer ticks since the epoch (any unit; ``ticks_per_hour`` of them per hour).
    codes : int array
        Row station dictionary index.
    station_part : int64 array
        Per dictionary entry: ``station × n_days`` (the station's offset in a grid row).
    hour_part : int64 array, length ``24 × n_days``
        Per hour of the month ``h``: ``(h mod 24) × n_rows + h div 24``.
    first_hour : int
        Hours since the epoch of the month's first hour.
    ticks_per_hour : int
    tpos : int64 array, len(ticks)
        Output: the positions.
    present : bool array, ``24 × n_rows``
        Scratch (overwritten): True where a row was placed.

    Returns
    -------
    status, row : int, int
        ``(OK, -1)``; or ``(OFF_GRID, i)`` when row ``i``'s time is not on the hour or not in the
        month; or ``(DUPLICATE, i)`` when row ``i`` repeats an earlier row's station-hour.
    """
    present[:] = False
    n_hours = len(hour_part)
    start = first_hour * ticks_per_hour  # the month's first hour in ticks
    end = n_hours * ticks_per_hour  # ticks in the month
    per_hour = float(ticks_per_hour)
    for i in range(len(ticks)):
        rel = ticks[i] - start
        if rel < 0 or rel >= end:
            return OFF_GRID, i
        # rel < 2**53: exact in float64, and the quotient of two exact integers is exact when
        # it is an integer, so this is the hour when rel is on the hour (and the check below
        # fails otherwise); a float division is ~10x cheaper than an int64 one
        h = np.int64(rel / per_hour)
        if h * ticks_per_hour != rel:
            return OFF_GRID, i
        p = hour_part[h] + station_part[codes[i]]
        if present[p]:
            return DUPLICATE, i
        present[p] = True
        tpos[i] = p
    return OK, -1


def _scatter_loop(tpos, values, bitmap, offset, z, valid):  # pragma: no cover - compiled
    """One pollutant onto the grid: ``z`` = value where valid, else 0; ``valid`` = 1 where valid.

    Parameters
    ----------
    tpos : int64 array
        Grid position of each row (unique; from :func:`positions`).
    values : float64 array
        Row values; NaN is invalid.
    bitmap : uint8 array
        Arrow validity bitmap of the column (bit ``offset + i`` clear = row ``i`` is null, whatever
        ``values[i]`` holds), or an empty array when the column has no nulls.
    offset : int
        Bit offset of row 0 in ``bitmap``.
    z : float64 array, ``24 × n``
        Output grid (overwritten).
    valid : uint8 array, ``24 × n``
        Output mask (overwritten).
    """
    z[:] = 0.0
    valid[:] = 0
    has_nulls = len(bitmap) > 0
    for i in range(len(tpos)):
        v = values[i]
        if v != v:  # NaN
            continue
        if has_nulls:
            j = offset + i
            if (bitmap[j >> 3] >> (j & 7)) & 1 == 0:
                continue
        p = tpos[i]
        z[p] = v
        valid[p] = 1


#: An empty bitmap: "no nulls".
NO_NULLS = np.empty(0, dtype=np.uint8)


def positions_numpy(ticks, codes, station_part, hour_part, first_hour, ticks_per_hour, tpos, present):
    """:func:`positions` in whole-array numpy (no numba): same arguments, outputs and status.

    As in the compiled loop, the first failing row in row order decides the status: the
    earliest of the first row off the grid and the first row repeating an earlier
    station-hour. On success ``tpos`` holds every row's position and ``present`` is True
    exactly at those positions.
    """
    present[:] = False
    n = len(ticks)
    if n == 0:
        return OK, -1
    ticks = np.asarray(ticks, dtype=np.int64)
    rel = ticks - np.int64(first_hour) * np.int64(ticks_per_hour)
    h, rest = np.divmod(rel, np.int64(ticks_per_hour))
    off = (rel < 0) | (h >= len(hour_part)) | (rest != 0)
    first_off = int(np.argmax(off)) if off.any() else n
    k = first_off  # rows before the first off-grid one are on the grid
    p = np.asarray(hour_part)[h[:k]] + np.asarray(station_part)[np.asarray(codes)[:k]]
    present[p] = True
    if np.count_nonzero(present) < k:  # a position twice: find the first repeat (rare, error path)
        order = np.argsort(p, kind="stable")
        sp = p[order]
        first_dup = int(order[1:][sp[1:] == sp[:-1]].min())  # earliest occurrence after a first one
        present[:] = False
        present[p[:first_dup]] = True
        tpos[:first_dup] = p[:first_dup]
        return DUPLICATE, first_dup
    tpos[:k] = p
    if k < n:
        return OFF_GRID, k
    return OK, -1


def scatter_numpy(tpos, values, bitmap, offset, z, valid):
    """:func:`scatter` in whole-array numpy (no numba): same arguments and outputs."""
    z[:] = 0.0
    valid[:] = 0
    n = len(tpos)
    keep = ~np.isnan(values[:n])
    if len(bitmap) > 0:
        bits = np.unpackbits(np.asarray(bitmap, dtype=np.uint8), bitorder="little")[offset:offset + n]
        keep &= bits.astype(bool)
    at = np.asarray(tpos)[keep]
    z[at] = values[:n][keep]
    valid[at] = 1


if _njit is not None:
    positions_numba = _njit(cache=True, nogil=True)(_positions_loop)
    scatter_numba = _njit(cache=True, nogil=True)(_scatter_loop)
else:  # pragma: no cover - depends on the environment
    positions_numba = scatter_numba = None

positions = positions_numba if USES_NUMBA else positions_numpy
scatter = scatter_numba if USES_NUMBA else scatter_numpy
