"""The demo's SYNTHETIC alert log (airlib.demo.alert_log): labelled, readable, consistent with the hourly data."""

from __future__ import annotations

import pandas as pd
import pytest

from airlib.demo.alert_log import demo_alert_log, observed_episodes, write_demo_alert_log
from airlib.demo.generator import generate_hourly
from airlib.demo.registry import stations_frame, towns_frame
from airlib.io.alert_log import read_alert_log
from airlib.report.config import DEMO
from airlib.tracking.alerts import verify_alerts


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    hourly = generate_hourly("2016-12")
    paths = write_demo_alert_log(folder, hourly, stations_frame(), towns_frame())
    return paths[0], hourly


def test_file_is_labelled_synthetic_and_deterministic(written, tmp_path):
    path, hourly = written
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# SYNTHETIC") and "合成数据" in first
    again = write_demo_alert_log(tmp_path, hourly, stations_frame(), towns_frame())[0]
    assert again.read_bytes() == path.read_bytes()
    assert DEMO.alert_log == "data/raw/demo/alerts/alert_log.csv"


def test_verification_finds_the_planted_miss_false_alarm_and_upgrade(written):
    path, hourly = written
    log = read_alert_log(path)
    assert (log["change"] == "upgrade").sum() == 1
    ep = observed_episodes(hourly, stations_frame(), towns_frame())
    assert len(ep) >= 3  # the demo month has episodes enough for a hit, the miss and the upgrade
    v = verify_alerts(log, ep, area=DEMO.name)
    episodes = ep
    assert v.summary["misses"] == 1 and v.summary["false_alarms"] == 1
    assert v.summary["hits"] == len(episodes) - 1
    # every hit alert starts 4 h before its episode's first hour
    hits = v.alerts[v.alerts["outcome"] == "hit"]
    assert (hits["start_lead_hours"] == 4).all()


def test_no_episodes_no_alerts():
    empty = pd.DataFrame({"start": pd.Series(dtype="datetime64[ns]"), "end": pd.Series(dtype="datetime64[ns]"),
                          "level": pd.Series(dtype=str)})
    assert demo_alert_log(empty).empty
