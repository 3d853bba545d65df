"""Tests of airlib.standards.pollution_days: heavy days (alert episodes: test_alerts.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airlib.errors import InputDataError
from airlib.standards.pollution_days import heavy_pollution_days


# ------------------------------------------------------------------------------- heavy days
def test_heavy_days_thresholds_200_201_300_301_and_missing():
    aqi = [200, 201, 300, 301, np.nan, 50]
    df = pd.DataFrame({"town_code": "110109001",
                       "date": pd.date_range("2016-02-01", periods=6), "aqi": aqi})
    df.loc[5, "date"] = pd.Timestamp("2016-03-01")
    h = heavy_pollution_days(df)
    assert list(h.columns) == ["town_code", "period", "days_in_period", "valid_aqi_days",
                               "heavy_days", "severe_days"]
    feb = h.iloc[0]
    assert feb["period"] == pd.Timestamp("2016-02-01") and feb["days_in_period"] == 29
    assert feb["valid_aqi_days"] == 4
    assert feb["heavy_days"] == 3  # 201, 300, 301
    assert feb["severe_days"] == 1  # 301
    mar = h.iloc[1]
    assert mar["days_in_period"] == 31 and mar["valid_aqi_days"] == 1 and mar["heavy_days"] == 0


def test_heavy_days_per_station_and_year_with_nullable_aqi():
    df = pd.DataFrame(
        {"station": ["A", "A", "B", "B"],
         "date": pd.to_datetime(["2016-01-05", "2016-07-01", "2016-01-05", "2017-01-01"]),
         "aqi": pd.array([250, pd.NA, 350, 100], dtype="Int64")}
    )
    h = heavy_pollution_days(df, freq="YS").set_index(["station", "period"])
    assert h.loc[("A", pd.Timestamp("2016-01-01")), "heavy_days"] == 1
    assert h.loc[("A", pd.Timestamp("2016-01-01")), "valid_aqi_days"] == 1
    assert h.loc[("A", pd.Timestamp("2016-01-01")), "days_in_period"] == 366
    assert h.loc[("B", pd.Timestamp("2016-01-01")), "severe_days"] == 1
    assert h.loc[("B", pd.Timestamp("2017-01-01")), "heavy_days"] == 0


def test_heavy_days_missing_column_raises():
    with pytest.raises(InputDataError, match="aqi"):
        heavy_pollution_days(pd.DataFrame({"date": pd.to_datetime(["2016-01-01"])}))
