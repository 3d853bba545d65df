"""重污染天气应对 section: the checked sentence and the facts behind it (airlib.report.content.alert_facts)."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from airlib.errors import AirlibError
from airlib.report.config import DEMO
from airlib.report.content import alert_facts
from airlib.report.sections import heavy_pollution_response
from airlib.report.sentences import AlertSummary, alert_summary, check_alert_summary, require_true_alert_summary
from airlib.tracking.alerts import alert_days, issued_alerts, verify_alerts

T = pd.Timestamp
LOG = ("# SYNTHETIC test\n预警级别,发布时间,开始时间,解除时间,区域\n"
       "黄色预警,,2016-12-01 20:00,2016-12-03 00:00,门头沟区\n"      # hit (episode Dec 2)
       "升级为橙色预警,,2016-12-02 00:00,2016-12-04 00:00,门头沟区\n"  # upgrade of it
       "蓝色预警,,2016-12-20 00:00,2016-12-21 00:00,全市\n"          # false alarm
       "红色预警,,2016-11-20 00:00,2016-11-21 00:00,门头沟区\n")      # November: season only, a hit


def _episodes():
    """Observed episodes as airlib.tracking.alerts.district_episodes gives them (hour starts,
    exclusive ends)."""
    return pd.DataFrame({
        "district_code": "110109", "episode": [1, 2, 3],
        "start": [T("2016-11-20 06:00"), T("2016-12-02 03:00"), T("2016-12-10 05:00")],
        "end": [T("2016-11-22 10:00"), T("2016-12-05 14:00"), T("2016-12-11 20:00")],
        "level": ["orange", "orange", "orange"]})


OBSERVED_FROM = T("2016-11-01 23:00")


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("AIRLIB_HOME", str(tmp_path))
    (tmp_path / "alerts").mkdir()
    (tmp_path / "alerts" / "log.csv").write_text(LOG, encoding="utf-8")
    return dataclasses.replace(DEMO, alert_log="alerts/log.csv")


def test_facts_and_sentence_of_a_month(project):
    f = alert_facts(project, _episodes(), "2016-12", observed_from=OBSERVED_FROM)
    s = f["summary"]
    assert s.alerts == 2 and s.alert_days == 4  # Dec 1 (from 20:00), 2, 3 and Dec 20 (全市)
    # season 2016–2017采暖季 from Nov 15: Nov 20 red + the 4 December days
    assert s.season_days == 5
    # episodes Nov 20, Dec 2–3, Dec 10 (missed); the blue alert of Dec 20 is a false alarm
    assert (s.hits, s.misses, s.false_alarms) == (2, 1, 1)
    assert s.text.startswith("2016年12月，本区执行重污染天气预警2次（蓝色预警1次、橙色预警1次），预警天数4天。")
    assert "2016–2017采暖季截至本月底累计预警5天（蓝色预警1天、黄色预警1天、橙色预警2天、红色预警1天）" in s.text  # Dec 1: yellow from 20:00
    assert "预警命中2次、漏报1次，空报1次" in s.text
    en = alert_facts(project, _episodes(), "2016-12", "en", observed_from=OBSERVED_FROM)["summary"].text
    assert "2016–2017 heating season" in en and "2 hit(s), 1 miss(es), 1 false alarm(s)" in en


def test_month_outside_the_heating_season_has_no_season_sentence(project):
    s = alert_facts(project, _episodes(), "2016-10")["summary"]
    assert s.text == "2016年10月，本区未执行重污染天气预警。" and s.season_days is None and s.hits is None


def test_no_alert_log_no_section():
    assert alert_facts(dataclasses.replace(DEMO, alert_log=None), _episodes(), "2016-12") is None
    req = SimpleNamespace(language="zh", month=pd.Period("2016-12", "M"), project_root=None)
    data = SimpleNamespace(config=dataclasses.replace(DEMO, alert_log=None), alert_episodes=_episodes(), observed_from=OBSERVED_FROM)
    assert heavy_pollution_response(req, data) == []


def test_section_shows_heading_sentence_and_note(project):
    req = SimpleNamespace(language="zh", month=pd.Period("2016-12", "M"), project_root=None)
    out = heavy_pollution_response(req, SimpleNamespace(config=project, alert_episodes=_episodes(), observed_from=OBSERVED_FROM))
    assert [o.data.split("\n")[0] for o in out][0] == "## 五、重污染天气应对" and len(out) == 3


def test_checker_catches_a_wrong_sentence():
    log = pd.DataFrame({"level": ["orange"], "start": [T("2016-12-02")], "end": [T("2016-12-04")], "area": ["甲区"]})
    alerts = issued_alerts(log)
    days = alert_days(log)
    ep = pd.DataFrame({"episode": [1], "start": [T("2016-12-02")], "end": [T("2016-12-03")], "level": ["orange"]})
    v = verify_alerts(log, ep)
    good = alert_summary(alerts, days, "2016年12月", season="采暖季", season_days=days, verification=v,
                         period=("2016-11-15", "2016-12-31"))
    assert check_alert_summary(good, alerts, days, days, v) == []
    wrong = dataclasses.replace(good, alert_days=3, text=good.text.replace("预警天数2天", "预警天数3天"))
    assert any("alert days" in p for p in check_alert_summary(wrong, alerts, days, days, v))
    wrong = dataclasses.replace(good, hits=0)
    with pytest.raises(AirlibError, match="hits"):
        require_true_alert_summary(wrong, alerts, days, days, v)
    wrong = dataclasses.replace(good, text=good.text.replace("橙色预警1次", "红色预警1次"))
    assert any("橙色预警1次" in p for p in check_alert_summary(wrong, alerts, days, days, v))
    assert isinstance(good, AlertSummary)


# ---- 预报检验 (forecast verification in the 重污染天气应对 section) --------------------------------
def _verification():
    from airlib.tracking.forecasts import verify_forecasts

    days = pd.date_range("2016-12-01", periods=4, freq="D")
    fc = pd.DataFrame({
        "issued": list(days - pd.Timedelta(days=1)) + list(days - pd.Timedelta(days=2)),
        "target_date": list(days) * 2, "lead_days": [1] * 4 + [2] * 4, "area": "门头沟区",
        "aqi_low": pd.array([40, 90, 160, 210, 60, 60, 60, 60], dtype="Int64"),
        "aqi_high": pd.array([60, 110, 180, 250, 80, 80, 80, 80], dtype="Int64"),
        "category_low": pd.array([1, 2, 4, 5, 2, 2, 2, 2], dtype="Int64"),
        "category": pd.array([2, 3, 4, 5, 2, 2, 2, 2], dtype="Int64"),
        "primary": pd.NA, "source": "f.csv", "row": range(2, 10)})
    observed = pd.DataFrame({"date": days, "aqi": [45, 130, 170, 310]})  # lead 1: 3 of 4 categories right
    return verify_forecasts(fc, observed, by=("lead_days",))


def test_forecast_sentence_states_the_lead_1_numbers_and_is_checked():
    from airlib.report.sentences import check_forecast_summary, forecast_summary, require_true_forecast_summary

    table = _verification()
    s = forecast_summary(table, "2016年12月")
    # lead 1: observed 45, 130, 170, 310 − forecast mids 50, 100, 170, 230 → bias (−5+30+0+80)/4 = 26.25 → 26
    assert (s.lead_days, s.n_verified, s.hit_rate, s.bias) == (1, 4, 75.0, 26.0)
    assert s.text == "2016年12月空气质量预报检验：提前1天的预报有观测对照4次，级别准确率75%，AQI平均偏差（实测−预报）+26。"
    assert check_forecast_summary(s, table) == []
    wrong = dataclasses.replace(s, text=s.text.replace("75%", "80%"))
    with pytest.raises(AirlibError, match="75%"):
        require_true_forecast_summary(wrong, table)
    none = forecast_summary(table.iloc[0:0], "2016年12月")
    assert none.text == "2016年12月无可与观测对照的空气质量预报。" and check_forecast_summary(none, table.iloc[0:0]) == []


def test_section_shows_forecast_table_with_forecasts_alone():
    from airlib.report.numbering import Numbering

    req = SimpleNamespace(language="zh", month=pd.Period("2016-12", "M"), project_root=None, bottom_n=5)
    data = SimpleNamespace(config=dataclasses.replace(DEMO, alert_log=None), alert_episodes=None, observed_from=None,
                           forecast_verification=_verification(), month=pd.Period("2016-12", "M"),
                           numbering=Numbering(tables={"ranking": 1}))
    out = heavy_pollution_response(req, data)
    assert out[0].data == "## 五、重污染天气应对" and len(out) == 3
    assert "级别准确率75%" in out[1].data
    assert "表2 2016年12月空气质量预报检验（按预报时效）" in out[2].data and ">75.0<" in out[2].data


def test_forecast_workbook_sheet(tmp_path):
    from airlib.report.content import forecast_display

    shown = forecast_display(_verification())
    assert list(shown.columns)[:4] == ["预报时效(天)", "预报次数", "有观测", "级别准确率(%)"]
    # bias 26.25 and MAE (5 + 30 + 0 + 80)/4 = 28.75 by GB/T 8170 to one decimal: 26.2, 28.8
    assert shown.iloc[0].tolist()[:6] == [1, 4, 4, 75.0, 26.2, 28.8]
    assert shown.iloc[0].tolist()[6:] == [1, 1, 100.0, 0.0]  # the 310 day: heavy+ observed and forecast


def test_monthly_forecast_verification_uses_the_month_and_the_report_daily_aqi(tmp_path):
    from airlib.demo.forecasts import write_demo_forecasts
    from airlib.demo.generator import generate_hourly
    from airlib.demo.registry import stations_frame, towns_frame
    from airlib.io.forecasts import read_forecasts
    from airlib.report.data import district_daily_aqi, forecast_verification

    hourly = generate_hourly("2016-01")
    hourly = hourly[hourly["time"] >= T("2015-12-01")]
    stations, towns = stations_frame(), towns_frame()
    path = write_demo_forecasts(tmp_path, hourly, towns, stations, DEMO.name, 1)[0]
    cfg = dataclasses.replace(DEMO, forecasts=str(path), alert_log=None)
    clean = hourly.copy()
    cols = ["pm25", "pm10", "so2", "no2", "co", "o3"]
    clean[cols] = clean[cols].where(clean[cols] >= 0)
    table = forecast_verification(cfg, pd.Period("2016-01", "M"), clean, towns, stations, tmp_path)
    fc = read_forecasts(path)
    in_month = fc[(fc["target_date"] >= T("2016-01-01")) & (fc["target_date"] <= T("2016-01-31"))]
    assert table["n"].sum() == len(in_month) and table["lead_days"].tolist() == [1, 2, 3]
    # the observed AQI is the report's daily path: a category hit recounted from it agrees
    obs = district_daily_aqi(clean, towns, stations, T("2016-01-01"), T("2016-01-31"))
    lead1 = in_month[in_month["lead_days"] == 1].merge(obs, left_on="target_date", right_on="date")
    edges = [50, 100, 150, 200, 300]  # HJ 633 category upper bounds: levels 1–6
    cat = pd.Series(np.searchsorted(edges, lead1["aqi"].astype("float64").to_numpy(), side="left") + 1)
    hits = ((cat >= lead1["category_low"].to_numpy()) & (cat <= lead1["category"].to_numpy())).mean()
    assert table.loc[table["lead_days"] == 1, "hit_rate"].iloc[0] == pytest.approx(float(hits))
    assert forecast_verification(dataclasses.replace(cfg, forecasts=None), pd.Period("2016-01", "M"), clean,
                                 towns, stations, tmp_path) is None
