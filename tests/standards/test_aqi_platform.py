"""The two hourly AQI rules of ``airlib.standards.aqi.hourly_aqi`` on constructed hours.

``rule="platform"``: the national platform's real-time release (1-h PM on the 24-h breakpoints,
1-h SO2/NO2/CO/O3 on the 1-h breakpoints, no 8-h O3; standards.md §1.4, [CNEMC-RT-2022]).
``rule="standard"``: airlib's reading of HJ 633—2012 §5.1.3 (24-h PM means, 8-h O3).
Expected IAQIs are worked out by hand in the comments (HJ 633—2012 Table 1, eq. (1), ceiling).
"""

from __future__ import annotations

import pandas as pd
import pytest

from airlib.errors import InputDataError
from airlib.standards.aqi import HOURLY_RULES, hourly_aqi


def _hour(time: str = "2022-01-10 08:00", **values: float) -> pd.DataFrame:
    return pd.DataFrame({"time": pd.to_datetime([time]), **{k: [float(v)] for k, v in values.items()}})


def test_rules_named_and_platform_is_default() -> None:
    assert HOURLY_RULES == ("platform", "standard")
    h = _hour(pm25=80, pm25_24h=40, pm10=60, pm10_24h=100, no2=50)
    assert hourly_aqi(h)["aqi"].tolist() == hourly_aqi(h, rule="platform")["aqi"].tolist()


def test_rules_differ_in_aqi_and_primary() -> None:
    h = _hour(pm25=80, pm25_24h=40, pm10=60, pm10_24h=100, so2=10, no2=50, co=0.5, o3=20, o3_8h=30)
    p = hourly_aqi(h, rule="platform").iloc[0]
    # 1-h PM2.5 80 on the 24-h breakpoints 75–115 → 100 + 50·5/40 = 106.25 → 107
    # 1-h PM10 60 on 50–150 → 50 + 50·10/100 = 55; NO2 1 h 50 → 25
    assert p["iaqi_pm25"] == 107 and p["iaqi_pm10"] == 55 and p["iaqi_no2"] == 25
    assert p["aqi"] == 107 and p["primary_pollutant"] == "PM2.5" and p["category"] == "轻度污染"
    assert "iaqi_pm25_24h" not in p.index and "iaqi_o3_8h" not in p.index
    s = hourly_aqi(h, rule="standard").iloc[0]
    # 24-h PM2.5 40 → 50 + 50·5/40 = 56.25 → 57; 24-h PM10 100 → 75
    assert s["iaqi_pm25_24h"] == 57 and s["iaqi_pm10_24h"] == 75
    assert pd.isna(s["iaqi_pm25"])  # 1-h PM has no 2012 breakpoints under the standard's text
    assert s["aqi"] == 75 and s["primary_pollutant"] == "PM10" and s["category"] == "良"


def test_o3_1h_versus_8h() -> None:
    h = _hour("2022-06-20 16:00", o3=150, o3_8h=200, no2=20, pm25=10, pm10=20)
    p = hourly_aqi(h, rule="platform").iloc[0]
    # O3 1 h 150 → 150·50/160 = 46.875 → 47; the 8-h O3 does not enter
    assert p["iaqi_o3"] == 47 and p["aqi"] == 47 and p["primary_pollutant"] == ""
    s = hourly_aqi(h, rule="standard").iloc[0]
    # O3 8 h 200 on 160–215 (IAQI 100–150) → 100 + 50·40/55 = 136.36 → 137
    assert s["iaqi_o3_8h"] == 137 and s["aqi"] == 137 and s["primary_pollutant"] == "O3"
    # one µg/m³ over the 1-h breakpoint 160 the platform AQI leaves 优
    p2 = hourly_aqi(_hour("2022-06-20 16:00", o3=161), rule="platform").iloc[0]
    assert p2["iaqi_o3"] == 52 and p2["primary_pollutant"] == "O3"  # 50 + 50·1/40 = 51.25 → 52


def test_tied_primary_pollutants_all_listed() -> None:
    # PM2.5 1 h 75 → 100, PM10 1 h 150 → 100, NO2 1 h 200 → 100: three-way tie
    h = _hour(pm25=75, pm10=150, no2=200, so2=5, co=0.3, o3=30)
    p = hourly_aqi(h, rule="platform").iloc[0]
    assert p["aqi"] == 100 and p["primary_pollutant"] == "PM2.5,PM10,NO2"
    # the tie is broken when one value moves by 1 µg/m³
    h2 = _hour(pm25=76, pm10=150, no2=200)
    assert hourly_aqi(h2, rule="platform")["primary_pollutant"].iloc[0] == "PM2.5"


def test_so2_over_800_2012_note_under_platform_rule() -> None:
    h = pd.concat([_hour(so2=900, so2_24h=100, no2=10), _hour(so2=800, so2_24h=100, no2=10)], ignore_index=True)
    p = hourly_aqi(h, rule="platform")
    # 900 > 800: no 1-h IAQI, the 24-h SO2 IAQI 50 + 50·50/100 = 75 is reported
    assert p["iaqi_so2"].isna().tolist() == [True, False]
    assert p["iaqi_so2_24h"].iloc[0] == 75 and p["aqi"].iloc[0] == 75
    # exactly 800 is still on the table: 1-h breakpoints 650–800 → 200
    assert p["iaqi_so2"].iloc[1] == 200 and p["aqi"].iloc[1] == 200


def test_2026_rows_agree_under_both_rules() -> None:
    h = pd.DataFrame(
        {
            "time": pd.to_datetime(["2026-03-01 00:00", "2026-07-01 15:00"]),
            "pm25": [80.0, 20.0],
            "pm25_24h": [40.0, 20.0],
            "pm10": [60.0, 40.0],
            "pm10_24h": [100.0, 40.0],
            "o3": [20.0, 150.0],
            "o3_8h": [30.0, 200.0],
            "no2": [50.0, 20.0],
        }
    )
    p = hourly_aqi(h, rule="platform")
    s = hourly_aqi(h, rule="standard")
    assert p["aqi"].tolist() == s["aqi"].tolist()
    assert p["primary_pollutant"].tolist() == s["primary_pollutant"].tolist()
    # HJ 633—2026 PM2.5 daily breakpoints 60–115: 80 → 100 + 50·20/55 = 118.18 → 119
    assert p["aqi"].iloc[0] == 119


def test_2012_platform_switches_to_2026_at_midnight() -> None:
    h = pd.DataFrame({"time": pd.to_datetime(["2026-02-28 23:00", "2026-03-01 00:00"]), "pm25": [75.0, 75.0]})
    # 2012 24-h breakpoints: 75 → 100; 2026: 75 → 100 + 50·15/55 = 113.6 → 114
    assert hourly_aqi(h, rule="platform")["aqi"].tolist() == [100, 114]


def test_unknown_rule_is_an_input_error() -> None:
    with pytest.raises(InputDataError, match="platform"):
        hourly_aqi(_hour(pm25=10), rule="published")  # type: ignore[arg-type]
