"""Issued alerts vs observed episodes (hits, misses, false alarms, POD/FAR/CSI) and alert days per season."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airlib.errors import InputDataError
from airlib.settings import Settings
from airlib.tracking.alerts import (alert_day_counts, alert_days, alert_hours, issued_alerts, season_labels,
                                    verify_alerts)

T = pd.Timestamp


def _log(rows):
    return pd.DataFrame(rows, columns=["level", "start", "end", "area"]).assign(
        start=lambda d: pd.to_datetime(d["start"]), end=lambda d: pd.to_datetime(d["end"]))


def _episodes(rows):
    """A2-style episode frame, constructed directly (airlib.standards.alerts.alert_episodes)."""
    f = pd.DataFrame(rows, columns=["start", "end", "level"])
    f["start"], f["end"] = pd.to_datetime(f["start"]), pd.to_datetime(f["end"])
    f.insert(0, "episode", np.arange(1, len(f) + 1))
    f["level_zh"] = f["level"].map({"blue": "蓝色预警", "yellow": "黄色预警", "orange": "橙色预警", "red": "红色预警"})
    f["peak_aqi"] = 250
    f["hours"] = ((f["end"] - f["start"]) / pd.Timedelta(hours=1)).astype(int)
    f["heavy_hours"] = f["hours"]
    f["merged"] = 1
    f["early_start"] = False
    return f


def test_hits_misses_false_alarms_and_scores():
    log = _log([
        ("yellow", "2017-12-01 20:00", "2017-12-02 12:00", "甲区"),   # upgraded to orange: one alert
        ("orange", "2017-12-02 12:00", "2017-12-04 00:00", "甲区"),
        ("blue", "2018-01-05 00:00", "2018-01-06 00:00", "甲区"),     # nothing observed: false alarm
        ("red", "2018-02-01 00:00", "2018-02-03 00:00", "乙区"),      # another district: ignored
    ])
    ep = _episodes([
        ("2017-12-02 02:00", "2017-12-03 10:00", "orange"),          # hit, same level, lead 6 h
        ("2017-12-20 00:00", "2017-12-21 00:00", "yellow"),          # miss
    ])
    v = verify_alerts(log, ep, area="甲区")
    s = v.summary
    assert (s["n_alerts"], s["n_episodes"], s["hits"], s["misses"], s["false_alarms"]) == (2, 2, 1, 1, 1)
    assert s["pod"] == pytest.approx(0.5) and s["far"] == pytest.approx(0.5) and s["csi"] == pytest.approx(1 / 3)
    hit = v.alerts[v.alerts["outcome"] == "hit"].iloc[0]
    assert hit["level"] == "orange" and bool(hit["upgraded"]) and hit["agreement"] == "same"
    assert hit["start_lead_hours"] == pytest.approx(6.0)
    assert v.episodes["outcome"].tolist() == ["hit", "miss"]


@pytest.mark.parametrize("alert_end, outcome", [
    ("2017-12-02 02:00", "false_alarm"),  # ends exactly when the episode starts: no shared hour
    ("2017-12-02 03:00", "hit"),          # one shared hour
])
def test_overlap_edge_is_half_open(alert_end, outcome):
    log = _log([("yellow", "2017-12-01 00:00", alert_end, "甲区")])
    ep = _episodes([("2017-12-02 02:00", "2017-12-03 00:00", "yellow")])
    assert verify_alerts(log, ep).alerts["outcome"].iloc[0] == outcome


@pytest.mark.parametrize("issued, observed, agreement", [
    ("red", "orange", "issued_higher"), ("blue", "yellow", "issued_lower"), ("orange", "orange", "same")])
def test_level_agreement(issued, observed, agreement):
    log = _log([(issued, "2017-12-02 00:00", "2017-12-03 00:00", "全市")])
    ep = _episodes([("2017-12-01 12:00", "2017-12-02 06:00", observed)])
    v = verify_alerts(log, ep, area="甲区")  # a 全市 alert counts for the district
    a = v.alerts.iloc[0]
    assert a["agreement"] == agreement and a["start_lead_hours"] == pytest.approx(-12.0)  # late by 12 h
    assert verify_alerts(log, ep, area="甲区", include_citywide=False).summary["n_alerts"] == 0


def test_one_alert_two_episodes_counts_two_hits_and_period_filter():
    log = _log([("orange", "2017-12-01 00:00", "2017-12-06 00:00", "甲区"),
                ("blue", "2018-03-01 00:00", None, "甲区")])  # still in force, outside the period
    ep = _episodes([("2017-12-01 06:00", "2017-12-02 00:00", "yellow"), ("2017-12-04 00:00", "2017-12-05 00:00", "orange")])
    v = verify_alerts(log, ep, period=("2017-11-01", "2018-01-01"))
    assert (v.summary["hits"], v.summary["alerts_hit"], v.summary["false_alarms"], v.summary["n_alerts"]) == (2, 1, 0, 1)
    assert v.summary["csi"] == 1.0
    v2 = verify_alerts(log, ep)  # without the period the open blue alert is a false alarm
    assert v2.summary["false_alarms"] == 1


def test_empty_inputs_give_nan_scores():
    v = verify_alerts(_log([]), _episodes([]))
    assert v.summary["n_alerts"] == 0 and np.isnan(v.summary["pod"]) and np.isnan(v.summary["far"])
    with pytest.raises(InputDataError, match="lacks column"):
        verify_alerts(_log([]), pd.DataFrame({"start": []}))
    with pytest.raises(InputDataError, match="unknown alert level"):
        verify_alerts(_log([("purple", "2017-12-01", "2017-12-02", "甲区")]), _episodes([]))


def test_issued_alerts_sequences():
    log = _log([("yellow", "2017-12-01 00:00", "2017-12-02 00:00", "甲区"),
                ("red", "2017-12-02 00:00", "2017-12-03 00:00", "甲区"),
                ("yellow", "2017-12-03 01:00", "2017-12-04 00:00", "甲区")])
    a = issued_alerts(log)
    assert a["level"].tolist() == ["red", "yellow"] and a["rows"].tolist() == [2, 1]
    assert a["upgraded"].tolist() == [True, False]


def test_alert_hours_partial_hour_not_covered():
    log = _log([("orange", "2017-12-01 08:30", "2017-12-01 11:00", "甲区")])
    h = alert_hours(log, pd.date_range("2017-12-01 08:00", periods=4, freq="h"))
    assert h.isna().tolist() == [True, False, False, True]  # 08:00 partly, 09, 10 fully, 11 not


def test_alert_days_highest_level_any_part_and_setting():
    log = _log([("yellow", "2017-12-01 20:00", "2017-12-02 12:00", "甲区"),
                ("orange", "2017-12-02 12:00", "2017-12-04 00:00", "甲区")])
    d = alert_days(log)
    assert d["date"].tolist() == [T("2017-12-01"), T("2017-12-02"), T("2017-12-03")]
    assert d["level"].tolist() == ["yellow", "orange", "orange"]  # Dec 2: 12 h yellow, 12 h orange → orange
    assert d["hours"].tolist() == [4.0, 12.0, 24.0]
    d5 = alert_days(log, settings=Settings(alert_day_min_hours=5))  # 4 h on Dec 1 no longer enough
    assert d5["date"].tolist() == [T("2017-12-02"), T("2017-12-03")]
    d12 = alert_days(log, settings=Settings(alert_day_min_hours=12))  # 12 h is not more than 12
    assert d12["date"].tolist() == [T("2017-12-03")]


@pytest.mark.parametrize("day, heating, campaign", [
    ("2016-11-14", "非采暖季", "2016–2017秋冬季"), ("2016-11-15", "2016–2017采暖季", "2016–2017秋冬季"),
    ("2017-03-15", "2016–2017采暖季", "2016–2017秋冬季"), ("2017-03-16", "非采暖季", "2016–2017秋冬季"),
    ("2017-03-31", "非采暖季", "2016–2017秋冬季"), ("2017-04-01", "非采暖季", "其他"),
    ("2016-09-30", "非采暖季", "其他"), ("2016-10-01", "非采暖季", "2016–2017秋冬季"),
])
def test_season_edges(day, heating, campaign):
    d = pd.Series([T(day)])
    assert season_labels(d, "heating").iloc[0] == heating
    assert season_labels(d, "campaign").iloc[0] == campaign


def test_season_setting_and_bad_setting():
    s = Settings(heating_season=("11-01", "03-31"))
    assert season_labels(pd.Series([T("2016-11-01")]), "heating", s).iloc[0] == "2016–2017采暖季"
    with pytest.raises(InputDataError, match="MM-DD"):
        season_labels(pd.Series([T("2016-11-01")]), "heating", Settings(heating_season=("11-31", "03-15")))


def test_alert_day_counts_per_month_and_season():
    log = _log([("orange", "2017-03-14 00:00", "2017-03-17 00:00", "甲区"),
                ("red", "2016-12-31 12:00", "2017-01-01 12:00", "甲区")])
    d = alert_days(log)
    m = alert_day_counts(d, "month")
    assert m["period"].tolist() == ["2016-12", "2017-01", "2017-03"]
    assert m["red"].tolist() == [1, 1, 0] and m["orange"].tolist() == [0, 0, 3] and m["total"].sum() == 5
    h = alert_day_counts(d, "heating").set_index("period")
    assert h.loc["2016–2017采暖季", "total"] == 4 and h.loc["非采暖季", "orange"] == 1  # Mar 16
    c = alert_day_counts(d, "campaign")
    assert c["total"].tolist() == [5]


# ---- district_episodes: the one "what the observations support" (issue #15 wiring)
def _district_hourly(pm_by_hour):
    from airlib.demo.registry import stations_frame, towns_frame

    st = stations_frame()
    times = pd.date_range("2016-12-01", periods=len(pm_by_hour), freq="h")
    rows = pd.DataFrame({"station": np.repeat(st["station"].to_numpy(), len(times)),
                         "time": np.tile(times.to_numpy(), len(st)),
                         "pm25": np.tile(np.asarray(pm_by_hour, float), len(st))})
    for c in ("pm10", "so2", "no2", "co", "o3"):
        rows[c] = {"pm10": 50.0, "so2": 5.0, "no2": 20.0, "co": 0.5, "o3": 30.0}[c]
    return rows, st, towns_frame()


def test_district_episodes_is_alert_episodes_of_the_district_rolling_aqi():
    from airlib.io.plans import load_alert_scheme
    from airlib.standards.alerts import alert_episodes
    from airlib.tracking.alerts import DEFAULT_ALERT_SCHEME, district_episodes
    from airlib.tracking.rolling_aqi import unit_rolling_aqi

    pm = [40.0] * 48 + [260.0] * 72 + [30.0] * 96  # three heavy days, then clean: one episode, lifted
    hourly, st, towns = _district_hourly(pm)
    ep = district_episodes(hourly, st, towns, "演示区", "2016-12-01", "2016-12-10")
    ref = alert_episodes(unit_rolling_aqi(hourly, st, level="district", towns=towns),
                         load_alert_scheme(DEFAULT_ALERT_SCHEME))
    assert len(ep) == 1 and len(ref) == 1
    for c in ("start", "end", "level", "peak_aqi", "hours"):
        assert ep[c].iloc[0] == ref[c].iloc[0]
    assert ep["start"].iloc[0] > pd.Timestamp("2016-12-03") and pd.notna(ep["end"].iloc[0])
    # a span that does not reach the episode has none; a span inside it keeps it
    assert district_episodes(hourly, st, towns, "演示区", "2016-12-01", "2016-12-02").empty
    inside = district_episodes(hourly, st, towns, "演示区", "2016-12-05", "2016-12-05 01:00")
    assert len(inside) == 1 and inside["episode"].tolist() == [1]


def test_district_alert_rules_take_the_plan_in_force_else_the_default():
    from airlib.io.plans import alert_rules, load_alert_scheme, load_plan
    from airlib.paths import PROJECT_ROOT
    from airlib.tracking.alerts import DEFAULT_ALERT_SCHEME, district_alert_rules

    plan = load_plan(PROJECT_ROOT / "data/raw/plans/mentougou_2017_autumn_winter.yaml", warn=False)
    assert district_alert_rules([plan], "2017-12", "门头沟区") == alert_rules(plan)
    # outside its period, or another district: the default scheme
    assert district_alert_rules([plan], "2019-12", "门头沟区") == load_alert_scheme(DEFAULT_ALERT_SCHEME)
    assert district_alert_rules([plan], "2017-12", "西城区") == load_alert_scheme(DEFAULT_ALERT_SCHEME)
