"""Arithmetic of the monthly town summary on tiny hand-made frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airlib.errors import InputDataError
from airlib.tracking.summary import SUMMARY_COLUMNS, month_summary, summary_table

TOWNS = pd.DataFrame(
    {
        "town_code": pd.array(["110109001", "110109002", "110109003", "110109004"], dtype="string"),
        "town_name": pd.array(["大峪街道", "城子街道", "东辛房街道", "大台街道"], dtype="string"),
        "district_code": pd.array(["110109"] * 4, dtype="string"),
    }
)
STATIONS = pd.DataFrame(
    {
        "station": pd.array(["S1", "S2", "S3", "S4"], dtype="string"),
        "town_code": pd.array(["110109001", "110109002", "110109002", "110109004"], dtype="string"),
    }
)


def _hourly(daily_pm25: dict[str, list[float]], start: str) -> pd.DataFrame:
    """Hourly frame with 24 equal hours per day (NaN day = 24 missing hours)."""
    frames = []
    for st, values in daily_pm25.items():
        v = np.repeat(np.asarray(values, float), 24)
        t = pd.date_range(start, periods=len(v), freq="h")
        f = pd.DataFrame({"station": pd.array([st] * len(v), dtype="string"), "time": t, "pm25": v})
        frames.append(f)
    h = pd.concat(frames, ignore_index=True)
    for c in ("pm10", "so2", "no2", "co", "o3", "temp", "pres", "dewp", "rain", "wspm"):
        h[c] = np.nan
    h["wd"] = pd.array([None] * len(h), dtype="string")
    return h


@pytest.fixture(scope="module")
def feb_2017():
    nan = float("nan")
    data = {
        # town 001: 10 优 (30), 10 良 (60), 4 重度 (200), 4 missing days -> 24 valid < 25: invalid
        "S1": [30] * 10 + [60] * 10 + [200] * 4 + [nan] * 4,
        # town 002: two stations, 100 and 120 -> town mean 110 every day (轻度)
        "S2": [100] * 28,
        "S3": [120] * 28,
        # town 004: 14 days at 34, 14 at 35 -> mean 34.5 -> GB/T 8170 -> 34 (not 35)
        "S4": [34] * 14 + [35] * 14,
    }
    return month_summary(_hourly(data, "2017-02-01"), STATIONS, TOWNS, "2017-02")


def test_columns_and_rows(feb_2017):
    assert tuple(feb_2017.columns) == SUMMARY_COLUMNS
    assert feb_2017["镇街代码"].tolist() == TOWNS["town_code"].tolist()


def test_category_counts_and_heavy_days(feb_2017):
    a = feb_2017.set_index("镇街代码").loc["110109001"]
    assert (a["优"], a["良"], a["轻度污染"], a["中度污染"], a["重度污染"], a["严重污染"]) == (10, 10, 0, 0, 4, 0)
    assert a["重污染天数"] == 4
    b = feb_2017.set_index("镇街代码").loc["110109002"]
    assert b["轻度污染"] == 28 and b["重污染天数"] == 0


def test_invalid_month_has_no_mean_and_a_remark(feb_2017):
    a = feb_2017.set_index("镇街代码").loc["110109001"]
    assert a["有效天数"] == 24
    assert np.isnan(a["PM2.5月均值"])
    assert "25" in a["备注"]  # February needs 25 valid days


def test_valid_mean_and_gbt8170_rounding(feb_2017):
    t = feb_2017.set_index("镇街代码")
    assert t.loc["110109002", "PM2.5月均值"] == 110.0 and t.loc["110109002", "有效天数"] == 28
    assert t.loc["110109004", "PM2.5月均值"] == 34.0  # 34.5 rounds half to even
    # only PM2.5 is measured: the 2012 categories come from PM2.5 alone, and the remark says so
    assert t.loc["110109004", "备注"] == "缺少 PM10/SO2/NO2/CO/O3，AQI类别仅按其余污染物计"
    assert t.loc["110109001", "备注"] == "有效天数不足（2月须≥25天）；缺少 PM10/SO2/NO2/CO/O3，AQI类别仅按其余污染物计"


def test_town_without_stations_is_listed_empty(feb_2017):
    c = feb_2017.set_index("镇街代码").loc["110109003"]
    assert np.isnan(c["PM2.5月均值"]) and c["有效天数"] == 0
    assert c[["优", "良", "轻度污染", "中度污染", "重度污染", "严重污染", "重污染天数"]].sum() == 0
    assert c["备注"] == "无站点"  # not 有效天数不足: there is nothing to be valid


def _all_pollutants(h: pd.DataFrame, **values: float) -> pd.DataFrame:
    h = h.copy()
    for c, v in values.items():
        h[c] = v
    return h


def test_complete_town_has_no_remark_and_town_without_data_says_so():
    h = _all_pollutants(_hourly({"S4": [30] * 31}, "2018-01-01"), pm10=40, so2=5, no2=20, co=0.5, o3=50)
    out = month_summary(h, STATIONS, TOWNS, "2018-01").set_index("镇街代码")
    assert out.loc["110109004", "备注"] == "" and out.loc["110109004", "优"] == 31
    # 001 and 002 have stations but no rows at all this month
    assert out.loc["110109001", "备注"] == "本月无有效监测数据"
    assert out.loc["110109002", "备注"] == "本月无有效监测数据"
    assert out.loc["110109003", "备注"] == "无站点"


def test_missing_o3_co_under_hj633_2026_says_why_no_categories():
    # 2026 rows: an AQI with a missing pollutant is published only when > 100 (§5.3.1)
    h = _all_pollutants(_hourly({"S4": [50] * 30}, "2026-04-01"), pm10=60, so2=5, no2=20)
    out = month_summary(h, STATIONS, TOWNS, "2026-04").set_index("镇街代码")
    row = out.loc["110109004"]
    assert row[["优", "良", "轻度污染", "中度污染", "重度污染", "严重污染"]].sum() == 0
    assert row["备注"] == "缺少 CO/O3，无法计算AQI类别"
    # one day above AQI 100 is published: categories exist, computed from the other pollutants
    h = _all_pollutants(_hourly({"S4": [50] * 29 + [200]}, "2026-04-01"), pm10=60, so2=5, no2=20)
    row = month_summary(h, STATIONS, TOWNS, "2026-04").set_index("镇街代码").loc["110109004"]
    assert row["重度污染"] == 1 and row["备注"] == "缺少 CO/O3，AQI类别仅按其余污染物计"


def test_missing_pollutant_needs_zero_valid_days():
    h = _all_pollutants(_hourly({"S4": [30] * 31}, "2018-01-01"), pm10=40, so2=5, no2=20, co=0.5, o3=50)
    h.loc[h["time"] < "2018-01-31", "co"] = np.nan  # CO valid on one day only: not "missing"
    out = month_summary(h, STATIONS, TOWNS, "2018-01").set_index("镇街代码")
    assert out.loc["110109004", "备注"] == ""
    h.loc[:, "co"] = np.nan
    out = month_summary(h, STATIONS, TOWNS, "2018-01").set_index("镇街代码")
    assert out.loc["110109004", "备注"] == "缺少 CO，AQI类别仅按其余污染物计"


def test_summary_table_remarks_without_registry_information_are_unchanged():
    daily = pd.DataFrame({"town_code": ["110109004"], "date": [pd.Timestamp("2018-01-01")], "level": [1]})
    monthly = pd.DataFrame({"town_code": ["110109004"], "pm25": [30.0], "pm25_n": [1], "pm25_valid": [False]})
    out = summary_table(daily, monthly, TOWNS, "2018-01").set_index("镇街代码")
    assert out["备注"].tolist() == ["有效天数不足（1月须≥27天）"] * 4


def test_february_25_valid_days_is_enough():
    nan = float("nan")
    h = _hourly({"S4": [50] * 25 + [nan] * 3}, "2017-02-01")
    out = month_summary(h, STATIONS, TOWNS, "2017-02").set_index("镇街代码")
    assert out.loc["110109004", "有效天数"] == 25 and out.loc["110109004", "PM2.5月均值"] == 50.0
    h = _hourly({"S4": [50] * 24 + [nan] * 4}, "2017-02-01")
    out = month_summary(h, STATIONS, TOWNS, "2017-02").set_index("镇街代码")
    assert np.isnan(out.loc["110109004", "PM2.5月均值"])


def test_day_with_19_valid_hours_is_not_a_valid_day():
    h = _hourly({"S4": [40] * 31}, "2017-01-01")
    day = h["time"].dt.day == 31
    h.loc[day & (h["time"].dt.hour < 5), "pm25"] = np.nan  # 19 valid hours on Jan 31
    out = month_summary(h, STATIONS, TOWNS, "2017-01").set_index("镇街代码")
    assert out.loc["110109004", "有效天数"] == 30


def test_published_precision_from_2024_is_one_decimal():
    daily = pd.DataFrame({"town_code": ["110109004"], "date": [pd.Timestamp("2024-03-01")], "level": [1]})
    monthly = pd.DataFrame({"town_code": ["110109004"], "pm25": [34.25], "pm25_n": [31], "pm25_valid": [True]})
    out = summary_table(daily, monthly, TOWNS, "2024-03").set_index("镇街代码")
    assert out.loc["110109004", "PM2.5月均值"] == 34.2  # half to even at 1 decimal
    monthly["pm25"] = 34.35
    out = summary_table(daily, monthly, TOWNS, "2024-03").set_index("镇街代码")
    assert out.loc["110109004", "PM2.5月均值"] == 34.4


def test_days_outside_the_month_are_ignored():
    daily = pd.DataFrame({"town_code": ["110109004"] * 2,
                          "date": [pd.Timestamp("2017-02-28"), pd.Timestamp("2017-03-01")],
                          "level": [5, 6]})
    monthly = pd.DataFrame({"town_code": ["110109004"], "pm25": [np.nan], "pm25_n": [1], "pm25_valid": [False]})
    out = summary_table(daily, monthly, TOWNS, "2017-02").set_index("镇街代码")
    assert out.loc["110109004", "重度污染"] == 1 and out.loc["110109004", "严重污染"] == 0
    assert out.loc["110109004", "重污染天数"] == 1


def test_bad_input():
    with pytest.raises(InputDataError):
        summary_table(pd.DataFrame({"town_code": []}), pd.DataFrame(), TOWNS, "2017-02")
    with pytest.raises(InputDataError):
        month_summary(_hourly({"S4": [1.0]}, "2017-01-01"), STATIONS, TOWNS, "2017-13")
    with pytest.raises(InputDataError):
        month_summary(_hourly({"S4": [1.0]}, "2017-01-01"), STATIONS, TOWNS, "2017-03")
