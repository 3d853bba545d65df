"""SYNTHETIC AQI forecasts of the demo district (``data/raw/demo/alerts/forecasts.csv``).

For every day of the demo's hourly data the "forecaster" issues a forecast for each of the next
1–3 days. The forecast is derived from the demo's **observed** district daily AQI of the target
day (``airlib.report.data.district_daily_aqi``, the AQI the report verifies against) with a
seeded, lead-dependent multiplicative error (log-normal, standard deviation
:data:`LEAD_ERROR` by lead), so that the verification shows realistic skill falling with
lead. Targets without an observed AQI (missing days, days after the data end) use the last
observed value before them (persistence). The forecast is published as an AQI range (centre ±
:data:`HALF_WIDTH` of it, at least 10, on multiples of 5, as published ranges look), the
category text of that range (``良至轻度污染``) and a primary pollutant (O3 May–September, else
PM2.5; none when the range stays ≤ 50). The first row of the file says the data are synthetic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from airlib.files import atomic_write_bytes
from airlib.standards.aqi import CATEGORIES, category_of

__all__ = ["FORECAST_TITLE", "HALF_WIDTH", "LEAD_ERROR", "demo_forecasts", "write_demo_forecasts"]

#: First row of the demo forecast file.
FORECAST_TITLE: Final[str] = "合成演示数据（SYNTHETIC），非真实空气质量预报 / synthetic demo forecasts, not a published forecast"
#: Standard deviation of the log error of the forecast centre, by lead day (1, 2, 3).
LEAD_ERROR: Final[dict[int, float]] = {1: 0.25, 2: 0.33, 3: 0.42}
#: Half-width of the published range as a share of its centre.
HALF_WIDTH: Final[float] = 0.15
_SEED_OFFSET: Final[int] = 1415  # forecast stream, apart from the other demo streams


def _round5(x: np.ndarray) -> np.ndarray:
    return np.round(x / 5.0) * 5.0


def demo_forecasts(observed: pd.DataFrame, area: str, seed: int) -> pd.DataFrame:
    """The synthetic forecast table (as written, Chinese headers) from the observed daily AQI.

    Parameters
    ----------
    observed : pandas.DataFrame
        ``date`` (datetime64, midnight) and ``aqi`` [AQI] (NA = no valid value), one row per
        day of the demo.
    area : str
        The area named in the file (the demo district).
    seed : int
        The demo seed; the forecasts are a pure function of ``(observed, area, seed)``.

    Returns
    -------
    pandas.DataFrame
        Columns 发布日期, 预报日期, 预报时效, 区域, AQI范围, 级别, 首要污染物; one row per issue day
        and lead 1–3.
    """
    days = pd.DatetimeIndex(pd.to_datetime(observed["date"])).normalize()
    obs = pd.Series(pd.to_numeric(observed["aqi"], errors="coerce").to_numpy(dtype=float, na_value=np.nan),
                    index=days).sort_index()
    full = pd.date_range(days.min(), days.max() + pd.Timedelta(days=3), freq="D")
    truth = obs.reindex(full).ffill().bfill().to_numpy()
    rng = np.random.default_rng(seed + _SEED_OFFSET)
    n = len(full) - 3
    parts = []
    for lead in (1, 2, 3):  # three vectorised blocks, one per lead
        centre = truth[lead:lead + n] * np.exp(rng.normal(0.0, LEAD_ERROR[lead], n))
        half = np.maximum(10.0, HALF_WIDTH * centre)
        lo = np.maximum(0.0, _round5(centre - half))
        hi = np.maximum(lo + 5.0, _round5(centre + half))
        parts.append(pd.DataFrame({"issued": full[:n], "lead": lead, "lo": lo, "hi": hi}))
    f = pd.concat(parts, ignore_index=True).sort_values(["issued", "lead"], kind="stable")
    f["target"] = f["issued"] + pd.to_timedelta(f["lead"], unit="D")
    names = np.array([c.category for c in CATEGORIES], dtype=object)
    c_lo = category_of(pd.Series(f["lo"].to_numpy()))["level"].to_numpy(dtype=int)
    c_hi = category_of(pd.Series(f["hi"].to_numpy()))["level"].to_numpy(dtype=int)
    text = np.where(c_lo == c_hi, names[c_hi - 1], names[c_lo - 1] + "至" + names[c_hi - 1])
    summer = f["target"].dt.month.between(5, 9).to_numpy()
    primary = np.where(f["hi"].to_numpy() <= 50, "—", np.where(summer, "O3", "PM2.5"))
    return pd.DataFrame({
        "发布日期": f["issued"].dt.strftime("%Y-%m-%d").to_numpy(),
        "预报日期": f["target"].dt.strftime("%Y-%m-%d").to_numpy(),
        "预报时效": f["lead"].to_numpy(),
        "区域": area,
        "AQI范围": (f["lo"].astype(int).astype(str) + "-" + f["hi"].astype(int).astype(str)).to_numpy(),
        "级别": text,
        "首要污染物": primary,
    })


def write_demo_forecasts(folder: Path, hourly: pd.DataFrame, towns: pd.DataFrame, stations: pd.DataFrame,
                         area: str, seed: int) -> list[Path]:
    """Write ``<folder>/alerts/forecasts.csv`` (UTF-8, title row first) and return its path.

    ``hourly`` is the demo's hourly frame; sentinels and negative cells are not values. The
    observed daily AQI is ``airlib.report.data.district_daily_aqi`` of it.
    """
    from airlib.pollutants import POLLUTANTS
    from airlib.report.data import district_daily_aqi

    present = [c for c in POLLUTANTS if c in hourly.columns]
    h = hourly[["station", "time", *present]].copy()
    h[present] = h[present].where(h[present] >= 0)
    start, end = h["time"].min().normalize(), h["time"].max().normalize()
    observed = district_daily_aqi(h, towns, stations, start, end)
    table = demo_forecasts(observed, area, seed)
    body = table.to_csv(index=False, lineterminator="\n")
    p = folder / "alerts" / "forecasts.csv"
    p.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(p, (FORECAST_TITLE + "\n" + body).encode("utf-8"))
    return [p]
