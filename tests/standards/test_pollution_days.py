"""Tests of airlib.standards.pollution_days: heavy days and emergency alert episodes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from airlib.errors import InputDataError
from airlib.standards.pollution_days import (
    SCHEMES,
    AlertScheme,
    classify_episodes,
    heavy_pollution_days,
    reduction_ratios,
)
from airlib.settings import DEFAULT


def aqi_series(values, start="2016-12-01"):
    return pd.Series(np.asarray(values, dtype=float),
                     index=pd.date_range(start, periods=len(values), freq="D"))


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


# ---------------------------------------------------------------------------- MEE 2017 levels
@pytest.mark.parametrize(
    "values, level",
    [
        ([100, 200, 100], None),  # AQI 200 is not > 200
        ([100, 201, 100], "blue"),
        ([201, 250], "yellow"),
        ([201, 250, 290], "yellow"),  # 3 days but none > 300
        ([201, 301, 250], "orange"),
        ([201, 301, 250, 300], "orange"),  # 4 days, only one > 300
        ([201, 301, 250, 301], "red"),
        ([120, 500, 120], "red"),  # AQI >= 500 for one day
        ([120, 499, 120], "blue"),
    ],
)
def test_mee_2017_levels(values, level):
    e = classify_episodes(aqi_series(values), scheme="mee-2017")
    if level is None:
        assert e.empty
    else:
        assert len(e) == 1 and e.loc[0, "level"] == level


def test_episode_fields_and_chinese_level():
    e = classify_episodes(aqi_series([50, 210, 320, 260, 40]))
    r = e.iloc[0]
    assert r["start"] == pd.Timestamp("2016-12-02") and r["end"] == pd.Timestamp("2016-12-04")
    assert r["days"] == 3 and r["level_zh"] == "橙色预警"
    assert r["max_aqi"] == 320 and r["heavy_days"] == 3 and r["severe_days"] == 1


def test_close_episodes_merge_at_stricter_level():
    # yellow (2 days), one clean day, blue (1 day) -> merged, yellow, gap 1 <= default 1
    e = classify_episodes(aqi_series([210, 220, 150, 230, 80, 80, 240]))
    assert len(e) == 2
    assert e.loc[0, "level"] == "yellow" and e.loc[0, "days"] == 4 and e.loc[0, "n_runs"] == 2
    assert e.loc[0, "heavy_days"] == 3
    # the last episode is 2 clean days later: separate
    assert e.loc[1, "start"] == pd.Timestamp("2016-12-07") and e.loc[1, "level"] == "blue"
    # gap setting 0: no merging
    e0 = classify_episodes(aqi_series([210, 220, 150, 230]),
                           settings=dataclasses.replace(DEFAULT, episode_merge_gap_days=0))
    assert list(e0["level"]) == ["yellow", "blue"]


def test_missing_day_breaks_a_run():
    s = aqi_series([210, 220, 230])
    s = s.drop(s.index[1])  # the middle day is absent
    e = classify_episodes(s, settings=dataclasses.replace(DEFAULT, episode_merge_gap_days=0))
    assert list(e["level"]) == ["blue", "blue"]
    s2 = aqi_series([210, np.nan, 230])
    e2 = classify_episodes(s2, settings=dataclasses.replace(DEFAULT, episode_merge_gap_days=0))
    assert len(e2) == 2


# --------------------------------------------------------------------------- Beijing schemes
@pytest.mark.parametrize(
    "values, level",
    [
        ([180], None),  # one 中度 day
        ([180, 160], "yellow"),  # 2 days 中度
        ([201], "yellow"),  # 1 day 重度
        ([180, 160, 170], "orange"),  # 3 days 中度
        ([201, 160, 220], "orange"),  # 2 days 重度
        ([201, 250, 290], "orange"),  # 3 days 重度 but none 严重
        ([201, 250, 301], "red"),
    ],
)
def test_beijing_2023_levels(values, level):
    e = classify_episodes(aqi_series([100, *values, 100]), scheme="beijing-2023")
    if level is None:
        assert e.empty
    else:
        assert len(e) == 1 and e.loc[0, "level"] == level


def test_beijing_2018_orange_and_configurable_unverified_parts():
    assert classify_episodes(aqi_series([201, 210, 220]), "beijing-2018").loc[0, "level"] == "orange"
    assert classify_episodes(aqi_series([201, 210]), "beijing-2018").loc[0, "level"] == "yellow"
    base = SCHEMES["beijing-2018"]
    custom = AlertScheme(
        name="beijing-2018-local",
        episode_threshold=base.episode_threshold,
        criteria={**base.criteria, "yellow": [{200: 1, 300: 1}]},
    )
    e = classify_episodes(aqi_series([201, 210]), custom)
    assert e.loc[0, "level"] == "blue"
    assert "UNVERIFIED" in base.certainty["yellow"]


def test_frame_input_and_errors():
    df = pd.DataFrame({"date": pd.date_range("2016-12-01", periods=3), "aqi": [201, 202, 50]})
    assert classify_episodes(df).loc[0, "level"] == "yellow"
    with pytest.raises(InputDataError, match="unknown scheme"):
        classify_episodes(df, scheme="nowhere")
    with pytest.raises(InputDataError, match="one unit"):
        classify_episodes(pd.concat([df, df]))
    with pytest.raises(InputDataError, match="unknown alert level"):
        AlertScheme("x", 200, {"purple": [{200: 1}]})


def test_reduction_ratios_table():
    r = reduction_ratios().set_index("level")
    assert r.loc["yellow", "min_reduction_pct"] == 10
    assert r.loc["orange", "min_reduction_pct"] == 20
    assert r.loc["red", "min_reduction_pct"] == 30
    assert r.loc["red", "预警级别"] == "红色预警"
