"""The calibration benchmark (benchmarks/micro_calibration.py) at small size: same work, same numbers.

Times are never asserted; the checks are that airlib's Huber fits and the numpy least-squares
reference agree on clean synthetic data, that the known responses are found, and that the
stand-in path (no reference network given) runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.micro_calibration import bench_calibration, numpy_reference, synthetic_month  # noqa: E402


@pytest.fixture(scope="module")
def month():
    return synthetic_month(n_stations=30, n_references=3, seed=1)


def test_bench_calibration_small(month):
    micro, ref, pairs = month
    r = bench_calibration(micro, ref, pairs)
    assert r["stations"] == 30 and r["rows"] == len(micro) and r["fits"] == 30
    # every 10th station is already good: not calibrated; the others are
    assert r["used"] == 27
    assert r["calibrated_rows"] == 27 * micro["time"].nunique()
    assert r["max_slope_diff"] < 0.03 and r["max_rmse_cal_diff"] < 0.2
    assert all(r[k] >= 0 for k in ("fit_s", "apply_s", "airlib_s", "numpy_s", "statsmodels_s", "batched_s"))
    # the batched robust fit is statsmodels RLM's estimator: same coefficients and standard errors
    assert r["groups"] == 30 and r["same"] and r["max_coef_rel_diff"] <= 1e-6 and r["max_se_rel_diff"] <= 1e-6


def test_numpy_reference_recovers_the_constructed_response(month):
    micro, ref, pairs = month
    out = numpy_reference(micro, ref, pairs)
    good = out["station"].isin(pairs["station"].iloc[::10])
    # good sensors read the reference: slope 1 (less the attenuation of regressing on a noisy
    # reading, var(ref) / (var(ref) + 3²) ≈ 0.97 here), no humidity term
    np.testing.assert_allclose(out.loc[good, "slope"], 1.0, atol=0.05)
    np.testing.assert_allclose(out.loc[good, "rh_coef"], 0.0, atol=0.02)
    assert (out.loc[~good, "rmse_cal"] < out.loc[~good, "rmse_raw"]).all()


def test_bench_without_reference_network(month):
    micro, _, _ = month
    r = bench_calibration(micro.iloc[: 720 * 5])
    assert r["stations"] == 5 and r["fits"] == 5
