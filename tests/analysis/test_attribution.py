"""Weather normalisation: synthetic data with a known weather effect and a known emission step."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airlib.analysis.attribution import (
    add_weather_features,
    compare_periods,
    daily_meteorology,
    fit_weather_model,
    normalise_weather,
    relative_humidity,
)
from airlib.errors import InputDataError

WINTER_A = ("2015-12-01", "2016-02-29")
WINTER_B = ("2016-12-01", "2017-02-28")
STEP_DATE = "2016-09-01"


def synthetic_daily(step: float = np.log(0.8), seed: int = 0, bad_weather_b: bool = True) -> pd.DataFrame:
    """Four years of daily data; log PM2.5 = season + weather + step + AR(1) noise.

    Winter B gets stagnant weather (humid, calm, southerly) so that the raw change differs
    from the emission step.
    """
    rng = np.random.default_rng(seed)
    time = pd.date_range("2013-03-01", "2017-02-28", freq="D")
    n = time.size
    doy = 2 * np.pi * time.day_of_year.to_numpy() / 365.25
    temp = 13 - 15 * np.cos(doy) + rng.normal(0, 3, n)
    dewp = temp - rng.uniform(2, 20, n)
    pres = 1013 + 10 * np.cos(doy) + rng.normal(0, 5, n)
    wspm = rng.lognormal(0.5, 0.5, n)
    wd_deg = rng.uniform(0, 360, n)
    rain = np.where(rng.random(n) < 0.15, rng.exponential(5, n), 0.0)
    in_b = (time >= WINTER_B[0]) & (time <= WINTER_B[1])
    if bad_weather_b:
        wspm[in_b] *= 0.55
        dewp[in_b] = temp[in_b] - rng.uniform(1, 8, in_b.sum())
        wd_deg[in_b] = rng.uniform(135, 225, in_b.sum())
    rh = relative_humidity(temp, dewp)
    rad = np.deg2rad(wd_deg)
    e = np.zeros(n)
    for k in range(1, n):
        e[k] = 0.4 * e[k - 1] + rng.normal(0, 0.25)
    logpm = (3.9 + 0.35 * np.cos(doy) + 0.018 * (rh - 50) - 0.6 * np.log(wspm + 0.1)
             - 0.35 * np.cos(rad) - 0.05 * np.log1p(rain) + step * (time >= STEP_DATE) + e)
    return pd.DataFrame({"time": time, "pm25": np.exp(logpm), "temp": temp, "dewp": dewp,
                         "pres": pres, "wspm": wspm, "rain": rain,
                         "wd_sin": np.sin(rad), "wd_cos": np.cos(rad)})


@pytest.fixture(scope="module")
def fitted():
    df = synthetic_daily()
    model = fit_weather_model(df)
    norm = normalise_weather(model, n_draws=60, keep_draws=True, seed=1)
    cmp_ = compare_periods(model, norm, WINTER_A, WINTER_B, n_boot=150, seed=2)
    return df, model, norm, cmp_


def test_relative_humidity_edges():
    assert relative_humidity(20.0, 20.0) == pytest.approx(100.0)
    assert relative_humidity(25.0, 30.0) == 100.0  # supersaturation capped
    # textbook value: T = 20 °C, Td = 10 °C → RH ≈ 52.5 %
    assert relative_humidity(20.0, 10.0) == pytest.approx(52.5, abs=0.5)


def test_wind_direction_features_and_unknown_direction():
    df = pd.DataFrame({"temp": [1.0, 1.0, 1.0], "dewp": [0.0] * 3, "pres": [1000.0] * 3,
                       "wspm": [1.0] * 3, "rain": [0.0] * 3, "wd": ["N", "E", None]})
    out = add_weather_features(df)
    np.testing.assert_allclose(out["wd_cos"], [1.0, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(out["wd_sin"], [0.0, 1.0, 0.0], atol=1e-12)
    df.loc[1, "wd"] = "XX"
    with pytest.raises(InputDataError, match="wind direction"):
        add_weather_features(df)


def test_daily_meteorology_validity_and_vector_wind():
    t = pd.date_range("2016-01-01", periods=48, freq="h")
    h = pd.DataFrame({"station": "S", "time": t, "pm25": 50.0, "temp": 0.0, "dewp": -5.0,
                      "pres": 1020.0, "wspm": 2.0, "rain": 0.0, "wd": "N"})
    h.loc[h.index[24:29], "pm25"] = np.nan  # day 2: 19 valid hours → invalid
    h.loc[h.index[:12], "wd"] = "E"
    d = daily_meteorology(h)
    assert d["pm25_n"].tolist() == [24, 19]
    assert d["pm25"].iloc[0] == 50.0 and np.isnan(d["pm25"].iloc[1])
    assert d["wd_sin"].iloc[0] == pytest.approx(0.5) and d["wd_cos"].iloc[0] == pytest.approx(0.5)


def test_model_skill_is_reported_and_reasonable(fitted):
    _, model, _, _ = fitted
    s = model.skill
    assert set(s) >= {"r2", "rmse", "r2_log", "n"}
    # noise sd of the AR(1) is ≈ 0.27 in log units; weather explains most of the variance
    assert 0.5 < s["r2_log"] < s["r2_in_sample"] + 1e-9
    assert s["rmse"] > 0


def test_normalised_change_recovers_emission_step(fitted):
    df, _, norm, c = fitted
    true_pct = 100 * (0.8 - 1)
    assert c.norm_change_pct_ci[0] < true_pct < c.norm_change_pct_ci[1]
    assert abs(c.norm_change_pct - true_pct) < 5
    # the stagnant winter B makes the raw change much worse than the step
    assert c.raw_change_pct > true_pct + 15
    # raw means are plain means of the observed days
    in_a = (df["time"] >= WINTER_A[0]) & (df["time"] <= WINTER_A[1])
    assert c.raw_a == pytest.approx(df.loc[in_a, "pm25"].mean())
    assert c.weather_change == pytest.approx(c.raw_change - c.norm_change)
    assert c.weather_change_ci[0] > 0  # weather made winter B worse
    assert c.n_days_a == 91 and c.n_days_b == 90


def test_no_step_no_weather_difference_gives_no_change():
    df = synthetic_daily(step=0.0, bad_weather_b=False, seed=4)
    model = fit_weather_model(df, cv_folds=0)
    norm = normalise_weather(model, n_draws=40, keep_draws=True, seed=1)
    c = compare_periods(model, norm, WINTER_A, WINTER_B, n_boot=100, seed=2)
    assert c.norm_change_pct_ci[0] < 0 < c.norm_change_pct_ci[1]


def test_normalisation_is_seeded(fitted):
    _, model, norm, _ = fitted
    again = normalise_weather(model, n_draws=60, keep_draws=False, seed=1)
    np.testing.assert_array_equal(again["normalised"].to_numpy(), norm["normalised"].to_numpy())
    other = normalise_weather(model, n_draws=60, seed=2)
    assert not np.array_equal(other["normalised"].to_numpy(), norm["normalised"].to_numpy())


def test_normalised_series_is_smoother_than_observed(fitted):
    _, _, norm, _ = fitted
    ratio = np.log(norm["normalised"]).diff().std() / np.log(norm["observed"]).diff().std()
    assert ratio < 0.3


def test_compare_periods_needs_draws_and_data(fitted):
    _, model, norm, _ = fitted
    with pytest.raises(InputDataError, match="keep_draws"):
        stripped = norm.copy()
        stripped.attrs = {}
        compare_periods(model, stripped, WINTER_A, WINTER_B)
    with pytest.raises(InputDataError, match="no observed"):
        compare_periods(model, norm, WINTER_A, ("2030-01-01", "2030-02-01"), n_boot=10)


def test_hourly_frame_is_modelled_with_hour_terms():
    rng = np.random.default_rng(0)
    t = pd.date_range("2016-01-01", periods=24 * 90, freq="h")
    n = t.size
    df = pd.DataFrame({"time": t, "temp": rng.normal(0, 5, n), "dewp": rng.normal(-10, 5, n),
                       "pres": rng.normal(1015, 5, n), "wspm": rng.lognormal(0, 0.5, n),
                       "rain": np.where(rng.random(n) < 0.05, rng.exponential(2, n), 0.0),
                       "wd": rng.choice(["N", "S", "E", "W"], n)})
    df["pm25"] = np.exp(4 - 0.5 * np.log(df["wspm"] + 0.1) + 0.3 * np.sin(2 * np.pi * t.hour / 24)
                        + rng.normal(0, 0.2, n))
    model = fit_weather_model(df, cv_folds=3, trend_knot_days=30)
    assert model.hourly and "hr_s1" in model.formula
    assert model.result.model.exog.shape[1] == np.linalg.matrix_rank(model.result.model.exog)
    norm = normalise_weather(model, n_draws=5, seed=0)
    # every hour except the first day (no previous-day weather of its own) gets a value
    assert norm["normalised"].iloc[24:].notna().all()
    assert model.skill["r2_log"] > 0.3


def test_duplicate_times_rejected():
    df = synthetic_daily().iloc[:300]
    with pytest.raises(InputDataError, match="duplicate"):
        fit_weather_model(pd.concat([df, df]))


# ---- notebook helpers ----------------------------------------------------------------------------

def test_winter_labels():
    from airlib.analysis.attribution import winter_labels

    assert winter_labels(WINTER_A, WINTER_B) == ("2015–16冬季", "2016–17冬季")
    assert winter_labels(("1999-12-01", "2000-02-29"), ("2009-12-01", "2010-02-28")) == ("1999–00冬季", "2009–10冬季")
    with pytest.raises(InputDataError):
        winter_labels(("2016-02-01", "2015-12-01"), WINTER_B)


def change_rows():
    return pd.DataFrame({
        "station": ["S1", "全部站点平均"], "raw_a": [80.0, 70.0], "raw_b": [60.0, 56.0], "raw_change": [-20.0, -14.0],
        "raw_change_pct": [-25.0, -20.0], "raw_change_pct_lo": [-30.0, -26.0], "raw_change_pct_hi": [-20.0, -14.0],
        "norm_change": [-10.0, -7.0], "norm_change_pct": [-12.5, -10.0], "norm_change_pct_lo": [-15.0, -13.0],
        "norm_change_pct_hi": [-10.0, -7.0], "weather_change": [-10.0, -7.0], "weather_change_lo": [-12.0, -9.0],
        "weather_change_hi": [-8.0, -5.0], "cv_r2": [0.61234, 0.6], "cv_r2_log": [0.7, 0.72], "cv_rmse": [20.0, 18.0],
        "n_fit": np.array([900, 950], dtype=np.int64)})


def test_change_records_display_and_summary():
    import json

    from airlib.analysis.attribution import change_display, change_records, change_summary_zh

    t = change_rows()
    rec = change_records(t)
    assert list(rec) == ["S1", "全部站点平均"]
    assert rec["S1"]["raw_a"] == 80.0 and rec["全部站点平均"]["n_fit"] == 950.0
    assert "station" not in rec["S1"]
    json.dumps(rec)  # numpy scalars converted
    shown = change_display(t, ("甲冬季", "乙冬季"), {"S1": "一号站"})
    assert shown.columns[:3].tolist() == ["站点", "实测 甲冬季", "实测 乙冬季"]
    assert shown["站点"].tolist() == ["一号站", "全部站点平均"]
    assert shown["留出 R²"].iloc[0] == 0.61
    s = change_summary_zh(t.iloc[-1], ("甲冬季", "乙冬季"))
    assert s.startswith("甲冬季 70.0 → 乙冬季 56.0 µg/m³，实测变化 -20.0%（-26.0，-14.0）")
    assert "天气贡献 -7.0 µg/m³（-9.0，-5.0）" in s and "R² = 0.60（对数尺度 0.72），RMSE = 18.0" in s
    with pytest.raises(InputDataError):
        change_summary_zh(t.iloc[-1].drop("cv_rmse"), ("a", "b"))
    with pytest.raises(InputDataError):
        change_display(t.drop(columns=["cv_r2"]), ("a", "b"))


def test_plot_normalised_shades_periods(fitted):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from airlib.analysis.attribution import plot_normalised

    _, _, norm, _ = fitted
    fig = plot_normalised(norm, periods=(WINTER_A, WINTER_B))
    spans = fig.axes[0].patches
    assert len(spans) == 2
    x0 = matplotlib.dates.num2date(spans[0].get_x()).replace(tzinfo=None)
    assert x0 == pd.Timestamp(WINTER_A[0])
    plt.close(fig)
    assert len(plot_normalised(norm).axes[0].patches) == 0
    plt.close("all")
