"""Profiles, heating season and calendar heat map."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from airlib.errors import InputDataError
from airlib.analysis.profiles import (
    calendar_heatmap,
    heating_season_comparison,
    heating_season_label,
    heating_season_mask,
    plot_heating_season,
    plot_profiles,
    profile,
)


def test_heating_season_edges_inclusive_and_wrapping():
    t = pd.to_datetime(["2015-11-14", "2015-11-15", "2016-01-01", "2016-03-15", "2016-03-16",
                        "2016-02-29 23:00"], format="ISO8601")
    assert heating_season_mask(t).tolist() == [False, True, True, True, False, True]
    # a non-wrapping custom season
    assert heating_season_mask(t, start="01-01", end="02-28").tolist() == [False, False, True, False, False, False]
    labels = heating_season_label(t).tolist()
    assert labels == ["2015年非采暖季", "2015–16采暖季", "2015–16采暖季", "2015–16采暖季",
                      "2016年非采暖季", "2015–16采暖季"]
    with pytest.raises(InputDataError, match="MM-DD"):
        heating_season_mask(t, start="11-31")


def test_heating_season_century_label():
    assert heating_season_label(pd.to_datetime(["2099-12-01"])).iloc[0] == "2099–00采暖季"


def hourly_frame(seed=0, days=60):
    rng = np.random.default_rng(seed)
    t = pd.date_range("2016-01-01", periods=24 * days, freq="h")
    v = 50 + 20 * np.sin(2 * np.pi * t.hour / 24) + rng.normal(0, 5, t.size)
    return pd.DataFrame({"time": t, "pm25": v})


def test_profile_means_and_t_band_match_plain_pandas_and_scipy():
    h = hourly_frame()
    h.loc[h.index[::7], "pm25"] = np.nan
    pr = profile(h, by="hour")
    assert len(pr) == 24
    ref = h.groupby(h["time"].dt.hour)["pm25"]
    np.testing.assert_allclose(pr["mean"], ref.mean().to_numpy())
    np.testing.assert_array_equal(pr["n"], ref.count().to_numpy())
    x = h.loc[h["time"].dt.hour == 5, "pm25"].dropna()
    lo, hi = stats.t.interval(0.95, x.size - 1, loc=x.mean(), scale=stats.sem(x))
    row = pr[pr["hour"] == 5].iloc[0]
    assert row["ci_low"] == pytest.approx(lo) and row["ci_high"] == pytest.approx(hi)


def test_profile_bootstrap_band_is_seeded_and_close_to_t():
    h = hourly_frame()
    a = profile(h, by="weekday", ci="bootstrap", n_boot=400, seed=1)
    b = profile(h, by="weekday", ci="bootstrap", n_boot=400, seed=1)
    t = profile(h, by="weekday")
    pd.testing.assert_frame_equal(a, b)
    assert a["weekday"].tolist() == list(range(7))
    np.testing.assert_allclose(a["ci_high"] - a["ci_low"], t["ci_high"] - t["ci_low"], rtol=0.2)


def test_profile_single_value_bin_has_no_band_and_groups_work():
    df = pd.DataFrame({"time": pd.to_datetime(["2016-01-01", "2016-02-01", "2016-02-02"]),
                       "pm25": [10.0, 20.0, 40.0], "g": ["a", "a", "b"]})
    pr = profile(df, by="month")
    assert np.isnan(pr.loc[pr["month"] == 1, "ci_low"]).all()
    assert pr.loc[pr["month"] == 2, "mean"].item() == 30.0
    pg = profile(df, by="month", group="g")
    assert list(pg.columns[:2]) == ["g", "month"] and len(pg) == 3
    with pytest.raises(InputDataError):
        profile(df, by="season")
    with pytest.raises(InputDataError):
        profile(df, ci="normal")


def test_heating_season_comparison_matches_manual_means():
    d = pd.DataFrame({"date": pd.date_range("2015-03-01", "2016-12-31", freq="D")})
    d["pm25"] = np.where(heating_season_mask(d["date"]), 100.0, 50.0) + np.arange(len(d)) % 3
    tab = heating_season_comparison(d)
    assert tab["season"].tolist() == ["2014–15采暖季", "2015年非采暖季", "2015–16采暖季",
                                      "2016年非采暖季", "2016–17采暖季"]
    row = tab.set_index("season").loc["2015–16采暖季"]
    m = (d["date"] >= "2015-11-15") & (d["date"] <= "2016-03-15")
    assert row["mean"] == pytest.approx(d.loc[m, "pm25"].mean())
    assert row["n"] == m.sum() == 122  # 2016 is a leap year
    prev = tab.set_index("season").loc["2015年非采暖季", "mean"]
    assert row["ratio_to_previous_non"] == pytest.approx(row["mean"] / prev)
    assert tab["ratio_to_previous_non"].isna().iloc[0]  # no preceding non-heating season
    full = tab.set_index("season")
    assert full.loc["2015–16采暖季", "days_in_season"] == 122  # leap February
    assert full.loc["2016–17采暖季", "days_in_season"] == 121
    # 2015: 365 days − (01-01..03-15: 74) − (11-15..12-31: 47) = 244; 2016 (leap): 366 − 75 − 47 = 244
    assert full.loc["2015年非采暖季", "days_in_season"] == 244
    assert full.loc["2016年非采暖季", "days_in_season"] == 244
    assert full.loc["2015年非采暖季", "coverage"] == pytest.approx(1.0)
    assert full.loc["2014–15采暖季", "coverage"] == pytest.approx(15 / 121)  # record starts 03-01
    short = heating_season_comparison(d, min_days=30)
    assert "2014–15采暖季" not in short["season"].tolist()


def test_figures_render(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from airlib.plotting import save_figure

    h = hourly_frame(days=120)
    h["time"] = h["time"] + pd.Timedelta(days=300)
    fig = plot_profiles(h)
    assert save_figure(fig, tmp_path / "p.png").stat().st_size > 10_000
    d = pd.DataFrame({"date": pd.date_range("2015-03-01", "2016-12-31", freq="D")})
    d["pm25"] = 60.0
    fig2 = plot_heating_season(heating_season_comparison(d))
    assert save_figure(fig2, tmp_path / "h.png").exists()


def test_calendar_heatmap_uses_official_colours():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.colors import to_hex

    from airlib.standards.aqi import CATEGORY_COLOURS

    days = pd.date_range("2016-01-01", "2016-12-31", freq="D")
    cats = list(CATEGORY_COLOURS)
    d = pd.DataFrame({"date": days, "category": [cats[i % 6] for i in range(len(days))],
                      "aqi": np.arange(len(days)) % 400})
    d = d.drop(index=[10, 11])  # two days missing
    d["category"] = d["category"].astype("string")
    d.loc[12, "category"] = pd.NA  # AQI not published (pd.NA in a string column)
    fig = calendar_heatmap(d, 2016)
    ax = fig.axes[0]  # January
    colours = [to_hex(p.get_facecolor()) for p in ax.patches]
    assert len(colours) == 31
    assert colours[0] == CATEGORY_COLOURS[cats[0]].lower()
    assert colours[10] == colours[12] == "#d9d9d9"  # missing day, unpublished AQI
    total = sum(len(a.patches) for a in fig.axes)
    assert total == 366
    with pytest.raises(InputDataError, match="one row per day"):
        calendar_heatmap(pd.concat([d, d]), 2016)
    bad = d.copy()
    bad.loc[bad.index[0], "category"] = "很好"
    with pytest.raises(InputDataError, match="unknown AQI"):
        calendar_heatmap(bad, 2016)


# ---- notebook helpers ----------------------------------------------------------------------------

def test_area_mean_skips_missing_units():
    from airlib.analysis.profiles import area_mean

    f = pd.DataFrame({"time": pd.to_datetime(["2017-01-02", "2017-01-01", "2017-01-01", "2017-01-02", "2017-01-03"]),
                      "station": ["a", "a", "b", "b", "a"], "pm25": [10.0, 20.0, 40.0, np.nan, np.nan]})
    m = area_mean(f)
    assert m["time"].tolist() == list(pd.to_datetime(["2017-01-01", "2017-01-02", "2017-01-03"]))
    assert m["pm25"].iloc[0] == 30.0 and m["pm25"].iloc[1] == 10.0 and np.isnan(m["pm25"].iloc[2])
    with pytest.raises(InputDataError):
        area_mean(f, time="date")


def test_category_counts_only_that_year():
    from airlib.analysis.profiles import category_counts

    d = pd.DataFrame({"date": pd.to_datetime(["2016-12-31", "2017-01-01", "2017-12-31", "2017-06-01", "2018-01-01"]),
                      "category": ["优", "良", "良", None, "优"]})
    assert category_counts(d, 2017) == {"良": 2}
    assert category_counts(d, 2019) == {}
    with pytest.raises(InputDataError):
        category_counts(d.drop(columns=["category"]), 2017)


def test_heating_records_and_display():
    import json

    from airlib.analysis.profiles import heating_display, heating_records

    days = pd.date_range("2015-01-01", "2016-12-31", freq="D")
    daily = pd.DataFrame({"date": days, "pm25": np.where(heating_season_mask(days), 100.0, 50.0)})
    daily.loc[(daily["date"] >= "2016-01-01") & (daily["date"] <= "2016-01-31"), "pm25"] = np.nan  # 31 invalid days
    t = heating_season_comparison(daily, min_days=60)
    rec = heating_records(t)
    json.dumps(rec)
    assert rec["2015–16采暖季"] == {"mean": 100.0, "n": 91, "coverage": 91 / 122}  # 2015-11-15 … 2016-03-15: 122 days
    assert rec["2015年非采暖季"]["mean"] == 50.0
    shown = heating_display(t)
    assert shown.columns.tolist() == ["时段", "平均（µg/m³）", "下限", "上限", "有效天数", "应有天数", "覆盖率",
                                      "与前一非采暖季之比"]
    assert shown.loc[shown["时段"] == "2015–16采暖季", "与前一非采暖季之比"].iloc[0] == 2.0
    with pytest.raises(InputDataError):
        heating_records(t.drop(columns=["coverage"]))
