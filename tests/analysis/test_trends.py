"""Tests of airlib.analysis.trends against brute-force and independent calculations."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from airlib.errors import InputDataError
from airlib.analysis.trends import (
    block_bootstrap_slope_ci,
    decimal_year,
    deseasonalised_trend,
    fill_monthly_gaps,
    mann_kendall,
    stl_decompose,
    theil_sen,
    trend_table,
)


def brute_theil_sen(t, y):
    slopes = [(y[j] - y[i]) / (t[j] - t[i]) for i, j in itertools.combinations(range(len(t)), 2)
              if t[j] != t[i]]
    return float(np.median(slopes))


def brute_mk_s(x):
    s = 0
    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            s += int(x[j] > x[i]) - int(x[j] < x[i])
    return s


def synthetic_monthly(n_years=5, slope=-4.0, level=80.0, amp=25.0, noise=4.0, seed=1):
    idx = pd.date_range("2013-03-01", periods=12 * n_years, freq="MS")
    t = decimal_year(idx)
    rng = np.random.default_rng(seed)
    y = level + slope * (t - t[0]) + amp * np.cos(2 * np.pi * (idx.month - 1) / 12) + rng.normal(0, noise, t.size)
    return pd.Series(y, index=idx, name="pm25")


def test_theil_sen_matches_brute_force_and_scipy():
    rng = np.random.default_rng(3)
    t = np.sort(rng.uniform(0, 10, 25))
    y = 2.0 * t + rng.standard_t(2, 25)
    slope, intercept = theil_sen(t, y)
    assert slope == pytest.approx(brute_theil_sen(t, y), rel=1e-12)
    ref = stats.theilslopes(y, t, method="joint")  # intercept = median(y - slope*t)
    assert slope == pytest.approx(ref.slope, rel=1e-12)
    assert intercept == pytest.approx(ref.intercept, rel=1e-12)


def test_theil_sen_even_number_of_pairs_and_tied_times():
    t = np.array([0.0, 1.0, 1.0, 2.0])  # pair (1,2) has dt = 0 and is skipped
    y = np.array([0.0, 1.0, 3.0, 2.0])
    assert theil_sen(t, y)[0] == pytest.approx(brute_theil_sen(t, y))


def test_theil_sen_needs_three_values():
    with pytest.raises(InputDataError):
        theil_sen([1.0, 2.0, np.nan], [1.0, 2.0, 3.0])


@pytest.mark.parametrize("x", [
    [1, 2, 3, 4, 5],
    [5, 4, 3, 2, 1],
    [1, 1, 1, 2, 2, 3, 1, 4],
    [3.2, 1.0, 4.4, 1.0, 5.9, 2.6, 5.3, 5.8, 9.7, 9.3, 2.3, 8.4],
])
def test_mann_kendall_s_matches_double_loop(x):
    r = mann_kendall(np.asarray(x, dtype=float))
    assert r.s == brute_mk_s(x)


def test_mann_kendall_tie_correction_and_p():
    x = np.array([1, 1, 1, 2, 2, 3, 1, 4], dtype=float)
    n = len(x)
    # ties: value 1 x4, value 2 x2
    var = (n * (n - 1) * (2 * n + 5) - (4 * 3 * 13 + 2 * 1 * 9)) / 18
    r = mann_kendall(x)
    assert r.var_s == pytest.approx(var)
    s = brute_mk_s(x)
    z = (s - np.sign(s)) / np.sqrt(var)
    assert r.z == pytest.approx(z)
    assert r.p == pytest.approx(2 * (1 - stats.norm.cdf(abs(z))))


def test_mann_kendall_constant_series_is_not_significant():
    r = mann_kendall(np.ones(10))
    assert r.s == 0 and r.z == 0 and r.p == pytest.approx(1.0)


def test_mann_kendall_agrees_with_kendall_tau_without_ties():
    rng = np.random.default_rng(0)
    x = rng.normal(size=40)
    r = mann_kendall(x)
    tau = stats.kendalltau(np.arange(40), x)
    assert r.tau == pytest.approx(tau.statistic)


def test_fill_gaps_climatology_plus_interpolated_anomaly():
    s = synthetic_monthly(n_years=3, noise=0.0, slope=0.0)
    gap = s.copy()
    gap.iloc[[5, 17, 18]] = np.nan
    filled, was = fill_monthly_gaps(gap)
    assert was.sum() == 3 and bool(was.iloc[5]) and not bool(was.iloc[4])
    # pure seasonal series without noise: climatology reproduces the missing values exactly
    np.testing.assert_allclose(filled.to_numpy(), s.to_numpy(), atol=1e-9)
    # observed months are untouched
    np.testing.assert_array_equal(filled[~was].to_numpy(), gap.dropna().to_numpy())


def test_fill_gaps_rejects_short_or_holey_series():
    s = synthetic_monthly(n_years=3)
    with pytest.raises(InputDataError, match="24 valid months"):
        fill_monthly_gaps(s.iloc[:20])
    holey = s.copy()
    holey.iloc[::2] = np.nan
    with pytest.raises(InputDataError):
        fill_monthly_gaps(holey)


def test_missing_month_rows_are_treated_as_missing():
    s = synthetic_monthly(n_years=3)
    dropped = s.drop(s.index[10])  # row absent, not NaN
    dec = stl_decompose(dropped)
    assert len(dec) == 36 and bool(dec["filled"].iloc[10])
    assert np.isnan(dec["deseasonalised"].iloc[10])


def test_stl_components_add_up_and_remove_season():
    s = synthetic_monthly(noise=0.5, slope=0.0)
    dec = stl_decompose(s)
    np.testing.assert_allclose(dec["trend"] + dec["seasonal"] + dec["resid"], dec["value"])
    # the deseasonalised series has far less variance than the raw one
    assert dec["deseasonalised"].std() < 0.3 * dec["observed"].std()


def test_deseasonalised_trend_recovers_known_slope_with_ci():
    s = synthetic_monthly(n_years=5, slope=-4.0, noise=3.0, seed=5)
    s.iloc[[7, 30]] = np.nan
    r = deseasonalised_trend(s, n_boot=400, seed=1)
    assert r.ci_low < -4.0 < r.ci_high
    assert r.ci_low < r.slope < r.ci_high
    assert r.mk.p < 0.001
    assert r.n_filled == 2 and r.n_months == 58
    # % per year relative to the line at the start
    assert r.slope_pct == pytest.approx(100 * r.slope / r.intercept_start)
    # the point slope is the brute-force median of the deseasonalised series
    d = r.decomposition["deseasonalised"].dropna()
    assert r.slope == pytest.approx(brute_theil_sen(decimal_year(d.index), d.to_numpy()))


def test_bootstrap_is_seeded_and_repeats_exactly():
    s = synthetic_monthly()
    a = deseasonalised_trend(s, n_boot=200, seed=7)
    b = deseasonalised_trend(s, n_boot=200, seed=7)
    c = deseasonalised_trend(s, n_boot=200, seed=8)
    assert (a.ci_low, a.ci_high) == (b.ci_low, b.ci_high)
    assert (a.ci_low, a.ci_high) != (c.ci_low, c.ci_high)


def test_block_bootstrap_wider_than_iid_for_autocorrelated_noise():
    rng = np.random.default_rng(11)
    n = 120
    e = np.zeros(n)
    for k in range(1, n):
        e[k] = 0.85 * e[k - 1] + rng.normal()
    t = np.arange(n) / 12
    lo1, hi1, _ = block_bootstrap_slope_ci(t, e, block_length=1, n_boot=300, seed=1)
    lo8, hi8, _ = block_bootstrap_slope_ci(t, e, block_length=12, n_boot=300, seed=1)
    assert hi8 - lo8 > hi1 - lo1


def test_no_trend_ci_covers_zero_and_mk_not_significant():
    s = synthetic_monthly(slope=0.0, noise=3.0, seed=9)
    r = deseasonalised_trend(s, n_boot=300)
    assert r.ci_low < 0 < r.ci_high
    assert r.mk.p > 0.05


def test_trend_table_per_unit():
    a = synthetic_monthly(slope=-4.0, seed=1)
    b = synthetic_monthly(slope=2.0, seed=2)
    long = pd.concat([
        pd.DataFrame({"station": "A", "month": a.index, "pm25": a.to_numpy()}),
        pd.DataFrame({"station": "B", "month": b.index, "pm25": b.to_numpy()}),
    ])
    tab = trend_table(long, n_boot=200).set_index("station")
    assert tab.loc["A", "slope"] < 0 < tab.loc["B", "slope"]
    assert list(tab.columns[:3]) == ["slope", "ci_low", "ci_high"]
    with pytest.raises(InputDataError, match="town"):
        trend_table(long, unit="town")


def test_two_values_in_one_month_are_rejected():
    s = synthetic_monthly(n_years=3)
    s.index = s.index.where(s.index != s.index[5], s.index[4] + pd.Timedelta(days=10))
    with pytest.raises(InputDataError, match="more than one value"):
        stl_decompose(s)


def test_short_record_is_not_absorbed_by_the_seasonal_component():
    """30 months, no trend: the deseasonalised series must keep its anomalies (regression test:
    with a degree-1 seasonal LOESS the residuals vanished and MK p was ~1e-6)."""
    rng = np.random.default_rng(4)
    idx = pd.date_range("2015-10-01", periods=30, freq="MS")
    y = 70 + 25 * np.cos(2 * np.pi * (idx.month - 1) / 12) + rng.normal(0, 15, 30)
    r = deseasonalised_trend(pd.Series(y, index=idx), n_boot=200)
    assert r.decomposition["resid"].abs().max() > 5
    assert r.mk.p > 0.05
    assert r.ci_low < 0 < r.ci_high


# ---- notebook helpers: display, key numbers, figures ---------------------------------------------

def two_station_monthly():
    a = synthetic_monthly(slope=-4.0, seed=1)
    b = synthetic_monthly(slope=2.0, seed=2)
    b.iloc[[5, 17]] = np.nan  # invalid months
    return pd.concat([pd.DataFrame({"station": "B", "month": b.index, "pm25": b.to_numpy()}),
                      pd.DataFrame({"station": "A", "month": a.index, "pm25": a.to_numpy()})], ignore_index=True)


def test_trend_records_and_display():
    from airlib.analysis.trends import TREND_COLUMNS_ZH, trend_display, trend_records

    m = two_station_monthly()
    tab = trend_table(m, n_boot=50, seed=1)
    rec = trend_records(tab, fields=("slope", "mk_s", "n_months", "n_filled"))
    assert list(rec) == ["A", "B"]
    assert rec["B"]["n_filled"] == 2 and isinstance(rec["B"]["n_filled"], int)
    assert rec["B"]["n_months"] == 58
    assert rec["A"]["slope"] == pytest.approx(float(tab.loc[tab["station"] == "A", "slope"].iloc[0]))
    assert rec["A"]["mk_s"] == tab.loc[tab["station"] == "A", "mk_s"].iloc[0]
    assert set(trend_records(tab)["A"]) == {"slope", "ci_low", "ci_high", "mk_p"}
    with pytest.raises(InputDataError):
        trend_records(tab, fields=("nope",))
    shown = trend_display(tab, {"A": "甲站"}, label="站点")
    assert list(shown.columns) == ["站点", *TREND_COLUMNS_ZH.values()]
    assert shown["站点"].tolist() == ["甲站", "B"]  # unknown names fall back to the code
    assert shown.iloc[0, 1] == round(float(tab["slope"].iloc[0]), 3)
    with pytest.raises(InputDataError):
        trend_display(tab, {}, unit="town_code")


def test_station_trend_grid_and_slope_chart():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from airlib.analysis.trends import plot_station_trends, plot_trend_slopes

    m = two_station_monthly()
    fig = plot_station_trends(m, {"A": "甲站", "B": "乙站"}, ncol=3, n_boot=30, seed=1)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(fig.axes) == 3 and len(visible) == 2
    assert [ax.get_title() for ax in visible] == ["甲站", "乙站"]
    # the panel legend carries the same slope as trend_table with the same arguments
    tab = trend_table(m, n_boot=30, seed=1)
    assert f"{tab['slope'].iloc[0]:+.2f}" in " ".join(t.get_text() for t in visible[0].get_legend().get_texts())
    plt.close(fig)
    fig = plot_trend_slopes(tab, {"A": "甲站"})
    ax = fig.axes[0]
    by_y = {round(t.get_position()[1]): t.get_text() for t in ax.get_yticklabels()}
    assert by_y[1].startswith("甲站（p=") and by_y[0].startswith("B（p=")  # first table row on top
    plt.close(fig)
    with pytest.raises(InputDataError):
        plot_trend_slopes(tab.drop(columns=["mk_p"]))
    with pytest.raises(InputDataError):
        plot_station_trends(m.iloc[0:0])
