"""Tests of airlib.standards.alerts: rolling 24-h AQI and alert episodes ([SEED-001] §28–§29).

Every rule at its edge: 35 vs 36 hours of 轻度 in the gap (36 vs 37 when the lift is exclusive),
150 vs 151 in the gap, 11 vs 12 hours of forecast 重度, cross-midnight episodes, upgrades, the
issue's example, the plan file's ratios against the seed, and one real winter episode.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from airlib.errors import InputDataError
from airlib.io.plans import alert_rules, alert_scheme_ids, load_alert_scheme, load_plan
from airlib.standards.alerts import (
    AlertRules,
    alert_episodes,
    alert_status,
    day_hours,
    rolling_aqi,
    rolling_concentrations,
)

ROOT = Path(__file__).resolve().parents[2]
MENTOUGOU = ROOT / "data" / "raw" / "plans" / "mentougou_2017_autumn_winter.yaml"
T0 = pd.Timestamp("2016-12-01 00:00")


@pytest.fixture(scope="module")
def rules() -> AlertRules:
    return alert_rules(load_plan(MENTOUGOU, warn=False))


def hourly(values, start=T0) -> pd.DataFrame:
    """A rolling-AQI frame (one unit) from hourly values; None = invalid hour."""
    v = pd.array([None if x is None else int(x) for x in values], dtype="Int64")
    return pd.DataFrame({"time": pd.date_range(start, periods=len(v), freq="h"), "aqi": v,
                         "valid": ~np.asarray(v.isna())})


def daily(values, start=T0) -> pd.DataFrame:
    """Each daily value held for its 24 hours, between two clean days."""
    return hourly([100] * 24 + [x for x in values for _ in range(24)] + [100] * 48, start)


# ------------------------------------------------------------------------------ criteria
def test_days_are_non_overlapping_windows():
    assert [day_hours(d) for d in (1, 2, 3, 4)] == [1, 25, 49, 73]
    for bad in (0, 1.5):
        with pytest.raises(InputDataError, match="whole number"):
            day_hours(bad)


@pytest.mark.parametrize(
    "values, level",
    [
        ([200, 100], None),  # AQI 200 is not > 200
        ([201, 100], "blue"),
        ([201, 250], "yellow"),
        ([201, 250, 290], "yellow"),  # 3 days but none > 300
        ([201, 301, 250], "orange"),
        ([201, 301, 250, 300], "orange"),  # 4 days, only one > 300
        ([201, 301, 250, 301], "red"),
        ([500], "red"),  # AQI >= 500 for a day
        ([499], "blue"),
    ],
)
def test_mee_2017_levels_on_day_constant_series(rules, values, level):
    e = alert_episodes(daily(values), rules)
    if level is None:
        assert e.empty
    else:
        assert len(e) == 1 and e.loc[0, "level"] == level


def test_day_count_edge_in_hours(rules):
    # yellow needs 25 hours > 200 (two non-overlapping 24-h windows); 24 are blue
    assert alert_episodes(hourly([100] * 5 + [210] * 24 + [100] * 40), rules).loc[0, "level"] == "blue"
    assert alert_episodes(hourly([100] * 5 + [210] * 25 + [100] * 40), rules).loc[0, "level"] == "yellow"


@pytest.mark.parametrize(
    "values, level",
    [
        ([180], None),  # one 中度 day
        ([180, 160], "yellow"),  # 2 days 中度
        ([201], "yellow"),  # 1 day 重度
        ([180, 160, 170], "orange"),  # 3 days 中度
        ([201, 160, 220], "orange"),  # 2 days 重度
        ([201, 250, 290], "orange"),  # 3 days 重度 but none 严重
        ([201, 250, 301], "red"),
    ],
)
def test_beijing_2023_levels(values, level):
    e = alert_episodes(daily(values), load_alert_scheme("beijing-2023"))
    if level is None:
        assert e.empty
    else:
        assert len(e) == 1 and e.loc[0, "level"] == level


def test_beijing_2018_scheme_and_its_unverified_parts_as_data():
    r = load_alert_scheme("beijing-2018")
    assert alert_episodes(daily([201, 210, 220]), r).loc[0, "level"] == "orange"
    assert alert_episodes(daily([201, 210]), r).loc[0, "level"] == "yellow"
    assert "UNVERIFIED" in r.certainty["yellow"] and r.certainty["orange"].startswith("[S]")
    custom = dataclasses.replace(r, criteria={**r.criteria, "yellow": ({200: 25, 300: 1},)})
    assert alert_episodes(daily([201, 210]), custom).loc[0, "level"] == "blue"
    assert set(alert_scheme_ids()) >= {"mee-2017", "beijing-2018", "beijing-2023"}
    with pytest.raises(InputDataError, match="unknown alert scheme"):
        load_alert_scheme("nowhere")


# ----------------------------------------------------------------------------- the issue
def test_issue_example_one_episode_under_the_plan(rules):
    # 210, 210, 180, 180, 210: the 180 days are 中度, not a lift: one process (yellow)
    e = alert_episodes(daily([210, 210, 180, 180, 210]), rules)
    assert len(e) == 1
    r = e.iloc[0]
    assert r["merged"] == 2 and r["level"] == "yellow" and r["heavy_hours"] == 72
    assert r["start"] == T0 + pd.Timedelta(hours=24)
    # lifted 36 h into the clean days that follow the last 210 day
    assert r["end"] == T0 + pd.Timedelta(hours=24 * 6 + 36)
    # 120 instead of 180: 48 hours of 轻度 lift the alert in between: two episodes
    e2 = alert_episodes(daily([210, 210, 120, 120, 210]), rules)
    assert list(e2["level"]) == ["yellow", "blue"] and list(e2["merged"]) == [1, 1]


# ------------------------------------------------------------------------------- lifting
@pytest.mark.parametrize("gap, n_episodes", [(35, 1), (36, 2)])
def test_lift_35_vs_36_hours(rules, gap, n_episodes):
    v = [100] * 5 + [210] * 30 + [120] * gap + [210] * 5 + [100] * 40
    e = alert_episodes(hourly(v), rules)
    assert len(e) == n_episodes
    if n_episodes == 2:
        # lifted at the end of the 36th hour of 轻度: end (exclusive) = start of the next process
        assert e.loc[0, "end"] == T0 + pd.Timedelta(hours=5 + 30 + 36)
        assert e.loc[0, "hours"] == 30 + 36 and e.loc[1, "start"] == e.loc[0, "end"]
    else:
        assert e.loc[0, "merged"] == 2 and e.loc[0, "hours"] == 30 + 35 + 5 + 36


@pytest.mark.parametrize("gap, n_episodes", [(36, 1), (37, 2)])
def test_exclusive_lift_reading_36_vs_37(rules, gap, n_episodes):
    strict = dataclasses.replace(rules, lift_inclusive=False)
    v = [100] * 5 + [210] * 30 + [120] * gap + [210] * 5 + [100] * 40
    assert len(alert_episodes(hourly(v), strict)) == n_episodes


@pytest.mark.parametrize("gap_value, n_episodes", [(150, 2), (151, 1)])
def test_gap_at_150_lifts_151_does_not(rules, gap_value, n_episodes):
    v = [100] * 5 + [210] * 30 + [gap_value] * 40 + [210] * 5 + [100] * 40
    assert len(alert_episodes(hourly(v), rules)) == n_episodes


def test_one_moderate_hour_or_invalid_hour_breaks_the_lift_streak(rules):
    for breaker in (151, None):
        v = [100] * 5 + [210] * 30 + [120] * 20 + [breaker] + [120] * 20 + [210] * 5 + [100] * 40
        e = alert_episodes(hourly(v), rules)
        assert len(e) == 1 and e.loc[0, "merged"] == 2


def test_not_lifted_by_the_end_of_the_data(rules):
    e = alert_episodes(hourly([100] * 5 + [210] * 30 + [120] * 35), rules)
    assert len(e) == 1 and pd.isna(e.loc[0, "end"]) and e.loc[0, "hours"] == 65


# ------------------------------------------------------------------ cross-midnight, upgrade
def test_cross_midnight_episode(rules):
    start = pd.Timestamp("2016-12-01 20:00")
    v = [100] * 20 + [230] * 30 + [100] * 40  # 20:00 on the 1st to 01:00 on the 3rd
    e = alert_episodes(hourly(v), rules)
    assert len(e) == 1
    r = e.iloc[0]
    assert r["start"] == start and r["level"] == "yellow"  # 30 h > 200: two windows
    assert r["end"] == start + pd.Timedelta(hours=30 + 36)  # 2016-12-04 14:00
    assert r["end"].date() != r["start"].date()


def test_upgrade_hour_and_merge_counts_across_the_gap(rules):
    # 20 h > 200 (blue), 10 h 中度, 10 h > 200: one process of 30 hours > 200 → yellow
    v = [100] * 5 + [210] * 20 + [180] * 10 + [310] * 10 + [100] * 40
    st = alert_status(hourly(v), rules)
    e = alert_episodes(hourly(v), rules)
    assert len(e) == 1 and e.loc[0, "level"] == "yellow" and e.loc[0, "merged"] == 2
    up = st[st["upgrade"]]
    # blue at the first hour > 200; yellow at the 25th hour > 200 (the 5th of the second run)
    assert list(up["level"]) == ["blue", "yellow"]
    assert list(up["time"]) == [T0 + pd.Timedelta(hours=5), T0 + pd.Timedelta(hours=5 + 20 + 10 + 4)]
    # the level never falls back inside the episode, and the gap hours are in force
    inside = st[st["episode"].notna()]
    assert inside["level"].iloc[0] == "blue" and (inside["level"].iloc[34:] == "yellow").all()
    assert st.loc[st["time"] == T0 + pd.Timedelta(hours=28), "level"].iloc[0] == "blue"
    assert e.loc[0, "peak_aqi"] == 310 and e.loc[0, "severe_hours"] == 10


def test_units_are_separate_episodes_numbered_on(rules):
    a = hourly([100] * 5 + [210] * 30 + [100] * 40).assign(town_code="A")
    b = hourly([100] * 10 + [250] * 5 + [100] * 40).assign(town_code="B")
    e = alert_episodes(pd.concat([b, a], ignore_index=True), rules)
    assert list(e["town_code"]) == ["A", "B"] and list(e["episode"]) == [1, 2]
    assert list(e["level"]) == ["yellow", "blue"]


# --------------------------------------------------------------------------- early start
def _forecast(first_hour: int, n: int, value: int = 230) -> pd.DataFrame:
    return pd.DataFrame({"time": pd.date_range(T0 + pd.Timedelta(hours=first_hour), periods=n, freq="h"),
                         "aqi": value})


@pytest.mark.parametrize("forecast_hours, early", [(11, False), (12, True)])
def test_early_upgrade_with_11_vs_12_hours_of_forecast_heavy(rules, forecast_hours, early):
    # 14 observed hours > 200 (hours 5..18); forecast: 重度 from hour 19 on.
    v = [100] * 5 + [210] * 14 + [100] * 60
    fc = _forecast(19, forecast_hours)
    st = alert_status(hourly(v), rules, fc)
    at = st.set_index("time").loc[T0 + pd.Timedelta(hours=18)]
    # 14 observed + 12 forecast hours > 200 = 26 >= 25: yellow from the 14th observed hour
    assert bool(at["level"] == "yellow") == early and bool(at["early"]) == early
    assert alert_episodes(hourly(v), rules, fc).loc[0, "level"] == ("yellow" if early else "blue")


def test_early_start_needs_heavy_observed(rules):
    # a forecast of 24 h 重度 from the next hour on starts the alert at yellow at the first
    # observed 重度 hour (1 + 24 = 25 hours > 200) ...
    v = [100] * 5 + [210] * 3 + [100] * 60
    e = alert_episodes(hourly(v), rules, _forecast(6, 24))
    assert e.loc[0, "level"] == "yellow" and bool(e.loc[0, "early_start"])
    assert e.loc[0, "start"] == T0 + pd.Timedelta(hours=5)
    # ... but not while the observed AQI is only 中度
    e2 = alert_episodes(hourly([100] * 5 + [190] * 3 + [100] * 60), rules, _forecast(6, 24))
    assert e2.empty


# ------------------------------------------------------------------------ plan and ratios
def test_plan_file_reduction_ratios_equal_seed_29(rules):
    # seed 001 §29: blue 颗粒物 and VOCs 5 %; yellow/orange/red SO2+NOx and 颗粒物 10/20/30 %,
    # VOCs 10/15/20 %
    assert dict(rules.reductions) == {
        "blue": {"pm": 5.0, "vocs": 5.0},
        "yellow": {"so2_nox": 10.0, "pm": 10.0, "vocs": 10.0},
        "orange": {"so2_nox": 20.0, "pm": 20.0, "vocs": 15.0},
        "red": {"so2_nox": 30.0, "pm": 30.0, "vocs": 20.0},
    }
    f = rules.reductions_frame()
    assert list(f.loc[f["level"] == "orange", "min_reduction_pct"]) == [20.0, 20.0, 15.0]
    assert (rules.lift_max_aqi, rules.lift_hours, rules.lift_inclusive, rules.early_hours) == (150, 36, True, 12)


def _plan_copy(tmp_path: Path, extra: str) -> Path:
    p = tmp_path / "plan.yaml"
    shutil.copy(MENTOUGOU, p)
    with p.open("a", encoding="utf-8") as f:
        f.write(extra)
    return p


def test_block_ratios_must_agree_with_the_targets(tmp_path):
    text = MENTOUGOU.read_text(encoding="utf-8")
    head = text[: text.index("alert_rules:")]
    block = ("alert_rules:\n  scheme: mee-2017\n  reductions:\n"
             "    blue: {pm: 5, vocs: 5}\n    yellow: {so2_nox: 10, pm: 10, vocs: 10}\n"
             "    orange: {so2_nox: 20, pm: 20, vocs: 20}\n    red: {so2_nox: 30, pm: 30, vocs: 20}\n")
    p = tmp_path / "plan.yaml"
    p.write_text(head + block, encoding="utf-8")
    with pytest.raises(InputDataError, match="alert_rules.reductions say something else"):
        load_plan(p, warn=False)
    p.write_text(head + block.replace("vocs: 20}\n    red", "vocs: 15}\n    red"), encoding="utf-8")
    assert alert_rules(load_plan(p, warn=False)).reductions["orange"]["vocs"] == 15


def test_plan_errors(tmp_path):
    text = MENTOUGOU.read_text(encoding="utf-8")
    head = text[: text.index("alert_rules:")]
    p = tmp_path / "plan.yaml"
    p.write_text(head, encoding="utf-8")
    with pytest.raises(InputDataError, match="no 'alert_rules' block"):
        alert_rules(load_plan(p, warn=False))
    p.write_text(head + "alert_rules:\n  scheme: nowhere\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="not a known scheme"):
        alert_rules(load_plan(p, warn=False))
    p.write_text(head + "alert_rules:\n  levels:\n    purple: {criteria: [[{aqi_above: 200, days: 1}]]}\n",
                 encoding="utf-8")
    with pytest.raises(InputDataError, match="unknown alert level"):
        load_plan(p, warn=False)
    p.write_text(head + "alert_rules:\n  levels:\n    blue: {criteria: [[{aqi_above: 200, days: 1, hours: 3}]]}\n",
                 encoding="utf-8")
    with pytest.raises(InputDataError, match="exactly one of"):
        load_plan(p, warn=False)


# ----------------------------------------------------------------------------- rolling AQI
def _station(pm25, start=T0, **other) -> pd.DataFrame:
    n = len(pm25)
    return pd.DataFrame({"station": "S1", "time": pd.date_range(start, periods=n, freq="h"),
                         "pm25": np.asarray(pm25, dtype=float),
                         **{k: np.asarray(v, dtype=float) for k, v in other.items()}})


def test_rolling_aqi_crosses_midnight_and_validity_20_of_24():
    # day 1 PM2.5 100, day 2 160: the window ending 11:00 on day 2 holds 12 + 12 hours
    r = rolling_aqi(_station([100.0] * 24 + [160.0] * 24)).set_index("time")
    at = r.loc[pd.Timestamp("2016-12-02 11:00")]
    # mean 130 µg/m³: IAQI 150 + (130 − 115) × 50 / 35 = 171.4 → 172 (HJ 633 ceiling)
    assert at["aqi"] == 172 and at["category"] == 4 and bool(at["valid"])
    assert not r.loc[pd.Timestamp("2016-12-01 18:00"), "valid"]  # 19 hours in the window
    assert r.loc[pd.Timestamp("2016-12-01 19:00"), "aqi"] == 132  # 20 hours: IAQI(100) = 131.25
    # 5 missing hours in a window: 19 valid → invalid, NA AQI
    pm = [100.0] * 48
    pm[30:35] = [np.nan] * 5
    r2 = rolling_aqi(_station(pm)).set_index("time")
    assert pd.isna(r2.loc[pd.Timestamp("2016-12-02 10:00"), "aqi"])
    pm[34] = 100.0
    assert rolling_aqi(_station(pm)).set_index("time").loc[pd.Timestamp("2016-12-02 10:00"), "aqi"] == 132


def test_rolling_o3_term_is_the_highest_8h_mean_inside_the_window():
    o3 = np.full(72, 50.0)
    o3[30:38] = 300.0  # an 8-hour block on day 2, 06:00–13:00
    c = rolling_concentrations(_station([10.0] * 72, o3=o3)).set_index("time")
    assert c.loc[pd.Timestamp("2016-12-02 13:00"), "o3_8h"] == 300.0  # window ends with the block
    assert c.loc[pd.Timestamp("2016-12-02 12:00"), "o3_8h"] < 300.0
    # the block's 8-h mean stays while it lies wholly inside the 24 hours: until 05:00 on day 3
    assert c.loc[pd.Timestamp("2016-12-03 05:00"), "o3_8h"] == 300.0
    assert c.loc[pd.Timestamp("2016-12-03 06:00"), "o3_8h"] < 300.0
    # 8-h means need 6 of 8 hours: with hours 0–36 missing, the mean ending at hour k is valid
    # iff k >= 42; the window ending at hour t holds the means ending t − 16 … t, so it has
    # t − 41 valid ones: 6 at t = 47 (2nd 23:00), 13 at t = 54, 14 at t = 55 (3rd 07:00)
    o3[0:37] = np.nan
    c2 = rolling_concentrations(_station([10.0] * 72, o3=o3)).set_index("time")
    row = c2.loc[pd.Timestamp("2016-12-02 23:00")]
    assert not row["o3_8h_valid"] and np.isnan(row["o3_8h"])
    assert not c2.loc[pd.Timestamp("2016-12-03 06:00"), "o3_8h_valid"]
    assert c2.loc[pd.Timestamp("2016-12-03 07:00"), "o3_8h_valid"]


# ---------------------------------------------------------------------- a real winter episode
@pytest.mark.slow
def test_december_2016_red_episode_at_dongsi(uci_multisite, rules):
    """Dongsi, December 2016 (Beijing's red alert of 16–21 Dec 2016, 20:00 on the 16th).

    Hand reasoning on the data: the rolling AQI is PM2.5-driven in this episode, so the
    alert starts at the first hour whose 24-h PM2.5 mean (≥ 20 valid hours, plain pandas
    here) exceeds 150 µg/m³ (IAQI 200); the red criterion (> 200 for 73 h and > 300 for 25 h)
    is met within the episode; the peak is the highest rolling AQI between start and end; the
    36 hours before the end are all at AQI ≤ 150 and the hour before them is not.
    """
    h, _ = uci_multisite
    d = h[(h["station"] == "Dongsi") & (h["time"] >= "2016-12-10") & (h["time"] < "2017-01-01")]
    r = rolling_aqi(d)
    e = alert_episodes(r, rules)
    red = e[(e["start"] >= "2016-12-15") & (e["start"] < "2016-12-19")]
    assert len(red) == 1
    ep = red.iloc[0]
    assert ep["level"] == "red"
    ref = d.set_index("time")["pm25"].asfreq("h").rolling(24, min_periods=20).mean()
    after = ref["2016-12-15 12:00":]
    first_heavy = after.index[(after > 150).to_numpy()][0]
    assert ep["start"] == first_heavy
    s = r.set_index("time")
    window = s.loc[ep["start"]: ep["end"] - pd.Timedelta(hours=1), "aqi"]
    assert ep["peak_aqi"] == window.max() and ep["peak_aqi"] > 300
    last36 = s.loc[ep["end"] - pd.Timedelta(hours=36): ep["end"] - pd.Timedelta(hours=1), "aqi"]
    assert len(last36) == 36 and (last36 <= 150).all()
    assert not (s.loc[ep["end"] - pd.Timedelta(hours=37), "aqi"] <= 150)
    assert ep["heavy_hours"] >= 73 and ep["severe_hours"] >= 25
    assert pd.Timestamp("2016-12-16 00:00") <= ep["start"] <= pd.Timestamp("2016-12-17 23:00")
