"""Pollutant names, units and Chinese labels used across airlib."""

from __future__ import annotations

from typing import Final

__all__ = [
    "POLLUTANTS",
    "METEOROLOGY",
    "UNITS",
    "LABELS_ZH",
]

#: The six criteria pollutants, as column names of the canonical hourly frame.
POLLUTANTS: Final[tuple[str, ...]] = ("pm25", "pm10", "so2", "no2", "co", "o3")

#: Meteorological columns of the canonical hourly frame.
METEOROLOGY: Final[tuple[str, ...]] = ("temp", "pres", "dewp", "rain", "wspm", "wd")

#: Units of each column. CO is in mg/m³, all other pollutants in µg/m³.
UNITS: Final[dict[str, str]] = {
    "pm25": "µg/m³",
    "pm10": "µg/m³",
    "so2": "µg/m³",
    "no2": "µg/m³",
    "co": "mg/m³",
    "o3": "µg/m³",
    "temp": "°C",
    "pres": "hPa",
    "dewp": "°C",
    "rain": "mm",
    "wspm": "m/s",
    "wd": "",
}

#: Display labels (Chinese first; chemical formulas are used as-is in Chinese reports).
LABELS_ZH: Final[dict[str, str]] = {
    "pm25": "PM2.5",
    "pm10": "PM10",
    "so2": "SO2",
    "no2": "NO2",
    "co": "CO",
    "o3": "O3",
    "temp": "气温",
    "pres": "气压",
    "dewp": "露点温度",
    "rain": "降水量",
    "wspm": "风速",
    "wd": "风向",
}
