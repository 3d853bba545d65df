"""Calibration of a micro-station month (issue #17 item 5, part C3): fit + apply, timed.

Run alone: ``PYTHONPATH=. python -m benchmarks.micro_calibration [--stations 2000] [--seed 0]``
(builds its own seeded synthetic month, :func:`synthetic_month`). The micro-network harness
(``benchmarks/micro_network.py``) calls :func:`bench_calibration` on its own month.

Measured in the same run:

* **airlib**: :func:`airlib.analysis.calibration.fit_calibration` (Huber robust regression,
  one model per station and season, all fitted together by the batched IRLS
  :func:`~airlib.analysis.calibration.robust_linear_fit`; time-blocked hold-out, skill) then
  :func:`~airlib.analysis.calibration.apply_calibration`;
* **statsmodels reference** (:func:`statsmodels_reference`): the same training hours of every
  station and season fitted one by one with statsmodels ``RLM(HuberT())`` (the estimator the
  batched fit reproduces, and what ``fit_calibration`` ran before), timed against
  ``robust_linear_fit`` on the same rows; the run reports the largest coefficient and
  standard-error differences (absolute and relative), which must be ≤ 1e-6 relative (``same``);
* **numpy reference**: ordinary least squares of the same model per station, all stations at
  once (batched normal equations, ``numpy.linalg.solve`` on a stack of 3 × 3 systems) on the same
  training hours, and its held-out RMSE — what an analyst would write without robust weights.

On clean data (noise without outliers) Huber and least squares estimate the same coefficients;
the run reports the largest slope difference and the largest held-out RMSE difference between
the two, so a wrong fit shows as a large number next to the timing. Times are printed, never
asserted (``tests/engine/test_benchmarks_smoke.py`` runs this at small size).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from airlib.analysis.calibration import (
    MODEL_TERMS,
    _design,
    apply_calibration,
    fit_calibration,
    paired_hours,
    robust_linear_fit,
)
from airlib.settings import DEFAULT, Settings


def synthetic_month(n_stations: int = 2000, month: str = "2024-06", n_references: int = 20,
                    seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A SYNTHETIC month of micro-stations with a known linear response and humidity bias.

    Returns ``(micro_hourly, reference_hourly, pairs)``: reference PM2.5 [µg/m³] per reference
    station (lognormal with slow episodes), each micro-station reading
    ``offset + gain · reference + rh_bias · RH + noise`` (gain 0.8–2.0, offset 0–10 µg/m³,
    rh_bias 0–0.5 µg/m³ per %, noise σ 3 µg/m³), RH [%] 20–95; one in ten stations already good
    (gain 1, no offset or humidity bias).
    """
    rng = np.random.default_rng(seed)
    t = pd.date_range(pd.Period(month, "M").start_time, pd.Period(month, "M").end_time.floor("h"), freq="h")
    nh = len(t)
    k = np.arange(nh)
    refs = [f"R{j:03d}" for j in range(n_references)]
    ref_pm = np.exp(3.3 + 0.6 * np.sin(k[None, :] / 37.0 + rng.uniform(0, 6, (n_references, 1)))
                    + 0.3 * rng.standard_normal((n_references, nh)))
    reference_hourly = pd.DataFrame({"station": np.repeat(refs, nh), "time": np.tile(t, n_references),
                                     "pm25": ref_pm.ravel()})
    stations = np.array([f"M{i:05d}" for i in range(n_stations)])
    ref_of = rng.integers(0, n_references, n_stations)
    rh = np.clip(55 + 25 * np.sin(k[None, :] / 11.0) + 8 * rng.standard_normal((n_stations, nh)), 20, 95)
    gain = rng.uniform(0.8, 2.0, (n_stations, 1))
    offset = rng.uniform(0, 10, (n_stations, 1))
    rh_bias = rng.uniform(0, 0.5, (n_stations, 1))
    good = (np.arange(n_stations) % 10 == 0)[:, None]
    gain, offset, rh_bias = np.where(good, 1.0, gain), np.where(good, 0.0, offset), np.where(good, 0.0, rh_bias)
    raw = offset + gain * ref_pm[ref_of] + rh_bias * rh + 3.0 * rng.standard_normal((n_stations, nh))
    micro_hourly = pd.DataFrame({"station": np.repeat(stations, nh), "time": np.tile(t, n_stations),
                                 "pm25": raw.ravel(), "rh": rh.ravel()})
    pairs = pd.DataFrame({"station": stations, "reference": np.array(refs)[ref_of], "distance_km": 1.0})
    return micro_hourly, reference_hourly, pairs


def numpy_reference(micro_hourly: pd.DataFrame, reference_hourly: pd.DataFrame, pairs: pd.DataFrame,
                    settings: Settings | None = None) -> pd.DataFrame:
    """Least squares ref ~ 1 + raw + RH per station and season, batched; held-out RMSE (raw and calibrated)."""
    s = settings or DEFAULT
    p = paired_hours(micro_hourly, reference_hourly, pairs, s)
    key = p["station"] + "|" + p["season"]
    codes, uniq = pd.factorize(key, sort=True)
    # the same time-blocked split: per group the latest ceil(share · n) hours held out
    n = np.bincount(codes)
    pos = p.groupby(codes).cumcount().to_numpy()  # rows are sorted by station and time
    train = pos < (n - np.ceil(s.calibration_holdout_share * n).astype(int))[codes]
    x = np.column_stack([np.ones(len(p)), p["raw"].to_numpy(), p["rh"].to_numpy()])
    y = p["ref"].to_numpy()
    g = len(uniq)
    xtx = np.zeros((g, 3, 3))
    xty = np.zeros((g, 3))
    xt, yt, ct = x[train], y[train], codes[train]
    for a in range(3):
        xty[:, a] = np.bincount(ct, xt[:, a] * yt, minlength=g)
        for b in range(3):
            xtx[:, a, b] = np.bincount(ct, xt[:, a] * xt[:, b], minlength=g)
    beta = np.linalg.solve(xtx, xty[..., None])[..., 0]
    hold = ~train
    pred = np.maximum(np.einsum("ij,ij->i", x, beta[codes]), 0.0)
    nh = np.bincount(codes[hold], minlength=g)
    rmse_cal = np.sqrt(np.bincount(codes[hold], (pred[hold] - y[hold]) ** 2, minlength=g) / nh)
    rmse_raw = np.sqrt(np.bincount(codes[hold], (x[hold, 1] - y[hold]) ** 2, minlength=g) / nh)
    st, se = zip(*(k.split("|") for k in uniq))
    return pd.DataFrame({"station": st, "season": se, "intercept": beta[:, 0], "slope": beta[:, 1],
                         "rh_coef": beta[:, 2], "rmse_raw": rmse_raw, "rmse_cal": rmse_cal})


def statsmodels_reference(micro_hourly: pd.DataFrame, reference_hourly: pd.DataFrame, pairs: pd.DataFrame,
                          models: pd.DataFrame, settings: Settings | None = None) -> dict:
    """The fitted models of ``fit_calibration`` refitted with statsmodels ``RLM``, one by one.

    The training rows of each fitted station and season are the paired hours between its
    ``train_start`` and ``train_end``; they are fitted (a) with statsmodels ``RLM(y, X,
    M=HuberT()).fit()`` in a loop over the models and (b) with
    :func:`airlib.analysis.calibration.robust_linear_fit`, all at once; both timed.

    Returns
    -------
    dict
        ``statsmodels_s``, ``batched_s`` [s] (the fits alone), ``groups``, ``max_coef_diff``
        (largest |statsmodels − fit_calibration| coefficient), ``max_coef_rel_diff``,
        ``max_se_rel_diff`` (relative to the statsmodels value) and ``max_batched_rel_diff``
        (``robust_linear_fit`` on these rows against statsmodels).
    """
    import statsmodels.api as sm

    s = settings or DEFAULT
    terms = ("intercept", *MODEL_TERMS[s.calibration_model])
    fitted = models[models["slope"].notna()].reset_index(drop=True)
    p = paired_hours(micro_hourly, reference_hourly, pairs, s)
    win = p.merge(fitted[["station", "season", "train_start", "train_end"]].assign(g=np.arange(len(fitted))),
                  on=["station", "season"], how="inner")
    win = win[(win["time"] >= win["train_start"]) & (win["time"] <= win["train_end"])].sort_values(["g", "time"])
    y = win["ref"].to_numpy(dtype=float)
    x = _design(win["raw"].to_numpy(dtype=float), win["rh"].to_numpy(dtype=float), s.calibration_model)
    g = win["g"].to_numpy()
    bounds = np.r_[0, np.cumsum(np.bincount(g, minlength=len(fitted)))]
    t0 = time.perf_counter()
    sm_params = np.empty((len(fitted), len(terms)))
    sm_bse = np.empty((len(fitted), len(terms)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(len(fitted)):  # the per-model loop the batched fit replaces
            sl = slice(bounds[i], bounds[i + 1])
            res = sm.RLM(y[sl], x[sl], M=sm.robust.norms.HuberT()).fit()
            sm_params[i], sm_bse[i] = res.params, res.bse
    t1 = time.perf_counter()
    b_params, b_bse = robust_linear_fit(y, x, g, n_groups=len(fitted))[:2]
    t2 = time.perf_counter()
    ours = fitted[list(terms)].to_numpy(dtype=float)
    ours_se = fitted[[f"{t}_se" for t in terms]].to_numpy(dtype=float)

    def rel(a, b):
        return float(np.max(np.abs(a - b) / np.abs(b))) if a.size else np.nan

    return {"groups": len(fitted), "statsmodels_s": t1 - t0, "batched_s": t2 - t1,
            "max_coef_diff": float(np.max(np.abs(ours - sm_params))) if len(fitted) else np.nan,
            "max_coef_rel_diff": rel(ours, sm_params), "max_se_rel_diff": rel(ours_se, sm_bse),
            "max_batched_rel_diff": max(rel(b_params, sm_params), rel(b_bse, sm_bse)) if len(fitted) else np.nan}


def bench_calibration(frame: pd.DataFrame, reference_hourly: pd.DataFrame | None = None,
                      pairs: pd.DataFrame | None = None, settings: Settings | None = None,
                      statsmodels: bool = True) -> dict:
    """Time fit + apply of the calibration on a micro-station frame, and the numpy reference.

    Parameters
    ----------
    frame : pandas.DataFrame
        Micro-station hourly frame (``station``, ``time``, ``pm25`` [µg/m³], ``rh`` [%] or
        ``temp``/``dewp`` [°C]).
    reference_hourly, pairs : pandas.DataFrame, optional
        The reference stations' hourly frame and the pairs (``nearest_reference``). Without them
        (a harness with no reference network) every micro-station is paired with one stand-in
        reference, the network's hourly median: the timing is the same work, the coefficients
        then mean nothing.
    settings : Settings, optional
    statsmodels : bool
        Also run :func:`statsmodels_reference` (the per-model statsmodels loop; seconds at 2,000
        stations).

    Returns
    -------
    dict
        ``stations``, ``rows``, ``fits`` (station-season models), ``used`` (models applied),
        ``fit_s``, ``apply_s``, ``airlib_s`` (fit + apply), ``numpy_s`` [s],
        ``max_slope_diff`` (largest |Huber − least squares| slope where both fit) and
        ``max_rmse_cal_diff`` [µg/m³] (same for the held-out RMSE); with ``statsmodels``, the
        keys of :func:`statsmodels_reference`, ``same`` (every coefficient and standard error
        within 1e-6 relative of statsmodels) and ``check`` (one line for the harness' table).
    """
    s = settings or DEFAULT
    if reference_hourly is None or pairs is None:
        med = frame.groupby("time", sort=True)["pm25"].median()
        reference_hourly = pd.DataFrame({"station": "MEDIAN", "time": med.index, "pm25": med.to_numpy()})
        pairs = pd.DataFrame({"station": pd.unique(frame["station"].astype(str)), "reference": "MEDIAN",
                              "distance_km": np.nan})
    t0 = time.perf_counter()
    models = fit_calibration(frame, reference_hourly, pairs, settings=s)
    t1 = time.perf_counter()
    out = apply_calibration(frame, models, settings=s)
    t2 = time.perf_counter()
    ref = numpy_reference(frame, reference_hourly, pairs, settings=s)
    t3 = time.perf_counter()
    fitted = models[models["slope"].notna()].merge(ref, on=["station", "season"], suffixes=("", "_np"))
    extra = {}
    if statsmodels:
        extra = statsmodels_reference(frame, reference_hourly, pairs, models, s)
        worst = max(extra["max_coef_rel_diff"], extra["max_se_rel_diff"], extra["max_batched_rel_diff"])
        extra["same"] = bool(worst <= 1e-6) if extra["groups"] else True
        extra["check"] = (f"batched IRLS vs statsmodels RLM: max rel diff {worst:.1e} "
                          f"({'same' if extra['same'] else 'DIFFERENT'}); fits {extra['batched_s']:.2f} s "
                          f"vs {extra['statsmodels_s']:.2f} s")
    return {
        "stations": int(frame["station"].nunique()), "rows": len(frame), "fits": int(models["slope"].notna().sum()),
        "used": int(models["use"].sum()), "calibrated_rows": int(out["calibrated"].sum()),
        "fit_s": t1 - t0, "apply_s": t2 - t1, "airlib_s": t2 - t0, "numpy_s": t3 - t2,
        "max_slope_diff": float((fitted["slope"] - fitted["slope_np"]).abs().max()) if len(fitted) else np.nan,
        "max_rmse_cal_diff": float((fitted["rmse_cal"] - fitted["rmse_cal_np"]).abs().max()) if len(fitted) else np.nan,
        **extra,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stations", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    micro, ref, pairs = synthetic_month(a.stations, seed=a.seed)
    print(f"synthetic month: {len(micro):,} rows, {a.stations} stations ({time.perf_counter() - t0:.1f} s to build)")
    r = bench_calibration(micro, ref, pairs)
    r.pop("check", None)
    for k, v in r.items():
        print(f"  {k}: {v:.4g}" if isinstance(v, float) else f"  {k}: {v}")
    return 0 if r.get("same", True) else 1


__all__ = ["synthetic_month", "numpy_reference", "statsmodels_reference", "bench_calibration"]

if __name__ == "__main__":
    raise SystemExit(main())
