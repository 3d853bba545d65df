"""Air Quality Index per HJ 633—2012 and HJ 633—2026.

Versions are the strings ``"HJ633-2012"`` (in force 2016-01-01 to 2026-02-28; airlib also
applies it to earlier data) and ``"HJ633-2026"`` (from 2026-03-01 00:00). Every function
that depends on the version takes ``version: str | None``; ``None`` picks it per row from the
date (:func:`standard_for`).

Indicator keys (``<pollutant>_<averaging>``): ``so2_24h, so2_1h, no2_24h, no2_1h, pm10_24h,
co_24h, co_1h, o3_1h, o3_8h, pm25_24h``. Units: µg/m³, CO mg/m³.

Computation (both versions):

1. (2026 only, HJ 633—2026 §4.2.2 / §4.2.3) concentrations are rounded per GB/T 8170 to
   integers (CO: 1 decimal) before use. For 2012 data this is done only when
   ``Settings.round_concentrations_2012`` is true (UNVERIFIED practice, default off).
2. IAQI by linear interpolation between breakpoints, eq. (1) (2012 §4.2; 2026 §4.2.4), then
   rounded **up** to an integer ("全部进位取整数", 2012 §6.2; "向上进位取整数", 2026 §4.2.6).
   To keep an exact breakpoint exact (PM2.5 35 µg/m³ → 50, not 51), the interpolated value
   is rounded to ``IAQI_DECIMALS`` (9) decimals before the ceiling, which removes binary
   floating-point noise (≈1e-13) while any real concentration (≤ 3 decimals) is unaffected.
3. AQI = max of the IAQIs, eq. (2).

Special rules (footnotes of 2012 Table 1 / 2026 Table 3): SO2 1 h > 800 µg/m³: 2012 → no
1 h IAQI (the SO2 24 h IAQI is reported instead), 2026 → IAQI 200. O3 8 h > 800 µg/m³:
2012 → no 8 h IAQI (the O3 1 h IAQI is reported), 2026 → IAQI 300. Above the top of the
table (e.g. PM2.5 > 500 µg/m³) the standards are silent: ``Settings.above_table``
(UNVERIFIED; default ``"cap"`` = 500).

Negative concentrations are bad input (quality control should have removed them): they raise
:class:`airlib.errors.InputDataError` naming the column.

References
----------
[HJ633-2012], [HJ633-2026], [GB/T8170-2008], [CNEMC-RT-2022] (docs/references.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal, NamedTuple

import numpy as np
import pandas as pd

from airlib.errors import InputDataError
from airlib.periods import to_datetimes
from airlib.pollutants import LABELS_ZH, POLLUTANTS
from airlib.standards.rounding import round_gbt8170
from airlib.settings import DEFAULT, Settings

__all__ = [
    "HJ633_2012",
    "HOURLY_RULES",
    "HJ633_2026",
    "VERSIONS",
    "SWITCH_DATE",
    "IAQI_LEVELS",
    "BREAKPOINTS",
    "INDICATORS",
    "CATEGORIES",
    "CATEGORY_COLOURS",
    "LEVEL_COLOURS",
    "PRIMARY_ORDER",
    "AqiCategory",
    "standard_for",
    "iaqi",
    "category_of",
    "primary_pollutants",
    "exceeding_pollutants",
    "daily_aqi",
    "hourly_aqi",
]

HJ633_2012: Final = "HJ633-2012"
HJ633_2026: Final = "HJ633-2026"
VERSIONS: Final[tuple[str, str]] = (HJ633_2012, HJ633_2026)

#: First instant assessed under HJ 633—2026 (Beijing time; hour-beginning labels).
SWITCH_DATE: Final = pd.Timestamp("2026-03-01 00:00")

#: Decimals the interpolated IAQI is rounded to before the ceiling (see module docstring).
IAQI_DECIMALS: Final = 9

#: IAQI values of the breakpoint rows (HJ 633—2012 Table 1; HJ 633—2026 Table 3).
IAQI_LEVELS: Final[tuple[int, ...]] = (0, 50, 100, 150, 200, 300, 400, 500)

_BP_2012: dict[str, tuple[float, ...]] = {
    # HJ 633—2012 Table 1 (µg/m³; CO mg/m³). Shorter columns end where the table ends.
    "so2_24h": (0, 50, 150, 475, 800, 1600, 2100, 2620),
    "so2_1h": (0, 150, 500, 650, 800),
    "no2_24h": (0, 40, 80, 180, 280, 565, 750, 940),
    "no2_1h": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    "pm10_24h": (0, 50, 150, 250, 350, 420, 500, 600),
    "co_24h": (0, 2, 4, 14, 24, 36, 48, 60),
    "co_1h": (0, 5, 10, 35, 60, 90, 120, 150),
    "o3_1h": (0, 160, 200, 300, 400, 800, 1000, 1200),
    "o3_8h": (0, 100, 160, 215, 265, 800),
    "pm25_24h": (0, 35, 75, 115, 150, 250, 350, 500),
}
_BP_2026 = dict(_BP_2012)
# HJ 633—2026 Table 3: only the PM10 and PM2.5 daily columns change (IAQI-100 breakpoint).
_BP_2026["pm10_24h"] = (0, 50, 120, 250, 350, 420, 500, 600)
_BP_2026["pm25_24h"] = (0, 35, 60, 115, 150, 250, 350, 500)

#: Breakpoints per version and indicator; row i corresponds to ``IAQI_LEVELS[i]``.
BREAKPOINTS: Final[Mapping[str, Mapping[str, tuple[float, ...]]]] = {
    HJ633_2012: _BP_2012,
    HJ633_2026: _BP_2026,
}

#: Indicator keys of the breakpoint tables.
INDICATORS: Final[tuple[str, ...]] = tuple(_BP_2012)

#: Fixed order in which tied primary / exceeding pollutants are listed (:data:`airlib.pollutants.POLLUTANTS`).
PRIMARY_ORDER: Final[tuple[str, ...]] = POLLUTANTS


class AqiCategory(NamedTuple):
    """One AQI category (HJ 633—2012 Table 2 and App. A; HJ 633—2026 Table 1)."""

    level: int
    category: str
    level_name: str
    colour_name: str
    colour: str
    upper: float  # highest AQI of the category (inf for 六级)


#: The six categories, in level order. Colours: RGB of HJ 633—2012 Appendix A, Table A.1.
CATEGORIES: Final[tuple[AqiCategory, ...]] = (
    AqiCategory(1, "优", "一级", "绿", "#00E400", 50),
    AqiCategory(2, "良", "二级", "黄", "#FFFF00", 100),
    AqiCategory(3, "轻度污染", "三级", "橙", "#FF7E00", 150),
    AqiCategory(4, "中度污染", "四级", "红", "#FF0000", 200),
    AqiCategory(5, "重度污染", "五级", "紫", "#99004C", 300),
    AqiCategory(6, "严重污染", "六级", "褐红", "#7E0023", np.inf),
)

#: Category (Chinese) → hex colour, in level order; for plots, calendar heat maps and maps.
CATEGORY_COLOURS: Final[dict[str, str]] = {c.category: c.colour for c in CATEGORIES}
#: Level (1–6) → hex colour.
LEVEL_COLOURS: Final[dict[int, str]] = {c.level: c.colour for c in CATEGORIES}

_UPPER = np.array([c.upper for c in CATEGORIES[:-1]], dtype=np.float64)

MissingRule = Literal["auto", "over_100", "keep", "na"]


# --------------------------------------------------------------------------- versions


def _check_version(version: str) -> str:
    if version not in VERSIONS:
        raise InputDataError(f"unknown AQI standard version {version!r}; expected one of {VERSIONS}")
    return version


def _is_2026(dates: Any, column: str = "date") -> np.ndarray:
    """Boolean array: row is assessed under HJ 633—2026 (date ≥ 2026-03-01 00:00)."""
    ts = to_datetimes(
        dates, column, "missing date/time: cannot choose the HJ 633 version; pass version= explicitly"
    )
    return (ts >= SWITCH_DATE).to_numpy()


def standard_for(dates: Any) -> Any:
    """HJ 633 version in force at a date/time.

    Parameters
    ----------
    dates : date-like, array-like or pandas.Series
        Beijing time. For hourly data the hour-beginning label (architecture.md), so the
        hour 2026-02-28 23:00 is 2012 and 2026-03-01 00:00 is 2026.

    Returns
    -------
    str, numpy.ndarray of str, or pandas.Series (string dtype, same index)
        ``"HJ633-2012"`` before 2026-03-01 00:00, ``"HJ633-2026"`` from then (HJ 633—2026
        foreword: in force 2026-03-01; HJ 633—2012 abolished the same day). Dates before
        2016-01-01 (when HJ 633—2012 took effect nationally) also get ``"HJ633-2012"``.
    """
    if np.ndim(dates) == 0 and not isinstance(dates, pd.Series):
        ts = pd.Timestamp(dates)
        if ts is pd.NaT:
            raise InputDataError("missing date: cannot choose the HJ 633 version", column="date")
        return HJ633_2026 if ts >= SWITCH_DATE else HJ633_2012
    mask = _is_2026(dates)
    out = np.where(mask, HJ633_2026, HJ633_2012)
    if isinstance(dates, pd.Series):
        return pd.Series(out, index=dates.index, name="standard", dtype="string")
    return out


def _version_mask(version: Any, n: int) -> np.ndarray:
    """``version`` (str or per-row array of str) → boolean 'is 2026' array of length n."""
    if isinstance(version, str):
        return np.full(n, _check_version(version) == HJ633_2026)
    arr = np.asarray(pd.Series(version).astype("string").to_numpy(dtype=object, na_value=None))
    if arr.shape[0] != n:
        raise InputDataError(f"version has {arr.shape[0]} entries for {n} values")
    bad = set(arr.tolist()) - set(VERSIONS)
    if bad:
        raise InputDataError(f"unknown AQI standard version(s) {sorted(map(str, bad))}; expected {VERSIONS}")
    return arr == HJ633_2026


# --------------------------------------------------------------------------- IAQI


def _to_float(values: Any, column: str) -> np.ndarray:
    if isinstance(values, (pd.Series, pd.Index)):
        if not (pd.api.types.is_numeric_dtype(values.dtype) or values.dtype == object):
            raise InputDataError(f"non-numeric concentrations (dtype {values.dtype})", column=column)
        try:
            return values.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise InputDataError(f"non-numeric concentrations: {exc}", column=column) from None
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputDataError(f"non-numeric concentrations: {exc}", column=column) from None


def _check_nonnegative(c: np.ndarray, column: str, index: Any = None) -> None:
    neg = c < 0
    if neg.any():
        where = np.flatnonzero(neg)
        labels = list(index[where[:10]]) if index is not None else where[:10].tolist()
        more = f" (+{where.size - 10} more)" if where.size > 10 else ""
        raise InputDataError(
            f"negative concentration(s) {c[where[:3]].tolist()} at row label(s) {labels}{more}; "
            "quality control should remove them before the AQI step",
            column=column,
        )


def _interp(c: np.ndarray, bp: tuple[float, ...], above: str) -> np.ndarray:
    """Eq. (1) then ceil; c ≥ 0 (NaN allowed). Above the table per ``above``."""
    b = np.asarray(bp, dtype=np.float64)
    lv = np.asarray(IAQI_LEVELS[: len(bp)], dtype=np.float64)
    hi = np.clip(np.searchsorted(b, c, side="left"), 1, len(b) - 1)
    lo = hi - 1
    with np.errstate(invalid="ignore"):
        val = lv[lo] + (lv[hi] - lv[lo]) * (c - b[lo]) / (b[hi] - b[lo])
        val = np.ceil(np.round(val, IAQI_DECIMALS))
        over = c > b[-1]
    if over.any():
        if above == "cap":
            val = np.where(over, lv[-1], val)
        elif above == "nan":
            val = np.where(over, np.nan, val)
        elif above != "extrapolate":
            raise InputDataError(f"unknown Settings.above_table {above!r}; expected cap/extrapolate/nan")
    return val


def _iaqi_version(c: np.ndarray, key: str, is2026: bool, settings: Settings) -> np.ndarray:
    if is2026 or settings.round_concentrations_2012:
        c = round_gbt8170(c, 1 if key.startswith("co") else 0)
    version = HJ633_2026 if is2026 else HJ633_2012
    bp = BREAKPOINTS[version][key]
    val = _interp(c, bp, settings.above_table)
    if key == "so2_1h":  # Table 1 note (2) / Table 3 note b
        val = np.where(c > 800, 200.0 if is2026 else np.nan, val)
    elif key == "o3_8h":  # Table 1 note (3) / Table 3 note c
        val = np.where(c > 800, 300.0 if is2026 else np.nan, val)
    return val


def _iaqi_array(c: np.ndarray, key: str, mask2026: np.ndarray, settings: Settings) -> np.ndarray:
    if mask2026.all():
        return _iaqi_version(c, key, True, settings)
    if not mask2026.any():
        return _iaqi_version(c, key, False, settings)
    return np.where(mask2026, _iaqi_version(c, key, True, settings), _iaqi_version(c, key, False, settings))


def _key(pollutant: str, averaging: str) -> str:
    p = pollutant.lower().replace(".", "").replace("_", "")
    a = averaging.lower().replace(" ", "")
    a = {"24": "24h", "daily": "24h", "1": "1h", "hourly": "1h", "8": "8h", "mda8": "8h"}.get(a, a)
    key = f"{p}_{a}"
    if key not in INDICATORS:
        raise InputDataError(
            f"no HJ 633 breakpoints for pollutant {pollutant!r} averaging {averaging!r}; "
            f"indicators are {', '.join(INDICATORS)}"
        )
    return key


def iaqi(
    conc: Any,
    pollutant: str,
    averaging: str,
    version: str | Sequence[str] | pd.Series,
    settings: Settings | None = None,
) -> Any:
    """Individual AQI (IAQI, 空气质量分指数) of one pollutant.

    Parameters
    ----------
    conc : float, array-like or pandas.Series [µg/m³; CO mg/m³]
        Concentration in µg/m³ (CO in mg/m³); NaN = missing. Negative values raise.
    pollutant : {"so2", "no2", "pm10", "co", "o3", "pm25"}
    averaging : {"24h", "1h", "8h"}
        ``24h`` daily (or 24-h rolling) mean; ``1h`` hourly value; ``8h`` O3 8-h rolling mean
        (or daily maximum 8-h mean, MDA8). For PM in the 2026 real-time report pass the 1-hour
        value with ``"24h"`` (HJ 633—2026 §4.2.4: interpolated on the daily breakpoints).
    version : str or array-like of str
        ``"HJ633-2012"`` or ``"HJ633-2026"``, or one per value (e.g. ``standard_for(dates)``).
    settings : Settings, optional
        ``above_table`` and ``round_concentrations_2012`` (both UNVERIFIED, see
        :mod:`airlib.settings`).

    Returns
    -------
    float, numpy.ndarray or pandas.Series (float64, integral values, NaN where no IAQI)
        HJ 633—2012 §4.2 eq. (1) with Table 1, §6.2 ceiling; HJ 633—2026 §4.2.2 rounding of
        the concentration (GB/T 8170; integers, CO 1 decimal), §4.2.4 eq. (1) with Table 3,
        §4.2.6 ceiling. NaN where the concentration is NaN, for 2012 SO2 1 h > 800 and O3 8 h
        > 800 (no IAQI per the Table 1 notes), and above the table if ``above_table="nan"``.

    Raises
    ------
    InputDataError
        Negative or non-numeric concentrations, unknown pollutant/averaging/version.

    Examples
    --------
    >>> iaqi(35, "pm25", "24h", "HJ633-2012"), iaqi(36, "pm25", "24h", "HJ633-2012")
    (50.0, 52.0)
    >>> iaqi(75, "pm25", "24h", "HJ633-2026")
    114.0
    """
    settings = DEFAULT if settings is None else settings
    key = _key(pollutant, averaging)
    column = getattr(conc, "name", None) or key
    c = np.atleast_1d(_to_float(conc, str(column)))
    _check_nonnegative(c, str(column), conc.index if isinstance(conc, pd.Series) else None)
    mask = _version_mask(version, c.shape[0])
    out = _iaqi_array(c, key, mask, settings)
    if isinstance(conc, pd.Series):
        return pd.Series(out, index=conc.index, name=f"iaqi_{key}")
    if np.ndim(conc) == 0:
        return float(out[0])
    return out.reshape(np.shape(conc))


# --------------------------------------------------------------------------- categories


def _level_array(aqi: np.ndarray) -> np.ndarray:
    """AQI → level 1–6 as float (NaN for NaN)."""
    lvl = np.searchsorted(_UPPER, aqi, side="left").astype(np.float64) + 1.0
    return np.where(np.isnan(aqi), np.nan, lvl)


def category_of(aqi: Any, version: str | None = None) -> Any:
    """AQI category (级别, 类别, 颜色) of AQI values.

    Parameters
    ----------
    aqi : int, array-like or pandas.Series [AQI, dimensionless]
        AQI values (integers after the HJ 633 ceiling). NA/NaN → all fields NA.
    version : str, optional
        Accepted for symmetry; both versions share the categories. (HJ 633—2026 Table 1 starts
        the range at 1 instead of 0; an AQI of 0 is put in level 1 either way.)

    Returns
    -------
    AqiCategory (scalar input) or pandas.DataFrame
        Columns ``level`` (Int64, 1–6), ``category`` (优, 良, 轻度污染, 中度污染, 重度污染,
        严重污染), ``level_name`` (一级 … 六级), ``colour_name`` (绿, 黄, 橙, 红, 紫, 褐红) and
        ``colour`` (hex of the RGB in HJ 633—2012 App. A Table A.1). Boundaries (2012 Table 2;
        2026 Table 1): 0–50, 51–100, 101–150, 151–200, 201–300, > 300.
    """
    if version is not None:
        _check_version(version)
    if np.ndim(aqi) == 0 and not isinstance(aqi, pd.Series):
        if aqi is None or pd.isna(aqi):
            return AqiCategory(pd.NA, pd.NA, pd.NA, pd.NA, pd.NA, np.nan)  # type: ignore[arg-type]
        if float(aqi) < 0:
            raise InputDataError(f"negative AQI {aqi}", column="aqi")
        return CATEGORIES[int(_level_array(np.array([float(aqi)]))[0]) - 1]
    index = aqi.index if isinstance(aqi, pd.Series) else None
    a = _to_float(aqi, "aqi") if isinstance(aqi, pd.Series) else np.asarray(pd.array(np.asarray(aqi, dtype=object)).astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan))
    if (a < 0).any():
        raise InputDataError("negative AQI values", column="aqi")
    return _category_frame(_level_array(a), index)


def _category_frame(level: np.ndarray, index: Any = None, fields: Sequence[str] | None = None) -> pd.DataFrame:
    ok = ~np.isnan(level)
    li = np.where(ok, level, 1).astype(np.int64) - 1
    cols: dict[str, Any] = {"level": pd.arrays.IntegerArray(li + 1, ~ok)}
    for name in ("category", "level_name", "colour_name", "colour"):
        if fields is not None and name not in fields:
            continue
        lut = np.array([getattr(c, name) for c in CATEGORIES], dtype=object)
        cols[name] = _lut_strings(lut, li, ~ok)
    return pd.DataFrame(cols, index=index)


def _lut_strings(lut: np.ndarray, codes: np.ndarray, missing: np.ndarray | None = None) -> pd.api.extensions.ExtensionArray:
    """``pd.array(lut[codes], dtype="string")`` with NA where ``missing``, built by an Arrow
    take from the small table ``lut`` instead of converting one Python string per row."""
    dtype = pd.StringDtype()
    if getattr(dtype, "storage", None) != "pyarrow":  # pragma: no cover - python string storage
        vals = lut[codes]
        if missing is not None:
            vals[missing] = None
        return pd.array(vals, dtype="string")
    import pyarrow as pa
    import pyarrow.compute as pc

    table = pa.array(list(lut), type=pa.large_string())
    idx = pa.array(np.asarray(codes, dtype=np.int64), mask=None if missing is None else np.asarray(missing, dtype=bool))
    return pd.arrays.ArrowStringArray(pa.chunked_array([pc.take(table, idx)]))


# --------------------------------------------------------------------------- primary pollutant


def _pollutant_of(column: str) -> str:
    name = column[5:] if column.startswith("iaqi_") else column
    for p in POLLUTANTS:
        if name == p or name.startswith(p + "_"):
            return p
    raise InputDataError(f"cannot tell the pollutant of IAQI column {column!r}", column=column)


def _joined_lut(n: int) -> np.ndarray:
    """String for every bit pattern over PRIMARY_ORDER."""
    out = []
    for code in range(2**n):
        out.append(",".join(LABELS_ZH[p] for i, p in enumerate(PRIMARY_ORDER) if code >> i & 1))
    return np.array(out, dtype=object)


_LUT = _joined_lut(len(PRIMARY_ORDER))


def _iaqi_matrix(iaqi_frame: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    cols = [c for c in iaqi_frame.columns if str(c).startswith("iaqi_")]
    if not cols:
        cols = list(iaqi_frame.columns)
    mat = np.column_stack([_to_float(iaqi_frame[c], str(c)) for c in cols]) if cols else np.empty((len(iaqi_frame), 0))
    return mat, [_pollutant_of(str(c)) for c in cols]


def _flag_codes(hit: np.ndarray, pollutants: list[str]) -> np.ndarray:
    """Bit pattern over PRIMARY_ORDER of each row (the index into ``_LUT``)."""
    code = np.zeros(hit.shape[0], dtype=np.int64)
    for j, p in enumerate(pollutants):
        code |= hit[:, j].astype(np.int64) << PRIMARY_ORDER.index(p)
    return code


def _flag_strings(hit: np.ndarray, pollutants: list[str]) -> np.ndarray:
    return _LUT[_flag_codes(hit, pollutants)]


def _rowmax(mat: np.ndarray) -> np.ndarray:
    """Row maximum ignoring NaN; NaN where a row has no value (no warnings)."""
    if mat.shape[1] == 0:
        return np.full(mat.shape[0], np.nan)
    allnan = np.isnan(mat).all(axis=1)
    a = np.max(np.where(np.isnan(mat), -np.inf, mat), axis=1)
    return np.where(allnan, np.nan, a)


def _primary_codes(mat: np.ndarray, pollutants: list[str], aqi: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        hit = (mat == aqi[:, None]) & (aqi[:, None] > 50)
    return _flag_codes(hit, pollutants)


def _primary(mat: np.ndarray, pollutants: list[str], aqi: np.ndarray) -> np.ndarray:
    return _LUT[_primary_codes(mat, pollutants, aqi)]


def primary_pollutants(iaqi_frame: pd.DataFrame, aqi: pd.Series | None = None) -> pd.Series:
    """Primary pollutant(s) (首要污染物).

    Parameters
    ----------
    iaqi_frame : pandas.DataFrame
        IAQI columns named ``iaqi_<indicator>`` (e.g. ``iaqi_pm25``, ``iaqi_o3_8h``); other
        columns are ignored (if there is no ``iaqi_`` column, all columns are taken as IAQIs).
        Values are the published (integer) IAQIs; NaN = no IAQI.
    aqi : pandas.Series, optional
        The AQI of each row; default the row maximum of the IAQIs. Rows with NA AQI get "".

    Returns
    -------
    pandas.Series (string)
        HJ 633—2012 §3.3, §4.4.2; HJ 633—2026 §4.3.1: when AQI > 50, the pollutant(s) whose
        IAQI equals the AQI; ties are all listed, in the order PM2.5, PM10, SO2, NO2, CO, O3,
        joined by ","; O3 is listed once even if its 1 h and 8 h IAQIs both tie. "" when
        AQI ≤ 50 or NA.
    """
    mat, pols = _iaqi_matrix(iaqi_frame)
    if aqi is None:
        a = _rowmax(mat)
    else:
        a = _to_float(aqi, "aqi")
    return pd.Series(_primary(mat, pols, a), index=iaqi_frame.index, name="primary_pollutant", dtype="string")


def exceeding_pollutants(iaqi_frame: pd.DataFrame) -> pd.Series:
    """Non-attainment pollutants (超标污染物): IAQI > 100.

    HJ 633—2012 §3.4 and §4.4.2 only; HJ 633—2026 deleted this definition (foreword), so
    this should be reported only for data assessed under 2012.

    Parameters
    ----------
    iaqi_frame : pandas.DataFrame
        As for :func:`primary_pollutants`.

    Returns
    -------
    pandas.Series (string)
        Pollutants with IAQI > 100 in the order PM2.5, PM10, SO2, NO2, CO, O3, joined by ",";
        "" if none.
    """
    mat, pols = _iaqi_matrix(iaqi_frame)
    with np.errstate(invalid="ignore"):
        hit = mat > 100
    return pd.Series(_flag_strings(hit, pols), index=iaqi_frame.index, name="exceeding_pollutants", dtype="string")


# --------------------------------------------------------------------------- reports

# (input column, indicator key) per version.
_DAILY_SPEC: dict[str, list[tuple[str, str]]] = {
    HJ633_2012: [
        ("pm25", "pm25_24h"),
        ("pm10", "pm10_24h"),
        ("so2", "so2_24h"),
        ("no2", "no2_24h"),
        ("co", "co_24h"),
        ("o3_8h", "o3_8h"),
        ("o3_1h", "o3_1h"),
    ],
    HJ633_2026: [
        ("pm25", "pm25_24h"),
        ("pm10", "pm10_24h"),
        ("so2", "so2_24h"),
        ("no2", "no2_24h"),
        ("co", "co_24h"),
        ("o3_8h", "o3_8h"),
    ],
}
_HOURLY_SPEC: dict[str, list[tuple[str, str]]] = {
    HJ633_2012: [
        ("pm25_24h", "pm25_24h"),
        ("pm10_24h", "pm10_24h"),
        ("so2", "so2_1h"),
        ("no2", "no2_1h"),
        ("co", "co_1h"),
        ("o3", "o3_1h"),
        ("o3_8h", "o3_8h"),
    ],
    HJ633_2026: [
        ("pm25", "pm25_24h"),  # §4.2.4: 1-h PM on the daily breakpoints
        ("pm10", "pm10_24h"),
        ("so2", "so2_1h"),
        ("no2", "no2_1h"),
        ("co", "co_1h"),
        ("o3", "o3_1h"),
    ],
}
#: The national platform's real-time release ([CNEMC-RT-2022], docs/architecture.md "Real-time
#: AQI as published"): the six 1-hour values, PM rated on the 24-hour breakpoints, no 8-h O3. For
#: HJ 633—2026 rows this *is* the standard's own real-time rule (§4.2.3/§4.2.4), so the two
#: rules agree from 2026-03-01 on.
_HOURLY_SPEC_PLATFORM: dict[str, list[tuple[str, str]]] = {
    HJ633_2012: [
        ("pm25", "pm25_24h"),
        ("pm10", "pm10_24h"),
        ("so2", "so2_1h"),
        ("no2", "no2_1h"),
        ("co", "co_1h"),
        ("o3", "o3_1h"),
    ],
    HJ633_2026: _HOURLY_SPEC[HJ633_2026],
}

HourlyRule = Literal["platform", "standard"]
#: The hourly AQI rules of :func:`hourly_aqi`: ``"platform"`` = as the national platform
#: publishes it (the default), ``"standard"`` = airlib's reading of HJ 633—2012 §5.1.3.
HOURLY_RULES: Final[tuple[str, str]] = ("platform", "standard")


def _report(
    frame: pd.DataFrame,
    time_col: str,
    spec: dict[str, list[tuple[str, str]]],
    version: str | None,
    settings: Settings | None,
    missing_rule: MissingRule,
    so2_fallback: bool,
) -> pd.DataFrame:
    settings = DEFAULT if settings is None else settings
    if not isinstance(frame, pd.DataFrame):
        raise InputDataError("expected a pandas DataFrame")
    n = len(frame)
    if version is None:
        if time_col not in frame.columns:
            raise InputDataError(f"no {time_col!r} column (needed to choose the HJ 633 version)", column=time_col)
        mask = _is_2026(frame[time_col], time_col)
    else:
        mask = np.full(n, _check_version(version) == HJ633_2026)
    if missing_rule not in ("auto", "over_100", "keep", "na"):
        raise InputDataError(f"unknown missing_rule {missing_rule!r}; expected auto/over_100/keep/na")
    present = {v: [(c, k) for c, k in spec[v] if c in frame.columns] for v in VERSIONS}
    columns: list[str] = []
    for v in VERSIONS:
        for c, _ in present[v]:
            if c not in columns:
                columns.append(c)
    if not columns and n:
        raise InputDataError(
            "no pollutant column found; expected some of "
            + ", ".join(sorted({c for v in VERSIONS for c, _ in spec[v]}))
        )
    conc = {c: _to_float(frame[c], c) for c in columns}
    for c, arr in conc.items():
        _check_nonnegative(arr, c, frame.index)

    iaqis: dict[str, np.ndarray] = {}
    missing = np.zeros(n, dtype=bool)
    for c in columns:
        out = np.full(n, np.nan)
        used = np.zeros(n, dtype=bool)
        for v in VERSIONS:
            vmask = mask if v == HJ633_2026 else ~mask
            keys = [k for cc, k in present[v] if cc == c]
            if not keys or not vmask.any():
                continue
            val = _iaqi_array(conc[c], keys[0], np.full(n, v == HJ633_2026), settings)
            out = np.where(vmask, val, out)
            used |= vmask
        iaqis[c] = out
        missing |= used & np.isnan(conc[c])

    if so2_fallback and "so2" in conc:
        # HJ 633—2012 Table 1 note (2): SO2 1 h > 800 → report the SO2 24 h IAQI instead.
        fb = (~mask) & (conc["so2"] > 800)
        if fb.any():
            if "so2_24h" in frame.columns:
                c24 = _to_float(frame["so2_24h"], "so2_24h")
                _check_nonnegative(c24, "so2_24h", frame.index)
                val = _iaqi_array(c24, "so2_24h", np.zeros(n, dtype=bool), settings)
                iaqis["so2_24h"] = np.where(fb, val, np.nan)
                missing |= fb & np.isnan(c24)
            else:
                missing |= fb

    mat = np.column_stack(list(iaqis.values())) if iaqis else np.empty((n, 0))
    pols = [_pollutant_of(c) for c in iaqis]
    a = _rowmax(mat)
    # 2026 §5.3.1 and the 2012 counterpart chosen by ``missing_rule``.
    if missing_rule == "auto":
        drop = missing & mask & ~(a > 100)
    elif missing_rule == "over_100":
        drop = missing & ~(a > 100)
    elif missing_rule == "na":
        drop = missing
    else:
        drop = np.zeros(n, dtype=bool)
    a = np.where(drop, np.nan, a)

    new: dict[str, Any] = {}
    for c, arr in iaqis.items():
        ok = ~np.isnan(arr)
        new[f"iaqi_{c}"] = pd.arrays.IntegerArray(np.where(ok, arr, 0).astype(np.int64), ~ok)
    ok = ~np.isnan(a)
    new["aqi"] = pd.arrays.IntegerArray(np.where(ok, a, 0).astype(np.int64), ~ok)
    new["primary_pollutant"] = _lut_strings(_LUT, _primary_codes(mat, pols, a))
    cat = _category_frame(_level_array(a), frame.index, fields=("category", "colour"))
    new["level"] = cat["level"].array
    new["category"] = cat["category"].array
    new["colour"] = cat["colour"].array
    new["aqi_incomplete"] = missing
    if not (frame.columns.is_unique and frame.index.is_unique):  # the general (slow) way
        out = frame.copy()
        for k, v in new.items():
            out[k] = v
        return out
    # the input's columns (lazy copies under copy-on-write) and the new ones, in one step;
    # a new column named like an input column replaces it in place, as ``out[k] = v`` would
    cols: dict[str, Any] = {c: frame[c] for c in frame.columns}
    cols.update(new)
    return pd.DataFrame(cols, index=frame.index, copy=False)


def daily_aqi(
    daily: pd.DataFrame,
    version: str | None = None,
    settings: Settings | None = None,
    *,
    missing_rule: MissingRule = "auto",
) -> pd.DataFrame:
    """Daily AQI report (日报) per station/area and day.

    Parameters
    ----------
    daily : pandas.DataFrame [µg/m³; CO mg/m³]
        One row per unit and day. ``date`` (datetime64, midnight, Beijing) and any of:
        ``pm25, pm10, so2, no2`` (24-h means, µg/m³), ``co`` (24-h mean, mg/m³), ``o3_8h``
        (daily maximum 8-h mean, MDA8, µg/m³) and ``o3_1h`` (daily maximum 1-h value, µg/m³;
        used only for HJ 633—2012 rows: the 2026 daily report has no O3 1 h). Other columns
        (station, town …) pass through.
        An **absent column** means "not monitored" (the report marks it ``/``; no IAQI column
        is added); **NaN** means missing or invalid.
    version : str, optional
        Force one version; default per row from ``date`` (:func:`standard_for`).
    settings : Settings, optional
        See :func:`iaqi`.
    missing_rule : {"auto", "over_100", "keep", "na"}
        What to publish when a monitored pollutant is missing. In all cases the AQI is first
        computed from the remaining pollutants. ``"over_100"``: HJ 633—2026 §5.3.1, publish it
        only if > 100, else NA. ``"keep"``: publish it (flagged by ``aqi_incomplete``).
        ``"na"``: always NA. ``"auto"`` (default): ``"over_100"`` for 2026 rows, ``"keep"``
        for 2012 rows (HJ 633—2012 has no rule; its Tables 3/4 only mark missing indicators
        ``NA``).

    Returns
    -------
    pandas.DataFrame
        The input plus ``iaqi_<column>`` (Int64) for each pollutant column present, ``aqi``
        (Int64; NA when not published), ``primary_pollutant`` (string, "" if AQI ≤ 50 or NA),
        ``level`` (Int64 1–6), ``category``, ``colour`` (hex) and ``aqi_incomplete`` (bool: a
        monitored pollutant of that row's standard is missing).

    Notes
    -----
    HJ 633—2012 §5.1.2 (7 indicators), Table 1, eq. (1)–(2), §6.2; HJ 633—2026 §4.2.2
    (6 indicators; concentrations rounded per GB/T 8170), Table 3, §4.2.6, §5.3.1.
    Under 2012 an O3 8 h value > 800 has no IAQI and O3 is represented by ``o3_1h``.
    """
    return _report(daily, "date", _DAILY_SPEC, version, settings, missing_rule, so2_fallback=False)


def hourly_aqi(
    hourly: pd.DataFrame,
    version: str | None = None,
    settings: Settings | None = None,
    *,
    missing_rule: MissingRule = "auto",
    rule: HourlyRule = "platform",
) -> pd.DataFrame:
    """Real-time AQI report (实时报) per station/area and hour.

    Two rules, chosen by ``rule`` (they differ only for HJ 633—2012 rows):

    * ``"platform"`` (default): the AQI **as the national platform publishes it** (CNEMC
      real-time release, checked value by value on two weeks of 2022 publications for
      Beijing's national stations, [CNEMC-RT-2022]): the 1-h ``pm25`` and ``pm10`` rated on
      the 24-hour breakpoints, the 1-h ``so2, no2, co, o3`` on their 1-hour breakpoints; the
      8-h O3 and the 24-h PM moving means do not enter. This is the number people compare
      with the official one, hence the default. It is the same rule HJ 633—2026 §4.2.3/§4.2.4
      prescribes (1-h PM on the daily breakpoints, six 1-h values), so under both rules
      2026 rows agree with the platform.
    * ``"standard"``: airlib's reading of the text of HJ 633—2012 §5.1.3 (24-h PM moving
      means, the 8-h O3 moving mean next to the 1-h O3); it reproduces ≈5 % of the published
      hourly AQIs. Kept for analyses that want the standard's wording.

    Both rules use the same IAQI machinery (breakpoints, ceiling, the 2012 SO2 1 h > 800 note:
    no 1-h IAQI, the ``so2_24h`` IAQI is reported instead) and the same primary-pollutant rule
    (largest IAQI when AQI > 50; ties all listed, in ``PRIMARY_ORDER``).

    Parameters
    ----------
    hourly : pandas.DataFrame [µg/m³; CO mg/m³]
        One row per unit and hour; ``time`` (datetime64, Beijing, hour-beginning label).
        Expected columns (compute the rolling ones with :mod:`airlib.standards.validity`):

        * ``rule="platform"``, all rows: ``so2, no2, o3, co, pm25, pm10`` 1-h values;
          optional ``so2_24h`` for the 2012 SO2 > 800 note. Other columns pass through.
        * ``rule="standard"``, HJ 633—2012 rows (§5.1.3, 9 indicators, of which 7 have breakpoints):
          ``so2, no2, o3`` (1-h, µg/m³), ``co`` (1-h, mg/m³), ``o3_8h`` (8-h rolling mean
          ending at this hour), ``pm25_24h``, ``pm10_24h`` (24-h rolling means); optional
          ``so2_24h`` (24-h rolling mean), used only where SO2 1 h > 800 (Table 1 note 2).
          1-h ``pm25``/``pm10`` have no 2012 breakpoints and do not enter the 2012 AQI.
        * HJ 633—2026 rows (§4.2.3, 6 indicators): ``so2, no2, o3, co, pm25, pm10`` 1-h
          values; PM is interpolated on the daily breakpoints (§4.2.4).
    version, settings, missing_rule : str or None, Settings or None, str
        As for :func:`daily_aqi`.
    rule : {"platform", "standard"}
        See above; default ``"platform"``.

    Returns
    -------
    pandas.DataFrame
        As :func:`daily_aqi`; IAQI columns are ``iaqi_<input column>`` (NA for rows whose
        standard does not use that column), plus ``iaqi_so2_24h`` when the 2012 SO2
        fallback applies.
    """
    if rule == "platform":
        spec = _HOURLY_SPEC_PLATFORM
    elif rule == "standard":
        spec = _HOURLY_SPEC
    else:
        raise InputDataError(f"unknown hourly AQI rule {rule!r}; expected one of {', '.join(HOURLY_RULES)}")
    return _report(hourly, "time", spec, version, settings, missing_rule, so2_fallback=True)
