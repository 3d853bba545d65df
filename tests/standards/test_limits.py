"""Tests of airlib.standards.limits against GB 3095—2012 / GB 3095—2026 (values typed from standards.md §2.3)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airlib.errors import InputDataError
from airlib.standards.limits import edition_for, limit, limits_for, limits_table

# (pollutant, averaging) -> {edition: (grade I, grade II)}; typed from standards.md §2.3.
EXPECTED = {
    ("so2", "annual"): {"2012": (20, 60), "T": (20, 60), "F": (20, 20)},
    ("so2", "24h"): {"2012": (50, 150), "T": (50, 150), "F": (50, 50)},
    ("so2", "1h"): {"2012": (150, 500), "T": (150, 500), "F": (150, 150)},
    ("no2", "annual"): {"2012": (40, 40), "T": (40, 40), "F": (30, 30)},
    ("no2", "24h"): {"2012": (80, 80), "T": (80, 80), "F": (50, 50)},
    ("no2", "1h"): {"2012": (200, 200), "T": (200, 200), "F": (200, 200)},
    ("co", "24h"): {"2012": (4, 4), "T": (4, 4), "F": (4, 4)},
    ("co", "1h"): {"2012": (10, 10), "T": (10, 10), "F": (10, 10)},
    ("o3", "8h"): {"2012": (100, 160), "T": (100, 160), "F": (100, 160)},
    ("o3", "1h"): {"2012": (160, 200), "T": (160, 200), "F": (160, 200)},
    ("pm10", "annual"): {"2012": (40, 70), "T": (40, 60), "F": (20, 50)},
    ("pm10", "24h"): {"2012": (50, 150), "T": (50, 120), "F": (50, 100)},
    ("pm25", "annual"): {"2012": (15, 35), "T": (15, 30), "F": (10, 25)},
    ("pm25", "24h"): {"2012": (35, 75), "T": (35, 60), "F": (25, 50)},
    ("nox", "annual"): {"T": (50, 50), "F": (40, 40)},
    ("nox", "24h"): {"T": (100, 100), "F": (70, 70)},
    ("nox", "1h"): {"T": (250, 250), "F": (250, 250)},
}
DATES = {"2012": "2025-06-30", "T": "2028-01-01", "F": "2035-12-31"}
CASES = [(p, a, e, g, v[g - 1]) for (p, a), d in EXPECTED.items() for e, v in d.items() for g in (1, 2)]


@pytest.mark.parametrize(("pol", "avg", "ed", "grade", "value"), CASES)
def test_every_limit(pol: str, avg: str, ed: str, grade: int, value: float) -> None:
    assert limit(pol, avg, DATES[ed], grade=grade) == value


@pytest.mark.parametrize(
    ("date", "edition"),
    [
        ("2013-01-01", "GB3095-2012"),
        ("2015-12-31", "GB3095-2012"),
        ("2016-01-01", "GB3095-2012"),
        ("2026-02-28", "GB3095-2012"),
        ("2026-02-28 23:00", "GB3095-2012"),
        ("2026-03-01", "GB3095-2026-transitional"),
        ("2030-12-31", "GB3095-2026-transitional"),
        ("2030-12-31 23:00", "GB3095-2026-transitional"),
        ("2031-01-01", "GB3095-2026-final"),
    ],
)
def test_edition_for(date: str, edition: str) -> None:
    assert edition_for(date) == edition


@pytest.mark.parametrize(
    ("pol", "avg", "grade", "values"),
    [
        # 2026-02-28, 2026-03-01, 2030-12-31, 2031-01-01
        ("pm25", "24h", 2, [75, 60, 60, 50]),
        ("pm25", "24h", 1, [35, 35, 35, 25]),
        ("pm25", "annual", 2, [35, 30, 30, 25]),
        ("pm25", "annual", 1, [15, 15, 15, 10]),
        ("pm10", "annual", 2, [70, 60, 60, 50]),
        ("pm10", "annual", 1, [40, 40, 40, 20]),
        ("so2", "24h", 2, [150, 150, 150, 50]),
        ("no2", "annual", 1, [40, 40, 40, 30]),
        ("o3", "8h", 2, [160, 160, 160, 160]),
        ("o3", "8h", 1, [100, 100, 100, 100]),
    ],
)
def test_switch_dates(pol: str, avg: str, grade: int, values: list[float]) -> None:
    dates = pd.Series(pd.to_datetime(["2026-02-28", "2026-03-01", "2030-12-31", "2031-01-01"]), index=[5, 6, 7, 8])
    got = limits_for(dates, pol, avg, grade=grade)
    assert isinstance(got, pd.Series)
    assert got.index.tolist() == [5, 6, 7, 8]
    assert got.tolist() == values
    assert [limit(pol, avg, d, grade=grade) for d in dates] == values


def test_limits_for_array_and_scalar() -> None:
    arr = np.array(["2020-01-01", "2031-06-01"], dtype="datetime64[ns]")
    assert limits_for(arr, "pm25", "annual").tolist() == [35.0, 25.0]
    assert limits_for("2027-01-01", "pm25", "annual") == 30.0


def test_edition_for_series() -> None:
    s = pd.Series(pd.to_datetime(["2026-02-28 23:00", "2026-03-01 00:00", "2031-01-01 00:00"]))
    assert edition_for(s).tolist() == ["GB3095-2012", "GB3095-2026-transitional", "GB3095-2026-final"]


@pytest.mark.parametrize(("pol", "avg"), [("co", "annual"), ("pm25", "1h"), ("o3", "24h"), ("xx", "24h")])
def test_no_such_limit(pol: str, avg: str) -> None:
    with pytest.raises(InputDataError):
        limit(pol, avg, "2020-01-01")


def test_bad_grade_and_date() -> None:
    with pytest.raises(InputDataError):
        limit("pm25", "24h", "2020-01-01", grade=3)
    with pytest.raises(InputDataError):
        limits_for(pd.Series(pd.to_datetime(["2020-01-01", None])), "pm25", "24h")


def test_aliases() -> None:
    assert limit("PM2.5", "daily", "2020-01-01") == 75
    assert limit("o3", "mda8", "2020-01-01") == 160


def test_limits_table() -> None:
    t = limits_table("2026-03-01", grade=2)
    row = t[(t["pollutant"] == "pm25") & (t["averaging"] == "24h")].iloc[0]
    assert row["limit"] == 60
    assert row["平均时间"] == "日平均"
    assert row["污染物项目"] == "颗粒物（PM2.5）"
    assert row["标准"] == "GB 3095—2026（过渡阶段）"
    assert row["级别"] == "二级"
    assert set(t["edition"]) == {"GB3095-2026-transitional"}
    t12 = limits_table("2020-01-01", grade=1)
    co = t12[(t12["pollutant"] == "co") & (t12["averaging"] == "24h")].iloc[0]
    assert co["unit"] == "mg/m³" and co["limit"] == 4 and co["平均时间"] == "24小时平均"
    assert t12["pollutant"].iloc[0] == "so2"
    assert not t12.duplicated(["pollutant", "averaging"]).any()


def test_mixed_string_dates() -> None:
    got = limits_for(["2026-02-28 23:00", "2031-01-01"], "pm25", "24h")
    assert got.tolist() == [75.0, 50.0]
