"""Air-quality target evaluation: changes, target levels, allowance for the rest of the period."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airlib.errors import InputDataError
from airlib.io.plans import Plan
from airlib.tracking.targets import HEAVY_AQI, evaluate_targets, monthly_comparison, window_values


def _plan(*targets, district="门头沟区"):
    return Plan.model_validate({
        "plan": {"id": "t", "title": "t", "district": district, "district_code": "110109", "document": "d"},
        "targets": [{"source": {"section": "s"}, **t} for t in targets],
    })


AW = {"start": "2017-10", "end": "2018-03"}
PM25_25 = {"id": "T01", "metric": "pm25_mean", "period": AW, "kind": "reduction_vs_last_year", "value": 25}
HEAVY_20 = {"id": "T02", "metric": "heavy_pollution_days", "period": AW, "kind": "reduction_vs_last_year", "value": 20}


def _daily(last_year: float, this_year: float, end="2018-03-31", aqi=None) -> pd.DataFrame:
    dates = pd.date_range("2016-10-01", end, freq="D")
    pm = np.where(dates < "2017-10-01", last_year, this_year).astype(float)
    pm[(dates >= "2017-04-01") & (dates < "2017-10-01")] = 50.0
    df = pd.DataFrame({"date": dates, "pm25": pm})
    df["aqi"] = 50.0 if aqi is None else aqi(dates)
    return df


def _one(res, target, window, area=None):
    r = res[(res["target_id"] == target) & (res["window"] == window)]
    if area is not None:
        r = r[r["area_name"] == area]
    assert len(r) == 1, r
    return r.iloc[0]


def test_reduction_reached_exactly_is_met():
    res = evaluate_targets(_plan(PM25_25), None, _daily(100.0, 75.0), "2018-03")
    r = _one(res, "T01", "目标期累计")
    assert r["current"] == 75 and r["comparison"] == 100
    assert r["change_pct"] == pytest.approx(-25.0)
    assert r["target_level"] == pytest.approx(75.0) and r["gap"] == pytest.approx(0.0)
    assert r["status"] == "达标" and r["outlook"] == "期末已达成" and r["remaining_days"] == 0
    assert r["n_valid"] == 182 and r["area_name"] == "门头沟区" and r["area_level"] == "区"


def test_just_above_the_target_is_not_met():
    res = evaluate_targets(_plan(PM25_25), None, _daily(100.0, 75.01), "2018-03")
    r = _one(res, "T01", "目标期累计")
    assert r["status"] == "未达标" and r["outlook"] == "期末未达成"


def test_allowance_for_the_remaining_months():
    # Oct-Dec 2017 at 80 (92 days); last year's Oct-Mar mean 100 → full-period level 75 over 182 days.
    res = evaluate_targets(_plan(PM25_25), None, _daily(100.0, 80.0, end="2017-12-31"), "2017-12")
    r = _one(res, "T01", "目标期累计")
    assert r["remaining_days"] == 90
    assert r["target_level_full"] == pytest.approx(75.0)
    assert r["allowance"] == pytest.approx((75 * 182 - 80 * 92) / 90)
    assert r["outlook"] == "仍可达成"
    assert r["status"] == "未达标"  # to date: 80 > 75
    m = _one(res, "T01", "当月")
    assert m["start"] == pd.Timestamp("2017-12-01") and m["current"] == 80


def test_no_longer_reachable():
    res = evaluate_targets(_plan(PM25_25), None, _daily(100.0, 160.0, end="2017-12-31"), "2017-12")
    r = _one(res, "T01", "目标期累计")
    assert r["allowance"] < 0 and r["outlook"] == "已无法达成"


def test_invalid_days_are_left_out_of_means():
    d = _daily(100.0, 75.0)
    d.loc[d["date"] == "2017-10-05", "pm25"] = np.nan
    res = evaluate_targets(_plan(PM25_25), None, d, "2017-10")
    r = _one(res, "T01", "当月")
    assert r["n_valid"] == 30 and r["current"] == 75.0


def test_heavy_days_count_aqi_above_200_only():
    def aqi(dates):
        a = np.full(len(dates), 80.0)
        heavy_last = pd.date_range("2016-11-01", periods=10, freq="D")
        heavy_this = pd.date_range("2017-11-01", periods=5, freq="D")
        a[np.isin(dates, heavy_last)] = 250.0
        a[np.isin(dates, heavy_this)] = 201.0
        a[dates == pd.Timestamp("2017-12-05")] = HEAVY_AQI  # exactly 200 is 中度, not heavy
        return a

    res = evaluate_targets(_plan(HEAVY_20), None, _daily(100.0, 75.0, end="2017-12-31", aqi=aqi), "2017-12")
    r = _one(res, "T02", "目标期累计")
    assert r["current"] == 5 and r["comparison"] == 10
    assert r["target_level_full"] == pytest.approx(8.0)
    assert r["allowance"] == 3 and r["outlook"] == "仍可达成"
    assert r["change_pct"] == pytest.approx(-50.0)


def test_absolute_cap_and_month_outside_period():
    cap = {"id": "C", "metric": "pm25_mean", "period": {"start": "2018-01", "end": "2018-12"},
           "kind": "absolute_cap", "value": 49}
    res = evaluate_targets(_plan(cap), None, _daily(100.0, 49.0), "2017-12")
    assert set(res["window"]) == {"当月", "年初至今"}  # December 2017 is outside the 2018 period
    r = _one(res, "C", "当月")
    assert r["target_level"] == 49 and r["status"] == "参考（非考核口径）"  # an annual cap does not judge a month
    res = evaluate_targets(_plan(cap), None, _daily(100.0, 49.0), "2018-03")
    r = _one(res, "C", "目标期累计")
    assert r["remaining_days"] == 275
    assert r["allowance"] == pytest.approx(49.0)


def test_strive_without_number_needs_a_strict_fall():
    t = {"id": "S", "metric": "pm25_mean", "period": AW, "kind": "reduction_vs_last_year", "value": None, "strive": True}
    same = _one(evaluate_targets(_plan(t), None, _daily(80.0, 80.0), "2018-03"), "S", "目标期累计")
    assert same["status"] == "未达标" and same["target_level"] == 80
    assert same["outlook"] == "期末未达成"
    lower = _one(evaluate_targets(_plan(t), None, _daily(80.0, 79.9), "2018-03"), "S", "目标期累计")
    assert lower["status"] == "达标" and lower["outlook"] == "期末已达成"


def test_base_year_comparison():
    t = {"id": "B", "metric": "pm25_mean", "period": {"start": "2017-10", "end": "2018-03"},
         "kind": "reduction_vs_base_year", "base_year": 2016, "value": 10}
    # period ends in 2018, base year 2016: comparison window shifted by two years (2015-10 … 2016-03)
    dates = pd.date_range("2015-10-01", "2018-03-31", freq="D")
    d = pd.DataFrame({"date": dates, "pm25": np.where(dates < "2016-04-01", 100.0, 90.0), "aqi": 50.0})
    r = _one(evaluate_targets(_plan(t), None, d, "2018-03"), "B", "目标期累计")
    assert r["comparison"] == 100 and r["target_level"] == pytest.approx(90.0) and r["status"] == "达标"


def test_missing_comparison_is_data_shortage():
    d = _daily(100.0, 75.0)
    d = d[d["date"] >= "2017-10-01"]
    r = _one(evaluate_targets(_plan(PM25_25), None, d, "2017-12"), "T01", "目标期累计")
    assert r["status"] == "数据不足" and r["outlook"] == "数据不足" and np.isnan(r["change_pct"])


def test_towns_are_held_to_the_district_target_and_town_targets_only_to_their_town():
    a = _daily(100.0, 70.0).assign(town_code="110109005")
    b = _daily(100.0, 90.0).assign(town_code="110109006")
    towns = pd.DataFrame({"town_code": ["110109005", "110109006"], "town_name": ["王平地区", "永定地区"]})
    own = {"id": "W", "metric": "pm25_mean", "scope": "town", "town": "王平地区", "period": AW,
           "kind": "absolute_cap", "value": 60}
    res = evaluate_targets(_plan(PM25_25, own), pd.concat([a, b]), _daily(100.0, 80.0), "2018-03", towns=towns)
    p = res[res["window"] == "目标期累计"].set_index(["target_id", "area_name"])["status"]
    assert p[("T01", "门头沟区")] == "未达标"
    assert p[("T01", "王平地区")] == "达标" and p[("T01", "永定地区")] == "未达标"
    assert p[("W", "王平地区")] == "未达标"
    assert ("W", "永定地区") not in p.index and ("W", "门头沟区") not in p.index


def test_non_daily_metrics_are_skipped_and_other_districts_ignored():
    em = {"id": "E", "metric": "emergency_reduction_pm", "period": AW, "kind": "emergency_reduction",
          "alert_level": "red", "value": 30}
    other = {**PM25_25, "id": "X", "district": "通州区"}
    res = evaluate_targets(_plan(em, other), None, _daily(100.0, 75.0), "2018-03")
    assert res.empty


def test_window_values_and_monthly_comparison():
    d = _daily(100.0, 75.0).assign(area_code="x")
    w = window_values(d, "pm25", "mean", pd.Timestamp("2017-10-01"), pd.Timestamp("2017-10-31"))
    assert w.loc["x", "value"] == 75 and w.loc["x", "n_valid"] == 31 and w.loc["x", "total"] == 75 * 31
    mc = monthly_comparison(d, "2017-10", "2018-03")
    assert mc["month"].tolist() == ["2017-10", "2017-11", "2017-12", "2018-01", "2018-02", "2018-03"]
    assert np.allclose(mc["change_pct"], -25.0)


# ---- notebook helpers ----------------------------------------------------------------------------

def test_evaluable_targets_and_data_start_month():
    from airlib.tracking.targets import data_start_month, evaluable_targets

    dust = {"id": "T09", "metric": "dustfall", "period": AW, "kind": "absolute_cap", "value": 5}
    plan = _plan(PM25_25, dust, HEAVY_20)
    assert [g.id for g in evaluable_targets(plan)] == ["T01", "T02"]  # 降尘 is not computable from daily data
    # report month 2017-12: the YTD window starts 2017-01 (before the 2017-10 period) → a year earlier
    assert data_start_month(plan, "2017-12") == "2016-01"
    # report month 2018-03: the period start 2017-10 is earlier than 2018-01 → 2016-10
    assert data_start_month(plan, "2018-03") == "2016-10"
    # a later target period: the YTD window of the report year is the earliest need
    late = dict(PM25_25, period={"start": "2018-10", "end": "2019-03"})
    assert data_start_month(_plan(late), "2018-11") == "2017-01"
    assert data_start_month(_plan(), "2018-03") == "2017-01"


def test_period_summary_zh_allowance_and_unreachable():
    from airlib.tracking.targets import period_summary_zh

    plan = _plan(PM25_25, HEAVY_20)
    res = evaluate_targets(plan, None, _daily(100.0, 80.0, end="2017-12-31"), "2017-12")
    lines = period_summary_zh(res, plan)
    allowance = (75 * 182 - 80 * 92) / 90
    assert lines[0] == ("PM2.5平均浓度：目标期累计 80.0，同比 -20.0%（目标 −25%），未达标；仍可达成，"
                        f"剩余 90 天均值须不高于 {allowance:.1f} µg/m³")
    # heavy days: no concentration allowance; 0 days last year → no change rate, said in words
    assert lines[1] == ("重污染天数：目标期累计 0 天，无同比变化率（对比期为 0 或缺测）（目标 −20%），达标；仍可达成，"
                        "全期允许 0 天，剩余可用 0 天")
    bad = evaluate_targets(plan, None, _daily(100.0, 160.0, end="2017-12-31"), "2017-12")
    assert period_summary_zh(bad, plan)[0].endswith("同比 +60.0%（目标 −25%），未达标；已无法达成")
    # month outside the target period: no period window, no line
    assert period_summary_zh(evaluate_targets(plan, None, _daily(100.0, 80.0), "2017-06"), plan) == []
    with pytest.raises(InputDataError):
        period_summary_zh(res.drop(columns=["allowance"]), plan)


# ---- which window is judged (module docstring table) ------------------------------------------------

CONTEXT = "参考（非考核口径）"
CAP_2017 = {"id": "A", "metric": "pm25_mean", "period": {"start": "2017-01", "end": "2017-12"},
            "kind": "absolute_cap", "value": 60}
BASE = {"id": "B", "metric": "pm25_mean", "period": AW, "kind": "reduction_vs_base_year", "base_year": 2016,
        "value": 10}


@pytest.mark.parametrize("target", [PM25_25, HEAVY_20, CAP_2017, BASE], ids=lambda t: t["kind"] + "/" + t["metric"])
@pytest.mark.parametrize("month, period_days", [("2017-10", 31), ("2018-01", 123), ("2018-03", 182), ("2018-04", None)])
def test_only_the_target_period_window_is_judged(target, month, period_days):
    # last year 100, this season 70 (a clear fall): the month and YTD windows would be "达标"
    # under the old rule; they are context whatever the data say.
    def aqi(dates):
        return np.where(dates < pd.Timestamp("2017-10-01"), 250.0, 50.0)  # heavy last season, none now

    dates = pd.date_range("2015-10-01", "2018-04-30", freq="D")
    d = pd.DataFrame({"date": dates, "pm25": np.where(dates < "2017-10-01", 100.0, 70.0), "aqi": aqi(dates)})
    res = evaluate_targets(_plan(target), None, d, month)
    by_window = res.set_index("window")
    in_period = target["period"]["start"] <= month <= target["period"]["end"]
    assert ("目标期累计" in by_window.index) == in_period
    for w in ("当月", "年初至今"):
        assert by_window.loc[w, "status"] == CONTEXT, (w, month)
    if month == "2018-01":  # the YTD window is January alone, the period window October–January
        assert by_window.loc["年初至今", "start"] == pd.Timestamp("2018-01-01")
    if in_period:
        p = by_window.loc["目标期累计"]
        assert p["status"] in ("达标", "未达标")
        if target is not CAP_2017:
            assert p["n_valid"] == period_days and p["start"] == pd.Timestamp("2017-10-01")
            assert p["status"] == "达标"  # 70 vs 100 (−30 %), 0 vs many heavy days
    if month == "2017-10" and target is not CAP_2017:  # in October month and period cover the same days
        assert by_window.loc["当月", "current"] == by_window.loc["目标期累计", "current"]


def test_context_windows_keep_data_shortage():
    d = _daily(100.0, 75.0)
    d = d[d["date"] >= "2017-10-01"]  # no last year: nothing to compare
    res = evaluate_targets(_plan(PM25_25), None, d, "2018-01")
    assert set(res["status"]) == {"数据不足"}


# ---- heavy-pollution-day allowance -------------------------------------------------------------------

def _heavy(last_days: int, this_days: int, month: str = "2017-12") -> pd.Series:
    def aqi(dates):
        a = np.full(len(dates), 80.0)
        a[np.isin(dates, pd.date_range("2016-11-01", periods=last_days, freq="D"))] = 230.0
        a[np.isin(dates, pd.date_range("2017-11-01", periods=this_days, freq="D"))] = 201.0
        return a

    end = str(month_end_ts(month).date())
    res = evaluate_targets(_plan(HEAVY_20), None, _daily(100.0, 75.0, end=end, aqi=aqi), month)
    return _one(res, "T02", "目标期累计")


def month_end_ts(month):
    return pd.Period(month, freq="M").end_time.normalize()


@pytest.mark.parametrize("last, allowed", [(0, 0), (1, 0), (5, 4), (10, 8), (12, 9), (15, 12)])
def test_heavy_day_allowance_rounds_down(last, allowed):
    r = _heavy(last, 0)
    assert r["comparison_full"] == last and r["allowed_total"] == allowed
    assert r["allowance"] == allowed and r["current"] == 0


def test_heavy_days_exactly_at_the_allowance_and_one_over():
    at = _heavy(10, 8)
    assert at["allowed_total"] == 8 and at["allowance"] == 0 and at["outlook"] == "仍可达成"
    over = _heavy(10, 9)
    assert over["allowance"] == -1 and over["outlook"] == "已无法达成"
    # at the period end: exactly the allowance is met, one over is missed
    assert _heavy(10, 8, "2018-03")["outlook"] == "期末已达成"
    assert _heavy(10, 9, "2018-03")["outlook"] == "期末未达成"


def test_heavy_days_with_none_last_year():
    zero = _heavy(0, 0)
    assert zero["allowed_total"] == 0 and zero["allowance"] == 0 and np.isnan(zero["change_pct"])
    one = _heavy(0, 1)
    assert one["allowance"] == -1 and one["outlook"] == "已无法达成"


def test_heavy_day_cap_and_strive_allowance():
    cap = {"id": "H", "metric": "heavy_pollution_days", "period": AW, "kind": "absolute_cap", "value": 7}
    strive = {"id": "S", "metric": "heavy_pollution_days", "period": AW, "kind": "reduction_vs_last_year",
              "value": None, "strive": True}

    def aqi(dates):
        a = np.full(len(dates), 80.0)
        a[np.isin(dates, pd.date_range("2016-11-01", periods=6, freq="D"))] = 230.0
        a[np.isin(dates, pd.date_range("2017-11-01", periods=2, freq="D"))] = 230.0
        return a

    res = evaluate_targets(_plan(cap, strive), None, _daily(100.0, 75.0, end="2017-12-31", aqi=aqi), "2017-12")
    assert _one(res, "H", "目标期累计")[["allowed_total", "allowance"]].tolist() == [7, 5]
    assert _one(res, "S", "目标期累计")[["allowed_total", "allowance"]].tolist() == [5, 3]


def test_day_counts_display_as_integers():
    from airlib.tracking.targets import to_display

    shown = to_display(evaluate_targets(_plan(PM25_25, HEAVY_20), None,
                                        _daily(100.0, 75.0, end="2017-12-31"), "2017-12"))
    heavy = shown[shown["目标编号"] == "T02"]
    for col in ("当期值", "对比期值", "全期允许天数", "剩余时段允许值"):
        vals = [v for v in heavy[col] if not (isinstance(v, float) and np.isnan(v))]
        assert all(isinstance(v, int) for v in vals), (col, vals)
        assert all("." not in str(v) for v in vals)
    pm = shown[(shown["目标编号"] == "T01") & (shown["统计时段"] == "目标期累计")]
    assert isinstance(pm["剩余时段允许值"].iloc[0], float)
