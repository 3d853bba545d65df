"""airlib.analysis.time_structure (issue 16, O3): openair's timeVariation, trendLevel, smoothTrend
and summaryPlot on constructed series with known answers, and on the UCI data."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from airlib.analysis import time_structure as ts
from airlib.analysis.grouping import cut_data
from airlib.errors import InputDataError


def _weeks(n_weeks: int = 4, start: str = "2015-01-05") -> pd.DataFrame:
    """Whole weeks from a Monday: pm25 = hour + 10·weekday exactly, no2 = 2·hour."""
    t = pd.date_range(start, periods=24 * 7 * n_weeks, freq="h")
    return pd.DataFrame({"time": t, "station": "A", "pm25": t.hour + 10.0 * t.day_of_week, "no2": 2.0 * t.hour})


# ---- time_variation -------------------------------------------------------------------------------

def test_time_variation_known_diurnal_and_weekly_cycle():
    r = ts.time_variation(_weeks(), ["pm25", "no2"])
    assert set(r) == set(ts.PANELS)
    h = r["hour"][r["hour"]["variable"] == "pm25"]
    # mean over the 7 weekdays of hour + 10·wd = hour + 30
    np.testing.assert_array_equal(h["x"], np.arange(24))
    np.testing.assert_allclose(h["mean"], np.arange(24) + 30.0)
    assert (h["n"] == 28).all()
    w = r["weekday"][r["weekday"]["variable"] == "pm25"]
    np.testing.assert_allclose(w["mean"], 11.5 + 10.0 * np.arange(7))
    hw = r["hour_weekday"][r["hour_weekday"]["variable"] == "pm25"]
    assert len(hw) == 168
    np.testing.assert_allclose(hw["mean"], hw["x"] + 10.0 * hw["weekday"])
    # every hour × weekday bin holds 4 identical values: the bootstrap interval has zero width
    np.testing.assert_allclose(hw["lower"], hw["mean"])
    np.testing.assert_allclose(hw["upper"], hw["mean"])
    assert list(dict.fromkeys(r["hour"]["variable"])) == ["pm25", "no2"]  # the order given
    n2 = r["hour"][r["hour"]["variable"] == "no2"]
    np.testing.assert_allclose(n2["mean"], 2.0 * np.arange(24))
    np.testing.assert_allclose(n2["upper"] - n2["lower"], 0.0)  # constant within each hour


def test_time_variation_interval_is_openairs_bootmean():
    rng = np.random.default_rng(3)
    df = _weeks(8)
    df["pm25"] = df["pm25"] + rng.normal(0, 5, len(df))
    r = ts.time_variation(df, "pm25", B=100, seed=11)
    h = r["hour"]
    assert (h["lower"] < h["mean"]).all() and (h["mean"] < h["upper"]).all()
    # hand bootstrap of the first hour bin (hour 0): same generator stream as the hour panel (seed + 1)
    x = df.loc[df["time"].dt.hour == 0, "pm25"].to_numpy()
    g = np.random.default_rng(12)
    means = x[g.integers(0, x.size, size=(100, x.size))].mean(axis=1)
    lo, hi = np.quantile(means, [0.025, 0.975])
    assert h["mean"].iloc[0] == pytest.approx(x.mean())
    assert h["lower"].iloc[0] == pytest.approx(lo) and h["upper"].iloc[0] == pytest.approx(hi)


def test_time_variation_switch_point_gives_t_interval_in_large_bins():
    rng = np.random.default_rng(5)
    df = _weeks(8)
    df["pm25"] = df["pm25"] + rng.normal(0, 5, len(df))
    r = ts.time_variation(df, "pm25", switch_point=100)
    # hour bins hold 56 values (bootstrap), month bins hold > 100 (t interval)
    x = df.loc[df["time"].dt.month == 1, "pm25"].to_numpy()
    from scipy import stats

    half = stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size)
    m = r["month"].iloc[0]
    assert (m["lower"], m["upper"]) == (pytest.approx(x.mean() - half), pytest.approx(x.mean() + half))
    assert r["hour"][["mean", "lower", "upper"]].equals(ts.time_variation(df, "pm25")["hour"][["mean", "lower", "upper"]])


def test_time_variation_missing_values_dropped_and_single_value_bin_has_no_interval():
    df = _weeks(1)
    df.loc[df["time"].dt.hour == 5, "pm25"] = np.nan
    df.loc[(df["time"].dt.hour == 6) & (df["time"].dt.day_of_week > 0), "pm25"] = np.nan
    r = ts.time_variation(df, "pm25")
    h = r["hour"].set_index("x")
    assert 5 not in h.index
    assert h.loc[6, "n"] == 1 and h.loc[6, "mean"] == 6.0
    assert np.isnan(h.loc[6, "lower"]) and np.isnan(h.loc[6, "upper"])


def test_time_variation_normalise_divides_by_line_mean():
    r = ts.time_variation(_weeks(), ["pm25", "no2"], normalise=True)
    for panel, d in r.items():
        for _, line in d.groupby("variable"):
            assert line["mean"].mean() == pytest.approx(1.0), panel
    h = r["hour"][r["hour"]["variable"] == "pm25"]
    np.testing.assert_allclose(h["mean"], (np.arange(24) + 30.0) / 41.5)


def test_time_variation_group_overlays_stations_and_median():
    a = _weeks()
    b = a.assign(station="B", pm25=a["pm25"] + 100)
    r = ts.time_variation(pd.concat([a, b]), "pm25", group="station")
    h = r["hour"]
    np.testing.assert_allclose(h.loc[h["group"] == "B", "mean"].to_numpy() - h.loc[h["group"] == "A", "mean"].to_numpy(),
                               100.0)
    m = ts.time_variation(a, "pm25", statistic="median", conf_int=0.5)["hour"]
    # hour 0: values 0,10,…,60 (4 each) → median 30, quartiles 10 and 50 (R type 7)
    row = m[m["x"] == 0].iloc[0]
    assert (row["mean"], row["lower"], row["upper"]) == (30.0, 10.0, 50.0)
    assert m.attrs["band"] == "中位数的 25%–75% 分位数区间"
    assert h.attrs["band"] == "均值的自助法 95% 置信区间"


def test_time_variation_type_gives_one_set_per_level():
    r = ts.time_variation(_weeks(6), "pm25", type="month")
    assert set(r["hour"]["type"]) == {"1", "2"}


@pytest.mark.parametrize("kw", [{"statistic": "mode"}, {"conf_int": 1.5}, {"B": 0}, {"switch_point": 1}])
def test_time_variation_rejects_bad_options(kw):
    with pytest.raises(InputDataError):
        ts.time_variation(_weeks(1), "pm25", **kw)


def test_missing_column_is_a_clear_error():
    with pytest.raises(InputDataError, match="'o3'"):
        ts.time_variation(_weeks(1), "o3")
    with pytest.raises(InputDataError, match="'o3'"):
        ts.trend_level(_weeks(1), "o3")


def test_bad_times_and_too_few_months_are_clear_errors():
    df = _weeks(1)
    nat = df.assign(time=df["time"].where(df.index != 3))
    for f in (ts.time_variation, ts.trend_level, ts.monthly_means):
        with pytest.raises(InputDataError, match=r"1 missing time\(s\), first at row position\(s\) \[3\]"):
            f(nat, "pm25")
    with pytest.raises(InputDataError, match="not times"):
        ts.trend_level(df.assign(time=df["time"].astype(str)), "pm25")
    with pytest.raises(InputDataError, match="at least 5 monthly means.*'B'"):
        ts.smooth_trend(df.assign(station="B", pm25=np.nan), group="station")


# ---- trend_level ----------------------------------------------------------------------------------

def _two_years() -> pd.DataFrame:
    t = pd.date_range("2015-01-01", "2016-12-31 23:00", freq="h")
    v = 100.0 * (t.year - 2015) + t.month + t.hour / 100
    return pd.DataFrame({"time": t, "pm25": v})


def test_trend_level_two_years_mean_and_counts():
    tab = ts.trend_level(_two_years())
    assert len(tab) == 2 * 12 * 24
    row = tab[(tab["type"] == 2016) & (tab["x"] == 3) & (tab["y"] == 7)].iloc[0]
    assert row["value"] == pytest.approx(103.07) and row["n"] == 31
    feb = tab[(tab["type"] == 2016) & (tab["x"] == 2) & (tab["y"] == 0)].iloc[0]
    assert feb["n"] == 29  # leap year
    assert tab[(tab["type"] == 2015) & (tab["x"] == 2)]["n"].eq(28).all()


def test_trend_level_statistics_and_all_missing_bin():
    df = _two_years()
    sel = (df["time"].dt.year == 2015) & (df["time"].dt.month == 1) & (df["time"].dt.hour == 0)
    df.loc[sel, "pm25"] = np.nan
    df.loc[(df["time"] == "2015-01-02 01:00"), "pm25"] = 50.0
    for stat in ("mean", "max", "min", "sum", "frequency", "sd", "median", "percentile"):
        tab = ts.trend_level(df, statistic=stat).set_index(["type", "x", "y"])
        assert np.isnan(tab.loc[(2015, 1, 0), "value"]), stat
    mx = ts.trend_level(df, statistic="max").set_index(["type", "x", "y"])
    assert mx.loc[(2015, 1, 1), "value"] == 50.0
    fr = ts.trend_level(df, statistic="frequency").set_index(["type", "x", "y"])
    assert fr.loc[(2015, 1, 1), "value"] == 31
    p = ts.trend_level(df, statistic="percentile", percentile=50).set_index(["type", "x", "y"])
    assert p.loc[(2016, 4, 0), "value"] == pytest.approx(104.0)
    with pytest.raises(InputDataError):
        ts.trend_level(df, statistic="mode")


# ---- smooth_trend ---------------------------------------------------------------------------------

def _monthly_frame(y: np.ndarray, start: str = "2010-01-01") -> pd.DataFrame:
    return pd.DataFrame({"time": pd.date_range(start, periods=len(y), freq="MS"), "pm25": y})


def test_monthly_means_and_data_thresh():
    t = pd.date_range("2015-01-01", "2015-02-28 23:00", freq="h")
    v = np.where(t.month == 1, 10.0, 20.0)
    v[(t.month == 2) & (t.day > 7)] = np.nan  # February: 7 of 28 days = 25 % capture
    mm = ts.monthly_means(pd.DataFrame({"time": t, "pm25": v}))
    assert list(mm["mean"]) == [10.0, 20.0]
    assert mm["capture"].tolist() == pytest.approx([100.0, 25.0])
    mm = ts.monthly_means(pd.DataFrame({"time": t, "pm25": v}), data_thresh=50)
    assert mm["mean"].iloc[0] == 10.0 and np.isnan(mm["mean"].iloc[1])


def test_penalised_spline_reproduces_a_straight_line():
    x = np.linspace(2010, 2018, 96)
    ps = ts.penalised_spline(x, 50 - 3 * (x - 2010))
    np.testing.assert_allclose(ps["fitted"], 50 - 3 * (x - 2010), atol=1e-8)


def test_smooth_trend_band_coverage_on_known_linear_trend():
    """200 series: 96 months, trend 50 − 3·t [µg/m³, t in years], N(0, 8²) noise; the 95 %
    bootstrap band covers the true value at the middle month in 95.0 % of series with this seed
    (91.5 % and 92.0 % with two others; docs/analysis.md)."""
    rng = np.random.default_rng(2024)
    t = pd.date_range("2010-01-01", periods=96, freq="MS")
    truth = 50 - 3 * np.arange(96) / 12
    hits = 0
    for i in range(200):
        r = ts.smooth_trend(_monthly_frame(truth + rng.normal(0, 8, 96)), seed=i)
        hits += r["lower"].iloc[48] <= truth[48] <= r["upper"].iloc[48]
    assert len(r) == len(t)
    assert 0.90 <= hits / 200 <= 0.99


def test_smooth_trend_deseason_removes_a_seasonal_cycle_and_groups():
    n = 72
    season = 20 * np.cos(2 * np.pi * np.arange(n) / 12)
    df = _monthly_frame(60 - 0.25 * np.arange(n) + season)
    df2 = df.assign(station="B", pm25=df["pm25"] + 10)
    both = pd.concat([df.assign(station="A"), df2])
    r = ts.smooth_trend(both, group="station", deseason=True, n_boot=50)
    a = r[r["station"] == "A"]
    # deseasonalised values lie close to the line (seasonal amplitude 20 removed)
    assert np.nanmax(np.abs(a["value"].to_numpy() - (60 - 0.25 * np.arange(n) + a["value"].mean()
                                                        - np.nanmean(60 - 0.25 * np.arange(n))))) < 3
    b = r[r["station"] == "B"]
    np.testing.assert_allclose(b["value"].to_numpy() - a["value"].to_numpy(), 10, atol=1e-6)
    with pytest.raises(InputDataError, match="two years"):
        ts.smooth_trend(_monthly_frame(np.arange(20.0)), deseason=True)


# ---- summary --------------------------------------------------------------------------------------

def test_summary_table_by_hand():
    df = pd.DataFrame({"time": pd.date_range("2015-01-01", periods=5, freq="h"),
                       "pm25": [1.0, 2.0, np.nan, 4.0, 10.0]})
    s = ts.summary_table(df).loc["pm25"]
    assert (s["n"], s["missing"], s["missing_pct"]) == (4, 1, 20.0)
    assert (s["min"], s["max"], s["mean"], s["median"]) == (1.0, 10.0, 4.25, 3.0)
    # R type 7: h = 0.95·3 = 2.85 → 4 + 0.85·6
    assert s["p95"] == pytest.approx(9.1)


def test_monthly_capture_counts_station_hours():
    t = pd.date_range("2015-02-01", periods=24 * 28, freq="h")
    a = pd.DataFrame({"time": t, "station": "A", "pm25": 1.0})
    b = a.assign(station="B", pm25=np.nan)
    b.loc[b.index[:24 * 7], "pm25"] = 2.0
    c = ts.monthly_capture(pd.concat([a, b]), ["pm25"])
    assert c["expected"].iloc[0] == 2 * 672 and c["valid"].iloc[0] == 672 + 168
    assert c["capture"].iloc[0] == pytest.approx(62.5)


# ---- cut_data -------------------------------------------------------------------------------------

def test_views_condition_on_the_one_cut_data():
    """The time-structure views take their panels from grouping.cut_data (one implementation),
    as a Series aligned with the frame (grouping.cut_labels)."""
    from airlib.analysis.grouping import SEASONS_ZH, WEEKDAYS_ZH, cut_labels

    df = pd.DataFrame({"time": pd.to_datetime(["2015-12-31 23:00", "2016-03-01 00:00", "2016-06-05 12:00"]),
                       "ws": [0.5, 2.0, 9.0]})
    assert list(cut_labels(df, "season")) == [SEASONS_ZH[3], SEASONS_ZH[0], SEASONS_ZH[1]]
    assert list(cut_labels(df, "weekday")) == [WEEKDAYS_ZH[3], WEEKDAYS_ZH[1], WEEKDAYS_ZH[6]]
    assert list(cut_labels(df, "weekend")) == ["工作日", "工作日", "周末"]
    q = cut_labels(df, "ws", n_levels=2)
    assert q.iloc[0] == q.iloc[1] != q.iloc[2]
    assert list(cut_labels(df.rename(columns={"time": "t"}), "season", time="t")) == list(cut_labels(df, "season"))
    with pytest.raises(InputDataError, match="nope"):
        cut_labels(df, "nope")


# ---- figures --------------------------------------------------------------------------------------

def test_plots_draw_with_chinese_labels():
    import matplotlib.pyplot as plt

    df = _weeks(6)
    fig = ts.plot_time_variation(ts.time_variation(df, ["pm25", "no2"]))
    labels = [t.get_text() for ax in fig.axes for t in ax.get_xticklabels()]
    assert "星期一" in labels and "1月" in labels and "0时" in labels
    plt.close(fig)
    for f in (ts.plot_trend_level(ts.trend_level(_two_years())),
              ts.plot_smooth_trend(ts.smooth_trend(_monthly_frame(np.linspace(80, 50, 48)), n_boot=20)),
              ts.plot_summary(df, ["pm25", "no2"])):
        assert f.axes
        plt.close(f)


# ---- UCI ------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_uci_time_variation_trend_level_and_summary(uci_multisite):
    hourly, _ = uci_multisite
    two = hourly[hourly["station"].isin(["Dongsi", "Gucheng"])]
    r = ts.time_variation(two, "pm25", group="station")
    h = r["hour"]
    ref = two.groupby(["station", two["time"].dt.hour])["pm25"].mean()
    for st in ("Dongsi", "Gucheng"):
        got = h[h["group"] == st].set_index("x")["mean"]
        np.testing.assert_allclose(got.to_numpy(), ref[st].to_numpy(), rtol=1e-12)
    assert ((h["lower"] < h["mean"]) & (h["mean"] < h["upper"])).all()
    tab = ts.trend_level(two, "pm25")
    assert set(tab["type"]) == {2013, 2014, 2015, 2016, 2017}
    ref = two[(two["time"].dt.year == 2014) & (two["time"].dt.month == 1) & (two["time"].dt.hour == 8)]["pm25"]
    got = tab[(tab["type"] == 2014) & (tab["x"] == 1) & (tab["y"] == 8)]["value"].iloc[0]
    assert got == pytest.approx(ref.mean(), rel=1e-12)
    s = ts.summary_table(two, ["pm25", "wspm"])
    assert s.loc["pm25", "missing"] == two["pm25"].isna().sum()
    st = ts.smooth_trend(hourly[hourly["station"] == "Dongsi"], deseason=True)
    assert len(st) == 48 and (st["lower"] <= st["fit"]).all() and (st["fit"] <= st["upper"]).all()
