"""District's place among Beijing's districts: competition ranks at the edges."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airlib.errors import InputDataError
from airlib.tracking.city_context import city_ranking, district_place


def _table(pm25, yoy=None, city=None):
    names = [f"{c}区" for c in "东西朝丰石"][: len(pm25)]
    codes = [f"11010{i}" for i in range(len(pm25))]
    t = pd.DataFrame({"district_code": codes, "district": names, "is_city": False, "pm25": pm25})
    if yoy is not None:
        t["pm25_yoy_pct"] = yoy
    if city is not None:
        t = pd.concat([pd.DataFrame({"district_code": ["110000"], "district": ["全市"], "is_city": [True],
                                     "pm25": [city]}), t], ignore_index=True)
    return t


def test_ties_at_the_district_value():
    r = city_ranking(_table([30, 28, 28, 35], yoy=[-5.0, 1.0, -5.0, -9.0]))
    assert r["pm25_rank"].tolist() == [3, 1, 1, 4]
    assert r["pm25_yoy_rank"].tolist() == [2, 4, 2, 1]
    p = district_place(r, "110101")
    assert p["pm25"].rank == 1 and p["pm25"].tied_with == ("朝区",) and p["pm25"].ranked == 4
    assert p["pm25_yoy_pct"].rank == 4 and p["pm25_yoy_pct"].tied_with == ()
    q = district_place(r, "110100")
    assert q["pm25_yoy_pct"].rank == 2 and q["pm25_yoy_pct"].tied_with == ("朝区",)


def test_all_equal():
    r = city_ranking(_table([25.0] * 5))
    assert r["pm25_rank"].tolist() == [1] * 5
    p = district_place(r, "110104")
    assert p["pm25"].rank == 1 and len(p["pm25"].tied_with) == 4


def test_city_row_and_missing_values_are_not_ranked():
    r = city_ranking(_table([30, np.nan, 20], yoy=[np.nan, 1.0, 2.0], city=10))
    assert r["pm25_rank"].isna().tolist() == [True, False, True, False]
    assert r["pm25_rank"].dropna().tolist() == [2, 1]
    p = district_place(r, "110101")
    assert p["pm25"].rank is None and p["pm25"].ranked == 2 and np.isnan(p["pm25"].value)
    assert "pm25_ytd" not in p


def test_district_missing():
    with pytest.raises(InputDataError, match="110109"):
        district_place(city_ranking(_table([1, 2])), "110109")
