"""The batched robust fit of the calibration (issue #17 items 3 and 5, part K) against statsmodels.

``airlib.analysis.calibration.robust_linear_fit`` fits every station and season at once (IRLS
vectorised over groups); statsmodels ``RLM(y, X, M=HuberT()).fit()`` with its defaults is the
oracle, one group at a time, here only. Coefficients, standard errors (cov H1), the MAD scale
and the iteration count must agree; coefficients and standard errors to ≤ 1e-6 relative.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

sm = pytest.importorskip("statsmodels.api")

from airlib.analysis import calibration  # noqa: E402
from airlib.analysis.calibration import (  # noqa: E402
    MODEL_TERMS,
    coefficient_drift,
    fit_calibration,
    nearest_reference,
    paired_hours,
    robust_linear_fit,
)
from airlib.settings import DEFAULT  # noqa: E402

RTOL = 1e-6


def _statsmodels(y, x, **fit_kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sm.RLM(y, x, M=sm.robust.norms.HuberT()).fit(**fit_kw)


def _rel(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.abs(b)))


def _random_groups(seed: int, n_groups: int, interaction: bool):
    """Groups of 6–400 rows: y = 3 + 0.6·raw − 0.1·RH (+ 0.002·raw·RH) + t₂ noise, 5 % gross outliers."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(6, 400, n_groups)
    codes = np.repeat(np.arange(n_groups), sizes)
    n = len(codes)
    raw = rng.lognormal(3, 0.7, n)
    rh = rng.uniform(20, 95, n)
    y = 3 + 0.6 * raw - 0.1 * rh + (0.002 * raw * rh if interaction else 0) + 3 * rng.standard_t(2, n)
    out = rng.random(n) < 0.05
    y[out] += rng.normal(0, 80, out.sum())
    x = calibration._design(raw, rh, "linear_rh_interaction" if interaction else "linear_rh")
    perm = rng.permutation(n)  # rows of the groups interleaved: the fit must not need them sorted
    return y[perm], x[perm], codes[perm]


@pytest.mark.parametrize("interaction", [False, True])
def test_batched_fit_equals_statsmodels_on_random_groups_with_outliers(interaction):
    y, x, codes = _random_groups(seed=7 + interaction, n_groups=120, interaction=interaction)
    params, bse, scale, iterations = robust_linear_fit(y, x, codes)
    assert params.shape == (120, x.shape[1]) and bse.shape == params.shape
    for g in range(120):
        m = codes == g
        res = _statsmodels(y[m], x[m])
        assert _rel(params[g], res.params) <= RTOL, (g, params[g], res.params)
        assert _rel(bse[g], res.bse) <= RTOL, (g, bse[g], res.bse)
        assert scale[g] == pytest.approx(res.scale, rel=RTOL)
        assert iterations[g] == res.fit_history["iteration"]
    # the outliers matter: the Huber fit is not least squares
    ols = np.linalg.lstsq(x[codes == 0], y[codes == 0], rcond=None)[0]
    assert _rel(params[0], ols) > 1e-3


def test_iteration_limit_and_tolerance_are_statsmodels_own():
    y, x, codes = _random_groups(seed=11, n_groups=30, interaction=False)
    for kw in ({"maxiter": 2}, {"maxiter": 4}, {"tol": 1e-3}):
        params, bse, _, iterations = robust_linear_fit(y, x, codes, **kw)
        for g in range(30):
            res = _statsmodels(y[codes == g], x[codes == g], **kw)
            assert iterations[g] == res.fit_history["iteration"], (kw, g)
            assert _rel(params[g], res.params) <= RTOL and _rel(bse[g], res.bse) <= RTOL, (kw, g)
    # fewer iterations really stop earlier (the limit is not ignored)
    assert robust_linear_fit(y, x, codes, maxiter=2)[3].max() == 2
    assert robust_linear_fit(y, x, codes)[3].max() > 2


def test_blocks_of_groups_give_the_same_fit(monkeypatch):
    """Groups are padded into blocks of bounded size; splitting into many blocks changes nothing."""
    y, x, codes = _random_groups(seed=3, n_groups=40, interaction=True)
    one = robust_linear_fit(y, x, codes)
    blocks = []
    irls = calibration._irls_block
    monkeypatch.setattr(calibration, "_irls_block", lambda yb, *a: blocks.append(len(yb)) or irls(yb, *a))
    monkeypatch.setattr(calibration, "_BLOCK_CELLS", 1000)  # a block per one to a few groups
    many = robust_linear_fit(y, x, codes)
    assert len(blocks) >= 10 and sum(blocks) == 40
    for a, b in zip(one, many):  # other padding: other rounding only
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=0)


def test_groups_without_rows_and_empty_input():
    y, x, codes = _random_groups(seed=5, n_groups=3, interaction=False)
    params, bse, scale, iterations = robust_linear_fit(y, x, np.where(codes == 1, 3, codes), n_groups=5)
    assert np.isnan(params[[1, 4]]).all() and np.isnan(bse[[1, 4]]).all() and (iterations[[1, 4]] == 0).all()
    assert np.isfinite(params[[0, 2, 3]]).all()
    p, b, s, i = robust_linear_fit(np.empty(0), np.empty((0, 3)), np.empty(0, dtype=int))
    assert p.shape == (0, 3) and s.shape == (0,) and i.shape == (0,)


# --------------------------------------------------------------------------- edge cases


def test_constant_regressor_gives_statsmodels_minimum_norm_solution():
    """RH constant ⇒ the intercept and RH columns are collinear (rank 2 of 3). statsmodels' pinv
    returns the minimum-norm solution and standard errors from (X'X)⁺; so does the batched fit."""
    rng = np.random.default_rng(2)
    n = 150
    raw = rng.uniform(5, 200, n)
    y = 3 + 0.6 * raw + rng.standard_normal(n)
    y[::17] += 60
    x = calibration._design(raw, np.full(n, 55.0), "linear_rh")
    # next to a regular group, in one call
    y2, x2, _ = _random_groups(seed=1, n_groups=1, interaction=False)
    params, bse, scale, iterations = robust_linear_fit(np.r_[y, y2], np.r_[x, x2],
                                                       np.r_[np.zeros(n, int), np.ones(len(y2), int)])
    for g, (yy, xx) in enumerate(((y, x), (y2, x2))):
        res = _statsmodels(yy, xx)
        assert _rel(params[g], res.params) <= RTOL and _rel(bse[g], res.bse) <= RTOL, g
        assert iterations[g] == res.fit_history["iteration"]
    # minimum norm: the constant part is shared between intercept and RH as 1 : 55
    assert params[0, 2] / params[0, 0] == pytest.approx(55.0, rel=1e-6)


def test_zero_scale_stops_as_statsmodels_does():
    """A perfect fit: the MAD of the residuals is 0. statsmodels warns and stops before weighting
    (iteration 1, standard errors 0); the batched fit does the same without a warning or a crash."""
    rng = np.random.default_rng(4)
    x = calibration._design(rng.uniform(5, 200, 80), rng.uniform(20, 95, 80), "linear_rh")
    y = np.zeros(80)  # least squares gives exactly 0 coefficients and residuals
    res = _statsmodels(y, x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        params, bse, scale, iterations = robust_linear_fit(y, x, np.zeros(80, dtype=int))
    assert res.scale == 0.0 and scale[0] == 0.0
    assert iterations[0] == res.fit_history["iteration"] == 1
    np.testing.assert_array_equal(params[0], res.params)
    np.testing.assert_array_equal(bse[0], res.bse)
    # an exact line up to rounding: scale ~1e-14, both still agree on the coefficients
    y = x @ np.array([2.0, 0.5, -0.1])
    res = _statsmodels(y, x)
    params, bse, scale, _ = robust_linear_fit(y, x, np.zeros(80, dtype=int))
    np.testing.assert_allclose(params[0], res.params, rtol=RTOL)
    assert np.all(np.isfinite(bse)) and np.all(bse < 1e-9) and np.all(res.bse < 1e-9)


# --------------------------------------------------------------------------- through fit_calibration


def _hours(n, start="2024-04-01"):
    return pd.date_range(start, periods=n, freq="h")


def _station(name, t, rng, gain=1.6, const_rh=None):
    ref = np.exp(3.3 + 0.5 * np.sin(np.arange(len(t)) / 30) + 0.3 * rng.standard_normal(len(t)))
    rh = np.full(len(t), const_rh) if const_rh is not None else rng.uniform(20, 95, len(t))
    raw = 4 + gain * ref + 0.3 * rh + 3 * rng.standard_normal(len(t))
    raw[::23] += 150  # spikes the Huber weights must resist
    return (pd.DataFrame({"station": name, "time": t, "pm25": raw, "rh": rh}),
            pd.DataFrame({"station": f"R_{name}", "time": t, "pm25": ref}))


def _oracle(micro, reference, pairs, models, settings):
    """statsmodels RLM on each fitted model's training hours (train_start … train_end)."""
    terms = ("intercept", *MODEL_TERMS[settings.calibration_model])
    p = paired_hours(micro, reference, pairs, settings)
    for _, row in models[models["slope"].notna()].iterrows():
        g = p[(p["station"] == row["station"]) & (p["season"] == row["season"])
              & (p["time"] >= row["train_start"]) & (p["time"] <= row["train_end"])]
        assert len(g) == row["n_train"]
        res = _statsmodels(g["ref"].to_numpy(), calibration._design(g["raw"].to_numpy(), g["rh"].to_numpy(),
                                                                      settings.calibration_model))
        yield row, terms, res


@pytest.mark.parametrize("model", sorted(MODEL_TERMS))
def test_fit_calibration_equals_statsmodels_at_the_edges(model):
    """Exactly the minimum of training hours (fitted), one hour fewer (not fitted), a constant
    humidity (singular design), hours with no PM2.5 or no RH (excluded), two seasons."""
    s = dataclasses.replace(DEFAULT, calibration_model=model)
    rng = np.random.default_rng(9)
    n_min = next(n for n in range(s.calibration_min_hours, 400)  # n − ceil(0.3 n) = min hours
                 if n - int(np.ceil(s.calibration_holdout_share * n)) == s.calibration_min_hours)
    parts = [_station("EXACT", _hours(n_min), rng), _station("SHORT", _hours(n_min - 1), rng),
             _station("CONST_RH", _hours(300), rng, const_rh=60.0),
             _station("GAPS", _hours(400), rng), _station("SEASONS", _hours(24 * 40, "2024-10-20"), rng)]
    micro = pd.concat([m for m, _ in parts], ignore_index=True)
    reference = pd.concat([r for _, r in parts], ignore_index=True)
    gaps = (micro["station"] == "GAPS").to_numpy()
    micro.loc[gaps & (np.arange(len(micro)) % 7 == 0), "pm25"] = np.nan
    micro.loc[gaps & (np.arange(len(micro)) % 11 == 0), "rh"] = np.nan
    pairs = pd.DataFrame({"station": [m["station"].iloc[0] for m, _ in parts],
                          "reference": [r["station"].iloc[0] for _, r in parts], "distance_km": 0.3})
    models = fit_calibration(micro, reference, pairs, settings=s)
    by = models.set_index(["station", "season"])
    assert by.loc[("EXACT", "non_heating"), "n_train"] == s.calibration_min_hours
    assert np.isfinite(by.loc[("EXACT", "non_heating"), "slope"])
    assert np.isnan(by.loc[("SHORT", "non_heating"), "slope"])
    assert "too few paired hours" in by.loc[("SHORT", "non_heating"), "reason"]
    assert set(models.loc[models["station"] == "SEASONS", "season"]) == {"heating", "non_heating"}
    checked = 0
    for row, terms, res in _oracle(micro, reference, pairs, models, s):
        got = row[list(terms)].to_numpy(dtype=float)
        got_se = row[[f"{t}_se" for t in terms]].to_numpy(dtype=float)
        assert _rel(got, res.params) <= RTOL, (row["station"], got, res.params)
        assert _rel(got_se, res.bse) <= RTOL, (row["station"], got_se, res.bse)
        checked += 1
    assert checked == 5  # EXACT, CONST_RH, GAPS, SEASONS × 2; not SHORT
    # NaN hours are excluded, not imputed: dropping them first gives the same models
    dropped = micro[micro["pm25"].notna() & micro["rh"].notna()]
    pd.testing.assert_frame_equal(fit_calibration(dropped, reference, pairs, settings=s), models)


def test_no_paired_hours_at_all():
    """No station has a paired hour (the reference covers other hours): one row per station with
    the reason, as before the batched fit; the monthly drift is empty."""
    t = pd.date_range("2024-04-01", periods=100, freq="h")
    micro = pd.DataFrame({"station": "M1", "time": t, "pm25": 10.0, "rh": 50.0})
    reference = pd.DataFrame({"station": "R1", "time": t + pd.Timedelta("30D"), "pm25": 10.0})
    pairs = pd.DataFrame({"station": ["M1", "M2"], "reference": ["R1", None], "distance_km": [1.0, np.nan]})
    m = fit_calibration(micro, reference, pairs)
    assert list(m["station"]) == ["M1", "M2"] and not m["use"].any() and m["slope"].isna().all()
    assert list(m["reason"]) == ["no paired hours with the reference", "no reference station within max_km"]
    assert len(coefficient_drift(micro, reference, pairs)) == 0


def test_infinite_reference_values_are_not_paired():
    """An infinite reference PM2.5 cannot enter a fit (statsmodels stopped with an error on it):
    that hour is not paired, the rest is fitted as without it."""
    rng = np.random.default_rng(12)
    micro, reference = _station("M1", _hours(300), rng)
    pairs = pd.DataFrame({"station": ["M1"], "reference": ["R_M1"], "distance_km": [0.2]})
    bad = reference.copy()
    bad.loc[5, "pm25"] = np.inf
    assert len(paired_hours(micro, bad, pairs)) == 299
    got = fit_calibration(micro, bad, pairs)
    want = fit_calibration(micro, reference.drop(index=5), pairs)
    pd.testing.assert_frame_equal(got, want)
    assert np.isfinite(got["slope"]).all()


@pytest.fixture(scope="module")
def demo():
    from airlib.analysis.sensor_qc import qc_flags
    from airlib.demo.generator import generate_hourly
    from airlib.demo.micro_stations import generate_micro_stations
    from airlib.demo.registry import stations_frame

    end = pd.Period("2017-03", freq="M")
    hourly = generate_hourly(end)
    stations, micro, faults, response, _colocation = generate_micro_stations(hourly, end)
    refs = stations_frame()
    refs = refs[refs["station"].isin(stations["reference"])]
    ref_hourly = hourly[hourly["time"] >= micro["time"].min()]
    flags = qc_flags(micro, stations, ref_hourly, refs, pollutants=("pm25",))
    return flags, ref_hourly, nearest_reference(stations, refs)


@pytest.mark.parametrize("model", sorted(MODEL_TERMS))
def test_demo_micro_stations_equal_statsmodels(demo, model):
    """The demo's SYNTHETIC micro-stations (drift, stuck sensors, humidity bias), QC-passed hours."""
    micro, reference, pairs = demo
    s = dataclasses.replace(DEFAULT, calibration_model=model)
    models = fit_calibration(micro, reference, pairs, settings=s)
    checked = 0
    for row, terms, res in _oracle(micro, reference, pairs, models, s):
        assert _rel(row[list(terms)].to_numpy(dtype=float), res.params) <= RTOL, row["station"]
        assert _rel(row[[f"{t}_se" for t in terms]].to_numpy(dtype=float), res.bse) <= RTOL, row["station"]
        checked += 1
    assert checked >= 40, checked


def test_coefficient_drift_equals_statsmodels_per_month(demo):
    micro, reference, pairs = demo
    drift = coefficient_drift(micro, reference, pairs)
    p = paired_hours(micro, reference, pairs)
    p["month"] = p["time"].dt.to_period("M")
    assert len(drift) >= 40
    for _, row in drift.iloc[::7].iterrows():
        g = p[(p["station"] == row["station"]) & (p["month"] == row["month"])]
        assert len(g) == row["n_hours"]
        x = calibration._design(g["raw"].to_numpy(), g["rh"].to_numpy(), "linear_rh")
        res = _statsmodels(g["ref"].to_numpy(), x)
        assert _rel(row[["intercept", "slope", "rh_coef"]].to_numpy(dtype=float), res.params) <= RTOL
        assert _rel(row[["intercept_se", "slope_se", "rh_coef_se"]].to_numpy(dtype=float), res.bse) <= RTOL
