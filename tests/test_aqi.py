"""Tests of airlib.aqi against HJ 633—2012 / HJ 633—2026 (values typed from standards.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airlib.aqi import daily_aqi, iaqi

V12, V26 = "HJ633-2012", "HJ633-2026"

# standards.md §1.2 worked examples: (pollutant, averaging, conc, AQI 2012, AQI 2026)
WORKED = [
    ("pm25", "24h", 35, 50, 50),
    ("pm25", "24h", 36, 52, 52),
    ("pm25", "24h", 75, 100, 114),
    ("pm25", "24h", 80, 107, 119),
    ("pm10", "24h", 151, 101, 112),
    ("o3", "8h", 161, 101, 101),
    ("co", "24h", 1.1, 28, 28),
]


@pytest.mark.parametrize(("pol", "avg", "conc", "a12", "a26"), WORKED)
def test_worked_examples(pol: str, avg: str, conc: float, a12: int, a26: int) -> None:
    assert iaqi(conc, pol, avg, V12) == a12
    assert iaqi(conc, pol, avg, V26) == a26


def test_daily_aqi_basic() -> None:
    d = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-02-28", "2026-03-01"]),
            "pm25": [75.0, 75.0],
        }
    )
    out = daily_aqi(d)
    assert out["aqi"].tolist() == [100, 114]
    assert out["primary_pollutant"].tolist() == ["PM2.5", "PM2.5"]
    assert np.array_equal(out["aqi_incomplete"].to_numpy(), [False, False])
