"""notebooks/trends_and_attribution.ipynb: runs under papermill on the real UCI data and the demo
data; its key numbers are checked against independent plain-pandas/numpy calculations."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from airlib.paths import shared_data_dir

ROOT = Path(__file__).resolve().parents[2]
NB = ROOT / "notebooks" / "trends_and_attribution.ipynb"
UCI = shared_data_dir() / "uci-beijing-multisite"
WINTER_A = ("2015-12-01", "2016-02-29")
WINTER_B = ("2016-12-01", "2017-02-28")


def _run(tmp_path: Path, **params) -> dict:
    import papermill as pm

    key = tmp_path / "key.json"
    pm.execute_notebook(str(NB), str(tmp_path / "out.ipynb"), cwd=str(NB.parent), progress_bar=False,
                        parameters={"figures_dir": str(tmp_path / "figures"), "key_numbers_path": str(key),
                                    **params})
    return json.loads(key.read_text(encoding="utf-8"))


# ---- independent calculations from the raw CSV files (no airlib) ---------------------------------

def _raw_daily() -> pd.DataFrame:
    frames = []
    for f in sorted(UCI.glob("PRSA_Data_*_20130301-20170228.csv")):
        d = pd.read_csv(f, usecols=["year", "month", "day", "PM2.5", "station"])
        d["date"] = pd.to_datetime(d[["year", "month", "day"]])
        g = d.groupby(["station", "date"])["PM2.5"].agg(["mean", "count"]).reset_index()
        g.loc[g["count"] < 20, "mean"] = np.nan  # GB 3095 Table 4: ≥ 20 hourly values
        frames.append(g)
    return pd.concat(frames, ignore_index=True)


def _raw_monthly(daily: pd.DataFrame, station: str) -> pd.Series:
    d = daily[daily["station"] == station].set_index("date")["mean"]
    m = d.resample("MS").agg(["mean", "count"])
    need = np.where(m.index.month == 2, 25, 27)
    return m["mean"].where(m["count"] >= need)


def _fill_and_deseasonalise(s: pd.Series) -> pd.Series:
    from statsmodels.tsa.seasonal import STL

    clim = {mo: s[s.index.month == mo].mean() for mo in range(1, 13)}
    anom = [v - clim[t.month] for t, v in s.items()]
    anom = pd.Series(anom, index=s.index).interpolate(method="time", limit_area="inside").ffill().bfill()
    filled = pd.Series([s[t] if pd.notna(s[t]) else clim[t.month] + anom[t] for t in s.index], index=s.index)
    res = STL(filled.to_numpy(), period=12, seasonal=13, robust=True, seasonal_deg=0).fit()
    return (s - res.seasonal).dropna()


def _brute_sen_and_s(y: pd.Series) -> tuple[float, int]:
    t = 1970 + ((y.index - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)).to_numpy() / 365.2425
    v = y.to_numpy()
    slopes, s = [], 0
    for i in range(len(v)):
        for j in range(i + 1, len(v)):
            slopes.append((v[j] - v[i]) / (t[j] - t[i]))
            s += int(v[j] > v[i]) - int(v[j] < v[i])
    return float(np.median(slopes)), s


@pytest.mark.slow
def test_notebook_on_real_uci_data(tmp_path):
    if not UCI.exists():
        pytest.skip(f"real data not found at {UCI}")
    key = _run(tmp_path, dataset="uci", n_boot_trend=200, n_draws=20, n_boot_change=40)
    figs = {p.name for p in (tmp_path / "figures").glob("*.png")}
    assert {"trend_stations_uci.png", "trend_slopes_uci.png", "winter_change_uci.png", "normalised_series_uci.png",
            "calendar_uci.png", "profiles_uci.png", "heating_season_uci.png"} <= figs

    daily = _raw_daily()
    # valid monthly means of the first station vs plain pandas
    first = key["monthly_mean_first_station"]
    ref = _raw_monthly(daily, first["station"])
    got = np.array([np.nan if v is None else v for v in first["values"]], dtype=float)
    np.testing.assert_allclose(got, ref.to_numpy(), rtol=1e-12, equal_nan=True)

    # every station: Theil–Sen slope = brute-force median of pairwise slopes, MK S = double loop
    assert len(key["trend_station"]) == 12
    for station, tr in key["trend_station"].items():
        y = _fill_and_deseasonalise(_raw_monthly(daily, station))
        slope, s = _brute_sen_and_s(y)
        assert tr["slope"] == pytest.approx(slope, rel=1e-9), station
        assert tr["mk_s"] == s, station
        assert tr["n_months"] == len(y)
        assert tr["ci_low"] < tr["slope"] < tr["ci_high"]
        assert 0 <= tr["mk_p"] <= 1

    # winter means of the 12-station average vs plain pandas
    area = key["winter_change"]["全部站点平均"]
    day_mean = daily.groupby("date")["mean"].mean()
    for (a, b), name in ((WINTER_A, "raw_a"), (WINTER_B, "raw_b")):
        assert area[name] == pytest.approx(day_mean[a:b].mean(), rel=1e-9)
    assert area["raw_change_pct"] == pytest.approx(100 * (area["raw_b"] / area["raw_a"] - 1))
    assert area["weather_change"] == pytest.approx(area["raw_change"] - area["norm_change"])
    for k in ("raw_change_pct", "norm_change_pct"):
        assert area[f"{k}_lo"] < area[k] < area[f"{k}_hi"]
    # skill measured on held-out blocks, reported, and below the in-sample fit
    assert 0.2 < area["cv_r2"] < 0.95 and area["cv_rmse"] > 0
    assert len(key["winter_change"]) == 13

    # heating season table: means vs plain pandas
    h = key["heating"]["2015–16采暖季"]
    m = day_mean["2015-11-15":"2016-03-15"]
    assert h["mean"] == pytest.approx(m.mean(), rel=1e-9) and h["n"] == m.notna().sum()


@pytest.mark.slow
def test_notebook_on_demo_data(tmp_path):
    key = _run(tmp_path, dataset="demo", n_boot_trend=100, n_draws=15, n_boot_change=30,
               winter_a=["2016-12-01", "2017-02-28"], winter_b=["2017-12-01", "2018-02-28"],
               calendar_year=2017, demo_end="2018-03")
    figs = {p.name for p in (tmp_path / "figures").glob("*.png")}
    assert {"event_study_demo.png", "its_demo.png", "calendar_demo.png"} <= figs
    assert key["did"]["n_treated"] >= 2
    lo, hi = key["did"]["att_twfe_ci"]
    assert lo < key["did"]["att_twfe"] < hi
    area = key["winter_change"]["全部站点平均"]
    # the demo has a district-wide 25 % step between these winters: the weather-normalised change is a fall
    assert area["norm_change_pct"] < 0
