"""Rounding per GB/T 8170 and the published precision of concentrations.

GB/T 8170《数值修约规则与极限数值的表示和判定》 "进舍规则" (the rule HJ 633—2026 §4.2.2 and
the 2018 city-ranking rules refer to):

* the first digit dropped is < 5: drop it (舍去);
* it is > 5, or = 5 followed by any non-zero digit: round up (进一);
* it is exactly 5 (nothing or only zeros after it): round so that the last kept digit is even
  (奇进偶舍, "round half to even");
* negative numbers: round the absolute value, then restore the sign.

The rule applies to the **decimal value as written** (the number an analyst sees in a
spreadsheet), not to the binary float that represents it: ``2.675`` is stored as
``2.67499999999999982236431605997495353221893310546875`` but as written it ends in an exact
5, so it rounds to ``2.68`` (7 odd → up); ``2.665`` rounds to ``2.66`` (6 even → stays). airlib
therefore snaps a scaled value that lies within a tiny relative tolerance (``HALF_RTOL``) of
an exact half to that half before applying the rule.

References
----------
GB/T 8170—2008 §3.2 [GB/T8170-2008]; published precision [BJ-MONTHLY-2021]
(docs/references.md).
"""

from __future__ import annotations

from typing import Any, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from airlib.errors import InputDataError
from airlib.settings import DEFAULT, Settings

__all__ = [
    "HALF_RTOL",
    "round_gbt8170",
    "published_precision",
    "round_published",
]

#: Relative tolerance within which a scaled value counts as an exact half. A float parsed
#: from a decimal string carries a relative error of at most ~1.1e-16, and scaling by 10**d
#: adds about as much again; 1e-12 leaves a wide margin while still treating
#: ``2.6750001`` (a 5 followed by non-zero digits) as above the half.
HALF_RTOL: float = 1e-12

#: Date from which PM2.5 is published with ``Settings.pm25_decimals_from_2024`` decimals.
PM25_PRECISION_SWITCH = pd.Timestamp("2024-01-01")


def _round_array(x: np.ndarray, decimals: np.ndarray | int) -> np.ndarray:
    """GB/T 8170 on a float64 array (NaN passes through)."""
    x = np.asarray(x, dtype=np.float64)
    scale = np.power(10.0, np.asarray(decimals, dtype=np.float64))
    sign = np.sign(x)
    y = np.abs(x) * scale
    floor = np.floor(y)
    frac = y - floor
    tol = HALF_RTOL * np.maximum(y, 1.0)
    is_half = np.abs(frac - 0.5) <= tol
    floor_odd = np.mod(floor, 2.0) == 1.0
    up = np.where(is_half, floor_odd, frac > 0.5)
    out = (floor + up) / scale * sign
    # keep the sign of zero tidy (-0.4 -> 0.0, not -0.0)
    return out + 0.0


@overload
def round_gbt8170(x: float, decimals: int = 0) -> float: ...
@overload
def round_gbt8170(x: pd.Series, decimals: int | npt.ArrayLike = 0) -> pd.Series: ...
@overload
def round_gbt8170(x: np.ndarray, decimals: int | npt.ArrayLike = 0) -> np.ndarray: ...


def round_gbt8170(x: Any, decimals: Any = 0) -> Any:
    """Round per GB/T 8170 进舍规则 (round half to even on the decimal value as written).

    Parameters
    ----------
    x : float, array-like or pandas.Series
        Values to round (any unit). NaN stays NaN; ``pd.NA`` in a nullable Series becomes NaN.
    decimals : int or array-like of int, default 0
        Number of decimals to keep (may be negative: ``-1`` rounds to tens). An array is
        broadcast against ``x`` (used for per-row published precision).

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Same kind as ``x``; a Series keeps its index and name and has dtype float64.

    Notes
    -----
    GB/T 8170—2008 §3.2 (进舍规则). A scaled value within ``HALF_RTOL`` (relative) of an exact
    half is treated as exactly half, so that binary representation error does not change the
    result: ``round_gbt8170(2.675, 2) == 2.68``, ``round_gbt8170(2.665, 2) == 2.66``,
    ``round_gbt8170(0.125, 2) == 0.12``, ``round_gbt8170(34.5) == 34.0``,
    ``round_gbt8170(35.5) == 36.0``, ``round_gbt8170(-2.5) == -2.0``.

    Examples
    --------
    >>> round_gbt8170(12.25, 1), round_gbt8170(12.35, 1), round_gbt8170(12.2501, 1)
    (12.2, 12.4, 12.3)
    """
    if isinstance(x, pd.Series):
        values = x.to_numpy(dtype=np.float64, na_value=np.nan)
        if isinstance(decimals, pd.Series):
            decimals = decimals.to_numpy()
        return pd.Series(_round_array(values, decimals), index=x.index, name=x.name)
    if isinstance(x, pd.Index):
        return pd.Index(_round_array(x.to_numpy(dtype=np.float64, na_value=np.nan), decimals), name=x.name)
    if np.ndim(x) == 0 and np.ndim(decimals) == 0:
        if x is None or x is pd.NA:
            return float("nan")
        return float(_round_array(np.asarray(float(x)), int(decimals)))
    return _round_array(np.asarray(x, dtype=np.float64), decimals)


def _decimals_for(pollutant: str, is_2024_or_later: np.ndarray | bool, settings: Settings) -> Any:
    p = pollutant.lower().replace(".", "").replace("_", "")
    if p in ("pm25",):
        return np.where(is_2024_or_later, settings.pm25_decimals_from_2024, settings.pm25_decimals_before_2024)
    if p == "co":
        return np.where(is_2024_or_later, 1, 1)
    if p in ("pm10", "so2", "no2", "o3", "o38h", "o31h", "nox"):
        return np.where(is_2024_or_later, 0, 0)
    raise InputDataError(f"unknown pollutant {pollutant!r} for published precision", column=pollutant)


def published_precision(pollutant: str, date: Any, settings: Settings | None = None) -> Any:
    """Decimals with which a concentration is published (Beijing practice).

    Parameters
    ----------
    pollutant : str
        One of ``pm25, pm10, so2, no2, co, o3`` (``o3_8h``/``o3_1h`` and ``nox`` accepted).
    date : date-like, or array-like / Series of dates
        Date of the value (the start of the period it describes).
    settings : Settings, optional
        ``pm25_decimals_before_2024`` (default 0) and ``pm25_decimals_from_2024`` (default 1).

    Returns
    -------
    int, or numpy.ndarray / Series of int [decimals]
        PM2.5: integers through 2023, 1 decimal from 2024-01-01 ([BJ-MONTHLY-2021] [O]);
        CO (mg/m³): 1 decimal; other pollutants (µg/m³): integers.
    """
    settings = DEFAULT if settings is None else settings
    if isinstance(date, pd.Period):
        date = date.start_time
    if isinstance(date, pd.Series):
        if isinstance(date.dtype, pd.PeriodDtype):
            date = date.dt.start_time
        later = (pd.to_datetime(date) >= PM25_PRECISION_SWITCH).to_numpy()
        return pd.Series(_decimals_for(pollutant, later, settings).astype(np.int64), index=date.index, name="decimals")
    if np.ndim(date) == 0:
        ts = pd.Timestamp(date)
        if ts is pd.NaT:
            raise InputDataError("missing date for published precision", column="date")
        return int(_decimals_for(pollutant, ts >= PM25_PRECISION_SWITCH, settings))
    if isinstance(date, pd.PeriodIndex):
        date = date.start_time
    later = np.asarray(pd.to_datetime(np.asarray(date)) >= PM25_PRECISION_SWITCH)
    return _decimals_for(pollutant, later, settings).astype(np.int64)


def round_published(values: Any, pollutant: str, dates: Any, settings: Settings | None = None) -> Any:
    """Round concentrations to their published precision with GB/T 8170.

    Parameters
    ----------
    values : float, array-like or Series [µg/m³; CO mg/m³]
        Concentrations (µg/m³; CO mg/m³).
    pollutant : str
        Pollutant name (see :func:`published_precision`).
    dates : date-like or array-like / Series aligned with ``values``
        Dates of the values (a scalar applies to all).
    settings : Settings, optional
        See :func:`published_precision`.

    Returns
    -------
    Same kind as ``values``.

    Examples
    --------
    >>> round_published(30.45, "pm25", "2024-12-01"), round_published(30.5, "pm25", "2023-12-01")
    (30.4, 30.0)
    """
    dec = published_precision(pollutant, dates, settings)
    if isinstance(dec, pd.Series):
        dec = dec.to_numpy()
    return round_gbt8170(values, dec)
