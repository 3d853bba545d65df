"""Tests of airlib.standards.aqi against HJ 633—2012 / HJ 633—2026.

The breakpoint tables below are typed independently from standards.md §1.1 (not imported
from airlib), and the expected IAQIs are computed here with exact rational arithmetic.
"""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings as hsettings
from hypothesis import strategies as st

from airlib.standards.aqi import (
    CATEGORY_COLOURS,
    LEVEL_COLOURS,
    AqiCategory,
    category_of,
    daily_aqi,
    exceeding_pollutants,
    hourly_aqi,
    iaqi,
    primary_pollutants,
    standard_for,
)
from airlib.errors import InputDataError
from airlib.settings import DEFAULT

V12, V26 = "HJ633-2012", "HJ633-2026"
LEVELS = [0, 50, 100, 150, 200, 300, 400, 500]

# standards.md §1.1, HJ 633—2012 Table 1 (CO in mg/m³).
TABLE_2012 = {
    ("so2", "24h"): [0, 50, 150, 475, 800, 1600, 2100, 2620],
    ("so2", "1h"): [0, 150, 500, 650, 800],
    ("no2", "24h"): [0, 40, 80, 180, 280, 565, 750, 940],
    ("no2", "1h"): [0, 100, 200, 700, 1200, 2340, 3090, 3840],
    ("pm10", "24h"): [0, 50, 150, 250, 350, 420, 500, 600],
    ("co", "24h"): [0, 2, 4, 14, 24, 36, 48, 60],
    ("co", "1h"): [0, 5, 10, 35, 60, 90, 120, 150],
    ("o3", "1h"): [0, 160, 200, 300, 400, 800, 1000, 1200],
    ("o3", "8h"): [0, 100, 160, 215, 265, 800],
    ("pm25", "24h"): [0, 35, 75, 115, 150, 250, 350, 500],
}
# HJ 633—2026 Table 3: PM10 and PM2.5 daily change, the rest as 2012.
TABLE_2026 = dict(TABLE_2012)
TABLE_2026[("pm10", "24h")] = [0, 50, 120, 250, 350, 420, 500, 600]
TABLE_2026[("pm25", "24h")] = [0, 35, 60, 115, 150, 250, 350, 500]
TABLES = {V12: TABLE_2012, V26: TABLE_2026}


def oracle(c: Fraction, bps: list[int]) -> int | None:
    """Exact eq. (1) + ceiling; None above the end of the column."""
    if c == 0:
        return 0
    for i in range(1, len(bps)):
        if bps[i - 1] < c <= bps[i]:
            val = LEVELS[i - 1] + Fraction(LEVELS[i] - LEVELS[i - 1], bps[i] - bps[i - 1]) * (c - bps[i - 1])
            return math.ceil(val)
    return None


def _cases() -> list[tuple[str, str, str, str, int | None, str]]:
    out = []
    for version, table in TABLES.items():
        for (pol, avg), bps in table.items():
            step = Fraction(1, 10) if pol == "co" else Fraction(1)
            for i, bp in enumerate(bps):
                for delta, tag in ((-step, "below"), (Fraction(0), "at"), (step, "above")):
                    c = bp + delta
                    if c < 0:
                        continue
                    exp = LEVELS[i] if tag == "at" else oracle(c, bps)
                    if exp is None:  # above the end of the column
                        if (pol, avg) == ("so2", "1h"):
                            exp = 200 if version == V26 else None
                        elif (pol, avg) == ("o3", "8h"):
                            exp = 300 if version == V26 else None
                        else:
                            exp = 500  # default above_table="cap"
                    out.append((version, pol, avg, str(float(c)), exp, f"{version}-{pol}_{avg}-{bp}-{tag}"))
    return out


CASES = _cases()


@pytest.mark.parametrize(("version", "pol", "avg", "conc", "expected", "label"), CASES, ids=[c[-1] for c in CASES])
def test_every_breakpoint(version: str, pol: str, avg: str, conc: str, expected: int | None, label: str) -> None:
    got = iaqi(float(conc), pol, avg, version)
    if expected is None:
        assert np.isnan(got)
    else:
        assert got == expected


def test_breakpoint_count() -> None:
    # guard against the case generator silently shrinking
    assert len(CASES) > 400


def test_breakpoints_vectorised_match_scalar() -> None:
    for version, table in TABLES.items():
        for (pol, avg), bps in table.items():
            c = np.array(bps, dtype=float)
            np.testing.assert_array_equal(iaqi(c, pol, avg, version), LEVELS[: len(bps)])


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


def test_float_noise_does_not_bump_ceiling() -> None:
    # 2.2 mg/m³ CO: exact IAQI 55; naive float arithmetic gives 55.000000000000014 → 56
    assert iaqi(2.2, "co", "24h", V12) == 55
    assert iaqi(0.3, "co", "24h", V12) == 8  # 7.5 → 8
    assert iaqi(np.array([2.2, 4.6, 1.2]), "co", "24h", V12).tolist() == [55.0, 103.0, 30.0]


# ---------------------------------------------------------------- 2026 concentration rounding


@pytest.mark.parametrize(
    ("pol", "avg", "conc", "a12", "a26"),
    [
        ("pm25", "24h", 34.5, 50, 49),  # 2026: 34.5 → 34 (even) → 48.57 → 49; 2012: 49.29 → 50
        ("pm25", "24h", 35.5, 51, 52),  # 2026: → 36 → 52; 2012: 50.625 → 51
        ("pm25", "24h", 35.4, 51, 50),  # 2026: → 35 → 50
        ("co", "24h", 2.05, 52, 50),  # 2026: → 2.0 (even) → 50; 2012: 51.25 → 52
        ("co", "24h", 2.15, 54, 55),  # 2026: → 2.2 → 55; 2012: 53.75 → 54
        ("o3", "8h", 100.5, 51, 50),  # 2026: → 100 → 50; 2012: 50.42 → 51
    ],
)
def test_2026_rounds_concentrations(pol: str, avg: str, conc: float, a12: int, a26: int) -> None:
    assert iaqi(conc, pol, avg, V12) == a12
    assert iaqi(conc, pol, avg, V26) == a26


def test_round_concentrations_2012_setting() -> None:
    s = dataclasses.replace(DEFAULT, round_concentrations_2012=True)
    assert iaqi(34.5, "pm25", "24h", V12, settings=s) == 49
    assert iaqi(2.05, "co", "24h", V12, settings=s) == 50


# ---------------------------------------------------------------- special rules


def test_so2_1h_over_800() -> None:
    assert iaqi(800, "so2", "1h", V12) == 200
    assert np.isnan(iaqi(800.1, "so2", "1h", V12))
    assert np.isnan(iaqi(5000, "so2", "1h", V12))
    assert iaqi(800, "so2", "1h", V26) == 200
    assert iaqi(801, "so2", "1h", V26) == 200
    assert iaqi(5000, "so2", "1h", V26) == 200


def test_over_800_with_2026_rounding() -> None:
    assert np.isnan(iaqi(800.4, "so2", "1h", V12))
    assert iaqi(800.4, "so2", "1h", V26) == 200  # rounds to 800 → top breakpoint 200
    assert iaqi(799.6, "so2", "1h", V26) == 200
    assert iaqi(799.4, "so2", "1h", V26) == 200  # 799 → 199.33 → 200
    assert iaqi(701, "so2", "1h", V26) == 167  # 150 + 50×51/150 = 167
    assert iaqi(np.array([900.0, 500.0]), "so2", "1h", [V12, V26]).tolist()[1] == 100


def test_o3_8h_over_800() -> None:
    assert iaqi(800, "o3", "8h", V12) == 300
    assert np.isnan(iaqi(801, "o3", "8h", V12))
    assert iaqi(801, "o3", "8h", V26) == 300
    assert iaqi(2000, "o3", "8h", V26) == 300
    # the over-800 rules are not affected by above_table
    s = dataclasses.replace(DEFAULT, above_table="extrapolate")
    assert iaqi(2000, "o3", "8h", V26, settings=s) == 300
    assert np.isnan(iaqi(2000, "o3", "8h", V12, settings=s))


@pytest.mark.parametrize("version", [V12, V26])
def test_above_table_modes(version: str) -> None:
    cap = dataclasses.replace(DEFAULT, above_table="cap")
    ext = dataclasses.replace(DEFAULT, above_table="extrapolate")
    nan = dataclasses.replace(DEFAULT, above_table="nan")
    for s in (cap, ext, nan):  # the top breakpoint itself is 500 in every mode
        assert iaqi(500, "pm25", "24h", version, settings=s) == 500
    assert iaqi(600, "pm25", "24h", version, settings=cap) == 500
    assert iaqi(600, "pm25", "24h", version) == 500  # default is cap
    # last segment 350→500 µg/m³ = 400→500: 400 + 100 × 250/150 = 566.67 → 567
    assert iaqi(600, "pm25", "24h", version, settings=ext) == 567
    assert np.isnan(iaqi(600, "pm25", "24h", version, settings=nan))
    # CO 24 h: 48→60 = 400→500; 72 → 600
    assert iaqi(72, "co", "24h", version, settings=ext) == 600
    assert iaqi(72, "co", "24h", version, settings=cap) == 500


def test_bad_above_table_setting() -> None:
    s = dataclasses.replace(DEFAULT, above_table="bogus")  # type: ignore[arg-type]
    with pytest.raises(InputDataError):
        iaqi(600, "pm25", "24h", V12, settings=s)


# ---------------------------------------------------------------- input handling


def test_negative_raises_naming_column() -> None:
    with pytest.raises(InputDataError, match="pm25"):
        iaqi(pd.Series([10.0, -1.0], name="pm25"), "pm25", "24h", V12)
    d = pd.DataFrame({"date": pd.to_datetime(["2025-01-01"] * 2), "no2": [10.0, -0.5]})
    with pytest.raises(InputDataError) as info:
        daily_aqi(d)
    assert info.value.column == "no2"


def test_nan_passes() -> None:
    got = iaqi(pd.Series([np.nan, 35.0], index=[3, 4]), "pm25", "24h", V12)
    assert got.index.tolist() == [3, 4]
    assert np.isnan(got.iloc[0]) and got.iloc[1] == 50


def test_unknown_indicator_and_version() -> None:
    with pytest.raises(InputDataError):
        iaqi(10, "pm25", "1h", V12)
    with pytest.raises(InputDataError):
        iaqi(10, "pm25", "24h", "HJ633-1999")


def test_per_row_version() -> None:
    got = iaqi(np.array([75.0, 75.0]), "pm25", "24h", [V12, V26])
    assert got.tolist() == [100.0, 114.0]


# ---------------------------------------------------------------- versions


def test_standard_for_switch() -> None:
    assert standard_for("2026-02-28 23:00") == V12
    assert standard_for("2026-02-28 23:59:59") == V12
    assert standard_for("2026-03-01 00:00") == V26
    assert standard_for("2013-01-01") == V12
    s = pd.Series(pd.to_datetime(["2026-02-28 23:00", "2026-03-01 00:00"]), index=["a", "b"])
    got = standard_for(s)
    assert got.tolist() == [V12, V26] and got.index.tolist() == ["a", "b"]
    with pytest.raises(InputDataError):
        standard_for(pd.NaT)


def test_hourly_switch_at_midnight() -> None:
    h = pd.DataFrame(
        {
            "time": pd.to_datetime(["2026-02-28 23:00", "2026-03-01 00:00"]),
            "pm25": [75.0, 75.0],
            "pm25_24h": [75.0, 75.0],
        }
    )
    out = hourly_aqi(h, rule="standard")
    assert out["aqi"].tolist() == [100, 114]
    assert out["iaqi_pm25_24h"].isna().tolist() == [False, True]
    assert out["iaqi_pm25"].isna().tolist() == [True, False]


# ---------------------------------------------------------------- categories


@pytest.mark.parametrize(
    ("aqi", "level", "cat", "colour"),
    [
        (0, 1, "优", "#00E400"),
        (1, 1, "优", "#00E400"),
        (50, 1, "优", "#00E400"),
        (51, 2, "良", "#FFFF00"),
        (100, 2, "良", "#FFFF00"),
        (101, 3, "轻度污染", "#FF7E00"),
        (150, 3, "轻度污染", "#FF7E00"),
        (151, 4, "中度污染", "#FF0000"),
        (200, 4, "中度污染", "#FF0000"),
        (201, 5, "重度污染", "#99004C"),
        (300, 5, "重度污染", "#99004C"),
        (301, 6, "严重污染", "#7E0023"),
        (500, 6, "严重污染", "#7E0023"),
        (567, 6, "严重污染", "#7E0023"),
    ],
)
def test_category_boundaries(aqi: int, level: int, cat: str, colour: str) -> None:
    c = category_of(aqi)
    assert isinstance(c, AqiCategory)
    assert (c.level, c.category, c.colour) == (level, cat, colour)
    frame = category_of(pd.Series([aqi], dtype="Int64"))
    assert frame["level"].iloc[0] == level and frame["category"].iloc[0] == cat


def test_category_frame_fields() -> None:
    f = category_of(pd.Series([10, None, 250], dtype="Int64", index=[7, 8, 9]))
    assert f.index.tolist() == [7, 8, 9]
    assert f["level"].dtype == "Int64"
    assert f["level_name"].tolist()[::2] == ["一级", "五级"]
    assert f["colour_name"].tolist()[::2] == ["绿", "紫"]
    assert f.iloc[1].isna().all()
    assert category_of([101, 301])["category"].tolist() == ["轻度污染", "严重污染"]


def test_colour_mapping_from_rgb() -> None:
    rgb = [(0, 228, 0), (255, 255, 0), (255, 126, 0), (255, 0, 0), (153, 0, 76), (126, 0, 35)]
    hexes = ["#{:02X}{:02X}{:02X}".format(*c) for c in rgb]
    assert list(CATEGORY_COLOURS) == ["优", "良", "轻度污染", "中度污染", "重度污染", "严重污染"]
    assert list(CATEGORY_COLOURS.values()) == hexes
    assert [LEVEL_COLOURS[i] for i in range(1, 7)] == hexes


# ---------------------------------------------------------------- primary / exceeding


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"iaqi_pm25": 150, "iaqi_pm10": 150, "iaqi_no2": 80}, "PM2.5,PM10"),
        ({"iaqi_o3_8h": 120, "iaqi_pm10": 120, "iaqi_pm25": 120}, "PM2.5,PM10,O3"),
        ({"iaqi_no2": 60, "iaqi_so2": 60, "iaqi_pm25": 30}, "SO2,NO2"),
        ({"iaqi_pm25": 50, "iaqi_pm10": 50}, ""),  # AQI exactly 50: no primary pollutant
        ({"iaqi_pm25": 51, "iaqi_pm10": 50}, "PM2.5"),
        ({"iaqi_o3_1h": 120, "iaqi_o3_8h": 120, "iaqi_co": 120}, "CO,O3"),  # O3 listed once
        ({"iaqi_pm25": np.nan, "iaqi_pm10": 70}, "PM10"),
        ({"iaqi_pm25": np.nan, "iaqi_pm10": np.nan}, ""),
    ],
)
def test_primary_pollutants(row: dict[str, float], expected: str) -> None:
    frame = pd.DataFrame([row])
    assert primary_pollutants(frame).iloc[0] == expected


def test_primary_uses_given_aqi() -> None:
    frame = pd.DataFrame({"iaqi_pm25": [90, 90]})
    got = primary_pollutants(frame, aqi=pd.Series([90, None], dtype="Int64"))
    assert got.tolist() == ["PM2.5", ""]


def test_exceeding_pollutants() -> None:
    frame = pd.DataFrame({"iaqi_pm25": [101, 100, 150], "iaqi_no2": [101, 20, 99], "iaqi_o3_8h": [5, 100, 200]})
    assert exceeding_pollutants(frame).tolist() == ["PM2.5,NO2", "", "PM2.5,O3"]


# ---------------------------------------------------------------- daily report


def _day(date: str, **cols: float) -> dict[str, object]:
    return {"date": pd.Timestamp(date), **cols}


def test_daily_2026_missing_rule() -> None:
    d = pd.DataFrame(
        [
            # PM2.5 missing; PM10 100 µg/m³ (2026: 50 + 50×50/70 = 85.7 → 86) ≤ 100 → NA
            _day("2026-03-05", pm25=np.nan, pm10=100.0, no2=20.0),
            # PM2.5 missing; PM10 250 → 150 > 100 → published
            _day("2026-03-05", pm25=np.nan, pm10=250.0, no2=20.0),
            # complete, AQI 86
            _day("2026-03-05", pm25=10.0, pm10=100.0, no2=20.0),
            # 2012 row, PM2.5 missing: PM10 100 → 75 kept, flagged
            _day("2026-02-05", pm25=np.nan, pm10=100.0, no2=20.0),
        ]
    )
    out = daily_aqi(d)
    assert out["aqi"].isna().iloc[0]
    assert out["aqi"].iloc[1] == 150
    assert out["aqi"].iloc[2] == 86
    assert out["aqi"].iloc[3] == 75
    assert out["aqi_incomplete"].tolist() == [True, True, False, True]
    # IAQIs are still published when the AQI is NA
    assert out["iaqi_pm10"].iloc[0] == 86
    assert out["primary_pollutant"].tolist() == ["", "PM10", "PM10", "PM10"]
    assert out["category"].isna().iloc[0] and out["category"].iloc[1] == "轻度污染"


def test_daily_2026_missing_rule_aqi_90_and_150() -> None:
    # NO2 24h 1.5 × the ... : build AQI 90 and 150 from one pollutant with PM2.5 missing
    d = pd.DataFrame(
        [
            _day("2026-04-01", pm25=np.nan, no2=72.0),  # 50 + 50×32/40 = 90
            _day("2026-04-01", pm25=np.nan, no2=180.0),  # 150
        ]
    )
    out = daily_aqi(d)
    assert out["iaqi_no2"].tolist() == [90, 150]
    assert out["aqi"].isna().tolist() == [True, False]
    assert out["aqi"].iloc[1] == 150


@pytest.mark.parametrize(
    ("rule", "expected"),
    [("keep", [90, 90]), ("na", [None, None]), ("over_100", [None, None]), ("auto", [90, None])],
)
def test_missing_rule_keyword(rule: str, expected: list[int | None]) -> None:
    d = pd.DataFrame([_day("2026-02-01", pm25=np.nan, no2=72.0), _day("2026-04-01", pm25=np.nan, no2=72.0)])
    out = daily_aqi(d, missing_rule=rule)  # type: ignore[arg-type]
    got = [None if pd.isna(v) else int(v) for v in out["aqi"]]
    assert got == expected


def test_missing_rule_invalid() -> None:
    with pytest.raises(InputDataError):
        daily_aqi(pd.DataFrame([_day("2026-02-01", no2=72.0)]), missing_rule="bogus")  # type: ignore[arg-type]


def test_absent_column_is_not_missing() -> None:
    d = pd.DataFrame([_day("2026-04-01", no2=72.0)])
    out = daily_aqi(d)
    assert out["aqi"].iloc[0] == 90
    assert not out["aqi_incomplete"].iloc[0]
    assert "iaqi_pm25" not in out.columns


def test_all_missing() -> None:
    d = pd.DataFrame([_day("2025-04-01", pm25=np.nan, no2=np.nan)])
    out = daily_aqi(d)
    assert out["aqi"].isna().iloc[0] and out["aqi_incomplete"].iloc[0]
    assert out["primary_pollutant"].iloc[0] == "" and out["level"].isna().iloc[0]


def test_daily_o3_1h_only_in_2012() -> None:
    d = pd.DataFrame(
        [
            _day("2026-02-28", pm25=10.0, o3_8h=100.0, o3_1h=300.0),  # O3 1 h IAQI 150
            _day("2026-03-01", pm25=10.0, o3_8h=100.0, o3_1h=300.0),  # 2026: no O3 1 h
            _day("2026-03-01", pm25=10.0, o3_8h=100.0, o3_1h=np.nan),  # not counted as missing
        ]
    )
    out = daily_aqi(d)
    assert out["aqi"].tolist() == [150, 50, 50]
    assert out["iaqi_o3_1h"].isna().tolist() == [False, True, True]
    assert out["aqi_incomplete"].tolist() == [False, False, False]
    assert out["primary_pollutant"].tolist() == ["O3", "", ""]


def test_daily_o3_8h_over_800() -> None:
    d = pd.DataFrame(
        [
            _day("2025-07-01", o3_8h=900.0, o3_1h=700.0),  # 2012: no 8 h IAQI; 1 h: 275
            _day("2026-07-01", o3_8h=900.0),  # 2026: 300
        ]
    )
    out = daily_aqi(d)
    assert out["iaqi_o3_8h"].isna().tolist() == [True, False]
    assert out["aqi"].tolist() == [275, 300]
    assert out["aqi_incomplete"].tolist() == [False, False]
    assert out["category"].tolist() == ["重度污染", "重度污染"]


def test_daily_passthrough_and_dtypes() -> None:
    d = pd.DataFrame(
        {
            "station": pd.array(["s1", "s2"], dtype="string"),
            "town": ["王平地区", "大台街道"],
            "date": pd.to_datetime(["2025-01-01", "2025-01-02"]),
            "pm25": [75.0, 36.0],
            "pm10": [150.0, 10.0],
            "co": [1.1, 0.2],
        },
        index=[10, 20],
    )
    out = daily_aqi(d)
    assert out.index.tolist() == [10, 20]
    assert out["town"].tolist() == ["王平地区", "大台街道"]
    assert out["aqi"].dtype == "Int64" and out["iaqi_pm25"].dtype == "Int64"
    assert out["level"].dtype == "Int64"
    assert out["aqi_incomplete"].dtype == bool
    assert out["aqi"].tolist() == [100, 52]
    assert out["primary_pollutant"].tolist() == ["PM2.5,PM10", "PM2.5"]
    assert out["colour"].tolist() == ["#FFFF00", "#FFFF00"]
    assert "aqi" not in d.columns  # input untouched


def test_daily_version_override() -> None:
    d = pd.DataFrame([_day("2025-01-01", pm25=75.0)])
    assert daily_aqi(d, version=V26)["aqi"].iloc[0] == 114
    no_date = pd.DataFrame({"pm25": [75.0]})
    assert daily_aqi(no_date, version=V12)["aqi"].iloc[0] == 100
    with pytest.raises(InputDataError) as info:
        daily_aqi(no_date)
    assert info.value.column == "date"


def test_daily_bad_input() -> None:
    with pytest.raises(InputDataError):
        daily_aqi(pd.DataFrame({"date": pd.to_datetime(["2025-01-01"]), "station": ["a"]}))
    with pytest.raises(InputDataError):
        daily_aqi(pd.DataFrame({"date": pd.to_datetime(["2025-01-01"]), "pm25": ["abc"]}))
    with pytest.raises(InputDataError):
        daily_aqi(pd.DataFrame({"date": [pd.NaT], "pm25": [1.0]}))


def test_daily_matches_scalar_iaqi_on_random_frame() -> None:
    rng = np.random.default_rng(0)
    n = 5000
    d = pd.DataFrame(
        {
            "date": pd.Timestamp("2025-06-01") + pd.to_timedelta(rng.integers(0, 600, n), unit="D"),
            "pm25": rng.gamma(2, 30, n).round(1),
            "pm10": rng.gamma(2, 50, n).round(0),
            "no2": rng.gamma(2, 20, n).round(0),
            "co": rng.gamma(2, 0.5, n).round(1),
            "o3_8h": rng.gamma(3, 40, n).round(0),
        }
    )
    d.loc[rng.random(n) < 0.05, "pm25"] = np.nan
    out = daily_aqi(d)
    ver = standard_for(d["date"])
    cols = {"pm25": ("pm25", "24h"), "pm10": ("pm10", "24h"), "no2": ("no2", "24h"), "co": ("co", "24h"), "o3_8h": ("o3", "8h")}
    mat = np.column_stack([iaqi(d[c], p, a, ver).to_numpy() for c, (p, a) in cols.items()])
    full = np.nanmax(mat, axis=1)
    incomplete = d["pm25"].isna().to_numpy()
    expected = np.where(incomplete & (ver == V26).to_numpy() & (full <= 100), np.nan, full)
    got = out["aqi"].to_numpy(dtype=float, na_value=np.nan)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(out["aqi_incomplete"].to_numpy(), incomplete)


# ---------------------------------------------------------------- hourly report


def test_hourly_2012_so2_fallback() -> None:
    h = pd.DataFrame(
        {
            "time": pd.to_datetime(["2025-01-01 08:00", "2025-01-01 09:00", "2026-03-02 09:00"]),
            "so2": [900.0, 100.0, 900.0],
            "so2_24h": [100.0, 100.0, 100.0],
            "no2": [10.0, 10.0, 10.0],
        }
    )
    out = hourly_aqi(h, rule="standard")
    # 2012: no SO2 1 h IAQI above 800; SO2 24 h 100 → 50 + 50×50/100 = 75
    assert out["iaqi_so2"].isna().tolist() == [True, False, False]
    assert out["iaqi_so2_24h"].isna().tolist() == [False, True, True]
    assert out["iaqi_so2_24h"].iloc[0] == 75
    assert out["aqi"].tolist() == [75, 34, 200]  # SO2 1 h 100 → 100×50/150 = 33.3 → 34
    assert out["aqi_incomplete"].tolist() == [False, False, False]
    # without so2_24h the 2012 SO2 value is missing
    out2 = hourly_aqi(h.drop(columns="so2_24h"), rule="standard")
    assert out2["aqi_incomplete"].tolist() == [True, False, False]
    assert out2["aqi"].iloc[0] == 5  # NO2 1 h 10 → 5; 2012 keeps it


def test_hourly_2012_indicators() -> None:
    h = pd.DataFrame(
        {
            "time": pd.to_datetime(["2025-01-01 08:00"]),
            "pm25": [500.0],  # 1-h PM has no 2012 breakpoints
            "pm25_24h": [75.0],
            "pm10_24h": [50.0],
            "o3": [200.0],
            "o3_8h": [100.0],
            "co": [10.0],
        }
    )
    out = hourly_aqi(h, rule="standard")
    assert out["iaqi_pm25"].isna().iloc[0]
    assert out["aqi"].iloc[0] == 100
    assert out["primary_pollutant"].iloc[0] == "PM2.5,CO,O3"


def test_hourly_2026_pm_on_daily_breakpoints() -> None:
    h = pd.DataFrame({"time": pd.to_datetime(["2026-05-01 08:00"]), "pm25": [60.0], "pm10": [120.4], "o3_8h": [900.0]})
    out = hourly_aqi(h, rule="standard")
    assert out["iaqi_pm25"].iloc[0] == 100 and out["iaqi_pm10"].iloc[0] == 100
    assert out["iaqi_o3_8h"].isna().all()  # 2026 real-time report: six 1-h values only
    assert out["aqi"].iloc[0] == 100


# ---------------------------------------------------------------- properties


@hsettings(max_examples=300, deadline=None)
@given(
    st.sampled_from(sorted(TABLE_2012)),
    st.sampled_from([V12, V26]),
    st.integers(min_value=0, max_value=40000),
)
def test_matches_exact_oracle(key: tuple[str, str], version: str, tenths: int) -> None:
    """Any concentration with one decimal (CO: two) gives the exact rational eq. (1) + ceil."""
    pol, avg = key
    bps = TABLES[version][key]
    c = Fraction(tenths, 100 if pol == "co" else 10)
    if version == V26:  # §4.2.2: round first (GB/T 8170 half-even)
        c = Fraction(round(c * 10) if pol == "co" else round(c), 10 if pol == "co" else 1)
    exp = oracle(c, bps)
    got = iaqi(float(Fraction(tenths, 100 if pol == "co" else 10)), pol, avg, version)
    if exp is None:
        assert np.isnan(got) or got in (200, 300, 500)
    else:
        assert got == exp


@hsettings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(TABLE_2012)),
    st.sampled_from([V12, V26]),
    st.floats(min_value=0, max_value=4000, allow_nan=False),
    st.floats(min_value=0, max_value=50, allow_nan=False),
)
def test_monotone_and_continuous(key: tuple[str, str], version: str, c: float, dc: float) -> None:
    pol, avg = key
    lo = iaqi(c, pol, avg, version)
    hi = iaqi(c + dc, pol, avg, version)
    if np.isnan(lo) or np.isnan(hi):
        return  # 2012 over-800 rules
    assert lo <= hi
    # Lipschitz continuity: the steepest segment is CO 0–2 mg/m³ (25 IAQI per mg/m³); for the
    # µg/m³ columns it is PM2.5 2026 35–60 (2 per µg/m³). 2026 rounding may move each value by
    # half a unit (CO: 0.05) and the ceiling adds at most 1.
    slope, pad = (25, 0.1) if pol == "co" else (2, 1.0)
    assert hi - lo <= slope * (dc + pad) + 1
