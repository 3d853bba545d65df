"""Tests of airlib.tracking.aggregation (station → town → district)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airlib.tracking.aggregation import aggregate_daily
from airlib.errors import InputDataError
from airlib.standards.validity import daily_statistics, monthly_statistics

STATIONS = pd.DataFrame(
    {"station": ["A", "B", "C"], "town_code": ["110109001", "110109001", "110109002"]}
)
TOWNS = pd.DataFrame(
    {
        "town_code": ["110109001", "110109002", "110108001"],
        "town_name": ["大峪街道", "城子街道", "万寿路街道"],
        "district_code": ["110109", "110109", "110108"],
        "district_name": ["门头沟区", "门头沟区", "海淀区"],
    }
)


def station_daily(rows):
    """rows: (station, date, pm25, pm25_valid, o3_8h, o3_8h_valid)."""
    df = pd.DataFrame(rows, columns=["station", "date", "pm25", "pm25_valid", "o3_8h",
                                     "o3_8h_valid"])
    df["date"] = pd.to_datetime(df["date"])
    # like daily_statistics: the value is NaN unless valid
    for c in ("pm25", "o3_8h"):
        df.loc[~df[f"{c}_valid"], c] = np.nan
    return df


DAILY = station_daily(
    [
        ("A", "2016-01-01", 10.0, True, 100.0, True),
        ("B", "2016-01-01", 999.0, False, 120.0, True),  # B's PM2.5 invalid
        ("C", "2016-01-01", 30.0, False, 80.0, False),  # C entirely invalid
        ("A", "2016-01-02", 10.0, True, 100.0, True),
        ("B", "2016-01-02", 20.0, True, 140.0, True),
        ("C", "2016-01-02", 60.0, True, 90.0, True),
    ]
)


def test_town_mean_of_valid_station_values_with_one_station_invalid():
    t = aggregate_daily(DAILY, STATIONS, level="town").set_index(["town_code", "date"])
    r = t.loc[("110109001", pd.Timestamp("2016-01-01"))]
    assert r["pm25"] == 10.0 and r["pm25_valid"] and r["pm25_n_valid_stations"] == 1
    assert r["n_stations"] == 2
    assert r["o3_8h"] == pytest.approx(110.0) and r["o3_8h_n_valid_stations"] == 2
    r = t.loc[("110109001", pd.Timestamp("2016-01-02"))]
    assert r["pm25"] == pytest.approx(15.0) and r["pm25_n_valid_stations"] == 2
    r = t.loc[("110109002", pd.Timestamp("2016-01-01"))]
    assert np.isnan(r["pm25"]) and not r["pm25_valid"] and r["pm25_n_valid_stations"] == 0
    assert r["n_stations"] == 1


def test_value_with_false_flag_is_never_used_even_if_not_nan():
    d = DAILY.copy()
    d.loc[1, "pm25"] = 999.0  # flag still False
    t = aggregate_daily(d, STATIONS).set_index(["town_code", "date"])
    assert t.loc[("110109001", pd.Timestamp("2016-01-01")), "pm25"] == 10.0


def test_district_mean_over_stations_and_town_alternative():
    dd = aggregate_daily(DAILY, STATIONS, level="district", towns=TOWNS)
    assert list(dd["district_code"].unique()) == ["110109"]
    day2 = dd.set_index("date").loc[pd.Timestamp("2016-01-02")]
    assert day2["pm25"] == pytest.approx((10 + 20 + 60) / 3)
    assert day2["pm25_n_valid_stations"] == 3 and day2["n_stations"] == 3
    alt = aggregate_daily(DAILY, STATIONS, level="district", towns=TOWNS,
                          district_method="towns").set_index("date")
    assert alt.loc[pd.Timestamp("2016-01-02"), "pm25"] == pytest.approx((15 + 60) / 2)
    assert alt.loc[pd.Timestamp("2016-01-02"), "pm25_n_valid_towns"] == 2
    # day 1: only A valid for PM2.5 -> 10 either way
    assert alt.loc[pd.Timestamp("2016-01-01"), "pm25"] == 10.0
    assert dd.set_index("date").loc[pd.Timestamp("2016-01-01"), "pm25"] == 10.0


def test_unknown_station_or_town_raises():
    d = pd.concat([DAILY, DAILY.iloc[[0]].assign(station="Z")])
    with pytest.raises(InputDataError, match="Z"):
        aggregate_daily(d, STATIONS)
    with pytest.raises(InputDataError, match="towns"):
        aggregate_daily(DAILY, STATIONS, level="district")
    towns = TOWNS[TOWNS["town_code"] != "110109002"]
    with pytest.raises(InputDataError, match="110109002"):
        aggregate_daily(DAILY, STATIONS, level="district", towns=towns)


def test_town_output_feeds_monthly_statistics_unchanged():
    hours = pd.date_range("2016-02-01", "2016-02-29 23:00", freq="h")
    rng = np.random.default_rng(0)
    frames = []
    for s in ("A", "B", "C"):
        x = rng.uniform(5, 80, len(hours))
        if s == "A":
            x[: 24 * 6] = np.nan  # A has only 23 valid days; B covers its town
        if s == "C":
            x[: 24 * 5] = np.nan  # C alone: 24 valid days -> February invalid
        frames.append(pd.DataFrame({"station": s, "time": hours, "pm25": x}))
    daily = daily_statistics(pd.concat(frames), pollutants=["pm25"])
    town = aggregate_daily(daily, STATIONS)
    m = monthly_statistics(town).set_index("town_code")
    assert m.loc["110109001", "pm25_n"] == 29 and m.loc["110109001", "pm25_valid"]
    assert m.loc["110109002", "pm25_n"] == 24 and not m.loc["110109002", "pm25_valid"]
    # the town mean equals the mean of its valid station daily means
    d = daily.pivot(index="date", columns="station", values="pm25")
    expected = d[["A", "B"]].mean(axis=1).mean()
    assert m.loc["110109001", "pm25"] == pytest.approx(expected)
