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
