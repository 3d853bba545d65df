"""airlib.analysis.polar: openair polarPlot / polarCluster on constructed cases with known answers
and on the UCI data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from airlib.analysis import polar
from airlib.errors import AirlibError, InputDataError


def _frame(n: int = 20000, seed: int = 1, ws_max: float = 6.0, step: float = 10.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ws = rng.uniform(0, ws_max, n)
    wd = rng.integers(1, int(360 / step) + 1, n) * step
    return pd.DataFrame({"wspm": ws, "wd": wd})


# ---- binning (openair prepare.grid) -------------------------------------------------------------

def test_bins_by_hand():
    # 10° directions → wd_int 10; speeds 0..3 → max 3, bins of 0.1 placed at seq(0, 3, length = 30)
    d = pd.DataFrame({"wspm": [0.0, 0.05, 3.0, 3.0, 1.0, 1.0],
                      "wd": [90.0, 90.0, 180.0, 180.0, 0.0, 360.0],
                      "pm25": [10.0, 20.0, 40.0, 60.0, 5.0, 7.0]})
    b = polar.polar_bins(d).set_index(["wd_bin", "ws"]).sort_index()
    assert b.attrs["wd_int"] == 10 and b.attrs["max_ws"] == 3.0
    # 0 and 0.05 share the lowest (include.lowest) bin, placed at ws 0
    assert b.loc[(90.0, 0.0), "value"] == 15.0 and b.loc[(90.0, 0.0), "n"] == 2
    # 3.0 is in the last bin, placed at max ws (3.0)
    assert b.loc[(180.0, 3.0), "value"] == 50.0 and b.loc[(180.0, 3.0), "weight"] == 0.5
    # 1.0 is the right edge of bin 10 (right-closed) → placed at seq(0,3,len=30)[9]; 0° is 360°
    ws9 = np.linspace(0, 3, 30)[9]
    row = b.loc[(360.0, ws9)]
    assert row["value"] == 6.0 and row["n"] == 2
    assert row["u"] == pytest.approx(0.0, abs=1e-12) and row["v"] == pytest.approx(ws9)
    # min_bin = 2 drops the one-hour bins (there are none: every bin above has 2 hours) ...
    assert len(polar.polar_bins(d, min_bin=2)) == 3
    # ... and min_bin = 3 drops them all
    assert len(polar.polar_bins(d, min_bin=3)) == 0
    one = polar.polar_bins(d.iloc[[0, 2]])
    assert one["weight"].tolist() == [0.25, 0.25] and one["n"].tolist() == [1, 1]
    with pytest.raises(InputDataError, match="one value only"):
        polar.polar_bins(d.iloc[:1])


def test_no_complete_hour_is_a_clear_error():
    d = pd.DataFrame({"wspm": [1.0, np.nan], "wd": [np.nan, 90.0], "pm25": [5.0, 6.0]})
    with pytest.raises(InputDataError, match="no hour has pm25, wspm and wd"):
        polar.polar_bins(d)


def test_bins_5_degrees_for_compass_text_and_unknown_direction():
    d = pd.DataFrame({"wspm": [1.0, 2.0, 2.0], "wd": ["N", "NNE", "E"], "pm25": [1.0, 2.0, 3.0]})
    b = polar.polar_bins(d)
    assert b.attrs["wd_int"] == 5
    # 22.5° → 5*ceiling(4.5 - 0.5) = 20; 90 → 90; 0 → 360
    assert sorted(b["wd_bin"]) == [20.0, 90.0, 360.0]
    with pytest.raises(InputDataError, match="XYZ"):
        polar.polar_bins(d.assign(wd=["N", "XYZ", "E"]))


def test_missing_column_and_bad_statistic():
    with pytest.raises(InputDataError, match="wspm"):
        polar.polar_bins(pd.DataFrame({"wd": [1.0], "pm25": [1.0]}))
    with pytest.raises(AirlibError, match="statistic"):
        polar.polar_bins(pd.DataFrame({"wspm": [1.0], "wd": [1.0], "pm25": [1.0]}), statistic="median")


def test_cpf_bins_by_hand():
    # 10 hours; 90th percentile (type 7) of 1..10 = 9.1 → only 10 is above
    d = pd.DataFrame({"wspm": [1.0] * 5 + [2.0] * 5, "wd": [90.0] * 5 + [270.0] * 5,
                      "pm25": [1, 2, 3, 4, 10, 5, 6, 7, 8, 9]})
    b = polar.polar_bins(d, statistic="cpf", percentile=90).set_index("wd_bin")
    assert b.attrs["threshold"] == pytest.approx(9.1)
    assert b.loc[90.0, "value"] == pytest.approx(0.2) and b.loc[270.0, "value"] == 0.0


# ---- the smoother ---------------------------------------------------------------------------------

def test_tprs_recovers_a_smooth_function_and_is_exact_on_linear():
    rng = np.random.default_rng(3)
    u, v = rng.uniform(-1, 1, (2, 600))
    truth = np.sin(2 * u) + v**2
    fit = polar.fit_thin_plate_regression_spline(u, v, truth + rng.normal(0, 0.1, 600))
    gu, gv = np.meshgrid(np.linspace(-0.9, 0.9, 30), np.linspace(-0.9, 0.9, 30))
    err = fit.predict(gu, gv) - (np.sin(2 * gu) + gv**2)
    assert np.sqrt(np.mean(err**2)) < 0.04  # noise 0.1; the fit averages it down
    assert 5 < fit.edf < 60
    lin = polar.fit_thin_plate_regression_spline(u, v, 3 + 2 * u - v)
    np.testing.assert_allclose(lin.predict(gu, gv), 3 + 2 * gu - gv, atol=1e-6)


def test_tprs_untruncated_equals_the_thin_plate_smoothing_spline():
    # k = n: no truncation, so the fit solves (E + λI)δ + Tα = y, T'δ = 0, E = r² log r / (8π):
    # scipy's thin-plate RBF (kernel r² log r, linear polynomial) with smoothing 8πλ is the same spline
    from scipy.interpolate import RBFInterpolator

    rng = np.random.default_rng(4)
    u, v = rng.uniform(-2, 2, (2, 60))
    z = np.cos(u) * v + rng.normal(0, 0.2, 60)
    lam = 0.05
    fit = polar.fit_thin_plate_regression_spline(u, v, z, k=60, lam=lam)
    rbf = RBFInterpolator(np.column_stack([u, v]), z, kernel="thin_plate_spline", degree=1, smoothing=8 * np.pi * lam)
    gu, gv = np.meshgrid(np.linspace(-2, 2, 15), np.linspace(-2, 2, 15))
    np.testing.assert_allclose(fit.predict(gu, gv), rbf(np.column_stack([gu.ravel(), gv.ravel()])).reshape(gu.shape),
                               atol=1e-7)


def test_tprs_gcv_score_and_edf_from_the_explicit_influence_matrix():
    # the fit is linear in z for a fixed λ: column i of the influence matrix A is the fit to e_i
    rng = np.random.default_rng(6)
    u, v = rng.uniform(-1, 1, (2, 40))
    z = u**2 + rng.normal(0, 0.1, 40)
    w = rng.uniform(0.5, 1.5, 40)
    fit = polar.fit_thin_plate_regression_spline(u, v, z, w, k=20)
    A = np.column_stack([polar.fit_thin_plate_regression_spline(u, v, e, w, k=20, lam=fit.lam).predict(u, v)
                         for e in np.eye(40)])
    assert np.trace(A) == pytest.approx(fit.edf, rel=1e-6)
    r = z - A @ z
    assert fit.gcv == pytest.approx(40 * np.sum(w * r**2) / (40 - np.trace(A)) ** 2, rel=1e-6)
    # GCV's minimum: neighbouring λ score higher
    for f in (0.5, 2.0):
        assert polar.fit_thin_plate_regression_spline(u, v, z, w, k=20, lam=fit.lam * f).gcv >= fit.gcv


def test_tprs_keeps_tied_eigenvectors_so_the_surface_rotates_with_the_data():
    # openair's full bin grid (36 directions × 30 speeds) is symmetric under a 10° rotation; its
    # 100th and 101st eigenvalues are tied, both kept → a rotated data set gives the rotated surface
    ws, wd = np.meshgrid(np.linspace(0, 6, 30), np.arange(10, 361, 10.0))
    rad = np.radians(wd.ravel())
    u, v = ws.ravel() * np.sin(rad), ws.ravel() * np.cos(rad)
    rng = np.random.default_rng(9)
    z = 30 + 2 * v + 0.3 * u * v + rng.normal(0, 2, len(u))
    fit = polar.fit_thin_plate_regression_spline(u, v, z)
    assert fit.basis.shape[1] == 101 - 3
    # rotate the data by one bin (10° clockwise): the value at direction d moves to d + 10
    rot = np.radians(10)
    ur, vr = u * np.cos(rot) + v * np.sin(rot), -u * np.sin(rot) + v * np.cos(rot)
    fit_r = polar.fit_thin_plate_regression_spline(ur, vr, z)
    gu, gv = np.meshgrid(np.linspace(-4, 4, 9), np.linspace(-4, 4, 9))
    gur, gvr = gu * np.cos(rot) + gv * np.sin(rot), -gu * np.sin(rot) + gv * np.cos(rot)
    np.testing.assert_allclose(fit_r.predict(gur, gvr), fit.predict(gu, gv), atol=1e-6)


def test_tprs_needs_k_unique_points():
    with pytest.raises(AirlibError, match="lower k"):
        polar.fit_thin_plate_regression_spline(np.arange(50.0), np.arange(50.0) ** 2, np.ones(50))
    with pytest.raises(AirlibError, match="same length"):
        polar.fit_thin_plate_regression_spline(np.arange(5.0), np.arange(5.0), np.ones(4))
    with pytest.raises(AirlibError, match="finite"):
        polar.fit_thin_plate_regression_spline(np.arange(5.0), np.arange(5.0), np.array([1, 2, np.nan, 4, 5.0]))


# ---- polar_plot -------------------------------------------------------------------------------------

def test_mean_surface_recovers_known_function():
    d = _frame()
    u = d["wspm"] * np.sin(np.radians(d["wd"]))
    rng = np.random.default_rng(2)
    d["pm25"] = 40 + 5 * u + rng.normal(0, 1, len(d))  # 10–70, positive
    s = polar.polar_plot(d, force_positive=False)
    assert len(s) == 201 * 201 and s.attrs["upper"] == d["wspm"].max() - d["wspm"].min()  # x shifted by its minimum
    ok = s.dropna()
    # openair places speed bin j at seq(0, max, length = 30)[j], not the bin's middle: up to 0.5 µg/m³ here
    assert np.sqrt(np.mean((ok["z"] - (40 + 5 * ok["u"])) ** 2)) < 0.5
    # force_positive (sqrt, square) on a positive surface changes little
    s2 = polar.polar_plot(d)
    assert np.sqrt(np.nanmean((s2["z"] - s["z"]) ** 2)) < 0.5


def test_masking_outside_observed_wind_speed():
    d = _frame(ws_max=4.0)
    d["pm25"] = 20.0 + d["wspm"]
    s = polar.polar_plot(d)
    r = np.hypot(s["u"], s["v"])
    # grid spans ±4; corners (r > 4 + 5 % of the 8-wide grid) are masked, the inside is not
    assert s.loc[r > 4 + 0.05 * 8 * 1.01, "z"].isna().all()
    assert s.loc[r < 3.5, "z"].notna().all()
    # a sector with no data (no hours from 90–180°) is masked away from the centre
    d2 = d[(d["wd"] <= 90) | (d["wd"] > 180)]
    s2 = polar.polar_plot(d2)
    sector = (s2["u"] > 1.5) & (s2["v"] < -1.5) & (np.hypot(s2["u"], s2["v"]) < 3.8)
    assert sector.any() and s2.loc[sector, "z"].isna().all()
    # a user upper clips to a circle
    s3 = polar.polar_plot(d, upper=3.0)
    assert s3.loc[np.hypot(s3["u"], s3["v"]) > 3.0 + 1e-9, "z"].isna().all()
    assert s3["u"].max() == pytest.approx(3.0)
    # exclude_missing=False keeps everything
    assert polar.polar_plot(d, exclude_missing=False)["z"].notna().all()


def test_cpf_one_sector():
    d = _frame(n=30000)
    rng = np.random.default_rng(5)
    d["pm25"] = rng.uniform(10, 50, len(d))
    east = (d["wd"] >= 70) & (d["wd"] <= 110) & (d["wspm"] > 2)
    d.loc[east, "pm25"] = rng.uniform(200, 300, east.sum())
    assert east.mean() < 0.1  # every hour above the 90th percentile is from the sector
    s = polar.polar_plot(d, statistic="cpf", percentile=90)
    assert s["z"].max() <= 1.0
    theta = np.degrees(np.arctan2(s["u"], s["v"])) % 360
    r = np.hypot(s["u"], s["v"])
    inside = (theta > 80) & (theta < 100) & (r > 3) & (r < 5.5)
    outside = ((theta > 180) & (theta < 340)) & (r < 5.5)
    assert s.loc[inside, "z"].median() > 0.9
    assert s.loc[outside, "z"].abs().quantile(0.95) < 0.1


# ---- polar_cluster ----------------------------------------------------------------------------------

def _two_sources() -> pd.DataFrame:
    d = _frame(n=30000, seed=7)
    rng = np.random.default_rng(8)
    d["pm25"] = 20 + rng.normal(0, 2, len(d))
    src_a = (d["wd"] >= 40) & (d["wd"] <= 60) & (d["wspm"] > 3)
    src_b = (d["wd"] >= 220) & (d["wd"] <= 240) & (d["wspm"] > 3)
    d.loc[src_a | src_b, "pm25"] += 150
    return d.assign(src_a=src_a, src_b=src_b)


def test_cluster_separates_two_planted_sources_and_is_stable():
    d = _two_sources()
    c1 = polar.polar_cluster(d, n_clusters=4, seed=11)
    c2 = polar.polar_cluster(d, n_clusters=4, seed=11)
    pd.testing.assert_series_equal(c1.hours, c2.hours)
    top = c1.hours.max()  # numbered by mean z: the highest clusters hold the sources
    a = c1.hours[d["src_a"] & (d["wspm"] > 4)].dropna()
    b = c1.hours[d["src_b"] & (d["wspm"] > 4)].dropna()
    # the two sources are on opposite sides: at standardised (u, v, z) they fall in the two high-z
    # clusters, one each; the background (weak wind) is in the two low ones
    assert a.mode()[0] != b.mode()[0]
    assert (a == a.mode()[0]).mean() > 0.9 and (b == b.mode()[0]).mean() > 0.9
    assert {a.mode()[0], b.mode()[0]} == {top, top - 1}
    calm = c1.hours[d["wspm"] < 0.5].dropna()
    assert calm.isin([1, 2]).all()
    assert c1.centres["hours"].sum() == c1.hours.notna().sum()


def test_cluster_hours_follow_row_positions_with_a_repeated_index():
    d = _two_sources()
    c = polar.polar_cluster(d, n_clusters=4, seed=11)
    d2 = d.set_axis(np.zeros(len(d), dtype=int))  # every row has index 0
    c2 = polar.polar_cluster(d2, n_clusters=4, seed=11)
    np.testing.assert_array_equal(c2.hours.to_numpy(dtype=float, na_value=np.nan),
                                  c.hours.to_numpy(dtype=float, na_value=np.nan))


def test_cluster_needs_two():
    with pytest.raises(AirlibError, match="n_clusters"):
        polar.polar_cluster(_two_sources(), n_clusters=1)


# ---- UCI ---------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_uci_station(uci_multisite, tmp_path):
    hourly, _ = uci_multisite
    one = hourly[hourly["station"] == "Dongsi"]
    s = polar.polar_plot(one, "pm25")
    b = polar.polar_bins(one, "pm25")
    ok = s["z"].dropna()
    assert len(ok) > 0.3 * len(s)
    # the smooth surface stays inside the range of the bin means it smooths
    assert b["value"].min() * 0.5 < ok.min() and ok.max() < b["value"].max() * 1.2
    # bins partition the hours with all three values present
    valid = one[["pm25", "wspm", "wd"]].dropna()
    assert b["n"].sum() == len(valid) == b.attrs["n_hours"]
    np.testing.assert_allclose((b["value"] * b["n"]).sum(), valid["pm25"].sum(), rtol=1e-12)
    cpf = polar.polar_plot(one, "pm25", statistic="cpf", percentile=90)
    assert cpf.attrs["threshold"] == pytest.approx(valid["pm25"].quantile(0.9))
    assert cpf["z"].max() <= 1
    c = polar.polar_cluster(one, "pm25", n_clusters=4)
    assert set(c.hours.dropna().unique()) <= {1, 2, 3, 4} and c.hours.notna().mean() > 0.9
    fig = polar.plot_polar(s, title="东四 PM2.5")
    fig2 = polar.plot_polar_cluster(c)
    from airlib.plotting import save_figure

    save_figure(fig, tmp_path / "p.png")
    save_figure(fig2, tmp_path / "c.png")
    assert (tmp_path / "p.png").stat().st_size > 1000
