"""Tests of airlib.tracking.rolling_aqi: the rolling 24-h AQI of towns and districts."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from airlib.errors import InputDataError
from airlib.standards.alerts import rolling_aqi
from airlib.tracking.rolling_aqi import unit_rolling_aqi

T0 = pd.Timestamp("2016-12-01 00:00")
STATIONS = pd.DataFrame({"station": ["S1", "S2", "S3"], "town_code": ["T1", "T1", "T2"]})
TOWNS = pd.DataFrame({"town_code": ["T1", "T2"], "district_code": ["D1", "D1"]})


def frame(values: dict[str, list[float]]) -> pd.DataFrame:
    parts = [pd.DataFrame({"station": st, "time": pd.date_range(T0, periods=len(v), freq="h"),
                           "pm25": np.asarray(v, dtype=float)}) for st, v in values.items()]
    return pd.concat(parts, ignore_index=True)


def at(r: pd.DataFrame, key: str, unit: str, hour: str):
    return r[(r[key] == unit) & (r["time"] == pd.Timestamp(hour))].iloc[0]


def test_town_aqi_is_the_aqi_of_the_mean_concentration_not_the_mean_aqi():
    h = frame({"S1": [100.0] * 48, "S2": [200.0] * 48, "S3": [50.0] * 48})
    town = unit_rolling_aqi(h, STATIONS, "town")
    # mean 150 µg/m³ → IAQI 200 exactly; the mean of the station AQIs would be (132 + 250) / 2
    assert at(town, "town_code", "T1", "2016-12-02 12:00")["aqi"] == 200
    assert at(town, "town_code", "T2", "2016-12-02 12:00")["aqi"] == 69  # 50 + 15 × 50 / 40
    dist = unit_rolling_aqi(h, STATIONS, "district", towns=TOWNS)
    # all stations: (100 + 200 + 50) / 3 = 116.7 µg/m³ → 150 + 1.67 × 50 / 35 = 152.4 → 153
    assert at(dist, "district_code", "D1", "2016-12-02 12:00")["aqi"] == 153
    dist_t = unit_rolling_aqi(h, STATIONS, "district", towns=TOWNS, district_method="towns")
    # towns weighted equally: (150 + 50) / 2 = 100 → 132
    assert at(dist_t, "district_code", "D1", "2016-12-02 12:00")["aqi"] == 132
    st = unit_rolling_aqi(h, STATIONS, "station")
    pd.testing.assert_frame_equal(st, rolling_aqi(h))


def test_an_invalid_station_window_is_left_out_of_the_town():
    s2 = [200.0] * 48
    s2[30:35] = [np.nan] * 5  # S2's window ending 2nd 10:00 has 19 valid hours: invalid
    h = frame({"S1": [100.0] * 48, "S2": s2, "S3": [50.0] * 48})
    town = unit_rolling_aqi(h, STATIONS, "town")
    assert at(town, "town_code", "T1", "2016-12-02 10:00")["aqi"] == 132  # S1 alone
    assert at(town, "town_code", "T1", "2016-12-02 09:00")["aqi"] == 200  # 4 missing: 20 valid


def test_errors_name_the_problem():
    h = frame({"S1": [100.0] * 30, "S9": [100.0] * 30})
    with pytest.raises(InputDataError, match="S9"):
        unit_rolling_aqi(h, STATIONS, "town")
    with pytest.raises(InputDataError, match="town registry"):
        unit_rolling_aqi(frame({"S1": [100.0] * 30}), STATIONS, "district")


def test_a_year_of_13_towns_is_fast():
    rng = np.random.default_rng(7)
    n = 24 * 366
    h = frame({f"S{i}": rng.gamma(2.0, 40.0, n) for i in range(26)})
    stations = pd.DataFrame({"station": [f"S{i}" for i in range(26)],
                             "town_code": [f"T{i // 2}" for i in range(26)]})
    t = time.perf_counter()
    r = unit_rolling_aqi(h, stations, "town")
    from airlib.standards.alerts import AlertRules, alert_episodes

    rules = AlertRules(id="t", criteria={"blue": ({200.0: 1},), "yellow": ({200.0: 25},)})
    alert_episodes(r, rules)
    elapsed = time.perf_counter() - t
    assert r["town_code"].nunique() == 13 and len(r) == 13 * n
    assert elapsed < 3.0, f"{elapsed:.2f} s"  # well under a second alone; margin for a loaded CI
