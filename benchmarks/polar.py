"""Polar plot: speed on four years of one UCI station, and how close the smoother is to the truth.

Run: ``PYTHONPATH=. python -m benchmarks.polar [--station Dongsi] [--repeat 5]``.

1. **Speed** (issue #16 budget: a polar plot of four years of hourly data under 2 s):
   ``airlib.analysis.polar.polar_plot`` (mean and CPF) against a reference computed in the same
   run, the plain pandas binned mean an analyst would write (``groupby`` on rounded direction and
   ``pd.cut`` speed) — the reference must give the same bin means, which is checked.
2. **Smoother** (the issue asks how close the surface is to openair's GAM): a constructed surface
   with a known function z(u, v) sampled on openair's bin positions (30 speeds × 36 directions, noise
   σ = 2), fitted two ways — airlib's thin-plate regression spline with GCV (mgcv's
   ``s(u, v, k = 100)`` model) and ``scipy.interpolate.RBFInterpolator`` (a full thin-plate spline
   with its smoothing chosen by 5-fold cross-validation) — with the RMS error against the truth
   on the 51 × 51 grid inside the data's circle.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from airlib.analysis import polar
from airlib.io.ingest import read_uci_multisite
from airlib.paths import shared_data_dir


def reference_binned_mean(one: pd.DataFrame) -> pd.Series:
    """Plain pandas: mean PM2.5 per (5° direction, 1/30 of max speed) bin, openair's cut rules."""
    d = one[["pm25", "wspm", "wd"]].dropna().copy()
    deg = d["wd"].map(polar.WIND_DIRECTION_DEGREES).replace(0.0, 360.0)
    d["wd_bin"] = 5 * np.ceil(deg / 5 - 0.5)
    x = d["wspm"] - d["wspm"].min()
    d["ws_bin"] = pd.cut(x, np.linspace(0, x.max(), 31), include_lowest=True, labels=False)
    return d.groupby(["wd_bin", "ws_bin"])["pm25"].mean()


def _timed(fn, repeat: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def smoother_comparison(seed: int = 0) -> dict[str, float]:
    """RMS error [units of z] against the truth of the two smoothers on a constructed surface."""
    from scipy.interpolate import RBFInterpolator

    rng = np.random.default_rng(seed)
    ws = np.linspace(0, 6, 30)
    wd = np.arange(10, 361, 10.0)
    W, D = np.meshgrid(ws, wd)
    u, v = (W * np.sin(np.radians(D))).ravel(), (W * np.cos(np.radians(D))).ravel()

    def truth(a, b):
        return 30 + 10 * np.exp(-((a - 3) ** 2 + (b + 2) ** 2) / 2) + 2 * b + 0.3 * a * b

    z = truth(u, v) + rng.normal(0, 2, len(u))
    g = np.linspace(-6, 6, 51)
    GU, GV = np.meshgrid(g, g)
    inside = np.hypot(GU, GV) <= 6
    ref = truth(GU, GV)[inside]
    tprs = polar.fit_thin_plate_regression_spline(u, v, z)
    rms_tprs = float(np.sqrt(np.mean((tprs.predict(GU, GV)[inside] - ref) ** 2)))
    pts = np.column_stack([u, v])
    folds = rng.integers(0, 5, len(z))
    best = (np.inf, None)
    for s in (0.01, 0.1, 1, 3, 10, 30, 100, 300, 1000):
        cv = 0.0
        for f in range(5):
            m = RBFInterpolator(pts[folds != f], z[folds != f], kernel="thin_plate_spline", smoothing=s)
            cv += float(np.sum((m(pts[folds == f]) - z[folds == f]) ** 2))
        best = min(best, (cv, s), key=lambda t: t[0])
    rbf = RBFInterpolator(pts, z, kernel="thin_plate_spline", smoothing=best[1])
    pred = rbf(np.column_stack([GU[inside], GV[inside]]))
    rms_rbf = float(np.sqrt(np.mean((pred - ref) ** 2)))
    return {"rms_tprs_gcv": rms_tprs, "edf_tprs": tprs.edf, "rms_rbf_cv": rms_rbf, "rbf_smoothing": best[1],
            "noise_sd": 2.0}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.polar", description=__doc__.splitlines()[0])
    ap.add_argument("--station", default="Dongsi")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)
    hourly, _ = read_uci_multisite(shared_data_dir() / "uci-beijing-multisite")
    one = hourly[hourly["station"] == a.station].reset_index(drop=True)
    t_ref, ref = _timed(lambda: reference_binned_mean(one), a.repeat)
    t_mean, _ = _timed(lambda: polar.polar_plot(one, "pm25"), a.repeat)
    t_cpf, _ = _timed(lambda: polar.polar_plot(one, "pm25", statistic="cpf", percentile=90), a.repeat)
    t_bins, bins = _timed(lambda: polar.polar_bins(one, "pm25"), a.repeat)
    t_clu, _ = _timed(lambda: polar.polar_cluster(one, "pm25", n_clusters=6), 1)
    got = bins.set_index(["wd_bin", "ws"])["value"].to_numpy()
    same = np.allclose(np.sort(got), np.sort(ref.to_numpy()), rtol=1e-12)
    print(f"station {a.station}: {len(one)} hours, {len(bins)} non-empty bins; bin means equal the pandas reference: {same}")
    print(f"pandas binned mean (reference) {t_ref:.3f} s | polar_bins {t_bins:.3f} s")
    print(f"polar_plot mean {t_mean:.3f} s | polar_plot cpf {t_cpf:.3f} s | polar_cluster (6) {t_clu:.3f} s (budget 2 s)")
    cmp = smoother_comparison()
    print("smoother on a known surface (RMS against the truth, 51×51 grid inside the circle): "
          + ", ".join(f"{k} {v:.3g}" for k, v in cmp.items()))
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
