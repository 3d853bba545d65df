"""airlib.standards.ranking_rules: competition rank within groups, YoY %, year-to-date rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airlib.errors import InputDataError
from airlib.settings import Settings
from airlib.standards.ranking_rules import competition_rank, year_to_date, yoy_percent


def test_competition_rank_within_groups_and_missing_values():
    v = pd.Series([3.0, 1.0, 1.0, np.nan, 2.0, 2.0, 5.0], index=list("abcdefg"))
    month = pd.Series([1, 1, 1, 1, 2, 2, 2], index=v.index)
    r = competition_rank(v, by=month)
    assert r.index.tolist() == list("abcdefg") and str(r.dtype) == "Int64"
    assert r.tolist()[:3] == [3, 1, 1] and pd.isna(r["d"]) and r.tolist()[4:] == [1, 1, 3]
    two = competition_rank(v, by=pd.DataFrame({"y": [2026] * 7, "m": month}))
    assert two.equals(r)
    assert competition_rank(np.array([2.0, 2.0, 1.0]), ascending=False).tolist() == [1, 1, 3]
    with pytest.raises(InputDataError):
        competition_rank(v, by=[[1, 2]])


def test_yoy_percent_on_published_values_rounding_and_edges():
    cur = pd.Series([30.0, 40.0, 10.0, np.nan, 5.0, 36.0], index=list("abcdef"))
    last = pd.Series([40.0, 40.0, 0.0, 30.0, np.nan, 32.0], index=list("abcdef"))
    got = yoy_percent(cur, last)
    assert got["a"] == -25.0 and got["b"] == 0.0 and got["f"] == 12.5
    assert got[["c", "d", "e"]].isna().all()  # last year 0, or a value missing: no change
    # GB/T 8170 half-even on the change: 1/8 = 12.5 % → 12 with 0 decimals, 12.5 with 1
    assert yoy_percent(cur, last, decimals=0)["f"] == 12.0
    assert yoy_percent(cur, last, settings=Settings(yoy_decimals=0))["f"] == 12.0
    # Series are aligned on the index, arrays by position
    assert yoy_percent(pd.Series([30.0], index=["x"]), pd.Series([20.0, 40.0], index=["y", "x"])).tolist() == [-25.0]
    assert yoy_percent(np.array([30.0]), np.array([40.0])).tolist() == [-25.0]
    assert np.isnan(yoy_percent([30.0], [-1.0]).iloc[0])


def _monthly(rows):
    return pd.DataFrame(rows, columns=["town_code", "year", "month", "sum", "n", "valid"])


def test_year_to_date_needs_every_month_from_january_valid_and_present():
    t = _monthly([
        ("A", 2025, 1, 310.0, 31, True), ("A", 2025, 2, 280.0, 28, True), ("A", 2025, 3, 620.0, 31, True),
        ("B", 2025, 1, 310.0, 31, True), ("B", 2025, 2, 240.0, 24, False), ("B", 2025, 3, 620.0, 31, True),
        ("C", 2025, 2, 280.0, 28, True), ("C", 2025, 3, 620.0, 31, True),  # January absent
        ("A", 2026, 1, 620.0, 31, True),  # a new year starts again
    ])
    ytd = year_to_date(t.sample(frac=1, random_state=3))  # order of rows does not matter
    ytd = ytd.sort_index()
    assert ytd[0] == 10.0 and ytd[1] == pytest.approx(590 / 59) and ytd[2] == pytest.approx(1210 / 90)
    assert ytd[3] == 10.0 and ytd[[4, 5]].isna().all()  # an invalid February breaks Feb and Mar
    assert ytd[[6, 7]].isna().all()
    assert ytd[8] == 20.0


def test_year_to_date_refuses_duplicates_and_missing_columns():
    t = _monthly([("A", 2025, 1, 310.0, 31, True), ("A", 2025, 1, 310.0, 31, True)])
    with pytest.raises(InputDataError, match="twice"):
        year_to_date(t)
    with pytest.raises(InputDataError, match="sum"):
        year_to_date(t.drop(columns="sum"))
