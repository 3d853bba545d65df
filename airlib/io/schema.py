"""The canonical hourly frame: column names, order and dtypes (one schema, used by every layer of io).

Every reader in :mod:`airlib.io.ingest` returns, and the store (:mod:`airlib.io.store`)
writes and reads, one hourly frame: ``station`` (pandas ``string``), ``time`` (naive Beijing
time, ``datetime64[us]``), the six pollutants [µg/m³; CO mg/m³] and the meteorology columns,
in :data:`HOURLY_COLUMNS` order (docs/architecture.md, "The canonical hourly frame"). The
schema lives here, below both the readers and the store, so that the store does not import
the ingest package.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from airlib.pollutants import METEOROLOGY, POLLUTANTS

__all__ = [
    "HOURLY_COLUMNS",
    "NUMERIC_COLUMNS",
    "TIME_DTYPE",
    "STRING",
    "to_beijing_naive",
    "canonical_hourly",
    "canonical_columns",
]

#: Column order of the canonical hourly frame (docs/architecture.md).
HOURLY_COLUMNS: tuple[str, ...] = ("station", "time", *POLLUTANTS, *METEOROLOGY)
#: Float64 columns of the canonical frame.
NUMERIC_COLUMNS: tuple[str, ...] = (*POLLUTANTS, "temp", "pres", "dewp", "rain", "wspm")
#: dtype of ``time``: naive Beijing time, microsecond resolution (the pandas 3 default).
TIME_DTYPE = np.dtype("datetime64[us]")
#: dtype of ``station`` and ``wd``: pandas ``string`` (missing = ``pd.NA``).
STRING = pd.StringDtype()

def to_beijing_naive(t: pd.Series) -> pd.Series:
    """Datetimes as naive Beijing time: tz-aware values are converted to Asia/Shanghai (UTC+8)
    and the zone dropped; naive values are taken to be Beijing time already."""
    if not pd.api.types.is_datetime64_any_dtype(t.dtype):
        t = pd.to_datetime(t)
    if getattr(t.dt, "tz", None) is not None:
        t = t.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    return t


def canonical_hourly(frame: pd.DataFrame, extra: Sequence[str] = ()) -> pd.DataFrame:
    """Return ``frame`` with exactly the canonical columns (missing ones NA) and fixed dtypes,
    sorted by station, time, with a fresh RangeIndex. ``extra`` columns are kept after them."""
    out = canonical_columns(frame, extra)
    if _is_sorted(out["station"], out["time"]):
        return out
    return out.sort_values(["station", "time"], kind="stable").reset_index(drop=True)


def canonical_columns(frame: pd.DataFrame, extra: Sequence[str] = (), only: Sequence[str] | None = None) -> pd.DataFrame:
    """The canonical columns of ``frame`` with fixed dtypes and a fresh RangeIndex, built in
    one step, **without** sorting (the caller guarantees or establishes the order).

    ``only``: return just these columns, in this order (each canonical or in ``extra``);
    equal to ``canonical_columns(frame, extra)[only]`` without building the others."""
    def _as(s: pd.Series, dtype) -> np.ndarray | pd.api.extensions.ExtensionArray:
        s = s if s.dtype == dtype else s.astype(dtype)
        return s.array if isinstance(dtype, pd.api.extensions.ExtensionDtype) else s.to_numpy()

    n = len(frame)
    canonical = ("station", "time", *NUMERIC_COLUMNS, "wd")
    extra = list(extra)
    wanted = [*canonical, *[c for c in extra if c not in canonical]] if only is None else list(only)
    data: dict[str, object] = {}
    for c in wanted:
        if c in extra:  # an extra column is kept as given (also one named like a canonical one)
            data[c] = frame[c].array
        elif c == "station":
            data[c] = _as(frame["station"], STRING)
        elif c == "time":
            data[c] = _as(to_beijing_naive(frame["time"]), TIME_DTYPE)
        elif c in NUMERIC_COLUMNS:
            data[c] = _as(frame[c], np.dtype("float64")) if c in frame else np.full(n, np.nan)
        elif c == "wd":
            data[c] = _as(frame["wd"], STRING) if "wd" in frame else pd.Series(pd.NA, index=pd.RangeIndex(n), dtype=STRING).array
        else:
            raise KeyError(c)
    return pd.DataFrame(data, index=pd.RangeIndex(n), copy=False)


def _is_sorted(station: pd.Series, time: pd.Series) -> bool:
    """True when rows are already ordered by station, then strictly by time (O(n), no sort).

    Stored partitions are written sorted, so reading them back need not pay for a sort.
    Strings are compared in Arrow (UTF-8 byte order = code-point order, as ``sort_values``),
    without making Python string objects."""
    if len(station) < 2 or station.isna().any():
        return len(station) < 2
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(station.array)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
            raise TypeError(arr.type)
        head, tail = arr[:-1], arr[1:]
        if not pc.all(pc.less_equal(head, tail)).as_py():
            return False
        same = pc.equal(head, tail).to_numpy(zero_copy_only=False)
    except (TypeError, ValueError, NotImplementedError):  # not Arrow strings: compare objects
        st = station.to_numpy(dtype=object)
        if not bool((st[1:] >= st[:-1]).all()):
            return False
        same = st[1:] == st[:-1]
    t = time.to_numpy()
    return bool(((t[1:] > t[:-1]) | ~same).all())
