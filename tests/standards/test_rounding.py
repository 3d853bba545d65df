"""Tests of airlib.standards.rounding: GB/T 8170 进舍规则 and published precision."""

from __future__ import annotations

import dataclasses
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings as hsettings
from hypothesis import strategies as st

from airlib.errors import InputDataError
from airlib.standards.rounding import published_precision, round_gbt8170, round_published
from airlib.settings import DEFAULT


@pytest.mark.parametrize(
    ("x", "d", "expected"),
    [
        # digit dropped < 5: drop
        (12.14, 1, 12.1),
        (12.149, 1, 12.1),
        # > 5: up
        (12.16, 1, 12.2),
        # = 5 followed by non-zero digits: up
        (12.2501, 1, 12.3),
        (10.5002, 0, 11.0),
        (2.6750001, 2, 2.68),
        # exactly 5: make the kept digit even
        (12.25, 1, 12.2),
        (12.35, 1, 12.4),
        (0.5, 0, 0.0),
        (1.5, 0, 2.0),
        (2.5, 0, 2.0),
        (34.5, 0, 34.0),
        (35.5, 0, 36.0),
        (1.05, 1, 1.0),  # 1.05 is stored as 1.0500000000000000444
        (1.15, 1, 1.2),  # 1.15 is stored as 1.1499999999999999112
        (2.675, 2, 2.68),  # stored as 2.67499999999999982236
        (2.665, 2, 2.66),
        (0.125, 2, 0.12),
        (0.375, 2, 0.38),
        (0.285, 2, 0.28),
        (1234.5, 0, 1234.0),
        (1235.5, 0, 1236.0),
        # tens
        (1250.0, -2, 1200.0),
        (1350.0, -2, 1400.0),
        (15.0, -1, 20.0),
        (25.0, -1, 20.0),
        # negatives are symmetric
        (-2.5, 0, -2.0),
        (-3.5, 0, -4.0),
        (-2.675, 2, -2.68),
        (-12.2501, 1, -12.3),
        (-12.14, 1, -12.1),
        (0.0, 0, 0.0),
        (7.0, 2, 7.0),
    ],
)
def test_gbt8170_scalar(x: float, d: int, expected: float) -> None:
    got = round_gbt8170(x, d)
    assert isinstance(got, float)
    assert got == expected


def test_no_negative_zero() -> None:
    got = round_gbt8170(-0.4)
    assert got == 0.0 and not np.signbit(got)


def test_nan_and_none() -> None:
    assert np.isnan(round_gbt8170(float("nan")))
    assert np.isnan(round_gbt8170(None))


def test_series_keeps_index_and_nan() -> None:
    s = pd.Series([0.5, np.nan, 2.675, -1.5], index=["a", "b", "c", "d"], name="pm25")
    got = round_gbt8170(s, 2)
    assert got.index.tolist() == ["a", "b", "c", "d"]
    assert got.name == "pm25"
    assert got.iloc[1] != got.iloc[1]
    r0 = round_gbt8170(s, 0).tolist()
    assert [r0[0], r0[2], r0[3]] == [0.0, 3.0, -2.0]


def test_nullable_series() -> None:
    s = pd.Series([1.25, None], dtype="Float64")
    got = round_gbt8170(s, 1)
    assert got.dtype == np.float64
    assert got.iloc[0] == 1.2 and np.isnan(got.iloc[1])


def test_ndarray_and_list() -> None:
    a = np.array([[0.5, 1.5], [2.5, np.nan]])
    got = round_gbt8170(a)
    assert got.shape == (2, 2)
    np.testing.assert_array_equal(got, [[0.0, 2.0], [2.0, np.nan]])
    assert round_gbt8170([34.5, 35.5]).tolist() == [34.0, 36.0]


def test_per_element_decimals() -> None:
    got = round_gbt8170(np.array([30.45, 30.45]), np.array([1, 0]))
    assert got.tolist() == [30.4, 30.0]


@hsettings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=-10**9, max_value=10**9),
    st.integers(min_value=1, max_value=4),
    st.integers(min_value=0, max_value=3),
)
def test_matches_decimal_half_even(mantissa: int, exponent: int, decimals: int) -> None:
    """On numbers written with few decimals, GB/T 8170 == decimal ROUND_HALF_EVEN."""
    text = str(Decimal(mantissa).scaleb(-exponent))
    x = float(text)
    expected = float(Decimal(text).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN))
    assert round_gbt8170(x, decimals) == expected


@pytest.mark.parametrize(
    ("pol", "date", "dec"),
    [
        ("pm25", "2023-12-31", 0),
        ("pm25", "2024-01-01", 1),
        ("PM2.5", "2025-05-01", 1),
        ("pm10", "2024-06-01", 0),
        ("so2", "2015-01-01", 0),
        ("no2", "2030-01-01", 0),
        ("o3", "2024-01-01", 0),
        ("co", "2018-01-01", 1),
        ("co", "2024-01-01", 1),
    ],
)
def test_published_precision(pol: str, date: str, dec: int) -> None:
    assert published_precision(pol, date) == dec


def test_published_precision_settings_and_series() -> None:
    s = dataclasses.replace(DEFAULT, pm25_decimals_before_2024=1, pm25_decimals_from_2024=2)
    assert published_precision("pm25", "2020-01-01", s) == 1
    assert published_precision("pm25", "2024-01-01", s) == 2
    dates = pd.Series(pd.to_datetime(["2023-12-31", "2024-01-01"]), index=[10, 11])
    got = published_precision("pm25", dates)
    assert got.tolist() == [0, 1] and got.index.tolist() == [10, 11]


def test_published_precision_unknown() -> None:
    with pytest.raises(InputDataError):
        published_precision("xyz", "2020-01-01")


def test_round_published() -> None:
    assert round_published(30.45, "pm25", "2024-12-01") == 30.4
    assert round_published(30.5, "pm25", "2023-12-01") == 30.0
    assert round_published(31.5, "pm25", "2023-12-01") == 32.0
    assert round_published(1.25, "co", "2023-12-01") == 1.2
    vals = pd.Series([30.45, 30.5, np.nan], index=list("xyz"))
    dates = pd.Series(pd.to_datetime(["2024-01-01", "2023-12-31", "2024-01-01"]), index=list("xyz"))
    got = round_published(vals, "pm25", dates)
    assert got.index.tolist() == list("xyz")
    assert got.tolist()[:2] == [30.4, 30.0] and np.isnan(got.iloc[2])


def test_published_precision_periods() -> None:
    assert published_precision("pm25", pd.Period("2024-01", "M")) == 1
    assert published_precision("pm25", pd.Period("2023-12", "M")) == 0
    s = pd.Series(pd.period_range("2023-12", "2024-01", freq="M"))
    assert published_precision("pm25", s).tolist() == [0, 1]
    assert published_precision("pm25", pd.period_range("2023-12", "2024-01", freq="M")).tolist() == [0, 1]
    assert published_precision("pm25", np.array(["2023-12-31", "2024-01-01"], dtype="datetime64[ns]")).tolist() == [0, 1]
