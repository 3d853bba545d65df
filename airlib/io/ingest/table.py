"""Generic station-hour tables (CSV or Excel) from bureaus, with QC.

Conventions (``docs/ingestion.md``): header mapping in :mod:`airlib.io.ingest.columns`,
hour labels applied once here, duplicates policy, QC of negatives and sentinels.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from airlib.errors import InputDataError
from airlib.io.schema import NUMERIC_COLUMNS, canonical_hourly
from airlib.io.ingest.columns import (
    NA_TOKENS,
    drop_blank_rows,
    file_errors,
    is_station_table_header,
    map_headers,
    read_any_table,
    refuse_formula_text,
    row_arg,
    to_beijing_naive,
    unit_factor,
)
from airlib.pollutants import POLLUTANTS
from airlib.settings import DEFAULT, Settings

#: The zone of canonical times (docs/architecture.md) and the default of offset-less sources.
BEIJING = "Asia/Shanghai"

__all__ = [
    "DEFAULT_SENTINELS",
    "NONNEGATIVE_COLUMNS",
    "QCReport",
    "apply_qc",
    "apply_hour_label",
    "decide_decimal",
    "parse_timezone",
    "qc_masks",
    "read_station_table",
    "parse_times",
]

#: Values read as "missing" codes in numeric columns (set to NaN and counted by QC).
DEFAULT_SENTINELS: tuple[float, ...] = (-999.0, -9999.0, -99999.0, -99.0, 9999.0, 99999.0)
#: Columns where a negative value is impossible (set to NaN and counted by QC).
NONNEGATIVE_COLUMNS: tuple[str, ...] = (*POLLUTANTS, "rain", "wspm")

_WD_ZH = {
    "北": "N", "北东北": "NNE", "东北东": "ENE", "东北": "NE", "东东北": "ENE", "东": "E", "东东南": "ESE",
    "东南": "SE", "南东南": "SSE", "南": "S", "南西南": "SSW", "西南": "SW", "西西南": "WSW", "西": "W",
    "西西北": "WNW", "西北": "NW", "北西北": "NNW", "东南东": "ESE", "南南东": "SSE", "南南西": "SSW",
    "西南西": "WSW", "西北西": "WNW", "北北西": "NNW", "北北东": "NNE",
}
_COMPASS = ("N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW")
_CALM = {"静风", "C", "CALM", "CV", "calm", "cv", "静"}


@dataclass
class QCReport:
    """What ingestion did to the values (counts per canonical column, example file rows).

    Attributes
    ----------
    files : list of str
    encoding : str or None
        Encoding used (``utf-8``, ``utf-8-sig``, ``gbk``, ``gb18030``, ``xlsx``).
    hour_label : str
        Convention of the source; ``"ending"`` rows were shifted −1 h.
    rows_read, rows_out : int
    column_map : dict
        Header in the file → canonical column.
    unmapped_columns : list of str
        Headers left out.
    unit_factors : dict
        Column → factor applied from a unit hint (e.g. CO in µg/m³ → × 0.001).
    negative, sentinel : dict
        Column → number of values set to NaN because negative / equal to a sentinel.
    implausible : dict
        Column → number of values set to NaN because outside the plausibility limits
        (``Settings.plausible_ranges``, canonical units) or infinite.
    examples : dict
        Column → first file rows (≤ 5) of those values.
    duplicates : int
        Rows sharing a station-hour with another row (before the policy).
    duplicate_policy : str
    missing : dict
        Column → NaN count in the output (after QC).
    delimiter, decimal : str or None
        Delimiter of a text file; decimal mark used for numbers (``"."`` or ``","``).
    time_format : str or None
        Declared or inferred (day/month order proven by the data) time format, if any.
    timezone : str
        Zone of offset-less timestamps in the file (converted to Beijing time).
    """

    files: list[str] = field(default_factory=list)
    encoding: str | None = None
    hour_label: str = "beginning"
    rows_read: int = 0
    rows_out: int = 0
    column_map: dict[str, str] = field(default_factory=dict)
    unmapped_columns: list[str] = field(default_factory=list)
    unit_factors: dict[str, float] = field(default_factory=dict)
    negative: dict[str, int] = field(default_factory=dict)
    sentinel: dict[str, int] = field(default_factory=dict)
    implausible: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[int]] = field(default_factory=dict)
    duplicates: int = 0
    duplicate_policy: str = "error"
    missing: dict[str, int] = field(default_factory=dict)
    delimiter: str | None = None
    decimal: str | None = None
    time_format: str | None = None
    timezone: str = BEIJING

    @property
    def flagged(self) -> int:
        """Total values set to NaN by QC (negatives + sentinels + implausible)."""
        return sum(self.negative.values()) + sum(self.sentinel.values()) + sum(self.implausible.values())

    def to_dict(self) -> dict:
        """JSON-serialisable dict (used in ``manifest.json``)."""
        return asdict(self)

    def summary(self) -> str:
        """One-paragraph Chinese summary for logs."""
        return (
            f"读取 {self.rows_read} 行，输出 {self.rows_out} 行；负值置空 {sum(self.negative.values())} 个，"
            f"缺测代码置空 {sum(self.sentinel.values())} 个，超出合理范围置空 {sum(self.implausible.values())} 个；"
            f"重复站点-小时 {self.duplicates} 行"
            f"（策略 {self.duplicate_policy}）"
        )


def qc_masks(
    values: np.ndarray, column: str, sentinels: np.ndarray, factor: float = 1.0,
    ranges: Mapping[str, tuple[float, float]] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks ``(sentinel, negative, implausible)`` of raw ``values`` of one canonical column.

    In this order, each value counted once: a sentinel code (compared with the raw value,
    before unit conversion); a finite negative value in a :data:`NONNEGATIVE_COLUMNS` column; a
    value ``× factor`` (canonical units) outside ``ranges[column]`` (inclusive limits) or
    infinite (``inf``/``-inf`` in any numeric column).
    """
    is_sent = np.isin(values, sentinels)
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(values) | np.isnan(values)
        is_neg = (values < 0) & finite & ~is_sent if column in NONNEGATIVE_COLUMNS else np.zeros(len(values), bool)
        lo, hi = (ranges or {}).get(column, (-np.inf, np.inf))
        scaled = values * factor
        is_out = (np.isinf(values) | (scaled < lo) | (scaled > hi)) & ~is_sent & ~is_neg
    return is_sent, is_neg, is_out


def apply_qc(
    frame: pd.DataFrame,
    report: QCReport,
    rows: np.ndarray | None = None,
    sentinels: Iterable[float] = DEFAULT_SENTINELS,
    *,
    unit_factors: Mapping[str, float] | None = None,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """Set sentinels, negative concentrations and implausible values to NaN, counting them.

    Sentinels (``DEFAULT_SENTINELS`` unless given) are checked in every numeric column;
    negatives only in :data:`NONNEGATIVE_COLUMNS` (temperatures and dew points may be
    negative); plausibility against ``settings.plausible_ranges`` (canonical units: the raw
    value × ``unit_factors[column]``, if the frame is not yet converted) and ``±inf`` in every
    numeric column (:func:`qc_masks`). Counts and example file rows are added to
    ``report.sentinel``, ``report.negative``, ``report.implausible`` and
    ``report.examples``. Returns a new frame (values not converted).
    """
    st = DEFAULT if settings is None else settings
    out = frame.copy()
    sent = np.asarray(list(sentinels), dtype="float64")
    rows = np.arange(2, len(out) + 2) if rows is None else np.asarray(rows)
    factors = dict(unit_factors or {})
    for c in NUMERIC_COLUMNS:
        if c not in out:
            continue
        v = out[c].to_numpy(dtype="float64", na_value=np.nan)
        is_sent, is_neg, is_out = qc_masks(v, c, sent, factors.get(c, 1.0), st.plausible_ranges)
        bad = is_sent | is_neg | is_out
        if bad.any():
            for counts, mask in ((report.sentinel, is_sent), (report.negative, is_neg),
                                 (report.implausible, is_out)):
                counts[c] = counts.get(c, 0) + int(mask.sum())
            report.examples[c] = (report.examples.get(c, []) + rows[bad][:5].tolist())[:5]
            out[c] = np.where(bad, np.nan, v)
    return out


def apply_hour_label(times: pd.Series, hour_label: str, *, file=None) -> pd.Series:
    """Apply the source's hour-labelling convention once: ``"ending"`` → −1 h; ``"beginning"`` as is.

    The canonical label is hour-beginning (docs/architecture.md): the value labelled 01:00
    by an hour-ending source (mean over 00:00–01:00) becomes 00:00; a label ``24:00`` or
    next-day ``00:00`` becomes 23:00 of the day it belongs to.
    """
    _check_hour_label(hour_label, file)
    return times - pd.Timedelta(hours=1) if hour_label == "ending" else times


def _check_hour_label(hour_label: str, file=None) -> None:
    if hour_label not in ("beginning", "ending"):
        raise InputDataError(f"hour_label must be 'beginning' or 'ending', not {hour_label!r}", file=file)


def _station_ids(names: pd.Series, stations: pd.DataFrame | str | os.PathLike[str], *, file, column: str,
                 rows) -> pd.Series:
    """Station names, aliases or ids → registry ids; ``stations`` is a registry frame or file."""
    from airlib.io.ingest.registries import read_stations
    from airlib.io.registry import resolve_stations

    reg = stations if isinstance(stations, pd.DataFrame) else read_stations(stations)
    return resolve_stations(names, reg, file=file, column=column, rows=rows)


_NA_SET = pa.array(sorted(NA_TOKENS), type=pa.string())


def _arrow_strings(s: pd.Series) -> pa.Array:
    """The values as a trimmed Arrow string array (C++ kernels, no Python per-row work)."""
    arr = pa.array(s.astype("string"), type=pa.string(), from_pandas=True)
    return pc.utf8_trim_whitespace(arr)


def _na_mask(s: pd.Series) -> np.ndarray:
    """True where a cell is missing: NaN/None, empty, or one of :data:`NA_TOKENS`."""
    if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s.isna().to_numpy()
    arr = _arrow_strings(s)
    mask = pc.or_kleene(pc.is_null(arr), pc.is_in(arr, value_set=_NA_SET))
    return mask.to_numpy(zero_copy_only=False).astype(bool)


def parse_timezone(timezone: str | None, *, file=None) -> tuple[object, str]:
    """The zone of offset-less timestamps: ``(tzinfo or zone name, label)``.

    ``None`` → Beijing time (``Asia/Shanghai``). Accepts ``UTC``/``GMT``/``Z``, offsets
    ``+08:00``, ``-0500``, ``UTC+8``, and IANA names (``Asia/Shanghai``, ``Europe/Paris``).
    Anything else is an :class:`InputDataError`.
    """
    import datetime as _dt
    import re
    import zoneinfo

    if timezone is None:
        return BEIJING, BEIJING
    tz = str(timezone).strip()
    if tz.upper() in ("UTC", "GMT", "Z", "UTC+0", "UTC+00:00", "+00:00", "+0000", "+0"):
        return "UTC", "UTC"
    m = re.fullmatch(r"(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?", tz, flags=re.I)
    if m:
        hours, minutes = int(m.group(2)), int(m.group(3) or 0)
        if hours > 14 or minutes >= 60:
            raise InputDataError(f"time zone offset {tz!r} is out of range (−12:00 … +14:00)", file=file)
        delta = _dt.timedelta(hours=hours, minutes=minutes) * (1 if m.group(1) == "+" else -1)
        label = f"{m.group(1)}{hours:02d}:{minutes:02d}"
        return _dt.timezone(delta), label
    try:
        if not tz or tz.startswith(("/", ".")) or ".." in tz:
            raise ValueError(tz)
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise InputDataError(f"unknown time zone {timezone!r}; use UTC, an offset such as +08:00 or -05:00, "
                             "or an IANA name such as Asia/Shanghai", file=file) from None
    return tz, tz


_DMY_RE = r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?!\d)"
_DMY2_RE = r"^\s*\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2}(?![\d/.\-])"


def _day_month_order(s: pd.Series, *, file, column, rows) -> tuple[pd.Series, str | None]:
    """Rewrite ``dd/mm/yyyy`` or ``mm/dd/yyyy`` dates (``/``, ``.`` or ``-``) as ISO ``yyyy-mm-dd``.

    The order is taken from the data only when they prove it: a first number > 12 somewhere
    (and no second number > 12) → day first; a second number > 12 → month first; both →
    error (mixed orders). No number > 12 anywhere → error: ambiguous, pass ``time_format``.
    Two-digit years (``13/01/18``) are always refused (year, month and day orders all
    possible). Returns the rewritten strings and ``"%d/%m/%Y"``/``"%m/%d/%Y"`` (or ``None``
    when no such date occurs).
    """
    two = s.str.contains(_DMY2_RE, regex=True).to_numpy(dtype=bool, na_value=False)
    if two.any():
        raise InputDataError(
            f"dates with a two-digit year {s[two].head(3).tolist()} are ambiguous (year/month/day order); "
            "pass time_format (CLI --time-format), e.g. '%d/%m/%y %H:%M'",
            file=file, row=row_arg(rows[two]), column=column)
    parts = s.str.extract(_DMY_RE)
    hit = parts[0].notna().to_numpy()
    if not hit.any():
        return s, None
    a = pd.to_numeric(parts[0], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    b = pd.to_numeric(parts[1], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    a_big, b_big = hit & (a > 12), hit & (b > 12)
    if a_big.any() and b_big.any():
        rr = np.flatnonzero(a_big)[:1].tolist() + np.flatnonzero(b_big)[:1].tolist()
        raise InputDataError(
            f"day/month order differs between rows: {s.iloc[rr].tolist()} (day first in one, month first in "
            "the other); fix the file or pass time_format (CLI --time-format)",
            file=file, row=row_arg(rows[rr]), column=column)
    if not (a_big.any() or b_big.any()):
        ex = s[hit].head(3).tolist()
        raise InputDataError(
            f"dates {ex} could be day/month or month/day: no day is above 12, so the data do not tell the "
            "order; pass time_format (CLI --time-format), e.g. '%d/%m/%Y %H:%M' (day first) or "
            "'%m/%d/%Y %H:%M' (month first)", file=file, row=row_arg(rows[hit][:10]), column=column)
    day_first = bool(a_big.any())
    day, month = (parts[0], parts[1]) if day_first else (parts[1], parts[0])
    iso = parts[2] + "-" + month.str.zfill(2) + "-" + day.str.zfill(2)
    rest = s.str.replace(_DMY_RE, "", regex=True)
    out = s.where(~pd.Series(hit, index=s.index), iso + rest)
    return out, ("%d/%m/%Y" if day_first else "%m/%d/%Y")


def parse_times(
    values: pd.Series,
    *,
    time_format: str | None = None,
    file=None,
    column: str | None = None,
    rows: np.ndarray | None = None,
    timezone: str | None = None,
    settings: Settings | None = None,
    report: QCReport | None = None,
) -> pd.Series:
    """Parse timestamps as labelled in the file (no hour-label shift) into naive Beijing time.

    Accepts ``2023-01-01 01:00``, ``2023/1/1 1:00``, ``2023年1月1日 1时``, ``2023010101``,
    Excel datetimes, ``24:00`` (= 00:00 of the next day), and ``dd/mm/yyyy`` or
    ``mm/dd/yyyy`` when the data prove the order (:func:`_day_month_order`; else an error
    asking for ``time_format``). Offset-less values are in ``timezone`` (default Beijing time,
    :func:`parse_timezone`); values with an offset (``+08:00``, ``Z``) are converted as given.
    Raises :class:`InputDataError` listing the rows of unparseable, empty, not-on-the-hour
    values, of times before ``settings.earliest_year`` or after now (Beijing time + 1 h).
    """
    t, inferred = _parse_naive(values, time_format=time_format, file=file, column=column, rows=rows)
    if report is not None and inferred:
        report.time_format = inferred
    rows = np.arange(2, len(values) + 2) if rows is None else np.asarray(rows)
    return _finish_times(t, timezone=timezone, file=file, column=column, rows=rows, settings=settings)


def _parse_naive(values: pd.Series, *, time_format, file, column, rows) -> tuple[pd.Series, str | None]:
    """Timestamps as written (naive, or tz-aware where the file gives offsets) and the
    inferred day/month format, if any. Errors for empty/unparseable values."""
    rows = np.arange(2, len(values) + 2) if rows is None else np.asarray(rows)
    inferred = None
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        t = pd.Series(values, copy=False)
        plus_day = np.zeros(len(t), bool)
        empty = t.isna().to_numpy()
        s = t.astype("string")
    else:
        s = values.astype("string").str.strip()
        empty = _na_mask(values)
        arr = _arrow_strings(values)  # regex tests in Arrow (RE2, C++), not per row in Python
        tod = pc.fill_null(pc.match_substring_regex(arr, r"^(?:\d{1,2}(?::\d{2}){1,2}|\d{1,2}\s*[时點点])$"),
                           False).to_numpy(zero_copy_only=False).astype(bool)
        if tod.any():
            raise InputDataError(f"time of day without a date: {s.iloc[np.flatnonzero(tod)].head(3).tolist()} "
                                 "(add a 日期 column or full timestamps)", file=file, row=row_arg(rows[tod]),
                                 column=column)
        has_offset = pc.fill_null(pc.match_substring_regex(arr, r"(?:Z|[+-]\d{2}:?\d{2})$"),
                                  False).to_numpy(zero_copy_only=False).astype(bool)
        if has_offset.any():
            return _parse_with_offsets(s, has_offset, empty, time_format=time_format, file=file, column=column,
                                       rows=rows), None
        if time_format is None:  # fast path: the common ISO-like "YYYY-MM-DD HH:MM" / "YYYY/MM/DD HH:MM"
            for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M"):
                fast = pd.to_datetime(s, format=fmt, errors="coerce")
                if not (fast.isna().to_numpy() & ~empty).any() and not empty.any():
                    return fast, None
            s, inferred = _day_month_order(s, file=file, column=column, rows=rows)
        s = (
            s.str.replace("年", "-", regex=False).str.replace("月", "-", regex=False)
            .str.replace(r"日\s*", " ", regex=True).str.replace(r"(\d{1,2})\s*[时點点]$", r"\1:00", regex=True)
            .str.replace(r"\s+", " ", regex=True).str.strip()
        )
        compact = s.str.fullmatch(r"\d{10}").fillna(False)
        s = s.where(~compact, s.str.slice(0, 8) + " " + s.str.slice(8, 10) + ":00")
        is24 = s.str.contains(r"[ T]24(?::00){0,2}$", regex=True).fillna(False)
        plus_day = is24.to_numpy(dtype=bool)
        s = s.where(~is24, s.str.replace(r"[ T]24(?::00){0,2}$", " 00:00", regex=True))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            t = pd.to_datetime(s, format=time_format, errors="coerce")
            retry = (t.isna().to_numpy() & ~empty)
            if retry.any() and time_format is None:
                t = t.copy()
                t[retry] = pd.to_datetime(s[retry], format="mixed", errors="coerce")
    bad = t.isna().to_numpy() & ~empty
    if empty.any():
        raise InputDataError("empty timestamp", file=file, row=row_arg(rows[empty]), column=column)
    if bad.any():
        ex = s.iloc[np.flatnonzero(bad)].head(3).tolist()
        hint = (f" (time_format={time_format!r})" if time_format else
                "; pass time_format (CLI --time-format), e.g. '%d.%m.%Y %H:%M'")
        raise InputDataError(f"unparseable timestamp(s) {ex}{hint}", file=file, row=row_arg(rows[bad]),
                             column=column)
    t = t + pd.to_timedelta(plus_day.astype("int64"), unit="D")
    return t, inferred


def _parse_with_offsets(s, has_offset, empty, *, time_format, file, column, rows) -> pd.Series:
    """Timestamps with explicit UTC offsets (``…+08:00``, ``…Z``): all must carry one."""
    naive = ~has_offset & ~empty
    if naive.any():
        raise InputDataError("some timestamps carry a UTC offset and these do not; the zone is ambiguous",
                             file=file, row=row_arg(rows[naive]), column=column)
    if empty.any():
        raise InputDataError("empty timestamp", file=file, row=row_arg(rows[empty]), column=column)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        t = pd.to_datetime(s, format=time_format or "ISO8601", errors="coerce", utc=True)
    bad = t.isna().to_numpy()
    if bad.any():
        raise InputDataError(f"unparseable timestamp(s) {s.iloc[np.flatnonzero(bad)].head(3).tolist()}",
                             file=file, row=row_arg(rows[bad]), column=column)
    return t


def _finish_times(t: pd.Series, *, timezone, file, column, rows, settings) -> pd.Series:
    """Naive times in ``timezone`` (or tz-aware) → naive Beijing time, checked (range, on the hour)."""
    if getattr(t.dt, "tz", None) is None:
        tz, label = parse_timezone(timezone, file=file)
        if label != BEIJING:
            local = t.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
            gap = local.isna().to_numpy() & t.notna().to_numpy()
            if gap.any():
                raise InputDataError(
                    f"local time(s) {t[gap].head(3).astype(str).tolist()} do not exist or occur twice in "
                    f"{label} (daylight-saving change); give timestamps with an offset or in UTC",
                    file=file, row=row_arg(rows[gap]), column=column)
            t = local
    return _check_on_hour(t, file=file, column=column, rows=rows, settings=settings)


def _check_on_hour(t: pd.Series, *, file, column, rows, settings: Settings | None = None) -> pd.Series:
    st = DEFAULT if settings is None else settings
    t = to_beijing_naive(t)
    first = pd.Timestamp(year=st.earliest_year, month=1, day=1)
    early = (t < first).to_numpy()
    if early.any():
        raise InputDataError(f"implausible timestamp(s) {t[early].head(3).astype(str).tolist()}: before "
                             f"{first:%Y-%m-%d} (setting earliest_year; a time of day without a date, a "
                             "two-digit year or an Excel serial 0?)", file=file, row=row_arg(rows[early]),
                             column=column)
    now = pd.Timestamp.now(tz=BEIJING).tz_localize(None)
    late = (t > now + pd.Timedelta(hours=1)).to_numpy()
    if late.any():
        raise InputDataError(f"timestamp(s) in the future {t[late].head(3).astype(str).tolist()} (Beijing time "
                             f"now {now:%Y-%m-%d %H:%M}): a wrong year, day/month order or time zone?",
                             file=file, row=row_arg(rows[late]), column=column)
    off = (t != t.dt.floor("h")).to_numpy()
    if off.any():
        raise InputDataError(f"timestamp not on the hour: {t[off].head(3).astype(str).tolist()}",
                             file=file, row=row_arg(rows[off]), column=column)
    return t.astype("datetime64[us]")


def _is_time_of_day(values: pd.Series) -> bool:
    """True if every non-missing value is a bare time of day (``01:00``, ``1时``, ``1``)."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return False
    st = values.astype("string").str.strip()
    ok = st.str.fullmatch(r"\d{1,2}(?::00(?::00)?|\s*时|h)?").fillna(True) | pd.Series(_na_mask(values), index=st.index)
    return bool(ok.all())


def _parse_date_hour(date: pd.Series, hour: pd.Series, *, file, date_col, hour_col, rows, time_format,
                     timezone: str | None = None, settings: Settings | None = None,
                     report: QCReport | None = None) -> pd.Series:
    d, inferred = _parse_naive(date, time_format=time_format, file=file, column=date_col, rows=rows)
    if report is not None and inferred:
        report.time_format = inferred
    if getattr(d.dt, "tz", None) is not None:
        d = to_beijing_naive(d)
    if (d != d.dt.floor("D")).any():
        bad = (d != d.dt.floor("D")).to_numpy()
        raise InputDataError("date column holds a time of day", file=file, row=row_arg(rows[bad]), column=date_col)
    h = pd.to_numeric(hour.astype("string").str.extract(r"^\s*(\d{1,2})(?:\s*(?:时|:00|:00:00|h))?\s*$")[0],
                      errors="coerce")
    bad = (h.isna() | (h > 24)).to_numpy()
    if bad.any():
        raise InputDataError(f"hour must be an integer 0–24, got {hour.iloc[np.flatnonzero(bad)].head(3).tolist()}",
                             file=file, row=row_arg(rows[bad]), column=hour_col)
    t = (d + pd.to_timedelta(h.astype("int64"), unit="h")).astype("datetime64[us]")
    return _finish_times(t, timezone=timezone, file=file, column=date_col, rows=np.asarray(rows), settings=settings)


_NUMBER_LIKE = r"^[+-]?[\d.,]*\d[\d.,]*(?:[eE][+-]?\d+)?$"


def decide_decimal(frame: pd.DataFrame, columns: Sequence[str], declared: str | None = None, *, file=None
                   ) -> str:
    """Decimal mark of the numbers in ``columns`` of ``frame`` (text cells): ``"."`` or ``","``.

    ``declared`` (``"."`` or ``","``) wins. Otherwise: no number-like cell holds a comma →
    ``"."``. Comma cells and no dots, and at least one comma cell that cannot be a thousands
    separator (not exactly three digits after a single comma, e.g. ``45,3``) → ``","``, so
    ``1,234`` in that file is 1.234. Refused (:class:`InputDataError` naming rows and
    column): numbers with both marks (``1.234,5``, ``1,234.5``), files mixing ``45.3`` and
    ``45,3``, several commas (``1,234,567``), and files whose every comma is followed by
    exactly three digits (``1,234``: a thousands separator or 1.234?).
    """
    if declared is not None:
        if declared not in (".", ","):
            raise InputDataError(f"decimal must be '.' or ',', not {declared!r}", file=file)
        return declared
    text_cols = [c for c in columns if not pd.api.types.is_numeric_dtype(frame[c].dtype)]
    if not any(pc.any(pc.match_substring(_arrow_strings(frame[c]), ",")).as_py() for c in text_cols):
        return "."  # the common case, decided by Arrow's C++ kernels
    comma_cols, dot_cols = [], []
    for c in text_cols:  # loop over columns, not rows
        s = frame[c].astype("string").str.strip()
        like = s.str.fullmatch(_NUMBER_LIKE).to_numpy(dtype=bool, na_value=False)
        comma = like & s.str.contains(",", regex=False).to_numpy(dtype=bool, na_value=False)
        dot = like & s.str.contains(".", regex=False).to_numpy(dtype=bool, na_value=False)
        if comma.any():
            comma_cols.append((c, s, comma))
        if dot.any():
            dot_cols.append((c, s, dot))
    if not comma_cols:
        return "."
    rows = frame.index.to_numpy()
    for c, s, comma in comma_cols:
        both = comma & s.str.contains(".", regex=False).to_numpy(dtype=bool, na_value=False)
        many = comma & (s.str.count(",").to_numpy(dtype="float64", na_value=0) > 1)
        bad = both | many
        if bad.any():
            raise InputDataError(
                f"numbers with thousands separators {s[bad].head(3).tolist()} are not accepted (airlib never "
                "drops a separator silently); save the numbers without grouping", file=file,
                row=row_arg(rows[bad]), column=c)
    if dot_cols:
        (c1, s1, m1), (c2, s2, m2) = comma_cols[0], dot_cols[0]
        raise InputDataError(
            f"numbers use both decimal marks: {s1[m1].head(2).tolist()} (column {c1!r}) and "
            f"{s2[m2].head(2).tolist()} (column {c2!r}); pass decimal='.' or ',' (CLI --decimal) after "
            "making the file consistent", file=file, row=row_arg(list(rows[m1][:3]) + list(rows[m2][:3])),
            column=c1)
    proof = [(c, s, comma & ~s.str.contains(r"^[+-]?\d{1,3},\d{3}$", regex=True).to_numpy(dtype=bool, na_value=False))
             for c, s, comma in comma_cols]
    if any(p.any() for _, _, p in proof):
        return ","
    c, s, comma = comma_cols[0]
    raise InputDataError(
        f"numbers such as {s[comma].head(3).tolist()} are ambiguous: a decimal comma (1.234) or a thousands "
        "separator (1234)? Nothing in the file tells; pass decimal=',' or '.' (CLI --decimal)",
        file=file, row=row_arg(rows[comma]), column=c)


def _to_numeric(values: pd.Series, *, file, column, rows, decimal: str = ".") -> pd.Series:
    """Numbers from text cells (NA tokens → NaN); ``decimal`` is the decimal mark.

    With ``"."`` a comma in a number is an error (never dropped: ``1,234`` is not 1234);
    with ``","`` a dot is (``45.3`` in a decimal-comma file is ambiguous). Text is an error.
    """
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.astype("float64")
    arr = _arrow_strings(values)
    na_arr = pc.or_kleene(pc.is_null(arr), pc.is_in(arr, value_set=_NA_SET))
    other = "." if decimal == "," else ","
    has_other = pc.fill_null(pc.match_substring(arr, other), False).to_numpy(zero_copy_only=False).astype(bool)
    if has_other.any():
        ex = values.iloc[np.flatnonzero(has_other)].head(3).astype(str).tolist()
        why = ("a ',' in a number (a thousands separator or a decimal comma?); pass decimal=',' (CLI --decimal ,) "
               "if commas are decimal marks, or save the numbers without grouping" if decimal == "." else
               "a '.' in a number of a file read with decimal ','; fix the file or pass decimal='.'")
        raise InputDataError(f"{why}: {ex}", file=file, row=row_arg(rows[has_other]), column=column)
    if decimal == ",":
        arr = pc.replace_substring(arr, ",", ".")
    try:  # fast path: Arrow's C++ cast, after NA tokens become nulls
        num = pc.cast(pc.if_else(na_arr, pa.scalar(None, pa.string()), arr), pa.float64())
        return pd.Series(num.to_numpy(zero_copy_only=False), index=values.index, dtype="float64")
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    na = na_arr.to_numpy(zero_copy_only=False).astype(bool)
    st = values.astype("string").str.strip()
    if decimal == ",":
        st = st.str.replace(",", ".", regex=False)
    num = pd.to_numeric(st.where(~pd.Series(na, index=st.index)), errors="coerce")
    bad = num.isna().to_numpy() & ~na
    if bad.any():
        ex = values.iloc[np.flatnonzero(bad)].head(3).astype(str).tolist()
        raise InputDataError(f"text in a numeric column: {ex}", file=file, row=row_arg(rows[bad]), column=column)
    return num.astype("float64")


def _wind_direction(values: pd.Series, *, file, column, rows) -> pd.Series:
    na = _na_mask(values)
    upper = pd.Series(pd.array(pc.utf8_upper(_arrow_strings(values)), dtype="string"), index=values.index)
    is_compass = upper.isin(list(_COMPASS)).to_numpy(dtype=bool, na_value=False)
    out = upper.where(pd.Series(is_compass, index=values.index)).astype("string")
    rest = ~(na | is_compass)
    if not rest.any():  # common case: letters only
        return out
    sub = values.iloc[np.flatnonzero(rest)].astype("string").str.strip().str.replace(r"风$", "", regex=True)
    res = pd.Series(pd.NA, index=sub.index, dtype="string")
    zh = sub.map(_WD_ZH).astype("string")
    ok = zh.notna().to_numpy(dtype=bool, na_value=False)
    res[ok] = zh[ok]
    deg = pd.to_numeric(sub, errors="coerce").astype("float64").to_numpy(na_value=np.nan)
    is_deg = ~np.isnan(deg) & (deg >= 0) & (deg <= 360)
    if is_deg.any():
        res[is_deg] = np.asarray(_COMPASS)[(np.round(deg[is_deg] / 22.5).astype(int)) % 16]
    calm = sub.isin(list(_CALM)).to_numpy(dtype=bool, na_value=False)
    bad_sub = ~(ok | is_deg | calm)
    if bad_sub.any():
        bad = np.zeros(len(values), dtype=bool)
        bad[np.flatnonzero(rest)[bad_sub]] = True
        raise InputDataError(
            f"unknown wind direction {values.iloc[np.flatnonzero(bad)].head(3).tolist()} "
            "(expected N, NNE, …, 东北, or degrees)",
            file=file, row=row_arg(rows[bad]), column=column)
    out.loc[sub.index] = res
    return out


@file_errors
def read_station_table(
    path: str | os.PathLike[str],
    mapping: Mapping[str, str | None] | None = None,
    encoding: str | None = None,
    hour_label: Literal["beginning", "ending"] = "beginning",
    sheet: str | int | None = None,
    duplicates: Literal["error", "first", "last", "mean"] = "error",
    stations: pd.DataFrame | str | os.PathLike[str] | None = None,
    time_format: str | None = None,
    sentinels: Sequence[float] = DEFAULT_SENTINELS,
    timezone: str | None = None,
    decimal: str | None = None,
    settings: Settings | None = None,
) -> tuple[pd.DataFrame, QCReport]:
    """Read a bureau station-hour table (CSV or Excel) into the canonical hourly frame.

    Parameters
    ----------
    path
        ``.csv``/``.txt`` (comma, tab or semicolon) or ``.xlsx``.
    mapping
        ``{header: canonical column or None}`` overriding the default Chinese/English header
        mapping (:data:`airlib.io.ingest.columns.HEADER_ALIASES`).
    encoding
        Declared text encoding; ``None`` detects UTF-8, UTF-8 with BOM or GB18030/GBK.
    hour_label
        ``"beginning"`` or ``"ending"`` (shifted −1 h once, here).
    sheet
        Excel sheet name or index (default first sheet).
    duplicates
        Rows sharing a station-hour: ``"error"`` (default; lists the rows), ``"first"``,
        ``"last"`` (in file order), ``"mean"`` (numeric mean ignoring NaN, first wind direction).
    stations
        Station registry (frame or path). If given, station names/aliases are resolved to
        registry ids and unknown stations raise :class:`~airlib.errors.UnknownNameError`.
    time_format
        strftime format of the time (or date) column; default inferred (``dd/mm/yyyy`` vs
        ``mm/dd/yyyy`` only when the data prove the order, else an error asks for it).
    sentinels
        Missing-value codes set to NaN (counted in the report).
    timezone
        Zone of timestamps without an offset: ``UTC``, ``+08:00``, ``Asia/Shanghai`` …
        (:func:`parse_timezone`); default Beijing time. Converted to Beijing time here, once.
    decimal
        Decimal mark, ``"."`` or ``","``; default detected (:func:`decide_decimal`).
    settings
        Plausibility limits and input limits (:class:`airlib.settings.Settings`); default
        :data:`airlib.settings.DEFAULT`.

    Returns
    -------
    (hourly, report)
        Canonical frame (docs/architecture.md; units µg/m³, CO mg/m³) sorted by station and
        time, and the :class:`QCReport`.

    Raises
    ------
    InputDataError
        Naming the file, rows/column and problem (see docs/ingestion.md for the list).
    """
    p = Path(path)
    if duplicates not in ("error", "first", "last", "mean"):
        raise InputDataError(f"duplicates must be 'error', 'first', 'last' or 'mean', not {duplicates!r}", file=p)
    _check_hour_label(hour_label, p)
    _, tz_label = parse_timezone(timezone, file=p)
    raw, enc = read_any_table(p, encoding=encoding, sheet=sheet, is_header=is_station_table_header,
                              settings=settings)
    raw = drop_blank_rows(raw)
    if raw.empty or len(raw.columns) == 0:
        raise InputDataError("the file has a header but no data rows" if len(raw.columns) else "the file is empty",
                             file=p)
    rows = raw.index.to_numpy()  # file row numbers (read_any_table)
    column_map, units, unmapped = map_headers(list(raw.columns), mapping, file=p)
    inv = {v: k for k, v in column_map.items()}
    report = QCReport(files=[str(p)], encoding=enc, hour_label=hour_label, rows_read=len(raw),
                      column_map=dict(column_map), unmapped_columns=unmapped, duplicate_policy=duplicates,
                      delimiter=raw.attrs.get("delimiter"), time_format=time_format, timezone=tz_label)
    report.decimal = decide_decimal(raw, [inv[c] for c in NUMERIC_COLUMNS if c in inv], decimal, file=p)
    tkw = {"time_format": time_format, "timezone": timezone, "settings": settings, "report": report}
    out = pd.DataFrame(index=raw.index)
    st = raw[inv["station"]].astype("string").str.strip()
    empty_st = _na_mask(raw[inv["station"]])
    if empty_st.any():
        raise InputDataError("empty station", file=p, row=row_arg(rows[empty_st]), column=inv["station"])
    refuse_formula_text(st, file=p, rows=rows, column=inv["station"], what="a station")
    if stations is not None:
        st = _station_ids(st, stations, file=p, column=inv["station"], rows=rows)
    out["station"] = st
    if "time" in inv and "date" in inv and _is_time_of_day(raw[inv["time"]]):
        # 日期 + 时间 where 时间 holds only the hour ("01:00", "1时"): combine them
        t = _parse_date_hour(raw[inv["date"]], raw[inv["time"]], file=p, date_col=inv["date"],
                             hour_col=inv["time"], rows=rows, **tkw)
    elif "time" in inv:
        t = parse_times(raw[inv["time"]], file=p, column=inv["time"], rows=rows, **tkw)
    else:
        t = _parse_date_hour(raw[inv["date"]], raw[inv["hour"]], file=p, date_col=inv["date"],
                             hour_col=inv["hour"], rows=rows, **tkw)
    out["time"] = apply_hour_label(t, hour_label, file=p)
    for c in NUMERIC_COLUMNS:
        if c in inv:
            v = _to_numeric(raw[inv[c]], file=p, column=inv[c], rows=rows, decimal=report.decimal)
            f = unit_factor(c, units.get(inv[c]))
            if f != 1.0:
                report.unit_factors[c] = f
            out[c] = v  # unit factor applied after QC (sentinels are raw codes)
    if "wd" in inv:
        out["wd"] = _wind_direction(raw[inv["wd"]], file=p, column=inv["wd"], rows=rows)
    out = apply_qc(out, report, rows=rows, sentinels=sentinels, unit_factors=report.unit_factors, settings=settings)
    for c, f in report.unit_factors.items():
        out[c] = out[c] * f
    out["_row"] = rows
    out = _apply_duplicates(out, duplicates, report, file=p)
    hourly = canonical_hourly(out)
    report.rows_out = len(hourly)
    report.missing = {c: int(hourly[c].isna().sum()) for c in (*NUMERIC_COLUMNS, "wd")}
    return hourly, report


def _apply_duplicates(frame: pd.DataFrame, policy: str, report: QCReport, *, file=None) -> pd.DataFrame:
    """Apply the duplicate station-hour policy; ``frame`` has a ``_row`` column (file rows)."""
    dup = frame.duplicated(["station", "time"], keep=False).to_numpy()
    report.duplicates += int(dup.sum())
    if not dup.any():
        return frame.drop(columns="_row")
    if policy == "error":
        d = frame[dup].sort_values(["station", "time", "_row"])
        pairs = [f"{s} {t:%Y-%m-%d %H:%M}" for s, t in d[["station", "time"]].drop_duplicates().head(3).itertuples(index=False)]
        raise InputDataError(
            f"{int(dup.sum())} rows share a station-hour (after the hour-label convention), e.g. {pairs}; "
            "pass duplicates='first', 'last' or 'mean'",
            file=file, row=row_arg(d["_row"]), column=None,
        )
    if policy in ("first", "last"):
        return frame.drop_duplicates(["station", "time"], keep=policy).drop(columns="_row")
    num = [c for c in NUMERIC_COLUMNS if c in frame]
    agg: dict[str, str] = {c: "mean" for c in num}
    if "wd" in frame:
        agg["wd"] = "first"
    g = frame.groupby(["station", "time"], sort=False, as_index=False).agg(agg)
    return g
