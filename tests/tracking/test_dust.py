"""Dustfall and road-dust calculations (airlib.tracking.dust; docs/dust.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airlib.io.plans import Plan
from airlib.tracking import dust as D
from airlib.tracking.targets import meets_target


def _periods(rows):
    return pd.DataFrame(rows, columns=["point", "town_code", "town_name", "start", "end", "dustfall_30d"]).assign(
        start=lambda d: pd.to_datetime(d["start"]), end=lambda d: pd.to_datetime(d["end"]),
        days=lambda d: (d["end"] - d["start"]).dt.days)


def test_assign_months_most_days_tie_to_earlier():
    p = _periods([
        ("A", "1", "甲", "2021-03-01", "2021-04-01", 1.0),   # all March
        ("A", "1", "甲", "2021-03-20", "2021-04-22", 1.0),   # 12 in March, 21 in April → April
        ("A", "1", "甲", "2021-04-16", "2021-05-16", 1.0),   # 15 April, 15 May → tie → April
        ("A", "1", "甲", "2021-01-25", "2021-03-05", 1.0),   # 7 Jan, 28 Feb, 4 Mar → February
    ])
    assert [str(m) for m in D.assign_months(p)] == ["2021-03", "2021-04", "2021-04", "2021-02"]


def test_town_mean_of_points_and_day_weighted_point():
    p = _periods([
        ("A", "1", "甲", "2021-03-01", "2021-03-11", 3.0),   # 10 d
        ("A", "1", "甲", "2021-03-11", "2021-04-01", 6.0),   # 21 d → point A = (30 + 126) / 31
        ("B", "1", "甲", "2021-03-01", "2021-04-01", 4.0),
        ("C", "2", "乙", "2021-03-01", "2021-04-01", 5.0),
    ])
    tm = D.dustfall_monthly(p)
    a = (3.0 * 10 + 6.0 * 21) / 31
    assert tm.set_index("town_code").loc["1", "dustfall"] == pytest.approx((a + 4.0) / 2)
    assert tm.set_index("town_code").loc["1", "n_points"] == 2
    dm = D.district_monthly(tm, "dustfall")
    assert dm.loc[0, "dustfall"] == pytest.approx(((a + 4.0) / 2 + 5.0) / 2) and dm.loc[0, "n_towns"] == 2


def _monthly(values):
    """{(month, town_code): value} → town monthly frame."""
    return pd.DataFrame([{"month": pd.Period(m, "M"), "town_code": c, "town_name": "镇" + c, "dustfall": v}
                         for (m, c), v in values.items()])


def test_month_table_rank_ties_yoy_and_base():
    tm = _monthly({("2021-03", "1"): 4.0, ("2021-03", "2"): 4.0, ("2021-03", "3"): 6.5, ("2021-03", "4"): 5.0,
                   ("2020-03", "1"): 5.0, ("2020-03", "3"): 6.5, ("2017-03", "1"): 8.0, ("2017-03", "2"): 5.0})
    t = D.month_table(tm, "dustfall", "2021-03", base_year=2017).set_index("town_code")
    assert t["rank"].tolist() == [1, 1, 3, 4] and list(t.index) == ["1", "2", "4", "3"]
    assert t.loc["1", "yoy_pct"] == pytest.approx(-20.0)          # (4 − 5) / 5
    assert t.loc["3", "yoy_pct"] == pytest.approx(0.0)
    assert np.isnan(t.loc["2", "yoy_pct"]) and np.isnan(t.loc["4", "base_pct"])
    assert t.loc["1", "base_pct"] == pytest.approx(-50.0)         # (4 − 8) / 8
    assert t.loc["2", "base_pct"] == pytest.approx(-20.0)


def _plan(targets, district="甲区"):
    return Plan.model_validate({
        "plan": {"id": "p", "title": "测试方案", "district": district, "document": "d",
                 "period": {"start": "2020-01", "end": "2020-12"}},
        "targets": targets, "tasks": []})


def _target(**kw):
    base = {"id": "T1", "metric": "dustfall", "scope": "district", "period": {"start": "2020-01", "end": "2020-12"},
            "kind": "absolute_cap", "value": 5.0, "unit": "吨/平方公里·月",
            "source": {"section": "s", "quote": "q"}}
    return base | kw


@pytest.mark.parametrize(("strict", "value", "status"), [
    (True, 5.0, "未达标"), (False, 5.0, "达标"), (True, 4.99, "达标"), (False, 5.01, "未达标")])
def test_cap_strict_edge(strict, value, status):
    tm = _monthly({("2020-01", "1"): value, ("2020-02", "1"): value})
    r = D.evaluate_dust_targets(_plan([_target(strict=strict)]), tm, "2020-02")
    assert r.loc[0, "status"] == status and r.loc[0, "current"] == pytest.approx(value)
    assert r.loc[0, "comparison_word"] == ("小于" if strict else "不高于")


def test_meets_target_is_the_one_rule():
    assert meets_target([5.0, 4.0, np.nan], [5.0, 5.0, 5.0], strict=True).tolist() == [False, True, False]
    assert meets_target([5.0, 5.0 + 1e-12], 5.0, strict=False).tolist() == [True, True]


def test_base_year_reduction_each_town():
    # 2020 vs 2017, −30 %: town 1 8 → 5.6 (exactly −30 %: met), town 2 8 → 6 (−25 %: missed)
    tm = _monthly({("2017-01", "1"): 8.0, ("2017-01", "2"): 8.0, ("2020-01", "1"): 5.6, ("2020-01", "2"): 6.0})
    t = _target(kind="reduction_vs_base_year", base_year=2017, value=30, unit="%", scope="each_town",
                note="扣除沙尘影响")
    r = D.evaluate_dust_targets(_plan([t]), tm, "2020-01").set_index("area_code")
    assert r.loc["1", "status"] == "达标" and r.loc["2", "status"] == "未达标"
    assert r.loc["1", "target_level"] == pytest.approx(5.6) and r.loc["2", "change_pct"] == pytest.approx(-25.0)
    assert r.loc["甲区", "current"] == pytest.approx(5.8) and r.loc["甲区", "comparison"] == pytest.approx(8.0)
    assert "未另行扣除沙尘" in r.loc["1", "note"]


def test_no_data_and_before_period():
    tm = _monthly({("2019-05", "1"): 4.0})
    assert D.evaluate_dust_targets(_plan([_target()]), tm, "2020-03").loc[0, "status"] == "数据不足"
    assert D.evaluate_dust_targets(_plan([_target()]), tm, "2019-12").empty


def test_road_dust_monthly_and_target():
    rd = pd.DataFrame({"road": ["a", "a", "b", "c"], "town_code": ["1", "1", "1", "2"], "town_name": ["甲"] * 3 + ["乙"],
                       "date": pd.to_datetime(["2020-03-02", "2020-03-20", "2020-03-05", "2020-03-09"]),
                       "load": [4.0, 8.0, 6.0, 5.0]})
    tm = D.road_dust_monthly(rd).set_index("town_code")
    assert tm.loc["1", "road_dust"] == pytest.approx(6.0) and tm.loc["1", "n_roads"] == 2
    assert tm.loc["1", "n_samples"] == 3
    t = _target(metric="road_dust_load", value=6, unit="克/平方米", approx=True, scope="each_town")
    r = D.evaluate_dust_targets(_plan([t]), tm.reset_index(), "2020-03", metric="road_dust_load").set_index("area_code")
    assert r.loc["1", "status"] == "达标"            # 6.0 at most 6 ("左右": not strict)
    assert r.loc["甲区", "current"] == pytest.approx(5.5)
