"""Constructed files that mimic the national platform's hourly release (for the CNEMC reader tests).

Everything here is computed independently of airlib: the moving means and maxima with pandas
rolling windows, the AQI with the HJ 633—2012 breakpoints typed from standards.md §1.1 and the
platform rule of standards.md §1.4 (1-h PM on the 24-h breakpoints, 1-h gases on the 1-h ones).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

LEVELS = (0, 50, 100, 150, 200, 300, 400, 500)
BP = {  # HJ 633—2012 Table 1
    "pm2_5": (0, 35, 75, 115, 150, 250, 350, 500),  # 24-h breakpoints, used for the 1-h value
    "pm10": (0, 50, 150, 250, 350, 420, 500, 600),
    "so2": (0, 150, 500, 650, 800),
    "no2": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    "co": (0, 5, 10, 35, 60, 90, 120, 150),
    "o3": (0, 160, 200, 300, 400, 800, 1000, 1200),
}
LABEL = {"pm2_5": "PM2.5", "pm10": "PM10", "so2": "SO2", "no2": "NO2", "co": "CO", "o3": "O3"}
ORDER = ("pm2_5", "pm10", "so2", "no2", "co", "o3")


def iaqi(c: float, key: str) -> int:
    bp = BP[key]
    for i in range(1, len(bp)):
        if c <= bp[i]:
            v = LEVELS[i - 1] + (LEVELS[i] - LEVELS[i - 1]) * (c - bp[i - 1]) / (bp[i] - bp[i - 1])
            return math.ceil(round(v, 9))
    return 500


def release(hours: int = 72, stations: tuple[str, ...] = ("1001A", "1002A"), seed: int = 1,
            start: str = "2022-01-10 01:00") -> pd.DataFrame:
    """A release frame with the platform's (misleading) column names; timepoint = end of hour."""
    rng = np.random.default_rng(seed)
    parts = []
    for k, st in enumerate(stations):
        tp = pd.date_range(start, periods=hours, freq="h")
        d = pd.DataFrame({"timepoint": tp, "stationcode": st})
        base = 40 + 30 * np.sin(np.arange(hours) / 7 + k)
        one = {
            "pm2_5": np.round(np.clip(base + rng.normal(0, 25, hours), 1, None)),
            "pm10": np.round(np.clip(base * 1.6 + rng.normal(0, 30, hours), 2, None)),
            "so2": np.round(rng.uniform(2, 20, hours)),
            "no2": np.round(rng.uniform(10, 120, hours)),
            "co": np.round(rng.uniform(0.2, 2.0, hours), 1),
            "o3": np.round(np.clip(60 + 70 * np.sin(np.arange(hours) / 3.8) + rng.normal(0, 10, hours), 2, None)),
        }
        for p in ("pm2_5", "pm10", "so2", "no2", "co"):
            d[p] = one[p]
            m = pd.Series(one[p]).rolling(24, min_periods=20).mean()
            d[f"{p}_24h"] = np.round(m, 3 if p == "co" else 0)  # numpy rounds half to even
        o3 = pd.Series(one["o3"])
        m8 = o3.rolling(8, min_periods=6).mean()
        day = (tp - pd.Timedelta(hours=1)).normalize()  # hour-beginning calendar day
        d["o3_24h"] = one["o3"]  # the hour's 1-h O3, under the misleading name
        d["o3"] = o3.rolling(24, min_periods=20).max()  # 24-h running max of 1-h O3
        d["o3_8h_24h"] = np.round(m8)  # the current 8-h moving mean
        d["o3_8h"] = np.round(m8).groupby(day).cummax().to_numpy()  # the day's highest 8-h so far
        iaq = np.array([[iaqi(one[p][i], p) for p in ORDER] for i in range(hours)])
        aqi = iaq.max(axis=1)
        d["aqi"] = aqi
        d["primary_pollutant"] = [
            "—" if a <= 50 else ",".join(LABEL[p] for j, p in enumerate(ORDER) if row[j] == a)
            for a, row in zip(aqi, iaq)
        ]
        d["quality"] = "良"
        parts.append(d)
    cols = ["timepoint", "stationcode", "aqi", "pm2_5", "pm2_5_24h", "pm10", "pm10_24h", "so2", "so2_24h", "no2",
            "no2_24h", "co", "co_24h", "o3", "o3_24h", "o3_8h", "o3_8h_24h", "primary_pollutant", "quality"]
    return pd.concat(parts, ignore_index=True)[cols]
