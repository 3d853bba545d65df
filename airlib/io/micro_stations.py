"""Reader of micro-station (小微站) hourly files (issue #17; docs/micro_stations.md).

A micro-station export is a long table, one row per station and hour:

==========  ==========================================================  ======
column      meaning                                                     needed
==========  ==========================================================  ======
station     station id of the micro-station registry                    yes
time        hour-beginning label, Beijing time (``YYYY-MM-DD HH:MM``)   yes
pm25        PM2.5 [µg/m³]; empty = no value                             yes
pm10        PM10 [µg/m³]                                                —
rh          relative humidity of the sensor [%]                         —
temp, dewp  temperature, dew point [°C] (RH is computed from them)      —
==========  ==========================================================  ======

The values are kept exactly as read: a negative, a zero or an out-of-range reading is a QC
flag of :func:`airlib.analysis.sensor_qc.qc_flags`, never a change of the data (unlike the
assessment-station reader :func:`airlib.io.ingest.read_station_table`, which sets negatives
and sentinels to NaN). Refused, naming the file, rows and column: a missing column, a time or
number that cannot be read, a station the registry does not know, a station-hour given twice.

A co-location table (比对期, :func:`read_colocation`) lists when each micro-station stood beside a
reference analyser (one row per window; Chinese headers accepted):

==========  =====================  ===============================================================
column      Chinese headers        meaning
==========  =====================  ===============================================================
station     站点, 站点编号          micro-station id
reference   参比站, 参照站          id of the reference station it stood beside
start       开始时间                first hour of the window (hour-beginning label, Beijing time)
end         结束时间                last hour of the window, **inclusive** (like ``micro_faults.csv``)
==========  =====================  ===============================================================

Refused, naming the file, rows and column: a missing column, an unreadable or off-the-hour time,
an empty id, ``end`` before ``start``, two windows of one station that overlap, a station or
reference the given registries do not know.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.io.text_decoding import decode_text

__all__ = ["MICRO_VALUE_COLUMNS", "COLOCATION_HEADERS", "read_micro_hourly", "read_colocation"]

#: Numeric columns read when present [µg/m³, %, °C].
MICRO_VALUE_COLUMNS = ("pm25", "pm10", "rh", "temp", "dewp")
_REQUIRED = ("station", "time", "pm25")


def _bad_rows(mask: pd.Series) -> int | list[int]:
    """1-based file rows (header = row 1) of the True entries of ``mask`` (default index)."""
    rows = [int(i) + 2 for i in mask.index[mask.to_numpy(bool)]]
    return rows[0] if len(rows) == 1 else rows


def _csv_strings(p: Path, what: str, encoding: str | None) -> pd.DataFrame:
    """The CSV file ``p`` as strings (empty cells ""), headers stripped, through the one
    text-decoding rule (:func:`decode_text`); a missing or unreadable file is an
    :class:`InputDataError` naming it."""
    if not p.is_file():
        raise InputDataError(f"{what} not found; for the demo run `bash scripts/demo` "
                             "(or `airlib generate-demo`) first", file=p)
    text, _ = decode_text(p.read_bytes(), encoding, file=p)
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputDataError(f"cannot read the file as a CSV table ({exc}); save it as CSV (comma-separated)",
                             file=p) from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    return raw


def read_micro_hourly(path: str | os.PathLike[str], stations: pd.DataFrame | None = None,
                      encoding: str | None = None) -> pd.DataFrame:
    """Read a micro-station hourly CSV into a long frame.

    Parameters
    ----------
    path : path-like
        The CSV (columns in the module docstring; others are kept as text).
    encoding : str, optional
        Declared text encoding; None detects UTF-8 (with or without BOM), UTF-16 or GBK
        (:func:`airlib.io.text_decoding.decode_text`, the one decoding rule of airlib).
    stations : DataFrame, optional
        The micro-station registry (``station``); every station of the file must be in it.

    Returns
    -------
    DataFrame
        ``station`` (string), ``time`` (datetime64, hour-beginning Beijing), ``pm25`` and the
        other present columns of :data:`MICRO_VALUE_COLUMNS` (float64, NaN = empty cell), in
        file order; values unchanged.

    Raises
    ------
    InputDataError
        The file is absent or unreadable, a needed column is missing, a time or number cannot
        be read, a time is not on the hour, a station is unknown or a station-hour repeats.
    """
    p = Path(path)
    raw = _csv_strings(p, "micro-station hourly file", encoding)
    for col in _REQUIRED:
        if col not in raw.columns:
            raise InputDataError(f"column {col!r} is missing (needed: {', '.join(_REQUIRED)}; "
                                 f"found: {', '.join(raw.columns)})", file=p)
    out = raw.copy()
    out["station"] = raw["station"].str.strip().astype("string")
    empty_id = out["station"].eq("")
    if empty_id.any():
        raise InputDataError("empty station id; fill it in or delete the row", file=p,
                             row=_bad_rows(empty_id), column="station")
    text = raw["time"].str.strip()
    time = pd.to_datetime(text, format="mixed", errors="coerce")
    bad = time.isna()
    if bad.any():
        raise InputDataError(f"time cannot be read (e.g. {text[bad].iloc[0]!r}); write YYYY-MM-DD HH:MM",
                             file=p, row=_bad_rows(bad), column="time")
    off = time != time.dt.floor("h")
    if off.any():
        raise InputDataError("time is not on the hour; micro-station rows are hourly, hour-beginning",
                             file=p, row=_bad_rows(off), column="time")
    out["time"] = time.astype("datetime64[us]")
    for col in MICRO_VALUE_COLUMNS:
        if col not in raw.columns:
            continue
        cell = raw[col].str.strip()
        num = pd.to_numeric(cell.where(cell != ""), errors="coerce")
        bad = num.isna() & cell.ne("")
        if bad.any():
            raise InputDataError(f"not a number (e.g. {cell[bad].iloc[0]!r}); leave the cell empty for no value",
                                 file=p, row=_bad_rows(bad), column=col)
        out[col] = num.astype(float)
    if stations is not None:
        known = set(stations["station"].astype(str))
        unknown = ~out["station"].isin(known).to_numpy(bool)
        if unknown.any():
            names = sorted(set(out.loc[unknown, "station"]))
            raise InputDataError(f"station not in the micro-station registry: {', '.join(names[:10])}; "
                                 "add it to the registry or correct the id", file=p,
                                 row=_bad_rows(pd.Series(unknown)), column="station")
    dup = out.duplicated(["station", "time"], keep=False)
    if dup.any():
        raise InputDataError("the same station and hour are given more than once; keep one row",
                             file=p, row=_bad_rows(dup), column="time")
    return out


#: Accepted headers of the co-location table, by column (the English name first).
COLOCATION_HEADERS = {
    "station": ("station", "站点", "站点编号"),
    "reference": ("reference", "参比站", "参照站"),
    "start": ("start", "开始时间"),
    "end": ("end", "结束时间"),
}


def read_colocation(path: str | os.PathLike[str], stations: pd.DataFrame | None = None,
                    reference_stations: pd.DataFrame | None = None, encoding: str | None = None) -> pd.DataFrame:
    """Read a co-location table (比对期): when each micro-station stood beside a reference analyser.

    The windows are the basis of the micro-stations' calibration for hot-spot screening
    (:func:`airlib.analysis.calibration.fit_calibration` with ``colocation=``;
    docs/micro_stations.md, "校准 Calibration"): there sensor and reference measure the same air.

    Parameters
    ----------
    path : path-like
        The CSV: ``station``, ``reference``, ``start``, ``end`` (or the Chinese headers of
        :data:`COLOCATION_HEADERS`); ``start`` and ``end`` are hour-beginning labels
        (``YYYY-MM-DD HH:MM``, Beijing time), ``end`` inclusive; other columns are kept as text.
    stations : DataFrame, optional
        The micro-station registry (``station``); every station of the file must be in it.
    reference_stations : DataFrame, optional
        The reference stations (``station``); every reference of the file must be one of them.
    encoding : str, optional
        Declared text encoding; None detects it (:func:`airlib.io.text_decoding.decode_text`).

    Returns
    -------
    DataFrame
        ``station``, ``reference`` (string), ``start``, ``end`` (datetime64, hour labels, ``end``
        inclusive), in file order.

    Raises
    ------
    InputDataError
        The file is absent or unreadable, a column is missing or given twice, an id is empty, a
        time cannot be read or is not on the hour, ``end`` is before ``start``, two windows of a
        station overlap, or a station / reference is unknown.
    """
    p = Path(path)
    raw = _csv_strings(p, "co-location file", encoding)
    header: dict[str, str] = {}  # column -> header as written in the file
    for col, names in COLOCATION_HEADERS.items():
        found = [c for c in raw.columns if c in names]
        if not found:
            raise InputDataError(f"column {col!r} is missing (headers accepted: {', '.join(names)}; "
                                 f"found: {', '.join(raw.columns)})", file=p)
        if len(found) > 1:
            raise InputDataError(f"column {col!r} is given twice ({', '.join(found)}); keep one", file=p,
                                 column=found[1])
        header[col] = found[0]
    out = raw.drop(columns=list(header.values()))
    for col in ("station", "reference"):
        ids = raw[header[col]].str.strip()
        empty = ids.eq("")
        if empty.any():
            raise InputDataError(f"empty {col} id; fill it in or delete the row", file=p,
                                 row=_bad_rows(empty), column=header[col])
        out[col] = ids.astype("string")
    for col in ("start", "end"):
        cell = raw[header[col]].str.strip()
        time = pd.to_datetime(cell, format="mixed", errors="coerce")
        bad = time.isna()
        if bad.any():
            raise InputDataError(f"time cannot be read (e.g. {cell[bad].iloc[0]!r}); write YYYY-MM-DD HH:MM",
                                 file=p, row=_bad_rows(bad), column=header[col])
        off = time != time.dt.floor("h")
        if off.any():
            raise InputDataError("time is not on the hour; a window starts and ends with hour labels "
                                 "(hour-beginning, end inclusive)", file=p, row=_bad_rows(off), column=header[col])
        out[col] = time.astype("datetime64[us]")
    back = out["end"] < out["start"]
    if back.any():
        raise InputDataError("end is before start; the window runs from start to end (inclusive hour labels)",
                             file=p, row=_bad_rows(back), column=header["end"])
    for col, registry, what in (("station", stations, "micro-station registry"),
                                ("reference", reference_stations, "reference stations")):
        if registry is None:
            continue
        unknown = ~out[col].isin(set(registry["station"].astype(str))).to_numpy(bool)
        if unknown.any():
            names = sorted(set(out.loc[unknown, col]))
            raise InputDataError(f"{col} not in the {what}: {', '.join(names[:10])}; correct the id",
                                 file=p, row=_bad_rows(pd.Series(unknown)), column=header[col])
    order = out.sort_values(["station", "start"], kind="stable")
    same = order["station"].eq(order["station"].shift())
    overlap = same & (order["start"] <= order["end"].shift())  # end inclusive: touching hours overlap
    if overlap.any():
        first = order.index[overlap.to_numpy(bool)][0]
        prev = order.index[int(np.flatnonzero(order.index == first)[0]) - 1]
        raise InputDataError(f"two co-location windows of station {out.at[first, 'station']!r} overlap; "
                             "a sensor stands beside one reference at a time: merge or correct them",
                             file=p, row=sorted([int(prev) + 2, int(first) + 2]), column=header["start"])
    return out[["station", "reference", "start", "end", *[c for c in out.columns
                                                         if c not in ("station", "reference", "start", "end")]]]
