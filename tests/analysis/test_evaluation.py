"""model_stats (openair modStats), aq_stats (openair aqStats + GB 3095 exceedances of the date):
numbers by hand on small constructed cases, the rule edges, and a run on the UCI data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from airlib.analysis.evaluation import MODEL_STATISTICS, aq_stats, model_stats, plot_exceedances
from airlib.errors import InputDataError


# ---- model_stats --------------------------------------------------------------------------------

def test_model_stats_every_statistic_by_hand():
    # O = 2 4 6 8, M = 1 5 6 12: M − O = −1 1 0 4, Ō = 5, M̄ = 6
    f = pd.DataFrame({"obs": [2.0, 4, 6, 8], "mod": [1.0, 5, 6, 12]})
    r = model_stats(f).iloc[0]
    assert list(model_stats(f).columns) == list(MODEL_STATISTICS)
    assert r["n"] == 4
    assert r["FAC2"] == 1.0                      # ratios 0.5, 1.25, 1, 1.5 (0.5 included)
    assert r["MB"] == pytest.approx(4 / 4)
    assert r["MGE"] == pytest.approx(6 / 4)
    assert r["NMB"] == pytest.approx(4 / 20)
    assert r["NMGE"] == pytest.approx(6 / 20)
    assert r["RMSE"] == pytest.approx(math.sqrt((1 + 1 + 0 + 16) / 4))
    # Σ(O−Ō)(M−M̄) = 15+1+0+18 = 34, Σ(O−Ō)² = 20, Σ(M−M̄)² = 62
    assert r["r"] == pytest.approx(34 / math.sqrt(20 * 62))
    tt = (34 / math.sqrt(1240)) * math.sqrt(2 / (1 - 34**2 / 1240))
    assert r["P"] == pytest.approx(2 * stats.t.sf(tt, 2))
    assert r["P"] == pytest.approx(stats.pearsonr(f["obs"], f["mod"]).pvalue)
    # Σ|M−O| = 6, Σ|O−Ō| = 3+1+1+3 = 8
    assert r["COE"] == pytest.approx(1 - 6 / 8)
    assert r["IOA"] == pytest.approx(1 - 6 / 16)   # A = 6 ≤ B = 16


def test_model_stats_ioa_when_errors_exceed_twice_the_spread():
    # O = 1 2 3, M = 10 0 10: A = 9+2+7 = 18, Σ|O−Ō| = 2, B = 4 → d_r = B/A − 1
    r = model_stats(pd.DataFrame({"obs": [1.0, 2, 3], "mod": [10.0, 0, 10]})).iloc[0]
    assert r["IOA"] == pytest.approx(4 / 18 - 1)
    assert r["COE"] == pytest.approx(1 - 18 / 2)


def test_ioa_is_half_of_one_plus_coe_while_errors_are_small():
    # the relation the exploration notebook states: A ≤ B ⇒ d_r = 1 − A/(2 Σ|O−Ō|) = (1 + COE)/2
    rng = np.random.default_rng(3)
    o = rng.gamma(2, 30, 200)
    r = model_stats(pd.DataFrame({"obs": o, "mod": o + rng.normal(0, 10, 200)})).iloc[0]
    assert r["IOA"] == pytest.approx((1 + r["COE"]) / 2, rel=1e-12)


def test_fac2_boundaries_and_zero_observations():
    # ratios: 0.5 in, 2 in, 0.499 out, 2.001 out, 0/0 dropped from the share, 1/0 = inf counted (out)
    f = pd.DataFrame({"obs": [2.0, 2, 2, 2, 0, 0], "mod": [1.0, 4, 0.998, 4.002, 0, 1]})
    r = model_stats(f).iloc[0]
    assert r["n"] == 6
    assert r["FAC2"] == pytest.approx(2 / 5)


def test_missing_pairs_dropped_as_na_omit():
    f = pd.DataFrame({"obs": [2.0, np.nan, 4, 6, 8, 5], "mod": [1.0, 3, 5, 6, 12, np.nan]})
    got = model_stats(f)
    ref = model_stats(f.dropna())
    assert got["n"].iloc[0] == 4
    pd.testing.assert_frame_equal(got, ref)


def test_grouping_equals_each_group_alone_sorted_and_missing_keys_left_out():
    rng = np.random.default_rng(1)
    f = pd.DataFrame({"obs": rng.gamma(3, 20, 60), "mod": rng.gamma(3, 20, 60),
                      "site": np.repeat(["b", "a", "c"], 20)})
    f.loc[5, "site"] = None
    out = model_stats(f, type="site")
    assert out["site"].tolist() == ["a", "b", "c"]
    for _, row in out.iterrows():
        alone = model_stats(f[f["site"] == row["site"]]).iloc[0]
        for s in MODEL_STATISTICS:
            assert row[s] == pytest.approx(alone[s], rel=1e-12), s
    assert out["n"].sum() == 59
    two = model_stats(f.assign(half=np.tile([1, 2], 30)), type=["site", "half"])
    assert len(two) == 6 and two["n"].sum() == 59


def test_r_undefined_for_constant_series_or_two_pairs():
    r = model_stats(pd.DataFrame({"obs": [1.0, 2, 3], "mod": [4.0, 4, 4]})).iloc[0]
    assert np.isnan(r["r"]) and np.isnan(r["P"])
    r = model_stats(pd.DataFrame({"obs": [1.0, 2], "mod": [1.0, 3]})).iloc[0]
    assert np.isnan(r["r"]) and r["MB"] == pytest.approx(0.5)


def test_model_stats_bad_input_names_the_column():
    f = pd.DataFrame({"obs": [1.0], "mod": ["x"]})
    with pytest.raises(InputDataError, match="'mod'"):
        model_stats(f)
    with pytest.raises(InputDataError, match="'model'"):
        model_stats(f, mod="model")
    with pytest.raises(InputDataError, match="season"):
        model_stats(pd.DataFrame({"obs": [1.0], "mod": [1.0]}), type="season")


# ---- aq_stats -----------------------------------------------------------------------------------

def _hours(start: str, days: int, station: str = "A") -> pd.DataFrame:
    t = pd.date_range(start, periods=24 * days, freq="h")
    return pd.DataFrame({"station": station, "time": t})


def test_aq_stats_gb_exceedances_at_the_limit():
    h = _hours("2016-01-01", 4)
    day = h["time"].dt.day.to_numpy()
    # PM2.5 daily means 75 (meets), 75.1 (over), 200 on 19 hours only (invalid day), 10
    h["pm25"] = np.select([day == 1, day == 2, day == 3], [75.0, 75.1, 200.0], 10.0)
    h.loc[(day == 3) & (h["time"].dt.hour >= 19), "pm25"] = np.nan
    # NO2: 200 (meets) all day 1, two hours of 200.1 on day 2; daily means 80 / 80.1 on days 3 / 4
    h["no2"] = np.select([day == 1, day == 2, day == 3], [200.0, 50.0, 80.0], 80.1)
    h.loc[(day == 2) & (h["time"].dt.hour < 2), "no2"] = 200.1
    out = aq_stats(h, ["pm25", "no2"])
    pm = out[out["pollutant"] == "pm25"].iloc[0]
    no2 = out[out["pollutant"] == "no2"].iloc[0]
    assert pm["days_valid"] == 3 and pm["days_over_24h"] == 1
    assert np.isnan(pm["hours_over_1h"]) and np.isnan(pm["days_over_8h"])
    assert no2["hours_over_1h"] == 2
    # daily means 200 (over), 62.5 (meets), 80 (meets: not over), 80.1 (over)
    assert no2["days_valid"] == 4 and no2["days_over_24h"] == 2
    # openair part: capture over the whole (leap) year, hourly statistics
    assert pm["dat_cap"] == pytest.approx(100 * (96 - 5) / 8784)
    valid = h["pm25"].dropna().to_numpy()
    assert pm["mean"] == pytest.approx(valid.mean())
    assert pm["max"] == 200.0 and pm["min"] == 10.0 and pm["median"] == pytest.approx(np.median(valid))
    assert pm["percentile_95"] == pytest.approx(np.percentile(valid, 95))
    assert pm["percentile_99"] == pytest.approx(np.percentile(valid, 99))
    assert pm["max_daily"] == pytest.approx(200.0)  # data.thresh = 0 keeps the 19-hour day
    assert pm["year"] == 2016 and pm["date"] == pd.Timestamp("2016-01-01")


def test_aq_stats_uses_the_limits_of_the_date():
    # PM2.5 daily mean 70: over the 2026 transitional limit (60) from 2026-03-01, not the 2012 limit (75)
    h = _hours("2026-02-27", 4)
    h["pm25"] = 70.0
    out = aq_stats(h, "pm25").iloc[0]
    assert out["days_valid"] == 4 and out["days_over_24h"] == 2


def test_aq_stats_ozone_mda8_and_hourly_limits():
    h = _hours("2016-06-01", 2)
    hour = h["time"].dt.hour.to_numpy()
    # day 1: 160 all day (MDA8 = 160, meets); day 2: 161 all day (over), three hours of 201 (over 1 h)
    h["o3"] = np.where(h["time"].dt.day == 1, 160.0, 161.0)
    h.loc[(h["time"].dt.day == 2) & (hour >= 10) & (hour < 13), "o3"] = 201.0
    out = aq_stats(h, "o3").iloc[0]
    assert out["days_valid"] == 2 and out["days_over_8h"] == 1 and out["hours_over_1h"] == 3
    assert np.isnan(out["days_over_24h"])


def test_aq_stats_rolling_maxima_openair_centred_windows():
    h = _hours("2016-03-01", 3)
    h["pm25"] = 0.0
    h.loc[h.index[30:38], "pm25"] = 80.0  # 8 consecutive hours of 80
    r = aq_stats(h, "pm25").iloc[0]
    assert r["roll_8_max"] == pytest.approx(80.0)           # the window of exactly those 8 hours
    assert r["roll_24_max"] == pytest.approx(80.0 * 8 / 24)
    # the padded year: 1 January and 31 December are empty, the partial windows at the year ends too
    h2 = _hours("2016-12-31", 1)
    h2["pm25"] = np.where(h2["time"].dt.hour == 23, 240.0, 0.0)  # last hour of the year
    r2 = aq_stats(h2, "pm25").iloc[0]
    # centred 8-h window at the last hour: partial window of that hour alone (openair ends())
    assert r2["roll_8_max"] == pytest.approx(240.0)


def test_aq_stats_data_thresh_masks_statistics_not_counts():
    h = _hours("2015-01-01", 365)
    h["pm25"] = 100.0
    h.loc[h.index[: 24 * 100], "pm25"] = np.nan  # 265 of 365 days: capture 72.6 %
    cap = 100 * 265 / 365
    kept = aq_stats(h, "pm25", data_thresh=72).iloc[0]
    dropped = aq_stats(h, "pm25", data_thresh=73).iloc[0]
    assert kept["dat_cap"] == pytest.approx(cap) and kept["mean"] == 100.0
    assert np.isnan(dropped["mean"]) and np.isnan(dropped["max_daily"]) and np.isnan(dropped["percentile_95"])
    assert np.isnan(dropped["roll_8_max"]) and kept["roll_8_max"] == 100.0
    assert dropped["days_over_24h"] == 265 and dropped["dat_cap"] == pytest.approx(cap)


def test_aq_stats_max_daily_follows_data_thresh():
    h = _hours("2016-01-01", 2)
    h["pm25"] = np.where(h["time"].dt.day == 1, 50.0, 300.0)
    h.loc[(h["time"].dt.day == 2) & (h["time"].dt.hour >= 17), "pm25"] = np.nan  # day 2: 17/24 = 70.8 %
    assert aq_stats(h, "pm25", data_thresh=0).iloc[0]["max_daily"] == 300.0
    # at data_thresh 70 the year's capture (41 of 8784 h) masks everything: check the daily rule alone
    from airlib.analysis.averaging import time_average

    d = time_average(h, "day", data_thresh=75, pollutants=["pm25"], pad="period")
    assert d["pm25"].tolist()[0] == 50.0 and np.isnan(d["pm25"].tolist()[1])


def test_aq_stats_groups_by_station_and_year():
    a = _hours("2015-12-31", 2, "A")
    b = _hours("2015-12-31", 2, "B")
    f = pd.concat([a, b], ignore_index=True)
    f["pm25"] = np.where(f["station"] == "A", 10.0, 20.0)
    out = aq_stats(f, "pm25")
    assert out[["station", "year"]].values.tolist() == [["A", 2015], ["A", 2016], ["B", 2015], ["B", 2016]]
    assert out["mean"].tolist() == [10.0, 10.0, 20.0, 20.0]
    assert out["dat_cap"].tolist() == pytest.approx([100 * 24 / 8760, 100 * 24 / 8784] * 2)


def test_aq_stats_bad_input():
    h = _hours("2016-01-01", 1)
    h["pm25"] = 1.0
    with pytest.raises(InputDataError, match="pm2.5"):
        aq_stats(h, "pm2.5")
    with pytest.raises(InputDataError, match="no2"):
        aq_stats(h, "no2")
    with pytest.raises(InputDataError, match="data_thresh"):
        aq_stats(h, "pm25", data_thresh=120)
    with pytest.raises(InputDataError, match="data_thresh"):
        aq_stats(h, "pm25", data_thresh="all")
    two = pd.concat([h, h.assign(station="B")], ignore_index=True)
    with pytest.raises(InputDataError, match="duplicate hour"):
        aq_stats(two, "pm25", type=None)


def test_aq_stats_without_type_pools_one_station():
    h = _hours("2016-01-01", 2)
    h["pm25"] = np.where(h["time"].dt.day == 1, 80.0, 20.0)
    pooled = aq_stats(h, "pm25", type=None)
    by_station = aq_stats(h, "pm25")
    assert "station" not in pooled.columns
    pd.testing.assert_frame_equal(pooled, by_station.drop(columns="station"))


def test_plot_exceedances_draws_one_bar_per_station_year():
    import matplotlib

    matplotlib.use("Agg")
    f = pd.concat([_hours("2016-01-01", 3, s) for s in ("A", "B")], ignore_index=True)
    f["pm25"] = 80.0
    fig = plot_exceedances(aq_stats(f, "pm25"), title="PM2.5 超标天数")
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert heights == [3.0, 3.0]
    with pytest.raises(InputDataError, match="one pollutant"):
        f["no2"] = 1.0
        plot_exceedances(aq_stats(f, ["pm25", "no2"]))


# ---- UCI ----------------------------------------------------------------------------------------

@pytest.mark.slow
def test_aq_stats_pm25_per_station_and_year_on_uci(uci_multisite):
    hourly, _ = uci_multisite
    out = aq_stats(hourly, "pm25", percentile=(95, 99.9))
    assert len(out) == 12 * 5  # 2013-03 … 2017-02: five calendar years per station
    # independent plain-pandas reference
    h = hourly[["station", "time", "pm25"]].copy()
    h["year"] = h["time"].dt.year
    g = h.groupby(["station", "year"])["pm25"]
    ref = pd.DataFrame({"mean": g.mean(), "n": g.count(),
                        "p95": g.quantile(0.95), "p999": g.quantile(0.999)}).reset_index()
    hours = np.where(ref["year"] % 4 == 0, 8784, 8760)
    np.testing.assert_allclose(out["mean"], ref["mean"], rtol=1e-12)
    np.testing.assert_allclose(out["dat_cap"], 100 * ref["n"] / hours, rtol=1e-12)
    np.testing.assert_allclose(out["percentile_95"], ref["p95"], rtol=1e-12)
    np.testing.assert_allclose(out["percentile_99.9"], ref["p999"], rtol=1e-12)
    h["date"] = h["time"].dt.normalize()
    d = h.groupby(["station", "year", "date"])["pm25"].agg(["mean", "count"]).reset_index()
    d = d[d["count"] >= 20]
    dref = d.groupby(["station", "year"]).agg(valid=("mean", "size"), over=("mean", lambda s: (s > 75).sum()))
    np.testing.assert_array_equal(out["days_valid"], dref["valid"].to_numpy())
    np.testing.assert_array_equal(out["days_over_24h"], dref["over"].to_numpy())
    mx = h.groupby(["station", "year", "date"])["pm25"].mean().groupby(["station", "year"]).max()
    np.testing.assert_allclose(out["max_daily"], mx.to_numpy(), rtol=1e-12)
    assert (out.loc[out["year"] == 2014, "days_over_24h"] > 100).all()  # Beijing 2014: far over
