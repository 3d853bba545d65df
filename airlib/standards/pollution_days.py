"""Heavy-pollution days and the vocabulary of the emergency alert levels.

Sources: HJ 633 Table 2 [HJ633-2012] / Table 1 [HJ633-2026] (docs/references.md).

* **Heavy-pollution day** (重污染天): daily AQI > 200, i.e. 重度污染 (五级, 201–300) or worse;
  **severe day** (严重污染天): AQI > 300 (六级) (HJ 633 Table 2/Table 1 [P]).
* **Alert levels** (蓝色/黄色/橙色/红色预警): :data:`LEVELS` is the one vocabulary of codes and
  Chinese names. The alert rules themselves (rolling 24-hour AQI, start, upgrade, merge, 36-hour
  lift, early start) are in :mod:`airlib.standards.alerts`; their criteria and reduction ratios
  are data, in the plan files and ``data/raw/rules/alert_schemes/`` (``docs/alerts.md``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from airlib.errors import InputDataError

__all__ = [
    "HEAVY_AQI",
    "SEVERE_AQI",
    "LEVELS",
    "heavy_pollution_days",
]

#: AQI above which a day is a heavy-pollution day (重度污染及以上).
HEAVY_AQI = 200
#: AQI above which a day is a severe-pollution day (严重污染).
SEVERE_AQI = 300

#: Alert levels from mildest to strictest: (code, Chinese name).
LEVELS: tuple[tuple[str, str], ...] = (
    ("blue", "蓝色预警"),
    ("yellow", "黄色预警"),
    ("orange", "橙色预警"),
    ("red", "红色预警"),
)

_UNIT_KEYS = ("station", "town_code", "district_code")


# ------------------------------------------------------------------------------- heavy days
def heavy_pollution_days(
    daily_aqi: pd.DataFrame,
    by: str | Sequence[str] | None = None,
    freq: str = "MS",
) -> pd.DataFrame:
    """Heavy (AQI > 200) and severe (AQI > 300) pollution days per unit and period.

    Parameters
    ----------
    daily_aqi : pandas.DataFrame [AQI, dimensionless]
        Output of :func:`airlib.standards.aqi.daily_aqi`: unit key, ``date`` and ``aqi`` (NaN/NA = no
        valid AQI). Works for station, town and district frames.
    by : str or sequence of str, optional
        Unit key column(s); default the first of ``station``, ``town_code``,
        ``district_code`` present. ``by=()`` counts over all rows (a single unit).
    freq : str, default "MS"
        Period frequency of the counts (pandas offset alias): ``"MS"`` months (default),
        ``"QS"`` quarters, ``"YS"`` years.

    Returns
    -------
    pandas.DataFrame [days]
        Unit key(s), ``period`` (first day of the period), ``days_in_period`` (calendar days),
        ``valid_aqi_days`` (days with an AQI), ``heavy_days`` (AQI > 200, 重度污染及以上) and
        ``severe_days`` (AQI > 300, 严重污染). Days absent from the frame count as days
        without AQI.
    """
    for c in ("date", "aqi"):
        if c not in daily_aqi.columns:
            raise InputDataError(f"daily AQI frame lacks column {c!r}", column=c)
    if by is None:
        keys = [k for k in _UNIT_KEYS if k in daily_aqi.columns][:1]
    else:
        keys = [by] if isinstance(by, str) else list(by)
    for k in keys:
        if k not in daily_aqi.columns:
            raise InputDataError(f"daily AQI frame lacks unit column {k!r}", column=k)
    if not pd.api.types.is_datetime64_dtype(daily_aqi["date"].dtype):
        raise InputDataError("date must be datetime64", column="date")
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except ValueError as exc:
        raise InputDataError(f"freq={freq!r} is not a pandas frequency: {exc}") from None
    aqi = daily_aqi["aqi"].to_numpy(dtype=np.float64, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        df = pd.DataFrame(
            {
                **{k: daily_aqi[k].to_numpy() for k in keys},
                "date": daily_aqi["date"].to_numpy(),
                "valid_aqi_days": ~np.isnan(aqi),
                "heavy_days": aqi > HEAVY_AQI,
                "severe_days": aqi > SEVERE_AQI,
            }
        )
    g = df.groupby([*keys, pd.Grouper(key="date", freq=offset)], sort=True)
    out = g[["valid_aqi_days", "heavy_days", "severe_days"]].sum().astype(np.int64)
    out = out.reset_index().rename(columns={"date": "period"})
    start = pd.DatetimeIndex(out["period"])
    out.insert(len(keys) + 1, "days_in_period", ((start + offset) - start).days.astype(np.int64))
    return out
