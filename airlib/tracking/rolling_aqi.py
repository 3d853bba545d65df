"""Rolling 24-hour AQI of towns (街乡镇) and districts (区) for the alert rules.

Rule ([SEED-001] §28 on the rolling AQI; ``docs/alerts.md``): a town's or district's rolling AQI
is the AQI of the **unit's 24-hour-window concentrations**, and those are the means of the valid
station values — the rule airlib uses for daily town/district values
(:func:`airlib.tracking.aggregation.aggregate_daily`, applied here to each hourly window instead
of each calendar day): PM2.5, PM10, SO2, NO2 and CO 24-hour means and the window's O3 8-hour
maximum are averaged over the unit's stations, then rated (not the mean of station AQIs).
"""

from __future__ import annotations

from typing import Literal

import pandas as pd

from airlib.settings import Settings
from airlib.standards.alerts import rolling_aqi_from_concentrations, rolling_concentrations
from airlib.tracking.aggregation import aggregate_daily

__all__ = ["unit_rolling_aqi"]


def unit_rolling_aqi(
    hourly: pd.DataFrame,
    stations: pd.DataFrame,
    level: Literal["station", "town", "district"] = "town",
    towns: pd.DataFrame | None = None,
    district_method: Literal["stations", "towns"] = "stations",
    settings: Settings | None = None,
) -> pd.DataFrame:
    """Rolling 24-hour AQI per station, town or district at every hour.

    Parameters
    ----------
    hourly : pandas.DataFrame [µg/m³; CO mg/m³]
        Canonical hourly frame (``station``, ``time`` hour-beginning, pollutant columns).
    stations : pandas.DataFrame
        Station registry (``station``, ``town_code``).
    level : {"station", "town", "district"}, default "town"
        Unit of the result.
    towns : pandas.DataFrame, optional
        Town registry (``town_code``, ``district_code``); needed for ``level="district"``.
    district_method : {"stations", "towns"}
        As :func:`airlib.tracking.aggregation.aggregate_daily`.
    settings : Settings, optional
        ``rolling_24h_min_hours`` (window validity).

    Returns
    -------
    pandas.DataFrame
        ``station``/``town_code``/``district_code``, ``time`` (label of the last hour of the
        window), ``aqi`` (Int64, NA invalid), ``category`` (1–6), ``valid``,
        ``primary_pollutant`` (:func:`airlib.standards.alerts.rolling_aqi_from_concentrations`).
    """
    conc = rolling_concentrations(hourly, settings)
    if level == "station":
        return rolling_aqi_from_concentrations(conc, "station", settings)
    agg = aggregate_daily(conc.rename(columns={"time": "date"}), stations, level=level, towns=towns,
                          district_method=district_method)
    key = "town_code" if level == "town" else "district_code"
    agg = agg.rename(columns={"date": "time"})
    return rolling_aqi_from_concentrations(agg, key, settings)
